//! The YAQL syntax tree, and its printing back to source.
//!
//! Printing keeps the parenthesised groups the author wrote ([`Yaql::Paren`]) and adds none,
//! so printing a parsed tree and parsing the text again gives the same tree.

use std::fmt;

use crate::expr::Pos;

/// A parsed YAQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaql {
    /// A literal: quoted string, number, `true`, `false` or `null`.
    Const(serde_json::Value),
    /// A bare word, which YAQL treats as a string (`ctx(name)`, `x.name`).
    Word(String),
    /// `$` (the current value) or `$name` (a context variable).
    Dollar(String),
    /// A function call `name(args)`; as the right side of `.` it is a method call.
    Call {
        /// The function's name.
        name: String,
        /// Its arguments in order.
        args: Vec<Arg>,
        /// Where the call starts.
        pos: Pos,
    },
    /// A prefix operator: `-`, `+` or `not`.
    Unary {
        /// The operator.
        op: &'static str,
        /// What it applies to.
        operand: Box<Yaql>,
    },
    /// A binary operator, member access (`.`, `?.`) and lambdas (`->`) included.
    Binary {
        /// The operator.
        op: &'static str,
        /// Left operand.
        left: Box<Yaql>,
        /// Right operand.
        right: Box<Yaql>,
        /// Where the operator is.
        pos: Pos,
    },
    /// Indexing: `target[args]`.
    Index {
        /// The indexed value.
        target: Box<Yaql>,
        /// The index arguments.
        args: Vec<Arg>,
    },
    /// A list literal `[a, b]`.
    List(Vec<Arg>),
    /// A dictionary literal `{k => v}`.
    Map(Vec<Arg>),
    /// A parenthesised expression.
    Paren(Box<Yaql>),
}

/// One argument slot of a call, index, list or dictionary.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An empty slot (`f(, a)`), which YAQL passes as "no value".
    Empty,
    /// A positional argument.
    Positional(Yaql),
    /// A named argument `name => value`.
    Named(Yaql, Yaql),
}

fn write_args(f: &mut fmt::Formatter<'_>, args: &[Arg]) -> fmt::Result {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match arg {
            Arg::Empty => {}
            Arg::Positional(v) => write!(f, "{v}")?,
            Arg::Named(k, v) => write!(f, "{k} => {v}")?,
        }
    }
    Ok(())
}

fn write_const(f: &mut fmt::Formatter<'_>, v: &serde_json::Value) -> fmt::Result {
    match v {
        serde_json::Value::String(s) => {
            f.write_str("'")?;
            for c in s.chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    '\'' => f.write_str("\\'")?,
                    '\n' => f.write_str("\\n")?,
                    '\r' => f.write_str("\\r")?,
                    '\t' => f.write_str("\\t")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("'")
        }
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            if x.fract() == 0.0 && x.abs() < 1e15 { write!(f, "{x:.1}") } else { write!(f, "{x}") }
        }
        other => write!(f, "{other}"),
    }
}

impl fmt::Display for Yaql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Yaql::Const(v) => write_const(f, v),
            Yaql::Word(w) => f.write_str(w),
            Yaql::Dollar(d) => write!(f, "${d}"),
            Yaql::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                write_args(f, args)?;
                f.write_str(")")
            }
            Yaql::Unary { op, operand } if op.chars().all(char::is_alphabetic) => {
                write!(f, "{op} {operand}")
            }
            Yaql::Unary { op, operand } => write!(f, "{op}{operand}"),
            Yaql::Binary { op: op @ ("." | "?."), left, right, .. } => write!(f, "{left}{op}{right}"),
            Yaql::Binary { op, left, right, .. } => write!(f, "{left} {op} {right}"),
            Yaql::Index { target, args } => {
                write!(f, "{target}[")?;
                write_args(f, args)?;
                f.write_str("]")
            }
            Yaql::List(args) => {
                f.write_str("[")?;
                write_args(f, args)?;
                f.write_str("]")
            }
            Yaql::Map(args) => {
                f.write_str("{")?;
                write_args(f, args)?;
                f.write_str("}")
            }
            Yaql::Paren(inner) => write!(f, "({inner})"),
        }
    }
}
