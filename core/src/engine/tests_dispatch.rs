//! Dispatch: what a round of offers commits, and what a failure to render takes back.
//!
//! A dispatch commits each request as it renders it (a run id, a run in the table, the
//! instance marked offered); a with-items batch renders with its list borrowed and adds its
//! runs after. These pin both against the state a failure must leave.

use serde_json::{Value, json};

use super::tests::H;
use super::*;

/// A list read from the context as it is is kept as its length and read in place on each
/// dispatch; a computed one is kept whole. Both render the same items, named or not.
#[test]
fn with_items_reads_a_context_list_in_place_and_keeps_a_computed_one() {
    let cases = [
        ("<% ctx(xs) %>", "<% item() %>", true),
        ("<% ctx(xs).select($) %>", "<% item() %>", false),
        ("x in <% ctx(xs) %>", "<% item(x) %>", true),
        ("{{ ctx('xs') }}", "{{ item() }}", true),
    ];
    for (items, message, in_place) in cases {
        let text = format!(
            "input: [xs]\ntasks:\n  t:\n    with: {{items: \"{items}\", concurrency: 2}}\n    action: core.echo\n    input: {{message: \"{message}\"}}\n"
        );
        let mut h = H::new(&text, json!({"xs": ["a", "b", "c"]}));
        let first = h.dispatch();
        let messages =
            |runs: &[RunRequest]| runs.iter().map(|r| r.input.as_deref().cloned()).collect::<Vec<_>>();
        assert_eq!(
            messages(&first),
            [Some(json!({"message": "a"})), Some(json!({"message": "b"}))],
            "{items}"
        );
        let kept = h.state.staged.iter().next().map(|s| s.kept_items().cloned().unwrap_or_default());
        match kept {
            Some(items::KeptItems::InContext(3)) => assert!(in_place, "{items} was kept in place"),
            Some(items::KeptItems::List(list)) => {
                assert!(!in_place && list.len() == 3, "{items} was kept whole")
            }
            other => panic!("{items}: kept {other:?}"),
        }
        h.finish(first[0].run, ActionStatus::Succeeded, Value::Null);
        let second = h.dispatch();
        assert_eq!(messages(&second), [Some(json!({"message": "c"}))], "{items}");
        assert_eq!((second[0].item, second[0].run), (Some(2), first[1].run + 1), "{items}");
    }
}

#[test]
fn a_rendering_error_fails_the_workflow_and_offers_nothing() {
    let text = "tasks:\n  a:\n    next: [{do: [b, c]}]\n  b:\n    action: core.echo message=<% ctx(nope) %>\n  c:\n    action: core.noop\n";
    let mut h = H::new(text.replace("ctx(nope)", "1 / 0").as_str(), json!({}));
    let a = h.dispatch()[0].run;
    h.finish(a, ActionStatus::Succeeded, Value::Null);
    assert!(h.dispatch().is_empty());
    assert_eq!(h.state.status(), Status::Failed);
    assert_eq!(h.state.errors().len(), 1);
}

/// A dispatch commits each request as it renders it; a later failure takes them all back.
/// `b` sorts before `z`, so it was already offered when `z` failed: nothing of that offer
/// may remain, the run counter included.
#[test]
fn a_rendering_error_after_an_offer_takes_the_offer_back() {
    let text = "tasks:\n  a:\n    next: [{do: [z, b]}]\n  b:\n    action: core.noop\n  z:\n    action: core.echo message=<% 1 / 0 %>\n";
    let mut h = H::new(text, json!({}));
    let a = h.dispatch()[0].run;
    h.finish(a, ActionStatus::Succeeded, Value::Null);
    let counter = h.state.next_run;
    assert!(h.dispatch().is_empty());
    assert_eq!(h.state.running().count(), 0);
    assert_eq!(h.state.status(), Status::Failed);
    assert_eq!(h.state.errors().len(), 1);
    assert_eq!(h.state.next_run, counter, "the run counter is where it was");
    assert!(h.state.staged.iter().all(|s| !s.offered), "b is not marked offered");
}

/// An item that fails to render takes back the items rendered before it in the batch.
#[test]
fn a_with_items_item_that_fails_to_render_takes_the_batch_back() {
    let text = "input: [xs]\ntasks:\n  t:\n    with: <% ctx(xs) %>\n    action: core.echo message=<% 10 / item() %>\n";
    let mut h = H::new(text, json!({"xs": [1, 2, 0, 4]}));
    let counter = h.state.next_run;
    assert!(h.dispatch().is_empty());
    assert_eq!(h.state.running().count(), 0);
    assert_eq!(h.state.status(), Status::Failed);
    assert_eq!(h.state.errors().len(), 1);
    let staged: Vec<_> = h.state.staged.iter().collect();
    assert!(
        staged.iter().all(|s| !s.offered && s.offered_items().is_none_or(itemset::ItemSet::is_empty)),
        "{staged:?}"
    );
    assert_eq!(h.state.next_run, counter, "the run counter is where it was");
}

/// What a runtime that keeps one buffer holds in it before a step: a command it has not
/// carried out yet.
const HELD: Command = Command::WakeAt { at: Some(99) };

/// `step_into` appends exactly what `step` returns, after what the buffer held, and leaves
/// the same state behind.
#[test]
fn step_into_appends_what_step_returns() {
    let text = "tasks:\n  a:\n    action: core.noop\n    next: [{do: [c, b]}]\n  b:\n    action: core.noop\n  c:\n    action: core.noop\n";
    let (mut by_step, mut by_into) = (H::new(text, json!({})), H::new(text, json!({})));
    let mut buffer = vec![HELD];
    for round in 0..3 {
        let event = Event::new(round, EventKind::Dispatch);
        let returned = step(&by_step.wf, &mut by_step.state, &event).expect("accepted");
        buffer.truncate(1);
        step_into(&by_into.wf, &mut by_into.state, &event, &mut buffer).expect("accepted");
        assert_eq!(buffer[0], HELD, "round {round}");
        assert_eq!(&buffer[1..], returned.as_slice(), "round {round}");
        for c in &returned {
            let Command::StartRun(r) = c else { continue };
            for h in [&mut by_step, &mut by_into] {
                h.finish(r.run, ActionStatus::Succeeded, Value::Null);
            }
        }
    }
    assert_eq!(by_into.state.status(), Status::Succeeded);
    let json = |h: &H| serde_json::to_string(&h.state).expect("serializes");
    assert_eq!(json(&by_step), json(&by_into));
}

/// A rejected event leaves the buffer as it was, and a dispatch whose render fails takes its
/// requests back out of it without touching what came before.
#[test]
fn step_into_leaves_the_buffer_alone_on_a_rejection_and_a_failed_render() {
    let text = "tasks:\n  a:\n    next: [{do: [z, b]}]\n  b:\n    action: core.noop\n  z:\n    action: core.echo message=<% 1 / 0 %>\n";
    let mut h = H::new(text, json!({}));
    let mut buffer = vec![HELD];
    let unknown = EventKind::Run { run: 1_000, status: ActionStatus::Succeeded, result: Value::Null };
    let rejected = step_into(&h.wf, &mut h.state, &Event::new(0, unknown), &mut buffer);
    assert_eq!(rejected, Err(Rejected::UnknownRun { run: 1_000 }));
    assert_eq!(buffer, [HELD]);
    let a = h.dispatch()[0].run;
    h.finish(a, ActionStatus::Succeeded, Value::Null);
    step_into(&h.wf, &mut h.state, &Event::new(0, EventKind::Dispatch), &mut buffer).expect("accepted");
    assert_eq!(buffer[0], HELD);
    assert!(!buffer.iter().any(|c| matches!(c, Command::StartRun(_))), "{buffer:?}");
    assert_eq!(h.state.status(), Status::Failed);
}

#[test]
fn a_request_and_a_command_stay_small() {
    // A with-items dispatch of 100,000 items writes 100,000 of them to fresh memory: at 184
    // bytes (the input inline) the kernel's first touch of their pages took a third of it.
    assert!(size_of::<RunRequest>() <= 104, "RunRequest is {} bytes", size_of::<RunRequest>());
    assert!(size_of::<Command>() <= 104, "Command is {} bytes", size_of::<Command>());
}
