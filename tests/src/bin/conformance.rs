//! `conformance [--trace] [PATH ...]`: run corpus cases under the lockstep driver.
//!
//! Prints `PASS <case>` or `FAIL <case>: <first difference>` per case and ends with
//! `conformance: N passed, M failed` (skipped cases count as failed). `--trace` prints the
//! engine's trace JSON instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ostinato_tests::conformance::{first_difference, trace};
use ostinato_tests::{case_files, corpus_dir, load_case, skip_list};

fn main() -> ExitCode {
    let mut show_trace = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--trace" {
            show_trace = true;
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    if paths.is_empty() {
        paths.push(corpus_dir());
    }
    let mut files = Vec::new();
    for p in &paths {
        if p.is_dir() {
            match case_files(p) {
                Ok(mut f) => files.append(&mut f),
                Err(e) => {
                    eprintln!("conformance: cannot read {}: {e}", p.display());
                    return ExitCode::from(2);
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    let skips = skip_list();
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        match run(file, show_trace, &skips) {
            Ok(true) => passed += 1,
            Ok(false) => failed += 1,
            Err(e) => {
                println!("FAIL {}: {e}", file.display());
                failed += 1;
            }
        }
    }
    if !show_trace {
        println!("conformance: {passed} passed, {failed} failed");
    }
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn run(file: &Path, show_trace: bool, skips: &[(String, String)]) -> Result<bool, String> {
    let case = load_case(file)?;
    let actual = trace(&case.workflow, &case.script);
    if show_trace {
        println!("{}", serde_json::to_string_pretty(&actual).map_err(|e| e.to_string())?);
        return Ok(true);
    }
    if let Some((_, reason)) = skips.iter().find(|(n, _)| *n == case.name) {
        println!("SKIP {}: {reason}", case.name);
        return Ok(false);
    }
    match first_difference(&case.expected_trace, &actual) {
        None => {
            println!("PASS {}", case.name);
            Ok(true)
        }
        Some(diff) => {
            println!("FAIL {}: {diff}", case.name);
            Ok(false)
        }
    }
}
