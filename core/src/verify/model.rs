//! The outcome model a simulation runs against: per task (or per action reference) the
//! probability of failure, how long an execution takes, and results scripted by iteration.
//!
//! ```yaml
//! default:                      # every action not named below
//!   duration: {fixed: 1000}     # milliseconds of virtual time
//! tasks:
//!   poll:
//!     fail: 0.1                 # probability that an execution fails
//!     duration: {uniform: [200, 3000]}
//!     result: {stdout: waiting} # the result of an execution that succeeds
//!     script:                   # by iteration (the task's pass, from 1): overrides
//!       3: {result: {stdout: ready}}
//!       5: {status: failed}
//! actions:
//!   core.http: {duration: {exponential: 400}}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rng::Rng;
use crate::engine::ActionStatus;
use crate::graph::Workflow;

/// How executions behave, per task or action; see the module docs for the YAML shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// For every execution no entry below names.
    #[serde(default)]
    pub default: ActionModel,
    /// By task name: wins over `actions`.
    #[serde(default)]
    pub tasks: BTreeMap<String, ActionModel>,
    /// By rendered action reference (`core.http`).
    #[serde(default)]
    pub actions: BTreeMap<String, ActionModel>,
}

/// How one kind of execution behaves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionModel {
    /// Probability in `[0, 1]` that an execution fails (when no script entry decides).
    #[serde(default)]
    pub fail: f64,
    /// How long an execution runs, in milliseconds of virtual time.
    #[serde(default)]
    pub duration: Duration,
    /// The result of an execution (`null` if absent).
    #[serde(default)]
    pub result: Value,
    /// Outcomes fixed by iteration (1 is the task's first pass): these override `fail` and
    /// `result` for that pass.
    #[serde(default)]
    pub script: BTreeMap<usize, Scripted>,
}

/// One scripted outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scripted {
    /// `succeeded` or `failed` (default: drawn with the model's `fail`).
    #[serde(default)]
    pub status: Option<ActionStatus>,
    /// The result (default: the model's `result`).
    #[serde(default)]
    pub result: Option<Value>,
}

/// A duration distribution, in milliseconds. Written as a mapping with one key
/// (`{fixed: 200}`, `{uniform: [100, 900]}`, `{exponential: 400}`), which reads the same in
/// YAML and JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "DurationSpec")]
pub enum Duration {
    /// Always this long.
    Fixed(u64),
    /// Uniform between the two bounds, inclusive.
    Uniform([u64; 2]),
    /// Exponential with this mean: most executions are quick, a few take long.
    Exponential(u64),
}

/// The written form of a [`Duration`]: exactly one of the keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DurationSpec {
    fixed: Option<u64>,
    uniform: Option<[u64; 2]>,
    exponential: Option<u64>,
}

impl TryFrom<DurationSpec> for Duration {
    type Error = String;

    fn try_from(d: DurationSpec) -> Result<Self, Self::Error> {
        match (d.fixed, d.uniform, d.exponential) {
            (Some(ms), None, None) => Ok(Duration::Fixed(ms)),
            (None, Some(range), None) => Ok(Duration::Uniform(range)),
            (None, None, Some(mean)) => Ok(Duration::Exponential(mean)),
            _ => Err("a duration has exactly one of `fixed: MS`, `uniform: [MIN, MAX]`, `exponential: MEAN`"
                .into()),
        }
    }
}

impl Default for Duration {
    /// One second: a plausible action when the model says nothing.
    fn default() -> Self {
        Duration::Fixed(1000)
    }
}

/// A model that does not fit the workflow or does not make sense.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A probability outside `[0, 1]`.
    #[error("model {path}: the failure probability {value} is outside 0..=1; write a number such as 0.1")]
    Probability {
        /// Where, as `tasks.poll.fail`.
        path: String,
        /// What was written.
        value: f64,
    },
    /// A uniform range written high to low.
    #[error("model {path}: the uniform range [{lo}, {hi}] runs backwards; write [{hi}, {lo}]")]
    Range {
        /// Where, as `tasks.poll.duration`.
        path: String,
        /// The first bound.
        lo: u64,
        /// The second bound.
        hi: u64,
    },
    /// A task the workflow does not have.
    #[error("model tasks.{task}: the workflow has no task `{task}`; its tasks are {known}")]
    UnknownTask {
        /// The name in the model.
        task: String,
        /// The workflow's task names, comma separated.
        known: String,
    },
    /// A scripted status other than succeeded or failed.
    #[error("model {path}: a scripted status must be succeeded or failed, not {status:?}")]
    Status {
        /// Where, as `tasks.poll.script.3.status`.
        path: String,
        /// What was written.
        status: ActionStatus,
    },
}

/// What one execution does in a simulation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draw {
    pub(crate) status: ActionStatus,
    pub(crate) result: Value,
    pub(crate) duration: u64,
}

impl Model {
    /// Check the model against the workflow: every named task exists, every number is sane.
    ///
    /// # Errors
    /// The first [`ModelError`] found, naming the model path.
    pub fn check(&self, wf: &Workflow) -> Result<(), ModelError> {
        for task in self.tasks.keys() {
            if wf.task_id(task).is_none() {
                let known: Vec<&str> = wf.graph().tasks.iter().map(|t| t.name.as_str()).collect();
                return Err(ModelError::UnknownTask { task: task.clone(), known: known.join(", ") });
            }
        }
        let named = self.tasks.iter().map(|(k, m)| (format!("tasks.{k}"), m));
        let by_action = self.actions.iter().map(|(k, m)| (format!("actions.{k}"), m));
        std::iter::once(("default".to_owned(), &self.default))
            .chain(named)
            .chain(by_action)
            .try_for_each(|(path, m)| m.check(&path))
    }

    /// The entry for an execution of `task` running `action`.
    pub(crate) fn entry(&self, task: &str, action: Option<&str>) -> &ActionModel {
        self.tasks.get(task).or_else(|| action.and_then(|a| self.actions.get(a))).unwrap_or(&self.default)
    }

    /// The scripted result for a pass, if the model fixes one (exhaustive checking uses
    /// results but explores statuses itself).
    pub(crate) fn scripted_result(&self, task: &str, action: Option<&str>, iteration: usize) -> Value {
        let m = self.entry(task, action);
        m.script.get(&iteration).and_then(|s| s.result.clone()).unwrap_or_else(|| m.result.clone())
    }
}

impl ActionModel {
    fn check(&self, path: &str) -> Result<(), ModelError> {
        if !(0.0..=1.0).contains(&self.fail) {
            return Err(ModelError::Probability { path: format!("{path}.fail"), value: self.fail });
        }
        if let Duration::Uniform([lo, hi]) = self.duration {
            if hi < lo {
                return Err(ModelError::Range { path: format!("{path}.duration"), lo, hi });
            }
        }
        for (n, s) in &self.script {
            if let Some(status) =
                s.status.filter(|s| !matches!(s, ActionStatus::Succeeded | ActionStatus::Failed))
            {
                return Err(ModelError::Status { path: format!("{path}.script.{n}.status"), status });
            }
        }
        Ok(())
    }

    /// Draw one execution's outcome for the task's `iteration`-th pass.
    pub(crate) fn draw(&self, iteration: usize, rng: &mut Rng) -> Draw {
        let scripted = self.script.get(&iteration);
        // Always draw, so a script entry does not shift every later draw of the run.
        let failed = rng.unit() < self.fail;
        let status = scripted.and_then(|s| s.status).unwrap_or(if failed {
            ActionStatus::Failed
        } else {
            ActionStatus::Succeeded
        });
        let result = scripted.and_then(|s| s.result.clone()).unwrap_or_else(|| self.result.clone());
        let duration = match self.duration {
            Duration::Fixed(ms) => ms,
            Duration::Uniform([lo, hi]) => rng.between(lo, hi),
            Duration::Exponential(mean) => {
                // Inverse transform; `1 - u` is in (0, 1], so the logarithm is finite.
                let u = 1.0 - rng.unit();
                let ms = -(mean as f64) * u.ln();
                if ms.is_finite() { ms.round() as u64 } else { mean }
            }
        };
        Draw { status, result, duration }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::compile;

    fn wf() -> Workflow {
        compile("tasks:\n  poll:\n    action: core.noop\n").expect("valid")
    }

    #[test]
    fn the_check_names_what_is_wrong_and_where() {
        let mut m = Model::default();
        m.tasks.insert("pol".into(), ActionModel::default());
        let e = m.check(&wf()).expect_err("unknown task");
        assert_eq!(e.to_string(), "model tasks.pol: the workflow has no task `pol`; its tasks are poll");
        let mut m = Model::default();
        m.default.fail = 1.5;
        assert!(
            matches!(m.check(&wf()), Err(ModelError::Probability { path, .. }) if path == "default.fail")
        );
        m.default.fail = 0.0;
        m.default.duration = Duration::Uniform([5, 1]);
        assert!(matches!(m.check(&wf()), Err(ModelError::Range { lo: 5, hi: 1, .. })));
    }

    #[test]
    fn scripts_override_draws_and_draws_follow_the_probability() {
        let mut m = ActionModel { fail: 0.25, ..ActionModel::default() };
        m.script.insert(2, Scripted { status: Some(ActionStatus::Failed), result: Some(Value::from(7)) });
        let mut rng = Rng::new(3);
        let d = m.draw(2, &mut rng);
        assert_eq!((d.status, d.result, d.duration), (ActionStatus::Failed, Value::from(7), 1000));
        let failures = (0..4000).filter(|_| m.draw(1, &mut rng).status == ActionStatus::Failed).count();
        assert!((800..1200).contains(&failures), "{failures} of 4000 failed at p = 0.25");
    }
}
