//! Whatever the text, compiling it returns a workflow or diagnostics: never a panic.

use proptest::prelude::*;

fn yamlish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("version: 1.0\n".to_owned()),
        Just("tasks:\n".to_owned()),
        Just("  t1:\n".to_owned()),
        Just("    action: core.echo message=<% ctx(x) %>\n".to_owned()),
        Just("    next:\n      - when: <% succeeded( %>\n        do: [t1, t2]\n".to_owned()),
        Just("    join: all\n".to_owned()),
        Just("    with: a, b in {{ zip(x, y) }}\n".to_owned()),
        Just("{% for x in y %}{{ x }}{% endfor %}".to_owned()),
        Just("&a [*a, *a]\n".to_owned()),
        Just("- [\n".to_owned()),
        "[ -~\\n]{0,20}",
    ];
    prop::collection::vec(atom, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = ostinato_core::compile(&text);
    }

    #[test]
    fn workflow_shaped_text_never_panics(text in yamlish()) {
        let diagnostics = ostinato_core::inspect(&text);
        // Every diagnostic of a loaded document says where it is.
        for d in &diagnostics {
            prop_assert!(d.location.is_some() || d.category == ostinato_core::Category::Load || d.path.as_deref() == Some("tasks"), "{d}");
        }
    }

    #[test]
    fn expressions_never_panic(expr in "[ -~]{0,40}") {
        let _ = ostinato_core::Template::compile(&format!("<% {expr} %>"));
        let _ = ostinato_core::Template::compile(&format!("{{{{ {expr} }}}}"));
        let _ = ostinato_core::Template::compile(&format!("{{% {expr} %}}"));
    }
}
