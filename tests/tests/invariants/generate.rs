//! Random workflows for the invariant suite: sequences, fan-out, joins (`all` and `N`),
//! splits, counted cycles and unguarded ones, with-items, retries, timeouts and engine
//! commands. Every generated workflow is valid by construction: each task after the first
//! has an inbound edge from an earlier task, so everything is reachable from `t0`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proptest::prelude::*;

/// One generated task.
#[derive(Debug, Clone)]
struct Task {
    /// With-items: how many items, and the concurrency.
    items: Option<(u8, Option<u8>)>,
    retry: Option<u8>,
    /// `join`: `None`, `Some(0)` for `all`, `Some(k)` for `k` (clamped to the inbound count).
    join: Option<u8>,
    timeout: bool,
    edges: Vec<Edge>,
}

/// One transition.
#[derive(Debug, Clone)]
struct Edge {
    when: When,
    /// Task targets, as offsets: forward (`t + 1 + k`) or back (`t - k`), and commands.
    targets: Vec<Goal>,
}

#[derive(Debug, Clone, Copy)]
enum When {
    Always,
    Succeeded,
    Failed,
    /// `ctx(n) < k`, publishing `n + 1`: a counted loop when a target goes back.
    Below(u8),
}

#[derive(Debug, Clone, Copy)]
enum Goal {
    Forward(u8),
    Back(u8),
    Command(&'static str),
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        2 => Just(When::Always),
        4 => Just(When::Succeeded),
        2 => Just(When::Failed),
        2 => (1u8..4).prop_map(When::Below),
    ]
}

fn goal() -> impl Strategy<Value = Goal> {
    prop_oneof![
        6 => (0u8..3).prop_map(Goal::Forward),
        2 => (0u8..3).prop_map(Goal::Back),
        1 => prop::sample::select(vec!["fail", "noop", "continue", "retry"]).prop_map(Goal::Command),
    ]
}

fn task() -> impl Strategy<Value = Task> {
    let edge =
        (when(), prop::collection::vec(goal(), 1..3)).prop_map(|(when, targets)| Edge { when, targets });
    (
        prop::option::weighted(0.15, (1u8..4, prop::option::of(1u8..3))),
        prop::option::weighted(0.15, 1u8..3),
        prop::option::weighted(0.25, 0u8..3),
        prop::bool::weighted(0.1),
        prop::collection::vec(edge, 0..3),
    )
        .prop_map(|(items, retry, join, timeout, edges)| Task { items, retry, join, timeout, edges })
}

/// A workflow: its tasks and, for each task after the first, the earlier task that links to it.
pub(crate) fn workflow() -> impl Strategy<Value = String> {
    (2usize..7)
        .prop_flat_map(|n| {
            (prop::collection::vec(task(), n), prop::collection::vec(any::<prop::sample::Index>(), n))
        })
        .prop_map(|(tasks, parents)| render(&tasks, &parents))
}

/// The YAML text.
fn render(tasks: &[Task], parents: &[prop::sample::Index]) -> String {
    let n = tasks.len();
    // Targets per (task, edge); the reachability edge from each task's parent comes first.
    let mut targets: Vec<Vec<Vec<String>>> =
        tasks.iter().map(|t| t.edges.iter().map(|_| Vec::new()).collect()).collect();
    let mut links: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in tasks.iter().enumerate() {
        for (e, edge) in t.edges.iter().enumerate() {
            for g in &edge.targets {
                let name = match *g {
                    Goal::Forward(k) => Some(i + 1 + k as usize).filter(|j| *j < n).map(|j| format!("t{j}")),
                    // Never back to `t0`: it stays the only entry point, so plain `compile` (and journal
                    // replay, which uses it) accepts every generated workflow.
                    Goal::Back(k) => i.checked_sub(k as usize).filter(|j| *j >= 1).map(|j| format!("t{j}")),
                    Goal::Command(c) => Some(c.to_owned()),
                };
                if let Some(name) = name.filter(|x| !targets[i][e].contains(x)) {
                    targets[i][e].push(name);
                }
            }
        }
    }
    for j in 1..n {
        links[parents[j].index(j)].push(j);
    }
    let mut inbound: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (i, per_edge) in targets.iter().enumerate() {
        for t in per_edge.iter().flatten() {
            if let Some(j) = t.strip_prefix('t').and_then(|x| x.parse::<usize>().ok()) {
                inbound[j].insert(i);
            }
        }
    }
    for (i, l) in links.iter().enumerate() {
        for j in l {
            inbound[*j].insert(i);
        }
    }
    let mut out = String::from("version: 1.0\nvars:\n  - n: 0\n  - xs: [1, 2, 3]\ntasks:\n");
    for (i, t) in tasks.iter().enumerate() {
        let _ = writeln!(out, "  t{i}:");
        write_task(&mut out, t, inbound[i].len());
        let mut edges: Vec<String> = links[i].iter().map(|j| format!("      - do: t{j}\n")).collect();
        for (e, edge) in t.edges.iter().enumerate() {
            if !targets[i][e].is_empty() {
                edges.push(write_edge(edge.when, &targets[i][e]));
            }
        }
        if !edges.is_empty() {
            out.push_str("    next:\n");
            edges.iter().for_each(|e| out.push_str(e));
        }
    }
    out
}

fn write_task(out: &mut String, t: &Task, inbound: usize) {
    if let Some((count, concurrency)) = t.items {
        let _ = writeln!(out, "    with:\n      items: x in <% ctx(xs).take({count}) %>");
        if let Some(c) = concurrency {
            let _ = writeln!(out, "      concurrency: {c}");
        }
    }
    out.push_str("    action: core.noop\n");
    if let Some(count) = t.retry {
        let _ = writeln!(out, "    retry:\n      count: {count}");
    }
    match t.join {
        Some(0) if inbound > 0 => out.push_str("    join: all\n"),
        Some(k) if inbound > 0 => {
            let _ = writeln!(out, "    join: {}", (k as usize).clamp(1, inbound));
        }
        _ => {}
    }
    if t.timeout {
        out.push_str("    timeout: 5\n");
    }
}

fn write_edge(when: When, targets: &[String]) -> String {
    let mut s = String::from("      - ");
    match when {
        When::Always => {}
        When::Succeeded => s.push_str("when: <% succeeded() %>\n        "),
        When::Failed => s.push_str("when: <% failed() %>\n        "),
        When::Below(k) => {
            let _ = write!(
                s,
                "when: <% ctx(n) < {k} %>\n        publish:\n          - n: <% ctx(n) + 1 %>\n        "
            );
        }
    }
    let _ = writeln!(s, "do: [{}]", targets.join(", "));
    s
}
