//! Chart.yaml (and a v1 chart's `requirements.yaml`) decoded as Helm decodes them into
//! `chart.Metadata` (`sigs.k8s.io/yaml`: YAML → JSON → `encoding/json` with the struct as
//! a type hint), then validated with `Metadata.Validate`'s rules and messages.

use berth_template::Value;

use crate::chart::{Dependency, Maintainer, Metadata};
use crate::values::convert::to_json;

/// Whether the decoded lists had `null` entries (Go's nil pointers), which validation
/// rejects.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullNodes {
    pub maintainer: bool,
    pub dependency: bool,
}

/// `chart.ValidationError`: printed as `validation: ...`.
pub fn validation(msg: impl std::fmt::Display) -> String {
    format!("validation: {msg}")
}

/// A number as a string-typed field receives it: the YAML integer's digits, otherwise
/// Go's `FormatFloat(f, 'g', -1, 32)` (so `appVersion: 1.10` becomes `1.1`, as in Helm).
fn number_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{}", f as f32);
    if s.contains('e') || s.contains("inf") || s.contains("NaN") {
        return format!("{:e}", f as f32);
    }
    s
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(_) | Value::Int64(_) => "number",
        Value::String(_) | Value::BinStr(_) => "string",
        Value::List(..) => "array",
        _ => "object",
    }
}

/// A decoder that records the first type error, as `encoding/json` does, and goes on.
struct Decoder {
    err: Option<String>,
}

impl Decoder {
    fn type_error(&mut self, v: &Value, strukt: &str, field: &str, ty: &str) {
        if self.err.is_none() {
            self.err = Some(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {strukt}.{field} of type {ty}",
                json_kind(v)
            ));
        }
    }

    fn string(&mut self, v: &Value, strukt: &str, field: &str) -> Option<String> {
        match v {
            Value::Nil => None,
            Value::String(s) => Some(s.to_string()),
            Value::BinStr(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Float(f) => Some(number_string(*f)),
            Value::Int(i) | Value::Int64(i) => Some(i.to_string()),
            _ => {
                self.type_error(v, strukt, field, "string");
                None
            }
        }
    }

    fn strings(&mut self, v: &Value, strukt: &str, field: &str) -> Option<Vec<String>> {
        match v {
            Value::Nil => Some(Vec::new()),
            Value::List(items, _) => Some(
                items
                    .iter()
                    .map(|i| self.string(i, strukt, field).unwrap_or_default())
                    .collect(),
            ),
            _ => {
                self.type_error(v, strukt, field, "[]string");
                None
            }
        }
    }

    fn bool(&mut self, v: &Value, strukt: &str, field: &str) -> Option<bool> {
        match v {
            Value::Nil => None,
            Value::Bool(b) => Some(*b),
            _ => {
                self.type_error(v, strukt, field, "bool");
                None
            }
        }
    }
}

/// `encoding/json`'s field matching: exact name first, then case-insensitively.
fn field_of<'a>(key: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .find(|n| **n == key)
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(key)))
        .copied()
}

const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];

/// Decodes `data` (Chart.yaml or requirements.yaml) over `md`, as `yaml.Unmarshal(data,
/// md)` does: fields present replace those of `md`. `Ok(false)` entries in the lists are
/// the `null` nodes validation rejects. The error is the decoder's text.
pub fn decode_into(md: &mut Metadata, data: &[u8], nulls: &mut NullNodes) -> Result<(), String> {
    let text = berth_template::utf8_lossy(data);
    let v = berth_template::yaml::from_yaml(&text).map_err(|e| e.0)?;
    let Value::Map(map, _) = &v else {
        return Ok(());
    };
    let mut d = Decoder { err: None };
    let map = map.borrow();
    for (key, val) in map.iter() {
        let Some(field) = field_of(key, METADATA_FIELDS) else {
            continue;
        };
        let s = "Metadata";
        match field {
            "name" => set_string(&mut md.name, d.string(val, s, field)),
            "home" => set_string(&mut md.home, d.string(val, s, field)),
            "version" => set_string(&mut md.version, d.string(val, s, field)),
            "description" => set_string(&mut md.description, d.string(val, s, field)),
            "icon" => set_string(&mut md.icon, d.string(val, s, field)),
            "apiVersion" => set_string(&mut md.api_version, d.string(val, s, field)),
            "condition" => set_string(&mut md.condition, d.string(val, s, field)),
            "tags" => set_string(&mut md.tags, d.string(val, s, field)),
            "appVersion" => set_string(&mut md.app_version, d.string(val, s, field)),
            "kubeVersion" => set_string(&mut md.kube_version, d.string(val, s, field)),
            "type" => set_string(&mut md.chart_type, d.string(val, s, field)),
            "sources" => {
                if let Some(v) = d.strings(val, s, field) {
                    md.sources = v;
                }
            }
            "keywords" => {
                if let Some(v) = d.strings(val, s, field) {
                    md.keywords = v;
                }
            }
            "deprecated" => {
                if let Some(b) = d.bool(val, s, field) {
                    md.deprecated = b;
                }
            }
            "annotations" => match val {
                Value::Nil => md.annotations.clear(),
                Value::Map(m, _) => {
                    md.annotations = m
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.clone(), d.string(v, s, field).unwrap_or_default()))
                        .collect();
                }
                _ => d.type_error(val, s, field, "map[string]string"),
            },
            "maintainers" => match val {
                Value::Nil => md.maintainers.clear(),
                Value::List(items, _) => {
                    md.maintainers = items.iter().map(|i| decode_maintainer(&mut d, i)).collect();
                    nulls.maintainer |= items.iter().any(Value::is_nil);
                }
                _ => d.type_error(val, s, field, "[]*chart.Maintainer"),
            },
            "dependencies" => match val {
                Value::Nil => md.dependencies.clear(),
                Value::List(items, _) => {
                    md.dependencies = items.iter().map(|i| decode_dependency(&mut d, i)).collect();
                    nulls.dependency |= items.iter().any(Value::is_nil);
                }
                _ => d.type_error(val, s, field, "[]*chart.Dependency"),
            },
            _ => {}
        }
    }
    drop(map);
    if md.raw.is_null() {
        md.raw = to_json(&v);
    } else if let (serde_json::Value::Object(raw), serde_json::Value::Object(add)) =
        (&mut md.raw, to_json(&v))
    {
        raw.extend(add);
    }
    match d.err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn set_string(dst: &mut String, v: Option<String>) {
    if let Some(v) = v {
        *dst = v;
    }
}

fn decode_maintainer(d: &mut Decoder, v: &Value) -> Maintainer {
    let mut m = Maintainer::default();
    match v {
        Value::Map(map, _) => {
            for (key, val) in map.borrow().iter() {
                match field_of(key, MAINTAINER_FIELDS) {
                    Some("name") => set_string(&mut m.name, d.string(val, "Maintainer", "name")),
                    Some("email") => set_string(&mut m.email, d.string(val, "Maintainer", "email")),
                    Some("url") => set_string(&mut m.url, d.string(val, "Maintainer", "url")),
                    _ => {}
                }
            }
        }
        Value::Nil => {}
        _ => d.type_error(v, "Metadata", "maintainers", "chart.Maintainer"),
    }
    m
}

fn decode_dependency(d: &mut Decoder, v: &Value) -> Dependency {
    let mut dep = Dependency::default();
    let s = "Dependency";
    match v {
        Value::Map(map, _) => {
            for (key, val) in map.borrow().iter() {
                let Some(field) = field_of(key, DEPENDENCY_FIELDS) else {
                    continue;
                };
                match field {
                    "name" => set_string(&mut dep.name, d.string(val, s, field)),
                    "version" => set_string(&mut dep.version, d.string(val, s, field)),
                    "repository" => set_string(&mut dep.repository, d.string(val, s, field)),
                    "condition" => set_string(&mut dep.condition, d.string(val, s, field)),
                    "alias" => set_string(&mut dep.alias, d.string(val, s, field)),
                    "tags" => {
                        if let Some(t) = d.strings(val, s, field) {
                            dep.tags = t;
                        }
                    }
                    "enabled" => {
                        if let Some(b) = d.bool(val, s, field) {
                            dep.enabled = b;
                        }
                    }
                    "import-values" => match val {
                        Value::Nil => dep.import_values.clear(),
                        Value::List(items, _) => {
                            dep.import_values = items.iter().map(to_json).collect();
                        }
                        _ => d.type_error(val, s, field, "[]interface {}"),
                    },
                    _ => {}
                }
            }
        }
        Value::Nil => {}
        _ => d.type_error(v, "Metadata", "dependencies", "chart.Dependency"),
    }
    dep
}

/// Go's `unicode.IsSpace` → ' ', non-printable runes dropped (`sanitizeString`).
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() || c == '\u{85}' || c == '\u{a0}' {
                Some(' ')
            } else if is_print(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and ASCII space.
fn is_print(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

fn alias_ok(a: &str) -> bool {
    a.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `Metadata.Validate`: sanitizes the text fields and checks them, with Helm's messages.
pub fn validate(md: &mut Metadata, nulls: &NullNodes) -> Result<(), String> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        *s = sanitize(s);
    }
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err(validation("chart.metadata.apiVersion is required"));
    }
    if md.name.is_empty() {
        return Err(validation("chart.metadata.name is required"));
    }
    if md.name == "." || md.name == ".." {
        return Err(validation(format!(
            "chart.metadata.name {:?} is not allowed",
            md.name
        )));
    }
    if md.name.contains('/') {
        return Err(validation(format!(
            "chart.metadata.name {:?} is invalid",
            md.name
        )));
    }
    if md.version.is_empty() {
        return Err(validation("chart.metadata.version is required"));
    }
    if !crate::semver::is_valid_version(&md.version) {
        return Err(validation(format!(
            "chart.metadata.version {:?} is invalid",
            md.version
        )));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err(validation(
            "chart.metadata.type must be application or library",
        ));
    }
    if nulls.maintainer {
        return Err(validation(
            "maintainers must not contain empty or null nodes",
        ));
    }
    for m in &mut md.maintainers {
        m.name = sanitize(&m.name);
        m.email = sanitize(&m.email);
        m.url = sanitize(&m.url);
    }
    if nulls.dependency {
        return Err(validation(
            "dependencies must not contain empty or null nodes",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &mut md.dependencies {
        d.name = sanitize(&d.name);
        d.version = sanitize(&d.version);
        d.repository = sanitize(&d.repository);
        d.condition = sanitize(&d.condition);
        for t in &mut d.tags {
            *t = sanitize(t);
        }
        if !d.alias.is_empty() && !alias_ok(&d.alias) {
            return Err(validation(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            )));
        }
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        if !seen.insert(key.clone()) {
            return Err(validation(format!(
                "more than one dependency with name or alias {key:?}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Metadata, String> {
        let mut md = Metadata::default();
        let mut nulls = NullNodes::default();
        decode_into(&mut md, text.as_bytes(), &mut nulls)?;
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        validate(&mut md, &nulls)?;
        Ok(md)
    }

    #[test]
    fn decodes_fields_like_go() {
        let md = load(
            "apiVersion: v2\nName: demo\nversion: 1.0\nappVersion: 1.10\nkubeVersion: '>=1.20'\n\
             deprecated: true\nannotations: {a: 1, b: x}\nkeywords: [a, 2]\n\
             maintainers: [{name: me, email: m@x}]\n\
             dependencies:\n- name: sub\n  version: 0.1.0\n  alias: s1\n  tags: [t]\n  import-values: [data, {child: a, parent: b}]\n",
        )
        .expect("valid");
        assert_eq!(md.name, "demo");
        assert_eq!(md.version, "1");
        assert_eq!(md.app_version, "1.1");
        assert!(md.deprecated);
        assert_eq!(
            md.annotations,
            vec![("a".into(), "1".into()), ("b".into(), "x".into())]
        );
        assert_eq!(md.keywords, vec!["a", "2"]);
        assert_eq!(md.maintainers[0].email, "m@x");
        let d = &md.dependencies[0];
        assert_eq!((d.name.as_str(), d.alias.as_str()), ("sub", "s1"));
        assert_eq!(d.import_values.len(), 2);
        assert_eq!(md.raw["appVersion"], serde_json::json!(1.1));
    }

    #[test]
    fn validation_messages() {
        let cases = [
            (
                "version: 1.0.0",
                "validation: chart.metadata.name is required",
            ),
            ("name: x", "validation: chart.metadata.version is required"),
            (
                "name: x\nversion: one",
                "validation: chart.metadata.version \"one\" is invalid",
            ),
            (
                "name: ..\nversion: 1.0.0",
                "validation: chart.metadata.name \"..\" is not allowed",
            ),
            (
                "name: a/b\nversion: 1.0.0",
                "validation: chart.metadata.name \"a/b\" is invalid",
            ),
            (
                "name: x\nversion: 1.0.0\ntype: plugin",
                "validation: chart.metadata.type must be application or library",
            ),
            (
                "name: x\nversion: 1.0.0\ndependencies: [null]",
                "validation: dependencies must not contain empty or null nodes",
            ),
            (
                "name: x\nversion: 1.0.0\nmaintainers: [~]",
                "validation: maintainers must not contain empty or null nodes",
            ),
            (
                "name: x\nversion: 1.0.0\ndependencies: [{name: a, alias: 'b.c'}]",
                "validation: dependency \"a\" has disallowed characters in the alias",
            ),
            (
                "name: x\nversion: 1.0.0\ndependencies: [{name: a}, {name: b, alias: a}]",
                "validation: more than one dependency with name or alias \"a\"",
            ),
            (
                "name: [x]\nversion: 1.0.0",
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Metadata.name of type string",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(load(text).err().as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn sanitizes_text() {
        let md = load("name: x\nversion: 1.0.0\ndescription: \"a\\tb\\u0007c\"").expect("valid");
        assert_eq!(md.description, "a bc");
    }
}
