//! Ostinato core: sans-IO engine for Orquesta-style workflows.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diag;
mod expr;
mod graph;
mod inspect;
mod spec;
mod yaml;

pub use diag::{Category, Diagnostic, Diagnostics, Location};
pub use expr::{
    Expr, ExprError, ExprErrorKind, Jinja, JinjaCall, JinjaNode, Language, Piece, Template, TemplateError,
    ValueTemplate, Yaql, YaqlArg,
};
pub use graph::{
    Count, EngineCommand, Graph, Items, JoinArity, Retry, Target, Task, TaskId, Transition, Workflow,
    compile, compile_with,
};
pub use inspect::{CompileOptions, inspect};
pub use spec::{
    Binding, Count as CountSpec, ENGINE_COMMANDS, InputSpec, ItemsSpec, Join, Located, RetrySpec, TaskSpec,
    TransitionSpec, WorkflowSpec,
};
