//! The cookbook's approval recipe (docs/examples/approval.yaml), run the way an embedding
//! application runs it: the approval action answers `pending`, the workflow pauses, and the
//! approver's answer arrives on resume.

use ostinato_core::{ActionStatus, EventKind, RunRequest, Session, Status, Todo, compile};
use serde_json::{Map, Value, json};

const APPROVAL: &str = include_str!("../../docs/examples/approval.yaml");

fn only(todo: &Todo, task: &str) -> RunRequest {
    assert_eq!(todo.start.len(), 1, "{:?}", todo.start);
    assert_eq!(todo.start[0].task, task);
    todo.start[0].clone()
}

/// Runs the recipe with the approver's answer; returns the final status and output.
fn approve(answer: bool) -> (Status, Value) {
    let wf = compile(APPROVAL).expect("the example is valid");
    let (mut s, todo) = Session::start(&wf, &Map::new(), 0);
    let prepare = only(&todo, "prepare");
    let todo = s.report(prepare.run, ActionStatus::Succeeded, Value::Null, 1).expect("accepted");
    let ask = only(&todo, "approve");
    assert_eq!(ask.input.as_deref(), Some(&json!({"question": "Approve: resize the database?"})));
    s.report(ask.run, ActionStatus::Pending, Value::Null, 2).expect("accepted");
    assert!(s.paused(), "a pending task pauses the workflow");
    // Later, the approver answers: resume, then the answer is the action's result.
    s.request(EventKind::Resume, 3).expect("a paused workflow resumes");
    let todo = s.report(ask.run, ActionStatus::Succeeded, json!({"approved": answer}), 4).expect("accepted");
    if answer {
        let apply = only(&todo, "apply");
        s.report(apply.run, ActionStatus::Succeeded, Value::Null, 5).expect("accepted");
    } else {
        assert!(todo.start.is_empty(), "a rejection applies nothing");
    }
    let (status, output) = s.outcome().expect("the workflow ended");
    (status, Value::Object(output.cloned().unwrap_or_default()))
}

#[test]
fn an_approval_applies_the_change() {
    assert_eq!(approve(true), (Status::Succeeded, json!({"decision": "approved"})));
}

#[test]
fn a_rejection_ends_without_applying() {
    assert_eq!(approve(false), (Status::Succeeded, json!({"decision": "rejected"})));
}
