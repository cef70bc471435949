//! `ostinato run` through the real binary: output, exit codes, and one clear line for bad input.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn ostinato(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ostinato")).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/examples").join(name).display().to_string()
}

fn temp(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ostinato-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write");
    path.display().to_string()
}

#[test]
fn the_monitoring_loop_example_runs_to_its_output() {
    let file = example("monitoring-loop.yaml");
    let (code, out, err) = ostinato(&["run", &file, "--input", "ready_after=1"]);
    assert_eq!(code, 0, "{err}");
    let summary: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(summary["status"], "succeeded");
    assert_eq!(summary["output"]["outcome"], "ready");
    assert_eq!(summary["output"]["polls"], 1);
    assert!(err.contains("poll (iteration 2)"), "progress shows loop iterations:\n{err}");
}

#[test]
fn the_loop_gives_up_at_its_limit() {
    let file = example("monitoring-loop.yaml");
    let (code, out, _) = ostinato(&["run", &file, "-i", "ready_after=99", "-i", "max_polls=2"]);
    assert_eq!(code, 0);
    let summary: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(summary["output"]["outcome"], "gave up");
}

#[test]
fn a_failing_workflow_exits_one() {
    let file = temp("fail.yaml", "tasks:\n  t:\n    action: core.local cmd=\"exit 4\"\n");
    let (code, out, _) = ostinato(&["run", &file]);
    assert_eq!(code, 1);
    assert!(out.contains("\"status\": \"failed\""), "{out}");
}

#[test]
fn input_file_supplies_inputs() {
    let wf = temp(
        "greet.yaml",
        "input: [who]\noutput: [{msg: '<% ctx(who) %>'}]\ntasks:\n  t:\n    action: core.noop\n",
    );
    let input = temp("input.yaml", "who: Ada\n");
    let (code, out, _) = ostinato(&["run", &wf, "--input-file", &input]);
    assert_eq!(code, 0);
    let summary: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(summary["output"]["msg"], "Ada");
}

#[test]
fn bad_input_gets_one_clear_line_and_exit_two() {
    let bad_yaml = temp("bad.yaml", "tasks: [\n");
    let unknown = temp("unknown.yaml", "tasks:\n  t:\n    action: nosuch.thing\n");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["run".into(), "/nonexistent/flow.yaml".into()], "cannot read the file"),
        (vec!["run".into(), bad_yaml.clone()], "not valid YAML"),
        (vec!["run".into(), unknown], "unknown action: nosuch.thing (t)"),
        (
            vec!["run".into(), bad_yaml.clone(), "--input".into(), "novalue".into()],
            "--input expects name=value",
        ),
        (vec!["run".into()], "name the workflow file to run"),
        (vec!["run".into(), bad_yaml, "--frobnicate".into()], "unknown option `--frobnicate`"),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = ostinato(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
        assert!(err.lines().next().unwrap_or("").contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn a_workflow_made_of_a_cycle_runs_from_a_named_start_and_its_journal_replays() {
    let flow = temp(
        "cycle.yaml",
        "version: 1.0\nvars: [{n: 0}]\noutput: [{n: <% ctx(n) %>}]\ntasks:\n  tick:\n    action: core.noop\n    next:\n      - when: <% ctx(n) < 2 %>\n        publish: [{n: <% ctx(n) + 1 %>}]\n        do: tick\n",
    );
    let (code, _, err) = ostinato(&["run", &flow]);
    assert_eq!(code, 2, "no entry point without --start");
    assert!(err.contains("Unable to identify any tasks to start"), "{err}");
    let journal = temp("cycle.jsonl", "");
    std::fs::remove_file(&journal).expect("fresh journal");
    let (code, out, err) = ostinato(&["run", &flow, "--start", "tick", "--journal", &journal]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["output"]["n"], 2);
    let (code, timeline, err) = ostinato(&["replay", &journal]);
    assert_eq!(code, 0, "{err}");
    assert!(timeline.contains("tick (iteration 3)"), "{timeline}");
    let (code, _, err) = ostinato(&["run", &flow, "--start", "tock"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"tock\" is not defined"), "{err}");
}
