//! `ostinato graph`: DOT and Mermaid output with conditions, joins, loops and entry points.

use std::path::PathBuf;
use std::process::Command;

fn graph(args: &[&str]) -> (i32, String) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/monitoring-loop.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_ostinato"))
        .arg("graph")
        .arg(&file)
        .args(args)
        .output()
        .expect("runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn dot_marks_entry_loops_and_conditions() {
    let (code, out) = graph(&[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph workflow {"), "{out}");
    assert!(out.contains("\"(start)\" -> \"begin\";"), "{out}");
    assert!(out.contains("\"poll\" [label=\"poll\\ncore.local\\n(loop)\", color=blue];"), "{out}");
    assert!(out.contains("\"wait\" -> \"poll\""), "{out}");
    assert!(out.contains("<% succeeded() and result().stdout = 'ready' %> / publish outcome"), "{out}");
}

#[test]
fn mermaid_is_a_flowchart_with_the_same_edges() {
    let (code, out) = graph(&["--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart LR"), "{out}");
    assert!(out.contains("start --> n_begin"), "{out}");
    assert!(out.contains("n_wait --> n_poll"), "{out}");
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let (code, _) = graph(&["--format", "png"]);
    assert_eq!(code, 2);
}
