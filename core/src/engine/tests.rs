//! Engine transitions, one behaviour per test, and the answers to events that do not fit.

use serde_json::{Value, json};

use super::*;
use crate::graph::{Workflow, compile};

pub(super) struct H {
    pub(super) wf: Workflow,
    pub(super) state: State,
}

impl H {
    pub(super) fn new(text: &str, input: Value) -> H {
        let wf = compile(text).expect("valid workflow");
        let input = input.as_object().cloned().unwrap_or_default();
        let (state, _) = State::start(&wf, &input);
        H { wf, state }
    }

    fn send(&mut self, kind: EventKind) -> Result<Vec<Command>, Rejected> {
        step(&self.wf, &mut self.state, &Event::new(0, kind))
    }

    pub(super) fn dispatch(&mut self) -> Vec<RunRequest> {
        self.send(EventKind::Dispatch)
            .expect("dispatch is always accepted")
            .into_iter()
            .filter_map(|c| if let Command::StartRun(r) = c { Some(r) } else { None })
            .collect()
    }

    fn report(&mut self, run: RunId, status: ActionStatus, result: Value) -> Vec<Command> {
        self.send(EventKind::Run { run, status, result }).expect("report accepted")
    }

    /// Start and finish a run.
    pub(super) fn finish(&mut self, run: RunId, status: ActionStatus, result: Value) -> Vec<Command> {
        self.report(run, ActionStatus::Running, Value::Null);
        self.report(run, status, result)
    }

    fn names(runs: &[RunRequest]) -> Vec<&str> {
        runs.iter().map(|r| r.task.as_str()).collect()
    }
}

const SEQ: &str = "
version: 1.0
input: [name]
output:
  - greeting: <% ctx(greeting) %>
tasks:
  one:
    action: core.echo message=<% ctx(name) %>
    next:
      - when: <% succeeded() %>
        publish: greeting=<% result() %>
        do: two
      - when: <% failed() %>
        do: recover
  two:
    action: core.noop
  recover:
    action: core.noop
";

#[test]
fn start_offers_the_entry_task_rendered() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    assert_eq!(h.state.status(), Status::Running);
    let runs = h.dispatch();
    assert_eq!(H::names(&runs), ["one"]);
    assert_eq!(runs[0].action.as_deref(), Some("core.echo"));
    assert_eq!(runs[0].input.as_deref(), Some(&json!({"message": "Ada"})));
    // Offered once: a second dispatch before any report offers nothing new.
    assert!(h.dispatch().is_empty());
}

#[test]
fn success_follows_the_transition_and_publishes() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let one = h.dispatch()[0].run;
    h.finish(one, ActionStatus::Succeeded, json!("hi Ada"));
    let runs = h.dispatch();
    assert_eq!(H::names(&runs), ["two"]);
    let done = h.finish(runs[0].run, ActionStatus::Succeeded, Value::Null);
    assert_eq!(h.state.status(), Status::Succeeded);
    let mut want = Map::new();
    want.insert("greeting".into(), json!("hi Ada"));
    assert_eq!(done, vec![Command::Finished { status: Status::Succeeded, output: Some(want) }]);
}

#[test]
fn a_handled_failure_is_remediated() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let one = h.dispatch()[0].run;
    h.finish(one, ActionStatus::Failed, json!({"error": "boom"}));
    assert_eq!(h.state.status(), Status::Running);
    assert_eq!(H::names(&h.dispatch()), ["recover"]);
    assert_eq!(h.state.errors().len(), 1, "the failed execution is logged");
}

#[test]
fn an_unhandled_failure_fails_fast_but_in_flight_work_finishes() {
    let text = "tasks:\n  a:\n    next: [{do: [b, c]}]\n  b:\n    action: core.noop\n    next: [{do: d}]\n  c:\n    action: core.noop\n  d:\n    action: core.noop\n";
    let mut h = H::new(text, json!({}));
    let a = h.dispatch()[0].run;
    h.finish(a, ActionStatus::Succeeded, Value::Null);
    let runs = h.dispatch();
    assert_eq!(H::names(&runs), ["b", "c"]);
    h.report(runs[0].run, ActionStatus::Running, Value::Null);
    h.report(runs[1].run, ActionStatus::Running, Value::Null);
    h.report(runs[1].run, ActionStatus::Failed, Value::Null);
    assert_eq!(h.state.status(), Status::Failed);
    h.report(runs[0].run, ActionStatus::Succeeded, Value::Null);
    assert!(h.dispatch().is_empty(), "nothing new starts after fail-fast");
    let statuses = h.state.task_statuses(&h.wf);
    assert_eq!(statuses.get("b"), Some(&Status::Succeeded));
}

#[test]
fn unknown_and_finished_runs_are_rejected_without_change() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let one = h.dispatch()[0].run;
    let before = h.state.clone();
    assert_eq!(
        h.send(EventKind::Run { run: 99, status: ActionStatus::Succeeded, result: Value::Null }),
        Err(Rejected::UnknownRun { run: 99 })
    );
    assert_eq!(h.state, before);
    h.finish(one, ActionStatus::Succeeded, Value::Null);
    let before = h.state.clone();
    let again = h.send(EventKind::Run { run: one, status: ActionStatus::Succeeded, result: Value::Null });
    assert_eq!(again, Err(Rejected::RunFinished { run: one }));
    assert_eq!(h.state, before);
    assert!(again.unwrap_err().to_string().contains("already finished"));
}

#[test]
fn pause_waits_for_active_work_and_resume_continues() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let one = h.dispatch()[0].run;
    h.report(one, ActionStatus::Running, Value::Null);
    h.send(EventKind::Pause).expect("pause accepted");
    assert_eq!(h.state.status(), Status::Pausing);
    h.report(one, ActionStatus::Succeeded, Value::Null);
    assert_eq!(h.state.status(), Status::Paused);
    assert!(h.dispatch().is_empty(), "a paused workflow starts nothing");
    h.send(EventKind::Resume).expect("resume accepted");
    assert_eq!(h.state.status(), Status::Resuming);
    let runs = h.dispatch();
    assert_eq!(H::names(&runs), ["two"]);
    h.report(runs[0].run, ActionStatus::Running, Value::Null);
    assert_eq!(h.state.status(), Status::Running);
}

#[test]
fn resuming_a_running_workflow_is_refused_without_change() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let before = h.state.clone();
    assert_eq!(
        h.send(EventKind::Resume),
        Err(Rejected::InvalidRequest { request: "resume", status: Status::Running })
    );
    assert_eq!(h.state, before);
}

#[test]
fn cancel_ends_an_idle_workflow_at_once() {
    let mut h = H::new(SEQ, json!({"name": "Ada"}));
    let commands = h.send(EventKind::Cancel).expect("cancel accepted");
    assert_eq!(h.state.status(), Status::Canceled);
    assert!(matches!(commands.as_slice(), [Command::Finished { status: Status::Canceled, .. }]));
    assert!(h.dispatch().is_empty());
}

#[test]
fn a_counter_loop_runs_until_its_condition_fails() {
    let text = "
vars: [{n: 0}]
output: [{n: <% ctx(n) %>}]
tasks:
  init:
    next: [{do: tick}]
  tick:
    action: core.noop
    next:
      - when: <% ctx(n) < 4 %>
        publish: [{n: <% ctx(n) + 1 %>}]
        do: tick
";
    let mut h = H::new(text, json!({}));
    let mut offered = 0;
    loop {
        let runs = h.dispatch();
        if runs.is_empty() {
            break;
        }
        for r in runs {
            offered += 1;
            h.finish(r.run, ActionStatus::Succeeded, Value::Null);
        }
    }
    assert_eq!(offered, 1 + 5, "init once, tick for n = 0..=4");
    assert_eq!(h.state.status(), Status::Succeeded);
    assert_eq!(h.state.output().and_then(|o| o.get("n")), Some(&json!(4)));
}

#[test]
fn a_join_waits_for_every_inbound_branch() {
    let text = "tasks:\n  s:\n    next: [{do: [l, r]}]\n  l:\n    action: core.noop\n    next: [{do: j}]\n  r:\n    action: core.noop\n    next: [{do: j}]\n  j:\n    join: all\n    action: core.noop\n";
    let mut h = H::new(text, json!({}));
    let s = h.dispatch()[0].run;
    h.finish(s, ActionStatus::Succeeded, Value::Null);
    let runs = h.dispatch();
    h.finish(runs[0].run, ActionStatus::Succeeded, Value::Null);
    assert!(h.dispatch().is_empty(), "one branch is not enough");
    h.finish(runs[1].run, ActionStatus::Succeeded, Value::Null);
    assert_eq!(H::names(&h.dispatch()), ["j"]);
}

#[test]
fn retry_offers_the_task_again_with_its_delay_then_gives_up() {
    let text = "tasks:\n  t:\n    action: core.noop\n    retry: {count: 2, delay: 5}\n";
    let mut h = H::new(text, json!({}));
    let mut delays = Vec::new();
    loop {
        let runs = h.dispatch();
        let Some(r) = runs.first() else { break };
        delays.push(r.delay);
        h.finish(r.run, ActionStatus::Failed, Value::Null);
    }
    assert_eq!(delays, [0, 5, 5]);
    assert_eq!(h.state.status(), Status::Failed);
}

#[test]
fn with_items_honours_concurrency_and_collects_results() {
    let text = "tasks:\n  t:\n    with: {items: '<% [1, 2, 3] %>', concurrency: 2}\n    action: core.echo message=<% item() %>\n    next: [{publish: [{all: <% result() %>}], do: after}]\n  after:\n    action: core.echo message=<% ctx(all) %>\n";
    let mut h = H::new(text, json!({}));
    let first = h.dispatch();
    assert_eq!(first.iter().map(|r| r.item).collect::<Vec<_>>(), [Some(0), Some(1)]);
    for r in &first {
        h.finish(r.run, ActionStatus::Succeeded, json!(r.item.unwrap_or(0) * 10));
    }
    let second = h.dispatch();
    assert_eq!(second.iter().map(|r| r.item).collect::<Vec<_>>(), [Some(2)]);
    h.finish(second[0].run, ActionStatus::Succeeded, json!(20));
    let after = h.dispatch();
    assert_eq!(after[0].input.as_deref(), Some(&json!({"message": [0, 10, 20]})));
}

#[test]
fn state_serializes_and_continues_identically() {
    let mut a = H::new(SEQ, json!({"name": "Ada"}));
    let one = a.dispatch()[0].run;
    a.report(one, ActionStatus::Running, Value::Null);
    let bytes = serde_json::to_string(&a.state).expect("serializes");
    let restored: State = serde_json::from_str(&bytes).expect("deserializes");
    assert_eq!(restored, a.state);
    let mut b = H { wf: a.wf.clone(), state: restored };
    let ca = a.report(one, ActionStatus::Succeeded, json!("x"));
    let cb = b.report(one, ActionStatus::Succeeded, json!("x"));
    assert_eq!(ca, cb);
    assert_eq!(a.dispatch(), b.dispatch());
    assert_eq!(serde_json::to_string(&a.state).ok(), serde_json::to_string(&b.state).ok());
}

const LOOP: &str = "
vars: [{n: 0}]
tasks:
  init:
    next: [{do: tick}]
  tick:
    action: core.noop
    next:
      - when: <% true %>
        publish: [{n: <% ctx(n) + 1 %>}]
        do: tick
";

fn drain(h: &mut H) -> usize {
    let mut runs = 0;
    loop {
        let offered = h.dispatch();
        if offered.is_empty() {
            return runs;
        }
        for r in offered {
            runs += 1;
            h.finish(r.run, ActionStatus::Succeeded, Value::Null);
        }
    }
}

#[test]
fn an_endless_loop_is_stopped_at_its_iteration_limit_with_a_precise_error() {
    let mut h = H::new(&LOOP.replace("vars:", "limits: {max_task_iterations: 3}\nvars:"), json!({}));
    assert_eq!(drain(&mut h), 1 + 3, "init once, tick three times");
    assert_eq!(h.state.status(), Status::Failed);
    let e = h.state.errors().last().expect("logged");
    assert_eq!(e.task.as_deref(), Some("tick"));
    assert_eq!(e.transition.as_deref(), Some("tick__t0"));
    assert!(
        e.message.contains("ran 3 times")
            && e.message.contains("limit is 3")
            && e.message.contains("max_task_iterations"),
        "{}",
        e.message
    );
}

#[test]
fn a_task_limit_overrides_the_workflow_and_the_application_default() {
    let text =
        LOOP.replace("    action: core.noop\n", "    action: core.noop\n    limits: {max_iterations: 2}\n");
    let mut h = H::new(&text, json!({}));
    assert_eq!(drain(&mut h), 1 + 2);
    let wf = compile(LOOP).expect("valid");
    let (state, _) =
        State::start_with(&wf, &Map::new(), Limits { max_task_iterations: 5, max_duration_ms: None }, 0);
    let mut h = H { wf, state };
    assert_eq!(drain(&mut h), 1 + 5, "the application's limit applies when the definition sets none");
}

#[test]
fn the_duration_limit_fails_the_workflow_and_cancels_running_work() {
    let wf = compile("tasks:\n  slow:\n    action: core.noop\n").expect("valid");
    let limits = Limits { max_task_iterations: 10, max_duration_ms: Some(10_000) };
    let (state, started) = State::start_with(&wf, &Map::new(), limits, 1_000);
    assert_eq!(started, [Command::WakeAt { at: Some(11_000) }], "the timer leaves as a command");
    let mut h = H { wf, state };
    assert_eq!(h.state.deadline(), Some(11_000));
    let run = h.dispatch()[0].run;
    h.report(run, ActionStatus::Running, Value::Null);
    let commands = step(&h.wf, &mut h.state, &Event::new(11_000, EventKind::Dispatch)).expect("accepted");
    assert_eq!(h.state.status(), Status::Failed);
    assert!(commands.contains(&Command::CancelRuns { runs: vec![run] }), "{commands:?}");
    assert!(h.state.errors()[0].message.contains("limit of 10 s (max_duration)"));
    assert_eq!(h.state.deadline(), None);
    assert!(commands.contains(&Command::WakeAt { at: None }), "the timer is withdrawn: {commands:?}");
}

#[test]
fn limits_are_validated_in_the_definition() {
    let problems = crate::inspect::inspect(
        "limits: {max_task_iterations: 0}\ntasks:\n  t:\n    action: core.noop\n    limits: {max_iteration: 2}\n",
    );
    let paths: Vec<Option<&str>> = problems.iter().map(|d| d.path.as_deref()).collect();
    assert_eq!(paths, [Some("limits.max_task_iterations"), Some("tasks.t.limits")]);
}

#[test]
fn a_timeout_must_be_a_whole_number_of_seconds() {
    let problems = crate::inspect::inspect(
        "tasks:\n  a:\n    action: core.noop\n    timeout: <% 5 %>\n  b:\n    action: core.noop\n    timeout: 0\n",
    );
    let paths: Vec<Option<&str>> = problems.iter().map(|d| d.path.as_deref()).collect();
    assert_eq!(paths, [Some("tasks.a.timeout"), Some("tasks.b.timeout")]);
    assert!(
        problems
            .iter()
            .next()
            .and_then(|d| d.hint.as_deref())
            .is_some_and(|h| h.contains("whole number of seconds")),
        "{problems:?}"
    );
}

#[test]
fn a_loops_state_does_not_grow_with_its_iterations() {
    let wf = compile(LOOP).expect("valid");
    let (state, _) =
        State::start_with(&wf, &Map::new(), Limits { max_task_iterations: 5_000, max_duration_ms: None }, 0);
    let mut h = H { wf, state };
    let mut sizes = Vec::new();
    let mut runs = 0;
    while runs < 3_000 {
        let offered = h.dispatch();
        for r in offered {
            runs += 1;
            h.finish(r.run, ActionStatus::Succeeded, json!({"payload": "x"}));
            if runs == 1_000 || runs == 3_000 {
                sizes.push(serde_json::to_string(&h.state).expect("serializes").len());
            }
        }
    }
    // Between 1,000 and 3,000 iterations counters keep their number of digits: no growth at all.
    assert!(sizes[1] <= sizes[0] + 8, "state grew from {} to {} bytes", sizes[0], sizes[1]);
    assert_eq!(h.state.sequence.len(), 2, "only the latest record of each task is kept");
    // Dropping records and layers must not lose data: the counter has counted every pass.
    let staged = h.state.staged.iter().next().expect("the next pass is staged");
    assert_eq!(h.state.merged(&staged.ctxs).get("n"), Some(&json!(2_999)), "init plus 2,999 passes of tick");
    assert!(h.state.contexts.len() <= 2 * h.state.live_layers + 16);
}

const TIMED: &str = "tasks:\n  slow:\n    action: core.noop\n    timeout: 5\n    next:\n      - when: <% timed_out() %>\n        do: fallback\n  fallback:\n    action: core.noop\n";

#[test]
fn a_task_timeout_ends_the_run_timed_out_and_a_transition_can_handle_it() {
    let mut h = H::new(TIMED, json!({}));
    let run = h.dispatch()[0].run;
    let running = step(
        &h.wf,
        &mut h.state,
        &Event::new(1_000, EventKind::Run { run, status: ActionStatus::Running, result: Value::Null }),
    )
    .expect("accepted");
    assert_eq!(running, [Command::WakeAt { at: Some(6_000) }], "timeout measured from the running report");
    let commands = step(&h.wf, &mut h.state, &Event::new(6_000, EventKind::Dispatch)).expect("accepted");
    assert!(commands.contains(&Command::CancelRuns { runs: vec![run] }), "{commands:?}");
    assert_eq!(h.state.task_statuses(&h.wf).get("slow"), Some(&Status::TimedOut));
    assert_eq!(h.state.status(), Status::Running, "the timed_out() transition remediates it");
    assert_eq!(h.state.errors().len(), 1, "only the timeout is an error: {:?}", h.state.errors());
    assert!(h.state.errors()[0].message.contains("timed out: it ran past its timeout of 5 s"));
    let started: Vec<RunRequest> = commands
        .into_iter()
        .filter_map(|c| if let Command::StartRun(r) = c { Some(r) } else { None })
        .collect();
    assert_eq!(H::names(&started), ["fallback"], "the wake-up dispatch starts the remedy at once");
    // The runtime's late report for the stopped run changes nothing.
    let late = h.send(EventKind::Run { run, status: ActionStatus::Canceled, result: Value::Null });
    assert_eq!(late, Err(Rejected::RunFinished { run }));
}

#[test]
fn an_unhandled_timeout_fails_the_workflow() {
    let text = TIMED.replace("      - when: <% timed_out() %>\n", "      - when: <% failed() %>\n");
    let mut h = H::new(&text, json!({}));
    let run = h.dispatch()[0].run;
    step(
        &h.wf,
        &mut h.state,
        &Event::new(0, EventKind::Run { run, status: ActionStatus::Running, result: Value::Null }),
    )
    .expect("accepted");
    step(&h.wf, &mut h.state, &Event::new(5_000, EventKind::Dispatch)).expect("accepted");
    assert_eq!(
        h.state.status(),
        Status::Failed,
        "failed() is false for a timed-out task, so nothing handles it"
    );
}

#[test]
fn a_completion_without_a_running_report_still_advances_the_workflow() {
    let mut h = H::new(
        "tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n",
        json!({}),
    );
    let a = h.dispatch()[0].run;
    h.send(EventKind::Run { run: a, status: ActionStatus::Succeeded, result: Value::Null })
        .expect("accepted");
    assert_eq!(h.state.task_statuses(&h.wf).get("a"), Some(&Status::Succeeded));
    assert_eq!(H::names(&h.dispatch()), ["b"], "the workflow goes on instead of hanging");
}

/// A transition to several targets is one condition and one publish: every target sees the
/// same published values, and a condition that fails is logged for every edge.
#[test]
fn a_transition_to_many_targets_publishes_the_same_to_each_and_logs_each_failure() {
    let text = "tasks:\n  a:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        publish: [n: <% ctx(n) + 1 %>]\n        do: [c, b, d]\n      - when: <% ctx(n) / 0 %>\n        do: [e, f]\n  b:\n    action: core.noop\n  c:\n    action: core.noop\n  d:\n    action: core.noop\n  e:\n    action: core.noop\n  f:\n    action: core.noop\nvars:\n  - n: 1\n";
    let mut h = H::new(text, json!({}));
    let a = h.dispatch();
    h.finish(a[0].run, ActionStatus::Succeeded, Value::Null);
    let failures: Vec<&str> = h.state.errors().iter().filter_map(|e| e.transition.as_deref()).collect();
    assert_eq!(failures, ["e__t0", "f__t0"], "one failure per edge of the failing transition");
    let staged: Vec<i64> = h
        .state
        .staged
        .iter()
        .filter_map(|s| h.state.merged(&s.ctxs).get("n").and_then(Value::as_i64))
        .collect();
    assert_eq!(staged, [2, 2, 2], "b, c and d each see n = 2");
}
