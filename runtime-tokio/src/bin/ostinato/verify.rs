//! `ostinato simulate` and `ostinato check`: the core's verification, from the command line.
//! Both are pure computations over the core; this file only reads files and prints.
//!
//! Exit codes: simulate 0; check 0 with no findings, 1 with findings; both 2 for an invalid
//! workflow, model or arguments.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ostinato_core::{
    ActionStatus, CheckOptions, CheckReport, Limits, Model, SimOptions, SimReport, TraceStep, Workflow,
    check, compile, simulate,
};
use serde_json::{Map, Value, json};

use crate::run::{input_file, parse_input};
use crate::validate::{read, render};

/// What both commands read.
struct Common {
    file: String,
    input: Map<String, Value>,
    model: Option<String>,
    json: bool,
    /// Options particular to the command: (flag, value).
    rest: Vec<(String, String)>,
}

fn parse(args: &[String], flags: &[&str]) -> Result<Common, String> {
    let mut c = Common { file: String::new(), input: Map::new(), model: None, json: false, rest: Vec::new() };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().cloned().ok_or(format!("{a} needs {what}"));
        match a.as_str() {
            "--input" | "-i" => {
                let (k, v) = parse_input(&value("name=value")?)?;
                c.input.insert(k, v);
            }
            "--input-file" => c.input.extend(input_file(&value("a file")?)?),
            "--model" => c.model = Some(value("a model file")?),
            "--json" => c.json = true,
            flag if flags.contains(&flag) => c.rest.push((flag.to_owned(), value("a value")?)),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if c.file.is_empty() => c.file = path.to_owned(),
            extra => return Err(format!("unexpected argument `{extra}`: give one workflow file")),
        }
    }
    if c.file.is_empty() {
        return Err("name the workflow file".into());
    }
    Ok(c)
}

fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| format!("{flag} expects a whole number, got `{text}`"))
}

/// The workflow, or the diagnostics printed and exit code 2.
fn workflow(file: &str) -> Result<Workflow, ExitCode> {
    let text = read(Path::new(file)).map_err(|d| {
        eprintln!("{}", render(file, &d));
        ExitCode::from(2)
    })?;
    compile(&text).map_err(|problems| {
        for d in &problems {
            eprintln!("{}", render(file, d));
        }
        ExitCode::from(2)
    })
}

/// The model file (YAML), checked against the workflow.
fn model(path: &str, wf: &Workflow) -> Result<Model, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read the model: {e}"))?;
    let model: Model = serde_yaml::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    model.check(wf).map_err(|e| format!("{path}: {e}"))?;
    Ok(model)
}

fn fail(command: &str, message: &str, usage: &str) -> ExitCode {
    eprintln!("ostinato {command}: {message}");
    eprintln!("usage: {usage}");
    ExitCode::from(2)
}

/// What both commands start from: the arguments, the workflow, and the model if one was
/// named; or the exit code once the problem has been printed.
fn load(
    args: &[String],
    flags: &[&str],
    command: &str,
    usage: &str,
) -> Result<(Common, Workflow, Option<Model>), ExitCode> {
    let c = parse(args, flags).map_err(|e| fail(command, &e, usage))?;
    let wf = workflow(&c.file)?;
    let m = c.model.as_deref().map(|p| model(p, &wf)).transpose().map_err(|e| fail(command, &e, usage))?;
    Ok((c, wf, m))
}

const SIMULATE_USAGE: &str = "ostinato simulate WORKFLOW.yaml [--runs N] [--seed S] [--model MODEL.yaml] [--max-iterations N] [--input k=v ...] [--json]";

/// Run `ostinato simulate`.
pub(crate) fn simulate_main(args: &[String]) -> ExitCode {
    let fail = |m: &str| fail("simulate", m, SIMULATE_USAGE);
    let (c, wf, model) =
        match load(args, &["--runs", "--seed", "--max-iterations"], "simulate", SIMULATE_USAGE) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    let model = model.unwrap_or_default();
    let mut options = SimOptions::default();
    for (flag, v) in &c.rest {
        let n = match number(flag, v) {
            Ok(n) => n,
            Err(e) => return fail(&e),
        };
        match flag.as_str() {
            "--runs" => options.runs = n,
            "--seed" => options.seed = n,
            _ => options.limits.max_task_iterations = n,
        }
    }
    let t0 = Instant::now();
    let report = simulate(&wf, &c.input, &model, &options);
    let secs = t0.elapsed().as_secs_f64();
    if c.json {
        out!("{}", json!({"file": c.file, "seed": options.seed, "seconds": secs, "report": report}));
    } else {
        print_simulation(&c.file, &options, &report, secs);
    }
    ExitCode::SUCCESS
}

fn print_simulation(file: &str, options: &SimOptions, r: &SimReport, secs: f64) {
    let rate = r.runs as f64 / secs.max(1e-9);
    out!("{file}: {} runs from seed {} in {secs:.2} s ({rate:.0} runs/s)\n", r.runs, options.seed);
    out!("endings (count, status, output, a seed that reproduces it with --runs 1):");
    for e in &r.endings {
        let status = e.status.map_or("unfinished".to_owned(), |s| s.as_str().to_owned());
        let output = e.output.as_ref().map_or("-".to_owned(), |o| Value::Object(o.clone()).to_string());
        out!("  {:>8}  {status:<10} {output}  --seed {}", e.count, e.seed);
    }
    out!("\niterations per task (min / mean / max):");
    let width = r.iterations.keys().map(String::len).max().unwrap_or(0);
    for (task, s) in &r.iterations {
        out!("  {task:<width$}  {} / {:.2} / {}", s.min, s.mean, s.max);
    }
    let d = r.duration_ms;
    let sec = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
    out!(
        "\nvirtual duration: min {}  p50 {}  p90 {}  p99 {}  max {}  mean {:.1} s",
        sec(d.spread.min),
        sec(d.p50),
        sec(d.p90),
        sec(d.p99),
        sec(d.spread.max),
        d.spread.mean / 1000.0
    );
    let limit = options.limits.max_task_iterations;
    out!("stopped by cycle protection (max_task_iterations {limit}): {}", r.stopped_by_limit);
    out!("unfinished: {}", r.unfinished);
}

const CHECK_USAGE: &str = "ostinato check WORKFLOW.yaml [--outcomes succeeded,failed] [--max-states N] [--max-iterations N] [--model MODEL.yaml] [--input k=v ...] [--json]";

fn outcomes(text: &str) -> Result<Vec<ActionStatus>, String> {
    text.split(',')
        .map(|s| match s.trim() {
            "succeeded" => Ok(ActionStatus::Succeeded),
            "failed" => Ok(ActionStatus::Failed),
            "timeout" => Ok(ActionStatus::Timeout),
            "canceled" => Ok(ActionStatus::Canceled),
            other => Err(format!("--outcomes: `{other}` is not one of succeeded, failed, timeout, canceled")),
        })
        .collect()
}

fn check_options(c: &Common) -> Result<CheckOptions, String> {
    let mut options = CheckOptions::default();
    for (flag, v) in &c.rest {
        match flag.as_str() {
            "--outcomes" => options.outcomes = outcomes(v)?,
            "--max-states" => options.max_states = usize::try_from(number(flag, v)?).unwrap_or(usize::MAX),
            _ => options.limits = Limits { max_task_iterations: number(flag, v)?, ..options.limits },
        }
    }
    Ok(options)
}

/// Run `ostinato check`.
pub(crate) fn check_main(args: &[String]) -> ExitCode {
    let (c, wf, model) =
        match load(args, &["--outcomes", "--max-states", "--max-iterations"], "check", CHECK_USAGE) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    let options = match check_options(&c) {
        Ok(o) => CheckOptions { model, ..o },
        Err(e) => return fail("check", &e, CHECK_USAGE),
    };
    let t0 = Instant::now();
    let report = check(&wf, &c.input, &options);
    let secs = t0.elapsed().as_secs_f64();
    if c.json {
        out!("{}", json!({"file": c.file, "seconds": secs, "report": report}));
    } else {
        print_check(&c.file, &report, secs);
    }
    if report.findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn print_trace(trace: &[TraceStep]) {
    for (i, s) in trace.iter().enumerate() {
        let item = s.item.map(|i| format!("[{i}]")).unwrap_or_default();
        let result = if s.result.is_null() { String::new() } else { format!(" result {}", s.result) };
        let status = format!("{:?}", s.status).to_lowercase();
        out!("      {:>3}. run {:<3} {}{item} (pass {}) {status}{result}", i + 1, s.run, s.task, s.iteration);
    }
}

fn print_check(file: &str, r: &CheckReport, secs: f64) {
    let rate = r.states as f64 / secs.max(1e-9);
    let complete =
        if r.complete { "every reachable state" } else { "INCOMPLETE: the state bound stopped it" };
    out!(
        "{file}: {} states, {} transitions in {secs:.3} s ({rate:.0} states/s); {complete}\n",
        r.states,
        r.transitions
    );
    out!("endings (status, output, distinct end states):");
    for e in &r.endings {
        let output = e.output.as_ref().map_or("-".to_owned(), |o| Value::Object(o.clone()).to_string());
        out!("  {:<10} {output}  ({})", e.status.as_str(), e.count);
    }
    if r.findings.is_empty() {
        out!("\nno findings");
        return;
    }
    out!("\nfindings: {}", r.findings.len());
    for f in &r.findings {
        out!("  {}", f.message);
        out!("    reproduce:");
        print_trace(&f.trace);
        if let Some(other) = &f.other {
            out!("    the other order:");
            print_trace(other);
        }
    }
}
