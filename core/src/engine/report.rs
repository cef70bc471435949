//! Reports from the runtime: a run started, finished or was held. This is Orquesta's
//! `update_task_state`: records, with-items bookkeeping, the error log, the task state
//! machine, retries, transitions, the workflow's reaction, and engine commands.

use serde_json::Value;

use super::events::task_input;
use super::flow::{expr_message, name_of, request_status, task_event};
use super::inline_ids::InlineIds;
use super::state::{ErrorEntry, Node, Record, RetryState, State};
use super::status::{Request, Status, TaskInput, task_transition};
use super::transitions::follow;
use super::{ActionStatus, Rejected, RunId};
use crate::expr::{CurrentTask, Functions};
use crate::graph::{Count, EngineCommand, TaskId, Workflow};

/// What happened to a task instance.
#[derive(Debug, Clone)]
pub(crate) enum TaskEvent<'v> {
    /// An action (or one item's action) reported a status.
    Action { status: Status, result: &'v Value, item: Option<usize> },
    /// An engine command: `continue`, `noop`, `fail`.
    Command(EngineCommand),
    /// Run the task again.
    Retry,
}

/// A report for a run.
pub(crate) fn on_run(
    wf: &Workflow,
    state: &mut State,
    run: RunId,
    status: ActionStatus,
    result: &Value,
    at: u64,
) -> Result<(), Rejected> {
    on_status(wf, state, run, status.status(), result, at)
}

/// A report with an engine status (the engine's own `timed_out` included).
pub(crate) fn on_status(
    wf: &Workflow,
    state: &mut State,
    run: RunId,
    status: Status,
    result: &Value,
    at: u64,
) -> Result<(), Rejected> {
    let info = match state.runs.get(run) {
        Some(info) => *info,
        // Ids come from a counter: an id below it that is no longer outstanding has finished.
        None if run < state.next_run => return Err(Rejected::RunFinished { run }),
        None => return Err(Rejected::UnknownRun { run }),
    };
    let held = matches!(status, Status::Pending | Status::Paused);
    if (status.is_completed() || held) && !info.started {
        // A completion (or a hold) is proof the execution ran, even when no `running` came
        // first (a fast action, a terse runtime): the task passes through `running` instead
        // of staying unstarted with nothing left to finish it. A retried task would otherwise
        // stay `retrying` under a held run, and be offered again beside it.
        on_status(wf, state, run, Status::Running, &Value::Null, at)?;
    }
    if status.is_completed() {
        if let Some(d) = state.runs.remove(run).and_then(|r| r.deadline()) {
            state.timeouts.remove(&(d, run));
        }
    } else {
        let deadline = (status == Status::Running && !info.started)
            .then(|| timeout_of(wf, info.task).map(|ms| at.saturating_add(ms)))
            .flatten();
        if let Some(r) = state.runs.get_mut(run) {
            if deadline.is_some() {
                r.set_deadline(deadline);
            }
            r.started = true;
            // A held run waits for someone (an approval): the task's `timeout` is for running,
            // and a timeout firing under a paused task would leave that task stuck.
            if held {
                if let Some(d) = r.deadline() {
                    r.set_deadline(None);
                    state.timeouts.remove(&(d, run));
                }
            }
        }
        if let Some(d) = deadline {
            state.timeouts.insert((d, run));
        }
    }
    // Found once: the report's update reads the same instance (nothing stages in between).
    let staged = state.staged_index(Node::Task(info.task), info.route);
    if let Some(s) = staged.and_then(|i| state.staged.get_mut(i)) {
        s.set_offered(info.item(), false);
    }
    let event = TaskEvent::Action { status, result, item: info.item() };
    if let Err(message) = update_found(wf, state, Node::Task(info.task), info.route, staged, &event) {
        state.log_error(ErrorEntry {
            message,
            task: Some(name_of(wf, Node::Task(info.task))),
            route: Some(info.route),
            transition: None,
            result: None,
        });
        if !state.status().is_completed() {
            request_status(wf, state, Status::Failed);
        }
    }
    Ok(())
}

fn evaluate_int(
    wf: &Workflow,
    state: &State,
    count: &Count,
    ctxs: &[usize],
    route: u32,
    what: &str,
    task: &str,
) -> Result<i64, String> {
    match count {
        Count::Literal(n) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
        Count::Expr(t) => {
            let scope = super::flow::scope(wf, state, ctxs, route);
            let v = t.evaluate(&scope, Functions::none()).map_err(|e| expr_message(&e))?;
            v.as_i64()
                .filter(|_| !v.is_boolean())
                .ok_or_else(|| format!("ValueError: The retry {what} for task \"{task}\" is not an integer."))
        }
    }
}

/// The retry bookkeeping a new record of `node` starts with: its count and delay evaluated in
/// the execution's context.
fn retry_state(
    wf: &Workflow,
    state: &State,
    node: Node,
    route: u32,
    ctxs: &[usize],
) -> Result<Option<RetryState>, String> {
    let Node::Task(id) = node else { return Ok(None) };
    if !wf.shape(id).is_some_and(|s| s.retry) {
        return Ok(None);
    }
    let Some(r) = wf.task(id).and_then(|t| t.retry.as_ref()) else { return Ok(None) };
    let name = name_of(wf, node);
    let delay = match &r.delay {
        Some(d) => evaluate_int(wf, state, d, ctxs, route, "delay", &name)?,
        None => 0,
    };
    let count = evaluate_int(wf, state, &r.count, ctxs, route, "count", &name)?;
    Ok(Some(RetryState { count, delay, tally: 0 }))
}

/// Append a record for a new execution of a task instance.
pub(crate) fn add_record(
    wf: &Workflow,
    state: &mut State,
    node: Node,
    route: u32,
    ctxs: InlineIds,
    prev: super::edgemap::EdgeMap<usize>,
) -> Result<usize, String> {
    let retry = retry_state(wf, state, node, route, &ctxs)?;
    Ok(push_record(wf, state, Record::fresh(node, route, ctxs, prev, retry)))
}

/// Make a new record the latest of its task instance.
fn push_record(wf: &Workflow, state: &mut State, record: Record) -> usize {
    let (node, route) = (record.node, record.route);
    let idx = state.sequence.push(record);
    // The record it supersedes is no longer needed, unless the output is built from it. Its
    // outcome map's room goes to the new record: a loop's task writes the same edges every
    // pass, and a fresh map allocated for its second edge each time.
    if let Some(old) = state.set_latest(wf, (node, route), idx) {
        let recycled = match state.sequence.get_mut(old) {
            Some(r) if !r.term => Some(std::mem::take(&mut r.next)),
            _ => None,
        };
        if let Some(mut next) = recycled {
            state.sequence.discard(old);
            next.clear();
            if let Some(r) = state.sequence.get_mut(idx) {
                r.next = next;
            }
        }
    }
    *state.passes.entry(node, route) += 1;
    idx
}

fn event_status(event: &TaskEvent<'_>) -> Option<Status> {
    match event {
        TaskEvent::Action { status, .. } => Some(*status),
        TaskEvent::Command(EngineCommand::Fail) => Some(Status::Failed),
        TaskEvent::Command(_) => Some(Status::Succeeded),
        TaskEvent::Retry => Some(Status::Retrying),
    }
}

/// Orquesta's `update_task_state`. An `Err` aborts the report (bad retry count or delay, or
/// a retry condition that fails): the caller logs it and fails the workflow.
pub(crate) fn update(
    wf: &Workflow,
    state: &mut State,
    node: Node,
    route: u32,
    event: &TaskEvent<'_>,
) -> Result<(), String> {
    update_found(wf, state, node, route, state.staged_index(node, route), event)
}

/// [`update`] with the instance's staged entry already found (`staged` is what
/// `state.staged_index(node, route)` returns now).
fn update_found(
    wf: &Workflow,
    state: &mut State,
    node: Node,
    route: u32,
    staged: Option<usize>,
    event: &TaskEvent<'_>,
) -> Result<(), String> {
    let status = event_status(event);
    let idx = record_for(wf, state, node, route, staged, status)?;
    let has_items_entry = staged.and_then(|i| state.staged.get(i)).is_some_and(|s| s.items().is_some());
    if let (Some(i), Some(_), false) = (staged, status, has_items_entry) {
        state.remove_staged_at(i);
    }
    if let TaskEvent::Action { status, result, item: Some(item) } = event {
        if let Some(s) = state.staged_mut(node, route) {
            if let Some(w) = s.with.as_deref_mut() {
                if let Some(items) = w.statuses.as_mut() {
                    items.set(*item, *status);
                }
                if *status != Status::Running {
                    w.results.set(*item, result);
                }
            }
        }
    }
    if status == Some(Status::Failed) {
        let result = match event {
            TaskEvent::Action { result, .. } => Some((*result).clone()),
            _ => None,
        };
        state.log_error(ErrorEntry {
            message: "Execution failed. See result for details.".into(),
            task: Some(name_of(wf, node)),
            route: None,
            transition: None,
            result: result.filter(|r| !r.is_null()),
        });
    }
    let input = task_input(state, node, route, event);
    let old = state.sequence.get(idx).map_or(Status::Unset, |r| r.status);
    let new = task_transition(old, input).unwrap_or(old);
    state.set_record_status(idx, new);
    // Staged once, on entering `retrying`: a report that leaves the task there does not
    // stage it again.
    if new == Status::Retrying && old != Status::Retrying {
        retry_stage(state, node, route, idx);
    }
    let mut result_value = Value::Null;
    if new.is_completed() {
        result_value = finish_staged(wf, state, node, route, new, event);
        if state.status().is_active() && should_retry(wf, state, node, route, idx, &result_value)? {
            return update(wf, state, node, route, &TaskEvent::Retry);
        }
    }
    let mut commands = Vec::new();
    if new.is_completed() && new != old {
        if let Node::Task(id) = node {
            commands = follow(wf, state, idx, id, route, &result_value);
        }
    }
    task_event(wf, state, node, route, new);
    for (cmd_node, cmd_route) in commands {
        if let Node::Command(c) = cmd_node {
            update(wf, state, cmd_node, cmd_route, &TaskEvent::Command(c))?;
        }
    }
    if state.status().is_completed() {
        if let Some(r) = state.sequence.get_mut(idx) {
            r.term = true;
        }
    }
    Ok(())
}

/// The record this event updates: the latest one, or a new one when the instance has none
/// yet, is an engine command, or starts again after completing. The staged instance's
/// context and inbound records are copied only when a record is added.
fn record_for(
    wf: &Workflow,
    state: &mut State,
    node: Node,
    route: u32,
    staged: Option<usize>,
    status: Option<Status>,
) -> Result<usize, String> {
    let latest = state.record_index(node, route);
    if staged.is_none() && latest.is_none() {
        return Err(format!("InvalidTaskStateEntry: {}", name_of(wf, node)));
    }
    let fresh = latest.is_none() || matches!(node, Node::Command(_));
    let completed = latest.and_then(|i| state.sequence.get(i)).is_some_and(|r| r.status.is_completed());
    let restarts = completed && status.is_some_and(Status::is_starting) && staged.is_some();
    match latest {
        Some(idx) if !fresh && !restarts => Ok(idx),
        _ => {
            // The instance is unstaged right after this (unless it runs items), so its
            // context and inbound records move into the record rather than being copied.
            let moving = status.is_some()
                && staged.and_then(|i| state.staged.get(i)).is_some_and(|s| s.items().is_none());
            let (ctxs, prev) = match staged.and_then(|i| state.staged.get_mut(i)) {
                Some(s) if moving => (std::mem::take(&mut s.ctxs), std::mem::take(&mut s.prev)),
                Some(s) => (s.ctxs.clone(), s.prev.clone()),
                None => (InlineIds::default(), Default::default()),
            };
            match retry_state(wf, state, node, route, &ctxs) {
                Ok(retry) => Ok(push_record(wf, state, Record::fresh(node, route, ctxs, prev, retry))),
                Err(message) => {
                    // The report is refused: the instance stays staged as it was.
                    if let Some(s) = staged.and_then(|i| state.staged.get_mut(i)).filter(|_| moving) {
                        (s.ctxs, s.prev) = (ctxs, prev);
                    }
                    Err(message)
                }
            }
        }
    }
}

fn retry_stage(state: &mut State, node: Node, route: u32, idx: usize) {
    let Some(record) = state.sequence.get_mut(idx) else { return };
    let delay = record.retry.as_mut().map(|r| {
        r.tally += 1;
        r.delay
    });
    let (ctxs, prev) = (record.ctxs.clone(), record.prev.clone());
    state.remove_staged(node, route);
    let mut s = super::flow::new_staged(node, route, ctxs, prev, true);
    s.retry_delay = Some(delay.unwrap_or(0));
    state.staged.push(s);
}

/// Unstage a completed task (keeping a failed with-items task for a rerun) and return its
/// result: the action's, or the with-items list.
fn finish_staged(
    wf: &Workflow,
    state: &mut State,
    node: Node,
    route: u32,
    new: Status,
    event: &TaskEvent<'_>,
) -> Value {
    let shape = match node {
        Node::Task(t) => wf.shape(t),
        Node::Command(_) => None,
    };
    let has_items = shape.is_some_and(|s| s.items);
    // Nothing reads the result (see `Shape::reads_result`): it stays null, unbuilt.
    let wanted = shape.is_some_and(|s| s.reads_result);
    // An arrival that waited for the items (`transitions::items_out`) supersedes a failed
    // instance kept for a rerun: it is the task's next pass, as it would have been had it
    // come now, and with the kept one in front of it it would wait for ever.
    let keep = has_items && new.is_abended() && !state.staged.several(node, route);
    // A failed with-items task stays staged for a rerun and keeps its results, and so does
    // one whose other items still run; otherwise the instance is dropped here, and its
    // results move into the task's result.
    let stays = |s: &super::staged::Staged| keep || s.items_running();
    // Looked up only when wanted: most completions read no result, and this lookup was one
    // of the several a report makes for the same instance.
    let accumulated =
        if wanted { state.staged_mut(node, route) } else { None }.and_then(|s| match stays(s) {
            true => Some(s.results().to_values()),
            false => s.with.as_mut().map(|w| std::mem::take(&mut w.results).into_values()),
        });
    if keep {
        if let Some(s) = state.staged_mut(node, route) {
            s.completed = true;
        }
    } else {
        state.remove_staged(node, route);
    }
    match event {
        _ if !wanted => Value::Null,
        TaskEvent::Action { item: Some(_), .. } => Value::Array(accumulated.unwrap_or_default()),
        TaskEvent::Action { result, .. } if has_items => match result {
            Value::Null => Value::Array(Vec::new()),
            other => (*other).clone(),
        },
        TaskEvent::Action { result, .. } => (*result).clone(),
        _ => Value::Null,
    }
}

fn should_retry(
    wf: &Workflow,
    state: &State,
    node: Node,
    route: u32,
    idx: usize,
    result: &Value,
) -> Result<bool, String> {
    let Some(record) = state.sequence.get(idx) else { return Ok(false) };
    let Some(retry) = &record.retry else { return Ok(false) };
    // Only a status the task state machine can retry from (succeeded, failed): a canceled
    // task would ignore the retry, stay completed, and be asked again without end.
    if retry.tally >= retry.count
        || task_transition(record.status, TaskInput::Requested(Request::Retry)).is_none()
    {
        return Ok(false);
    }
    let id: TaskId = match node {
        Node::Task(id) => id,
        Node::Command(_) => return Ok(false),
    };
    let when = wf.task(id).and_then(|t| t.retry.as_ref()).and_then(|r| r.when.as_ref());
    let Some(when) = when else { return Ok(record.status.is_abended()) };
    let mut scope = super::flow::scope(wf, state, &record.ctxs, route);
    scope.task = Some(CurrentTask { status: record.status.as_str(), result });
    let v = when.evaluate(&scope, Functions::none()).map_err(|e| expr_message(&e))?;
    Ok(crate::expr::truthy(&v))
}

/// The task's `timeout` in milliseconds.
fn timeout_of(wf: &Workflow, task: TaskId) -> Option<u64> {
    wf.shape(task)?.timeout_ms
}
