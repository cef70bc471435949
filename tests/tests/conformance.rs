//! The whole corpus under the lockstep driver: every case not in the skip list reproduces
//! Orquesta 1.6.0's trace, and every skip has a written reason.

use ostinato_tests::conformance::{first_difference, trace};
use ostinato_tests::{case_files, corpus_dir, load_case, skip_list};

#[test]
fn every_corpus_case_reproduces_orquestas_trace() {
    let skips = skip_list();
    assert!(skips.iter().all(|(_, reason)| !reason.is_empty()), "every skip needs a reason");
    let files = case_files(&corpus_dir()).expect("the shared corpus is next to the project");
    let mut failures = Vec::new();
    let mut passed = 0;
    for file in &files {
        let case = load_case(file).expect("case loads");
        if skips.iter().any(|(name, _)| *name == case.name) {
            continue;
        }
        match first_difference(&case.expected_trace, &trace(&case.workflow, &case.script)) {
            None => passed += 1,
            Some(diff) => failures.push(format!("{}: {diff}", case.name)),
        }
    }
    println!("conformance: {passed} passed, {} failed, {} skipped", failures.len(), skips.len());
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(passed + skips.len(), files.len());
}
