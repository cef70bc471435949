//! From an inspected spec to the graph. Inspection has already proved every name resolves and
//! every expression parses, so a failure here would be a bug; it is still reported as a
//! diagnostic rather than a panic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::{
    Count, Edge, EngineCommand, Graph, Items, JoinArity, Retry, Target, Task, TaskId, Transition, Workflow,
};
use crate::diag::{Category, Diagnostic, Diagnostics};
use crate::expr::{Template, ValueTemplate};
use crate::inspect::topology::Topology;
use crate::inspect::{CompileOptions, inspect_with};
use crate::spec::{self, Binding, Join, WorkflowSpec};

/// Compile a definition into a [`Workflow`], or return every problem inspection found.
pub fn compile(text: &str) -> Result<Workflow, Diagnostics> {
    compile_with(text, &CompileOptions::default())
}

/// Compile with options (for example, named start tasks for a workflow that is one cycle).
pub fn compile_with(text: &str, options: &CompileOptions) -> Result<Workflow, Diagnostics> {
    let (spec, diagnostics) = inspect_with(text, options);
    match spec {
        Some(spec) if !diagnostics.has_errors() => build(&spec, options).map_err(|d| Diagnostics(vec![d])),
        _ => Err(diagnostics),
    }
}

fn internal(message: String) -> Diagnostic {
    Diagnostic::new(Category::Semantics, None, None, format!("internal compilation error: {message}"))
}

fn template(text: &str) -> Result<Template, Diagnostic> {
    Template::compile(text).map_err(|e| internal(format!("{e:?}")))
}

/// A condition compiled once per distinct text and shared: a generated workflow repeats
/// `<% succeeded() %>` on every task, and one tree for all of them is one tree in the cache
/// (a fan-out of 100,000 branches read 100,000 cold copies, one per completion).
fn shared_template<'a>(
    cache: &mut BTreeMap<&'a str, Arc<Template>>,
    text: &'a str,
) -> Result<Arc<Template>, Diagnostic> {
    if let Some(t) = cache.get(text) {
        return Ok(Arc::clone(t));
    }
    let t = Arc::new(template(text)?);
    cache.insert(text, Arc::clone(&t));
    Ok(t)
}

fn value(v: &serde_json::Value) -> Result<ValueTemplate, Diagnostic> {
    ValueTemplate::compile(v).map_err(|e| internal(format!("{e:?}")))
}

fn count(c: &spec::Count) -> Result<Count, Diagnostic> {
    Ok(match c {
        spec::Count::Literal(n) => Count::Literal(*n),
        spec::Count::Expr(e) => Count::Expr(template(e)?),
    })
}

fn bindings(list: &[Binding]) -> Result<Vec<(String, ValueTemplate)>, Diagnostic> {
    list.iter().map(|b| Ok((b.name.clone(), value(&b.value)?))).collect()
}

fn id(i: usize) -> Result<TaskId, Diagnostic> {
    u32::try_from(i).map(TaskId).map_err(|_| internal("too many tasks".into()))
}

fn build(spec: &WorkflowSpec, options: &CompileOptions) -> Result<Workflow, Diagnostic> {
    let topo = Topology::new(spec);
    let ids: BTreeMap<&str, TaskId> = spec
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| Ok((t.name.as_str(), id(i)?)))
        .collect::<Result<_, Diagnostic>>()?;
    let resolve = |name: &str| -> Result<Target, Diagnostic> {
        Ok(match name {
            "continue" => Target::Command(EngineCommand::Continue),
            "fail" => Target::Command(EngineCommand::Fail),
            "noop" => Target::Command(EngineCommand::Noop),
            "retry" => Target::Command(EngineCommand::Retry),
            task => Target::Task(*ids.get(task).ok_or_else(|| internal(format!("undefined task {task}")))?),
        })
    };
    let mut tasks = Vec::with_capacity(spec.tasks.len());
    let mut conditions = BTreeMap::new();
    for t in &spec.tasks {
        let transitions = t
            .next
            .iter()
            .map(|tr| {
                let targets = if tr.targets.is_empty() {
                    vec![Target::Command(EngineCommand::Continue)]
                } else {
                    tr.targets.iter().map(|x| resolve(&x.value)).collect::<Result<_, _>>()?
                };
                Ok(Transition {
                    when: tr.when.as_ref().map(|w| shared_template(&mut conditions, &w.value)).transpose()?,
                    publish: bindings(&tr.publish)?,
                    targets,
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        tasks.push(Task {
            name: t.name.clone(),
            at: t.at,
            action: t.action.as_ref().map(|a| template(&a.value)).transpose()?,
            input: t.input.as_ref().map(|i| value(&i.value)).transpose()?,
            transitions,
            inbound: Vec::new(),
            edges: Vec::new(),
            inbound_edges: Vec::new(),
            sources: 0,
            join: None,
            items: t
                .with
                .as_ref()
                .map(|w| -> Result<Box<Items>, Diagnostic> {
                    let (names, expr) = spec_items(&w.items.value)?;
                    Ok(Box::new(Items {
                        names,
                        items: template(&expr)?,
                        concurrency: w.concurrency.as_ref().map(|c| count(&c.value)).transpose()?,
                    }))
                })
                .transpose()?,
            retry: t
                .retry
                .as_ref()
                .map(|r| -> Result<Box<Retry>, Diagnostic> {
                    Ok(Box::new(Retry {
                        when: r.when.as_ref().map(|w| template(&w.value)).transpose()?,
                        count: count(&r.count.value)?,
                        delay: r.delay.as_ref().map(|d| count(&d.value)).transpose()?,
                    }))
                })
                .transpose()?,
            delay: t.delay.as_ref().map(|d| count(&d.value)).transpose()?,
            split: topo.is_split(&t.name) && !topo.in_cycle(&t.name),
            in_cycle: topo.in_cycle(&t.name),
            max_iterations: t.max_iterations,
            timeout: t.timeout,
        });
    }
    link(&mut tasks, spec)?;
    edges(&mut tasks)?;
    let entry = match &options.start_tasks {
        Some(named) => named
            .iter()
            .map(|n| ids.get(n.as_str()).copied().ok_or_else(|| internal(format!("undefined start {n}"))))
            .collect::<Result<_, _>>()?,
        None => topo.start_tasks().into_iter().filter_map(|n| ids.get(n).copied()).collect(),
    };
    let by_name = name_order(&tasks);
    let (edge_names, edge_places) = place_edges(&tasks);
    let graph = Graph {
        offers: offer_info(&tasks, &by_name),
        shapes: tasks.iter().map(super::Shape::of).collect(),
        targets: tasks.iter().flat_map(distinct_targets).collect(),
        target_start: starts(&tasks, |t| distinct_targets(t).count())?,
        edges: tasks.iter().flat_map(|t| t.edges.iter().cloned()).collect(),
        edge_start: starts(&tasks, |t| t.edges.len())?,
        by_name,
        tasks,
        entry,
        input: spec
            .input
            .iter()
            .map(|i| Ok((i.name.clone(), i.default.as_ref().map(value).transpose()?)))
            .collect::<Result<_, Diagnostic>>()?,
        vars: bindings(&spec.vars)?,
        output: bindings(&spec.output)?,
        limits: spec.limits,
        edge_names,
        edge_places,
    };
    Ok(Workflow { inner: Arc::new(graph) })
}

/// The table of every edge name, and each edge's places in it, in the order of the flat
/// edge array (every task's edges in id order).
fn place_edges(tasks: &[Task]) -> (Arc<crate::engine::EdgeNames>, Vec<super::EdgePlaces>) {
    let edges = || tasks.iter().flat_map(|t| t.edges.iter());
    let count = tasks.iter().map(|t| t.edges.len()).sum::<usize>();
    let all = edges().flat_map(|e| [Arc::clone(&e.id), Arc::clone(&e.back)]);
    let names = Arc::new(crate::engine::EdgeNames::new(all, 2 * count));
    // Every name is in the table; no place (`u32::MAX`) would make a map take the name.
    let place = |n: &Arc<str>| names.place(n).unwrap_or(u32::MAX);
    let mut places = Vec::with_capacity(count);
    places.extend(edges().map(|e| super::EdgePlaces { id: place(&e.id), back: place(&e.back) }));
    (names, places)
}

fn spec_items(text: &str) -> Result<(Vec<String>, String), Diagnostic> {
    spec::split_items(text).ok_or_else(|| internal(format!("bad items {text}")))
}

/// Fill inbound edges and join arity.
fn link(tasks: &mut [Task], spec: &WorkflowSpec) -> Result<(), Diagnostic> {
    let mut inbound: Vec<Vec<(TaskId, usize)>> = vec![Vec::new(); tasks.len()];
    for (source, task) in tasks.iter().enumerate() {
        for (ti, tr) in task.transitions.iter().enumerate() {
            for target in &tr.targets {
                if let Target::Task(t) = target {
                    if let Some(list) = inbound.get_mut(t.index()) {
                        list.push((id(source)?, ti));
                    }
                }
            }
        }
    }
    for ((task, edges), t) in tasks.iter_mut().zip(inbound).zip(&spec.tasks) {
        let sources = {
            let mut s: Vec<TaskId> = edges.iter().map(|(src, _)| *src).collect();
            s.dedup();
            s.len()
        };
        task.join = t.join.as_ref().map(|j| match j.value {
            Join::All => JoinArity::All(sources),
            Join::Count(n) => JoinArity::Count(usize::try_from(n).unwrap_or(usize::MAX)),
        });
        task.inbound = edges;
    }
    Ok(())
}

/// Orquesta's edge view: `do: retry` becomes a retry policy (three retries while the
/// transition's condition holds) instead of an edge; every other target is an edge, listed by
/// target name with a key counting the edges between the same two tasks.
fn edges(tasks: &mut [Task]) -> Result<(), Diagnostic> {
    let names: Vec<String> = tasks.iter().map(|t| t.name.clone()).collect();
    let name_of = |t: Target| match t {
        Target::Task(id) => names.get(id.index()).cloned().unwrap_or_default(),
        Target::Command(c) => c.name().to_owned(),
    };
    let mut inbound: Vec<Vec<(TaskId, u32)>> = vec![Vec::new(); tasks.len()];
    let lists: Vec<Vec<(String, Target, usize)>> =
        tasks.iter_mut().map(|task| targets_by_name(task, &name_of)).collect::<Result<_, _>>()?;
    let edge_names = |task: &Task, list: &[(String, Target, usize)]| -> Vec<(String, String, u32)> {
        let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
        list.iter()
            .map(|(name, _, _)| {
                let key = seen.entry(name.as_str()).or_insert(0);
                let names = (format!("{name}__t{key}"), format!("{}__t{key}", task.name), *key);
                *key += 1;
                names
            })
            .collect()
    };
    let names: Vec<Vec<(String, String, u32)>> =
        tasks.iter().zip(&lists).map(|(task, list)| edge_names(task, list)).collect();
    // One allocation per distinct name: every branch of a fan-out names its edge into the
    // join `join__t0`, and a chain's `t2__t0` is both t1's edge out and t2's way in. Each
    // record holds its edges' names (a reference count), so a shared name stays in the
    // cache instead of a cold allocation per task touched on every completion. The names are
    // allocated first, one after another in run order (see `run_order`), so that names a run
    // reads one after another lie one after another. Allocated as each was met, between the
    // edge lists and whatever the compiler had freed, a long chain's names fell wherever the
    // allocator had room: chain-100000 read 530 or 700 ns per action by the binary it ran in.
    let mut interned: BTreeMap<&str, Arc<str>> = BTreeMap::new();
    let mut lists: Vec<Option<Vec<(String, Target, usize)>>> = lists.into_iter().map(Some).collect();
    let order = run_order(&lists);
    for names in order.iter().filter_map(|&source| names.get(source)) {
        for (id, back, _) in names {
            share(&mut interned, id);
            share(&mut interned, back);
        }
    }
    for source in order {
        let (Some(task), Some(list), Some(names)) =
            (tasks.get_mut(source), lists.get_mut(source).and_then(Option::take), names.get(source))
        else {
            continue;
        };
        let transitions = &task.transitions;
        task.edges = list
            .into_iter()
            .zip(names)
            .map(|((_, target, transition), (id, back, key))| {
                let tr = transitions.get(transition);
                Edge {
                    target,
                    key: *key,
                    transition,
                    id: share(&mut interned, id),
                    back: share(&mut interned, back),
                    when: tr.and_then(|t| t.when.clone()),
                    publishes: tr.is_some_and(|t| !t.publish.is_empty()),
                }
            })
            .collect();
        for e in &task.edges {
            if let Target::Task(t) = e.target {
                if let Some(list) = inbound.get_mut(t.index()) {
                    list.push((id(source)?, e.key));
                }
            }
        }
    }
    for (task, mut list) in tasks.iter_mut().zip(inbound) {
        // By source in declaration order, as they were listed before the walk in run order.
        list.sort_unstable();
        task.sources = list.iter().map(|(s, _)| *s).collect::<BTreeSet<_>>().len();
        task.inbound_edges = list;
    }
    Ok(())
}

/// A task's transition targets as (target name, target, `T`), in edge order.
type Targets<T> = Vec<(String, Target, T)>;

/// The shared allocation of an edge name, made the first time it is asked for (the pass
/// before the edges are built asks for every name, in run order).
fn share<'a>(interned: &mut BTreeMap<&'a str, Arc<str>>, text: &'a str) -> Arc<str> {
    Arc::clone(interned.entry(text).or_insert_with(|| Arc::from(text)))
}

/// The order tasks are built in, so that what a run reads together lies together: breadth
/// first along the edges, from each task not yet reached in declaration order. A chain comes
/// in its order, a fan-out's branches in edge (name) order: the order each runs in. Each
/// completion counts a reference on its edges' names (a locked instruction that waits for
/// the load), and names allocated in declaration order between the compiler's other
/// allocations put a cold, scattered line under every branch of a wide fan-out.
fn run_order<T>(lists: &[Option<Targets<T>>]) -> Vec<usize> {
    let mut reached = vec![false; lists.len()];
    let mut order = Vec::with_capacity(lists.len());
    let mut queue = std::collections::VecDeque::new();
    for root in 0..lists.len() {
        if std::mem::replace(&mut reached[root], true) {
            continue;
        }
        queue.push_back(root);
        while let Some(t) = queue.pop_front() {
            order.push(t);
            for (_, target, _) in lists.get(t).and_then(Option::as_ref).map(Vec::as_slice).unwrap_or_default()
            {
                if let Target::Task(next) = target {
                    // Marked reached now; queued if it was not before.
                    if let Some(false) = reached.get_mut(next.index()).map(|r| std::mem::replace(r, true)) {
                        queue.push_back(next.index());
                    }
                }
            }
        }
    }
    order
}

/// A task's transition targets as (target name, target, transition), sorted by name: the
/// order of its edges. A `retry` target is no edge: it becomes the task's retry policy.
fn targets_by_name(
    task: &mut Task,
    name_of: &impl Fn(Target) -> String,
) -> Result<Vec<(String, Target, usize)>, Diagnostic> {
    let mut list: Vec<(String, Target, usize)> = Vec::new();
    for (i, tr) in task.transitions.iter().enumerate() {
        for &target in &tr.targets {
            if target == Target::Command(EngineCommand::Retry) {
                let when = match &tr.when {
                    Some(w) => Template::clone(w),
                    None => template("<% completed() %>")?,
                };
                task.retry =
                    Some(Box::new(Retry { when: Some(when), count: Count::Literal(3), delay: None }));
                continue;
            }
            list.push((name_of(target), target, i));
        }
    }
    list.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(list)
}

/// The distinct tasks `task` has an edge into, in edge order.
fn distinct_targets(task: &Task) -> impl Iterator<Item = TaskId> + '_ {
    super::group_starts(&task.edges).map(|(_, t)| t)
}

/// Where each task's part of a list of every task's parts (its [`distinct_targets`], its
/// edges) starts, `count` long, and where the last ends.
fn starts(tasks: &[Task], count: impl Fn(&Task) -> usize) -> Result<Vec<u32>, Diagnostic> {
    let mut starts = Vec::with_capacity(tasks.len() + 1);
    let mut at = 0usize;
    starts.push(0);
    for t in tasks {
        at += count(t);
        starts.push(u32::try_from(at).map_err(|_| internal("more than 2^32 edges".into()))?);
    }
    Ok(starts)
}

/// Task ids in name order.
fn name_order(tasks: &[Task]) -> Vec<TaskId> {
    let mut order: Vec<TaskId> = (0..tasks.len()).filter_map(|i| id(i).ok()).collect();
    order.sort_by(|a, b| tasks.get(a.index()).map(|t| &t.name).cmp(&tasks.get(b.index()).map(|t| &t.name)));
    order
}

/// What starting each task needs: its name (one buffer for all), its place in name order
/// (`by_name` inverted), its action reference when written out, and whether nothing is
/// evaluated to start it.
fn offer_info(tasks: &[Task], by_name: &[TaskId]) -> Vec<super::OfferInfo> {
    let mut rank = vec![0; tasks.len()];
    for (place, id) in by_name.iter().enumerate() {
        if let Some(r) = rank.get_mut(id.index()) {
            *r = u32::try_from(place).unwrap_or(u32::MAX);
        }
    }
    let names = crate::Name::many(tasks.iter().map(|t| t.name.as_str()));
    let actions = literal_actions(tasks);
    tasks
        .iter()
        .zip(names)
        .zip(actions)
        .zip(rank)
        .map(|(((t, name), action), rank)| {
            let computed_action = t.action.is_some() && action.is_none();
            let plain = t.items.is_none() && t.delay.is_none() && t.input.is_none() && !computed_action;
            super::OfferInfo { name, rank, action, plain, max_iterations: t.max_iterations }
        })
        .collect()
}

/// Each task's action reference when written out, as shared names: one buffer holding each
/// distinct reference once (a generated workflow names `core.noop` on every task).
fn literal_actions(tasks: &[Task]) -> Vec<Option<crate::Name>> {
    fn literal(t: &Task) -> Option<&str> {
        match &t.action {
            Some(Template::Plain(text)) => Some(text.as_str()),
            _ => None,
        }
    }
    let distinct: BTreeSet<&str> = tasks.iter().filter_map(literal).collect();
    let shared: BTreeMap<&str, crate::Name> =
        distinct.iter().copied().zip(crate::Name::many(distinct.iter().copied())).collect();
    tasks.iter().map(|t| literal(t).and_then(|a| shared.get(a).cloned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Targets as `edges` lists them, for tasks given by the indices of their targets.
    fn lists(spec: &[&[u32]]) -> Vec<Option<Targets<()>>> {
        spec.iter()
            .map(|to| Some(to.iter().map(|&t| (String::new(), Target::Task(TaskId(t)), ())).collect()))
            .collect()
    }

    #[test]
    fn tasks_are_built_in_the_order_a_chain_and_a_fan_out_run() {
        // A chain in declaration order, and declared backwards.
        assert_eq!(run_order(&lists(&[&[1], &[2], &[3], &[]])), [0, 1, 2, 3]);
        assert_eq!(run_order(&lists(&[&[], &[0], &[1], &[2]])), [0, 1, 2, 3], "roots in declaration order");
        // start -> p1, p10, p2 (edges in name order: ids 1, 3, 2) -> join (4).
        assert_eq!(run_order(&lists(&[&[1, 3, 2], &[4], &[4], &[4], &[]])), [0, 1, 3, 2, 4]);
        // A cycle, and a task nothing reaches.
        assert_eq!(run_order(&lists(&[&[1], &[0], &[]])), [0, 1, 2]);
    }
}
