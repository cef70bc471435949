//! Ostinato under tokio.
//!
//! This crate will turn the core's commands into real action executions and timers under
//! tokio (issue 5). Today it carries the `ostinato` command-line tool, whose first
//! subcommand, `ostinato validate`, inspects workflow files.
