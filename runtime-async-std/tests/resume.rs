//! Resume under async-std: a journaled run dropped mid-flight (as a crash would stop it) is
//! rebuilt from its journal; finished actions do not run again and the in-flight one is
//! reported abandoned, then retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ostinato_async_std::{ActionOutcome, Actions, Journal, Run};
use ostinato_core::{JOURNAL_VERSION, JournalHeader, Status, compile};
use serde_json::{Map, Value};

const FLOW: &str = "
tasks:
  first:
    action: test.count
    next: [{do: slow}]
  slow:
    action: test.hang_once
    retry: {count: 1}
    next: [{do: last}]
  last:
    action: test.count
";

fn actions(first: Arc<AtomicUsize>, hangs: Arc<AtomicUsize>) -> Actions {
    let mut a = Actions::builtin();
    a.register("test.count", move |_: Value| {
        first.fetch_add(1, Ordering::SeqCst);
        async { ActionOutcome::succeeded(Value::Null) }
    });
    a.register("test.hang_once", move |_: Value| {
        let n = hangs.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                std::future::pending::<()>().await;
            }
            ActionOutcome::succeeded(Value::Null)
        }
    });
    a
}

#[async_std::test]
async fn a_dropped_run_resumes_from_its_journal() {
    let dir = std::env::temp_dir().join(format!("ostinato-async-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("run.jsonl");
    let (counted, hangs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let a = actions(counted.clone(), hangs.clone());
    let wf = compile(FLOW).expect("valid");
    let header = JournalHeader {
        ostinato_journal: JOURNAL_VERSION,
        workflow: FLOW.into(),
        input: Map::new(),
        limits: None,
        start: None,
    };
    let journal = Journal::create(&path, &header).expect("journal");
    let (run, _handle) = Run::new();
    let crashed = async_std::future::timeout(
        Duration::from_millis(500),
        run.run_journaled(&wf, &Map::new(), &a, journal, |_| {}),
    )
    .await;
    assert!(crashed.is_err(), "the run was stopped while `slow` hung");
    assert_eq!(counted.load(Ordering::SeqCst), 1, "only `first` ran before the stop");

    let (run, _handle) = Run::new();
    let report = run.resume(&path, &a, |_| {}).await.expect("resumes");
    assert_eq!(report.status, Status::Succeeded, "{:?}", report.errors);
    assert_eq!(counted.load(Ordering::SeqCst), 2, "`first` did not run again; `last` ran once");
    assert_eq!(hangs.load(Ordering::SeqCst), 2, "`slow` was abandoned, then retried once");
    let _ = std::fs::remove_dir_all(&dir);
}
