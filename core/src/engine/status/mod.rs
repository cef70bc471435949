//! Task and workflow statuses, and the state machines that move them.
//!
//! The transition tables are Orquesta's, entry for entry: Orquesta names an event with a
//! string such as `action_succeeded_task_dormant_items_completed` whose parts carry the facts a
//! transition depends on, and a status moves only where the table has an entry for the event.
//! Keeping the table's shape (rather than re-deriving it) is what makes pause, cancel and
//! with-items behave exactly as in Orquesta. The machines read those parts as typed fields
//! ([`TaskInput`], [`WorkflowInput`]): every report sends one event to each machine, and
//! picking literal names and comparing them cost 130-220 instructions per action (3% of a
//! chain's, 7% of a concurrency-limited with-items'). `table.rs` keeps
//! Orquesta's string tables as the reference and checks both machines against them on every
//! status and every input.

mod input;
#[cfg(test)]
mod table;
mod task;
mod workflow;

pub(crate) use input::{
    Activity, ItemsTail, Request, RequestTail, TaskBase, TaskInput, WorkflowInput, WorkflowTail,
};
pub(crate) use task::task_transition;
pub(crate) use workflow::workflow_transition;

use serde::{Deserialize, Serialize};

/// The status of a task execution or of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing has happened yet.
    #[serde(rename = "null")]
    Unset,
    /// Requested.
    Requested,
    /// Scheduled.
    Scheduled,
    /// Delayed.
    Delayed,
    /// Running.
    Running,
    /// Held waiting for an answer (an approval).
    Pending,
    /// Pause requested; waiting for active work to finish.
    Pausing,
    /// Paused.
    Paused,
    /// Resume requested.
    Resuming,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure.
    Failed,
    /// Timed out.
    Timeout,
    /// Abandoned by its runner.
    Abandoned,
    /// Waiting to run again.
    Retrying,
    /// Cancel requested; waiting for active work to finish.
    Canceling,
    /// Canceled.
    Canceled,
    /// Stopped by the engine when the task's `timeout` passed (Ostinato extension; a runner's
    /// own `timeout` report is Orquesta's and fails the task).
    #[serde(rename = "timed_out")]
    TimedOut,
}

impl Status {
    /// Every status, in declaration order (`status as usize` indexes it).
    pub(crate) const ALL: [Status; 17] = {
        use Status::*;
        [
            Unset, Requested, Scheduled, Delayed, Running, Pending, Pausing, Paused, Resuming, Succeeded,
            Failed, Timeout, Abandoned, Retrying, Canceling, Canceled, TimedOut,
        ]
    };

    /// The name Orquesta uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unset => "null",
            Status::Requested => "requested",
            Status::Scheduled => "scheduled",
            Status::Delayed => "delayed",
            Status::Running => "running",
            Status::Pending => "pending",
            Status::Pausing => "pausing",
            Status::Paused => "paused",
            Status::Resuming => "resuming",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Abandoned => "abandoned",
            Status::Retrying => "retrying",
            Status::Canceling => "canceling",
            Status::Canceled => "canceled",
            Status::TimedOut => "timed_out",
        }
    }

    /// Doing work now (`requested` through `running`, `resuming`, `pausing`, `canceling`).
    #[must_use]
    pub fn is_active(self) -> bool {
        use Status::*;
        matches!(self, Requested | Scheduled | Delayed | Running | Resuming | Pausing | Canceling)
    }

    /// A workflow in one of these statuses may start new work.
    #[must_use]
    pub fn is_running(self) -> bool {
        use Status::*;
        matches!(self, Requested | Scheduled | Delayed | Running | Resuming | Retrying)
    }

    /// Finished: `succeeded`, `failed`, `timeout`, `abandoned`, `canceled`.
    #[must_use]
    pub fn is_completed(self) -> bool {
        use Status::*;
        matches!(self, Succeeded | Failed | Timeout | Abandoned | Canceled | TimedOut)
    }

    /// Finished badly: `failed`, `timeout`, `abandoned`.
    #[must_use]
    pub fn is_abended(self) -> bool {
        matches!(self, Status::Failed | Status::Timeout | Status::Abandoned | Status::TimedOut)
    }

    /// A first status of an execution (a new pass through a task starts with one of these).
    #[must_use]
    pub(crate) fn is_starting(self) -> bool {
        use Status::*;
        matches!(self, Requested | Scheduled | Delayed | Running | Pending)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
