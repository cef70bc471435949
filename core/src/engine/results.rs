//! A with-items task's item results while its items run: one slot per item, a null result
//! held as nothing.
//!
//! A slot was a JSON value, 72 bytes, written as null for every item at the first dispatch:
//! a dispatch of 100,000 items wrote 7 MB of nulls into fresh memory, and about half the
//! page faults of that dispatch were those writes. Here a slot is a pointer, 8 bytes, and an
//! empty one is all zero bits, so the list is a zeroed allocation the kernel maps as items
//! report; only a result that is not null is boxed. Null is what most actions of a wide batch
//! return, and what every item reads as until it reports.
//!
//! Serialized as the plain list of results (null for an empty slot), as it always was.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Each item's latest result, in item order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemResults(Vec<Option<Box<Value>>>);

impl ItemResults {
    /// No items: what an instance without a with-items part reads as.
    pub(crate) const EMPTY: ItemResults = ItemResults(Vec::new());

    /// `n` items, none reported: `vec![None; n]` is a zeroed allocation (the standard
    /// library knows an empty box is zero bits), not `n` writes.
    pub(crate) fn new(n: usize) -> Self {
        ItemResults(vec![None; n])
    }

    /// How many items there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (no pass has set the list up).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forget every result: a new pass sets the list up again.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// Record item `i`'s result (an item past the end is ignored, as a slice's `get_mut`
    /// would). A null result empties the slot, so a slot is never a boxed null and two
    /// lists with the same results are equal slot by slot.
    pub(crate) fn set(&mut self, i: usize, result: &Value) {
        if let Some(slot) = self.0.get_mut(i) {
            *slot = match result {
                Value::Null => None,
                other => Some(Box::new(other.clone())),
            };
        }
    }

    /// The results as values, in item order: the task's result.
    pub(crate) fn to_values(&self) -> Vec<Value> {
        self.0.iter().map(|slot| slot.as_deref().cloned().unwrap_or(Value::Null)).collect()
    }

    /// The results as values, the slots given up: the task's result when the instance ends.
    pub(crate) fn into_values(self) -> Vec<Value> {
        self.0.into_iter().map(|slot| slot.map_or(Value::Null, |b| *b)).collect()
    }
}

impl PartialEq for ItemResults {
    fn eq(&self, other: &Self) -> bool {
        // Slots are canonical (`set` never boxes a null, reading never makes one), so the
        // slots compare as the values they stand for.
        self.0 == other.0
    }
}

impl Serialize for ItemResults {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `None` serializes as null: the plain list of values.
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ItemResults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A null reads as `None`, so a list read back is as canonical as one built by `set`.
        Vec::<Option<Box<Value>>>::deserialize(d).map(ItemResults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_slots_read_as_null_and_a_null_result_is_held_as_nothing() {
        let mut r = ItemResults::new(3);
        r.set(1, &Value::from(7));
        r.set(2, &Value::from("x"));
        r.set(2, &Value::Null);
        r.set(9, &Value::from(1));
        assert_eq!(r.len(), 3, "an item past the end is ignored");
        assert!(r.0[2].is_none(), "a null result empties its slot");
        assert_eq!(r.to_values(), [Value::Null, Value::from(7), Value::Null]);
        assert_eq!(r.clone().into_values(), r.to_values());
    }

    #[test]
    fn the_list_serializes_as_plain_values_and_reads_back_equal() {
        let mut r = ItemResults::new(3);
        r.set(0, &serde_json::json!({"a": [1]}));
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(text, r#"[{"a":[1]},null,null]"#);
        let back: ItemResults = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        assert!(back.0[1].is_none(), "a null read back is an empty slot, as `set` makes one");
        let mut other = ItemResults::new(3);
        other.set(0, &serde_json::json!({"a": [1]}));
        other.set(2, &Value::Null);
        assert_eq!(other, r, "a null reported is equal to one never reported");
    }
}
