//! Jinja tokens: template data, `{{ }}` / `{% %}` / `{# #}` tags, and expression tokens.
//!
//! Orquesta's Jinja environment sets `trim_blocks` (drop the first newline after a block tag)
//! and `lstrip_blocks` (drop spaces and tabs before a block tag at the start of a line); the
//! lexer applies both, plus `-` whitespace control, so the parsed text is what renders.
//! Inside a tag, a closing delimiter only counts when every bracket opened in it is closed,
//! as in Jinja (`{{ {'a': 1}}}` is one tag).

use crate::expr::ExprError;

/// An expression token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Str(String),
    Int(i64),
    Float(f64),
    Op(&'static str),
    /// Template data between tags.
    Data(String),
    /// `{{`.
    VarBegin,
    /// `}}`.
    VarEnd,
    /// `{%`.
    BlockBegin,
    /// `%}`.
    BlockEnd,
}

/// A token with the character offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
}

const OPERATORS: [&str; 26] = [
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<",
    "=", ".", ":", "|", ",", ";",
];

fn err(pos: usize, message: impl Into<String>) -> ExprError {
    ExprError::syntax(pos, message)
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    out: Vec<Token>,
    /// Set after a `-` close: the data that follows loses its leading whitespace.
    strip_next: bool,
}

/// Tokenize a whole template.
pub(super) fn tokenize_template(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lx = Lexer { chars: src.chars().collect(), i: 0, out: Vec::new(), strip_next: false };
    while lx.i < lx.chars.len() {
        lx.data()?;
    }
    Ok(lx.out)
}

/// Tokenize a bare expression (no delimiters).
pub(super) fn tokenize_expression(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lx = Lexer { chars: src.chars().collect(), i: 0, out: Vec::new(), strip_next: false };
    lx.expression(None)?;
    Ok(lx.out)
}

impl Lexer {
    fn at(&self, k: usize) -> Option<char> {
        self.chars.get(k).copied()
    }

    fn starts(&self, k: usize, pat: &str) -> bool {
        pat.chars().enumerate().all(|(n, p)| self.at(k + n) == Some(p))
    }

    /// Read data up to the next tag, then the tag.
    fn data(&mut self) -> Result<(), ExprError> {
        let start = self.i;
        let mut k = self.i;
        while k < self.chars.len() && !(self.starts(k, "{{") || self.starts(k, "{%") || self.starts(k, "{#"))
        {
            k += 1;
        }
        let mut text: String = self.chars[start..k].iter().collect();
        if std::mem::take(&mut self.strip_next) {
            text = text.trim_start().to_owned();
        }
        self.i = k;
        if k < self.chars.len() {
            let minus = self.at(k + 2) == Some('-');
            let plus = self.at(k + 2) == Some('+');
            let is_block = self.starts(k, "{%") || self.starts(k, "{#");
            if minus {
                text = text.trim_end().to_owned();
            } else if is_block && !plus {
                // lstrip_blocks: drop spaces/tabs between the line start and the tag.
                let kept = text.trim_end_matches([' ', '\t']);
                let line_start = start == 0 || self.at(start - 1) == Some('\n');
                if kept.ends_with('\n') || (kept.is_empty() && line_start) {
                    text = kept.to_owned();
                }
            }
        }
        if !text.is_empty() {
            self.out.push(Token { tok: Tok::Data(text), pos: start });
        }
        if k >= self.chars.len() {
            return Ok(());
        }
        if self.starts(k, "{#") {
            return self.comment(k);
        }
        if self.starts(k, "{% raw") || self.starts(k, "{%- raw") || self.starts(k, "{%+ raw") {
            return self.raw(k);
        }
        let block = self.starts(k, "{%");
        self.out.push(Token { tok: if block { Tok::BlockBegin } else { Tok::VarBegin }, pos: k });
        self.i = k + 2;
        if matches!(self.at(self.i), Some('-' | '+')) {
            self.i += 1;
        }
        self.expression(Some(if block { '%' } else { '}' }))
    }

    fn comment(&mut self, k: usize) -> Result<(), ExprError> {
        let mut j = k + 2;
        while j < self.chars.len() && !self.starts(j, "#}") {
            j += 1;
        }
        if j >= self.chars.len() {
            return Err(err(k, "Missing end of comment tag"));
        }
        self.strip_next = self.at(j.saturating_sub(1)) == Some('-');
        self.i = j + 2;
        self.trim_block_newline();
        Ok(())
    }

    /// `{% raw %}...{% endraw %}`: everything inside is data.
    fn raw(&mut self, k: usize) -> Result<(), ExprError> {
        let Some(open_end) = (k..self.chars.len()).find(|&j| self.starts(j, "%}")) else {
            return Err(err(k, "unexpected end of template, expected 'end of statement block'"));
        };
        let body_start = open_end + 2;
        let mut j = body_start;
        loop {
            if j >= self.chars.len() {
                return Err(err(k, "Missing end of raw directive"));
            }
            let rest: String = self.chars[j..self.chars.len().min(j + 16)].iter().collect();
            let tag = rest.strip_prefix("{%").map(|r| r.trim_start_matches(['-', '+', ' ']));
            if tag.is_some_and(|t| t.starts_with("endraw")) {
                break;
            }
            j += 1;
        }
        let body: String = self.chars[body_start..j].iter().collect();
        self.out.push(Token { tok: Tok::Data(body), pos: body_start });
        let Some(close) = (j..self.chars.len()).find(|&m| self.starts(m, "%}")) else {
            return Err(err(j, "Missing end of raw directive"));
        };
        self.i = close + 2;
        self.trim_block_newline();
        Ok(())
    }

    /// trim_blocks: the first newline after a block tag is dropped.
    fn trim_block_newline(&mut self) {
        if self.at(self.i) == Some('\n') {
            self.i += 1;
        } else if self.starts(self.i, "\r\n") {
            self.i += 2;
        }
    }

    /// Expression tokens until the closing delimiter (`}}` or `%}`), or the end for a bare
    /// expression.
    fn expression(&mut self, close: Option<char>) -> Result<(), ExprError> {
        let mut depth = 0usize;
        loop {
            while self.at(self.i).is_some_and(char::is_whitespace) {
                self.i += 1;
            }
            let pos = self.i;
            let Some(c) = self.at(pos) else {
                return match close {
                    None => Ok(()),
                    Some('%') => {
                        Err(err(pos, "unexpected end of template, expected 'end of statement block'"))
                    }
                    Some(_) => Err(err(pos, "unexpected end of template, expected 'end of print statement'")),
                };
            };
            if let Some(end) = close.filter(|_| depth == 0) {
                let minus = c == '-' || c == '+';
                let at = if minus { pos + 1 } else { pos };
                let closes = self.at(at) == Some(end) && self.at(at + 1) == Some('}');
                if closes && (!minus || !self.next_is_number(pos)) {
                    self.strip_next = c == '-';
                    let tok = if end == '%' { Tok::BlockEnd } else { Tok::VarEnd };
                    self.out.push(Token { tok, pos });
                    self.i = at + 2;
                    if end == '%' && c != '+' {
                        self.trim_block_newline();
                    }
                    return Ok(());
                }
            }
            let tok = self.token(c, pos)?;
            match &tok {
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.out.push(Token { tok, pos });
        }
    }

    fn next_is_number(&self, pos: usize) -> bool {
        self.at(pos + 1).is_some_and(|c| c.is_ascii_digit())
    }

    fn token(&mut self, c: char, pos: usize) -> Result<Tok, ExprError> {
        if c.is_alphabetic() || c == '_' {
            let mut j = pos;
            while self.at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                j += 1;
            }
            self.i = j;
            return Ok(Tok::Name(self.chars[pos..j].iter().collect()));
        }
        if c.is_ascii_digit() {
            return self.number(pos);
        }
        if c == '\'' || c == '"' {
            return self.string(c, pos);
        }
        match OPERATORS.iter().find(|op| self.starts(pos, op)) {
            Some(op) => {
                self.i = pos + op.chars().count();
                Ok(Tok::Op(op))
            }
            None => Err(err(pos, format!("unexpected char '{c}' at {pos}"))),
        }
    }

    fn number(&mut self, pos: usize) -> Result<Tok, ExprError> {
        let digits = |lx: &Self, mut j: usize| {
            while lx.at(j).is_some_and(|c| c.is_ascii_digit() || c == '_') {
                j += 1;
            }
            j
        };
        let mut j = digits(self, pos);
        let mut float = false;
        if self.at(j) == Some('.') && self.at(j + 1).is_some_and(|c| c.is_ascii_digit()) {
            float = true;
            j = digits(self, j + 1);
        }
        if matches!(self.at(j), Some('e' | 'E')) {
            let mut e = j + 1;
            if matches!(self.at(e), Some('+' | '-')) {
                e += 1;
            }
            if self.at(e).is_some_and(|c| c.is_ascii_digit()) {
                float = true;
                j = digits(self, e);
            }
        }
        self.i = j;
        let text: String = self.chars[pos..j].iter().filter(|c| **c != '_').collect();
        if float {
            text.parse().map(Tok::Float).map_err(|_| err(pos, "invalid number"))
        } else {
            Ok(text.parse().map(Tok::Int).unwrap_or_else(|_| Tok::Float(text.parse().unwrap_or(0.0))))
        }
    }

    fn string(&mut self, quote: char, pos: usize) -> Result<Tok, ExprError> {
        let mut j = pos + 1;
        let mut raw = String::new();
        loop {
            let Some(c) = self.at(j) else {
                return Err(err(pos, "unexpected end of string"));
            };
            j += 1;
            if c == quote {
                break;
            }
            raw.push(c);
            if c == '\\' {
                if let Some(n) = self.at(j) {
                    raw.push(n);
                    j += 1;
                }
            }
        }
        self.i = j;
        Ok(Tok::Str(crate::expr::yaql::decode_escapes(&raw)))
    }
}
