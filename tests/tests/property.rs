//! Properties of the engine under a random runtime: arbitrary interleavings of reports,
//! pauses and resumes over the cyclic example workflows.
//!
//! - serialize → deserialize → continue answers exactly as never serializing;
//! - an event the engine rejects leaves the state byte for byte unchanged;
//! - the same events always give the same commands (determinism).

use ostinato_core::{ActionStatus, Command, Event, EventKind, Limits, RunId, State, Workflow, compile, step};
use proptest::prelude::*;
use serde_json::{Map, json};

const FLOWS: [&str; 5] = [
    include_str!("../../docs/examples/monitoring-loop.yaml"),
    include_str!("../../docs/examples/retry-with-cycle.yaml"),
    include_str!("../../docs/examples/conditional-loop.yaml"),
    include_str!("../../docs/examples/fan-out-fan-in.yaml"),
    include_str!("../../docs/examples/items-concurrency.yaml"),
];

/// One thing the simulated runtime or operator does.
#[derive(Debug, Clone)]
enum Act {
    /// Report on the `pick`-th open execution.
    Report {
        pick: usize,
        status: ActionStatus,
        ready: bool,
    },
    Pause,
    Resume,
}

fn act() -> impl Strategy<Value = Act> {
    let status = prop::sample::select(vec![
        ActionStatus::Running,
        ActionStatus::Succeeded,
        ActionStatus::Succeeded,
        ActionStatus::Failed,
        ActionStatus::Timeout,
        ActionStatus::Canceled,
    ]);
    prop_oneof![
        8 => (any::<usize>(), status, any::<bool>())
            .prop_map(|(pick, status, ready)| Act::Report { pick, status, ready }),
        1 => Just(Act::Pause),
        1 => Just(Act::Resume),
    ]
}

/// What a run answered: every event's commands (`None` for a rejection) and the final state.
type Trace = (Vec<Option<Vec<Command>>>, String);

fn text(state: &State) -> String {
    serde_json::to_string(state).unwrap_or_default()
}

/// Step and check that a rejection changed nothing.
fn send(wf: &Workflow, state: &mut State, event: Event) -> Option<Vec<Command>> {
    let before = text(state);
    let out = step(wf, state, &event).ok();
    if out.is_none() {
        assert_eq!(text(state), before, "a rejected {event:?} changed the state");
    }
    out
}

/// Run `acts` against `wf`; when `split` is set, round-trip the state through JSON there.
fn drive(wf: &Workflow, acts: &[Act], split: Option<usize>) -> Trace {
    let limits = Limits { max_task_iterations: 50, max_duration_ms: None };
    let (mut state, _) = State::start_with(wf, &Map::new(), limits, 0);
    let mut open: Vec<RunId> = Vec::new();
    let mut log = Vec::new();
    for (i, act) in acts.iter().enumerate() {
        if split == Some(i) {
            state = serde_json::from_str(&text(&state)).expect("a serialized state loads");
        }
        let at = i as u64 * 10;
        let kind = match act {
            Act::Report { pick, status, ready } if !open.is_empty() => {
                let run = open[pick % open.len()];
                if !matches!(status, ActionStatus::Running) {
                    open.retain(|r| *r != run);
                }
                let result = json!({"stdout": if *ready { "ready" } else { "waiting" }, "ready": ready});
                EventKind::Run { run, status: *status, result }
            }
            Act::Report { .. } => EventKind::Dispatch,
            Act::Pause => EventKind::Pause,
            Act::Resume => EventKind::Resume,
        };
        for event in [Event::new(at, kind), Event::new(at + 1, EventKind::Dispatch)] {
            let out = send(wf, &mut state, event);
            for c in out.iter().flatten() {
                if let Command::StartRun(r) = c {
                    open.push(r.run);
                }
            }
            log.push(out);
        }
    }
    (log, text(&state))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_restored_state_continues_as_if_never_serialized(
        flow in 0..FLOWS.len(),
        acts in prop::collection::vec(act(), 1..80),
        split in any::<prop::sample::Index>(),
    ) {
        let wf = compile(FLOWS[flow]).expect("the examples are valid");
        let at = split.index(acts.len());
        let straight = drive(&wf, &acts, None);
        let restored = drive(&wf, &acts, Some(at));
        prop_assert_eq!(&straight, &restored, "restored at act {}", at);
        prop_assert_eq!(straight, drive(&wf, &acts, None), "the same events gave other commands");
    }
}

/// The generator must reach deep into the loops, or the property says little.
#[test]
fn the_simulated_runtime_reaches_loop_iterations() {
    let wf = compile(FLOWS[0]).expect("valid");
    let acts: Vec<Act> = (0..60)
        .map(|i| Act::Report {
            pick: 0,
            status: if i % 2 == 0 { ActionStatus::Running } else { ActionStatus::Succeeded },
            ready: false,
        })
        .collect();
    let (log, _) = drive(&wf, &acts, None);
    let iterations = log
        .iter()
        .flatten()
        .flatten()
        .filter_map(|c| if let Command::StartRun(r) = c { Some(r.iteration) } else { None })
        .max();
    assert!(iterations.is_some_and(|n| n >= 5), "max iteration {iterations:?}");
}
