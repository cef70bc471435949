//! Records and context layers: items with ids that stay valid when other items are removed,
//! iterated in creation order.
//!
//! Every report reads a record or a layer by id several times. As an ordered tree keyed by id
//! a read cost about 300 instructions on a 1,000-task chain; here ids sit in an ascending
//! vector beside their items, and a read is one comparison when no item before it was
//! removed (the common case), a binary search otherwise. A removed item leaves a hole that
//! is compacted away once holes are [`HOLES_PER_ITEM`] times the items, so a loop that
//! replaces its record on every pass keeps the arena about as small as what it holds.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// How many holes per item an arena holds before it compacts (plus a few, so that a tiny
/// arena does not compact on every removal). Compacting moves every live item: at one hole
/// per item, a fan-out's 100,000 staged instances, removed one by one, were each moved
/// about once (184 bytes apiece); at three, a third as much, while an arena still holds at
/// most four slots per item.
const HOLES_PER_ITEM: usize = 3;

/// Items by stable id, in creation order.
#[derive(Debug, Clone)]
pub(crate) struct Arena<T> {
    /// The id the next item gets (ids only grow).
    next: usize,
    /// Ids of the slots, ascending.
    ids: Vec<usize>,
    /// The items; `None` where one was removed and not yet compacted away.
    slots: Vec<Option<T>>,
    /// How many slots are `None`.
    holes: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena { next: 0, ids: Vec::new(), slots: Vec::new(), holes: 0 }
    }
}

impl<T> Arena<T> {
    /// Add an item; returns its id.
    pub(crate) fn push(&mut self, item: T) -> usize {
        let id = self.next;
        self.push_at(id, item);
        id
    }

    /// Add an item under `id`, which must not be below `next`, and hand out ids after it.
    fn push_at(&mut self, id: usize, item: T) {
        self.next = id.saturating_add(1);
        self.ids.push(id);
        self.slots.push(Some(item));
    }

    /// The slot holding `id`: where it would be if nothing before it was removed, or if
    /// nothing after it was (a loop's live items are its first and its latest), else searched.
    fn position(&self, id: usize) -> Option<usize> {
        let first = *self.ids.first()?;
        let from_start = id.checked_sub(first)?;
        if self.ids.get(from_start) == Some(&id) {
            return Some(from_start);
        }
        let from_end = self.ids.len().checked_sub(self.next.checked_sub(id)?);
        if let Some(at) = from_end.filter(|at| self.ids.get(*at) == Some(&id)) {
            return Some(at);
        }
        self.ids.binary_search(&id).ok()
    }

    /// Room for `n` more items, and a quarter as many again when the arena must grow for
    /// them. A batch is followed by a few more items (a fan-out's join after its branches):
    /// grown by the batch alone, the arena was full, and the join's record copied all the
    /// branches' to a new block (15 MB at 100,000 branches: 5% of the run's time).
    pub(crate) fn reserve(&mut self, n: usize) {
        if self.slots.capacity() - self.slots.len() >= n {
            return;
        }
        let n = n.saturating_add(n / 4);
        self.ids.reserve(n);
        self.slots.reserve(n);
    }

    /// The item with this id.
    pub(crate) fn get(&self, id: usize) -> Option<&T> {
        self.position(id).and_then(|i| self.slots.get(i)).and_then(Option::as_ref)
    }

    /// The item with this id, to change.
    pub(crate) fn get_mut(&mut self, id: usize) -> Option<&mut T> {
        let i = self.position(id)?;
        self.slots.get_mut(i).and_then(Option::as_mut)
    }

    /// Remove the item with this id.
    pub(crate) fn remove(&mut self, id: usize) -> Option<T> {
        let i = self.position(id)?;
        let item = self.slots.get_mut(i)?.take()?;
        self.note_hole();
        Some(item)
    }

    /// Remove the item with this id, dropping it where it lies (a record or a staged
    /// instance is 150-odd bytes, and `remove` moves it out only to drop it); whether it
    /// was there.
    pub(crate) fn discard(&mut self, id: usize) -> bool {
        self.discard_if(id, |_| Some(())).is_some()
    }

    /// Drop every item under an id from `from` on (the latest ones) and hand out ids from
    /// `next` again: undoes the latest pushes.
    pub(crate) fn truncate(&mut self, from: usize, next: usize) {
        while self.ids.last().is_some_and(|id| *id >= from) {
            self.ids.pop();
            if self.slots.pop().is_some_and(|slot| slot.is_none()) {
                self.holes = self.holes.saturating_sub(1);
            }
        }
        self.next = next;
    }

    /// Drop the item with this id where it lies if `take` reads what it needs from it
    /// (`Some`), and return that: one search for an item that is checked, then removed.
    pub(crate) fn discard_if<R>(&mut self, id: usize, take: impl FnOnce(&T) -> Option<R>) -> Option<R> {
        let slot = self.position(id).and_then(|i| self.slots.get_mut(i))?;
        let taken = take(slot.as_ref()?)?;
        *slot = None;
        self.note_hole();
        Some(taken)
    }

    fn note_hole(&mut self) {
        self.holes += 1;
        if self.holes > HOLES_PER_ITEM * self.len() + 16 {
            self.compact();
        }
    }

    /// Drop the holes (ids stay as they are), in place: the vectors keep their capacity, so
    /// an arena that empties and fills again (the staged instances of a chain) does not
    /// allocate each time.
    fn compact(&mut self) {
        let mut slots = self.slots.iter();
        self.ids.retain(|_| slots.next().is_some_and(Option::is_some));
        self.slots.retain(Option::is_some);
        self.holes = 0;
    }

    /// Items in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    /// Items in creation order, to change.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten()
    }

    /// (id, item) in creation order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (usize, &T)> {
        self.ids.iter().zip(&self.slots).filter_map(|(id, slot)| slot.as_ref().map(|item| (*id, item)))
    }

    /// How many items.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.holes
    }

    /// Keep only the items whose id passes `keep`.
    pub(crate) fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        for (id, slot) in self.ids.iter().zip(self.slots.iter_mut()) {
            if slot.is_some() && !keep(*id) {
                *slot = None;
                self.holes += 1;
            }
        }
        self.compact();
    }

    /// An arena holding `items` by id (ids below `next`; a larger one moves `next` past it).
    fn from_items(next: usize, items: BTreeMap<usize, T>) -> Self {
        let next = items.keys().next_back().map_or(next, |last| next.max(last.saturating_add(1)));
        let (ids, slots) = items.into_iter().map(|(id, item)| (id, Some(item))).unzip();
        Arena { next, ids, slots, holes: 0 }
    }
}

/// Items under ids the caller hands out in ascending order (run ids come from a counter in
/// the state), written as a plain map by id. The executions in flight: a chain empties and
/// refills it on every action, which a tree paid for with a node allocation each time.
#[derive(Debug, Clone)]
pub(crate) struct IdMap<T>(Arena<T>);

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        IdMap(Arena::default())
    }
}

impl<T> IdMap<T> {
    /// Drop the items under ids from `from` on and hand out ids from `next` again: a
    /// dispatch that fails takes back the runs it had started to offer.
    pub(crate) fn truncate(&mut self, from: u64, next: u64) {
        let (Ok(from), Ok(next)) = (usize::try_from(from), usize::try_from(next)) else { return };
        self.0.truncate(from, next);
    }

    /// Room for `n` more items (a dispatch knows how many runs it starts).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    /// The lowest id [`IdMap::insert`] accepts.
    pub(crate) fn next_id(&self) -> u64 {
        self.0.next as u64
    }

    /// Add `item` under `id`; refused (false) unless `id` is above every id held so far.
    pub(crate) fn insert(&mut self, id: u64, item: T) -> bool {
        let Ok(id) = usize::try_from(id) else { return false };
        if id < self.0.next || id == usize::MAX {
            return false;
        }
        self.0.push_at(id, item);
        true
    }

    /// The item under `id`.
    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        self.0.get(usize::try_from(id).ok()?)
    }

    /// The item under `id`, to change.
    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut T> {
        self.0.get_mut(usize::try_from(id).ok()?)
    }

    /// Remove the item under `id`.
    pub(crate) fn remove(&mut self, id: u64) -> Option<T> {
        self.0.remove(usize::try_from(id).ok()?)
    }

    /// (id, item) in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.0.entries().map(|(id, item)| (id as u64, item))
    }

    /// Whether it holds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }
}

/// Equal when they hold the same items under the same ids.
impl<T: PartialEq> PartialEq for IdMap<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.entries().eq(other.0.entries())
    }
}

impl<T: Serialize> Serialize for IdMap<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.entries())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IdMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<u64, T>::deserialize(d)?;
        let mut out = IdMap::default();
        for (id, item) in map {
            // Ascending by construction, so only an id this platform cannot index is refused.
            if !out.insert(id, item) {
                return Err(serde::de::Error::custom(format!("run id {id} is too large for this platform")));
            }
        }
        Ok(out)
    }
}

/// Equal when they hold the same items under the same ids and hand out the same next id;
/// where the holes are is bookkeeping.
impl<T: PartialEq> PartialEq for Arena<T> {
    fn eq(&self, other: &Self) -> bool {
        self.next == other.next && self.entries().eq(other.entries())
    }
}

/// Written as `{"next": N, "items": {"<id>": item, ...}}`, the form states always had.
impl<T: Serialize> Serialize for Arena<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Arena", 2)?;
        out.serialize_field("next", &self.next)?;
        out.serialize_field("items", &Items(self))?;
        out.end()
    }
}

/// The items of an arena, as a map by id.
struct Items<'a, T>(&'a Arena<T>);

impl<T: Serialize> Serialize for Items<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.entries())
    }
}

/// Format 1 stored records and layers as plain lists (ids were list positions); format 2 as
/// an arena. Both read.
#[derive(Deserialize)]
#[serde(untagged)]
enum ArenaForm<T> {
    // Keys are read as text: an untagged enum cannot turn JSON's string keys into integers.
    Arena { next: usize, items: BTreeMap<String, T> },
    List(Vec<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arena<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match ArenaForm::deserialize(d)? {
            ArenaForm::Arena { next, items } => {
                let mut parsed = BTreeMap::new();
                for (k, v) in items {
                    let id = k
                        .parse::<usize>()
                        .map_err(|_| serde::de::Error::custom(format!("arena id `{k}` is not a number")))?;
                    parsed.insert(id, v);
                }
                Arena::from_items(next, parsed)
            }
            ArenaForm::List(list) => Arena::from_items(list.len(), list.into_iter().enumerate().collect()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_valid_across_removals_and_compaction() {
        let mut arena = Arena::default();
        let kept = arena.push("init");
        let mut last = arena.push("pass 0");
        for pass in 1..1_000 {
            let id = arena.push("pass");
            assert_eq!(arena.remove(last), Some(if pass == 1 { "pass 0" } else { "pass" }));
            last = id;
        }
        assert_eq!(arena.get(kept), Some(&"init"));
        assert_eq!(arena.get(last), Some(&"pass"));
        assert_eq!(arena.len(), 2);
        let most = 2 + (HOLES_PER_ITEM * 2 + 16) + 1;
        assert!(arena.slots.len() <= most, "holes are compacted: {} slots", arena.slots.len());
        assert_eq!(arena.remove(last), Some("pass"));
        assert_eq!(arena.remove(last), None);
        assert_eq!(arena.get(1_000_000), None);
        assert!(arena.discard(kept) && !arena.discard(kept) && !arena.discard(1_000_000));
        assert_eq!((arena.get(kept), arena.len()), (None, 0));
    }

    #[test]
    fn every_item_is_found_whatever_the_holes_around_it() {
        // Ids far apart (a state read from a file): neither guess holds, the search does.
        let sparse: Arena<u32> =
            serde_json::from_str(r#"{"next":101,"items":{"0":0,"50":50,"100":100}}"#).unwrap_or_default();
        for id in [0, 50, 100] {
            assert_eq!(sparse.get(id), Some(&u32::try_from(id).unwrap_or(0)), "id {id}");
        }
        assert_eq!((sparse.get(49), sparse.get(101)), (None, None));
        let mut arena = Arena::default();
        let ids: Vec<usize> = (0..200).map(|i| arena.push(i)).collect();
        for id in ids.iter().filter(|id| *id % 3 != 0) {
            arena.remove(*id);
        }
        for id in ids {
            assert_eq!(arena.get(id).is_some(), id % 3 == 0, "id {id}");
        }
    }

    /// A fan-out's join comes after its branches' batch: the arena grown for the batch
    /// holds it too, and a batch that already fits grows nothing.
    #[test]
    fn a_batch_reserved_leaves_room_for_what_follows_it() {
        let mut arena: Arena<u64> = Arena::default();
        arena.push(0);
        arena.reserve(1000);
        let room = arena.slots.capacity();
        assert!(room >= 1 + 1000 + 250, "room for {room}");
        for i in 0..1100 {
            arena.push(i);
        }
        assert_eq!(arena.slots.capacity(), room, "the join's push moved the branches");
        arena.reserve(room - arena.slots.len());
        assert_eq!(arena.slots.capacity(), room, "a batch that fits grows nothing");
    }

    #[test]
    fn serializes_as_before_and_reads_both_forms() {
        let mut arena = Arena::default();
        for word in ["a", "b", "c"] {
            arena.push(word.to_owned());
        }
        arena.remove(1);
        let json = serde_json::to_string(&arena).unwrap_or_default();
        assert_eq!(json, r#"{"next":3,"items":{"0":"a","2":"c"}}"#);
        assert_eq!(serde_json::from_str::<Arena<String>>(&json).ok(), Some(arena.clone()));
        let list: Arena<String> = serde_json::from_str(r#"["a","b"]"#).unwrap_or_default();
        assert_eq!(list.get(1).map(String::as_str), Some("b"));
        // An id at or past `next` (a hand-edited state) moves `next` on: ids never repeat.
        let mut odd: Arena<String> =
            serde_json::from_str(r#"{"next":1,"items":{"5":"x"}}"#).unwrap_or_default();
        assert_eq!(odd.push("y".to_owned()), 6);
        arena.retain(|id| id == 2);
        assert_eq!(arena.iter().collect::<Vec<_>>(), ["c"]);
    }

    #[test]
    fn an_id_map_takes_ascending_ids_and_reads_back_as_a_plain_map() {
        let mut runs = IdMap::default();
        assert!(runs.insert(3, 'a'));
        assert!(runs.insert(7, 'b'));
        assert!(!runs.insert(5, 'c'), "ids only ascend");
        assert_eq!(runs.next_id(), 8);
        assert_eq!(runs.remove(3), Some('a'));
        assert_eq!(runs.get(7), Some(&'b'));
        let json = serde_json::to_string(&runs).unwrap_or_default();
        assert_eq!(json, r#"{"7":"b"}"#);
        let back: IdMap<char> = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, runs);
        assert!(!back.is_empty());
    }
}
