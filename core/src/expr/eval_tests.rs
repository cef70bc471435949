//! Evaluation of every construct in the corpus inventory, the formatting rules, and each
//! error kind.

use serde_json::{Value, json};

use super::{CurrentTask, ExprErrorKind, Functions, MapScope, Scope, Template};

fn vars() -> serde_json::Map<String, Value> {
    let v = json!({
        "a": 7, "b": 2, "i": 3, "name": "Stanley", "names": ["x", "y", "z"],
        "words": ["Delta", "alpha", "Charlie", "bravo"], "missing": null, "number_text": "42",
        "orders": [
            {"id": 1, "customer": "acme", "total": 30},
            {"id": 2, "customer": "globex", "total": 10},
            {"id": 3, "customer": "acme", "total": 20}
        ],
        "settings": {"mode": "fast", "port": 80},
        "hosts": ["h1", "h2", "h3"], "ports": [22, 80],
        "flag": true, "base": 3, "members": ["m1", "m2"], "messages": ["hi", "yo"]
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

struct TestScope {
    vars: serde_json::Map<String, Value>,
    result: Value,
    item: Option<Value>,
}

impl Scope for TestScope {
    fn var(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
    fn vars(&self) -> serde_json::Map<String, Value> {
        self.vars.clone()
    }
    fn current_task(&self) -> Option<CurrentTask<'_>> {
        Some(CurrentTask { status: "succeeded", result: &self.result })
    }
    fn item(&self) -> Option<&Value> {
        self.item.as_ref()
    }
    fn task_status(&self, name: &str) -> Option<String> {
        (name == "probe_a").then(|| "succeeded".to_owned())
    }
}

fn scope() -> TestScope {
    TestScope {
        vars: vars(),
        result: json!({"path": "/a/b", "settings": {"mode": "fast", "b": 1, "a": 2}, "payload": "{\"k\": [1]}"}),
        item: Some(json!({"host": "h1", "port": 22})),
    }
}

fn eval(text: &str) -> Value {
    let t = Template::compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    t.evaluate(&scope(), &Functions::new()).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

fn fails(text: &str) -> ExprErrorKind {
    let t = Template::compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    t.evaluate(&scope(), &Functions::new()).expect_err(text).error.kind
}

#[test]
fn yaql_accessors_and_orquesta_functions() {
    for (text, want) in [
        ("<% ctx(name) %>", json!("Stanley")),
        ("<% ctx('name') %>", json!("Stanley")),
        ("<% ctx(\"name\") %>", json!("Stanley")),
        ("<% ctx().name %>", json!("Stanley")),
        ("<% ctx().nope %>", json!(null)),
        ("<% ctx().keys().orderBy($).toList().first() %>", json!("a")),
        ("<% succeeded() %>", json!(true)),
        ("<% failed() %>", json!(false)),
        ("<% completed() %>", json!(true)),
        ("<% result().settings.mode %>", json!("fast")),
        ("<% result().settings[\"mode\"] %>", json!("fast")),
        ("<% item() %>", json!({"host": "h1", "port": 22})),
        ("<% item(host) %>", json!("h1")),
        ("<% task_status(probe_a) %>", json!("succeeded")),
        ("<% task_status(never_ran) %>", json!("null")),
        ("<% json(result().payload) %>", json!({"k": [1]})),
        ("<% zip(ctx(hosts), ctx(ports)) %>", json!([["h1", 22], ["h2", 80], ["h3", null]])),
        ("<% zip(ctx(hosts), ctx(ports), pad => 443) %>", json!([["h1", 22], ["h2", 80], ["h3", 443]])),
    ] {
        assert_eq!(eval(text), want, "{text}");
    }
}

#[test]
fn yaql_operators_and_literals() {
    for (text, want) in [
        ("<% ctx(a) + ctx(b) %>", json!(9)),
        ("<% ctx(a) - ctx(b) %>", json!(5)),
        ("<% ctx(a) * ctx(b) %>", json!(14)),
        ("<% ctx(a) / ctx(b) %>", json!(3)),
        ("<% -7 / 2 %>", json!(-4)),
        ("<% 7.0 / 2 %>", json!(3.5)),
        ("<% ctx(a) mod ctx(b) %>", json!(1)),
        ("<% -7 mod 2 %>", json!(1)),
        (
            "<% [ctx(a) = 7, ctx(a) != 7, ctx(b) < 2, ctx(b) <= 2, ctx(a) > 10, ctx(a) >= 7] %>",
            json!([true, false, false, true, false, true]),
        ),
        ("<% (ctx(a) > 5 and ctx(b) > 5) or not (ctx(a) = ctx(b)) %>", json!(true)),
        ("<% \"y\" in ctx(names) %>", json!(true)),
        ("<% \"n=\" + str(ctx(a)) + \";\" + ctx(names)[1] %>", json!("n=7;y")),
        ("<% succeeded() and not ctx(flag) %>", json!(false)),
        ("<% null %>", json!(null)),
        ("<% true %>", json!(true)),
        ("<% 'it\\'s' %>", json!("it's")),
        ("<% list(a, b) %>", json!(["a", "b"])),
        ("<% not ctx(name) in list(a, b) %>", json!(true)),
    ] {
        assert_eq!(eval(text), want, "{text}");
    }
}

#[test]
fn yaql_collection_methods_with_lambdas() {
    for (text, want) in [
        ("<% ctx(orders).where($.customer = \"acme\").select($.id) %>", json!([1, 3])),
        ("<% ctx(orders).skip(1).take(2).select($.id).toList() %>", json!([2, 3])),
        ("<% ctx(orders).select($.total).sum() %>", json!(60)),
        ("<% ctx(orders).select($.total).max() %>", json!(30)),
        ("<% ctx(orders).select($.customer).distinct().orderBy($).toList() %>", json!(["acme", "globex"])),
        ("<% ctx(orders).select($.customer).contains(\"globex\") %>", json!(true)),
        ("<% ctx(orders).orderByDescending($.total).select($.id) %>", json!([1, 3, 2])),
        ("<% ctx(orders).orderBy($.total).first().id %>", json!(2)),
        ("<% result().settings.keys().orderBy($).toList() %>", json!(["a", "b", "mode"])),
        ("<% result().settings.get(port, 8080) %>", json!(8080)),
        ("<% result().path.split(\"/\").join(\"|\") %>", json!("|a|b")),
        ("<% result().path.replace(\"/\", \".\") %>", json!(".a.b")),
        ("<% result().settings.mode.toUpper() %>", json!("FAST")),
        ("<% range(len(ctx(hosts))).toList() %>", json!([0, 1, 2])),
        ("<% pow(ctx(base), 2) %>", json!(9)),
        ("<% dict(first => ctx(names)[0], count => len(ctx(names))) %>", json!({"first": "x", "count": 3})),
        ("<% switch(ctx(a) > 5 => 8, true => 2) %>", json!(8)),
        ("<% int(\"12\") + 1 %>", json!(13)),
        ("<% float(ctx(a)) / ctx(b) %>", json!(3.5)),
        ("<% len(result().settings) %>", json!(3)),
        ("<% ctx(names).any($ = 'y') %>", json!(true)),
        ("<% 'a-{0}-{1}'.format(1, 'b') %>", json!("a-1-b")),
    ] {
        assert_eq!(eval(text), want, "{text}");
    }
}

#[test]
fn jinja_expressions_filters_and_tests() {
    for (text, want) in [
        ("{{ ctx('words') | length }}", json!(4)),
        ("{{ (ctx('words') | first) ~ '/' ~ (ctx('words') | last) }}", json!("Delta/bravo")),
        ("{{ ctx('words') | map('lower') | sort | list }}", json!(["alpha", "bravo", "charlie", "delta"])),
        ("{{ ctx('words') | reverse | list }}", json!(["bravo", "Charlie", "alpha", "Delta"])),
        ("{{ ctx('missing') | default('n/a', true) }}", json!("n/a")),
        ("{{ ctx('number_text') | int + 1 }}", json!(43)),
        ("{{ 4 | string ~ ' words' }}", json!("4 words")),
        ("{{ 'a b c' | replace(' ', '-') }}", json!("a-b-c")),
        ("{{ 'even' if ctx('base') is even else 'odd' }}", json!("odd")),
        ("{{ 'none' if ctx('missing') is none else 'set' }}", json!("none")),
        ("{{ succeeded() and ctx('name') not in ['red', 'green'] }}", json!(true)),
        ("{{ ctx('name') == 'Stanley' }}", json!(true)),
        ("{{ ctx('name') | upper }}", json!("STANLEY")),
        ("{{ result() | length }}", json!(3)),
        ("{{ item() }} of {{ ctx('base') }}", json!("{'host': 'h1', 'port': 22} of 3")),
        ("{{ ctx('names') | join('+') }}", json!("x+y+z")),
        ("{{ 7 / 2 }}", json!(3.5)),
        ("{{ 7 // 2 }}", json!(3)),
        ("{{ nothing | default('d') }}", json!("d")),
        ("{{ nothing is defined }}", json!(false)),
        ("{{ ctx().name }}", json!("Stanley")),
        ("{{ ctx('settings').get('port') }}", json!(80)),
    ] {
        assert_eq!(eval(text), want, "{text}");
    }
}

#[test]
fn jinja_blocks_render_strings() {
    let t = "{% for w in ctx('words') %}{% if w is upper or w[0] is upper %}{{ w }} {% endif %}{% endfor %}";
    assert_eq!(eval(t), json!("Delta Charlie "));
    assert_eq!(
        eval(
            "{% for x in ctx('names') %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}"
        ),
        json!("1x,2y,3z")
    );
    assert_eq!(eval("{% set n = ctx('a') + 1 %}{{ n }}"), json!("8"));
    assert_eq!(eval("{% for x in [] %}a{% else %}empty{% endfor %}"), json!("empty"));
}

#[test]
fn mixed_text_formats_values_the_python_way() {
    assert_eq!(eval("v=<% null %> <% true %> <% [1, 'a'] %> <% 1.0 %>"), json!("v=None True [1, 'a'] 1.0"));
    assert_eq!(eval("<% ctx(name) %>, <% ctx(b) %>"), json!("Stanley, 2"));
    assert_eq!(eval(" <% ctx(b) %>"), json!(" 2"));
    assert_eq!(eval("{{ {'a': none} }} x"), json!("{'a': None} x"));
}

#[test]
fn data_is_never_evaluated() {
    let mut s = scope();
    s.vars.insert("tricky".into(), json!("<% ctx(a) %>"));
    let t = Template::compile("<% ctx(tricky) %>").unwrap();
    assert_eq!(t.evaluate(&s, &Functions::new()).unwrap(), json!("<% ctx(a) %>"));
}

#[test]
fn each_error_kind() {
    assert_eq!(fails("<% ctx(nope) %>"), ExprErrorKind::Undefined);
    assert_eq!(fails("{{ ctx('nope') }}"), ExprErrorKind::Undefined);
    assert_eq!(fails("{{ nope }}"), ExprErrorKind::Undefined);
    assert_eq!(fails("<% frobnicate(1) %>"), ExprErrorKind::UnknownFunction);
    assert_eq!(fails("<% ctx(name) + 1 %>"), ExprErrorKind::WrongType);
    assert_eq!(fails("<% ctx(a) / 0 %>"), ExprErrorKind::DivisionByZero);
    assert_eq!(fails("<% ctx(names)[9] %>"), ExprErrorKind::InvalidArgument);
    assert_eq!(fails("<% item(nokey) %>"), ExprErrorKind::Undefined);
    let bare = serde_json::Map::new();
    let t = Template::compile("<% result() %>").unwrap();
    assert_eq!(
        t.evaluate(&MapScope::new(&bare), &Functions::new()).unwrap_err().error.kind,
        ExprErrorKind::NoContext
    );
}

#[test]
fn errors_name_the_expression_and_the_position() {
    let t = Template::compile("x <% ctx(a) + ctx(name) %>").unwrap();
    let e = t.evaluate(&scope(), &Functions::new()).unwrap_err();
    assert_eq!(e.expression, "<% ctx(a) + ctx(name) %>");
    assert_eq!(e.error.position, 7);
    assert!(e.error.message.contains("'int' and 'str'"), "{}", e.error.message);
    let e =
        Template::compile("<% fromJson(1) %>").unwrap().evaluate(&scope(), &Functions::new()).unwrap_err();
    assert!(e.error.message.contains("unknown function \"fromJson\""), "{}", e.error.message);
}

#[test]
fn host_functions_extend_both_languages() {
    let mut fns = Functions::new();
    fns.register("kv_get", |args: &[Value]| match args {
        [Value::String(k)] if k == "region" => Ok(json!("eu-west")),
        [other] => Err(format!("no key {other}")),
        _ => Err("kv_get takes one key".into()),
    });
    let s = scope();
    assert_eq!(
        Template::compile("<% kv_get(region) %>").unwrap().evaluate(&s, &fns).unwrap(),
        json!("eu-west")
    );
    assert_eq!(
        Template::compile("{{ kv_get('region') }}").unwrap().evaluate(&s, &fns).unwrap(),
        json!("eu-west")
    );
    assert_eq!(
        Template::compile("{{ 'region' | kv_get }}").unwrap().evaluate(&s, &fns).unwrap(),
        json!("eu-west")
    );
    let e = Template::compile("<% kv_get(zone) %>").unwrap().evaluate(&s, &fns).unwrap_err();
    assert_eq!(e.error.kind, ExprErrorKind::Host);
}

#[test]
fn functions_real_workflows_use_beyond_the_corpus() {
    for (text, want) in [
        ("<% result().settings.values().len() %>", json!(3)),
        ("<% result().settings.items().first() %>", json!(["mode", "fast"])),
        ("<% set(1, 1, 2) %>", json!([1, 2])),
        ("<% list(1, 1, 2).set() %>", json!([1, 2])),
        ("<% bool(ctx(names)) %>", json!(true)),
        ("<% round(2.5) %>", json!(2)),
        ("<% round(2.71828, 2) %>", json!(2.72)),
        ("<% ctx(a) + 0.5 %>", json!(7.5)),
        ("<% ctx(name).startsWith('Stan') and ctx(name).endsWith('ley') %>", json!(true)),
        ("<% ctx(name).toLower().indexOf('ley') %>", json!(4)),
        ("<% ctx(name).substring(1, 3) %>", json!("tan")),
        ("<% '  x '.trim() %>", json!("x")),
        ("<% abs(-3) %>", json!(3)),
        ("<% min(3, 1) %>", json!(1)),
        ("<% ctx(names).last() %>", json!("z")),
        ("<% ctx(names).reverse() %>", json!(["z", "y", "x"])),
        ("<% [[1, [2]], 3].flatten() %>", json!([1, 2, 3])),
        ("{{ {'a': [1, none]} | tojson }}", json!("{\"a\":[1,null]}")),
        ("{{ '{\"a\": 1}' | from_json_string }}", json!({"a": 1})),
        ("{{ ctx('name') | lower | title }}", json!("Stanley")),
        ("{{ [3, 1, 2] | sort(reverse=true) }}", json!([3, 2, 1])),
        ("{{ [1, 2, 3] | sum }}", json!(6)),
        ("{{ ctx('orders') | map(attribute='id') | list }}", json!([1, 2, 3])),
        ("{{ 'a,b'.split(',') }}", json!(["a", "b"])),
        ("{{ ', '.join(ctx('names')) }}", json!("x, y, z")),
        ("{{ ctx('names')[-1] }}", json!("z")),
        ("{{ ctx('names')[1:] }}", json!(["y", "z"])),
        ("{{ 2 ** 10 }}", json!(1024)),
    ] {
        assert_eq!(eval(text), want, "{text}");
    }
}
