//! `ostinato simulate` and `ostinato check` from the command line.

use std::process::Command;

use serde_json::Value;

fn ostinato(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ostinato"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .output()
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn simulate_reports_endings_whose_seeds_reproduce_them() {
    let args =
        ["simulate", "docs/examples/monitoring-loop.yaml", "--model", "docs/models/monitoring-loop.yaml"];
    let (code, out, err) = ostinato(&[&args[..], &["--runs", "400", "--seed", "3", "--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let endings = v["report"]["endings"].as_array().expect("endings");
    let total: u64 = endings.iter().map(|e| e["count"].as_u64().unwrap_or(0)).sum();
    assert_eq!(total, 400);
    for e in endings {
        let seed = e["seed"].to_string();
        let (_, one, _) = ostinato(&[&args[..], &["--runs", "1", "--seed", &seed, "--json"]].concat());
        let one: Value = serde_json::from_str(&one).expect("json");
        let only = &one["report"]["endings"][0];
        assert_eq!((&only["status"], &only["output"]), (&e["status"], &e["output"]), "seed {seed}");
    }
}

#[test]
fn check_finds_the_race_and_exits_one() {
    let (code, out, _) = ostinato(&["check", "docs/examples/publish-race.yaml", "--outcomes", "succeeded"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("race: the same outcome for every execution ends succeeded"), "{out}");
    assert!(out.contains("the other order:"), "{out}");
    assert!(out.contains("every reachable state"), "{out}");
}

#[test]
fn a_clean_workflow_checks_clean_and_exits_zero() {
    let (code, out, _) = ostinato(&["check", "docs/examples/fan-out-fan-in.yaml", "--outcomes", "succeeded"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no findings"), "{out}");
}

#[test]
fn a_bad_model_is_refused_with_where_and_what() {
    let dir = std::env::temp_dir().join(format!("ostinato-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "tasks:\n  pol:\n    fail: 0.1\n").expect("write");
    let path = bad.to_string_lossy().into_owned();
    let (code, _, err) = ostinato(&["simulate", "docs/examples/monitoring-loop.yaml", "--model", &path]);
    assert_eq!(code, 2);
    assert!(err.contains("model tasks.pol: the workflow has no task `pol`"), "{err}");
    std::fs::write(&bad, "default:\n  duration: {fixed: 1, uniform: [1, 2]}\n").expect("write");
    let (code, _, err) = ostinato(&["simulate", "docs/examples/monitoring-loop.yaml", "--model", &path]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2") && err.contains("exactly one of"), "{err}");
    let (code, _, err) = ostinato(&["check", "docs/examples/publish-race.yaml", "--outcomes", "maybe"]);
    assert_eq!(code, 2);
    assert!(err.contains("`maybe` is not one of"), "{err}");
}
