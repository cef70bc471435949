//! Actions under async-std: the same built-ins as the tokio runtime (`core.noop`,
//! `core.echo`, `core.local`, `core.sleep`) and the application's own async functions.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_std::process::{Command, Stdio};
use ostinato_core::ActionStatus;
use serde_json::{Value, json};

/// How an action execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// `Succeeded`, `Failed`, `Timeout`, ...
    pub status: ActionStatus,
    /// The result the workflow sees as `result()`.
    pub result: Value,
}

impl ActionOutcome {
    /// Success with a result.
    #[must_use]
    pub fn succeeded(result: Value) -> Self {
        ActionOutcome { status: ActionStatus::Succeeded, result }
    }

    /// Failure with a result.
    #[must_use]
    pub fn failed(result: Value) -> Self {
        ActionOutcome { status: ActionStatus::Failed, result }
    }
}

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
        a.register("core.echo", |input| async move {
            let message = input.get("message").map(text).unwrap_or_default();
            ActionOutcome::succeeded(json!({"stdout": message, "stderr": "", "return_code": 0, "succeeded": true, "failed": false}))
        });
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

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `core.local`, as in the tokio runtime: `/bin/sh -c cmd` with optional `cwd`, `env` and
/// `timeout`; killed when the run is canceled.
async fn local(input: Value) -> ActionOutcome {
    let Some(cmd) = input.get("cmd").map(text) else {
        return ActionOutcome::failed(json!({"error": "core.local needs a `cmd` input"}));
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
            command.env(k, text(v));
        }
    }
    let child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return ActionOutcome::failed(json!({"error": format!("cannot start /bin/sh: {e}")})),
    };
    let waited = match input.get("timeout").and_then(Value::as_f64).filter(|t| *t > 0.0) {
        Some(t) => match async_std::future::timeout(Duration::from_secs_f64(t), child.output()).await {
            Ok(r) => r,
            Err(_) => {
                return ActionOutcome {
                    status: ActionStatus::Timeout,
                    result: json!({"error": format!("timed out after {t} seconds"), "succeeded": false, "failed": true}),
                };
            }
        },
        None => child.output().await,
    };
    match waited {
        Ok(out) => {
            let strip = |b: &[u8]| {
                let s = String::from_utf8_lossy(b).into_owned();
                s.strip_suffix('\n').map(str::to_owned).unwrap_or(s)
            };
            let code = out.status.code().unwrap_or(-1);
            let result = json!({
                "stdout": strip(&out.stdout), "stderr": strip(&out.stderr), "return_code": code,
                "succeeded": code == 0, "failed": code != 0,
            });
            if code == 0 { ActionOutcome::succeeded(result) } else { ActionOutcome::failed(result) }
        }
        Err(e) => ActionOutcome::failed(json!({"error": e.to_string()})),
    }
}
