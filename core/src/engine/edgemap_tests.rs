//! The edge map against what it replaces: lookups, order, widening and serialized form.

use super::*;

#[test]
fn an_edge_name_splits_at_its_last_marker_and_other_names_are_all_stem() {
    assert_eq!(split_edge_name("join__t0"), (4, 0));
    assert_eq!(split_edge_name("a__t1__t12"), (5, 12));
    assert_eq!(split_edge_name("x___t3"), (2, 3), "the marker nearest the end: task `x_`");
    assert_eq!(split_edge_name("é__t7"), (2, 7), "byte offsets past a multibyte name");
    for other in ["", "_", "__t", "a__t", "a__tx", "a__t-1", "a__t+1", "a__t99999999999999999999", "plain"] {
        assert_eq!(split_edge_name(other), (other.len(), u64::MAX), "{other}");
    }
    // The same split `rfind` gives, on names built from the pieces that matter.
    let reference = |name: &str| match name.rfind("__t") {
        Some(at) => match name[at + 3..].parse::<u64>() {
            Ok(n) if name[at + 3..].bytes().all(|b| b.is_ascii_digit()) => (at, n),
            _ => (name.len(), u64::MAX),
        },
        None => (name.len(), u64::MAX),
    };
    let pieces = ["_", "__t", "t", "1", "é", "x"];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let name = format!("{a}{b}{c}");
                assert_eq!(split_edge_name(&name), reference(&name), "{name}");
            }
        }
    }
}

#[test]
fn keeps_names_sorted_replaces_in_place_and_serializes_as_an_object() {
    let mut map = EdgeMap::one(Arc::from("m__t0"), 1);
    map.insert(Arc::from("z__t0"), 2);
    map.insert(Arc::from("a__t1"), 3);
    map.insert(Arc::from("m__t0"), 4);
    assert_eq!(map.keys().collect::<Vec<_>>(), ["a__t1", "m__t0", "z__t0"]);
    assert_eq!(map.get(&Arc::from("m__t0")), Some(&4));
    assert_eq!(map.get(&Arc::from("m__t1")), None);
    let json = serde_json::to_string(&map).unwrap_or_default();
    assert_eq!(json, r#"{"a__t1":3,"m__t0":4,"z__t0":2}"#);
    assert_eq!(serde_json::from_str::<EdgeMap<i32>>(&json).ok(), Some(map));
}

#[test]
fn one_entry_is_inline_and_a_second_sorts_in_either_order() {
    for (a, b) in [("a__t0", "b__t0"), ("b__t0", "a__t0")] {
        let mut map = EdgeMap::default();
        map.insert(Arc::from(a), 1);
        assert!(matches!(map, EdgeMap::One(..)));
        map.insert(Arc::from(a), 2);
        assert_eq!(map.get(&Arc::from(a)), Some(&2));
        map.insert(Arc::from(b), 3);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a__t0", "b__t0"]);
        assert_eq!(map.get(&Arc::from(b)), Some(&3));
        let json = serde_json::to_string(&map).unwrap_or_default();
        assert_eq!(serde_json::from_str::<EdgeMap<i32>>(&json).ok(), Some(map));
    }
    let single: EdgeMap<i32> = serde_json::from_str(r#"{"x__t0":1}"#).unwrap_or_default();
    assert!(matches!(single, EdgeMap::One(..)));
}

#[test]
fn a_wide_fan_in_becomes_a_tree_in_any_arrival_order_and_reads_the_same() {
    let mut map = EdgeMap::default();
    let names: Vec<String> = (0..100).map(|i| format!("p{:03}__t0", (i * 37) % 100)).collect();
    for (i, name) in names.iter().enumerate() {
        map.insert(Arc::from(name.as_str()), i);
    }
    assert!(matches!(map, EdgeMap::Large(_)));
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(map.keys().collect::<Vec<_>>(), sorted);
    assert_eq!(map.get(&Arc::from("p037__t0")), Some(&1));
    let json = serde_json::to_string(&map).unwrap_or_default();
    assert_eq!(serde_json::from_str::<EdgeMap<usize>>(&json).ok(), Some(map));
}

#[test]
fn a_wide_map_filled_in_order_is_a_run_until_a_name_comes_out_of_order() {
    let name = |i: usize| Arc::<str>::from(format!("p{i:05}__t0"));
    let mut map = EdgeMap::default();
    for i in (0..40).step_by(2) {
        assert_eq!(map.insert(name(i), i), None);
    }
    assert!(matches!(map, EdgeMap::Run(_)));
    assert_eq!(map.insert(name(6), 60), Some(6), "a known name is replaced in place");
    assert!(matches!(map, EdgeMap::Run(_)));
    assert_eq!(map.get(&name(6)), Some(&60));
    assert_eq!(map.get(&name(7)), None);
    let json = serde_json::to_string(&map).unwrap_or_default();
    assert!(matches!(serde_json::from_str::<EdgeMap<usize>>(&json), Ok(EdgeMap::Run(_))));
    assert_eq!(map.insert(name(7), 7), None);
    assert!(matches!(map, EdgeMap::Large(_)));
    let keys: Vec<&str> = map.keys().collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 21);
    assert_eq!((map.get(&name(7)), map.get(&name(38))), (Some(&7), Some(&38)));
    assert_eq!(
        serde_json::from_str::<EdgeMap<usize>>(&serde_json::to_string(&map).unwrap_or_default()).ok(),
        Some(map)
    );
}

#[test]
fn a_small_map_past_its_size_is_a_run_only_when_the_newcomer_sorts_last() {
    let name = |i: usize| Arc::<str>::from(format!("p{i:05}__t0"));
    let filled = |extra: usize| {
        let mut map = EdgeMap::default();
        for i in 1..=SMALL {
            map.insert(name(i * 2), i);
        }
        assert!(matches!(map, EdgeMap::Small(_)));
        map.insert(name(extra), 0);
        map
    };
    assert!(matches!(filled(1000), EdgeMap::Run(_)));
    let tree = filled(3);
    assert!(matches!(tree, EdgeMap::Large(_)));
    assert_eq!(tree.keys().next(), Some("p00002__t0"));
    assert_eq!(tree.get(&name(3)), Some(&0));
}

#[test]
fn keys_order_by_task_then_edge_number_as_a_total_order() {
    let long = "a".repeat(16);
    let names = [
        "",
        "a",
        "a\0",
        "ab",
        "a__t0",
        "a__t2",
        "a__t10",
        "a__t01",
        "a__tx",
        "a-b__t0",
        "a_b__t0",
        "p1__t0",
        "p10__t0",
        "p2__t0",
        "p00017__t0",
        &long,
        &format!("{long}a__t3"),
        &format!("{long}b__t1"),
        "é__t0",
        "z",
    ];
    let key = |n: &str| Key::new(Arc::from(n));
    for a in names {
        for b in names {
            let ab = key(a).cmp(&key(b));
            assert_eq!(ab == std::cmp::Ordering::Equal, a == b, "{a:?} vs {b:?}");
            assert_eq!(ab, key(b).cmp(&key(a)).reverse(), "{a:?} vs {b:?}");
            for c in names {
                if ab.is_le() && key(b) <= key(c) {
                    assert!(key(a) <= key(c), "{a:?} <= {b:?} <= {c:?}");
                }
            }
        }
    }
    let mut sorted: Vec<Key> = ["p2__t0", "p10__t0", "p1__t0", "a__t10", "a__t2"].map(key).to_vec();
    sorted.sort();
    let order: Vec<&str> = sorted.iter().map(|k| &*k.name).collect();
    assert_eq!(order, ["a__t2", "a__t10", "p1__t0", "p10__t0", "p2__t0"]);
}

#[test]
fn a_fan_out_filled_in_task_name_order_stays_a_run_and_writes_in_text_order() {
    let mut names: Vec<String> = (1..=200).map(|i| format!("p{i}")).collect();
    names.sort();
    let mut map = EdgeMap::default();
    for (i, task) in names.iter().enumerate() {
        map.insert(Arc::from(format!("{task}__t0")), i);
    }
    assert!(matches!(map, EdgeMap::Run(_)), "p1, p10, p100, ... arrive in key order");
    let mut text: Vec<String> = names.iter().map(|t| format!("{t}__t0")).collect();
    text.sort();
    assert_eq!(map.keys().collect::<Vec<_>>(), text);
    let json = serde_json::to_string(&map).unwrap_or_default();
    let back: EdgeMap<usize> = serde_json::from_str(&json).unwrap_or_default();
    assert!(matches!(back, EdgeMap::Run(_)));
    assert_eq!(serde_json::to_string(&back).unwrap_or_default(), json);
    assert_eq!(back, map);
    assert_eq!(back.get(&Arc::from("p100__t0")), map.get(&Arc::from("p100__t0")));
}

#[test]
fn a_reserved_map_is_a_run_with_room_and_reads_as_an_unreserved_one() {
    let names: Vec<Arc<str>> = ["a__t0", "b__t0", "b__t1", "c__t0"].into_iter().map(Arc::from).collect();
    let mut plain = EdgeMap::default();
    for (i, n) in names.iter().enumerate() {
        plain.insert(Arc::clone(n), i);
    }
    // Reserved before, between and after the entries arrive, from every form.
    for at in 0..=names.len() {
        let mut map = EdgeMap::default();
        for (i, n) in names.iter().enumerate() {
            if i == at {
                map.reserve(100);
            }
            map.insert(Arc::clone(n), i);
        }
        if at == names.len() {
            map.reserve(100);
        }
        assert!(matches!(&map, EdgeMap::Run(list) if list.capacity() >= 100), "reserved at {at}");
        assert_eq!(map, plain, "reserved at {at}");
        assert_eq!(serde_json::to_string(&map).ok(), serde_json::to_string(&plain).ok());
        assert_eq!(map.get(&Arc::from("b__t1")), Some(&2));
    }
    let mut one = EdgeMap::one(Arc::from("x__t0"), 1);
    one.reserve(2);
    assert!(matches!(one, EdgeMap::One(..)), "room for two changes nothing");
    // Room for a few, from every small form: one list allocated at once, read as before.
    let few = [EdgeMap::default(), EdgeMap::one(Arc::clone(&names[0]), 0)];
    for mut map in few {
        map.reserve(names.len());
        let room = match &map {
            EdgeMap::Small(list) => list.capacity(),
            other => panic!("{other:?}"),
        };
        for (i, n) in names.iter().enumerate() {
            map.insert(Arc::clone(n), i);
        }
        assert!(matches!(&map, EdgeMap::Small(list) if list.capacity() == room && room >= names.len()));
        assert_eq!(map, plain);
    }
}

#[test]
fn a_cleared_map_keeps_its_room_and_fills_like_a_fresh_one() {
    let mut map = EdgeMap::default();
    map.insert(Arc::from("loop__t0"), true);
    map.insert(Arc::from("done__t0"), false);
    map.clear();
    assert!(matches!(&map, EdgeMap::Small(list) if list.is_empty() && list.capacity() >= 2));
    assert_eq!(map.get(&Arc::from("loop__t0")), None);
    map.insert(Arc::from("loop__t0"), false);
    map.insert(Arc::from("done__t0"), true);
    let mut fresh = EdgeMap::default();
    fresh.insert(Arc::from("loop__t0"), false);
    fresh.insert(Arc::from("done__t0"), true);
    assert_eq!(map, fresh);
    assert_eq!(serde_json::to_string(&map).ok(), serde_json::to_string(&fresh).ok());
    assert_eq!(
        (map.get(&Arc::from("done__t0")), map.get(&Arc::from("loop__t0"))),
        (Some(&true), Some(&false))
    );
}
