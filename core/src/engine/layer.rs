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

    /// Take `name` out of a short layer, keeping the others' order; `None` when it is not
    /// there, or the layer is a map (whose removal would not keep the order).
    pub(crate) fn take_small(&mut self, name: &str) -> Option<(String, Value)> {
        match self {
            Layer::Small(list) => list.iter().position(|(k, _)| k == name).map(|at| list.remove(at)),
            Layer::Large(_) => None,
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
    fn take_small_keeps_the_others_in_order_and_leaves_a_map_alone() {
        let mut layer = Layer::default();
        for name in ["a", "b", "c"] {
            layer.insert(name.into(), json!(name));
        }
        assert_eq!(layer.take_small("b"), Some(("b".into(), json!("b"))));
        assert_eq!((layer.take_small("b"), names(&layer)), (None, vec!["a", "c"]));
        let mut large = Layer::from((0..40).map(|i| (format!("v{i}"), json!(i))).collect::<Map<_, _>>());
        assert_eq!(large.take_small("v1"), None);
        assert_eq!(large.get("v1"), Some(&json!(1)));
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
