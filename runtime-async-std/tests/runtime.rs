//! The async-std runtime: concurrency, joins, delays, cancellation, and driving it from smol.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_std::channel::{Receiver, Sender, bounded};
use ostinato_async_std::{ActionOutcome, Actions, Control, Run};
use ostinato_core::{Status, compile};
use serde_json::{Map, Value, json};

const FORK_JOIN: &str = "
tasks:
  fork:
    action: core.noop
    next: [{do: [left, right]}]
  left:
    action: test.meet side=left
    next: [{do: join}]
  right:
    action: test.meet side=right
    next: [{do: join}]
  join:
    join: all
    action: core.noop
";

/// Each side's sender and receiver: (left to right, left's inbox, right to left, right's inbox).
type Sides = (Sender<()>, Receiver<()>, Sender<()>, Receiver<()>);

/// `test.meet`: each side announces itself and waits (up to 5 s) for the other side. Both can
/// only succeed if the two executions run at the same time.
fn rendezvous() -> Actions {
    let (left_tx, left_rx) = bounded::<()>(1);
    let (right_tx, right_rx) = bounded::<()>(1);
    let chans: Arc<Sides> = Arc::new((left_tx, left_rx, right_tx, right_rx));
    let mut a = Actions::builtin();
    a.register("test.meet", move |input: Value| {
        let c = chans.clone();
        async move {
            let left = input.get("side") == Some(&json!("left"));
            let (mine, theirs) = if left { (&c.0, &c.3) } else { (&c.2, &c.1) };
            let _ = mine.send(()).await;
            match async_std::future::timeout(Duration::from_secs(5), theirs.recv()).await {
                Ok(Ok(())) => ActionOutcome::succeeded(json!("met")),
                _ => ActionOutcome::failed(json!({"error": "the other branch never started"})),
            }
        }
    });
    a
}

#[async_std::test]
async fn parallel_branches_run_together_and_the_join_waits() {
    let wf = compile(FORK_JOIN).expect("valid");
    let (run, _handle) = Run::new();
    let report = run.run(&wf, &Map::new(), &rendezvous(), |_| {}).await;
    assert_eq!(report.status, Status::Succeeded, "{:?}", report.errors);
    let order: Vec<&str> = report.runs.iter().map(|r| r.task.as_str()).collect();
    assert_eq!(order.last(), Some(&"join"));
}

#[async_std::test]
async fn a_delay_waits_before_starting() {
    let wf = compile("tasks:\n  later:\n    delay: 1\n    action: core.noop\n").expect("valid");
    let (run, _handle) = Run::new();
    let t0 = Instant::now();
    let report = run.run(&wf, &Map::new(), &Actions::builtin(), |_| {}).await;
    assert_eq!(report.status, Status::Succeeded);
    assert!(t0.elapsed() >= Duration::from_secs(1), "the run started only after its delay");
}

#[async_std::test]
async fn cancel_stops_a_running_local_command() {
    let wf =
        compile("tasks:\n  long:\n    action: core.local\n    input: {cmd: 'sleep 30'}\n").expect("valid");
    let (run, handle) = Run::new();
    let t0 = Instant::now();
    let report = run
        .run(&wf, &Map::new(), &Actions::builtin(), move |_| {
            handle.send(Control::Cancel);
        })
        .await;
    assert!(t0.elapsed() < Duration::from_secs(10), "the sleep was stopped, not waited for");
    assert_eq!(report.status, Status::Canceled);
}

#[test]
fn it_runs_under_smol() {
    let wf = compile("output: [{out: <% ctx(out) %>}]\ntasks:\n  t:\n    action: core.local cmd=\"printf smol\"\n    next: [{publish: [{out: <% result().stdout %>}]}]\n").expect("valid");
    let (run, _handle) = Run::new();
    let report = smol::block_on(run.run(&wf, &Map::new(), &Actions::builtin(), |_| {}));
    assert_eq!(report.status, Status::Succeeded);
    assert_eq!(report.output.and_then(|o| o.get("out").cloned()), Some(json!("smol")));
}

#[async_std::test]
async fn a_local_timeout_fires() {
    let wf = compile("tasks:\n  stuck:\n    action: core.local\n    input: {cmd: 'sleep 30', timeout: 1}\n")
        .expect("valid");
    let (run, _handle) = Run::new();
    let t0 = Instant::now();
    let report = run.run(&wf, &Map::new(), &Actions::builtin(), |_| {}).await;
    assert!(t0.elapsed() < Duration::from_secs(10), "the 1 s timeout fired");
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.task_statuses.get("stuck"), Some(&Status::Failed));
}

#[async_std::test]
async fn a_task_timeout_stops_a_local_command() {
    let text = "tasks:\n  slow:\n    action: core.local\n    input: {cmd: 'sleep 30'}\n    timeout: 1\n    next:\n      - when: <% timed_out() %>\n        do: fallback\n  fallback:\n    action: core.noop\n";
    let wf = compile(text).expect("valid");
    let (run, _handle) = Run::new();
    let t0 = Instant::now();
    let report = run.run(&wf, &Map::new(), &Actions::builtin(), |_| {}).await;
    assert!(t0.elapsed() < Duration::from_secs(10), "stopped at its 1 s timeout");
    assert_eq!(report.status, Status::Succeeded, "{:?}", report.errors);
    assert_eq!(report.task_statuses.get("slow"), Some(&Status::TimedOut));
}

#[async_std::test]
async fn the_applications_iteration_limit_stops_an_endless_loop() {
    let text = "tasks:\n  begin:\n    action: core.noop\n    next: [{do: spin}]\n  spin:\n    action: core.noop\n    next: [{do: spin}]\n";
    let wf = compile(text).expect("valid");
    let (run, _handle) = Run::new();
    let limits = ostinato_core::Limits { max_task_iterations: 4, max_duration_ms: None };
    let report = run.with_limits(limits).run(&wf, &Map::new(), &Actions::builtin(), |_| {}).await;
    assert_eq!(report.status, Status::Failed);
    let message = &report.errors.last().expect("an error").message;
    assert!(message.contains("\"spin\"") && message.contains("limit is 4"), "{message}");
}
