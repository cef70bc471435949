//! The floor: the least bookkeeping any engine must do per action on these workloads,
//! measured, so the bench can print how far above it Ostinato's core is.
//!
//! Per action, any engine has to: take the `running` report and find its execution (by id)
//! to note it, take the completion and find the execution again (lookup and removal), write
//! the task's new status, keep a with-items task's result per item and hand the list on as
//! the task's result, evaluate each outbound condition and publish expression once (with the
//! same evaluator, so expression cost is not counted as overhead), count arrivals at a join,
//! and hand out the next execution as a command carrying the task's name and rendered input
//! (a with-items task's items as its concurrency allows). The floor engine does exactly that
//! and nothing else: one flat context (no layers), no routes, no records kept, no error log,
//! no state a run could be resumed from, no Orquesta event names. It is only right for the
//! bench's workloads (every action succeeds, no retries, no engine commands), which it checks.

use std::collections::VecDeque;

use ostinato_core::{Count, CurrentTask, Functions, MapScope, Target, TaskId, Workflow};
use serde_json::{Map, Value};

/// What the floor engine hands out per execution (what a runtime needs to start it).
struct Start<'a> {
    task: TaskId,
    /// Borrowed from the compiled workflow, as the engine's requests share it: a copy per
    /// execution is not bookkeeping any engine must do (it made the floor 25-70% slower,
    /// and over three times slower on a 100,000-task fan-out, than it is).
    name: &'a str,
    input: Option<Value>,
    /// The item, for a with-items task.
    item: Option<usize>,
    /// What the last report said.
    status: &'static str,
}

/// Executions in flight by id. Ids are handed out in order and most finish in order, so
/// they sit in a window indexed by id (what the engine's own run map does): the cheapest
/// structure for the job, as a floor must use. An ordered map of a million items in flight
/// cost more than the engine it was to bound.
#[derive(Default)]
struct Runs<'a> {
    base: u64,
    window: VecDeque<Option<Start<'a>>>,
}

impl<'a> Runs<'a> {
    fn slot(&mut self, id: u64) -> Option<&mut Option<Start<'a>>> {
        let i = usize::try_from(id.checked_sub(self.base)?).ok()?;
        self.window.get_mut(i)
    }

    /// Ids must come in order (the floor's do).
    fn insert(&mut self, id: u64, start: Start<'a>) {
        if self.window.is_empty() {
            self.base = id;
        }
        self.window.push_back(Some(start));
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Start<'a>> {
        self.slot(id)?.as_mut()
    }

    fn remove(&mut self, id: u64) -> Option<Start<'a>> {
        let start = self.slot(id)?.take();
        while self.window.front().is_some_and(Option::is_none) {
            self.window.pop_front();
            self.base += 1;
        }
        start
    }
}

/// The floor engine's state.
struct Floor<'a> {
    wf: &'a Workflow,
    ctx: Map<String, Value>,
    status: Vec<&'static str>,
    arrivals: Vec<usize>,
    outstanding: Vec<usize>,
    /// A with-items task's results so far, by task.
    results: Vec<Vec<Value>>,
    /// A with-items task's items and the next one to start, by task.
    pending: Vec<(Vec<Value>, usize)>,
    runs: Runs<'a>,
    next_run: u64,
    fns: Functions,
}

impl<'a> Floor<'a> {
    /// Start a task: one execution, or a with-items task's first items (as many as its
    /// concurrency allows; the rest start as items complete, as the engine starts them).
    fn start(&mut self, task: TaskId) -> Vec<u64> {
        let Some(t) = self.wf.task(task) else { return Vec::new() };
        let Some(spec) = &t.items else { return self.start_one(task, None, None).into_iter().collect() };
        let list = match spec.items.evaluate(&MapScope::new(&self.ctx), &self.fns) {
            Ok(Value::Array(list)) => list,
            _ => return Vec::new(),
        };
        let limit = match spec.concurrency {
            Some(Count::Literal(c)) => usize::try_from(c).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        if let Some(slot) = self.results.get_mut(task.index()) {
            *slot = vec![Value::Null; list.len()];
        }
        if let Some(slot) = self.pending.get_mut(task.index()) {
            *slot = (list, 0);
        }
        self.start_items(task, limit)
    }

    /// Start up to `k` more of a with-items task's items.
    fn start_items(&mut self, task: TaskId, k: usize) -> Vec<u64> {
        let mut started = Vec::new();
        while started.len() < k {
            let Some((list, next)) = self.pending.get_mut(task.index()) else { break };
            let Some(item) = list.get(*next).cloned() else { break };
            let index = *next;
            *next += 1;
            started.extend(self.start_one(task, Some(index), Some(&item)));
        }
        started
    }

    /// Hand out one execution: its input rendered, its run recorded.
    fn start_one(&mut self, task: TaskId, index: Option<usize>, item: Option<&Value>) -> Option<u64> {
        let t = self.wf.task(task)?;
        let scope = MapScope { vars: &self.ctx, task: None, item };
        let input = t.input.as_ref().and_then(|i| i.evaluate(&scope, &self.fns).ok());
        let run = self.next_run;
        self.next_run += 1;
        self.runs.insert(run, Start { task, name: t.name.as_str(), input, item: index, status: "scheduled" });
        if let Some(c) = self.outstanding.get_mut(task.index()) {
            *c += 1;
        }
        Some(run)
    }

    /// The `running` report: the execution is found and noted.
    fn running(&mut self, run: u64) {
        if let Some(start) = self.runs.get_mut(run) {
            start.status = "running";
        }
    }

    /// One completion (with a null result): the next executions it starts.
    fn complete(&mut self, run: u64) -> Vec<u64> {
        let Some(start) = self.runs.remove(run) else { return Vec::new() };
        if let (Some(item), Some(results)) = (start.item, self.results.get_mut(start.task.index())) {
            if let Some(slot) = results.get_mut(item) {
                *slot = Value::Null;
            }
        }
        let (Some(t), Some(slot)) = (self.wf.task(start.task), self.status.get_mut(start.task.index()))
        else {
            return Vec::new();
        };
        *slot = "succeeded";
        std::hint::black_box((&start.name, &start.input));
        if let Some(c) = self.outstanding.get_mut(start.task.index()) {
            *c -= 1;
        }
        // A with-items task's completed item makes room for the next one.
        if start.item.is_some() {
            let more = self.start_items(start.task, 1);
            if !more.is_empty() {
                return more;
            }
        }
        if self.outstanding.get(start.task.index()).is_some_and(|c| *c > 0) {
            return Vec::new();
        }
        // The task's result: a with-items task's is the list of its items' results.
        let result = match (&t.items, self.results.get_mut(start.task.index())) {
            (Some(_), Some(results)) => Value::Array(std::mem::take(results)),
            _ => Value::Null,
        };
        let (mut next, mut published) = (Vec::new(), Vec::new());
        for tr in &t.transitions {
            let mut scope = MapScope::new(&self.ctx);
            scope.task = Some(CurrentTask { status: "succeeded", result: &result });
            let taken =
                tr.when.as_ref().is_none_or(|w| w.evaluate(&scope, &self.fns).is_ok_and(|v| v == true));
            if !taken {
                continue;
            }
            // Every condition sees the context as the task left it: publish applies after.
            published.extend(
                tr.publish
                    .iter()
                    .filter_map(|(k, v)| v.evaluate(&scope, &self.fns).ok().map(|v| (k.clone(), v))),
            );
            for target in &tr.targets {
                if let Target::Task(id) = target {
                    next.push(*id);
                }
            }
        }
        self.ctx.extend(published);
        let mut runs = Vec::new();
        for id in next {
            let join = self.wf.task(id).and_then(|t| t.join.map(|_| t.sources));
            if let (Some(needed), Some(count)) = (join, self.arrivals.get_mut(id.index())) {
                *count += 1;
                if *count < needed {
                    continue;
                }
                *count = 0;
            }
            runs.extend(self.start(id));
        }
        runs
    }
}

/// Drive the floor engine through a workload in lockstep rounds; returns the actions run.
/// The context starts as the workflow's input, handed over as the engine's is (the
/// workloads have no vars expressions).
#[must_use]
pub fn drive_floor(wf: &Workflow, input: Map<String, Value>) -> u64 {
    let mut ctx = input;
    for (name, value) in &wf.graph().vars {
        if let Ok(v) = value.evaluate(&MapScope::new(&ctx), &Functions::new()) {
            ctx.insert(name.clone(), v);
        }
    }
    let n = wf.graph().tasks.len();
    let mut floor = Floor {
        wf,
        ctx,
        status: vec![""; n],
        arrivals: vec![0; n],
        outstanding: vec![0; n],
        results: vec![Vec::new(); n],
        pending: vec![(Vec::new(), 0); n],
        runs: Runs::default(),
        next_run: 0,
        fns: Functions::new(),
    };
    let mut round: Vec<u64> = wf.graph().entry.iter().flat_map(|t| floor.start(*t)).collect();
    let mut actions = 0;
    while !round.is_empty() {
        actions += round.len() as u64;
        let mut next = Vec::new();
        for &run in &round {
            floor.running(run);
        }
        for run in round {
            next.extend(floor.complete(run));
        }
        round = next;
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::drive_floor;
    use crate::workloads::{KINDS, make};

    /// The floor does the workloads' real work: the same actions as the engine and the
    /// generator count, or its time would be no floor at all.
    #[test]
    fn the_floor_runs_every_action_of_every_workload() {
        for kind in KINDS {
            for n in [1, 7, 30] {
                let Some(w) = make(kind, n) else { panic!("{kind}-{n} is not generated") };
                let wf = ostinato_core::compile(&w.text).unwrap_or_else(|d| panic!("{}: {d}", w.name));
                assert_eq!(drive_floor(&wf, w.input.clone()), w.actions, "{}", w.name);
            }
        }
    }
}
