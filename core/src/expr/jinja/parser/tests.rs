use super::*;

#[test]
fn expression_precedence() {
    let e = parse_expression("1 + 2 * 3 ~ 'x'").unwrap();
    // `~` binds looser than `+`.
    let Jinja::Binary(op, ..) = e else { panic!("{e:?}") };
    assert_eq!(op, "+");
    let e = parse_expression("not a and b").unwrap();
    assert!(matches!(e, Jinja::Binary("and", ..)));
    let e = parse_expression("a if b else c").unwrap();
    assert!(matches!(e, Jinja::Cond { .. }));
    let e = parse_expression("x not in y").unwrap();
    assert!(matches!(e, Jinja::Compare(_, ref ops) if ops[0].0 == "not in"));
}

#[test]
fn filters_tests_calls_and_access() {
    for src in [
        "ctx('x') | default('a') | upper",
        "ctx().items[0].name",
        "ctx(xs) | map(attribute='n') | list",
        "ctx(n) is even",
        "ctx(n) is not none",
        "x is divisibleby 3",
        "xs[1:2]",
        "xs[::2]",
        "{'a': 1, 'b': [1, 2,]}",
        "(1, 2)",
        "'a' 'b'",
        "-x | abs",
        "2 ** 3 // 2 % 2",
    ] {
        parse_expression(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}

#[test]
fn templates_with_blocks() {
    let nodes =
        parse_template("{% for x in ctx(xs) %}{{ x }}{% if loop.last %}!{% else %},{% endif %}{% endfor %}")
            .unwrap();
    assert!(matches!(nodes[0], Node::For { .. }));
    let nodes = parse_template("a {% set y = 1 %}{{ y }}{# note #}b").unwrap();
    assert_eq!(nodes.len(), 4);
}

#[test]
fn trim_and_lstrip_blocks_like_orquesta() {
    let nodes = parse_template("{% if x %}\n  yes\n  {% endif %}\ndone").unwrap();
    let Node::If { branches, .. } = &nodes[0] else { panic!() };
    assert_eq!(branches[0].1, vec![Node::Text("  yes\n".into())]);
    assert_eq!(nodes[1], Node::Text("done".into()));
}

#[test]
fn closing_braces_inside_a_dict_do_not_end_the_tag() {
    let nodes = parse_template("{{ {'a': 1}}}").unwrap();
    assert!(matches!(nodes[0], Node::Output(Jinja::Dict(_))));
}

#[test]
fn malformed_templates_are_refused() {
    for src in
        ["{{ a b }}", "{{ a", "{% if x %}", "{% endif %}", "{% frobnicate %}", "{{ (1 }}", "{{ f(a=1, 2) }}"]
    {
        assert!(parse_template(src).is_err(), "{src} should not parse");
    }
}

#[test]
fn raw_blocks_are_data() {
    let nodes = parse_template("{% raw %}{{ not parsed }}{% endraw %}").unwrap();
    assert_eq!(nodes, vec![Node::Text("{{ not parsed }}".into())]);
}
