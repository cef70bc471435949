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
}
