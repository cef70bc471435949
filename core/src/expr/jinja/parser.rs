//! Jinja grammar, following Jinja2's parser: conditional expressions, `or`/`and`/`not`,
//! comparison chains, `+ -`, `~`, `* / // %`, `**`, prefix signs, then postfix access, calls,
//! filters and tests; statements `if`/`elif`/`else`, `for`/`else` and `set`.

use super::ast::{Jinja, Node};
use super::lexer::{Tok, Token, tokenize_expression, tokenize_template};
use crate::expr::ExprError;

/// Parse a template (text with `{{ }}`, `{% %}` and `{# #}` tags).
pub(crate) fn parse_template(src: &str) -> Result<Vec<Node>, ExprError> {
    let mut p = Parser { tokens: tokenize_template(src)?, next: 0, depth: 0 };
    let (body, end) = p.body(&[])?;
    match end {
        None => Ok(body),
        Some((name, pos)) => Err(ExprError::syntax(pos, format!("Encountered unknown tag '{name}'."))),
    }
}

/// Parse one expression (the inside of `{{ }}`); like Orquesta's check, text after a complete
/// expression is left to the template parse to judge.
pub(crate) fn parse_expression(src: &str) -> Result<Jinja, ExprError> {
    let mut p = Parser { tokens: tokenize_expression(src)?, next: 0, depth: 0 };
    p.expression(true)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 200;

/// The tag that ended a body (`endif`, `else`, ...) and its position.
type EndTag = (String, usize);

fn err(pos: usize, message: impl Into<String>) -> ExprError {
    ExprError::syntax(pos, message)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.next).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.next).or(self.tokens.last()).map_or(0, |t| t.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.next).map(|t| t.tok.clone());
        self.next += 1;
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == name)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.is_op(op);
        if hit {
            self.next += 1;
        }
        hit
    }

    fn eat_name(&mut self, name: &str) -> bool {
        let hit = self.is_name(name);
        if hit {
            self.next += 1;
        }
        hit
    }

    fn unexpected(&self) -> ExprError {
        match self.peek() {
            None => err(self.pos(), "unexpected end of template"),
            Some(t) => err(self.pos(), format!("unexpected '{}'", describe(t))),
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), ExprError> {
        if self.eat_op(op) { Ok(()) } else { Err(self.unexpected()) }
    }

    fn name(&mut self) -> Result<String, ExprError> {
        match self.peek() {
            Some(Tok::Name(n)) => {
                let n = n.clone();
                self.next += 1;
                Ok(n)
            }
            _ => Err(self.unexpected()),
        }
    }

    // ---- statements ----

    /// Statements until an end tag in `ends` (returned with its position) or the end of input.
    fn body(&mut self, ends: &[&str]) -> Result<(Vec<Node>, Option<EndTag>), ExprError> {
        let mut nodes = Vec::new();
        while let Some(tok) = self.bump() {
            match tok {
                Tok::Data(text) => nodes.push(Node::Text(text)),
                Tok::VarBegin => {
                    let e = self.tuple_or_expression()?;
                    if !matches!(self.bump(), Some(Tok::VarEnd)) {
                        self.next -= 1;
                        return Err(err(self.pos(), "expected token 'end of print statement'"));
                    }
                    nodes.push(Node::Output(e));
                }
                Tok::BlockBegin => {
                    let pos = self.pos();
                    let tag = self.name()?;
                    if ends.contains(&tag.as_str()) {
                        return Ok((nodes, Some((tag, pos))));
                    }
                    nodes.push(self.statement(&tag, pos)?);
                }
                _ => {
                    self.next -= 1;
                    return Err(self.unexpected());
                }
            }
        }
        if ends.is_empty() {
            Ok((nodes, None))
        } else {
            Err(err(
                self.pos(),
                format!("Unexpected end of template. Jinja was looking for: {}", ends.join(", ")),
            ))
        }
    }

    fn block_end(&mut self) -> Result<(), ExprError> {
        if matches!(self.bump(), Some(Tok::BlockEnd)) {
            Ok(())
        } else {
            self.next -= 1;
            Err(err(self.pos(), "expected token 'end of statement block'"))
        }
    }

    fn statement(&mut self, tag: &str, pos: usize) -> Result<Node, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(pos, "template nests too deeply"));
        }
        let node = match tag {
            "if" => self.if_statement()?,
            "for" => self.for_statement()?,
            "set" => {
                let targets = self.targets()?;
                self.expect_op("=")?;
                let value = self.tuple_or_expression()?;
                self.block_end()?;
                Node::Set { targets, value }
            }
            other => return Err(err(pos, format!("Encountered unknown tag '{other}'."))),
        };
        self.depth -= 1;
        Ok(node)
    }

    fn if_statement(&mut self) -> Result<Node, ExprError> {
        let mut branches = Vec::new();
        let mut otherwise = Vec::new();
        let mut test = self.expression(true)?;
        loop {
            self.block_end()?;
            let (body, end) = self.body(&["elif", "else", "endif"])?;
            branches.push((test, body));
            match end.map(|(t, _)| t).as_deref() {
                Some("elif") => test = self.expression(true)?,
                Some("else") => {
                    self.block_end()?;
                    otherwise = self.body(&["endif"])?.0;
                    break;
                }
                _ => break,
            }
        }
        self.block_end()?;
        Ok(Node::If { branches, otherwise })
    }

    fn for_statement(&mut self) -> Result<Node, ExprError> {
        let targets = self.targets()?;
        if !self.eat_name("in") {
            return Err(err(self.pos(), "expected token 'in'"));
        }
        let iter = self.tuple_or_expression_no_cond()?;
        let filter = if self.eat_name("if") { Some(self.expression(true)?) } else { None };
        self.block_end()?;
        let (body, end) = self.body(&["else", "endfor"])?;
        let mut otherwise = Vec::new();
        if end.is_some_and(|(t, _)| t == "else") {
            self.block_end()?;
            otherwise = self.body(&["endfor"])?.0;
        }
        self.block_end()?;
        Ok(Node::For { targets, iter, filter, body, otherwise })
    }

    fn targets(&mut self) -> Result<Vec<String>, ExprError> {
        let parens = self.eat_op("(");
        let mut names = vec![self.name()?];
        while self.eat_op(",") {
            names.push(self.name()?);
        }
        if parens {
            self.expect_op(")")?;
        }
        Ok(names)
    }

    // ---- expressions ----

    fn tuple_or_expression(&mut self) -> Result<Jinja, ExprError> {
        let first = self.expression(true)?;
        self.tuple_tail(first, true)
    }

    fn tuple_or_expression_no_cond(&mut self) -> Result<Jinja, ExprError> {
        let first = self.expression(false)?;
        self.tuple_tail(first, false)
    }

    fn tuple_tail(&mut self, first: Jinja, cond: bool) -> Result<Jinja, ExprError> {
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expression_end() {
                break;
            }
            items.push(self.expression(cond)?);
        }
        Ok(Jinja::Tuple(items))
    }

    fn at_expression_end(&self) -> bool {
        matches!(self.peek(), None | Some(Tok::VarEnd | Tok::BlockEnd | Tok::Op(")"))) || self.is_name("if")
    }

    fn expression(&mut self, with_cond: bool) -> Result<Jinja, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.pos(), "expression nests too deeply"));
        }
        let mut e = self.or()?;
        while with_cond && self.eat_name("if") {
            let test = self.or()?;
            let otherwise = if self.eat_name("else") { Some(Box::new(self.expression(true)?)) } else { None };
            e = Jinja::Cond { test: Box::new(test), then: Box::new(e), otherwise };
        }
        self.depth -= 1;
        Ok(e)
    }

    fn or(&mut self) -> Result<Jinja, ExprError> {
        let mut e = self.and()?;
        while self.eat_name("or") {
            e = Jinja::Binary("or", Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Jinja, ExprError> {
        let mut e = self.not()?;
        while self.eat_name("and") {
            e = Jinja::Binary("and", Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Jinja, ExprError> {
        if self.eat_name("not") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(err(self.pos(), "expression nests too deeply"));
            }
            let operand = self.not()?;
            self.depth -= 1;
            return Ok(Jinja::Unary("not", Box::new(operand)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Jinja, ExprError> {
        let first = self.math1()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Tok::Op(op @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) => *op,
                Some(Tok::Name(n)) if n == "in" => "in",
                Some(Tok::Name(n))
                    if n == "not"
                        && matches!(self.tokens.get(self.next + 1).map(|t| &t.tok), Some(Tok::Name(m)) if m == "in") =>
                {
                    self.next += 1;
                    "not in"
                }
                _ => break,
            };
            self.next += 1;
            rest.push((op, self.math1()?));
        }
        Ok(if rest.is_empty() { first } else { Jinja::Compare(Box::new(first), rest) })
    }

    fn binary_level(
        &mut self,
        ops: &[&'static str],
        next: fn(&mut Self) -> Result<Jinja, ExprError>,
    ) -> Result<Jinja, ExprError> {
        let mut e = next(self)?;
        while let Some(op) = ops.iter().find(|op| self.is_op(op)) {
            self.next += 1;
            e = Jinja::Binary(op, Box::new(e), Box::new(next(self)?));
        }
        Ok(e)
    }

    fn math1(&mut self) -> Result<Jinja, ExprError> {
        self.binary_level(&["+", "-"], Self::concat)
    }

    fn concat(&mut self) -> Result<Jinja, ExprError> {
        self.binary_level(&["~"], Self::math2)
    }

    fn math2(&mut self) -> Result<Jinja, ExprError> {
        self.binary_level(&["*", "/", "//", "%"], Self::pow)
    }

    fn pow(&mut self) -> Result<Jinja, ExprError> {
        self.binary_level(&["**"], |p| p.unary(true))
    }

    fn unary(&mut self, with_filter: bool) -> Result<Jinja, ExprError> {
        let sign = if self.eat_op("-") {
            Some("-")
        } else if self.eat_op("+") {
            Some("+")
        } else {
            None
        };
        let mut e = match sign {
            Some(op) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(err(self.pos(), "expression nests too deeply"));
                }
                let operand = self.unary(false)?;
                self.depth -= 1;
                Jinja::Unary(op, Box::new(operand))
            }
            None => {
                let primary = self.primary()?;
                self.postfix(primary)?
            }
        };
        if with_filter {
            e = self.filters(e)?;
        }
        Ok(e)
    }
}

/// How a token is named in an error message.
fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => n.clone(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Int(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Op(o) => (*o).to_owned(),
        Tok::Data(_) => "template data".to_owned(),
        Tok::VarBegin => "begin of print statement".to_owned(),
        Tok::VarEnd => "end of print statement".to_owned(),
        Tok::BlockBegin => "begin of statement block".to_owned(),
        Tok::BlockEnd => "end of statement block".to_owned(),
    }
}

mod primary;

#[cfg(test)]
mod tests;
