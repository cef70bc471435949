//! The names of the events Orquesta's two state machines read: `action_<status>` (with the
//! with-items qualifiers) for the task machine, `task_<status>_workflow_<...>_<...>` for the
//! workflow machine.
//!
//! Both machines are written against Orquesta's event names, so the names are kept. Every
//! report makes one of each, so the common ones are literals: spelling them into a fresh
//! string cost an allocation per event.

use std::borrow::Cow;

use super::report::TaskEvent;
use super::state::{Node, State};
use super::status::Status;
use crate::graph::EngineCommand;

/// The event name the task state machine sees.
pub(crate) fn event_name(state: &State, node: Node, route: u32, event: &TaskEvent<'_>) -> Cow<'static, str> {
    match event {
        TaskEvent::Command(EngineCommand::Fail) => "task_fail_requested".into(),
        TaskEvent::Command(EngineCommand::Noop) => "task_noop_requested".into(),
        TaskEvent::Command(_) => "task_continue_requested".into(),
        TaskEvent::Retry => "task_retry_requested".into(),
        TaskEvent::Action { status, item: None, .. } => action_event(*status).into(),
        TaskEvent::Action { status, item: Some(item), .. } => {
            let staged = state.staged_ref(node, route);
            let items = staged.and_then(super::staged::Staged::items);
            // Only some statuses are qualified (a `running` report is not): ask the others
            // nothing.
            let (Some(items), Some(names)) = (items, item_events(*status)) else {
                return action_event(*status).into();
            };
            let any = |pred: fn(Status) -> bool| items.any_other(Some(*item), pred);
            // An item offered to the runtime and not yet reported on is as good as running:
            // the task must not complete under it (its report would reopen it).
            let offered =
                staged.and_then(super::staged::Staged::offered_items).is_some_and(|o| o.any_other(*item));
            let active = offered || any(Status::is_active);
            let tail = if !active && any(|s| matches!(s, Status::Pending | Status::Paused)) {
                ItemsTail::Paused
            } else if !active && any(|s| s == Status::Canceled) {
                ItemsTail::Canceled
            } else if !active && any(Status::is_abended) {
                ItemsTail::Failed
            } else if any(|s| !s.is_completed()) {
                ItemsTail::Incomplete
            } else {
                ItemsTail::Completed
            };
            names.get(tail.index(active)).map_or_else(|| action_event(*status).into(), |n| Cow::Borrowed(*n))
        }
    }
}

/// How a with-items task's other items stand, as its item events end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemsTail {
    Paused,
    Canceled,
    Failed,
    Incomplete,
    Completed,
}

impl ItemsTail {
    /// Where the name for this tail stands among a status's ten (see [`item_events`]).
    fn index(self, active: bool) -> usize {
        usize::from(!active) * 5 + self as usize
    }

    #[cfg(test)]
    const ALL: [ItemsTail; 5] = [
        ItemsTail::Paused,
        ItemsTail::Canceled,
        ItemsTail::Failed,
        ItemsTail::Incomplete,
        ItemsTail::Completed,
    ];

    #[cfg(test)]
    fn as_str(self) -> &'static str {
        match self {
            ItemsTail::Paused => "paused",
            ItemsTail::Canceled => "canceled",
            ItemsTail::Failed => "failed",
            ItemsTail::Incomplete => "incomplete",
            ItemsTail::Completed => "completed",
        }
    }
}

/// The ten qualified names of one item status, as literals: `<base>_task_<active|dormant>
/// _items_<tail>`, active ones first, tails in [`ItemsTail`] order.
macro_rules! qualified {
    ($base:literal) => {
        [
            concat!($base, "_task_active_items_paused"),
            concat!($base, "_task_active_items_canceled"),
            concat!($base, "_task_active_items_failed"),
            concat!($base, "_task_active_items_incomplete"),
            concat!($base, "_task_active_items_completed"),
            concat!($base, "_task_dormant_items_paused"),
            concat!($base, "_task_dormant_items_canceled"),
            concat!($base, "_task_dormant_items_failed"),
            concat!($base, "_task_dormant_items_incomplete"),
            concat!($base, "_task_dormant_items_completed"),
        ]
    };
}

/// The names of a with-items task's events for one item's report with this status, or
/// `None` where Orquesta names the report by its status alone. Literals: every item report
/// names one, and building the name was two allocations per item.
fn item_events(status: Status) -> Option<&'static [&'static str; 10]> {
    Some(match status {
        Status::Resuming => &qualified!("action_resuming"),
        Status::Pending => &qualified!("action_pending"),
        Status::Paused => &qualified!("action_paused"),
        Status::Succeeded => &qualified!("action_succeeded"),
        Status::Failed => &qualified!("action_failed"),
        Status::Timeout => &qualified!("action_timeout"),
        Status::Abandoned => &qualified!("action_abandoned"),
        Status::Canceled => &qualified!("action_canceled"),
        _ => return None,
    })
}

/// `action_<status>`: a literal, because this names every report.
fn action_event(status: Status) -> &'static str {
    match status {
        Status::Unset => "action_null",
        Status::Requested => "action_requested",
        Status::Scheduled => "action_scheduled",
        Status::Delayed => "action_delayed",
        Status::Running => "action_running",
        Status::Pending => "action_pending",
        Status::Pausing => "action_pausing",
        Status::Paused => "action_paused",
        Status::Resuming => "action_resuming",
        Status::Succeeded => "action_succeeded",
        Status::Failed => "action_failed",
        Status::Timeout => "action_timeout",
        Status::Abandoned => "action_abandoned",
        Status::Retrying => "action_retrying",
        Status::Canceling => "action_canceling",
        Status::Canceled => "action_canceled",
        Status::TimedOut => "action_timed_out",
    }
}

/// Whether the workflow machine's event for `base` says if the workflow is still active.
pub(crate) fn takes_workflow(base: &str) -> bool {
    matches!(base, "pending" | "paused" | "succeeded" | "failed" | "remediated" | "canceled" | "retrying")
}

/// Whether the workflow machine's event for `base` says how the workflow stands
/// (`canceled`, `paused`, `incomplete`, `completed`).
pub(crate) fn takes_tail(base: &str) -> bool {
    matches!(base, "succeeded" | "remediated")
}

/// The workflow machine's event for a task that reached `base` (a status name, or
/// `remediated`): `task_<base>`, then `_workflow_<active|dormant>` and a completion `tail`
/// (`canceled`, `paused`, `incomplete`, `completed`) where Orquesta adds them. Every
/// combination the engine makes is a literal; anything else is spelled out.
pub(crate) fn task_event_name(
    base: &'static str,
    workflow: Option<&'static str>,
    tail: Option<&'static str>,
) -> Cow<'static, str> {
    // The arms are tried in order, so the two a run sends on every action come first: a
    // `running` report, and a completion while other tasks still run. (No two arms overlap.)
    let literal = match (base, workflow, tail) {
        ("running", None, None) => "task_running",
        ("succeeded", Some("active"), Some("incomplete")) => "task_succeeded_workflow_active_incomplete",
        ("succeeded", Some("dormant"), Some("incomplete")) => "task_succeeded_workflow_dormant_incomplete",
        ("pending", Some("active"), None) => "task_pending_workflow_active",
        ("pending", Some("dormant"), None) => "task_pending_workflow_dormant",
        ("paused", Some("active"), None) => "task_paused_workflow_active",
        ("paused", Some("dormant"), None) => "task_paused_workflow_dormant",
        ("succeeded", Some("active"), Some("canceled")) => "task_succeeded_workflow_active_canceled",
        ("succeeded", Some("active"), Some("paused")) => "task_succeeded_workflow_active_paused",
        ("succeeded", Some("active"), Some("completed")) => "task_succeeded_workflow_active_completed",
        ("succeeded", Some("dormant"), Some("canceled")) => "task_succeeded_workflow_dormant_canceled",
        ("succeeded", Some("dormant"), Some("paused")) => "task_succeeded_workflow_dormant_paused",
        ("succeeded", Some("dormant"), Some("completed")) => "task_succeeded_workflow_dormant_completed",
        ("failed", Some("active"), None) => "task_failed_workflow_active",
        ("failed", Some("dormant"), None) => "task_failed_workflow_dormant",
        ("remediated", Some("active"), Some("canceled")) => "task_remediated_workflow_active_canceled",
        ("remediated", Some("active"), Some("paused")) => "task_remediated_workflow_active_paused",
        ("remediated", Some("active"), Some("incomplete")) => "task_remediated_workflow_active_incomplete",
        ("remediated", Some("active"), Some("completed")) => "task_remediated_workflow_active_completed",
        ("remediated", Some("dormant"), Some("canceled")) => "task_remediated_workflow_dormant_canceled",
        ("remediated", Some("dormant"), Some("paused")) => "task_remediated_workflow_dormant_paused",
        ("remediated", Some("dormant"), Some("incomplete")) => "task_remediated_workflow_dormant_incomplete",
        ("remediated", Some("dormant"), Some("completed")) => "task_remediated_workflow_dormant_completed",
        ("canceled", Some("active"), None) => "task_canceled_workflow_active",
        ("canceled", Some("dormant"), None) => "task_canceled_workflow_dormant",
        ("retrying", Some("active"), None) => "task_retrying_workflow_active",
        ("retrying", Some("dormant"), None) => "task_retrying_workflow_dormant",
        ("null", None, None) => "task_null",
        ("requested", None, None) => "task_requested",
        ("scheduled", None, None) => "task_scheduled",
        ("delayed", None, None) => "task_delayed",
        ("pending", None, None) => "task_pending",
        ("pausing", None, None) => "task_pausing",
        ("paused", None, None) => "task_paused",
        ("resuming", None, None) => "task_resuming",
        ("succeeded", None, None) => "task_succeeded",
        ("failed", None, None) => "task_failed",
        ("timeout", None, None) => "task_timeout",
        ("abandoned", None, None) => "task_abandoned",
        ("retrying", None, None) => "task_retrying",
        ("canceling", None, None) => "task_canceling",
        ("canceled", None, None) => "task_canceled",
        ("timed_out", None, None) => "task_timed_out",
        ("remediated", None, None) => "task_remediated",
        _ => return spelled(base, workflow, tail).into(),
    };
    literal.into()
}

fn spelled(base: &str, workflow: Option<&str>, tail: Option<&str>) -> String {
    let mut name = format!("task_{base}");
    if let Some(w) = workflow {
        name.push_str("_workflow_");
        name.push_str(w);
    }
    if let Some(t) = tail {
        name.push('_');
        name.push_str(t);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literal_action_events_spell_action_and_the_status() {
        for status in Status::ALL {
            assert_eq!(action_event(status), format!("action_{}", status.as_str()));
        }
    }

    #[test]
    fn every_item_event_literal_spells_status_activity_and_items() {
        let qualified = [
            Status::Resuming,
            Status::Pending,
            Status::Paused,
            Status::Succeeded,
            Status::Failed,
            Status::Timeout,
            Status::Abandoned,
            Status::Canceled,
        ];
        for status in Status::ALL {
            for active in [true, false] {
                for tail in ItemsTail::ALL {
                    let activity = if active { "active" } else { "dormant" };
                    let spelled =
                        format!("action_{}_task_{activity}_items_{}", status.as_str(), tail.as_str());
                    let expected = qualified.contains(&status).then_some(spelled);
                    let got = item_events(status).and_then(|names| names.get(tail.index(active)).copied());
                    assert_eq!(got.map(str::to_owned), expected);
                }
            }
        }
    }

    #[test]
    fn every_workflow_event_literal_is_its_spelled_out_name() {
        let bases = ["null", "running", "pending", "paused", "succeeded", "failed", "remediated", "canceled"];
        let bases = bases.into_iter().chain(["retrying", "timeout", "abandoned", "timed_out", "requested"]);
        for base in bases {
            for workflow in [None, Some("active"), Some("dormant")] {
                for tail in [None, Some("canceled"), Some("paused"), Some("incomplete"), Some("completed")] {
                    assert_eq!(task_event_name(base, workflow, tail), spelled(base, workflow, tail));
                }
            }
        }
    }

    #[test]
    fn every_name_the_engine_makes_is_a_literal() {
        // A timed-out task is a failed one to the workflow, so `timed_out` is never a base.
        let statuses = Status::ALL.into_iter().filter(|s| *s != Status::TimedOut);
        let bases = statuses.map(Status::as_str).chain(["remediated"]);
        for base in bases {
            let workflows: &[Option<&str>] =
                if takes_workflow(base) { &[Some("active"), Some("dormant")] } else { &[None] };
            let tails: &[Option<&str>] = if takes_tail(base) {
                &[Some("canceled"), Some("paused"), Some("incomplete"), Some("completed")]
            } else {
                &[None]
            };
            for workflow in workflows {
                for tail in tails {
                    let name = task_event_name(base, *workflow, *tail);
                    assert!(matches!(name, Cow::Borrowed(_)), "{name} allocates");
                }
            }
        }
    }
}
