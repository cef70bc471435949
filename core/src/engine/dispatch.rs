//! Dispatch: render every ready task instance into action executions (Orquesta's
//! `get_next_tasks`). If any task fails to render, the workflow fails and nothing is offered.

use serde_json::{Map, Value};

use super::flow::{expr_message, name_of, request_status};
use super::state::{ErrorEntry, Node, Run, State};
use super::status::Status;
use super::{Command, RunRequest};
use crate::expr::{CurrentTask, Functions, Scope};
use crate::graph::{Count, TaskId, Workflow};

/// One execution to offer.
struct Offer {
    task: TaskId,
    route: u32,
    item: Option<usize>,
    action: Option<String>,
    input: Option<Value>,
    delay: u64,
    empty_items: bool,
}

/// The executions that are ready now, as `StartRun` commands.
pub(crate) fn dispatch(wf: &Workflow, state: &mut State) -> Vec<Command> {
    let status = state.status();
    let ready: Vec<usize> = state
        .staged
        .ids()
        .filter(|i| {
            state.staged.get(*i).is_some_and(|s| s.ready && !s.completed && matches!(s.node, Node::Task(_)))
        })
        .collect();
    let remediation: Vec<usize> = if status == Status::Failed {
        ready.iter().copied().filter(|i| state.staged.get(*i).is_some_and(|s| s.run_on_fail)).collect()
    } else {
        Vec::new()
    };
    if !status.is_running() && remediation.is_empty() {
        return Vec::new();
    }
    let candidates = if remediation.is_empty() { ready } else { remediation };
    for &i in &candidates {
        if let Some(commands) = super::limits::check_iterations(wf, state, i) {
            return commands;
        }
    }
    let mut offers = Vec::new();
    let mut failed = false;
    for i in candidates {
        match render(wf, state, i) {
            Ok(mut list) => offers.append(&mut list),
            Err(message) => {
                failed = true;
                let (node, route) =
                    state.staged.get(i).map_or((Node::Task(TaskId(0)), 0), |s| (s.node, s.route));
                state.log_error(ErrorEntry {
                    message,
                    task: Some(name_of(wf, node)),
                    route: Some(route),
                    transition: None,
                    result: None,
                });
            }
        }
    }
    if failed {
        request_status(wf, state, Status::Failed);
        return Vec::new();
    }
    offers.sort_by(|a, b| {
        name_of(wf, Node::Task(a.task)).cmp(&name_of(wf, Node::Task(b.task))).then(a.route.cmp(&b.route))
    });
    offers.into_iter().map(|o| offer(wf, state, o)).collect()
}

fn offer(wf: &Workflow, state: &mut State, o: Offer) -> Command {
    let run = state.next_run;
    state.next_run += 1;
    state
        .runs
        .insert(run, Run { task: o.task, route: o.route, item: o.item, started: false, deadline: None });
    if let Some(s) = state.staged_mut(Node::Task(o.task), o.route) {
        match o.item {
            Some(item) => {
                s.offered_items.insert(item);
            }
            None => s.offered = true,
        }
    }
    let node = Node::Task(o.task);
    let passes = state.passes.get(&(node, o.route)).copied().unwrap_or(0);
    let current = state.record(node, o.route).is_some_and(|r| !r.status.is_completed());
    Command::StartRun(RunRequest {
        run,
        task: name_of(wf, node),
        route: o.route,
        item: o.item,
        iteration: if current { passes } else { passes + 1 },
        action: o.action,
        input: o.input,
        delay: o.delay,
        empty_items: o.empty_items,
    })
}

fn int_value(v: &Value, what: &str) -> Result<i64, String> {
    v.as_i64()
        .filter(|_| !v.is_boolean())
        .ok_or_else(|| format!("TypeError: The value of {what} is not type of integer."))
}

/// Render one staged task instance into its executions.
fn render(wf: &Workflow, state: &mut State, staged_idx: usize) -> Result<Vec<Offer>, String> {
    let Some(staged) = state.staged.get(staged_idx).cloned() else { return Ok(Vec::new()) };
    let Node::Task(id) = staged.node else { return Ok(Vec::new()) };
    let Some(task) = wf.task(id) else { return Ok(Vec::new()) };
    if staged.offered {
        return Ok(Vec::new());
    }
    let fns = Functions::new();
    let route = staged.route;
    let status = state.record(staged.node, route).map_or(Status::Unset, |r| r.status);
    let null = Value::Null;
    let mut scope = super::flow::scope(wf, state, &staged.ctxs, route);
    scope.task = Some(CurrentTask { status: status.as_str(), result: &null });
    let eval_count = |c: &Count, scope: &dyn Scope, what: &str| -> Result<i64, String> {
        match c {
            Count::Literal(n) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
            Count::Expr(t) => int_value(&t.evaluate(scope, &fns).map_err(|e| expr_message(&e))?, what),
        }
    };
    let mut delay = match &task.delay {
        Some(d) => eval_count(d, &scope, "task delay")?,
        None => 0,
    };
    if let Some(retry_delay) = staged.retry_delay {
        delay = retry_delay;
    }
    let delay = u64::try_from(delay.max(0)).unwrap_or(0);
    let render_one = |scope: &dyn Scope| -> Result<(Option<String>, Option<Value>), String> {
        let action = match &task.action {
            Some(a) => Some(crate::expr::py_string(&a.evaluate(scope, &fns).map_err(|e| expr_message(&e))?)),
            None => None,
        };
        let input = match &task.input {
            Some(i) => Some(i.evaluate(scope, &fns).map_err(|e| expr_message(&e))?),
            None => None,
        };
        Ok((action, input))
    };
    let Some(items_spec) = &task.items else {
        let (action, input) = render_one(&scope)?;
        return Ok(vec![Offer { task: id, route, item: None, action, input, delay, empty_items: false }]);
    };
    let items = match items_spec.items.evaluate(&scope, &fns).map_err(|e| expr_message(&e))? {
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "TypeError: The value of \"{}\" is not type of list.",
                crate::expr::py_string(&other)
            ));
        }
    };
    let concurrency = match &items_spec.concurrency {
        Some(c) => Some(eval_count(c, &scope, "concurrency")?),
        None => None,
    };
    if items.is_empty() {
        return Ok(vec![Offer {
            task: id,
            route,
            item: None,
            action: None,
            input: None,
            delay,
            empty_items: true,
        }]);
    }
    let statuses = match staged.items.clone() {
        Some(s) if !s.is_empty() => s,
        _ => {
            let fresh = vec![Status::Unset; items.len()];
            if let Some(s) = state.staged.get_mut(staged_idx) {
                s.items = Some(fresh.clone());
                s.results = vec![Value::Null; items.len()];
            }
            fresh
        }
    };
    let active = statuses
        .iter()
        .enumerate()
        .filter(|(i, s)| s.is_active() || staged.offered_items.contains(i))
        .count();
    let not_run: Vec<usize> = statuses
        .iter()
        .enumerate()
        .filter(|(i, s)| **s == Status::Unset && !staged.offered_items.contains(i))
        .map(|(i, _)| i)
        .collect();
    let take = match concurrency {
        Some(c) => usize::try_from((c - i64::try_from(active).unwrap_or(0)).max(0)).unwrap_or(0),
        None => not_run.len(),
    };
    let mut offers = Vec::new();
    for index in not_run.into_iter().take(take) {
        let raw = items.get(index).cloned().unwrap_or(Value::Null);
        let item = bind_item(&items_spec.names, raw);
        let mut item_scope = super::flow::scope(wf, state, &staged.ctxs, route);
        item_scope.task = Some(CurrentTask { status: status.as_str(), result: &null });
        item_scope.item = Some(&item);
        let (action, input) = render_one(&item_scope)?;
        offers.push(Offer { task: id, route, item: Some(index), action, input, delay, empty_items: false });
    }
    Ok(offers)
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
