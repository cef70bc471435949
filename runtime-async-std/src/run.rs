//! The async-std driver loop. Reports and operator requests arrive on one channel, so the
//! loop is a plain `recv` with no select; every decision is the core's [`Session`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_std::channel::{Receiver, Sender, unbounded};
use async_std::task::JoinHandle;
use std::path::Path;

use ostinato_core::{
    ActionStatus, ErrorEntry, EventKind, JournalEntry, Limits, RunId, RunRequest, Session, Status, Todo,
    Workflow, parse_journal, replay,
};
use serde_json::{Map, Value, json};

use crate::actions::{ActionOutcome, Actions};
use crate::journal::Journal;

/// An operator request sent through a [`Handle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Pause.
    Pause,
    /// Resume.
    Resume,
    /// Cancel: running executions are stopped.
    Cancel,
}

enum Msg {
    Report(RunId, ActionStatus, Value),
    Control(Control),
    /// The duration deadline passed.
    Tick,
}

/// Sends operator requests to a running workflow.
#[derive(Debug, Clone)]
pub struct Handle {
    tx: Sender<Msg>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Report(run, status, _) => write!(f, "Report({run}, {status:?})"),
            Msg::Control(c) => write!(f, "Control({c:?})"),
            Msg::Tick => write!(f, "Tick"),
        }
    }
}

impl Handle {
    /// Ask for a pause, resume or cancel; false when the workflow has already ended.
    pub fn send(&self, control: Control) -> bool {
        self.tx.try_send(Msg::Control(control)).is_ok()
    }
}

/// How a workflow run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The final status.
    pub status: Status,
    /// The rendered output.
    pub output: Option<Map<String, Value>>,
    /// The error log.
    pub errors: Vec<ErrorEntry>,
    /// The latest status of every task that ran.
    pub task_statuses: BTreeMap<String, Status>,
    /// Every execution that was started, in order.
    pub runs: Vec<RunRequest>,
}

/// A workflow ready to run, with its handle for operator requests.
#[derive(Debug)]
pub struct Run {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    limits: Limits,
}

impl Run {
    /// A new run and the handle that controls it.
    #[must_use]
    pub fn new() -> (Run, Handle) {
        let (tx, rx) = unbounded();
        (Run { tx: tx.clone(), rx, limits: Limits::default() }, Handle { tx })
    }

    /// Run under the application's `limits` (the definition's own `limits` override them).
    /// A journal's header should carry the same limits, so a resumed run keeps them.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Run {
        self.limits = limits;
        self
    }

    /// Run a workflow to its end. `on_start` is told each execution as it starts.
    pub async fn run(
        self,
        workflow: &Workflow,
        input: &Map<String, Value>,
        actions: &Actions,
        on_start: impl FnMut(&RunRequest),
    ) -> Report {
        let (session, todo) = Session::start_with(workflow, input, self.limits, 0);
        self.drive(session, todo, Vec::new(), actions, None, 0, on_start).await
    }

    /// Like [`Run::run`], appending every accepted event to `journal`.
    pub async fn run_journaled(
        self,
        workflow: &Workflow,
        input: &Map<String, Value>,
        actions: &Actions,
        journal: Journal,
        on_start: impl FnMut(&RunRequest),
    ) -> Report {
        let (session, todo) = Session::start_with(workflow, input, self.limits, 0);
        self.drive(session, todo, Vec::new(), actions, Some(journal), 0, on_start).await
    }

    /// Resume a journaled run after a crash, with the tokio runtime's in-flight policy: runs
    /// that had started are reported `abandoned`, runs still waiting out a delay start now.
    ///
    /// # Errors
    /// A message when the journal cannot be read, replayed or rewritten.
    pub async fn resume(
        self,
        path: &Path,
        actions: &Actions,
        on_start: impl FnMut(&RunRequest),
    ) -> Result<Report, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the journal: {e}"))?;
        let (header, entries) = parse_journal(&text).map_err(|e| e.to_string())?;
        let session = replay(&header, &entries).map_err(|e| e.to_string())?;
        let journal = Journal::rewrite(path, &header, &entries)
            .map_err(|e| format!("cannot rewrite the journal: {e}"))?;
        let mut todo = Todo::default();
        let mut abandoned = Vec::new();
        for (request, started) in session.in_flight() {
            if started {
                abandoned.push(request.run);
            } else {
                todo.start.push(request.clone());
            }
        }
        let offset = entries.last().map_or(0, |e| e.at);
        Ok(self.drive(session, todo, abandoned, actions, Some(journal), offset, on_start).await)
    }

    #[allow(clippy::too_many_arguments)]
    async fn drive(
        self,
        mut session: Session,
        todo: Todo,
        abandoned: Vec<RunId>,
        actions: &Actions,
        mut journal: Option<Journal>,
        offset: u64,
        mut on_start: impl FnMut(&RunRequest),
    ) -> Report {
        let started = Instant::now().checked_sub(Duration::from_millis(offset)).unwrap_or_else(Instant::now);
        let now = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut running: BTreeMap<RunId, JoinHandle<()>> = BTreeMap::new();
        let mut history = Vec::new();
        let mut requests: BTreeMap<RunId, RunRequest> = BTreeMap::new();
        for run in abandoned {
            let _ = self.tx.try_send(Msg::Report(run, ActionStatus::Abandoned, Value::Null));
        }
        // Wake the engine at its next deadline; a new (earlier or later) deadline gets its own
        // timer, and a tick that finds nothing due changes nothing.
        let mut scheduled = None;
        let schedule = |deadline: Option<u64>, scheduled: &mut Option<u64>, now: u64| {
            if deadline.is_some() && deadline != *scheduled {
                *scheduled = deadline;
                let (tx, wait) =
                    (self.tx.clone(), Duration::from_millis(deadline.unwrap_or(0).saturating_sub(now)));
                async_std::task::spawn(async move {
                    async_std::task::sleep(wait).await;
                    let _ = tx.send(Msg::Tick).await;
                });
            }
        };
        schedule(session.deadline(), &mut scheduled, now());
        launch(todo, actions, &self.tx, &mut running, &mut history, &mut requests);
        while session.outcome().is_none() {
            let Ok(msg) = self.rx.recv().await else { break };
            tracing::debug!(?msg, "event");
            // One timestamp per event: the engine and the journal must see the same time.
            let at = now();
            let (todo, event) = match msg {
                Msg::Report(run, status, result) => {
                    if status == ActionStatus::Running {
                        if let Some(r) = requests.get(&run) {
                            on_start(r);
                        }
                    } else if !matches!(status, ActionStatus::Pending | ActionStatus::Paused) {
                        running.remove(&run);
                    }
                    let event = EventKind::Run { run, status, result: result.clone() };
                    (session.report(run, status, result, at), event)
                }
                Msg::Control(c) => {
                    let kind = match c {
                        Control::Pause => EventKind::Pause,
                        Control::Resume => EventKind::Resume,
                        Control::Cancel => EventKind::Cancel,
                    };
                    (session.request(kind.clone(), at), kind)
                }
                Msg::Tick => (Ok(session.tick(at)), EventKind::Dispatch),
            };
            if let Ok(todo) = todo {
                for id in &todo.cancel {
                    if let Some(handle) = running.remove(id) {
                        handle.cancel().await;
                        let _ = self.tx.try_send(Msg::Report(*id, ActionStatus::Canceled, Value::Null));
                    }
                }
                if let Some(j) = journal.as_mut() {
                    if let Err(e) = j.append(&JournalEntry::new(at, event, &todo)) {
                        eprintln!(
                            "ostinato: the journal can no longer be written ({e}); this run cannot be resumed"
                        );
                        journal = None;
                    }
                }
                launch(todo, actions, &self.tx, &mut running, &mut history, &mut requests);
            }
            schedule(session.deadline(), &mut scheduled, now());
            if session.state().status() == Status::Canceling {
                for (id, handle) in std::mem::take(&mut running) {
                    handle.cancel().await;
                    let _ = self.tx.try_send(Msg::Report(id, ActionStatus::Canceled, Value::Null));
                }
            }
        }
        let state = session.state();
        Report {
            status: state.status(),
            output: state.output().cloned(),
            errors: state.errors().to_vec(),
            task_statuses: state.task_statuses(session.workflow()),
            runs: history,
        }
    }
}

fn launch(
    todo: Todo,
    actions: &Actions,
    tx: &Sender<Msg>,
    running: &mut BTreeMap<RunId, JoinHandle<()>>,
    history: &mut Vec<RunRequest>,
    requests: &mut BTreeMap<RunId, RunRequest>,
) {
    for run in todo.start {
        let action = run.action.as_deref().and_then(|a| actions.get(a));
        let unknown = run.action.clone().filter(|_| action.is_none());
        let (tx, id, delay, input) =
            (tx.clone(), run.run, run.delay, run.input.as_deref().cloned().unwrap_or_else(|| json!({})));
        let span = tracing::info_span!("run", run = id, task = %run.task, iteration = run.iteration);
        let handle = async_std::task::spawn(tracing::Instrument::instrument(
            async move {
                if delay > 0 {
                    async_std::task::sleep(Duration::from_secs(delay)).await;
                }
                let _ = tx.send(Msg::Report(id, ActionStatus::Running, Value::Null)).await;
                let outcome = match (action, unknown) {
                    (Some(f), _) => f(input).await,
                    (None, Some(name)) => {
                        ActionOutcome::failed(json!({"error": format!("unknown action \"{name}\"")}))
                    }
                    (None, None) => ActionOutcome::succeeded(Value::Null),
                };
                tracing::debug!(status = ?outcome.status, "action finished");
                let _ = tx.send(Msg::Report(id, outcome.status, outcome.result)).await;
            },
            span,
        ));
        tracing::info!(run = id, task = %run.task, route = run.route, item = ?run.item, iteration = run.iteration, delay = run.delay, action = ?run.action, "start run");
        history.push(run.clone());
        requests.insert(id, run);
        running.insert(id, handle);
    }
}
