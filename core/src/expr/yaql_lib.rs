//! YAQL functions: Orquesta's (`ctx`, `result`, `item`, `succeeded`, `task_status`, `zip`,
//! `json`, ...), YAQL's standard library as workflows use it, and host functions.
//!
//! A function called as a method (`xs.where($ > 1)`) receives its receiver as the first
//! argument, exactly as YAQL does, so `len(xs)` and `xs.len()` are the same call.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::orquesta_fns;
use super::std_fns;
use super::value::{py_cmp, truthy, type_name};
use super::yaql::{Arg, Yaql};
use super::yaql_eval::{Val, YaqlEval, err};
use super::{ExprError, ExprErrorKind, Pos};

/// Every built-in name, for "did you mean" hints.
pub(crate) const BUILTINS: &[&str] = &[
    "ctx",
    "result",
    "item",
    "succeeded",
    "failed",
    "completed",
    "task_status",
    "json",
    "zip",
    "where",
    "filter",
    "select",
    "orderBy",
    "orderByDescending",
    "any",
    "all",
    "switch",
    "dict",
    "list",
    "toList",
    "len",
    "count",
    "range",
    "int",
    "float",
    "str",
    "bool",
    "pow",
    "abs",
    "round",
    "min",
    "max",
    "sum",
    "keys",
    "values",
    "items",
    "first",
    "last",
    "distinct",
    "contains",
    "skip",
    "take",
    "join",
    "split",
    "replace",
    "toUpper",
    "toLower",
    "trim",
    "startsWith",
    "endsWith",
    "indexOf",
    "substring",
    "concat",
    "get",
    "flatten",
    "reverse",
    "format",
    "set",
    "isEmpty",
];

/// The elements of a sequence value, borrowed when the sequence is; a mapping yields its keys.
pub(crate) fn elements(v: Val<'_>, pos: Pos) -> Result<Vec<Val<'_>>, ExprError> {
    match v {
        Cow::Borrowed(Value::Array(items)) => Ok(items.iter().map(Cow::Borrowed).collect()),
        Cow::Owned(Value::Array(items)) => Ok(items.into_iter().map(Cow::Owned).collect()),
        Cow::Borrowed(Value::Object(m)) => {
            Ok(m.keys().map(|k| Cow::Owned(Value::String(k.clone()))).collect())
        }
        Cow::Owned(Value::Object(m)) => {
            Ok(m.into_iter().map(|(k, _)| Cow::Owned(Value::String(k))).collect())
        }
        other => {
            Err(err(ExprErrorKind::WrongType, pos, format!("'{}' object is not iterable", type_name(&other))))
        }
    }
}

fn list(items: Vec<Val<'_>>) -> Val<'static> {
    Cow::Owned(Value::Array(items.into_iter().map(Cow::into_owned).collect()))
}

/// The sequence a lambda function works on and the lambda: `xs.f(lambda)` or `f(xs, lambda)`.
fn seq_and_lambda<'a>(
    ev: &mut YaqlEval<'a>,
    recv: Option<Val<'a>>,
    args: &'a [Arg],
    pos: Pos,
) -> Result<(Vec<Val<'a>>, Option<&'a Yaql>), ExprError> {
    let mut rest = args.iter();
    let seq = match recv {
        Some(r) => r,
        None => match rest.next() {
            Some(Arg::Positional(v)) => ev.eval(v)?,
            _ => return Err(err(ExprErrorKind::InvalidArgument, pos, "expected a sequence")),
        },
    };
    let lambda = match rest.next() {
        Some(Arg::Positional(body)) => Some(body),
        None => None,
        Some(_) => return Err(err(ExprErrorKind::InvalidArgument, pos, "expected an expression")),
    };
    Ok((elements(seq, pos)?, lambda))
}

fn order<'a>(
    ev: &mut YaqlEval<'a>,
    items: Vec<Val<'a>>,
    key: Option<&'a Yaql>,
    descending: bool,
    pos: Pos,
) -> Result<Val<'a>, ExprError> {
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        let k = match key {
            Some(body) => ev.lambda(item.clone(), body)?.into_owned(),
            None => item.clone().into_owned(),
        };
        keyed.push((k, item));
    }
    let mut failure = None;
    keyed.sort_by(|(a, _), (b, _)| {
        let ord = py_cmp(a, b).unwrap_or_else(|| {
            failure.get_or_insert_with(|| format!("cannot order '{}' and '{}'", type_name(a), type_name(b)));
            std::cmp::Ordering::Equal
        });
        if descending { ord.reverse() } else { ord }
    });
    if let Some(message) = failure {
        return Err(err(ExprErrorKind::WrongType, pos, message));
    }
    Ok(list(keyed.into_iter().map(|(_, v)| v).collect()))
}

/// Functions whose arguments are not all evaluated up front (lambdas, `=>` pairs).
fn lazy<'a>(
    ev: &mut YaqlEval<'a>,
    name: &str,
    receiver: &mut Option<Val<'a>>,
    args: &'a [Arg],
    pos: Pos,
) -> Result<Option<Val<'a>>, ExprError> {
    // `ctx(name)` is most of the calls that get here: answered before the other names are
    // compared.
    if name == "ctx" && receiver.is_none() {
        return orquesta_fns::ctx(ev, args, pos).map(Some);
    }
    let has_receiver = receiver.is_some();
    let recv = receiver.take();
    Ok(Some(match name {
        "where" | "filter" => {
            let (items, body) = seq_and_lambda(ev, recv, args, pos)?;
            let body =
                body.ok_or_else(|| err(ExprErrorKind::InvalidArgument, pos, "where() needs a condition"))?;
            let mut kept = Vec::new();
            for item in items {
                if truthy(&*ev.lambda(item.clone(), body)?) {
                    kept.push(item);
                }
            }
            list(kept)
        }
        "select" => {
            let (items, body) = seq_and_lambda(ev, recv, args, pos)?;
            let body =
                body.ok_or_else(|| err(ExprErrorKind::InvalidArgument, pos, "select() needs an expression"))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(ev.lambda(item, body)?);
            }
            list(out)
        }
        "orderBy" | "orderByDescending" => {
            let (items, body) = seq_and_lambda(ev, recv, args, pos)?;
            order(ev, items, body, name == "orderByDescending", pos)?
        }
        "any" | "all" => {
            let (items, body) = seq_and_lambda(ev, recv, args, pos)?;
            let want_all = name == "all";
            for item in items {
                let hit = match body {
                    Some(b) => truthy(&*ev.lambda(item, b)?),
                    None => truthy(&item),
                };
                if hit != want_all {
                    return Ok(Some(Cow::Owned(Value::Bool(!want_all))));
                }
            }
            Cow::Owned(Value::Bool(want_all))
        }
        "switch" => {
            for a in args {
                let Arg::Named(cond, value) = a else {
                    return Err(err(
                        ExprErrorKind::InvalidArgument,
                        pos,
                        "switch() takes `condition => value` pairs",
                    ));
                };
                if truthy(&*ev.eval(cond)?) {
                    return ev.eval(value).map(Some);
                }
            }
            Cow::Owned(Value::Null)
        }
        "dict" if !has_receiver && args.iter().all(|a| matches!(a, Arg::Named(..))) => {
            Cow::Owned(Value::Object(ev.mapping(args)?))
        }
        "item" if !has_receiver => orquesta_fns::item(ev, args, pos)?,
        "task_status" if !has_receiver => {
            let name = match args {
                [Arg::Positional(Yaql::Word(w))] => w.clone(),
                [Arg::Positional(v)] => super::value::py_str(&*ev.eval(v)?),
                _ => return Err(err(ExprErrorKind::InvalidArgument, pos, "task_status() takes a task name")),
            };
            Cow::Owned(Value::String(ev.scope.task_status(&name).unwrap_or_else(|| "null".to_owned())))
        }
        _ => {
            *receiver = recv;
            return Ok(None);
        }
    }))
}

/// Call `name` (with `recv` when called as a method).
pub(crate) fn call<'a>(
    ev: &mut YaqlEval<'a>,
    name: &str,
    recv: Option<Val<'a>>,
    args: &'a [Arg],
    pos: Pos,
) -> Result<Val<'a>, ExprError> {
    // `succeeded()` and its kin are most of the calls a workflow makes (one per transition):
    // answered before the name is looked for among the others.
    if recv.is_none() && args.is_empty() {
        if let Some(v) = orquesta_fns::task_fn(ev.scope, name, pos)? {
            return Ok(v);
        }
    }
    let mut recv = recv;
    if let Some(v) = lazy(ev, name, &mut recv, args, pos)? {
        return Ok(v);
    }
    let mut values: Vec<Val<'a>> = recv.into_iter().collect();
    let mut named: Map<String, Value> = Map::new();
    for a in args {
        match a {
            Arg::Empty => values.push(Cow::Owned(Value::Null)),
            Arg::Positional(v) => values.push(ev.eval(v)?),
            Arg::Named(k, v) => {
                let key = match k {
                    Yaql::Word(w) => w.clone(),
                    other => super::value::py_str(&*ev.eval(other)?),
                };
                named.insert(key, ev.eval(v)?.into_owned());
            }
        }
    }
    if let Some(v) = orquesta_fns::eager(ev, name, &values, &named, pos)? {
        return Ok(v);
    }
    // Built-ins take precedence over host functions, so a workflow means the same thing in
    // every embedding.
    if !BUILTINS.contains(&name) {
        if let Some(host) = ev.functions.get(name) {
            let owned: Vec<Value> = values.into_iter().map(Cow::into_owned).collect();
            return host(&owned)
                .map(Cow::Owned)
                .map_err(|m| err(ExprErrorKind::Host, pos, format!("{name}(): {m}")));
        }
    }
    let given = values.len();
    if let Some(v) = std_fns::call(name, values, pos)? {
        return Ok(v);
    }
    if BUILTINS.contains(&name) {
        return Err(err(
            ExprErrorKind::InvalidArgument,
            pos,
            format!("{name}() does not take these arguments ({given} given)"),
        ));
    }
    let hint = crate::spec::keys_closest(name, BUILTINS.iter().copied())
        .map(|c| format!("; did you mean {c}()?"))
        .unwrap_or_default();
    Err(err(ExprErrorKind::UnknownFunction, pos, format!("unknown function \"{name}\"{hint}")))
}
