//! Verification built on the pure core: simulation in virtual time against an outcome
//! model, and exhaustive exploration of completion orders. Both only call [`crate::step`];
//! randomness comes from a caller's seed, so every result can be reproduced.

mod check;
mod model;
mod rng;
mod simulate;

pub use check::{CheckEnding, CheckOptions, CheckReport, Finding, FindingKind, TraceStep, check};
pub use model::{ActionModel, Duration, Model, ModelError, Scripted};
pub use simulate::{
    Durations, Ending, SimOptions, SimReport, SimRun, Spread, simulate, simulate_run, summarize,
};

#[cfg(test)]
mod tests;
