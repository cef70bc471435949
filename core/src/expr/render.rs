//! Evaluating compiled strings and values against a scope.
//!
//! A whole-string expression yields its value with its type; text mixed with expressions
//! yields a string in which each value is written the Python way (`None`, `True`, `[1, 2]`);
//! a Jinja block template yields the rendered string. Data is never evaluated: a value that
//! holds `<% %>` after evaluation stays text.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::jinja_eval::JinjaEval;
use super::template::{Ast, Expr, Piece, Template, TemplateError, ValueTemplate};
use super::value::{py_str, truthy};
use super::yaql_eval::YaqlEval;
use super::{ExprError, Functions, Language, Scope};

fn located(expr: &Expr, error: ExprError) -> TemplateError {
    let language = match expr.ast {
        Ast::Yaql(_) => Language::Yaql,
        Ast::Jinja(_) => Language::Jinja,
    };
    TemplateError { language: Some(language), expression: expr.source.clone(), error }
}

impl Expr {
    /// Evaluate the expression to a value.
    pub fn evaluate(&self, scope: &dyn Scope, functions: &Functions) -> Result<Value, TemplateError> {
        self.evaluate_in_place(scope, functions).map(Cow::into_owned)
    }

    /// Evaluate the expression; a value read from the scope as it is comes back borrowed.
    fn evaluate_in_place<'a>(
        &'a self,
        scope: &'a dyn Scope,
        functions: &'a Functions,
    ) -> Result<Cow<'a, Value>, TemplateError> {
        if let Some(v) = self.quick.as_ref().and_then(|q| q.evaluate(scope)) {
            return Ok(v);
        }
        self.evaluate_fully(scope, functions)
    }

    /// Evaluate the expression with its language's evaluator, never the quick path.
    pub(crate) fn evaluate_fully<'a>(
        &'a self,
        scope: &'a dyn Scope,
        functions: &'a Functions,
    ) -> Result<Cow<'a, Value>, TemplateError> {
        let result = match &self.ast {
            Ast::Yaql(y) => YaqlEval::new(scope, functions).eval(y),
            Ast::Jinja(j) => JinjaEval::new(scope, functions).value(j),
        };
        result.map_err(|e| located(self, e))
    }
}

impl Template {
    /// Evaluate the string against a scope; a whole expression that reads a value from the
    /// scope as it is (`<% ctx(xs) %>`) borrows it instead of copying it. A with-items list
    /// of 100,000 items in the context was copied on every dispatch that read it.
    pub(crate) fn evaluate_in_place<'a>(
        &'a self,
        scope: &'a dyn Scope,
        functions: &'a Functions,
    ) -> Result<Cow<'a, Value>, TemplateError> {
        match self {
            Template::Whole(expr) => expr.evaluate_in_place(scope, functions),
            other => other.evaluate(scope, functions).map(Cow::Owned),
        }
    }

    /// Python's truth of the string's value: what a transition's condition asks. A whole
    /// expression on the quick path answers without building its value.
    ///
    /// Where the quick path gives up, the full evaluator runs at once: the value it reads
    /// is borrowed, and the quick path is not tried a second time.
    pub(crate) fn truth(&self, scope: &dyn Scope, functions: &Functions) -> Result<bool, TemplateError> {
        let Template::Whole(expr) = self else {
            return self.evaluate(scope, functions).map(|v| truthy(&v));
        };
        if let Some(b) = expr.quick.as_ref().and_then(|q| q.truth(scope)) {
            return Ok(b);
        }
        expr.evaluate_fully(scope, functions).map(|v| truthy(&v))
    }

    /// Evaluate the string against a scope.
    pub fn evaluate(&self, scope: &dyn Scope, functions: &Functions) -> Result<Value, TemplateError> {
        match self {
            Template::Plain(text) => Ok(Value::String(text.clone())),
            Template::Whole(expr) => expr.evaluate(scope, functions),
            Template::Mixed(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Expr(e) => out.push_str(&py_str(&e.evaluate(scope, functions)?)),
                    }
                }
                Ok(Value::String(out))
            }
            Template::Block(nodes) => {
                let mut out = String::new();
                JinjaEval::new(scope, functions).render(nodes, &mut out).map_err(|error| TemplateError {
                    language: Some(Language::Jinja),
                    expression: "(template)".into(),
                    error,
                })?;
                Ok(Value::String(out))
            }
        }
    }
}

impl ValueTemplate {
    /// Evaluate every string in the value (keys included).
    pub fn evaluate(&self, scope: &dyn Scope, functions: &Functions) -> Result<Value, TemplateError> {
        Ok(match self {
            ValueTemplate::Literal(v) => v.clone(),
            ValueTemplate::String(t) => t.evaluate(scope, functions)?,
            ValueTemplate::Array(items) => {
                Value::Array(items.iter().map(|i| i.evaluate(scope, functions)).collect::<Result<_, _>>()?)
            }
            ValueTemplate::Object(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(py_str(&k.evaluate(scope, functions)?), v.evaluate(scope, functions)?);
                }
                Value::Object(map)
            }
        })
    }
}
