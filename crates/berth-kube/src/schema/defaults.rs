//! Defaulting (apiextensions-apiserver pkg/apiserver/schema/defaulting/algorithm.go and
//! prunenulls.go).

use serde_json::Value;

use super::SchemaNode;

fn non_nullable_null(x: &Value, s: Option<&SchemaNode>) -> bool {
    x.is_null() && s.is_some_and(|s| !s.nullable)
}

/// Removes nulls the schema does not allow and cannot default; the ones with a default are
/// left for [`apply`] to fill.
pub(super) fn prune_non_nullable_nulls(x: &mut Value, s: Option<&SchemaNode>) {
    match x {
        Value::Object(map) => {
            let mut drop = Vec::new();
            for (k, v) in map.iter_mut() {
                let field = s.and_then(|s| s.field(k));
                if non_nullable_null(v, field) && field.is_some_and(|f| f.default.is_none()) {
                    drop.push(k.clone());
                } else {
                    prune_non_nullable_nulls(v, field);
                }
            }
            for k in drop {
                map.remove(&k);
            }
        }
        Value::Array(items) => {
            let item_schema = s.and_then(|s| s.items.as_deref());
            for v in items.iter_mut() {
                prune_non_nullable_nulls(v, item_schema);
            }
        }
        _ => {}
    }
}

/// Sets the defaults of absent properties (and of non-nullable nulls), then descends, so the
/// defaults of nested objects apply inside a defaulted parent.
pub(super) fn apply(x: &mut Value, s: &SchemaNode) {
    match x {
        Value::Object(map) => {
            for (k, prop) in &s.properties {
                let Some(default) = &prop.default else {
                    continue;
                };
                let absent_or_null = match map.get(k) {
                    None => true,
                    Some(v) => non_nullable_null(v, Some(prop)),
                };
                if absent_or_null {
                    map.insert(k.clone(), default.clone());
                }
            }
            for (k, v) in map.iter_mut() {
                if let Some(prop) = s.property(k) {
                    apply(v, prop);
                } else if let Some(Some(additional)) = &s.additional {
                    if non_nullable_null(v, Some(additional))
                        && let Some(default) = &additional.default
                    {
                        *v = default.clone();
                    }
                    apply(v, additional);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = s.items.as_deref() else {
                return;
            };
            for v in items.iter_mut() {
                if non_nullable_null(v, Some(item_schema))
                    && let Some(default) = &item_schema.default
                {
                    *v = default.clone();
                }
                apply(v, item_schema);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::StructuralSchema;
    use serde_json::json;

    // Cases follow apiextensions defaulting/algorithm_test.go.
    #[test]
    fn defaults_absent_properties_and_nested_defaults_after_parents() {
        let schema = StructuralSchema::new(json!({"type": "object", "properties": {
            "spec": {"type": "object", "default": {}, "properties": {
                "replicas": {"type": "integer", "default": 1},
                "strategy": {"type": "object", "default": {"type": "Rolling"}, "properties": {
                    "type": {"type": "string"},
                    "maxSurge": {"type": "string", "default": "25%"}}}}}}}));
        let mut obj = json!({"apiVersion": "a/v1", "kind": "K"});
        schema.apply_defaults(&mut obj);
        assert_eq!(
            obj["spec"],
            json!({"replicas": 1, "strategy": {"type": "Rolling", "maxSurge": "25%"}})
        );
        // Present values are kept.
        let mut obj = json!({"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}});
        schema.apply_defaults(&mut obj);
        assert_eq!(
            obj["spec"],
            json!({"replicas": 3, "strategy": {"type": "Recreate", "maxSurge": "25%"}})
        );
    }

    #[test]
    fn defaults_reach_into_arrays_and_additional_properties() {
        let schema = StructuralSchema::new(json!({"type": "object", "properties": {
            "list": {"type": "array", "items": {"type": "object", "properties": {
                "protocol": {"type": "string", "default": "TCP"}}}},
            "map": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                "weight": {"type": "integer", "default": 5}}}},
            "nulls": {"type": "array", "items": {"type": "string", "default": "x"}}}}));
        let mut obj =
            json!({"list": [{}, {"protocol": "UDP"}], "map": {"a": {}}, "nulls": ["a", null]});
        schema.apply_defaults(&mut obj);
        assert_eq!(
            obj["list"],
            json!([{"protocol": "TCP"}, {"protocol": "UDP"}])
        );
        assert_eq!(obj["map"]["a"]["weight"], 5);
        assert_eq!(obj["nulls"], json!(["a", "x"]));
    }

    #[test]
    fn nulls_are_defaulted_or_pruned_unless_nullable() {
        // prunenulls.go: non-nullable nulls without default go during pruning; with a default
        // they are defaulted; nullable ones stay null.
        let schema = StructuralSchema::new(json!({"type": "object", "properties": {
            "a": {"type": "string"},
            "b": {"type": "string", "default": "dflt"},
            "c": {"type": "string", "nullable": true, "default": "unused"}}}));
        let mut obj = json!({"a": null, "b": null, "c": null});
        let report = schema.prune(&mut obj);
        assert!(report.pruned.is_empty());
        assert_eq!(obj, json!({"b": null, "c": null}));
        schema.apply_defaults(&mut obj);
        assert_eq!(obj, json!({"b": "dflt", "c": null}));
    }
}
