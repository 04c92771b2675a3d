//! Sprig's string functions.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{FuncMap, P, add, arg, arg_int, arg_str, strval};
use crate::fmt;
use crate::value::{Elem, Value};

fn s(v: String) -> Result<Value, String> {
    Ok(Value::from(v))
}

fn repeat(n: i64, s: &str) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if (n as u128) * (s.len() as u128) > 64 << 20 {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(n as usize))
}

/// `s[a:b]` on bytes, with Go's runtime panic messages.
fn byte_slice(s: &str, a: usize, b: usize) -> Result<String, String> {
    if b > s.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{b}] with length {}",
            s.len()
        ));
    }
    if a > b {
        return Err(format!(
            "runtime error: slice bounds out of range [{a}:{b}]"
        ));
    }
    Ok(String::from_utf8_lossy(&s.as_bytes()[a..b]).into_owned())
}

fn go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

/// Go's strings.Title.
pub(crate) fn title(s: &str) -> String {
    let is_sep = |r: char| -> bool {
        if (r as u32) <= 0x7f {
            return !(r.is_ascii_alphanumeric() || r == '_');
        }
        if r.is_alphabetic() || crate::go_unicode::is_digit(r) {
            return false;
        }
        go_space(r)
    };
    let mut prev = ' ';
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_sep(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn to_lower(s: &str) -> String {
    s.to_lowercase()
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "hello", &[], None, |_, _| s("Hello!".into()));
    add(m, "trunc", &[P::Int, P::Str], None, |_, a| {
        let c = arg_int(&a, 0);
        let st = arg_str(&a, 1);
        let n = st.len() as i64;
        if c < 0 && n + c > 0 {
            return s(byte_slice(&st, (n + c) as usize, n as usize)?);
        }
        if c >= 0 && n > c {
            return s(byte_slice(&st, 0, c as usize)?);
        }
        s(st)
    });
    add(m, "trim", &[P::Str], None, |_, a| {
        s(arg_str(&a, 0).trim_matches(go_space).to_string())
    });
    add(m, "upper", &[P::Str], None, |_, a| {
        s(arg_str(&a, 0).to_uppercase())
    });
    add(m, "lower", &[P::Str], None, |_, a| {
        s(to_lower(&arg_str(&a, 0)))
    });
    add(m, "title", &[P::Str], None, |_, a| {
        s(title(&arg_str(&a, 0)))
    });
    add(m, "untitle", &[P::Str], None, |_, a| {
        let st = arg_str(&a, 0);
        let mut c = st.chars();
        match c.next() {
            Some(f) => s(f.to_lowercase().collect::<String>() + c.as_str()),
            None => s(st),
        }
    });
    add(m, "substr", &[P::Int, P::Int, P::Str], None, |_, a| {
        let (start, end, st) = (arg_int(&a, 0), arg_int(&a, 1), arg_str(&a, 2));
        let n = st.len() as i64;
        if start < 0 {
            if end < 0 {
                return Err(format!("runtime error: slice bounds out of range [:{end}]"));
            }
            return s(byte_slice(&st, 0, end as usize)?);
        }
        if end < 0 || end > n {
            return s(byte_slice(&st, start as usize, n as usize)?);
        }
        s(byte_slice(&st, start as usize, end as usize)?)
    });
    add(m, "repeat", &[P::Int, P::Str], None, |_, a| {
        s(repeat(arg_int(&a, 0), &arg_str(&a, 1))?)
    });
    for name in ["trimall", "trimAll"] {
        add(m, name, &[P::Str, P::Str], None, |_, a| {
            let cut = arg_str(&a, 0);
            s(arg_str(&a, 1).trim_matches(|c| cut.contains(c)).to_string())
        });
    }
    add(m, "trimSuffix", &[P::Str, P::Str], None, |_, a| {
        let (suf, st) = (arg_str(&a, 0), arg_str(&a, 1));
        s(st.strip_suffix(suf.as_str()).unwrap_or(&st).to_string())
    });
    add(m, "trimPrefix", &[P::Str, P::Str], None, |_, a| {
        let (pre, st) = (arg_str(&a, 0), arg_str(&a, 1));
        s(st.strip_prefix(pre.as_str()).unwrap_or(&st).to_string())
    });
    add(m, "nospace", &[P::Str], None, |_, a| {
        s(arg_str(&a, 0)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect())
    });
    add(m, "initials", &[P::Str], None, |_, a| {
        let st = arg_str(&a, 0);
        let mut out = String::new();
        let mut last_ws = true;
        for c in st.chars() {
            if c.is_whitespace() {
                last_ws = true;
            } else {
                if last_ws {
                    out.push(c);
                }
                last_ws = false;
            }
        }
        s(out)
    });
    add(m, "swapcase", &[P::Str], None, |_, a| {
        s(arg_str(&a, 0)
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().collect::<String>()
                } else if c.is_lowercase() {
                    c.to_uppercase().collect::<String>()
                } else {
                    c.to_string()
                }
            })
            .collect())
    });
    add(m, "snakecase", &[P::Str], None, |_, a| {
        s(camel_to_sep(&arg_str(&a, 0), '_'))
    });
    add(m, "kebabcase", &[P::Str], None, |_, a| {
        s(camel_to_sep(&arg_str(&a, 0), '-'))
    });
    add(m, "camelcase", &[P::Str], None, |_, a| {
        s(to_camel(&arg_str(&a, 0)))
    });
    add(m, "contains", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::Bool(
            arg_str(&a, 1).contains(arg_str(&a, 0).as_str()),
        ))
    });
    add(m, "hasPrefix", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::Bool(
            arg_str(&a, 1).starts_with(arg_str(&a, 0).as_str()),
        ))
    });
    add(m, "hasSuffix", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::Bool(
            arg_str(&a, 1).ends_with(arg_str(&a, 0).as_str()),
        ))
    });
    add(m, "quote", &[], Some(P::Any), |_, a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| fmt::quote_go(&strval(v)))
            .collect();
        s(out.join(" "))
    });
    add(m, "squote", &[], Some(P::Any), |_, a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", fmt::sprint_value(v)))
            .collect();
        s(out.join(" "))
    });
    add(m, "cat", &[], Some(P::Any), |_, a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(fmt::sprint_value)
            .collect();
        s(out.join(" ").trim_matches(go_space).to_string())
    });
    add(m, "indent", &[P::Int, P::Str], None, |_, a| {
        s(indent(arg_int(&a, 0), &arg_str(&a, 1))?)
    });
    add(m, "nindent", &[P::Int, P::Str], None, |_, a| {
        s(format!("\n{}", indent(arg_int(&a, 0), &arg_str(&a, 1))?))
    });
    add(m, "replace", &[P::Str, P::Str, P::Str], None, |_, a| {
        let (old, new, src) = (arg_str(&a, 0), arg_str(&a, 1), arg_str(&a, 2));
        s(go_replace(&src, &old, &new))
    });
    add(m, "plural", &[P::Str, P::Str, P::Int], None, |_, a| {
        s(if arg_int(&a, 2) == 1 {
            arg_str(&a, 0)
        } else {
            arg_str(&a, 1)
        })
    });
    add(m, "toString", &[P::Any], None, |_, a| {
        s(strval(&arg(&a, 0)))
    });
    add(m, "split", &[P::Str, P::Str], None, |_, a| {
        let (sep, orig) = (arg_str(&a, 0), arg_str(&a, 1));
        Ok(parts_map(go_split(&orig, &sep, -1)))
    });
    add(m, "splitn", &[P::Str, P::Int, P::Str], None, |_, a| {
        let (sep, n, orig) = (arg_str(&a, 0), arg_int(&a, 1), arg_str(&a, 2));
        Ok(parts_map(go_split(&orig, &sep, n)))
    });
    add(m, "splitList", &[P::Str, P::Str], None, |_, a| {
        let (sep, orig) = (arg_str(&a, 0), arg_str(&a, 1));
        Ok(str_list(go_split(&orig, &sep, -1)))
    });
    add(m, "toStrings", &[P::Any], None, |_, a| {
        let v = arg(&a, 0);
        // strslice returns a []string as it is, nil included.
        if matches!(&v, Value::List(l, Elem::String) if l.is_nil()) {
            return Ok(v);
        }
        Ok(str_list(strslice(&v)))
    });
    add(m, "join", &[P::Str, P::Any], None, |_, a| {
        s(strslice(&arg(&a, 1)).join(&arg_str(&a, 0)))
    });
    add(m, "sortAlpha", &[P::Any], None, |_, a| {
        let v = arg(&a, 0);
        match v {
            Value::List(ref l, Elem::String) if l.is_nil() => Ok(v),
            Value::List(..) | Value::Bytes(_) => {
                let mut l = strslice(&v);
                l.sort();
                Ok(str_list(l))
            }
            v => Ok(str_list(vec![strval(&v)])),
        }
    });
    add(m, "abbrev", &[P::Int, P::Str], None, |_, a| {
        let (w, st) = (arg_int(&a, 0), arg_str(&a, 1));
        if w < 4 {
            return s(st);
        }
        s(abbreviate(&st, 0, w as usize))
    });
    add(m, "abbrevboth", &[P::Int, P::Int, P::Str], None, |_, a| {
        let (l, r, st) = (arg_int(&a, 0), arg_int(&a, 1), arg_str(&a, 2));
        if r < 4 || (l > 0 && r < 7) {
            return s(st);
        }
        s(abbreviate(&st, l.max(0) as usize, r as usize))
    });
    add(m, "wrap", &[P::Int, P::Str], None, |_, a| {
        s(wrap_custom(&arg_str(&a, 1), arg_int(&a, 0), "\n", false))
    });
    add(m, "wrapWith", &[P::Int, P::Str, P::Str], None, |_, a| {
        s(wrap_custom(
            &arg_str(&a, 2),
            arg_int(&a, 0),
            &arg_str(&a, 1),
            true,
        ))
    });
}

pub(crate) fn indent(n: i64, v: &str) -> Result<String, String> {
    let pad = repeat(n, " ")?;
    let mut out = String::with_capacity(v.len() + pad.len() * 4);
    out.push_str(&pad);
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(out)
}

/// Go's strings.Replace(s, old, new, -1), including the empty-old case.
fn go_replace(s: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        let mut out = String::from(new);
        for c in s.chars() {
            out.push(c);
            out.push_str(new);
        }
        return out;
    }
    s.replace(old, new)
}

/// Go's strings.SplitN (n < 0: all).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let mut out: Vec<String> = Vec::new();
        let chars: Vec<char> = s.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if n > 0 && out.len() as i64 == n - 1 {
                out.push(chars[i..].iter().collect());
                return out;
            }
            out.push(c.to_string());
        }
        return out;
    }
    if n < 0 {
        return s.split(sep).map(str::to_string).collect();
    }
    s.splitn(n as usize, sep).map(str::to_string).collect()
}

fn parts_map(parts: Vec<String>) -> Value {
    let m: BTreeMap<String, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::from(p)))
        .collect();
    Value::typed_map(m, Elem::String)
}

pub(crate) fn str_list(items: Vec<String>) -> Value {
    Value::List(
        Rc::new(items.into_iter().map(Value::from).collect()),
        Elem::String,
    )
}

/// Sprig's strslice.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l, _) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        v => vec![strval(v)],
    }
}

fn abbreviate(s: &str, offset: usize, max: usize) -> String {
    // goutils.AbbreviateFull, on bytes as Go does.
    let n = s.len();
    if n <= max {
        return s.to_string();
    }
    let mut offset = offset.min(n);
    if n - offset < max - 3 {
        offset = n - (max - 3);
    }
    let abbr = "...";
    if offset <= 4 {
        return format!(
            "{}{}",
            String::from_utf8_lossy(&s.as_bytes()[..max - 3]),
            abbr
        );
    }
    if max < 7 {
        return s.to_string();
    }
    if offset + max - 3 < n {
        let rest = abbreviate(
            &String::from_utf8_lossy(&s.as_bytes()[offset..]),
            0,
            max - 3,
        );
        return format!("{abbr}{rest}");
    }
    format!(
        "{abbr}{}",
        String::from_utf8_lossy(&s.as_bytes()[n - (max - 3)..])
    )
}

fn wrap_custom(s: &str, width: i64, nl: &str, long_words: bool) -> String {
    // goutils.WrapCustom.
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let width = if width < 1 { 1 } else { width as usize };
    let b = s.as_bytes();
    let n = b.len();
    let mut offset = 0usize;
    let mut out = String::new();
    while n - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let window = &b[offset..offset + width + 1];
        let space = window.iter().rposition(|&c| c == b' ');
        match space {
            Some(sp) if sp > 0 => {
                out.push_str(&String::from_utf8_lossy(&b[offset..offset + sp]));
                out.push_str(nl);
                offset += sp + 1;
            }
            _ => {
                if long_words {
                    out.push_str(&String::from_utf8_lossy(&b[offset..offset + width]));
                    out.push_str(nl);
                    offset += width;
                } else {
                    match b[offset + width..].iter().position(|&c| c == b' ') {
                        Some(p) => {
                            let sp = offset + width + p;
                            out.push_str(&String::from_utf8_lossy(&b[offset..sp]));
                            out.push_str(nl);
                            offset = sp + 1;
                        }
                        None => {
                            out.push_str(&String::from_utf8_lossy(&b[offset..]));
                            offset = n;
                        }
                    }
                }
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(&b[offset..]));
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    None,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

fn go_is_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation() && !"$+<=>^`|~".contains(c);
    }
    matches!(c, '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}' | '\u{3001}'..='\u{3003}')
}

fn is_alphabet(c: char) -> bool {
    c.is_alphabetic() && !matches!(c as u32, 0x3400..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x2ffff)
}

fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// Splits a string into xstrings' words: connector runs, punctuation runs,
/// capitalised or upper-case words (`HTTPServer` is `HTTP`, `Server`),
/// lower-case runs, number runs and anything else.
fn words(s: &str) -> Vec<(Word, String)> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let start = i;
        let r = c[i];
        i += 1;
        let run = |i: &mut usize, f: &dyn Fn(char) -> bool| {
            while *i < c.len() && f(c[*i]) {
                *i += 1;
            }
        };
        let wt = if is_connector(r) {
            run(&mut i, &is_connector);
            Word::Connector
        } else if go_is_punct(r) {
            run(&mut i, &go_is_punct);
            Word::Punct
        } else if r.is_uppercase() {
            if i < c.len() && c[i].is_uppercase() {
                run(&mut i, &|x: char| x.is_uppercase());
                if i < c.len() && is_alphabet(c[i]) {
                    i -= 1;
                }
            } else if i < c.len() && is_alphabet(c[i]) {
                run(&mut i, &|x: char| is_alphabet(x) && !x.is_uppercase());
            }
            Word::Upper
        } else if is_alphabet(r) {
            run(&mut i, &|x: char| is_alphabet(x) && !x.is_uppercase());
            Word::Alpha
        } else if is_number(r) {
            run(&mut i, &is_number);
            Word::Number
        } else {
            run(&mut i, &|x: char| {
                !(is_connector(x) || is_alphabet(x) || is_number(x) || go_is_punct(x))
            });
            Word::Other
        };
        out.push((wt, c[start..i].iter().collect()));
    }
    out
}

fn lower_word(out: &mut String, wt: Word, w: &str, sep: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(w);
        return;
    }
    for ch in w.chars() {
        if is_connector(ch) {
            out.push(sep);
        } else {
            out.extend(ch.to_lowercase());
        }
    }
}

/// xstrings.ToSnakeCase/ToKebabCase: words lower-cased and joined by `sep`;
/// numbers stick to the word before them unless lower-case letters follow.
fn camel_to_sep(s: &str, sep: char) -> String {
    let ws = words(s);
    let mut out = String::new();
    let mut idx = 0;
    let get = |k: usize| {
        ws.get(k)
            .map(|(t, w)| (*t, w.as_str()))
            .unwrap_or((Word::None, ""))
    };
    if ws.is_empty() {
        return out;
    }
    let (mut wt, mut word) = get(0);
    while idx + 1 < ws.len() {
        if wt != Word::Connector {
            lower_word(&mut out, wt, word, sep);
        }
        let (prev, last) = (wt, word);
        idx += 1;
        (wt, word) = get(idx);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    lower_word(&mut out, wt, word, sep);
                    idx += 1;
                    (wt, word) = get(idx);
                }
                if !matches!(wt, Word::None | Word::Punct | Word::Connector) {
                    out.push(sep);
                }
            }
            Word::Connector => lower_word(&mut out, prev, last, sep),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(sep);
                    }
                    continue;
                }
                if idx + 1 >= ws.len() {
                    break;
                }
                let num = word;
                idx += 1;
                (wt, word) = get(idx);
                if wt != Word::Alpha {
                    lower_word(&mut out, Word::Number, num, sep);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(sep);
                    }
                    continue;
                }
                out.push(sep);
                lower_word(&mut out, Word::Number, num, sep);
                while wt == Word::Alpha || wt == Word::Number {
                    lower_word(&mut out, wt, word, sep);
                    idx += 1;
                    (wt, word) = get(idx);
                }
                if !matches!(wt, Word::None | Word::Connector | Word::Punct) {
                    out.push(sep);
                }
            }
        }
    }
    lower_word(&mut out, wt, word, sep);
    out
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings.ToCamelCase: connectors are dropped and the next letter upper-cased,
/// every other letter lower-cased; leading connectors and runs of connectors
/// (all but the last) are kept.
fn to_camel(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut first = None;
    for c in chars.by_ref() {
        if is_connector(c) {
            out.push(c);
        } else {
            first = Some(c);
            break;
        }
    }
    let Some(f) = first else { return out };
    let mut prev: char = f.to_uppercase().next().unwrap_or(f);
    for c in chars {
        if is_connector(c) && is_connector(prev) {
            out.push(prev);
            prev = c;
            continue;
        }
        if is_connector(prev) {
            prev = c.to_uppercase().next().unwrap_or(c);
        } else {
            out.push(prev);
            prev = c.to_lowercase().next().unwrap_or(c);
        }
    }
    out.push(prev);
    out
}
