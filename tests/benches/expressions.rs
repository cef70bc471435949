//! Expression evaluation speed: prints nanoseconds per evaluation (median of 7 runs).
//!
//! `cargo bench -p ostinato-tests --bench expressions`

use std::hint::black_box;
use std::time::Instant;

use ostinato_core::{CurrentTask, Functions, Scope, Template};
use serde_json::{Map, Value, json};

struct Bench {
    vars: Map<String, Value>,
    result: Value,
}

impl Scope for Bench {
    fn var(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
    fn vars(&self) -> Map<String, Value> {
        self.vars.clone()
    }
    fn current_task(&self) -> Option<CurrentTask<'_>> {
        Some(CurrentTask { status: "succeeded", result: &self.result })
    }
}

fn median_ns(template: &Template, scope: &Bench, functions: &Functions, iterations: u32) -> f64 {
    let mut runs: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(template.evaluate(black_box(scope), functions).ok());
            }
            start.elapsed().as_nanos() as f64 / f64::from(iterations)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[3]
}

fn main() {
    let items: Vec<Value> = (0..100).map(|i| json!({"id": i, "name": format!("item-{i}")})).collect();
    let mut vars = Map::new();
    vars.insert("i".into(), json!(3));
    vars.insert("items".into(), Value::Array(items));
    let scope = Bench { vars, result: json!({"ok": true}) };
    let functions = Functions::new();
    let cases = [
        ("yaql condition", "<% succeeded() and ctx(i) < 10 %>", 1_000_000),
        ("jinja condition", "{{ succeeded() and ctx('i') < 10 }}", 1_000_000),
        ("yaql publish of a 100-element list", "<% ctx(items) %>", 100_000),
        ("jinja publish of a 100-element list", "{{ ctx('items') }}", 100_000),
        ("yaql select over 100 elements", "<% ctx(items).select($.id) %>", 20_000),
        ("mixed text", "item <% ctx(i) %> of <% len(ctx(items)) %>", 500_000),
    ];
    println!("{:<40} {:>12}", "expression", "ns/eval");
    for (name, text, iterations) in cases {
        let template = Template::compile(text).expect("compiles");
        assert!(template.evaluate(&scope, &functions).is_ok(), "{text} evaluates");
        println!("{name:<40} {:>12.1}", median_ns(&template, &scope, &functions, iterations));
    }
}
