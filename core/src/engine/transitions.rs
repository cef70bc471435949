//! Transitions out of a completed task: conditions, publish, staging of the next task
//! instances on their routes, and join (barrier) criteria.

use serde_json::Value;

use super::flow::{expr_message, new_staged, request_status};
use super::inline_ids::InlineIds;
use super::layer::Layer;
use super::state::{ErrorEntry, Node, State};
use super::status::Status;
use crate::expr::{CurrentTask, Functions};
use crate::graph::{EngineCommand, Target, TaskId, Workflow};

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
/// (on `route`), against what the join (or an ordinary task, needing one) requires. The
/// arrivals are counted as records change (`inbound.rs`), so this is a lookup.
pub(crate) fn inbound_status(wf: &Workflow, state: &State, task: TaskId, route: u32) -> InboundStatus {
    let Some(shape) = wf.shape(task) else { return InboundStatus::NotSatisfied };
    let arrivals = state.arrivals(wf, task, route);
    if arrivals.taken >= shape.required as usize {
        return InboundStatus::Satisfied;
    }
    if arrivals.present < shape.sources as usize && (state.has_active_tasks() || state.has_staged_tasks()) {
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
    wf.edges(id).iter().any(|e| {
        if e.target == Target::Command(EngineCommand::Continue)
            || !record.next.get(&e.id).copied().unwrap_or(false)
        {
            return false;
        }
        match e.target {
            Target::Task(t) if wf.is_join(t) => {
                inbound_status(wf, state, t, route) != InboundStatus::NotSatisfied
            }
            _ => true,
        }
    })
}

/// Whether a task took an edge into a join (satisfied or not): that remediates a failure.
pub(crate) fn has_barrier_next(wf: &Workflow, state: &State, node: Node, route: u32) -> bool {
    let (Node::Task(id), Some(record)) = (node, state.record(node, route)) else { return false };
    wf.edges(id).iter().any(|e| {
        matches!(e.target, Target::Task(t) if wf.is_join(t))
            && record.next.get(&e.id).copied().unwrap_or(false)
    })
}

/// The route of the next task: a split task (not a join, reached by several `do` entries,
/// not on a cycle) extends the path with this edge and gets a new route number.
fn next_route(wf: &Workflow, state: &mut State, target: Target, back: &str, route: u32) -> u32 {
    let Target::Task(t) = target else { return route };
    if !wf.shape(t).is_some_and(|s| s.split) {
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

/// The completed task whose edges are being followed.
struct Source<'a> {
    task: &'a crate::graph::Task,
    record: usize,
    ctxs: InlineIds,
    status: Status,
    route: u32,
    result: &'a Value,
}

impl Source<'_> {
    fn error(&self, state: &mut State, message: String, edge: &crate::graph::Edge) {
        state.log_error(ErrorEntry {
            message,
            task: Some(self.task.name.clone()),
            route: Some(self.route),
            transition: Some(edge.id.to_string()),
            result: None,
        });
    }

    /// The edge's condition, in the task's context with its result.
    fn condition(&self, wf: &Workflow, state: &State, edge: &crate::graph::Edge) -> Result<bool, String> {
        let Some(when) = edge.when.as_ref() else {
            return Ok(true);
        };
        let mut scope = super::flow::scope(wf, state, &self.ctxs, self.route);
        scope.task = Some(CurrentTask { status: self.status.as_str(), result: self.result });
        when.truth(&scope, Functions::none()).map_err(|e| expr_message(&e))
    }

    /// The edge's published values, each seeing the ones before it; every failure is kept.
    fn publish(&self, wf: &Workflow, state: &State, edge: &crate::graph::Edge) -> Result<Layer, Vec<String>> {
        if !edge.publishes {
            return Ok(Layer::default());
        }
        let mut errors = Vec::new();
        let entries =
            self.task.transitions.get(edge.transition).map(|t| t.publish.as_slice()).unwrap_or_default();
        let mut published = Layer::with_capacity(entries.len());
        for (name, value) in entries {
            let mut scope = super::flow::scope(wf, state, &self.ctxs, self.route);
            scope.task = Some(CurrentTask { status: self.status.as_str(), result: self.result });
            scope.extra = Some(&published);
            match value.evaluate(&scope, Functions::none()) {
                Ok(v) => {
                    published.insert(name.clone(), v);
                }
                Err(e) => errors.push(expr_message(&e)),
            }
        }
        if errors.is_empty() { Ok(published) } else { Err(errors) }
    }

    /// Stage the edge's target with the source's layers plus the published layer; a target
    /// already staged on that route (a join waiting) gets the layers appended. Returns the
    /// staged index and whether it is ready.
    fn stage(
        &self,
        wf: &Workflow,
        state: &mut State,
        (edge, places): (&crate::graph::Edge, crate::graph::EdgePlaces),
        published: Layer,
    ) -> (usize, bool) {
        let mut out = state.squash(&self.ctxs, Some(published));
        let target_route = next_route(wf, state, edge.target, &edge.back, self.route);
        let node = node_of(edge.target);
        let merge = state
            .staged
            .find_last(node, target_route)
            .filter(|&i| !items_out(wf, state, edge.target, target_route, i));
        let idx = match merge {
            Some(i) => {
                out.remove_first(0);
                let mut joined = state.staged.get(i).map(|s| s.ctxs.clone()).unwrap_or_default();
                joined.extend(out.iter().copied());
                let joined = state.squash(&joined, None);
                let sources = match edge.target {
                    Target::Task(t) => wf.shape(t).map_or(0, |shape| shape.sources as usize),
                    Target::Command(_) => 0,
                };
                if let Some(s) = state.staged.get_mut(i) {
                    s.ctxs = joined;
                    // A wide join hears from every source: room for all of them at once.
                    s.prev.reserve_placed(wf.edge_names(), sources);
                    s.prev.insert_placed(wf.edge_names(), || places.back, &edge.back, self.record);
                    s.clear_items();
                    s.completed = false;
                }
                i
            }
            None => {
                let prev = super::edgemap::EdgeMap::one(std::sync::Arc::clone(&edge.back), self.record);
                state.staged.push(new_staged(node, target_route, out, prev, false))
            }
        };
        let ready = match edge.target {
            Target::Task(t) => inbound_status(wf, state, t, self.route) == InboundStatus::Satisfied,
            Target::Command(_) => true,
        };
        if let Some(s) = state.staged.get_mut(idx) {
            s.ready = ready;
        }
        (idx, ready)
    }
}

/// Whether the staged instance `i` is a with-items task whose items are still out: an
/// arrival then waits for them in an instance of its own, as an arrival at a plain task that
/// is running does (`limits::next_pass`). Merged in, it restarted the items, and the reports
/// of the ones still out found no items to land on (a paused task stayed `pausing` for
/// ever). A join is no exception: Orquesta restarts its items beside the runs still out, and
/// the reports of one set or the other then crash it (`docs/differences-from-orquesta.md`).
fn items_out(wf: &Workflow, state: &State, target: Target, route: u32, i: usize) -> bool {
    let Target::Task(id) = target else { return false };
    if !wf.shape(id).is_some_and(|shape| shape.items) {
        return false;
    }
    let Some(s) = state.staged.get(i).filter(|s| !s.completed) else { return false };
    let Some(items) = s.items() else { return false };
    // Active or offered items are out, known from counts; a held (paused) one is found only
    // among the runs, looked through last.
    items.any_other(None, Status::is_active)
        || s.offered_items().is_some_and(|o| !o.is_empty())
        || super::limits::runs_out(state, id, route)
}

/// A transition's condition and publish, kept while its edges are followed: a transition
/// with many targets (a fan-out's `do: [p1, ..., p1000]`) is one condition and one publish,
/// evaluated once rather than once per target. Expressions are pure, and what they read (the
/// source's context layers, its result, the tasks' statuses) does not change while a task's
/// edges are followed, so every edge sees the same outcome; a failure is still logged for
/// every edge, as before. Edges are in target order, so only the last transition is kept.
#[derive(Default)]
struct Kept {
    transition: Option<usize>,
    taken: Option<Result<bool, String>>,
    published: Option<Result<Layer, Vec<String>>>,
}

impl Kept {
    fn switch_to(&mut self, transition: usize) {
        if self.transition != Some(transition) {
            *self = Kept { transition: Some(transition), taken: None, published: None };
        }
    }

    fn condition(
        &mut self,
        source: &Source<'_>,
        wf: &Workflow,
        state: &State,
        edge: &crate::graph::Edge,
    ) -> Result<bool, String> {
        self.switch_to(edge.transition);
        self.taken.get_or_insert_with(|| source.condition(wf, state, edge)).clone()
    }

    fn publish(
        &mut self,
        source: &Source<'_>,
        wf: &Workflow,
        state: &State,
        edge: &crate::graph::Edge,
    ) -> Result<Layer, Vec<String>> {
        self.switch_to(edge.transition);
        self.published.get_or_insert_with(|| source.publish(wf, state, edge)).clone()
    }
}

/// Evaluate every edge of a completed task and stage what its taken edges lead to.
/// Returns the engine commands to run next, in order. A failing condition or publish entry is
/// logged and fails the workflow; the task's other edges are still evaluated.
pub(crate) fn follow(
    wf: &Workflow,
    state: &mut State,
    record: usize,
    id: TaskId,
    route: u32,
    result: &Value,
) -> Vec<(Node, u32)> {
    let Some(task) = wf.task(id) else { return Vec::new() };
    let Some((ctxs, status)) = state.sequence.get(record).map(|r| (r.ctxs.clone(), r.status)) else {
        return Vec::new();
    };
    let source = Source { task, record, ctxs, status, route, result };
    // The edges and the shape, not the definition: for a fan-out's branches those are cold.
    let (edges, shape) = (wf.edges(id), wf.shape(id).unwrap_or_default());
    if edges.is_empty() {
        if let Some(r) = state.sequence.get_mut(record) {
            r.term = true;
        }
    }
    let (mut commands, mut ready_next, mut manual_fail) = (Vec::new(), Vec::new(), false);
    state.staged.reserve_instances(edges.len());
    if let Some(r) = state.sequence.get_mut(record) {
        r.next.reserve_placed(wf.edge_names(), edges.len());
    }
    // Only a task with a transition to several targets keeps outcomes between its edges.
    let mut kept = shape.several.then(Kept::default);
    let all_places = wf.edge_places(id);
    for (i, edge) in edges.iter().enumerate() {
        let Some(published) = take_edge(wf, state, &source, kept.as_mut(), i, edge) else { continue };
        let places = all_places.get(i).copied().unwrap_or(crate::graph::EdgePlaces::NONE);
        let (staged, ready) = source.stage(wf, state, (edge, places), published);
        let target = state.staged.get(staged).map(|s| (s.node, s.route));
        match (edge.target, target) {
            (Target::Command(c), Some(t)) => {
                commands.push(t);
                manual_fail |= c == EngineCommand::Fail;
            }
            // Kept only where a `fail` may follow: most tasks have none, and need no list.
            (Target::Task(_), Some(t)) if ready && shape.fails => ready_next.push(t),
            _ => {}
        }
    }
    if manual_fail {
        run_on_fail(state, ready_next);
    }
    commands
}

/// Evaluate one edge: its condition (noting the outcome on the source's record), then, when
/// taken, its publish. `None` when not taken or when either failed (logged, and the
/// workflow fails).
fn take_edge(
    wf: &Workflow,
    state: &mut State,
    source: &Source<'_>,
    mut kept: Option<&mut Kept>,
    i: usize,
    edge: &crate::graph::Edge,
) -> Option<Layer> {
    let condition = match kept.as_deref_mut() {
        Some(kept) => kept.condition(source, wf, state, edge),
        None => source.condition(wf, state, edge),
    };
    let taken = match condition {
        Ok(taken) => taken,
        Err(message) => {
            source.error(state, message, edge);
            request_status(wf, state, Status::Failed);
            return None;
        }
    };
    state.set_edge_taken(wf, source.record, i, taken);
    if !taken {
        return None;
    }
    let published = match kept {
        Some(kept) => kept.publish(source, wf, state, edge),
        None => source.publish(wf, state, edge),
    };
    match published {
        Ok(p) => Some(p),
        Err(errors) => {
            for message in errors {
                source.error(state, message, edge);
            }
            request_status(wf, state, Status::Failed);
            None
        }
    }
}

/// Tasks named in the same transitions as a `fail` still run after the workflow failed.
fn run_on_fail(state: &mut State, ready: Vec<(Node, u32)>) {
    for (node, r) in ready {
        if let Some(s) = state.staged_mut(node, r) {
            s.run_on_fail = true;
        }
    }
}
