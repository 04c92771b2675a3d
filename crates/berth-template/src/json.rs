//! JSON as Go's encoding/json writes and reads it.

use std::collections::BTreeMap;

use crate::value::Value;

/// encoding/json's float format: %f style unless the exponent is < -6 or >= 21.
pub(crate) fn json_float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::fmt::float_v(f)
        ));
    }
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let mut s = crate::fmt::format_float(f, 'e', -1);
        // Clean up e-09 to e-9.
        let n = s.len();
        if n >= 4 && &s[n - 4..n - 1] == "e-0" {
            s.remove(n - 2);
        }
        return Ok(s);
    }
    Ok(crate::fmt::format_float(f, 'f', -1))
}

fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Marshals like json.Marshal (escape_html) or an Encoder with SetEscapeHTML(false);
/// `indent` gives json.MarshalIndent's layout.
pub(crate) fn encode(v: &Value, escape_html: bool, indent: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, escape_html, indent, 0)?;
    Ok(out)
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_value(
    out: &mut String,
    v: &Value,
    html: bool,
    indent: Option<&str>,
    depth: usize,
) -> Result<(), String> {
    crate::deep(|| write_value_inner(out, v, html, indent, depth))
}

fn write_value_inner(
    out: &mut String,
    v: &Value,
    html: bool,
    indent: Option<&str>,
    depth: usize,
) -> Result<(), String> {
    if depth > 1000 {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&json_float(*f)?),
        Value::String(s) => write_string(out, s, html),
        // Invalid UTF-8 becomes U+FFFD, as encoding/json writes it.
        Value::BinStr(b) => write_string(out, &String::from_utf8_lossy(b), html),
        Value::Bytes(b) => {
            use base64::Engine;
            write_string(
                out,
                &base64::engine::general_purpose::STANDARD.encode(b),
                html,
            )
        }
        Value::List(l, _) if l.is_nil() => out.push_str("null"),
        Value::Map(m, _) if m.borrow().is_nil() => out.push_str("null"),
        Value::List(l, _) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, x, html, indent, depth + 1)?;
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Map(m, _) => {
            let m = m.borrow();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_string(out, k, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, x, html, indent, depth + 1)?;
            }
            newline(out, indent, depth);
            out.push('}');
        }
        Value::Object(o) => write_value(out, &o.to_data(), html, indent, depth + 1)?,
    }
    Ok(())
}

/// Unmarshals like json.Unmarshal into interface{}: numbers become float64.
pub(crate) fn decode(s: &str) -> Result<Value, String> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| go_json_error(&e, s))?;
    Ok(from_serde(&v))
}

/// If `s` ends inside a number that needs more characters (`-`, `1.`, `1e`,
/// `1e+`) outside a string, what Go's scanner says of the character that
/// comes next (at the end of input it feeds a space).
fn incomplete_number(s: &str) -> Option<&'static str> {
    let tail_len = s
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        .count();
    let (head, tail) = s.split_at(s.len() - tail_len);
    let in_string = head
        .bytes()
        .fold((false, false), |(inside, esc), b| match (inside, esc, b) {
            (true, false, b'\\') => (true, true),
            (true, true, _) => (true, false),
            (_, _, b'"') => (!inside, false),
            (i, _, _) => (i, false),
        })
        .0;
    if in_string
        || !tail.starts_with(|c: char| c == '-' || c.is_ascii_digit())
        || head.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return None;
    }
    match tail.as_bytes().last() {
        Some(b'-') if tail.len() == 1 => Some("in numeric literal"),
        Some(b'.') => Some("after decimal point in numeric literal"),
        Some(b'e' | b'E' | b'+' | b'-') => Some("in exponent of numeric literal"),
        _ => None,
    }
}

/// What Go's scanner expects after a complete value, from the innermost open container.
fn after_value_context(head: &str) -> &'static str {
    let mut stack = Vec::new();
    let mut inside = false;
    let mut escaped = false;
    for c in head.chars() {
        if inside {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => inside = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => inside = true,
            '[' | '{' => stack.push(c),
            ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    match stack.last() {
        Some('[') => "after array element",
        Some('{') => "after object key:value pair",
        _ => "after top-level value",
    }
}

/// The first bad escape inside a string, as Go's scanner reports it: its byte offset and
/// message (at the end of input Go feeds a space).
fn first_bad_escape(s: &str) -> Option<(usize, String)> {
    let quote = |c: Option<char>| crate::fmt::quote_rune(c.unwrap_or(' '), false);
    let mut inside = false;
    let mut iter = s.char_indices();
    while let Some((i, c)) = iter.next() {
        match (inside, c) {
            (false, '"') => inside = true,
            (true, '"') => inside = false,
            (true, '\\') => match iter.next() {
                Some((_, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't')) => {}
                Some((_, 'u')) => {
                    for _ in 0..4 {
                        match iter.next() {
                            Some((_, h)) if h.is_ascii_hexdigit() => {}
                            Some((j, h)) => {
                                return Some((
                                    j,
                                    format!(
                                        "invalid character {} in \\u hexadecimal character escape",
                                        quote(Some(h))
                                    ),
                                ));
                            }
                            None => {
                                return Some((
                                    s.len(),
                                    format!(
                                        "invalid character {} in \\u hexadecimal character escape",
                                        quote(None)
                                    ),
                                ));
                            }
                        }
                    }
                }
                Some((j, other)) => {
                    return Some((
                        j,
                        format!(
                            "invalid character {} in string escape code",
                            quote(Some(other))
                        ),
                    ));
                }
                None => {
                    return Some((
                        i,
                        format!("invalid character {} in string escape code", quote(None)),
                    ));
                }
            },
            _ => {}
        }
    }
    None
}

fn go_json_error(e: &serde_json::Error, s: &str) -> String {
    if e.is_eof() {
        if let Some(kind) = incomplete_number(s) {
            return format!("invalid character ' ' {kind}");
        }
        // Go feeds a space at the end of input: an escape cut short fails on it, and a bad
        // escape before the end is what Go reports first.
        if let Some((_, message)) = first_bad_escape(s) {
            return message;
        }
    }
    if e.is_eof() || s.trim().is_empty() {
        return "unexpected end of JSON input".into();
    }
    // Find the offending character, as Go names it.
    let line = e.line();
    let col = e.column();
    let off: usize = s
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum::<usize>()
        + col.saturating_sub(1);
    if let (Some(kind), Some(c)) = (
        s.get(..off).and_then(incomplete_number),
        s.get(off..).and_then(|r| r.chars().next()),
    ) {
        return format!(
            "invalid character {} {kind}",
            crate::fmt::quote_rune(c, false)
        );
    }
    let msg = e.to_string();
    // serde stops at or after a bad escape; anything Go would report earlier comes first.
    if let Some((at, message)) = first_bad_escape(s) {
        if off >= at || e.is_eof() {
            return message;
        }
    }
    if let Some(c) = s.get(off..).and_then(|r| r.chars().next()) {
        let head = &s[..off];
        // A leading zero ends a number in Go's scanner, so the digit after it is read as the
        // next token.
        if msg.starts_with("invalid number") && c.is_ascii_digit() && leading_zero(head) {
            return format!(
                "invalid character {} {}",
                crate::fmt::quote_rune(c, false),
                after_value_context(head)
            );
        }
    }
    let context = if msg.starts_with("trailing characters") {
        "after top-level value"
    } else if msg.starts_with("key must be a string") {
        "looking for beginning of object key string"
    } else if msg.starts_with("expected `,` or `}`") {
        "after object key:value pair"
    } else if msg.starts_with("expected `,` or `]`") {
        "after array element"
    } else if msg.starts_with("expected `:`") {
        "after object key"
    } else {
        "looking for beginning of value"
    };
    match s.get(off..).and_then(|r| r.chars().next()) {
        Some(c) => format!(
            "invalid character {} {context}",
            crate::fmt::quote_rune(c, false)
        ),
        None => "unexpected end of JSON input".into(),
    }
}

/// `head` ends in a number token that is exactly `0` or `-0`.
fn leading_zero(head: &str) -> bool {
    let digits = head.trim_end_matches(|c: char| c.is_ascii_digit());
    head.ends_with('0')
        && head.len() - digits.len() == 1
        && !digits.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '"')
}

fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_serde).collect()),
        serde_json::Value::Object(o) => {
            let m: BTreeMap<String, Value> =
                o.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect();
            Value::map(m)
        }
    }
}
