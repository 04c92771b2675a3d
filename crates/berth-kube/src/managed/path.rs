//! Path elements of a field set: how one step into an object is named, ordered, printed and
//! written in `fieldsV1` (structured-merge-diff fieldpath/element.go, serialize-pe.go).

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

/// One step into an object.
#[derive(Clone, Debug)]
pub enum PathElement {
    /// A struct field or map key: `f:<name>`.
    Field(String),
    /// An item of a `map` list, by its key fields sorted by name: `k:{"name":"web"}`.
    Key(Vec<(String, Value)>),
    /// An item of a `set` list, by its value: `v:"x"`.
    Value(Value),
    /// An item of a list by position: `i:0` (read, never produced by the built-in shapes).
    Index(i64),
}

/// A path from the object's root.
pub type Path = Vec<PathElement>;

impl PathElement {
    /// A key element with its fields sorted by name, as SMD stores them.
    pub fn key(mut fields: Vec<(String, Value)>) -> Self {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        PathElement::Key(fields)
    }

    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
        }
    }

    /// The `fieldsV1` key: `f:name`, `k:{...}`, `v:...`, `i:3`.
    pub fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => {
                let mut out = String::from("k:{");
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json(&Value::String(name.clone()), &mut out);
                    out.push(':');
                    write_json(value, &mut out);
                }
                out.push('}');
                out
            }
            PathElement::Value(value) => {
                let mut out = String::from("v:");
                write_json(value, &mut out);
                out
            }
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Reads a `fieldsV1` key; `None` for anything SMD would reject.
    pub fn decode(text: &str) -> Option<Self> {
        let (kind, rest) = (text.get(..2)?, text.get(2..)?);
        match kind {
            "f:" => Some(PathElement::Field(rest.to_string())),
            "v:" => serde_json::from_str(rest).ok().map(PathElement::Value),
            "k:" => match serde_json::from_str::<Value>(rest).ok()? {
                Value::Object(map) => Some(PathElement::key(map.into_iter().collect())),
                _ => None,
            },
            "i:" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SMD's order: fields, then keys, values, indexes; the canonical `fieldsV1` order.
impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let c = x.0.cmp(&y.0).then_with(|| compare_values(&x.1, &y.1));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (PathElement::Value(a), PathElement::Value(b)) => compare_values(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// `.spec`, `[name="web"]`, `[="x"]`, `[0]`, as conflicts print them.
impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_to_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={}]", value_to_string(v)),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A whole path as conflicts print it: `.spec.template.spec.containers[name="web"].image`.
pub fn path_to_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// SMD value.ToString: Go's `%q` for strings, `%v` for numbers.
fn value_to_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(value_to_string).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", value_to_string(v)))
            .collect(),
        other => other.to_string(),
    }
}

/// SMD value.Compare: numbers (ints and floats compared numerically) < strings < bools <
/// lists < maps < null.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    compare_bounded(a, b, 0)
}

/// Values nested deeper than any parsed request compare equal below this depth.
const MAX_COMPARE_DEPTH: usize = 256;

fn compare_bounded(a: &Value, b: &Value, depth: usize) -> Ordering {
    if depth > MAX_COMPARE_DEPTH {
        return Ordering::Equal;
    }
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => {
                let (fx, fy) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                fx.partial_cmp(&fy).unwrap_or(Ordering::Equal)
            }
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (i, j) in x.iter().zip(y) {
                let c = compare_bounded(i, j, depth + 1);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            // Lexical key order, shorter map first on a common prefix (value.MapCompare).
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(&ys) {
                let c = kx.cmp(ky).then_with(|| compare_bounded(vx, vy, depth + 1));
                if c != Ordering::Equal {
                    return c;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Go's encoding/json as jsoniter's standard-library mode writes it: `<`, `>` and `&` escaped,
/// so `k:` and `v:` keys are byte-identical to the real server's.
fn write_json(v: &Value, out: &mut String) {
    let text = serde_json::to_string(v).unwrap_or_default();
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// serialize-pe_test.go TestPathElementRoundTrip: each form survives encode/decode.
    #[test]
    fn path_element_round_trip() {
        for text in [
            "i:0",
            "i:1234",
            "f:",
            "f:spec",
            "f:more-complicated-string",
            "k:{\"name\":\"my-container\"}",
            "k:{\"port\":\"8080\",\"protocol\":\"TCP\"}",
            "k:{\"optionalField\":null}",
            "k:{\"jsonField\":{\"A\":1,\"B\":null,\"C\":\"D\",\"E\":{\"F\":\"G\"}}}",
            "k:{\"listField\":[\"1\",\"2\",\"3\"]}",
            "v:null",
            "v:\"some-string\"",
            "v:1234",
            "v:{\"some\":\"json\"}",
        ] {
            let pe = PathElement::decode(text).expect(text);
            assert_eq!(pe.encode(), text);
        }
    }

    /// serialize-pe_test.go TestPathElementSerializationErrors.
    #[test]
    fn malformed_path_elements_are_rejected() {
        for text in [
            "",
            "no-colon",
            "i:index is not a number",
            "i:1.23",
            "i:",
            "v:invalid json",
            "k:invalid json",
            "k:{\"name\":invalid}",
            "q:unknown-type",
        ] {
            assert!(PathElement::decode(text).is_none(), "{text}");
        }
    }

    #[test]
    fn key_fields_are_sorted_and_numbers_compare_numerically() {
        let a = PathElement::key(vec![
            ("protocol".into(), json!("TCP")),
            ("containerPort".into(), json!(80)),
        ]);
        let b = PathElement::key(vec![
            ("containerPort".into(), json!(443)),
            ("protocol".into(), json!("TCP")),
        ]);
        assert_eq!(a.encode(), r#"k:{"containerPort":80,"protocol":"TCP"}"#);
        assert!(a < b, "80 sorts before 443 as SMD compares numbers");
        assert_eq!(a.to_string(), r#"[containerPort=80,protocol="TCP"]"#);
    }
}
