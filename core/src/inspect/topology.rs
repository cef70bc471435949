//! The transition graph of a spec: edges, start tasks, split tasks and cycles.
//!
//! These definitions are Orquesta's, because routes and joins depend on them: a task's
//! outbound edges are listed by target name (then definition order); a *split* task is a
//! non-join task referenced by more than one `do` entry in the workflow (each transition
//! counts); a task is *in a cycle* when it can reach itself.

use std::collections::BTreeMap;

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
    /// Whether each task can reach itself.
    cyclic: Vec<bool>,
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
        let targets: Vec<Vec<usize>> = next
            .iter()
            .map(|edges| edges.iter().filter_map(|e| index.get(e.target.as_str()).copied()).collect())
            .collect();
        let cyclic = on_cycles(&targets);
        Topology { spec, index, next, inbound, cyclic }
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
        self.task(name).and_then(|i| self.cyclic.get(i)).copied().unwrap_or(false)
    }

    /// The tasks that lie on some cycle, in declaration order (for "no start task" hints).
    pub(crate) fn cyclic_tasks(&self) -> Vec<&'a str> {
        self.spec.tasks.iter().map(|t| t.name.as_str()).filter(|n| self.in_cycle(n)).collect()
    }
}

/// Which nodes lie on a cycle: those in a strongly connected component of more than one node,
/// or with an edge to themselves. Kosaraju's two passes, iterative (a 100,000-task chain
/// must not overflow the stack), so this is linear where a search per task was quadratic.
fn on_cycles(targets: &[Vec<usize>]) -> Vec<bool> {
    let n = targets.len();
    let mut sources: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ts) in targets.iter().enumerate() {
        for &t in ts {
            if let Some(s) = sources.get_mut(t) {
                s.push(i);
            }
        }
    }
    // Pass 1: nodes in order of finishing a depth-first search along the edges.
    let (mut seen, mut order) = (vec![false; n], Vec::with_capacity(n));
    for root in 0..n {
        if std::mem::replace(&mut seen[root], true) {
            continue;
        }
        let mut stack = vec![(root, 0)];
        while let Some((node, next)) = stack.pop() {
            match targets[node].get(next) {
                Some(&t) => {
                    stack.push((node, next + 1));
                    if !std::mem::replace(&mut seen[t], true) {
                        stack.push((t, 0));
                    }
                }
                None => order.push(node),
            }
        }
    }
    // Pass 2: against the edges, latest finished first; each search is one component.
    let mut component = vec![usize::MAX; n];
    let mut sizes = Vec::new();
    for &root in order.iter().rev() {
        if component[root] != usize::MAX {
            continue;
        }
        let id = sizes.len();
        let (mut size, mut stack) = (0, vec![root]);
        component[root] = id;
        while let Some(node) = stack.pop() {
            size += 1;
            for &s in &sources[node] {
                if component[s] == usize::MAX {
                    component[s] = id;
                    stack.push(s);
                }
            }
        }
        sizes.push(size);
    }
    (0..n).map(|i| sizes[component[i]] > 1 || targets[i].contains(&i)).collect()
}
