//! Exhaustive exploration: every order in which the executions running together can finish,
//! with every outcome in a given set, up to a bound on distinct states. Equal states are
//! explored once. Each finding carries the exact reports that reproduce it.
//!
//! A state here is the engine state plus the outcome each execution was given so far: two
//! paths are the same only if they gave every execution the same outcome, so a difference in
//! how they end can only come from the order, which is what a race is.
//!
//! Time does not move: an execution's report (`running` and its final status) is one step,
//! delays and timeouts do not fire. The check is about order, the simulation about time.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::Model;
use crate::engine::{
    ActionStatus, Command, Event, EventKind, Limits, RunId, RunRequest, State, Status, step,
};
use crate::graph::Workflow;

/// How to explore.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// The final statuses every execution may report.
    pub outcomes: Vec<ActionStatus>,
    /// Most distinct states to explore; past it the report says it is incomplete.
    pub max_states: usize,
    /// Cycle protection: a small iteration limit keeps loops finite.
    pub limits: Limits,
    /// Results of executions (its scripts by iteration); `null` without one.
    pub model: Option<Model>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            outcomes: vec![ActionStatus::Succeeded, ActionStatus::Failed],
            max_states: 100_000,
            limits: Limits { max_task_iterations: 5, max_duration_ms: None },
            model: None,
        }
    }
}

/// One report in a trace: `run` (of `task`'s pass `iteration`) reported `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceStep {
    /// The execution.
    pub run: RunId,
    /// Its task.
    pub task: String,
    /// The task's pass.
    pub iteration: usize,
    /// The with-items item.
    pub item: Option<usize>,
    /// Its final status (a `running` report comes first).
    pub status: ActionStatus,
    /// Its result.
    pub result: Value,
}

impl TraceStep {
    /// The events that replay this step: `running`, the final status, each followed by a
    /// dispatch (a run canceled by the engine reports only its final status).
    #[must_use]
    pub fn events(&self) -> Vec<EventKind> {
        let report = |status, result| EventKind::Run { run: self.run, status, result };
        let mut out = Vec::new();
        if self.status != ActionStatus::Canceled {
            out.extend([report(ActionStatus::Running, Value::Null), EventKind::Dispatch]);
        }
        out.extend([report(self.status, self.result.clone()), EventKind::Dispatch]);
        out
    }
}

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Nothing runs, nothing can start, and the workflow has not ended.
    Deadlock,
    /// The same outcomes in another order end differently.
    Race,
    /// A join that can no longer be satisfied ended the workflow.
    UnsatisfiableJoin,
    /// A loop ran into the iteration limit instead of exiting.
    EndlessLoop,
}

/// A problem, with the reports that reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// What happened, in words.
    pub message: String,
    /// The reports, in order, from the start.
    pub trace: Vec<TraceStep>,
    /// For a race: the other order, which ends differently.
    pub other: Option<Vec<TraceStep>>,
}

/// A way the workflow ended, over the explored paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckEnding {
    /// The final status.
    pub status: Status,
    /// The output.
    pub output: Option<Map<String, Value>>,
    /// Distinct end states with this ending.
    pub count: u64,
}

/// What exploration found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Distinct states explored.
    pub states: u64,
    /// Steps taken between them (including those that reached a state already seen).
    pub transitions: u64,
    /// Whether every reachable state was explored (`false`: the bound stopped it).
    pub complete: bool,
    /// How the workflow ended.
    pub endings: Vec<CheckEnding>,
    /// The problems, by kind.
    pub findings: Vec<Finding>,
}

/// An explored state.
#[derive(Clone)]
struct Point {
    state: State,
    open: BTreeMap<RunId, RunRequest>,
    given: BTreeMap<(String, u32, usize, Option<usize>), ActionStatus>,
    node: usize,
}

/// A final status and output.
type Ended = (Status, Option<Map<String, Value>>);

/// The exploration's bookkeeping: the path tree (for traces), what was seen, what was found.
struct Explorer<'a> {
    wf: &'a Workflow,
    options: &'a CheckOptions,
    tree: Vec<(usize, Option<TraceStep>)>,
    seen: BTreeSet<u128>,
    transitions: u64,
    endings: Vec<CheckEnding>,
    /// Per outcome assignment: the first ending reached and its node.
    by_given: BTreeMap<u128, (Ended, usize)>,
    findings: Vec<Finding>,
    reported: BTreeSet<(FindingKind, String)>,
}

/// Explore every completion order and outcome of `wf` (see the module docs).
#[must_use]
pub fn check(wf: &Workflow, input: &Map<String, Value>, options: &CheckOptions) -> CheckReport {
    let (state, commands) = State::start_with(wf, input, options.limits, 0);
    let mut ex = Explorer::new(wf, options);
    let mut start = Point { state, open: BTreeMap::new(), given: BTreeMap::new(), node: 0 };
    settle(wf, &mut start, commands);
    ex.seen.insert(key(&start));
    let mut stack = vec![start];
    let mut complete = true;
    while let Some(p) = stack.pop() {
        if p.open.is_empty() {
            ex.terminal(&p);
            continue;
        }
        for child in ex.children(&p) {
            ex.transitions += 1;
            if ex.seen.len() >= options.max_states {
                complete = false;
                break;
            }
            if ex.seen.insert(key(&child)) {
                stack.push(child);
            }
        }
    }
    ex.findings.sort_by_key(|f| f.kind);
    CheckReport {
        states: ex.seen.len() as u64,
        transitions: ex.transitions,
        complete,
        endings: ex.endings,
        findings: ex.findings,
    }
}

impl<'a> Explorer<'a> {
    fn new(wf: &'a Workflow, options: &'a CheckOptions) -> Self {
        Explorer {
            wf,
            options,
            tree: vec![(0, None)],
            seen: BTreeSet::new(),
            transitions: 0,
            endings: Vec::new(),
            by_given: BTreeMap::new(),
            findings: Vec::new(),
            reported: BTreeSet::new(),
        }
    }

    /// Every open execution finishing next, with every outcome.
    fn children(&mut self, p: &Point) -> Vec<Point> {
        let mut out = Vec::new();
        for (run, req) in &p.open {
            let outcomes: &[ActionStatus] =
                if req.empty_items { &[ActionStatus::Succeeded] } else { &self.options.outcomes };
            let result = match &self.options.model {
                Some(m) => m.scripted_result(&req.task, req.action.as_deref(), req.iteration),
                None => Value::Null,
            };
            for &status in outcomes {
                let step = TraceStep {
                    run: *run,
                    task: req.task.to_string(),
                    iteration: req.iteration,
                    item: req.item,
                    status,
                    result: result.clone(),
                };
                let mut child = p.clone();
                child.open.remove(run);
                child.given.insert((req.task.to_string(), req.route, req.iteration, req.item), status);
                let commands = apply(self.wf, &mut child.state, &step);
                settle(self.wf, &mut child, commands);
                self.tree.push((p.node, Some(step)));
                child.node = self.tree.len() - 1;
                out.push(child);
            }
        }
        out
    }

    /// The reports from the start to `node`.
    fn trace(&self, mut node: usize) -> Vec<TraceStep> {
        let mut out = Vec::new();
        while let Some((parent, Some(step))) = self.tree.get(node) {
            out.push(step.clone());
            node = *parent;
        }
        out.reverse();
        out
    }

    fn find(&mut self, kind: FindingKind, what: String, message: String, node: usize, other: Option<usize>) {
        if self.reported.insert((kind, what)) {
            let other = other.map(|n| self.trace(n));
            self.findings.push(Finding { kind, message, trace: self.trace(node), other });
        }
    }

    /// Nothing is open: the workflow ended, or it is stuck.
    fn terminal(&mut self, p: &Point) {
        let status = p.state.status();
        if !status.is_completed() {
            let message = format!(
                "deadlock: nothing runs and nothing can start, but the workflow is still {}",
                status.as_str()
            );
            self.find(FindingKind::Deadlock, String::new(), message, p.node, None);
            return;
        }
        let output = p.state.output().cloned();
        match self.endings.iter_mut().find(|e| e.status == status && e.output == output) {
            Some(e) => e.count += 1,
            None => self.endings.push(CheckEnding { status, output: output.clone(), count: 1 }),
        }
        self.errors(p);
        let given = hash(&given_bytes(p));
        match self.by_given.get(&given).cloned() {
            None => {
                self.by_given.insert(given, ((status, output), p.node));
            }
            Some(((s, o), first)) if s != status || o != output => {
                let show = |s: Status, o: &Option<Map<String, Value>>| {
                    format!(
                        "{} with output {}",
                        s.as_str(),
                        o.as_ref().map_or("none".into(), |o| Value::Object(o.clone()).to_string())
                    )
                };
                let (a, b) = (show(s, &o), show(status, &output));
                let message = format!(
                    "race: the same outcome for every execution ends {a} in one order and {b} in another"
                );
                self.find(FindingKind::Race, format!("{a}|{b}"), message, first, Some(p.node));
            }
            Some(_) => {}
        }
    }

    /// Findings written in the error log: unsatisfiable joins and loops stopped by the limit.
    fn errors(&mut self, p: &Point) {
        for e in p.state.errors() {
            let task = e.task.clone().unwrap_or_default();
            if e.message.starts_with("UnreachableJoinError") {
                let message = format!("unsatisfiable join: {}", e.message);
                self.find(FindingKind::UnsatisfiableJoin, task, message, p.node, None);
            } else if crate::engine::is_limit_breach(&e.message) {
                let message = format!("loop did not exit: {}", e.message);
                self.find(FindingKind::EndlessLoop, task, message, p.node, None);
            }
        }
    }
}

/// Step a report's events; the commands of the last dispatch come back.
fn apply(wf: &Workflow, state: &mut State, step_: &TraceStep) -> Vec<Command> {
    let mut commands = Vec::new();
    for kind in step_.events() {
        // A refused report changes nothing, and an explored run is always one the engine
        // offered, so refusals do not happen; nothing to do if one did.
        if let Ok(c) = step(wf, state, &Event::new(0, kind)) {
            commands.extend(c);
        }
    }
    commands
}

/// Take in the engine's commands: new executions open, canceled ones report at once.
fn settle(wf: &Workflow, p: &mut Point, commands: Vec<Command>) {
    let mut pending = commands;
    if let Ok(c) = step(wf, &mut p.state, &Event::new(0, EventKind::Dispatch)) {
        pending.extend(c);
    }
    while !pending.is_empty() {
        let mut next = Vec::new();
        for c in pending {
            match c {
                Command::StartRun(r) => {
                    p.open.insert(r.run, r);
                }
                Command::CancelRuns { runs } => {
                    for run in runs {
                        let Some(r) = p.open.remove(&run) else { continue };
                        let step_ = TraceStep {
                            run,
                            task: r.task.to_string(),
                            iteration: r.iteration,
                            item: r.item,
                            status: ActionStatus::Canceled,
                            result: Value::Null,
                        };
                        next.extend(apply(wf, &mut p.state, &step_));
                    }
                }
                Command::WakeAt { .. } | Command::Finished { .. } => {}
            }
        }
        pending = next;
    }
}

/// The outcomes given so far, serialized (a map with tuple keys is written as a list).
fn given_bytes(p: &Point) -> Vec<u8> {
    serde_json::to_vec(&p.given.iter().collect::<Vec<_>>()).unwrap_or_default()
}

/// The identity of an explored state: the engine state and the outcomes given.
fn key(p: &Point) -> u128 {
    let mut bytes = serde_json::to_vec(&p.state).unwrap_or_default();
    bytes.push(0);
    bytes.extend(given_bytes(p));
    hash(&bytes)
}

/// FNV-1a, 128 bits: deterministic everywhere, and wide enough that two distinct states of
/// one exploration colliding is not a practical concern.
fn hash(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    bytes.iter().fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::compile;

    /// No workflow the engine runs is known to deadlock (the invariant suite would say), so
    /// the detection is shown on a state that lost its open execution: running, with nothing
    /// left to report.
    #[test]
    fn a_state_with_nothing_open_that_has_not_ended_is_a_deadlock_with_its_trace() {
        let wf = compile("tasks:\n  a:\n    action: core.noop\n").expect("valid");
        let options = CheckOptions::default();
        let (state, _) = State::start_with(&wf, &Map::new(), options.limits, 0);
        let mut ex = Explorer::new(&wf, &options);
        let stuck = Point { state, open: BTreeMap::new(), given: BTreeMap::new(), node: 0 };
        ex.terminal(&stuck);
        assert_eq!(ex.findings.len(), 1);
        assert_eq!(ex.findings[0].kind, FindingKind::Deadlock);
        assert!(ex.findings[0].message.contains("still running"), "{}", ex.findings[0].message);
        assert!(ex.endings.is_empty());
    }
}
