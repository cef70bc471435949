//! A YAML document tree that remembers where every node came from.
//!
//! serde_yaml forgets positions once a value is deserialized, but every diagnostic must say
//! where (line and column). So the definition is read once, by an event parser, into this
//! small tree of [`Node`]s carrying their [`Location`]; the typed spec is then built from the
//! tree with a path and a position at hand for every property.
//!
//! Scalars are resolved the way PyYAML's safe loader (what Orquesta uses) resolves them, so
//! `yes` is a boolean and `1.0` a float exactly where StackStorm users expect it.

mod load;
mod scalar;

pub(crate) use load::{Limits, load};

use crate::diag::Location;

/// One node of a loaded YAML document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The node's value.
    pub(crate) value: Value,
    /// Where the node starts in the text.
    pub(crate) at: Location,
}

/// A mapping key: always a scalar, kept as the text PyYAML would turn into a dict key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    /// The key's text.
    pub(crate) text: String,
    /// Where the key starts in the text.
    pub(crate) at: Location,
}

/// The value of a node: JSON's data model, with order kept in mappings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// The name of the node's type, as an author would call it in a message.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Convert to a JSON value (mapping order kept; non-finite floats become their text).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number)
            }
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                J::Object(entries.iter().map(|(k, v)| (k.text.clone(), v.to_json())).collect())
            }
        }
    }
}
