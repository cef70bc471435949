//! The bodies of the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`), here so that the same code
//! runs as a plain test over the committed corpus on stable Rust (`tests/tests/fuzz_corpus.rs`).
//! Each body panics only on a real defect: an engine panic, or an invariant broken.

use ostinato_core::{
    ActionStatus, Command, Event, EventKind, Functions, Limits, MapScope, RunId, State, Template, Workflow,
    compile,
};
use serde_json::{Map, Value, json};

/// Compile arbitrary bytes: every input is a workflow or a diagnostic.
pub fn compile_bytes(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = compile(text);
        let _ = ostinato_core::inspect(text);
    }
}

/// Parse arbitrary text as a template (YAQL `<% %>`, Jinja `{{ }}`, or plain) and evaluate it
/// against a small context: errors are values, never panics.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(template) = Template::compile(text) else { return };
    let vars: Map<String, Value> = [
        ("i".to_owned(), json!(3)),
        ("s".to_owned(), json!("text")),
        ("xs".to_owned(), json!([1, 2, {"a": [true, null]}])),
        ("m".to_owned(), json!({"k": "v", "n": 1.5})),
    ]
    .into_iter()
    .collect();
    let _ = template.evaluate(&MapScope::new(&vars), &Functions::new());
}

/// The workflows `events` drives: every feature the engine has, cycles included.
const FLOWS: [&str; 6] = [
    include_str!("../../docs/examples/monitoring-loop.yaml"),
    include_str!("../../docs/examples/retry-with-cycle.yaml"),
    include_str!("../../docs/examples/fan-out-fan-in.yaml"),
    include_str!("../../docs/examples/items-concurrency.yaml"),
    include_str!("../../docs/examples/publish-race.yaml"),
    "tasks:\n  a:\n    action: core.noop\n    timeout: 2\n    retry: {count: 2}\n    next:\n      - when: <% failed() %>\n        do: [b, fail]\n      - when: <% succeeded() %>\n        do: [c, d]\n  b:\n    action: core.noop\n  c:\n    with:\n      items: x in <% [1, 2, 3] %>\n      concurrency: 2\n    action: core.noop\n    next: [{do: j}]\n  d:\n    action: core.noop\n    next: [{do: [j, retry]}]\n  j:\n    join: all\n    action: core.noop\n",
];

const STATUSES: [ActionStatus; 8] = [
    ActionStatus::Running,
    ActionStatus::Succeeded,
    ActionStatus::Failed,
    ActionStatus::Timeout,
    ActionStatus::Canceled,
    ActionStatus::Pending,
    ActionStatus::Paused,
    ActionStatus::Abandoned,
];

/// Drive `step` with the events the bytes spell: byte 0 picks a workflow, then each byte
/// pair is one event (what, and which run). Any run id may arrive, offered or not. A refused
/// event must leave the state byte for byte unchanged, and a state must survive JSON.
pub fn events(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Some(wf) = FLOWS.get(pick as usize % FLOWS.len()).and_then(|t| compile(t).ok()) else { return };
    let limits = Limits { max_task_iterations: 8, max_duration_ms: Some(600_000) };
    let (mut state, _) = State::start_with(&wf, &Map::new(), limits, 0);
    let mut offered: Vec<RunId> = Vec::new();
    for (i, pair) in rest.chunks(2).enumerate() {
        let (what, which) = (pair[0], pair.get(1).copied().unwrap_or(0));
        let at = i as u64 * 500;
        let kind = event(what, which, &offered);
        step_checked(&wf, &mut state, Event::new(at, kind), &mut offered);
    }
    let text = serde_json::to_string(&state).unwrap_or_default();
    let back: State = serde_json::from_str(&text).unwrap_or_else(|e| panic!("a state does not load: {e}"));
    assert_eq!(serde_json::to_string(&back).unwrap_or_default(), text, "a state changed through JSON");
}

fn event(what: u8, which: u8, offered: &[RunId]) -> EventKind {
    let run = match offered.len() {
        // Mostly a run that was offered; sometimes any id at all.
        n if n > 0 && which < 224 => offered[which as usize % n],
        _ => u64::from(which),
    };
    match what % 16 {
        0..=2 => EventKind::Dispatch,
        3 => EventKind::Pause,
        4 => EventKind::Resume,
        5 => EventKind::Cancel,
        6 => EventKind::Rerun { tasks: Vec::new(), reset_items: Vec::new() },
        k => EventKind::Run {
            run,
            status: STATUSES[k as usize % STATUSES.len()],
            result: json!({"stdout": "ready"}),
        },
    }
}

fn step_checked(wf: &Workflow, state: &mut State, event: Event, offered: &mut Vec<RunId>) {
    let before = serde_json::to_string(&*state).unwrap_or_default();
    match ostinato_core::step(wf, state, &event) {
        Ok(commands) => {
            for c in commands {
                if let Command::StartRun(r) = c {
                    offered.push(r.run);
                }
            }
        }
        Err(rejected) => {
            let after = serde_json::to_string(&*state).unwrap_or_default();
            assert_eq!(after, before, "refused ({rejected}) yet the state changed: {event:?}");
        }
    }
}
