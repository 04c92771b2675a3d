//! Unknown fields of built-in objects. The real server decodes a built-in JSON body into its Go
//! type, which drops every field the type does not have and, with `fieldValidation`, reports
//! each as `unknown field "spec.foo"`. The protobuf field table lists exactly the fields of
//! every built-in type with their JSON names, so it answers the same question.

use super::schema::{Card, FieldType, Message, Schema, Special};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// How deep an object is walked; deeper parts are left alone (the decoder's limit is lower).
const MAX_DEPTH: usize = 64;

/// Removes the fields `obj` has that its built-in type does not, and returns their paths in
/// document order (`spec.replica`, `spec.template.spec.containers[0].imagee`). `None` when the
/// kind has no table entry (custom resources).
pub fn prune_unknown_builtin_fields(
    group: &str,
    version: &str,
    kind: &str,
    obj: &mut Value,
) -> Option<Vec<String>> {
    let schema = Schema::get();
    let root = schema.for_kind(group, version, kind)?;
    let mut unknown = Vec::new();
    if let Value::Object(map) = obj {
        prune_message(schema, root, map, "", true, 0, &mut unknown);
    }
    Some(unknown)
}

/// A field as an object of its message carries it: JSON name, type, cardinality.
type KnownField = (&'static str, FieldType, Card);

/// The JSON names an object of each message may carry: its own fields and those of structs it
/// embeds inline. Built once for the whole table: the write path asks for it on every object.
fn fields_of(schema: &'static Schema, message: usize) -> &'static [KnownField] {
    static FIELDS: OnceLock<Vec<Vec<KnownField>>> = OnceLock::new();
    let all = FIELDS.get_or_init(|| {
        (0..schema.messages.len())
            .map(|m| {
                let mut out = Vec::new();
                collect_fields(schema, m, 0, &mut out);
                out
            })
            .collect()
    });
    all.get(message).map(Vec::as_slice).unwrap_or(&[])
}

fn collect_fields(
    schema: &'static Schema,
    message: usize,
    depth: usize,
    out: &mut Vec<KnownField>,
) {
    let Some(msg) = schema.messages.get(message) else {
        return;
    };
    for field in &msg.fields {
        if field.inline && depth < 8 {
            if let FieldType::Message(inner) = field.ty {
                collect_fields(schema, inner, depth + 1, out);
            }
        } else if field.json != "-" {
            out.push((field.json, field.ty, field.card));
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn prune_message(
    schema: &'static Schema,
    message: usize,
    map: &mut Map<String, Value>,
    path: &str,
    root: bool,
    depth: usize,
    unknown: &mut Vec<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let fields = fields_of(schema, message);
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        if root && (key == "apiVersion" || key == "kind") {
            continue;
        }
        let Some((_, ty, card)) = fields.iter().find(|(name, _, _)| *name == key) else {
            unknown.push(join(path, &key));
            map.remove(&key);
            continue;
        };
        let FieldType::Message(inner) = *ty else {
            continue;
        };
        let Some(value) = map.get_mut(&key) else {
            continue;
        };
        let here = join(path, &key);
        match card {
            Card::Single => prune_value(schema, inner, value, &here, depth + 1, unknown),
            Card::Repeated => {
                if let Value::Array(items) = value {
                    for (i, item) in items.iter_mut().enumerate() {
                        prune_value(
                            schema,
                            inner,
                            item,
                            &format!("{here}[{i}]"),
                            depth + 1,
                            unknown,
                        );
                    }
                }
            }
            Card::Map => {
                // Map entries are messages {1: key, 2: value}; only message values have fields.
                let value_type = schema
                    .messages
                    .get(inner)
                    .and_then(|entry| entry.field(2))
                    .map(|f| (f.ty, f.card));
                if let (Some((FieldType::Message(value_message), _)), Value::Object(entries)) =
                    (value_type, value)
                {
                    for (k, v) in entries.iter_mut() {
                        prune_value(
                            schema,
                            value_message,
                            v,
                            &format!("{here}[{k}]"),
                            depth + 1,
                            unknown,
                        );
                    }
                }
            }
        }
    }
}

fn prune_value(
    schema: &'static Schema,
    message: usize,
    value: &mut Value,
    path: &str,
    depth: usize,
    unknown: &mut Vec<String>,
) {
    let Some(msg) = schema.messages.get(message) else {
        return;
    };
    if !walks_into(msg) {
        return;
    }
    if let Value::Object(map) = value {
        prune_message(schema, message, map, path, false, depth, unknown);
    }
}

/// Special types have JSON forms of their own (strings, numbers, raw JSON, schema unions):
/// their insides are not fields.
fn walks_into(msg: &Message) -> bool {
    msg.special == Special::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_of_a_deployment_are_pruned_in_document_order() {
        // The paths match the real server's strict decoding errors, e.g.
        // `unknown field "spec.replicass", unknown field "spec.template.spec.containers[0].imagee"`.
        let mut obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"a": "b"}, "bogus": 1},
            "spec": {
                "replicass": 3,
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [
                    {"name": "web", "image": "nginx", "imagee": "x", "resources": {"limits": {"cpu": "1"}},
                     "ports": [{"containerPort": 80, "portt": 1}]}
                ]}},
                "strategy": {"rollingUpdate": {"maxSurge": "25%"}}
            },
            "status": {"replicas": 1, "nope": true}
        });
        let unknown =
            prune_unknown_builtin_fields("apps", "v1", "Deployment", &mut obj).expect("built-in");
        assert_eq!(
            unknown,
            [
                "metadata.bogus",
                "spec.replicass",
                "spec.template.spec.containers[0].imagee",
                "spec.template.spec.containers[0].ports[0].portt",
                "status.nope",
            ]
        );
        assert!(obj["spec"].get("replicass").is_none());
        assert_eq!(
            obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%",
            "int-or-string is a value"
        );
        assert_eq!(
            obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "1"
        );
        assert_eq!(obj["metadata"]["labels"]["a"], "b");
    }

    #[test]
    fn inline_structs_and_custom_kinds() {
        // VolumeSource is inlined into Volume: `configMap` is a field of the volume itself.
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [], "volumes": [{"name": "v", "configMap": {"name": "c", "x": 1}}]}});
        let unknown = prune_unknown_builtin_fields("", "v1", "Pod", &mut pod).expect("built-in");
        assert_eq!(unknown, ["spec.volumes[0].configMap.x"]);
        let mut cr = json!({"apiVersion": "example.com/v1", "kind": "Widget"});
        assert!(prune_unknown_builtin_fields("example.com", "v1", "Widget", &mut cr).is_none());
    }
}
