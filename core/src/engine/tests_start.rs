//! Starting a run: the input lent (`start_with`, each declared value copied) or handed over
//! (`start_owned`, each moved) must make the same state.

use serde_json::{Map, Value, json};

use super::*;
use crate::graph::compile;

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn an_owned_input_starts_the_same_run_as_a_lent_one() {
    // `a` is declared twice and both bindings get the given value (`c`'s default reads the
    // first), `b` has a default that the input overrides, `x` is not declared and is
    // ignored, and `e` holds an expression the engine renders.
    let text = "input:\n  - a\n  - b: 1\n  - c: <% ctx(a) %>\n  - a: 3\n  - e\ntasks:\n  t:\n    action: core.noop\n    input: {v: <% ctx(c) %>}\noutput:\n  - all: <% [ctx(a), ctx(b), ctx(c), ctx(e)] %>\n";
    let wf = compile(text).expect("valid");
    let given = map(json!({"a": [1, 2], "b": 5, "x": "unused", "e": "<% ctx(b) %>"}));
    let limits = Limits::default();
    let (mut lent, lent_commands) = State::start_with(&wf, &given, limits, 7);
    let (mut owned, owned_commands) = State::start_owned(&wf, given, limits, 7);
    assert_eq!(lent, owned);
    assert_eq!(lent_commands, owned_commands);
    let dispatch = Event::new(8, EventKind::Dispatch);
    let (a, b) = (step(&wf, &mut lent, &dispatch), step(&wf, &mut owned, &dispatch));
    assert_eq!(a, b);
    let input = a.ok().and_then(|c| match c.first() {
        Some(Command::StartRun(r)) => r.input.as_deref().cloned(),
        _ => None,
    });
    assert_eq!(input, Some(json!({"v": [1, 2]})), "both uses of `a` got the given list");
}

#[test]
fn an_input_that_fails_to_render_fails_the_start_owned_or_lent() {
    let wf = compile("input:\n  - bad\ntasks:\n  t:\n    action: core.noop\n").expect("valid");
    let given = map(json!({"bad": "<% ctx(nothing).x %>"}));
    let (lent, _) = State::start_with(&wf, &given, Limits::default(), 0);
    let (owned, _) = State::start_owned(&wf, given, Limits::default(), 0);
    assert_eq!(lent.status(), Status::Failed);
    assert_eq!(lent, owned);
}
