//! Building the typed spec from the positioned YAML tree, collecting every syntax problem.
//!
//! Paths follow Orquesta's inspection (`tasks.t1.next[0].do`): a problem with a property's
//! value is reported at the property, an unknown or missing key at the mapping that holds it,
//! and a problem at the top level with no path. Positions point at the offending key or value.
//! The builder never stops at the first problem: it keeps what it could read so that the
//! later passes (semantics, expressions, context) still report theirs.

mod fields;

pub(crate) use fields::split_items;

use super::keys::{self, unknown_key_hint};
use super::{InputSpec, TaskSpec, WorkflowSpec};
use crate::diag::{Category, Diagnostic, Location};
use crate::yaml::{Key, Node, Value};

/// Collects diagnostics while the spec is built.
pub(super) struct Builder {
    pub(super) diags: Vec<Diagnostic>,
}

/// Orquesta path of a child property.
pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Orquesta path of a list item.
pub(super) fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

impl Builder {
    /// Record a syntax problem; an empty path means the top level.
    pub(super) fn syntax(&mut self, path: &str, at: Location, message: String, hint: Option<String>) {
        let path = (!path.is_empty()).then(|| path.to_owned());
        let mut d = Diagnostic::new(Category::Syntax, path, Some(at), message);
        d.hint = hint;
        self.diags.push(d);
    }

    /// The entries of a mapping node, reporting a type error when it is something else.
    pub(super) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
    ) -> Option<&'n [(Key, Node)]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            _ => {
                self.syntax(
                    path,
                    node.at,
                    format!("{what} must be a mapping, not {}.", node.type_name()),
                    None,
                );
                None
            }
        }
    }

    /// Report keys outside `allowed`, each at its own position, with a did-you-mean hint.
    pub(super) fn unknown_keys(&mut self, entries: &[(Key, Node)], allowed: &[&str], path: &str) {
        for (key, _) in entries {
            if !allowed.contains(&key.text.as_str()) {
                let message =
                    format!("Additional properties are not allowed ('{}' was unexpected).", key.text);
                self.syntax(path, key.at, message, Some(unknown_key_hint(&key.text, allowed)));
            }
        }
    }
}

/// Build the spec from a loaded document (whose root is a mapping).
pub(crate) fn build(root: &Node) -> (WorkflowSpec, Vec<Diagnostic>) {
    let mut b = Builder { diags: Vec::new() };
    let mut spec = WorkflowSpec::default();
    let entries = match &root.value {
        Value::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    b.unknown_keys(entries, &keys::WORKFLOW, "");
    let mut has_tasks = false;
    for (key, node) in entries {
        match key.text.as_str() {
            "version" => b.version(node),
            "description" | "name" => {
                let text = b.nonempty_string(node, &key.text);
                if key.text == "description" {
                    spec.description = text.map(|t| t.value);
                }
            }
            "tags" => b.string_list(node, "tags"),
            "input" => spec.input = b.inputs(node),
            "vars" => spec.vars = b.bindings(node, "vars", false),
            "output" => spec.output = b.bindings(node, "output", false),
            "tasks" => {
                has_tasks = true;
                spec.tasks = b.tasks(node);
            }
            "limits" => spec.limits = b.limits(node),
            _ => {}
        }
    }
    if !has_tasks {
        b.syntax(
            "",
            root.at,
            "'tasks' is a required property.".into(),
            Some("add a `tasks:` mapping with at least one task".into()),
        );
    }
    (spec, b.diags)
}

impl Builder {
    fn version(&mut self, node: &Node) {
        let ok = match &node.value {
            Value::Float(f) => *f == 1.0,
            Value::Str(s) => s == "1.0",
            _ => false,
        };
        if !ok {
            let found = node.to_json();
            self.syntax(
                "version",
                node.at,
                format!("The version {found} is not supported."),
                Some("use `version: 1.0`, the only version of the Orquesta language".into()),
            );
        }
    }

    fn inputs(&mut self, node: &Node) -> Vec<InputSpec> {
        let mut out = Vec::new();
        match &node.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    out.push(InputSpec {
                        name: key.text.clone(),
                        default: Some(value.to_json()),
                        at: key.at,
                    });
                }
            }
            Value::Seq(items) => {
                self.unique_items(items, "input");
                for (i, entry) in items.iter().enumerate() {
                    let path = item("input", i);
                    match &entry.value {
                        Value::Str(name) if !name.is_empty() => {
                            out.push(InputSpec { name: name.clone(), default: None, at: entry.at });
                        }
                        Value::Map(kv) if kv.len() == 1 => {
                            let (key, value) = &kv[0];
                            out.push(InputSpec {
                                name: key.text.clone(),
                                default: Some(value.to_json()),
                                at: key.at,
                            });
                        }
                        _ => self.syntax(
                            &path,
                            entry.at,
                            format!(
                                "An input is a name or a one-key mapping `name: default`, not {}.",
                                entry.type_name()
                            ),
                            None,
                        ),
                    }
                }
            }
            _ => self.syntax(
                "input",
                node.at,
                format!(
                    "`input` must be a list of names and `name: default` entries, not {}.",
                    node.type_name()
                ),
                None,
            ),
        }
        if out.is_empty() && matches!(&node.value, Value::Seq(v) if v.is_empty()) {
            self.syntax(
                "input",
                node.at,
                "[] is too short.".into(),
                Some("remove the empty `input` or declare an input".into()),
            );
        }
        out
    }

    /// Report a list holding the same item twice (Orquesta's `uniqueItems`).
    pub(super) fn unique_items(&mut self, items: &[Node], path: &str) {
        // Compared by their JSON text in a set: a `do` list of N targets is checked in
        // O(N log N), not by comparing each with every earlier one.
        let mut seen = std::collections::BTreeSet::new();
        for (i, v) in items.iter().map(Node::to_json).enumerate() {
            if !seen.insert(v.to_string()) {
                let at = items.get(i).map_or_else(Location::default, |n| n.at);
                self.syntax(
                    path,
                    at,
                    format!("{v} is listed more than once."),
                    Some("remove the repeated entry".into()),
                );
            }
        }
    }

    fn tasks(&mut self, node: &Node) -> Vec<TaskSpec> {
        let Some(entries) = self.mapping(node, "tasks", "`tasks`") else { return Vec::new() };
        if entries.is_empty() {
            self.syntax(
                "tasks",
                node.at,
                "{} does not have enough properties.".into(),
                Some("define at least one task".into()),
            );
        }
        entries.iter().filter_map(|(key, value)| self.task(key, value)).collect()
    }
}

#[cfg(test)]
mod tests;
