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
///
/// A compiled workflow keeps all its task names in one buffer, and a name is a range of it:
/// a copy counts a reference on that one buffer, which stays in the cache, instead of on a
/// separate allocation per task (a fan-out of 100,000 branches touched 100,000 cold ones).
#[derive(Clone)]
pub struct Name {
    text: Arc<str>,
    /// Where the name starts in `text`, and its length, or [`Name::WHOLE`] for all of
    /// `text` from `start`. Offsets of 32 bits make a name 24 bytes instead of 32, and a
    /// request carries two: a dispatch of 100,000 items writes every byte of them.
    start: u32,
    len: u32,
}

impl Name {
    /// The length that stands for "to the end of the text": a name too long for 32 bits.
    const WHOLE: u32 = u32::MAX;

    /// The name as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let start = self.start as usize;
        let range = match self.len {
            Name::WHOLE => self.text.get(start..),
            len => self.text.get(start..start + len as usize),
        };
        range.unwrap_or_default()
    }

    /// `part` of `text` at byte `start`, or a buffer of its own where the offsets do not
    /// fit in 32 bits (names past 4 GiB of names: never in practice, but never wrong).
    fn part(text: &Arc<str>, start: usize, part: &str) -> Name {
        match (u32::try_from(start), u32::try_from(part.len())) {
            (Ok(start), Ok(len)) if len != Name::WHOLE => Name { text: Arc::clone(text), start, len },
            _ => Name::from(part),
        }
    }

    /// The names of `parts`, sharing one buffer (the compiled workflow's task names).
    pub(crate) fn many<'a>(parts: impl IntoIterator<Item = &'a str> + Clone) -> Vec<Name> {
        let text: Arc<str> = Arc::from(parts.clone().into_iter().collect::<String>());
        let mut start = 0usize;
        let mut out = Vec::new();
        for part in parts {
            out.push(Name::part(&text, start, part));
            start += part.len();
        }
        out
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<Arc<str>> for Name {
    fn from(text: Arc<str>) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(Name::WHOLE);
        Name { text, start: 0, len }
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        Name::from(Arc::<str>::from(name))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name::from(Arc::<str>::from(name))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.as_str().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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

    #[test]
    fn names_made_together_are_ranges_of_one_buffer() {
        let names = Name::many(["fetch", "", "é", "t10"]);
        assert_eq!(names.iter().map(Name::as_str).collect::<Vec<_>>(), ["fetch", "", "é", "t10"]);
        assert!(Arc::ptr_eq(&names[0].text, &names[3].text), "one buffer");
        assert_eq!(names[2], Name::from("é"), "equal by text, whatever the buffer");
        assert!(names[3] > names[0] && names[1] < names[0]);
        assert_eq!(serde_json::to_string(&names[3]).expect("serializes"), "\"t10\"");
    }

    #[test]
    fn a_name_is_a_pointer_and_two_32_bit_offsets() {
        // A request carries two names, and a dispatch writes and a runtime reads them all.
        assert_eq!(size_of::<Name>(), 24);
        assert_eq!(size_of::<Option<Name>>(), 24, "the pointer's niche holds `None`");
    }

    #[test]
    fn a_name_past_32_bit_offsets_reads_its_whole_text() {
        let text: Arc<str> = Arc::from("abc");
        let whole = Name { text: Arc::clone(&text), start: 1, len: Name::WHOLE };
        assert_eq!(whole, "bc", "WHOLE reads to the end");
        let far = Name::part(&text, usize::MAX, "xyz");
        assert_eq!(far, "xyz", "an offset past 32 bits gets a buffer of its own");
        assert!(!Arc::ptr_eq(&far.text, &text));
    }
}
