//! Task-level properties: action and its inline parameters, input, join, with, retry, delay,
//! transitions, and the small typed values they are made of.

use super::super::keys;
use super::super::{
    Binding, Count, ItemsSpec, Join, LimitsSpec, Located, RetrySpec, TaskSpec, TransitionSpec,
};
use super::{Builder, child, item};
use crate::expr::parse_inline_params;
use crate::yaml::{Key, Node, Value};

/// What a `limits` value must look like.
const LIMIT_HINT: &str = "limits are whole numbers of 1 or more";

impl Builder {
    pub(super) fn task(&mut self, key: &Key, node: &Node) -> Option<TaskSpec> {
        let path = child("tasks", &key.text);
        let entries = match &node.value {
            Value::Map(entries) => entries.as_slice(),
            _ => {
                let hint = keys::TASK.contains(&key.text.as_str()).then(|| {
                    format!("`{}` is a task property: indent it under a task name, e.g. `tasks: {{ my_task: {{ {}: ... }} }}`", key.text, key.text)
                });
                self.syntax(
                    &path,
                    node.at,
                    format!("The task must be a mapping, not {}.", node.type_name()),
                    hint,
                );
                return None;
            }
        };
        self.unknown_keys(entries, &keys::TASK, &path);
        let mut task = TaskSpec {
            name: key.text.clone(),
            at: key.at,
            action: None,
            input: None,
            next: Vec::new(),
            join: None,
            with: None,
            retry: None,
            delay: None,
            max_iterations: None,
            timeout: None,
        };
        let mut inline = None;
        for (k, v) in entries {
            let p = child(&path, &k.text);
            match k.text.as_str() {
                "action" => {
                    task.action = self.nonempty_string(v, &p);
                    inline = task.action.as_ref().map(|a| (parse_inline_params(&a.value), a.at));
                }
                "input" => task.input = self.task_input(v, &p),
                "next" => task.next = self.transitions(v, &p),
                "join" => task.join = self.join(v, &p),
                "with" => task.with = self.items(v, &p),
                "retry" => task.retry = self.retry(v, &p),
                "delay" => task.delay = self.count(v, &p),
                "limits" => task.max_iterations = self.task_limits(v, &p),
                "timeout" => {
                    task.timeout = self.positive(v, &p, "a timeout is a whole number of seconds, 1 or more")
                }
                _ => {}
            }
        }
        // Orquesta: inline parameters replace `input` and are cut from the action reference.
        if let (Some((params, at)), Some(action)) = (inline, task.action.as_mut()) {
            if !params.is_empty() {
                let end = action.value.find(char::is_whitespace).unwrap_or(action.value.len());
                action.value.truncate(end);
                let map: serde_json::Map<String, serde_json::Value> = params.into_iter().collect();
                task.input = Some(Located { value: serde_json::Value::Object(map), at });
            }
        }
        Some(task)
    }

    /// A positive whole number (a limit).
    fn positive(&mut self, node: &Node, path: &str, hint: &str) -> Option<u64> {
        match &node.value {
            Value::Int(n) if *n > 0 => Some(n.unsigned_abs()),
            _ => {
                let found = node.to_json();
                self.syntax(
                    path,
                    node.at,
                    format!("{found} is not a positive whole number."),
                    Some(hint.into()),
                );
                None
            }
        }
    }

    /// The workflow-level `limits` extension.
    pub(super) fn limits(&mut self, node: &Node) -> LimitsSpec {
        let mut out = LimitsSpec::default();
        let Some(entries) = self.mapping(node, "limits", "`limits`") else { return out };
        self.unknown_keys(entries, &keys::LIMITS, "limits");
        for (k, v) in entries {
            let p = child("limits", &k.text);
            match k.text.as_str() {
                "max_task_iterations" => out.max_task_iterations = self.positive(v, &p, LIMIT_HINT),
                "max_duration" => out.max_duration = self.positive(v, &p, LIMIT_HINT),
                _ => {}
            }
        }
        out
    }

    /// A task's `limits` extension.
    fn task_limits(&mut self, node: &Node, path: &str) -> Option<u64> {
        let entries = self.mapping(node, path, "`limits`")?;
        self.unknown_keys(entries, &keys::TASK_LIMITS, path);
        let found = entries.iter().find(|(k, _)| k.text == "max_iterations").map(|(_, v)| v)?;
        self.positive(found, &child(path, "max_iterations"), LIMIT_HINT)
    }

    pub(super) fn nonempty_string(&mut self, node: &Node, path: &str) -> Option<Located<String>> {
        match &node.value {
            Value::Str(s) if !s.is_empty() => Some(Located { value: s.clone(), at: node.at }),
            Value::Str(_) => {
                self.syntax(
                    path,
                    node.at,
                    "'' is too short.".into(),
                    Some("give a non-empty value or remove the key".into()),
                );
                None
            }
            _ => {
                let found = node.to_json();
                self.syntax(
                    path,
                    node.at,
                    format!("{found} is not of type 'string'."),
                    Some("quote the value".into()),
                );
                None
            }
        }
    }

    pub(super) fn string_list(&mut self, node: &Node, path: &str) {
        match &node.value {
            Value::Seq(items) if !items.is_empty() => {
                self.unique_items(items, path);
                for (i, entry) in items.iter().enumerate() {
                    self.nonempty_string(entry, &item(path, i));
                }
            }
            _ => self.syntax(path, node.at, format!("`{path}` must be a non-empty list of strings."), None),
        }
    }

    fn task_input(&mut self, node: &Node, path: &str) -> Option<Located<serde_json::Value>> {
        match &node.value {
            Value::Str(s) if !s.is_empty() => {}
            Value::Map(entries) if !entries.is_empty() => {}
            _ => {
                self.syntax(
                    path,
                    node.at,
                    format!(
                        "The task input must be a non-empty mapping or an expression, not {}.",
                        node.type_name()
                    ),
                    Some("write `input:` followed by indented `name: value` lines".into()),
                );
                return None;
            }
        }
        Some(Located { value: node.to_json(), at: node.at })
    }

    /// A non-negative integer or an expression string (`delay`, `count`, `concurrency`).
    pub(super) fn count(&mut self, node: &Node, path: &str) -> Option<Located<Count>> {
        let value = match &node.value {
            Value::Int(i) if *i >= 0 => Count::Literal(i.unsigned_abs()),
            Value::Str(s) if !s.is_empty() => Count::Expr(s.clone()),
            _ => {
                let found = node.to_json();
                self.syntax(
                    path,
                    node.at,
                    format!("{found} is not valid under any of the given schemas."),
                    Some("use a whole number of 0 or more, or an expression that yields one".into()),
                );
                return None;
            }
        };
        Some(Located { value, at: node.at })
    }

    fn join(&mut self, node: &Node, path: &str) -> Option<Located<Join>> {
        let value = match &node.value {
            Value::Str(s) if s == "all" => Join::All,
            Value::Int(n) if *n > 0 => Join::Count(n.unsigned_abs()),
            _ => {
                let found = node.to_json();
                self.syntax(
                    path,
                    node.at,
                    format!("{found} is not valid under any of the given schemas."),
                    Some("use `join: all` or `join: N` with N the number of inbound tasks to wait for (1 or more)".into()),
                );
                return None;
            }
        };
        Some(Located { value, at: node.at })
    }

    fn items(&mut self, node: &Node, path: &str) -> Option<ItemsSpec> {
        let (items_node, concurrency) = match &node.value {
            Value::Str(_) => (Some(node), None),
            Value::Map(entries) => {
                self.unknown_keys(entries, &keys::ITEMS, path);
                let find = |name: &str| entries.iter().find(|(k, _)| k.text == name).map(|(_, v)| v);
                let concurrency =
                    find("concurrency").and_then(|c| self.count(c, &child(path, "concurrency")));
                if find("items").is_none() {
                    self.syntax(
                        path,
                        node.at,
                        "'items' is a required property.".into(),
                        Some("add `items: <% ctx(list) %>`".into()),
                    );
                }
                (find("items"), concurrency)
            }
            _ => {
                self.syntax(
                    path,
                    node.at,
                    format!("`with` must be an items expression or a mapping, not {}.", node.type_name()),
                    None,
                );
                return None;
            }
        };
        let items_path = child(path, "items");
        let items = self.nonempty_string(items_node?, &items_path)?;
        let Some((names, _)) = split_items(&items.value) else {
            self.syntax(
                &items_path,
                items.at,
                format!("'{}' does not match the items form.", items.value),
                Some(
                    "write one expression, e.g. `<% ctx(hosts) %>`, or `x, y in <% zip(ctx(a), ctx(b)) %>`"
                        .into(),
                ),
            );
            return None;
        };
        Some(ItemsSpec { at: node.at, names, items, concurrency })
    }

    fn retry(&mut self, node: &Node, path: &str) -> Option<RetrySpec> {
        let entries = self.mapping(node, path, "`retry`")?;
        self.unknown_keys(entries, &keys::RETRY, path);
        let find = |name: &str| entries.iter().find(|(k, _)| k.text == name).map(|(_, v)| v);
        let when = find("when").and_then(|w| self.nonempty_string(w, &child(path, "when")));
        let delay = find("delay").and_then(|d| self.count(d, &child(path, "delay")));
        let Some(count_node) = find("count") else {
            self.syntax(
                path,
                node.at,
                "'count' is a required property.".into(),
                Some("add `count: N`, the most retries".into()),
            );
            return None;
        };
        let count = self.count(count_node, &child(path, "count"))?;
        Some(RetrySpec { at: node.at, when, count, delay })
    }

    fn transitions(&mut self, node: &Node, path: &str) -> Vec<TransitionSpec> {
        let Value::Seq(items) = &node.value else {
            self.syntax(
                path,
                node.at,
                format!("`next` must be a list of transitions, not {}.", node.type_name()),
                Some("start each transition with `- `".into()),
            );
            return Vec::new();
        };
        items.iter().enumerate().filter_map(|(i, t)| self.transition(t, &item(path, i))).collect()
    }

    fn transition(&mut self, node: &Node, path: &str) -> Option<TransitionSpec> {
        let entries = self.mapping(node, path, "A transition")?;
        self.unknown_keys(entries, &keys::TRANSITION, path);
        let mut t = TransitionSpec { at: node.at, when: None, publish: Vec::new(), targets: Vec::new() };
        for (k, v) in entries {
            let p = child(path, &k.text);
            match k.text.as_str() {
                "when" => t.when = self.nonempty_string(v, &p),
                "publish" => t.publish = self.bindings(v, &p, true),
                "do" => t.targets = self.targets(v, &p),
                _ => {}
            }
        }
        Some(t)
    }

    fn targets(&mut self, node: &Node, path: &str) -> Vec<Located<String>> {
        match &node.value {
            Value::Str(s) if !s.is_empty() => {
                s.split(',').map(|name| Located { value: name.trim().to_owned(), at: node.at }).collect()
            }
            Value::Seq(items) if !items.is_empty() => {
                self.unique_items(items, path);
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| self.nonempty_string(n, &item(path, i)))
                    .collect()
            }
            _ => {
                let found = node.to_json();
                self.syntax(
                    path,
                    node.at,
                    format!("{found} is not valid under any of the given schemas."),
                    Some("name the next tasks: `do: task_a` or `do: [task_a, task_b]`".into()),
                );
                Vec::new()
            }
        }
    }

    /// Named values written as a list of one-key mappings, as a mapping, or (for `publish`
    /// only) as inline parameters `k=v k2=v2`.
    pub(super) fn bindings(&mut self, node: &Node, path: &str, inline: bool) -> Vec<Binding> {
        match &node.value {
            Value::Str(s) if inline && !s.is_empty() => parse_inline_params(s)
                .into_iter()
                .map(|(name, value)| Binding { name, value, at: node.at })
                .collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| Binding { name: k.text.clone(), value: v.to_json(), at: k.at })
                .collect(),
            Value::Seq(items) if !items.is_empty() => {
                self.unique_items(items, path);
                let mut out = Vec::new();
                for (i, entry) in items.iter().enumerate() {
                    match &entry.value {
                        Value::Map(kv) if kv.len() == 1 => {
                            let (k, v) = &kv[0];
                            out.push(Binding { name: k.text.clone(), value: v.to_json(), at: k.at });
                        }
                        _ => self.syntax(
                            &item(path, i),
                            entry.at,
                            format!(
                                "Each entry must be a one-key mapping `name: value`, not {}.",
                                entry.type_name()
                            ),
                            None,
                        ),
                    }
                }
                out
            }
            _ => {
                self.syntax(
                    path,
                    node.at,
                    format!("Expected a list of `name: value` entries, found {}.", node.type_name()),
                    None,
                );
                Vec::new()
            }
        }
    }
}

/// Split `x, y in <% expr %>` into the names and the expression; `None` when the text is not
/// one expression, optionally preceded by names and `in` (Orquesta's items pattern).
pub(crate) fn split_items(text: &str) -> Option<(Vec<String>, String)> {
    let one_expression = |s: &str| {
        let s = s.trim();
        let delimited = |open: &str, close: &str| {
            s.starts_with(open)
                && s.ends_with(close)
                && s.len() >= open.len() + close.len()
                && !s.contains('\n')
        };
        delimited("<%", "%>") || delimited("{{", "}}")
    };
    if one_expression(text) {
        return Some((Vec::new(), text.trim().to_owned()));
    }
    let at = text.find(" in ")?;
    let (names, expr) = (text.get(..at)?, text.get(at + 4..)?);
    let names: Vec<String> = names.replace(' ', "").split(',').map(str::to_owned).collect();
    let valid = names.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'));
    (valid && one_expression(expr)).then(|| (names, expr.trim().to_owned()))
}
