//! Namespace lifecycle: a terminating namespace has its content deleted, then its `kubernetes`
//! finalizer removed, and then it goes.

use crate::cluster::{Cluster, DeleteOptions, Part, WriteOptions};
use berth_kube::ObjectExt;
use serde_json::{Value, json};

/// Deletes what is left in a terminating namespace and finalizes it once it is empty.
pub fn finish_deletion(cluster: &Cluster, ns: &Value) {
    let name = ns.name().to_string();
    for resource in cluster.store.resources() {
        let Some(served) = cluster.registry.versions_of(&resource).into_iter().next() else {
            continue;
        };
        if !served.info.namespaced() {
            continue;
        }
        for (_, obj_name, stored) in cluster.store.list(&resource, Some(&name)).0 {
            if stored.value().deletion_timestamp().is_none() {
                let _ = cluster.delete(&served, &name, &obj_name, &DeleteOptions::default());
            }
        }
    }
    let Some(namespaces) = cluster.served("", "v1", "namespaces") else {
        return;
    };
    let still = count_content(cluster, &name);
    let now = berth_kube::now_rfc3339();
    let conditions = json!([
        {"type": "NamespaceDeletionDiscoveryFailure", "status": "False", "lastTransitionTime": now, "reason": "ResourcesDiscovered", "message": "All resources successfully discovered"},
        {"type": "NamespaceDeletionGroupVersionParsingFailure", "status": "False", "lastTransitionTime": now, "reason": "ParsedGroupVersions", "message": "All legacy kube types successfully parsed"},
        {"type": "NamespaceDeletionContentFailure", "status": "False", "lastTransitionTime": now, "reason": "ContentDeleted", "message": "All content successfully deleted, may be waiting on finalization"},
        {"type": "NamespaceContentRemaining", "status": if still > 0 { "True" } else { "False" }, "lastTransitionTime": now,
         "reason": if still > 0 { "SomeResourcesRemain" } else { "ContentRemoved" },
         "message": if still > 0 { format!("Some resources are remaining: {still} objects") } else { "All content successfully removed".to_string() }},
    ]);
    let opts = WriteOptions::default();
    let _ = cluster.update_with(&namespaces, "", &name, Part::Status, &opts, |mut o| {
        if o.pointer("/status/conditions").is_none_or(|c| {
            c.as_array().map(|a| a.len()) != Some(4)
                || o.pointer("/status/conditions/3/status") != conditions.pointer("/3/status")
        }) {
            o["status"] = json!({"phase": "Terminating", "conditions": conditions});
        }
        Ok(o)
    });
    if still == 0 {
        // The finalize step: drop `kubernetes` from spec.finalizers; the write then removes the
        // namespace if nothing else holds it.
        let _ = cluster.update_with(&namespaces, "", &name, Part::Finalize, &opts, |mut o| {
            if let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("finalizers".into(), json!([]));
            }
            Ok(o)
        });
    }
}

fn count_content(cluster: &Cluster, namespace: &str) -> usize {
    cluster
        .store
        .resources()
        .iter()
        .filter(|r| {
            cluster
                .registry
                .versions_of(r)
                .first()
                .is_some_and(|s| s.info.namespaced())
        })
        .map(|r| cluster.store.count(r, namespace))
        .sum()
}

/// Something in `namespace` was deleted: if the namespace is terminating, check it again.
pub fn content_deleted(cluster: &Cluster, namespace: &str) {
    let Some(namespaces) = cluster.served("", "v1", "namespaces") else {
        return;
    };
    if let Some(ns) = cluster.get_stored(&namespaces, "", namespace) {
        let ns = ns.value();
        if ns.deletion_timestamp().is_some() && count_content(cluster, namespace) == 0 {
            finish_deletion(cluster, &ns);
        }
    }
}
