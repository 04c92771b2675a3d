//! ObjectMeta coercion of custom resources (apiextensions-apiserver
//! pkg/apiserver/schema/objectmeta/coerce.go and algorithm.go).
//!
//! The real decoder round-trips `metadata` through the Go `ObjectMeta` struct: unknown fields
//! vanish (and are reported for `fieldValidation`), and empty ones are dropped by `omitempty`.

use serde_json::{Map, Value};

use super::SchemaNode;

/// How an ObjectMeta field decodes in Go.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    StrMap,
    StrList,
    OwnerRefs,
    ManagedFields,
}

const OBJECT_META: [(&str, Kind); 15] = [
    ("name", Kind::Str),
    ("generateName", Kind::Str),
    ("namespace", Kind::Str),
    ("selfLink", Kind::Str),
    ("uid", Kind::Str),
    ("resourceVersion", Kind::Str),
    ("generation", Kind::Int),
    ("creationTimestamp", Kind::Str),
    ("deletionTimestamp", Kind::Str),
    ("deletionGracePeriodSeconds", Kind::Int),
    ("labels", Kind::StrMap),
    ("annotations", Kind::StrMap),
    ("ownerReferences", Kind::OwnerRefs),
    ("finalizers", Kind::StrList),
    ("managedFields", Kind::ManagedFields),
];

const OWNER_REFERENCE: [&str; 6] = [
    "apiVersion",
    "kind",
    "name",
    "uid",
    "controller",
    "blockOwnerDeletion",
];
const MANAGED_FIELDS_ENTRY: [&str; 7] = [
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
];

/// What a coercion found: unknown field paths and fields of the wrong type (dropped).
#[derive(Default)]
pub(super) struct Coerced {
    pub unknown: Vec<String>,
    pub invalid: Vec<String>,
}

/// Coerces the root `metadata` (GetObjectMetaWithOptions + SetObjectMeta at the root).
pub(super) fn coerce_root(obj: &mut Value, found: &mut Coerced) {
    if let Some(meta) = obj.as_object_mut().and_then(|o| o.get_mut("metadata")) {
        coerce_meta(meta, "metadata", found);
    }
}

/// Coerces TypeMeta and ObjectMeta of every `x-kubernetes-embedded-resource` below the root,
/// with paths in field.Path form (`spec.map[key].metadata.x`).
pub(super) fn coerce_embedded(obj: &mut Value, root: &SchemaNode, found: &mut Coerced) {
    coerce(obj, root, "", found);
    found.unknown.sort();
}

fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn coerce(x: &mut Value, s: &SchemaNode, path: &str, found: &mut Coerced) {
    match x {
        Value::Object(map) => {
            if s.embedded_resource {
                for key in ["apiVersion", "kind"] {
                    if map.get(key).is_some_and(|v| !v.is_string()) {
                        found.invalid.push(child(path, key));
                        map.remove(key);
                    }
                }
                if let Some(meta) = map.get_mut("metadata") {
                    coerce_meta(meta, &child(path, "metadata"), found);
                }
            }
            for (k, v) in map.iter_mut() {
                if let Some(prop) = s.property(k) {
                    coerce(v, prop, &child(path, k), found);
                } else if let Some(Some(additional)) = &s.additional {
                    coerce(v, additional, &format!("{path}[{k}]"), found);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.items.as_deref() {
                for (i, v) in items.iter_mut().enumerate() {
                    coerce(v, item_schema, &format!("{path}[{i}]"), found);
                }
            }
        }
        _ => {}
    }
}

fn coerce_meta(meta: &mut Value, prefix: &str, found: &mut Coerced) {
    let Some(map) = meta.as_object_mut() else {
        if !meta.is_null() {
            found.invalid.push(prefix.to_string());
        }
        return;
    };
    let mut drop = Vec::new();
    for (k, v) in map.iter_mut() {
        let path = format!("{prefix}.{k}");
        let Some((_, kind)) = OBJECT_META.iter().find(|(name, _)| name == k) else {
            found.unknown.push(path);
            drop.push(k.clone());
            continue;
        };
        let well_typed = match kind {
            Kind::Str => v.is_string() || v.is_null(),
            Kind::Int => v.is_i64() || v.is_u64() || v.is_null(),
            Kind::StrMap => {
                v.is_null()
                    || v.as_object()
                        .is_some_and(|m| m.values().all(Value::is_string))
            }
            Kind::StrList => {
                v.is_null() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            }
            Kind::OwnerRefs => coerce_entries(v, &OWNER_REFERENCE, &path, found),
            Kind::ManagedFields => coerce_entries(v, &MANAGED_FIELDS_ENTRY, &path, found),
        };
        if !well_typed {
            found.invalid.push(path);
            drop.push(k.clone());
        } else if is_empty(v, k) {
            // omitempty on every ObjectMeta field.
            drop.push(k.clone());
        }
    }
    for k in drop {
        map.remove(&k);
    }
}

/// Strips unknown fields from a list of structs; false when the value is not such a list.
fn coerce_entries(v: &mut Value, known: &[&str], path: &str, found: &mut Coerced) -> bool {
    if v.is_null() {
        return true;
    }
    let Some(items) = v.as_array_mut() else {
        return false;
    };
    for (i, item) in items.iter_mut().enumerate() {
        let Some(entry) = item.as_object_mut() else {
            return false;
        };
        strip_unknown(entry, known, &format!("{path}[{i}]"), found);
    }
    true
}

fn strip_unknown(entry: &mut Map<String, Value>, known: &[&str], path: &str, found: &mut Coerced) {
    let unknown: Vec<String> = entry
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect();
    for k in unknown {
        found.unknown.push(format!("{path}.{k}"));
        entry.remove(&k);
    }
}

/// What Go's `omitempty` drops; `deletionGracePeriodSeconds` is a pointer, so its 0 stays.
fn is_empty(v: &Value, field: &str) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0) && field == "generation",
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::StructuralSchema;
    use serde_json::json;

    // objectmeta/coerce.go: unknown ObjectMeta fields are reported as `metadata.<field>` (also
    // nested: `metadata.ownerReferences[0].<field>`) and dropped; embedded resources get the
    // same under their own path.
    #[test]
    fn root_metadata_loses_unknown_and_empty_fields() {
        let schema = StructuralSchema::new(json!({"type": "object"}));
        let mut obj = json!({"apiVersion": "a/v1", "kind": "K", "metadata": {
            "name": "n", "bogus": 1, "labels": {}, "generation": 0, "deletionGracePeriodSeconds": 0,
            "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "o", "uid": "u", "x": 1}]
        }});
        let report = schema.prune(&mut obj);
        assert_eq!(
            report.pruned,
            ["metadata.bogus", "metadata.ownerReferences[0].x"]
        );
        assert_eq!(
            obj["metadata"],
            json!({"name": "n", "deletionGracePeriodSeconds": 0,
                   "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "o", "uid": "u"}]})
        );
    }

    #[test]
    fn malformed_metadata_fields_are_dropped_and_reported() {
        let schema = StructuralSchema::new(json!({"type": "object"}));
        let mut obj = json!({"metadata": {"name": "n", "labels": {"a": 1}, "finalizers": "x"}});
        let report = schema.prune(&mut obj);
        assert_eq!(
            report.invalid_metadata,
            ["metadata.finalizers", "metadata.labels"]
        );
        assert_eq!(obj["metadata"], json!({"name": "n"}));
    }

    #[test]
    fn embedded_resources_are_coerced_with_field_paths() {
        let schema = StructuralSchema::new(json!({"type": "object", "properties": {"spec": {
            "type": "object", "properties": {
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                             "x-kubernetes-preserve-unknown-fields": true},
                "byName": {"type": "object", "additionalProperties": {
                    "type": "object", "x-kubernetes-embedded-resource": true,
                    "x-kubernetes-preserve-unknown-fields": true}}}}}}));
        let mut obj = json!({"spec": {
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "zz": 1}, "spec": {}},
            "byName": {"a": {"apiVersion": "v1", "kind": "Pod", "metadata": {"yy": true}}}
        }});
        let report = schema.prune(&mut obj);
        assert_eq!(
            report.pruned,
            ["spec.byName[a].metadata.yy", "spec.template.metadata.zz"]
        );
        assert_eq!(obj["spec"]["template"]["metadata"], json!({"name": "p"}));
        assert_eq!(obj["spec"]["template"]["spec"], json!({}));
    }
}
