//! Go's regular expressions (RE2 syntax, as `regexp.Compile` takes them) on Rust's regex
//! engine: Go's verdict and error text come from `syntax`; a pattern Go accepts is
//! rewritten where the two syntaxes mean different things, then compiled.
//!
//! The differences handled: Go's `\d`, `\w`, `\s` and `\b` are ASCII-only (Rust's are
//! Unicode), `\Q...\E` quotes literal text (Rust has no such syntax), and `\123` is an
//! octal character code. Compiled regexes are kept per thread, so a template calling
//! `regexMatch` in a loop compiles its pattern once.

mod syntax;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;

pub use syntax::check;

/// How many compiled patterns a thread keeps before starting over.
const CACHE_LIMIT: usize = 256;

/// Compiles a Go regular expression: Go's error text for a pattern Go refuses.
pub fn compile(pat: &str) -> Result<Regex, String> {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
    }
    if let Some(re) = CACHE.with(|c| c.borrow().get(pat).cloned()) {
        return Ok(re);
    }
    check(pat)?;
    let re = regex::RegexBuilder::new(&translate(pat))
        .octal(true)
        .build()
        .map_err(|e| {
            // Go accepted it; only a size limit can refuse it here.
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim();
            format!("error parsing regexp: {last}: `{pat}`")
        })?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(pat.to_string(), re.clone());
    });
    Ok(re)
}

/// Go's pattern in Rust's syntax (`pat` is valid Go).
fn translate(pat: &str) -> Cow<'_, str> {
    if !pat.contains('\\') {
        return Cow::Borrowed(pat);
    }
    let mut out = String::with_capacity(pat.len() + 16);
    let mut rest = pat;
    let mut in_class = false;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        match c {
            '\\' => {
                let Some(n) = after.chars().next() else {
                    out.push(c);
                    break;
                };
                let tail = &after[n.len_utf8()..];
                if n == 'Q' && !in_class {
                    // Literal text to `\E` or the end.
                    let (lit, next) = match tail.find("\\E") {
                        Some(i) => (&tail[..i], &tail[i + 2..]),
                        None => (tail, ""),
                    };
                    out.push_str(&regex::escape(lit));
                    rest = next;
                    continue;
                }
                match ascii_class(n, in_class) {
                    Some(class) => out.push_str(class),
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                rest = tail;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal.
                let mut a = after;
                if let Some(t) = a.strip_prefix('^') {
                    out.push('^');
                    a = t;
                }
                if let Some(t) = a.strip_prefix(']') {
                    out.push(']');
                    a = t;
                }
                rest = a;
                continue;
            }
            '[' if after.starts_with(':') => {
                // `[:name:]` inside a class.
                if let Some(i) = after.find(":]") {
                    out.push('[');
                    out.push_str(&after[..i + 2]);
                    rest = &after[i + 2..];
                    continue;
                }
            }
            ']' if in_class => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = after;
    }
    Cow::Owned(out)
}

/// Go's ASCII meaning of `\d`, `\w`, `\s`, `\b` (and negations), inside a class or not.
fn ascii_class(escape: char, in_class: bool) -> Option<&'static str> {
    Some(match (escape, in_class) {
        ('d', false) => "[0-9]",
        ('d', true) => "0-9",
        ('D', _) => "[^0-9]",
        ('w', false) => "[0-9A-Za-z_]",
        ('w', true) => "0-9A-Za-z_",
        ('W', _) => "[^0-9A-Za-z_]",
        ('s', false) => r"[\t\n\f\r ]",
        ('s', true) => r"\t\n\f\r ",
        ('S', _) => r"[^\t\n\f\r ]",
        ('b', false) => r"(?-u:\b)",
        ('B', false) => r"(?-u:\B)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pat: &str, s: &str) -> bool {
        compile(pat).expect("Go accepts the pattern").is_match(s)
    }

    #[test]
    fn perl_classes_are_ascii_as_in_go() {
        assert!(matches(r"^\d+$", "42") && !matches(r"^\d+$", "٤٢"));
        assert!(matches(r"^\w+$", "a_1") && !matches(r"^\w+$", "é"));
        assert!(matches(r"^\s$", "\t") && !matches(r"^\s$", "\u{a0}"));
        assert!(matches(r"^[\d\s]+$", "1 2") && !matches(r"^[\d]+$", "٤"));
        assert!(matches(r"^\D$", "٤") && matches(r"^[^\D]$", "4") && !matches(r"^[^\D]$", "٤"));
        // Go's word boundary sees only ASCII word characters: é is not one.
        assert!(matches(r"\bx\b", "a x") && matches(r"\bx", "éx"));
        assert!(!matches(r"^\s$", "\u{a0}"));
        // An escaped backslash before d is a literal backslash and d.
        assert!(matches(r"^\\d$", r"\d"));
    }

    #[test]
    fn quoted_text_and_octal_escapes() {
        assert!(matches(r"^\Qa.b\E[\170-\171]$", "a.bx") && !matches(r"^\Qa.b\E$", "axb"));
        assert!(matches(r"^\Q(", "("));
        assert!(matches(r"^\\Q$", r"\Q"));
        assert!(matches(r"^[[:alpha:]\]]+$", "a]"));
    }

    #[test]
    fn errors_are_gos() {
        assert_eq!(
            compile("(x").expect_err("unclosed group"),
            "error parsing regexp: missing closing ): `(x`"
        );
        assert_eq!(
            compile(r"\1").expect_err("backreference"),
            r"error parsing regexp: invalid escape sequence: `\1`"
        );
    }
}
