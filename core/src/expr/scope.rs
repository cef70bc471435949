//! What an expression can see, and the functions it can call beyond the built-in ones.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

/// The task an expression is evaluated for (in `when`, `publish`, retry conditions): what
/// `result()`, `succeeded()`, `failed()` and `completed()` read.
#[derive(Debug, Clone, Copy)]
pub struct CurrentTask<'a> {
    /// The task's status: `succeeded`, `failed`, `timeout`, ...
    pub status: &'a str,
    /// Its result (for with-items, the list of item results).
    pub result: &'a Value,
}

/// Everything an expression reads from the workflow. The engine implements it over its
/// layered contexts, so evaluation borrows values instead of copying the context.
pub trait Scope {
    /// The variable `name` (`ctx(name)`), or `None` when it is not defined.
    fn var(&self, name: &str) -> Option<&Value>;
    /// Every variable, merged, for `ctx()`.
    fn vars(&self) -> Map<String, Value>;
    /// False when there is no context at all, so that every `ctx` read fails. Orquesta renders
    /// the output of a workflow that ended before any task finished against no context.
    fn context_set(&self) -> bool {
        true
    }
    /// The current task, when there is one.
    fn current_task(&self) -> Option<CurrentTask<'_>> {
        None
    }
    /// The current with-items item, when there is one.
    fn item(&self) -> Option<&Value> {
        None
    }
    /// The last status of task `name` on the current route; `None` for a task that never ran.
    fn task_status(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
}

/// A scope over one mapping of variables, with an optional current task and item: what tests,
/// tools and simple embedders need.
#[derive(Debug, Clone, Copy)]
pub struct MapScope<'a> {
    /// The variables.
    pub vars: &'a Map<String, Value>,
    /// The current task.
    pub task: Option<CurrentTask<'a>>,
    /// The current item.
    pub item: Option<&'a Value>,
}

impl<'a> MapScope<'a> {
    /// A scope with variables only.
    #[must_use]
    pub fn new(vars: &'a Map<String, Value>) -> Self {
        MapScope { vars, task: None, item: None }
    }
}

impl Scope for MapScope<'_> {
    fn var(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
    fn vars(&self) -> Map<String, Value> {
        self.vars.clone()
    }
    fn current_task(&self) -> Option<CurrentTask<'_>> {
        self.task
    }
    fn item(&self) -> Option<&Value> {
        self.item
    }
}

/// A function supplied by the embedding application: called with evaluated arguments (for
/// a method call or a Jinja filter, the receiver comes first), it returns a value or says
/// why it cannot. It must be pure: same arguments, same answer.
pub type HostFn = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Functions added to both languages by the embedding application (a key-value lookup, a
/// secret reference). Built-in functions take precedence over a host function of the same
/// name, so a workflow means the same thing in every embedding.
#[derive(Clone, Default)]
pub struct Functions {
    map: BTreeMap<String, HostFn>,
}

/// The engine evaluates every condition, publish and input without host functions: one
/// shared empty set, rather than an empty map built and dropped per expression.
static NONE: Functions = Functions { map: BTreeMap::new() };

impl Functions {
    /// No host functions.
    #[must_use]
    pub fn new() -> Self {
        Functions::default()
    }

    /// The empty set, shared.
    pub(crate) fn none() -> &'static Functions {
        &NONE
    }

    /// Add (or replace) a host function.
    pub fn register(
        &mut self,
        name: impl Into<String>,
        f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) {
        self.map.insert(name.into(), Arc::new(f));
    }

    /// A host function by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&HostFn> {
        self.map.get(name)
    }
}

impl fmt::Debug for Functions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.map.keys()).finish()
    }
}
