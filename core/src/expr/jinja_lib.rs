//! Jinja filters, tests and the Python string and dictionary methods templates call.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::jinja::{Call, Jinja};
use super::jinja_eval::{JinjaEval, Jv};
use super::ops;
use super::orquesta_fns::{json, zip};
use super::value::{Num, float, py_cmp, py_eq, py_str, truthy, type_name};
use super::yaql_eval::{Val, err};
use super::{ExprError, ExprErrorKind, Pos};

const P: Pos = Pos(0);

fn wrong(what: &str, v: &Value) -> ExprError {
    err(ExprErrorKind::WrongType, P, format!("{what}: unexpected {}", type_name(v)))
}

fn items(v: &Value) -> Result<Vec<Value>, ExprError> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(m) => Ok(m.keys().map(|k| Value::String(k.clone())).collect()),
        Value::String(s) => Ok(s.chars().map(|c| Value::String(c.to_string())).collect()),
        other => Err(wrong("expected a sequence", other)),
    }
}

fn arg<'v>(args: &'v [Val<'_>], kwargs: &'v Map<String, Value>, i: usize, name: &str) -> Option<&'v Value> {
    args.get(i).map(|a| a.as_ref()).or_else(|| kwargs.get(name))
}

fn attribute_of(v: &Value, path: &str) -> Value {
    path.split('.').fold(v.clone(), |cur, part| match cur {
        Value::Object(mut m) => m.remove(part).unwrap_or(Value::Null),
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i).cloned()).unwrap_or(Value::Null),
        _ => Value::Null,
    })
}

fn sorted(
    mut list: Vec<Value>,
    reverse: bool,
    case_sensitive: bool,
    attribute: Option<&str>,
) -> Result<Vec<Value>, ExprError> {
    let key = |v: &Value| {
        let k = attribute.map_or_else(|| v.clone(), |a| attribute_of(v, a));
        match k {
            Value::String(s) if !case_sensitive => Value::String(s.to_lowercase()),
            other => other,
        }
    };
    let mut failed = false;
    list.sort_by(|a, b| {
        let o = py_cmp(&key(a), &key(b)).unwrap_or_else(|| {
            failed = true;
            std::cmp::Ordering::Equal
        });
        if reverse { o.reverse() } else { o }
    });
    if failed { Err(err(ExprErrorKind::WrongType, P, "sort: values cannot be compared")) } else { Ok(list) }
}

/// Apply filter `name` to `value`.
pub(crate) fn filter<'a>(
    ev: &mut JinjaEval<'a>,
    value: &'a Jinja,
    name: &str,
    call: &'a Call,
) -> Result<Jv<'a>, ExprError> {
    if name == "default" || name == "d" {
        let v = ev.eval(value)?;
        let (args, kwargs) = ev.args(call)?;
        let fallback =
            arg(&args, &kwargs, 0, "default_value").cloned().unwrap_or(Value::String(String::new()));
        let boolean = arg(&args, &kwargs, 1, "boolean").is_some_and(truthy);
        return Ok(match v {
            Jv::Val(v) if !boolean || truthy(&v) => Jv::Val(v),
            _ => Jv::owned(fallback),
        });
    }
    let v = ev.value(value)?;
    let (args, kwargs) = ev.args(call)?;
    apply(ev, name, v, &args, &kwargs).map(Jv::Val)
}

fn apply<'a>(
    ev: &mut JinjaEval<'a>,
    name: &str,
    v: Val<'a>,
    args: &[Val<'a>],
    kwargs: &Map<String, Value>,
) -> Result<Val<'a>, ExprError> {
    let a = |i: usize, n: &str| arg(args, kwargs, i, n);
    let out = match name {
        "first" => items(&v)?.into_iter().next().unwrap_or(Value::Null),
        "last" => items(&v)?.pop().unwrap_or(Value::Null),
        "length" | "count" => Value::from(match v.as_ref() {
            Value::String(s) => s.chars().count(),
            other => items(other)?.len(),
        }),
        "list" => Value::Array(items(&v)?),
        "reverse" => match v.as_ref() {
            Value::String(s) => Value::String(s.chars().rev().collect()),
            other => Value::Array(items(other)?.into_iter().rev().collect()),
        },
        "sort" => Value::Array(sorted(
            items(&v)?,
            a(0, "reverse").is_some_and(truthy),
            a(1, "case_sensitive").is_some_and(truthy),
            a(2, "attribute").and_then(Value::as_str),
        )?),
        "unique" => Value::Array(items(&v)?.into_iter().fold(Vec::new(), |mut acc, x| {
            if !acc.iter().any(|y| py_eq(y, &x)) {
                acc.push(x);
            }
            acc
        })),
        "join" => {
            let sep = a(0, "d").map(py_str).unwrap_or_default();
            let attr = a(1, "attribute").and_then(Value::as_str);
            let parts: Vec<String> = items(&v)?
                .iter()
                .map(|x| py_str(&attr.map_or_else(|| x.clone(), |p| attribute_of(x, p))))
                .collect();
            Value::String(parts.join(&sep))
        }
        "map" => {
            let list = items(&v)?;
            match (kwargs.get("attribute").and_then(Value::as_str), args.first().and_then(|f| f.as_str())) {
                (Some(attr), _) => Value::Array(list.iter().map(|x| attribute_of(x, attr)).collect()),
                (None, Some(f)) => {
                    let mut out = Vec::with_capacity(list.len());
                    for x in list {
                        out.push(
                            apply(ev, f, Cow::Owned(x), args.get(1..).unwrap_or(&[]), &Map::new())?
                                .into_owned(),
                        );
                    }
                    Value::Array(out)
                }
                _ => {
                    return Err(err(
                        ExprErrorKind::InvalidArgument,
                        P,
                        "map needs a filter name or attribute=",
                    ));
                }
            }
        }
        "string" => Value::String(py_str(&v)),
        "upper" => Value::String(py_str(&v).to_uppercase()),
        "lower" => Value::String(py_str(&v).to_lowercase()),
        "title" | "capitalize" => Value::String(capitalize(&py_str(&v), name == "title")),
        "trim" => Value::String(py_str(&v).trim().to_owned()),
        "replace" => {
            let (old, new) =
                (a(0, "old").map(py_str).unwrap_or_default(), a(1, "new").map(py_str).unwrap_or_default());
            let s = py_str(&v);
            Value::String(match a(2, "count").and_then(Value::as_i64) {
                Some(n) => s.replacen(&old, &new, n.max(0) as usize),
                None => s.replace(&old, &new),
            })
        }
        "int" => convert_int(&v).unwrap_or_else(|| a(0, "default").cloned().unwrap_or(Value::from(0))),
        "float" => convert_float(&v).unwrap_or_else(|| a(0, "default").cloned().unwrap_or(float(0.0))),
        "abs" => match Num::of(&v) {
            Some(Num::Int(i)) => Value::from(i.saturating_abs()),
            Some(Num::Float(f)) => float(f.abs()),
            None => return Err(wrong("abs", &v)),
        },
        "round" => match Num::of(&v) {
            Some(n) => {
                let digits = a(0, "precision").and_then(Value::as_i64).unwrap_or(0);
                let scale = 10f64.powi(i32::try_from(digits).unwrap_or(0));
                float((n.as_f64() * scale).round() / scale)
            }
            None => return Err(wrong("round", &v)),
        },
        "sum" => {
            let mut total = a(1, "start").cloned().unwrap_or(Value::from(0));
            let attr = a(0, "attribute").and_then(Value::as_str);
            for x in items(&v)? {
                total = ops::add(&total, &attr.map_or(x.clone(), |p| attribute_of(&x, p)), P)?;
            }
            total
        }
        "min" | "max" => {
            let list = sorted(
                items(&v)?,
                false,
                a(0, "case_sensitive").is_some_and(truthy),
                a(1, "attribute").and_then(Value::as_str),
            )?;
            (if name == "min" { list.first() } else { list.last() }).cloned().unwrap_or(Value::Null)
        }
        "items" => match v.as_ref() {
            Value::Object(m) => Value::Array(
                m.iter().map(|(k, x)| Value::Array(vec![Value::String(k.clone()), x.clone()])).collect(),
            ),
            other => return Err(wrong("items", other)),
        },
        "tojson" | "to_json_string" => Value::String(serde_json::to_string(v.as_ref()).unwrap_or_default()),
        "from_json_string" | "json" => json(&v, P)?,
        "safe" | "e" | "escape" => v.into_owned(),
        "zip" => zip(&[&[v][..], args].concat(), kwargs.get("pad"), P)?,
        other => match ev.functions.get(other) {
            Some(host) => {
                let mut all = vec![v.into_owned()];
                all.extend(args.iter().map(|x| x.clone().into_owned()));
                host(&all).map_err(|m| err(ExprErrorKind::Host, P, format!("{other}: {m}")))?
            }
            None => return Err(err(ExprErrorKind::UnknownFunction, P, format!("no filter named '{other}'"))),
        },
    };
    Ok(Cow::Owned(out))
}

fn capitalize(s: &str, every_word: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = every_word && !c.is_alphanumeric();
    }
    out
}

fn convert_int(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f as i64))
            .map(Value::from),
        other => match Num::of(other)? {
            Num::Int(i) => Some(Value::from(i)),
            Num::Float(f) => Some(Value::from(f.trunc() as i64)),
        },
    }
}

fn convert_float(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => s.trim().parse::<f64>().ok().map(float),
        other => Num::of(other).map(|n| float(n.as_f64())),
    }
}

/// Evaluate test `name` on `value`.
pub(crate) fn test<'a>(
    ev: &mut JinjaEval<'a>,
    value: &'a Jinja,
    name: &str,
    call: &'a Call,
) -> Result<bool, ExprError> {
    let v = ev.eval(value)?;
    match name {
        "defined" => return Ok(matches!(v, Jv::Val(_))),
        "undefined" => return Ok(matches!(v, Jv::Undefined(_))),
        _ => {}
    }
    let v = v.defined()?;
    let (args, _) = ev.args(call)?;
    let other = args.first().map(|a| a.as_ref());
    let number = Num::of(&v).filter(|_| !v.is_boolean());
    Ok(match name {
        "none" => v.is_null(),
        "even" | "odd" => match number {
            Some(Num::Int(i)) => (i % 2 == 0) == (name == "even"),
            _ => return Err(wrong(name, &v)),
        },
        "divisibleby" => match (number, other.and_then(Value::as_i64)) {
            (Some(Num::Int(i)), Some(d)) if d != 0 => i % d == 0,
            _ => return Err(err(ExprErrorKind::InvalidArgument, P, "divisibleby needs integers")),
        },
        "number" => number.is_some(),
        "integer" => matches!(number, Some(Num::Int(_))),
        "float" => matches!(number, Some(Num::Float(_))),
        "string" => v.is_string(),
        "mapping" => v.is_object(),
        "sequence" | "iterable" => v.is_array() || v.is_string() || v.is_object(),
        "boolean" => v.is_boolean(),
        "true" => v.as_bool() == Some(true),
        "false" => v.as_bool() == Some(false),
        "upper" => py_str(&v).chars().any(char::is_alphabetic) && py_str(&v) == py_str(&v).to_uppercase(),
        "lower" => py_str(&v).chars().any(char::is_alphabetic) && py_str(&v) == py_str(&v).to_lowercase(),
        "in" => ops::contains(other.unwrap_or(&Value::Null), &v, P)?,
        "eq" | "equalto" | "==" | "sameas" => py_eq(&v, other.unwrap_or(&Value::Null)),
        "ne" | "!=" => !py_eq(&v, other.unwrap_or(&Value::Null)),
        "lt" | "lessthan" | "<" => ops::compare("<", &v, other.unwrap_or(&Value::Null), P)?,
        "le" | "<=" => ops::compare("<=", &v, other.unwrap_or(&Value::Null), P)?,
        "gt" | "greaterthan" | ">" => ops::compare(">", &v, other.unwrap_or(&Value::Null), P)?,
        "ge" | ">=" => ops::compare(">=", &v, other.unwrap_or(&Value::Null), P)?,
        other => return Err(err(ExprErrorKind::UnknownFunction, P, format!("no test named '{other}'"))),
    })
}

/// Python methods on strings and dictionaries (`s.upper()`, `d.get(k)`, `', '.join(xs)`).
pub(crate) fn method(recv: Val<'_>, name: &str, args: &[Val<'_>]) -> Result<Value, ExprError> {
    let a = |i: usize| args.get(i).map(|x| x.as_ref());
    let text = |i: usize| a(i).map(py_str).unwrap_or_default();
    Ok(match (recv.as_ref(), name) {
        (Value::String(s), "upper") => Value::String(s.to_uppercase()),
        (Value::String(s), "lower") => Value::String(s.to_lowercase()),
        (Value::String(s), "strip") => Value::String(s.trim().to_owned()),
        (Value::String(s), "title") => Value::String(capitalize(s, true)),
        (Value::String(s), "capitalize") => Value::String(capitalize(s, false)),
        (Value::String(s), "startswith") => Value::Bool(s.starts_with(&text(0))),
        (Value::String(s), "endswith") => Value::Bool(s.ends_with(&text(0))),
        (Value::String(s), "replace") => Value::String(s.replace(&text(0), &text(1))),
        (Value::String(s), "split") => match a(0) {
            Some(sep) if !sep.is_null() => {
                Value::Array(s.split(py_str(sep).as_str()).map(|p| Value::String(p.into())).collect())
            }
            _ => Value::Array(s.split_whitespace().map(|p| Value::String(p.into())).collect()),
        },
        (Value::String(s), "join") => {
            Value::String(items(a(0).unwrap_or(&Value::Null))?.iter().map(py_str).collect::<Vec<_>>().join(s))
        }
        (Value::String(s), "count") => Value::from(s.matches(text(0).as_str()).count()),
        (Value::Object(m), "keys") => Value::Array(m.keys().map(|k| Value::String(k.clone())).collect()),
        (Value::Object(m), "values") => Value::Array(m.values().cloned().collect()),
        (Value::Object(m), "items") => Value::Array(
            m.iter().map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()])).collect(),
        ),
        (Value::Object(m), "get") => {
            m.get(&text(0)).cloned().unwrap_or_else(|| a(1).cloned().unwrap_or(Value::Null))
        }
        (other, _) => {
            return Err(err(
                ExprErrorKind::WrongType,
                P,
                format!("'{}' object has no method '{name}'", type_name(other)),
            ));
        }
    })
}
