//! Diagnostics: what inspection says about a workflow definition, and where.
//!
//! Every problem carries the category Orquesta would file it under, the path of the offending
//! property in Orquesta's form (`tasks.t1.next[0].do`), the line and column in the YAML text, a
//! message and, where one exists, a hint that would fix it. Inspection collects all of them in
//! one pass so an author fixes a file in one round trip, not one error at a time.

use std::fmt;

/// The kind of problem, with the same names Orquesta's inspection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The text is not a workflow document at all (not YAML, not a mapping, duplicate keys).
    Load,
    /// The document does not fit the language's schema (unknown key, wrong type).
    Syntax,
    /// The document is well formed but means nothing runnable (undefined task, no start task).
    Semantics,
    /// An expression does not parse.
    Expressions,
    /// A variable is read before anything can have assigned it, or is private.
    Context,
}

impl Category {
    /// The lower-case name used in output and in the conformance corpus.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Load => "load",
            Category::Syntax => "syntax",
            Category::Semantics => "semantics",
            Category::Expressions => "expressions",
            Category::Context => "context",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The workflow is rejected.
    #[default]
    Error,
    /// The workflow runs, but probably not as intended (an Ostinato addition; Orquesta has no
    /// warnings).
    Warning,
}

/// A position in the definition text: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number in characters, starting at 1.
    pub column: u32,
}

impl Location {
    /// A location from a 1-based line and a 1-based column.
    #[must_use]
    pub fn new(line: u32, column: u32) -> Self {
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found in a workflow definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// What kind of problem this is.
    pub category: Category,
    /// Orquesta-style path of the offending property; `None` for the document's top level.
    pub path: Option<String>,
    /// Where in the text the problem sits, when the text has a place for it.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// What would fix it, when something specific would.
    pub hint: Option<String>,
    /// Error (rejects the workflow) or warning.
    pub severity: Severity,
}

impl Diagnostic {
    /// A diagnostic with no hint.
    #[must_use]
    pub fn new(
        category: Category,
        path: Option<String>,
        location: Option<Location>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            category,
            path,
            location,
            message: message.into(),
            hint: None,
            severity: Severity::Error,
        }
    }

    /// The same diagnostic as a warning.
    #[must_use]
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// True for an error (not a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The same diagnostic with a hint attached.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `line:column: category: path: message` — the file name is the caller's to prepend.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.location {
            write!(f, "{at}: ")?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(f, "{}: ", self.category)?;
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem inspection found, in a stable order (by position, then category and path).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, thiserror::Error)]
#[error("{}", render_all(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn render_all(list: &[Diagnostic]) -> String {
    let lines: Vec<String> = list.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

impl Diagnostics {
    /// True when nothing was found.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when there is at least one error (warnings do not count).
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Number of problems.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterate over the problems in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Sort into the documented stable order: by location, then category, then path, then message.
    pub(crate) fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (d.location.unwrap_or_default(), d.category, d.path.clone(), d.message.clone())
            };
            key(a).cmp(&key(b))
        });
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_category_path_message_and_hint() {
        let d = Diagnostic::new(
            Category::Semantics,
            Some("tasks.a.next[0].do".into()),
            Some(Location::new(4, 13)),
            "The task \"b\" is not defined.",
        )
        .with_hint("did you mean \"c\"?");
        assert_eq!(
            d.to_string(),
            "4:13: semantics: tasks.a.next[0].do: The task \"b\" is not defined.\n  hint: did you mean \"c\"?"
        );
    }

    #[test]
    fn sort_orders_by_location_first() {
        let at = |l| Some(Location::new(l, 1));
        let mut all = Diagnostics(vec![
            Diagnostic::new(Category::Syntax, None, at(9), "late"),
            Diagnostic::new(Category::Context, None, at(2), "early"),
        ]);
        all.sort();
        assert_eq!(all.0[0].message, "early");
        assert_eq!(all.0[1].message, "late");
    }
}
