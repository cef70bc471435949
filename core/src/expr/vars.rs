//! Which context variables a string reads: Orquesta's textual rule, reproduced.
//!
//! Context inspection must flag a variable read before assignment even when the expression
//! does not parse (`ctx(__state)` is both a lexical error and a private-variable read), so
//! the rule works on text, not on the syntax tree. Inside each `<% %>` and `{{ }}`, a
//! reference is `ctx(` followed by a run of name, quote, dot, bracket and parenthesis
//! characters containing a `)`; from each reference the first `ctx().x`, `ctx(x)`,
//! `ctx('x')` and `ctx("x")` forms each give one name.

use super::scan::{find_delimited, strip_delimiters};

/// Names read through `ctx` in `text`, deduplicated, sorted.
pub(crate) fn referenced_variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (open, close, chars) in [("<%", "%>", &['<', '%', '>'][..]), ("{{", "}}", &['{', '}'][..])] {
        for (start, end) in find_delimited(text, open, close) {
            let expr = strip_delimiters(text.get(start..end).unwrap_or(""), chars);
            for reference in references(expr) {
                names.extend(extract(&reference));
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_ref_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '"' | '.' | '(' | ')' | '[' | ']')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Every `ctx(` + reference run (that contains a `)`), left to right, non-overlapping.
fn references(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let boundary = i == 0 || !chars.get(i - 1).copied().is_some_and(is_word);
        if boundary && chars[i..i + 4] == ['c', 't', 'x', '('] {
            let mut j = i + 4;
            while chars.get(j).copied().is_some_and(is_ref_char) {
                j += 1;
            }
            if chars[i + 4..j].contains(&')') {
                out.push(chars[i..j].iter().collect());
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Apply the four extraction forms to one reference.
fn extract(reference: &str) -> Vec<String> {
    let chars: Vec<char> = reference.chars().collect();
    let mut names = Vec::new();
    names.extend(first_match(&chars, dotted));
    for quote in [None, Some('\''), Some('"')] {
        names.extend(first_match(&chars, |c, at| called(c, at, quote)));
    }
    names
}

/// The first position where `ctx(` starts at a word boundary and `form` matches after it.
fn first_match(chars: &[char], form: impl Fn(&[char], usize) -> Option<String>) -> Option<String> {
    (0..chars.len()).find_map(|i| {
        let boundary = i == 0 || !chars.get(i - 1).copied().is_some_and(is_word);
        let head = chars.get(i..i + 4).is_some_and(|h| h == ['c', 't', 'x', '(']);
        if boundary && head { form(chars, i + 4) } else { None }
    })
}

/// `ctx().name` where `name` ends at a word boundary and is not followed by `(`.
fn dotted(chars: &[char], at: usize) -> Option<String> {
    if chars.get(at..at + 2)? != [')', '.'] {
        return None;
    }
    let start = at + 2;
    let mut end = start;
    while chars.get(end).copied().is_some_and(is_name_char) {
        end += 1;
    }
    // Backtrack like the regex: the longest prefix ending at a word boundary, not before `(`.
    (start + 1..=end).rev().find_map(|e| {
        let before = chars.get(e - 1).copied().is_some_and(is_word);
        let after = chars.get(e).copied().is_some_and(is_word);
        let boundary = before != after;
        (boundary && chars.get(e) != Some(&'(')).then(|| chars[start..e].iter().collect())
    })
}

/// `ctx(name)`, `ctx('name')` or `ctx("name")`.
fn called(chars: &[char], at: usize, quote: Option<char>) -> Option<String> {
    let mut i = at;
    if let Some(q) = quote {
        (chars.get(i) == Some(&q)).then_some(())?;
        i += 1;
    }
    let start = i;
    while chars.get(i).copied().is_some_and(is_name_char) {
        i += 1;
    }
    if i == start {
        return None;
    }
    if let Some(q) = quote {
        (chars.get(i) == Some(&q)).then_some(())?;
        i += 1;
    }
    (chars.get(i) == Some(&')')).then(|| chars[start..i - usize::from(quote.is_some())].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accessor_form() {
        assert_eq!(
            referenced_variables("<% ctx(a) + ctx('b') + ctx(\"c\") + ctx().d %>"),
            ["a", "b", "c", "d"]
        );
        assert_eq!(referenced_variables("{{ ctx('x') ~ ctx().y }}"), ["x", "y"]);
    }

    #[test]
    fn methods_on_the_whole_context_are_not_variables() {
        assert!(referenced_variables("<% ctx().get(x) %>").is_empty());
        assert_eq!(referenced_variables("<% ctx().a.get(x) %>"), ["a"]);
    }

    #[test]
    fn private_names_are_found_even_though_they_do_not_parse() {
        assert_eq!(referenced_variables("<% ctx(__state) %>"), ["__state"]);
    }

    #[test]
    fn nested_references_inside_one_run_are_not_seen() {
        // Orquesta's pattern swallows `[ctx(b)]` into the reference to `a`.
        assert_eq!(referenced_variables("<% ctx(a)[ctx(b)] %>"), ["a"]);
    }

    #[test]
    fn text_outside_expressions_is_ignored() {
        assert!(referenced_variables("ctx(a) <% 1 %>").is_empty());
        assert!(referenced_variables("<% item(x) %>").is_empty());
    }
}
