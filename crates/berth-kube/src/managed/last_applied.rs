//! The interplay with client-side apply's `kubectl.kubernetes.io/last-applied-configuration`
//! (apimachinery lastappliedmanager.go, lastappliedupdater.go): `kubectl apply
//! --server-side` may take fields the client-side apply set, and keeps the annotation current.

use serde_json::Value;

use super::set::FieldSet;
use super::typed::{compare, to_field_set};
use super::types::TypeInfo;

pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The field manager `kubectl apply --server-side` uses; only it gets this treatment.
pub const KUBECTL_MANAGER: &str = "kubectl";

pub(crate) fn last_applied(obj: &Value) -> Option<&str> {
    obj.get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// The fields the client-side apply set that still hold their applied values: a server-side
/// apply by kubectl may take them without a conflict.
pub(crate) fn allowed_conflicts(
    live: &Value,
    api_version: &str,
    types: &dyn TypeInfo,
) -> Option<FieldSet> {
    let applied: Value = serde_json::from_str(last_applied(live)?).ok()?;
    if applied.get("apiVersion").and_then(Value::as_str) != Some(api_version) {
        return None;
    }
    let set = to_field_set(&applied, types, false).ok()?;
    let cmp = compare(Some(&applied), Some(live), types);
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

/// Rewrites the annotation of `obj` to `config` without its own annotation, encoded as Go's
/// unstructured JSON encoder does (sorted keys, HTML-safe escapes, trailing newline).
pub(crate) fn rewrite(obj: &mut Value, config: &Value) {
    let mut applied = config.clone();
    if let Some(meta) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
        let now_empty = match meta.get_mut("annotations").and_then(Value::as_object_mut) {
            Some(annotations) => {
                annotations.remove(LAST_APPLIED_ANNOTATION);
                annotations.is_empty()
            }
            None => false,
        };
        if now_empty {
            meta.remove("annotations");
        }
    }
    let mut text = String::new();
    write_go_json(&applied, &mut text, 0);
    text.push('\n');
    if let Some(annotations) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(text));
    }
}

/// JSON as Go's encoding/json writes a `map[string]interface{}`: keys sorted, `<>&` escaped.
fn write_go_json(v: &Value, out: &mut String, depth: usize) {
    match v {
        Value::Object(map) if depth < 128 => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(k, out);
                out.push(':');
                if let Some(child) = map.get(k) {
                    write_go_json(child, out, depth + 1);
                }
            }
            out.push('}');
        }
        Value::Array(items) if depth < 128 => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::String(s) => push_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn push_string(s: &str, out: &mut String) {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    for c in quoted.chars() {
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
