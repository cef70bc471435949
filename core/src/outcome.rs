//! How an action execution ended, and the results of StackStorm's built-in actions, shaped
//! once here so every runtime reports them identically. Only the shaping is here: running a
//! process or sleeping is the runtime's IO.

use serde_json::{Value, json};

use crate::engine::ActionStatus;

/// How an action execution ended: what a runtime reports to the engine.
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

    /// Failure with a result (conventionally `{"error": ...}`).
    #[must_use]
    pub fn failed(result: Value) -> Self {
        ActionOutcome { status: ActionStatus::Failed, result }
    }

    /// A failure explained by `message`, as `{"error": message}`.
    #[must_use]
    pub fn error(message: impl Into<String>) -> Self {
        ActionOutcome::failed(json!({"error": message.into()}))
    }

    /// `core.echo`: succeeds with its `message` input as `stdout`, shaped like `core.local`.
    #[must_use]
    pub fn echo(input: &Value) -> Self {
        let message = input.get("message").map(input_text).unwrap_or_default();
        ActionOutcome::succeeded(
            json!({"stdout": message, "stderr": "", "return_code": 0, "succeeded": true, "failed": false}),
        )
    }

    /// `core.local` after the process exited: `stdout` and `stderr` with one trailing
    /// newline removed (so `result().stdout = 'ready'` works), the exit code (`-1` when a
    /// signal ended it), and a failure for any code but 0.
    #[must_use]
    pub fn process(stdout: &[u8], stderr: &[u8], code: Option<i32>) -> Self {
        let strip = |b: &[u8]| {
            let s = String::from_utf8_lossy(b).into_owned();
            s.strip_suffix('\n').map(str::to_owned).unwrap_or(s)
        };
        let code = code.unwrap_or(-1);
        let result = json!({
            "stdout": strip(stdout), "stderr": strip(stderr), "return_code": code,
            "succeeded": code == 0, "failed": code != 0,
        });
        if code == 0 { ActionOutcome::succeeded(result) } else { ActionOutcome::failed(result) }
    }

    /// `core.local` stopped at its own `timeout` input: the runner's `timeout` status.
    #[must_use]
    pub fn process_timed_out(seconds: f64) -> Self {
        ActionOutcome {
            status: ActionStatus::Timeout,
            result: json!({"error": format!("timed out after {seconds} seconds"), "succeeded": false, "failed": true}),
        }
    }
}

/// An input value as command-line text: strings as they are, anything else as JSON.
#[must_use]
pub fn input_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_result_strips_one_newline_and_fails_on_a_non_zero_code() {
        let ok = ActionOutcome::process(b"ready\n\n", b"", Some(0));
        assert_eq!(ok.status, ActionStatus::Succeeded);
        assert_eq!(ok.result["stdout"], "ready\n");
        let killed = ActionOutcome::process(b"", b"boom\n", None);
        assert_eq!(killed.status, ActionStatus::Failed);
        assert_eq!(
            (killed.result["return_code"].clone(), killed.result["stderr"].clone()),
            (json!(-1), json!("boom"))
        );
    }

    #[test]
    fn echo_renders_non_strings_as_json() {
        assert_eq!(ActionOutcome::echo(&json!({"message": [1, 2]})).result["stdout"], "[1,2]");
        assert_eq!(ActionOutcome::echo(&json!({})).result["stdout"], "");
    }
}
