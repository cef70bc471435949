//! A serialized state from format version 1 is checked in (`tests/golden/state-v1.json`) and
//! must keep loading and continuing: states persisted by one release are read by the next.
//! The file was written once by format version 1 and is never regenerated; a later format
//! change adds its own golden file beside it.

use std::path::Path;

use ostinato_core::{ActionStatus, Command, Event, EventKind, State, Status, compile, step};
use ostinato_tests::load_case;
use serde_json::Value;

fn loop_workflow() -> ostinato_core::Workflow {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    compile(&load_case(&dir.join("loop.yaml")).expect("golden loop").workflow).expect("valid")
}

fn send(wf: &ostinato_core::Workflow, state: &mut State, kind: EventKind) -> Vec<Command> {
    step(wf, state, &Event::new(0, kind)).expect("accepted")
}

#[test]
fn the_version_1_state_loads_and_runs_to_completion() {
    let wf = loop_workflow();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/state-v1.json");
    let text = std::fs::read_to_string(&path).expect("the golden state is checked in");
    let mut state: State = serde_json::from_str(&text).expect("a version 1 state still loads");
    assert_eq!(state.format(), 1, "the state says which format it was written in");
    assert_eq!(state.status(), Status::Running);
    let mut next = 1;
    let mut finished = None;
    for _ in 0..10 {
        for c in send(
            &wf,
            &mut state,
            EventKind::Run { run: next, status: ActionStatus::Succeeded, result: Value::Null },
        ) {
            if let Command::Finished { status, output } = c {
                finished = Some((status, output));
            }
        }
        let started: Vec<u64> = send(&wf, &mut state, EventKind::Dispatch)
            .into_iter()
            .filter_map(|c| if let Command::StartRun(r) = c { Some(r.run) } else { None })
            .collect();
        let Some(&run) = started.first() else { break };
        send(&wf, &mut state, EventKind::Run { run, status: ActionStatus::Running, result: Value::Null });
        next = run;
    }
    let (status, output) = finished.expect("the loop finished");
    assert_eq!(status, Status::Succeeded);
    assert_eq!(output.and_then(|o| o.get("n").cloned()), Some(Value::from(2)));
    // Written again, it is in the current format: arenas instead of lists.
    let again = serde_json::to_value(&state).expect("serializes");
    assert!(again["contexts"]["items"].is_object() && again["sequence"]["next"].is_u64(), "{again}");
}
