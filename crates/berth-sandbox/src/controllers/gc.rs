//! Garbage collection by ownerReferences: background deletion of dependents whose owners are
//! all gone, foreground deletion (dependents first, then the owner) and orphaning.

use crate::cluster::delete::{FOREGROUND_FINALIZER, ORPHAN_FINALIZER};
use crate::cluster::{Cluster, DeleteOptions, Part, Propagation, WriteOptions};
use crate::registry::Served;
use crate::store::ObjectKey;
use berth_kube::ObjectExt;
use serde_json::{Value, json};

fn served_for(cluster: &Cluster, key: &ObjectKey) -> Option<Served> {
    cluster
        .registry
        .versions_of(&key.resource)
        .into_iter()
        .next()
}

fn owner_refs(obj: &Value) -> Vec<Value> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// An owner is gone: each dependent whose owners are all gone is deleted; one that still has
/// a live owner only loses the dangling reference.
pub fn owner_deleted(cluster: &Cluster, owner: &Value) {
    let uid = owner.uid();
    if uid.is_empty() {
        return;
    }
    for key in cluster.store.dependents_of(uid) {
        if let Some(stored) = cluster.store.get(&key) {
            collect_orphaned(cluster, &stored.value());
        }
    }
}

/// Deletes `obj` if every owner it names is gone, or drops the references to missing owners.
pub fn collect_orphaned(cluster: &Cluster, obj: &Value) {
    let refs = owner_refs(obj);
    if refs.is_empty() {
        return;
    }
    let alive: Vec<bool> = refs
        .iter()
        .map(|r| {
            r.get("uid")
                .and_then(Value::as_str)
                .is_some_and(|u| cluster.store.key_by_uid(u).is_some())
        })
        .collect();
    if alive.iter().all(|a| *a) {
        return;
    }
    let Some(key) = key_of(cluster, obj) else {
        return;
    };
    let Some(served) = served_for(cluster, &key) else {
        return;
    };
    if alive.iter().all(|a| !*a) {
        if obj.deletion_timestamp().is_none() {
            let opts = DeleteOptions {
                propagation: Some(Propagation::Background),
                ..Default::default()
            };
            let _ = cluster.delete(&served, &key.namespace, &key.name, &opts);
        }
    } else {
        retain_owner_refs(cluster, &served, &key, |uid| {
            cluster.store.key_by_uid(uid).is_some()
        });
    }
}

/// Keeps the owner references whose uid passes `keep`; drops the field when none is left.
fn retain_owner_refs(
    cluster: &Cluster,
    served: &Served,
    key: &ObjectKey,
    keep: impl Fn(&str) -> bool,
) {
    let _ = cluster.update_with(
        served,
        &key.namespace,
        &key.name,
        Part::Main,
        &WriteOptions::default(),
        |mut o| {
            let kept: Vec<Value> = owner_refs(&o)
                .into_iter()
                .filter(|r| r.get("uid").and_then(Value::as_str).is_some_and(&keep))
                .collect();
            if kept.is_empty() {
                o.metadata_mut().remove("ownerReferences");
            } else {
                o.set_meta("ownerReferences", json!(kept));
            }
            Ok(o)
        },
    );
}

fn key_of(cluster: &Cluster, obj: &Value) -> Option<ObjectKey> {
    cluster.store.key_by_uid(obj.uid())
}

/// An owner is terminating with a propagation finalizer: delete dependents first (foreground)
/// or detach them (orphan), then release the owner.
pub fn owner_terminating(cluster: &Cluster, owner: &Value) {
    let finalizers = owner.finalizers();
    let Some(owner_key) = key_of(cluster, owner) else {
        return;
    };
    let Some(owner_served) = served_for(cluster, &owner_key) else {
        return;
    };
    let uid = owner.uid().to_string();
    if finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
        for key in cluster.store.dependents_of(&uid) {
            let Some(served) = served_for(cluster, &key) else {
                continue;
            };
            retain_owner_refs(cluster, &served, &key, |owner| owner != uid);
        }
        if cluster.store.dependents_of(&uid).is_empty() {
            let _ = cluster.remove_finalizer(
                &owner_served,
                &owner_key.namespace,
                &owner_key.name,
                ORPHAN_FINALIZER,
            );
        }
    } else if finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
        let dependents = cluster.store.dependents_of(&uid);
        for key in &dependents {
            let Some(served) = served_for(cluster, key) else {
                continue;
            };
            let Some(stored) = cluster.store.get(key) else {
                continue;
            };
            if stored.value().deletion_timestamp().is_none() {
                let opts = DeleteOptions {
                    propagation: Some(Propagation::Foreground),
                    ..Default::default()
                };
                let _ = cluster.delete(&served, &key.namespace, &key.name, &opts);
            }
        }
        if blocking_dependents(cluster, &uid) == 0
            && let Err(e) = cluster.remove_finalizer(
                &owner_served,
                &owner_key.namespace,
                &owner_key.name,
                FOREGROUND_FINALIZER,
            )
        {
            tracing::warn!(owner = %owner_key.name, "cannot finish foreground deletion: {e}");
        }
    }
}

/// Dependents still present that block their owner's foreground deletion.
fn blocking_dependents(cluster: &Cluster, owner_uid: &str) -> usize {
    cluster
        .store
        .dependents_of(owner_uid)
        .iter()
        .filter_map(|k| cluster.store.get(k))
        .filter(|s| {
            owner_refs(&s.value()).iter().any(|r| {
                r.get("uid").and_then(Value::as_str) == Some(owner_uid)
                    && r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true)
            })
        })
        .count()
}

/// A dependent went away: an owner waiting in foreground deletion may now be released.
pub fn dependent_deleted(cluster: &Cluster, dependent: &Value) {
    for r in owner_refs(dependent) {
        let Some(uid) = r.get("uid").and_then(Value::as_str) else {
            continue;
        };
        let Some(key) = cluster.store.key_by_uid(uid) else {
            continue;
        };
        if let Some(owner) = cluster.store.get(&key) {
            let owner = owner.value();
            if owner.deletion_timestamp().is_some() {
                owner_terminating(cluster, &owner);
            }
        }
    }
}
