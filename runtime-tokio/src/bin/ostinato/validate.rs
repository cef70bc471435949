//! `ostinato validate FILE...`: every problem in every file, with where and how to fix it.

use std::path::Path;
use std::process::ExitCode;

use ostinato_core::{Category, Diagnostic, Diagnostics, Location, MAX_DEFINITION_BYTES, inspect};

/// Validate each file; exit 0 when all are valid, 2 when any is invalid or unreadable.
pub(crate) fn run(files: &[String]) -> ExitCode {
    if files.is_empty() {
        eprintln!("ostinato validate: name at least one workflow file, e.g. `ostinato validate flow.yaml`");
        return ExitCode::from(2);
    }
    let mut all_valid = true;
    for file in files {
        let diagnostics = match read(Path::new(file)) {
            Ok(text) => inspect(&text),
            Err(d) => Diagnostics(vec![d]),
        };
        for d in &diagnostics {
            out!("{}", render(file, d));
        }
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = diagnostics.len() - errors;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if errors == 0 {
            match warnings {
                0 => out!("{file}: valid"),
                n => out!("{file}: valid, {n} warning{}", plural(n)),
            }
            continue;
        }
        all_valid = false;
        out!("{file}: {errors} problem{}", plural(errors));
    }
    if all_valid { ExitCode::SUCCESS } else { ExitCode::from(2) }
}

/// `file:line:column: category: path: message`, then the hint on its own indented line.
pub(crate) fn render(file: &str, d: &Diagnostic) -> String {
    let warning = if d.is_error() { "" } else { "warning: " };
    let mut line = match d.location {
        Some(at) => format!("{file}:{at}: {warning}{}", d.category),
        None => format!("{file}: {warning}{}", d.category),
    };
    line.push_str(": ");
    line.push_str(d.path.as_deref().unwrap_or("(top level)"));
    line.push_str(": ");
    line.push_str(&d.message);
    if let Some(hint) = &d.hint {
        line.push_str("\n  hint: ");
        line.push_str(hint);
    }
    line
}

/// Read a file as UTF-8 text; a missing file or bytes that are not text become a load error.
pub(crate) fn read(path: &Path) -> Result<String, Diagnostic> {
    let cannot =
        |e: std::io::Error| Diagnostic::new(Category::Load, None, None, format!("cannot read the file: {e}"));
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > MAX_DEFINITION_BYTES as u64 {
        return Err(Diagnostic::new(
            Category::Load,
            None,
            None,
            format!(
                "The file is {size} bytes; definitions larger than {MAX_DEFINITION_BYTES} bytes are refused."
            ),
        )
        .with_hint("split the workflow, or move bulk data into workflow input"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::new(Category::Load, None, None, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let at =
            Location::new(u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX));
        Diagnostic::new(Category::Load, None, Some(at), "The file is not UTF-8 text.")
            .with_hint("save the workflow as UTF-8; binary files are not workflows")
    })
}
