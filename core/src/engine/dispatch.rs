//! Dispatch: render every ready task instance into action executions (Orquesta's
//! `get_next_tasks`). If any task fails to render, the workflow fails and nothing is offered.

use super::flow::{name_of, request_status};
use super::inline_ids::InlineIds;
use super::render::{Offer, Offers, render};
use super::state::{ErrorEntry, Node, Run, State};
use super::status::Status;
use super::{Command, RunRequest};
use crate::graph::{TaskId, Workflow};

/// Whether a failed workflow still has a task to start: one named beside a `fail` command.
pub(crate) fn remediation_pending(state: &State) -> bool {
    state.status() == Status::Failed && state.staged.iter().any(|s| s.runnable() && s.run_on_fail)
}

/// The executions that are ready now, as `StartRun` commands.
pub(crate) fn dispatch(wf: &Workflow, state: &mut State) -> Vec<Command> {
    let status = state.status();
    let mut ready = InlineIds::default();
    ready.extend(
        state.staged.ids().filter(|i| state.staged.get(*i).is_some_and(super::staged::Staged::runnable)),
    );
    let mut remediation = InlineIds::default();
    if status == Status::Failed {
        remediation
            .extend(ready.iter().copied().filter(|i| state.staged.get(*i).is_some_and(|s| s.run_on_fail)));
    }
    if !status.is_running() && remediation.is_empty() {
        return Vec::new();
    }
    let candidates = if remediation.is_empty() { ready } else { remediation };
    for &i in candidates.iter() {
        if let Some(commands) = super::limits::check_iterations(wf, state, i) {
            return commands;
        }
    }
    let mut offers = Offers::default();
    let mut failed = false;
    for &i in candidates.iter() {
        match render(wf, state, i, &mut offers) {
            Ok(()) => {}
            Err(message) => {
                failed = true;
                let (node, route) =
                    state.staged.get(i).map_or((Node::Task(TaskId(0)), 0), |s| (s.node, s.route));
                state.log_error(ErrorEntry {
                    message,
                    task: Some(name_of(wf, node)),
                    route: Some(route),
                    transition: None,
                    result: None,
                });
            }
        }
    }
    if failed {
        request_status(wf, state, Status::Failed);
        return Vec::new();
    }
    // Orquesta offers by task name, then route (a with-items task's items stay in item
    // order: the sort is stable).
    offers.sort_by_key(|o| (wf.name_rank(o.task), o.route));
    let mut commands = Vec::with_capacity(offers.len());
    for o in offers.into_iter() {
        commands.push(offer(wf, state, o));
    }
    commands
}

fn offer(wf: &Workflow, state: &mut State, o: Offer) -> Command {
    // The counter is ahead of every id in flight (a hand-edited state may say otherwise).
    let run = state.next_run.max(state.runs.next_id());
    state.next_run = run.saturating_add(1);
    state
        .runs
        .insert(run, Run { task: o.task, route: o.route, item: o.item, started: false, deadline: None });
    if let Some(s) = state.staged_mut(Node::Task(o.task), o.route) {
        match o.item {
            Some(item) => {
                s.offered_items.insert(item);
            }
            None => s.offered = true,
        }
    }
    let node = Node::Task(o.task);
    let passes = state.passes.get(node, o.route).copied().unwrap_or(0);
    let current = state.record(node, o.route).is_some_and(|r| !r.status.is_completed());
    Command::StartRun(RunRequest {
        run,
        task: wf.shared_name(o.task),
        route: o.route,
        item: o.item,
        iteration: if current { passes } else { passes + 1 },
        action: o.action,
        input: o.input,
        delay: o.delay,
        empty_items: o.empty_items,
    })
}
