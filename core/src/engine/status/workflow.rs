//! Orquesta's workflow state machine, over typed inputs. Entry for entry the table Orquesta
//! writes with event names (transcribed in `table.rs`, which checks the two agree on every
//! status and every input).

use super::Status;
use super::input::{Activity, RequestTail, TaskBase, WorkflowInput, WorkflowTail};

/// The status `input` moves a workflow in status `current` to, if any.
pub(crate) fn workflow_transition(current: Status, input: WorkflowInput) -> Option<Status> {
    match input {
        WorkflowInput::Task { base, activity, tail } => on_task(current, (base, activity, tail)),
        WorkflowInput::Request { status, tail } => on_request(current, status, tail),
    }
}

/// A task's event: its base, whether other tasks are active, how the workflow stands.
type TaskEvent = (TaskBase, Option<Activity>, Option<WorkflowTail>);

fn on_task(current: Status, event: TaskEvent) -> Option<Status> {
    use Status::*;
    match (current, event) {
        (Running, _) => running_task(event),
        (Pausing, _) => pausing_task(event),
        (Paused, (TaskBase::Status(Running | Resuming), None, None)) => Some(Running),
        (Resuming, _) => resuming_task(event),
        (Canceling, (_, Some(Activity::Active), _)) => Some(Canceling),
        (Canceling, (_, Some(Activity::Dormant), _)) => Some(Canceled),
        _ => None,
    }
}

fn on_request(current: Status, status: Status, tail: RequestTail) -> Option<Status> {
    use RequestTail::{Bare, Completed};
    use Status::*;
    const DORMANT: RequestTail = RequestTail::Activity(Activity::Dormant);
    match current {
        Unset => (matches!(status, Requested | Scheduled | Delayed | Running | Failed) && tail == Bare)
            .then_some(status),
        Requested | Scheduled | Delayed => match (status, tail) {
            (Scheduled | Delayed, Bare) => (status != current).then_some(status),
            (Running | Failed, Bare) => Some(status),
            (Pausing | Paused, DORMANT) => Some(Paused),
            (Canceling | Canceled, DORMANT) => Some(Canceled),
            _ => None,
        },
        Running | Pausing | Resuming => {
            pause_cancel_or_fail(status, tail).or(match (current, status, tail) {
                (Running, Succeeded, Bare)
                | (Pausing, Running | Resuming, Bare)
                | (Resuming, Running, Bare) => Some(status),
                _ => None,
            })
        }
        Paused => match (status, tail) {
            (Running | Resuming | Failed, Bare) => Some(status),
            (Running | Resuming, Completed) => Some(Succeeded),
            (Canceling | Canceled, DORMANT) => Some(Canceled),
            _ => None,
        },
        Canceling => match (status, tail) {
            (Canceling | Canceled, RequestTail::Activity(a)) => Some(by_activity(a, Canceling, Canceled)),
            (Failed, Bare) => Some(Failed),
            _ => None,
        },
        Succeeded => (status == Failed && tail == Bare).then_some(Failed),
        Canceled | Failed | Timeout | Abandoned | Pending | Retrying | TimedOut => None,
    }
}

/// A pause or a cancel by whether a task is active, or a request to fail: what a running,
/// pausing or resuming workflow accepts from every other request.
fn pause_cancel_or_fail(status: Status, tail: RequestTail) -> Option<Status> {
    use Status::*;
    match (status, tail) {
        (Pausing | Paused, RequestTail::Activity(a)) => Some(by_activity(a, Pausing, Paused)),
        (Canceling | Canceled, RequestTail::Activity(a)) => Some(by_activity(a, Canceling, Canceled)),
        (Failed, RequestTail::Bare) => Some(Failed),
        _ => None,
    }
}

fn by_activity(a: Activity, active: Status, dormant: Status) -> Status {
    if a == Activity::Active { active } else { dormant }
}

/// A task's event while the workflow runs.
fn running_task(event: TaskEvent) -> Option<Status> {
    use Activity::{Active, Dormant};
    use Status::*;
    use TaskBase::Status as S;
    match event {
        (S(Pending), Some(Active), None) => Some(Pausing),
        (S(Pending | Paused), Some(Dormant), None) => Some(Paused),
        (S(Pausing), None, None) | (S(Paused), Some(Active), None) => Some(Running),
        (S(Failed), Some(_), None) => Some(Failed),
        (S(Canceling), None, None) | (S(Canceled), Some(Active), None) => Some(Canceling),
        (S(Canceled), Some(Dormant), None) => Some(Canceled),
        _ => succeeded_like(
            event,
            [Running, Running, Pausing, Canceling],
            [Running, Succeeded, Paused, Canceled],
        ),
    }
}

/// A task's event while the workflow pauses: nothing it says makes the workflow run on.
fn pausing_task(event: TaskEvent) -> Option<Status> {
    use Activity::{Active, Dormant};
    use Status::*;
    use TaskBase::Status as S;
    match event {
        (S(Pending | Paused | Retrying), Some(Active), None) => Some(Pausing),
        (S(Pending | Paused | Retrying), Some(Dormant), None) => Some(Paused),
        (S(Failed), Some(_), None) => Some(Failed),
        (S(Canceling), None, None) | (S(Canceled), Some(Active), None) => Some(Canceling),
        (S(Canceled), Some(Dormant), None) => Some(Canceled),
        (S(Succeeded), ..) => succeeded_like(event, [Pausing; 4], [Paused, Paused, Paused, Canceled]),
        _ => {
            succeeded_like(event, [Pausing, Pausing, Pausing, Canceling], [Paused, Paused, Paused, Canceled])
        }
    }
}

/// A task's event while the workflow resumes.
fn resuming_task(event: TaskEvent) -> Option<Status> {
    use Activity::{Active, Dormant};
    use Status::*;
    use TaskBase::Status as S;
    match event {
        (S(Running), None, None) => Some(Running),
        (S(Pending), Some(Active), None) => Some(Pausing),
        (S(Pending), Some(Dormant), None) => Some(Paused),
        (S(Failed), Some(_), None) => Some(Failed),
        (S(Canceling), None, None) | (S(Canceled), Some(Active), None) => Some(Canceling),
        (S(Canceled), Some(Dormant), None) => Some(Canceled),
        (_, Some(Active), Some(WorkflowTail::Incomplete | WorkflowTail::Completed)) => Some(Running),
        (_, Some(Active), Some(_)) => None,
        _ => succeeded_like(event, [Running; 4], [Running, Succeeded, Paused, Canceled]),
    }
}

/// A success or a remediation, by whether other tasks are active (`active`, `dormant`) and
/// how the workflow stands: each array lists the results for incomplete, completed, paused
/// and canceled, in that order.
fn succeeded_like(event: TaskEvent, active: [Status; 4], dormant: [Status; 4]) -> Option<Status> {
    let (TaskBase::Status(Status::Succeeded) | TaskBase::Remediated, Some(activity), Some(tail)) = event
    else {
        return None;
    };
    let which = if activity == Activity::Active { active } else { dormant };
    let [incomplete, completed, paused, canceled] = which;
    Some(match tail {
        WorkflowTail::Incomplete => incomplete,
        WorkflowTail::Completed => completed,
        WorkflowTail::Paused => paused,
        WorkflowTail::Canceled => canceled,
    })
}
