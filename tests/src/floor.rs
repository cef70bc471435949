//! The floor: the least bookkeeping any engine must do per action on these workloads,
//! measured, so the bench can print how far above it Ostinato's core is.
//!
//! Per action, any engine has to: take the completion and find its execution (an ordered map
//! lookup and removal), write the task's new status, evaluate each outbound condition and
//! publish expression once (with the same evaluator, so expression cost is not counted as
//! overhead), count arrivals at a join, and hand out the next execution as a command carrying
//! the task's name and rendered input. The floor engine does exactly that and nothing else:
//! one flat context (no layers), no routes, no records kept, no error log, no state a run
//! could be resumed from, no Orquesta event names. It is only right for the bench's
//! workloads (every action succeeds, no retries, no engine commands), which it checks.

use std::collections::BTreeMap;

use ostinato_core::{CurrentTask, Functions, MapScope, Target, TaskId, Workflow};
use serde_json::{Map, Value};

/// What the floor engine hands out per execution (what a runtime needs to start it).
struct Start {
    task: TaskId,
    name: String,
    input: Option<Value>,
}

/// The floor engine's state.
struct Floor<'a> {
    wf: &'a Workflow,
    ctx: Map<String, Value>,
    status: Vec<&'static str>,
    arrivals: Vec<usize>,
    outstanding: Vec<usize>,
    runs: BTreeMap<u64, Start>,
    next_run: u64,
    fns: Functions,
}

impl Floor<'_> {
    fn start(&mut self, task: TaskId) -> Vec<u64> {
        let Some(t) = self.wf.task(task) else { return Vec::new() };
        let scope = MapScope::new(&self.ctx);
        let items = match &t.items {
            Some(spec) => match spec.items.evaluate(&scope, &self.fns) {
                Ok(Value::Array(list)) => list,
                _ => return Vec::new(),
            },
            None => vec![Value::Null],
        };
        let mut started = Vec::with_capacity(items.len());
        for item in &items {
            let scope = MapScope { vars: &self.ctx, task: None, item: t.items.as_ref().map(|_| item) };
            let input = t.input.as_ref().and_then(|i| i.evaluate(&scope, &self.fns).ok());
            let run = self.next_run;
            self.next_run += 1;
            self.runs.insert(run, Start { task, name: t.name.clone(), input });
            if let Some(c) = self.outstanding.get_mut(task.index()) {
                *c += 1;
            }
            started.push(run);
        }
        started
    }

    /// One completion: the next executions it starts.
    fn complete(&mut self, run: u64) -> Vec<u64> {
        let Some(start) = self.runs.remove(&run) else { return Vec::new() };
        let (Some(t), Some(slot)) = (self.wf.task(start.task), self.status.get_mut(start.task.index()))
        else {
            return Vec::new();
        };
        *slot = "succeeded";
        std::hint::black_box((&start.name, &start.input));
        if let Some(c) = self.outstanding.get_mut(start.task.index()) {
            *c -= 1;
            if *c > 0 {
                return Vec::new();
            }
        }
        let (mut next, mut published) = (Vec::new(), Vec::new());
        for tr in &t.transitions {
            let null = Value::Null;
            let mut scope = MapScope::new(&self.ctx);
            scope.task = Some(CurrentTask { status: "succeeded", result: &null });
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
/// The context starts as the workflow's input (the workloads have no vars expressions).
#[must_use]
pub fn drive_floor(wf: &Workflow, input: &Map<String, Value>) -> u64 {
    let mut ctx = input.clone();
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
        runs: BTreeMap::new(),
        next_run: 0,
        fns: Functions::new(),
    };
    let mut round: Vec<u64> = wf.graph().entry.iter().flat_map(|t| floor.start(*t)).collect();
    let mut actions = 0;
    while !round.is_empty() {
        actions += round.len() as u64;
        let mut next = Vec::new();
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
                assert_eq!(drive_floor(&wf, &w.input), w.actions, "{}", w.name);
            }
        }
    }
}
