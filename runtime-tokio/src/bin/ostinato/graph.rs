//! `ostinato graph WORKFLOW.yaml [--format dot|mermaid]`: the transition graph, with each
//! edge's condition and published names, joins and tasks on a loop marked, and an entry arrow
//! into every start task.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use ostinato_core::{JoinArity, Target, Task, Workflow, compile};

use crate::validate::{read, render};

fn edge_label(wf: &Workflow, task: &Task, transition: usize) -> String {
    let Some(t) = task.transitions.get(transition) else { return String::new() };
    let mut parts = Vec::new();
    if let Some(when) = &t.when {
        parts.push(when.source());
    }
    if !t.publish.is_empty() {
        let names: Vec<&str> = t.publish.iter().map(|(n, _)| n.as_str()).collect();
        parts.push(format!("publish {}", names.join(", ")));
    }
    let _ = wf;
    parts.join(" / ")
}

fn node_label(task: &Task) -> String {
    let mut label = task.name.clone();
    if let Some(a) = &task.action {
        label.push_str(&format!("\n{}", a.source()));
    }
    match task.join {
        Some(JoinArity::All(_)) => label.push_str("\njoin: all"),
        Some(JoinArity::Count(n)) => label.push_str(&format!("\njoin: {n}")),
        None => {}
    }
    if task.items.is_some() {
        label.push_str("\nwith items");
    }
    if task.in_cycle {
        label.push_str("\n(loop)");
    }
    label
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Graphviz DOT.
pub(crate) fn dot(wf: &Workflow) -> String {
    let g = wf.graph();
    let mut out = String::from("digraph workflow {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    out.push_str("  \"(start)\" [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n");
    for t in &g.tasks {
        let mut attrs = format!("label=\"{}\"", dot_escape(&node_label(t)));
        if t.join.is_some() {
            attrs.push_str(", peripheries=2");
        }
        if t.in_cycle {
            attrs.push_str(", color=blue");
        }
        let _ = writeln!(out, "  \"{}\" [{attrs}];", dot_escape(&t.name));
    }
    for id in &g.entry {
        if let Some(t) = wf.task(*id) {
            let _ = writeln!(out, "  \"(start)\" -> \"{}\";", dot_escape(&t.name));
        }
    }
    for t in &g.tasks {
        for e in &t.edges {
            let target = wf.target_name(e.target);
            if let Target::Command(_) = e.target {
                let _ = writeln!(out, "  \"{}\" [shape=octagon];", dot_escape(target));
            }
            let label = edge_label(wf, t, e.transition);
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                dot_escape(&t.name),
                dot_escape(target),
                dot_escape(&label)
            );
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid_id(name: &str) -> String {
    format!("n_{}", name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_"))
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;").replace('\n', "<br/>")
}

/// Mermaid flowchart.
pub(crate) fn mermaid(wf: &Workflow) -> String {
    let g = wf.graph();
    let mut out = String::from("flowchart LR\n  start((start))\n");
    for t in &g.tasks {
        let (open, close) = if t.join.is_some() { ("{{", "}}") } else { ("(", ")") };
        let _ = writeln!(out, "  {}{open}\"{}\"{close}", mermaid_id(&t.name), mermaid_text(&node_label(t)));
    }
    for id in &g.entry {
        if let Some(t) = wf.task(*id) {
            let _ = writeln!(out, "  start --> {}", mermaid_id(&t.name));
        }
    }
    for t in &g.tasks {
        for e in &t.edges {
            let target = wf.target_name(e.target);
            let label = edge_label(wf, t, e.transition);
            let arrow = if label.is_empty() {
                "-->".to_owned()
            } else {
                format!("-- \"{}\" -->", mermaid_text(&label))
            };
            let to = match e.target {
                Target::Command(_) => format!("{}[/{}/]", mermaid_id(target), target),
                Target::Task(_) => mermaid_id(target),
            };
            let _ = writeln!(out, "  {} {arrow} {to}", mermaid_id(&t.name));
        }
    }
    out
}

/// Run the `graph` subcommand.
pub(crate) fn main(args: &[String]) -> ExitCode {
    let mut file = None;
    let mut format = "dot".to_owned();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" => match it.next().map(String::as_str) {
                Some(f @ ("dot" | "mermaid")) => format = f.to_owned(),
                other => {
                    eprintln!(
                        "ostinato graph: --format takes dot or mermaid, got {}",
                        other.unwrap_or("nothing")
                    );
                    return ExitCode::from(2);
                }
            },
            path if file.is_none() && !path.starts_with('-') => file = Some(path.to_owned()),
            other => {
                eprintln!(
                    "ostinato graph: unexpected argument `{other}`; usage: ostinato graph FILE [--format dot|mermaid]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let Some(file) = file else {
        eprintln!(
            "ostinato graph: name the workflow file; usage: ostinato graph FILE [--format dot|mermaid]"
        );
        return ExitCode::from(2);
    };
    let workflow =
        match read(Path::new(&file)).map_err(|d| vec![d]).and_then(|t| compile(&t).map_err(|d| d.0)) {
            Ok(w) => w,
            Err(problems) => {
                for d in &problems {
                    eprintln!("{}", render(&file, d));
                }
                return ExitCode::from(2);
            }
        };
    print!("{}", if format == "dot" { dot(&workflow) } else { mermaid(&workflow) });
    ExitCode::SUCCESS
}
