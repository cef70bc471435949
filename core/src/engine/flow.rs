//! The workflow level: starting, status requests (pause, resume, cancel), the workflow state
//! machine's reaction to task events, joins that can no longer be satisfied, output, rerun.

use serde_json::{Map, Value};

use super::Rejected;
use super::inline_ids::InlineIds;
use super::scope::TaskScope;
use super::staged::Staged;
use super::state::{ErrorEntry, Node, State};
use super::status::{
    Activity, ItemsTail, RequestTail, Status, TaskBase, TaskInput, WorkflowInput, WorkflowTail,
    task_transition, workflow_transition,
};
use super::transitions::{InboundStatus, has_barrier_next, has_next_tasks, inbound_status};
use crate::expr::{Functions, ValueTemplate};
use crate::graph::{TaskId, Workflow};

/// A message for an expression that failed, naming the expression.
pub(crate) fn expr_message(e: &crate::expr::TemplateError) -> String {
    format!("Unable to evaluate expression '{}'. {}", e.expression, e.error.message)
}

fn task_name(wf: &Workflow, node: Node) -> String {
    match node {
        Node::Task(id) => wf.task(id).map(|t| t.name.clone()).unwrap_or_default(),
        Node::Command(c) => c.name().to_owned(),
    }
}

pub(crate) fn name_of(wf: &Workflow, node: Node) -> String {
    task_name(wf, node)
}

/// One binding to render: its name, its template, and a value given for it (a workflow
/// input the caller passed), which is rendered instead of the template.
type Binding<'a> = (String, Option<&'a ValueTemplate>, Option<Value>);

/// Render `bindings` in order, each seeing `base` and the ones before it (inputs, vars,
/// output).
fn render_bindings(
    wf: &Workflow,
    state: &State,
    base: &Map<String, Value>,
    list: Vec<Binding<'_>>,
    context_set: bool,
) -> (Map<String, Value>, Vec<String>) {
    let mut rendered = Map::new();
    let mut errors = Vec::new();
    for (name, template, given) in list {
        let scope = ScopeOver { base, over: &rendered, wf, state, set: context_set };
        let value = match (given, template) {
            // A given value with no expression in it is its own rendering: moved, not copied.
            (Some(v), _) if crate::expr::is_literal(&v) => Ok(v),
            (Some(v), _) => ValueTemplate::compile(&v)
                .map_err(|e| e.first().map(expr_message).unwrap_or_default())
                .and_then(|t| t.evaluate(&scope, Functions::none()).map_err(|e| expr_message(&e))),
            (None, Some(t)) => t.evaluate(&scope, Functions::none()).map_err(|e| expr_message(&e)),
            (None, None) => Ok(Value::Null),
        };
        match value {
            Ok(v) => {
                rendered.insert(name, v);
            }
            Err(e) => errors.push(e),
        }
    }
    (rendered, errors)
}

/// A scope over plain mappings (inputs, vars, output rendering): what was rendered so far
/// over what it renders on, so neither is copied into the other.
struct ScopeOver<'a> {
    base: &'a Map<String, Value>,
    over: &'a Map<String, Value>,
    wf: &'a Workflow,
    state: &'a State,
    /// False for output rendering when no task execution is terminal: Orquesta then has no
    /// context at all, and every `ctx` read fails.
    set: bool,
}

impl crate::expr::Scope for ScopeOver<'_> {
    fn var(&self, name: &str) -> Option<&Value> {
        self.over.get(name).or_else(|| self.base.get(name))
    }
    fn vars(&self) -> Map<String, Value> {
        let mut all = self.base.clone();
        for (k, v) in self.over {
            all.insert(k.clone(), v.clone());
        }
        all
    }
    fn context_set(&self) -> bool {
        self.set
    }
    fn task_status(&self, name: &str) -> Option<String> {
        let id = self.wf.task_id(name)?;
        self.state.record(Node::Task(id), 0).map(|r| r.status.as_str().to_owned())
    }
}

/// The workflow's input as the caller gives it: lent (each declared value is copied) or
/// handed over (each is moved out).
pub(crate) enum Given<'a> {
    /// Borrowed from the caller.
    Lent(&'a Map<String, Value>),
    /// Owned: a with-items list of 100,000 values moves instead of being copied (7 MB).
    Owned(Map<String, Value>),
}

impl Given<'_> {
    /// The values of the declared inputs `names`, in order. A name declared twice gets the
    /// given value both times, as the borrowed form does; only its last use moves it.
    fn take(&mut self, names: &[&str]) -> Vec<Option<Value>> {
        let map = match self {
            Given::Lent(map) => return names.iter().map(|name| map.get(*name).cloned()).collect(),
            Given::Owned(map) => map,
        };
        let last: std::collections::BTreeMap<&str, usize> =
            names.iter().enumerate().map(|(i, name)| (*name, i)).collect();
        let value = |(i, name): (usize, &&str)| match last.get(*name) == Some(&i) {
            true => map.swap_remove(*name),
            false => map.get(*name).cloned(),
        };
        names.iter().enumerate().map(value).collect()
    }
}

/// Create the state: render inputs then vars, stage the entry tasks, start running.
pub(crate) fn start(wf: &Workflow, mut input: Given<'_>) -> State {
    let mut state = State::default();
    let g = wf.graph();
    // The maps by task id reach every task a run starts, and most runs start most of them:
    // sized once, they do not reallocate step by step through the first actions. So are
    // the records, one per task: a chain keeps every task's latest one, and past the 1,024
    // once reserved its arena was copied as it grew (chain-10000: 140 instructions per
    // action in `memcpy` and the allocator's merging). Room not used is address space,
    // never touched, so the peak heap does not grow with it.
    let tasks = g.tasks.len();
    state.latest.reserve(tasks);
    state.passes.reserve(tasks);
    state.staged.reserve(tasks);
    state.sequence.reserve(tasks);
    let names: Vec<&str> = g.input.iter().map(|(name, _)| name.as_str()).collect();
    let given = input.take(&names);
    let inputs: Vec<Binding<'_>> = g
        .input
        .iter()
        .zip(given)
        .map(|((name, default), given)| (name.clone(), default.as_ref(), given))
        .collect();
    let (rendered_inputs, mut errors) = render_bindings(wf, &state, &Map::new(), inputs, true);
    let vars: Vec<Binding<'_>> = g.vars.iter().map(|(name, t)| (name.clone(), Some(t), None)).collect();
    let (rendered_vars, var_errors) = render_bindings(wf, &state, &rendered_inputs, vars, true);
    errors.extend(var_errors);
    let mut init = rendered_inputs;
    init.extend(rendered_vars);
    if !errors.is_empty() {
        for message in errors {
            state.log_error(ErrorEntry { message, task: None, route: None, transition: None, result: None });
        }
        state.set_status(Status::Failed);
        render_output(wf, &mut state);
        return state;
    }
    state.contexts.push(init.into());
    state.routes.push(Vec::new());
    for &entry in &g.entry {
        state.staged.push(new_staged(
            Node::Task(entry),
            0,
            InlineIds::from_slice(&[0]),
            Default::default(),
            true,
        ));
    }
    state.set_status(Status::Running);
    render_output(wf, &mut state);
    state
}

pub(crate) fn new_staged(
    node: Node,
    route: u32,
    ctxs: InlineIds,
    prev: super::edgemap::EdgeMap<usize>,
    ready: bool,
) -> Staged {
    Staged {
        node,
        route,
        ctxs,
        prev,
        ready,
        retry_delay: None,
        with: None,
        completed: false,
        run_on_fail: false,
        offered: false,
    }
}

/// With-items bookkeeping of a staged task, as a workflow request tells it: whether an item
/// is active, and whether all have completed.
fn items_activity(state: &State, node: Node, route: u32) -> Option<(Activity, ItemsTail)> {
    let staged = state.staged_ref(node, route)?;
    let items = staged.items()?;
    let incomplete = items.any_other(None, |s| !s.is_completed());
    let tail = if incomplete { ItemsTail::Incomplete } else { ItemsTail::Completed };
    Some((Activity::of(items.any_other(None, Status::is_active)), tail))
}

/// Push a workflow status request to the active tasks, then to the workflow.
/// Returns false when the workflow machine refused it.
pub(crate) fn request_status(wf: &Workflow, state: &mut State, status: Status) -> bool {
    let current = state.status();
    let active: Vec<usize> = state
        .latest
        .values()
        .copied()
        .filter(|i| state.sequence.get(*i).is_some_and(|r| r.status.is_active()))
        .collect();
    let pause_or_cancel =
        matches!(status, Status::Pausing | Status::Paused | Status::Canceling | Status::Canceled);
    for i in active {
        let Some(record) = state.sequence.get(i) else { continue };
        let (node, route, task_status) = (record.node, record.route, record.status);
        // Only a pause or a cancel tells a with-items task how its items stand.
        let items = pause_or_cancel.then(|| items_activity(state, node, route)).flatten();
        if let Some(next) = task_transition(task_status, TaskInput::Workflow { status, items }) {
            state.set_record_status(i, next);
        }
    }
    let mut tail = RequestTail::Bare;
    if pause_or_cancel {
        tail = RequestTail::Activity(Activity::of(state.has_active_tasks()));
    }
    if current == Status::Paused
        && matches!(status, Status::Running | Status::Resuming)
        && !state.has_active_tasks()
        && !state.has_staged_tasks()
        && !state.has_status(&[Status::Paused, Status::Pending])
    {
        tail = RequestTail::Completed;
    }
    if let Some(next) = workflow_transition(current, WorkflowInput::Request { status, tail }) {
        state.set_status(next);
    }
    let _ = wf;
    let updated = state.status();
    if status == Status::Paused && current == Status::Pausing && updated == Status::Pausing {
        return true;
    }
    if status == Status::Canceled && current == Status::Canceling && updated == Status::Canceling {
        return true;
    }
    !(status != current && current == updated)
}

/// An operator request; a refused one leaves the state as it was.
pub(crate) fn request(
    wf: &Workflow,
    state: &mut State,
    status: Status,
    what: &'static str,
) -> Result<(), Rejected> {
    if state.status().is_completed() {
        // A completed workflow ignores pause, resume and cancel; rendering the output is the
        // only work such a request can still trigger.
        render_output(wf, state);
        return Ok(());
    }
    let before = state.clone();
    if !request_status(wf, state, status) {
        let refused = Rejected::InvalidRequest { request: what, status: before.status() };
        *state = before;
        return Err(refused);
    }
    render_output(wf, state);
    Ok(())
}

/// The workflow machine's reaction to a task's new status.
pub(crate) fn task_event(wf: &Workflow, state: &mut State, node: Node, route: u32, status: Status) {
    // Asked only where the event's name depends on it (a `running` report never does), and
    // at most once: it reads the task's record and follows its taken edges into joins.
    let mut known = None;
    let mut has_next = |state: &State| *known.get_or_insert_with(|| has_next_tasks(wf, state, node, route));
    // To the workflow, a timed-out task is a failed one (fail-fast, remediation).
    let seen = if status == Status::TimedOut { Status::Failed } else { status };
    let remediated = status.is_abended() && (has_next(state) || has_barrier_next(wf, state, node, route));
    let base = if remediated { TaskBase::Remediated } else { TaskBase::Status(seen) };
    let activity = base.takes_activity().then(|| Activity::of(state.has_active_tasks()));
    let tail = base.takes_tail().then(|| {
        if state.has_status(&[Status::Canceling, Status::Canceled]) {
            WorkflowTail::Canceled
        } else if state.has_status(&[Status::Pausing, Status::Paused, Status::Pending]) {
            WorkflowTail::Paused
        } else if state.has_staged_tasks() || has_next(state) {
            WorkflowTail::Incomplete
        } else {
            WorkflowTail::Completed
        }
    });
    // Orquesta stops here when the event has no entry for the current status (a workflow that
    // already failed ignores later task events), so joins are checked only after a match.
    let event = WorkflowInput::Task { base, activity, tail };
    let Some(next) = workflow_transition(state.status(), event) else { return };
    state.set_status(next);
    if state.status().is_completed() {
        fail_unreachable_joins(wf, state);
    }
}

/// At completion, a join still waiting that can no longer be satisfied fails the workflow.
fn fail_unreachable_joins(wf: &Workflow, state: &mut State) {
    let waiting: Vec<(TaskId, u32)> = state
        .staged
        .iter()
        .filter(|s| !s.ready)
        .filter_map(|s| match s.node {
            Node::Task(t) if wf.is_join(t) => Some((t, s.route)),
            _ => None,
        })
        .collect();
    for (task, route) in waiting {
        if inbound_status(wf, state, task, route) == InboundStatus::NotSatisfied {
            state.set_status(Status::Failed);
            let name = task_name(wf, Node::Task(task));
            state.log_error(ErrorEntry {
                message: format!("UnreachableJoinError: The join task|route \"{name}|{route}\" is partially satisfied but unreachable."),
                task: Some(name),
                route: Some(route),
                transition: None,
                result: None,
            });
        }
    }
}

/// The context the output sees: the terminal records' layers, in record order.
fn terminal_context(state: &State) -> Map<String, Value> {
    let mut ctx = Map::new();
    let mut first = true;
    for r in state.sequence.iter().filter(|r| r.term) {
        let mut layers = r.ctxs.clone();
        if !first {
            layers.remove_first(0);
        }
        first = false;
        for (k, v) in state.merged(&layers) {
            ctx.insert(k, v);
        }
    }
    ctx
}

/// Render the output once the workflow has completed, unless rendered already.
pub(crate) fn render_output(wf: &Workflow, state: &mut State) {
    let status = state.status();
    if !status.is_completed() || state.output.as_ref().is_some_and(|o| !o.is_empty()) {
        return;
    }
    let list: Vec<Binding<'_>> = wf.graph().output.iter().map(|(n, t)| (n.clone(), Some(t), None)).collect();
    if list.is_empty() {
        return;
    }
    let ctx = terminal_context(state);
    let any_terminal = state.sequence.iter().any(|r| r.term);
    let (outputs, errors) = render_bindings(wf, state, &ctx, list, any_terminal);
    if !outputs.is_empty() {
        state.output = Some(outputs);
    }
    if !errors.is_empty() {
        for message in errors {
            state.log_error(ErrorEntry { message, task: None, route: None, transition: None, result: None });
        }
        if !matches!(status, Status::Timeout | Status::Abandoned | Status::Canceled) {
            request_status(wf, state, Status::Failed);
        }
    }
}

/// Evaluate a template in a task instance's scope.
pub(crate) fn scope<'a>(
    wf: &'a Workflow,
    state: &'a State,
    layers: &'a [usize],
    route: u32,
) -> TaskScope<'a> {
    TaskScope::new(state, wf, layers, route)
}

/// Rerun a completed workflow.
pub(crate) fn rerun(
    wf: &Workflow,
    state: &mut State,
    tasks: &[String],
    reset_items: &[String],
) -> Result<(), Rejected> {
    if !state.status().is_completed() {
        return Err(Rejected::InvalidRequest { request: "rerun", status: state.status() });
    }
    let candidates: Vec<(Node, u32)> = if tasks.is_empty() {
        state.sequence.iter().filter(|r| r.term && r.status.is_abended()).map(|r| (r.node, r.route)).collect()
    } else {
        let mut out = Vec::new();
        for name in tasks {
            let id = wf.task_id(name).ok_or(Rejected::InvalidRequest {
                request: "rerun an unknown task in",
                status: state.status(),
            })?;
            let routes: Vec<u32> = state.latest.routes_of(Node::Task(id));
            if routes.is_empty() {
                return Err(Rejected::InvalidRequest {
                    request: "rerun a task that never ran in",
                    status: state.status(),
                });
            }
            out.extend(routes.into_iter().map(|r| (Node::Task(id), r)));
        }
        out
    };
    let mut sorted = candidates;
    sorted.sort_by(|a, b| task_name(wf, a.0).cmp(&task_name(wf, b.0)).then(a.1.cmp(&b.1)));
    sorted.dedup();
    for (node, route) in sorted {
        let reset = reset_items.contains(&task_name(wf, node));
        rerun_task(wf, state, node, route, reset);
    }
    for r in state.sequence.iter_mut().filter(|r| r.term && r.next.values().any(|v| *v)) {
        r.term = false;
    }
    state.output = None;
    state.announced = false;
    state.set_status(Status::Resuming);
    Ok(())
}

fn rerun_task(wf: &Workflow, state: &mut State, node: Node, route: u32, reset_items: bool) {
    let Some(idx) = state.record_index(node, route) else { return };
    let Some(record) = state.sequence.get_mut(idx) else { return };
    record.term = false;
    let (ctxs, prev) = (record.ctxs.clone(), record.prev.clone());
    if let Some(s) = state.staged_mut(node, route) {
        s.completed = false;
    }
    let name = task_name(wf, node);
    state.errors.retain(|e| e.task.as_deref() != Some(name.as_str()));
    let has_items = matches!(node, Node::Task(t) if wf.shape(t).is_some_and(|s| s.items));
    if has_items {
        if let Some(s) = state.staged_mut(node, route) {
            if let Some(items) = s.items_mut() {
                items.reset(|s| reset_items || s.is_abended());
            }
        }
    } else {
        super::report::add_record(wf, state, node, route, ctxs.clone(), prev.clone()).ok();
        state.staged.push(new_staged(node, route, ctxs, prev, true));
    }
}

/// A cancel always ends: once nothing is outstanding, a workflow still `canceling` (a task
/// left waiting for work a cancel never starts) cancels its unfinished tasks and is canceled.
/// Orquesta's own rules get there in every ordinary case; this is the guarantee for the rest
/// (found by the invariant suite around with-items re-entered under a cancel).
pub(crate) fn settle_cancel(wf: &Workflow, state: &mut State) {
    if state.status() != Status::Canceling || !state.runs.is_empty() {
        return;
    }
    let open: Vec<usize> = state
        .latest
        .values()
        .copied()
        .filter(|i| state.sequence.get(*i).is_some_and(|r| !r.status.is_completed()))
        .collect();
    for i in open {
        state.set_record_status(i, Status::Canceled);
    }
    state.set_status(Status::Canceled);
    render_output(wf, state);
}
