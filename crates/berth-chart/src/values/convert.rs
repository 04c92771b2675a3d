//! Conversions between template values and JSON, and Go's printing of a few value forms.

use std::collections::BTreeMap;

use berth_template::Value;

/// A value as JSON (numbers stay numbers; byte strings become text).
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil | Value::Object(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) | Value::Int64(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.to_string()),
        Value::BinStr(b) | Value::Bytes(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(items, _) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(m, _) => J::Object(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// JSON decoded as Go's `encoding/json` decodes into `interface{}`: every number a float64.
pub fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::list(a.iter().map(from_json).collect()),
        J::Object(o) => Value::map(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Go's `%q` of a string.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's name of a dynamic type after `interface {} is` in a failed type assertion.
pub fn go_dynamic_type(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        v => v.type_name(),
    }
}

/// Go's `%t` of a non-bool value (`%!t(string=x)`).
pub fn go_percent_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        Value::String(s) => format!("%!t(string={s})"),
        Value::Float(f) => format!("%!t(float64={})", go_float(*f)),
        Value::Int64(i) => format!("%!t(int64={i})"),
        Value::Int(i) => format!("%!t(int={i})"),
        Value::List(items, _) => format!(
            "[{}]",
            items.iter().map(go_percent_t).collect::<Vec<_>>().join(" ")
        ),
        v => format!("%!t({}=?)", v.type_name()),
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with %v's exponent rule).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..21).contains(&exp) {
        let s = format!("{f:e}");
        // Rust: 1e21, Go: 1e+21.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => {
                let e = if e.len() < 2 {
                    format!("0{e}")
                } else {
                    e.to_string()
                };
                format!("{m}e+{e}")
            }
            Some((m, e)) => {
                let digits = &e[1..];
                let digits = if digits.len() < 2 {
                    format!("0{digits}")
                } else {
                    digits.to_string()
                };
                format!("{m}e-{digits}")
            }
            None => s,
        }
    } else {
        format!("{f}")
    }
}
