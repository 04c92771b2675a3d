//! API discovery in both forms: the legacy per-group documents and aggregated discovery v2,
//! built from the one registry table.

use crate::registry::{Registry, Served};
use berth_kube::{GroupVersion, ResourceInfo};
use serde_json::{Value, json};

pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "emulationMajor": "1",
        "emulationMinor": "32",
        "gitVersion": "v1.32.0-berth",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.4",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn server_address(host: &str) -> Value {
    json!([{"clientCIDR": "0.0.0.0/0", "serverAddress": host}])
}

/// `GET /api`: the legacy group's versions.
pub fn api_versions(host: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": server_address(host)})
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": GroupVersion::new(name, v.clone()).api_version(), "version": v}))
        .collect();
    json!({"name": name, "versions": vs, "preferredVersion": vs.first().cloned().unwrap_or(Value::Null)})
}

/// `GET /apis`: every named group.
pub fn api_group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|g| !g.name.is_empty())
        .map(|g| group_json(&g.name, &g.versions))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`.
pub fn api_group(registry: &Registry, group: &str) -> Option<Value> {
    let g = registry.group(group).filter(|g| !g.name.is_empty())?;
    let mut doc = group_json(&g.name, &g.versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn resource_entry(info: &ResourceInfo) -> Value {
    let mut entry = json!({
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced(),
        "kind": info.kind,
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        entry["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        entry["categories"] = json!(info.categories);
    }
    entry
}

/// `GET /api/v1` or `/apis/{g}/{v}`: the resources of one group-version, subresources as
/// `plural/sub` entries.
pub fn resource_list(gv: &GroupVersion, served: &[Served]) -> Value {
    let mut resources = Vec::new();
    for s in served {
        resources.push(resource_entry(&s.info));
        for sub in &s.info.subresources {
            let mut entry = json!({
                "name": format!("{}/{}", s.info.plural, sub.name),
                "singularName": "",
                "namespaced": s.info.namespaced(),
                "kind": sub.kind.kind,
                "verbs": sub.verbs,
            });
            if sub.kind.group != s.info.group || sub.kind.version != s.info.version {
                entry["group"] = json!(sub.kind.group);
                entry["version"] = json!(sub.kind.version);
            }
            resources.push(entry);
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv.api_version(), "resources": resources})
}

fn aggregated_resource(info: &ResourceInfo) -> Value {
    let mut entry = json!({
        "resource": info.plural,
        "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
        "scope": if info.namespaced() { "Namespaced" } else { "Cluster" },
        "singularResource": info.singular,
        "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        entry["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        entry["categories"] = json!(info.categories);
    }
    if !info.subresources.is_empty() {
        entry["subresources"] = json!(info
            .subresources
            .iter()
            .map(|s| json!({
                "subresource": s.name,
                "responseKind": {"group": s.kind.group, "version": s.kind.version, "kind": s.kind.kind},
                "verbs": s.verbs,
            }))
            .collect::<Vec<_>>());
    }
    entry
}

/// Aggregated discovery v2: `legacy` selects the core group (`/api`) or the named ones (`/apis`).
pub fn aggregated(registry: &Registry, legacy: bool) -> Value {
    let items: Vec<Value> = registry
        .groups()
        .iter()
        .filter(|g| g.name.is_empty() == legacy)
        .map(|g| {
            let versions: Vec<Value> = g
                .versions
                .iter()
                .map(|v| {
                    let gv = GroupVersion::new(g.name.clone(), v.clone());
                    let resources: Vec<Value> = registry
                        .resources_of(&gv)
                        .iter()
                        .map(|s| aggregated_resource(&s.info))
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g.name, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}
