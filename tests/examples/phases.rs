//! Where a workload's core time goes, by kind of event: the dispatches, the `running`
//! reports and the `succeeded` reports, the final state's drop and the start, each as
//! nanoseconds per action execution.
//!
//! The bench binary gives one number per workload; when that number grows with size, this
//! says which part of the lockstep round grew (on fanout-100000 it was the reports, which
//! read each branch's definition from a cold line). Run it from a release build:
//!
//! ```text
//! cargo run --release -p ostinato-tests --example phases -- fanout-1000 fanout-100000
//! ```
//!
//! Each workload is driven three times and the last is shown, so the first two warm the
//! allocator and the caches.

use std::time::Instant;

use ostinato_core::{
    ActionStatus, Command, CompileOptions, Event, EventKind, Limits, State, compile_with, step_into,
};
use ostinato_tests::workloads::{Workload, by_name};
use serde_json::Value;

/// Time spent in each kind of event over one run, in nanoseconds.
#[derive(Default)]
struct Phases {
    dispatch: u128,
    running: u128,
    succeeded: u128,
    /// Dropping the final state, which the bench times too: at 100,000 branches freeing
    /// what each branch left behind is a cost of its own.
    drop: u128,
    /// Making the state: the bench times it too, and with-items workloads copy their
    /// input's list into the context there.
    start: u128,
}

/// Drive the workload once under the lockstep driver, timing each kind of event.
fn drive(wf: &ostinato_core::Workflow, w: &Workload) -> Phases {
    let limits = Limits { max_task_iterations: u64::MAX, max_duration_ms: None };
    // The input is handed over, as the bench hands it (`start_owned`): made before the clock.
    let input = w.input.clone();
    let t0 = Instant::now();
    let (mut state, _) = State::start_owned(wf, input, limits, 0);
    let mut phases = Phases { start: t0.elapsed().as_nanos(), ..Phases::default() };
    let mut round = Vec::new();
    // One buffer for every step's commands, as a runtime keeps one: see `step_into`.
    let mut commands = Vec::new();
    for at in 1.. {
        let t0 = Instant::now();
        commands.clear();
        let _ = step_into(wf, &mut state, &Event::new(at, EventKind::Dispatch), &mut commands);
        round.clear();
        round.extend(
            commands.iter().filter_map(|c| if let Command::StartRun(r) = c { Some(r.run) } else { None }),
        );
        commands.clear();
        phases.dispatch += t0.elapsed().as_nanos();
        if round.is_empty() {
            break;
        }
        for status in [ActionStatus::Running, ActionStatus::Succeeded] {
            let t0 = Instant::now();
            for &run in &round {
                commands.clear();
                let _ = step_into(
                    wf,
                    &mut state,
                    &Event::new(at, EventKind::Run { run, status, result: Value::Null }),
                    &mut commands,
                );
            }
            let spent = t0.elapsed().as_nanos();
            match status {
                ActionStatus::Running => phases.running += spent,
                _ => phases.succeeded += spent,
            }
        }
    }
    let t0 = Instant::now();
    drop(state);
    phases.drop = t0.elapsed().as_nanos();
    phases
}

fn main() -> Result<(), String> {
    let names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        return Err(
            "usage: phases WORKLOAD... (names as the bench takes them: chain-1000, items-100-c10)".into()
        );
    }
    let options = CompileOptions::default().max_definition_bytes(64 << 20);
    for name in names {
        let w = by_name(&name)?;
        let wf = compile_with(&w.text, &options).map_err(|d| format!("{name}: {d}"))?;
        let mut phases = drive(&wf, &w);
        for _ in 0..2 {
            phases = drive(&wf, &w);
        }
        let per = |ns: u128| ns as f64 / w.actions.max(1) as f64;
        println!(
            "{name:<18} dispatch {:>6.0}  running {:>6.0}  succeeded {:>6.0}  drop {:>6.0}  start {:>6.0}  ns per action",
            per(phases.dispatch),
            per(phases.running),
            per(phases.succeeded),
            per(phases.drop),
            per(phases.start)
        );
    }
    Ok(())
}
