//! YAQL tokens, read the way YAQL 3's lexer reads them.
//!
//! The rules that matter for compatibility: a name directly followed by `(` is a function
//! token (`f(` but not `f (`); a bare word is a string constant unless it is `true`, `false`,
//! `null` or a word operator (`and`, `or`, `not`, `in`, `mod`); names may not start with a
//! double underscore (that is how `ctx(__state)` becomes a lexical error); operators are read
//! longest first; positions count characters.

use super::super::ExprError;

/// A token kind with its value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A number literal.
    Int(i64),
    /// A number literal with a fraction.
    Float(f64),
    /// A quoted string (escapes decoded).
    Str(String),
    /// A bare word: a string constant.
    Word(String),
    /// `true`, `false`, `null`.
    Keyword(serde_json::Value),
    /// `$` or `$name`.
    Dollar(String),
    /// `name(`: a function call's head.
    Func(String),
    /// An operator (symbolic or word).
    Op(&'static str),
    /// `=>`, the named-argument marker.
    Mapping,
    /// `[`.
    Indexer,
    /// `{`.
    MapOpen,
    /// One of `(`, `)`, `]`, `,`, `}`.
    Punct(char),
}

/// A token and the character offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
    pub(super) text: String,
}

/// Symbolic operators, longest first so that `>=` wins over `>`.
const SYMBOLS: [&str; 17] =
    ["?.", "=~", "!~", ">=", "<=", "!=", "->", "=>", ".", "*", "/", "+", "-", ">", "<", "=", "["];

const WORD_OPERATORS: [&str; 5] = ["and", "or", "not", "in", "mod"];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Split an expression into tokens.
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c == '$' {
            i += 1;
            while chars.get(i).is_some_and(|c| is_word(*c)) {
                i += 1;
            }
            Tok::Dollar(chars[start + 1..i].iter().collect())
        } else if c.is_ascii_digit() {
            number(&chars, &mut i).ok_or_else(|| illegal(c, start))?
        } else if c.is_alphabetic() || c == '_' {
            while chars.get(i).is_some_and(|c| is_word(*c)) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&'(') {
                i += 1;
                Tok::Func(word)
            } else if word.starts_with("__") {
                return Err(illegal(c, start));
            } else {
                word_token(word)
            }
        } else if matches!(c, '\'' | '"' | '`') {
            Tok::Str(quoted(&chars, &mut i, c).ok_or_else(|| illegal(c, start))?)
        } else if let Some(sym) = SYMBOLS.iter().find(|s| starts_with(&chars, i, s)) {
            i += sym.chars().count();
            match *sym {
                "=>" => Tok::Mapping,
                "[" => Tok::Indexer,
                s => Tok::Op(s),
            }
        } else if c == '{' {
            i += 1;
            Tok::MapOpen
        } else if matches!(c, '(' | ')' | ']' | ',' | '}') {
            i += 1;
            Tok::Punct(c)
        } else {
            return Err(illegal(c, start));
        };
        out.push(Token { tok, pos: start, text: chars[start..i].iter().collect() });
    }
    Ok(out)
}

fn word_token(word: String) -> Tok {
    match word.as_str() {
        "true" => Tok::Keyword(serde_json::Value::Bool(true)),
        "false" => Tok::Keyword(serde_json::Value::Bool(false)),
        "null" => Tok::Keyword(serde_json::Value::Null),
        w => match WORD_OPERATORS.iter().find(|op| **op == w) {
            Some(op) => Tok::Op(op),
            None => Tok::Word(word),
        },
    }
}

fn starts_with(chars: &[char], at: usize, pat: &str) -> bool {
    (at..).zip(pat.chars()).all(|(k, p)| chars.get(k) == Some(&p))
}

fn illegal(c: char, pos: usize) -> ExprError {
    ExprError::syntax(pos, format!("Lexical error: illegal character '{c}' at position {pos}"))
}

/// `\b\d+(\.?\d+)?\b`: digits, optionally a dot and more digits; must end at a word boundary.
fn number(chars: &[char], i: &mut usize) -> Option<Tok> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    let mut is_float = false;
    if chars.get(*i) == Some(&'.') && chars.get(*i + 1).is_some_and(char::is_ascii_digit) {
        is_float = true;
        *i += 1;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
    }
    if chars.get(*i).is_some_and(|c| is_word(*c)) {
        return None;
    }
    let text: String = chars[start..*i].iter().collect();
    if is_float {
        text.parse().ok().map(Tok::Float)
    } else {
        // Integers past i64 are kept as floats rather than refused.
        Some(text.parse().map(Tok::Int).unwrap_or_else(|_| Tok::Float(text.parse().unwrap_or(0.0))))
    }
}

/// A quoted string; single and double quotes decode Python escapes, backticks only "\`".
fn quoted(chars: &[char], i: &mut usize, quote: char) -> Option<String> {
    *i += 1;
    let mut raw = String::new();
    loop {
        let c = *chars.get(*i)?;
        *i += 1;
        if c == quote {
            break;
        }
        if c == '\\' {
            let next = *chars.get(*i)?;
            *i += 1;
            raw.push('\\');
            raw.push(next);
        } else {
            raw.push(c);
        }
    }
    Some(if quote == '`' { raw.replace("\\`", "`") } else { decode_escapes(&raw) })
}

/// Decode the escapes Python's `unicode-escape` knows; leave any other backslash as written.
pub(crate) fn decode_escapes(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = chars.get(i) else {
            out.push('\\');
            break;
        };
        let simple = match e {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            i += 1;
            continue;
        }
        let hex_len = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        let hex: String = chars.iter().skip(i + 1).take(hex_len).collect();
        let decoded = (hex_len > 0 && hex.chars().count() == hex_len)
            .then(|| u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32))
            .flatten();
        match decoded {
            Some(ch) => {
                out.push(ch);
                i += 1 + hex_len;
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).expect("lexes").into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn function_heads_need_the_paren_attached() {
        assert_eq!(kinds("ctx(x)")[0], Tok::Func("ctx".into()));
        assert_eq!(kinds("ctx (x)")[0], Tok::Word("ctx".into()));
    }

    #[test]
    fn operators_are_read_longest_first() {
        assert_eq!(kinds("a >= b")[1], Tok::Op(">="));
        assert_eq!(kinds("a => b")[1], Tok::Mapping);
        assert_eq!(kinds("$x ?. y")[1], Tok::Op("?."));
        assert_eq!(kinds("a mod b")[1], Tok::Op("mod"));
    }

    #[test]
    fn literals() {
        assert_eq!(
            kinds("12 1.5 'a\\'b' \"c\" `d`"),
            vec![
                Tok::Int(12),
                Tok::Float(1.5),
                Tok::Str("a'b".into()),
                Tok::Str("c".into()),
                Tok::Str("d".into())
            ]
        );
        assert_eq!(kinds("true null $ $item")[2], Tok::Dollar(String::new()));
    }

    #[test]
    fn private_names_are_a_lexical_error_at_their_position() {
        let e = tokenize("ctx(__state)").expect_err("refused");
        assert_eq!(e.position, 4);
        assert_eq!(e.message, "Lexical error: illegal character '_' at position 4");
    }

    #[test]
    fn escapes_decode_like_python() {
        assert_eq!(decode_escapes("a\\nb\\x41\\u00e9\\d"), "a\nbAé\\d");
    }
}
