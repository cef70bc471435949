//! Python operators on JSON values, shared by YAQL and Jinja (which differ only in what `/`
//! means: YAQL divides integers with floor division, Jinja's `/` is true division).

use serde_json::Value;

use super::value::{Num, float, py_cmp, py_eq, type_name};
use super::{ExprError, ExprErrorKind, Pos};

type R = Result<Value, ExprError>;

fn wrong(pos: Pos, op: &str, a: &Value, b: &Value) -> ExprError {
    ExprError::at(
        ExprErrorKind::WrongType,
        pos,
        format!("unsupported operand type(s) for {op}: '{}' and '{}'", type_name(a), type_name(b)),
    )
}

fn overflow(pos: Pos) -> ExprError {
    ExprError::at(ExprErrorKind::InvalidArgument, pos, "integer overflow")
}

fn arith(
    a: &Value,
    b: &Value,
    op: &str,
    pos: Pos,
    int: fn(i64, i64) -> Option<i64>,
    fl: fn(f64, f64) -> f64,
) -> R {
    match (Num::of(a), Num::of(b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => int(x, y).map(Value::from).ok_or_else(|| overflow(pos)),
        (Some(x), Some(y)) => Ok(float(fl(x.as_f64(), y.as_f64()))),
        _ => Err(wrong(pos, op, a, b)),
    }
}

/// Most values (nested ones counted) a repetition may build, and most characters: an
/// expression such as `[[...]] * 10**6` must fail, not exhaust memory.
const MAX_REPEAT_NODES: usize = 1_000_000;
const MAX_REPEAT_CHARS: usize = 10_000_000;

/// How many JSON values `v` holds, itself included; stops counting at `cap`.
fn nodes(v: &Value, cap: usize) -> usize {
    match v {
        Value::Array(items) => items.iter().fold(1, |n, x| if n >= cap { n } else { n + nodes(x, cap - n) }),
        Value::Object(m) => m.values().fold(1, |n, x| if n >= cap { n } else { n + nodes(x, cap - n) }),
        _ => 1,
    }
}

fn too_big(pos: Pos, what: &str, limit: usize) -> ExprError {
    ExprError::at(
        ExprErrorKind::InvalidArgument,
        pos,
        format!("the repetition would build more than {limit} {what}, the limit; repeat fewer times"),
    )
}

/// `items` repeated `times` times (a negative count gives nothing, as in Python), if `weight`
/// (the cost of one copy of `items`) times the count stays within `limit`.
fn repeat<T: Clone>(items: &[T], times: i64, weight: usize, limit: usize) -> Option<Vec<T>> {
    let n = usize::try_from(times.max(0)).ok()?;
    (weight.saturating_mul(n) <= limit).then(|| items.iter().cloned().cycle().take(items.len() * n).collect())
}

/// `a + b`: numbers add; strings, lists concatenate; mappings merge (YAQL).
pub(crate) fn add(a: &Value, b: &Value, pos: Pos) -> R {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::Array(x), Value::Array(y)) => Ok(Value::Array(x.iter().chain(y).cloned().collect())),
        (Value::Object(x), Value::Object(y)) => {
            let mut m = x.clone();
            m.extend(y.iter().map(|(k, v)| (k.clone(), v.clone())));
            Ok(Value::Object(m))
        }
        _ => arith(a, b, "+", pos, i64::checked_add, |x, y| x + y),
    }
}

/// `a - b`.
pub(crate) fn sub(a: &Value, b: &Value, pos: Pos) -> R {
    arith(a, b, "-", pos, i64::checked_sub, |x, y| x - y)
}

/// `a * b`: numbers multiply; a string or list times an integer repeats.
pub(crate) fn mul(a: &Value, b: &Value, pos: Pos) -> R {
    match (a, b) {
        (Value::String(s), n @ Value::Number(_)) | (n @ Value::Number(_), Value::String(s)) => {
            let times = n.as_i64().ok_or_else(|| wrong(pos, "*", a, b))?;
            let chars: Vec<char> = s.chars().collect();
            repeat(&chars, times, chars.len(), MAX_REPEAT_CHARS)
                .map(|c| Value::String(c.into_iter().collect()))
                .ok_or_else(|| too_big(pos, "characters", MAX_REPEAT_CHARS))
        }
        (Value::Array(items), n @ Value::Number(_)) | (n @ Value::Number(_), Value::Array(items)) => {
            let times = n.as_i64().ok_or_else(|| wrong(pos, "*", a, b))?;
            let weight = items.iter().fold(0, |w, x| w + nodes(x, MAX_REPEAT_NODES + 1));
            repeat(items, times, weight, MAX_REPEAT_NODES)
                .map(Value::Array)
                .ok_or_else(|| too_big(pos, "values", MAX_REPEAT_NODES))
        }
        _ => arith(a, b, "*", pos, i64::checked_mul, |x, y| x * y),
    }
}

fn zero_check(b: &Value, pos: Pos) -> Result<(), ExprError> {
    match Num::of(b) {
        Some(n) if n.as_f64() == 0.0 => {
            Err(ExprError::at(ExprErrorKind::DivisionByZero, pos, "division by zero"))
        }
        _ => Ok(()),
    }
}

/// Python `a // b`: floor division (integers stay integers).
pub(crate) fn floor_div(a: &Value, b: &Value, pos: Pos) -> R {
    zero_check(b, pos)?;
    arith(
        a,
        b,
        "//",
        pos,
        |x, y| Some(x.checked_div(y)? - i64::from((x % y != 0) && ((x < 0) != (y < 0)))),
        |x, y| (x / y).floor(),
    )
}

/// Python `a / b`: true division.
pub(crate) fn true_div(a: &Value, b: &Value, pos: Pos) -> R {
    zero_check(b, pos)?;
    match (Num::of(a), Num::of(b)) {
        (Some(x), Some(y)) => Ok(float(x.as_f64() / y.as_f64())),
        _ => Err(wrong(pos, "/", a, b)),
    }
}

/// YAQL `a / b`: floor division for two integers, true division otherwise.
pub(crate) fn yaql_div(a: &Value, b: &Value, pos: Pos) -> R {
    match (Num::of(a), Num::of(b)) {
        (Some(Num::Int(_)), Some(Num::Int(_))) => floor_div(a, b, pos),
        _ => true_div(a, b, pos),
    }
}

/// Python `a % b`: the result takes the sign of the divisor.
pub(crate) fn modulo(a: &Value, b: &Value, pos: Pos) -> R {
    zero_check(b, pos)?;
    arith(
        a,
        b,
        "%",
        pos,
        |x, y| x.checked_rem(y).map(|r| if r != 0 && ((r < 0) != (y < 0)) { r + y } else { r }),
        |x, y| {
            let r = x % y;
            if r != 0.0 && ((r < 0.0) != (y < 0.0)) { r + y } else { r }
        },
    )
}

/// Python `a ** b` (`pow(a, b)`): integer for a non-negative integer exponent.
pub(crate) fn power(a: &Value, b: &Value, pos: Pos) -> R {
    match (Num::of(a), Num::of(b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) if y >= 0 => {
            let exp = u32::try_from(y).map_err(|_| overflow(pos))?;
            x.checked_pow(exp).map(Value::from).ok_or_else(|| overflow(pos))
        }
        (Some(x), Some(y)) => Ok(float(x.as_f64().powf(y.as_f64()))),
        _ => Err(wrong(pos, "**", a, b)),
    }
}

/// Python comparison by operator name (`<`, `<=`, `>`, `>=`, `=`/`==`, `!=`).
pub(crate) fn compare(op: &str, a: &Value, b: &Value, pos: Pos) -> Result<bool, ExprError> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        "=" | "==" => return Ok(py_eq(a, b)),
        "!=" => return Ok(!py_eq(a, b)),
        _ => {}
    }
    let ord = py_cmp(a, b).ok_or_else(|| {
        ExprError::at(
            ExprErrorKind::WrongType,
            pos,
            format!("'{op}' not supported between instances of '{}' and '{}'", type_name(a), type_name(b)),
        )
    })?;
    Ok(match op {
        "<" => ord == Less,
        "<=" => ord != Greater,
        ">" => ord == Greater,
        ">=" => ord != Less,
        _ => ord == Equal,
    })
}

/// Python `item in container`.
pub(crate) fn contains(container: &Value, item: &Value, pos: Pos) -> Result<bool, ExprError> {
    match container {
        Value::Array(items) => Ok(items.iter().any(|x| py_eq(x, item))),
        Value::Object(map) => Ok(item.as_str().is_some_and(|k| map.contains_key(k))),
        Value::String(s) => match item {
            Value::String(sub) => Ok(s.contains(sub.as_str())),
            other => Err(ExprError::at(
                ExprErrorKind::WrongType,
                pos,
                format!("'in <string>' requires string as left operand, not {}", type_name(other)),
            )),
        },
        other => Err(ExprError::at(
            ExprErrorKind::WrongType,
            pos,
            format!("argument of type '{}' is not iterable", type_name(other)),
        )),
    }
}

/// Negation of a number.
pub(crate) fn negate(v: &Value, pos: Pos) -> R {
    match Num::of(v) {
        Some(Num::Int(i)) => i.checked_neg().map(Value::from).ok_or_else(|| overflow(pos)),
        Some(Num::Float(f)) => Ok(float(-f)),
        None => Err(ExprError::at(
            ExprErrorKind::WrongType,
            pos,
            format!("bad operand type for unary -: '{}'", type_name(v)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const P: Pos = Pos(0);

    #[test]
    fn yaql_integer_division_floors_and_mod_takes_the_divisors_sign() {
        assert_eq!(yaql_div(&json!(7), &json!(2), P).unwrap(), json!(3));
        assert_eq!(yaql_div(&json!(-7), &json!(2), P).unwrap(), json!(-4));
        assert_eq!(yaql_div(&json!(7.0), &json!(2), P).unwrap(), json!(3.5));
        assert_eq!(modulo(&json!(-7), &json!(2), P).unwrap(), json!(1));
        assert_eq!(modulo(&json!(7), &json!(-2), P).unwrap(), json!(-1));
        assert_eq!(true_div(&json!(7), &json!(2), P).unwrap(), json!(3.5));
    }

    /// Found by the `expression` fuzz target: `((0, 5) * 88, 5) * 22 ** 4` built hundreds of
    /// millions of nested values. Repetition is bounded by the values it builds.
    #[test]
    fn repetition_is_bounded_by_the_values_it_builds_and_says_so() {
        assert_eq!(mul(&json!([1, 2]), &json!(2), P).unwrap(), json!([1, 2, 1, 2]));
        assert_eq!(mul(&json!(3), &json!("ab"), P).unwrap(), json!("ababab"));
        assert_eq!(mul(&json!([1]), &json!(-1), P).unwrap(), json!([]));
        let nested = json!([(0..200).collect::<Vec<_>>(), 5]);
        let e = mul(&nested, &json!(10_000), P).unwrap_err();
        assert_eq!(e.kind, ExprErrorKind::InvalidArgument);
        assert!(e.message.contains("more than 1000000 values"), "{}", e.message);
        assert!(mul(&json!("x"), &json!(20_000_000), P).unwrap_err().message.contains("characters"));
    }

    #[test]
    fn division_by_zero_is_a_typed_error() {
        let e = yaql_div(&json!(1), &json!(0), P).unwrap_err();
        assert_eq!(e.kind, ExprErrorKind::DivisionByZero);
        assert!(modulo(&json!(1.0), &json!(0), P).is_err());
    }

    #[test]
    fn addition_by_type() {
        assert_eq!(add(&json!("a"), &json!("b"), P).unwrap(), json!("ab"));
        assert_eq!(add(&json!([1]), &json!([2]), P).unwrap(), json!([1, 2]));
        assert_eq!(add(&json!(1), &json!(2.5), P).unwrap(), json!(3.5));
        assert_eq!(add(&json!({"a": 1}), &json!({"b": 2}), P).unwrap(), json!({"a": 1, "b": 2}));
        assert_eq!(add(&json!("a"), &json!(1), P).unwrap_err().kind, ExprErrorKind::WrongType);
        assert_eq!(add(&json!(i64::MAX), &json!(1), P).unwrap_err().kind, ExprErrorKind::InvalidArgument);
    }

    #[test]
    fn comparisons_and_membership() {
        assert!(compare("<", &json!(1), &json!(2.5), P).unwrap());
        assert!(compare("=", &json!(2), &json!(2.0), P).unwrap());
        assert!(compare("<", &json!(1), &json!("a"), P).is_err());
        assert!(contains(&json!(["a", "b"]), &json!("b"), P).unwrap());
        assert!(contains(&json!({"k": 1}), &json!("k"), P).unwrap());
        assert!(contains(&json!("hello"), &json!("ell"), P).unwrap());
        assert_eq!(power(&json!(3), &json!(2), P).unwrap(), json!(9));
        assert_eq!(mul(&json!("ab"), &json!(2), P).unwrap(), json!("abab"));
    }
}
