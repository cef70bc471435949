//! Staged task instances (waiting for a join, ready to run, retrying, or running their
//! items), in the order they were staged, which is the order Orquesta offers them in.
//!
//! A fan-out stages thousands of instances at once, and each arrival, offer and completion
//! looks one up by (task, route) or removes one: a list made each of those O(n). Here an
//! instance keeps an id for its life (ids grow, so id order is staging order) and an index by
//! (task, route) finds it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::arena::Arena;
use super::edgemap::EdgeMap;
use super::inline_ids::InlineIds;
use super::items::{ItemStatuses, KeptItems, WithItems};
use super::itemset::ItemSet;
use super::nodemap::NodeMap;
use super::results::ItemResults;
use super::state::Node;
use super::status::Status;

/// A task instance waiting to run, or running its items.
#[derive(Debug, Clone)]
pub(crate) struct Staged {
    pub(crate) node: Node,
    pub(crate) route: u32,
    pub(crate) ctxs: InlineIds,
    pub(crate) prev: EdgeMap<usize>,
    pub(crate) ready: bool,
    /// Set when staged for a retry: the delay to apply.
    pub(crate) retry_delay: Option<i64>,
    /// With-items bookkeeping, from the first dispatch of a with-items task on. Boxed: it is
    /// most of an instance's size, most tasks have no items, and a fan-out holds 100,000
    /// instances at once (each of which a dispatch reads: from 184 bytes an instance to 104
    /// took 8% off a 100,000-branch fan-out).
    pub(crate) with: Option<Box<WithItems>>,
    /// A failed with-items task kept for a rerun.
    pub(crate) completed: bool,
    /// Staged alongside a `fail` command: still offered after the workflow failed.
    pub(crate) run_on_fail: bool,
    /// Offered to the runtime and not yet reported (the whole task; items are in `with`).
    pub(crate) offered: bool,
}

impl Staged {
    /// Ready to be offered: a task (not an engine command) whose inbound criteria are met and
    /// that is not a failed with-items instance kept for a rerun.
    pub(crate) fn runnable(&self) -> bool {
        self.ready && !self.completed && matches!(self.node, Node::Task(_))
    }

    /// With-items: each item's status, once the list was first evaluated.
    pub(crate) fn items(&self) -> Option<&ItemStatuses> {
        self.with.as_ref().and_then(|w| w.statuses.as_ref())
    }

    /// With-items: some item is still active (running, pausing, ...), so the instance must
    /// stay staged for their reports to land on.
    pub(crate) fn items_running(&self) -> bool {
        self.items().is_some_and(|items| items.any_other(None, Status::is_active))
    }

    /// With-items: each item's status, to change.
    pub(crate) fn items_mut(&mut self) -> Option<&mut ItemStatuses> {
        self.with.as_mut().and_then(|w| w.statuses.as_mut())
    }

    /// With-items: the items offered and not yet reported.
    pub(crate) fn offered_items(&self) -> Option<&ItemSet> {
        self.with.as_ref().map(|w| &w.offered)
    }

    /// With-items: the items list an earlier dispatch kept, if any.
    pub(crate) fn kept_items(&self) -> Option<&KeptItems> {
        self.with.as_ref().map(|w| &w.kept).filter(|k| k.len().is_some())
    }

    /// The with-items bookkeeping, set up empty when there is none yet.
    pub(crate) fn with_items(&mut self) -> &mut WithItems {
        self.with.get_or_insert_with(Box::default)
    }

    /// The whole task (`item` `None`) or one item was offered to the runtime (`false`: no
    /// longer, it reported or the offer was taken back).
    pub(crate) fn set_offered(&mut self, item: Option<usize>, offered: bool) {
        match (item, offered, self.with.as_mut()) {
            (None, _, _) => self.offered = offered,
            (Some(item), true, _) => {
                self.with_items().offered.insert(item);
            }
            (Some(item), false, Some(w)) => {
                w.offered.remove(item);
            }
            (Some(_), false, None) => {}
        }
    }

    /// Restaged for a new pass: the last pass's items, list and results are gone (the
    /// offered items are still out, and stay noted).
    pub(crate) fn clear_items(&mut self) {
        if let Some(w) = self.with.as_mut() {
            w.statuses = None;
            w.kept = KeptItems::None;
            w.results.clear();
        }
    }

    /// With-items: each item's latest result.
    pub(crate) fn results(&self) -> &ItemResults {
        static NONE: ItemResults = ItemResults::EMPTY;
        self.with.as_ref().map_or(&NONE, |w| &w.results)
    }
}

/// Equal when every field is, an absent with-items part reading as an empty one (a state
/// read back sets one up only where it holds something).
impl PartialEq for Staged {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
            && self.route == other.route
            && self.ctxs == other.ctxs
            && self.prev == other.prev
            && (self.ready, self.retry_delay) == (other.ready, other.retry_delay)
            && (self.completed, self.run_on_fail, self.offered)
                == (other.completed, other.run_on_fail, other.offered)
            && self.items() == other.items()
            && self.results() == other.results()
            && offered_some(self) == offered_some(other)
    }
}

/// The items offered, when there are any.
fn offered_some(s: &Staged) -> Option<&ItemSet> {
    s.offered_items().filter(|o| !o.is_empty())
}

/// A staged instance as serialized: the flat form states always had, with-items fields
/// beside the others.
#[derive(Serialize)]
struct StagedOut<'a> {
    node: Node,
    route: u32,
    ctxs: &'a InlineIds,
    prev: &'a EdgeMap<usize>,
    ready: bool,
    retry_delay: Option<i64>,
    items: Option<&'a ItemStatuses>,
    results: &'a ItemResults,
    completed: bool,
    run_on_fail: bool,
    offered: bool,
    offered_items: &'a ItemSet,
}

/// [`StagedOut`], read back.
#[derive(Deserialize)]
struct StagedIn {
    node: Node,
    route: u32,
    ctxs: InlineIds,
    prev: EdgeMap<usize>,
    ready: bool,
    retry_delay: Option<i64>,
    items: Option<ItemStatuses>,
    results: ItemResults,
    completed: bool,
    run_on_fail: bool,
    offered: bool,
    offered_items: ItemSet,
}

impl Serialize for Staged {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let none = ItemSet::default();
        StagedOut {
            node: self.node,
            route: self.route,
            ctxs: &self.ctxs,
            prev: &self.prev,
            ready: self.ready,
            retry_delay: self.retry_delay,
            items: self.items(),
            results: self.results(),
            completed: self.completed,
            run_on_fail: self.run_on_fail,
            offered: self.offered,
            offered_items: self.offered_items().unwrap_or(&none),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Staged {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StagedIn::deserialize(d)?;
        let held = s.items.is_some() || !s.results.is_empty() || !s.offered_items.is_empty();
        let with = held.then(|| {
            Box::new(WithItems {
                statuses: s.items,
                kept: KeptItems::None,
                results: s.results,
                offered: s.offered_items,
            })
        });
        Ok(Staged {
            node: s.node,
            route: s.route,
            ctxs: s.ctxs,
            prev: s.prev,
            ready: s.ready,
            retry_delay: s.retry_delay,
            with,
            completed: s.completed,
            run_on_fail: s.run_on_fail,
            offered: s.offered,
        })
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

/// The ids of the instances staged for one (node, route): almost always one, so the rest
/// are behind a pointer (16 bytes a task slot, not 32: see `Routes`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Ids {
    first: usize,
    #[expect(clippy::box_collection, reason = "one pointer in every task's slot, not a 24-byte Vec")]
    more: Option<Box<Vec<usize>>>,
}

impl StagedList {
    /// Stage an instance; returns its id. An instance already staged for the same (node,
    /// route) is still the one found until removed (callers look it up first).
    pub(crate) fn push(&mut self, staged: Staged) -> usize {
        let (node, route) = (staged.node, staged.route);
        let id = self.items.push(staged);
        match self.index.get_mut(node, route) {
            Some(ids) => ids.more.get_or_insert_with(Box::default).push(id),
            None => {
                self.index.insert(node, route, Ids { first: id, more: None });
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

    /// How many instances are staged.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
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

    /// The id of the instance staged last for `node` on `route`: the one a new arrival
    /// merges into when the first is busy (a with-items task whose items are out).
    pub(crate) fn find_last(&self, node: Node, route: u32) -> Option<usize> {
        let ids = self.index.get(node, route)?;
        Some(ids.more.as_deref().and_then(|more| more.last().copied()).unwrap_or(ids.first))
    }

    /// Whether more than one instance is staged for `node` on `route` (an arrival waiting
    /// behind a with-items instance whose items are out).
    pub(crate) fn several(&self, node: Node, route: u32) -> bool {
        self.index.get(node, route).is_some_and(|ids| ids.more.is_some())
    }

    /// Unstage an instance if `unstage` says so; whether it was unstaged. The instance is
    /// found once for the check and the removal (every report unstages one).
    pub(crate) fn remove_if(&mut self, id: usize, unstage: impl FnOnce(&Staged) -> bool) -> bool {
        let key = |s: &Staged| unstage(s).then_some((s.node, s.route));
        let Some((node, route)) = self.items.discard_if(id, key) else { return false };
        let mut emptied = false;
        if let Some(ids) = self.index.get_mut(node, route) {
            match ids.more.as_deref_mut().filter(|more| !more.is_empty()) {
                Some(more) if ids.first != id => more.retain(|i| *i != id),
                Some(more) => ids.first = more.remove(0),
                None => emptied = ids.first == id,
            }
            if ids.more.as_deref().is_some_and(Vec::is_empty) {
                ids.more = None;
            }
        }
        if emptied {
            self.index.remove(node, route);
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

#[cfg(test)]
mod tests {
    use super::super::flow::new_staged;
    use super::*;
    use crate::graph::TaskId;

    fn plain() -> Staged {
        new_staged(Node::Task(TaskId(1)), 0, InlineIds::from_slice(&[0]), EdgeMap::default(), true)
    }

    #[test]
    fn serializes_flat_and_an_emptied_items_part_reads_as_none() {
        let fresh = plain();
        let text = serde_json::to_string(&fresh).expect("serializes");
        assert!(text.contains(r#""items":null,"results":[],"completed":false"#), "{text}");
        assert!(text.ends_with(r#""offered":false,"offered_items":[]}"#), "{text}");
        // An item offered and taken back leaves an empty part behind: the same instance.
        let mut emptied = plain();
        emptied.set_offered(Some(3), true);
        assert_ne!(emptied, fresh);
        emptied.set_offered(Some(3), false);
        assert!(emptied.with.is_some());
        assert_eq!(emptied, fresh);
        assert_eq!(serde_json::to_string(&emptied).expect("serializes"), text);
        let back: Staged = serde_json::from_str(&text).expect("reads");
        assert!(back.with.is_none() && back == fresh);
        // The whole task offered is the instance's own flag, and sets no items part up.
        let mut whole = plain();
        whole.set_offered(None, true);
        assert!(whole.offered && whole.with.is_none());
        whole.set_offered(None, false);
        assert_eq!(whole, fresh);
    }

    #[test]
    fn an_items_part_round_trips() {
        let mut s = plain();
        s.with_items().statuses = Some(ItemStatuses::new(2));
        s.with_items().results = ItemResults::new(2);
        s.with_items().results.set(1, &serde_json::Value::from(7));
        s.set_offered(Some(1), true);
        let text = serde_json::to_string(&s).expect("serializes");
        let back: Staged = serde_json::from_str(&text).expect("reads");
        assert_eq!(back, s);
        assert_eq!((back.items().map(ItemStatuses::len), back.results().len()), (Some(2), 2));
        assert!(back.offered_items().is_some_and(|o| o.contains(1) && !o.contains(0)));
        let mut cleared = back.clone();
        cleared.clear_items();
        assert!(cleared.items().is_none() && cleared.results().is_empty());
        assert!(cleared.offered_items().is_some_and(|o| o.contains(1)), "offered items are still out");
    }

    /// Several instances staged for one (node, route) are found first staged first, whichever
    /// leaves, and the last to leave takes the entry (and its list of the others) with it.
    #[test]
    fn instances_on_one_route_are_found_in_staging_order() {
        let mut list = StagedList::default();
        let node = Node::Task(TaskId(1));
        let ids: Vec<usize> = (0..3).map(|_| list.push(plain())).collect();
        let mut other = plain();
        other.route = 4;
        let elsewhere = list.push(other);
        assert_eq!(list.find(node, 0), Some(ids[0]));
        assert_eq!(list.find_last(node, 0), Some(ids[2]));
        assert!(list.several(node, 0) && !list.several(node, 4));
        assert!(!list.remove_if(ids[0], |_| false), "a refused removal keeps the instance");
        assert_eq!((list.find(node, 0), list.len()), (Some(ids[0]), 4));
        assert!(list.remove_if(ids[0], |_| true));
        assert_eq!(list.find(node, 0), Some(ids[1]));
        assert!(list.remove_if(ids[2], |_| true), "one behind the first");
        assert_eq!(list.find(node, 0), Some(ids[1]));
        assert!(list.index.get(node, 0).is_some_and(|i| i.more.is_none()), "an emptied list is freed");
        assert!(!list.several(node, 0) && list.find_last(node, 0) == Some(ids[1]));
        assert!(list.remove_if(ids[1], |_| true));
        assert_eq!(list.find(node, 0), None);
        assert!(!list.remove_if(ids[1], |_| true), "already gone");
        assert_eq!((list.find(node, 4), list.len()), (Some(elsewhere), 1));
    }
}
