//! Loops nothing can stop: a warning (Ostinato's addition) for a cycle whose every
//! transition staying in the cycle is unconditional. Such a loop ends only when an action
//! fails or a limit (`max_task_iterations`, `max_duration`) stops it.

use super::topology::Topology;
use crate::diag::{Category, Diagnostic};

/// Strongly connected components with more than one task, or a task with an edge to itself
/// (Tarjan's algorithm, iterative so deep graphs cannot overflow the stack).
fn loops(topo: &Topology<'_>) -> Vec<Vec<usize>> {
    let n = topo.spec.tasks.len();
    let succ = |v: usize| -> Vec<usize> {
        topo.next
            .get(v)
            .map(|edges| edges.iter().filter_map(|e| topo.task(&e.target)).collect())
            .unwrap_or_default()
    };
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut out, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>, usize)> = vec![(root, succ(root), 0)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((v, next, i)) = work.last_mut() {
            let v = *v;
            if let Some(&w) = next.get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, succ(w), 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _, _)) = work.last() {
                low[*parent] = low[*parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = succ(v).contains(&v);
                if component.len() > 1 || self_loop {
                    component.sort_unstable();
                    out.push(component);
                }
            }
        }
    }
    out
}

/// A warning for every loop whose transitions back into itself are all unconditional.
pub(super) fn check(topo: &Topology<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for component in loops(topo) {
        let inside = |name: &str| topo.task(name).is_some_and(|i| component.contains(&i));
        let conditional = component.iter().any(|&t| {
            let task = &topo.spec.tasks[t];
            topo.next[t]
                .iter()
                .filter(|e| inside(&e.target))
                .any(|e| task.next.get(e.transition).is_some_and(|tr| tr.when.is_some()))
        });
        if conditional {
            continue;
        }
        let names: Vec<&str> = component.iter().map(|&t| topo.spec.tasks[t].name.as_str()).collect();
        let first = &topo.spec.tasks[component[0]];
        out.push(
            Diagnostic::new(
                Category::Semantics,
                Some(format!("tasks.{}", first.name)),
                Some(first.at),
                format!(
                    "The loop through {} has no condition that can stop it: every transition that stays in the loop is unconditional, so it ends only when an action fails or a limit (max_task_iterations, max_duration) stops it.",
                    names.join(", ")
                ),
            )
            .with_hint("add a `when:` to a transition back into the loop (a counter or a status check), or leave the loop on some condition")
            .warning(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::diag::Severity;
    use crate::inspect::inspect;

    #[test]
    fn an_unconditional_loop_is_a_warning_not_an_error() {
        let text = "tasks:\n  init:\n    next: [{do: a}]\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n    next: [{do: a}]\n";
        let found = inspect(text);
        assert_eq!(found.len(), 1, "{found}");
        let d = &found.0[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.path.as_deref(), Some("tasks.a"));
        assert!(d.message.contains("a, b"), "{}", d.message);
        assert!(crate::compile(text).is_ok(), "warnings do not reject the workflow");
    }

    #[test]
    fn a_loop_with_a_condition_or_a_self_loop_with_one_is_fine() {
        let counted = "vars: [{n: 0}]\ntasks:\n  init:\n    next: [{do: t}]\n  t:\n    action: core.noop\n    next: [{when: <% ctx(n) < 3 %>, publish: [{n: <% ctx(n) + 1 %>}], do: t}]\n";
        assert!(inspect(counted).is_empty());
        let endless =
            "tasks:\n  init:\n    next: [{do: t}]\n  t:\n    action: core.noop\n    next: [{do: t}]\n";
        assert_eq!(inspect(endless).len(), 1);
    }
}
