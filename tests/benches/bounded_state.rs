//! A monitoring-style loop must hold no more state after a million iterations than after ten.
//! Prints, at 10, 10,000 and 1,000,000 iterations: serialized state size and the mean time
//! per iteration (one dispatch and two reports) over the interval.
//!
//! `cargo bench -p ostinato-tests --bench bounded_state`

use std::time::Instant;

use ostinato_core::{ActionStatus, Command, Event, EventKind, Limits, State, compile, step};
use serde_json::{Map, Value};

const LOOP: &str = "
vars: [{n: 0}, {status: unknown}]
tasks:
  init:
    next: [{do: poll}]
  poll:
    action: core.local cmd=\"check\"
    next:
      - when: <% succeeded() and ctx(n) < 100000000 %>
        publish: [{n: <% ctx(n) + 1 %>}, {status: <% result() %>}]
        do: poll
";

fn main() {
    let wf = compile(LOOP).expect("valid");
    let limits = Limits { max_task_iterations: u64::MAX, max_duration_ms: None };
    let (mut state, _) = State::start_with(&wf, &Map::new(), limits, 0);
    let mut done: u64 = 0;
    let mut at = 0;
    println!("{:>12} {:>14} {:>16}", "iterations", "state bytes", "ns/iteration");
    for target in [10u64, 10_000, 1_000_000] {
        let started = Instant::now();
        let from = done;
        while done < target {
            at += 1;
            let runs: Vec<u64> = step(&wf, &mut state, &Event::new(at, EventKind::Dispatch))
                .expect("dispatch")
                .into_iter()
                .filter_map(|c| if let Command::StartRun(r) = c { Some(r.run) } else { None })
                .collect();
            for run in runs {
                step(
                    &wf,
                    &mut state,
                    &Event::new(
                        at,
                        EventKind::Run { run, status: ActionStatus::Running, result: Value::Null },
                    ),
                )
                .expect("running");
                let result = Value::String("ok".into());
                step(
                    &wf,
                    &mut state,
                    &Event::new(at, EventKind::Run { run, status: ActionStatus::Succeeded, result }),
                )
                .expect("done");
                done += 1;
            }
        }
        let per = started.elapsed().as_nanos() as f64 / (done - from).max(1) as f64;
        let bytes = serde_json::to_string(&state).expect("serializes").len();
        println!("{done:>12} {bytes:>14} {per:>16.0}");
    }
}
