//! Actions under async-std: the same built-ins as the tokio runtime (`core.noop`,
//! `core.echo`, `core.local`, `core.sleep`) and the application's own async functions.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_std::process::{Command, Stdio};
pub use ostinato_core::ActionOutcome;
use ostinato_core::input_text;
use serde_json::Value;

/// The future an action returns.
pub type ActionFuture = Pin<Box<dyn Future<Output = ActionOutcome> + Send>>;

/// An action: rendered input in, outcome out.
pub type ActionFn = Arc<dyn Fn(Value) -> ActionFuture + Send + Sync>;

/// Actions by name.
#[derive(Clone, Default)]
pub struct Actions {
    map: BTreeMap<String, ActionFn>,
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.map.keys()).finish()
    }
}

impl Actions {
    /// The built-in actions: `core.noop`, `core.echo`, `core.local`, `core.sleep`.
    #[must_use]
    pub fn builtin() -> Self {
        let mut a = Actions::default();
        a.register("core.noop", |_| async { ActionOutcome::succeeded(Value::Null) });
        a.register("core.echo", |input| async move { ActionOutcome::echo(&input) });
        a.register("core.sleep", |input| async move {
            let seconds = input.get("seconds").and_then(Value::as_f64).unwrap_or(1.0).max(0.0);
            async_std::task::sleep(Duration::from_secs_f64(seconds)).await;
            ActionOutcome::succeeded(Value::Null)
        });
        a.register("core.local", local);
        a
    }

    /// Register (or replace) an action.
    pub fn register<F, Fut>(&mut self, name: impl Into<String>, f: F)
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ActionOutcome> + Send + 'static,
    {
        self.map.insert(name.into(), Arc::new(move |input| Box::pin(f(input))));
    }

    /// An action by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<ActionFn> {
        self.map.get(name).cloned()
    }
}

/// `core.local`, as in the tokio runtime: `/bin/sh -c cmd` with optional `cwd`, `env` and
/// `timeout`; killed when the run is canceled.
async fn local(input: Value) -> ActionOutcome {
    let Some(cmd) = input.get("cmd").map(input_text) else {
        return ActionOutcome::error("core.local needs a `cmd` input");
    };
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(&cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(cwd) = input.get("cwd").and_then(Value::as_str) {
        command.current_dir(cwd);
    }
    if let Some(env) = input.get("env").and_then(Value::as_object) {
        for (k, v) in env {
            command.env(k, input_text(v));
        }
    }
    let child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return ActionOutcome::error(format!("cannot start /bin/sh: {e}")),
    };
    let waited = match input.get("timeout").and_then(Value::as_f64).filter(|t| *t > 0.0) {
        Some(t) => match async_std::future::timeout(Duration::from_secs_f64(t), child.output()).await {
            Ok(r) => r,
            Err(_) => return ActionOutcome::process_timed_out(t),
        },
        None => child.output().await,
    };
    match waited {
        Ok(out) => ActionOutcome::process(&out.stdout, &out.stderr, out.status.code()),
        Err(e) => ActionOutcome::error(e.to_string()),
    }
}
