//! Short lists of arena ids, two of them held inline.
//!
//! The context layers a record or staged instance reads are nearly always one or two ids
//! long (after `State::squash`, layer 0 plus at most one delta), and the engine copies them
//! into every new record and squashes them afresh on every transition: as `Vec`s they were
//! allocations on every action. A longer list (a join gathering branches before it squashes
//! them, a hand-written state) spills to the heap.
//! Serialized as the plain list of ids it always was.

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Arena ids, in the order given (context layers: bottom first).
#[derive(Clone)]
pub(crate) enum InlineIds {
    /// Up to two ids; `len` says how many of `ids` count.
    Inline { len: u8, ids: [usize; 2] },
    /// More than two.
    Heap(Vec<usize>),
}

impl InlineIds {
    /// The list holding these ids.
    pub(crate) fn from_slice(ids: &[usize]) -> Self {
        match *ids {
            [] => InlineIds::default(),
            [a] => InlineIds::Inline { len: 1, ids: [a, 0] },
            [a, b] => InlineIds::Inline { len: 2, ids: [a, b] },
            _ => InlineIds::Heap(ids.to_vec()),
        }
    }

    /// Add an id on top.
    pub(crate) fn push(&mut self, id: usize) {
        match self {
            InlineIds::Inline { len, ids } if usize::from(*len) < ids.len() => {
                if let Some(slot) = ids.get_mut(usize::from(*len)) {
                    *slot = id;
                }
                *len += 1;
            }
            InlineIds::Inline { ids, .. } => {
                *self = InlineIds::Heap(ids.iter().copied().chain([id]).collect())
            }
            InlineIds::Heap(v) => v.push(id),
        }
    }

    /// Remove the first occurrence of `id`, if any.
    pub(crate) fn remove_first(&mut self, id: usize) {
        let Some(p) = self.iter().position(|x| *x == id) else { return };
        match self {
            InlineIds::Inline { len, ids } => {
                if p == 0 {
                    ids[0] = ids[1];
                }
                *len -= 1;
            }
            InlineIds::Heap(v) => {
                v.remove(p);
                if v.len() <= 2 {
                    *self = InlineIds::from_slice(v);
                }
            }
        }
    }
}

impl Default for InlineIds {
    fn default() -> Self {
        InlineIds::Inline { len: 0, ids: [0, 0] }
    }
}

impl Deref for InlineIds {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        match self {
            InlineIds::Inline { len, ids } => ids.get(..usize::from(*len)).unwrap_or_default(),
            InlineIds::Heap(v) => v,
        }
    }
}

impl Extend<usize> for InlineIds {
    fn extend<I: IntoIterator<Item = usize>>(&mut self, iter: I) {
        for id in iter {
            self.push(id);
        }
    }
}

impl From<Vec<usize>> for InlineIds {
    fn from(v: Vec<usize>) -> Self {
        if v.len() <= 2 { InlineIds::from_slice(&v) } else { InlineIds::Heap(v) }
    }
}

impl PartialEq for InlineIds {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for InlineIds {}

impl std::fmt::Debug for InlineIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for InlineIds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for InlineIds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<usize>::deserialize(d).map(InlineIds::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_spill_to_the_heap_past_two_and_read_the_same() {
        let mut ids = InlineIds::default();
        let mut plain = Vec::new();
        for id in [0, 7, 3, 9] {
            ids.push(id);
            plain.push(id);
            assert_eq!(&*ids, plain.as_slice());
        }
        assert!(matches!(ids, InlineIds::Heap(_)));
        assert_eq!(InlineIds::from_slice(&[0, 7]), InlineIds::from(vec![0, 7]));
        assert!(matches!(InlineIds::from(vec![0, 7]), InlineIds::Inline { len: 2, .. }));
    }

    #[test]
    fn removing_an_id_drops_its_first_occurrence_only() {
        let mut ids = InlineIds::from(vec![4, 0, 5, 0]);
        ids.remove_first(0);
        assert_eq!(&*ids, &[4, 5, 0]);
        ids.remove_first(8);
        assert_eq!(&*ids, &[4, 5, 0]);
        ids.remove_first(4);
        assert!(matches!(ids, InlineIds::Inline { len: 2, ids: [5, 0] }));
    }

    #[test]
    fn serializes_as_the_plain_list_and_reads_it_back() {
        for plain in [vec![], vec![0], vec![0, 3], vec![0, 3, 8]] {
            let ids = InlineIds::from(plain.clone());
            let text = serde_json::to_string(&ids).expect("serializes");
            assert_eq!(text, serde_json::to_string(&plain).expect("serializes"));
            let back: InlineIds = serde_json::from_str(&text).expect("reads");
            assert_eq!(back, ids);
        }
    }
}
