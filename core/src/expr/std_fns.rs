//! YAQL's standard functions on evaluated values: collections, strings, numbers, conversions.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ops;
use super::value::{Num, float, py_cmp, py_eq, py_str, truthy, type_name};
use super::yaql_eval::{Val, err};
use super::yaql_lib::elements;
use super::{ExprError, ExprErrorKind, Pos};

type R<'a> = Result<Option<Val<'a>>, ExprError>;

fn own<'a>(v: Value) -> R<'a> {
    Ok(Some(Cow::Owned(v)))
}

fn text<'v>(v: &'v Value, what: &str, pos: Pos) -> Result<&'v str, ExprError> {
    v.as_str().ok_or_else(|| {
        err(ExprErrorKind::WrongType, pos, format!("{what}() takes a string, not {}", type_name(v)))
    })
}

fn int_arg(v: &Value, what: &str, pos: Pos) -> Result<i64, ExprError> {
    match Num::of(v) {
        Some(Num::Int(i)) => Ok(i),
        _ => Err(err(
            ExprErrorKind::WrongType,
            pos,
            format!("{what}() takes an integer, not {}", type_name(v)),
        )),
    }
}

fn values(items: Vec<Val<'_>>) -> Vec<Value> {
    items.into_iter().map(Cow::into_owned).collect()
}

fn extreme<'a>(items: Vec<Val<'a>>, want: std::cmp::Ordering, what: &str, pos: Pos) -> R<'a> {
    let mut best: Option<Val<'a>> = None;
    for item in items {
        best = Some(match best {
            None => item,
            Some(b) => match py_cmp(&item, &b) {
                Some(o) if o == want => item,
                Some(_) => b,
                None => {
                    return Err(err(
                        ExprErrorKind::WrongType,
                        pos,
                        format!("{what}(): values cannot be compared"),
                    ));
                }
            },
        });
    }
    best.map(Some)
        .ok_or_else(|| err(ExprErrorKind::InvalidArgument, pos, format!("{what}() of an empty sequence")))
}

fn to_int(v: &Value, pos: Pos) -> Result<Value, ExprError> {
    match v {
        Value::String(s) => s.trim().replace('_', "").parse::<i64>().map(Value::from).map_err(|_| {
            err(ExprErrorKind::InvalidArgument, pos, format!("invalid literal for int() with base 10: '{s}'"))
        }),
        other => match Num::of(other) {
            Some(Num::Int(i)) => Ok(Value::from(i)),
            Some(Num::Float(f)) if f.is_finite() => Ok(Value::from(f.trunc() as i64)),
            _ => {
                Err(err(ExprErrorKind::WrongType, pos, format!("int() cannot convert {}", type_name(other))))
            }
        },
    }
}

fn to_float(v: &Value, pos: Pos) -> Result<Value, ExprError> {
    match v {
        Value::String(s) => s.trim().parse::<f64>().map(float).map_err(|_| {
            err(ExprErrorKind::InvalidArgument, pos, format!("could not convert string to float: '{s}'"))
        }),
        other => Num::of(other).map(|n| float(n.as_f64())).ok_or_else(|| {
            err(ExprErrorKind::WrongType, pos, format!("float() cannot convert {}", type_name(other)))
        }),
    }
}

fn round(x: &Value, digits: i64, pos: Pos) -> Result<Value, ExprError> {
    match Num::of(x) {
        Some(Num::Int(i)) => Ok(Value::from(i)),
        Some(Num::Float(f)) => {
            let scale = 10f64.powi(i32::try_from(digits).unwrap_or(0));
            let r = (f * scale).round_ties_even() / scale;
            Ok(if digits == 0 { Value::from(r as i64) } else { float(r) })
        }
        None => {
            Err(err(ExprErrorKind::WrongType, pos, format!("round() takes a number, not {}", type_name(x))))
        }
    }
}

fn flatten(items: Vec<Value>, out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) => flatten(inner, out),
            other => out.push(other),
        }
    }
}

fn split(s: &str, sep: Option<&str>, max: Option<i64>) -> Value {
    let limit = max.filter(|m| *m >= 0).map(|m| m as usize + 1);
    let parts: Vec<Value> = match (sep, limit) {
        (Some(sep), Some(n)) => s.splitn(n, sep).map(|p| Value::String(p.into())).collect(),
        (Some(sep), None) => s.split(sep).map(|p| Value::String(p.into())).collect(),
        (None, _) => s.split_whitespace().map(|p| Value::String(p.into())).collect(),
    };
    Value::Array(parts)
}

/// Python `str.format` with `{}` and `{N}` placeholders.
fn format(template: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            out.push('{');
            rest = stripped;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let field = &after[..close];
        let index = if field.is_empty() {
            next += 1;
            next - 1
        } else {
            field.parse().unwrap_or(usize::MAX)
        };
        out.push_str(&args.get(index).map(py_str).unwrap_or_default());
        rest = &after[close + 1..];
    }
    out.push_str(&rest.replace("}}", "}"));
    out
}

/// A standard function, or `None` when `name` is not one (with this many arguments).
pub(crate) fn call<'a>(name: &str, mut args: Vec<Val<'a>>, pos: Pos) -> R<'a> {
    let argc = args.len();
    match (name, argc) {
        ("len" | "count", 1) => {
            let n = match args[0].as_ref() {
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.chars().count(),
                other => {
                    return Err(err(
                        ExprErrorKind::WrongType,
                        pos,
                        format!("object of type '{}' has no len()", type_name(other)),
                    ));
                }
            };
            own(Value::from(n))
        }
        ("list", _) => own(Value::Array(values(args))),
        ("set", n) if n != 1 => own(Value::Array(values(args).into_iter().fold(Vec::new(), |mut acc, x| {
            if !acc.iter().any(|y| py_eq(y, &x)) {
                acc.push(x);
            }
            acc
        }))),
        ("toList" | "set" | "reverse" | "distinct" | "flatten", 1) => {
            let items = values(elements(args.remove(0), pos)?);
            own(Value::Array(match name {
                "reverse" => items.into_iter().rev().collect(),
                "distinct" | "set" => items.into_iter().fold(Vec::new(), |mut acc, x| {
                    if !acc.iter().any(|y| py_eq(y, &x)) {
                        acc.push(x);
                    }
                    acc
                }),
                "flatten" => {
                    let mut out = Vec::new();
                    flatten(items, &mut out);
                    out
                }
                _ => items,
            }))
        }
        ("dict", 1) => {
            let mut map = Map::new();
            for pair in values(elements(args.remove(0), pos)?) {
                match pair {
                    Value::Array(kv) if kv.len() == 2 => {
                        map.insert(py_str(&kv[0]), kv[1].clone());
                    }
                    _ => {
                        return Err(err(
                            ExprErrorKind::InvalidArgument,
                            pos,
                            "dict() takes [key, value] pairs",
                        ));
                    }
                }
            }
            own(Value::Object(map))
        }
        ("range", 1..=3) => {
            let n: Vec<i64> = args.iter().map(|a| int_arg(a, "range", pos)).collect::<Result<_, _>>()?;
            let (start, stop, step) = match n.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => (0, 0, 1),
            };
            if step == 0 {
                return Err(err(ExprErrorKind::InvalidArgument, pos, "range() step must not be zero"));
            }
            let len = ((stop - start) / step).max(0)
                + i64::from((stop - start) % step != 0 && (stop - start).signum() == step.signum());
            if len > 10_000_000 {
                return Err(err(ExprErrorKind::InvalidArgument, pos, "range() is too long"));
            }
            own(Value::Array((0..len).map(|i| Value::from(start + i * step)).collect()))
        }
        ("int", 1) => own(to_int(&args[0], pos)?),
        ("float", 1) => own(to_float(&args[0], pos)?),
        ("str", 1) => own(Value::String(py_str(&args[0]))),
        ("bool", 1) => own(Value::Bool(truthy(&args[0]))),
        ("pow", 2) => own(ops::power(&args[0], &args[1], pos)?),
        ("abs", 1) => match Num::of(&args[0]) {
            Some(Num::Int(i)) => own(Value::from(i.checked_abs().unwrap_or(i64::MAX))),
            Some(Num::Float(f)) => own(float(f.abs())),
            None => Err(err(ExprErrorKind::WrongType, pos, "abs() takes a number")),
        },
        ("round", 1 | 2) => {
            let digits = if argc == 2 { int_arg(&args[1], "round", pos)? } else { 0 };
            own(round(&args[0], digits, pos)?)
        }
        ("max" | "min", 2) if !args[0].is_array() => extreme(
            args,
            if name == "max" { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less },
            name,
            pos,
        ),
        ("max" | "min", 1) => {
            let items = elements(args.remove(0), pos)?;
            extreme(
                items,
                if name == "max" { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less },
                name,
                pos,
            )
        }
        ("sum", 1) => {
            let mut total = Value::from(0);
            for item in elements(args.remove(0), pos)? {
                total = ops::add(&total, &item, pos)?;
            }
            own(total)
        }
        ("first" | "last", 1 | 2) => {
            let default = if argc == 2 { Some(args.pop()) } else { None }.flatten();
            let mut items = elements(args.remove(0), pos)?;
            let picked =
                if name == "first" { (!items.is_empty()).then(|| items.remove(0)) } else { items.pop() };
            match (picked, default) {
                (Some(v), _) | (None, Some(v)) => Ok(Some(v)),
                (None, None) => {
                    Err(err(ExprErrorKind::InvalidArgument, pos, format!("{name}() of an empty sequence")))
                }
            }
        }
        ("skip" | "take", 2) => {
            let n = int_arg(&args[1], name, pos)?.max(0) as usize;
            let items = elements(args.remove(0), pos)?;
            let kept: Vec<Value> = if name == "skip" {
                values(items.into_iter().skip(n).collect())
            } else {
                values(items.into_iter().take(n).collect())
            };
            own(Value::Array(kept))
        }
        ("contains", 2) => own(Value::Bool(ops::contains(&args[0], &args[1], pos)?)),
        ("keys" | "values" | "items", 1) => match args.remove(0).into_owned() {
            Value::Object(m) => own(Value::Array(match name {
                "keys" => m.into_iter().map(|(k, _)| Value::String(k)).collect(),
                "values" => m.into_iter().map(|(_, v)| v).collect(),
                _ => m.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), v])).collect(),
            })),
            other => Err(err(
                ExprErrorKind::WrongType,
                pos,
                format!("{name}() takes a dictionary, not {}", type_name(&other)),
            )),
        },
        ("get", 2 | 3) => {
            let default = if argc == 3 { args.pop() } else { None };
            let key = py_str(&args[1]);
            match args.remove(0) {
                Cow::Borrowed(Value::Object(m)) => {
                    Ok(Some(m.get(&key).map(Cow::Borrowed).or(default).unwrap_or(Cow::Owned(Value::Null))))
                }
                Cow::Owned(Value::Object(mut m)) => {
                    Ok(Some(m.remove(&key).map(Cow::Owned).or(default).unwrap_or(Cow::Owned(Value::Null))))
                }
                other => Err(err(
                    ExprErrorKind::WrongType,
                    pos,
                    format!("get() takes a dictionary, not {}", type_name(&other)),
                )),
            }
        }
        ("isEmpty", 1) => own(Value::Bool(!truthy(&args[0]))),
        _ => strings(name, &args, pos),
    }
}

fn strings<'a>(name: &str, args: &[Val<'a>], pos: Pos) -> R<'a> {
    let s = match args.first().map(|a| a.as_ref()) {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Array(_)) if name == "join" => "",
        _ => return Ok(None),
    };
    let arg = |i: usize| args.get(i).map(|a| a.as_ref());
    let out = match (name, args.len()) {
        ("toUpper", 1) => Value::String(s.to_uppercase()),
        ("toLower", 1) => Value::String(s.to_lowercase()),
        ("trim", 1) => Value::String(s.trim().to_owned()),
        ("trim", 2) => {
            let chars: Vec<char> = text(arg(1).unwrap_or(&Value::Null), "trim", pos)?.chars().collect();
            Value::String(s.trim_matches(|c| chars.contains(&c)).to_owned())
        }
        ("startsWith" | "endsWith", 2) => {
            let affix = text(arg(1).unwrap_or(&Value::Null), name, pos)?;
            Value::Bool(if name == "startsWith" { s.starts_with(affix) } else { s.ends_with(affix) })
        }
        ("indexOf", 2) => {
            let sub = text(arg(1).unwrap_or(&Value::Null), name, pos)?;
            Value::from(s.find(sub).map_or(-1, |b| s[..b].chars().count() as i64))
        }
        ("substring", 2 | 3) => {
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let start = int_arg(arg(1).unwrap_or(&Value::Null), name, pos)?;
            let start = if start < 0 { (len + start).max(0) } else { start.min(len) } as usize;
            let count = match arg(2) {
                Some(c) => int_arg(c, name, pos)?.max(0) as usize,
                None => chars.len(),
            };
            Value::String(chars.iter().skip(start).take(count).collect())
        }
        ("split", 1..=3) => {
            let sep = match arg(1) {
                Some(Value::Null) | None => None,
                Some(v) => Some(text(v, name, pos)?),
            };
            let max = arg(2).map(|m| int_arg(m, name, pos)).transpose()?;
            split(s, sep, max)
        }
        ("replace", 3 | 4) => {
            let old = text(arg(1).unwrap_or(&Value::Null), name, pos)?;
            let new = text(arg(2).unwrap_or(&Value::Null), name, pos)?;
            match arg(3) {
                Some(n) => Value::String(s.replacen(old, new, int_arg(n, name, pos)?.max(0) as usize)),
                None => Value::String(s.replace(old, new)),
            }
        }
        ("join", 2) => match (args[0].as_ref(), args[1].as_ref()) {
            (Value::Array(items), Value::String(sep)) | (Value::String(sep), Value::Array(items)) => {
                Value::String(items.iter().map(py_str).collect::<Vec<_>>().join(sep))
            }
            _ => return Err(err(ExprErrorKind::WrongType, pos, "join() takes a list and a separator")),
        },
        ("concat", _) => Value::String(args.iter().map(|a| py_str(a)).collect()),
        ("format", _) => {
            Value::String(format(s, &args[1..].iter().map(|a| a.clone().into_owned()).collect::<Vec<_>>()))
        }
        ("len", 1) => Value::from(s.chars().count()),
        _ => return Ok(None),
    };
    own(out)
}
