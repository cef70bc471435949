//! The compiled workflow: an immutable graph with names resolved to indices.
//!
//! [`compile`] turns definition text into a [`Workflow`] once; the engine then works on
//! indices only. Everything the engine asks of the graph is precomputed here: outbound
//! transitions with resolved targets, inbound edges, join arity, entry points, split tasks
//! (which start new routes) and tasks on a cycle. Expressions are parsed here, so a running
//! workflow never parses text. A `Workflow` is an `Arc` inside: cloning it is cheap.

mod build;

use std::sync::Arc;

pub use build::{compile, compile_with};

use crate::diag::Location;
use crate::expr::{Template, ValueTemplate};

/// Index of a task in [`Graph::tasks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The index as a `usize`.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A compiled workflow, cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct Workflow {
    inner: Arc<Graph>,
}

/// The graph behind a [`Workflow`].
#[derive(Debug)]
pub struct Graph {
    /// Tasks in declaration order; [`TaskId`] indexes this.
    pub tasks: Vec<Task>,
    /// Where the workflow starts, sorted by task name.
    pub entry: Vec<TaskId>,
    /// Declared inputs in order, with their defaults.
    pub input: Vec<(String, Option<ValueTemplate>)>,
    /// `vars` in order.
    pub vars: Vec<(String, ValueTemplate)>,
    /// `output` entries in order.
    pub output: Vec<(String, ValueTemplate)>,
    /// Workflow-level limits written in the definition (Ostinato extension).
    pub limits: crate::spec::LimitsSpec,
    /// Task ids in name order: a name is found by binary search.
    by_name: Vec<TaskId>,
    /// What starting each task's executions needs, by [`TaskId`], kept apart from the task
    /// and small: dispatching a wide fan-out reads it for every branch, in name order, and a
    /// task's own definition would be several cold cache lines each.
    offers: Vec<OfferInfo>,
    /// How each task is reached, by [`TaskId`], in 8 bytes: following a fan-out's source
    /// asks it of every branch, in name order, which read each branch's definition (several
    /// hundred bytes, in declaration order) from a cold line.
    shapes: Vec<Shape>,
    /// The distinct tasks each task has an edge into, by [`TaskId`]: `targets[target_start[i]
    /// ..target_start[i + 1]]`. A new execution counts as present at each of them (see
    /// `inbound.rs`); reading them here does not touch the task's definition or its edges.
    targets: Vec<TaskId>,
    target_start: Vec<u32>,
    /// Every task's edges, by [`TaskId`]: `edges[edge_start[i]..edge_start[i + 1]]`, a copy
    /// of each [`Task::edges`] in one array. A completion walks its task's edges; as each
    /// task's own list they were a separate allocation per branch of a fan-out, reached
    /// through the pointer in a cold line of the task's definition.
    edges: Vec<Edge>,
    edge_start: Vec<u32>,
    /// Every distinct edge name, in the order a wide edge map keeps them: a fan-out's
    /// source and its join hold their branches' names as places in it (see
    /// `engine/placed.rs`), and `edge_places` says where each edge's names are.
    edge_names: Arc<crate::engine::EdgeNames>,
    /// The places of each edge's names in `edge_names`, beside `edges` (same indices). Apart
    /// from the edges: an edge is 64 bytes, one cache line, and with them inside it was 72,
    /// so that most edges of a long chain straddled two lines.
    edge_places: Vec<EdgePlaces>,
}

/// Where an edge's names are in its workflow's table of edge names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgePlaces {
    /// The place of [`Edge::id`].
    pub(crate) id: u32,
    /// The place of [`Edge::back`].
    pub(crate) back: u32,
}

impl EdgePlaces {
    /// No places: a map given these takes the names.
    pub(crate) const NONE: EdgePlaces = EdgePlaces { id: u32::MAX, back: u32::MAX };
}

/// Task `id`'s part of a list made of every task's parts in id order, where `starts[i]`
/// is where task `i`'s part begins and `starts[i + 1]` where it ends.
fn span<'a, T>(list: &'a [T], starts: &[u32], id: TaskId) -> &'a [T] {
    let at = |j: usize| starts.get(j).map(|&s| s as usize);
    match (at(id.index()), at(id.index() + 1)) {
        (Some(a), Some(b)) => list.get(a..b).unwrap_or_default(),
        _ => &[],
    }
}

/// How a task is reached: what each arrival on a route needs to know of its target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// How many taken inbound transitions start it: the join's arity, else 1.
    pub(crate) required: u32,
    /// How many distinct tasks have an edge into it.
    pub(crate) sources: u32,
    /// It is a join.
    pub(crate) join: bool,
    /// Reaching it through a transition starts a new route.
    pub(crate) split: bool,
    /// It has a retry policy.
    pub(crate) retry: bool,
    /// It runs with items.
    pub(crate) items: bool,
    /// Its `timeout` in milliseconds.
    pub(crate) timeout_ms: Option<u64>,
    /// A transition of it leads to several targets (its edges outnumber its transitions):
    /// following it keeps each condition's outcome for the transition's other edges.
    pub(crate) several: bool,
    /// One of its transitions leads to `fail`: the tasks beside it still start once the
    /// workflow failed. (Asked on every completion; a fan-out's source would scan 100,000
    /// edges for it.)
    pub(crate) fails: bool,
    /// An expression of its transitions or its retry policy may call `result()`. When none
    /// can, a completion does not build the task's result: a with-items task's is a list of
    /// every item's (a 100,000-item task wrote 7 MB of it into fresh memory), and an
    /// action's is copied out of its report.
    pub(crate) reads_result: bool,
}

impl Shape {
    /// The shape of `task` (counts past `u32::MAX` are held as `u32::MAX`).
    pub(crate) fn of(task: &Task) -> Shape {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let required = match task.join {
            Some(JoinArity::All(_)) => task.sources,
            Some(JoinArity::Count(n)) => n,
            None => 1,
        };
        Shape {
            required: count(required),
            sources: count(task.sources),
            join: task.join.is_some(),
            split: task.split,
            retry: task.retry.is_some(),
            items: task.items.is_some(),
            timeout_ms: task.timeout.map(|s| s.saturating_mul(1000)),
            several: task.edges.len() > task.transitions.len(),
            fails: task.edges.iter().any(|e| e.target == Target::Command(EngineCommand::Fail)),
            reads_result: reads_result(task),
        }
    }
}

/// Whether an expression that sees the task's result (its transitions' conditions and
/// publishes, its retry condition) may call `result()`.
fn reads_result(task: &Task) -> bool {
    const WORD: &str = "result";
    let transitions = task.transitions.iter().any(|t| {
        t.when.as_ref().is_some_and(|w| w.may_read(WORD)) || t.publish.iter().any(|(_, v)| v.may_read(WORD))
    });
    let retry = task.retry.as_ref().and_then(|r| r.when.as_ref()).is_some_and(|w| w.may_read(WORD));
    transitions || retry
}

/// What starting a task's executions needs (see [`Graph`]'s `offers`).
#[derive(Debug)]
pub(crate) struct OfferInfo {
    /// The task's name, a range of one buffer holding every task's.
    pub(crate) name: crate::Name,
    /// Its place among all tasks in name order: Orquesta offers executions by task name, and
    /// comparing these is one integer compare instead of two names' bytes (a fan-out of
    /// 100,000 offers sorts them on every dispatch).
    pub(crate) rank: u32,
    /// Its action reference when written out: each distinct one is held once.
    pub(crate) action: Option<crate::Name>,
    /// Nothing to evaluate: no items, delay or input, and no computed action.
    pub(crate) plain: bool,
    /// The task's own iteration limit, checked before every start.
    pub(crate) max_iterations: Option<u64>,
}

/// A compiled task.
#[derive(Debug)]
pub struct Task {
    /// The task's name.
    pub name: String,
    /// Where the task is defined.
    pub at: Location,
    /// The action reference; `None` for an action-less task.
    pub action: Option<Template>,
    /// The action input; `None` when the task declares none.
    pub input: Option<ValueTemplate>,
    /// Outbound transitions in definition order.
    pub transitions: Vec<Transition>,
    /// Inbound edges: (source task, transition index), in source declaration order.
    pub inbound: Vec<(TaskId, usize)>,
    /// Barrier arity, when the task is a join.
    pub join: Option<JoinArity>,
    /// `with`: items and concurrency. (This and `retry` are boxed: most tasks have neither,
    /// and a task read on every completion should span few cache lines.)
    pub items: Option<Box<Items>>,
    /// `retry`.
    pub retry: Option<Box<Retry>>,
    /// Delay before every non-retry execution.
    pub delay: Option<Count>,
    /// Outbound edges in Orquesta's order: by target name, then definition order.
    pub edges: Vec<Edge>,
    /// Inbound edges: (source task, edge key), for join criteria.
    pub inbound_edges: Vec<(TaskId, u32)>,
    /// How many distinct tasks have an edge into this one (what `join: all` waits for).
    pub sources: usize,
    /// A split task: reaching it through a transition starts a new route.
    pub split: bool,
    /// The task can reach itself.
    pub in_cycle: bool,
    /// The task's own iteration limit (Ostinato extension).
    pub max_iterations: Option<u64>,
    /// Seconds after which an execution is stopped and the task ends `timed_out`.
    pub timeout: Option<u64>,
}

/// The first edge of each group of a task's `edges` into one task, with that task: one per
/// distinct target task (edges are sorted by target, so a group is contiguous).
pub(crate) fn group_starts(edges: &[Edge]) -> impl Iterator<Item = (usize, TaskId)> + '_ {
    edges.iter().enumerate().filter_map(|(i, e)| match e.target {
        Target::Task(t) if e.key == 0 => Some((i, t)),
        _ => None,
    })
}

/// How many arrivals a join waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinArity {
    /// One from every task with a transition into the join.
    All(usize),
    /// This many.
    Count(usize),
}

/// A compiled transition.
#[derive(Debug)]
pub struct Transition {
    /// The condition; `None` means always. Shared between the transitions whose condition
    /// reads the same.
    pub when: Option<Arc<Template>>,
    /// Published variables, in order.
    pub publish: Vec<(String, ValueTemplate)>,
    /// Targets in order; a transition with no `do` has `[Command(Continue)]`.
    pub targets: Vec<Target>,
}

/// One edge of the transition graph: a transition towards one of its targets.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Where it leads.
    pub target: Target,
    /// Its number among the edges from this source to this target (definition order).
    pub key: u32,
    /// The transition it belongs to (index into [`Task::transitions`]).
    pub transition: usize,
    /// `<target>__t<key>`: how the source's record names this edge. Shared, because every
    /// execution's record refers to its edges by this name.
    pub id: Arc<str>,
    /// `<source>__t<key>`: how the target's record names where it came from.
    pub back: Arc<str>,
    /// Its transition's condition (shared with [`Transition::when`]), and whether the
    /// transition publishes anything: a completion reads them with the edge itself, not
    /// from the task's transitions, which for a wide workflow are one more cold read each.
    pub when: Option<Arc<Template>>,
    /// Whether [`Transition::publish`] of its transition has entries.
    pub publishes: bool,
}

/// Where a transition leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A task.
    Task(TaskId),
    /// An engine command.
    Command(EngineCommand),
}

/// The engine commands usable as `do` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum EngineCommand {
    /// Do nothing more on this path; not a remediation of a failure.
    Continue,
    /// Fail the workflow.
    Fail,
    /// Do nothing more on this path; remediates a failure.
    Noop,
    /// Run the task again (up to three times).
    Retry,
}

/// `with` items.
#[derive(Debug)]
pub struct Items {
    /// Names bound per item (`x, y in ...`); empty for the plain form.
    pub names: Vec<String>,
    /// The items expression.
    pub items: Template,
    /// Most items running at once.
    pub concurrency: Option<Count>,
}

/// A retry policy.
#[derive(Debug)]
pub struct Retry {
    /// Condition; `None` means "the task failed".
    pub when: Option<Template>,
    /// Most retries.
    pub count: Count,
    /// Seconds between retries.
    pub delay: Option<Count>,
}

/// A whole number written literally or as an expression.
#[derive(Debug, Clone)]
pub enum Count {
    /// A literal.
    Literal(u64),
    /// An expression evaluated at run time.
    Expr(Template),
}

impl EngineCommand {
    /// The command's name as written in `do`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EngineCommand::Continue => "continue",
            EngineCommand::Fail => "fail",
            EngineCommand::Noop => "noop",
            EngineCommand::Retry => "retry",
        }
    }
}

impl Workflow {
    /// The name of a transition target.
    #[must_use]
    pub fn target_name(&self, target: Target) -> &str {
        match target {
            Target::Task(id) => self.task(id).map_or("", |t| t.name.as_str()),
            Target::Command(c) => c.name(),
        }
    }

    /// The graph.
    #[must_use]
    pub fn graph(&self) -> &Graph {
        &self.inner
    }

    /// A task by id.
    #[must_use]
    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.inner.tasks.get(id.index())
    }

    /// The task's name, shared ("" for an unknown id).
    pub(crate) fn shared_name(&self, id: TaskId) -> crate::Name {
        self.inner.offers.get(id.index()).map_or_else(|| crate::Name::from(""), |o| o.name.clone())
    }

    /// The task's action reference when it is a plain string, shared.
    pub(crate) fn literal_action(&self, id: TaskId) -> Option<crate::Name> {
        self.inner.offers.get(id.index()).and_then(|o| o.action.clone())
    }

    /// The task's own iteration limit (Ostinato extension), read from the small per-task
    /// record every dispatch reads anyway.
    pub(crate) fn max_iterations(&self, id: TaskId) -> Option<u64> {
        self.inner.offers.get(id.index()).and_then(|o| o.max_iterations)
    }

    /// Whether starting the task evaluates nothing: no items, delay or input, and its action
    /// written out (or none). Such a task is offered from [`OfferInfo`] alone.
    pub(crate) fn offers_plainly(&self, id: TaskId) -> bool {
        self.inner.offers.get(id.index()).is_some_and(|o| o.plain)
    }

    /// How the task is reached (`None` for an unknown id).
    pub(crate) fn shape(&self, id: TaskId) -> Option<Shape> {
        self.inner.shapes.get(id.index()).copied()
    }

    /// The distinct tasks `id` has an edge into, in edge order.
    pub(crate) fn targets(&self, id: TaskId) -> &[TaskId] {
        span(&self.inner.targets, &self.inner.target_start, id)
    }

    /// The task's edges (its [`Task::edges`], read from the one array of every task's).
    pub(crate) fn edges(&self, id: TaskId) -> &[Edge] {
        span(&self.inner.edges, &self.inner.edge_start, id)
    }

    /// Where task `id`'s edges' names are in [`Workflow::edge_names`], edge by edge.
    pub(crate) fn edge_places(&self, id: TaskId) -> &[EdgePlaces] {
        span(&self.inner.edge_places, &self.inner.edge_start, id)
    }

    /// The table of every edge name, in the order a wide edge map keeps them.
    pub(crate) fn edge_names(&self) -> &Arc<crate::engine::EdgeNames> {
        &self.inner.edge_names
    }

    /// Whether the task is a join.
    pub(crate) fn is_join(&self, id: TaskId) -> bool {
        self.shape(id).is_some_and(|s| s.join)
    }

    /// The task's place among all tasks in name order (0 for an unknown id).
    pub(crate) fn name_rank(&self, id: TaskId) -> u32 {
        self.inner.offers.get(id.index()).map_or(0, |o| o.rank)
    }

    /// A task's id by name.
    #[must_use]
    pub fn task_id(&self, name: &str) -> Option<TaskId> {
        // `task_status(name)` asks this on every evaluation: a scan of every task made it
        // linear in the workflow's size.
        let name_of = |id: &TaskId| self.task(*id).map_or("", |t| t.name.as_str());
        let at = self.inner.by_name.binary_search_by(|id| name_of(id).cmp(name)).ok()?;
        self.inner.by_name.get(at).copied()
    }
}

#[cfg(test)]
mod tests;
