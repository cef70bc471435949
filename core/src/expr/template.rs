//! Compiled strings and values: the text is parsed once and kept with its syntax trees.

use std::fmt;

use super::jinja::{self, Jinja, Node as JinjaNode};
use super::quick::Quick;
use super::scan::{find_delimited, strip_delimiters};
use super::yaql::{self, Yaql};
use super::{ExprError, Language};

/// One parsed expression with the text it came from (delimiters included).
#[derive(Clone, PartialEq)]
pub struct Expr {
    /// The expression as written, e.g. `<% ctx(x) %>`.
    pub source: String,
    /// Its syntax tree.
    pub ast: Ast,
    /// The tree lowered for the quick path, when it is one of the shapes that has one: made
    /// from `ast` once, at parse time, so it never disagrees with it.
    pub(crate) quick: Option<Quick>,
}

impl Expr {
    /// The expression `source` parsed into `ast`, with its quick form.
    pub(crate) fn new(source: String, ast: Ast) -> Expr {
        let quick = match &ast {
            Ast::Yaql(y) => Quick::of_yaql(y),
            Ast::Jinja(j) => Quick::of_jinja(j),
        };
        Expr { source, ast, quick }
    }
}

/// As before the quick form existed: the text and the tree, which say everything about it.
impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr").field("source", &self.source).field("ast", &self.ast).finish()
    }
}

/// The syntax tree of an expression, by language.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A YAQL expression.
    Yaql(Yaql),
    /// A Jinja expression.
    Jinja(Jinja),
}

/// A piece of a string mixing text and expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// An expression whose value is formatted into the text.
    Expr(Expr),
}

/// A workflow string, compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// No expression: the text is the value.
    Plain(String),
    /// The whole string is one expression: the value keeps the expression's type. (Boxed:
    /// a tree is larger than the other forms, and a task holds a dozen templates.)
    Whole(Box<Expr>),
    /// Text mixed with expressions, or several expressions: the value is a string.
    Mixed(Vec<Piece>),
    /// A Jinja template with `{% %}` blocks: the value is the rendered string.
    Block(Vec<JinjaNode>),
}

/// A JSON value whose strings (keys included) are compiled templates.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueTemplate {
    /// A value with no string in it, kept as is.
    Literal(serde_json::Value),
    /// A string.
    String(Template),
    /// A list.
    Array(Vec<ValueTemplate>),
    /// A mapping, in order.
    Object(Vec<(Template, ValueTemplate)>),
}

/// A problem found while compiling a string, with the expression it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// The language of the failing expression, if one language was identified.
    pub language: Option<Language>,
    /// The expression text, delimiters included (the whole string for template errors).
    pub expression: String,
    /// What went wrong.
    pub error: ExprError,
}

impl Template {
    /// Compile a string; every expression error in it is reported.
    pub fn compile(text: &str) -> Result<Template, Vec<TemplateError>> {
        let yaql = find_delimited(text, "<%", "%>");
        let inline = find_delimited(text, "{{", "}}");
        let blocks = find_delimited(text, "{%", "%}");
        let has_jinja = !inline.is_empty() || !blocks.is_empty();
        if !yaql.is_empty() && has_jinja {
            return Err(vec![TemplateError {
                language: None,
                expression: text.to_owned(),
                error: ExprError::syntax(0, "Expression with multiple types is not supported."),
            }]);
        }
        if !yaql.is_empty() {
            return assemble(
                text,
                &yaql,
                |e| yaql::parse(strip_delimiters(e, &['<', '%', '>'])).map(Ast::Yaql),
                Language::Yaql,
            );
        }
        if !has_jinja {
            return Ok(Template::Plain(text.to_owned()));
        }
        let whole = jinja::parse_template(text).map_err(|error| TemplateError {
            language: Some(Language::Jinja),
            expression: text.to_owned(),
            error,
        });
        if !blocks.is_empty() {
            return whole.map(Template::Block).map_err(|e| vec![e]);
        }
        let pieces = assemble(
            text,
            &inline,
            |e| jinja::parse_expression(strip_delimiters(e, &['{', '}'])).map(Ast::Jinja),
            Language::Jinja,
        );
        match (whole, pieces) {
            (Ok(_), pieces) => pieces,
            (Err(e), Ok(_)) => Err(vec![e]),
            (Err(e), Err(mut more)) => {
                more.retain(|m| m.expression != e.expression);
                more.insert(0, e);
                Err(more)
            }
        }
    }

    /// The text as written (a block template is summarised as `{% ... %}`).
    #[must_use]
    pub fn source(&self) -> String {
        match self {
            Template::Plain(t) => t.clone(),
            Template::Whole(e) => e.source.clone(),
            Template::Mixed(pieces) => pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.as_str(),
                    Piece::Expr(e) => e.source.as_str(),
                })
                .collect(),
            Template::Block(_) => "{% ... %}".to_owned(),
        }
    }

    /// True when the string holds no expression.
    #[must_use]
    pub fn is_plain(&self) -> bool {
        matches!(self, Template::Plain(_))
    }

    /// Whether an expression in it may read `word` (a function such as `result`): its
    /// text holds the word anywhere, a string literal or a longer name included, or it is
    /// a block, whose text is not kept. Never `false` for a template that reads it, so the
    /// engine may skip building what no template can see.
    pub(crate) fn may_read(&self, word: &str) -> bool {
        match self {
            Template::Plain(_) => false,
            Template::Whole(e) => e.source.contains(word),
            Template::Mixed(pieces) => {
                pieces.iter().any(|p| matches!(p, Piece::Expr(e) if e.source.contains(word)))
            }
            Template::Block(_) => true,
        }
    }
}

fn assemble(
    text: &str,
    ranges: &[(usize, usize)],
    parse: impl Fn(&str) -> Result<Ast, ExprError>,
    language: Language,
) -> Result<Template, Vec<TemplateError>> {
    let mut pieces = Vec::new();
    let mut errors = Vec::new();
    let mut last = 0;
    for &(start, end) in ranges {
        let source = text.get(start..end).unwrap_or("");
        if start > last {
            pieces.push(Piece::Text(text.get(last..start).unwrap_or("").to_owned()));
        }
        match parse(source) {
            Ok(ast) => pieces.push(Piece::Expr(Expr::new(source.to_owned(), ast))),
            Err(error) => {
                errors.push(TemplateError { language: Some(language), expression: source.to_owned(), error })
            }
        }
        last = end;
    }
    if last < text.len() {
        pieces.push(Piece::Text(text.get(last..).unwrap_or("").to_owned()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match pieces.as_slice() {
        [Piece::Expr(e)] => Template::Whole(Box::new(e.clone())),
        _ => Template::Mixed(pieces),
    })
}

/// Whether no string in the value (a mapping's keys included) opens an expression or a
/// block: such a value renders to itself. A workflow input of a million numbers is then
/// one value, not a million compiled literals rebuilt on every render.
pub(crate) fn is_literal(value: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    let plain = |s: &str| !(s.contains("<%") || s.contains("{{") || s.contains("{%"));
    match value {
        J::String(s) => plain(s),
        J::Array(items) => items.iter().all(is_literal),
        J::Object(map) => map.iter().all(|(k, v)| plain(k) && is_literal(v)),
        _ => true,
    }
}

impl ValueTemplate {
    /// [`Template::may_read`] for every string in the value, keys included.
    pub(crate) fn may_read(&self, word: &str) -> bool {
        match self {
            ValueTemplate::Literal(_) => false,
            ValueTemplate::String(t) => t.may_read(word),
            ValueTemplate::Array(items) => items.iter().any(|v| v.may_read(word)),
            ValueTemplate::Object(entries) => {
                entries.iter().any(|(k, v)| k.may_read(word) || v.may_read(word))
            }
        }
    }

    /// Compile every string in a JSON value; all errors are reported.
    pub fn compile(value: &serde_json::Value) -> Result<ValueTemplate, Vec<TemplateError>> {
        use serde_json::Value as J;
        if is_literal(value) {
            return Ok(ValueTemplate::Literal(value.clone()));
        }
        let mut errors = Vec::new();
        let string = |s: &str, errors: &mut Vec<TemplateError>| {
            Template::compile(s).unwrap_or_else(|mut e| {
                errors.append(&mut e);
                Template::Plain(s.to_owned())
            })
        };
        let compiled = match value {
            J::String(s) => ValueTemplate::String(string(s, &mut errors)),
            J::Array(items) => ValueTemplate::Array(
                items
                    .iter()
                    .map(|v| {
                        ValueTemplate::compile(v).unwrap_or_else(|mut e| {
                            errors.append(&mut e);
                            ValueTemplate::Literal(J::Null)
                        })
                    })
                    .collect(),
            ),
            J::Object(map) => ValueTemplate::Object(
                map.iter()
                    .map(|(k, v)| {
                        let key = string(k, &mut errors);
                        let value = ValueTemplate::compile(v).unwrap_or_else(|mut e| {
                            errors.append(&mut e);
                            ValueTemplate::Literal(J::Null)
                        });
                        (key, value)
                    })
                    .collect(),
            ),
            other => ValueTemplate::Literal(other.clone()),
        };
        if errors.is_empty() { Ok(compiled) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_without_expressions_compiles_to_one_literal() {
        let plain = serde_json::json!({"xs": [1, 2, "three"], "k": {"nested": "100% {not} <jinja>"}});
        assert!(is_literal(&plain));
        assert!(matches!(ValueTemplate::compile(&plain), Ok(ValueTemplate::Literal(v)) if v == plain));
        for templated in [
            serde_json::json!([1, "<% ctx(x) %>"]),
            serde_json::json!({"{{ ctx('k') }}": 1}),
            serde_json::json!({"a": ["{% if true %}x{% endif %}"]}),
        ] {
            assert!(!is_literal(&templated), "{templated}");
            assert!(
                !matches!(ValueTemplate::compile(&templated), Ok(ValueTemplate::Literal(_))),
                "{templated}"
            );
        }
    }

    #[test]
    fn whole_mixed_plain_and_block() {
        assert!(
            matches!(Template::compile("<% ctx(x) %>"), Ok(Template::Whole(e)) if matches!(e.ast, Ast::Yaql(_)))
        );
        assert!(
            matches!(Template::compile("{{ ctx('x') }}"), Ok(Template::Whole(e)) if matches!(e.ast, Ast::Jinja(_)))
        );
        assert!(matches!(Template::compile(" <% 1 %>"), Ok(Template::Mixed(_))));
        assert!(matches!(Template::compile("<% 1 %><% 2 %>"), Ok(Template::Mixed(_))));
        assert!(matches!(Template::compile("hello"), Ok(Template::Plain(_))));
        assert!(matches!(Template::compile("{% if true %}a{% endif %}"), Ok(Template::Block(_))));
    }

    #[test]
    fn mixing_languages_is_an_error() {
        let e = Template::compile("<% 1 %> {{ 2 }}").unwrap_err();
        assert_eq!(e[0].error.message, "Expression with multiple types is not supported.");
    }

    #[test]
    fn every_bad_expression_is_reported() {
        let e = Template::compile("<% a + %> and <% b b %>").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].expression, "<% b b %>");
    }

    #[test]
    fn jinja_template_errors_are_reported_once() {
        let e = Template::compile("{{ a b }}").unwrap_err();
        assert_eq!(e.len(), 1);
    }
}
