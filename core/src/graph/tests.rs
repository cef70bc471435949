//! The compiled graph: indices, edges, entry points, joins, splits and cycles.

use super::*;
use crate::expr::Template;
use crate::inspect::CompileOptions;

const DIAMOND: &str = "\
version: 1.0
tasks:
  start:
    action: core.noop
    next:
      - when: <% succeeded() %>
        do: [left, right]
  left:
    action: core.noop
    next: [{do: join}]
  right:
    action: core.noop
    next: [{do: join}, {when: <% failed() %>, do: fail}]
  join:
    join: all
    action: core.noop
";

fn ids(w: &Workflow, names: &[&str]) -> Vec<TaskId> {
    names.iter().map(|n| w.task_id(n).expect("task")).collect()
}

#[test]
fn names_resolve_to_indices_with_inbound_edges_and_join_arity() {
    let w = compile(DIAMOND).expect("valid");
    let g = w.graph();
    assert_eq!(g.entry, ids(&w, &["start"]));
    let start = &g.tasks[0];
    assert_eq!(start.transitions[0].targets, vec![Target::Task(TaskId(1)), Target::Task(TaskId(2))]);
    assert!(start.transitions[0].when.is_some());
    let join = w.task(w.task_id("join").expect("join")).expect("task");
    assert_eq!(join.inbound, vec![(TaskId(1), 0), (TaskId(2), 0)]);
    assert_eq!(join.join, Some(JoinArity::All(2)));
    let right = &g.tasks[2];
    assert_eq!(right.transitions[1].targets, vec![Target::Command(EngineCommand::Fail)]);
}

#[test]
fn transitions_without_do_continue() {
    let w =
        compile("tasks:\n  a:\n    action: core.noop\n    next:\n      - publish: {x: 1}\n").expect("valid");
    assert_eq!(w.graph().tasks[0].transitions[0].targets, vec![Target::Command(EngineCommand::Continue)]);
}

#[test]
fn split_tasks_and_cycles_are_marked() {
    let text = "tasks:\n  a:\n    next: [{do: [b, c]}]\n  b:\n    next: [{do: d}]\n  c:\n    next: [{do: d}]\n  d:\n    next: [{when: <% false %>, do: e}]\n  e:\n    next: [{do: f}]\n  f:\n    next: [{do: e}]\n";
    let w = compile(text).expect("valid");
    let task = |n: &str| w.task(w.task_id(n).expect("id")).expect("task");
    assert!(task("d").split && !task("d").in_cycle);
    assert!(!task("b").split);
    assert!(task("e").in_cycle && task("f").in_cycle && !task("e").split);
}

#[test]
fn a_pure_cycle_compiles_only_with_named_start_tasks() {
    let text = "tasks:\n  a:\n    next: [{do: b}]\n  b:\n    next: [{do: a}]\n";
    assert!(compile(text).is_err());
    let w = compile_with(text, &CompileOptions::start_at(["b"])).expect("valid with a start");
    assert_eq!(w.graph().entry, ids(&w, &["b"]));
}

#[test]
fn expressions_are_parsed_at_compile_time() {
    let w = compile(DIAMOND).expect("valid");
    assert!(matches!(w.graph().tasks[0].transitions[0].when.as_deref(), Some(Template::Whole(_))));
    let text = "input: [n]\ntasks:\n  t:\n    action: core.echo\n    input: {message: 'n is <% ctx(n) %>'}\n    with: {items: '<% range(3) %>', concurrency: 2}\n    retry: {count: '<% 1 + 1 %>', delay: 3}\n";
    let w = compile(text).expect("valid");
    let t = &w.graph().tasks[0];
    assert!(matches!(t.items.as_ref().map(|i| &i.concurrency), Some(Some(Count::Literal(2)))));
    assert!(matches!(t.retry.as_ref().map(|r| &r.count), Some(Count::Expr(_))));
    assert!(t.input.is_some());
}

#[test]
fn workflow_clones_share_the_graph() {
    let w = compile(DIAMOND).expect("valid");
    let copy = w.clone();
    assert!(std::ptr::eq(w.graph(), copy.graph()));
}

#[test]
fn name_ranks_follow_name_order_not_declaration_order() {
    let w = compile(DIAMOND).expect("valid");
    // Declared start, left, right, join; by name: join, left, right, start.
    let ranks: Vec<u32> =
        ids(&w, &["start", "left", "right", "join"]).into_iter().map(|t| w.name_rank(t)).collect();
    assert_eq!(ranks, [3, 1, 2, 0]);
}

#[test]
fn conditions_that_read_the_same_share_one_compiled_tree() {
    let text = "tasks:\n  a:\n    next: [{when: <% succeeded() %>, do: b}, {when: <% failed() %>, do: c}]\n  b:\n    next: [{when: <% succeeded() %>, do: c}]\n  c: {}\n";
    let w = compile(text).expect("valid");
    let when =
        |task: usize, tr: usize| w.graph().tasks[task].transitions[tr].when.clone().expect("a condition");
    assert!(Arc::ptr_eq(&when(0, 0), &when(1, 0)), "the same text, one tree");
    assert!(!Arc::ptr_eq(&when(0, 0), &when(0, 1)), "another text, another tree");
}

#[test]
fn an_edge_name_is_one_allocation_wherever_it_appears() {
    let text = "tasks:\n  a:\n    next: [{do: b}]\n  b:\n    next: [{do: c}]\n  c:\n    next: [{do: j}]\n  d:\n    next: [{do: j}]\n  j: {}\n";
    let w = compile(text).expect("valid");
    let edge = |name: &str| w.task(w.task_id(name).expect("id")).expect("task").edges[0].clone();
    assert_eq!((&*edge("a").id, &*edge("b").back), ("b__t0", "b__t0"));
    assert!(Arc::ptr_eq(&edge("a").id, &edge("b").back), "a's way out is b's name for where it came from");
    assert!(Arc::ptr_eq(&edge("c").id, &edge("d").id), "both branches name their edge into j `j__t0`");
    assert!(!Arc::ptr_eq(&edge("c").back, &edge("d").back));
}

#[test]
fn task_ids_are_found_by_name_in_any_declaration_order() {
    let w = compile(DIAMOND).expect("valid");
    for (i, name) in ["start", "left", "right", "join"].into_iter().enumerate() {
        assert_eq!(w.task_id(name), Some(TaskId(u32::try_from(i).expect("small"))), "{name}");
    }
    assert_eq!((w.task_id("nope"), w.task_id(""), w.task_id("lefty")), (None, None, None));
}

#[test]
fn each_task_lists_the_distinct_tasks_it_leads_to_and_its_shape() {
    let text = "tasks:\n  a:\n    next: [{do: [c, b]}, {when: <% failed() %>, do: [b, fail]}]\n  b:\n    retry: {count: 2}\n    timeout: 3\n    next: [{do: c}]\n  c:\n    with: <% [1] %>\n    action: core.noop\n";
    let w = compile(text).expect("valid");
    let [a, b, c] = ids(&w, &["a", "b", "c"])[..] else { panic!("three tasks") };
    // `a` reaches `b` twice and `fail` once: each task once, in edge (name) order.
    assert_eq!((w.targets(a), w.targets(b), w.targets(c)), (&[b, c][..], &[c][..], &[][..]));
    let shape = |t| w.shape(t).expect("known");
    assert_eq!((shape(c).join, shape(c).required, shape(c).sources, shape(c).items), (false, 1, 2, true));
    let d = compile(DIAMOND).expect("valid");
    let join = d.shape(ids(&d, &["join"])[0]).expect("known");
    assert_eq!((join.join, join.required, join.sources, join.split), (true, 2, 2, false));
    assert_eq!((shape(b).retry, shape(b).timeout_ms, shape(b).required), (true, Some(3000), 1));
    assert_eq!((shape(a).retry, shape(a).items, shape(a).timeout_ms), (false, false, None));
    assert_eq!((shape(a).fails, shape(b).fails), (true, false), "only `a` has a transition to `fail`");
    assert_eq!((shape(a).several, shape(b).several), (true, false), "`a` has transitions to two targets");
    for t in [a, b, c] {
        let own: Vec<_> = w.task(t).expect("known").edges.iter().map(|e| (e.target, e.id.clone())).collect();
        let flat: Vec<_> = w.edges(t).iter().map(|e| (e.target, e.id.clone())).collect();
        assert_eq!(flat, own, "the one array holds each task's own edges");
    }
    assert!(w.edges(a).len() == 4 && w.edges(TaskId(9)).is_empty());
    assert_eq!((w.shape(TaskId(9)), w.targets(TaskId(9))), (None, &[][..]));
}

/// A task's result is built at its completion only for a task whose expressions may read it:
/// any mention in a condition, a publish (however deep) or a retry condition, or a Jinja
/// block, whose text is not kept; never a mention in plain text.
#[test]
fn a_task_reads_its_result_when_any_expression_that_sees_it_may() {
    let text = "\
vars: [{y: 1}, {results: 2}]
tasks:
  cond:
    next: [{when: <% len(result()) > 0 %>, do: plain}]
  deep:
    next: [{publish: [{x: {a: [1, '<% result().k %>']}}]}]
  retried:
    retry: {when: '{{ result() is none }}', count: 1}
  block:
    next: [{publish: [{x: '{% if true %}{{ ctx(y) }}{% endif %}'}]}]
  plain:
    next: [{when: <% succeeded() %>, publish: [{note: result}], do: ctx_only}]
  ctx_only:
    next: [{publish: [{x: <% ctx(results) %>}]}]
";
    let w = compile(text).expect("valid");
    let reads = |name: &str| w.shape(ids(&w, &[name])[0]).expect("known").reads_result;
    for name in ["cond", "deep", "retried", "block"] {
        assert!(reads(name), "{name} may read its result");
    }
    assert!(!reads("plain"), "`result` in plain text is no expression");
    // Conservative by design: the word inside a longer name still counts.
    assert!(reads("ctx_only"), "`ctx(results)` mentions the word");
    let none = compile(
        "vars: [{y: 1}]\ntasks:\n  a:\n    next: [{when: <% succeeded() %>, publish: [{x: <% ctx(y) %>}]}]\n",
    );
    let none = none.expect("valid");
    assert!(!none.shape(ids(&none, &["a"])[0]).expect("known").reads_result);
}
