//! What the two state machines are told, as data. Orquesta names its events with strings
//! (`action_succeeded_task_dormant_items_completed`, `task_succeeded_workflow_active_incomplete`)
//! whose parts carry the facts a transition depends on; here each part is a field, so an event
//! is built without spelling a name and read without comparing strings. `table.rs` spells every
//! input back into Orquesta's name and checks both machines against Orquesta's tables.

use super::Status;

/// Whether other work is still going: the `active` / `dormant` part of an event's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Something else is still active.
    Active,
    /// Nothing else is active.
    Dormant,
}

impl Activity {
    /// `Active` when `active`.
    pub(crate) fn of(active: bool) -> Activity {
        if active { Activity::Active } else { Activity::Dormant }
    }
}

/// How a with-items task's other items stand: the `_items_<tail>` part of an item's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemsTail {
    /// Some are pending or paused.
    Paused,
    /// Some are canceled.
    Canceled,
    /// Some failed.
    Failed,
    /// Some have not completed.
    Incomplete,
    /// All have completed.
    Completed,
}

/// An engine request to a task: `task_<fail|noop|continue|retry>_requested`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Request {
    /// `fail`.
    Fail,
    /// `noop`.
    Noop,
    /// `continue` (and any other engine command on a task's path).
    Continue,
    /// A retry of a completed task.
    Retry,
}

/// What the task machine is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskInput {
    /// `action_<status>`: a report, or an item's report Orquesta names by its status alone.
    Action(Status),
    /// `action_<status>_task_<activity>_items_<tail>`: one item's report (see [`TaskInput::item`]).
    Item {
        /// The item's status.
        status: Status,
        /// Whether another item is active.
        activity: Activity,
        /// How the other items stand.
        tail: ItemsTail,
    },
    /// `workflow_<status>`: a workflow request pushed to the task, with
    /// `_task_<activity>_items_<incomplete|completed>` for a with-items task asked to pause
    /// or cancel.
    Workflow {
        /// The status requested.
        status: Status,
        /// For a with-items task: whether an item is active, and whether all have completed
        /// ([`ItemsTail::Incomplete`] or [`ItemsTail::Completed`]).
        items: Option<(Activity, ItemsTail)>,
    },
    /// `task_<request>_requested`.
    Requested(Request),
}

impl TaskInput {
    /// One item's report: qualified by the other items where Orquesta qualifies this status
    /// (a `running` report, for one, is not).
    pub(crate) fn item(status: Status, activity: Activity, tail: ItemsTail) -> TaskInput {
        if Self::names_items(status) {
            TaskInput::Item { status, activity, tail }
        } else {
            TaskInput::Action(status)
        }
    }

    /// Whether an item's report with this status says how the other items stand.
    pub(crate) fn names_items(status: Status) -> bool {
        use Status::*;
        matches!(status, Resuming | Pending | Paused | Succeeded | Failed | Timeout | Abandoned | Canceled)
    }
}

/// The status part of a task's event to the workflow: a status, or `remediated` (an abended
/// task with a transition that handles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskBase {
    /// `task_<status>`.
    Status(Status),
    /// `task_remediated`.
    Remediated,
}

impl TaskBase {
    /// Whether Orquesta's event for this base says if other tasks are active.
    pub(crate) fn takes_activity(self) -> bool {
        use Status::*;
        matches!(
            self,
            TaskBase::Remediated
                | TaskBase::Status(Pending | Paused | Succeeded | Failed | Canceled | Retrying)
        )
    }

    /// Whether Orquesta's event for this base says how the workflow stands.
    pub(crate) fn takes_tail(self) -> bool {
        matches!(self, TaskBase::Remediated | TaskBase::Status(Status::Succeeded))
    }
}

/// How the workflow stands as a task succeeds or is remediated: the event's last part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkflowTail {
    /// Tasks are still staged or have transitions to follow.
    Incomplete,
    /// Nothing is left to run.
    Completed,
    /// A task is pausing, paused or pending.
    Paused,
    /// A task is canceling or canceled.
    Canceled,
}

/// The suffix of a workflow request's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestTail {
    /// `workflow_<status>`.
    Bare,
    /// `_workflow_<activity>`: a pause or cancel, by whether a task is active.
    Activity(Activity),
    /// `_workflow_completed`: a resume of a paused workflow with nothing left to run.
    Completed,
}

/// What the workflow machine is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkflowInput {
    /// `task_<base>[_workflow_<activity>][_<tail>]`: a task's new status.
    Task {
        /// The task's status, or remediated.
        base: TaskBase,
        /// Whether other tasks are active, where the base takes it.
        activity: Option<Activity>,
        /// How the workflow stands, where the base takes it.
        tail: Option<WorkflowTail>,
    },
    /// `workflow_<status><tail>`: a request for the workflow.
    Request {
        /// The status requested.
        status: Status,
        /// What the name adds.
        tail: RequestTail,
    },
}
