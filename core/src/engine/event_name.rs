//! Event names for the state machines, built on the stack.
//!
//! Orquesta's transition tables are keyed by names such as
//! `action_succeeded_task_dormant_items_completed`, assembled from parts on every report and
//! every task event. Built as heap strings they cost an allocation each, several per action;
//! here the parts are copied into a fixed buffer that outlives nothing.

/// Room for the longest name the engine builds (about 50 bytes) with margin.
const CAPACITY: usize = 80;

/// An event name under construction.
pub(crate) struct EventName {
    buf: [u8; CAPACITY],
    len: usize,
    /// A part did not fit: the name matches no table entry.
    overflow: bool,
}

impl EventName {
    /// A name starting with `first`.
    pub(crate) fn new(first: &str) -> Self {
        let mut name = EventName { buf: [0; CAPACITY], len: 0, overflow: false };
        name.push(first);
        name
    }

    /// Append a part (whole, or not at all).
    pub(crate) fn push(&mut self, part: &str) {
        let end = self.len + part.len();
        match self.buf.get_mut(self.len..end) {
            Some(slot) => {
                slot.copy_from_slice(part.as_bytes());
                self.len = end;
            }
            None => self.overflow = true,
        }
    }

    /// The name; empty (matching nothing) if a part did not fit.
    pub(crate) fn as_str(&self) -> &str {
        if self.overflow {
            return "";
        }
        // Whole `str` parts were copied, so the bytes are UTF-8.
        self.buf.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }
}

/// Read as the name it spells.
impl std::ops::Deref for EventName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::ops::AddAssign<&str> for EventName {
    fn add_assign(&mut self, part: &str) {
        self.push(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_names_from_parts_and_refuses_to_truncate() {
        let mut name = EventName::new("action_");
        name.push("succeeded");
        name += "_task_dormant_items_completed";
        assert_eq!(name.as_str(), "action_succeeded_task_dormant_items_completed");
        name.push(&"x".repeat(CAPACITY));
        assert_eq!(name.as_str(), "", "an overlong name matches no transition");
    }
}
