//! Tests of simulation and exhaustive checking on small workflows.

use serde_json::{Map, json};

use super::*;
use crate::engine::{ActionStatus, Event, EventKind, Limits, State, Status, step};
use crate::graph::compile;

const RACE: &str = include_str!("../../../docs/examples/publish-race.yaml");
const MONITOR: &str = include_str!("../../../docs/examples/monitoring-loop.yaml");

fn succeed_only() -> CheckOptions {
    CheckOptions { outcomes: vec![ActionStatus::Succeeded], ..CheckOptions::default() }
}

#[test]
fn check_finds_the_publish_race_and_its_traces_reproduce_both_endings() {
    let wf = compile(RACE).expect("valid");
    let report = check(&wf, &Map::new(), &succeed_only());
    assert!(report.complete);
    let race = report.findings.iter().find(|f| f.kind == FindingKind::Race).expect("a race");
    let other = race.other.clone().expect("the other order");
    let replay = |trace: &[TraceStep]| {
        let (mut state, _) = State::start_with(&wf, &Map::new(), CheckOptions::default().limits, 0);
        step(&wf, &mut state, &Event::new(0, EventKind::Dispatch)).expect("dispatch");
        for s in trace {
            for kind in s.events() {
                step(&wf, &mut state, &Event::new(0, kind)).expect("the trace is accepted");
            }
        }
        (state.status(), state.output().and_then(|o| o.get("winner")).cloned())
    };
    let (a, b) = (replay(&race.trace), replay(&other));
    assert_eq!(a.0, Status::Succeeded);
    assert_eq!(b.0, Status::Succeeded);
    assert_ne!(a.1, b.1, "the two orders end with different winners");
    let winners: Vec<_> =
        report.endings.iter().map(|e| e.output.clone().unwrap_or_default()["winner"].clone()).collect();
    assert!(winners.contains(&json!("left")) && winners.contains(&json!("right")), "{winners:?}");
}

#[test]
fn a_workflow_without_a_race_has_no_race_finding_and_one_ending() {
    let wf = compile(&RACE.replace("- winner: right", "- loser: right")).expect("valid");
    let report = check(&wf, &Map::new(), &succeed_only());
    assert!(report.complete);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.endings.len(), 1);
}

#[test]
fn check_finds_an_unsatisfiable_join_and_a_loop_that_cannot_exit() {
    let join = "tasks:\n  a:\n    action: core.noop\n    next:\n      - do: [b, c]\n  b:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: j\n  c:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: j\n      - when: <% failed() %>\n        do: cleanup\n  cleanup:\n    action: core.noop\n  j:\n    join: all\n    action: core.noop\n";
    let report = check(&compile(join).expect("valid"), &Map::new(), &CheckOptions::default());
    let kinds: Vec<_> = report.findings.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&FindingKind::UnsatisfiableJoin), "{kinds:?}");
    let looped = "tasks:\n  a:\n    action: core.noop\n    next:\n      - do: b\n  b:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: b\n";
    let report = check(&compile(looped).expect("valid"), &Map::new(), &succeed_only());
    let endless = report.findings.iter().find(|f| f.kind == FindingKind::EndlessLoop).expect("found");
    assert!(endless.message.contains("\"b\""), "{}", endless.message);
    assert_eq!(endless.trace.len(), 6, "a, then b five times (the limit)");
}

#[test]
fn the_state_bound_makes_the_report_incomplete() {
    let wf = compile(RACE).expect("valid");
    let options = CheckOptions { max_states: 3, ..CheckOptions::default() };
    let report = check(&wf, &Map::new(), &options);
    assert!(!report.complete);
    assert!(report.states <= 3);
}

fn monitor_model() -> Model {
    let text = json!({
        "tasks": {
            "poll": {"fail": 0.1, "duration": {"uniform": [100, 900]}, "result": {"stdout": "waiting"},
                     "script": {"3": {"result": {"stdout": "ready"}}}},
        }
    });
    serde_json::from_value(text).expect("a model")
}

#[test]
fn simulation_is_a_function_of_the_seed_and_reports_every_ending_with_its_seed() {
    let wf = compile(MONITOR).expect("valid");
    let model = monitor_model();
    model.check(&wf).expect("fits");
    let options = SimOptions { runs: 300, seed: 7, ..SimOptions::default() };
    let report = simulate(&wf, &Map::new(), &model, &options);
    assert_eq!(report, simulate(&wf, &Map::new(), &model, &options));
    assert_eq!(report.endings.iter().map(|e| e.count).sum::<u64>(), 300);
    let ok = report.endings.iter().find(|e| e.status == Some(Status::Succeeded)).expect("some succeed");
    let failed = report.endings.iter().find(|e| e.status == Some(Status::Failed)).expect("p=0.1 fails some");
    assert!(ok.count > failed.count);
    // The seed printed for an ending reproduces it alone.
    for e in &report.endings {
        let run = simulate_run(&wf, &Map::new(), &model, Limits::default(), e.seed, 10_000);
        assert_eq!((run.status, run.output), (e.status, e.output.clone()));
    }
    let poll = report.iterations["poll"];
    assert!(poll.min >= 1 && poll.max == 3, "{poll:?}");
    // begin (1 s default) + up to 3 polls (≤ 0.9 s) + 2 waits (1 s delay + 1 s) + report.
    assert!(report.duration_ms.spread.max <= 1000 + 3 * 900 + 2 * 2000 + 1000, "{:?}", report.duration_ms);
}

#[test]
fn simulation_counts_runs_stopped_by_cycle_protection() {
    let wf = compile(MONITOR).expect("valid");
    let mut model = monitor_model();
    model.tasks.get_mut("poll").expect("poll").script.clear();
    model.tasks.get_mut("poll").expect("poll").fail = 0.0;
    let input: Map<_, _> = [("max_polls".to_owned(), json!(1000))].into_iter().collect();
    let options = SimOptions {
        runs: 5,
        limits: Limits { max_task_iterations: 4, max_duration_ms: None },
        ..SimOptions::default()
    };
    let report = simulate(&wf, &input, &model, &options);
    assert_eq!(report.stopped_by_limit, 5);
    assert_eq!(report.endings.len(), 1);
    assert_eq!(report.endings[0].status, Some(Status::Failed));
}
