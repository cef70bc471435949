//! Dispatch: render every ready task instance into action executions (Orquesta's
//! `get_next_tasks`). If any task fails to render, the workflow fails and nothing is offered.

use super::flow::{name_of, request_status};
use super::render::render;
use super::state::{ErrorEntry, Node, Run, State};
use super::status::Status;
use super::{Command, RunId, RunRequest};
use crate::graph::{TaskId, Workflow};

/// Whether a failed workflow still has a task to start: one named beside a `fail` command.
pub(crate) fn remediation_pending(state: &State) -> bool {
    state.status() == Status::Failed && state.staged.iter().any(|s| s.runnable() && s.run_on_fail)
}

/// The executions that are ready now, as `StartRun` commands appended to `commands`.
pub(crate) fn dispatch(wf: &Workflow, state: &mut State, commands: &mut Vec<Command>) {
    let status = state.status();
    // A failed workflow still starts the tasks staged beside a `fail` command.
    let failed = status == Status::Failed;
    if !status.is_running() && !failed {
        return;
    }
    // One pass over the staged list gathers what the dispatch needs of each ready instance.
    let mut ready = ReadyList::One(None);
    let mut breach = None;
    let room = state.staged.len();
    for (staged, s) in state.staged.entries() {
        let Node::Task(task) = s.node else { continue };
        if !s.runnable() || (failed && !s.run_on_fail) {
            continue;
        }
        let route = s.route;
        match super::limits::next_pass(wf, state, task, route, staged) {
            Ok(Some(iteration)) => {
                ready.push(Ready { rank: wf.name_rank(task), route, staged, task, iteration }, room)
            }
            // An execution of the instance is still out: this arrival waits for it.
            Ok(None) => {}
            // The first instance in staging order to break its limit is the one reported.
            Err(over) => {
                breach = Some((staged, over));
                break;
            }
        }
    }
    if let Some((staged, over)) = breach {
        commands.extend(super::limits::iteration_breach(wf, state, staged, over));
        return;
    }
    let order = ready.as_mut_slice();
    // Orquesta offers by task name, then route, then staging order (ids grow in it); a
    // with-items task's items stay in item order. Rendering the instances in that order
    // makes the requests in it.
    order.sort_unstable_by_key(|r| (r.rank, r.route, r.staged));
    // Each instance starts a run now and makes a record when it reports.
    state.runs.reserve(order.len());
    state.sequence.reserve(order.len());
    let mut out = Offering::new(state, commands, order.len());
    let mut errors = Vec::new();
    for r in order.iter() {
        out.begin(r);
        if let Err(message) = render(wf, state, r.staged, &mut out) {
            errors.push((r.staged, message));
        }
    }
    if !errors.is_empty() {
        out.undo(state);
        log_render_errors(wf, state, errors);
        request_status(wf, state, Status::Failed);
    }
}

/// A ready instance as the dispatch reads it, once. A fan-out stages 100,000 instances, far
/// more than the cache holds, and each pass over them (finding the ready ones, checking
/// their iteration limit, the sort key, the set-up of each render) read them from memory
/// again.
#[derive(Debug, Clone, Copy)]
struct Ready {
    /// The task's place in name order: Orquesta offers by name.
    rank: u32,
    route: u32,
    /// The staged instance's id (staging order).
    staged: usize,
    task: TaskId,
    /// The pass its runs belong to.
    iteration: usize,
}

/// The ready instances of one dispatch: nearly always one (a chain's or a loop's next
/// task), held without allocating; a fan-out's go to the heap.
enum ReadyList {
    One(Option<Ready>),
    Many(Vec<Ready>),
}

impl ReadyList {
    /// Add a ready instance; `room` is how many there can be in all (the staged instances),
    /// so that a fan-out's list is allocated once instead of doubling from two.
    fn push(&mut self, r: Ready, room: usize) {
        match self {
            ReadyList::One(None) => *self = ReadyList::One(Some(r)),
            ReadyList::One(Some(first)) => {
                let mut many = Vec::with_capacity(room.max(2));
                many.extend([*first, r]);
                *self = ReadyList::Many(many);
            }
            ReadyList::Many(v) => v.push(r),
        }
    }

    fn as_mut_slice(&mut self) -> &mut [Ready] {
        match self {
            ReadyList::One(one) => one.as_mut_slice(),
            ReadyList::Many(v) => v,
        }
    }
}

/// Log each failure to render, in staging order (the order Orquesta renders in; ids grow in
/// staging order).
fn log_render_errors(wf: &Workflow, state: &mut State, mut errors: Vec<(usize, String)>) {
    errors.sort_by_key(|e| e.0);
    for (i, message) in errors {
        let (node, route) = state.staged.get(i).map_or((Node::Task(TaskId(0)), 0), |s| (s.node, s.route));
        state.log_error(ErrorEntry {
            message,
            task: Some(name_of(wf, node)),
            route: Some(route),
            transition: None,
            result: None,
        });
    }
}

/// The requests one dispatch makes. Each is committed as it is made (a run id, a run in the
/// table, the instance marked offered), and a with-items batch from its list of items once
/// it has rendered: the requests are never staged, sorted or read back (a batch of 100,000
/// was copied from a list of offers and read twice to commit it). A failure anywhere in the
/// dispatch offers nothing, and [`Offering::undo`] takes every commit back.
pub(super) struct Offering<'c> {
    /// The step's commands; this dispatch's requests are the ones from `first` on.
    commands: &'c mut Vec<Command>,
    first: usize,
    /// The run counter and the run table's next id before the dispatch.
    before: (RunId, RunId),
    /// The instance being rendered: its task and route, and the pass its runs belong to.
    task: TaskId,
    route: u32,
    iteration: usize,
}

impl<'c> Offering<'c> {
    fn new(state: &State, commands: &'c mut Vec<Command>, instances: usize) -> Self {
        commands.reserve(instances);
        Offering {
            first: commands.len(),
            commands,
            before: (state.next_run, state.runs.next_id()),
            task: TaskId(0),
            route: 0,
            iteration: 0,
        }
    }

    /// Set up for the ready instance `r`'s requests.
    fn begin(&mut self, r: &Ready) {
        (self.task, self.route, self.iteration) = (r.task, r.route, r.iteration);
    }

    /// Room for a with-items batch of `n` requests; returns the run id its first one takes.
    pub(super) fn reserve(&mut self, state: &mut State, n: usize) -> RunId {
        self.commands.reserve(n);
        state.runs.reserve(n);
        next_run_id(state)
    }

    /// Add the `k`th request of a batch whose first run id is `first`, leaving its run to
    /// [`Offering::commit_items`]: the batch renders with the items list borrowed from the
    /// state, which the run table is part of.
    pub(super) fn pending(&mut self, mut r: RunRequest, first: RunId, k: usize) {
        r.run = first.saturating_add(k as RunId);
        r.iteration = self.iteration;
        self.commands.push(Command::StartRun(r));
    }

    /// Add the runs of the batch `pending` made, item `items[k]` as run `first + k` (the ids
    /// one `offer` after another would have given), and mark the items offered.
    pub(super) fn commit_items(&self, state: &mut State, first: RunId, items: &[usize]) {
        for (k, &item) in items.iter().enumerate() {
            let run = self.add_run(state, Some(item));
            debug_assert_eq!(run, first.saturating_add(k as RunId), "a batch's ids run on from `first`");
        }
        if let Some(s) = state.staged_mut(Node::Task(self.task), self.route) {
            for &item in items {
                s.set_offered(Some(item), true);
            }
        }
    }

    /// Offer one rendered request of the current instance.
    pub(super) fn offer(&mut self, state: &mut State, mut r: RunRequest) {
        let item = r.item;
        let run = self.add_run(state, item);
        // The instance found by (task, route): with two staged on one route, the first is
        // the one an offer marks.
        if let Some(s) = state.staged_mut(Node::Task(self.task), self.route) {
            s.set_offered(item, true);
        }
        (r.run, r.iteration) = (run, self.iteration);
        self.commands.push(Command::StartRun(r));
    }

    /// Start a run of the current instance under the next run id, and return the id.
    fn add_run(&self, state: &mut State, item: Option<usize>) -> RunId {
        let run = next_run_id(state);
        state.next_run = run.saturating_add(1);
        let (task, route) = (self.task, self.route);
        state.runs.insert(run, Run::new(task, route, item));
        run
    }

    /// Take back every request offered so far: the runs leave the table and their instances
    /// are no longer marked offered (render skips an instance or item already offered, so
    /// none was marked before).
    fn undo(self, state: &mut State) {
        for c in self.commands.drain(self.first..) {
            let Command::StartRun(r) = c else { continue };
            let Some(run) = state.runs.get(r.run).cloned() else { continue };
            if let Some(s) = state.staged_mut(Node::Task(run.task), run.route) {
                s.set_offered(run.item(), false);
            }
        }
        let (next_run, next_id) = self.before;
        state.runs.truncate(next_id.max(next_run), next_id);
        state.next_run = next_run;
    }
}

/// The id the next run takes: the counter is ahead of every id in flight (a hand-edited
/// state may say otherwise, and the run table's next id wins).
fn next_run_id(state: &State) -> RunId {
    state.next_run.max(state.runs.next_id())
}
