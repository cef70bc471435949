//! The keys each level of the language accepts, and advice for keys it does not.

/// Keys of the workflow document.
pub(super) const WORKFLOW: [&str; 9] =
    ["version", "name", "description", "tags", "input", "vars", "output", "tasks", "limits"];
/// Keys of a task.
pub(super) const TASK: [&str; 9] =
    ["action", "input", "next", "join", "with", "retry", "delay", "limits", "timeout"];
/// Keys of the Ostinato `limits` extension (workflow level; tasks accept `max_iterations`).
pub(super) const LIMITS: [&str; 2] = ["max_task_iterations", "max_duration"];
/// Keys of a task's `limits`.
pub(super) const TASK_LIMITS: [&str; 1] = ["max_iterations"];
/// Keys of a transition.
pub(super) const TRANSITION: [&str; 3] = ["when", "publish", "do"];
/// Keys of `with`.
pub(super) const ITEMS: [&str; 2] = ["items", "concurrency"];
/// Keys of `retry`.
pub(super) const RETRY: [&str; 3] = ["when", "count", "delay"];

/// The level a key belongs to, for "wrong indentation" hints.
fn home_of(key: &str) -> Option<&'static str> {
    if TRANSITION.contains(&key) {
        Some("a transition (an entry of a task's `next` list)")
    } else if TASK.contains(&key) {
        Some("a task (under `tasks: <name>:`)")
    } else if WORKFLOW.contains(&key) {
        Some("the top level of the workflow")
    } else if RETRY.contains(&key) || ITEMS.contains(&key) {
        Some("`retry` or `with`")
    } else {
        None
    }
}

/// A hint for an unknown key at a level accepting `allowed`: a close spelling, or the level
/// where the key does belong (a sign of wrong indentation).
pub(super) fn unknown_key_hint(key: &str, allowed: &[&str]) -> String {
    if let Some(close) = closest(key, allowed.iter().copied()) {
        return format!("did you mean `{close}`? accepted keys here: {}", allowed.join(", "));
    }
    match home_of(key) {
        Some(home) => format!(
            "`{key}` belongs to {home}; check its indentation. Accepted keys here: {}",
            allowed.join(", ")
        ),
        None => format!("accepted keys here: {}", allowed.join(", ")),
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let value = (above + 1).min(left + 1).min(diagonal + cost);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(closest("acton", TASK), Some("action"));
        assert_eq!(closest("nxt", TASK), Some("next"));
        assert_eq!(closest("zzzzzz", TASK), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn misplaced_keys_get_an_indentation_hint() {
        let hint = unknown_key_hint("when", &TASK);
        assert!(hint.contains("belongs to a transition"), "{hint}");
    }
}
