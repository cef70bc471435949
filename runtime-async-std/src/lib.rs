//! Ostinato under async-std and smol.
//!
//! This crate will turn the core's commands into real action executions and timers under
//! async-std, sharing its driver loop with the tokio runtime (issue 5). It holds no engine
//! logic and, until then, no code.
