//! Cycle protection: the per-task iteration limit and the workflow's maximum duration.
//!
//! A breach fails the workflow with an error that names the task, the limit, the count and the
//! transition the task was reached through, and asks the runtime to cancel every execution
//! still running (`Command::CancelRuns`): a runaway loop stops at once instead of draining.

use super::Command;
use super::flow::{name_of, request_status};
use super::state::{ErrorEntry, Node, State};
use super::status::Status;
use crate::graph::{TaskId, Workflow};

/// Whether an error entry is a cycle-protection breach (the iteration or duration limit).
/// Both messages end their limit's name in parentheses, written from these constants.
pub(crate) fn is_limit_breach(message: &str) -> bool {
    message.contains(ITERATION_LIMIT) || message.contains(DURATION_LIMIT)
}

const ITERATION_LIMIT: &str = "(max_task_iterations)";
const DURATION_LIMIT: &str = "(max_duration)";

/// Fail the workflow and cancel what still runs.
fn breach(wf: &Workflow, state: &mut State, entry: ErrorEntry) -> Vec<Command> {
    state.log_error(entry);
    request_status(wf, state, Status::Failed);
    super::flow::render_output(wf, state);
    let runs: Vec<u64> = state.runs.iter().map(|(id, _)| id).collect();
    if runs.is_empty() { Vec::new() } else { vec![Command::CancelRuns { runs }] }
}

/// The duration limit, checked against an event's time.
pub(crate) fn check_duration(wf: &Workflow, state: &mut State, at: u64) -> Vec<Command> {
    let Some(deadline) = state.duration_deadline() else { return Vec::new() };
    if at < deadline {
        return Vec::new();
    }
    let limit = state.limits.max_duration_ms.unwrap_or_default();
    let message = format!(
        "The workflow ran for {} s, past its limit of {} s {DURATION_LIMIT}; it was stopped.",
        at.saturating_sub(state.started_at) / 1000,
        limit / 1000
    );
    breach(wf, state, ErrorEntry { message, task: None, route: None, transition: None, result: None })
}

/// Where an instance stands against its iteration limit when it would break it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Over {
    /// Passes already made.
    passes: usize,
    /// The limit in force for the task.
    limit: u64,
}

/// The pass a run of task `id` on `route` belongs to: the current one while its record is
/// still open for it (a with-items task running its items, a join started again, a retry),
/// else the next one, unless that would break the iteration limit. `Ok(None)` while an
/// execution of a plain task instance is still out: the instance waits for it to finish.
///
/// A task instance is one (task, route), with one record at a time, and a report names its
/// run, not which arrival the run came from. A second execution offered beside the first
/// took the first's record; the first's completion then took the instance staged for the
/// next arrival, and a workflow looping on that task stopped with nothing left to run.
///
/// A with-items task reached while its items are out is staged a second time
/// (see `transitions::items_out`): that instance, `staged` not being the first, waits too.
pub(crate) fn next_pass(
    wf: &Workflow,
    state: &State,
    id: TaskId,
    route: u32,
    staged: usize,
) -> Result<Option<usize>, Over> {
    let node = Node::Task(id);
    let shape = wf.shape(id).unwrap_or_default();
    if shape.items && state.staged.find(node, route) != Some(staged) {
        return Ok(None);
    }
    let passes = state.passes.get(node, route).copied().unwrap_or(0);
    if state.record(node, route).is_some_and(|r| !r.status.is_completed()) {
        // Only here, on a record still open, are the runs out looked through: rarely.
        let waits = !shape.items && !shape.join && runs_out(state, id, route);
        return Ok((!waits).then_some(passes));
    }
    let limit = wf.max_iterations(id).unwrap_or(state.limits.max_task_iterations);
    if (passes as u64) < limit { Ok(Some(passes + 1)) } else { Err(Over { passes, limit }) }
}

/// Whether an execution of task `id` on `route` is still out (offered, running or held).
pub(crate) fn runs_out(state: &State, id: TaskId, route: u32) -> bool {
    state.runs.iter().any(|(_, r)| r.task == id && r.route == route)
}

/// Fail the workflow because the staged instance `staged` would break its iteration limit;
/// returns the commands to send.
pub(crate) fn iteration_breach(wf: &Workflow, state: &mut State, staged: usize, over: Over) -> Vec<Command> {
    let Over { passes, limit } = over;
    let Some((node, route, from)) = state
        .staged
        .get(staged)
        .map(|s| (s.node, s.route, s.prev.keys().map(str::to_owned).collect::<Vec<String>>()))
    else {
        return Vec::new();
    };
    let name = name_of(wf, node);
    let message = format!(
        "Task \"{name}\" reached its iteration limit: it ran {passes} times on route {route} and the limit is {limit} {ITERATION_LIMIT}; the next pass came from {}.",
        if from.is_empty() {
            "the workflow's start".to_owned()
        } else {
            format!("transition {}", from.join(", "))
        }
    );
    let entry = ErrorEntry {
        message,
        task: Some(name),
        route: Some(route),
        transition: from.first().cloned(),
        result: None,
    };
    breach(wf, state, entry)
}

/// Executions whose task `timeout` has passed end `timed_out`: the task fails unless a
/// transition handles it (`timed_out()`), and the runtime is asked to stop the execution.
pub(crate) fn check_timeouts(wf: &Workflow, state: &mut State, at: u64) -> Vec<Command> {
    // Asked on every event; almost always nothing is due.
    if state.timeouts.first().is_none_or(|(d, _)| *d > at) {
        return Vec::new();
    }
    let due: Vec<(u64, u64)> =
        state.timeouts.iter().take_while(|(d, _)| *d <= at).map(|(d, id)| (*id, *d)).collect();
    let mut stopped = Vec::new();
    for (id, _) in due {
        let Some(run) = state.runs.get(id).copied() else { continue };
        let name = name_of(wf, Node::Task(run.task));
        let limit = wf.task(run.task).and_then(|t| t.timeout).unwrap_or_default();
        state.log_error(ErrorEntry {
            message: format!("Task \"{name}\" timed out: it ran past its timeout of {limit} s."),
            task: Some(name),
            route: Some(run.route),
            transition: None,
            result: None,
        });
        let result = serde_json::json!({"error": "timed out"});
        if super::report::on_status(wf, state, id, Status::TimedOut, &result, at).is_ok() {
            stopped.push(id);
        }
    }
    if stopped.is_empty() { Vec::new() } else { vec![Command::CancelRuns { runs: stopped }] }
}
