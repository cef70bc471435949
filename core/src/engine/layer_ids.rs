//! The list of context layers a record or staged instance reads, bottom first.
//!
//! After `State::squash` such a list is layer 0 plus at most one delta, so it is nearly always
//! one or two ids. It is copied into every new record and staged instance, and squashed into a
//! fresh list on every transition: as a `Vec` that was two allocations per action of a loop.
//! Two ids live inline; a longer list (a join gathering branches before it squashes them, or a
//! hand-written state) spills to the heap. Serialized as the plain list of ids it always was.

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Context layer ids, bottom first.
#[derive(Clone)]
pub(crate) enum LayerIds {
    /// Up to two ids; `len` says how many of `ids` count.
    Inline { len: u8, ids: [usize; 2] },
    /// More than two.
    Heap(Vec<usize>),
}

impl LayerIds {
    /// The list holding these ids.
    pub(crate) fn from_slice(ids: &[usize]) -> Self {
        match *ids {
            [] => LayerIds::default(),
            [a] => LayerIds::Inline { len: 1, ids: [a, 0] },
            [a, b] => LayerIds::Inline { len: 2, ids: [a, b] },
            _ => LayerIds::Heap(ids.to_vec()),
        }
    }

    /// Add an id on top.
    pub(crate) fn push(&mut self, id: usize) {
        match self {
            LayerIds::Inline { len, ids } if usize::from(*len) < ids.len() => {
                if let Some(slot) = ids.get_mut(usize::from(*len)) {
                    *slot = id;
                }
                *len += 1;
            }
            LayerIds::Inline { ids, .. } => *self = LayerIds::Heap(ids.iter().copied().chain([id]).collect()),
            LayerIds::Heap(v) => v.push(id),
        }
    }

    /// Remove the first occurrence of `id`, if any.
    pub(crate) fn remove_first(&mut self, id: usize) {
        if let Some(p) = self.iter().position(|x| *x == id) {
            let mut rest: Vec<usize> = self.to_vec();
            rest.remove(p);
            *self = LayerIds::from_slice(&rest);
        }
    }
}

impl Default for LayerIds {
    fn default() -> Self {
        LayerIds::Inline { len: 0, ids: [0, 0] }
    }
}

impl Deref for LayerIds {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        match self {
            LayerIds::Inline { len, ids } => ids.get(..usize::from(*len)).unwrap_or_default(),
            LayerIds::Heap(v) => v,
        }
    }
}

impl Extend<usize> for LayerIds {
    fn extend<I: IntoIterator<Item = usize>>(&mut self, iter: I) {
        for id in iter {
            self.push(id);
        }
    }
}

impl From<Vec<usize>> for LayerIds {
    fn from(v: Vec<usize>) -> Self {
        if v.len() <= 2 { LayerIds::from_slice(&v) } else { LayerIds::Heap(v) }
    }
}

impl PartialEq for LayerIds {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for LayerIds {}

impl std::fmt::Debug for LayerIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for LayerIds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for LayerIds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<usize>::deserialize(d).map(LayerIds::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_spill_to_the_heap_past_two_and_read_the_same() {
        let mut ids = LayerIds::default();
        let mut plain = Vec::new();
        for id in [0, 7, 3, 9] {
            ids.push(id);
            plain.push(id);
            assert_eq!(&*ids, plain.as_slice());
        }
        assert!(matches!(ids, LayerIds::Heap(_)));
        assert_eq!(LayerIds::from_slice(&[0, 7]), LayerIds::from(vec![0, 7]));
        assert!(matches!(LayerIds::from(vec![0, 7]), LayerIds::Inline { len: 2, .. }));
    }

    #[test]
    fn removing_an_id_drops_its_first_occurrence_only() {
        let mut ids = LayerIds::from(vec![4, 0, 5, 0]);
        ids.remove_first(0);
        assert_eq!(&*ids, &[4, 5, 0]);
        ids.remove_first(8);
        assert_eq!(&*ids, &[4, 5, 0]);
        ids.remove_first(4);
        assert!(matches!(ids, LayerIds::Inline { len: 2, ids: [5, 0] }));
    }

    #[test]
    fn serializes_as_the_plain_list_and_reads_it_back() {
        for plain in [vec![], vec![0], vec![0, 3], vec![0, 3, 8]] {
            let ids = LayerIds::from(plain.clone());
            let text = serde_json::to_string(&ids).expect("serializes");
            assert_eq!(text, serde_json::to_string(&plain).expect("serializes"));
            let back: LayerIds = serde_json::from_str(&text).expect("reads");
            assert_eq!(back, ids);
        }
    }
}
