//! A journaled run killed mid-flight is resumed from its journal: finished actions do not run
//! again, the in-flight one is reported abandoned (here retried), and the run completes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ostinato")
}

fn wait_for(path: &Path, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn resume_after_a_killed_process_finishes_without_rerunning_finished_actions() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ostinato-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let d = dir.display();
    let flow = dir.join("flow.yaml");
    std::fs::write(
        &flow,
        format!(
            "tasks:\n  first:\n    action: core.local cmd=\"echo once >> {d}/first\"\n    next: [{{do: slow}}]\n  slow:\n    action: core.local cmd=\"if [ -f {d}/slow ]; then exit 0; else touch {d}/slow; sleep 5; fi\"\n    retry: {{count: 1}}\n    next: [{{do: last}}]\n  last:\n    action: core.local cmd=\"echo done >> {d}/last\"\n"
        ),
    )
    .expect("write flow");
    let journal = dir.join("run.jsonl");
    let mut child = Command::new(bin())
        .arg("run")
        .arg(&flow)
        .arg("--journal")
        .arg(&journal)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    assert!(wait_for(&journal, "\"run\":1,\"status\":\"running\""), "slow started");
    child.kill().expect("killed");
    child.wait().expect("reaped");

    let replayed = Command::new(bin()).arg("replay").arg(&journal).output().expect("replay runs");
    let timeline = String::from_utf8_lossy(&replayed.stdout);
    assert!(
        timeline.contains("succeeded first") && timeline.contains("not finished: 1 run(s) in flight"),
        "{timeline}"
    );

    let resumed = Command::new(bin()).arg("resume").arg(&journal).output().expect("resume runs");
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"status\": \"succeeded\""), "{stdout}");
    assert!(stderr.contains("abandoned slow"), "the in-flight run is reported abandoned:\n{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("first")).expect("first ran"),
        "once\n",
        "first ran exactly once"
    );
    assert_eq!(std::fs::read_to_string(dir.join("last")).expect("last ran"), "done\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_journal_from_another_workflow_is_refused() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ostinato-resume-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let journal = dir.join("bad.jsonl");
    std::fs::write(&journal, "{\"ostinato_journal\":1,\"workflow\":\"tasks:\\n  a:\\n    action: core.noop\\n\",\"input\":{}}\n{\"at\":0,\"event\":{\"type\":\"run\",\"run\":7,\"status\":\"running\",\"result\":null}}\n").expect("write");
    let out = Command::new(bin()).arg("resume").arg(&journal).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("does not match the workflow"), "{err}");
}
