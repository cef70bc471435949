//! The journal: a run written as JSON lines, from which the state is rebuilt by replay.
//!
//! The event log is the source of truth. Line 1 is a [`JournalHeader`] (format version, the
//! definition text, the input); every further line is a [`JournalEntry`]: an event the session
//! accepted, with its timestamp and the executions it started. Dispatches are not written: a
//! session dispatches after every event, so replaying the same events re-derives the same runs
//! with the same ids — and comparing them with the recorded starts detects a definition that
//! changed under a running workflow, as Temporal detects nondeterminism.
//!
//! The format is documented in `docs/journal.md`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diag::Diagnostics;
use crate::engine::{EventKind, Limits, Rejected, RunId, Timestamp};
use crate::graph::{compile, compile_with};
use crate::inspect::CompileOptions;
use crate::session::{Session, Todo};

/// The format version written in every header.
pub const JOURNAL_VERSION: u32 = 1;

/// The first line of a journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// Always [`JOURNAL_VERSION`] for journals this version writes.
    pub ostinato_journal: u32,
    /// The workflow definition, verbatim, so a journal is self-contained.
    pub workflow: String,
    /// The workflow input.
    pub input: Map<String, Value>,
    /// The application's limits for the run, so a resumed run keeps them (the definition's
    /// own `limits` still override them). Absent: [`Limits::default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// The tasks the run was started at, when the application named them
    /// ([`CompileOptions::start_at`](crate::CompileOptions::start_at)); absent: the
    /// workflow's own entry points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Vec<String>>,
}

impl JournalHeader {
    /// The journal's workflow, compiled as the run was: at its start tasks, if it named any.
    ///
    /// # Errors
    /// The diagnostics when the definition does not compile.
    pub fn compile(&self) -> Result<crate::graph::Workflow, Diagnostics> {
        match &self.start {
            Some(tasks) => compile_with(&self.workflow, &CompileOptions::start_at(tasks.iter().cloned())),
            None => compile(&self.workflow),
        }
    }
}

/// One accepted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Milliseconds since the run started.
    pub at: Timestamp,
    /// The event.
    pub event: EventKind,
    /// The executions the event started (with the dispatch after it). Absent in a journal
    /// written without them, which then replays without the nondeterminism check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Vec<Started>>,
}

impl JournalEntry {
    /// The entry for an accepted event and what the session answered.
    #[must_use]
    pub fn new(at: Timestamp, event: EventKind, todo: &Todo) -> JournalEntry {
        JournalEntry { at, event, started: Some(Started::from_todo(todo)) }
    }
}

/// An execution an event started, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    /// The execution id.
    pub run: RunId,
    /// The task.
    pub task: String,
    /// The rendered action reference, if the task has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl Started {
    fn from_todo(todo: &Todo) -> Vec<Started> {
        let start = |r: &crate::engine::RunRequest| Started {
            run: r.run,
            task: r.task.to_string(),
            action: r.action.as_deref().map(str::to_owned),
        };
        todo.start.iter().map(start).collect()
    }
}

/// Why a journal could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Line `line` is not JSON of the expected shape.
    #[error("journal line {line}: {message}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The journal was written by an unknown format version.
    #[error("journal format version {found} is not supported (expected {JOURNAL_VERSION})")]
    Version {
        /// The version found.
        found: u32,
    },
    /// The definition in the header does not compile.
    #[error("the journal's workflow is invalid:\n{0}")]
    Invalid(Diagnostics),
    /// An event the engine does not accept: the journal does not belong to this definition
    /// (or was edited). Replay stops at the first diverging event.
    #[error(
        "journal line {line}: the engine rejects the recorded event ({rejected}); the journal does not match the workflow"
    )]
    Diverged {
        /// 1-based line number.
        line: usize,
        /// The engine's answer.
        rejected: Rejected,
    },
    /// The engine accepted the recorded event but now starts other executions than the ones
    /// recorded: the definition changed under the run.
    #[error(
        "journal line {line}: the recorded run started {recorded:?} but the workflow now starts {derived:?}; the definition changed under this run"
    )]
    Nondeterministic {
        /// 1-based line number.
        line: usize,
        /// What the journal recorded.
        recorded: Vec<Started>,
        /// What the definition derives now.
        derived: Vec<Started>,
    },
}

/// One journal line (JSON and a newline) for a header or an entry.
#[must_use]
pub fn journal_line(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Parse a journal's text.
///
/// # Errors
/// [`ReplayError::Malformed`] or [`ReplayError::Version`].
pub fn parse_journal(text: &str) -> Result<(JournalHeader, Vec<JournalEntry>), ReplayError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(ReplayError::Malformed { line: 1, message: "the journal is empty".into() });
    };
    let header: JournalHeader = serde_json::from_str(first)
        .map_err(|e| ReplayError::Malformed { line: 1, message: e.to_string() })?;
    if header.ostinato_journal != JOURNAL_VERSION {
        return Err(ReplayError::Version { found: header.ostinato_journal });
    }
    let mut entries = Vec::new();
    for (i, line) in lines {
        // A crash can leave a last line half written: it never took effect, so it is dropped.
        match serde_json::from_str::<JournalEntry>(line) {
            Ok(e) => entries.push(e),
            Err(_) if !text.ends_with('\n') && text.trim_end().ends_with(line.trim_end()) => break,
            Err(e) => return Err(ReplayError::Malformed { line: i + 1, message: e.to_string() }),
        }
    }
    Ok((header, entries))
}

/// Rebuild a session by replaying a journal's events.
///
/// # Errors
/// [`ReplayError::Invalid`] if the definition does not compile, [`ReplayError::Diverged`] at
/// the first event the engine rejects, [`ReplayError::Nondeterministic`] at the first event
/// that starts other executions than the journal recorded.
pub fn replay(header: &JournalHeader, entries: &[JournalEntry]) -> Result<Session, ReplayError> {
    let workflow = header.compile().map_err(ReplayError::Invalid)?;
    let limits = header.limits.unwrap_or_default();
    let (mut session, _) = Session::start_with(&workflow, &header.input, limits, 0);
    for (i, entry) in entries.iter().enumerate() {
        let result = match &entry.event {
            EventKind::Run { run, status, result } => session.report(*run, *status, result.clone(), entry.at),
            other => session.request(other.clone(), entry.at),
        };
        let todo = result.map_err(|rejected| ReplayError::Diverged { line: i + 2, rejected })?;
        let derived = Started::from_todo(&todo);
        if let Some(recorded) = entry.started.as_ref().filter(|r| **r != derived) {
            return Err(ReplayError::Nondeterministic { line: i + 2, recorded: recorded.clone(), derived });
        }
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ActionStatus, Status};

    const FLOW: &str =
        "tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n";

    fn header(workflow: &str) -> JournalHeader {
        JournalHeader {
            ostinato_journal: JOURNAL_VERSION,
            workflow: workflow.into(),
            input: Map::new(),
            limits: None,
            start: None,
        }
    }

    fn entry(run: u64, status: ActionStatus) -> JournalEntry {
        JournalEntry { at: 0, event: EventKind::Run { run, status, result: Value::Null }, started: None }
    }

    #[test]
    fn replay_rebuilds_the_same_state() {
        let entries = vec![
            entry(0, ActionStatus::Running),
            entry(0, ActionStatus::Succeeded),
            entry(1, ActionStatus::Running),
        ];
        let session = replay(&header(FLOW), &entries).expect("replays");
        let in_flight: Vec<(String, bool)> =
            session.in_flight().map(|(r, s)| (r.task.to_string(), s)).collect();
        assert_eq!(in_flight, vec![("b".to_owned(), true)]);
        assert_eq!(session.state().status(), Status::Running);
    }

    #[test]
    fn a_changed_definition_is_reported_as_divergence() {
        let entries = vec![
            entry(0, ActionStatus::Running),
            entry(0, ActionStatus::Succeeded),
            entry(1, ActionStatus::Running),
        ];
        let changed = "tasks:\n  a:\n    action: core.noop\n";
        let err = replay(&header(changed), &entries).expect_err("diverges");
        assert!(matches!(err, ReplayError::Diverged { line: 4, .. }), "{err}");
    }

    /// Drive FLOW through a session and journal it the way a runtime does.
    fn recorded() -> Vec<JournalEntry> {
        let wf = compile(FLOW).expect("valid");
        let (mut session, _) = Session::start(&wf, &Map::new(), 0);
        let mut entries = Vec::new();
        for (at, run, status) in [(1, 0, ActionStatus::Running), (2, 0, ActionStatus::Succeeded)] {
            let todo = session.report(run, status, Value::Null, at).expect("accepted");
            entries.push(JournalEntry::new(at, EventKind::Run { run, status, result: Value::Null }, &todo));
        }
        entries
    }

    #[test]
    fn a_definition_that_now_starts_other_tasks_is_nondeterministic() {
        let entries = recorded();
        assert!(replay(&header(FLOW), &entries).is_ok(), "the unchanged definition replays");
        // Every recorded event is still accepted, but `a` now leads to `c`, not `b`.
        let changed = FLOW.replace("do: b", "do: c").replace("  b:\n", "  c:\n");
        let err = replay(&header(&changed), &entries).expect_err("diverges");
        let ReplayError::Nondeterministic { line, recorded, derived } = &err else { panic!("{err}") };
        assert_eq!(*line, 3, "the second entry, line 3 of the journal, is the first to diverge");
        assert_eq!((recorded[0].task.as_str(), derived[0].task.as_str()), ("b", "c"));
        assert!(err.to_string().contains("the definition changed under this run"), "{err}");
    }

    #[test]
    fn a_resumed_run_keeps_the_applications_limits() {
        let limits = Limits { max_task_iterations: 7, max_duration_ms: Some(60_000) };
        let h = JournalHeader { limits: Some(limits), ..header(FLOW) };
        let session = replay(&h, &recorded()).expect("replays");
        assert_eq!(session.state().deadline(), Some(60_000), "the duration limit survived the journal");
        let line = journal_line(&h);
        assert_eq!(serde_json::from_str::<JournalHeader>(&line).ok(), Some(h));
    }

    #[test]
    fn lines_round_trip_and_a_torn_last_line_is_dropped() {
        let mut text = serde_json::to_string(&header(FLOW)).expect("header") + "\n";
        text += &(serde_json::to_string(&entry(0, ActionStatus::Running)).expect("entry") + "\n");
        text += "{\"at\": 5, \"event\": {\"type\": \"ru";
        let (h, entries) = parse_journal(&text).expect("parses");
        assert_eq!(h.workflow, FLOW);
        assert_eq!(entries.len(), 1);
        let with_starts = recorded().pop().expect("an entry");
        let line = journal_line(&with_starts);
        assert!(line.contains(r#""started":[{"run":1,"task":"b","action":"core.noop"}]"#), "{line}");
        assert_eq!(serde_json::from_str::<JournalEntry>(&line).ok(), Some(with_starts));
        let bad = text.replace("\"ostinato_journal\":1", "\"ostinato_journal\":9");
        assert!(matches!(parse_journal(&bad), Err(ReplayError::Version { found: 9 })));
    }
}
