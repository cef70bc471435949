//! Ostinato core: a sans-IO engine for Orquesta-style workflows.
//!
//! The core reads a workflow definition (StackStorm Orquesta's native language,
//! `version: 1.0`), tells the author everything that is wrong with it, and compiles it into an
//! immutable graph the engine runs on. It does no IO, reads no clock and draws no randomness:
//! runtimes around it do those things.
//!
//! ```
//! let text = "
//! version: 1.0
//! input: [name]
//! tasks:
//!   greet:
//!     action: core.echo message=\"hello <% ctx(name) %>\"
//!     next:
//!       - when: <% failed() %>
//!         do: greet_again
//! ";
//! // `greet_again` is not defined: inspection says where and suggests a fix.
//! let problems = ostinato_core::inspect(text);
//! assert_eq!(problems.len(), 1);
//! let problem = &problems.0[0];
//! assert_eq!(problem.path.as_deref(), Some("tasks.greet.next[0].do"));
//! assert_eq!(problem.location.map(|at| at.line), Some(9));
//!
//! // Retrying `greet` through a transition back to itself makes a cycle with no entry:
//! // Orquesta refuses it, and so does `compile` ...
//! let looped = text.replace("do: greet_again", "do: greet");
//! assert!(ostinato_core::compile(&looped).is_err());
//! // ... unless the workflow is started at a named task (an Ostinato extension).
//! let options = ostinato_core::CompileOptions::start_at(["greet"]);
//! let workflow = ostinato_core::compile_with(&looped, &options).unwrap();
//! let greet = workflow.task_id("greet").unwrap();
//! assert_eq!(workflow.graph().entry, vec![greet]);
//! assert!(workflow.task(greet).unwrap().in_cycle);
//! ```
//!
//! Modules are private; everything public is re-exported here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diag;
mod engine;
mod expr;
mod graph;
mod inspect;
mod journal;
mod outcome;
mod session;
mod spec;
mod verify;
mod yaml;

// The guides' Rust blocks run as doc tests of this crate, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../docs/embedding.md")]
struct EmbeddingGuide;

#[cfg(doctest)]
#[doc = include_str!("../../docs/cookbook.md")]
struct Cookbook;

/// The largest workflow definition accepted, in bytes. Larger text is refused with a load
/// error before it is parsed, so a runaway file costs no parsing time or memory.
pub const MAX_DEFINITION_BYTES: usize = 8 * 1024 * 1024;

pub use diag::{Category, Diagnostic, Diagnostics, Location, Severity};
pub use engine::{
    ActionStatus, Command, ErrorEntry, Event, EventKind, Limits, Name, Node, Rejected, RunId, RunRequest,
    STATE_FORMAT, State, Status, Timestamp, step, step_into,
};
pub use expr::{
    Ast, CurrentTask, Expr, ExprError, ExprErrorKind, Functions, HostFn, Jinja, JinjaCall, JinjaNode,
    Language, MapScope, Piece, Pos, Scope, Template, TemplateError, ValueTemplate, Yaql, YaqlArg,
};
pub use graph::{
    Count, Edge, EngineCommand, Graph, Items, JoinArity, Retry, Target, Task, TaskId, Transition, Workflow,
    compile, compile_with,
};
pub use inspect::{CompileOptions, inspect};
pub use journal::{
    JOURNAL_VERSION, JournalEntry, JournalHeader, ReplayError, Started, journal_line, parse_journal, replay,
};
pub use outcome::{ActionOutcome, input_text};
pub use session::{Session, Todo};
pub use spec::{
    Binding, Count as CountSpec, ENGINE_COMMANDS, InputSpec, ItemsSpec, Join, LimitsSpec, Located, RetrySpec,
    TaskSpec, TransitionSpec, WorkflowSpec,
};
pub use verify::{
    ActionModel, CheckEnding, CheckOptions, CheckReport, Duration, Durations, Ending, Finding, FindingKind,
    Model, ModelError, Scripted, SimOptions, SimReport, SimRun, Spread, TraceStep, check, simulate,
    simulate_run, summarize,
};
