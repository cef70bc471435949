//! Ostinato under async-std, and so under smol: runs compiled workflows with real
//! concurrency, delays and cancellation.
//!
//! Every decision is the core's: this crate starts the executions a
//! [`Session`](ostinato_core::Session) asks for, waits, and reports back. The loop needs no
//! runtime-specific select; it runs on async-std's executor and can be awaited from
//! `smol::block_on` as well.
//!
//! ```
//! use ostinato_async_std::{Actions, Run};
//! use serde_json::Map;
//!
//! let workflow = ostinato_core::compile("tasks:\n  hello:\n    action: core.echo message=\"hi\"\n").unwrap();
//! let (run, _handle) = Run::new();
//! let report = async_std::task::block_on(run.run(&workflow, &Map::new(), &Actions::builtin(), |_| {}));
//! assert_eq!(report.status, ostinato_core::Status::Succeeded);
//! ```

mod actions;
mod journal;
mod run;

pub use actions::{ActionFn, ActionFuture, ActionOutcome, Actions};
pub use journal::Journal;
pub use run::{Control, Handle, Report, Run};
