//! Determinism, shown on the whole corpus: replaying the event log recorded for each case
//! re-derives exactly the same commands, event by event, and ends in a byte-identical state;
//! a state serialized mid-run and restored continues identically.

use ostinato_core::{State, compile, step};
use ostinato_tests::conformance::record;
use ostinato_tests::{case_files, corpus_dir, load_case};

#[test]
fn every_case_replays_to_the_same_commands_and_state() {
    let mut replayed = 0;
    for file in case_files(&corpus_dir()).expect("corpus") {
        let case = load_case(&file).expect("case");
        let (_, Some(recording)) = record(&case.workflow, &case.script) else { continue };
        let wf = compile(&case.workflow).expect("valid");
        let input = case.script.input.clone().unwrap_or_default();
        let (mut state, _) = State::start(&wf, &input);
        for (i, (event, commands)) in recording.log.iter().enumerate() {
            let again = step(&wf, &mut state, event).ok();
            assert_eq!(
                &again, commands,
                "{}: event {i} ({event:?}) produced different commands on replay",
                case.name
            );
        }
        let a = serde_json::to_string(&state).expect("serializes");
        let b = serde_json::to_string(&recording.state).expect("serializes");
        assert_eq!(a, b, "{}: replay ended in a different state", case.name);
        replayed += 1;
    }
    assert!(replayed >= 128, "replayed {replayed} cases");
}

#[test]
fn a_restored_state_continues_identically_at_every_point() {
    for file in case_files(&corpus_dir()).expect("corpus") {
        let case = load_case(&file).expect("case");
        let (_, Some(recording)) = record(&case.workflow, &case.script) else { continue };
        let wf = compile(&case.workflow).expect("valid");
        let input = case.script.input.clone().unwrap_or_default();
        let (mut state, _) = State::start(&wf, &input);
        for (i, (event, commands)) in recording.log.iter().enumerate() {
            // Round-trip the state through JSON before every event.
            let text = serde_json::to_string(&state).expect("serializes");
            let mut restored: State = serde_json::from_str(&text).expect("deserializes");
            assert_eq!(restored, state, "{}: event {i}: state changed by a round trip", case.name);
            let again = step(&wf, &mut restored, event).ok();
            assert_eq!(&again, commands, "{}: event {i}: a restored state answered differently", case.name);
            state = restored;
        }
    }
}
