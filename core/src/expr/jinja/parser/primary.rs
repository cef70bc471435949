//! Jinja primaries and postfix forms: literals, names, groups, attribute and item access,
//! calls, filters and tests.

use super::super::ast::{Call, Jinja};
use super::super::lexer::Tok;
use super::{MAX_DEPTH, Parser, err};
use crate::expr::ExprError;

impl Parser {
    pub(super) fn primary(&mut self) -> Result<Jinja, ExprError> {
        let pos = self.pos();
        let Some(tok) = self.bump() else {
            return Err(err(pos, "unexpected end of template"));
        };
        Ok(match tok {
            Tok::Name(n) => match n.as_str() {
                "true" | "True" => Jinja::Const(true.into()),
                "false" | "False" => Jinja::Const(false.into()),
                "none" | "None" => Jinja::Const(serde_json::Value::Null),
                _ => Jinja::Name(n),
            },
            Tok::Str(s) => {
                // Adjacent string literals concatenate, as in Python.
                let mut text = s;
                while let Some(Tok::Str(more)) = self.peek() {
                    text.push_str(more);
                    self.next += 1;
                }
                Jinja::Const(text.into())
            }
            Tok::Int(i) => Jinja::Const(i.into()),
            Tok::Float(f) => {
                Jinja::Const(serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into))
            }
            Tok::Op("(") => self.group()?,
            Tok::Op("[") => Jinja::List(self.sequence("]")?),
            Tok::Op("{") => self.dict()?,
            _ => {
                self.next -= 1;
                return Err(self.unexpected());
            }
        })
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.pos(), "expression nests too deeply"));
        }
        Ok(())
    }

    /// `( )`, `(expr)` or a tuple `(a, b,)`.
    fn group(&mut self) -> Result<Jinja, ExprError> {
        self.enter()?;
        if self.eat_op(")") {
            self.depth -= 1;
            return Ok(Jinja::Tuple(Vec::new()));
        }
        let first = self.expression(true)?;
        let result = if self.is_op(",") { self.tuple_tail(first, true)? } else { first };
        self.expect_op(")")?;
        self.depth -= 1;
        Ok(result)
    }

    /// Comma-separated expressions up to `close`, trailing comma allowed.
    fn sequence(&mut self, close: &str) -> Result<Vec<Jinja>, ExprError> {
        self.enter()?;
        let mut items = Vec::new();
        while !self.eat_op(close) {
            if !items.is_empty() {
                self.expect_op(",")?;
                if self.eat_op(close) {
                    break;
                }
            }
            items.push(self.expression(true)?);
        }
        self.depth -= 1;
        Ok(items)
    }

    fn dict(&mut self) -> Result<Jinja, ExprError> {
        self.enter()?;
        let mut entries = Vec::new();
        while !self.eat_op("}") {
            if !entries.is_empty() {
                self.expect_op(",")?;
                if self.eat_op("}") {
                    break;
                }
            }
            let key = self.expression(true)?;
            self.expect_op(":")?;
            entries.push((key, self.expression(true)?));
        }
        self.depth -= 1;
        Ok(Jinja::Dict(entries))
    }

    pub(super) fn postfix(&mut self, mut e: Jinja) -> Result<Jinja, ExprError> {
        loop {
            if self.eat_op(".") {
                e = match self.bump() {
                    Some(Tok::Name(n)) => Jinja::Attr(Box::new(e), n),
                    Some(Tok::Int(i)) => Jinja::Item(Box::new(e), Box::new(Jinja::Const(i.into()))),
                    _ => {
                        self.next -= 1;
                        return Err(self.unexpected());
                    }
                };
            } else if self.eat_op("[") {
                e = Jinja::Item(Box::new(e), Box::new(self.subscript()?));
            } else if self.is_op("(") {
                self.next += 1;
                e = Jinja::Call(Box::new(e), self.call_args()?);
            } else {
                return Ok(e);
            }
        }
    }

    /// The inside of `[...]`: an index, a slice, or a tuple of them.
    fn subscript(&mut self) -> Result<Jinja, ExprError> {
        self.enter()?;
        let mut items = vec![self.subscribed()?];
        while self.eat_op(",") {
            if self.is_op("]") {
                break;
            }
            items.push(self.subscribed()?);
        }
        self.expect_op("]")?;
        self.depth -= 1;
        Ok(if items.len() == 1 { items.remove(0) } else { Jinja::Tuple(items) })
    }

    fn subscribed(&mut self) -> Result<Jinja, ExprError> {
        let start = if self.is_op(":") { None } else { Some(self.expression(true)?) };
        if !self.eat_op(":") {
            return start.ok_or_else(|| self.unexpected());
        }
        let bound = |p: &mut Self| -> Result<Option<Box<Jinja>>, ExprError> {
            if p.is_op(":") || p.is_op("]") || p.is_op(",") {
                Ok(None)
            } else {
                Ok(Some(Box::new(p.expression(true)?)))
            }
        };
        let stop = bound(self)?;
        let step = if self.eat_op(":") { bound(self)? } else { None };
        Ok(Jinja::Slice(start.map(Box::new), stop, step))
    }

    /// Arguments after an opening `(`, through the closing `)`.
    fn call_args(&mut self) -> Result<Call, ExprError> {
        self.enter()?;
        let mut call = Call::default();
        while !self.eat_op(")") {
            if !(call.args.is_empty() && call.kwargs.is_empty()) {
                self.expect_op(",")?;
                if self.eat_op(")") {
                    break;
                }
            }
            let keyword = match (self.peek(), self.tokens.get(self.next + 1).map(|t| &t.tok)) {
                (Some(Tok::Name(n)), Some(Tok::Op("="))) => Some(n.clone()),
                _ => None,
            };
            if let Some(key) = keyword {
                self.next += 2;
                call.kwargs.push((key, self.expression(true)?));
            } else if call.kwargs.is_empty() {
                call.args.push(self.expression(true)?);
            } else {
                return Err(err(self.pos(), "invalid syntax for function call expression"));
            }
        }
        self.depth -= 1;
        Ok(call)
    }

    fn dotted_name(&mut self) -> Result<String, ExprError> {
        let mut name = self.name()?;
        while self.is_op(".") && matches!(self.tokens.get(self.next + 1).map(|t| &t.tok), Some(Tok::Name(_)))
        {
            self.next += 1;
            name.push('.');
            name.push_str(&self.name()?);
        }
        Ok(name)
    }

    /// `| filter(args)`, `is [not] test arg`, and calls on the result, repeated.
    pub(super) fn filters(&mut self, mut e: Jinja) -> Result<Jinja, ExprError> {
        loop {
            if self.eat_op("|") {
                let name = self.dotted_name()?;
                let call = if self.eat_op("(") { self.call_args()? } else { Call::default() };
                e = Jinja::Filter(Box::new(e), name, call);
            } else if self.eat_name("is") {
                let negated = self.eat_name("not");
                let name = self.dotted_name()?;
                let call = if self.eat_op("(") {
                    self.call_args()?
                } else if self.test_argument_follows() {
                    let arg = self.primary()?;
                    Call { args: vec![self.postfix(arg)?], kwargs: Vec::new() }
                } else {
                    Call::default()
                };
                e = Jinja::Test { value: Box::new(e), name, call, negated };
            } else if self.eat_op("(") {
                e = Jinja::Call(Box::new(e), self.call_args()?);
            } else {
                return Ok(e);
            }
        }
    }

    fn test_argument_follows(&self) -> bool {
        match self.peek() {
            Some(Tok::Name(n)) => !matches!(n.as_str(), "else" | "or" | "and" | "is" | "if"),
            Some(Tok::Str(_) | Tok::Int(_) | Tok::Float(_) | Tok::Op("(" | "[" | "{")) => true,
            _ => false,
        }
    }
}
