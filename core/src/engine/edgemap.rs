//! A record's transitions by name: where an execution came from (`prev`) and which of its
//! edges it took (`next`), keyed by Orquesta's edge names (`<task>__t<n>`).
//!
//! A record has one or two of each, and every completion writes them, every arrival copies
//! them and every join reads them. As ordered trees of owned strings each write allocated a
//! tree node and a string. Here they are a short sorted list of names shared with the
//! compiled workflow (a copy is a reference count), in the same serialized form: a JSON
//! object ordered by name. A wide map of the workflow's own names (a fan-out's source, a
//! wide join) holds their places in the workflow's table instead (`placed.rs`), so that a
//! branch counts no reference.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::placed::{EdgeNames, Placed};

/// Past this many entries (a join with a wide fan-in, a fan-out's source) a sorted list would
/// shift on every insert out of order; the map becomes a run or a tree.
const SMALL: usize = 16;

/// A name as the key of a wide map, ordered the way a wide map is filled: by the task part
/// (before the last `__t`), then by the edge number after it. A fan-out's source writes its
/// edges in target-name order and a join hears its branches in offer order, which is by task
/// name too: `p1__t0, p10__t0, p100__t0, p2__t0`. In text order those come out of order
/// (`p10__t0` < `p1__t0`, as `0` sorts before `_`), so every wide map was a tree; in this
/// order they are appended. The task part's first 16 bytes are held inline, so comparing
/// `p00017__t0` with `p00018__t0` rarely follows the pointer to the text. Serialized in text
/// order all the same (see `sorted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// The task part's first 16 bytes, big-endian: integer order is the bytes' order.
    head: u128,
    /// Where the task part ends in `name`.
    stem: usize,
    /// The edge number, or `u64::MAX` when the name does not end in `__t<digits>`.
    number: u64,
    name: Arc<str>,
}

impl Key {
    /// The key of `name`.
    pub(crate) fn new(name: Arc<str>) -> Self {
        let (stem, number) = split_edge_name(&name);
        let mut head = [0; 16];
        let n = stem.min(16);
        head[..n].copy_from_slice(&name.as_bytes()[..n]);
        Key { head: u128::from_be_bytes(head), stem, number, name }
    }

    /// The whole name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether `name` is this key's own allocation (the same name, found without its text).
    pub(crate) fn is(&self, name: &Arc<str>) -> bool {
        Arc::ptr_eq(&self.name, name)
    }

    fn stem(&self) -> &str {
        self.name.get(..self.stem).unwrap_or(&self.name)
    }
}

/// `<task>__t<n>` split into the task part's length and `n`; a name of another shape is all
/// task part, numbered last.
fn split_edge_name(name: &str) -> (usize, u64) {
    // By hand: `rfind` with a string pattern sets up a substring searcher for every key.
    let bytes = name.as_bytes();
    let found = (0..bytes.len().saturating_sub(2)).rev().find(|&at| bytes.get(at..at + 3) == Some(b"__t"));
    match found {
        Some(at) => {
            let digits = &name[at + 3..];
            match digits.parse::<u64>() {
                Ok(n) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => (at, n),
                _ => (name.len(), u64::MAX),
            }
        }
        None => (name.len(), u64::MAX),
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.head
            .cmp(&other.head)
            .then_with(|| self.stem().cmp(other.stem()))
            .then_with(|| self.number.cmp(&other.number))
            // `__t01` and `__t1` (only in a hand-written state) differ in text alone.
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Set `key`'s value in a list sorted by key that grows at its end (a wide map's entries):
/// a push when `key` comes after the last, a replace when it is held. `Err` gives both back
/// when `key` would go between held keys, where a sorted list would shift on every insert.
pub(super) fn append_sorted<K: Ord, V>(
    list: &mut Vec<(K, V)>,
    key: K,
    value: V,
) -> Result<Option<V>, (K, V)> {
    if list.last().is_none_or(|(last, _)| *last < key) {
        list.push((key, value));
        return Ok(None);
    }
    match list.binary_search_by(|(k, _)| k.cmp(&key)) {
        Ok(at) => Ok(list.get_mut(at).map(|(_, v)| std::mem::replace(v, value))),
        Err(_) => Err((key, value)),
    }
}

/// Values by edge name, sorted by name.
#[derive(Debug, Clone)]
pub(crate) enum EdgeMap<V> {
    /// One entry, held inline: most executions come from one transition and have one edge.
    One(Arc<str>, V),
    /// None, or a few entries, sorted by name.
    Small(Vec<(Arc<str>, V)>),
    /// Many entries that arrived in [`Key`] order (a fan-out's source writes its edges in
    /// order, and a join hears its branches in the order they were offered): a sorted list
    /// that only grows at its end, so an insert is a push and a lookup a binary search, with
    /// no tree nodes to allocate or chase.
    Run(Vec<(Key, V)>),
    /// Many entries, once one arrived out of order.
    Large(BTreeMap<Key, V>),
    /// Many entries, every one a name of the workflow's table, arrived in [`Key`] order:
    /// held by place, counting no reference per entry (see `placed.rs`). Boxed: a map of
    /// one entry is what most records hold, and it stays 32 bytes.
    Placed(Box<Placed<V>>),
}

impl<V> Default for EdgeMap<V> {
    fn default() -> Self {
        EdgeMap::Small(Vec::new())
    }
}

impl<V> EdgeMap<V> {
    /// A map with one entry.
    pub(crate) fn one(name: Arc<str>, value: V) -> Self {
        EdgeMap::One(name, value)
    }

    /// The value for `name` (an edge's own name: the key of a large map shares it).
    pub(crate) fn get(&self, name: &Arc<str>) -> Option<&V> {
        // Names come from the compiled workflow, one allocation per distinct name: the same
        // allocation is the same name, found without comparing text. A state read from a file
        // has names of its own, found by their text.
        match self {
            EdgeMap::One(k, v) => (Arc::ptr_eq(k, name) || k == name).then_some(v),
            EdgeMap::Small(list) => list
                .iter()
                .find(|(k, _)| Arc::ptr_eq(k, name))
                .or_else(|| list.iter().find(|(k, _)| k == name))
                .map(|(_, v)| v),
            EdgeMap::Run(list) => {
                let key = Key::new(Arc::clone(name));
                list.binary_search_by(|(k, _)| k.cmp(&key)).ok().and_then(|at| list.get(at)).map(|(_, v)| v)
            }
            EdgeMap::Large(map) => map.get(&Key::new(Arc::clone(name))),
            EdgeMap::Placed(p) => p.names.place(name).and_then(|at| p.get(at)),
        }
    }

    /// Room for `n` entries in all: a map that will be wide (a fan-out's source, a wide
    /// join) becomes a run with that room now, and a map of a few (a task with ten edges)
    /// gets its list now, instead of either doubling its way there from two entries. A map
    /// of one stays inline, and one of two gets its list when the second entry comes.
    pub(crate) fn reserve(&mut self, n: usize) {
        match self {
            EdgeMap::Run(list) => list.reserve(n.saturating_sub(list.len())),
            EdgeMap::Placed(p) => p.entries.reserve(n.saturating_sub(p.entries.len())),
            EdgeMap::Large(_) => {}
            // Two entries take one list of two when the second arrives anyway.
            _ if n <= 2 => {}
            _ if n <= SMALL => self.reserve_few(n),
            _ => self.widen(n),
        }
    }

    /// A one-entry or small map's list, with room for `n` entries in all. Out of line: a
    /// completion reserves once per record, and inlined this made the completion too large
    /// to be inlined where it is called (0.5% more instructions on a chain).
    #[inline(never)]
    fn reserve_few(&mut self, n: usize) {
        match self {
            EdgeMap::Small(list) => list.reserve(n.saturating_sub(list.len())),
            EdgeMap::One(..) => {
                let mut list = Vec::with_capacity(n);
                list.extend(std::mem::take(self).into_small());
                *self = EdgeMap::Small(list);
            }
            EdgeMap::Run(_) | EdgeMap::Large(_) | EdgeMap::Placed(_) => {}
        }
    }

    /// Make a one-entry or small map a run in key order, with room for `n` entries.
    fn widen(&mut self, n: usize) {
        let mut wide: Vec<(Key, V)> = Vec::with_capacity(n);
        wide.extend(std::mem::take(self).into_small().map(|(k, v)| (Key::new(k), v)));
        wide.sort_by(|a, b| a.0.cmp(&b.0));
        *self = EdgeMap::Run(wide);
    }

    /// Remove every entry; a small map keeps its room.
    pub(crate) fn clear(&mut self) {
        match self {
            EdgeMap::Small(list) => list.clear(),
            other => *other = EdgeMap::default(),
        }
    }

    /// The entries of a one-entry or small map.
    fn into_small(self) -> impl Iterator<Item = (Arc<str>, V)> {
        let (one, small) = match self {
            EdgeMap::One(k, v) => (Some((k, v)), Vec::new()),
            EdgeMap::Small(list) => (None, list),
            EdgeMap::Run(_) | EdgeMap::Large(_) | EdgeMap::Placed(_) => (None, Vec::new()),
        };
        one.into_iter().chain(small)
    }

    /// Set the value for `name`; returns the value it replaces.
    pub(crate) fn insert(&mut self, name: Arc<str>, value: V) -> Option<V> {
        match self {
            EdgeMap::One(k, v) if Arc::ptr_eq(k, &name) || **k == *name => {
                return Some(std::mem::replace(v, value));
            }
            EdgeMap::One(..) => {
                if let EdgeMap::One(k, v) = std::mem::take(self) {
                    let mut list = vec![(k, v), (name, value)];
                    list.sort_by(|a, b| a.0.cmp(&b.0));
                    *self = EdgeMap::Small(list);
                }
            }
            // An empty map with room (one cleared for reuse) fills its list.
            EdgeMap::Small(list) if list.capacity() == 0 => *self = EdgeMap::One(name, value),
            EdgeMap::Small(list) => match list.binary_search_by(|(k, _)| (**k).cmp(&*name)) {
                Ok(at) => return Some(std::mem::replace(&mut list[at].1, value)),
                Err(at) if list.len() < SMALL => list.insert(at, (name, value)),
                Err(_) => {
                    // Full: the entries become a run in key order, which takes the newcomer
                    // as any run does (appended, or a tree if it comes out of order).
                    self.widen(2 * SMALL);
                    return self.insert(name, value);
                }
            },
            EdgeMap::Run(list) => match append_sorted(list, Key::new(name), value) {
                Ok(old) => return old,
                Err((key, value)) => {
                    // Out of order: a sorted list would shift on every such insert.
                    let mut map: BTreeMap<Key, V> = std::mem::take(list).into_iter().collect();
                    map.insert(key, value);
                    *self = EdgeMap::Large(map);
                }
            },
            EdgeMap::Large(map) => return map.insert(Key::new(name), value),
            EdgeMap::Placed(p) => match p.names.place(&name) {
                // Found by its text: the place is the name's, whichever allocation holds it.
                Some(at) => {
                    let names = Arc::clone(&p.names);
                    return self.insert_at(&names, at, &name, value);
                }
                None => {
                    self.unplace();
                    return self.insert(name, value);
                }
            },
        }
        None
    }

    /// Set the value for the workflow's edge name `name`, whose place in the workflow's
    /// table `names` is `at()`; returns the value it replaces. A wide map of such names
    /// holds places (see `placed.rs`); any other map takes the name.
    ///
    /// The name is cloned only when the map takes it (a place counts no reference), and the
    /// place is looked up only when the map is wide.
    #[inline]
    pub(crate) fn insert_placed(
        &mut self,
        names: &Arc<EdgeNames>,
        at: impl FnOnce() -> u32,
        name: &Arc<str>,
        value: V,
    ) -> Option<V> {
        // Only a wide map holds places: a map of a few (nearly every record's) takes the
        // name as before, without looking at the table.
        let wide = match self {
            EdgeMap::Placed(p) => Arc::ptr_eq(&p.names, names),
            EdgeMap::Small(list) => list.len() >= SMALL,
            _ => false,
        };
        if !wide {
            return self.insert(Arc::clone(name), value);
        }
        let at = at();
        // The place must be the name's own (a plain pointer compare, on a line read in
        // order): a place from another table, or none, and the map takes the name.
        if !names.key(at).is_some_and(|k| k.is(name)) {
            return self.insert(Arc::clone(name), value);
        }
        self.insert_at(names, at, name, value)
    }

    /// [`EdgeMap::insert_placed`] with `at` known to be `name`'s place. Out of line: only
    /// a wide map comes here.
    #[inline(never)]
    fn insert_at(&mut self, names: &Arc<EdgeNames>, at: u32, name: &Arc<str>, value: V) -> Option<V> {
        let full = matches!(self, EdgeMap::Small(list) if list.len() >= SMALL);
        if full && self.place_all(names, 2 * SMALL) {
            return self.insert_at(names, at, name, value);
        }
        match self {
            EdgeMap::Placed(p) if Arc::ptr_eq(&p.names, names) => match p.insert(at, value) {
                Ok(old) => old,
                Err(value) => {
                    // Out of order: held by name, as a run that takes it as a tree.
                    self.unplace();
                    self.insert(Arc::clone(name), value)
                }
            },
            _ => self.insert(Arc::clone(name), value),
        }
    }

    /// Room for `n` entries in all, of the workflow whose table is `names`: a map that will
    /// be wide holds places from the start, when what it holds already has places.
    pub(crate) fn reserve_placed(&mut self, names: &Arc<EdgeNames>, n: usize) {
        if n <= SMALL || !(matches!(self, EdgeMap::One(..) | EdgeMap::Small(_)) && self.place_all(names, n)) {
            self.reserve(n);
        }
    }

    /// Make a one-entry or small map a map of places in `names` with room for `n`, when
    /// every name it holds has one; whether it did.
    fn place_all(&mut self, names: &Arc<EdgeNames>, n: usize) -> bool {
        let places: Option<Vec<u32>> = match &*self {
            EdgeMap::One(k, _) => names.place(k).map(|at| vec![at]),
            EdgeMap::Small(list) => list.iter().map(|(k, _)| names.place(k)).collect(),
            EdgeMap::Run(_) | EdgeMap::Large(_) | EdgeMap::Placed(_) => None,
        };
        let Some(places) = places else { return false };
        let mut entries: Vec<(u32, V)> = Vec::with_capacity(n.max(places.len()));
        entries.extend(places.into_iter().zip(std::mem::take(self).into_small().map(|(_, v)| v)));
        entries.sort_by_key(|(at, _)| *at);
        *self = EdgeMap::Placed(Box::new(Placed { names: Arc::clone(names), entries }));
        true
    }

    /// A map of places held by name instead: a run in key order (place order is key order).
    fn unplace(&mut self) {
        if let EdgeMap::Placed(p) = std::mem::take(self) {
            *self = EdgeMap::Run(p.into_keys());
        }
    }

    /// Entries in the order they are held: by name when few, in [`Key`] order when many.
    fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        let (one, small, run, large, placed) = match self {
            EdgeMap::One(k, v) => (Some((&**k, v)), None, None, None, None),
            EdgeMap::Small(list) => (None, Some(list.iter()), None, None, None),
            EdgeMap::Run(list) => (None, None, Some(list.iter()), None, None),
            EdgeMap::Large(map) => (None, None, None, Some(map.iter()), None),
            EdgeMap::Placed(p) => (None, None, None, None, Some(p.iter())),
        };
        let small = small.into_iter().flatten().map(|(k, v)| (&**k, v));
        let run = run.into_iter().flatten().map(|(k, v)| (&*k.name, v));
        let large = large.into_iter().flatten().map(|(k, v)| (&*k.name, v));
        one.into_iter().chain(small).chain(run).chain(large).chain(placed.into_iter().flatten())
    }

    /// Entries in name (text) order, the order a state is written in.
    fn sorted(&self) -> Vec<(&str, &V)> {
        let mut entries: Vec<(&str, &V)> = self.iter().collect();
        if matches!(self, EdgeMap::Run(_) | EdgeMap::Large(_) | EdgeMap::Placed(_)) {
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        entries
    }

    /// Names in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.sorted().into_iter().map(|(k, _)| k)
    }

    /// Values, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

/// Equal when the same names map to the same values, whichever form holds them.
impl<V: PartialEq> PartialEq for EdgeMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.sorted() == other.sorted()
    }
}

impl<V: Serialize> Serialize for EdgeMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.sorted())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for EdgeMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, V>::deserialize(d)?;
        let small = map.len() <= SMALL;
        let mut entries = map.into_iter().map(|(k, v)| (Arc::from(k), v));
        if entries.len() == 1 {
            if let Some((k, v)) = entries.next() {
                return Ok(EdgeMap::One(k, v));
            }
        }
        Ok(if small {
            EdgeMap::Small(entries.collect())
        } else {
            // Read in name order; held in key order, as a run.
            let mut wide: Vec<(Key, V)> = entries.map(|(k, v)| (Key::new(k), v)).collect();
            wide.sort_by(|a, b| a.0.cmp(&b.0));
            EdgeMap::Run(wide)
        })
    }
}

#[cfg(test)]
#[path = "edgemap_tests.rs"]
mod tests;
