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
        let messages = |runs: &[RunRequest]| runs.iter().map(|r| r.input.clone()).collect::<Vec<_>>();
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
        staged.iter().all(|s| !s.offered && s.offered_items().is_none_or(|o| o.iter().next().is_none())),
        "{staged:?}"
    );
    assert_eq!(h.state.next_run, counter, "the run counter is where it was");
}
