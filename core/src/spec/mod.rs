//! The workflow language as authors write it: typed, in declaration order, with positions.
//!
//! This is Orquesta's native language, `version: 1.0`. Short forms are resolved here, once:
//! `do: a, b`, inline parameters (`action: pack.act k=v`, `publish: k=v`), `with: <items>`,
//! and `input`/`vars`/`output`/`publish` written as a mapping as well as a list of one-key
//! mappings. Nothing here is evaluated: expression text stays text until compilation.

mod build;
mod keys;

pub(crate) use build::{build, split_items};
pub(crate) use keys::closest as keys_closest;

use crate::diag::Location;

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the text.
    pub at: Location,
}

/// A whole workflow definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkflowSpec {
    /// `description`, when given.
    pub description: Option<String>,
    /// Declared inputs in order.
    pub input: Vec<InputSpec>,
    /// `vars` in order.
    pub vars: Vec<Binding>,
    /// `output` entries in order.
    pub output: Vec<Binding>,
    /// Tasks in declaration order.
    pub tasks: Vec<TaskSpec>,
    /// Ostinato extension `limits`: cycle protection for this workflow.
    pub limits: LimitsSpec,
}

/// The Ostinato `limits` extension, at workflow level. Absent values fall back to the
/// limits the application runs the workflow with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitsSpec {
    /// Most executions of one task on one route.
    pub max_task_iterations: Option<u64>,
    /// Most seconds the workflow may run.
    pub max_duration: Option<u64>,
}

/// A declared workflow input.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// The input's name.
    pub name: String,
    /// Its default (`name: default`), possibly an expression; `None` for a bare name.
    pub default: Option<serde_json::Value>,
    /// Where it is declared.
    pub at: Location,
}

/// A named value: a var, an output entry or a published variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The variable's name.
    pub name: String,
    /// Its value, possibly holding expressions.
    pub value: serde_json::Value,
    /// Where it is written.
    pub at: Location,
}

/// A task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// The task's name.
    pub name: String,
    /// Where the task's name is written.
    pub at: Location,
    /// The action reference (inline parameters removed), possibly an expression.
    pub action: Option<Located<String>>,
    /// The action input: a mapping, or a string expression yielding one.
    pub input: Option<Located<serde_json::Value>>,
    /// Outbound transitions in order.
    pub next: Vec<TransitionSpec>,
    /// `join`, which makes the task a barrier.
    pub join: Option<Located<Join>>,
    /// `with`: run the action once per item.
    pub with: Option<ItemsSpec>,
    /// `retry`.
    pub retry: Option<RetrySpec>,
    /// `delay` in seconds before each non-retry execution.
    pub delay: Option<Located<Count>>,
    /// Ostinato extension `limits: {max_iterations: N}`: this task's iteration limit.
    pub max_iterations: Option<u64>,
    /// Ostinato extension `timeout: seconds`: each execution is stopped after this long and
    /// the task ends `timed_out`. A literal, so a run can never lose its timeout to an
    /// expression that fails to evaluate.
    pub timeout: Option<u64>,
}

/// How many inbound transitions a join waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// Every task with a transition into the join.
    All,
    /// This many.
    Count(u64),
}

/// A non-negative integer written literally or as an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// A literal.
    Literal(u64),
    /// An expression to evaluate when the task runs.
    Expr(String),
}

/// A transition: `when` it fires, what it `publish`es, and which tasks it schedules.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionSpec {
    /// Where the transition entry starts.
    pub at: Location,
    /// The condition; `None` means always.
    pub when: Option<Located<String>>,
    /// Variables published when the transition is taken, in order.
    pub publish: Vec<Binding>,
    /// Targets in order (task names or engine commands); empty means `continue`.
    pub targets: Vec<Located<String>>,
}

/// `with`: items and concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsSpec {
    /// Where `with` is written.
    pub at: Location,
    /// Names bound per item (`x, y in <% ... %>`); empty for the plain form.
    pub names: Vec<String>,
    /// The items expression.
    pub items: Located<String>,
    /// At most this many items run at once.
    pub concurrency: Option<Located<Count>>,
}

/// `retry`: when, how often, and how long to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySpec {
    /// Where `retry` is written.
    pub at: Location,
    /// Condition for retrying; `None` means "the task failed".
    pub when: Option<Located<String>>,
    /// Most retries.
    pub count: Located<Count>,
    /// Seconds between retries.
    pub delay: Option<Located<Count>>,
}

/// The engine commands a transition may name instead of a task.
pub const ENGINE_COMMANDS: [&str; 4] = ["continue", "fail", "noop", "retry"];
