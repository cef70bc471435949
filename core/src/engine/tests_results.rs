//! A task's result: built at its completion for the expressions that may read it (see
//! `Shape::reads_result`), from item results held as nothing while null.
//!
//! These pin what an expression sees, whichever of a task's expressions reads the result,
//! and that item results survive a state's round trip mid-task.

use serde_json::{Value, json};

use super::tests::H;
use super::*;

/// Items reported with results, some null; the task's result is read by a condition alone,
/// with no publish: the branch it picks shows the list was built, nulls in their places.
#[test]
fn a_condition_alone_sees_the_with_items_result_with_nulls_in_place() {
    let text = "tasks:\n  t:\n    with: <% [0, 1, 2] %>\n    action: core.noop\n    next:\n      - {when: '<% result() = [null, 10, null] %>', do: right}\n      - {when: '<% result() != [null, 10, null] %>', do: wrong}\n  right:\n    action: core.noop\n  wrong:\n    action: core.noop\n";
    let mut h = H::new(text, json!({}));
    let runs = h.dispatch();
    assert_eq!(runs.len(), 3);
    for r in &runs {
        let result = if r.item == Some(1) { json!(10) } else { Value::Null };
        h.finish(r.run, ActionStatus::Succeeded, result);
    }
    let next = h.dispatch();
    assert_eq!(next.iter().map(|r| r.task.as_str()).collect::<Vec<_>>(), ["right"]);
}

/// A retry condition that reads a with-items task's result sees the list too.
#[test]
fn a_retry_condition_sees_the_with_items_result() {
    let text = "tasks:\n  t:\n    with: <% [0, 1] %>\n    action: core.noop\n    retry: {when: '<% result()[1] = oops %>', count: 1}\n";
    let mut h = H::new(text, json!({}));
    for r in h.dispatch() {
        let result = if r.item == Some(1) { json!("oops") } else { json!("fine") };
        h.finish(r.run, ActionStatus::Failed, result);
    }
    assert_eq!(h.dispatch().len(), 2, "the condition held: both items run again");
}

/// Mid-task, item results (null and not) serialize as the plain list and read back into a
/// state that goes on to the same result.
#[test]
fn item_results_round_trip_mid_task() {
    let text = "tasks:\n  t:\n    with: <% [0, 1, 2] %>\n    action: core.noop\n    next: [{publish: [{all: <% result() %>}], do: after}]\n  after:\n    action: core.echo message=<% ctx(all) %>\n";
    let mut h = H::new(text, json!({}));
    let runs = h.dispatch();
    h.finish(runs[0].run, ActionStatus::Succeeded, json!({"k": [1]}));
    h.finish(runs[1].run, ActionStatus::Succeeded, Value::Null);
    let text_state = serde_json::to_string(&h.state).expect("serializes");
    assert!(text_state.contains(r#""results":[{"k":[1]},null,null]"#), "{text_state}");
    let restored: State = serde_json::from_str(&text_state).expect("reads");
    assert_eq!(restored, h.state);
    h.state = restored;
    h.finish(runs[2].run, ActionStatus::Succeeded, json!(2));
    let after = h.dispatch();
    assert_eq!(after[0].input.as_deref(), Some(&json!({"message": [{"k": [1]}, null, 2]})));
}
