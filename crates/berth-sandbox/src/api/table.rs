//! Table responses (`as=Table;g=meta.k8s.io;v=v1`) for `kubectl get`.

use super::http::Query;
use crate::registry::Served;
use berth_kube::{ObjectExt, unix_from_rfc3339};
use serde_json::{Value, json};

/// The Table for `objects`, with the columns kubectl shows for the kind.
pub fn table(served: &Served, objects: Vec<Value>, list_meta: Value, query: &Query) -> Value {
    let include = query.get("includeObject").unwrap_or("Metadata");
    let now = now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let age = o.path("metadata.creationTimestamp").and_then(Value::as_str).and_then(unix_from_rfc3339).map(|t| format!("{}s", now - t)).unwrap_or_else(|| "<unknown>".into());
            let object = match include {
                "None" => Value::Null,
                "Object" => o.clone(),
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.get("metadata")}),
            };
            json!({"cells": [o.name(), age], "object": object})
        })
        .collect();
    let _ = served;
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta,
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}
        ],
        "rows": rows,
    })
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
