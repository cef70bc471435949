//! Simulation: run a workflow many times in virtual time against an outcome [`Model`], and
//! say what happens across the runs. Everything is a function of the seed: run `i` of
//! `--seed S` uses seed `S + i`, so any single run is reproduced with `--seed S+i --runs 1`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::Model;
use super::rng::Rng;
use crate::engine::{ActionStatus, Limits, RunId, Status, Timestamp};
use crate::graph::Workflow;
use crate::session::{Session, Todo};

/// How to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// How many runs.
    pub runs: u64,
    /// The first run's seed; run `i` uses `seed + i`.
    pub seed: u64,
    /// Cycle protection for every run (the definition's own `limits` still override it).
    pub limits: Limits,
    /// Most events one run may take before it counts as unfinished: a guard for a model
    /// under which the workflow never ends and cycle protection is off.
    pub max_events: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions { runs: 1000, seed: 0, limits: Limits::default(), max_events: 1_000_000 }
    }
}

/// One simulated run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimRun {
    /// Its seed.
    pub seed: u64,
    /// The final status; `None` when the run did not finish (nothing left to happen, or the
    /// event budget ran out).
    pub status: Option<Status>,
    /// The rendered output.
    pub output: Option<Map<String, Value>>,
    /// Virtual milliseconds from start to the last event.
    pub duration_ms: Timestamp,
    /// The highest pass each task reached (tasks that never ran are absent).
    pub iterations: BTreeMap<String, usize>,
    /// Whether cycle protection (iteration or duration limit) ended it.
    pub stopped_by_limit: bool,
    /// Events stepped.
    pub events: u64,
}

/// A distinct ending, with how often it happened and a seed that reproduces it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ending {
    /// The final status (`None`: did not finish).
    pub status: Option<Status>,
    /// The output.
    pub output: Option<Map<String, Value>>,
    /// How many runs ended this way.
    pub count: u64,
    /// The first run that did: `--seed SEED --runs 1` reproduces it.
    pub seed: u64,
}

/// Minimum, mean and maximum of a quantity over the runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Smallest.
    pub min: u64,
    /// Mean.
    pub mean: f64,
    /// Largest.
    pub max: u64,
}

/// Percentiles of the virtual durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Durations {
    /// Smallest, mean and largest.
    pub spread: Spread,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
}

/// What the runs did, together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    /// Runs simulated.
    pub runs: u64,
    /// Each distinct (status, output), most frequent first.
    pub endings: Vec<Ending>,
    /// Per task, the highest pass it reached in a run (0 when it did not run).
    pub iterations: BTreeMap<String, Spread>,
    /// Virtual durations.
    pub duration_ms: Durations,
    /// Runs ended by cycle protection.
    pub stopped_by_limit: u64,
    /// Runs that did not finish.
    pub unfinished: u64,
}

/// A report due at some point of virtual time.
type Report = (RunId, ActionStatus, Value);

/// The virtual clock and what is due on it, in time order then in order of scheduling.
struct Timeline<'m> {
    queue: BTreeMap<(Timestamp, u64), Report>,
    seq: u64,
    rng: Rng,
    model: &'m Model,
    iterations: BTreeMap<String, usize>,
}

impl Timeline<'_> {
    fn at(&mut self, at: Timestamp, p: Report) {
        self.queue.insert((at, self.seq), p);
        self.seq += 1;
    }

    /// Schedule what the engine asked for: each start after its delay, then its report.
    fn plan(&mut self, todo: Todo, now: Timestamp) {
        for r in todo.start {
            let pass = self.iterations.entry(r.task.to_string()).or_insert(0);
            *pass = (*pass).max(r.iteration);
            if r.empty_items {
                self.at(now, (r.run, ActionStatus::Succeeded, Value::Null));
                continue;
            }
            let draw = self.model.entry(&r.task, r.action.as_deref()).draw(r.iteration, &mut self.rng);
            let start = now.saturating_add(r.delay.saturating_mul(1000));
            self.at(start, (r.run, ActionStatus::Running, Value::Null));
            self.at(start.saturating_add(draw.duration), (r.run, draw.status, draw.result));
        }
        for run in todo.cancel {
            self.at(now, (run, ActionStatus::Canceled, Value::Null));
        }
    }
}

/// Simulate one run with `seed`.
#[must_use]
pub fn simulate_run(
    wf: &Workflow,
    input: &Map<String, Value>,
    model: &Model,
    limits: Limits,
    seed: u64,
    max_events: u64,
) -> SimRun {
    let mut line =
        Timeline { queue: BTreeMap::new(), seq: 0, rng: Rng::new(seed), model, iterations: BTreeMap::new() };
    let (mut session, todo) = Session::start_with(wf, input, limits, 0);
    line.plan(todo, 0);
    let (mut now, mut events, mut ticked) = (0, 1, None);
    while session.outcome().is_none() && events < max_events {
        let due = line.queue.keys().next().map(|k| k.0);
        let wake = session.deadline().filter(|d| ticked.is_none_or(|t| *d > t));
        events += 1;
        match (due, wake) {
            (_, Some(w)) if due.is_none_or(|d| w <= d) => {
                now = now.max(w);
                ticked = Some(w);
                let todo = session.tick(now);
                line.plan(todo, now);
            }
            (Some(_), _) => {
                let Some(((at, _), (run, status, result))) = line.queue.pop_first() else {
                    break;
                };
                now = now.max(at);
                // A report for a run the engine already settled (canceled by a limit) is
                // refused and changes nothing: a real runtime's late report does the same.
                if let Ok(todo) = session.report(run, status, result, now) {
                    line.plan(todo, now);
                }
            }
            _ => break,
        }
    }
    let outcome = session.outcome().map(|(s, o)| (s, o.cloned()));
    SimRun {
        seed,
        status: outcome.as_ref().map(|o| o.0),
        output: outcome.and_then(|o| o.1),
        duration_ms: now,
        iterations: line.iterations,
        stopped_by_limit: session.state().errors().iter().any(|e| crate::engine::is_limit_breach(&e.message)),
        events,
    }
}

/// Simulate `options.runs` runs and summarize them.
#[must_use]
pub fn simulate(wf: &Workflow, input: &Map<String, Value>, model: &Model, options: &SimOptions) -> SimReport {
    let runs: Vec<SimRun> = (0..options.runs)
        .map(|i| {
            let seed = options.seed.wrapping_add(i);
            simulate_run(wf, input, model, options.limits, seed, options.max_events)
        })
        .collect();
    summarize(wf, &runs)
}

fn spread(values: &[u64]) -> Spread {
    let n = values.len().max(1) as f64;
    Spread {
        min: values.iter().copied().min().unwrap_or(0),
        mean: values.iter().map(|v| *v as f64).sum::<f64>() / n,
        max: values.iter().copied().max().unwrap_or(0),
    }
}

/// The summary of a set of runs.
#[must_use]
pub fn summarize(wf: &Workflow, runs: &[SimRun]) -> SimReport {
    let mut endings: Vec<Ending> = Vec::new();
    for r in runs {
        match endings.iter_mut().find(|e| e.status == r.status && e.output == r.output) {
            Some(e) => e.count += 1,
            None => {
                endings.push(Ending { status: r.status, output: r.output.clone(), count: 1, seed: r.seed })
            }
        }
    }
    // Most frequent first; ties keep the order they first happened in.
    endings.sort_by_key(|e| std::cmp::Reverse(e.count));
    let iterations = wf
        .graph()
        .tasks
        .iter()
        .map(|t| {
            let passes: Vec<u64> =
                runs.iter().map(|r| r.iterations.get(&t.name).copied().unwrap_or(0) as u64).collect();
            (t.name.clone(), spread(&passes))
        })
        .collect();
    let mut durations: Vec<u64> = runs.iter().map(|r| r.duration_ms).collect();
    durations.sort_unstable();
    let pct = |p: usize| durations.get((durations.len().saturating_sub(1)) * p / 100).copied().unwrap_or(0);
    SimReport {
        runs: runs.len() as u64,
        endings,
        iterations,
        duration_ms: Durations { spread: spread(&durations), p50: pct(50), p90: pct(90), p99: pct(99) },
        stopped_by_limit: runs.iter().filter(|r| r.stopped_by_limit).count() as u64,
        unfinished: runs.iter().filter(|r| r.status.is_none()).count() as u64,
    }
}
