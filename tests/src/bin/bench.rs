//! The performance table of issue 7: every workload of `../shared/bench/gen_workflows.py`
//! driven to its end under the lockstep driver, in release mode.
//!
//! `cargo run --release -p ostinato-tests --bin bench -- [--json] [--runs R] [NAME ...]`
//!
//! NAME is a workload (`chain-1000`) or a kind (`loop`, every default size). The time is the
//! core's alone (compilation excluded): median of R runs (default 5) per workload.

use std::time::Instant;

use ostinato_core::compile;
use ostinato_tests::workloads::{KINDS, Outcome, Workload, drive, make};

const SIZES: [u64; 5] = [10, 100, 1_000, 10_000, 100_000];

struct Row {
    workload: Workload,
    outcome: Outcome,
    median_ns: u128,
}

fn measure(w: Workload, runs: usize) -> Result<Row, String> {
    let wf = compile(&w.text).map_err(|d| format!("{}: {d}", w.name))?;
    let mut times = Vec::with_capacity(runs);
    let mut outcome = None;
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let out = drive(&wf, &w.input);
        times.push(t0.elapsed().as_nanos());
        outcome = Some(out);
    }
    let outcome = outcome.ok_or("no run")?;
    if !outcome.succeeded || outcome.actions != w.actions {
        return Err(format!("{}: {} actions, succeeded {}", w.name, outcome.actions, outcome.succeeded));
    }
    times.sort_unstable();
    Ok(Row { median_ns: times[times.len() / 2], workload: w, outcome })
}

fn selection(names: &[String]) -> Result<Vec<Workload>, String> {
    let defaults = |kind: &str| {
        let big = matches!(kind, "loop" | "items").then_some(1_000_000);
        SIZES.into_iter().chain(big).filter_map(move |n| make(kind, n)).collect::<Vec<_>>()
    };
    if names.is_empty() {
        return Ok(KINDS.iter().flat_map(|k| defaults(k)).collect());
    }
    let mut out = Vec::new();
    for name in names {
        if KINDS.contains(&name.as_str()) {
            out.extend(defaults(name));
            continue;
        }
        let (kind, n) = name
            .strip_suffix("-c10")
            .map(|rest| ("items-c10", rest.trim_start_matches("items-")))
            .or_else(|| name.rsplit_once('-'))
            .ok_or_else(|| format!("{name}: expected KIND-N, e.g. chain-1000"))?;
        let n: u64 = n.parse().map_err(|_| format!("{name}: the size is not a number"))?;
        out.push(make(kind, n).ok_or_else(|| format!("{name}: unknown kind; kinds: {}", KINDS.join(", ")))?);
    }
    Ok(out)
}

fn ns_per_action(r: &Row) -> f64 {
    r.median_ns as f64 / r.outcome.actions.max(1) as f64
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    args.retain(|a| a != "--json");
    let mut runs = 5;
    if let Some(i) = args.iter().position(|a| a == "--runs") {
        runs = args.get(i + 1).and_then(|r| r.parse().ok()).unwrap_or(runs);
        args.drain(i..(i + 2).min(args.len()));
    }
    let workloads = match selection(&args) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    if !json {
        println!(
            "{:<18} {:>9} {:>10} {:>12} {:>12} {:>8}",
            "workload", "actions", "ns/action", "total ms", "state bytes", "growth"
        );
    }
    let mut previous: Option<(&str, f64, u64)> = None;
    for w in workloads {
        let kind = w.kind;
        let row = match measure(w, runs) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("bench: {e}");
                std::process::exit(1);
            }
        };
        let per = ns_per_action(&row);
        // Growth exponent of total time against actions, from the previous size of the kind.
        let growth = previous.as_ref().filter(|(k, _, _)| *k == kind).map(|(_, t, a)| {
            ((row.median_ns as f64) / t).ln() / ((row.outcome.actions as f64) / (*a as f64)).ln()
        });
        if json {
            println!(
                "{{\"name\":\"{}\",\"actions\":{},\"events\":{},\"ns_per_action\":{per:.1},\"total_ns\":{},\"state_bytes\":{},\"growth\":{}}}",
                row.workload.name,
                row.outcome.actions,
                row.outcome.events,
                row.median_ns,
                row.outcome.state_bytes,
                growth.map_or("null".into(), |g| format!("{g:.3}"))
            );
        } else {
            println!(
                "{:<18} {:>9} {:>10.0} {:>12.2} {:>12} {:>8}",
                row.workload.name,
                row.outcome.actions,
                per,
                row.median_ns as f64 / 1e6,
                row.outcome.state_bytes,
                growth.map_or(String::new(), |g| format!("{g:.2}"))
            );
        }
        previous = Some((kind, row.median_ns as f64, row.outcome.actions));
    }
}
