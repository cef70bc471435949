//! States read from outside: a state is plain data and may come from a file someone edited.
//! Whatever it holds, stepping it must not panic, and a valid state must read back as itself
//! through the new in-memory structures (task-id maps, arenas, edge and layer lists).

use serde_json::{Map, Value, json};

use super::*;
use crate::graph::compile;

const FLOW: &str = "tasks:\n  a:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        publish: [n: <% 1 %>]\n        do: [b, c]\n  b:\n    action: core.noop\n    next:\n      - do: d\n  c:\n    action: core.noop\n    next:\n      - do: d\n  d:\n    join: all\n    action: core.noop\n";

/// A state in the middle of a run: `a` done, `b` and `c` offered, nothing reported for them.
fn midway() -> (Workflow, State) {
    let wf = compile(FLOW).expect("valid");
    let (mut state, _) = State::start(&wf, &Map::new());
    let at = |kind| Event::new(0, kind);
    step(&wf, &mut state, &at(EventKind::Dispatch)).expect("dispatch");
    step(
        &wf,
        &mut state,
        &at(EventKind::Run { run: 0, status: ActionStatus::Succeeded, result: Value::Null }),
    )
    .expect("report");
    step(&wf, &mut state, &at(EventKind::Dispatch)).expect("dispatch");
    (wf, state)
}

#[test]
fn a_state_reads_back_as_itself_and_runs_on_identically() {
    let (wf, state) = midway();
    let text = serde_json::to_string(&state).expect("serializes");
    let mut back: State = serde_json::from_str(&text).expect("reads");
    assert_eq!(back, state);
    assert_eq!(serde_json::to_string(&back).expect("serializes"), text);
    let mut original = state;
    for run in [1, 2] {
        let report =
            Event::new(0, EventKind::Run { run, status: ActionStatus::Succeeded, result: Value::Null });
        assert_eq!(step(&wf, &mut back, &report), step(&wf, &mut original, &report));
    }
    assert_eq!(serde_json::to_string(&back).ok(), serde_json::to_string(&original).ok());
}

/// Task ids far past the workflow's, an arena id past `next`, an edge map and a layer of many
/// names: each lands in the structures' fallback forms, and every event is answered.
#[test]
fn a_hand_edited_state_with_odd_ids_never_panics() {
    let (wf, state) = midway();
    let mut doc = serde_json::to_value(&state).expect("serializes");
    let huge = json!({"Task": u32::MAX});
    doc["latest"].as_array_mut().expect("pairs").push(json!([[huge, 7], 999]));
    doc["passes"].as_array_mut().expect("pairs").push(json!([[{"Task": 70_000}, 0], 3]));
    doc["sequence"]["items"]["4000000"] = doc["sequence"]["items"]["0"].clone();
    let wide = |value: fn(usize) -> Value| -> Value {
        Value::Object((0..40).map(|i| (format!("e{i}__t0"), value(i))).collect())
    };
    doc["sequence"]["items"]["0"]["next"] = wide(|i| json!(i % 2 == 0));
    let layer: Map<String, Value> = (0..40).map(|i| (format!("v{i}"), json!(i))).collect();
    doc["contexts"]["items"]["0"] = Value::Object(layer);
    if let Some(first) = doc["staged"].as_array_mut().and_then(|s| s.first_mut()) {
        first["node"] = huge.clone();
        first["prev"] = wide(|i| json!(i));
    }
    let mut odd: State = serde_json::from_value(doc).expect("an odd state still reads");
    let kinds = [
        EventKind::Dispatch,
        EventKind::Run { run: 1, status: ActionStatus::Succeeded, result: Value::Null },
        EventKind::Run { run: 2, status: ActionStatus::Failed, result: Value::Null },
        EventKind::Pause,
        EventKind::Resume,
        EventKind::Rerun { tasks: Vec::new(), reset_items: Vec::new() },
        EventKind::Cancel,
        EventKind::Dispatch,
    ];
    for kind in kinds {
        let _ = step(&wf, &mut odd, &Event::new(0, kind));
    }
    let _ = odd.task_statuses(&wf);
    assert!(serde_json::to_string(&odd).is_ok());
}

/// A run is held in 32 bytes but read and written in the form states always had, and an
/// item index no list can have (the in-memory "no item") is refused, not read as none.
#[test]
fn a_run_keeps_its_serialized_form_and_refuses_an_impossible_item() {
    use super::state::Run;
    assert_eq!(size_of::<Option<Run>>(), 32);
    let form = json!({"task": 3, "route": 1, "item": 7, "started": true, "deadline": 1500});
    let run: Run = serde_json::from_value(form.clone()).expect("reads");
    assert_eq!((run.item(), run.deadline(), run.started), (Some(7), Some(1500), true));
    assert_eq!(serde_json::to_value(run).expect("writes"), form);
    let plain = json!({"task": 0, "route": 0, "item": null, "started": false});
    let run: Run = serde_json::from_value(plain).expect("a state without deadlines reads");
    assert_eq!((run.item(), run.deadline()), (None, None));
    let max = json!({"task": 0, "route": 0, "item": usize::MAX, "started": false});
    let refused = serde_json::from_value::<Run>(max).expect_err("refused");
    assert!(refused.to_string().contains("past any list"), "{refused}");
}

/// A wide fan-out's source and join hold their branches' edge names as places in the
/// workflow's table (`placed.rs`); a state read back holds them by name. Read back midway,
/// with the branches reported out of order, the two run on to the same states and commands.
#[test]
fn a_wide_join_read_back_midway_runs_on_as_the_original() {
    let n = 40;
    let mut text = String::from("tasks:\n  start:\n    action: core.noop\n    next:\n      - do: [");
    text.push_str(&(1..=n).map(|i| format!("p{i}")).collect::<Vec<_>>().join(", "));
    text.push_str("]\n");
    for i in 1..=n {
        text.push_str(&format!("  p{i}:\n    action: core.noop\n    next: [{{do: join}}]\n"));
    }
    text.push_str("  join:\n    join: all\n    action: core.noop\n");
    let wf = compile(&text).expect("valid");
    let (mut state, _) = State::start(&wf, &Map::new());
    let send = |state: &mut State, kind| step(&wf, state, &Event::new(0, kind)).expect("accepted");
    let report = |run| EventKind::Run { run, status: ActionStatus::Succeeded, result: Value::Null };
    send(&mut state, EventKind::Dispatch);
    send(&mut state, report(0));
    let runs: Vec<RunId> = send(&mut state, EventKind::Dispatch)
        .into_iter()
        .filter_map(|c| if let Command::StartRun(r) = c { Some(r.run) } else { None })
        .collect();
    assert_eq!(runs.len(), n);
    // Half the branches in offer order, then the rest from the last back.
    let (first, rest) = runs.split_at(n / 2);
    for &run in first {
        send(&mut state, report(run));
    }
    let mut back: State =
        serde_json::from_str(&serde_json::to_string(&state).expect("serializes")).expect("reads");
    assert_eq!(back, state);
    let join_prev = |s: &State| s.staged.iter().find(|x| x.prev.values().count() > 1).map(|x| x.prev.clone());
    assert!(matches!(join_prev(&state), Some(edgemap::EdgeMap::Placed(_))), "held by place");
    assert!(matches!(join_prev(&back), Some(edgemap::EdgeMap::Run(_))), "read back by name");
    for &run in rest.iter().rev() {
        assert_eq!(send(&mut back, report(run)), send(&mut state, report(run)));
        assert_eq!(back, state);
    }
    let (a, b) = (send(&mut back, EventKind::Dispatch), send(&mut state, EventKind::Dispatch));
    assert!(matches!(&a[..], [Command::StartRun(r)] if r.task == "join"), "{a:?}");
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&back).ok(), serde_json::to_string(&state).ok());
}
