//! Behaviours the invariant suite (`tests/tests/invariants.rs`) found wrong, one test each,
//! so they stay fixed without the generator.

use serde_json::{Map, Value};

use super::*;
use crate::graph::{Workflow, compile};

fn run(text: &str) -> (Workflow, State) {
    let wf = compile(text).expect("valid");
    let (state, _) = State::start(&wf, &Map::new());
    (wf, state)
}

fn send(wf: &Workflow, state: &mut State, kind: EventKind) -> Vec<Command> {
    let mut out = step(wf, state, &Event::new(0, kind)).expect("accepted");
    out.extend(step(wf, state, &Event::new(0, EventKind::Dispatch)).expect("dispatch"));
    out
}

fn report(run: RunId, status: ActionStatus) -> EventKind {
    EventKind::Run { run, status, result: Value::Null }
}

fn starts(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| if let Command::StartRun(r) = c { Some(r.task.to_string()) } else { None })
        .collect()
}

/// Found: `Finished` came while a sibling still ran, and a task named beside `fail` started
/// after it. `Finished` now means the end: nothing outstanding, nothing more to start.
#[test]
fn finished_comes_once_at_the_very_end_even_after_a_fail_command() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    action: core.noop\n    next:\n      - do: [t1, t3]\n  t1:\n    action: core.noop\n    next:\n      - do: t2\n      - when: <% failed() %>\n        do: fail\n  t2:\n    action: core.noop\n  t3:\n    action: core.noop\n",
    );
    let mut all = send(&wf, &mut s, EventKind::Dispatch);
    all.extend(send(&wf, &mut s, report(0, ActionStatus::Succeeded)));
    let failed = send(&wf, &mut s, report(1, ActionStatus::Failed));
    assert_eq!(s.status(), Status::Failed, "the fail command fails the workflow at once");
    assert_eq!(starts(&failed), ["t2"], "the task beside `fail` still runs (Orquesta)");
    assert!(!failed.iter().any(|c| matches!(c, Command::Finished { .. })), "t2 and t3 are outstanding");
    let t3 = send(&wf, &mut s, report(2, ActionStatus::Succeeded));
    assert!(!t3.iter().any(|c| matches!(c, Command::Finished { .. })), "t2 is outstanding");
    let last = send(&wf, &mut s, report(3, ActionStatus::Succeeded));
    let finished: Vec<_> = last.iter().filter(|c| matches!(c, Command::Finished { .. })).collect();
    assert_eq!(finished.len(), 1);
}

/// Seen: an item reported `pending`, then `succeeded`: the paused task ignores the completion
/// and a resume leaves the workflow `resuming` with nothing to run. This is Orquesta's
/// behaviour, recorded in the conformance contract (README, "A `pending` item makes a
/// with-items task `paused`"), so it is kept; the invariant suite accepts exactly this stall,
/// and a cancel still ends such a workflow.
#[test]
fn a_pending_item_completed_leaves_the_workflow_resuming_as_orquesta_does_and_cancel_ends_it() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    with:\n      items: x in <% [1] %>\n    action: core.noop\n    next:\n      - do: t1\n  t1:\n    action: core.noop\n",
    );
    send(&wf, &mut s, EventKind::Dispatch);
    send(&wf, &mut s, report(0, ActionStatus::Running));
    send(&wf, &mut s, report(0, ActionStatus::Pending));
    assert_eq!(s.status(), Status::Paused);
    assert!(starts(&send(&wf, &mut s, report(0, ActionStatus::Succeeded))).is_empty());
    assert!(starts(&send(&wf, &mut s, EventKind::Resume)).is_empty());
    assert_eq!(s.status(), Status::Resuming);
    let end = send(&wf, &mut s, EventKind::Cancel);
    assert_eq!(s.status(), Status::Canceled);
    assert!(end.iter().any(|c| matches!(c, Command::Finished { status: Status::Canceled, .. })));
}

/// Found: a task with `do: retry` (retry when completed) that was canceled recursed until the
/// stack overflowed: a canceled task cannot be retried, so the retry never counted.
#[test]
fn a_canceled_task_with_a_retry_command_is_not_retried() {
    let (wf, mut s) = run("tasks:\n  t0:\n    action: core.noop\n    next:\n      - do: [retry]\n");
    send(&wf, &mut s, EventKind::Dispatch);
    let after = send(&wf, &mut s, report(0, ActionStatus::Canceled));
    assert!(starts(&after).is_empty());
    assert_eq!(s.status(), Status::Canceled);
}

/// Found: an item timed out while its siblings were offered but had not reported yet; the
/// task failed at once, the siblings' late reports reopened it, its transitions fired again
/// and reset the next with-items task under a cancel, which then never ended. (Orquesta 1.2.0
/// raises `KeyError: 'items'` on the same events.) An offered item now counts as active.
#[test]
fn a_failed_item_waits_for_offered_siblings_and_a_cancel_then_ends() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    with:\n      items: x in <% [1, 2, 3] %>\n    action: core.noop\n    next:\n      - do: t1\n  t1:\n    action: core.noop\n",
    );
    send(&wf, &mut s, EventKind::Dispatch);
    let after = send(&wf, &mut s, report(1, ActionStatus::Timeout));
    assert!(starts(&after).is_empty(), "items 0 and 2 are still out");
    assert_eq!(s.task_statuses(&wf)["t0"], Status::Running);
    send(&wf, &mut s, EventKind::Cancel);
    send(&wf, &mut s, report(2, ActionStatus::Failed));
    let end = send(&wf, &mut s, report(0, ActionStatus::Succeeded));
    assert_eq!(s.status(), Status::Canceled);
    assert!(end.iter().any(|c| matches!(c, Command::Finished { .. })));
}

/// Found: a task with a `timeout` whose run was held (`pending`) timed out while held; the
/// pending task ignored the timeout, the run was gone, and the resumed workflow stayed
/// `resuming` for good. A held run no longer has a timeout running.
#[test]
fn a_held_run_does_not_time_out() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    action: core.noop\n    timeout: 5\n    next:\n      - do: t1\n  t1:\n    action: core.noop\n",
    );
    send(&wf, &mut s, EventKind::Dispatch);
    send(&wf, &mut s, report(0, ActionStatus::Running));
    send(&wf, &mut s, report(0, ActionStatus::Pending));
    let later = step(&wf, &mut s, &Event::new(60_000, EventKind::Dispatch)).expect("dispatch");
    assert!(!later.iter().any(|c| matches!(c, Command::CancelRuns { .. })), "{later:?}");
    send(&wf, &mut s, EventKind::Resume);
    let next = send(&wf, &mut s, report(0, ActionStatus::Succeeded));
    assert_eq!(starts(&next), ["t1"]);
}

/// Found: a cancel arrived while a with-items task (concurrency 1) had items left to start;
/// the running item succeeded, the task waited for items that a canceling workflow never
/// starts, and the cancel never ended. Once nothing runs, a canceling workflow now cancels
/// what is left (`flow::settle_cancel`).
#[test]
fn a_cancel_under_a_with_items_task_with_items_left_ends() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    with:\n      items: x in <% [1, 2, 3] %>\n      concurrency: 1\n    action: core.noop\n",
    );
    send(&wf, &mut s, EventKind::Dispatch);
    send(&wf, &mut s, report(0, ActionStatus::Running));
    send(&wf, &mut s, EventKind::Cancel);
    assert_eq!(s.status(), Status::Canceling);
    let end = send(&wf, &mut s, report(0, ActionStatus::Succeeded));
    assert!(starts(&end).is_empty());
    assert_eq!(s.status(), Status::Canceled);
}

/// Found: a retried task whose run reported `pending` without `running` first stayed
/// `retrying`, was staged for its retry again, and was offered a second time beside the held
/// run; the two runs' reports then unstaged the loop's next pass and the workflow never ended.
/// A hold now passes through `running` like a completion does, and a retry is staged once.
#[test]
fn a_retried_task_held_before_running_is_not_offered_twice() {
    let (wf, mut s) = run(
        "tasks:\n  t0:\n    action: core.noop\n    next:\n      - do: t1\n  t1:\n    action: core.noop\n    retry:\n      count: 1\n    next:\n      - when: <% succeeded() %>\n        do: done\n  done:\n    action: core.noop\n",
    );
    assert_eq!(starts(&send(&wf, &mut s, EventKind::Dispatch)), ["t0"]);
    assert_eq!(starts(&send(&wf, &mut s, report(0, ActionStatus::Succeeded))), ["t1"]);
    assert_eq!(starts(&send(&wf, &mut s, report(1, ActionStatus::Failed))), ["t1"], "the retry");
    assert_eq!(starts(&send(&wf, &mut s, report(2, ActionStatus::Pending))), Vec::<String>::new());
    assert_eq!(s.running().count(), 1, "only the held run is out");
    send(&wf, &mut s, EventKind::Resume);
    assert_eq!(starts(&send(&wf, &mut s, report(2, ActionStatus::Succeeded))), ["done"]);
    send(&wf, &mut s, report(3, ActionStatus::Succeeded));
    assert_eq!(s.status(), Status::Succeeded);
}

/// Found: a task looping on itself, reached again from elsewhere while it ran, stopped with
/// nothing left to run. The second execution, offered beside the first, took the first's
/// record, and the first's completion then took the instance staged for the loop's next
/// pass. An arrival at a plain task whose execution is still out now waits for it, and the
/// loop runs on until its iteration limit ends the workflow.
#[test]
fn an_arrival_at_a_running_task_waits_for_it_and_a_self_loop_runs_to_its_limit() {
    let text = "tasks:\n  t0:\n    action: core.noop\n    next:\n      - do: t1\n      - do: t2\n  t1:\n    action: core.noop\n    next:\n      - when: <% failed() %>\n        do: [t2]\n  t2:\n    action: core.noop\n    next:\n      - do: [t2]\n";
    let wf = compile(text).expect("valid");
    let limits = Limits { max_task_iterations: 5, max_duration_ms: None };
    let (mut s, _) = State::start_with(&wf, &Map::new(), limits, 0);
    assert_eq!(starts(&send(&wf, &mut s, EventKind::Dispatch)), ["t0"]);
    assert_eq!(starts(&send(&wf, &mut s, report(0, ActionStatus::Succeeded))), ["t1", "t2"]);
    send(&wf, &mut s, report(2, ActionStatus::Running));
    let failed = send(&wf, &mut s, report(1, ActionStatus::Failed));
    assert!(starts(&failed).is_empty(), "t2 is still out: the arrival from t1 waits");
    let mut next = send(&wf, &mut s, report(2, ActionStatus::Succeeded));
    let mut passes = 1;
    while let [Command::StartRun(r), ..] = next.as_slice() {
        assert_eq!(r.task, "t2");
        passes += 1;
        next = send(&wf, &mut s, report(r.run, ActionStatus::Succeeded));
    }
    assert_eq!(passes, 5, "t2 ran up to its limit");
    assert_eq!(s.status(), Status::Failed, "the limit ends the loop");
    assert!(s.errors().iter().any(|e| e.message.contains("iteration limit")), "{:?}", s.errors());
    assert!(next.iter().any(|c| matches!(c, Command::Finished { .. })), "{next:?}");
}

/// Found with 30,000 cases: a with-items task with a `timeout`, paused while an item ran,
/// whose last item was then stopped by its deadline, stayed `pausing` with nothing running,
/// and so did the workflow (a resume is refused while pausing). The engine's own deadline
/// now ends the run whatever its task was doing, as it did for a running task.
#[test]
fn a_pausing_with_items_task_whose_last_item_times_out_is_timed_out_and_the_pause_completes() {
    let text = "vars:\n  - xs: [1, 2, 3]\ntasks:\n  t0:\n    with:\n      items: x in <% ctx(xs).take(3) %>\n    action: core.noop\n    timeout: 5\n    next:\n      - do: t1\n  t1:\n    action: core.noop\n";
    let wf = compile(text).expect("valid");
    let (mut s, _) = State::start_with(&wf, &Map::new(), Limits::default(), 0);
    let at = |ms: u64, kind: EventKind| Event::new(ms, kind);
    let run = |run, status| EventKind::Run { run, status, result: Value::Null };
    let step_at = |s: &mut State, ms: u64, kind: EventKind| {
        let mut out = step(&wf, s, &at(ms, kind)).unwrap_or_default();
        out.extend(step(&wf, s, &at(ms, EventKind::Dispatch)).unwrap_or_default());
        out
    };
    step_at(&mut s, 0, EventKind::Dispatch);
    step_at(&mut s, 10, run(2, ActionStatus::Succeeded));
    step_at(&mut s, 20, run(0, ActionStatus::Timeout));
    step_at(&mut s, 30, run(1, ActionStatus::Running));
    step_at(&mut s, 40, EventKind::Pause);
    // Past run 1's deadline the engine stops it; the runtime's late report is refused.
    step_at(&mut s, 10_000, EventKind::Dispatch);
    assert!(step(&wf, &mut s, &at(10_000, run(1, ActionStatus::Canceled))).is_err());
    assert_eq!(s.running().count(), 0);
    assert_eq!(s.status(), Status::Paused, "with nothing running, the pause completed");
    assert_eq!(s.task_statuses(&wf).get("t0"), Some(&Status::TimedOut));
    assert_eq!(starts(&step_at(&mut s, 10_010, EventKind::Resume)), ["t1"]);
    let end = step_at(&mut s, 10_020, run(3, ActionStatus::Succeeded));
    assert!(end.iter().any(|c| matches!(c, Command::Finished { .. })), "{end:?}");
}

/// Drive `text` (a reaches b and work; b reaches work; work has two items) so that b's
/// arrival comes while work's first item runs, and check that it waits: work's first pass
/// ends with both items' reports, then the arrival runs work's second pass.
fn an_arrival_with_items_out_waits(text: &str) {
    let (wf, mut s) = run(text);
    assert_eq!(starts(&send(&wf, &mut s, EventKind::Dispatch)), ["a"]);
    let round = send(&wf, &mut s, report(0, ActionStatus::Succeeded));
    assert_eq!(starts(&round), ["b", "work", "work"]);
    send(&wf, &mut s, report(2, ActionStatus::Running));
    let early = send(&wf, &mut s, report(1, ActionStatus::Succeeded));
    assert!(starts(&early).is_empty(), "work's items are out: the arrival from b waits: {early:?}");
    assert!(send(&wf, &mut s, report(2, ActionStatus::Succeeded)).is_empty(), "one item is still out");
    let second = send(&wf, &mut s, report(3, ActionStatus::Succeeded));
    let passes: Vec<(Option<usize>, usize)> = second
        .iter()
        .filter_map(|c| if let Command::StartRun(r) = c { Some((r.item, r.iteration)) } else { None })
        .collect();
    assert_eq!(passes, [(Some(0), 2), (Some(1), 2)], "the waiting arrival is work's second pass");
    assert_eq!(s.task_statuses(&wf).get("work"), Some(&Status::Succeeded), "the first pass ended");
    send(&wf, &mut s, report(4, ActionStatus::Succeeded));
    let end = send(&wf, &mut s, report(5, ActionStatus::Succeeded));
    assert_eq!(s.status(), Status::Succeeded);
    assert!(end.iter().any(|c| matches!(c, Command::Finished { .. })), "{end:?}");
}

/// The rule the stall below needed, alone: a with-items task reached again while its items
/// are out finishes the pass it is in (every item's report lands, its result is whole), and
/// the arrival then runs it again as the next pass.
#[test]
fn an_arrival_at_a_with_items_task_with_items_out_waits_for_them() {
    // The edge back to b never fires, but it puts work on a cycle: both arrivals are on
    // route 0, one task instance (off a cycle, two arrivals would be two routes).
    an_arrival_with_items_out_waits(
        "tasks:\n  a:\n    action: core.noop\n    next:\n      - do: [b, work]\n  b:\n    action: core.noop\n    next:\n      - do: work\n  work:\n    with: x in <% [1, 2] %>\n    action: core.noop\n    next:\n      - when: <% false %>\n        do: b\n",
    );
}

/// The same rule at a with-items join (found paused, with 50,000 cases: the run stayed
/// `resuming`). Orquesta 1.2.0 restarts the items at once, offering each again beside the
/// run still out; the old runs' reports then complete the task and the new runs' reports
/// raise a `TypeError`. Here the late arrival is the join's next pass, as a late arrival at
/// a `join: 1` that has ended is.
#[test]
fn an_arrival_at_a_with_items_join_with_items_out_waits_for_them() {
    an_arrival_with_items_out_waits(
        "tasks:\n  a:\n    action: core.noop\n    next:\n      - do: [b, work]\n  b:\n    action: core.noop\n    next:\n      - do: work\n  work:\n    with: x in <% [1, 2] %>\n    action: core.noop\n    join: 1\n",
    );
}

/// Found with 30,000 cases (session 9): a with-items task on a cycle, paused while its items
/// ran and reached again through the cycle, left the workflow `resuming` with nothing to
/// run; t3 stayed `pausing`. The arrival restarted t3's items (as an arrival at a with-items
/// join does), so the reports of the items still out found no items to land on. An arrival
/// at a with-items task (not a join) whose items are out now waits for them in an instance
/// of its own, as an arrival at a running plain task does. Orquesta has no answer to copy:
/// in its 1.2.0 source the same reports raise a `KeyError` (`update_task_state`).
#[test]
fn a_paused_with_items_task_reentered_through_its_cycle_runs_on_to_its_limit() {
    let text = "vars:\n  - xs: [1, 2, 3]\ntasks:\n  t0:\n    action: core.noop\n    next:\n      - do: t1\n      - do: t2\n      - do: t3\n      - do: [t2]\n  t1:\n    with:\n      items: x in <% ctx(xs).take(2) %>\n    action: core.noop\n    next:\n      - do: t4\n      - do: [t3]\n  t2:\n    action: core.noop\n  t3:\n    with:\n      items: x in <% ctx(xs).take(3) %>\n    action: core.noop\n    next:\n      - do: [t1]\n  t4:\n    action: core.noop\n";
    let wf = compile(text).expect("valid");
    let limits = Limits { max_task_iterations: 12, max_duration_ms: None };
    let (mut s, _) = State::start_with(&wf, &Map::new(), limits, 0);
    let mut open: Vec<RunId> = Vec::new();
    let send = |s: &mut State, at: u64, kind: EventKind, open: &mut Vec<RunId>| {
        let _ = step(&wf, s, &Event::new(at, kind));
        for c in step(&wf, s, &Event::new(at, EventKind::Dispatch)).unwrap_or_default() {
            if let Command::StartRun(r) = c {
                open.push(r.run);
            }
        }
    };
    let run = |run, status| EventKind::Run { run, status, result: Value::Null };
    use ActionStatus::{Pending, Running, Succeeded, Timeout};
    send(&mut s, 0, EventKind::Dispatch, &mut open);
    let schedule = [
        (10, run(0, Pending)),
        (20, EventKind::Dispatch),
        (2519, EventKind::Dispatch),
        (2529, EventKind::Resume),
        (2529, run(0, Succeeded)),
        (2539, run(6, Running)),
        (2549, EventKind::Resume),
        (2559, run(3, Running)),
        (2569, run(3, Succeeded)),
        (2579, EventKind::Pause),
        (2589, run(4, Succeeded)),
        (2599, run(7, Timeout)),
        (2609, run(1, Succeeded)),
        (2619, run(2, Succeeded)),
        (2629, run(5, Succeeded)),
        (2639, run(6, Succeeded)),
        (2649, EventKind::Resume),
    ];
    for (at, kind) in schedule {
        send(&mut s, at, kind, &mut open);
    }
    // Drain: every run still out succeeds, and a paused workflow is resumed.
    let mut at = 2659;
    for _ in 0..200 {
        if s.status().is_completed() {
            break;
        }
        at += 10;
        let out: Vec<RunId> = s.running().map(|(r, ..)| r).collect();
        match out.first() {
            Some(&r) => send(&mut s, at, run(r, Succeeded), &mut open),
            None => send(&mut s, at, EventKind::Resume, &mut open),
        }
    }
    // t1 and t3 loop through each other for ever: the iteration limit ends it, not a stall.
    assert_eq!(s.status(), Status::Failed, "ended {:?}: {:?}", s.status(), s.task_statuses(&wf));
    assert!(s.errors().iter().any(|e| e.message.contains("iteration limit")), "{:?}", s.errors());
}
