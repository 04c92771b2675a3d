//! yaml.v2's resolution of plain scalars.

use std::sync::LazyLock;

/// What a plain scalar resolves to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Timestamp,
    Merge,
    Str,
}

fn is_float_style(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    // YYYY-M-D, optionally followed by [Tt ]h:m:s[.frac][Z|±hh:mm].
    static RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(
            r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]| )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?(?:Z|[-+][0-9]{1,2}:[0-9]{2})?)?$",
        )
        .ok()
    });
    let Some(re) = RE.as_ref() else { return false };
    if !re.is_match(s) {
        return false;
    }
    // Go's time.Parse validates the date.
    let parts: Vec<&str> = s
        .get(..10.min(s.len()))
        .unwrap_or("")
        .split(['-', 'T', 't', ' '])
        .collect();
    let month: u32 = parts.get(1).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = parts
        .get(2)
        .and_then(|d| d.get(..2.min(d.len())))
        .and_then(|d| {
            d.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        })
        .unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// yaml.v2's resolve for an untagged plain scalar.
pub(crate) fn resolve(s: &str) -> Resolved {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        "<<" => return Resolved::Merge,
        _ => {}
    }
    let Some(first) = s.bytes().next() else {
        return Resolved::Str;
    };
    match first {
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain = s.replace('_', "");
            if let Some(i) = crate::fmt::parse_go_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = crate::fmt::parse_go_uint(&plain) {
                return Resolved::Uint(u);
            }
            if is_float_style(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    // Go's ParseFloat fails on overflow: such a scalar stays a string.
                    if f.is_finite() {
                        return Resolved::Float(f);
                    }
                }
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Ok(i) = i64::from_str_radix(rest, 2) {
                    return Resolved::Int(i);
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if let Ok(i) = i64::from_str_radix(rest, 2) {
                    return Resolved::Int(-i);
                }
            }
            Resolved::Str
        }
        b'.' => match s.parse::<f64>() {
            Ok(f) if is_float_style(s) => Resolved::Float(f),
            _ => Resolved::Str,
        },
        _ => Resolved::Str,
    }
}

/// yaml.v2's isBase60Float: strings like `1:20` that YAML 1.1 reads as numbers.
pub(crate) fn is_base60_float(s: &str) -> bool {
    static RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").ok()
    });
    if s.is_empty() {
        return false;
    }
    let c = s.as_bytes()[0];
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    RE.as_ref().is_some_and(|r| r.is_match(s))
}
