//! Evaluating YAQL trees: operators, member access, indexing, literals and `$` lambdas.
//!
//! Values are `Cow`s: a variable read through `ctx()` or a member of it is borrowed from the
//! scope, and only computed values are owned, so evaluating `ctx(big_list)[0]` copies one
//! element, not the list.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ops;
use super::value::{py_str, truthy, type_name};
use super::yaql::{Arg, Yaql};
use super::{ExprError, ExprErrorKind, Functions, Pos, Scope};

/// An evaluated value, borrowed from the scope or the tree when possible.
pub(crate) type Val<'a> = Cow<'a, Value>;

/// The evaluation of one YAQL expression.
pub(crate) struct YaqlEval<'a> {
    pub(crate) scope: &'a dyn Scope,
    pub(crate) functions: &'a Functions,
    /// The `$` of each enclosing lambda, innermost last.
    dollar: Vec<Val<'a>>,
    depth: usize,
}

/// Deepest recursion of lambdas and nested calls before evaluation gives up.
const MAX_DEPTH: usize = 256;

pub(crate) fn err(kind: ExprErrorKind, pos: Pos, message: impl Into<String>) -> ExprError {
    ExprError::at(kind, pos, message)
}

/// Member `name` of a mapping, borrowed when the mapping is; `null` when absent (YAQL).
pub(crate) fn attribute<'a>(recv: Val<'a>, name: &str, pos: Pos) -> Result<Val<'a>, ExprError> {
    match recv {
        Cow::Borrowed(Value::Object(m)) => Ok(m.get(name).map_or(Cow::Owned(Value::Null), Cow::Borrowed)),
        Cow::Owned(Value::Object(mut m)) => Ok(Cow::Owned(m.remove(name).unwrap_or(Value::Null))),
        other => Err(err(
            ExprErrorKind::WrongType,
            pos,
            format!("'{}' object has no attribute '{name}'", type_name(&other)),
        )),
    }
}

/// `target[key]`: a list by (possibly negative) index, a mapping by key, a string by index.
pub(crate) fn index<'a>(target: Val<'a>, key: &Value, pos: Pos) -> Result<Val<'a>, ExprError> {
    let out_of_range = || err(ExprErrorKind::InvalidArgument, pos, format!("index {key} out of range"));
    let position = |len: usize| -> Result<usize, ExprError> {
        let i = key.as_i64().ok_or_else(|| {
            err(ExprErrorKind::WrongType, pos, format!("indices must be integers, not {}", type_name(key)))
        })?;
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let real = if i < 0 { i + len } else { i };
        if (0..len).contains(&real) { Ok(real as usize) } else { Err(out_of_range()) }
    };
    match target {
        Cow::Borrowed(Value::Array(items)) => {
            Ok(Cow::Borrowed(items.get(position(items.len())?).ok_or_else(out_of_range)?))
        }
        Cow::Owned(Value::Array(mut items)) => {
            let i = position(items.len())?;
            Ok(Cow::Owned(items.swap_remove(i)))
        }
        Cow::Borrowed(Value::Object(m)) => {
            let k = py_str(key);
            m.get(&k)
                .map(Cow::Borrowed)
                .ok_or_else(|| err(ExprErrorKind::Undefined, pos, format!("key '{k}' not found")))
        }
        Cow::Owned(Value::Object(mut m)) => {
            let k = py_str(key);
            m.remove(&k)
                .map(Cow::Owned)
                .ok_or_else(|| err(ExprErrorKind::Undefined, pos, format!("key '{k}' not found")))
        }
        Cow::Borrowed(Value::String(s)) => index_str(s, position),
        Cow::Owned(Value::String(s)) => index_str(&s, position),
        other => Err(err(
            ExprErrorKind::WrongType,
            pos,
            format!("'{}' object is not subscriptable", type_name(&other)),
        )),
    }
}

/// The character of `s` at a position.
fn index_str<'a>(
    s: &str,
    position: impl Fn(usize) -> Result<usize, ExprError>,
) -> Result<Val<'a>, ExprError> {
    let chars: Vec<char> = s.chars().collect();
    let i = position(chars.len())?;
    Ok(Cow::Owned(Value::String(chars.get(i).map(char::to_string).unwrap_or_default())))
}

impl<'a> YaqlEval<'a> {
    pub(crate) fn new(scope: &'a dyn Scope, functions: &'a Functions) -> Self {
        YaqlEval { scope, functions, dollar: Vec::new(), depth: 0 }
    }

    /// Evaluate a node.
    pub(crate) fn eval(&mut self, node: &'a Yaql) -> Result<Val<'a>, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(ExprErrorKind::InvalidArgument, Pos(0), "expression nests too deeply"));
        }
        let out = self.eval_inner(node);
        self.depth -= 1;
        out
    }

    fn eval_inner(&mut self, node: &'a Yaql) -> Result<Val<'a>, ExprError> {
        Ok(match node {
            Yaql::Const(v) => Cow::Borrowed(v),
            Yaql::Word(w) => Cow::Owned(Value::String(w.clone())),
            Yaql::Dollar(name) if name.is_empty() => match self.dollar.last() {
                Some(Cow::Borrowed(v)) => Cow::Borrowed(*v),
                Some(Cow::Owned(v)) => Cow::Owned(v.clone()),
                None => Cow::Owned(Value::Null),
            },
            Yaql::Dollar(_) => Cow::Owned(Value::Null),
            Yaql::Paren(inner) => self.eval(inner)?,
            Yaql::Call { name, args, pos } => super::yaql_lib::call(self, name, None, args, *pos)?,
            Yaql::Unary { op, operand } => {
                let v = self.eval(operand)?;
                Cow::Owned(match *op {
                    "not" => Value::Bool(!truthy(&v)),
                    "-" => ops::negate(&v, Pos(0))?,
                    _ => v.into_owned(),
                })
            }
            Yaql::Binary { op, left, right, pos } => self.binary(op, left, right, *pos)?,
            Yaql::Index { target, args } => {
                let t = self.eval(target)?;
                let keys = self.positional(args)?;
                match keys.as_slice() {
                    [key] => index(t, key, Pos(0))?,
                    _ => {
                        return Err(err(
                            ExprErrorKind::InvalidArgument,
                            Pos(0),
                            "an index takes exactly one key",
                        ));
                    }
                }
            }
            Yaql::List(args) => {
                Cow::Owned(Value::Array(self.positional(args)?.into_iter().map(Cow::into_owned).collect()))
            }
            Yaql::Map(args) => Cow::Owned(Value::Object(self.mapping(args)?)),
        })
    }

    fn binary(
        &mut self,
        op: &'a str,
        left: &'a Yaql,
        right: &'a Yaql,
        pos: Pos,
    ) -> Result<Val<'a>, ExprError> {
        match op {
            "and" => {
                let l = self.eval(left)?;
                return if truthy(&l) { self.eval(right) } else { Ok(l) };
            }
            "or" => {
                let l = self.eval(left)?;
                return if truthy(&l) { Ok(l) } else { self.eval(right) };
            }
            "." | "?." => {
                let recv = self.eval(left)?;
                if op == "?." && recv.is_null() {
                    return Ok(Cow::Owned(Value::Null));
                }
                return match right {
                    Yaql::Word(name) => attribute(recv, name, pos),
                    Yaql::Call { name, args, pos } => {
                        super::yaql_lib::call(self, name, Some(recv), args, *pos)
                    }
                    other => {
                        Err(err(ExprErrorKind::WrongType, pos, format!("cannot apply '.' to `{other}`")))
                    }
                };
            }
            "->" => {
                return Err(err(
                    ExprErrorKind::InvalidArgument,
                    pos,
                    "lambda expressions (`->`) are not supported",
                ));
            }
            "=~" | "!~" => {
                return Err(err(
                    ExprErrorKind::InvalidArgument,
                    pos,
                    "regular expressions (`=~`, `!~`) are not supported",
                ));
            }
            _ => {}
        }
        let l = self.eval(left)?;
        let r = self.eval(right)?;
        Ok(Cow::Owned(match op {
            "+" => ops::add(&l, &r, pos)?,
            "-" => ops::sub(&l, &r, pos)?,
            "*" => ops::mul(&l, &r, pos)?,
            "/" => ops::yaql_div(&l, &r, pos)?,
            "mod" => ops::modulo(&l, &r, pos)?,
            "in" => Value::Bool(ops::contains(&r, &l, pos)?),
            cmp => Value::Bool(ops::compare(cmp, &l, &r, pos)?),
        }))
    }

    /// Evaluate positional arguments (an empty slot is `null`).
    pub(crate) fn positional(&mut self, args: &'a [Arg]) -> Result<Vec<Val<'a>>, ExprError> {
        args.iter()
            .map(|a| match a {
                Arg::Empty => Ok(Cow::Owned(Value::Null)),
                Arg::Positional(v) => self.eval(v),
                Arg::Named(k, _) => Err(err(
                    ExprErrorKind::InvalidArgument,
                    Pos(0),
                    format!("unexpected named argument `{k}`"),
                )),
            })
            .collect()
    }

    /// Evaluate `key => value` pairs into a mapping (a bare word key is its text).
    pub(crate) fn mapping(&mut self, args: &'a [Arg]) -> Result<Map<String, Value>, ExprError> {
        let mut map = Map::new();
        for a in args {
            let Arg::Named(k, v) = a else {
                return Err(err(
                    ExprErrorKind::InvalidArgument,
                    Pos(0),
                    "a dictionary entry is written `key => value`",
                ));
            };
            let key = match k {
                Yaql::Word(w) => w.clone(),
                other => py_str(&*self.eval(other)?),
            };
            map.insert(key, self.eval(v)?.into_owned());
        }
        Ok(map)
    }

    /// Evaluate `body` with `$` bound to `value`.
    pub(crate) fn lambda(&mut self, value: Val<'a>, body: &'a Yaql) -> Result<Val<'a>, ExprError> {
        self.dollar.push(value);
        let out = self.eval(body);
        self.dollar.pop();
        out
    }
}
