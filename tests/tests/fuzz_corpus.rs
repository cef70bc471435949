//! The cargo-fuzz targets as plain tests on stable Rust: every input of each target's corpus
//! (`fuzz/corpus/TARGET`) and every crash reproducer ever found (`fuzz/regressions/TARGET`, copied from what `cargo fuzz` leaves in `fuzz/artifacts`) runs
//! through the same body the fuzzer runs (`ostinato_tests::fuzzing`).

use std::path::Path;

use ostinato_tests::fuzzing;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out.sort();
    out
}

fn run(target: &str, body: fn(&[u8]), at_least: usize) {
    let all = inputs(target);
    assert!(
        all.len() >= at_least,
        "{target}: {} inputs, expected a corpus of at least {at_least}",
        all.len()
    );
    for (name, bytes) in all {
        // A panic names the input, so the failure can be replayed with `cargo fuzz run`.
        let result = std::panic::catch_unwind(|| body(&bytes));
        assert!(result.is_ok(), "{target}: input {name} panicked");
    }
}

#[test]
fn compile_corpus() {
    run("compile", fuzzing::compile_bytes, 5);
}

#[test]
fn expression_corpus() {
    run("expression", fuzzing::expression, 10);
}

#[test]
fn events_corpus() {
    run("events", fuzzing::events, 10);
}
