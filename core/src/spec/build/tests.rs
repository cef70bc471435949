//! Syntax diagnostics: one test per kind, asserting category, path, line and hint.

use crate::diag::{Category, Diagnostic};
use crate::spec::{Count, Join, WorkflowSpec};
use crate::yaml::{Limits, load};

fn build_text(text: &str) -> (WorkflowSpec, Vec<Diagnostic>) {
    let root = load(text, Limits::default()).expect("loads");
    super::build(&root)
}

fn only(text: &str) -> Diagnostic {
    let (_, diags) = build_text(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    diags.into_iter().next().expect("one")
}

fn assert_at(d: &Diagnostic, path: Option<&str>, line: u32) {
    assert_eq!(d.category, Category::Syntax, "{d}");
    assert_eq!(d.path.as_deref(), path, "{d}");
    assert_eq!(d.location.map(|l| l.line), Some(line), "{d}");
}

#[test]
fn unknown_task_key_suggests_the_closest_key() {
    let d = only("version: 1.0\ntasks:\n  t1:\n    actoin: core.noop\n");
    assert_at(&d, Some("tasks.t1"), 4);
    assert!(d.message.contains("'actoin' was unexpected"));
    assert!(d.hint.as_deref().unwrap_or("").contains("did you mean `action`"));
}

#[test]
fn key_at_the_wrong_level_gets_an_indentation_hint() {
    let d = only("tasks:\n  t1:\n    action: core.noop\n    publish: [{a: 1}]\n");
    assert_at(&d, Some("tasks.t1"), 4);
    assert!(d.hint.as_deref().unwrap_or("").contains("belongs to a transition"), "{d}");
}

#[test]
fn unknown_top_level_key_has_no_path() {
    let d = only("tasks:\n  t1: {action: core.noop}\nouptut: []\n");
    assert_at(&d, None, 3);
    assert!(d.hint.as_deref().unwrap_or("").contains("did you mean `output`"));
}

#[test]
fn missing_tasks_is_reported_at_the_top_level() {
    let d = only("version: 1.0\ninput: [a]\n");
    assert_at(&d, None, 1);
    assert!(d.message.contains("'tasks' is a required property"));
}

#[test]
fn version_other_than_1_0_is_refused() {
    let d = only("version: 2.0\ntasks:\n  t: {action: core.noop}\n");
    assert_at(&d, Some("version"), 1);
    assert!(d.hint.as_deref().unwrap_or("").contains("version: 1.0"));
    let (_, ok) = build_text("version: '1.0'\ntasks:\n  t: {action: core.noop}\n");
    assert!(ok.is_empty());
}

#[test]
fn wrong_types_are_reported_at_the_property() {
    let d = only("tasks:\n  t:\n    action: core.noop\n    next:\n      - when: true\n");
    assert_at(&d, Some("tasks.t.next[0].when"), 5);
    assert!(d.message.contains("is not of type 'string'"));
    let d = only("tasks:\n  t:\n    action: core.noop\n    next: {do: x}\n");
    assert_at(&d, Some("tasks.t.next"), 4);
}

#[test]
fn impossible_counts_are_refused() {
    let d = only("tasks:\n  t:\n    action: core.noop\n    with: {items: '<% [1] %>', concurrency: -1}\n");
    assert_at(&d, Some("tasks.t.with.concurrency"), 4);
    let d = only("tasks:\n  t:\n    action: core.noop\n    retry: {count: 1.5}\n");
    assert_at(&d, Some("tasks.t.retry.count"), 4);
    let d = only("tasks:\n  t:\n    join: 0\n");
    assert_at(&d, Some("tasks.t.join"), 3);
    assert!(d.hint.as_deref().unwrap_or("").contains("join: all"));
}

#[test]
fn retry_requires_a_count() {
    let d = only("tasks:\n  t:\n    action: core.noop\n    retry:\n      delay: 1\n");
    assert_at(&d, Some("tasks.t.retry"), 5);
}

#[test]
fn items_must_be_one_expression() {
    let d = only("tasks:\n  t:\n    action: core.noop\n    with: hosts\n");
    assert_at(&d, Some("tasks.t.with.items"), 4);
    let (spec, diags) =
        build_text("tasks:\n  t:\n    action: core.noop\n    with: a, b in <% zip([1], [2]) %>\n");
    assert!(diags.is_empty());
    assert_eq!(spec.tasks[0].with.as_ref().map(|w| w.names.clone()), Some(vec!["a".into(), "b".into()]));
}

#[test]
fn duplicate_list_entries_are_refused() {
    let d = only(
        "tasks:\n  t:\n    action: core.noop\n    next:\n      - do: [a, a]\n  a: {action: core.noop}\n",
    );
    assert_at(&d, Some("tasks.t.next[0].do"), 5);
}

#[test]
fn a_task_that_is_not_a_mapping_hints_at_missing_indentation() {
    let d = only("tasks:\n  action: core.noop\n");
    assert_at(&d, Some("tasks.action"), 2);
    assert!(d.hint.as_deref().unwrap_or("").contains("indent it under a task name"));
}

#[test]
fn short_forms_are_resolved() {
    let text = "input:\n  - a\n  - b: 2\nvars:\n  x: 1\ntasks:\n  t:\n    action: core.echo message=\"hi\" n=2\n    delay: <% ctx(a) %>\n    join: all\n    next:\n      - publish: k=<% ctx(x) %> j=3\n        do: u, v\n  u: {action: core.noop}\n  v: {action: core.noop}\n";
    let (spec, diags) = build_text(text);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(spec.input.len(), 2);
    assert_eq!(spec.input[1].default, Some(serde_json::json!(2)));
    assert_eq!(spec.vars[0].name, "x");
    let t = &spec.tasks[0];
    assert_eq!(t.action.as_ref().map(|a| a.value.as_str()), Some("core.echo"));
    assert_eq!(t.input.as_ref().map(|i| i.value.clone()), Some(serde_json::json!({"message": "hi", "n": 2})));
    assert_eq!(t.delay.as_ref().map(|d| d.value.clone()), Some(Count::Expr("<% ctx(a) %>".into())));
    assert_eq!(t.join.as_ref().map(|j| j.value), Some(Join::All));
    let names: Vec<&str> = t.next[0].publish.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["k", "j"]);
    let targets: Vec<&str> = t.next[0].targets.iter().map(|x| x.value.as_str()).collect();
    assert_eq!(targets, ["u", "v"]);
}

#[test]
fn all_problems_are_reported_in_one_pass() {
    let (_, diags) = build_text("tasks:\n  a:\n    acton: x\n  b:\n    join: many\n    delay: -3\n");
    assert_eq!(diags.len(), 3, "{diags:#?}");
}
