//! The functions Orquesta adds to both languages: `ctx`, `result`, `item`, `succeeded`,
//! `failed`, `completed`, `task_status`, `json` and `zip`. The value-level functions here
//! serve YAQL and Jinja alike.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::value::{py_str, type_name};
use super::yaql::{Arg, Yaql};
use super::yaql_eval::{Val, YaqlEval, err};
use super::{CurrentTask, ExprError, ExprErrorKind, Pos, Scope};

/// Statuses `completed()` accepts.
const COMPLETED: [&str; 7] =
    ["succeeded", "failed", "expired", "timeout", "abandoned", "canceled", "timed_out"];

/// `ctx()` (every variable) or `ctx(name)`.
pub(crate) fn ctx_value<'a>(
    scope: &'a dyn Scope,
    name: Option<&str>,
    pos: Pos,
) -> Result<Val<'a>, ExprError> {
    if !scope.context_set() {
        return Err(err(ExprErrorKind::NoContext, pos, "The context is not set."));
    }
    match name {
        None => Ok(Cow::Owned(Value::Object(scope.vars()))),
        Some(n) => scope
            .var(n)
            .map(Cow::Borrowed)
            .ok_or_else(|| err(ExprErrorKind::Undefined, pos, format!("variable \"{n}\" is not defined"))),
    }
}

/// `item()` or `item(key)`.
pub(crate) fn item_value<'a>(
    scope: &'a dyn Scope,
    key: Option<&str>,
    pos: Pos,
) -> Result<Val<'a>, ExprError> {
    let item = scope
        .item()
        .ok_or_else(|| err(ExprErrorKind::NoContext, pos, "item() is only available in a with-items task"))?;
    match key {
        None => Ok(Cow::Borrowed(item)),
        Some(k) => match item {
            Value::Object(m) => m.get(k).map(Cow::Borrowed).ok_or_else(|| {
                err(ExprErrorKind::Undefined, pos, format!("Item does not have key \"{k}\"."))
            }),
            _ => Err(err(ExprErrorKind::WrongType, pos, "Item is not type of collections.Mapping.")),
        },
    }
}

/// `result()`, `succeeded()`, `failed()`, `completed()`, `timed_out()`: the functions about
/// the current task, known by name once so that a lowered expression need not compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskFn {
    Result,
    Succeeded,
    Failed,
    Completed,
    TimedOut,
}

impl TaskFn {
    /// The function called `name`, if it is one of these.
    pub(crate) fn of(name: &str) -> Option<TaskFn> {
        Some(match name {
            "result" => TaskFn::Result,
            "succeeded" => TaskFn::Succeeded,
            "failed" => TaskFn::Failed,
            "completed" => TaskFn::Completed,
            "timed_out" => TaskFn::TimedOut,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            TaskFn::Result => "result",
            TaskFn::Succeeded => "succeeded",
            TaskFn::Failed => "failed",
            TaskFn::Completed => "completed",
            TaskFn::TimedOut => "timed_out",
        }
    }

    /// Its value for the scope's current task; an error where there is none.
    pub(crate) fn call<'a>(self, scope: &'a dyn Scope, pos: Pos) -> Result<Val<'a>, ExprError> {
        let task = scope.current_task().ok_or_else(|| {
            let name = self.name();
            err(
                ExprErrorKind::NoContext,
                pos,
                format!("{name}() needs a current task: use it in a transition"),
            )
        })?;
        Ok(match self.truth(task) {
            Some(b) => Cow::Owned(Value::Bool(b)),
            None => Cow::Borrowed(task.result),
        })
    }

    /// Its value for `task` when it is a boolean (every one but `result()`, which is `None`).
    pub(crate) fn truth(self, task: CurrentTask<'_>) -> Option<bool> {
        Some(match self {
            TaskFn::Result => return None,
            TaskFn::Succeeded => task.status == "succeeded",
            TaskFn::Failed => task.status == "failed",
            TaskFn::TimedOut => task.status == "timed_out",
            TaskFn::Completed => COMPLETED.contains(&task.status),
        })
    }
}

/// A call of `name` with no arguments: its value when it is one of the task functions.
pub(crate) fn task_fn<'a>(scope: &'a dyn Scope, name: &str, pos: Pos) -> Result<Option<Val<'a>>, ExprError> {
    TaskFn::of(name).map(|f| f.call(scope, pos)).transpose()
}

/// `json(text)`: parse JSON; a mapping is returned as it is.
pub(crate) fn json(v: &Value, pos: Pos) -> Result<Value, ExprError> {
    match v {
        Value::Object(_) => Ok(v.clone()),
        Value::String(s) => serde_json::from_str(s)
            .map_err(|e| err(ExprErrorKind::InvalidArgument, pos, format!("json(): {e}"))),
        other => Err(err(
            ExprErrorKind::WrongType,
            pos,
            format!("json() takes a string, not {}", type_name(other)),
        )),
    }
}

/// `zip(a, b, ..., pad => x)`: Python's `zip_longest`; one list is returned as it is.
pub(crate) fn zip(lists: &[Val<'_>], pad: Option<&Value>, pos: Pos) -> Result<Value, ExprError> {
    let mut columns = Vec::with_capacity(lists.len());
    for l in lists {
        match l.as_ref() {
            Value::Null => columns.push(Vec::new()),
            Value::Array(items) => columns.push(items.clone()),
            other => {
                return Err(err(
                    ExprErrorKind::WrongType,
                    pos,
                    format!("zip() takes lists, not {}", type_name(other)),
                ));
            }
        }
    }
    if columns.len() == 1 {
        return Ok(Value::Array(columns.remove(0)));
    }
    let longest = columns.iter().map(Vec::len).max().unwrap_or(0);
    let fill = pad.cloned().unwrap_or(Value::Null);
    Ok(Value::Array(
        (0..longest)
            .map(|i| {
                Value::Array(
                    columns.iter().map(|c| c.get(i).cloned().unwrap_or_else(|| fill.clone())).collect(),
                )
            })
            .collect(),
    ))
}

/// A name argument: a bare word is its text, anything else is evaluated.
fn name_arg<'a>(
    ev: &mut YaqlEval<'a>,
    args: &'a [Arg],
    what: &str,
    pos: Pos,
) -> Result<Option<Cow<'a, str>>, ExprError> {
    match args {
        [] => Ok(None),
        [Arg::Positional(Yaql::Word(w))] => Ok(Some(Cow::Borrowed(w.as_str()))),
        [Arg::Positional(Yaql::Const(Value::String(s)))] => Ok(Some(Cow::Borrowed(s.as_str()))),
        [Arg::Positional(v)] => Ok(Some(Cow::Owned(py_str(&*ev.eval(v)?)))),
        _ => Err(err(ExprErrorKind::InvalidArgument, pos, format!("{what}() takes at most one name"))),
    }
}

/// YAQL `ctx(...)`.
pub(crate) fn ctx<'a>(ev: &mut YaqlEval<'a>, args: &'a [Arg], pos: Pos) -> Result<Val<'a>, ExprError> {
    let name = name_arg(ev, args, "ctx", pos)?;
    ctx_value(ev.scope, name.as_deref(), pos)
}

/// YAQL `item(...)`.
pub(crate) fn item<'a>(ev: &mut YaqlEval<'a>, args: &'a [Arg], pos: Pos) -> Result<Val<'a>, ExprError> {
    let key = name_arg(ev, args, "item", pos)?;
    item_value(ev.scope, key.as_deref(), pos)
}

/// The Orquesta functions that take evaluated arguments.
pub(crate) fn eager<'a>(
    ev: &YaqlEval<'a>,
    name: &str,
    values: &[Val<'a>],
    named: &Map<String, Value>,
    pos: Pos,
) -> Result<Option<Val<'a>>, ExprError> {
    if values.is_empty() {
        if let Some(v) = task_fn(ev.scope, name, pos)? {
            return Ok(Some(v));
        }
    }
    Ok(match (name, values) {
        ("json", [v]) => Some(Cow::Owned(json(v, pos)?)),
        ("zip", lists) if !lists.is_empty() => Some(Cow::Owned(zip(lists, named.get("pad"), pos)?)),
        _ => None,
    })
}
