//! Context checks: a variable read before anything can have assigned it, or a private one.
//!
//! The walk is Orquesta's: inputs, then vars, each seeing the ones before it; then the tasks
//! breadth-first from the start tasks, each seeing what the transitions that reached it
//! published (a join sees the union of its branches); then the output, seeing everything.
//! Each transition is checked once per target it names. Like Orquesta, a string that reads
//! as inline parameters (`a=1`) is checked as those parameters, and the paths of list-valued
//! properties carry the entry's index (`vars[2]`, `next[0].publish[1]`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::semantics::WALK_BUDGET;
use super::topology::Topology;
use crate::diag::{Category, Diagnostic, Location};
use crate::expr::{parse_inline_params, referenced_variables};
use crate::spec::{Binding, Count, TaskSpec, WorkflowSpec, keys_closest};

type Names = BTreeSet<String>;

struct Walk {
    out: Vec<Diagnostic>,
}

impl Walk {
    /// Check every `ctx` read in `value` against `known`, at `path`.
    fn check(&mut self, value: &serde_json::Value, path: &str, at: Location, known: &Names) {
        let mut statements = Vec::new();
        collect_strings(value, &mut statements);
        for text in statements {
            for name in referenced_variables(text) {
                if name.starts_with("__") {
                    self.out.push(
                        error(path, at, format!("Variable \"{name}\" that is prefixed with double underscores is considered a private variable and cannot be referenced."))
                            .with_hint("names starting with `__` are the engine's own; use a name of your own"),
                    );
                }
                if !known.contains(&name) {
                    let hint = match keys_closest(&name, known.iter().map(String::as_str)) {
                        Some(close) => format!("did you mean `{close}`? otherwise assign `{name}` first"),
                        None => format!(
                            "assign `{name}` first: declare it under `input` or `vars`, or publish it on a transition that leads here"
                        ),
                    };
                    self.out.push(
                        error(path, at, format!("Variable \"{name}\" is referenced before assignment."))
                            .with_hint(hint),
                    );
                }
            }
        }
    }

    /// A scalar property: strings that parse as inline parameters are checked as those.
    fn property(&mut self, value: &serde_json::Value, path: &str, at: Location, known: &Names) {
        if let serde_json::Value::String(s) = value {
            let params = parse_inline_params(s);
            if !params.is_empty() {
                for (i, (k, v)) in params.into_iter().enumerate() {
                    let entry = serde_json::json!({ k: v });
                    self.check(&entry, &format!("{path}[{i}]"), at, known);
                }
                return;
            }
        }
        self.check(value, path, at, known);
    }

    /// A list of bindings, each seeing the ones before it; returns the names they add.
    fn bindings(&mut self, list: &[Binding], path: &str, known: &mut Names) {
        for (i, b) in list.iter().enumerate() {
            let entry = serde_json::json!({ b.name.clone(): b.value.clone() });
            self.check(&entry, &format!("{path}[{i}]"), b.at, known);
            known.insert(b.name.clone());
        }
    }
}

fn error(path: &str, at: Location, message: String) -> Diagnostic {
    Diagnostic::new(Category::Context, Some(path.to_owned()), Some(at), message)
}

fn collect_strings<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k);
                collect_strings(v, out);
            }
        }
        _ => {}
    }
}

fn count_value(c: &Count) -> serde_json::Value {
    match c {
        Count::Literal(n) => (*n).into(),
        Count::Expr(e) => e.clone().into(),
    }
}

/// All context problems of a spec walked from `starts`.
pub(super) fn check(spec: &WorkflowSpec, topo: &Topology<'_>, starts: &[String]) -> Vec<Diagnostic> {
    let mut walk = Walk { out: Vec::new() };
    let mut known = Names::new();
    for (i, input) in spec.input.iter().enumerate() {
        let entry = match &input.default {
            Some(d) => serde_json::json!({ input.name.clone(): d.clone() }),
            None => serde_json::Value::String(input.name.clone()),
        };
        walk.check(&entry, &format!("input[{i}]"), input.at, &known);
        known.insert(input.name.clone());
    }
    let mut vars_known = known.clone();
    walk.bindings(&spec.vars, "vars", &mut vars_known);
    let known = vars_known;
    let mut rolling = tasks(&mut walk, spec, topo, starts, &known);
    walk.bindings(&spec.output, "output", &mut rolling);
    walk.out
}

fn tasks(
    walk: &mut Walk,
    spec: &WorkflowSpec,
    topo: &Topology<'_>,
    starts: &[String],
    parent: &Names,
) -> Names {
    let mut rolling = parent.clone();
    let mut join_ctx: BTreeMap<String, Names> = BTreeMap::new();
    let mut traversed = BTreeSet::new();
    let mut queue: VecDeque<(String, Option<Names>)> =
        starts.iter().map(|s| (s.clone(), Some(parent.clone()))).collect();
    let mut visits = 0usize;
    while let Some((name, ctx)) = queue.pop_front() {
        visits += 1;
        if visits > WALK_BUDGET && traversed.contains(&name) {
            continue;
        }
        traversed.insert(name.clone());
        let task_ctx = match ctx {
            Some(c) if !c.is_empty() => c,
            _ => join_ctx.get(&name).cloned().unwrap_or_default(),
        };
        rolling.extend(task_ctx.iter().cloned());
        let Some(task) = topo.task(&name).and_then(|i| spec.tasks.get(i)) else { continue };
        task_properties(walk, task, &task_ctx);
        for (i, tr) in task.next.iter().enumerate() {
            let path = format!("tasks.{}.next[{i}]", task.name);
            let targets: Vec<&str> = if tr.targets.is_empty() {
                vec!["continue"]
            } else {
                tr.targets.iter().map(|t| t.value.as_str()).collect()
            };
            for target in targets {
                let mut branch = task_ctx.clone();
                if let Some(when) = &tr.when {
                    walk.property(&when.value.clone().into(), &format!("{path}.when"), when.at, &branch);
                }
                walk.bindings(&tr.publish, &format!("{path}.publish"), &mut branch);
                if traversed.contains(target) || !topo.has_task(target) {
                    continue;
                }
                if topo.task(target).and_then(|j| spec.tasks.get(j)).is_some_and(|t| t.join.is_some()) {
                    join_ctx.entry(target.to_owned()).or_default().extend(branch);
                    queue.push_back((target.to_owned(), None));
                } else {
                    queue.push_back((target.to_owned(), Some(branch)));
                }
            }
        }
    }
    rolling
}

/// A task's own properties, in Orquesta's order: delay, with, action, input.
fn task_properties(walk: &mut Walk, task: &TaskSpec, ctx: &Names) {
    let base = format!("tasks.{}", task.name);
    if let Some(delay) = &task.delay {
        walk.property(&count_value(&delay.value), &format!("{base}.delay"), delay.at, ctx);
    }
    if let Some(with) = &task.with {
        let items = with.items.value.clone().into();
        walk.property(&items, &format!("{base}.with.items"), with.items.at, ctx);
        if let Some(c) = &with.concurrency {
            walk.property(&count_value(&c.value), &format!("{base}.with.concurrency"), c.at, ctx);
        }
    }
    if let Some(action) = &task.action {
        walk.property(&action.value.clone().into(), &format!("{base}.action"), action.at, ctx);
    }
    if let Some(input) = &task.input {
        walk.property(&input.value, &format!("{base}.input"), input.at, ctx);
    }
}
