//! Ostinato under tokio: runs compiled workflows with real concurrency, real timers for
//! delays, and cancellation of running actions.
//!
//! Every decision is the core's: this crate starts the executions a
//! [`Session`](ostinato_core::Session) asks for, waits, and reports back.
//!
//! ```
//! use ostinato_tokio::{Actions, ActionOutcome, run};
//! use serde_json::{Map, json};
//!
//! let workflow = ostinato_core::compile("
//! version: 1.0
//! output: [{answer: <% ctx(answer) %>}]
//! tasks:
//!   ask:
//!     action: demo.answer
//!     next:
//!       - publish: [{answer: <% result() %>}]
//! ").unwrap();
//! let mut actions = Actions::builtin();
//! actions.register("demo.answer", |_input| async { ActionOutcome::succeeded(json!(42)) });
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let report = rt.block_on(run(&workflow, &Map::new(), &actions, None, |_| {}));
//! assert_eq!(report.status, ostinato_core::Status::Succeeded);
//! assert_eq!(report.output.unwrap()["answer"], json!(42));
//! ```

mod actions;
mod journal;
mod run;

pub use actions::{ActionFn, ActionFuture, ActionOutcome, Actions};
pub use journal::Journal;
pub use run::{Control, Handle, Progress, Report, ResumeError, resume, run, run_journaled, run_with};
