//! Timings of the core's hot paths with divan: the step loop over whole workloads,
//! expression evaluation, and state serialization (what an embedder pays to persist a run).
//!
//! `cargo bench -p ostinato-tests --bench core_paths` (add a filter, e.g. `-- step_loop`).
//! The step loop reports actions per second (divan's item counter); the table of issue 7
//! comes from the `bench` binary.

use std::hint::black_box;

use divan::Bencher;
use divan::counter::ItemsCount;
use ostinato_core::{CurrentTask, Functions, Scope, State, Template, Workflow, compile};
use ostinato_tests::workloads::{Workload, by_name, drive_state};
use serde_json::{Map, Value, json};

fn main() {
    divan::main();
}

/// A workload and its compiled workflow, by bench name (`loop-1000`, `items-1000-c10`).
fn workload(name: &str) -> (Workload, Workflow) {
    let w = by_name(name).unwrap_or_else(|e| panic!("{e}"));
    let wf = compile(&w.text).unwrap_or_else(|d| panic!("{name}: {d}"));
    (w, wf)
}

/// Whole workloads from start to end under the lockstep driver.
#[divan::bench(args = ["chain-1000", "fanout-1000", "loop-1000", "loopj-1000", "items-1000", "items-1000-c10"])]
fn step_loop(bencher: Bencher, name: &str) {
    let (w, wf) = workload(name);
    bencher
        .counter(ItemsCount::new(w.actions))
        .with_inputs(|| w.input.clone())
        .bench_values(|input| drive_state(black_box(&wf), input));
}

/// What expressions see: a few variables and a 100-element list.
struct Vars {
    vars: Map<String, Value>,
    result: Value,
}

impl Scope for Vars {
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

const EXPRESSIONS: [&str; 6] = [
    "<% succeeded() and ctx(i) < 10 %>",
    "{{ succeeded() and ctx('i') < 10 }}",
    "<% ctx(i) + 1 %>",
    "<% ctx(items) %>",
    "<% ctx(items).select($.id) %>",
    "item <% ctx(i) %> of <% len(ctx(items)) %>",
];

/// One evaluation of a compiled expression (compilation is done once, at load).
#[divan::bench(args = EXPRESSIONS)]
fn expression(bencher: Bencher, text: &str) {
    let items: Vec<Value> = (0..100).map(|i| json!({"id": i, "name": format!("item-{i}")})).collect();
    let vars: Map<String, Value> =
        [("i".to_owned(), json!(3)), ("items".to_owned(), Value::Array(items))].into_iter().collect();
    let scope = Vars { vars, result: json!({"ok": true}) };
    let functions = Functions::new();
    let template = Template::compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert!(template.evaluate(&scope, &functions).is_ok(), "{text} evaluates");
    bencher.bench(|| template.evaluate(black_box(&scope), &functions).ok());
}

/// The state at the end of a workload (a chain keeps one record per task; a loop stays small).
fn end_state(name: &str) -> State {
    let (w, wf) = workload(name);
    drive_state(&wf, w.input).0
}

/// The state written as JSON.
#[divan::bench(args = ["chain-1000", "loop-1000", "items-1000"])]
fn serialize(bencher: Bencher, name: &str) {
    let state = end_state(name);
    bencher.bench(|| serde_json::to_vec(black_box(&state)).map(|v| v.len()).unwrap_or(0));
}

/// The state read back from JSON.
#[divan::bench(args = ["chain-1000", "loop-1000", "items-1000"])]
fn deserialize(bencher: Bencher, name: &str) {
    let bytes = serde_json::to_vec(&end_state(name)).unwrap_or_default();
    bencher.bench(|| serde_json::from_slice::<State>(black_box(&bytes)).is_ok());
}
