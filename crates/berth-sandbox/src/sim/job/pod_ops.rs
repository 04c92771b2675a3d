//! What the Job controller does to its pods: creates them from the template (with the
//! tracking finalizer and, when Indexed, their completion index), tells how each one ended,
//! and releases the finalizer once a pod is counted or its Job is gone.

use super::{COMPONENT, INDEX_KEY, TRACKING_FINALIZER};
use crate::sim::ctx::{Ctx, PODS, controller_named, controller_ref, owner_reference};
use crate::sim::events::Level;
use crate::sim::pods;
use berth_kube::ObjectExt;
use serde_json::{Value, json};

/// Releases the pods of a Job that is gone (deleted in the background or orphaning), which
/// would otherwise keep their finalizer, and so their place in the API, forever.
pub fn release_orphans(ctx: &Ctx, namespace: &str, job_name: &str) {
    for pod in ctx.list(PODS, Some(namespace)) {
        if tracked(&pod) && job_of(&pod) == Some(job_name) {
            release(ctx, &pod);
        }
    }
}

/// The Job a pod belongs to: its controller, or for a tracked pod its Job orphaned, the
/// `job-name` label (so its finalizer can still be released).
pub fn job_of(pod: &Value) -> Option<&str> {
    if let Some(owner) = controller_named(pod, "Job") {
        return Some(owner);
    }
    let orphaned = controller_ref(pod).is_none() && tracked(pod);
    orphaned
        .then(|| pod.label("batch.kubernetes.io/job-name"))
        .flatten()
}

/// The completion index a pod of an Indexed Job runs.
pub fn pod_index(pod: &Value) -> Option<i64> {
    pod.annotation(INDEX_KEY)?.parse().ok().filter(|i| *i >= 0)
}

/// How a pod ended, once it has: its phase, or Failed for a pod whose deletion the kubelet
/// has finished (grace period down to 0) without it succeeding.
pub fn outcome(pod: &Value) -> Option<&'static str> {
    match pods::phase(pod) {
        "Succeeded" => Some("succeeded"),
        "Failed" => Some("failed"),
        _ if pod.deletion_timestamp().is_some()
            && pod
                .pointer("/metadata/deletionGracePeriodSeconds")
                .and_then(Value::as_i64)
                == Some(0) =>
        {
            Some("failed")
        }
        _ => None,
    }
}

pub fn tracked(pod: &Value) -> bool {
    pod.finalizers().iter().any(|f| f == TRACKING_FINALIZER)
}

/// Removes the tracking finalizer; true when the pod no longer carries it.
pub fn release(ctx: &Ctx, pod: &Value) -> bool {
    if !tracked(pod) {
        return true;
    }
    let written = ctx.update(PODS, pod.namespace(), pod.name(), COMPONENT, |mut p| {
        if p.uid() != pod.uid() {
            return None;
        }
        let kept: Vec<String> = p
            .finalizers()
            .into_iter()
            .filter(|f| f != TRACKING_FINALIZER)
            .collect();
        p.set_meta("finalizers", json!(kept));
        Some(p)
    });
    match written {
        Ok(_) => true,
        Err(e) if e.code == 404 => true,
        Err(e) => {
            tracing::debug!("cannot release pod {}: {e}", pod.name());
            false
        }
    }
}

pub fn create_pod(ctx: &Ctx, job: &Value, index: Option<i64>) -> bool {
    let template = job
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let mut metadata = template
        .get("metadata")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let mut spec = template
        .get("spec")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let prefix = match index {
        Some(i) => format!("{}-{i}-", job.name()),
        None => format!("{}-", job.name()),
    };
    if let Some(m) = metadata.as_object_mut() {
        m.remove("name");
        m.remove("creationTimestamp");
    }
    metadata["generateName"] = json!(prefix);
    metadata["namespace"] = json!(job.namespace());
    metadata["ownerReferences"] = json!([owner_reference(job)]);
    metadata["finalizers"] = json!([TRACKING_FINALIZER]);
    if let Some(i) = index {
        for field in ["annotations", "labels"] {
            if !metadata.get(field).is_some_and(Value::is_object) {
                metadata[field] = json!({});
            }
            metadata[field][INDEX_KEY] = json!(i.to_string());
        }
        spec["hostname"] = json!(format!("{}-{i}", job.name()));
        add_index_env(&mut spec);
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    match ctx.create(PODS, job.namespace(), pod, COMPONENT) {
        Ok(p) => {
            let message = format!("Created pod: {}", p.name());
            ctx.event(job, Level::Normal, "SuccessfulCreate", &message, COMPONENT);
            true
        }
        Err(e) => {
            let message = format!("Error creating: {}", e.message);
            ctx.event(job, Level::Warning, "FailedCreate", &message, COMPONENT);
            false
        }
    }
}

/// Indexed pods see their index as `JOB_COMPLETION_INDEX`, read from the annotation.
pub fn add_index_env(spec: &mut Value) {
    let var = json!({
        "name": "JOB_COMPLETION_INDEX",
        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": format!("metadata.annotations['{INDEX_KEY}']")}},
    });
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in containers.iter_mut().filter(|c| c.is_object()) {
            if !c.get("env").is_some_and(Value::is_array) {
                c["env"] = json!([]);
            }
            if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
                env.retain(|e| {
                    e.get("name").and_then(Value::as_str) != Some("JOB_COMPLETION_INDEX")
                });
                env.push(var.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_deleted_by_the_kubelet_counts_as_failed() {
        let running = json!({"status": {"phase": "Running"}});
        assert_eq!(outcome(&running), None);
        let terminating = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": 30}, "status": {"phase": "Running"}});
        assert_eq!(outcome(&terminating), None);
        let gone = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": 0}, "status": {"phase": "Running"}});
        assert_eq!(outcome(&gone), Some("failed"));
        assert_eq!(
            outcome(&json!({"status": {"phase": "Succeeded"}})),
            Some("succeeded")
        );
    }

    #[test]
    fn indexed_pods_get_the_index_variable_once() {
        let mut spec = json!({"containers": [{"name": "a", "env": [{"name": "JOB_COMPLETION_INDEX", "value": "x"}]}, {"name": "b"}]});
        add_index_env(&mut spec);
        assert_eq!(
            spec["containers"][0]["env"].as_array().map(Vec::len),
            Some(1)
        );
        assert!(
            spec["containers"][1]["env"][0]["valueFrom"]["fieldRef"]["fieldPath"]
                .as_str()
                .is_some_and(|p| p.contains(INDEX_KEY))
        );
    }
}
