//! The quick path against the full evaluators: for every expression of the shapes it lowers,
//! in both languages and over scopes of every kind of value (missing variables, floats,
//! overflowing integers and no current task included), it gives exactly the full
//! evaluator's answer, error or value.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::template::{Expr, Template};
use super::{CurrentTask, Functions, MapScope};

/// An expression tree of the lowered shapes, written out in either language.
#[derive(Debug, Clone)]
enum E {
    TaskFn(&'static str),
    Var(&'static str),
    Lit(&'static str, &'static str),
    Not(Box<E>),
    Bin(&'static str, Box<E>, Box<E>),
}

impl E {
    fn yaql(&self) -> String {
        match self {
            E::TaskFn(f) => format!("{f}()"),
            E::Var(v) => format!("ctx({v})"),
            E::Lit(y, _) => (*y).to_owned(),
            E::Not(x) => format!("not ({})", x.yaql()),
            E::Bin(op, a, b) => {
                let op = if *op == "==" { "=" } else { op };
                format!("({}) {op} ({})", a.yaql(), b.yaql())
            }
        }
    }

    fn jinja(&self) -> String {
        match self {
            E::TaskFn(f) => format!("{f}()"),
            E::Var(v) => format!("ctx('{v}')"),
            E::Lit(_, j) => (*j).to_owned(),
            E::Not(x) => format!("not ({})", x.jinja()),
            E::Bin(op, a, b) => {
                let op = if *op == "=" { "==" } else { op };
                format!("({}) {op} ({})", a.jinja(), b.jinja())
            }
        }
    }
}

fn leaf() -> impl Strategy<Value = E> {
    prop_oneof![
        prop::sample::select(vec!["succeeded", "failed", "completed", "timed_out", "result"])
            .prop_map(E::TaskFn),
        prop::sample::select(vec!["a", "b", "c", "missing"]).prop_map(E::Var),
        prop::sample::select(vec![
            ("1", "1"),
            ("0", "0"),
            ("10", "10"),
            ("9223372036854775807", "9223372036854775807"),
            ("2.5", "2.5"),
            ("'x'", "'x'"),
            ("''", "''"),
            ("true", "true"),
            ("false", "false"),
            ("null", "none"),
        ])
        .prop_map(|(y, j)| E::Lit(y, j)),
    ]
}

fn tree() -> impl Strategy<Value = E> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| E::Not(Box::new(x))),
            (
                prop::sample::select(vec!["and", "or", "+", "-", "<", "<=", ">", ">=", "=", "==", "!="]),
                inner.clone(),
                inner
            )
                .prop_map(|(op, a, b)| E::Bin(op, Box::new(a), Box::new(b))),
        ]
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!(0),
        json!(1),
        json!(-3),
        json!(10),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(0.5),
        json!("x"),
        json!(""),
        json!(true),
        json!(false),
        json!(null),
        json!([1]),
        json!({}),
    ])
}

fn whole(text: &str) -> Expr {
    match Template::compile(text) {
        Ok(Template::Whole(e)) => *e,
        other => panic!("{text}: {other:?}"),
    }
}

proptest! {
    #[test]
    fn the_quick_path_answers_as_the_full_evaluator_does(
        e in tree(),
        vars in prop::collection::vec(value(), 3),
        status in prop::sample::select(vec!["succeeded", "failed", "timed_out", "running"]),
        result in value(),
        with_task in any::<bool>(),
    ) {
        let vars: Map<String, Value> =
            ["a", "b", "c"].iter().map(|k| (*k).to_owned()).zip(vars).collect();
        let task = with_task.then_some(CurrentTask { status, result: &result });
        let scope = MapScope { vars: &vars, task, item: None };
        for text in [format!("<% {} %>", e.yaql()), format!("{{{{ {} }}}}", e.jinja())] {
            let expr = whole(&text);
            prop_assert!(expr.quick.is_some(), "{text} was not lowered");
            let quick = expr.evaluate(&scope, Functions::none());
            let full = expr.evaluate_fully(&scope, Functions::none()).map(std::borrow::Cow::into_owned);
            // A condition asks only the value's truth, which the quick path gives unbuilt.
            let truth = Template::compile(&text).map(|t| t.truth(&scope, Functions::none()));
            let full_truth = full.clone().map(|v| super::value::truthy(&v));
            prop_assert_eq!(truth.ok(), Some(full_truth), "{}", text);
            prop_assert_eq!(quick, full, "{}", text);
        }
    }
}

/// The shapes a loop is written in take the quick path and give its values; what it does not
/// carry (a string result, an error) falls through to the full evaluator.
#[test]
fn a_loops_condition_and_counter_are_answered_quickly() {
    let vars: Map<String, Value> =
        [("i".to_owned(), json!(3)), ("s".to_owned(), json!("a"))].into_iter().collect();
    let task = Some(CurrentTask { status: "succeeded", result: &Value::Null });
    let scope = MapScope { vars: &vars, task, item: None };
    let quick =
        |text: &str| whole(text).quick.and_then(|q| q.evaluate(&scope).map(std::borrow::Cow::into_owned));
    assert_eq!(quick("<% succeeded() and ctx(i) < 10 %>"), Some(json!(true)));
    assert_eq!(quick("{{ succeeded() and ctx('i') >= 10 }}"), Some(json!(false)));
    assert_eq!(quick("<% ctx(i) + 1 %>"), Some(json!(4)));
    assert_eq!(quick("{{ ctx('i') - 4 }}"), Some(json!(-1)));
    assert_eq!(quick("<% ctx(s) %>"), Some(json!("a")));
    assert_eq!(quick("<% ctx(s) + 'b' %>"), None, "a computed string is the full evaluator's");
    assert_eq!(quick("<% ctx(nope) %>"), None, "an error is the full evaluator's");
    assert!(whole("<% ctx(i) * 2 %>").quick.is_none(), "`*` has no quick form");
    assert!(whole("<% ctx(xs).len() %>").quick.is_none(), "nor a method call");
}
