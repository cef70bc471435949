//! Expressions: YAQL (`<% %>`) and Jinja (`{{ }}`, `{% %}`) inside workflow strings.
//!
//! Strings are compiled once, when the workflow is compiled, into [`Template`]s: plain text,
//! one whole-string expression (which yields a typed value), text mixed with expressions
//! (which yields a string), or a Jinja block template. Expressions are found the way Orquesta
//! finds them, with its non-greedy, single-line delimiter patterns, so the same strings are
//! expressions in both engines.

mod jinja;
mod scan;
mod template;
mod vars;
mod yaql;

pub use jinja::{Call as JinjaCall, Jinja, Node as JinjaNode};
pub use template::{Expr, Piece, Template, TemplateError, ValueTemplate};
pub use yaql::{Arg as YaqlArg, Yaql};

pub(crate) use scan::parse_inline_params;
pub(crate) use vars::referenced_variables;

/// The expression language of one expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// YAQL, written `<% ... %>`.
    Yaql,
    /// Jinja, written `{{ ... }}` or `{% ... %}`.
    Jinja,
}

/// What went wrong with an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ExprErrorKind {
    /// The expression does not parse.
    Syntax,
}

/// An expression that could not be parsed (and, from the expression issue on, evaluated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{message}")]
pub struct ExprError {
    /// The kind of failure.
    pub kind: ExprErrorKind,
    /// Character offset inside the expression where the problem is.
    pub position: usize,
    /// What is wrong, in the words Orquesta uses where it has words for it.
    pub message: String,
}

impl ExprError {
    /// A syntax error at a character offset.
    pub(crate) fn syntax(position: usize, message: impl Into<String>) -> Self {
        ExprError { kind: ExprErrorKind::Syntax, position, message: message.into() }
    }
}
