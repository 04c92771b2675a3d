//! `/openapi/v3`: the index and one document per served group-version, rebuilt from the
//! registry (custom resources carry their CRD schema).

use crate::registry::Registry;
use berth_kube::{GroupVersion, OpenApiIndex, document_path, openapi_document};
use serde_json::Value;
use std::collections::BTreeMap;

fn document(registry: &Registry, gv: &GroupVersion) -> Value {
    let served = registry.resources_of(gv);
    let infos: Vec<_> = served.iter().map(|s| s.info.clone()).collect();
    let schemas: BTreeMap<String, Value> = served
        .iter()
        .filter_map(|s| {
            let custom = s.custom.as_ref()?;
            // A CRD version without a schema is still published, with an open object schema.
            let schema = custom.raw_schema.clone().unwrap_or_else(|| serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
            Some((s.info.kind.clone(), schema))
        })
        .collect();
    openapi_document(gv, &infos, &schemas)
}

fn all_group_versions(registry: &Registry) -> Vec<GroupVersion> {
    registry
        .groups()
        .iter()
        .flat_map(|g| {
            g.versions
                .iter()
                .map(|v| GroupVersion::new(g.name.clone(), v.clone()))
        })
        .collect()
}

/// The index of every group-version document, with content hashes for caching clients.
pub fn index(registry: &Registry) -> Value {
    let mut index = OpenApiIndex::new();
    for gv in all_group_versions(registry) {
        index.insert(&gv, &document(registry, &gv));
    }
    index.to_json()
}

/// The document at `api/v1` or `apis/{g}/{v}`, if that group-version is served.
pub fn document_at(registry: &Registry, path: &str) -> Option<Value> {
    all_group_versions(registry)
        .into_iter()
        .find(|gv| document_path(gv) == path)
        .map(|gv| document(registry, &gv))
}
