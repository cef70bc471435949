//! YAQL grammar: a precedence-climbing parser over YAQL 3's operator table.
//!
//! Binding power, loosest first (YAQL's `_standard_operators`, read bottom-up): `->` (right
//! associative), `or`, `and`, prefix `not`, comparisons with `=`/`!=`/`in`, `+`/`-`,
//! `*`/`/`/`mod`, `=~`/`!~`, prefix `+`/`-`, indexing `x[...]`, member access `.`/`?.`.
//! A top-level comma is an error (`item(a), item(b)` is not an expression), as in YAQL.

use super::ast::{Arg, Yaql};
use super::lexer::{Tok, Token, tokenize};
use crate::expr::{ExprError, Pos};

const PREFIX_SIGN_BP: u8 = 9;
const PREFIX_NOT_BP: u8 = 4;
const INDEX_BP: u8 = 10;

/// Left binding power of a binary operator and whether it associates to the right.
fn binary_bp(op: &str) -> Option<(u8, bool)> {
    Some(match op {
        "->" => (1, true),
        "or" => (2, false),
        "and" => (3, false),
        ">" | "<" | ">=" | "<=" | "!=" | "=" | "in" => (5, false),
        "+" | "-" => (6, false),
        "*" | "/" | "mod" => (7, false),
        "=~" | "!~" => (8, false),
        "." | "?." => (11, false),
        _ => return None,
    })
}

/// Parse one YAQL expression (the text between `<%` and `%>`, delimiters removed).
pub(crate) fn parse(src: &str) -> Result<Yaql, ExprError> {
    let tokens = tokenize(src)?;
    let mut p = Parser { src, tokens, next: 0, depth: 0 };
    let expr = p.expr(0)?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(p.unexpected(t)),
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
}

/// Nesting beyond this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 200;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.next).cloned();
        self.next += 1;
        t
    }

    fn unexpected(&self, t: &Token) -> ExprError {
        ExprError::syntax(
            t.pos,
            format!(
                "Parse error: unexpected '{}' at position {} of expression '{}'",
                t.text, t.pos, self.src
            ),
        )
    }

    fn end(&self) -> ExprError {
        ExprError::syntax(self.src.chars().count(), "Parse error: unexpected end of statement")
    }

    fn expect_punct(&mut self, c: char) -> Result<(), ExprError> {
        match self.bump() {
            Some(Token { tok: Tok::Punct(p), .. }) if p == c => Ok(()),
            Some(t) => Err(self.unexpected(&t)),
            None => Err(self.end()),
        }
    }

    fn expr(&mut self, min_bp: u8) -> Result<Yaql, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::syntax(0, format!("expression nests deeper than {MAX_DEPTH} levels")));
        }
        let mut lhs = self.prefix()?;
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::Op(op) => {
                    let Some((bp, right)) = binary_bp(op) else { break };
                    if bp <= min_bp {
                        break;
                    }
                    let (op, pos) = (*op, Pos(t.pos));
                    self.next += 1;
                    let rhs = self.expr(if right { bp - 1 } else { bp })?;
                    lhs = Yaql::Binary { op, left: Box::new(lhs), right: Box::new(rhs), pos };
                }
                Tok::Indexer if INDEX_BP > min_bp => {
                    self.next += 1;
                    let args = self.args(']')?;
                    lhs = Yaql::Index { target: Box::new(lhs), args };
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn prefix(&mut self) -> Result<Yaql, ExprError> {
        let t = self.bump().ok_or_else(|| self.end())?;
        Ok(match t.tok {
            Tok::Int(i) => Yaql::Const(i.into()),
            Tok::Float(f) => {
                Yaql::Const(serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into))
            }
            Tok::Str(s) => Yaql::Const(s.into()),
            Tok::Keyword(v) => Yaql::Const(v),
            Tok::Word(w) => Yaql::Word(w),
            Tok::Dollar(d) => Yaql::Dollar(d),
            Tok::Func(name) => Yaql::Call { name, args: self.args(')')?, pos: Pos(t.pos) },
            Tok::Op(op @ ("-" | "+")) => Yaql::Unary { op, operand: Box::new(self.expr(PREFIX_SIGN_BP)?) },
            Tok::Op("not") => Yaql::Unary { op: "not", operand: Box::new(self.expr(PREFIX_NOT_BP)?) },
            Tok::Punct('(') => {
                let inner = self.expr(0)?;
                self.expect_punct(')')?;
                Yaql::Paren(Box::new(inner))
            }
            Tok::Indexer => Yaql::List(self.args(']')?),
            Tok::MapOpen => Yaql::Map(self.args('}')?),
            _ => return Err(self.unexpected(&t)),
        })
    }

    /// Arguments up to `close`: positional (possibly empty slots, never a trailing one), then
    /// named (`name => value`).
    fn args(&mut self, close: char) -> Result<Vec<Arg>, ExprError> {
        let mut args = Vec::new();
        if matches!(self.peek(), Some(Token { tok: Tok::Punct(c), .. }) if *c == close) {
            self.next += 1;
            return Ok(args);
        }
        loop {
            let arg = match self.peek() {
                Some(Token { tok: Tok::Punct(','), .. }) => Arg::Empty,
                Some(_) => {
                    let value = self.expr(0)?;
                    if matches!(self.peek(), Some(Token { tok: Tok::Mapping, .. })) {
                        self.next += 1;
                        Arg::Named(value, self.expr(0)?)
                    } else {
                        Arg::Positional(value)
                    }
                }
                None => return Err(self.end()),
            };
            if !matches!(arg, Arg::Named(..)) && args.iter().any(|a| matches!(a, Arg::Named(..))) {
                let t = self.tokens.get(self.next.saturating_sub(1)).cloned();
                return Err(t.map_or_else(|| self.end(), |t| self.unexpected(&t)));
            }
            args.push(arg);
            match self.bump() {
                Some(Token { tok: Tok::Punct(','), .. }) => {
                    if let Some(t) = self.peek().filter(|t| t.tok == Tok::Punct(close)) {
                        return Err(self.unexpected(t));
                    }
                }
                Some(Token { tok: Tok::Punct(c), .. }) if c == close => return Ok(args),
                Some(t) => return Err(self.unexpected(&t)),
                None => return Err(self.end()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(src: &str) -> String {
        parse(src).expect("parses").to_string()
    }

    #[test]
    fn precedence_follows_yaql() {
        assert_eq!(shape("succeeded() and ctx(i) < 10"), "succeeded() and ctx(i) < 10");
        let Yaql::Binary { op, .. } = parse("succeeded() and ctx(i) < 10").unwrap() else { panic!() };
        assert_eq!(op, "and");
        let Yaql::Unary { op, operand } = parse("not a = b").unwrap() else { panic!() };
        assert_eq!(op, "not");
        assert!(matches!(*operand, Yaql::Binary { op: "=", .. }));
        let Yaql::Binary { op, left, .. } = parse("-a * b").unwrap() else { panic!() };
        assert_eq!(op, "*");
        assert!(matches!(*left, Yaql::Unary { op: "-", .. }));
        let Yaql::Unary { operand, .. } = parse("-a.b").unwrap() else { panic!() };
        assert!(matches!(*operand, Yaql::Binary { op: ".", .. }));
    }

    #[test]
    fn methods_lambdas_indexing_and_collections() {
        for src in [
            "ctx(xs).where($ > 1).select($ * 2).orderBy($).toList()",
            "ctx().items[0]",
            "[1, 2, 3]",
            "{a => 1, 'b' => [2]}",
            "dict(a => 1, b => 2)",
            "f(, a)",
            "f(a, , b)",
            "f(a, k => 1)",
            "$.name",
            "a -> b -> c",
            "ctx(x) ?. y",
            "'abc' =~ 'a'",
            "7 mod -2",
        ] {
            parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        }
    }

    #[test]
    fn top_level_comma_is_a_parse_error_at_the_comma() {
        let e = parse("item(member), item(message)").expect_err("refused");
        assert_eq!(e.position, 12);
        assert_eq!(
            e.message,
            "Parse error: unexpected ',' at position 12 of expression 'item(member), item(message)'"
        );
    }

    #[test]
    fn malformed_expressions_are_refused() {
        for src in ["", "a +", "f(a,)", "f(k => 1, a)", "(a", "a b", "[1, 2", "a ! b", "f(,)"] {
            assert!(parse(src).is_err(), "{src} should not parse");
        }
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&src).is_err());
    }
}
