//! The quick path: the few expression shapes nearly every transition is written in
//! (`succeeded()`, `ctx(i) < 10`, `succeeded() and ctx(i) + 1`), lowered once at parse time
//! to a small tree that evaluation walks without matching operator or function names.
//!
//! Neither language's evaluator changes. Each quick node reads and computes with what the
//! full evaluators use (`TaskFn::truth`, the scope's variables as `ctx_value` reads them,
//! `ops::compare`, `ops::add`), or does their integer arithmetic itself, so a value is the
//! same either way. Where the quick path would need anything else (an error to report, a
//! value other than a boolean, an integer or a value read from the scope), it gives up and
//! the full evaluator runs the expression from the start: the expressions here read and
//! compute only, so running them twice changes nothing. An expression that always gives up
//! (one that concatenates strings, say) pays for its quick attempt on top of the full one.
//!
//! A loop's pass evaluates two conditions and a publish; through the full YAQL evaluator
//! that was about 1,300 instructions per condition, most of it dispatching on names and
//! moving 80-byte results between levels.

use std::borrow::Cow;

use serde_json::Value;

use super::jinja::Jinja;
use super::orquesta_fns::TaskFn;
use super::value::truthy;
use super::yaql::{Arg, Yaql};
use super::{Pos, Scope, ops};

/// Deepest tree lowered; anything deeper takes the full evaluator, which has its own limit.
const MAX_DEPTH: usize = 16;

/// An expression lowered to the shapes the quick path evaluates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Quick {
    /// A literal.
    Const(Value),
    /// `ctx(name)`.
    Var(Box<str>),
    /// `succeeded()`, `failed()`, `completed()`, `timed_out()` or `result()`.
    TaskFn(TaskFn),
    /// `not x`.
    Not(Box<Quick>),
    /// `a and b`, with Python's value: `a` when it is false, else `b`.
    And(Box<[Quick; 2]>),
    /// `a or b`: `a` when it is true, else `b`.
    Or(Box<[Quick; 2]>),
    /// A comparison.
    Compare(Cmp, Box<[Quick; 2]>),
    /// `a + b`.
    Add(Box<[Quick; 2]>),
    /// `a - b`.
    Sub(Box<[Quick; 2]>),
}

/// A comparison operator, decided at parse time: comparing two integers needs no call, and
/// anything else goes to `ops::compare` under the operator's text, as both evaluators pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` (YAQL) or `==`
    Eq,
    /// `!=`
    Ne,
}

impl Cmp {
    fn of(op: &str) -> Option<Cmp> {
        Some(match op {
            "<" => Cmp::Lt,
            "<=" => Cmp::Le,
            ">" => Cmp::Gt,
            ">=" => Cmp::Ge,
            "=" | "==" => Cmp::Eq,
            "!=" => Cmp::Ne,
            _ => return None,
        })
    }

    fn text(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }

    /// Python's answer for two integers (which is `ops::compare`'s: `Num` compares them so).
    fn ints(self, a: i64, b: i64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// A quick value: what the shapes above produce without allocating.
#[derive(Debug, Clone, Copy)]
enum Q<'a> {
    Bool(bool),
    Int(i64),
    /// A value read from the scope or the tree.
    Ref(&'a Value),
}

impl<'a> Q<'a> {
    /// From a value `ops` computed; `None` for one the quick path does not carry (it holds
    /// only booleans and integers by value).
    fn of(v: Value) -> Option<Q<'a>> {
        match v {
            Value::Bool(b) => Some(Q::Bool(b)),
            Value::Number(n) => n.as_i64().map(Q::Int),
            _ => None,
        }
    }

    /// Call `f` with the value as a `Value`: a boolean or an integer is built on the stack.
    fn with<R>(self, f: impl FnOnce(&Value) -> R) -> R {
        match self {
            Q::Bool(b) => f(&Value::Bool(b)),
            Q::Int(i) => f(&Value::from(i)),
            Q::Ref(v) => f(v),
        }
    }

    /// The value as Python's arithmetic and comparisons see an integer (a boolean counts as
    /// 0 or 1, as `Num::of` has it); `None` for anything else, a float included.
    fn int(self) -> Option<i64> {
        match self {
            Q::Int(i) => Some(i),
            Q::Bool(b) => Some(i64::from(b)),
            Q::Ref(Value::Bool(b)) => Some(i64::from(*b)),
            Q::Ref(Value::Number(n)) => n.as_i64(),
            Q::Ref(_) => None,
        }
    }

    /// Python's truth of the value (`truthy`), without building one for a boolean.
    fn truthy(self) -> bool {
        match self {
            Q::Bool(b) => b,
            Q::Int(i) => i != 0,
            Q::Ref(v) => truthy(v),
        }
    }

    fn into_cow(self) -> Cow<'a, Value> {
        match self {
            Q::Bool(b) => Cow::Owned(Value::Bool(b)),
            Q::Int(i) => Cow::Owned(Value::from(i)),
            Q::Ref(v) => Cow::Borrowed(v),
        }
    }
}

impl Quick {
    /// Lower a YAQL tree, when every node of it has a quick form.
    pub(crate) fn of_yaql(node: &Yaql) -> Option<Quick> {
        yaql(node, 0)
    }

    /// Lower a Jinja expression, when every node of it has a quick form.
    pub(crate) fn of_jinja(node: &Jinja) -> Option<Quick> {
        jinja(node, 0)
    }

    /// The expression's value, or `None` when the full evaluator must say what it is.
    pub(crate) fn evaluate<'a>(&'a self, scope: &'a dyn Scope) -> Option<Cow<'a, Value>> {
        self.eval(scope).map(Q::into_cow)
    }

    /// Python's truth of the expression's value, without building the value (a transition's
    /// condition wants only that); `None` when the full evaluator must say.
    pub(crate) fn truth(&self, scope: &dyn Scope) -> Option<bool> {
        self.eval(scope).map(Q::truthy)
    }

    fn eval<'a>(&'a self, scope: &'a dyn Scope) -> Option<Q<'a>> {
        match self {
            Quick::Const(v) => Some(Q::Ref(v)),
            // Read as `ctx_value` and `TaskFn::call` read them, without building their
            // results (or the errors the full evaluator will build instead).
            Quick::Var(name) => scope.context_set().then(|| scope.var(name)).flatten().map(Q::Ref),
            Quick::TaskFn(f) => {
                let task = scope.current_task()?;
                Some(f.truth(task).map_or(Q::Ref(task.result), Q::Bool))
            }
            Quick::Not(x) => Some(Q::Bool(!x.eval(scope)?.truthy())),
            Quick::And(pair) => {
                let left = pair[0].eval(scope)?;
                if left.truthy() { pair[1].eval(scope) } else { Some(left) }
            }
            Quick::Or(pair) => {
                let left = pair[0].eval(scope)?;
                if left.truthy() { Some(left) } else { pair[1].eval(scope) }
            }
            Quick::Compare(op, pair) => {
                let (a, b) = (pair[0].eval(scope)?, pair[1].eval(scope)?);
                if let (Some(x), Some(y)) = (a.int(), b.int()) {
                    return Some(Q::Bool(op.ints(x, y)));
                }
                let hit = a.with(|a| b.with(|b| ops::compare(op.text(), a, b, Pos(0)))).ok()?;
                Some(Q::Bool(hit))
            }
            Quick::Add(pair) => arith(scope, pair, i64::checked_add, ops::add),
            Quick::Sub(pair) => arith(scope, pair, i64::checked_sub, ops::sub),
        }
    }
}

/// `a + b` or `a - b`: two integers that do not overflow are computed here (`ops` gives the
/// same integer); anything else is `op`'s, and an overflow, an error, is the full evaluator's.
fn arith<'a>(
    scope: &'a dyn Scope,
    pair: &'a [Quick; 2],
    int: fn(i64, i64) -> Option<i64>,
    op: fn(&Value, &Value, Pos) -> Result<Value, super::ExprError>,
) -> Option<Q<'a>> {
    let (a, b) = (pair[0].eval(scope)?, pair[1].eval(scope)?);
    if let (Some(x), Some(y)) = (a.int(), b.int()) {
        return int(x, y).map(Q::Int);
    }
    let v = a.with(|a| b.with(|b| op(a, b, Pos(0)))).ok()?;
    Q::of(v)
}

fn pair(a: Option<Quick>, b: Option<Quick>) -> Option<Box<[Quick; 2]>> {
    Some(Box::new([a?, b?]))
}

/// A binary operator as both languages write it (Jinja's comparisons are a node of their
/// own, and none of its other operators is one); `None` for any other operator.
fn binary(op: &str, left: Option<Quick>, right: Option<Quick>) -> Option<Quick> {
    let both = pair(left, right)?;
    Some(match op {
        "and" => Quick::And(both),
        "or" => Quick::Or(both),
        "+" => Quick::Add(both),
        "-" => Quick::Sub(both),
        op => Quick::Compare(Cmp::of(op)?, both),
    })
}

fn yaql(node: &Yaql, depth: usize) -> Option<Quick> {
    if depth > MAX_DEPTH {
        return None;
    }
    let sub = |n: &Yaql| yaql(n, depth + 1);
    Some(match node {
        Yaql::Const(v) => Quick::Const(v.clone()),
        Yaql::Paren(inner) => sub(inner)?,
        Yaql::Call { name, args, .. } => match (name.as_str(), args.as_slice()) {
            ("ctx", [Arg::Positional(Yaql::Word(w))]) => Quick::Var(w.as_str().into()),
            ("ctx", [Arg::Positional(Yaql::Const(Value::String(s)))]) => Quick::Var(s.as_str().into()),
            (name, []) => Quick::TaskFn(TaskFn::of(name)?),
            _ => return None,
        },
        Yaql::Unary { op: "not", operand } => Quick::Not(Box::new(sub(operand)?)),
        Yaql::Binary { op, left, right, .. } => binary(op, sub(left), sub(right))?,
        _ => return None,
    })
}

fn jinja(node: &Jinja, depth: usize) -> Option<Quick> {
    if depth > MAX_DEPTH {
        return None;
    }
    let sub = |n: &Jinja| jinja(n, depth + 1);
    Some(match node {
        Jinja::Const(v) => Quick::Const(v.clone()),
        Jinja::Call(func, call) if call.kwargs.is_empty() => {
            let Jinja::Name(name) = &**func else { return None };
            match (name.as_str(), call.args.as_slice()) {
                ("ctx", [Jinja::Const(Value::String(s))]) => Quick::Var(s.as_str().into()),
                (name, []) => Quick::TaskFn(TaskFn::of(name)?),
                _ => return None,
            }
        }
        Jinja::Unary("not", operand) => Quick::Not(Box::new(sub(operand)?)),
        Jinja::Binary(op, left, right) => binary(op, sub(left), sub(right))?,
        Jinja::Compare(first, rest) => match rest.as_slice() {
            [(op, right)] => Quick::Compare(Cmp::of(op)?, pair(sub(first), sub(right))?),
            _ => return None,
        },
        _ => return None,
    })
}
