//! Semantic checks, as Orquesta makes them: reserved task names, a missing start task,
//! undefined transition targets, ambiguous joins, and with-items tasks without an action.
//!
//! Orquesta walks the graph breadth-first from the start tasks and reports an undefined target
//! each time it visits the task naming it, which it can do more than once; the walk here is
//! the same, so the same definition gets the same list of errors. A work budget bounds the
//! walk on pathological graphs, after which each task is visited once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::topology::Topology;
use crate::diag::{Category, Diagnostic};
use crate::spec::{ENGINE_COMMANDS, WorkflowSpec, keys_closest};

/// Visits after which the walks stop repeating tasks.
pub(super) const WALK_BUDGET: usize = 20_000;

fn semantics(path: String, at: Option<crate::diag::Location>, message: String) -> Diagnostic {
    Diagnostic::new(Category::Semantics, Some(path), at, message)
}

/// All semantic problems of a spec walked from `starts`.
pub(super) fn check(
    spec: &WorkflowSpec,
    topo: &Topology<'_>,
    starts: &[String],
    explicit: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for task in &spec.tasks {
        if ENGINE_COMMANDS.contains(&task.name.as_str()) {
            out.push(
                semantics(
                    format!("tasks.{}", task.name),
                    Some(task.at),
                    format!("The task name \"{}\" is reserved with special function.", task.name),
                )
                .with_hint(format!(
                    "rename the task: `{}` is an engine command usable only as a `do` target",
                    task.name
                )),
            );
        }
    }
    if !spec.tasks.is_empty() && starts.is_empty() && !explicit {
        let cycle = topo.cyclic_tasks();
        out.push(
            semantics("tasks".into(), spec.tasks.first().map(|t| t.at), "Unable to identify any tasks to start the workflow. If the workflow has a loop, please add a task that serves as an entry point (or lead) into the loop.".into())
                .with_hint(format!("every task has an inbound transition (the cycle {} hides the entry); add a lead task, or start the workflow at a named task", cycle.join(" -> "))),
        );
    }
    if explicit {
        for s in starts.iter().filter(|s| topo.task(s).is_none()) {
            out.push(semantics("tasks".into(), None, format!("The start task \"{s}\" is not defined.")));
        }
    }
    out.extend(undefined_targets(spec, topo, starts));
    out.extend(ambiguous_joins(topo, starts));
    for task in spec.tasks.iter().filter(|t| t.with.is_some() && t.action.is_none()) {
        out.push(
            semantics(
                format!("tasks.{}", task.name),
                Some(task.at),
                "The action property is required for with items task.".into(),
            )
            .with_hint("add `action:`; `with` runs the action once per item"),
        );
    }
    out
}

fn undefined_targets(spec: &WorkflowSpec, topo: &Topology<'_>, starts: &[String]) -> Vec<Diagnostic> {
    let names: Vec<&str> = spec.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut out = Vec::new();
    let mut traversed: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    let mut visits = 0usize;
    while let Some(name) = queue.pop_front() {
        visits += 1;
        let repeat = traversed.contains(&name);
        if repeat && visits > WALK_BUDGET {
            continue;
        }
        traversed.insert(name.clone());
        let Some(task) = topo.task(&name).and_then(|i| spec.tasks.get(i)) else { continue };
        for (i, tr) in task.next.iter().enumerate() {
            for target in &tr.targets {
                if traversed.contains(&target.value) {
                    continue;
                }
                if topo.has_task(&target.value) {
                    if !ENGINE_COMMANDS.contains(&target.value.as_str()) {
                        queue.push_back(target.value.clone());
                    }
                } else {
                    let mut d = semantics(
                        format!("tasks.{}.next[{i}].do", task.name),
                        Some(target.at),
                        format!("The task \"{}\" is not defined.", target.value),
                    );
                    d.hint = Some(match keys_closest(&target.value, names.iter().copied()) {
                        Some(close) => {
                            format!("did you mean \"{close}\"? defined tasks: {}", names.join(", "))
                        }
                        None => format!(
                            "define a task named \"{}\" under `tasks`, or use one of: {}",
                            target.value,
                            names.join(", ")
                        ),
                    });
                    out.push(d);
                }
            }
        }
    }
    out
}

/// Orquesta's "unreachable join": a join whose inbound branches come from different nesting
/// levels of split tasks, so the engine could not tell which level to join at.
fn ambiguous_joins(topo: &Topology<'_>, starts: &[String]) -> Vec<Diagnostic> {
    struct Meta {
        splits: BTreeSet<String>,
        prev: BTreeSet<String>,
    }
    let mut staging: BTreeMap<String, Meta> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut seen: BTreeSet<(String, Option<String>, Vec<String>)> = BTreeSet::new();
    let mut queue: VecDeque<(Option<String>, String, Vec<String>)> =
        starts.iter().map(|s| (None, s.clone(), Vec::new())).collect();
    while let Some((prev, name, mut splits)) = queue.pop_front() {
        if topo.task(&name).is_none() {
            continue;
        }
        if topo.is_split(&name) && !topo.in_cycle(&name) {
            splits.push(name.clone());
        }
        // Re-processing an identical visit changes nothing: skip it (Orquesta would repeat it
        // once per path, which is exponential in the number of diamonds).
        if !seen.insert((name.clone(), prev.clone(), splits.clone())) {
            continue;
        }
        let meta = staging.entry(name.clone()).or_insert_with(|| {
            order.push(name.clone());
            Meta { splits: BTreeSet::new(), prev: BTreeSet::new() }
        });
        meta.splits.extend(splits.iter().cloned());
        if let Some(p) = prev {
            meta.prev.insert(p);
        }
        for edge in topo.edges(&name) {
            if !staging.contains_key(&edge.target) || !topo.in_cycle(&edge.target) {
                queue.push_back((Some(name.clone()), edge.target.clone(), splits.clone()));
            }
        }
    }
    let mut out = Vec::new();
    for name in order.iter().filter(|n| topo.is_join(n)) {
        let Some(meta) = staging.get(name) else { continue };
        let mismatch = meta.prev.iter().any(|p| staging.get(p).is_none_or(|pm| pm.splits != meta.splits));
        if mismatch {
            let at = topo.task(name).and_then(|i| topo.spec.tasks.get(i)).map(|t| t.at);
            out.push(
                semantics(format!("tasks.{name}"), at, format!("The join task \"{name}\" is unreachable. A join task is determined to be unreachable if there are nested forks from multi-referenced tasks that join on the said task. This is ambiguous to the workflow engine because it does not know at which level should the join occurs."))
                    .with_hint("join the inner fork first, then join its result with the outer branches"),
            );
        }
    }
    out
}
