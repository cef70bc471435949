//! Semantic, expression and context diagnostics, and how the passes combine.

use super::{CompileOptions, inspect, inspect_with};
use crate::diag::{Category, Diagnostic};

fn of(text: &str, category: Category) -> Vec<Diagnostic> {
    inspect(text).0.into_iter().filter(|d| d.category == category && d.is_error()).collect()
}

fn paths(list: &[Diagnostic]) -> Vec<&str> {
    list.iter().map(|d| d.path.as_deref().unwrap_or("")).collect()
}

#[test]
fn undefined_target_names_the_closest_tasks() {
    let d = of(
        "tasks:\n  a:\n    action: core.noop\n    next:\n      - do: bb\n  b: {action: core.noop}\n",
        Category::Semantics,
    );
    assert_eq!(paths(&d), ["tasks.a.next[0].do"]);
    assert_eq!(d[0].location.map(|l| l.line), Some(5));
    assert!(d[0].hint.as_deref().unwrap_or("").contains("did you mean \"b\""));
}

#[test]
fn undefined_target_is_reported_per_visit_like_orquesta() {
    // `d` is reached from two branches before it is visited, so it is visited twice.
    let text = "tasks:\n  a:\n    next: [{do: [b, c]}]\n  b:\n    next: [{do: d}]\n  c:\n    next: [{do: d}]\n  d:\n    next: [{do: nowhere}]\n";
    assert_eq!(paths(&of(text, Category::Semantics)), ["tasks.d.next[0].do", "tasks.d.next[0].do"]);
}

#[test]
fn reserved_task_names_are_refused() {
    let d = of("tasks:\n  fail:\n    action: core.noop\n", Category::Semantics);
    assert_eq!(paths(&d), ["tasks.fail"]);
    assert!(d[0].hint.as_deref().unwrap_or("").contains("engine command"));
}

#[test]
fn no_start_task_names_the_cycle() {
    let d = of("tasks:\n  a:\n    next: [{do: b}]\n  b:\n    next: [{do: a}]\n", Category::Semantics);
    assert_eq!(paths(&d), ["tasks"]);
    assert!(d[0].hint.as_deref().unwrap_or("").contains("a -> b"), "{}", d[0]);
}

#[test]
fn a_cycle_is_valid_when_started_at_a_named_task() {
    let text = "tasks:\n  a:\n    next: [{do: b}]\n  b:\n    next: [{do: a}]\n";
    let (_, diags) = inspect_with(text, &CompileOptions::start_at(["a"]));
    assert!(!diags.has_errors(), "{diags}");
    let (_, diags) = inspect_with(text, &CompileOptions::start_at(["z"]));
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("start task \"z\""));
}

#[test]
fn ambiguous_join_is_reported() {
    // Orquesta's join-ambiguity rule: `j` joins the main line (from `a`) with a branch that
    // went through the split task `m`, so the two arrivals are on different split levels.
    let text = "tasks:\n  a:\n    next: [{do: [b, c, j]}]\n  b:\n    next: [{do: m}]\n  c:\n    next: [{do: m}]\n  m:\n    next: [{do: j}]\n  j:\n    join: all\n";
    let d = of(text, Category::Semantics);
    assert_eq!(paths(&d), ["tasks.j"]);
    // The same shape without the direct edge from `a` joins on one level only.
    let fine = text.replace("do: [b, c, j]", "do: [b, c]");
    assert!(of(&fine, Category::Semantics).is_empty());
}

#[test]
fn with_items_requires_an_action() {
    let d = of("tasks:\n  t:\n    with: <% [1] %>\n", Category::Semantics);
    assert_eq!(paths(&d), ["tasks.t"]);
}

#[test]
fn expression_errors_carry_the_position_inside_the_expression() {
    let d = of(
        "tasks:\n  t:\n    action: core.noop\n    next:\n      - when: <% 1 + %>\n",
        Category::Expressions,
    );
    assert_eq!(paths(&d), ["tasks.t.next[0].when"]);
    assert_eq!(d[0].location.map(|l| l.line), Some(5));
    assert!(d[0].message.contains("<% 1 + %>"), "{}", d[0]);
    let d = of("tasks:\n  t:\n    action: core.noop\n    input: {a: '{{ x | }}'}\n", Category::Expressions);
    assert_eq!(paths(&d), ["tasks.t.input"]);
    let d = of("vars:\n  - a: <% 1 %> {{ 2 }}\ntasks:\n  t: {action: core.noop}\n", Category::Expressions);
    assert_eq!(paths(&d), ["vars"]);
    assert!(d[0].message.contains("multiple types"));
}

#[test]
fn variables_must_be_assigned_before_they_are_read() {
    let text = "input: [who]\ntasks:\n  a:\n    action: core.echo message=<% ctx(whom) %>\n    next:\n      - publish: [{x: 1}]\n        do: b\n  b:\n    action: core.echo message=<% ctx(x) %>\noutput:\n  - y: <% ctx(x) %>\n  - z: <% ctx(y) %> <% ctx(nope) %>\n";
    let d = of(text, Category::Context);
    assert_eq!(paths(&d), ["tasks.a.input", "output[1]"]);
    assert!(d[0].hint.as_deref().unwrap_or("").contains("did you mean `who`"));
}

#[test]
fn a_join_sees_what_every_branch_published() {
    let text = "tasks:\n  s:\n    next: [{do: [l, r]}]\n  l:\n    next: [{publish: [{a: 1}], do: j}]\n  r:\n    next: [{publish: [{b: 2}], do: j}]\n  j:\n    join: all\n    action: core.echo message=\"<% ctx(a) %><% ctx(b) %>\"\n";
    assert!(of(text, Category::Context).is_empty());
}

#[test]
fn private_variables_are_refused() {
    let d = of("tasks:\n  t:\n    action: core.echo message=<% ctx(__x) %>\n", Category::Context);
    assert!(d.iter().any(|d| d.message.contains("private variable")));
}

#[test]
fn diagnostics_are_sorted_by_position() {
    let all = inspect("tasks:\n  b:\n    acton: x\n  a:\n    next: [{do: nowhere}]\n");
    let lines: Vec<u32> = all.iter().filter_map(|d| d.location.map(|l| l.line)).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
    assert_eq!(all.len(), 2);
}

#[test]
fn a_trusted_definition_may_be_larger_than_the_default_limit() {
    let mut text = String::from("version: 1.0\ntasks:\n  a:\n    action: core.noop\n");
    let filler = format!("# {}\n", "x".repeat(1000));
    while text.len() <= crate::MAX_DEFINITION_BYTES {
        text.push_str(&filler);
    }
    let refused = inspect(&text);
    assert!(refused.0.iter().any(|d| d.message.contains("bytes are refused")), "{refused:?}");
    let options = CompileOptions::default().max_definition_bytes(2 * crate::MAX_DEFINITION_BYTES);
    let (_, accepted) = inspect_with(&text, &options);
    assert!(accepted.0.is_empty(), "{accepted:?}");
    let (_, smaller) =
        inspect_with("version: 1.0\ntasks: {}\n", &CompileOptions::default().max_definition_bytes(8));
    assert!(smaller.0.iter().any(|d| d.message.contains("larger than 8 bytes")), "{smaller:?}");
}
