//! How many task instances' latest records are in each status, kept as records change, so
//! the questions the workflow machine asks on every event ("is anything active? paused?
//! canceling?") cost a lookup, not a scan of every task: a scan made chains and fan-outs
//! quadratic.
//!
//! Derived data: never serialized, rebuilt by the first step after a state is loaded, and
//! ignored by equality (two states that differ only in it are the same state).

use super::counts::StatusCounts;
use super::inbound::Arrivals;
use super::nodemap::NodeMap;
use super::state::State;
use super::status::Status;
use crate::graph::Workflow;

/// Counts of the latest records' statuses and of the arrivals at each task instance
/// (`inbound.rs`); `ready` once built for this state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    ready: bool,
    counts: StatusCounts,
    pub(crate) inbound: NodeMap<Arrivals>,
}

impl Tally {
    /// Whether the counts were built for this state (not after a load, until the next step).
    pub(crate) fn ready(&self) -> bool {
        self.ready
    }
}

impl PartialEq for Tally {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl State {
    /// Count the latest records afresh (after a load, or at the start).
    pub(crate) fn rebuild_tally(&mut self, wf: &Workflow) {
        let mut counts = StatusCounts::default();
        for r in self.latest_records() {
            counts.add(r.status);
        }
        let inbound = self.count_arrivals(wf);
        self.tally = Tally { ready: true, counts, inbound };
    }

    fn tally_move(&mut self, from: Option<Status>, to: Option<Status>) {
        if !self.tally.ready {
            return;
        }
        if let Some(s) = from {
            self.tally.counts.sub(s);
        }
        if let Some(s) = to {
            self.tally.counts.add(s);
        }
    }

    /// Change a record's status, keeping the tally when it is a latest record.
    pub(crate) fn set_record_status(&mut self, idx: usize, status: Status) {
        let Some(r) = self.sequence.get_mut(idx) else { return };
        let old = std::mem::replace(&mut r.status, status);
        let key = (r.node, r.route);
        if self.latest.get(key.0, key.1) == Some(&idx) {
            self.tally_move(Some(old), Some(status));
        }
    }

    /// Make `idx` (a new record) the latest record of its task instance; returns the one it
    /// supersedes.
    pub(crate) fn set_latest(
        &mut self,
        wf: &Workflow,
        key: (super::state::Node, u32),
        idx: usize,
    ) -> Option<usize> {
        let new = self.sequence.get(idx).map(|r| r.status);
        let old_idx = self.latest.insert(key.0, key.1, idx);
        let old = old_idx.and_then(|i| self.sequence.get(i)).map(|r| r.status);
        self.tally_move(old, new);
        self.arrivals_replace(wf, key.0, key.1, old_idx);
        old_idx
    }

    /// Whether any latest record is in one of `wanted`: from the tally when it is built, a
    /// counter read per status asked about.
    pub(crate) fn has_status(&self, wanted: &[Status]) -> bool {
        if !self.tally.ready {
            return self.any_latest(|s| wanted.contains(&s));
        }
        let fast = self.tally.counts.any_of(wanted);
        debug_assert_eq!(fast, self.any_latest(|s| wanted.contains(&s)), "the tally drifted");
        fast
    }

    /// Whether a latest record satisfies `pred`, from the tally when it is built.
    pub(crate) fn any_latest(&self, pred: impl Fn(Status) -> bool) -> bool {
        if !self.tally.ready {
            return self.latest_records().any(|r| pred(r.status));
        }
        let fast = self.tally.counts.iter().any(|(s, _)| pred(s));
        debug_assert_eq!(fast, self.latest_records().any(|r| pred(r.status)), "the tally drifted");
        fast
    }
}
