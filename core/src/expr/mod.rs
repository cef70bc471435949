//! Expressions: YAQL (`<% %>`) and Jinja (`{{ }}`, `{% %}`) inside workflow strings.
//!
//! Strings are compiled once, when the workflow is compiled, into [`Template`]s: plain text,
//! one whole-string expression (which yields a typed value), text mixed with expressions
//! (which yields a string), or a Jinja block template. Expressions are found the way Orquesta
//! finds them, with its non-greedy, single-line delimiter patterns, so the same strings are
//! expressions in both engines.

mod jinja;
mod jinja_eval;
mod jinja_lib;
mod ops;
mod orquesta_fns;
mod quick;
mod render;
mod scan;
mod scope;
mod std_fns;
mod template;
mod value;
mod vars;
mod yaql;
mod yaql_eval;
mod yaql_lib;

pub use jinja::{Call as JinjaCall, Jinja, Node as JinjaNode};
pub use scope::{CurrentTask, Functions, HostFn, MapScope, Scope};
pub(crate) use template::is_literal;
pub use template::{Ast, Expr, Piece, Template, TemplateError, ValueTemplate};
pub use yaql::{Arg as YaqlArg, Yaql};

pub(crate) use scan::parse_inline_params;
pub(crate) use value::{into_py_str, py_str as py_string, truthy};
pub(crate) use vars::referenced_variables;

/// A character offset inside an expression, recorded on the nodes errors are reported for.
///
/// Positions say where a node was written, not what it means: any two positions compare
/// equal, so a tree printed back to text and parsed again equals the original.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Pos(pub usize);

impl PartialEq for Pos {
    fn eq(&self, _: &Pos) -> bool {
        true
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExprErrorKind {
    /// The expression does not parse.
    Syntax,
    /// A variable (`ctx(x)`), item key or dictionary key is not defined.
    Undefined,
    /// No built-in or host function has this name.
    UnknownFunction,
    /// A value has the wrong type for the operation.
    WrongType,
    /// A division or modulo by zero.
    DivisionByZero,
    /// An argument is out of range or otherwise unusable.
    InvalidArgument,
    /// The expression needs something the scope does not have (no current task or item).
    NoContext,
    /// A host function refused its arguments.
    Host,
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

    /// An evaluation error of the given kind at a node's position.
    pub(crate) fn at(kind: ExprErrorKind, pos: Pos, message: impl Into<String>) -> Self {
        ExprError { kind, position: pos.0, message: message.into() }
    }
}

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod quick_tests;
