//! Expression checks: every expression in every property parses.
//!
//! Errors are reported at the property (`tasks.t1.input`), as Orquesta does, once per bad
//! expression, with the expression and the position inside it in the message.

use super::topology::Topology;
use crate::diag::{Category, Diagnostic, Location};
use crate::expr::{Template, TemplateError};
use crate::spec::{Binding, Count, Located, WorkflowSpec};

fn strings<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k);
            strings(v, out);
        }),
        _ => {}
    }
}

fn diagnostic(path: &str, at: Location, e: &TemplateError) -> Diagnostic {
    let message = format!("{} (in `{}`, at character {})", e.error.message, e.expression, e.error.position);
    let hint = match e.language {
        None => "write each string's expressions in one language: all YAQL `<% %>` or all Jinja `{{ }}`",
        Some(crate::expr::Language::Yaql) => "fix the YAQL expression between `<%` and `%>`",
        Some(crate::expr::Language::Jinja) => "fix the Jinja expression or block",
    };
    Diagnostic::new(Category::Expressions, Some(path.to_owned()), Some(at), message).with_hint(hint)
}

struct Check {
    out: Vec<Diagnostic>,
}

impl Check {
    fn value(&mut self, value: &serde_json::Value, path: &str, at: Location) {
        let mut all = Vec::new();
        strings(value, &mut all);
        for s in all {
            if let Err(errors) = Template::compile(s) {
                self.out.extend(errors.iter().map(|e| diagnostic(path, at, e)));
            }
        }
    }

    fn text(&mut self, text: &Located<String>, path: &str) {
        self.value(&text.value.clone().into(), path, text.at);
    }

    fn count(&mut self, count: &Located<Count>, path: &str) {
        if let Count::Expr(e) = &count.value {
            self.value(&e.clone().into(), path, count.at);
        }
    }

    fn bindings(&mut self, list: &[Binding], path: &str) {
        for b in list {
            self.value(&serde_json::json!({ b.name.clone(): b.value.clone() }), path, b.at);
        }
    }
}

/// Every expression problem in a spec.
pub(super) fn check(spec: &WorkflowSpec, _topo: &Topology<'_>) -> Vec<Diagnostic> {
    let mut c = Check { out: Vec::new() };
    for input in &spec.input {
        if let Some(d) = &input.default {
            c.value(d, "input", input.at);
        }
    }
    c.bindings(&spec.vars, "vars");
    c.bindings(&spec.output, "output");
    for task in &spec.tasks {
        let base = format!("tasks.{}", task.name);
        if let Some(d) = &task.delay {
            c.count(d, &format!("{base}.delay"));
        }
        if let Some(with) = &task.with {
            c.text(&with.items, &format!("{base}.with.items"));
            if let Some(n) = &with.concurrency {
                c.count(n, &format!("{base}.with.concurrency"));
            }
        }
        if let Some(a) = &task.action {
            c.text(a, &format!("{base}.action"));
        }
        if let Some(i) = &task.input {
            c.value(&i.value, &format!("{base}.input"), i.at);
        }
        if let Some(r) = &task.retry {
            if let Some(w) = &r.when {
                c.text(w, &format!("{base}.retry.when"));
            }
            c.count(&r.count, &format!("{base}.retry.count"));
            if let Some(d) = &r.delay {
                c.count(d, &format!("{base}.retry.delay"));
            }
        }
        for (i, tr) in task.next.iter().enumerate() {
            let path = format!("{base}.next[{i}]");
            if let Some(w) = &tr.when {
                c.text(w, &format!("{path}.when"));
            }
            c.bindings(&tr.publish, &format!("{path}.publish"));
        }
    }
    c.out
}
