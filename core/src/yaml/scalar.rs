//! Plain-scalar resolution with PyYAML's YAML 1.1 rules (what Orquesta reads workflows with).
//!
//! The differences from YAML 1.2 matter to StackStorm users: `yes`/`no`/`on`/`off` are
//! booleans, `010` is octal, and a float needs a dot (`1e3` stays a string). Timestamps stay
//! strings: workflows carry JSON data, and a date object has no JSON form.

use super::Value;

/// Resolve an untagged plain scalar.
pub(super) fn resolve_plain(text: &str) -> Value {
    if is_null(text) {
        return Value::Null;
    }
    if let Some(b) = as_bool(text) {
        return Value::Bool(b);
    }
    if let Some(i) = as_int(text) {
        return Value::Int(i);
    }
    if let Some(f) = as_float(text) {
        return Value::Float(f);
    }
    Value::Str(text.to_owned())
}

/// Resolve a scalar carrying an explicit core tag (`!!str`, `!!int`, ...); `None` when the
/// text does not fit the tag, which the loader reports as a load error like PyYAML does.
pub(super) fn resolve_tagged(suffix: &str, text: &str) -> Option<Value> {
    match suffix {
        "str" => Some(Value::Str(text.to_owned())),
        "null" => is_null(text).then_some(Value::Null),
        "bool" => as_bool(text).map(Value::Bool),
        "int" => as_int(text).map(Value::Int),
        "float" => as_float(text).or_else(|| as_int(text).map(|i| i as f64)).map(Value::Float),
        _ => None,
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn as_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn as_int(text: &str) -> Option<i64> {
    let (negative, body) = split_sign(text);
    let digits = |s: &str, ok: fn(char) -> bool| -> Option<String> {
        (!s.is_empty() && s.chars().all(|c| c == '_' || ok(c)))
            .then(|| s.chars().filter(|c| *c != '_').collect())
    };
    let magnitude = if let Some(bin) = body.strip_prefix("0b") {
        i64::from_str_radix(&digits(bin, |c| c == '0' || c == '1')?, 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(&digits(hex, |c| c.is_ascii_hexdigit())?, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&digits(&body[1..], |c| ('0'..='7').contains(&c))?, 8).ok()?
    } else {
        let first = body.chars().next()?;
        if !first.is_ascii_digit() {
            return None;
        }
        digits(body, |c| c.is_ascii_digit())?.parse::<i64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn as_float(text: &str) -> Option<f64> {
    let (negative, body) = split_sign(text);
    let sign = if negative { -1.0 } else { 1.0 };
    match body {
        ".inf" | ".Inf" | ".INF" => return Some(sign * f64::INFINITY),
        ".nan" | ".NaN" | ".NAN" if body.len() == text.len() => return Some(f64::NAN),
        _ => {}
    }
    // [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?  or  \.[0-9_]+([eE][-+][0-9]+)?
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.')?;
    let int_ok = if int_part.is_empty() {
        !frac_part.is_empty()
    } else {
        int_part.starts_with(|c: char| c.is_ascii_digit())
            && int_part.chars().all(|c| c.is_ascii_digit() || c == '_')
    };
    if !int_ok || !frac_part.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(['-', '+'])?;
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let cleaned: String = body.chars().filter(|c| *c != '_').collect();
    let cleaned = if cleaned.starts_with('.') { format!("0{cleaned}") } else { cleaned };
    cleaned.parse::<f64>().ok().map(|f| sign * f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("nil"), Value::Str("nil".into()));
    }

    #[test]
    fn integers_in_every_base() {
        assert_eq!(resolve_plain("42"), Value::Int(42));
        assert_eq!(resolve_plain("-1_000"), Value::Int(-1000));
        assert_eq!(resolve_plain("010"), Value::Int(8));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("0"), Value::Int(0));
        assert_eq!(resolve_plain("99999999999999999999"), Value::Str("99999999999999999999".into()));
    }

    #[test]
    fn floats_need_a_dot_like_pyyaml() {
        assert_eq!(resolve_plain("1.0"), Value::Float(1.0));
        assert_eq!(resolve_plain("1.5e+3"), Value::Float(1500.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        assert_eq!(resolve_plain("1e3"), Value::Str("1e3".into()));
        assert_eq!(resolve_plain("1.0e5"), Value::Str("1.0e5".into()));
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("-.inf"), Value::Float(f64::NEG_INFINITY));
    }

    #[test]
    fn tagged_scalars() {
        assert_eq!(resolve_tagged("str", "12"), Some(Value::Str("12".into())));
        assert_eq!(resolve_tagged("int", "x"), None);
        assert_eq!(resolve_tagged("float", "3"), Some(Value::Float(3.0)));
    }
}
