//! A workflow run as a runtime drives it: the engine plus the loop decisions every runtime
//! shares, still without IO. A runtime only starts what [`Session`] returns, waits, and feeds
//! back what happened; tokio, async-std or a test harness all drive the same code.
//!
//! Each accepted event is followed by a dispatch, so a runtime that handles one event at a
//! time never has to think about batching.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::engine::{
    ActionStatus, Command, Event, EventKind, Limits, Rejected, RunId, RunRequest, State, Status, Timestamp,
    step_into,
};
use crate::graph::Workflow;

/// One workflow run, driven by a runtime.
#[derive(Debug, Clone)]
pub struct Session {
    workflow: Workflow,
    state: State,
    finished: Option<(Status, Option<Map<String, Value>>)>,
    /// Runs offered and not finished, and whether each reported `running`.
    offered: BTreeMap<RunId, (RunRequest, bool)>,
    /// The latest `WakeAt` the engine asked for.
    wake: Option<Timestamp>,
    /// The engine's commands, one buffer for every step (see [`step_into`]); empty between
    /// calls.
    commands: Vec<Command>,
}

/// What the runtime must do after an event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Todo {
    /// Executions to start (each after its delay).
    pub start: Vec<RunRequest>,
    /// Executions to stop (a limit was broken); report each as canceled.
    pub cancel: Vec<RunId>,
}

impl Session {
    /// Start a run: render input and vars, and return the first executions.
    #[must_use]
    pub fn start(workflow: &Workflow, input: &Map<String, Value>, at: Timestamp) -> (Session, Todo) {
        Session::start_with(workflow, input, Limits::default(), at)
    }

    /// Start a run with the application's limits (the definition may override them).
    #[must_use]
    pub fn start_with(
        workflow: &Workflow,
        input: &Map<String, Value>,
        limits: Limits,
        at: Timestamp,
    ) -> (Session, Todo) {
        Session::begin(workflow, State::start_with(workflow, input, limits, at), at)
    }

    /// [`Session::start_with`], taking the input instead of copying it (see
    /// [`State::start_owned`]): a runtime that parsed the input for this run hands it over.
    #[must_use]
    pub fn start_owned(
        workflow: &Workflow,
        input: Map<String, Value>,
        limits: Limits,
        at: Timestamp,
    ) -> (Session, Todo) {
        Session::begin(workflow, State::start_owned(workflow, input, limits, at), at)
    }

    /// A session around a state just started: its first commands absorbed, then a dispatch.
    fn begin(
        workflow: &Workflow,
        (state, commands): (State, Vec<Command>),
        at: Timestamp,
    ) -> (Session, Todo) {
        let mut session = Session {
            workflow: workflow.clone(),
            state,
            finished: None,
            offered: BTreeMap::new(),
            wake: None,
            commands,
        };
        session.absorb();
        let todo = session.dispatch(at);
        (session, todo)
    }

    /// Turn the buffered commands into what the runtime must do, leaving the buffer empty
    /// and its memory kept.
    fn absorb(&mut self) -> Todo {
        let mut todo = Todo::default();
        let mut commands = std::mem::take(&mut self.commands);
        for c in commands.drain(..) {
            match c {
                Command::StartRun(r) => {
                    self.offered.insert(r.run, (r.clone(), false));
                    todo.start.push(r);
                }
                Command::CancelRuns { runs } => todo.cancel.extend(runs),
                Command::WakeAt { at } => self.wake = at,
                Command::Finished { status, output } => self.finished = Some((status, output)),
            }
        }
        self.commands = commands;
        todo
    }

    fn dispatch(&mut self, at: Timestamp) -> Todo {
        // A dispatch is never rejected; were it, nothing would be appended.
        let _ = step_into(
            &self.workflow,
            &mut self.state,
            &Event::new(at, EventKind::Dispatch),
            &mut self.commands,
        );
        self.absorb()
    }

    fn event(&mut self, at: Timestamp, kind: EventKind) -> Result<Todo, Rejected> {
        step_into(&self.workflow, &mut self.state, &Event::new(at, kind), &mut self.commands)?;
        let mut todo = self.absorb();
        let next = self.dispatch(at);
        todo.start.extend(next.start);
        todo.cancel.extend(next.cancel);
        Ok(todo)
    }

    /// An execution reported a status.
    ///
    /// # Errors
    /// [`Rejected`] for a run the engine does not expect a report for.
    pub fn report(
        &mut self,
        run: RunId,
        status: ActionStatus,
        result: Value,
        at: Timestamp,
    ) -> Result<Todo, Rejected> {
        let todo = self.event(at, EventKind::Run { run, status, result })?;
        match status {
            ActionStatus::Running => {
                if let Some(entry) = self.offered.get_mut(&run) {
                    entry.1 = true;
                }
            }
            ActionStatus::Pending | ActionStatus::Paused => {}
            _ => {
                self.offered.remove(&run);
            }
        }
        Ok(todo)
    }

    /// Runs offered and not finished, with whether each had started. After rebuilding a
    /// session from a journal, these are what was in flight when the journal stopped.
    pub fn in_flight(&self) -> impl Iterator<Item = (&RunRequest, bool)> {
        self.offered.values().map(|(r, started)| (r, *started))
    }

    /// Time passed with nothing else to report: lets the engine enforce its duration limit
    /// (see [`Session::deadline`]).
    pub fn tick(&mut self, at: Timestamp) -> Todo {
        self.dispatch(at)
    }

    /// When the runtime must call [`Session::tick`] at the latest, if ever: the engine's
    /// latest [`Command::WakeAt`].
    #[must_use]
    pub fn deadline(&self) -> Option<Timestamp> {
        self.wake
    }

    /// Pause, resume, cancel or rerun.
    ///
    /// # Errors
    /// [`Rejected`] when the workflow's status refuses the request.
    pub fn request(&mut self, kind: EventKind, at: Timestamp) -> Result<Todo, Rejected> {
        self.event(at, kind)
    }

    /// The engine state.
    #[must_use]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The workflow.
    #[must_use]
    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    /// Executions started and not finished.
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.state.running().count()
    }

    /// The final status and output, once the workflow has completed and nothing still runs.
    #[must_use]
    pub fn outcome(&self) -> Option<(Status, Option<&Map<String, Value>>)> {
        let done = self.finished.is_some() && self.outstanding() == 0;
        done.then(|| (self.state.status(), self.state.output()))
    }

    /// Paused: nothing can start until someone resumes (runs held as `pending` or `paused`
    /// stay outstanding meanwhile).
    #[must_use]
    pub fn paused(&self) -> bool {
        self.state.status() == Status::Paused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::compile;

    #[test]
    fn a_session_runs_a_workflow_to_its_outcome() {
        let wf = compile(
            "tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n",
        )
        .expect("valid");
        let (mut s, todo) = Session::start(&wf, &Map::new(), 0);
        assert_eq!(todo.start.len(), 1);
        let a = todo.start[0].run;
        s.report(a, ActionStatus::Running, Value::Null, 1).expect("accepted");
        let todo = s.report(a, ActionStatus::Succeeded, Value::Null, 2).expect("accepted");
        assert_eq!(todo.start[0].task, "b");
        assert!(s.outcome().is_none());
        let b = todo.start[0].run;
        s.report(b, ActionStatus::Running, Value::Null, 3).expect("accepted");
        s.report(b, ActionStatus::Succeeded, Value::Null, 4).expect("accepted");
        assert_eq!(s.outcome().map(|(st, _)| st), Some(Status::Succeeded));
    }

    #[test]
    fn the_outcome_waits_for_in_flight_runs_after_fail_fast() {
        let wf =
            compile("tasks:\n  a:\n    action: core.noop\n  b:\n    action: core.noop\n").expect("valid");
        let (mut s, todo) = Session::start(&wf, &Map::new(), 0);
        let (a, b) = (todo.start[0].run, todo.start[1].run);
        for r in [a, b] {
            s.report(r, ActionStatus::Running, Value::Null, 1).expect("accepted");
        }
        s.report(a, ActionStatus::Failed, Value::Null, 2).expect("accepted");
        assert_eq!(s.state().status(), Status::Failed);
        assert!(s.outcome().is_none(), "b is still running");
        s.report(b, ActionStatus::Succeeded, Value::Null, 3).expect("accepted");
        assert_eq!(s.outcome().map(|(st, _)| st), Some(Status::Failed));
    }

    #[test]
    fn a_session_started_with_its_input_handed_over_is_the_one_started_with_a_copy() {
        let wf =
            compile("input: [n]\ntasks:\n  a:\n    action: core.echo\n    input:\n      v: <% ctx(n) %>\n")
                .expect("valid");
        let input: Map<String, Value> = [("n".to_owned(), Value::from(7))].into_iter().collect();
        let (lent, lent_todo) = Session::start_with(&wf, &input, Limits::default(), 5);
        let (owned, owned_todo) = Session::start_owned(&wf, input, Limits::default(), 5);
        assert_eq!(owned_todo, lent_todo);
        assert_eq!(
            owned_todo.start[0].input.as_deref(),
            Some(&serde_json::json!({"v": 7})),
            "the input was rendered"
        );
        assert_eq!(owned.state(), lent.state());
    }
}
