//! YAQL (`<% %>`): tokens, grammar and syntax tree.

mod ast;
mod lexer;
mod parser;

pub use ast::{Arg, Yaql};
pub(crate) use lexer::decode_escapes;
pub(crate) use parser::parse;
