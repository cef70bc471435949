//! What expressions see while the engine evaluates them: the layered context of a task
//! instance (borrowed, never merged unless `ctx()` asks for all of it), the current task and
//! item, and `task_status()` over the routes.

use serde_json::{Map, Value};

use super::layer::Layer;
use super::state::{Node, State};
use crate::expr::{CurrentTask, Scope};
use crate::graph::Workflow;

/// The evaluation scope of a task instance.
pub(crate) struct TaskScope<'a> {
    pub(crate) state: &'a State,
    pub(crate) workflow: &'a Workflow,
    pub(crate) layers: &'a [usize],
    /// Values published so far by the transition being evaluated (on top of the layers).
    pub(crate) extra: Option<&'a Layer>,
    pub(crate) task: Option<CurrentTask<'a>>,
    pub(crate) item: Option<&'a Value>,
    pub(crate) route: u32,
}

impl<'a> TaskScope<'a> {
    pub(crate) fn new(state: &'a State, workflow: &'a Workflow, layers: &'a [usize], route: u32) -> Self {
        TaskScope { state, workflow, layers, extra: None, task: None, item: None, route }
    }
}

impl Scope for TaskScope<'_> {
    fn var(&self, name: &str) -> Option<&Value> {
        if let Some(v) = self.extra.and_then(|e| e.get(name)) {
            return Some(v);
        }
        self.layers.iter().rev().find_map(|i| self.state.contexts.get(*i).and_then(|layer| layer.get(name)))
    }

    fn vars(&self) -> Map<String, Value> {
        let mut all = self.state.merged(self.layers);
        if let Some(extra) = self.extra {
            for (k, v) in extra.iter() {
                all.insert(k.clone(), v.clone());
            }
        }
        all
    }

    fn current_task(&self) -> Option<CurrentTask<'_>> {
        self.task
    }

    fn item(&self) -> Option<&Value> {
        self.item
    }

    fn task_status(&self, name: &str) -> Option<String> {
        let id = self.workflow.task_id(name)?;
        task_status_on(self.state, Node::Task(id), self.route)
    }
}

/// The status of a task's latest record on `route`, or on the nearest earlier route whose
/// path is a prefix-set of this one (the branch it split from).
fn task_status_on(state: &State, node: Node, route: u32) -> Option<String> {
    if let Some(r) = state.record(node, route) {
        return Some(r.status.as_str().to_owned());
    }
    if route == 0 {
        return None;
    }
    let current = state.routes.get(route as usize)?;
    let earlier = (0..route).rev().find(|prev| {
        state.routes.get(*prev as usize).is_some_and(|path| path.iter().all(|t| current.contains(t)))
    })?;
    task_status_on(state, node, earlier)
}
