//! The performance workloads of `../shared/bench/gen_workflows.py`, generated here text for
//! text (the tests pin the output against the script's), and the lockstep driver that runs
//! them: every action succeeds with a null result, each round of executions is reported
//! `running` then `succeeded`, then the engine dispatches the next round.

use ostinato_core::{ActionStatus, Command, Event, EventKind, Limits, State, Workflow, step_into};
use serde_json::{Map, Value};

/// The workload kinds, in the script's order.
pub const KINDS: [&str; 6] = ["chain", "fanout", "loop", "loopj", "items", "items-c10"];

/// One generated workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// `chain-100`, `items-1000-c10`, ... as the script names it.
    pub name: String,
    /// The kind, one of [`KINDS`].
    pub kind: &'static str,
    /// The size the kind was generated at.
    pub n: u64,
    /// The definition.
    pub text: String,
    /// The workflow input.
    pub input: Map<String, Value>,
    /// How many action executions a full run performs.
    pub actions: u64,
}

fn noop(out: &mut Vec<String>, name: &str, extra: &[&str]) {
    out.push(format!("  {name}:"));
    out.extend(extra.iter().map(|e| format!("    {e}")));
    out.push("    action: core.noop".into());
}

fn next_to(out: &mut Vec<String>, target: &str) {
    out.extend([
        "    next:".into(),
        "      - when: <% succeeded() %>".into(),
        format!("        do: {target}"),
    ]);
}

fn chain(n: u64) -> Vec<String> {
    let mut out = vec!["version: 1.0".into(), String::new(), "tasks:".into()];
    for i in 1..=n {
        noop(&mut out, &format!("t{i}"), &[]);
        if i < n {
            next_to(&mut out, &format!("t{}", i + 1));
        }
    }
    out
}

fn fanout(n: u64) -> Vec<String> {
    let mut out = vec!["version: 1.0".into(), String::new(), "tasks:".into()];
    noop(&mut out, "start", &[]);
    out.extend(["    next:".into(), "      - when: <% succeeded() %>".into(), "        do:".into()]);
    out.extend((1..=n).map(|i| format!("          - p{i}")));
    for i in 1..=n {
        noop(&mut out, &format!("p{i}"), &[]);
        next_to(&mut out, "join");
    }
    noop(&mut out, "join", &["join: all"]);
    out
}

fn cycle(n: u64, jinja: bool) -> Vec<String> {
    let (cont, stop, inc) = if jinja {
        (
            format!("{{{{ succeeded() and ctx('i') < {n} }}}}"),
            format!("{{{{ succeeded() and ctx('i') >= {n} }}}}"),
            "{{ ctx('i') + 1 }}".to_owned(),
        )
    } else {
        (
            format!("<% succeeded() and ctx(i) < {n} %>"),
            format!("<% succeeded() and ctx(i) >= {n} %>"),
            "<% ctx(i) + 1 %>".to_owned(),
        )
    };
    let mut out: Vec<String> =
        ["version: 1.0", "", "vars:", "  - i: 1", "", "tasks:"].map(String::from).to_vec();
    noop(&mut out, "init", &[]);
    next_to(&mut out, "loop");
    noop(&mut out, "loop", &[]);
    out.extend([
        "    next:".into(),
        format!("      - when: \"{cont}\""),
        "        publish:".into(),
        format!("          - i: \"{inc}\""),
        "        do: loop".into(),
        format!("      - when: \"{stop}\""),
        "        do: done".into(),
    ]);
    noop(&mut out, "done", &[]);
    out
}

fn items(concurrency: Option<u64>) -> Vec<String> {
    let mut out: Vec<String> = [
        "version: 1.0",
        "",
        "input:",
        "  - xs",
        "",
        "tasks:",
        "  t1:",
        "    with:",
        "      items: <% ctx(xs) %>",
    ]
    .map(String::from)
    .to_vec();
    out.extend(concurrency.map(|c| format!("      concurrency: {c}")));
    out.push("    action: core.noop".into());
    out
}

/// The workload `kind` at size `n`, or `None` for an unknown kind.
#[must_use]
pub fn make(kind: &str, n: u64) -> Option<Workload> {
    let kind = KINDS.into_iter().find(|k| *k == kind)?;
    let (lines, actions) = match kind {
        "chain" => (chain(n), n),
        "fanout" => (fanout(n), n + 2),
        "loop" => (cycle(n, false), n + 2),
        "loopj" => (cycle(n, true), n + 2),
        "items" => (items(None), n),
        "items-c10" => (items(Some(10)), n),
        _ => return None,
    };
    let mut input = Map::new();
    if kind.starts_with("items") {
        input.insert("xs".into(), Value::Array((0..n).map(Value::from).collect()));
    }
    let name = if kind == "items-c10" { format!("items-{n}-c10") } else { format!("{kind}-{n}") };
    Some(Workload { name, kind, n, text: lines.join("\n") + "\n", input, actions })
}

/// The workload a name stands for, as the script names them (`chain-1000`, `items-300-c10`).
///
/// # Errors
/// A name that is not `KIND-N` with a known kind and a numeric size, saying which part is wrong.
pub fn by_name(name: &str) -> Result<Workload, String> {
    let (kind, n) = name
        .strip_suffix("-c10")
        .map(|rest| ("items-c10", rest.trim_start_matches("items-")))
        .or_else(|| name.rsplit_once('-'))
        .ok_or_else(|| format!("{name}: expected KIND-N, e.g. chain-1000"))?;
    let n: u64 = n.parse().map_err(|_| format!("{name}: the size is not a number"))?;
    make(kind, n).ok_or_else(|| format!("{name}: unknown kind; kinds: {}", KINDS.join(", ")))
}

/// What one run of a workload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Action executions started.
    pub actions: u64,
    /// Events stepped (dispatches and reports).
    pub events: u64,
    /// The serialized state's size at the end.
    pub state_bytes: usize,
    /// Whether the workflow succeeded.
    pub succeeded: bool,
}

/// Run a compiled workload to its end under the lockstep driver.
#[must_use]
pub fn drive(wf: &Workflow, input: &Map<String, Value>) -> Outcome {
    let (state, actions, events) = drive_state(wf, input.clone());
    let state_bytes = serde_json::to_string(&state).map_or(0, |s| s.len());
    Outcome { actions, events, state_bytes, succeeded: state.status() == ostinato_core::Status::Succeeded }
}

/// Run a compiled workload to its end; returns the final state, the actions started and the
/// events stepped. What the bench times: the core's work alone. The input is handed over
/// (`State::start_owned`), as a runtime that parsed it for the run hands it over.
#[must_use]
pub fn drive_state(wf: &Workflow, input: Map<String, Value>) -> (State, u64, u64) {
    let limits = Limits { max_task_iterations: u64::MAX, max_duration_ms: None };
    let (mut state, _) = State::start_owned(wf, input, limits, 0);
    let (mut actions, mut events) = (0, 0);
    let mut round = Vec::new();
    // One buffer for every step's commands, as a runtime keeps one: see `step_into`.
    let mut commands = Vec::new();
    for at in 1.. {
        events += 1;
        commands.clear();
        let _ = step_into(wf, &mut state, &Event::new(at, EventKind::Dispatch), &mut commands);
        round.clear();
        // Each request read and dropped in one pass, as a runtime consumes a command to act
        // on it. Read here and dropped at the next step's `clear`, a dispatch of 10,000
        // items walked its megabyte of requests twice, and the second walk missed the
        // cache again on every line. `retain` drops them where they lie, where `drain`
        // moved each 104-byte command out first.
        commands.retain(|c| {
            if let Command::StartRun(r) = c {
                round.push(r.run);
            }
            false
        });
        if round.is_empty() {
            break;
        }
        actions += round.len() as u64;
        for status in [ActionStatus::Running, ActionStatus::Succeeded] {
            for &run in &round {
                events += 1;
                commands.clear();
                let _ = step_into(
                    wf,
                    &mut state,
                    &Event::new(at, EventKind::Run { run, status, result: Value::Null }),
                    &mut commands,
                );
            }
        }
    }
    (state, actions, events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by `gen_workflows.py` (`make("loop", 3)` and `make("fanout", 2)`).
    const LOOP_3: &str = "version: 1.0\n\nvars:\n  - i: 1\n\ntasks:\n  init:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: loop\n  loop:\n    action: core.noop\n    next:\n      - when: \"<% succeeded() and ctx(i) < 3 %>\"\n        publish:\n          - i: \"<% ctx(i) + 1 %>\"\n        do: loop\n      - when: \"<% succeeded() and ctx(i) >= 3 %>\"\n        do: done\n  done:\n    action: core.noop\n";
    const FANOUT_2: &str = "version: 1.0\n\ntasks:\n  start:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do:\n          - p1\n          - p2\n  p1:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: join\n  p2:\n    action: core.noop\n    next:\n      - when: <% succeeded() %>\n        do: join\n  join:\n    join: all\n    action: core.noop\n";

    #[test]
    fn the_generator_matches_the_shared_script() {
        assert_eq!(make("loop", 3).map(|w| w.text).as_deref(), Some(LOOP_3));
        assert_eq!(make("fanout", 2).map(|w| w.text).as_deref(), Some(FANOUT_2));
        assert!(make("loopj", 3).is_some_and(|w| w.text.contains("\"{{ succeeded() and ctx('i') < 3 }}\"")));
        assert!(
            make("items-c10", 5)
                .is_some_and(|w| w.name == "items-5-c10" && w.text.contains("concurrency: 10"))
        );
    }

    #[test]
    fn every_workload_runs_to_success_with_the_expected_number_of_actions() {
        for kind in KINDS {
            let w = make(kind, 25).expect("known kind");
            let wf = ostinato_core::compile(&w.text).expect("valid");
            let out = drive(&wf, &w.input);
            assert!(out.succeeded, "{}", w.name);
            assert_eq!(out.actions, w.actions, "{}", w.name);
        }
    }
}
