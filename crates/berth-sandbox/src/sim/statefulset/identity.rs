//! A StatefulSet pod's stable identity: its name `<set>-<ordinal>`, hostname and labels, and
//! the claims `<template>-<set>-<ordinal>` its volumes point at.

use super::{COMPONENT, REVISION_LABEL};
use crate::sim::ctx::{Ctx, PVCS, owner_reference};
use crate::sim::events::Level;
use berth_kube::ObjectExt;
use serde_json::{Value, json};

const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// The ordinal in a pod's name `<set>-<ordinal>`.
pub fn ordinal_of(set_name: &str, pod: &Value) -> Option<i64> {
    let rest = pod.name().strip_prefix(set_name)?.strip_prefix('-')?;
    rest.parse::<i64>()
        .ok()
        .filter(|o| *o >= 0 && rest == o.to_string())
}

pub fn claim_templates(set: &Value) -> Vec<Value> {
    set.pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn claim_template_name(claim: &Value) -> &str {
    claim
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Creates `<template>-<set>-<ordinal>` unless it exists; false when the API refused.
pub fn create_claim(ctx: &Ctx, set: &Value, claim: &Value, pod_name: &str, ordinal: i64) -> bool {
    let name = format!("{}-{}-{ordinal}", claim_template_name(claim), set.name());
    if ctx.get(PVCS, set.namespace(), &name).is_some() {
        return true;
    }
    let mut labels = claim
        .pointer("/metadata/labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(selector) = set
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
    {
        for (k, v) in selector {
            labels[k] = v.clone();
        }
    }
    let mut metadata = json!({"name": name, "namespace": set.namespace(), "labels": labels});
    if let Some(a) = claim
        .pointer("/metadata/annotations")
        .filter(|a| a.is_object())
    {
        metadata["annotations"] = a.clone();
    }
    let pvc = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": claim.get("spec").cloned().unwrap_or_else(|| json!({})),
    });
    let set_name = set.name();
    match ctx.create(PVCS, set.namespace(), pvc, COMPONENT) {
        Ok(_) => {
            let message =
                format!("create Claim {name} Pod {pod_name} in StatefulSet {set_name} success");
            ctx.event(set, Level::Normal, "SuccessfulCreate", &message, COMPONENT);
            true
        }
        Err(e) if e.code == 409 => true,
        Err(e) => {
            let message = format!(
                "create Claim {name} for Pod {pod_name} in StatefulSet {set_name} failed error: {}",
                e.message
            );
            ctx.event(set, Level::Warning, "FailedCreate", &message, COMPONENT);
            false
        }
    }
}

pub fn build_pod(set: &Value, template: &Value, name: &str, ordinal: i64, revision: &str) -> Value {
    let mut metadata = template
        .get("metadata")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(m) = metadata.as_object_mut() {
        m.remove("generateName");
        m.remove("creationTimestamp");
    }
    metadata["name"] = json!(name);
    metadata["namespace"] = json!(set.namespace());
    metadata["ownerReferences"] = json!([owner_reference(set)]);
    if !metadata.get("labels").is_some_and(Value::is_object) {
        metadata["labels"] = json!({});
    }
    metadata["labels"][POD_NAME_LABEL] = json!(name);
    metadata["labels"][POD_INDEX_LABEL] = json!(ordinal.to_string());
    metadata["labels"][REVISION_LABEL] = json!(revision);
    let mut spec = template
        .get("spec")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    spec["hostname"] = json!(name);
    if let Some(service) = set
        .pointer("/spec/serviceName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        spec["subdomain"] = json!(service);
    }
    let claims: Vec<Value> = claim_templates(set)
        .iter()
        .map(|c| {
            let volume = claim_template_name(c);
            json!({"name": volume, "persistentVolumeClaim": {"claimName": format!("{volume}-{}-{ordinal}", set.name())}})
        })
        .collect();
    if !claims.is_empty() {
        let mut volumes: Vec<Value> = spec
            .get("volumes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        volumes.retain(|v| !claims.iter().any(|c| c.get("name") == v.get("name")));
        volumes.extend(claims);
        spec["volumes"] = json!(volumes);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_come_only_from_our_own_names() {
        let pod = |n: &str| json!({"metadata": {"name": n}});
        assert_eq!(ordinal_of("web", &pod("web-2")), Some(2));
        assert_eq!(ordinal_of("web", &pod("web-02")), None);
        assert_eq!(ordinal_of("web", &pod("web-x")), None);
        assert_eq!(ordinal_of("web", &pod("webb-1")), None);
        assert_eq!(ordinal_of("web", &pod("web--1")), None);
    }

    #[test]
    fn pods_get_stable_identity_and_their_claims() {
        let set = json!({
            "metadata": {"name": "db", "namespace": "ns", "uid": "u"},
            "spec": {"serviceName": "db", "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}
        });
        let template = json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [], "volumes": [{"name": "data", "emptyDir": {}}]}});
        let pod = build_pod(&set, &template, "db-1", 1, "db-abc");
        assert_eq!(
            pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
            "db-1"
        );
        assert_eq!(
            pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"],
            "1"
        );
        assert_eq!(
            pod["metadata"]["labels"]["controller-revision-hash"],
            "db-abc"
        );
        assert_eq!(pod["spec"]["hostname"], "db-1");
        assert_eq!(pod["spec"]["subdomain"], "db");
        assert_eq!(
            pod["spec"]["volumes"],
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}}])
        );
    }
}
