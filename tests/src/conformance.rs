//! The lockstep driver of the corpus README (section 2), over `ostinato_core::step`, and the
//! comparison of traces (section 4).

use std::collections::BTreeMap;

use ostinato_core::{
    ActionStatus, Command, Event, EventKind, RunRequest, State, Workflow, compile, inspect, step,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const ROUND_CAP: usize = 500;

/// A scripted outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    /// `succeeded`, `failed`, ... as a plain string.
    Short(String),
    /// The full form.
    Full {
        /// Reported status.
        #[serde(default = "succeeded")]
        status: String,
        /// Reported result.
        #[serde(default)]
        result: Value,
        /// For held outcomes: what is reported on resume.
        #[serde(default)]
        then: Option<Box<Outcome>>,
    },
}

fn succeeded() -> String {
    "succeeded".into()
}

impl Outcome {
    /// The status and result this outcome reports first.
    #[must_use]
    pub fn reported(&self) -> (ActionStatus, Value) {
        let (status, result, _) = self.parts();
        (action_status(&status), result)
    }

    fn parts(&self) -> (String, Value, Option<Outcome>) {
        match self {
            Outcome::Short(s) => (s.clone(), Value::Null, None),
            Outcome::Full { status, result, then } => {
                (status.clone(), result.clone(), then.as_deref().cloned())
            }
        }
    }
}

/// An operator request.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// Applied before the executions of this round are collected.
    pub before_round: Option<usize>,
    /// Applied after this round's executions started, before any outcome.
    pub during_round: Option<usize>,
    /// `pause`, `resume`, `cancel`, `rerun`.
    pub request: String,
    /// For rerun: the tasks.
    #[serde(default)]
    pub tasks: Vec<String>,
    /// For rerun: with-items tasks whose items all run again.
    #[serde(default)]
    pub reset_items: Vec<String>,
}

/// The scripted environment of a case.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Script {
    /// Workflow input.
    #[serde(default)]
    pub input: Option<Map<String, Value>>,
    /// Outcomes per task.
    #[serde(default)]
    pub outcomes: BTreeMap<String, Vec<Outcome>>,
    /// Operator requests.
    #[serde(default)]
    pub requests: Vec<Request>,
}

fn action_status(s: &str) -> ActionStatus {
    match s {
        "failed" => ActionStatus::Failed,
        "timeout" => ActionStatus::Timeout,
        "abandoned" => ActionStatus::Abandoned,
        "canceled" => ActionStatus::Canceled,
        "pending" => ActionStatus::Pending,
        "paused" => ActionStatus::Paused,
        "running" => ActionStatus::Running,
        _ => ActionStatus::Succeeded,
    }
}

struct Held {
    run: RunRequest,
    paused: bool,
    then: Outcome,
}

struct Driver<'w> {
    wf: &'w Workflow,
    state: State,
    script: Script,
    consumed: BTreeMap<String, usize>,
    held: Vec<Held>,
    /// Every event sent, with the commands it produced (or `None` when rejected).
    log: Vec<(Event, Option<Vec<Command>>)>,
}

impl Driver<'_> {
    fn send(&mut self, kind: EventKind) -> Vec<Command> {
        let event = Event::new(0, kind);
        let answer = step(self.wf, &mut self.state, &event).ok();
        self.log.push((event, answer.clone()));
        answer.unwrap_or_default()
    }

    fn report(&mut self, run: &RunRequest, status: ActionStatus, result: Value) {
        self.send(EventKind::Run { run: run.run, status, result });
    }

    fn next_outcome(&mut self, task: &str) -> Outcome {
        let list = self.script.outcomes.get(task).cloned().unwrap_or_default();
        let n = self.consumed.entry(task.to_owned()).or_insert(0);
        let pick = list.get(*n).or(list.last()).cloned().unwrap_or(Outcome::Short("succeeded".into()));
        *n += 1;
        pick
    }

    fn apply(&mut self, r: &Request) {
        match r.request.as_str() {
            "pause" => {
                self.send(EventKind::Pause);
            }
            "cancel" => {
                self.send(EventKind::Cancel);
            }
            "rerun" => {
                self.send(EventKind::Rerun { tasks: r.tasks.clone(), reset_items: r.reset_items.clone() });
            }
            "resume" => {
                let status = self.state.status();
                if status.is_completed() {
                    self.send(EventKind::Resume);
                    return;
                }
                if !status.is_running() {
                    self.send(EventKind::Resume);
                }
                let mut held = std::mem::take(&mut self.held);
                held.sort_by_key(|h| key(&h.run));
                for h in held {
                    if h.paused {
                        self.report(&h.run, ActionStatus::Running, Value::Null);
                    }
                    self.finish(&h.run, h.then);
                }
            }
            _ => {}
        }
    }

    /// Report an outcome; a held outcome waits for a resume.
    fn finish(&mut self, run: &RunRequest, outcome: Outcome) {
        let (status, result, then) = outcome.parts();
        let status = action_status(&status);
        self.report(run, status, result);
        if matches!(status, ActionStatus::Pending | ActionStatus::Paused) {
            let then = then.unwrap_or(Outcome::Short("succeeded".into()));
            self.held.push(Held { run: run.clone(), paused: status == ActionStatus::Paused, then });
        }
    }
}

fn key(r: &RunRequest) -> (String, u32, i64) {
    (r.task.to_string(), r.route, r.item.map_or(-1, |i| i as i64))
}

fn entry(r: &RunRequest) -> Value {
    let mut m = Map::new();
    m.insert("task".into(), json!(r.task));
    if r.route != 0 {
        m.insert("route".into(), json!(r.route));
    }
    if let Some(i) = r.item {
        m.insert("item".into(), json!(i));
    }
    if r.empty_items {
        m.insert("items_count".into(), json!(0));
    } else {
        m.insert("action".into(), r.action.as_deref().map_or(Value::Null, |a| Value::String(a.to_owned())));
        m.insert("input".into(), r.input.as_deref().cloned().unwrap_or(Value::Null));
    }
    if r.delay > 0 {
        m.insert("delay".into(), json!(r.delay));
    }
    Value::Object(m)
}

/// A run recorded under the lockstep driver: the events sent, what each produced, and the
/// final state.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Each event with the commands it produced (`None` when the engine rejected it).
    pub log: Vec<(Event, Option<Vec<Command>>)>,
    /// The state at the end.
    pub state: State,
}

/// Run a case's workflow under the lockstep driver and return its trace.
#[must_use]
pub fn trace(workflow_text: &str, script: &Script) -> Value {
    record(workflow_text, script).0
}

/// Like [`trace`], also returning the recording (`None` for a rejected workflow).
#[must_use]
pub fn record(workflow_text: &str, script: &Script) -> (Value, Option<Recording>) {
    let problems = inspect(workflow_text);
    if problems.has_errors() {
        let errors: Vec<Value> = problems
            .iter()
            .filter(|d| d.is_error())
            .map(|d| json!({"category": d.category.as_str(), "path": d.path, "message": d.message}))
            .collect();
        return (json!({"status": "invalid", "errors": errors}), None);
    }
    let Ok(wf) = compile(workflow_text) else { return (json!({"status": "invalid", "errors": []}), None) };
    let input = script.input.clone().unwrap_or_default();
    let (state, _) = State::start(&wf, &input);
    let mut d = Driver {
        wf: &wf,
        state,
        script: script.clone(),
        consumed: BTreeMap::new(),
        held: Vec::new(),
        log: Vec::new(),
    };
    let requests = script.requests.clone();
    let mut rounds = Vec::new();
    let mut truncated = false;
    let mut k = 1;
    loop {
        if k > ROUND_CAP {
            truncated = true;
            break;
        }
        for r in requests.iter().filter(|r| r.before_round == Some(k)) {
            d.apply(r);
        }
        let mut runs: Vec<RunRequest> = d
            .send(EventKind::Dispatch)
            .into_iter()
            .filter_map(|c| match c {
                Command::StartRun(r) => Some(r),
                Command::Finished { .. } | Command::CancelRuns { .. } | Command::WakeAt { .. } => None,
            })
            .collect();
        runs.sort_by_key(key);
        let pending = requests
            .iter()
            .any(|r| r.before_round.is_some_and(|b| b > k) || r.during_round.is_some_and(|b| b >= k));
        if runs.is_empty() && !pending {
            break;
        }
        rounds.push(Value::Array(runs.iter().map(entry).collect()));
        for r in &runs {
            d.report(r, ActionStatus::Running, Value::Null);
        }
        for r in requests.iter().filter(|r| r.during_round == Some(k)) {
            d.apply(r);
        }
        for r in &runs {
            let outcome = if r.action.is_none() || r.empty_items {
                Outcome::Short("succeeded".into())
            } else {
                d.next_outcome(&r.task)
            };
            d.finish(r, outcome);
        }
        k += 1;
    }
    let statuses: Map<String, Value> =
        d.state.task_statuses(&wf).into_iter().map(|(k, v)| (k, json!(v.as_str()))).collect();
    let mut out = json!({
        "rounds": rounds,
        "status": d.state.status().as_str(),
        "output": d.state.output().map_or(Value::Null, |o| Value::Object(o.clone())),
        "task_statuses": statuses,
        "errors": d.state.errors().len(),
        "error_log": serde_json::to_value(d.state.errors()).unwrap_or_default(),
    });
    if truncated {
        out["truncated"] = json!(true);
    }
    (out, Some(Recording { log: d.log, state: d.state }))
}

/// Structural equality with numbers compared by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The first difference between an expected and an actual trace, if any.
#[must_use]
pub fn first_difference(expected: &Value, actual: &Value) -> Option<String> {
    let status = expected.get("status").cloned().unwrap_or(Value::Null);
    if status != actual.get("status").cloned().unwrap_or(Value::Null) {
        return Some(format!(
            "status: expected {status}, got {}",
            actual.get("status").unwrap_or(&Value::Null)
        ));
    }
    if status == "invalid" {
        let pairs = |v: &Value| -> Vec<(String, String)> {
            let mut p: Vec<(String, String)> = v
                .get("errors")
                .and_then(Value::as_array)
                .map(|l| l.iter().map(|e| (e["category"].to_string(), e["path"].to_string())).collect())
                .unwrap_or_default();
            p.sort();
            p
        };
        let (e, a) = (pairs(expected), pairs(actual));
        return (e != a).then(|| format!("inspection errors: expected {e:?}, got {a:?}"));
    }
    let er = expected.get("rounds").and_then(Value::as_array).cloned().unwrap_or_default();
    let ar = actual.get("rounds").and_then(Value::as_array).cloned().unwrap_or_default();
    for (i, (e, a)) in er.iter().zip(ar.iter()).enumerate() {
        if !same(e, a) {
            return Some(format!("round {}: expected {e}, got {a}", i + 1));
        }
    }
    if er.len() != ar.len() {
        return Some(format!("rounds: expected {}, got {}", er.len(), ar.len()));
    }
    for field in ["truncated", "output", "task_statuses", "errors"] {
        let e = expected.get(field).cloned().unwrap_or(if field == "truncated" {
            json!(false)
        } else {
            Value::Null
        });
        let a = actual.get(field).cloned().unwrap_or(if field == "truncated" {
            json!(false)
        } else {
            Value::Null
        });
        if !same(&e, &a) {
            return Some(format!("{field}: expected {e}, got {a}"));
        }
    }
    None
}
