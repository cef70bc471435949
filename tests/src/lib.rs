//! Shared helpers for Ostinato's cross-crate suites: reading the conformance corpus that sits
//! next to the project (`../shared/conformance`), used in place and never copied in; the
//! benchmark workloads and the floor engine; the bodies of the fuzz targets.
//!
//! ```
//! use ostinato_core::compile;
//! use ostinato_tests::workloads::{by_name, drive};
//!
//! // `loop-50`: one task re-entering itself 50 times through a published counter.
//! let w = by_name("loop-50").unwrap();
//! let outcome = drive(&compile(&w.text).unwrap(), &w.input);
//! assert!(outcome.succeeded);
//! assert_eq!(outcome.actions, w.actions);
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod conformance;
pub mod floor;
pub mod fuzzing;
pub mod workloads;

/// One conformance case: a workflow, its scripted environment, and the expected trace.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// The case name (the file name without `.yaml`).
    pub name: String,
    /// The workflow definition, verbatim.
    pub workflow: String,
    /// The scripted environment: input, outcomes, requests.
    #[serde(flatten)]
    pub script: conformance::Script,
    /// What the engine must produce (absent for golden-transcript workflows).
    #[serde(default)]
    pub expected: Expected,
    /// The expected trace, whole.
    #[serde(skip)]
    pub expected_trace: serde_json::Value,
}

/// The expected end of a case. Only the parts the current suites read are typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Expected {
    /// Final status, or `invalid` for a rejected workflow.
    #[serde(default)]
    pub status: String,
    /// For `invalid`: the inspection errors; otherwise the error count.
    #[serde(default)]
    pub errors: serde_json::Value,
}

/// One expected inspection error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct ExpectedError {
    /// Error category.
    pub category: String,
    /// Orquesta path of the offending property (`null` at the top level).
    pub path: Option<String>,
}

/// Where the shared corpus lives, relative to this crate: `<repo>/../shared/conformance/cases`.
#[must_use]
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/cases")
}

/// Every case file under `dir`, sorted by name.
///
/// # Errors
/// When the folder cannot be read.
pub fn case_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Read one case file.
///
/// # Errors
/// When the file cannot be read or is not a case.
pub fn load_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut case: Case = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let whole: serde_json::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    case.expected_trace = whole.get("expected").cloned().unwrap_or_default();
    Ok(case)
}

/// The skip list: `tests/conformance-skips.txt`, one `case-name: reason` per line (`#`
/// starts a comment). Every skip is a known gap and counts as a failure.
#[must_use]
pub fn skip_list() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-skips.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(n, r)| (n.trim().to_owned(), r.trim().to_owned())))
        .collect()
}
