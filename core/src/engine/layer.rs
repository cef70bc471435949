//! One context layer: variables by name, in insertion order.
//!
//! Every transition that publishes squashes its task's layers into a new one, and every
//! expression reads variables through the layers. Most layers hold a handful of names (what
//! one task published), where hashing each name (the JSON map's index) cost more than
//! comparing it; a layer is a short list until it grows past [`SMALL`] names, then a map.
//! Either way it keeps insertion order, and setting a name it holds keeps that name's place,
//! exactly as the JSON map does, because that order is what `ctx()` shows.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Past this many names, lookups hash.
const SMALL: usize = 16;

/// Variables by name, in insertion order.
#[derive(Debug, Clone)]
pub(crate) enum Layer {
    /// A few names.
    Small(Vec<(String, Value)>),
    /// Many names.
    Large(Map<String, Value>),
}

impl Default for Layer {
    fn default() -> Self {
        Layer::Small(Vec::new())
    }
}

impl Layer {
    /// An empty layer with room for `n` names (a publish knows how many it sets).
    pub(crate) fn with_capacity(n: usize) -> Self {
        Layer::Small(Vec::with_capacity(n.min(SMALL)))
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Layer::Small(list) => list.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            Layer::Large(map) => map.get(name),
        }
    }

    /// Set `name`; a name already there keeps its place.
    pub(crate) fn insert(&mut self, name: String, value: Value) {
        match self {
            Layer::Small(list) => match list.iter().position(|(k, _)| *k == name) {
                Some(at) => list[at].1 = value,
                None if list.len() < SMALL => list.push((name, value)),
                None => {
                    let mut map: Map<String, Value> = std::mem::take(list).into_iter().collect();
                    map.insert(name, value);
                    *self = Layer::Large(map);
                }
            },
            Layer::Large(map) => {
                map.insert(name, value);
            }
        }
    }

    /// This layer with `top` over it: each name keeps its place, a name `top` sets again
    /// takes `top`'s value (moved, not cloned), and `top`'s new names follow in its order.
    /// What `State::squash` makes of a loop's delta and the pass's publish, built in one
    /// pass over two short lists with the size known; either layer a map, it merges them.
    pub(crate) fn overlaid(&self, top: Layer) -> Layer {
        let (below, mut above) = match (self, top) {
            (Layer::Small(below), Layer::Small(above)) => (below, above),
            (_, top) => {
                let mut merged = self.clone();
                merged.extend(top.into_entries());
                return merged;
            }
        };
        // A loop's pass publishes again exactly the names below it, in their order (its
        // counter): the published list is the result as it stands.
        if below.len() == above.len() && below.iter().zip(&above).all(|((a, _), (b, _))| a == b) {
            return Layer::Small(above);
        }
        let mut entries = Vec::with_capacity(below.len() + above.len());
        for (k, v) in below {
            match above.iter().position(|(name, _)| name == k) {
                Some(at) => entries.push(above.remove(at)),
                None => entries.push((k.clone(), v.clone())),
            }
        }
        entries.append(&mut above);
        if entries.len() <= SMALL {
            Layer::Small(entries)
        } else {
            Layer::Large(entries.into_iter().collect())
        }
    }

    /// (name, value) in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        let (small, large) = match self {
            Layer::Small(list) => (Some(list.iter()), None),
            Layer::Large(map) => (None, Some(map.iter())),
        };
        small.into_iter().flatten().map(|(k, v)| (k, v)).chain(large.into_iter().flatten())
    }

    /// (name, value) in insertion order, by value.
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (String, Value)> {
        let (small, large) = match self {
            Layer::Small(list) => (Some(list.into_iter()), None),
            Layer::Large(map) => (None, Some(map.into_iter())),
        };
        small.into_iter().flatten().chain(large.into_iter().flatten())
    }

    /// Whether it holds no name.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Layer::Small(list) => list.is_empty(),
            Layer::Large(map) => map.is_empty(),
        }
    }
}

impl From<Map<String, Value>> for Layer {
    fn from(map: Map<String, Value>) -> Self {
        if map.len() <= SMALL { Layer::Small(map.into_iter().collect()) } else { Layer::Large(map) }
    }
}

impl Extend<(String, Value)> for Layer {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// Equal when the same names hold the same values in the same order, in either form.
impl PartialEq for Layer {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// Written as a JSON object in insertion order, the form layers always had.
impl Serialize for Layer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Layer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::deserialize(d).map(Layer::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(layer: &Layer) -> Vec<&str> {
        layer.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn overlaid_is_the_merge_of_the_two_in_order() {
        let layer = |pairs: &[(&str, i64)]| -> Layer {
            let mut l = Layer::default();
            l.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))));
            l
        };
        let wide: Vec<(String, i64)> = (0..20).map(|i| (format!("w{i}"), i)).collect();
        let wide: Vec<(&str, i64)> = wide.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        for (below, above) in [
            (vec![("i", 1), ("n", 5)], vec![("i", 2)]),
            (vec![("i", 1)], vec![("x", 9), ("i", 2), ("y", 3)]),
            (vec![], vec![("a", 1)]),
            (vec![("a", 1)], vec![]),
            (wide.clone(), vec![("w3", 30), ("z", 0)]),
            (vec![("a", 1)], wide.clone()),
            // The same names again: in the same order, and in another.
            (vec![("i", 1), ("n", 5)], vec![("i", 2), ("n", 6)]),
            (vec![("i", 1), ("n", 5)], vec![("n", 6), ("i", 2)]),
        ] {
            let (b, a) = (layer(&below), layer(&above));
            let mut expected = b.clone();
            expected.extend(a.clone().into_entries());
            let got = b.overlaid(a);
            assert_eq!(names(&got), names(&expected));
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn keeps_insertion_order_and_places_like_a_json_map_in_both_forms() {
        for size in [3, 40] {
            let mut layer = Layer::default();
            let mut map = Map::new();
            for i in (0..size).rev() {
                layer.insert(format!("v{i}"), json!(i));
                map.insert(format!("v{i}"), json!(i));
            }
            layer.insert("v1".into(), json!("again"));
            map.insert("v1".into(), json!("again"));
            assert_eq!(matches!(layer, Layer::Large(_)), size > SMALL);
            assert_eq!(names(&layer), map.keys().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(layer.get("v1"), Some(&json!("again")));
            assert_eq!(layer.get("nope"), None);
            let text = serde_json::to_string(&layer).unwrap_or_default();
            assert_eq!(text, serde_json::to_string(&map).unwrap_or_default());
            assert_eq!(serde_json::from_str::<Layer>(&text).ok(), Some(layer));
        }
    }

    #[test]
    fn squashing_one_layer_under_a_publish_is_the_plain_merge() {
        use crate::engine::State;
        for (old, published) in [(3, 2), (3, 5), (20, 3), (3, 30)] {
            let mut state = State::default();
            let below: Layer = (0..old).map(|i| (format!("v{i}"), json!(i))).collect::<Map<_, _>>().into();
            let mut extra = Layer::default();
            for i in (0..published).rev() {
                extra.insert(format!("v{}", i * 2), json!(format!("new{i}")));
            }
            let base = state.contexts.push(Layer::default());
            let id = state.contexts.push(below.clone());
            let mut expected = Map::new();
            for (k, v) in below.iter().chain(extra.iter()) {
                expected.insert(k.clone(), v.clone());
            }
            let squashed = state.squash(&[base, id], Some(extra));
            assert_eq!(squashed.len(), 2);
            let got = state.contexts.get(squashed[1]).map(|l| serde_json::to_string(l).unwrap_or_default());
            assert_eq!(
                got,
                Some(serde_json::to_string(&expected).unwrap_or_default()),
                "{old} under {published}"
            );
        }
    }
}
