//! The sans-IO engine: [`step`] takes the state and one event, and returns the commands the
//! runtime must carry out.
//!
//! # The driver loop
//!
//! 1. [`State::start`] the workflow with its input (events may not precede it).
//! 2. Send [`EventKind::Dispatch`]: the engine renders every task instance that is ready and
//!    answers with a [`Command::StartRun`] per action execution (one per item for with-items).
//! 3. For each run, report [`EventKind::Run`] with `running`, then with its outcome.
//! 4. Requests ([`EventKind::Pause`], `Resume`, `Cancel`, `Rerun`) may arrive at any point.
//! 5. After a batch of reports, dispatch again. The workflow has ended when
//!    [`State::status`] is completed and no run is outstanding; [`Command::Finished`] says so,
//!    once, and nothing starts after it. (The status can be completed earlier, while runs
//!    already in flight finish.)
//!
//! Dispatch is a separate event, not a side effect of every report, because Orquesta renders
//! the next tasks once per batch: a join that becomes ready mid-batch sees every arrival of the
//! batch, a pause requested between batches starts nothing, and a rendering failure offers
//! nothing at all. A runtime that handles one event at a time dispatches after each.
//!
//! Every event is either accepted, or rejected with a [`Rejected`] that says what was expected;
//! a rejected event leaves the state exactly as it was.

mod arena;
mod counts;
mod dispatch;
mod edgemap;
mod events;
mod flow;
mod inbound;
mod inline_ids;
mod items;
mod itemset;
mod layer;
mod limits;
mod name;
mod nodemap;
mod placed;
mod render;
mod report;
mod results;
mod scope;
mod staged;
mod state;
mod status;
mod tally;
mod transitions;

pub(crate) use limits::is_limit_breach;
pub(crate) use placed::EdgeNames;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use name::Name;
pub use state::{ErrorEntry, Node, STATE_FORMAT, State};
pub use status::Status;

use crate::graph::Workflow;

/// Milliseconds since an epoch of the runtime's choosing; the engine only compares them.
pub type Timestamp = u64;

/// Cycle protection, set per run by the application. A definition may override both with the
/// Ostinato `limits` extension (`limits: {max_task_iterations: N, max_duration: S}` at the
/// top, `limits: {max_iterations: N}` on a task).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most executions of one task on one route (a loop's iterations). Default 100,000.
    pub max_task_iterations: u64,
    /// Most milliseconds the workflow may run, from its start. Default: unlimited.
    pub max_duration_ms: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_task_iterations: 100_000, max_duration_ms: None }
    }
}

/// The identifier of one action execution, from a counter in the state.
pub type RunId = u64;

/// What an action execution reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    /// It started.
    Running,
    /// It finished successfully.
    Succeeded,
    /// It failed.
    Failed,
    /// It ran out of time.
    Timeout,
    /// Its runner gave up on it.
    Abandoned,
    /// It was canceled.
    Canceled,
    /// It waits for an answer (an approval); the workflow pauses.
    Pending,
    /// It paused (a sub-workflow).
    Paused,
}

impl ActionStatus {
    pub(crate) fn status(self) -> Status {
        match self {
            ActionStatus::Running => Status::Running,
            ActionStatus::Succeeded => Status::Succeeded,
            ActionStatus::Failed => Status::Failed,
            ActionStatus::Timeout => Status::Timeout,
            ActionStatus::Abandoned => Status::Abandoned,
            ActionStatus::Canceled => Status::Canceled,
            ActionStatus::Pending => Status::Pending,
            ActionStatus::Paused => Status::Paused,
        }
    }
}

/// An event: a fact, with the time it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event at a time.
    #[must_use]
    pub fn new(at: Timestamp, kind: EventKind) -> Self {
        Event { at, kind }
    }
}

/// The kinds of event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The runtime asks for the executions that are ready.
    Dispatch,
    /// An execution reported a status (with its result).
    Run {
        /// Which execution.
        run: RunId,
        /// What it reported.
        status: ActionStatus,
        /// Its result (`null` when it has none).
        #[serde(default)]
        result: Value,
    },
    /// Pause the workflow: no new executions; paused once active ones finish.
    Pause,
    /// Resume a paused workflow.
    Resume,
    /// Cancel the workflow: no new executions; canceled once active ones finish.
    Cancel,
    /// Run a completed workflow again from failed (or named) tasks.
    Rerun {
        /// Tasks to re-run; empty means every failed task that ended the workflow.
        #[serde(default)]
        tasks: Vec<String>,
        /// With-items tasks whose items all run again (otherwise only failed items).
        #[serde(default)]
        reset_items: Vec<String>,
    },
}

/// An action execution the runtime must start. It is kept small (104 bytes, a test pins
/// it): a dispatch writes one per execution and the runtime reads each back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// Its identifier, for the reports.
    pub run: RunId,
    /// The task's name (shared with the compiled workflow: a request copies no string).
    pub task: Name,
    /// The route (0 is the main line).
    pub route: u32,
    /// With-items: the item's index.
    pub item: Option<usize>,
    /// Which pass through this task (on this route) the run belongs to, from 1: a loop's
    /// iteration count. Retries and items of one pass share it.
    pub iteration: usize,
    /// The rendered action reference; `None` for an action-less task.
    pub action: Option<Name>,
    /// The rendered input; `None` when the task declares none. Boxed because a JSON value
    /// is 72 bytes inline (an insertion-ordered map): inline, it made every request 184
    /// bytes where most of a fan-out's or a with-items batch's carry none, and a dispatch
    /// of 100,000 items spent more time having the kernel map the requests' fresh pages
    /// than rendering them. It serializes as the plain value.
    pub input: Option<Box<Value>>,
    /// Seconds to wait before starting it.
    pub delay: u64,
    /// A with-items task whose item list is empty: nothing to run, report it succeeded.
    pub empty_items: bool,
}

/// What the engine asks the runtime to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Start an action execution.
    StartRun(RunRequest),
    /// Stop these executions: the workflow broke a limit and stops at once, or a task's
    /// `timeout` passed.
    CancelRuns {
        /// The executions to stop. Report each as canceled once stopped; a run that timed out
        /// is already settled as `timed_out`, and a report for it is refused as finished.
        runs: Vec<RunId>,
    },
    /// The engine's next deadline moved: step it (a dispatch will do) at `at`, which
    /// replaces any earlier wake-up; `None` means no wake-up is needed any more. This is how
    /// the duration limit and task timeouts reach a runtime: the core never reads a clock.
    WakeAt {
        /// When, on the run's clock; `None` cancels the pending wake-up.
        at: Option<Timestamp>,
    },
    /// The workflow completed with this status and output.
    Finished {
        /// The final status.
        status: Status,
        /// The rendered output, if any.
        output: Option<Map<String, Value>>,
    },
}

/// Why an event was not accepted. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// No execution with this id was ever offered.
    #[error("no run {run} was offered; expected the id of a StartRun command")]
    UnknownRun {
        /// The id that arrived.
        run: RunId,
    },
    /// The execution already reported a final status.
    #[error("run {run} already finished; expected no further report for it")]
    RunFinished {
        /// The execution.
        run: RunId,
    },
    /// The request is not valid in the workflow's current status.
    #[error("cannot {request} a workflow that is {status}")]
    InvalidRequest {
        /// What was asked.
        request: &'static str,
        /// The workflow's status.
        status: Status,
    },
}

/// Process one event: update the state, return the commands to carry out.
///
/// # Errors
/// [`Rejected`] when the event does not fit the state; the state is then unchanged.
pub fn step(workflow: &Workflow, state: &mut State, event: &Event) -> Result<Vec<Command>, Rejected> {
    let mut commands = Vec::new();
    step_into(workflow, state, event, &mut commands)?;
    Ok(commands)
}

/// [`step`], appending the commands to `out` instead of returning a new list: a runtime that
/// keeps one buffer for all its steps allocates it once, where `step` allocates a list for
/// every step that commands anything (each pass of a loop, each link of a chain). A buffer
/// that once held a large dispatch keeps its pages; a fresh list of 100,000 requests (18 MB)
/// is a fresh block from the system, and the kernel's first touch of its pages is half that
/// dispatch's time.
///
/// # Errors
/// [`Rejected`] when the event does not fit the state; the state and `out` are then
/// unchanged.
pub fn step_into(
    workflow: &Workflow,
    state: &mut State,
    event: &Event,
    out: &mut Vec<Command>,
) -> Result<(), Rejected> {
    let start = out.len();
    let stepped = apply(workflow, state, event, out);
    if stepped.is_err() {
        out.truncate(start);
    }
    stepped
}

/// The body of [`step_into`]: the commands go after what `out` already holds.
fn apply(
    workflow: &Workflow,
    state: &mut State,
    event: &Event,
    out: &mut Vec<Command>,
) -> Result<(), Rejected> {
    // The duration limit is checked against the event's time, after the event was accepted
    // (a rejected event changes nothing) — except a dispatch, which must not start anything
    // once the time is up.
    if !state.tally.ready() {
        state.rebuild_tally(workflow);
    }
    let wake = state.deadline();
    if matches!(event.kind, EventKind::Dispatch) {
        out.extend(limits::check_duration(workflow, state, event.at));
        out.extend(limits::check_timeouts(workflow, state, event.at));
    }
    match &event.kind {
        EventKind::Dispatch => dispatch::dispatch(workflow, state, out),
        EventKind::Run { run, status, result } => {
            report::on_run(workflow, state, *run, *status, result, event.at)?;
            flow::render_output(workflow, state);
        }
        EventKind::Pause => flow::request(workflow, state, Status::Paused, "pause")?,
        EventKind::Resume => flow::request(workflow, state, Status::Resuming, "resume")?,
        EventKind::Cancel => flow::request(workflow, state, Status::Canceled, "cancel")?,
        EventKind::Rerun { tasks, reset_items } => flow::rerun(workflow, state, tasks, reset_items)?,
    }
    if !matches!(event.kind, EventKind::Dispatch) {
        // A dispatch was checked before it ran, and starting runs sets no deadline.
        out.extend(limits::check_duration(workflow, state, event.at));
        out.extend(limits::check_timeouts(workflow, state, event.at));
    }
    flow::settle_cancel(workflow, state);
    state.sweep_layers();
    if state.deadline() != wake {
        out.push(Command::WakeAt { at: state.deadline() });
    }
    // The end is announced once nothing is outstanding and nothing more will start: a failed
    // workflow still starts the tasks named beside a `fail` (Orquesta), so a report that
    // leaves such a task staged waits for the dispatch that starts it.
    let settled = state.runs.is_empty()
        && (matches!(event.kind, EventKind::Dispatch) || !dispatch::remediation_pending(state));
    if state.status().is_completed() && settled && !state.announced {
        state.announced = true;
        out.push(Command::Finished { status: state.status(), output: state.output.clone() });
    }
    Ok(())
}

impl State {
    /// Start a workflow with the default [`Limits`]: render its input and vars and stage its
    /// entry tasks.
    #[must_use]
    pub fn start(workflow: &Workflow, input: &Map<String, Value>) -> (State, Vec<Command>) {
        State::start_with(workflow, input, Limits::default(), 0)
    }

    /// Start a workflow at time `at` with the application's limits (the definition's
    /// `limits` extension overrides them).
    #[must_use]
    pub fn start_with(
        workflow: &Workflow,
        input: &Map<String, Value>,
        limits: Limits,
        at: Timestamp,
    ) -> (State, Vec<Command>) {
        State::start_given(workflow, flow::Given::Lent(input), limits, at)
    }

    /// [`State::start_with`], taking the input instead of copying it. A runtime that parsed
    /// the input for this run has no further use for it, and a large input is a large copy:
    /// a with-items list of 100,000 values is 7 MB, which `start_with` copies into the
    /// context (at items-100000 that copy was a tenth of the run).
    #[must_use]
    pub fn start_owned(
        workflow: &Workflow,
        input: Map<String, Value>,
        limits: Limits,
        at: Timestamp,
    ) -> (State, Vec<Command>) {
        State::start_given(workflow, flow::Given::Owned(input), limits, at)
    }

    /// Both starts: the limits resolved against the definition's, the state made, and the
    /// first wake-up (or, for a run that failed to start, its end) announced.
    fn start_given(
        workflow: &Workflow,
        input: flow::Given<'_>,
        limits: Limits,
        at: Timestamp,
    ) -> (State, Vec<Command>) {
        let written = workflow.graph().limits;
        let limits = Limits {
            max_task_iterations: written.max_task_iterations.unwrap_or(limits.max_task_iterations),
            max_duration_ms: written.max_duration.map(|s| s.saturating_mul(1000)).or(limits.max_duration_ms),
        };
        let mut state = flow::start(workflow, input);
        state.rebuild_tally(workflow);
        state.limits = limits;
        state.started_at = at;
        let mut commands = Vec::new();
        if let Some(at) = state.deadline() {
            commands.push(Command::WakeAt { at: Some(at) });
        }
        if state.status().is_completed() {
            state.announced = true;
            commands.push(Command::Finished { status: state.status(), output: state.output.clone() });
        }
        (state, commands)
    }

    /// When the engine must next be woken: the workflow's duration limit or the earliest task
    /// `timeout` of a running execution. A runtime sends any event (a dispatch) at that time.
    #[must_use]
    pub fn deadline(&self) -> Option<Timestamp> {
        let workflow = self.duration_deadline();
        let runs = self.timeouts.first().map(|(at, _)| *at);
        match (workflow, runs) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the workflow's own `max_duration` runs out, if it has one and is still going.
    pub(crate) fn duration_deadline(&self) -> Option<Timestamp> {
        self.limits
            .max_duration_ms
            .filter(|_| !self.status().is_completed())
            .map(|max| self.started_at.saturating_add(max))
    }

    /// The status of each task's most recent execution, by `task` (route 0) or
    /// `task__r<route>`. Engine commands are not listed.
    #[must_use]
    pub fn task_statuses(&self, workflow: &Workflow) -> std::collections::BTreeMap<String, Status> {
        self.latest
            .iter()
            .filter_map(|((node, route), i)| {
                let Node::Task(id) = node else { return None };
                let name = workflow.task(id)?.name.clone();
                let key = if route == 0 { name } else { format!("{name}__r{route}") };
                Some((key, self.sequence.get(*i)?.status))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dispatch;
#[cfg(test)]
mod tests_found;
#[cfg(test)]
mod tests_loaded;
#[cfg(test)]
mod tests_results;
#[cfg(test)]
mod tests_start;
