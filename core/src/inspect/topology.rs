//! The transition graph of a spec: edges, start tasks, split tasks and cycles.
//!
//! These definitions are Orquesta's, because routes and joins depend on them: a task's
//! outbound edges are listed by target name (then definition order); a *split* task is a
//! non-join task referenced by more than one `do` entry in the workflow (each transition
//! counts); a task is *in a cycle* when it can reach itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::spec::{ENGINE_COMMANDS, WorkflowSpec};

/// One outbound edge: target name, transition index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) target: String,
    pub(crate) transition: usize,
}

/// Precomputed edges of a spec, by task index.
pub(crate) struct Topology<'a> {
    pub(crate) spec: &'a WorkflowSpec,
    pub(crate) index: BTreeMap<&'a str, usize>,
    /// Outbound edges per task, sorted by target name, then transition order.
    pub(crate) next: Vec<Vec<Edge>>,
    /// Number of `do` entries naming each task.
    pub(crate) inbound: Vec<usize>,
}

impl<'a> Topology<'a> {
    pub(crate) fn new(spec: &'a WorkflowSpec) -> Self {
        let mut index = BTreeMap::new();
        for (i, t) in spec.tasks.iter().enumerate() {
            index.entry(t.name.as_str()).or_insert(i);
        }
        let mut inbound = vec![0; spec.tasks.len()];
        let next = spec
            .tasks
            .iter()
            .map(|t| {
                let mut edges: Vec<Edge> = t
                    .next
                    .iter()
                    .enumerate()
                    .flat_map(|(i, tr)| {
                        let targets: Vec<String> = if tr.targets.is_empty() {
                            vec!["continue".to_owned()]
                        } else {
                            tr.targets.iter().map(|t| t.value.clone()).collect()
                        };
                        targets.into_iter().map(move |target| Edge { target, transition: i })
                    })
                    .collect();
                edges.sort_by(|a, b| a.target.cmp(&b.target));
                edges
            })
            .collect::<Vec<_>>();
        for edges in &next {
            for e in edges {
                if let Some(&j) = index.get(e.target.as_str()) {
                    if let Some(n) = inbound.get_mut(j) {
                        *n += 1;
                    }
                }
            }
        }
        Topology { spec, index, next, inbound }
    }

    /// Index of a defined task.
    pub(crate) fn task(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// True for a defined task or an engine command.
    pub(crate) fn has_task(&self, name: &str) -> bool {
        ENGINE_COMMANDS.contains(&name) || self.index.contains_key(name)
    }

    /// Outbound edges of a name; engine commands and undefined names have none.
    pub(crate) fn edges(&self, name: &str) -> &[Edge] {
        self.task(name).and_then(|i| self.next.get(i)).map_or(&[], Vec::as_slice)
    }

    /// Tasks with no inbound edge, sorted by name.
    pub(crate) fn start_tasks(&self) -> Vec<&'a str> {
        let mut starts: Vec<&str> = self
            .spec
            .tasks
            .iter()
            .zip(&self.inbound)
            .filter(|(_, n)| **n == 0)
            .map(|(t, _)| t.name.as_str())
            .collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    pub(crate) fn is_join(&self, name: &str) -> bool {
        self.task(name).and_then(|i| self.spec.tasks.get(i)).is_some_and(|t| t.join.is_some())
    }

    pub(crate) fn is_split(&self, name: &str) -> bool {
        !self.is_join(name) && self.task(name).and_then(|i| self.inbound.get(i)).is_some_and(|n| *n > 1)
    }

    /// True when `name` can reach itself through transitions.
    pub(crate) fn in_cycle(&self, name: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<&str> = self.edges(name).iter().map(|e| e.target.as_str()).collect();
        while let Some(n) = queue.pop_front() {
            if n == name {
                return true;
            }
            if seen.insert(n) {
                queue.extend(self.edges(n).iter().map(|e| e.target.as_str()));
            }
        }
        false
    }

    /// The tasks that lie on some cycle, in declaration order (for "no start task" hints).
    pub(crate) fn cyclic_tasks(&self) -> Vec<&'a str> {
        self.spec.tasks.iter().map(|t| t.name.as_str()).filter(|n| self.in_cycle(n)).collect()
    }
}
