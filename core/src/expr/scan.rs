//! Finding expressions and inline parameters in text, exactly where Orquesta finds them.
//!
//! Orquesta uses the patterns `<%.*?%>`, `{{.*?}}` and `{%.*?%}`: the shortest match, never
//! across a line break. Inline parameters (`action: core.echo message="hi" n=2`) use one
//! pattern per value form; a value that fits none (a bare word) is silently dropped, as in
//! Orquesta. These functions reproduce those patterns by hand rather than pull in a regex
//! engine for five patterns.

/// Byte ranges of every `open ... close` match, shortest first, not crossing a newline.
pub(crate) fn find_delimited(text: &str, open: &str, close: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = text.get(from..).and_then(|rest| rest.find(open)) {
        let start = from + rel;
        let body_start = start + open.len();
        let rest = text.get(body_start..).unwrap_or("");
        let line_end = rest.find('\n').unwrap_or(rest.len());
        match rest.get(..line_end).and_then(|line| line.find(close)) {
            Some(end_rel) => {
                let end = body_start + end_rel + close.len();
                found.push((start, end));
                from = end;
            }
            None => from = start + open.chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// Remove delimiter characters from both ends, then whitespace, like Python's
/// `expr.strip("<%>").strip()` (which strips any of those characters, not the string).
pub(crate) fn strip_delimiters<'a>(expr: &'a str, delimiter_chars: &[char]) -> &'a str {
    expr.trim_matches(|c| delimiter_chars.contains(&c)).trim()
}

/// Parse inline parameters (`k=v k2="x"`) into (name, value) pairs in order.
pub(crate) fn parse_inline_params(s: &str) -> Vec<(String, serde_json::Value)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut p = 0;
    while p < chars.len() {
        let mut q = p;
        while chars.get(q).is_some_and(|(_, c)| is_word(*c)) {
            q += 1;
        }
        if q == p || chars.get(q).map(|(_, c)| *c) != Some('=') {
            p = q.max(p + 1);
            continue;
        }
        let value_start = chars.get(q + 1).map_or(s.len(), |(b, _)| *b);
        let rest = s.get(value_start..).unwrap_or("");
        match match_value(rest) {
            Some(len) => {
                let key: String = chars[p..q].iter().map(|(_, c)| c).collect();
                let raw = rest.get(..len).unwrap_or("");
                out.push((key, convert_value(raw)));
                let end_byte = value_start + len;
                p = chars.iter().position(|(b, _)| *b >= end_byte).unwrap_or(chars.len());
            }
            None => p = q,
        }
    }
    out
}

/// Length in bytes of the value form matching at the start of `rest`, trying the forms in
/// Orquesta's order.
fn match_value(rest: &str) -> Option<usize> {
    let trailing_space = |n: usize| n + rest.get(n..).map_or(0, |r| r.len() - r.trim_start().len());
    let line = rest.split('\n').next().unwrap_or("");
    if rest.starts_with('[') {
        if let Some(close) = line.rfind(']') {
            return Some(trailing_space(close + 1));
        }
    }
    for q in ['"', '\''] {
        if rest.starts_with(q) {
            if let Some(close) = rest.get(1..).and_then(|r| r.find(q)) {
                return Some(trailing_space(close + 2));
            }
        }
    }
    if let Some(n) = number_len(rest) {
        return Some(n);
    }
    let lower4 = rest.get(..4).map(str::to_ascii_lowercase);
    let lower5 = rest.get(..5).map(str::to_ascii_lowercase);
    if lower4.as_deref() == Some("true") {
        return Some(4);
    }
    if lower5.as_deref() == Some("false") {
        return Some(5);
    }
    if rest.starts_with("null") {
        return Some(4);
    }
    for (open, close) in [("<%", "%>"), ("{{", "}}")] {
        if rest.starts_with(open) {
            if let Some(end) = line.get(open.len()..).and_then(|l| l.find(close)) {
                return Some(open.len() + end + close.len());
            }
        }
    }
    None
}

/// `-?\d*\.\d+` or `-?\d+`.
fn number_len(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        return Some(i);
    }
    (int_digits > 0).then_some(i)
}

/// Orquesta's post-processing of a matched value: strip, unquote, and load as JSON unless
/// it was quoted (a quoted value stays a string; a JSON object in quotes is loaded).
fn convert_value(raw: &str) -> serde_json::Value {
    let v = raw.trim();
    let has_quoted_part = has_quoted(v, '"') || has_quoted(v, '\'');
    let v = v.strip_prefix('"').unwrap_or(v);
    let v = v.strip_suffix('"').unwrap_or(v);
    let v = v.strip_prefix('\'').unwrap_or(v);
    let v = v.strip_suffix('\'').unwrap_or(v);
    let curly = v.starts_with('{') && v.ends_with('}');
    let quoted_string = !v.is_empty() && has_quoted_part && !curly;
    if !quoted_string {
        let lowered = v.to_ascii_lowercase();
        let candidate = if lowered == "true" || lowered == "false" { lowered.as_str() } else { v };
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(candidate) {
            return value;
        }
    }
    serde_json::Value::String(v.to_owned())
}

fn has_quoted(v: &str, q: char) -> bool {
    v.find(q).is_some_and(|i| v.get(i + 1..).is_some_and(|r| r.contains(q)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn delimiters_are_shortest_and_single_line() {
        let t = "a <% x %> b <% y %>";
        assert_eq!(find_delimited(t, "<%", "%>"), vec![(2, 9), (12, 19)]);
        assert!(find_delimited("<% a\n %>", "<%", "%>").is_empty());
        assert_eq!(find_delimited("<%%>", "<%", "%>"), vec![(0, 4)]);
    }

    #[test]
    fn strip_removes_any_delimiter_character() {
        assert_eq!(strip_delimiters("<% ctx(x) > 1%>", &['<', '%', '>']), "ctx(x) > 1");
    }

    #[test]
    fn inline_params_follow_orquesta() {
        let got = parse_inline_params(
            r#"message="<% item() %>" n=2 f=1.5 ok=True none=null bare=word l=[1, 2] e=<% ctx(x) %>"#,
        );
        let want = vec![
            ("message".to_owned(), json!("<% item() %>")),
            ("n".to_owned(), json!(2)),
            ("f".to_owned(), json!(1.5)),
            ("ok".to_owned(), json!(true)),
            ("none".to_owned(), json!(null)),
            ("l".to_owned(), json!([1, 2])),
            ("e".to_owned(), json!("<% ctx(x) %>")),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_bracket_value_runs_to_the_last_bracket_on_the_line() {
        // Orquesta's `\[.*\]` is greedy: the second parameter is swallowed into the first,
        // and the quotes inside keep the whole value a string.
        assert_eq!(parse_inline_params(r#"l=[1] q=["a"]"#), vec![("l".to_owned(), json!("[1] q=[\"a\"]"))]);
    }

    #[test]
    fn upper_case_null_is_a_bare_word_and_dropped() {
        assert!(parse_inline_params("x=NULL").is_empty());
    }

    #[test]
    fn quoted_json_object_is_loaded() {
        assert_eq!(parse_inline_params(r#"d='{"a": 1}'"#), vec![("d".to_owned(), json!({"a": 1}))]);
    }
}
