//! Every corpus case inspects exactly as Orquesta 1.6.0 did: a rejected workflow yields the
//! expected multiset of (category, path) pairs, every other workflow inspects clean.

use ostinato_core::inspect;
use ostinato_tests::{ExpectedError, case_files, corpus_dir, load_case};

#[test]
fn corpus_inspection_matches_orquesta() {
    let files = case_files(&corpus_dir()).expect("the shared corpus is next to the project");
    assert!(files.len() >= 100, "expected the full corpus, found {} cases", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let case = load_case(file).expect("case loads");
        let found = inspect(&case.workflow);
        let mut got: Vec<ExpectedError> = found
            .iter()
            .filter(|d| d.is_error())
            .map(|d| ExpectedError { category: d.category.to_string(), path: d.path.clone() })
            .collect();
        got.sort();
        let mut want: Vec<ExpectedError> = if case.expected.status == "invalid" {
            serde_json::from_value(case.expected.errors.clone()).expect("errors list")
        } else {
            Vec::new()
        };
        want.sort();
        if got != want {
            failures.push(format!("{}: expected {want:?}, got {got:?}\n{found}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_valid_case_compiles_so_every_expression_parses() {
    let mut failures = Vec::new();
    for file in case_files(&corpus_dir()).expect("corpus") {
        let case = load_case(&file).expect("case loads");
        if case.expected.status == "invalid" {
            continue;
        }
        if let Err(d) = ostinato_core::compile(&case.workflow) {
            failures.push(format!("{}:\n{d}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
