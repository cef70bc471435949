//! A serialized state from format version 1 is checked in (`tests/golden/state-v1.json`) and
//! must keep loading and continuing: states persisted by one release are read by the next.
//! The file is never regenerated; a format change adds a new golden file beside it.

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
    if std::env::var_os("GENERATE_STATE_V1").is_some() {
        // Mid-run: `init` done, the first `tick` running.
        let (mut state, _) = State::start(&wf, &serde_json::Map::new());
        send(&wf, &mut state, EventKind::Dispatch);
        send(&wf, &mut state, EventKind::Run { run: 0, status: ActionStatus::Running, result: Value::Null });
        send(
            &wf,
            &mut state,
            EventKind::Run { run: 0, status: ActionStatus::Succeeded, result: Value::Null },
        );
        send(&wf, &mut state, EventKind::Dispatch);
        send(&wf, &mut state, EventKind::Run { run: 1, status: ActionStatus::Running, result: Value::Null });
        std::fs::write(&path, serde_json::to_string_pretty(&state).expect("serializes")).expect("write");
    }
    let text = std::fs::read_to_string(&path).expect("the golden state is checked in");
    let mut state: State = serde_json::from_str(&text).expect("a version 1 state still loads");
    assert_eq!(state.format(), 1);
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
}
