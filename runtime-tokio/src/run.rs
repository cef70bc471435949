//! The tokio driver loop: start what the session asks for, feed back what happened.
//!
//! Every decision is the core's ([`Session`]); this loop only spawns action executions (after
//! their delay), forwards their reports and operator requests, and aborts running executions
//! when the workflow is being canceled.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use ostinato_core::{
    ActionStatus, ErrorEntry, EventKind, JournalEntry, Limits, ReplayError, RunId, RunRequest, Session,
    Status, Todo, Workflow, parse_journal, replay,
};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::actions::{ActionOutcome, Actions};
use crate::journal::Journal;

/// Something worth showing while a workflow runs.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// An execution started (after its delay).
    Started {
        /// What was started.
        run: &'a RunRequest,
        /// Time since the workflow started.
        at: Duration,
    },
    /// An execution finished.
    Finished {
        /// What finished.
        run: &'a RunRequest,
        /// How.
        status: ActionStatus,
        /// Time since the workflow started.
        at: Duration,
    },
    /// The workflow's status changed.
    Workflow {
        /// The new status.
        status: Status,
        /// Time since the workflow started.
        at: Duration,
    },
}

/// An operator request sent through a [`Handle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Pause: no new executions; paused once running ones finish.
    Pause,
    /// Resume a paused workflow.
    Resume,
    /// Cancel: running executions are aborted.
    Cancel,
}

/// Sends operator requests to a running workflow.
#[derive(Debug, Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Control>,
}

impl Handle {
    /// A handle and the receiving end to pass to [`run`].
    #[must_use]
    pub fn new() -> (Handle, mpsc::UnboundedReceiver<Control>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Handle { tx }, rx)
    }

    /// Ask for a pause, resume or cancel; false when the workflow has already ended.
    pub fn send(&self, control: Control) -> bool {
        self.tx.send(control).is_ok()
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
    /// The run continued a journal after a crash.
    pub resumed: bool,
}

type Msg = (RunId, ActionStatus, Value);

struct Driver<'p> {
    session: Session,
    actions: Actions,
    tx: mpsc::UnboundedSender<Msg>,
    started: Instant,
    running: BTreeMap<RunId, (RunRequest, JoinHandle<()>)>,
    history: Vec<RunRequest>,
    progress: &'p mut dyn FnMut(Progress<'_>),
    last_status: Status,
    journal: Option<Journal>,
}

impl Driver<'_> {
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn launch(&mut self, todo: Todo) {
        for id in todo.cancel {
            if let Some((_, handle)) = self.running.remove(&id) {
                handle.abort();
                let _ = self.tx.send((id, ActionStatus::Canceled, Value::Null));
            }
        }
        for mut run in todo.start {
            let action = run.action.as_deref().and_then(|a| self.actions.get(a));
            let unknown = run.action.clone().filter(|_| action.is_none());
            let (tx, id, delay, input) =
                (self.tx.clone(), run.run, run.delay, run.input.take().map_or_else(|| json!({}), |i| *i));
            let span = tracing::info_span!("run", run = id, task = %run.task, iteration = run.iteration);
            let handle = tokio::spawn(tracing::Instrument::instrument(
                async move {
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_secs(delay)).await;
                    }
                    let _ = tx.send((id, ActionStatus::Running, Value::Null));
                    let outcome = match (action, unknown) {
                        (Some(f), _) => f(input).await,
                        (None, Some(name)) => {
                            ActionOutcome::failed(json!({"error": format!("unknown action \"{name}\"")}))
                        }
                        (None, None) => ActionOutcome::succeeded(Value::Null),
                    };
                    tracing::debug!(status = ?outcome.status, "action finished");
                    let _ = tx.send((id, outcome.status, outcome.result));
                },
                span,
            ));
            tracing::info!(run = id, task = %run.task, route = run.route, item = ?run.item, iteration = run.iteration, delay = run.delay, action = ?run.action, "start run");
            self.history.push(run.clone());
            self.running.insert(id, (run, handle));
        }
    }

    fn on_report(&mut self, (run, status, result): Msg) {
        tracing::debug!(run, ?status, "run reported");
        let at = self.started.elapsed();
        if let Some((request, _)) = self.running.get(&run) {
            let request = request.clone();
            match status {
                ActionStatus::Running => (self.progress)(Progress::Started { run: &request, at }),
                s => (self.progress)(Progress::Finished { run: &request, status: s, at }),
            }
        }
        if !matches!(status, ActionStatus::Running | ActionStatus::Pending | ActionStatus::Paused) {
            self.running.remove(&run);
        }
        let now = self.now();
        let event = EventKind::Run { run, status, result: result.clone() };
        if let Ok(todo) = self.session.report(run, status, result, now) {
            self.record(JournalEntry::new(now, event, &todo));
            self.launch(todo);
        }
        self.after_event();
    }

    /// Journal an accepted event. A journal that cannot be written is closed, with one line on
    /// stderr: the run goes on, but it can no longer be resumed.
    fn record(&mut self, entry: JournalEntry) {
        if let Some(j) = self.journal.as_mut() {
            if let Err(e) = j.append(&entry) {
                eprintln!("ostinato: the journal can no longer be written ({e}); this run cannot be resumed");
                self.journal = None;
            }
        }
    }

    fn on_control(&mut self, control: Control) {
        tracing::info!(?control, "operator request");
        let kind = match control {
            Control::Pause => EventKind::Pause,
            Control::Resume => EventKind::Resume,
            Control::Cancel => EventKind::Cancel,
        };
        let now = self.now();
        if let Ok(todo) = self.session.request(kind.clone(), now) {
            self.record(JournalEntry::new(now, kind, &todo));
            self.launch(todo);
        }
        self.after_event();
    }

    /// Report status changes; abort running executions once the workflow is being canceled.
    fn after_event(&mut self) {
        let status = self.session.state().status();
        if status != self.last_status {
            tracing::info!(from = %self.last_status, to = %status, "workflow status");
            self.last_status = status;
            (self.progress)(Progress::Workflow { status, at: self.started.elapsed() });
        }
        if status == Status::Canceling {
            let running = std::mem::take(&mut self.running);
            for (id, (_, handle)) in running {
                handle.abort();
                let _ = self.tx.send((id, ActionStatus::Canceled, Value::Null));
            }
        }
    }
}

/// Run a workflow to its end under tokio.
///
/// `control` receives operator requests (see [`Handle`]); `progress` is told what happens.
/// Returns when the workflow has completed and nothing runs any more, or when it can make no
/// further progress (paused with no way to be resumed).
pub async fn run(
    workflow: &Workflow,
    input: &Map<String, Value>,
    actions: &Actions,
    control: Option<mpsc::UnboundedReceiver<Control>>,
    progress: impl FnMut(Progress<'_>),
) -> Report {
    run_with(workflow, input, Limits::default(), actions, control, None, progress).await
}

/// Like [`run`], under the application's `limits` (the definition's own `limits` override
/// them) and, with a `journal`, appending every accepted event to it. A journal's header
/// should carry the same limits, so a resumed run keeps them.
pub async fn run_with(
    workflow: &Workflow,
    input: &Map<String, Value>,
    limits: Limits,
    actions: &Actions,
    control: Option<mpsc::UnboundedReceiver<Control>>,
    journal: Option<Journal>,
    progress: impl FnMut(Progress<'_>),
) -> Report {
    let (session, todo) = Session::start_with(workflow, input, limits, 0);
    drive(session, todo, Vec::new(), actions, control, journal, progress).await
}

/// Like [`run`], appending every accepted event to `journal` so the run can be resumed.
pub async fn run_journaled(
    workflow: &Workflow,
    input: &Map<String, Value>,
    actions: &Actions,
    control: Option<mpsc::UnboundedReceiver<Control>>,
    journal: Journal,
    progress: impl FnMut(Progress<'_>),
) -> Report {
    run_with(workflow, input, Limits::default(), actions, control, Some(journal), progress).await
}

/// Why a journal could not be resumed.
#[derive(Debug)]
pub enum ResumeError {
    /// The file could not be read or rewritten.
    Io(std::io::Error),
    /// The journal could not be replayed.
    Replay(ReplayError),
}

impl std::fmt::Display for ResumeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResumeError::Io(e) => write!(f, "cannot read or rewrite the journal: {e}"),
            ResumeError::Replay(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ResumeError {}

/// Resume a journaled run after a crash: rebuild the state by replaying the journal, then go
/// on, appending to the same journal.
///
/// In-flight policy: a run that had reported `running` when the journal stopped may or may not
/// have had its effect, so it is reported `abandoned` (its task fails, and retries or failure
/// transitions apply as usual) and never started twice. A run that was offered but had not
/// started (it was waiting out its delay) is started now.
///
/// # Errors
/// [`ResumeError`] when the journal cannot be read, replayed or rewritten.
pub async fn resume(
    path: &std::path::Path,
    actions: &Actions,
    control: Option<mpsc::UnboundedReceiver<Control>>,
    progress: impl FnMut(Progress<'_>),
) -> Result<Report, ResumeError> {
    let text = std::fs::read_to_string(path).map_err(ResumeError::Io)?;
    let (header, entries) = parse_journal(&text).map_err(ResumeError::Replay)?;
    let session = replay(&header, &entries).map_err(ResumeError::Replay)?;
    let journal = Journal::rewrite(path, &header, &entries).map_err(ResumeError::Io)?;
    let mut relaunch = Todo::default();
    let mut abandoned = Vec::new();
    for (request, started) in session.in_flight() {
        if started {
            abandoned.push(request.clone());
        } else {
            relaunch.start.push(request.clone());
        }
    }
    let offset = entries.last().map_or(0, |e| e.at);
    let mut report =
        drive_from(session, relaunch, abandoned, actions, control, Some(journal), offset, progress).await;
    report.resumed = true;
    Ok(report)
}

async fn drive(
    session: Session,
    todo: Todo,
    abandoned: Vec<RunRequest>,
    actions: &Actions,
    control: Option<mpsc::UnboundedReceiver<Control>>,
    journal: Option<Journal>,
    progress: impl FnMut(Progress<'_>),
) -> Report {
    drive_from(session, todo, abandoned, actions, control, journal, 0, progress).await
}

#[allow(clippy::too_many_arguments)]
async fn drive_from(
    session: Session,
    todo: Todo,
    abandoned: Vec<RunRequest>,
    actions: &Actions,
    mut control: Option<mpsc::UnboundedReceiver<Control>>,
    journal: Option<Journal>,
    offset: u64,
    mut progress: impl FnMut(Progress<'_>),
) -> Report {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let last_status = session.state().status();
    let mut d = Driver {
        session,
        actions: actions.clone(),
        tx,
        started: Instant::now().checked_sub(Duration::from_millis(offset)).unwrap_or_else(Instant::now),
        running: BTreeMap::new(),
        history: Vec::new(),
        progress: &mut progress,
        last_status,
        journal,
    };
    (d.progress)(Progress::Workflow { status: last_status, at: d.started.elapsed() });
    for request in abandoned {
        d.running.insert(request.run, (request.clone(), tokio::spawn(async {})));
        d.on_report((request.run, ActionStatus::Abandoned, Value::Null));
    }
    d.launch(todo);
    while d.session.outcome().is_none() {
        if d.running.is_empty() && d.session.outstanding() == 0 && control.is_none() {
            break;
        }
        let deadline = d.session.deadline().map(|at| d.started + Duration::from_millis(at));
        tokio::select! {
            () = sleep_until(deadline) => {
                let now = d.now();
                let todo = d.session.tick(now);
                d.record(JournalEntry::new(now, EventKind::Dispatch, &todo));
                d.launch(todo);
                d.after_event();
            }
            msg = rx.recv() => match msg {
                Some(m) => d.on_report(m),
                None => break,
            },
            c = recv(&mut control), if control.is_some() => match c {
                Some(c) => d.on_control(c),
                // Every handle is gone: no request can come any more.
                None => control = None,
            },
        }
    }
    let state = d.session.state();
    Report {
        status: state.status(),
        output: state.output().cloned(),
        errors: state.errors().to_vec(),
        task_statuses: state.task_statuses(d.session.workflow()),
        runs: d.history,
        resumed: false,
    }
}

async fn recv(control: &mut Option<mpsc::UnboundedReceiver<Control>>) -> Option<Control> {
    match control.as_mut() {
        Some(c) => c.recv().await,
        None => None,
    }
}

/// Sleep until `deadline`, or forever when there is none.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
