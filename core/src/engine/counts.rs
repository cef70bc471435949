//! How many of a set of things (latest records, a with-items task's items) are in each
//! status: one counter per status, in a fixed array.
//!
//! The engine asks "is any of them active? paused? failed?" on every event. An ordered map
//! of seventeen possible keys answered with a tree walk and allocated its nodes; the array
//! answers with a pass over seventeen counters and never allocates.

use super::status::Status;

/// A counter per status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StatusCounts([usize; Status::ALL.len()]);

impl StatusCounts {
    /// One more in `status`.
    pub(crate) fn add(&mut self, status: Status) {
        self.0[status as usize] += 1;
    }

    /// One fewer in `status` (never below zero: the counts of a hand-edited state may be off).
    pub(crate) fn sub(&mut self, status: Status) {
        let c = &mut self.0[status as usize];
        *c = c.saturating_sub(1);
    }

    /// Whether any is in one of `statuses` (a counter read per status asked about, instead
    /// of a pass over all seventeen).
    pub(crate) fn any_of(&self, statuses: &[Status]) -> bool {
        statuses.iter().any(|s| self.0[*s as usize] > 0)
    }

    /// The statuses with a non-zero count, with their counts, in status order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Status, usize)> + '_ {
        Status::ALL.into_iter().zip(self.0).filter(|(_, c)| *c > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_reads_the_counters_asked_about() {
        let mut counts = StatusCounts::default();
        counts.add(Status::Running);
        counts.add(Status::Failed);
        counts.sub(Status::Failed);
        assert!(counts.any_of(&[Status::Paused, Status::Running]));
        assert!(!counts.any_of(&[Status::Failed, Status::Succeeded]) && !counts.any_of(&[]));
    }

    #[test]
    fn the_array_order_is_the_declaration_order() {
        for (i, s) in Status::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s}");
        }
    }

    #[test]
    fn counts_go_up_and_down_but_not_below_zero() {
        let mut c = StatusCounts::default();
        c.add(Status::Running);
        c.add(Status::Running);
        c.add(Status::TimedOut);
        c.sub(Status::Running);
        c.sub(Status::Failed);
        assert_eq!(c.iter().collect::<Vec<_>>(), [(Status::Running, 1), (Status::TimedOut, 1)]);
    }
}
