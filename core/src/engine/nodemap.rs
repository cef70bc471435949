//! A map keyed by (node, route), indexed by task id.
//!
//! The engine looks up a task instance's latest record, pass count, arrivals and staged
//! instance several times per event. In an ordered tree keyed by (node, route) each lookup
//! compared a dozen composite keys (about 400 instructions on a 1,000-task chain); here a task
//! id indexes a vector and the route is found among that task's few routes.
//!
//! It iterates in (node, route) order, like the tree it replaces, so nothing that reads it in
//! order (serialization, status queries, cancel) changes. Task ids come from a compiled
//! workflow and are dense, but a state read from outside may hold any id: an id far past the
//! ones seen (and every engine command) goes to an ordered overflow map instead of growing
//! the vector, so no input can make it allocate without bound.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::state::Node;

/// A task's entries: (route, value), sorted by route. Most tasks run on one route, so the
/// first entry is held inline and only further routes allocate.
///
/// The further routes sit behind one pointer, not in an inline `Vec`: every task of the
/// workflow has a slot in each map, a wide fan-out's branches are visited one after another
/// far out of cache, and a slot of 48 bytes where 32 do was read (and dropped) for each.
#[derive(Clone)]
struct Routes<V> {
    /// The entry with the lowest route; `None` only when there is none at all.
    head: Option<(u32, V)>,
    /// The others, sorted by route; `None` when there are none.
    #[expect(clippy::box_collection, reason = "one pointer in every task's slot, not a 24-byte Vec")]
    tail: Option<Box<Vec<(u32, V)>>>,
}

impl<V> Default for Routes<V> {
    fn default() -> Self {
        Routes { head: None, tail: None }
    }
}

impl<V> Routes<V> {
    fn tail(&self) -> &[(u32, V)] {
        self.tail.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The further routes, to change: made when the first one comes.
    fn tail_mut(&mut self) -> &mut Vec<(u32, V)> {
        self.tail.get_or_insert_with(Box::default)
    }

    fn iter(&self) -> impl Iterator<Item = &(u32, V)> {
        self.head.iter().chain(self.tail().iter())
    }

    fn get(&self, route: u32) -> Option<&V> {
        match &self.head {
            Some((r, v)) if *r == route => Some(v),
            _ => self.tail().iter().find(|(r, _)| *r == route).map(|(_, v)| v),
        }
    }

    fn get_mut(&mut self, route: u32) -> Option<&mut V> {
        match &mut self.head {
            Some((r, v)) if *r == route => Some(v),
            _ => self.tail.as_deref_mut()?.iter_mut().find(|(r, _)| *r == route).map(|(_, v)| v),
        }
    }

    fn insert(&mut self, route: u32, value: V) -> Option<V> {
        match &mut self.head {
            None => {
                self.head = Some((route, value));
                None
            }
            Some((r, v)) if *r == route => Some(std::mem::replace(v, value)),
            Some((r, _)) if route < *r => {
                if let Some(old) = self.head.replace((route, value)) {
                    self.tail_mut().insert(0, old);
                }
                None
            }
            Some(_) => {
                let tail = self.tail_mut();
                match tail.binary_search_by_key(&route, |(r, _)| *r) {
                    Ok(at) => Some(std::mem::replace(&mut tail[at].1, value)),
                    Err(at) => {
                        tail.insert(at, (route, value));
                        None
                    }
                }
            }
        }
    }

    /// The value for `route`, inserted as the default when missing, and whether it was
    /// inserted. The usual cases (no entry yet, or the head's route) are decided by the head
    /// alone: this is called for every arrival, where it asked the routes three times.
    fn entry(&mut self, route: u32) -> (&mut V, bool)
    where
        V: Default,
    {
        let inserted = match &self.head {
            None => true,
            Some((r, _)) if *r == route => false,
            Some(_) => self.get(route).is_none(),
        };
        if inserted {
            self.insert(route, V::default());
        }
        (self.held_mut(route), inserted)
    }

    /// The value for `route`, which is held.
    fn held_mut(&mut self, route: u32) -> &mut V {
        // The route is held now: in the head, or in the sorted tail where it belongs.
        match &mut self.head {
            Some((r, v)) if *r == route => v,
            _ => {
                let tail = self.tail.get_or_insert_with(Box::default);
                let at = tail.partition_point(|(r, _)| *r < route);
                &mut tail[at].1
            }
        }
    }

    fn remove(&mut self, route: u32) -> Option<V> {
        let removed = match &self.head {
            Some((r, _)) if *r == route => {
                let next = self.tail.as_deref_mut().filter(|t| !t.is_empty()).map(|t| t.remove(0));
                std::mem::replace(&mut self.head, next).map(|(_, v)| v)
            }
            _ => {
                let tail = self.tail.as_deref_mut()?;
                let at = tail.iter().position(|(r, _)| *r == route)?;
                Some(tail.remove(at).1)
            }
        };
        if self.tail.as_deref().is_some_and(Vec::is_empty) {
            self.tail = None;
        }
        removed
    }
}

/// Ids up to this far past twice the entries held grow the dense part; beyond, they overflow.
const GROWTH_SLACK: usize = 1024;

/// A map from (node, route) to `V`, iterated in key order.
#[derive(Clone)]
pub(crate) struct NodeMap<V> {
    /// Entries of task `i` at index `i`.
    dense: Vec<Routes<V>>,
    /// Engine commands, and task ids at or past `dense.len()`.
    far: BTreeMap<(Node, u32), V>,
    len: usize,
}

impl<V> Default for NodeMap<V> {
    fn default() -> Self {
        NodeMap { dense: Vec::new(), far: BTreeMap::new(), len: 0 }
    }
}

/// The task whose entries sit at `i` in the dense part.
fn task_at(i: usize) -> Node {
    Node::Task(crate::graph::TaskId(u32::try_from(i).unwrap_or(u32::MAX)))
}

fn dense_index(node: Node) -> Option<usize> {
    match node {
        Node::Task(id) => Some(id.index()),
        Node::Command(_) => None,
    }
}

impl<V> NodeMap<V> {
    fn routes(&self, node: Node) -> Option<&Routes<V>> {
        dense_index(node).and_then(|i| self.dense.get(i))
    }

    /// Room for tasks `0..tasks` in the dense part, so the map does not grow in steps while
    /// a run reaches them (a run's first actions each reallocated several maps).
    pub(crate) fn reserve(&mut self, tasks: usize) {
        self.dense.reserve(tasks.saturating_sub(self.dense.len()));
    }

    /// The value for (node, route).
    pub(crate) fn get(&self, node: Node, route: u32) -> Option<&V> {
        match self.routes(node) {
            Some(routes) => routes.get(route),
            None => self.far.get(&(node, route)),
        }
    }

    /// The value for (node, route), to change.
    pub(crate) fn get_mut(&mut self, node: Node, route: u32) -> Option<&mut V> {
        match dense_index(node).filter(|i| *i < self.dense.len()) {
            Some(i) => self.dense[i].get_mut(route),
            None => self.far.get_mut(&(node, route)),
        }
    }

    /// Grow the dense part to hold task `i` when it is near the entries already held, moving
    /// in the overflow entries it now covers.
    fn reach(&mut self, i: usize) -> bool {
        if i < self.dense.len() {
            return true;
        }
        // The bound grows with the entries held, in either part: ids visited out of order (a
        // wide fan-out's branches) would otherwise pile up in the overflow tree once they
        // jumped ahead of the dense part.
        // Room reserved for the workflow's tasks (see `reserve`) is always in bounds: a wide
        // fan-out's branches run in name order, far from id order, and sent every branch
        // past the first few through the overflow tree.
        let held = self.dense.len().saturating_add(self.far.len());
        let bound =
            held.saturating_mul(2).saturating_add(GROWTH_SLACK).max(self.dense.capacity().saturating_sub(1));
        if i > bound {
            return false;
        }
        let old = self.dense.len();
        if self.far.is_empty() {
            // The next task in id order (a chain's) is a push; `resize_with` of one slot was
            // a hundred instructions.
            if i == old {
                self.dense.push(Routes::default());
            } else {
                self.dense.resize_with(i + 1, Routes::default);
            }
            return true;
        }
        // Take in every overflow task under the bound, not only up to `i`, so none is left
        // behind in the tree for good.
        let top = self
            .far
            .range(..=(task_at(bound), u32::MAX))
            .next_back()
            .and_then(|((node, _), _)| dense_index(*node))
            .map_or(i, |j| j.max(i));
        self.dense.resize_with(top + 1, Routes::default);
        let moved: Vec<(Node, u32)> =
            self.far.range((task_at(old), 0)..=(task_at(top), u32::MAX)).map(|(k, _)| *k).collect();
        for (node, route) in moved {
            if let (Some(v), Some(j)) = (self.far.remove(&(node, route)), dense_index(node)) {
                self.dense[j].insert(route, v);
            }
        }
        true
    }

    /// Set the value for (node, route); returns the one it replaces.
    pub(crate) fn insert(&mut self, node: Node, route: u32, value: V) -> Option<V> {
        let old = match dense_index(node).filter(|i| self.reach(*i)) {
            Some(i) => self.dense[i].insert(route, value),
            None => self.far.insert((node, route), value),
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Remove the value for (node, route).
    pub(crate) fn remove(&mut self, node: Node, route: u32) -> Option<V> {
        let old = match dense_index(node).filter(|i| *i < self.dense.len()) {
            Some(i) => self.dense[i].remove(route),
            None => self.far.remove(&(node, route)),
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// Entries in (node, route) order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ((Node, u32), &V)> {
        let dense = self.dense.iter().enumerate().flat_map(|(i, routes)| {
            let node = task_at(i);
            routes.iter().map(move |(r, v)| ((node, *r), v))
        });
        dense.chain(self.far.iter().map(|(k, v)| (*k, v)))
    }

    /// Values in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// The routes `node` has an entry on, in order.
    pub(crate) fn routes_of(&self, node: Node) -> Vec<u32> {
        match self.routes(node) {
            Some(routes) => routes.iter().map(|(r, _)| *r).collect(),
            None => self.far.range((node, 0)..=(node, u32::MAX)).map(|((_, r), _)| *r).collect(),
        }
    }
}

impl<V: Default> NodeMap<V> {
    /// The value for (node, route), inserted as the default when missing.
    pub(crate) fn entry(&mut self, node: Node, route: u32) -> &mut V {
        match dense_index(node).filter(|i| self.reach(*i)) {
            Some(i) => {
                let (value, inserted) = self.dense[i].entry(route);
                self.len += usize::from(inserted);
                value
            }
            None => {
                if !self.far.contains_key(&(node, route)) {
                    self.len += 1;
                }
                self.far.entry((node, route)).or_default()
            }
        }
    }
}

impl<V: PartialEq> PartialEq for NodeMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for NodeMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> FromIterator<((Node, u32), V)> for NodeMap<V> {
    fn from_iter<I: IntoIterator<Item = ((Node, u32), V)>>(iter: I) -> Self {
        let mut map = NodeMap::default();
        for ((node, route), v) in iter {
            map.insert(node, route, v);
        }
        map
    }
}

/// JSON object keys are strings, so the map is written as an ordered list of
/// `[[node, route], value]` pairs (the form the tree it replaced was written in).
impl<V: Serialize> Serialize for NodeMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for NodeMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list: Vec<((Node, u32), V)> = Vec::deserialize(d)?;
        Ok(list.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EngineCommand, TaskId};

    fn task(i: u32) -> Node {
        Node::Task(TaskId(i))
    }

    impl<V> NodeMap<V> {
        fn keys(&self) -> impl Iterator<Item = (Node, u32)> + '_ {
            self.iter().map(|(k, _)| k)
        }
    }

    #[test]
    fn iterates_in_key_order_whatever_the_insertion_order() {
        let keys = [
            (Node::Command(EngineCommand::Fail), 0),
            (task(3), 2),
            (task(0), 0),
            (task(3), 0),
            (task(5_000_000), 1),
            (task(1), 7),
        ];
        let map: NodeMap<usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut sorted = keys.to_vec();
        sorted.sort();
        assert_eq!(map.keys().collect::<Vec<_>>(), sorted);
        assert_eq!(map.len, keys.len());
        assert_eq!(map.get(task(5_000_000), 1), Some(&4));
        assert_eq!(map.routes_of(task(3)), vec![0, 2]);
    }

    #[test]
    fn a_far_id_does_not_grow_the_vector_and_moves_in_when_reached() {
        let mut map = NodeMap::default();
        map.insert(task(4_000_000_000), 0, 'a');
        map.insert(task(2_000), 0, 'b');
        assert!(map.dense.is_empty(), "both are far past an empty vector");
        for i in 0..1_100 {
            map.insert(task(i), 0, 'c');
        }
        map.insert(task(2_100), 0, 'd');
        assert_eq!(map.get(task(2_000), 0), Some(&'b'));
        assert!(map.dense.len() > 2_000 && map.far.len() == 1, "2,000 moved in, 4e9 stayed out");
        assert_eq!(map.keys().last(), Some((task(4_000_000_000), 0)));
    }

    #[test]
    fn ids_visited_from_the_top_down_end_up_dense() {
        let mut map = NodeMap::default();
        for i in (0..100_000).rev() {
            map.insert(task(i), 0, i);
        }
        assert!(map.far.len() < 50_000, "at most the ids jumped over first wait in the overflow");
        // The next write to one of them takes them all in: the bound has grown with the
        // entries held.
        map.insert(task(99_999), 0, 99_999);
        assert!(map.far.is_empty(), "{} entries left in the overflow", map.far.len());
        assert_eq!(map.dense.len(), 100_000);
        assert_eq!((map.get(task(99_999), 0), map.get(task(0), 0)), (Some(&99_999), Some(&0)));
        assert_eq!(map.keys().count(), 100_000);
    }

    #[test]
    fn reserved_tasks_are_dense_in_any_visiting_order() {
        // A fan-out's branches in name order: p1, p10, p100, ... are ids 1, 10, 100, ...
        let mut names: Vec<String> = (1..=100_000).map(|i| format!("p{i}")).collect();
        names.sort();
        let mut map = NodeMap::default();
        map.reserve(100_001);
        for name in &names {
            let id: u32 = name[1..].parse().unwrap_or(0);
            map.insert(task(id), 0, id);
            assert!(map.far.is_empty(), "{name} went through the overflow");
        }
        assert_eq!(map.get(task(100_000), 0), Some(&100_000));
        // Past the room reserved, the bound on growth holds as before.
        map.insert(task(4_000_000_000), 0, 0);
        assert_eq!(map.far.len(), 1);
    }

    #[test]
    fn equality_ignores_layout_and_remove_and_entry_keep_the_count() {
        let mut a: NodeMap<u32> = NodeMap::default();
        *a.entry(task(2), 1) += 5;
        *a.entry(task(2), 1) += 1;
        a.insert(task(7), 0, 1);
        assert_eq!(a.remove(task(7), 0), Some(1));
        assert_eq!(a.remove(task(7), 0), None);
        let b: NodeMap<u32> = [((task(2), 1), 6)].into_iter().collect();
        assert_eq!(a, b);
        assert_eq!(a.len, 1);
        let json = serde_json::to_string(&a).unwrap_or_default();
        assert_eq!(json, r#"[[[{"Task":2},1],6]]"#);
        assert_eq!(serde_json::from_str::<NodeMap<u32>>(&json).ok(), Some(b));
    }

    #[test]
    fn routes_stay_sorted_through_entry_insert_and_remove_of_the_head() {
        let mut map: NodeMap<u32> = NodeMap::default();
        for route in [5, 3, 9, 1] {
            *map.entry(task(0), route) += route;
        }
        map.insert(task(0), 0, 100);
        assert_eq!(map.routes_of(task(0)), vec![0, 1, 3, 5, 9]);
        assert_eq!(map.remove(task(0), 0), Some(100));
        assert_eq!(map.remove(task(0), 1), Some(1));
        *map.entry(task(0), 2) += 7;
        assert_eq!(
            map.iter().map(|((_, r), v)| (r, *v)).collect::<Vec<_>>(),
            vec![(2, 7), (3, 3), (5, 5), (9, 9)]
        );
        assert_eq!(map.len, 4);
        // An entry already held past the head is found, not inserted again.
        *map.entry(task(0), 5) += 1;
        *map.entry(task(0), 2) += 1;
        assert_eq!((map.get(task(0), 5), map.get(task(0), 2), map.len), (Some(&6), Some(&8), 4));
    }
}
