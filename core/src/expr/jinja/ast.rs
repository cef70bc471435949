//! The Jinja syntax tree: expressions and the template statements Orquesta workflows use.

/// A parsed Jinja expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Jinja {
    /// A literal: string, number, `true`/`false`, `none`.
    Const(serde_json::Value),
    /// A variable or function name (`ctx`, `item`, a loop variable).
    Name(String),
    /// `(a, b)`.
    Tuple(Vec<Jinja>),
    /// `[a, b]`.
    List(Vec<Jinja>),
    /// `{k: v}`.
    Dict(Vec<(Jinja, Jinja)>),
    /// `value.name`.
    Attr(Box<Jinja>, String),
    /// `value[index]`.
    Item(Box<Jinja>, Box<Jinja>),
    /// `start:stop:step` inside brackets.
    Slice(Option<Box<Jinja>>, Option<Box<Jinja>>, Option<Box<Jinja>>),
    /// A call `f(args, key=value)`.
    Call(Box<Jinja>, Call),
    /// `value | name(args)`.
    Filter(Box<Jinja>, String, Call),
    /// `value is [not] name(args)`.
    Test {
        /// What is tested.
        value: Box<Jinja>,
        /// The test's name.
        name: String,
        /// Extra arguments.
        call: Call,
        /// `is not`.
        negated: bool,
    },
    /// A prefix operator: `-`, `+`, `not`.
    Unary(&'static str, Box<Jinja>),
    /// `+ - * / // % ** ~ and or`.
    Binary(&'static str, Box<Jinja>, Box<Jinja>),
    /// A comparison chain `a < b <= c` (`in` and `not in` included).
    Compare(Box<Jinja>, Vec<(&'static str, Jinja)>),
    /// `then if test else otherwise`.
    Cond {
        /// The condition.
        test: Box<Jinja>,
        /// Value when it holds.
        then: Box<Jinja>,
        /// Value when it does not (undefined when absent).
        otherwise: Option<Box<Jinja>>,
    },
}

/// Arguments of a call, filter or test.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Call {
    /// Positional arguments.
    pub args: Vec<Jinja>,
    /// Keyword arguments in order.
    pub kwargs: Vec<(String, Jinja)>,
}

/// A template statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal text.
    Text(String),
    /// `{{ expr }}`.
    Output(Jinja),
    /// `{% if %}` with its `elif` branches and `else`.
    If {
        /// Conditions and bodies in order.
        branches: Vec<(Jinja, Vec<Node>)>,
        /// The `else` body.
        otherwise: Vec<Node>,
    },
    /// `{% for targets in iter [if filter] %}` with an optional `else`.
    For {
        /// Loop variable names (several when unpacking).
        targets: Vec<String>,
        /// The iterated value.
        iter: Jinja,
        /// Inline filter condition.
        filter: Option<Jinja>,
        /// Loop body.
        body: Vec<Node>,
        /// Body when the iterable is empty.
        otherwise: Vec<Node>,
    },
    /// `{% set targets = value %}`.
    Set {
        /// Assigned names.
        targets: Vec<String>,
        /// The value.
        value: Jinja,
    },
}

/// Printing back to source. Every compound operand is parenthesised: Jinja's tree keeps no
/// groups, so the parentheses cost nothing when the text is parsed again.
mod print {
    use std::fmt::{self, Display, Formatter};

    use super::{Call, Jinja};

    fn atomic(e: &Jinja) -> bool {
        matches!(e, Jinja::Const(_) | Jinja::Name(_) | Jinja::List(_) | Jinja::Dict(_) | Jinja::Tuple(_))
            || matches!(e, Jinja::Attr(..) | Jinja::Item(..) | Jinja::Call(..))
    }

    struct Operand<'a>(&'a Jinja);

    impl Display for Operand<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
            if atomic(self.0) { write!(f, "{}", self.0) } else { write!(f, "({})", self.0) }
        }
    }

    fn list(f: &mut Formatter<'_>, items: &[Jinja]) -> fmt::Result {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }

    fn call(f: &mut Formatter<'_>, c: &Call) -> fmt::Result {
        f.write_str("(")?;
        list(f, &c.args)?;
        for (i, (k, v)) in c.kwargs.iter().enumerate() {
            if i > 0 || !c.args.is_empty() {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v}")?;
        }
        f.write_str(")")
    }

    fn constant(f: &mut Formatter<'_>, v: &serde_json::Value) -> fmt::Result {
        match v {
            serde_json::Value::Null => f.write_str("none"),
            serde_json::Value::String(s) => {
                f.write_str("'")?;
                for c in s.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\'' => f.write_str("\\'")?,
                        '\n' => f.write_str("\\n")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("'")
            }
            serde_json::Value::Number(n) if n.is_f64() => {
                let x = n.as_f64().unwrap_or_default();
                if x.fract() == 0.0 && x.abs() < 1e15 { write!(f, "{x:.1}") } else { write!(f, "{x:e}") }
            }
            other => write!(f, "{other}"),
        }
    }

    impl Display for Jinja {
        fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
            match self {
                Jinja::Const(v) => constant(f, v),
                Jinja::Name(n) => f.write_str(n),
                Jinja::Tuple(items) => {
                    f.write_str("(")?;
                    list(f, items)?;
                    f.write_str(if items.len() == 1 { ",)" } else { ")" })
                }
                Jinja::List(items) => {
                    f.write_str("[")?;
                    list(f, items)?;
                    f.write_str("]")
                }
                Jinja::Dict(entries) => {
                    f.write_str("{")?;
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{k}: {v}")?;
                    }
                    f.write_str("}")
                }
                Jinja::Attr(obj, name) => write!(f, "{}.{name}", Operand(obj)),
                Jinja::Item(obj, key) => write!(f, "{}[{key}]", Operand(obj)),
                Jinja::Slice(a, b, c) => {
                    let part = |x: &Option<Box<Jinja>>| x.as_ref().map(|e| e.to_string()).unwrap_or_default();
                    write!(f, "{}:{}", part(a), part(b))?;
                    if c.is_some() {
                        write!(f, ":{}", part(c))?;
                    }
                    Ok(())
                }
                Jinja::Call(func, c) => {
                    write!(f, "{}", Operand(func))?;
                    call(f, c)
                }
                Jinja::Filter(v, name, c) => {
                    write!(f, "{} | {name}", Operand(v))?;
                    call(f, c)
                }
                Jinja::Test { value, name, call: c, negated } => {
                    write!(f, "{} is {}{name}", Operand(value), if *negated { "not " } else { "" })?;
                    call(f, c)
                }
                Jinja::Unary(op, v) => {
                    let sep = if op.chars().all(char::is_alphabetic) { " " } else { "" };
                    write!(f, "{op}{sep}{}", Operand(v))
                }
                Jinja::Binary(op, l, r) => write!(f, "{} {op} {}", Operand(l), Operand(r)),
                Jinja::Compare(first, rest) => {
                    write!(f, "{}", Operand(first))?;
                    for (op, e) in rest {
                        write!(f, " {op} {}", Operand(e))?;
                    }
                    Ok(())
                }
                Jinja::Cond { test, then, otherwise } => {
                    write!(f, "{} if {}", Operand(then), Operand(test))?;
                    if let Some(o) = otherwise {
                        write!(f, " else {}", Operand(o))?;
                    }
                    Ok(())
                }
            }
        }
    }
}
