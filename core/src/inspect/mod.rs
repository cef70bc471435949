//! Inspection: every problem in a definition, in one pass.
//!
//! The passes run in Orquesta's order — syntax (the schema), semantics, expressions, context —
//! and each runs on whatever the earlier ones could read, so an author sees everything at once.
//! Only a definition that does not load at all (not YAML, not a mapping) stops after the first
//! problem, because nothing after it has anything to look at.

mod context;
mod cycles;
mod expressions;
mod semantics;
pub(crate) mod topology;

use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::{self, WorkflowSpec};
use crate::yaml::{self, Limits};
use topology::Topology;

/// How a workflow is to be started, which decides where the graph walks begin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Start at these tasks instead of the tasks with no inbound transition. This is how a
    /// workflow made only of a cycle is started; it is an Ostinato extension.
    pub start_tasks: Option<Vec<String>>,
    /// Accept definitions up to this many bytes instead of [`MAX_DEFINITION_BYTES`]
    /// (and proportionally many YAML nodes). The default guards a service against hostile
    /// input; a trusted, generated definition may need more.
    ///
    /// [`MAX_DEFINITION_BYTES`]: crate::MAX_DEFINITION_BYTES
    pub max_definition_bytes: Option<usize>,
}

impl CompileOptions {
    /// Options that start the workflow at the named tasks.
    #[must_use]
    pub fn start_at<I, S>(tasks: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CompileOptions {
            start_tasks: Some(tasks.into_iter().map(Into::into).collect()),
            ..Default::default()
        }
    }

    /// These options, accepting definitions up to `bytes` long (for trusted input).
    #[must_use]
    pub fn max_definition_bytes(mut self, bytes: usize) -> Self {
        self.max_definition_bytes = Some(bytes);
        self
    }

    /// The loader's bounds under these options: a larger size allows proportionally more
    /// nodes, so a long generated definition is not refused on its node count instead.
    fn limits(&self) -> Limits {
        let default = Limits::default();
        match self.max_definition_bytes {
            Some(bytes) if bytes > default.max_bytes => {
                let scale = bytes.div_ceil(default.max_bytes);
                Limits { max_bytes: bytes, max_nodes: default.max_nodes.saturating_mul(scale), ..default }
            }
            Some(bytes) => Limits { max_bytes: bytes, ..default },
            None => default,
        }
    }
}

/// Inspect a definition: every problem found, in a stable order. Empty means valid.
#[must_use]
pub fn inspect(text: &str) -> Diagnostics {
    inspect_with(text, &CompileOptions::default()).1
}

/// Inspect with options; also returns the spec when the definition loaded at all.
pub(crate) fn inspect_with(text: &str, options: &CompileOptions) -> (Option<WorkflowSpec>, Diagnostics) {
    let root = match yaml::load(text, options.limits()) {
        Ok(root) => root,
        Err(d) => return (None, Diagnostics(vec![d])),
    };
    let (spec, mut all) = spec::build(&root);
    all.extend(passes(&spec, options));
    let mut diagnostics = Diagnostics(all);
    diagnostics.sort();
    (Some(spec), diagnostics)
}

fn passes(spec: &WorkflowSpec, options: &CompileOptions) -> Vec<Diagnostic> {
    let topo = Topology::new(spec);
    let (starts, explicit) = match &options.start_tasks {
        Some(named) => (named.clone(), true),
        None => (topo.start_tasks().into_iter().map(str::to_owned).collect(), false),
    };
    let mut out = semantics::check(spec, &topo, &starts, explicit);
    out.extend(expressions::check(spec, &topo));
    out.extend(context::check(spec, &topo, &starts));
    out.extend(cycles::check(&topo));
    out
}

#[cfg(test)]
mod tests;
