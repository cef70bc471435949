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
