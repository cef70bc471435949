//! `ostinato run WORKFLOW.yaml [--input k=v ...] [--input-file F]`: run a workflow under
//! tokio, show progress on stderr, print the final status and output as JSON on stdout.
//!
//! Exit codes: 0 succeeded; 1 failed or canceled; 2 invalid workflow or bad arguments.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ostinato_core::{CompileOptions, JOURNAL_VERSION, JournalHeader, Status, compile_with, inspect};
use ostinato_tokio::{Actions, Control, Handle, Journal, Progress, resume, run, run_journaled};
use serde_json::{Map, Value, json};

use crate::validate::{read, render};

struct Args {
    file: String,
    input: Map<String, Value>,
    journal: Option<String>,
    /// `--start TASK`, repeatable: start there instead of at the entry points.
    start: Vec<String>,
}

fn usage(message: &str) -> ExitCode {
    eprintln!("ostinato run: {message}");
    eprintln!(
        "usage: ostinato run WORKFLOW.yaml [--input name=value ...] [--input-file FILE] [--journal FILE] [--start TASK ...]"
    );
    ExitCode::from(2)
}

/// `name=value`: the value is JSON when it parses as JSON (numbers, booleans, lists,
/// quoted strings), a plain string otherwise.
pub(crate) fn parse_input(pair: &str) -> Result<(String, Value), String> {
    let (name, value) =
        pair.split_once('=').ok_or_else(|| format!("--input expects name=value, got `{pair}`"))?;
    if name.is_empty() {
        return Err(format!("--input expects name=value, got `{pair}`"));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

pub(crate) fn input_file(path: &str) -> Result<Map<String, Value>, String> {
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
    let mut journal = None;
    let mut start = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--input" | "-i" => {
                let (k, v) = parse_input(it.next().ok_or("--input needs name=value")?)?;
                input.insert(k, v);
            }
            "--input-file" => input.extend(input_file(it.next().ok_or("--input-file needs a file")?)?),
            "--journal" => journal = Some(it.next().ok_or("--journal needs a file")?.clone()),
            "--start" => start.push(it.next().ok_or("--start needs a task name")?.clone()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument `{extra}`: run takes one workflow file")),
        }
    }
    Ok(Args { file: file.ok_or("name the workflow file to run")?, input, journal, start })
}

fn stamp(at: Duration) -> String {
    format!("{:>4}.{:03}s", at.as_secs(), at.subsec_millis())
}

/// Progress on stderr. Piped, it is plain timestamped lines. On a terminal the same lines
/// scroll above a status line that shows what is running now, redrawn at every change.
struct Display {
    interactive: bool,
    running: BTreeMap<u64, String>,
}

fn describe(p: &Progress<'_>) -> String {
    match *p {
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
        Progress::Workflow { status, at } => format!("{} workflow  {status}", stamp(at)),
    }
}

impl Display {
    fn show(&mut self, p: Progress<'_>) {
        let line = describe(&p);
        let at = match p {
            Progress::Started { run, at } => {
                let item = run.item.map(|i| format!("[{i}]")).unwrap_or_default();
                self.running.insert(run.run, format!("{}{item}", run.task));
                at
            }
            Progress::Finished { run, at, .. } => {
                self.running.remove(&run.run);
                at
            }
            Progress::Workflow { at, .. } => at,
        };
        if !self.interactive {
            eprintln!("{line}");
            return;
        }
        let names: Vec<&str> = self.running.values().map(String::as_str).collect();
        let status =
            if names.is_empty() { String::from("idle") } else { format!("running {}", names.join(", ")) };
        eprint!("\r\x1b[K{line}\n\x1b[2m{} {status}\x1b[0m", stamp(at));
        let _ = std::io::Write::flush(&mut std::io::stderr());
    }

    fn finish(&self) {
        if self.interactive {
            eprint!("\r\x1b[K");
        }
    }
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
    for d in inspect(&text).iter().filter(|d| !d.is_error()) {
        eprintln!("{}", render(&args.file, d));
    }
    let options = if args.start.is_empty() {
        CompileOptions::default()
    } else {
        CompileOptions::start_at(args.start.iter().cloned())
    };
    let workflow = match compile_with(&text, &options) {
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
    let journal = match &args.journal {
        Some(path) => {
            let header = JournalHeader {
                ostinato_journal: JOURNAL_VERSION,
                workflow: text.clone(),
                input: args.input.clone(),
                limits: None,
                start: (!args.start.is_empty()).then(|| args.start.clone()),
            };
            match Journal::create(Path::new(path), &header) {
                Ok(j) => Some(j),
                Err(e) => {
                    eprintln!("ostinato run: cannot write the journal {path}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        None => None,
    };
    execute(|control, show| async move {
        match journal {
            Some(j) => run_journaled(&workflow, &args.input, &actions, Some(control), j, show).await,
            None => run(&workflow, &args.input, &actions, Some(control), show).await,
        }
    })
}

/// `ostinato resume JOURNAL`: rebuild a crashed run from its journal and finish it.
pub(crate) fn resume_main(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("ostinato resume: name one journal file; usage: ostinato resume JOURNAL");
        return ExitCode::from(2);
    };
    let actions = Actions::builtin();
    let path = Path::new(path).to_path_buf();
    let failure = Arc::new(Mutex::new(None));
    let seen = failure.clone();
    let code = execute(|control, show| async move {
        match resume(&path, &actions, Some(control), show).await {
            Ok(report) => report,
            Err(e) => {
                if let Ok(mut f) = seen.lock() {
                    *f = Some(e.to_string());
                }
                ostinato_tokio::Report {
                    status: Status::Unset,
                    output: None,
                    errors: Vec::new(),
                    task_statuses: Default::default(),
                    runs: Vec::new(),
                    resumed: false,
                }
            }
        }
    });
    if let Ok(Some(message)) = failure.lock().map(|f| f.clone()) {
        eprintln!("ostinato resume: {message}");
        return ExitCode::from(2);
    }
    code
}

/// Progress callback handed to the runtime.
type Show = Box<dyn FnMut(Progress<'_>) + Send>;

/// Run on a fresh tokio runtime with Ctrl-C wired to cancel; print the summary; exit code.
fn execute<F, Fut>(body: F) -> ExitCode
where
    F: FnOnce(tokio::sync::mpsc::UnboundedReceiver<Control>, Show) -> Fut,
    Fut: Future<Output = ostinato_tokio::Report>,
{
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread().enable_all().build() else {
        eprintln!("ostinato: cannot start the tokio runtime");
        return ExitCode::from(2);
    };
    let display = Arc::new(Mutex::new(Display {
        interactive: std::io::stderr().is_terminal(),
        running: BTreeMap::new(),
    }));
    let shown = display.clone();
    let show: Show = Box::new(move |p| {
        if let Ok(mut d) = shown.lock() {
            d.show(p);
        }
    });
    let report = rt.block_on(async {
        let (handle, control) = Handle::new();
        let cancel = handle.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.send(Control::Cancel);
            }
        });
        let report = body(control, show).await;
        drop(handle);
        report
    });
    if let Ok(d) = display.lock() {
        d.finish();
    }
    if report.status == Status::Unset {
        return ExitCode::from(2);
    }
    let summary = json!({
        "status": report.status.as_str(),
        "output": report.output,
        "errors": report.errors,
    });
    out!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
    if report.status == Status::Succeeded { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
