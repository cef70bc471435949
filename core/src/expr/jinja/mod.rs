//! Jinja (`{{ }}`, `{% %}`): tokens, grammar and syntax tree.

mod ast;
mod lexer;
mod parser;

pub use ast::{Call, Jinja, Node};
pub(crate) use parser::{parse_expression, parse_template};
