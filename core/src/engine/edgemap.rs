//! A record's transitions by name: where an execution came from (`prev`) and which of its
//! edges it took (`next`), keyed by Orquesta's edge names (`<task>__t<n>`).
//!
//! A record has one or two of each, and every completion writes them, every arrival copies
//! them and every join reads them. As ordered trees of owned strings each write allocated a
//! tree node and a string. Here they are a short sorted list of names shared with the
//! compiled workflow (a copy is a reference count), in the same serialized form: a JSON
//! object ordered by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    fn new(name: Arc<str>) -> Self {
        let (stem, number) = split_edge_name(&name);
        let mut head = [0; 16];
        let n = stem.min(16);
        head[..n].copy_from_slice(&name.as_bytes()[..n]);
        Key { head: u128::from_be_bytes(head), stem, number, name }
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
        }
    }

    /// Room for `n` entries in all: a map that will be wide (a fan-out's source, a wide
    /// join) becomes a run with that room now, and a map of a few (a task with ten edges)
    /// gets its list now, instead of either doubling its way there from two entries. A map
    /// of one stays inline, and one of two gets its list when the second entry comes.
    pub(crate) fn reserve(&mut self, n: usize) {
        match self {
            EdgeMap::Run(list) => list.reserve(n.saturating_sub(list.len())),
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
            EdgeMap::Run(_) | EdgeMap::Large(_) => {}
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
            EdgeMap::Run(_) | EdgeMap::Large(_) => (None, Vec::new()),
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
            EdgeMap::Run(list) => {
                let key = Key::new(name);
                if list.last().is_none_or(|(last, _)| *last < key) {
                    list.push((key, value));
                    return None;
                }
                match list.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(at) => return Some(std::mem::replace(&mut list[at].1, value)),
                    Err(_) => {
                        // Out of order: a sorted list would shift on every such insert.
                        let mut map: BTreeMap<Key, V> = std::mem::take(list).into_iter().collect();
                        map.insert(key, value);
                        *self = EdgeMap::Large(map);
                    }
                }
            }
            EdgeMap::Large(map) => return map.insert(Key::new(name), value),
        }
        None
    }

    /// Entries in the order they are held: by name when few, in [`Key`] order when many.
    fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        let (one, small, run, large) = match self {
            EdgeMap::One(k, v) => (Some((&**k, v)), None, None, None),
            EdgeMap::Small(list) => (None, Some(list.iter()), None, None),
            EdgeMap::Run(list) => (None, None, Some(list.iter()), None),
            EdgeMap::Large(map) => (None, None, None, Some(map.iter())),
        };
        let small = small.into_iter().flatten().map(|(k, v)| (&**k, v));
        let run = run.into_iter().flatten().map(|(k, v)| (&*k.name, v));
        let large = large.into_iter().flatten().map(|(k, v)| (&*k.name, v));
        one.into_iter().chain(small).chain(run).chain(large)
    }

    /// Entries in name (text) order, the order a state is written in.
    fn sorted(&self) -> Vec<(&str, &V)> {
        let mut entries: Vec<(&str, &V)> = self.iter().collect();
        if matches!(self, EdgeMap::Run(_) | EdgeMap::Large(_)) {
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
