//! Orquesta's task state machine, over typed inputs. Entry for entry the table Orquesta
//! writes with event names (transcribed in `table.rs`, which checks the two agree on every
//! status and every input).

use super::Status;
use super::input::{Activity, ItemsTail, Request, TaskInput};

/// The status `input` moves a task in status `current` to, if any.
pub(crate) fn task_transition(current: Status, input: TaskInput) -> Option<Status> {
    use Status::*;
    use TaskInput::{Action, Item, Requested as Req, Workflow};
    match current {
        Unset => match input {
            Action(s @ (Requested | Scheduled | Delayed | Running | Pending)) => Some(s),
            Req(Request::Continue | Request::Noop) => Some(Succeeded),
            Req(Request::Fail) => Some(Failed),
            _ => None,
        },
        Requested | Scheduled | Delayed => match input {
            Action(s @ (Scheduled | Delayed)) => (s != current).then_some(s),
            Action(
                s @ (Running | Pending | Pausing | Paused | Canceling | Canceled | Failed | Timeout
                | Abandoned),
            ) => Some(s),
            _ => None,
        },
        // The engine's own deadline ends a run whatever its task was doing; a task pausing
        // or resuming around a run that times out would otherwise wait for it for ever.
        Running | Pausing | Resuming if input == Action(TimedOut) => Some(TimedOut),
        Running => running(input),
        Pending => match input {
            Action(Canceled) => Some(Canceled),
            Action(Failed | Timeout | Abandoned) => Some(Failed),
            Action(Succeeded) => Some(Succeeded),
            _ => None,
        },
        Pausing => match input {
            Action(s @ (Resuming | Canceling | Paused)) => Some(s),
            Action(Failed | Timeout | Abandoned) => Some(Failed),
            Action(Canceled) | Item { status: Canceled, activity: Activity::Dormant, .. } => Some(Canceled),
            _ => dormant_items(input, Paused),
        },
        Paused => match input {
            Action(s @ (Running | Resuming | Canceling | Canceled)) => Some(s),
            _ => None,
        },
        Resuming => match input {
            Action(s @ (Running | Canceling | Canceled)) => Some(s),
            _ => None,
        },
        Retrying => match input {
            Action(s @ (Running | Canceling | Canceled)) => Some(s),
            Workflow { status: Canceling | Canceled, items: None } => Some(Canceled),
            _ => None,
        },
        Canceling => canceling(input),
        Canceled | Timeout | Abandoned | TimedOut => None,
        Succeeded | Failed => (input == Req(Request::Retry)).then_some(Retrying),
    }
}

/// A running task: its own reports, its items' reports, and workflow requests that reach a
/// with-items task with items still to run.
fn running(input: TaskInput) -> Option<Status> {
    use Activity::{Active, Dormant};
    use ItemsTail::Incomplete;
    use Status::*;
    use TaskInput::{Action, Item, Workflow};
    match input {
        Action(s @ (Running | Pending | Pausing | Paused | Canceling | Canceled | Succeeded)) => Some(s),
        Action(Failed | Timeout | Abandoned) => Some(Failed),
        Item { status: Pending | Paused, activity: Active, tail: Incomplete } => Some(Pausing),
        Item { status: Canceled, activity: Active, tail: Incomplete } => Some(Canceling),
        Item { status: Succeeded, activity: Active, tail: Incomplete } => Some(Running),
        Item { status: Canceled, activity: Dormant, .. } => Some(Canceled),
        Workflow { status, items: Some((activity, Incomplete)) } => match (status, activity) {
            (Pausing | Paused, Active) => Some(Pausing),
            (Pausing | Paused, Dormant) => Some(Paused),
            (Canceling | Canceled, Active) => Some(Canceling),
            (Canceling | Canceled, Dormant) => Some(Canceled),
            _ => None,
        },
        _ => dormant_items(input, Running),
    }
}

/// Outcomes of an item's report once no item is active. `succeeded_incomplete` is what a
/// success leaves when other items have not run.
fn dormant_items(input: TaskInput, succeeded_incomplete: Status) -> Option<Status> {
    use Status::*;
    let TaskInput::Item { status, activity: Activity::Dormant, tail } = input else { return None };
    Some(match (status, tail) {
        (Pending | Paused | Succeeded, ItemsTail::Canceled) => Canceled,
        (Pending | Paused | Succeeded, ItemsTail::Failed) => Failed,
        (Pending | Paused, _) => Paused,
        (Failed | Timeout | Abandoned, ItemsTail::Canceled) | (Canceled, _) => Canceled,
        (Failed | Timeout | Abandoned, _) => Failed,
        (Succeeded, ItemsTail::Paused) => Paused,
        (Succeeded, ItemsTail::Incomplete) => succeeded_incomplete,
        (Succeeded, ItemsTail::Completed) => Succeeded,
        _ => return None,
    })
}

/// A canceling task ends on its own and its items' reports, not on workflow requests.
fn canceling(input: TaskInput) -> Option<Status> {
    use Status::*;
    use TaskInput::{Action, Item};
    match input {
        Action(Paused | Canceled) => Some(Canceled),
        Action(Failed | Timeout | Abandoned) => Some(Failed),
        Item { status: Succeeded, activity: Activity::Dormant, tail: ItemsTail::Completed } => {
            Some(Succeeded)
        }
        // An item's report, not a workflow request: Orquesta's table has no workflow event
        // for a canceling task, so a pause or a second cancel leaves it canceling while a
        // held item is still out.
        Item { activity: Activity::Dormant, .. } => Some(Canceled),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canceling_task_ends_on_its_items_reports_not_on_workflow_requests() {
        use Status::{Canceled, Canceling, Paused, Pausing, Pending, Succeeded};
        for status in [Canceled, Paused, Succeeded, Pending] {
            let input = TaskInput::item(status, Activity::Dormant, ItemsTail::Incomplete);
            assert_eq!(task_transition(Canceling, input), Some(Canceled), "{input:?}");
        }
        for status in [Canceling, Canceled, Pausing, Paused] {
            for activity in [Activity::Dormant, Activity::Active] {
                let input = TaskInput::Workflow { status, items: Some((activity, ItemsTail::Incomplete)) };
                assert_eq!(task_transition(Canceling, input), None, "{input:?}");
            }
        }
    }
}
