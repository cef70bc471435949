//! Arrivals at each task instance, counted as records change, so a join checks its barrier
//! with one lookup instead of walking every inbound edge on each arrival: with the walk, a
//! fan-out of N tasks into a join cost O(N²) per run.
//!
//! What is counted is exactly what Orquesta's inbound criteria read: for a target task and a
//! route, how many distinct inbound tasks have a latest record on that route (`present`), and
//! how many of those records took an edge into the target (`taken`). Both change only where a
//! task's latest record is replaced (a new record takes nothing yet) and where a completed
//! record's edge outcomes are written, and this module is called at both places.
//!
//! Derived data, like the status tally it lives beside: never serialized, rebuilt by the
//! first step after a load, and checked against the walk by a debug assertion.

use super::nodemap::NodeMap;
use super::state::{Node, Record, State};
use crate::graph::{Edge, Target, TaskId, Workflow, group_starts};

/// Inbound tasks of one target on one route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Arrivals {
    /// Inbound tasks with a latest record on the route.
    pub(crate) present: usize,
    /// Those whose latest record took an edge into the target.
    pub(crate) taken: usize,
}

/// Whether `record` took any of its task's `edges` that start at `edges[first]` and lead to
/// the same target. Edges are sorted by target, so the group is contiguous.
fn took_group(edges: &[Edge], record: &Record, first: usize) -> bool {
    let Some(group) = edges.get(first..) else { return false };
    let Some(target) = group.first().map(|e| e.target) else { return false };
    group.iter().take_while(|e| e.target == target).any(|e| record.next.get(&e.id).copied().unwrap_or(false))
}

impl State {
    /// Count every latest record's arrivals afresh.
    pub(crate) fn count_arrivals(&self, wf: &Workflow) -> NodeMap<Arrivals> {
        let mut counts: NodeMap<Arrivals> = NodeMap::default();
        counts.reserve(wf.graph().tasks.len());
        for r in self.latest_records() {
            let Node::Task(src) = r.node else { continue };
            let edges = wf.edges(src);
            for (first, target) in group_starts(edges) {
                let a = counts.entry(Node::Task(target), r.route);
                a.present += 1;
                a.taken += usize::from(took_group(edges, r, first));
            }
        }
        counts
    }

    /// The arrivals at `target` on `route`, from the counts when they are built.
    pub(crate) fn arrivals(&self, wf: &Workflow, target: TaskId, route: u32) -> Arrivals {
        if !self.tally.ready() {
            return self.count_arrivals(wf).get(Node::Task(target), route).copied().unwrap_or_default();
        }
        let fast = self.tally.inbound.get(Node::Task(target), route).copied().unwrap_or_default();
        debug_assert_eq!(
            fast,
            self.count_arrivals(wf).get(Node::Task(target), route).copied().unwrap_or_default(),
            "the arrival counts drifted"
        );
        fast
    }

    /// Account for a task's new latest record (which has taken nothing yet) replacing `old`.
    pub(crate) fn arrivals_replace(&mut self, wf: &Workflow, node: Node, route: u32, old: Option<usize>) {
        let (Node::Task(src), true) = (node, self.tally.ready()) else { return };
        let Some(old) = old.and_then(|i| self.sequence.get(i)) else {
            // A first record: present at each target, taken nothing.
            for &target in wf.targets(src) {
                self.tally.inbound.entry(Node::Task(target), route).present += 1;
            }
            return;
        };
        // A record replaced: still present, but what it took no longer counts. A target it
        // did not take is left alone: its count is unchanged, and a loop's record replaced
        // every pass did not take its exit.
        let edges = wf.edges(src);
        for (first, target) in group_starts(edges) {
            if took_group(edges, old, first) {
                let a = self.tally.inbound.entry(Node::Task(target), route);
                a.taken = a.taken.saturating_sub(1);
            }
        }
    }

    /// Write edge `edge` of record `idx`'s outcome, keeping the counts when it is a latest
    /// record.
    pub(crate) fn set_edge_taken(&mut self, wf: &Workflow, idx: usize, edge: usize, taken: bool) {
        let Some(r) = self.sequence.get(idx) else { return };
        let (node, route) = (r.node, r.route);
        let Node::Task(src) = node else { return };
        let edges = wf.edges(src);
        let Some(e) = edges.get(edge) else { return };
        let first = edge.saturating_sub(e.key as usize);
        // Only a latest record's edges into a task count, and only once the counts are built.
        let counted = match e.target {
            Target::Task(t) if self.tally.ready() && self.latest.get(node, route) == Some(&idx) => Some(t),
            _ => None,
        };
        // The usual target is reached by one edge: then the group's outcome is that edge's,
        // read from the write itself instead of looked up before and after (a fan-out's source
        // holds one entry per branch).
        let alone = edges.get(first + 1).is_none_or(|next| next.target != e.target);
        let before = counted.is_some() && !alone && took_group(edges, r, first);
        let Some(r) = self.sequence.get_mut(idx) else { return };
        let at = || wf.edge_places(src).get(edge).map_or(u32::MAX, |p| p.id);
        let old = r.next.insert_placed(wf.edge_names(), at, &e.id, taken);
        let Some(target) = counted else { return };
        let (before, after) = if alone {
            (old.unwrap_or(false), taken)
        } else {
            (before, self.sequence.get(idx).is_some_and(|r| took_group(edges, r, first)))
        };
        if before != after {
            let a = self.tally.inbound.entry(Node::Task(target), route);
            a.taken = if after { a.taken + 1 } else { a.taken.saturating_sub(1) };
        }
    }
}
