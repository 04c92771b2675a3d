//! CustomResourceDefinitions: turning a CRD into served resources, setting the conditions the
//! real naming and establishing controllers set, and removing every instance when a CRD goes.

use crate::cluster::{Cluster, DeleteOptions, Part, WriteOptions};
use crate::registry::{CustomVersion, ScalePaths, Served, storage_key};
use berth_kube::{
    GroupVersion, ObjectExt, PrinterColumn, ResourceInfo, Scope, StructuralSchema, now_rfc3339,
};
use serde_json::{Value, json};
use std::sync::Arc;

pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

fn crds(cluster: &Cluster) -> Option<Served> {
    cluster.served("apiextensions.k8s.io", "v1", "customresourcedefinitions")
}

/// Builds the served resources of a CRD: one per served version.
pub fn served_versions(crd: &Value) -> (String, Vec<Served>, Vec<String>) {
    let spec = crd.get("spec").cloned().unwrap_or(Value::Null);
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let names = spec.get("names").cloned().unwrap_or(Value::Null);
    let plural = names
        .get("plural")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = names
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let scope = if spec.get("scope").and_then(Value::as_str) == Some("Cluster") {
        Scope::Cluster
    } else {
        Scope::Namespaced
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut served = Vec::new();
    let mut order = Vec::new();
    for version in spec
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if version.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let Some(name) = version.get("name").and_then(Value::as_str) else {
            continue;
        };
        order.push(name.to_string());
        let gv = GroupVersion::new(group.clone(), name);
        let mut info = ResourceInfo::new(&gv, &kind, &plural, scope);
        info.singular = names
            .get("singular")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| kind.to_lowercase());
        info.list_kind = names
            .get("listKind")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{kind}List"));
        info.short_names = strings(names.get("shortNames"));
        info.categories = strings(names.get("categories"));
        let subresources = version.get("subresources");
        let has_status = subresources.and_then(|s| s.get("status")).is_some();
        if has_status {
            info = info.with_status();
        }
        let scale = subresources
            .and_then(|s| s.get("scale"))
            .map(|s| ScalePaths {
                spec_replicas: s
                    .get("specReplicasPath")
                    .and_then(Value::as_str)
                    .unwrap_or(".spec.replicas")
                    .to_string(),
                status_replicas: s
                    .get("statusReplicasPath")
                    .and_then(Value::as_str)
                    .unwrap_or(".status.replicas")
                    .to_string(),
                label_selector: s
                    .get("labelSelectorPath")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        if scale.is_some() {
            info = info.with_scale();
        }
        let raw_schema = version.pointer("/schema/openAPIV3Schema").cloned();
        let custom = CustomVersion {
            crd_name: crd.name().to_string(),
            schema: raw_schema.clone().map(StructuralSchema::new),
            raw_schema,
            printer_columns: PrinterColumn::from_crd_version(version),
            scale,
        };
        served.push(Served {
            info,
            storage: storage_key(&group, &plural),
            custom: Some(Arc::new(custom)),
        });
    }
    (group, served, order)
}

/// Called after every write of a CRD: serves (or withdraws) its resources and moves its status
/// conditions along, each transition a separate write so watchers observe it.
pub fn sync_served(cluster: &Cluster, crd: &Value) {
    let (group, served, order) = served_versions(crd);
    let name = crd.name().to_string();
    let exists = cluster
        .store
        .get(&Cluster::key(
            &match crds(cluster) {
                Some(s) => s,
                None => return,
            },
            "",
            &name,
        ))
        .is_some();
    if !exists {
        cluster
            .registry
            .set_custom(&name, &group, Vec::new(), Vec::new());
        return;
    }
    if crd.deletion_timestamp().is_none() {
        cluster.registry.set_custom(&name, &group, served, order);
    }
}

/// The controller's reaction to a CRD change: establish it, or finish its deletion.
pub fn reconcile(cluster: &Cluster, crd: &Value) {
    if crd.deletion_timestamp().is_some() {
        finish_deletion(cluster, crd);
    } else {
        establish(cluster, crd);
    }
}

fn condition(crd: &Value, kind: &str) -> Option<String> {
    crd.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|c| c.get("status")?.as_str().map(str::to_string))
}

/// Sets acceptedNames, NamesAccepted and Established (the real controllers do this in two steps:
/// naming first, then establishing), plus storedVersions and the cleanup finalizer.
pub fn establish(cluster: &Cluster, crd: &Value) {
    if condition(crd, "Established").as_deref() == Some("True")
        && names_match(crd)
        && has_cleanup_finalizer(crd)
    {
        return;
    }
    let Some(served) = crds(cluster) else { return };
    let name = crd.name().to_string();
    let opts = WriteOptions::default();
    if !has_cleanup_finalizer(crd) {
        let _ = cluster.update_with(&served, "", &name, Part::Main, &opts, |mut obj| {
            let mut f = obj.finalizers();
            if !f.iter().any(|x| x == CLEANUP_FINALIZER) {
                f.push(CLEANUP_FINALIZER.into());
            }
            obj.set_meta("finalizers", json!(f));
            Ok(obj)
        });
    }
    let now = now_rfc3339();
    let _ = cluster.update_with(&served, "", &name, Part::Status, &opts, |mut obj| {
        let names = obj.pointer("/spec/names").cloned().unwrap_or(json!({}));
        let storage = obj
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .and_then(|v| v.iter().find(|v| v.get("storage").and_then(Value::as_bool) == Some(true)))
            .and_then(|v| v.get("name").cloned())
            .unwrap_or(json!("v1"));
        let mut stored = obj.pointer("/status/storedVersions").and_then(Value::as_array).cloned().unwrap_or_default();
        if !stored.contains(&storage) {
            stored.push(storage);
        }
        obj["status"] = json!({
            "acceptedNames": names,
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
                {"type": "Established", "status": "False", "lastTransitionTime": now, "reason": "Installing", "message": "the initial names have been accepted"},
            ],
            "storedVersions": stored,
        });
        Ok(obj)
    });
    let _ = cluster.update_with(&served, "", &name, Part::Status, &opts, |mut obj| {
        if let Some(conds) = obj.pointer_mut("/status/conditions").and_then(Value::as_array_mut) {
            for c in conds.iter_mut() {
                if c.get("type").and_then(Value::as_str) == Some("Established") {
                    *c = json!({"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"});
                }
            }
        }
        Ok(obj)
    });
}

fn names_match(crd: &Value) -> bool {
    crd.pointer("/status/acceptedNames") == crd.pointer("/spec/names")
}

fn has_cleanup_finalizer(crd: &Value) -> bool {
    crd.finalizers().iter().any(|f| f == CLEANUP_FINALIZER)
}

/// Finishes the deletion of a terminating CRD: stops serving it, deletes every instance and
/// removes the cleanup finalizer.
pub fn finish_deletion(cluster: &Cluster, crd: &Value) {
    let Some(crd_served) = crds(cluster) else {
        return;
    };
    let name = crd.name().to_string();
    let (group, served, _) = served_versions(crd);
    let opts = WriteOptions::default();
    let now = now_rfc3339();
    let _ = cluster.update_with(&crd_served, "", &name, Part::Status, &opts, |mut obj| {
        if let Some(conds) = obj.pointer_mut("/status/conditions").and_then(Value::as_array_mut) {
            conds.retain(|c| c.get("type").and_then(Value::as_str) != Some("Terminating"));
            conds.push(json!({"type": "Terminating", "status": "True", "lastTransitionTime": now, "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress"}));
        }
        Ok(obj)
    });
    if let Some(first) = served.first() {
        let delete = DeleteOptions::default();
        for (ns, obj_name, _) in cluster.store.list(&first.storage, None).0 {
            let _ = cluster.delete(first, &ns, &obj_name, &delete);
        }
        if cluster.store.list(&first.storage, None).0.is_empty() {
            cluster
                .registry
                .set_custom(&name, &group, Vec::new(), Vec::new());
            let _ = cluster.remove_finalizer(&crd_served, "", &name, CLEANUP_FINALIZER);
        }
    } else {
        let _ = cluster.remove_finalizer(&crd_served, "", &name, CLEANUP_FINALIZER);
    }
}

/// Serves every stored CRD again after a restart.
pub fn restore(cluster: &Cluster) {
    let Some(served) = crds(cluster) else { return };
    for (_, _, stored) in cluster.store.list(&served.storage, None).0 {
        let crd = stored.value();
        let (group, versions, order) = served_versions(&crd);
        cluster
            .registry
            .set_custom(crd.name(), &group, versions, order);
    }
}

/// A custom resource went away: if its CRD is terminating, it may now be finished.
pub fn instance_deleted(cluster: &Cluster, storage: &str) {
    let Some(crd_served) = crds(cluster) else {
        return;
    };
    let Some(served) = cluster.registry.versions_of(storage).into_iter().next() else {
        return;
    };
    let Some(custom) = served.custom.as_ref() else {
        return;
    };
    if let Some(crd) = cluster.get_stored(&crd_served, "", &custom.crd_name) {
        let crd = crd.value();
        if crd.deletion_timestamp().is_some() {
            finish_deletion(cluster, &crd);
        }
    }
}
