//! The state of one workflow run: plain data, ordered collections only, so two equal states
//! serialize to the same bytes.
//!
//! Its shape follows Orquesta's conductor, because Orquesta's observable behaviour depends on
//! it: context *layers* (a task sees the merge of its list of layers), *staged* task
//! instances (waiting for a join, ready to run, or retrying), task *records* (one per
//! execution, the latest per task and route indexed), *routes* (the path of split transitions
//! a branch took), and an error log that ignores duplicates.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::arena::{Arena, IdMap};
use super::edgemap::EdgeMap;
use super::inline_ids::InlineIds;
use super::layer::Layer;
use super::nodemap::NodeMap;
use super::staged::StagedList;
use super::status::Status;
use crate::graph::{EngineCommand, TaskId};

/// A task of the graph or an engine command, as staged and recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Node {
    /// A task.
    Task(TaskId),
    /// An engine command (`continue`, `fail`, `noop`).
    Command(EngineCommand),
}

/// Retry bookkeeping of a task record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RetryState {
    pub(crate) count: i64,
    pub(crate) delay: i64,
    pub(crate) tally: i64,
}

/// One execution of a task on a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) node: Node,
    pub(crate) route: u32,
    /// Context layers the execution started with.
    pub(crate) ctxs: InlineIds,
    /// Where it came from: back reference id -> record index.
    pub(crate) prev: EdgeMap<usize>,
    /// Outcome of each outbound edge, by edge id.
    pub(crate) next: EdgeMap<bool>,
    pub(crate) status: Status,
    /// The workflow's output is built from terminal records.
    pub(crate) term: bool,
    pub(crate) retry: Option<RetryState>,
}

impl Record {
    /// The record of an execution that has not reported yet.
    pub(crate) fn fresh(
        node: Node,
        route: u32,
        ctxs: InlineIds,
        prev: EdgeMap<usize>,
        retry: Option<RetryState>,
    ) -> Self {
        Record {
            node,
            route,
            ctxs,
            prev,
            next: EdgeMap::default(),
            status: Status::Unset,
            term: false,
            retry,
        }
    }
}

/// An entry of the error log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// What happened.
    pub message: String,
    /// The task concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Its route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<u32>,
    /// The transition concerned (`<target>__t<n>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<String>,
    /// For a failed execution: its result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

/// An execution offered to the runtime and not finished yet. Held in 32 bytes, not 48 (the
/// item and the deadline without `Option`'s padding): a dispatch of 100,000 items writes a
/// run for each to fresh memory. Serialized in the form it always had ([`RunForm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RunForm", into = "RunForm")]
pub(crate) struct Run {
    pub(crate) task: TaskId,
    pub(crate) route: u32,
    /// With-items: the item's index, or [`Run::NO_ITEM`] (no list has that many items).
    item: usize,
    /// When the task's `timeout` stops this run, if `timed` (set when it reports `running`).
    deadline: u64,
    pub(crate) started: bool,
    timed: bool,
}

impl Run {
    const NO_ITEM: usize = usize::MAX;

    /// A run just offered: not started, no deadline.
    pub(crate) fn new(task: TaskId, route: u32, item: Option<usize>) -> Run {
        Run { task, route, item: item.unwrap_or(Run::NO_ITEM), deadline: 0, started: false, timed: false }
    }

    /// With-items: the item's index.
    pub(crate) fn item(&self) -> Option<usize> {
        (self.item != Run::NO_ITEM).then_some(self.item)
    }

    /// When the task's `timeout` stops this run.
    pub(crate) fn deadline(&self) -> Option<u64> {
        self.timed.then_some(self.deadline)
    }

    /// Set or clear the deadline.
    pub(crate) fn set_deadline(&mut self, deadline: Option<u64>) {
        (self.timed, self.deadline) = (deadline.is_some(), deadline.unwrap_or(0));
    }
}

/// [`Run`] as the state file writes it.
#[derive(Serialize, Deserialize)]
struct RunForm {
    task: TaskId,
    route: u32,
    item: Option<usize>,
    started: bool,
    #[serde(default)]
    deadline: Option<u64>,
}

impl From<Run> for RunForm {
    fn from(r: Run) -> Self {
        RunForm { task: r.task, route: r.route, item: r.item(), started: r.started, deadline: r.deadline() }
    }
}

impl TryFrom<RunForm> for Run {
    type Error = String;

    fn try_from(f: RunForm) -> Result<Self, String> {
        if f.item == Some(Run::NO_ITEM) {
            return Err(format!(
                "a run's item index {} is past any list; expected a smaller index",
                Run::NO_ITEM
            ));
        }
        let mut run = Run::new(f.task, f.route, f.item);
        run.started = f.started;
        run.set_deadline(f.deadline);
        Ok(run)
    }
}

/// The version of the state's serialized form. A state written by this version carries it;
/// a state without it is read as version 1. Later versions must keep reading older ones (a
/// golden state in `tests/golden/` guards this). Version 2 keeps records and context layers in
/// arenas with stable ids (so a loop's state stays bounded); version 1 kept them in lists.
pub const STATE_FORMAT: u32 = 2;

fn state_format() -> u32 {
    STATE_FORMAT
}

/// The state of one workflow run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Serialized form version ([`STATE_FORMAT`]).
    #[serde(default = "state_format")]
    pub(crate) format: u32,
    pub(crate) status: Option<Status>,
    /// Context layers: layer 0 (inputs and vars), and one squashed delta per task instance.
    pub(crate) contexts: Arena<Layer>,
    pub(crate) routes: Vec<Vec<String>>,
    /// Records still needed: the latest per task instance, and terminal ones (for the output).
    pub(crate) sequence: Arena<Record>,
    pub(crate) latest: NodeMap<usize>,
    /// Executions recorded per task instance: the iteration count of loops.
    pub(crate) passes: NodeMap<usize>,
    pub(crate) staged: StagedList,
    pub(crate) errors: Vec<ErrorEntry>,
    pub(crate) output: Option<Map<String, Value>>,
    pub(crate) runs: IdMap<Run>,
    pub(crate) next_run: u64,
    /// The completion was reported with a `Finished` command.
    pub(crate) announced: bool,
    /// Cycle protection in force.
    pub(crate) limits: super::Limits,
    /// When the workflow started.
    pub(crate) started_at: u64,
    /// Layers in use at the last sweep (sweeps run when the arena doubles past it).
    #[serde(default)]
    pub(crate) live_layers: usize,
    /// Task-timeout deadlines of running executions, earliest first: the next wake-up is the
    /// first, and due ones are found without walking every run.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) timeouts: BTreeSet<(u64, u64)>,
    /// Status counts of the latest records (derived; see `tally.rs`).
    #[serde(skip)]
    pub(crate) tally: super::tally::Tally,
}

impl Default for State {
    fn default() -> Self {
        State {
            format: STATE_FORMAT,
            status: None,
            contexts: Arena::default(),
            routes: Vec::new(),
            sequence: Arena::default(),
            latest: NodeMap::default(),
            passes: NodeMap::default(),
            staged: StagedList::default(),
            errors: Vec::new(),
            output: None,
            runs: IdMap::default(),
            next_run: 0,
            announced: false,
            limits: super::Limits::default(),
            started_at: 0,
            timeouts: BTreeSet::new(),
            tally: super::tally::Tally::default(),
            live_layers: 0,
        }
    }
}

impl State {
    /// The serialized form version of this state.
    #[must_use]
    pub fn format(&self) -> u32 {
        self.format
    }

    /// Executions offered and not finished: (run id, task id, route, item).
    pub fn running(&self) -> impl Iterator<Item = (u64, TaskId, u32, Option<usize>)> + '_ {
        self.runs.iter().map(|(id, r)| (id, r.task, r.route, r.item()))
    }

    /// The workflow's status (`null` before it starts).
    #[must_use]
    pub fn status(&self) -> Status {
        self.status.unwrap_or(Status::Unset)
    }

    pub(crate) fn set_status(&mut self, s: Status) {
        self.status = Some(s);
    }

    /// The rendered output, once the workflow has completed and rendered it.
    #[must_use]
    pub fn output(&self) -> Option<&Map<String, Value>> {
        self.output.as_ref()
    }

    /// The error log.
    #[must_use]
    pub fn errors(&self) -> &[ErrorEntry] {
        &self.errors
    }

    /// Append to the error log unless the same entry is already there.
    pub(crate) fn log_error(&mut self, entry: ErrorEntry) {
        if !self.errors.contains(&entry) {
            self.errors.push(entry);
        }
    }

    pub(crate) fn record(&self, node: Node, route: u32) -> Option<&Record> {
        self.latest.get(node, route).and_then(|i| self.sequence.get(*i))
    }

    pub(crate) fn record_index(&self, node: Node, route: u32) -> Option<usize> {
        self.latest.get(node, route).copied()
    }

    pub(crate) fn staged_index(&self, node: Node, route: u32) -> Option<usize> {
        self.staged.find(node, route)
    }

    /// The instance staged for `node` on `route`.
    pub(crate) fn staged_ref(&self, node: Node, route: u32) -> Option<&super::staged::Staged> {
        self.staged.find(node, route).and_then(|i| self.staged.get(i))
    }

    /// The instance staged for `node` on `route`, to change.
    pub(crate) fn staged_mut(&mut self, node: Node, route: u32) -> Option<&mut super::staged::Staged> {
        self.staged.find(node, route).and_then(|i| self.staged.get_mut(i))
    }

    /// Latest records only (what Orquesta's "last occurrence" queries see).
    pub(crate) fn latest_records(&self) -> impl Iterator<Item = &Record> {
        self.latest.values().filter_map(|i| self.sequence.get(*i))
    }

    pub(crate) fn has_active_tasks(&self) -> bool {
        self.any_latest(Status::is_active)
    }

    /// Staged instances that are ready and not kept only for a rerun.
    pub(crate) fn has_staged_tasks(&self) -> bool {
        self.staged.iter().any(|s| s.ready && !s.completed)
    }

    /// Remove a staged instance unless some of its items are still running.
    pub(crate) fn remove_staged(&mut self, node: Node, route: u32) {
        if let Some(i) = self.staged_index(node, route) {
            self.remove_staged_at(i);
        }
    }

    /// [`State::remove_staged`] for the instance with id `i`, already found (ids are never
    /// handed out twice, so an id still held is the same instance).
    pub(crate) fn remove_staged_at(&mut self, i: usize) {
        self.staged.remove_if(i, |s| !s.items_running());
    }

    /// Layer 0 plus one layer holding `layers[1..]` merged (and `extra` on top): what a task
    /// instance's layer list squashes to. Merging is associative, so lookups see the same values
    /// as with the whole list, while the list no longer grows with every pass through a loop.
    pub(crate) fn squash(&mut self, layers: &[usize], extra: Option<Layer>) -> InlineIds {
        let rest = layers.get(1..).unwrap_or_default();
        if extra.as_ref().is_none_or(Layer::is_empty) && rest.len() <= 1 {
            return InlineIds::from_slice(layers);
        }
        let mut delta = Layer::default();
        let mut extra = extra;
        match rest {
            // One layer (a loop's own delta) under what the transition publishes: a name
            // published again takes its new value in its old place, moved rather than cloned
            // (a loop's counter, every pass).
            [only] => {
                // A missing layer (a hand-edited state) contributes nothing.
                if let Some(below) = self.contexts.get(*only) {
                    delta = below.overlaid(extra.take().unwrap_or_default());
                }
            }
            _ => {
                for layer in rest.iter().filter_map(|i| self.contexts.get(*i)) {
                    delta.extend(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        if let Some(extra) = extra {
            delta.extend(extra.into_entries());
        }
        InlineIds::from_slice(&[0, self.contexts.push(delta)])
    }

    /// Drop layers no record or staged instance refers to any more (amortised: only when the
    /// arena has doubled since the last sweep). Only call it between events: while an event is
    /// processed, a new layer may not be referenced yet.
    pub(crate) fn sweep_layers(&mut self) {
        if self.contexts.len() < 2 * self.live_layers + 16 {
            return;
        }
        let mut used: BTreeSet<usize> = BTreeSet::from([0]);
        used.extend(self.sequence.iter().flat_map(|r| r.ctxs.iter().copied()));
        used.extend(self.staged.iter().flat_map(|s| s.ctxs.iter().copied()));
        self.contexts.retain(|id| used.contains(&id));
        self.live_layers = self.contexts.len();
    }

    /// Merge context layers, later layers winning.
    pub(crate) fn merged(&self, layers: &[usize]) -> Map<String, Value> {
        let mut out = Map::new();
        for i in layers {
            if let Some(layer) = self.contexts.get(*i) {
                for (k, v) in layer.iter() {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
}
