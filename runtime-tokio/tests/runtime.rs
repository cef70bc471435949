//! The tokio runtime: real concurrency, joins, delays, timeouts and cancellation. Timing
//! tests run on tokio's paused clock, so they measure virtual time and never sleep for real.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ostinato_core::{Status, compile};
use ostinato_tokio::{ActionOutcome, Actions, Control, Handle, Progress, run};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// Actions plus `test.sleep` (virtual-time sleep of `seconds`).
fn actions() -> Actions {
    let mut a = Actions::builtin();
    a.register("test.sleep", |input: Value| async move {
        let s = input.get("seconds").and_then(Value::as_u64).unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(s)).await;
        ActionOutcome::succeeded(json!(s))
    });
    a
}

/// Run and record when each task started, in virtual seconds.
async fn timed(text: &str) -> (ostinato_tokio::Report, Vec<(String, u64)>) {
    let wf = compile(text).expect("valid");
    let t0 = Instant::now();
    let starts = Arc::new(Mutex::new(Vec::new()));
    let seen = starts.clone();
    let report = run(&wf, &Map::new(), &actions(), None, move |p| {
        if let Progress::Started { run, .. } = p {
            seen.lock().expect("lock").push((run.task.to_string(), t0.elapsed().as_secs()));
        }
    })
    .await;
    let starts = starts.lock().expect("lock").clone();
    (report, starts)
}

fn started_at(starts: &[(String, u64)], task: &str) -> u64 {
    starts.iter().find(|(t, _)| t == task).map(|(_, s)| *s).expect("task started")
}

#[tokio::test(start_paused = true)]
async fn parallel_branches_overlap_and_a_join_waits_for_both() {
    let text = "
tasks:
  fork:
    action: core.noop
    next: [{do: [slow, fast]}]
  slow:
    action: test.sleep seconds=3
    next: [{do: join}]
  fast:
    action: test.sleep seconds=1
    next: [{do: join}]
  join:
    join: all
    action: core.noop
";
    let t0 = Instant::now();
    let (report, starts) = timed(text).await;
    assert_eq!(report.status, Status::Succeeded);
    assert_eq!(started_at(&starts, "slow"), started_at(&starts, "fast"), "branches start together");
    assert_eq!(started_at(&starts, "join"), 3, "the join waits for the slower branch");
    assert_eq!(t0.elapsed().as_secs(), 3, "3 s in all, not 4: the branches overlapped");
}

#[tokio::test(start_paused = true)]
async fn a_task_delay_waits_before_starting() {
    let text = "tasks:\n  first:\n    action: core.noop\n    next: [{do: later}]\n  later:\n    delay: 5\n    action: core.noop\n";
    let (report, starts) = timed(text).await;
    assert_eq!(report.status, Status::Succeeded);
    assert_eq!(started_at(&starts, "later"), 5);
}

#[tokio::test(start_paused = true)]
async fn a_retry_delay_is_waited_out() {
    let text = "tasks:\n  flaky:\n    action: test.fail\n    retry: {count: 2, delay: 10}\n";
    let wf = compile(text).expect("valid");
    let mut a = actions();
    a.register("test.fail", |_| async { ActionOutcome::failed(json!({"error": "nope"})) });
    let t0 = Instant::now();
    let report = run(&wf, &Map::new(), &a, None, |_| {}).await;
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.runs.len(), 3);
    assert_eq!(t0.elapsed().as_secs(), 20, "two retries, ten seconds apart");
}

#[tokio::test]
async fn a_local_command_runs_and_its_timeout_fires() {
    let text = "
tasks:
  hello:
    action: core.local
    input: {cmd: 'printf hello; exit 0'}
    next: [{publish: [{out: <% result().stdout %>}], do: stuck}]
  stuck:
    action: core.local
    input: {cmd: 'sleep 30', timeout: 1}
output: [{out: <% ctx(out) %>}]
";
    let wf = compile(text).expect("valid");
    let started = std::time::Instant::now();
    let report = run(&wf, &Map::new(), &Actions::builtin(), None, |_| {}).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the 1 s timeout fired");
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.task_statuses.get("hello"), Some(&Status::Succeeded));
    assert_eq!(report.task_statuses.get("stuck"), Some(&Status::Failed), "a timeout fails the task");
    assert_eq!(report.output.as_ref().and_then(|o| o.get("out")), Some(&json!("hello")));
}

#[tokio::test]
async fn a_non_zero_exit_fails_with_the_command_result() {
    let wf = compile("tasks:\n  bad:\n    action: core.local\n    input: {cmd: 'echo oops >&2; exit 3'}\n")
        .expect("valid");
    let report = run(&wf, &Map::new(), &Actions::builtin(), None, |_| {}).await;
    assert_eq!(report.status, Status::Failed);
    let result = report.errors[0].result.clone().expect("the failed result is logged");
    assert_eq!(result["return_code"], json!(3));
    assert_eq!(result["stderr"], json!("oops"));
}

#[tokio::test]
async fn cancel_stops_a_running_local_command() {
    let wf =
        compile("tasks:\n  long:\n    action: core.local\n    input: {cmd: 'sleep 30'}\n").expect("valid");
    let (handle, control) = Handle::new();
    let started = std::time::Instant::now();
    let report = run(&wf, &Map::new(), &Actions::builtin(), Some(control), move |p| {
        if let Progress::Started { .. } = p {
            handle.send(Control::Cancel);
        }
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(10), "the sleep was killed, not waited for");
    assert_eq!(report.status, Status::Canceled);
    assert_eq!(report.task_statuses.get("long"), Some(&Status::Canceled));
}

#[tokio::test]
async fn an_unknown_action_fails_its_run() {
    let wf = compile("tasks:\n  t:\n    action: nosuch.action\n").expect("valid");
    let report = run(&wf, &Map::new(), &Actions::builtin(), None, |_| {}).await;
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.errors[0].result, Some(json!({"error": "unknown action \"nosuch.action\""})));
}

#[tokio::test(start_paused = true)]
async fn the_duration_limit_stops_a_long_run_at_its_deadline() {
    let text = "limits: {max_duration: 5}\ntasks:\n  long:\n    action: test.sleep seconds=60\n";
    let t0 = Instant::now();
    let (report, _) = timed(text).await;
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.task_statuses.get("long"), Some(&Status::Canceled), "the running action was canceled");
    assert_eq!(t0.elapsed().as_secs(), 5, "stopped at the deadline, not after the 60 s action");
    assert!(report.errors[0].message.contains("max_duration"));
}

#[tokio::test(start_paused = true)]
async fn a_task_timeout_stops_the_action_and_its_transition_runs() {
    let text = "
tasks:
  slow:
    action: test.sleep seconds=60
    timeout: 2
    next:
      - when: <% timed_out() %>
        do: fallback
  fallback:
    action: core.noop
";
    let t0 = Instant::now();
    let (report, starts) = timed(text).await;
    assert_eq!(report.status, Status::Succeeded, "{:?}", report.errors);
    assert_eq!(report.task_statuses.get("slow"), Some(&Status::TimedOut));
    assert_eq!(started_at(&starts, "fallback"), 2);
    assert_eq!(t0.elapsed().as_secs(), 2, "the 60 s action was stopped at its timeout");
}

#[tokio::test]
async fn the_applications_iteration_limit_stops_an_endless_loop() {
    let text = "tasks:\n  begin:\n    action: core.noop\n    next: [{do: spin}]\n  spin:\n    action: core.noop\n    next: [{do: spin}]\n";
    let wf = compile(text).expect("valid");
    let limits = ostinato_core::Limits { max_task_iterations: 4, max_duration_ms: None };
    let report =
        ostinato_tokio::run_with(&wf, &Map::new(), limits, &Actions::builtin(), None, None, |_| {}).await;
    assert_eq!(report.status, Status::Failed);
    let message = &report.errors.last().expect("an error").message;
    assert!(message.contains("\"spin\"") && message.contains("limit is 4"), "{message}");
}
