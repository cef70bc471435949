//! Event-driven construction of the positioned tree, in bounded time and memory.
//!
//! The builder keeps an explicit stack instead of recursing, so a pathologically nested
//! document cannot overflow the thread's stack, and it stops at the first limit it crosses:
//! the size of the text, the nesting depth, and the number of nodes including those an alias
//! expands to (which is what defeats "billion laughs" alias bombs).

use std::collections::BTreeMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use super::scalar::{resolve_plain, resolve_tagged};
use super::{Key, Node, Value};
use crate::diag::{Category, Diagnostic, Location};

/// Bounds on what the loader accepts; a definition past any of them is refused with a load
/// error that names the limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Largest definition text, in bytes.
    pub(crate) max_bytes: usize,
    /// Deepest nesting of sequences and mappings.
    pub(crate) max_depth: usize,
    /// Most nodes in the built tree, counting every node an alias copies.
    pub(crate) max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: crate::MAX_DEFINITION_BYTES, max_depth: 128, max_nodes: 1_000_000 }
    }
}

/// A collection under construction.
enum Frame {
    Seq {
        items: Vec<Node>,
        at: Location,
        anchor: usize,
    },
    /// `seen`: each key's position in `entries`, so a duplicate is found without a scan
    /// (a `tasks` mapping of N entries was O(N²)).
    Map {
        entries: Vec<(Key, Node)>,
        seen: BTreeMap<String, usize>,
        pending: Option<Key>,
        at: Location,
        anchor: usize,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: BTreeMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
}

fn location(mark: &Marker) -> Location {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Location::new(clamp(mark.line()), clamp(mark.col().saturating_add(1)))
}

fn load_error(at: Option<Location>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Category::Load, None, at, message)
}

/// Load a workflow definition into a positioned tree whose root is a mapping.
pub(crate) fn load(text: &str, limits: Limits) -> Result<Node, Diagnostic> {
    if text.len() > limits.max_bytes {
        return Err(load_error(
            None,
            format!(
                "The definition is {} bytes; definitions larger than {} bytes are refused.",
                text.len(),
                limits.max_bytes
            ),
        )
        .with_hint("split the workflow, or move bulk data into workflow input"));
    }
    let mut builder =
        Builder { limits, stack: Vec::new(), anchors: BTreeMap::new(), nodes: 0, root: None, documents: 0 };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => builder.on_event(event, span)?,
            Err(e) => {
                return Err(load_error(
                    Some(location(e.marker())),
                    format!("The definition is not valid YAML: {}.", e.info()),
                ));
            }
        }
    }
    finish(builder.root)
}

fn finish(root: Option<Node>) -> Result<Node, Diagnostic> {
    match root {
        None => Err(load_error(None, "The definition is empty.")
            .with_hint("a workflow starts with `version: 1.0` and a `tasks:` mapping")),
        Some(node) if matches!(node.value, Value::Map(_)) => Ok(node),
        Some(node) => {
            Err(load_error(Some(node.at), format!("The definition is {}, not a mapping.", node.type_name()))
                .with_hint("a workflow is a YAML mapping with keys such as `version`, `input` and `tasks`"))
        }
    }
}

impl Builder {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        let at = location(&span.start);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(load_error(Some(at), "The definition holds more than one YAML document.")
                        .with_hint("keep one workflow per file and remove the extra `---`"));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar_value(&text, style, tag.as_deref(), at)?;
                self.add(Node { value, at }, anchor, 1)
            }
            Event::SequenceStart(anchor, tag) => {
                reject_custom_tag(tag.as_deref(), at)?;
                self.open(Frame::Seq { items: Vec::new(), at, anchor }, at)
            }
            Event::MappingStart(anchor, tag) => {
                reject_custom_tag(tag.as_deref(), at)?;
                let frame =
                    Frame::Map { entries: Vec::new(), seen: BTreeMap::new(), pending: None, at, anchor };
                self.open(frame, at)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((node, size)) => {
                    let (node, size) = (Node { at, ..node.clone() }, *size);
                    self.add(node, 0, size)
                }
                None => Err(load_error(Some(at), "An alias refers to an unknown anchor.")),
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn open(&mut self, frame: Frame, at: Location) -> Result<(), Diagnostic> {
        if let Some(Frame::Map { pending: None, .. }) = self.stack.last() {
            return Err(load_error(Some(at), "A mapping key must be a plain value, not a collection."));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(load_error(
                Some(at),
                format!("The definition nests deeper than {} levels.", self.limits.max_depth),
            ));
        }
        self.count(1, at)?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), Diagnostic> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, at, anchor }) => (Node { value: Value::Seq(items), at }, anchor),
            Some(Frame::Map { entries, at, anchor, .. }) => (Node { value: Value::Map(entries), at }, anchor),
            None => return Ok(()),
        };
        // The collection itself was counted when it opened; add() only places it.
        self.place(node, anchor, 0)
    }

    fn count(&mut self, size: usize, at: Location) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(size);
        if self.nodes > self.limits.max_nodes {
            return Err(load_error(
                Some(at),
                format!(
                    "The definition expands to more than {} values (aliases included).",
                    self.limits.max_nodes
                ),
            )
            .with_hint(
                "aliases that copy large anchored values multiply; write the data out or pass it as input",
            ));
        }
        Ok(())
    }

    fn add(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Diagnostic> {
        self.count(size, node.at)?;
        self.place(node, anchor, size)
    }

    /// Put a finished node where it belongs: as a key, a value, an item, or the root.
    fn place(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Diagnostic> {
        if anchor != 0 {
            let size = if size == 0 { subtree_size(&node) } else { size };
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, seen, pending, .. }) => match pending.take() {
                Some(key) => {
                    seen.insert(key.text.clone(), entries.len());
                    entries.push((key, node));
                    Ok(())
                }
                None => {
                    let key = key_of(node)?;
                    if let Some((first, _)) = seen.get(&key.text).and_then(|i| entries.get(*i)) {
                        return Err(load_error(
                            Some(key.at),
                            format!("found duplicate key \"{}\"", key.text),
                        )
                        .with_hint(format!(
                            "the key is first defined at line {}; give each entry a distinct name",
                            first.at.line
                        )));
                    }
                    *pending = Some(key);
                    Ok(())
                }
            },
        }
    }
}

fn subtree_size(node: &Node) -> usize {
    let mut total = 0usize;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        total = total.saturating_add(1);
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    total
}

fn key_of(node: Node) -> Result<Key, Diagnostic> {
    let text = match node.value {
        Value::Str(s) => s,
        Value::Null => "null".to_owned(),
        Value::Bool(b) => if b { "true" } else { "false" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Seq(_) | Value::Map(_) => {
            return Err(load_error(Some(node.at), "A mapping key must be a plain value, not a collection."));
        }
    };
    if text == "<<" {
        return Err(load_error(Some(node.at), "YAML merge keys (`<<`) are not supported.")
            .with_hint("write the merged entries out in full"));
    }
    Ok(Key { text, at: node.at })
}

fn reject_custom_tag(tag: Option<&saphyr_parser::Tag>, at: Location) -> Result<(), Diagnostic> {
    match tag {
        Some(t) if !t.is_yaml_core_schema() => {
            Err(load_error(Some(at), format!("The tag \"{}{}\" is not supported.", t.handle, t.suffix))
                .with_hint("remove the tag: workflow definitions hold plain YAML data"))
        }
        _ => Ok(()),
    }
}

fn scalar_value(
    text: &str,
    style: ScalarStyle,
    tag: Option<&saphyr_parser::Tag>,
    at: Location,
) -> Result<Value, Diagnostic> {
    reject_custom_tag(tag, at)?;
    if let Some(tag) = tag {
        return resolve_tagged(&tag.suffix, text).ok_or_else(|| {
            load_error(Some(at), format!("The value \"{text}\" does not fit its tag !!{}.", tag.suffix))
        });
    }
    Ok(match style {
        ScalarStyle::Plain => resolve_plain(text),
        _ => Value::Str(text.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        load(text, Limits::default()).expect("loads")
    }

    fn err(text: &str) -> Diagnostic {
        load(text, Limits::default()).expect_err("refused")
    }

    #[test]
    fn keeps_positions_and_order() {
        let root = ok("version: 1.0\ntasks:\n  b: {}\n  a: {}\n");
        let Value::Map(entries) = &root.value else { panic!("map") };
        assert_eq!(entries[1].0.text, "tasks");
        assert_eq!(entries[1].0.at, Location::new(2, 1));
        let Value::Map(tasks) = &entries[1].1.value else { panic!("map") };
        let names: Vec<_> = tasks.iter().map(|(k, _)| k.text.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(tasks[1].0.at, Location::new(4, 3));
    }

    #[test]
    fn duplicate_key_is_a_load_error_at_the_second_key() {
        let d = err("tasks:\n  a: {}\n  a: {}\n");
        assert_eq!(d.category, Category::Load);
        assert_eq!(d.location, Some(Location::new(3, 3)));
        assert!(d.message.contains("duplicate key \"a\""));
    }

    #[test]
    fn empty_and_non_mapping_documents_are_refused() {
        assert!(err("").message.contains("empty"));
        assert!(err("# only a comment\n").message.contains("empty"));
        assert!(err("- a\n- b\n").message.contains("a list, not a mapping"));
        assert!(err("just text").message.contains("a string, not a mapping"));
    }

    #[test]
    fn invalid_yaml_reports_where() {
        let d = err("tasks:\n  a: [1, 2\n");
        assert_eq!(d.category, Category::Load);
        assert!(d.location.is_some());
    }

    #[test]
    fn merge_keys_and_custom_tags_are_refused() {
        assert!(err("a: &x {b: 1}\nc:\n  <<: *x\n").message.contains("merge keys"));
        assert!(err("a: !python/object 1\n").message.contains("not supported"));
    }

    #[test]
    fn alias_bomb_is_stopped_by_the_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(err(&text).message.contains("more than 1000000 values"));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let nested = |n: usize| format!("a: {}{}", "[".repeat(n), "]".repeat(n));
        assert!(err(&nested(200)).message.contains("nests deeper than 128"));
        // Far deeper input is stopped by the parser's own recursion guard, still as a load error.
        assert_eq!(err(&nested(100_000)).category, Category::Load);
    }

    #[test]
    fn oversized_text_is_refused_up_front() {
        let text = "#".repeat(9 * 1024 * 1024);
        assert!(err(&text).message.contains("larger than"));
    }

    #[test]
    fn second_document_is_refused() {
        assert!(err("a: 1\n---\nb: 2\n").message.contains("more than one YAML document"));
    }
}
