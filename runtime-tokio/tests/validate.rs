//! `ostinato validate`: output format and exit codes, through the real binary.

use std::path::PathBuf;
use std::process::Command;

fn write(name: &str, body: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ostinato-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write");
    path
}

fn validate(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ostinato")).arg("validate").args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn valid_file_exits_zero() {
    let f = write("ok.yaml", b"version: 1.0\ntasks:\n  a:\n    action: core.noop\n");
    let (code, out, _) = validate(&[f.as_os_str()]);
    assert_eq!(code, 0);
    assert!(out.contains("ok.yaml: valid"), "{out}");
}

#[test]
fn invalid_file_prints_file_line_column_category_path_message_and_hint() {
    let f = write("bad.yaml", b"version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: bb\n  b:\n    action: core.noop\n");
    let (code, out, _) = validate(&[f.as_os_str()]);
    assert_eq!(code, 2);
    let first = out.lines().next().unwrap_or("");
    assert!(
        first.ends_with("bad.yaml:6:13: semantics: tasks.a.next[0].do: The task \"bb\" is not defined."),
        "{out}"
    );
    assert!(out.contains("  hint: did you mean \"b\"?"), "{out}");
    assert!(out.contains("bad.yaml: 1 problem"), "{out}");
}

#[test]
fn unreadable_and_binary_files_are_load_errors_with_exit_two() {
    let binary = write("bin.yaml", &[0xff, 0xfe, 0x00, 0x01]);
    let missing = binary.with_file_name("missing.yaml");
    let (code, out, _) = validate(&[binary.as_os_str(), missing.as_os_str()]);
    assert_eq!(code, 2);
    assert!(out.contains("bin.yaml:1:1: load: (top level): The file is not UTF-8 text."), "{out}");
    assert!(out.contains("missing.yaml: load: (top level): cannot read the file"), "{out}");
}

#[test]
fn no_file_is_a_usage_error() {
    let (code, _, err) = validate(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("name at least one workflow file"), "{err}");
}

#[test]
fn every_example_in_docs_validates() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/examples");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("docs/examples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert!(!files.is_empty());
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|p| p.as_os_str()).collect();
    let (code, out, _) = validate(&args);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_50_megabyte_file_is_refused_without_parsing() {
    let big = write("big.yaml", &vec![b'#'; 50 * 1024 * 1024]);
    let (code, out, _) = validate(&[big.as_os_str()]);
    assert_eq!(code, 2);
    assert!(out.contains("definitions larger than"), "{out}");
}

#[test]
fn warnings_are_shown_but_the_file_is_valid() {
    let f = write(
        "endless.yaml",
        b"tasks:\n  init:\n    next: [{do: a}]\n  a:\n    action: core.noop\n    next: [{do: a}]\n",
    );
    let (code, out, _) = validate(&[f.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            ":4:3: warning: semantics: tasks.a: The loop through a has no condition that can stop it"
        ),
        "{out}"
    );
    assert!(out.contains("endless.yaml: valid, 1 warning"), "{out}");
}
