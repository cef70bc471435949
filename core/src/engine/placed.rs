//! A wide edge map whose names are all its workflow's own: each entry is the name's place in
//! one table of the workflow's edge names, so an entry counts no reference.
//!
//! A fan-out's source writes one edge per branch and its join hears one arrival per branch.
//! Held by name, each entry cloned the branch's own edge name (`p123__t0`, an allocation of
//! its own) and dropped it with the state: a locked increment and a locked decrement on a
//! line far out of the cache for every branch. A locked instruction cannot run ahead of a
//! miss the way a plain load can; at 100,000 branches those two were a fifth of a
//! completion's time and half of the final drop's. Here the map holds the table once and an
//! entry is 4 bytes of place beside its value. The table is in [`Key`] order, so place order
//! is the order a wide map keeps, and an arrival in that order is a push.

use std::sync::Arc;

use super::edgemap::{Key, append_sorted};

/// Every distinct edge name of a compiled workflow, in [`Key`] order.
#[derive(Debug, Default)]
pub(crate) struct EdgeNames(Vec<Key>);

impl EdgeNames {
    /// The table of `names` (repeats are held once). `room` is how many there are at most,
    /// so the table is allocated once rather than doubled into place: a table of 200,000
    /// names would leave its smaller copies behind as holes in the heap, where the run's
    /// own allocations then land.
    pub(crate) fn new(names: impl IntoIterator<Item = Arc<str>>, room: usize) -> EdgeNames {
        let mut keys: Vec<Key> = Vec::with_capacity(room);
        keys.extend(names.into_iter().map(Key::new));
        keys.sort();
        keys.dedup();
        EdgeNames(keys)
    }

    /// The place of `name` in the table, if it is one of the workflow's.
    pub(crate) fn place(&self, name: &Arc<str>) -> Option<u32> {
        let key = Key::new(Arc::clone(name));
        self.0.binary_search(&key).ok().and_then(|at| u32::try_from(at).ok())
    }

    /// The name at `at`.
    pub(crate) fn key(&self, at: u32) -> Option<&Key> {
        self.0.get(at as usize)
    }
}

/// Entries by place in one [`EdgeNames`], in place order.
#[derive(Debug, Clone)]
pub(crate) struct Placed<V> {
    /// The table the places are in.
    pub(crate) names: Arc<EdgeNames>,
    /// (place, value), places ascending.
    pub(crate) entries: Vec<(u32, V)>,
}

impl<V> Placed<V> {
    /// The value at place `at`.
    pub(crate) fn get(&self, at: u32) -> Option<&V> {
        let i = self.entries.binary_search_by_key(&at, |(p, _)| *p).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// Set the value at place `at`, returning the one it replaces; `Err` gives the value back
    /// when `at` would go between held places (out of order: the caller holds the entries by
    /// name instead, as a sorted list would shift on every such insert).
    pub(crate) fn insert(&mut self, at: u32, value: V) -> Result<Option<V>, V> {
        append_sorted(&mut self.entries, at, value).map_err(|(_, value)| value)
    }

    /// (name, value) in place order, which is [`Key`] order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().filter_map(|(at, v)| self.names.key(*at).map(|k| (k.name(), v)))
    }

    /// The entries by name, in [`Key`] order: what a map of names holds.
    pub(crate) fn into_keys(self) -> Vec<(Key, V)> {
        let names = self.names;
        self.entries.into_iter().filter_map(|(at, v)| names.key(at).map(|k| (k.clone(), v))).collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::edgemap::EdgeMap;
    use super::*;

    /// A fan-out's names, `p1__t0` .. `p<n>__t0`, as the compiler would hold them, listed
    /// in the order a join hears them: by task name (`p1`, `p10`, `p11`, ..., `p2`).
    fn table(n: usize) -> (Arc<EdgeNames>, Vec<Arc<str>>) {
        let mut names: Vec<Arc<str>> = (1..=n).map(|i| Arc::from(format!("p{i}__t0"))).collect();
        names.sort_by(|a, b| a.trim_end_matches("__t0").cmp(b.trim_end_matches("__t0")));
        (Arc::new(EdgeNames::new(names.iter().cloned(), n)), names)
    }

    #[test]
    fn the_table_holds_each_name_once_in_key_order_and_finds_it_by_text() {
        let (names, list) = table(30);
        let again = EdgeNames::new(list.iter().chain(&list).cloned(), 0);
        assert_eq!(again.0.len(), 30, "repeats are held once");
        let keys: Vec<&str> = (0..30).filter_map(|at| names.key(at)).map(Key::name).collect();
        assert_eq!(keys, list.iter().map(|n| &**n).collect::<Vec<_>>(), "the order a join hears them");
        assert_eq!(keys[..3], ["p1__t0", "p10__t0", "p11__t0"], "task-name order, not text order");
        assert_eq!(names.place(&Arc::from("p2__t0")), Some(11), "found by its text");
        assert!(names.key(11).is_some_and(|k| k.is(&list[11]) && !k.is(&Arc::from("p2__t0"))));
        assert_eq!((names.place(&Arc::from("q__t0")), names.key(30).is_none()), (None, true));
    }

    #[test]
    fn a_wide_map_of_places_holds_no_name_and_an_arrival_out_of_order_is_taken_by_name() {
        let (names, list) = table(40);
        let mut map = EdgeMap::default();
        map.reserve_placed(&names, 40);
        for (i, n) in list.iter().enumerate().take(20) {
            let at = names.place(n).expect("placed");
            assert_eq!(map.insert_placed(&names, || at, n, i), None);
        }
        assert!(matches!(&map, EdgeMap::Placed(p) if p.entries.len() == 20));
        assert!(list.iter().all(|n| Arc::strong_count(n) == 2), "the list and the table; no entry");
        // p5 again replaces in place; p1 after p20 is out of order only if absent.
        assert_eq!(map.insert_placed(&names, || 4, &list[4], 99), Some(4));
        let mut out_of_order = map.clone();
        assert_eq!(out_of_order.insert_placed(&names, || 39, &list[39], 39), None);
        assert_eq!(out_of_order.insert_placed(&names, || 30, &list[30], 30), None);
        assert!(matches!(out_of_order, EdgeMap::Large(_)), "{out_of_order:?}");
        assert_eq!((out_of_order.get(&list[30]), out_of_order.get(&list[4])), (Some(&30), Some(&99)));
    }

    #[test]
    fn a_place_that_is_not_the_names_own_makes_the_map_take_the_name() {
        let (names, list) = table(20);
        let (other, _) = table(20);
        let mut map = EdgeMap::default();
        map.reserve_placed(&names, 20);
        map.insert_placed(&names, || 0, &list[0], 0);
        // The right place, but the table of another workflow: held by name.
        map.insert_placed(&other, || 1, &list[1], 1);
        // A place that is another name's: held by name.
        map.insert_placed(&names, || 7, &list[2], 2);
        let mut by_name = EdgeMap::default();
        for (i, n) in list.iter().take(3).enumerate() {
            by_name.insert(Arc::clone(n), i);
        }
        assert_eq!(map, by_name);
        assert_eq!(map.get(&list[2]), Some(&2));
    }

    proptest! {
        /// Whatever the order, repeats and foreign names, a map filled by place reads,
        /// compares and serializes as one filled by name, and reads back equal.
        #[test]
        fn filled_by_place_or_by_name_a_map_is_the_same(
            arrivals in proptest::collection::vec((0usize..40, any::<bool>(), 0u8..4), 0..80),
            reserve in 0usize..60,
        ) {
            let (names, list) = table(40);
            let (mut placed, mut plain) = (EdgeMap::default(), EdgeMap::default());
            placed.reserve_placed(&names, reserve);
            for (k, (i, foreign, v)) in arrivals.into_iter().enumerate() {
                // Mostly in order, as a fan-out's branches arrive; the index jumps back too.
                let i = if k % 5 == 4 { 39 - i } else { i };
                let name = if foreign { Arc::from(&*list[i]) } else { Arc::clone(&list[i]) };
                let at = names.place(&name).expect("placed");
                prop_assert_eq!(placed.insert_placed(&names, || at, &name, v), plain.insert(Arc::clone(&name), v));
            }
            prop_assert_eq!(&placed, &plain);
            for n in &list {
                prop_assert_eq!(placed.get(n), plain.get(n));
            }
            let text = serde_json::to_string(&placed).expect("serializes");
            prop_assert_eq!(&text, &serde_json::to_string(&plain).expect("serializes"));
            let back: EdgeMap<u8> = serde_json::from_str(&text).expect("reads");
            prop_assert_eq!(back, placed);
        }
    }
}
