//! The events a report sends Orquesta's task machine: a task's own report, an item's
//! report qualified by how the task's other items stand, an engine command, a retry.

use super::report::TaskEvent;
use super::state::{Node, State};
use super::status::{Activity, ItemsTail, Request, Status, TaskInput};
use crate::graph::EngineCommand;

/// The input the task state machine sees.
pub(crate) fn task_input(state: &State, node: Node, route: u32, event: &TaskEvent<'_>) -> TaskInput {
    match event {
        TaskEvent::Command(EngineCommand::Fail) => TaskInput::Requested(Request::Fail),
        TaskEvent::Command(EngineCommand::Noop) => TaskInput::Requested(Request::Noop),
        TaskEvent::Command(_) => TaskInput::Requested(Request::Continue),
        TaskEvent::Retry => TaskInput::Requested(Request::Retry),
        TaskEvent::Action { status, item: None, .. } => TaskInput::Action(*status),
        TaskEvent::Action { status, item: Some(item), .. } => {
            let staged = state.staged_ref(node, route);
            // Only some statuses are qualified (a `running` report is not): ask the others
            // nothing.
            let items = staged.and_then(super::staged::Staged::items);
            let Some(items) = items.filter(|_| TaskInput::names_items(*status)) else {
                return TaskInput::Action(*status);
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
            TaskInput::item(*status, Activity::of(active), tail)
        }
    }
}
