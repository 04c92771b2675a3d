//! Pruning of unknown fields (apiextensions-apiserver pkg/apiserver/schema/pruning/algorithm.go).

use serde_json::Value;

use super::SchemaNode;

/// The fields every object carries whatever its schema says.
const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Prunes an object at the resource root, where TypeMeta and ObjectMeta are always kept, and
/// returns the sorted paths of what was removed.
pub(super) fn prune_root(obj: &mut Value, root: &SchemaNode) -> Vec<String> {
    let mut pruned = Vec::new();
    prune(obj, Some(root), "", &mut pruned);
    pruned.sort();
    pruned
}

/// Whether TypeMeta and ObjectMeta stay: in embedded resources, and at the root (the only
/// object with an empty path), which is treated as one even when the schema does not say so.
fn keeps_meta(s: &SchemaNode, path: &str) -> bool {
    s.embedded_resource || path.is_empty()
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn prune(x: &mut Value, s: Option<&SchemaNode>, path: &str, pruned: &mut Vec<String>) {
    if let Some(s) = s.filter(|s| s.preserve_unknown) {
        skip_prune(x, s, path, pruned);
        return;
    }
    match x {
        Value::Object(map) => {
            let Some(s) = s else {
                // Without a schema nothing inside is known.
                pruned.extend(map.keys().map(|k| join(path, k)));
                map.clear();
                return;
            };
            let mut drop = Vec::new();
            for (k, v) in map.iter_mut() {
                if keeps_meta(s, path) && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                if let Some(prop) = s.property(k) {
                    prune(v, Some(prop), &join(path, k), pruned);
                } else if let Some(additional) = &s.additional {
                    prune(v, additional.as_deref(), &join(path, k), pruned);
                } else {
                    // apiVersion/kind/metadata at the very root are dropped silently.
                    if !META_FIELDS.contains(&k.as_str()) || !path.is_empty() {
                        pruned.push(join(path, k));
                    }
                    drop.push(k.clone());
                }
            }
            for k in drop {
                map.remove(&k);
            }
        }
        Value::Array(items) => {
            let item_schema = s.and_then(|s| s.items.as_deref());
            for (i, v) in items.iter_mut().enumerate() {
                prune(v, item_schema, &format!("{path}[{i}]"), pruned);
            }
        }
        _ => {}
    }
}

/// Below `x-kubernetes-preserve-unknown-fields` unknown fields stay, but known ones are still
/// pruned inside.
fn skip_prune(x: &mut Value, s: &SchemaNode, path: &str, pruned: &mut Vec<String>) {
    match x {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if keeps_meta(s, path) && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                if let Some(prop) = s.property(k) {
                    prune(v, Some(prop), &join(path, k), pruned);
                } else if let Some(additional) = &s.additional {
                    prune(v, additional.as_deref(), &join(path, k), pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.items.as_deref() {
                for (i, v) in items.iter_mut().enumerate() {
                    skip_prune(v, item_schema, &format!("{path}[{i}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::StructuralSchema;
    use serde_json::json;

    fn schema() -> StructuralSchema {
        StructuralSchema::new(json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "replicas": {"type": "integer"},
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}}}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                             "properties": {"known": {"type": "object", "properties": {
                                 "a": {"type": "string"}}}}},
                    "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                                 "properties": {"spec": {"type": "object", "properties": {
                                     "x": {"type": "string"}}}}}
                }},
                "status": {"type": "object"}
            }
        }))
    }

    // Cases follow apiextensions pruning/algorithm_test.go: unknown properties go, items and
    // additionalProperties are pruned by their schema, preserve-unknown keeps unknowns, the
    // root and embedded resources keep apiVersion/kind/metadata.
    #[test]
    fn prunes_unknown_fields_and_reports_sorted_paths() {
        let mut obj = json!({
            "apiVersion": "example.com/v1", "kind": "Thing",
            "metadata": {"name": "a"},
            "spec": {
                "replicas": 1, "foo": 1,
                "items": [{"name": "x", "bar": 2}],
                "labels": {"a": "b"},
                "free": {"anything": {"deep": 1}, "known": {"a": "1", "b": 2}},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                             "spec": {"x": "y", "z": 1}, "other": 1}
            },
            "status": {"anything": 1},
            "extra": true
        });
        let report = schema().prune(&mut obj);
        assert_eq!(
            report.pruned,
            [
                "extra",
                "spec.foo",
                "spec.free.known.b",
                "spec.items[0].bar",
                "spec.template.other",
                "spec.template.spec.z",
                "status.anything"
            ]
        );
        assert_eq!(
            obj,
            json!({
                "apiVersion": "example.com/v1", "kind": "Thing",
                "metadata": {"name": "a"},
                "spec": {
                    "replicas": 1,
                    "items": [{"name": "x"}],
                    "labels": {"a": "b"},
                    "free": {"anything": {"deep": 1}, "known": {"a": "1"}},
                    "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                 "spec": {"x": "y"}}
                },
                "status": {}
            })
        );
    }

    #[test]
    fn object_without_schema_loses_all_fields_and_nested_meta_fields_are_reported() {
        // A nested `kind` is an ordinary field: reported when pruned (algorithm.go metaFields
        // exemption applies only at the root path).
        let schema = StructuralSchema::new(json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}));
        let mut obj = json!({"spec": {"kind": "x", "a": "b"}});
        assert_eq!(schema.prune(&mut obj).pruned, ["spec.kind"]);
        assert_eq!(obj, json!({"spec": {"a": "b"}}));
    }

    #[test]
    fn empty_schema_keeps_type_and_object_meta_only() {
        let schema = StructuralSchema::new(json!({"type": "object"}));
        let mut obj =
            json!({"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "n"}, "spec": {}});
        assert_eq!(schema.prune(&mut obj).pruned, ["spec"]);
        assert_eq!(
            obj,
            json!({"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "n"}})
        );
    }

    #[test]
    fn preserve_unknown_at_the_root_keeps_everything() {
        let schema = StructuralSchema::new(json!({"type": "object",
            "x-kubernetes-preserve-unknown-fields": true}));
        let mut obj = json!({"apiVersion": "a/v1", "kind": "K", "spec": {"x": [1, {"y": 2}]}});
        assert!(schema.prune(&mut obj).pruned.is_empty());
        assert_eq!(obj["spec"]["x"][1]["y"], 2);
    }
}
