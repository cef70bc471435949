//! Staged task instances (waiting for a join, ready to run, retrying, or running their
//! items), in the order they were staged, which is the order Orquesta offers them in.
//!
//! A fan-out stages thousands of instances at once, and each arrival, offer and completion
//! looks one up by (task, route) or removes one: a list made each of those O(n). Here an
//! instance keeps an id for its life (ids grow, so id order is staging order) and an index by
//! (task, route) finds it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::arena::Arena;
use super::edgemap::EdgeMap;
use super::inline_ids::InlineIds;
use super::items::{ItemStatuses, KeptItems};
use super::itemset::ItemSet;
use super::nodemap::NodeMap;
use super::state::Node;

/// A task instance waiting to run, or running its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Staged {
    pub(crate) node: Node,
    pub(crate) route: u32,
    pub(crate) ctxs: InlineIds,
    pub(crate) prev: EdgeMap<usize>,
    pub(crate) ready: bool,
    /// Set when staged for a retry: the delay to apply.
    pub(crate) retry_delay: Option<i64>,
    /// With-items: each item's status.
    /// (Boxed: its counts are most of an instance's size, and most tasks have no items; a
    /// fan-out holds thousands of instances at once.)
    pub(crate) items: Option<Box<ItemStatuses>>,
    /// With-items: the evaluated items list, when it may be kept (derived, not serialized).
    #[serde(skip)]
    pub(crate) items_value: KeptItems,
    /// With-items: each item's latest result.
    pub(crate) results: Vec<Value>,
    /// A failed with-items task kept for a rerun.
    pub(crate) completed: bool,
    /// Staged alongside a `fail` command: still offered after the workflow failed.
    pub(crate) run_on_fail: bool,
    /// Offered to the runtime and not yet reported (whole task, or these items).
    pub(crate) offered: bool,
    pub(crate) offered_items: ItemSet,
}

impl Staged {
    /// Ready to be offered: a task (not an engine command) whose inbound criteria are met and
    /// that is not a failed with-items instance kept for a rerun.
    pub(crate) fn runnable(&self) -> bool {
        self.ready && !self.completed && matches!(self.node, Node::Task(_))
    }
}

/// The staged instances, by id and by (node, route).
///
/// Serialized as the plain list of instances in staging order (the form states always had);
/// ids are not part of the state's meaning and are handed out afresh when it is read.
#[derive(Debug, Clone, Default)]
pub(crate) struct StagedList {
    items: Arena<Staged>,
    /// The ids staged for each (node, route), first staged first.
    index: NodeMap<Ids>,
}

/// The ids of the instances staged for one (node, route): almost always one.
#[derive(Debug, Clone, Default, PartialEq)]
struct Ids {
    first: usize,
    more: Vec<usize>,
}

impl StagedList {
    /// Stage an instance; returns its id. An instance already staged for the same (node,
    /// route) is still the one found until removed (callers look it up first).
    pub(crate) fn push(&mut self, staged: Staged) -> usize {
        let (node, route) = (staged.node, staged.route);
        let id = self.items.push(staged);
        match self.index.get_mut(node, route) {
            Some(ids) => ids.more.push(id),
            None => {
                self.index.insert(node, route, Ids { first: id, more: Vec::new() });
            }
        }
        id
    }

    /// Room for `tasks` tasks' instances.
    pub(crate) fn reserve(&mut self, tasks: usize) {
        self.index.reserve(tasks);
    }

    /// Room for `n` more instances (a fan-out's source stages one per branch: grown one
    /// doubling at a time, the list was copied a dozen times).
    pub(crate) fn reserve_instances(&mut self, n: usize) {
        self.items.reserve(n);
    }

    /// The instance with this id.
    pub(crate) fn get(&self, id: usize) -> Option<&Staged> {
        self.items.get(id)
    }

    /// The instance with this id, to change anything but its node and route.
    pub(crate) fn get_mut(&mut self, id: usize) -> Option<&mut Staged> {
        self.items.get_mut(id)
    }

    /// The id of the instance staged for `node` on `route`.
    pub(crate) fn find(&self, node: Node, route: u32) -> Option<usize> {
        self.index.get(node, route).map(|ids| ids.first)
    }

    /// Unstage an instance; whether it was staged.
    pub(crate) fn remove(&mut self, id: usize) -> bool {
        let Some((node, route)) = self.items.get(id).map(|s| (s.node, s.route)) else { return false };
        self.items.discard(id);
        if let Some(ids) = self.index.get_mut(node, route) {
            if ids.first != id {
                ids.more.retain(|i| *i != id);
            } else if ids.more.is_empty() {
                self.index.remove(node, route);
            } else {
                ids.first = ids.more.remove(0);
            }
        }
        true
    }

    /// (id, instance) in staging order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (usize, &Staged)> {
        self.items.entries()
    }

    /// Instances in staging order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Staged> {
        self.items.iter()
    }
}

/// Equal when the same instances are staged in the same order: ids are bookkeeping (a state
/// read back hands them out afresh).
impl PartialEq for StagedList {
    fn eq(&self, other: &Self) -> bool {
        self.items.iter().eq(other.items.iter())
    }
}

impl Serialize for StagedList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter())
    }
}

impl<'de> Deserialize<'de> for StagedList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut list = StagedList::default();
        for staged in Vec::<Staged>::deserialize(d)? {
            list.push(staged);
        }
        Ok(list)
    }
}
