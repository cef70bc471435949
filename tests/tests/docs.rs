//! Every workflow written in the documentation compiles and runs, and does what the text says.
//!
//! A ```yaml block in README.md or docs/*.md is a complete workflow. It runs under the
//! lockstep driver (every action of a round reports `running`, then its outcome; the next
//! round is dispatched once all have reported), with cycle protection at 20 passes. Comment
//! lines in the block state what must happen:
//!
//! - `# runs: a b b c` — the tasks started, in order;
//! - `# status: failed` — the final status (default `succeeded`);
//! - `# fails: a b` — these tasks' actions fail (all others succeed);
//! - `# invalid: TEXT` — the block is a mistake on purpose: it must not compile, and the
//!   diagnostics must contain TEXT.
//!
//! The same directives may stand in `<!-- key: value -->` lines right above the block, where
//! the rendered page does not show them (the README does this).
//!
//! A block whose first line is `# model` is an outcome model for `ostinato simulate`, checked
//! against the workflow block before it. Set `OSTINATO_DOCS_SHOW=1` to print what each block did.

use std::path::Path;

use ostinato_core::{
    ActionStatus, Command, Event, EventKind, Limits, Model, State, Status, Workflow, compile, step,
};
use serde_json::{Map, Value};

/// The yaml blocks of a markdown file, with the line each starts on.
fn blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    // `<!-- key: value -->` lines right above a fence: directives a reader does not see.
    let mut hidden = String::new();
    for (n, line) in text.lines().enumerate() {
        let comment = line.trim().strip_prefix("<!--").and_then(|l| l.strip_suffix("-->"));
        match current.as_mut() {
            None if line.trim_start() == "```yaml" => {
                current = Some((n + 2, std::mem::take(&mut hidden)));
            }
            None if comment.is_some() => {
                hidden.push_str(&format!("# {}\n", comment.unwrap_or_default().trim()));
            }
            None => hidden.clear(),
            Some(_) if line.trim_start() == "```" => out.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn directive<'a>(body: &'a str, key: &str) -> Option<Vec<&'a str>> {
    let prefix = format!("# {key}:");
    body.lines()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
        .map(|rest| rest.split_whitespace().collect())
}

/// Run under the lockstep driver; returns the tasks started in order and the final status.
fn lockstep(wf: &Workflow, fails: &[&str]) -> (Vec<String>, Status) {
    let limits = Limits { max_task_iterations: 20, max_duration_ms: None };
    let (mut state, _) = State::start_with(wf, &Map::new(), limits, 0);
    let mut started = Vec::new();
    for round in 1..500 {
        let dispatch = step(wf, &mut state, &Event::new(round, EventKind::Dispatch)).unwrap_or_default();
        let runs: Vec<_> = dispatch
            .into_iter()
            .filter_map(|c| if let Command::StartRun(r) = c { Some(r) } else { None })
            .collect();
        if runs.is_empty() {
            break;
        }
        started.extend(runs.iter().map(|r| r.task.to_string()));
        for r in &runs {
            let _ = step(
                wf,
                &mut state,
                &Event::new(
                    round,
                    EventKind::Run { run: r.run, status: ActionStatus::Running, result: Value::Null },
                ),
            );
        }
        for r in &runs {
            let status =
                if fails.contains(&r.task.as_str()) { ActionStatus::Failed } else { ActionStatus::Succeeded };
            let _ = step(
                wf,
                &mut state,
                &Event::new(round, EventKind::Run { run: r.run, status, result: Value::Null }),
            );
        }
    }
    (started, state.status())
}

fn check_file(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut problems = Vec::new();
    let mut last: Option<Workflow> = None;
    for (line, body) in blocks(&text) {
        let at = format!("{}:{line}", path.display());
        if body.starts_with("# model") {
            let model: Result<Model, _> = serde_yaml::from_str(&body);
            match (model, &last) {
                (Ok(m), Some(wf)) => problems.extend(m.check(wf).err().map(|e| format!("{at}: {e}"))),
                (Ok(_), None) => problems.push(format!("{at}: a model with no workflow before it")),
                (Err(e), _) => problems.push(format!("{at}: {e}")),
            }
            continue;
        }
        if let Some(words) = directive(&body, "invalid") {
            let expected = words.join(" ");
            match compile(&body) {
                Ok(_) => problems.push(format!("{at}: compiles, but the text says it is invalid")),
                Err(d) if !d.to_string().contains(&expected) => {
                    problems.push(format!("{at}: diagnostics do not say {expected:?}:\n{d}"));
                }
                Err(_) => {}
            }
            continue;
        }
        let wf = match compile(&body) {
            Ok(wf) => wf,
            Err(d) => {
                problems.push(format!("{at}: does not compile:\n{d}"));
                continue;
            }
        };
        let fails = directive(&body, "fails").unwrap_or_default();
        let (runs, status) = lockstep(&wf, &fails);
        if std::env::var_os("OSTINATO_DOCS_SHOW").is_some() {
            eprintln!("{at}: runs: {}  status: {}", runs.join(" "), status.as_str());
        }
        let want = directive(&body, "status").and_then(|s| s.first().copied()).unwrap_or("succeeded");
        if status.as_str() != want {
            problems.push(format!("{at}: ended {}, the text says {want}", status.as_str()));
        }
        if let Some(expected) = directive(&body, "runs") {
            if runs != expected {
                problems.push(format!("{at}: ran {runs:?}, the text says {expected:?}"));
            }
        }
        last = Some(wf);
    }
    problems
}

#[test]
fn every_workflow_in_the_docs_compiles_runs_and_does_what_the_text_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let checked: usize =
        files.iter().map(|f| blocks(&std::fs::read_to_string(f).unwrap_or_default()).len()).sum();
    let problems: Vec<String> = files.iter().flat_map(|f| check_file(f)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 1, "no yaml blocks found");
}

#[test]
fn every_example_file_compiles_and_runs_to_an_end() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples");
    for e in std::fs::read_dir(&dir).expect("docs/examples").flatten() {
        let text = std::fs::read_to_string(e.path()).expect("readable");
        let wf = compile(&text).unwrap_or_else(|d| panic!("{}: {d}", e.path().display()));
        let (_, status) = lockstep(&wf, &[]);
        assert!(status.is_completed(), "{}: ended {status:?}", e.path().display());
    }
}
