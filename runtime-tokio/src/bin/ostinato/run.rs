//! `ostinato run WORKFLOW.yaml [--input k=v ...] [--input-file F]`: run a workflow under
//! tokio, show progress on stderr, print the final status and output as JSON on stdout.
//!
//! Exit codes: 0 succeeded; 1 failed or canceled; 2 invalid workflow or bad arguments.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ostinato_core::{Status, compile};
use ostinato_tokio::{Actions, Control, Handle, Progress, run};
use serde_json::{Map, Value, json};

use crate::validate::{read, render};

struct Args {
    file: String,
    input: Map<String, Value>,
}

fn usage(message: &str) -> ExitCode {
    eprintln!("ostinato run: {message}");
    eprintln!("usage: ostinato run WORKFLOW.yaml [--input name=value ...] [--input-file FILE]");
    ExitCode::from(2)
}

/// `name=value`: the value is JSON when it parses as JSON (numbers, booleans, lists,
/// quoted strings), a plain string otherwise.
fn parse_input(pair: &str) -> Result<(String, Value), String> {
    let (name, value) =
        pair.split_once('=').ok_or_else(|| format!("--input expects name=value, got `{pair}`"))?;
    if name.is_empty() {
        return Err(format!("--input expects name=value, got `{pair}`"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

fn input_file(path: &str) -> Result<Map<String, Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read input file {path}: {e}"))?;
    let value: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("input file {path} is not JSON or YAML: {e}"))?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(format!("input file {path} must hold a mapping of input names to values")),
    }
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut file = None;
    let mut input = Map::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--input" | "-i" => {
                let (k, v) = parse_input(it.next().ok_or("--input needs name=value")?)?;
                input.insert(k, v);
            }
            "--input-file" => input.extend(input_file(it.next().ok_or("--input-file needs a file")?)?),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument `{extra}`: run takes one workflow file")),
        }
    }
    Ok(Args { file: file.ok_or("name the workflow file to run")?, input })
}

fn stamp(at: Duration) -> String {
    format!("{:>4}.{:03}s", at.as_secs(), at.subsec_millis())
}

fn show(p: Progress<'_>) {
    let line = match p {
        Progress::Started { run, at } => {
            let item = run.item.map(|i| format!("[{i}]")).unwrap_or_default();
            let pass =
                if run.iteration > 1 { format!(" (iteration {})", run.iteration) } else { String::new() };
            format!(
                "{} {:<9} {}{item}{pass}: {}",
                stamp(at),
                "start",
                run.task,
                run.action.as_deref().unwrap_or("(no action)")
            )
        }
        Progress::Finished { run, status, at } => {
            let item = run.item.map(|i| format!("[{i}]")).unwrap_or_default();
            format!("{} {:<9} {}{item}", stamp(at), format!("{status:?}").to_lowercase(), run.task)
        }
        Progress::Workflow { status, at } => format!("{} workflow {status}", stamp(at)),
    };
    eprintln!("{line}");
}

/// Run the `run` subcommand.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    let text = match read(Path::new(&args.file)) {
        Ok(t) => t,
        Err(d) => {
            eprintln!("{}", render(&args.file, &d));
            return ExitCode::from(2);
        }
    };
    let workflow = match compile(&text) {
        Ok(w) => w,
        Err(problems) => {
            for d in &problems {
                eprintln!("{}", render(&args.file, d));
            }
            return ExitCode::from(2);
        }
    };
    let actions = Actions::builtin();
    let unknown: Vec<String> = workflow
        .graph()
        .tasks
        .iter()
        .filter_map(|t| match &t.action {
            Some(ostinato_core::Template::Plain(name)) if !actions.contains(name) => {
                Some(format!("{} ({})", name, t.name))
            }
            _ => None,
        })
        .collect();
    if !unknown.is_empty() {
        eprintln!(
            "ostinato run: {}: unknown action: {}; built-in actions are core.noop, core.echo, core.local, core.sleep",
            args.file,
            unknown.join(", ")
        );
        return ExitCode::from(2);
    }
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread().enable_all().build() else {
        eprintln!("ostinato run: cannot start the tokio runtime");
        return ExitCode::from(2);
    };
    let interactive = std::io::stderr().is_terminal();
    let report = rt.block_on(async {
        let (handle, control) = Handle::new();
        let cancel = handle.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.send(Control::Cancel);
            }
        });
        let report = run(&workflow, &args.input, &actions, Some(control), |p| {
            if interactive || !matches!(p, Progress::Workflow { status: Status::Running, .. }) {
                show(p);
            }
        })
        .await;
        drop(handle);
        report
    });
    let summary = json!({
        "status": report.status.as_str(),
        "output": report.output,
        "errors": report.errors,
    });
    println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
    if report.status == Status::Succeeded { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
