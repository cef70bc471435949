//! Rendering one staged task instance into the executions to offer: its delay, action and
//! input, and for a with-items task the next items its concurrency allows.
//!
//! A with-items task is rendered on every dispatch while its items run. Its items list is
//! evaluated once and kept with the staged instance when the expression read nothing but
//! the context (which a staged instance never changes): re-evaluating a list of N items on
//! each of N/concurrency dispatches made with-items quadratic.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::dispatch::Offering;
use super::flow::expr_message;
use super::inline_ids::InlineIds;
use super::items::{ItemStatuses, KeptItems, WithItems};
use super::scope::TaskScope;
use super::state::{Node, State};
use super::status::Status;
use super::{Name, RunRequest};
use crate::expr::{CurrentTask, Functions, Scope};
use crate::graph::{Count, Items, Task, TaskId, Workflow};

/// A request as rendered; [`Offering::offer`] gives it its run id and pass number.
fn request(wf: &Workflow, id: TaskId, route: u32, item: Option<usize>, delay: u64) -> RunRequest {
    RunRequest {
        run: 0,
        task: wf.shared_name(id),
        route,
        item,
        iteration: 0,
        action: None,
        input: None,
        delay,
        empty_items: false,
    }
}

/// A scope that notes whether the expression read anything besides the context (the task's
/// status, another task's status), which would make its value change while staged.
struct Watch<'a> {
    inner: &'a dyn Scope,
    state_read: Cell<bool>,
}

impl Scope for Watch<'_> {
    fn var(&self, name: &str) -> Option<&Value> {
        self.inner.var(name)
    }
    fn vars(&self) -> Map<String, Value> {
        self.inner.vars()
    }
    fn context_set(&self) -> bool {
        self.inner.context_set()
    }
    fn current_task(&self) -> Option<CurrentTask<'_>> {
        self.state_read.set(true);
        self.inner.current_task()
    }
    fn item(&self) -> Option<&Value> {
        self.inner.item()
    }
    fn task_status(&self, name: &str) -> Option<String> {
        self.state_read.set(true);
        self.inner.task_status(name)
    }
}

fn int_value(v: &Value, what: &str) -> Result<i64, String> {
    v.as_i64()
        .filter(|_| !v.is_boolean())
        .ok_or_else(|| format!("TypeError: The value of {what} is not type of integer."))
}

fn eval_count(c: &Count, scope: &dyn Scope, what: &str) -> Result<i64, String> {
    match c {
        Count::Literal(n) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
        Count::Expr(t) => {
            int_value(&t.evaluate(scope, Functions::none()).map_err(|e| expr_message(&e))?, what)
        }
    }
}

/// The action and input of one execution. An action written out is the workflow's own
/// string, shared; one computed by an expression is rendered.
fn render_one(
    wf: &Workflow,
    id: TaskId,
    task: &Task,
    scope: &dyn Scope,
) -> Result<(Option<Name>, Option<Box<Value>>), String> {
    let fns = Functions::none();
    let action = match (&task.action, wf.literal_action(id)) {
        (_, Some(literal)) => Some(literal),
        (Some(a), None) => {
            let rendered = a.evaluate(scope, fns).map_err(|e| expr_message(&e))?;
            Some(Name::from(crate::expr::into_py_str(rendered)))
        }
        (None, None) => None,
    };
    let input = match &task.input {
        Some(i) => Some(Box::new(i.evaluate(scope, fns).map_err(|e| expr_message(&e))?)),
        None => None,
    };
    Ok((action, input))
}

/// The task's delay in seconds: a retry's delay wins over the task's `delay`.
fn delay_of(task: &Task, scope: &dyn Scope, retry_delay: Option<i64>) -> Result<u64, String> {
    // The task's delay is evaluated even for a retry, so an expression that fails, fails
    // every pass alike.
    let own = match &task.delay {
        Some(d) => eval_count(d, scope, "task delay")?,
        None => 0,
    };
    Ok(seconds(retry_delay.unwrap_or(own)))
}

/// A delay as seconds to wait: a negative one is none.
fn seconds(delay: i64) -> u64 {
    u64::try_from(delay.max(0)).unwrap_or(0)
}

/// The offer of a task with nothing to evaluate, made without reading the task's definition
/// or its context.
fn plain_offer(wf: &Workflow, id: TaskId, route: u32, retry_delay: Option<i64>) -> RunRequest {
    let delay = seconds(retry_delay.unwrap_or(0));
    RunRequest { action: wf.literal_action(id), ..request(wf, id, route, None, delay) }
}

/// Render one staged task instance into its executions, offered through `out`.
pub(super) fn render(
    wf: &Workflow,
    state: &mut State,
    staged_idx: usize,
    out: &mut Offering,
) -> Result<(), String> {
    let Some(staged) = state.staged.get(staged_idx) else { return Ok(()) };
    let (node, route, retry_delay) = (staged.node, staged.route, staged.retry_delay);
    let Node::Task(id) = node else { return Ok(()) };
    let Some(task) = wf.task(id) else { return Ok(()) };
    if staged.offered {
        return Ok(());
    }
    if wf.offers_plainly(id) {
        out.offer(state, plain_offer(wf, id, route, retry_delay));
        return Ok(());
    }
    let status = state.record(node, route).map_or(Status::Unset, |r| r.status);
    let null = Value::Null;
    let Some(spec) = &task.items else {
        // A plain task reads its context in place: nothing in the state changes here.
        let mut scope = super::flow::scope(wf, state, &staged.ctxs, route);
        scope.task = Some(CurrentTask { status: status.as_str(), result: &null });
        let delay = delay_of(task, &scope, retry_delay)?;
        let (action, input) = render_one(wf, id, task, &scope)?;
        out.offer(state, RunRequest { action, input, ..request(wf, id, route, None, delay) });
        return Ok(());
    };
    let at = Instance { id, task, spec, route, status, ctxs: staged.ctxs.clone() };
    render_items(wf, state, staged_idx, &at, retry_delay, out)
}

/// A with-items instance being rendered: what every one of its executions reads.
struct Instance<'w> {
    id: TaskId,
    task: &'w Task,
    spec: &'w Items,
    route: u32,
    status: Status,
    ctxs: InlineIds,
}

impl Instance<'_> {
    /// The instance's scope: its context, the task's status and no result yet.
    fn scope<'a>(&'a self, wf: &'a Workflow, state: &'a State) -> TaskScope<'a> {
        let mut scope = super::flow::scope(wf, state, &self.ctxs, self.route);
        scope.task = Some(CurrentTask { status: self.status.as_str(), result: &Value::Null });
        scope
    }
}

/// Render a with-items instance: the next items its concurrency allows, or the one empty
/// execution of an empty list.
fn render_items(
    wf: &Workflow,
    state: &mut State,
    staged_idx: usize,
    at: &Instance<'_>,
    retry_delay: Option<i64>,
    out: &mut Offering,
) -> Result<(), String> {
    let scope = at.scope(wf, state);
    let delay = delay_of(at.task, &scope, retry_delay)?;
    let (listed, keep) = items_list(at.spec, &scope, state, staged_idx)?;
    let concurrency = match &at.spec.concurrency {
        Some(c) => Some(eval_count(c, &scope, "concurrency")?),
        None => None,
    };
    let n = listed.len().unwrap_or(0);
    if let (true, Some(s)) = (keep, state.staged.get_mut(staged_idx)) {
        s.with_items().kept = listed.clone();
    }
    if n == 0 {
        out.offer(state, RunRequest { empty_items: true, ..request(wf, at.id, at.route, None, delay) });
        return Ok(());
    }
    let next = next_items(state, staged_idx, n, concurrency);
    let first = out.reserve(state, next.len());
    render_batch(wf, state, at, &listed, &next, (first, delay), out)?;
    out.commit_items(state, first, &next);
    Ok(())
}

/// Render the items `next` as pending requests, the list borrowed (from the context, or the
/// list kept) so no item is copied to be read; their runs are added once the borrow ends.
fn render_batch(
    wf: &Workflow,
    state: &State,
    at: &Instance<'_>,
    listed: &KeptItems,
    next: &[usize],
    (first, delay): (super::RunId, u64),
    out: &mut Offering,
) -> Result<(), String> {
    let scope = at.scope(wf, state);
    let read;
    let items: &[Value] = match listed {
        KeptItems::List(items) => items,
        _ => {
            read =
                at.spec.items.evaluate_in_place(&scope, Functions::none()).map_err(|e| expr_message(&e))?;
            read.as_array().map_or(&[], Vec::as_slice)
        }
    };
    for (k, &index) in next.iter().enumerate() {
        let bound;
        let item = match (at.spec.names.as_slice(), items.get(index)) {
            ([], Some(item)) => item,
            (names, item) => {
                bound = bind_item(names, item.cloned().unwrap_or(Value::Null));
                &bound
            }
        };
        let mut item_scope = at.scope(wf, state);
        item_scope.item = Some(item);
        let (action, input) = render_one(wf, at.id, at.task, &item_scope)?;
        out.pending(
            RunRequest { action, input, ..request(wf, at.id, at.route, Some(index), delay) },
            first,
            k,
        );
    }
    Ok(())
}

/// The items list: kept from an earlier dispatch, read in place from the context (its length
/// only: it is read again to render), or computed; with whether it may be kept (it read only
/// the context).
fn items_list(
    spec: &Items,
    scope: &dyn Scope,
    state: &State,
    staged_idx: usize,
) -> Result<(KeptItems, bool), String> {
    if let Some(kept) = state.staged.get(staged_idx).and_then(super::staged::Staged::kept_items) {
        return Ok((kept.clone(), false));
    }
    let watch = Watch { inner: scope, state_read: Cell::new(false) };
    let value = spec.items.evaluate_in_place(&watch, Functions::none()).map_err(|e| expr_message(&e))?;
    let keep = !watch.state_read.get();
    match value {
        Cow::Borrowed(Value::Array(items)) => Ok((KeptItems::InContext(items.len()), keep)),
        Cow::Owned(Value::Array(items)) => Ok((KeptItems::List(Arc::new(items)), keep)),
        other => {
            let shown = crate::expr::py_string(&other);
            Err(format!("TypeError: The value of \"{shown}\" is not type of list."))
        }
    }
}

/// The items to start now: the first ones not yet run or offered, as many as the
/// concurrency leaves room for. Sets up the item statuses on the first dispatch.
fn next_items(state: &mut State, staged_idx: usize, n: usize, concurrency: Option<i64>) -> Vec<usize> {
    let Some(s) = state.staged.get_mut(staged_idx) else { return Vec::new() };
    let with = s.with_items();
    if with.statuses.as_ref().is_none_or(|i| i.len() == 0) {
        with.statuses = Some(ItemStatuses::new(n));
        with.results = super::results::ItemResults::new(n);
    }
    let WithItems { statuses: Some(statuses), offered, .. } = with else { return Vec::new() };
    let take = match concurrency {
        Some(c) => {
            // Active items, plus offered ones not (yet) reported active.
            let unreported =
                offered.iter().filter(|i| !statuses.get(*i).is_some_and(Status::is_active)).count();
            let active = statuses.count(Status::is_active) + unreported;
            usize::try_from((c - i64::try_from(active).unwrap_or(i64::MAX)).max(0)).unwrap_or(0)
        }
        None => usize::MAX,
    };
    statuses.next_unrun(take, |i| offered.contains(i))
}

/// `x, y in ...`: a list item becomes `{x: item[0], y: item[1]}`; one name wraps the item.
fn bind_item(names: &[String], item: Value) -> Value {
    match (names, item) {
        ([], item) => item,
        (names, Value::Array(values)) => {
            Value::Object(names.iter().cloned().zip(values).collect::<Map<String, Value>>())
        }
        ([one], item) => Value::Object([(one.clone(), item)].into_iter().collect()),
        (_, item) => item,
    }
}
