//! The performance table of issue 7: every workload of `../shared/bench/gen_workflows.py`
//! driven to its end under the lockstep driver, in release mode.
//!
//! `cargo run --release -p ostinato-tests --bin bench -- [--json] [--runs R] [--orquesta PYTHON] [--glibc-defaults] [NAME ...]`
//! `cargo run --release -p ostinato-tests --bin bench -- --instructions [--json] [NAME ...]`
//!
//! NAME is a workload (`chain-1000`) or a kind (`loop`, every default size). Each workload is
//! measured in child processes of its own, so its peak memory is its own: the time is the
//! core's alone (compilation excluded), median of R runs (default 5); `floor` is the same
//! workload on the floor engine (`ostinato_tests::floor`). With `--orquesta PYTHON` (a
//! Python with `orquesta` installed), Orquesta's conductor runs the same workload through
//! `../shared/bench/orquesta_bench.py` and the ratio is printed beside it.
//!
//! The R runs are rounds, interleaved: each round samples every workload once, in a fresh
//! child, before the next round starts. On a shared host a burst of load lasts seconds;
//! taken back to back, a small workload's samples all fell inside one burst and its median
//! moved with it (loopj-10 read 1,209 ns in one table and 754 ns in the next). Spread over
//! the whole table's time, a burst spoils at most a round or two of each row, which the
//! median leaves out.
//!
//! The children keep the memory they free, as a service running workflows one after another
//! does, so that a larger run is not charged for glibc handing its blocks back to the kernel
//! after every run (`heap.rs`); `--glibc-defaults` measures under glibc's own policy. The
//! table's `faults` column is the minor page faults per action in the timed runs.
//!
//! `--instructions` counts instead of timing: instructions per action under callgrind (see
//! `instructions.rs`), at sizes up to 10,000 when no workload is named.

mod heap;
mod instructions;
mod table;

use std::process::Command;
use std::time::Instant;

use ostinato_core::{CompileOptions, compile_with};
use ostinato_tests::floor::drive_floor;
use ostinato_tests::workloads::{KINDS, Workload, by_name, drive_state, make};
use serde_json::{Value, json};

const SIZES: [u64; 5] = [10, 100, 1_000, 10_000, 100_000];

/// Each sample lasts at least this long: a run of ten actions takes microseconds, and timed
/// alone it measures the first touch of caches and branch predictors, not the engine.
/// `OSTINATO_BENCH_SAMPLE_NS` overrides it (`0`: one call per sample, which an instruction
/// count under valgrind wants, so the number of calls is known: 3 with `--runs 1`).
const MIN_SAMPLE_NS: u128 = 2_000_000;

/// Median nanoseconds of one call of `f`, over `runs` samples. A sample is a batch of calls
/// back to back, as many as make it last `MIN_SAMPLE_NS` (one call for any workload that
/// takes longer), divided by the batch size; a warm-up call sizes the batch. Each call
/// takes a value `setup` made before the clock starts (the workload's input, handed over).
///
/// A batch of several calls is first run once untimed, so the first sample finds the CPU as
/// busy as the rest do: the bench takes one sample per child (see the module's doc), and a
/// small workload's single call of warm-up lasted microseconds after the child's start.
fn timed<I>(runs: usize, setup: impl Fn() -> I, mut f: impl FnMut(I)) -> Timed {
    let min_sample = std::env::var("OSTINATO_BENCH_SAMPLE_NS")
        .ok()
        .and_then(|v| v.parse::<u128>().ok())
        .unwrap_or(MIN_SAMPLE_NS);
    let first = setup();
    let t0 = Instant::now();
    f(first);
    let once = t0.elapsed().as_nanos().max(1);
    let batch = min_sample.div_ceil(once).max(1);
    if batch > 1 {
        let inputs: Vec<I> = (0..batch).map(|_| setup()).collect();
        inputs.into_iter().for_each(&mut f);
    }
    let mut faults = Some(0);
    let mut times: Vec<u128> = (0..runs.max(1))
        .map(|_| {
            let inputs: Vec<I> = (0..batch).map(|_| setup()).collect();
            // Read outside the clock: the inputs' own pages were mapped by `setup`.
            let before = heap::minor_faults();
            let t0 = Instant::now();
            for input in inputs {
                f(input);
            }
            let ns = t0.elapsed().as_nanos() / batch;
            faults =
                faults.zip(before.zip(heap::minor_faults())).map(|(sum, (b, a))| sum + a.saturating_sub(b));
            ns
        })
        .collect();
    times.sort_unstable();
    let calls = runs.max(1) as f64 * batch as f64;
    Timed { ns: times.get(times.len() / 2).copied().unwrap_or(0), faults: faults.map(|n| n as f64 / calls) }
}

/// What [`timed`] measured.
struct Timed {
    /// Median nanoseconds per call.
    ns: u128,
    /// Minor page faults per call over the timed calls; `None` where they cannot be read.
    faults: Option<f64>,
}

/// The child: measure one workload, print one JSON object. `measure` runs it once untimed
/// for the state's size and the peak heap, `time` times it; the parent asks for each in a
/// child of its own (see `spawn`), a hand-run child does both.
fn child(w: &Workload, runs: usize, (measure, time): (bool, bool)) -> Result<Value, String> {
    // Generated definitions are trusted input; the largest are past the 8 MiB default.
    let options = CompileOptions::default().max_definition_bytes(64 << 20);
    let wf = compile_with(&w.text, &options).map_err(|d| format!("{}: {d}", w.name))?;
    let mut row = if measure { measure_state(w, &wf)? } else { json!({"name": w.name, "kind": w.kind}) };
    if !time {
        return Ok(row);
    }
    let engine = timed(runs, || w.input.clone(), |input| drop(drive_state(&wf, input)));
    let floor = timed(
        runs,
        || w.input.clone(),
        |input| {
            std::hint::black_box(drive_floor(&wf, input));
        },
    );
    let actions = w.actions.max(1) as f64;
    row["ns_per_action"] = json!(engine.ns as f64 / actions);
    row["total_ns"] = json!(engine.ns as u64);
    row["faults_per_action"] = json!(engine.faults.map(|f| f / actions));
    row["floor_ns_per_action"] = json!(floor.ns as f64 / actions);
    Ok(row)
}

/// One untimed run, to check that the workload runs as written (on both engines) and to read
/// what it leaves: the final state's serialized size and the peak heap it took.
fn measure_state(w: &Workload, wf: &ostinato_core::Workflow) -> Result<Value, String> {
    // Reset the peak to now (Linux: `5` to clear_refs), so the peak is the engine's alone.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let base = heap::memory().map(|(_, rss)| rss);
    let (state, actions, events) = drive_state(wf, w.input.clone());
    let peak = match (reset, base, heap::memory()) {
        (true, Some(base), Some((hwm, _))) => Some(hwm.saturating_sub(base)),
        _ => None,
    };
    let succeeded = state.status() == ostinato_core::Status::Succeeded;
    if !succeeded || actions != w.actions {
        return Err(format!("{}: {actions} actions, succeeded {succeeded}", w.name));
    }
    let state_bytes = serde_json::to_string(&state).map_or(0, |s| s.len());
    drop(state);
    let floor_actions = drive_floor(wf, w.input.clone());
    if floor_actions != actions {
        return Err(format!("{}: the floor engine ran {floor_actions} actions, not {actions}", w.name));
    }
    Ok(json!({
        "name": w.name, "kind": w.kind, "actions": actions, "events": events,
        "state_bytes": state_bytes, "peak_heap_bytes": peak,
    }))
}

/// The workloads named (a kind stands for its default sizes), or every default one. Counting
/// instructions, the default sizes stop at `instructions::LARGEST`.
fn selection(names: &[String], counting: bool) -> Result<Vec<Workload>, String> {
    let defaults = |kind: &str| {
        let big = matches!(kind, "loop" | "items").then_some(1_000_000);
        SIZES
            .into_iter()
            .chain(big)
            .filter(|&n| !counting || n <= instructions::LARGEST)
            .filter_map(move |n| make(kind, n))
            .collect::<Vec<_>>()
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
        out.push(by_name(name)?);
    }
    Ok(out)
}

/// How a child runs: what it does, and under which memory policy.
#[derive(Clone, Copy)]
enum Ask {
    /// The untimed run alone, under glibc's own policy: the peak heap is the growth of the
    /// resident set, and a child that kept its freed memory would run the engine in what
    /// compiling a large definition left behind (chain-100000 read 192 KiB).
    Measure,
    /// One timed sample, keeping freed memory (see `heap.rs`) unless `glibc_defaults`.
    Time { glibc_defaults: bool },
}

/// Run one workload in a child process of this binary and read the row it prints.
fn spawn(w: &Workload, ask: Ask) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command.args(["--child", &w.name, "--runs", "1"]);
    match ask {
        Ask::Measure => command.arg("--measure-only"),
        Ask::Time { glibc_defaults } => {
            if !glibc_defaults {
                heap::retain(&mut command);
            }
            command.arg("--time-only")
        }
    };
    let out = command.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{}: child output: {e}", w.name))
}

/// The first round's row: the untimed fields from a measuring child, the times from a
/// timing one.
fn first_sample(w: &Workload, time: Ask) -> Result<Value, String> {
    let mut row = spawn(w, Ask::Measure)?;
    if let (Some(row), Value::Object(timed)) = (row.as_object_mut(), spawn(w, time)?) {
        row.extend(timed);
    }
    Ok(row)
}

/// Every workload sampled `runs` times, a round at a time (see the module's doc for why),
/// each row the first round's with the timed fields replaced by their medians over the rounds.
fn rounds(workloads: &[Workload], a: &Args) -> Result<Vec<Value>, String> {
    let (runs, quiet) = (a.runs, a.json);
    let time = Ask::Time { glibc_defaults: a.glibc_defaults };
    let mut samples: Vec<Vec<Value>> = vec![Vec::new(); workloads.len()];
    for round in 0..runs.max(1) {
        if !quiet {
            eprint!("\rbench: round {} of {}", round + 1, runs.max(1));
        }
        for (w, rows) in workloads.iter().zip(&mut samples) {
            rows.push(if round == 0 { first_sample(w, time)? } else { spawn(w, time)? });
        }
    }
    if !quiet {
        eprintln!();
    }
    Ok(samples.into_iter().map(median_row).collect())
}

/// The first sample (which carries the untimed fields) with each timed field the median of
/// all samples; the fastest and slowest sample's time per action ride along in the JSON, so
/// a reader can see how much the host moved.
fn median_row(samples: Vec<Value>) -> Value {
    let of = |key: &str| -> Vec<f64> {
        let mut v: Vec<f64> = samples.iter().filter_map(|r| r.get(key).and_then(Value::as_f64)).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let at = |sorted: &[f64], i: usize| sorted.get(i).copied().map_or(Value::Null, Value::from);
    let mut row = samples.first().cloned().unwrap_or(Value::Null);
    let per = of("ns_per_action");
    row["ns_per_action"] = at(&per, per.len() / 2);
    row["ns_per_action_min"] = at(&per, 0);
    row["ns_per_action_max"] = at(&per, per.len().saturating_sub(1));
    for key in ["total_ns", "floor_ns_per_action", "faults_per_action"] {
        let sorted = of(key);
        row[key] = at(&sorted, sorted.len() / 2);
    }
    row["runs"] = Value::from(samples.len());
    row
}

/// Orquesta's conductor on the same workload: its CPU microseconds per action.
fn orquesta(python: &str, w: &Workload) -> Result<f64, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/bench/orquesta_bench.py");
    let out = Command::new(python)
        .args([script, "case", w.kind, &w.n.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value =
        serde_json::from_str(line.lines().last().unwrap_or("")).map_err(|e| format!("orquesta: {e}"))?;
    v.get("us_per_action").and_then(Value::as_f64).ok_or_else(|| "orquesta: no us_per_action".into())
}

struct Args {
    json: bool,
    /// In a child: only the timed runs (the parent measures the untimed run in a child of
    /// its own, under another memory policy).
    time_only: bool,
    /// In a child: only the untimed run.
    measure_only: bool,
    /// Count instructions per action under callgrind instead of timing.
    instructions: bool,
    runs: usize,
    /// Children under glibc's own memory policy instead of one that keeps freed memory.
    glibc_defaults: bool,
    child: Option<String>,
    orquesta: Option<String>,
    names: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        json: false,
        time_only: false,
        measure_only: false,
        instructions: false,
        runs: 5,
        glibc_defaults: false,
        child: None,
        orquesta: None,
        names: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => a.json = true,
            "--time-only" => a.time_only = true,
            "--measure-only" => a.measure_only = true,
            "--instructions" => a.instructions = true,
            "--glibc-defaults" => a.glibc_defaults = true,
            "--runs" => a.runs = it.next().and_then(|r| r.parse().ok()).unwrap_or(a.runs),
            "--child" => a.child = it.next(),
            "--orquesta" => a.orquesta = it.next(),
            _ => a.names.push(arg),
        }
    }
    a
}

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1)
}

fn main() {
    let a = args();
    if let Some(name) = &a.child {
        let w = selection(std::slice::from_ref(name), false).unwrap_or_else(|e| fail(&e));
        let parts = (!a.time_only, !a.measure_only);
        let row = w.first().ok_or("no workload".to_owned()).and_then(|w| child(w, a.runs, parts));
        println!("{}", row.unwrap_or_else(|e| fail(&e)));
        return;
    }
    let workloads = selection(&a.names, a.instructions).unwrap_or_else(|e| fail(&e));
    if a.instructions {
        let exe = std::env::current_exe().unwrap_or_else(|e| fail(&e.to_string()));
        let counted: Vec<(&Workload, f64)> = workloads
            .iter()
            .map(|w| instructions::count(&exe, w).map(|per| (w, per)))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| fail(&e));
        instructions::print(a.json, &counted);
        return;
    }
    let rows = rounds(&workloads, &a).unwrap_or_else(|e| fail(&e));
    let mut table = table::Table::new(a.json, a.orquesta.is_some());
    for (w, mut row) in workloads.iter().zip(rows) {
        if let Some(python) = &a.orquesta {
            let us = orquesta(python, w).unwrap_or_else(|e| fail(&e));
            row["orquesta_us_per_action"] = json!(us);
        }
        table.row(row);
    }
    table.goals();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_the_first_sample_with_its_times_the_medians_of_all() {
        let samples = vec![
            json!({"name": "w", "state_bytes": 7, "ns_per_action": 900.0, "total_ns": 9000.0, "floor_ns_per_action": 300.0, "faults_per_action": 0.5}),
            json!({"name": "w", "ns_per_action": 100.0, "total_ns": 1000.0, "floor_ns_per_action": 50.0, "faults_per_action": 0.0}),
            json!({"name": "w", "ns_per_action": 200.0, "total_ns": 2000.0, "floor_ns_per_action": 40.0, "faults_per_action": 0.1}),
        ];
        let row = median_row(samples);
        assert_eq!(row["state_bytes"], json!(7), "the untimed fields come from the first round");
        assert_eq!(row["ns_per_action"], json!(200.0));
        assert_eq!(row["total_ns"], json!(2000.0));
        assert_eq!(row["floor_ns_per_action"], json!(50.0), "each field's median, not the median row's");
        assert_eq!(row["faults_per_action"], json!(0.1), "the faults too: one bad round does not set them");
        assert_eq!(
            (row["ns_per_action_min"].clone(), row["ns_per_action_max"].clone()),
            (json!(100.0), json!(900.0))
        );
        assert_eq!(row["runs"], json!(3));
    }
}
