//! Every example in docs/examples runs through the `ostinato` binary with the output the
//! documentation promises.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

fn run(file: &str, args: &[&str]) -> Value {
    run_exit(file, args, 0)
}

fn run_exit(file: &str, args: &[&str], code: i32) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/examples").join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_ostinato"))
        .arg("run")
        .arg(&path)
        .args(args)
        .output()
        .expect("ostinato runs");
    assert_eq!(out.status.code(), Some(code), "{file}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn examples_produce_their_documented_output() {
    let cases: [(&str, &[&str], Value); 7] = [
        ("n-of-m-join.yaml", &[], json!({"verdict": "two mirrors answered"})),
        ("monitoring-loop.yaml", &["--input", "ready_after=2"], json!({"outcome": "ready", "polls": 2})),
        ("retry-with-cycle.yaml", &[], json!({"attempts": 3, "outcome": "succeeded"})),
        (
            "retry-with-cycle.yaml",
            &["--input", "max_attempts=2"],
            json!({"attempts": 2, "outcome": "remediated"}),
        ),
        ("conditional-loop.yaml", &[], json!({"done": ["ALPHA", "BETA", "GAMMA"]})),
        ("fan-out-fan-in.yaml", &[], json!({"summary": "9 words on 2 lines"})),
        ("items-concurrency.yaml", &[], json!({"results": ["alpha ok", "beta ok", "gamma ok", "delta ok"]})),
    ];
    for (file, args, output) in cases {
        let summary = run(file, args);
        assert_eq!(summary["status"], "succeeded", "{file} {args:?}");
        assert_eq!(summary["output"], output, "{file} {args:?}");
    }
}

#[test]
fn remediation_then_fail_rolls_back_and_still_fails() {
    let summary = run_exit("remediation-then-fail.yaml", &[], 1);
    assert_eq!(summary["status"], "failed");
    assert_eq!(summary["output"], json!({"rolled_back": true}));
    let tasks: Vec<&str> =
        summary["errors"].as_array().expect("errors").iter().filter_map(|e| e["task"].as_str()).collect();
    assert_eq!(tasks, ["deploy", "fail"], "the deploy failure, then the explicit fail");
}
