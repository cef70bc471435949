//! Golden transcripts: for each workflow in `tests/golden/`, the full event -> commands
//! sequence under a deterministic driver is checked in next to it (`.transcript`), so any
//! change in command order or content shows up in review.
//!
//! `UPDATE_GOLDEN=1 cargo test -p ostinato-tests --test golden` rewrites the transcripts.

use std::fmt::Write;
use std::path::Path;

use ostinato_core::{ActionStatus, Command, Event, EventKind, State, compile, step};
use ostinato_tests::load_case;
use serde_json::Value;

fn line(out: &mut String, prefix: &str, value: &impl serde::Serialize) {
    let _ = writeln!(out, "{prefix} {}", serde_json::to_string(value).unwrap_or_default());
}

fn transcript(file: &Path) -> String {
    let case = load_case(file).expect("golden case loads");
    let wf = compile(&case.workflow).expect("golden workflow compiles");
    let input = case.script.input.clone().unwrap_or_default();
    let mut out = String::new();
    let (mut state, commands) = State::start(&wf, &input);
    line(&mut out, "> start", &input);
    for c in &commands {
        line(&mut out, "<", c);
    }
    let mut consumed = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..100 {
        let ev = Event::new(0, EventKind::Dispatch);
        let runs: Vec<_> = step(&wf, &mut state, &ev)
            .expect("dispatch accepted")
            .into_iter()
            .filter_map(|c| if let Command::StartRun(r) = c { Some(r) } else { None })
            .collect();
        line(&mut out, ">", &ev.kind);
        for r in &runs {
            line(&mut out, "<", &Command::StartRun(r.clone()));
        }
        if runs.is_empty() {
            break;
        }
        for r in &runs {
            let list = case.script.outcomes.get(r.task.as_str()).cloned().unwrap_or_default();
            let n = consumed.entry(r.task.to_string()).or_insert(0);
            let (status, result) =
                list.get(*n).or(list.last()).map_or((ActionStatus::Succeeded, Value::Null), |o| o.reported());
            *n += 1;
            for (s, res) in [(ActionStatus::Running, Value::Null), (status, result)] {
                let ev = Event::new(0, EventKind::Run { run: r.run, status: s, result: res });
                line(&mut out, ">", &ev.kind);
                for c in step(&wf, &mut state, &ev).expect("report accepted") {
                    line(&mut out, "<", &c);
                }
            }
        }
    }
    out
}

#[test]
fn transcripts_match_the_checked_in_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut checked = 0;
    for file in ostinato_tests::case_files(&dir).expect("golden folder") {
        let got = transcript(&file);
        let path = file.with_extension("transcript");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &got).expect("write transcript");
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(got, want, "{} changed; review and run with UPDATE_GOLDEN=1 if intended", path.display());
        checked += 1;
    }
    assert_eq!(checked, 3);
}
