//! `ostinato replay JOURNAL`: the recorded run as a timeline, re-derived by replaying the
//! journal through the engine (nothing is executed).

use std::collections::BTreeMap;
use std::process::ExitCode;

use ostinato_core::{EventKind, RunRequest, Session, parse_journal};

fn stamp(ms: u64) -> String {
    format!("{:>4}.{:03}s", ms / 1000, ms % 1000)
}

/// Run the `replay` subcommand.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("ostinato replay: name one journal file; usage: ostinato replay JOURNAL");
        return ExitCode::from(2);
    };
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {path}: {e}"))
        .and_then(|t| parse_journal(&t).map_err(|e| e.to_string()));
    let (header, entries) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ostinato replay: {e}");
            return ExitCode::from(2);
        }
    };
    let workflow = match header.compile() {
        Ok(w) => w,
        Err(d) => {
            eprintln!("ostinato replay: the journal's workflow is invalid:\n{d}");
            return ExitCode::from(2);
        }
    };
    let (mut session, todo) = Session::start(&workflow, &header.input, 0);
    out!("{} started with input {}", stamp(0), serde_json::Value::Object(header.input.clone()));
    let mut runs: BTreeMap<u64, RunRequest> = todo.start.into_iter().map(|r| (r.run, r)).collect();
    let mut status = session.state().status();
    for (i, entry) in entries.iter().enumerate() {
        let outcome = match &entry.event {
            EventKind::Run { run, status, result } => {
                if let Some(r) = runs.get(run) {
                    let item = r.item.map(|i| format!("[{i}]")).unwrap_or_default();
                    let pass =
                        if r.iteration > 1 { format!(" (iteration {})", r.iteration) } else { String::new() };
                    out!(
                        "{} {:<9} {}{item}{pass}",
                        stamp(entry.at),
                        format!("{status:?}").to_lowercase(),
                        r.task
                    );
                }
                session.report(*run, *status, result.clone(), entry.at)
            }
            other => {
                out!("{} request   {other:?}", stamp(entry.at));
                session.request(other.clone(), entry.at)
            }
        };
        match outcome {
            Ok(todo) => runs.extend(todo.start.into_iter().map(|r| (r.run, r))),
            Err(rejected) => {
                eprintln!(
                    "ostinato replay: line {}: the engine rejects the recorded event ({rejected})",
                    i + 2
                );
                return ExitCode::from(2);
            }
        }
        let now = session.state().status();
        if now != status {
            out!("{} workflow  {now}", stamp(entry.at));
            status = now;
        }
    }
    match session.outcome() {
        Some((s, output)) => out!(
            "ended {s}; output {}",
            output.map_or("null".into(), |o| serde_json::Value::Object(o.clone()).to_string())
        ),
        None => out!(
            "not finished: {} run(s) in flight; `ostinato resume {path}` continues it",
            session.outstanding()
        ),
    }
    ExitCode::SUCCESS
}
