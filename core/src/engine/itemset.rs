//! A set of item indices: a with-items task's items offered to the runtime and not yet
//! reported on.
//!
//! Every item is inserted when offered and removed when its first report arrives, and every
//! dispatch asks which items are in it. As an ordered tree that was a node walk (and often a
//! node allocation) per item, about a sixth of a with-items action; as bits it is a shift
//! and a mask. Serialized as the ascending list of indices, the form states always had.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first index a saved state may not hold.
const MAX_INDEX: usize = 1 << 28;

/// Item indices, as bits.
#[derive(Clone, Default)]
pub(crate) struct ItemSet {
    words: Vec<u64>,
    len: usize,
    /// No word before this one has a bit set. Items are offered in order, so the set is a
    /// window sliding over the list; a walk starts at the window, not at item 0 (with a
    /// concurrency of 10 over 100,000 items, every dispatch walked every word).
    first: usize,
}

impl ItemSet {
    fn slot(i: usize) -> (usize, u64) {
        (i / 64, 1 << (i % 64))
    }

    /// Add `i`; whether it was absent.
    pub(crate) fn insert(&mut self, i: usize) -> bool {
        let (w, bit) = Self::slot(i);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        let Some(word) = self.words.get_mut(w) else { return false };
        let added = *word & bit == 0;
        *word |= bit;
        if self.len == 0 || w < self.first {
            self.first = w;
        }
        self.len += usize::from(added);
        added
    }

    /// Remove `i`; whether it was present.
    pub(crate) fn remove(&mut self, i: usize) -> bool {
        let (w, bit) = Self::slot(i);
        let Some(word) = self.words.get_mut(w) else { return false };
        let removed = *word & bit != 0;
        *word &= !bit;
        self.len -= usize::from(removed);
        while self.words.get(self.first).is_some_and(|w| *w == 0) && self.first + 1 < self.words.len() {
            self.first += 1;
        }
        removed
    }

    /// Whether `i` is in the set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        let (w, bit) = Self::slot(i);
        self.words.get(w).is_some_and(|word| word & bit != 0)
    }

    /// Whether the set holds no index (its count, not a walk over the words).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether any index other than `i` is in the set.
    pub(crate) fn any_other(&self, i: usize) -> bool {
        self.len > usize::from(self.contains(i))
    }

    /// The indices, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let words = self.words.get(self.first..).unwrap_or_default();
        words.iter().enumerate().flat_map(move |(w, &word)| {
            let base = (self.first + w) * 64;
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    base + bit
                })
            })
        })
    }
}

impl PartialEq for ItemSet {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for ItemSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for ItemSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for ItemSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<usize>::deserialize(d)?;
        // An index is one bit of a vector as long as the largest index: refuse what a
        // hand-edited state could use to make that vector huge (32 MiB at this bound, a list
        // of 268 million items, far past any list a workflow holds in memory).
        if list.iter().any(|i| *i >= MAX_INDEX) {
            return Err(serde::de::Error::custom(format!("an offered item index of {MAX_INDEX} or more")));
        }
        let mut set = ItemSet::default();
        for i in list {
            set.insert(i);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn behaves_as_an_ordered_set_of_indices() {
        let mut set = ItemSet::default();
        let mut model = BTreeSet::new();
        for (i, op) in [(3, true), (64, true), (3, true), (130, true), (3, false), (7, false), (0, true)] {
            let (a, b) =
                if op { (set.insert(i), model.insert(i)) } else { (set.remove(i), model.remove(&i)) };
            assert_eq!(a, b, "{op} {i}");
            assert_eq!(set.len, model.len());
            assert_eq!(set.is_empty(), model.is_empty());
            assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
        }
        assert!(set.contains(64) && !set.contains(65) && !set.contains(10_000));
        assert!(set.any_other(64) && set.any_other(5));
        let single: ItemSet = serde_json::from_str("[9]").expect("reads");
        assert!(!single.any_other(9) && single.any_other(8));
        for i in [0, 64, 130] {
            assert!(!set.is_empty());
            set.remove(i);
        }
        assert!(set.is_empty() && set.iter().next().is_none(), "emptied by removals");
    }

    #[test]
    fn a_sliding_window_is_walked_from_where_it_is() {
        let mut set = ItemSet::default();
        for i in 0..10_000 {
            set.insert(i);
            if i >= 10 {
                set.remove(i - 10);
            }
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), (9_990..10_000).collect::<Vec<_>>());
        assert!(set.first >= 9_990 / 64, "the walk starts at the window, word {}", set.first);
        set.insert(3);
        assert_eq!(set.iter().next(), Some(3), "an index before the window moves it back");
        for i in set.iter().collect::<Vec<_>>() {
            set.remove(i);
        }
        assert_eq!((set.len, set.iter().count()), (0, 0));
    }

    #[test]
    fn serializes_as_the_ascending_list() {
        let mut set = ItemSet::default();
        for i in [70, 2, 5] {
            set.insert(i);
        }
        let text = serde_json::to_string(&set).expect("serializes");
        assert_eq!(text, "[2,5,70]");
        assert_eq!(serde_json::from_str::<ItemSet>(&text).ok(), Some(set));
        assert!(serde_json::from_str::<ItemSet>(&format!("[{MAX_INDEX}]")).is_err());
    }
}
