//! Evaluating Jinja expressions and rendering Jinja templates, as Orquesta's environment does
//! (strict undefined values, `trim_blocks`, `lstrip_blocks`).
//!
//! An undefined name, missing attribute or missing key is a value of its own here
//! ([`Jv::Undefined`]): `default` and `is defined` can look at it, and any other use of it is
//! an error naming what was undefined.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::jinja::{Call, Jinja, Node};
use super::ops;
use super::orquesta_fns::{ctx_value, item_value, json, task_fn, zip};
use super::value::{py_str, truthy, type_name};
use super::yaql_eval::{Val, err};
use super::{ExprError, ExprErrorKind, Functions, Pos, Scope};

/// A Jinja value: defined, or undefined with the name that was looked up.
#[derive(Debug, Clone)]
pub(crate) enum Jv<'a> {
    Val(Val<'a>),
    Undefined(String),
}

impl<'a> Jv<'a> {
    pub(crate) fn owned(v: Value) -> Self {
        Jv::Val(Cow::Owned(v))
    }

    /// The value, or the strict-undefined error.
    pub(crate) fn defined(self) -> Result<Val<'a>, ExprError> {
        match self {
            Jv::Val(v) => Ok(v),
            Jv::Undefined(name) => {
                Err(err(ExprErrorKind::Undefined, Pos(0), format!("'{name}' is undefined")))
            }
        }
    }
}

/// The evaluation of Jinja expressions and templates against one scope.
pub(crate) struct JinjaEval<'a> {
    pub(crate) scope: &'a dyn Scope,
    pub(crate) functions: &'a Functions,
    /// Loop and `set` variables, innermost last.
    locals: Vec<(String, Value)>,
    depth: usize,
}

const MAX_DEPTH: usize = 256;
/// Most characters one template may render, so a loop cannot exhaust memory.
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

impl<'a> JinjaEval<'a> {
    pub(crate) fn new(scope: &'a dyn Scope, functions: &'a Functions) -> Self {
        JinjaEval { scope, functions, locals: Vec::new(), depth: 0 }
    }

    /// Evaluate to a defined value.
    pub(crate) fn value(&mut self, e: &'a Jinja) -> Result<Val<'a>, ExprError> {
        self.eval(e)?.defined()
    }

    pub(crate) fn eval(&mut self, e: &'a Jinja) -> Result<Jv<'a>, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(ExprErrorKind::InvalidArgument, Pos(0), "expression nests too deeply"));
        }
        let out = self.eval_inner(e);
        self.depth -= 1;
        out
    }

    fn eval_inner(&mut self, e: &'a Jinja) -> Result<Jv<'a>, ExprError> {
        Ok(match e {
            Jinja::Const(v) => Jv::Val(Cow::Borrowed(v)),
            Jinja::Name(n) => match self.locals.iter().rev().find(|(k, _)| k == n) {
                Some((_, v)) => Jv::owned(v.clone()),
                None => Jv::Undefined(n.clone()),
            },
            Jinja::Tuple(items) | Jinja::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.value(i)?.into_owned());
                }
                Jv::owned(Value::Array(out))
            }
            Jinja::Dict(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let key = py_str(&*self.value(k)?);
                    map.insert(key, self.value(v)?.into_owned());
                }
                Jv::owned(Value::Object(map))
            }
            Jinja::Attr(obj, name) => match self.eval(obj)? {
                Jv::Val(v) => lookup(v, &Value::String(name.clone()), name),
                Jv::Undefined(n) => {
                    return Err(err(ExprErrorKind::Undefined, Pos(0), format!("'{n}' is undefined")));
                }
            },
            Jinja::Item(obj, key) => {
                let target = self.value(obj)?;
                match key.as_ref() {
                    Jinja::Slice(start, stop, step) => Jv::owned(self.slice(&target, start, stop, step)?),
                    k => {
                        let key = self.value(k)?;
                        lookup(target, &key, &py_str(&key))
                    }
                }
            }
            Jinja::Slice(..) => {
                return Err(err(ExprErrorKind::InvalidArgument, Pos(0), "a slice is only valid inside [ ]"));
            }
            Jinja::Call(func, call) => self.call(func, call)?,
            Jinja::Filter(value, name, call) => super::jinja_lib::filter(self, value, name, call)?,
            Jinja::Test { value, name, call, negated } => {
                let hit = super::jinja_lib::test(self, value, name, call)?;
                Jv::owned(Value::Bool(hit != *negated))
            }
            Jinja::Unary(op, operand) => {
                let v = self.value(operand)?;
                Jv::owned(match *op {
                    "not" => Value::Bool(!truthy(&v)),
                    "-" => ops::negate(&v, Pos(0))?,
                    _ => v.into_owned(),
                })
            }
            Jinja::Binary(op, l, r) => self.binary(op, l, r)?,
            Jinja::Compare(first, rest) => {
                let mut left = self.value(first)?;
                for (op, right) in rest {
                    let right = self.value(right)?;
                    let hit = match *op {
                        "in" => ops::contains(&right, &left, Pos(0))?,
                        "not in" => !ops::contains(&right, &left, Pos(0))?,
                        cmp => ops::compare(cmp, &left, &right, Pos(0))?,
                    };
                    if !hit {
                        return Ok(Jv::owned(Value::Bool(false)));
                    }
                    left = right;
                }
                Jv::owned(Value::Bool(true))
            }
            Jinja::Cond { test, then, otherwise } => {
                if truthy(&*self.value(test)?) {
                    self.eval(then)?
                } else {
                    match otherwise {
                        Some(o) => self.eval(o)?,
                        None => Jv::Undefined("the inline if's missing else".into()),
                    }
                }
            }
        })
    }

    fn binary(&mut self, op: &str, l: &'a Jinja, r: &'a Jinja) -> Result<Jv<'a>, ExprError> {
        match op {
            "and" => {
                let left = self.value(l)?;
                return if truthy(&left) { self.eval(r) } else { Ok(Jv::Val(left)) };
            }
            "or" => {
                let left = self.value(l)?;
                return if truthy(&left) { Ok(Jv::Val(left)) } else { self.eval(r) };
            }
            _ => {}
        }
        let (a, b) = (self.value(l)?, self.value(r)?);
        let p = Pos(0);
        Ok(Jv::owned(match op {
            "+" => ops::add(&a, &b, p)?,
            "-" => ops::sub(&a, &b, p)?,
            "*" => ops::mul(&a, &b, p)?,
            "/" => ops::true_div(&a, &b, p)?,
            "//" => ops::floor_div(&a, &b, p)?,
            "%" => ops::modulo(&a, &b, p)?,
            "**" => ops::power(&a, &b, p)?,
            _ => Value::String(format!("{}{}", py_str(&a), py_str(&b))),
        }))
    }

    fn slice(
        &mut self,
        target: &Value,
        start: &'a Option<Box<Jinja>>,
        stop: &'a Option<Box<Jinja>>,
        step: &'a Option<Box<Jinja>>,
    ) -> Result<Value, ExprError> {
        let mut bound = |b: &'a Option<Box<Jinja>>| -> Result<Option<i64>, ExprError> {
            match b {
                None => Ok(None),
                Some(e) => match self.value(e)?.as_ref() {
                    Value::Null => Ok(None),
                    v => v.as_i64().map(Some).ok_or_else(|| {
                        err(ExprErrorKind::WrongType, Pos(0), "slice indices must be integers")
                    }),
                },
            }
        };
        let (start, stop, step) = (bound(start)?, bound(stop)?, bound(step)?.unwrap_or(1));
        if step == 0 {
            return Err(err(ExprErrorKind::InvalidArgument, Pos(0), "slice step cannot be zero"));
        }
        let pick = |len: usize| -> Vec<usize> {
            let len = len as i64;
            let clamp = |i: i64, lo: i64, hi: i64| if i < 0 { (i + len).max(lo) } else { i.min(hi) };
            let (mut i, end) = if step > 0 {
                (start.map_or(0, |s| clamp(s, 0, len)), stop.map_or(len, |s| clamp(s, 0, len)))
            } else {
                (start.map_or(len - 1, |s| clamp(s, -1, len - 1)), stop.map_or(-1, |s| clamp(s, -1, len - 1)))
            };
            let mut out = Vec::new();
            while (step > 0 && i < end) || (step < 0 && i > end) {
                out.push(i as usize);
                i += step;
            }
            out
        };
        match target {
            Value::Array(items) => Ok(Value::Array(
                pick(items.len()).into_iter().filter_map(|i| items.get(i).cloned()).collect(),
            )),
            Value::String(s) => {
                let chars: Vec<char> = s.chars().collect();
                Ok(Value::String(pick(chars.len()).into_iter().filter_map(|i| chars.get(i)).collect()))
            }
            other => Err(err(
                ExprErrorKind::WrongType,
                Pos(0),
                format!("'{}' object is not subscriptable", type_name(other)),
            )),
        }
    }

    /// Evaluated positional and keyword arguments.
    pub(crate) fn args(&mut self, call: &'a Call) -> Result<(Vec<Val<'a>>, Map<String, Value>), ExprError> {
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(self.value(a)?);
        }
        let mut kwargs = Map::new();
        for (k, v) in &call.kwargs {
            kwargs.insert(k.clone(), self.value(v)?.into_owned());
        }
        Ok((args, kwargs))
    }

    fn call(&mut self, func: &'a Jinja, call: &'a Call) -> Result<Jv<'a>, ExprError> {
        if let Jinja::Attr(obj, method) = func {
            let recv = self.value(obj)?;
            let (args, _) = self.args(call)?;
            return super::jinja_lib::method(recv, method, &args).map(Jv::owned);
        }
        let Jinja::Name(name) = func else {
            return Err(err(ExprErrorKind::WrongType, Pos(0), "only functions and methods can be called"));
        };
        let p = Pos(0);
        if call.kwargs.is_empty() {
            match call.args.as_slice() {
                [] => {
                    if let Some(v) = task_fn(self.scope, name, p)? {
                        return Ok(Jv::Val(v));
                    }
                }
                // `ctx('name')`, most of the calls a workflow makes: read without gathering
                // the arguments into a list.
                [Jinja::Const(Value::String(var))] if name == "ctx" => {
                    return ctx_value(self.scope, Some(var), p).map(Jv::Val);
                }
                _ => {}
            }
        }
        let (args, kwargs) = self.args(call)?;
        // A name argument is a string literal nearly always: borrowed, not copied.
        let text_arg = |i: usize| {
            args.get(i).map(|a| match a.as_ref() {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(py_str(other)),
            })
        };
        Ok(Jv::Val(match (name.as_str(), args.len()) {
            ("ctx", 0 | 1) => ctx_value(self.scope, text_arg(0).as_deref(), p)?,
            ("item", 0 | 1) => item_value(self.scope, text_arg(0).as_deref(), p)?,
            ("task_status", 1) => Cow::Owned(Value::String(
                self.scope.task_status(&text_arg(0).unwrap_or_default()).unwrap_or_else(|| "null".into()),
            )),
            ("json", 1) => Cow::Owned(json(&args[0], p)?),
            ("zip", n) if n > 0 => Cow::Owned(zip(&args, kwargs.get("pad"), p)?),
            ("dict", 0) => Cow::Owned(Value::Object(kwargs)),
            ("range", _) => super::std_fns::call("range", args, p)?.unwrap_or_default(),
            (n, _) => match self.functions.get(n) {
                Some(host) => {
                    let owned: Vec<Value> = args.into_iter().map(Cow::into_owned).collect();
                    Cow::Owned(host(&owned).map_err(|m| err(ExprErrorKind::Host, p, format!("{n}(): {m}")))?)
                }
                None => return Err(err(ExprErrorKind::UnknownFunction, p, format!("'{n}' is undefined"))),
            },
        }))
    }

    /// Render a template's statements.
    pub(crate) fn render(&mut self, nodes: &'a [Node], out: &mut String) -> Result<(), ExprError> {
        for node in nodes {
            if out.len() > MAX_OUTPUT {
                return Err(err(
                    ExprErrorKind::InvalidArgument,
                    Pos(0),
                    "the template renders more than 16 MiB",
                ));
            }
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Output(e) => out.push_str(&py_str(&*self.value(e)?)),
                Node::If { branches, otherwise } => {
                    let mut chosen: &'a [Node] = otherwise;
                    for (test, body) in branches {
                        if truthy(&*self.value(test)?) {
                            chosen = body;
                            break;
                        }
                    }
                    self.render(chosen, out)?;
                }
                Node::For { targets, iter, filter, body, otherwise } => {
                    self.render_for(targets, iter, filter.as_ref(), body, otherwise, out)?;
                }
                Node::Set { targets, value } => {
                    let v = self.value(value)?.into_owned();
                    self.bind(targets, v)?;
                }
            }
        }
        Ok(())
    }

    fn bind(&mut self, targets: &[String], v: Value) -> Result<(), ExprError> {
        match targets {
            [one] => self.locals.push((one.clone(), v)),
            many => {
                let Value::Array(items) = v else {
                    return Err(err(ExprErrorKind::WrongType, Pos(0), "cannot unpack a non-sequence"));
                };
                if items.len() != many.len() {
                    return Err(err(
                        ExprErrorKind::InvalidArgument,
                        Pos(0),
                        format!("expected {} values to unpack, got {}", many.len(), items.len()),
                    ));
                }
                self.locals.extend(many.iter().cloned().zip(items));
            }
        }
        Ok(())
    }

    fn render_for(
        &mut self,
        targets: &[String],
        iter: &'a Jinja,
        filter: Option<&'a Jinja>,
        body: &'a [Node],
        otherwise: &'a [Node],
        out: &mut String,
    ) -> Result<(), ExprError> {
        let items: Vec<Value> = match self.value(iter)?.into_owned() {
            Value::Array(items) => items,
            Value::Object(m) => m.into_iter().map(|(k, _)| Value::String(k)).collect(),
            Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
            other => {
                return Err(err(
                    ExprErrorKind::WrongType,
                    Pos(0),
                    format!("'{}' object is not iterable", type_name(&other)),
                ));
            }
        };
        let mark = self.locals.len();
        let mut kept = Vec::new();
        for item in items {
            self.bind(targets, item.clone())?;
            let keep = match filter {
                Some(f) => truthy(&*self.value(f)?),
                None => true,
            };
            self.locals.truncate(mark);
            if keep {
                kept.push(item);
            }
        }
        let n = kept.len();
        for (i, item) in kept.into_iter().enumerate() {
            let loop_var = serde_json::json!({
                "index": i + 1, "index0": i, "first": i == 0, "last": i + 1 == n,
                "length": n, "revindex": n - i, "revindex0": n - i - 1,
            });
            self.locals.push(("loop".into(), loop_var));
            self.bind(targets, item)?;
            let rendered = self.render(body, out);
            self.locals.truncate(mark);
            rendered?;
        }
        if n == 0 {
            self.render(otherwise, out)?;
        }
        Ok(())
    }
}

/// `obj.name` / `obj[key]`: Jinja tries the mapping key, then the list index.
fn lookup<'a>(target: Val<'a>, key: &Value, shown: &str) -> Jv<'a> {
    let found: Option<Val<'a>> = match target {
        Cow::Borrowed(Value::Object(m)) => key.as_str().and_then(|k| m.get(k)).map(Cow::Borrowed),
        Cow::Owned(Value::Object(mut m)) => key.as_str().and_then(|k| m.remove(k)).map(Cow::Owned),
        Cow::Borrowed(Value::Array(items)) => {
            list_index(items.len(), key).and_then(|i| items.get(i)).map(Cow::Borrowed)
        }
        Cow::Owned(Value::Array(mut items)) => {
            list_index(items.len(), key).map(|i| Cow::Owned(items.swap_remove(i)))
        }
        Cow::Borrowed(Value::String(s)) => char_at(s, key),
        Cow::Owned(Value::String(s)) => char_at(&s, key),
        _ => None,
    };
    found.map_or_else(|| Jv::Undefined(shown.to_owned()), Jv::Val)
}

fn list_index(len: usize, key: &Value) -> Option<usize> {
    let i = key.as_i64()?;
    let len = i64::try_from(len).ok()?;
    let real = if i < 0 { i + len } else { i };
    (0..len).contains(&real).then_some(real as usize)
}

fn char_at<'a>(s: &str, key: &Value) -> Option<Val<'a>> {
    let chars: Vec<char> = s.chars().collect();
    let i = list_index(chars.len(), key)?;
    chars.get(i).map(|c| Cow::Owned(Value::String(c.to_string())))
}
