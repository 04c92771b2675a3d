//! Helm's toToml: BurntSushi/toml's encoder (v1.6, Helm 4.3) as Helm calls it.

use crate::value::{Elem, Value};

struct Enc {
    out: String,
}

fn is_bare(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_part(k: &str) -> String {
    if is_bare(k) { k.to_string() } else { quote(k) }
}

fn path(key: &[String]) -> String {
    key.iter()
        .map(|k| key_part(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn data(v: &Value) -> Value {
    match v {
        Value::Object(o) => o.to_data(),
        v => v.clone(),
    }
}

fn is_table(v: &Value) -> bool {
    matches!(data(v), Value::Map(..))
}

fn is_table_array(v: &Value) -> Result<bool, String> {
    let Value::List(items, _) = data(v) else {
        return Ok(false);
    };
    if items.is_empty() {
        return Ok(false);
    }
    let mut all = true;
    for i in items.iter() {
        if data(i).is_nil() {
            return Err("toml: cannot encode array with nil element".into());
        }
        all &= is_table(i);
    }
    Ok(all)
}

/// BurntSushi 1.5+ (Helm 4): %g, with ".0" added when there is neither a
/// point nor an exponent; NaN and infinities keep their sign.
fn float(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f.is_nan() {
        return format!("{sign}nan");
    }
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    let s = crate::fmt::format_float(f, 'g', -1);
    if s.contains(['.', 'e']) {
        s
    } else {
        format!("{s}.0")
    }
}

fn element(v: &Value, depth: usize) -> Result<String, String> {
    if depth > 10_000 {
        return Err("toml: nesting too deep".into());
    }
    if let Value::Object(o) = v {
        if let Some(t) = o.toml_datetime() {
            return Ok(t);
        }
    }
    crate::deep(|| {
        Ok(match data(v) {
            Value::Nil => return Err("toml: cannot encode array with nil element".into()),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) | Value::Int64(i) => i.to_string(),
            Value::Float(f) => float(f),
            Value::String(s) => quote(&s),
            Value::BinStr(b) => quote(&String::from_utf8_lossy(&b)),
            Value::Bytes(b) => {
                let items: Vec<String> = b.iter().map(u8::to_string).collect();
                format!("[{}]", items.join(", "))
            }
            Value::List(items, _) => {
                let mut parts = Vec::new();
                for i in items.iter() {
                    parts.push(element(i, depth + 1)?);
                }
                format!("[{}]", parts.join(", "))
            }
            Value::Map(m, _) => {
                let m = m.borrow();
                let mut parts = Vec::new();
                for (k, x) in m.iter() {
                    if data(x).is_nil() {
                        continue;
                    }
                    parts.push(format!("{} = {}", key_part(k), element(x, depth + 1)?));
                }
                format!("{{{}}}", parts.join(", "))
            }
            Value::Object(_) => String::new(),
        })
    })
}

impl Enc {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(&self, key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn map(&mut self, key: &[String], m: &Value) -> Result<(), String> {
        let Value::Map(m, _) = data(m) else {
            return Ok(());
        };
        let entries: Vec<(String, Value)> = m
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in entries {
            if data(&v).is_nil() {
                continue;
            }
            if is_table(&v) || is_table_array(&v)? {
                sub.push((k, v));
            } else {
                direct.push((k, v));
            }
        }
        for (k, v) in direct.into_iter().chain(sub) {
            let mut full = key.to_vec();
            full.push(k);
            self.kv(&full, &v)?;
        }
        Ok(())
    }

    fn kv(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        if key.len() > 10_000 {
            return Err("toml: nesting too deep".into());
        }
        crate::deep(|| {
            if is_table(v) {
                if key.len() == 1 {
                    self.newline();
                }
                let line = format!("{}[{}]", self.indent(key), path(key));
                self.out.push_str(&line);
                self.newline();
                return self.map(key, v);
            }
            if is_table_array(v)? {
                if let Value::List(items, _) = data(v) {
                    for item in items.iter() {
                        self.newline();
                        let line = format!("{}[[{}]]", self.indent(key), path(key));
                        self.out.push_str(&line);
                        self.newline();
                        self.map(key, item)?;
                    }
                }
                return Ok(());
            }
            let last = key.last().map(String::as_str).unwrap_or("");
            let line = format!(
                "{}{} = {}",
                self.indent(key),
                key_part(last),
                element(v, 0)?
            );
            self.out.push_str(&line);
            self.newline();
            Ok(())
        })
    }
}

/// toToml's text, or the encoder's error message (Helm returns it as the output).
pub(crate) fn to_toml(v: &Value) -> String {
    to_toml_result(v).unwrap_or_else(|e| e)
}

/// The encoder's text or its error (Helm 4.2's mustToToml).
pub(crate) fn to_toml_result(v: &Value) -> Result<String, String> {
    match data(v) {
        m @ Value::Map(_, Elem::Any | Elem::String | Elem::Int) => {
            let mut e = Enc { out: String::new() };
            e.map(&[], &m)?;
            Ok(e.out)
        }
        Value::Nil => Err("toml: cannot encode a nil value".into()),
        _ => Err("toml: top-level values must be Go maps or structs".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected outputs were produced by BurntSushi/toml 1.2.0 (Go 1.19) encoding
    /// the same YAML parsed with sigs.k8s.io/yaml, and checked against Helm 4.3
    /// (BurntSushi 1.6 writes floats with %g: `1e+21`); also conformance
    /// cases toml-enc-*.
    #[test]
    fn matches_burntsushi_toml() {
        let cases = [
            (
                "a: 1\nb: x\nt: {x: y, n: {z: 1.5}}\nl: [1, 2]\nlt: [{a: 1}, {b: 2}]\ne: {}\nf: 3.0\nbig: 1000000\nnul: null\nmixed: [1, a]\nq: \"he said \\\"hi\\\"\\n\"\nbool: true\n\"key with space\": 1\nnested: {deep: {er: {x: 1}}, val: 2}",
                "a = 1.0\nb = \"x\"\nbig = 1e+06\nbool = true\nf = 3.0\n\"key with space\" = 1.0\nl = [1.0, 2.0]\nmixed = [1.0, \"a\"]\nq = \"he said \\\"hi\\\"\\n\"\n\n[e]\n\n[[lt]]\n  a = 1.0\n\n[[lt]]\n  b = 2.0\n\n[nested]\n  val = 2.0\n  [nested.deep]\n    [nested.deep.er]\n      x = 1.0\n\n[t]\n  x = true\n  [t.false]\n    z = 1.5\n",
            ),
            ("{}", ""),
            (
                "a: [[1, 2], [x]]\nb: []\nc: 1e21\nd: -0.5\ne: 0.000001",
                "a = [[1.0, 2.0], [\"x\"]]\nb = []\nc = 1e+21\nd = -0.5\ne = 1e-06\n",
            ),
            ("a: [1, null]", "toml: cannot encode array with nil element"),
            ("a: [1, {b: 2}]", "a = [1.0, {b = 2.0}]\n"),
            (
                "t: {lt: [{a: 1, s: {x: 1}}, {b: {c: [{d: 1}]}}]}",
                "[t]\n\n  [[t.lt]]\n    a = 1.0\n    [t.lt.s]\n      x = 1.0\n\n  [[t.lt]]\n    [t.lt.b]\n\n      [[t.lt.b.c]]\n        d = 1.0\n",
            ),
            (
                "\"\": 1\n\"a.b\": 2\n\"ké\": \"tab\\there\\u0001\\u007f\"\nx-y_z: 3",
                "\"\" = 1.0\n\"a.b\" = 2.0\n\"ké\" = \"tab\\there\\u0001\\u007f\"\nx-y_z = 3.0\n",
            ),
            ("a: [{}]\nb: [[{x: 1}]]", "b = [[{x = 1.0}]]\n\n[[a]]\n"),
        ];
        for (yaml, want) in cases {
            let v = crate::yaml::from_yaml(yaml).unwrap_or_default();
            assert_eq!(to_toml(&v), want, "{yaml}");
        }
    }
}
