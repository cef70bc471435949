//! Printing a parsed expression and parsing the text again gives the same tree, for
//! generated YAQL and Jinja expressions.

use ostinato_core::{Ast, Template};
use proptest::prelude::*;

fn yaql() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("ctx(x)".to_owned()),
        Just("ctx().name".to_owned()),
        Just("$".to_owned()),
        Just("$.id".to_owned()),
        Just("succeeded()".to_owned()),
        Just("'a\\'b'".to_owned()),
        Just("null".to_owned()),
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("1.5".to_owned()),
        Just("word".to_owned()),
    ];
    leaf.prop_recursive(4, 40, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "mod", "=", "!=", "<", ">=", "and", "or", "in"
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("{a}.where($ > 1)")),
            inner.clone().prop_map(|a| format!("[{a}, 1]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("dict(k => {a}, j => {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a}[{b}]")),
        ]
    })
}

fn jinja() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("ctx('x')".to_owned()),
        Just("ctx().name".to_owned()),
        Just("item()".to_owned()),
        Just("none".to_owned()),
        Just("'s'".to_owned()),
        (0u32..1000).prop_map(|n| n.to_string()),
        Just("name".to_owned()),
    ];
    leaf.prop_recursive(4, 40, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "//", "%", "~", "==", "<", "in", "not in", "and", "or"
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a}) {op} ({b})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("{a} | default('d') | upper")),
            inner.clone().prop_map(|a| format!("{a} is not even")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("({a}) if ({b}) else ({c})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("[{a}, {b}][0:1]")),
        ]
    })
}

fn reparse(text: &str) -> (Ast, Ast) {
    let Ok(Template::Whole(first)) = Template::compile(text) else {
        panic!("generated text does not parse: {text}")
    };
    let printed = match &first.ast {
        Ast::Yaql(y) => format!("<% {y} %>"),
        Ast::Jinja(j) => format!("{{{{ {j} }}}}"),
    };
    let Ok(Template::Whole(second)) = Template::compile(&printed) else {
        panic!("printed form does not parse: {printed} (from {text})");
    };
    (first.ast, second.ast)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn yaql_prints_back_to_the_same_tree(expr in yaql()) {
        let (a, b) = reparse(&format!("<% {expr} %>"));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn jinja_prints_back_to_the_same_tree(expr in jinja()) {
        let (a, b) = reparse(&format!("{{{{ {expr} }}}}"));
        prop_assert_eq!(a, b);
    }
}
