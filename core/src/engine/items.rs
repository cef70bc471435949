//! The statuses of a with-items task's items, with counts per status and a cursor to the
//! first item not yet run.
//!
//! Every item report asks what the *other* items are doing (active? paused? failed?), and
//! every dispatch asks which items are next: with a bare list both walked all N items, so a
//! with-items task cost O(N²). Counts answer the first and the cursor the second.
//!
//! Serialized as the plain list of statuses; counts and cursor are rebuilt on reading.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::counts::StatusCounts;
use super::status::Status;

/// Item statuses, in item order.
#[derive(Debug, Clone)]
pub(crate) struct ItemStatuses {
    list: Vec<Status>,
    counts: StatusCounts,
    /// No item before this index is `Unset` (items go back to `Unset` only on a rerun).
    cursor: usize,
}

impl ItemStatuses {
    /// `n` items, none run yet.
    pub(crate) fn new(n: usize) -> Self {
        ItemStatuses::from_list(vec![Status::Unset; n])
    }

    fn from_list(list: Vec<Status>) -> Self {
        let mut counts = StatusCounts::default();
        for s in &list {
            counts.add(*s);
        }
        ItemStatuses { list, counts, cursor: 0 }
    }

    /// How many items.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Item `i`'s status.
    pub(crate) fn get(&self, i: usize) -> Option<Status> {
        self.list.get(i).copied()
    }

    /// Set item `i`'s status (an index past the end is ignored).
    pub(crate) fn set(&mut self, i: usize, status: Status) {
        let Some(slot) = self.list.get_mut(i) else { return };
        let old = std::mem::replace(slot, status);
        self.counts.sub(old);
        self.counts.add(status);
        if status == Status::Unset {
            self.cursor = self.cursor.min(i);
        }
    }

    /// Set every item matching `pred` back to `Unset` (a rerun).
    pub(crate) fn reset(&mut self, pred: impl Fn(Status) -> bool) {
        for i in 0..self.list.len() {
            if self.list.get(i).is_some_and(|s| pred(*s)) {
                self.set(i, Status::Unset);
            }
        }
    }

    /// Whether any item other than `except` has a status matching `pred`.
    pub(crate) fn any_other(&self, except: Option<usize>, pred: impl Fn(Status) -> bool) -> bool {
        let own = except.and_then(|i| self.get(i));
        self.counts.iter().any(|(s, c)| {
            let others = if Some(s) == own { c.saturating_sub(1) } else { c };
            others > 0 && pred(s)
        })
    }

    /// How many items have a status matching `pred`.
    pub(crate) fn count(&self, pred: impl Fn(Status) -> bool) -> usize {
        self.counts.iter().filter(|(s, _)| pred(*s)).map(|(_, c)| c).sum()
    }

    /// The first items still `Unset` and not rejected by `skip`, at most `take`, in order.
    /// Moves the cursor past the run items it walks over, so walks add up to O(N).
    pub(crate) fn next_unrun(&mut self, take: usize, skip: impl Fn(usize) -> bool) -> Vec<usize> {
        while self.list.get(self.cursor).is_some_and(|s| *s != Status::Unset) {
            self.cursor += 1;
        }
        let mut out = Vec::with_capacity(take.min(self.list.len().saturating_sub(self.cursor)));
        for (i, s) in self.list.iter().enumerate().skip(self.cursor) {
            if out.len() >= take {
                break;
            }
            if *s == Status::Unset && !skip(i) {
                out.push(i);
            }
        }
        out
    }
}

/// A with-items instance's bookkeeping beside its item statuses: what a staged instance
/// holds only while it runs items (see `Staged::with`).
#[derive(Debug, Clone, Default)]
pub(crate) struct WithItems {
    /// Each item's status, once the list was first evaluated.
    pub(crate) statuses: Option<ItemStatuses>,
    /// The evaluated items list, when it may be kept (derived, not serialized).
    pub(crate) kept: KeptItems,
    /// Each item's latest result.
    pub(crate) results: super::results::ItemResults,
    /// The items offered to the runtime and not yet reported.
    pub(crate) offered: super::itemset::ItemSet,
}

/// A with-items task's items list as an earlier dispatch found it, kept while the task is
/// staged (see `render.rs`). Derived: not serialized (found again after a load) and ignored
/// by equality.
#[derive(Debug, Clone, Default)]
pub(crate) enum KeptItems {
    /// Nothing kept: evaluate the list.
    #[default]
    None,
    /// A list the expression computed, kept so it is not computed on every dispatch.
    List(Arc<Vec<Value>>),
    /// A list of this many items read from the context as it is: read in place again (a
    /// lookup, no copy) on every dispatch.
    InContext(usize),
}

impl KeptItems {
    /// How many items, when a list is kept.
    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            KeptItems::None => None,
            KeptItems::List(items) => Some(items.len()),
            KeptItems::InContext(n) => Some(*n),
        }
    }
}

impl PartialEq for KeptItems {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl PartialEq for ItemStatuses {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Serialize for ItemStatuses {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ItemStatuses {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ItemStatuses::from_list(Vec::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_changes_and_exclude_the_asking_item() {
        let mut items = ItemStatuses::new(3);
        items.set(0, Status::Running);
        assert!(!items.any_other(Some(0), Status::is_active));
        assert!(items.any_other(Some(1), Status::is_active));
        items.set(0, Status::Succeeded);
        assert_eq!(items.count(Status::is_completed), 1);
        assert!(!items.any_other(None, Status::is_active));
    }

    #[test]
    fn next_unrun_skips_run_and_offered_items_and_sees_reset_ones() {
        let mut items = ItemStatuses::new(5);
        items.set(0, Status::Succeeded);
        items.set(1, Status::Failed);
        assert_eq!(items.next_unrun(2, |i| i == 2), vec![3, 4]);
        items.set(3, Status::Succeeded);
        items.set(4, Status::Succeeded);
        assert_eq!(items.next_unrun(9, |_| false), vec![2]);
        items.reset(Status::is_abended);
        assert_eq!(items.next_unrun(9, |_| false), vec![1, 2]);
    }

    #[test]
    fn serializes_as_the_list_and_reads_back_equal() {
        let mut items = ItemStatuses::new(2);
        items.set(1, Status::Running);
        let text = serde_json::to_string(&items).unwrap_or_default();
        assert_eq!(text, r#"["null","running"]"#);
        let back: ItemStatuses = serde_json::from_str(&text).unwrap_or_else(|_| ItemStatuses::new(0));
        assert_eq!(back, items);
        assert!(back.any_other(None, Status::is_active));
    }
}
