//! [`Name`]: a task or action name shared with the compiled workflow.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A name in an execution request (the task's, the action's), shared with the compiled
/// workflow: handing out a request copies no string, where a `String` was two allocations
/// per action. It reads as a `&str` (`Deref`, `as_str`, comparisons with `str`), prints
/// and serializes as the plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    /// The name as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<Arc<str>> for Name {
    fn from(name: Arc<str>) -> Self {
        Name(name)
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        Name(Arc::from(name))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name(Arc::from(name))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0.as_ref().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        *self == *other.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Name::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_prints_and_serializes_as_its_string() {
        let name = Name::from("fetch");
        assert_eq!(name, "fetch");
        assert!("fetch" == name && *"fetch" == name);
        assert_eq!(name, String::from("fetch"));
        assert_eq!((name.as_str(), name.len(), &name[..2]), ("fetch", 5, "fe"));
        assert_eq!((format!("{name}"), format!("{name:?}")), ("fetch".to_owned(), "\"fetch\"".to_owned()));
        let text = serde_json::to_string(&name).expect("serializes");
        assert_eq!(text, "\"fetch\"");
        assert_eq!(serde_json::from_str::<Name>(&text).ok(), Some(name.clone()));
        let set: std::collections::BTreeSet<Name> = [name].into_iter().collect();
        assert!(set.contains("fetch"), "looked up by &str");
    }

    #[test]
    fn a_clone_shares_the_text() {
        let shared: Arc<str> = Arc::from("t1");
        let a = Name::from(Arc::clone(&shared));
        let b = a.clone();
        assert!(std::ptr::eq(a.as_str(), b.as_str()) && std::ptr::eq(a.as_str(), &*shared));
    }
}
