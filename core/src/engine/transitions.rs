//! Transitions out of a completed task: conditions, publish, staging of the next task
//! instances on their routes, and join (barrier) criteria.

use serde_json::{Map, Value};

use super::flow::{expr_message, name_of, new_staged, request_status};
use super::state::{ErrorEntry, Node, State};
use super::status::Status;
use crate::expr::{CurrentTask, Functions, truthy as value_truthy};
use crate::graph::{EngineCommand, JoinArity, Target, TaskId, Workflow};

/// Where a join stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboundStatus {
    Satisfied,
    InProgress,
    NotSatisfied,
}

fn node_of(t: Target) -> Node {
    match t {
        Target::Task(id) => Node::Task(id),
        Target::Command(c) => Node::Command(c),
    }
}

/// Orquesta's inbound criteria: how many distinct inbound tasks took their edge into `task`
/// (on `route`), against what the join (or an ordinary task, needing one) requires.
pub(crate) fn inbound_status(wf: &Workflow, state: &State, task: TaskId, route: u32) -> InboundStatus {
    let Some(t) = wf.task(task) else { return InboundStatus::NotSatisfied };
    let mut sources: Vec<(TaskId, Option<bool>)> = Vec::new();
    for (src, _) in &t.inbound_edges {
        if !sources.iter().any(|(s, _)| s == src) {
            sources.push((*src, None));
        }
    }
    let required = match t.join {
        Some(JoinArity::All(_)) => sources.len(),
        Some(JoinArity::Count(n)) => n,
        None => 1,
    };
    for (src, key) in &t.inbound_edges {
        let Some(record) = state.record(Node::Task(*src), route) else { continue };
        let id = format!("{}__t{key}", t.name);
        let satisfied = record.next.get(&id).copied().unwrap_or(false);
        if let Some(entry) = sources.iter_mut().find(|(s, _)| s == src) {
            if entry.1 != Some(true) {
                entry.1 = Some(satisfied);
            }
        }
    }
    if sources.iter().filter(|(_, v)| *v == Some(true)).count() >= required {
        return InboundStatus::Satisfied;
    }
    if sources.iter().any(|(_, v)| v.is_none()) && (state.has_active_tasks() || state.has_staged_tasks()) {
        return InboundStatus::InProgress;
    }
    InboundStatus::NotSatisfied
}

/// Whether a completed task has somewhere to go: a taken edge to anything but `continue`,
/// except a join that can no longer be satisfied.
pub(crate) fn has_next_tasks(wf: &Workflow, state: &State, node: Node, route: u32) -> bool {
    let (Node::Task(id), Some(record)) = (node, state.record(node, route)) else { return false };
    if !record.status.is_completed() {
        return false;
    }
    let Some(task) = wf.task(id) else { return false };
    task.edges.iter().any(|e| {
        if e.target == Target::Command(EngineCommand::Continue)
            || !record.next.get(&e.id).copied().unwrap_or(false)
        {
            return false;
        }
        match e.target {
            Target::Task(t) if wf.task(t).is_some_and(|x| x.join.is_some()) => {
                inbound_status(wf, state, t, route) != InboundStatus::NotSatisfied
            }
            _ => true,
        }
    })
}

/// Whether a task took an edge into a join (satisfied or not): that remediates a failure.
pub(crate) fn has_barrier_next(wf: &Workflow, state: &State, node: Node, route: u32) -> bool {
    let (Node::Task(id), Some(record)) = (node, state.record(node, route)) else { return false };
    let Some(task) = wf.task(id) else { return false };
    task.edges.iter().any(|e| {
        matches!(e.target, Target::Task(t) if wf.task(t).is_some_and(|x| x.join.is_some()))
            && record.next.get(&e.id).copied().unwrap_or(false)
    })
}

/// The route of the next task: a split task (not a join, reached by several `do` entries,
/// not on a cycle) extends the path with this edge and gets a new route number.
fn next_route(wf: &Workflow, state: &mut State, target: Target, back: &str, route: u32) -> u32 {
    let Target::Task(t) = target else { return route };
    if !wf.task(t).is_some_and(|x| x.split) {
        return route;
    }
    let old = state.routes.get(route as usize).cloned().unwrap_or_default();
    let mut new = old.clone();
    if !old.iter().any(|x| x == back) {
        new.push(back.to_owned());
    }
    if new == old {
        return route;
    }
    state.routes.push(new);
    u32::try_from(state.routes.len() - 1).unwrap_or(u32::MAX)
}

/// Evaluate every edge of a completed task and stage what its taken edges lead to.
/// Returns the engine commands to run next (in order).
pub(crate) fn follow(
    wf: &Workflow,
    state: &mut State,
    record_idx: usize,
    id: TaskId,
    route: u32,
    result: &Value,
) -> Vec<(Node, u32)> {
    let Some(task) = wf.task(id) else { return Vec::new() };
    let (ctxs, status) = match state.sequence.get(record_idx) {
        Some(r) => (r.ctxs.clone(), r.status),
        None => return Vec::new(),
    };
    if task.edges.is_empty() {
        if let Some(r) = state.sequence.get_mut(record_idx) {
            r.term = true;
        }
    }
    let mut commands = Vec::new();
    let mut manual_fail = false;
    let mut ready_next = Vec::new();
    let fns = Functions::new();
    for edge in &task.edges {
        let transition = task.transitions.get(edge.transition);
        let current = CurrentTask { status: status.as_str(), result };
        let taken = match transition.and_then(|t| t.when.as_ref()) {
            None => Ok(true),
            Some(when) => {
                let mut scope = super::flow::scope(wf, state, &ctxs, route);
                scope.task = Some(current);
                when.evaluate(&scope, &fns).map(|v| value_truthy(&v))
            }
        };
        let taken = match taken {
            Ok(t) => t,
            Err(e) => {
                state.log_error(ErrorEntry {
                    message: expr_message(&e),
                    task: Some(task.name.clone()),
                    route: Some(route),
                    transition: Some(edge.id.clone()),
                    result: None,
                });
                request_status(wf, state, Status::Failed);
                continue;
            }
        };
        if let Some(r) = state.sequence.get_mut(record_idx) {
            r.next.insert(edge.id.clone(), taken);
        }
        if !taken {
            continue;
        }
        let mut published = Map::new();
        let mut errors = Vec::new();
        for (name, value) in transition.map(|t| t.publish.as_slice()).unwrap_or_default() {
            let mut scope = super::flow::scope(wf, state, &ctxs, route);
            scope.task = Some(current);
            scope.extra = Some(&published);
            match value.evaluate(&scope, &fns) {
                Ok(v) => {
                    published.insert(name.clone(), v);
                }
                Err(e) => errors.push(expr_message(&e)),
            }
        }
        if !errors.is_empty() {
            for message in errors {
                state.log_error(ErrorEntry {
                    message,
                    task: Some(task.name.clone()),
                    route: Some(route),
                    transition: Some(edge.id.clone()),
                    result: None,
                });
            }
            request_status(wf, state, Status::Failed);
            continue;
        }
        let mut out = ctxs.clone();
        if !published.is_empty() {
            state.contexts.push(published);
            out.push(state.contexts.len() - 1);
        }
        let target_route = next_route(wf, state, edge.target, &edge.back, route);
        let node = node_of(edge.target);
        let staged_idx = match state.staged_index(node, target_route) {
            Some(i) => {
                if let Some(p) = out.iter().position(|x| *x == 0) {
                    out.remove(p);
                }
                let s = &mut state.staged[i];
                s.ctxs.extend(out);
                s.prev.insert(edge.back.clone(), record_idx);
                s.items = None;
                s.results.clear();
                s.completed = false;
                i
            }
            None => {
                let prev = [(edge.back.clone(), record_idx)].into_iter().collect();
                state.staged.push(new_staged(node, target_route, out, prev, false));
                state.staged.len() - 1
            }
        };
        let ready = match edge.target {
            Target::Task(t) => inbound_status(wf, state, t, route) == InboundStatus::Satisfied,
            Target::Command(_) => true,
        };
        state.staged[staged_idx].ready = ready;
        match edge.target {
            Target::Command(c) => {
                commands.push((node, target_route));
                manual_fail |= c == EngineCommand::Fail;
            }
            Target::Task(_) if ready => ready_next.push((node, target_route)),
            Target::Task(_) => {}
        }
    }
    if manual_fail {
        for (node, r) in ready_next {
            if let Some(i) = state.staged_index(node, r) {
                state.staged[i].run_on_fail = true;
            }
        }
    }
    let _ = name_of;
    commands
}
