//! The ReplicaSet controller: keeps `spec.replicas` active pods from the template (creating
//! with generateName, deleting the least useful first) and reports replicas, ready and
//! available counts, as `replica_set.go` does.

use super::ctx::{Ctx, PODS, REPLICASETS, Res, controller_named, owner_reference};
use super::events::Level;
use super::pods;
use crate::store::EventType;
use berth_kube::{LabelSelector, ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Value, json};
use std::time::Duration;

const COMPONENT: &str = "replicaset-controller";

pub struct ReplicaSetController;

impl super::runtime::Reconciler for ReplicaSetController {
    fn name(&self) -> &'static str {
        "replicaset"
    }

    fn watches(&self) -> &'static [Res] {
        &[REPLICASETS, PODS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        _event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == REPLICASETS {
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if let Some(owner) = controller_named(obj, "ReplicaSet") {
            out.push((obj.namespace().to_string(), owner.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let rs = ctx.get(REPLICASETS, namespace, name)?;
        if rs.deletion_timestamp().is_some() {
            return None;
        }
        let all = ctx.controlled_by(rs.uid(), PODS);
        let active: Vec<&Value> = all.iter().filter(|p| pods::is_active(p)).collect();
        let desired = replicas(&rs);
        let mut failure = None;
        let diff = active.len() as i64 - desired;
        if diff < 0 {
            failure = create_pods(ctx, &rs, (-diff) as usize);
        } else if diff > 0 {
            delete_pods(ctx, &rs, active.clone(), diff as usize);
        }
        update_status(ctx, &rs, &active, failure)
    }
}

pub fn replicas(obj: &Value) -> i64 {
    obj.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// Creates `count` pods from the template; returns the failure message when the API refused.
fn create_pods(ctx: &Ctx, rs: &Value, count: usize) -> Option<String> {
    let template = rs.pointer("/spec/template").cloned().unwrap_or(Value::Null);
    for _ in 0..count {
        let mut metadata = template
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if !metadata.is_object() {
            metadata = json!({});
        }
        metadata["generateName"] = json!(format!("{}-", rs.name()));
        metadata["namespace"] = json!(rs.namespace());
        metadata["ownerReferences"] = json!([owner_reference(rs)]);
        if let Some(m) = metadata.as_object_mut() {
            m.remove("name");
            m.remove("creationTimestamp");
        }
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
        });
        match ctx.create(PODS, rs.namespace(), pod, COMPONENT) {
            Ok(p) => ctx.event(
                rs,
                Level::Normal,
                "SuccessfulCreate",
                &format!("Created pod: {}", p.name()),
                COMPONENT,
            ),
            Err(e) => {
                let message = format!("Error creating: {}", e.message);
                ctx.event(rs, Level::Warning, "FailedCreate", &message, COMPONENT);
                return Some(message);
            }
        }
    }
    None
}

/// Deletes the pods the real controller would give up first: unscheduled, then pending, then
/// not ready, then ready for less time, then more restarts, then newer.
fn delete_pods(ctx: &Ctx, rs: &Value, mut active: Vec<&Value>, count: usize) {
    let rank = |p: &Value| {
        let scheduled = p
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let phase = match pods::phase(p) {
            "Pending" => 0,
            "Unknown" => 1,
            _ => 2,
        };
        let ready_since = pods::condition(p, "Ready")
            .filter(|_| pods::is_ready(p))
            .and_then(|c| c.get("lastTransitionTime"))
            .and_then(Value::as_str)
            .and_then(unix_from_rfc3339)
            .map_or(i64::MIN, |t| -t);
        let restarts: i64 = p
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
                    .sum()
            })
            .unwrap_or(0);
        let created = p
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)
            .and_then(unix_from_rfc3339)
            .unwrap_or(0);
        (
            scheduled,
            phase,
            pods::is_ready(p),
            ready_since,
            -restarts,
            -created,
        )
    };
    active.sort_by_key(|p| rank(p));
    for pod in active.into_iter().take(count) {
        ctx.delete_controlled_pod(rs, pod, COMPONENT);
    }
}

fn update_status(
    ctx: &Ctx,
    rs: &Value,
    active: &[&Value],
    failure: Option<String>,
) -> Option<Duration> {
    // minReadySeconds is a delay like any other: scaled (timestamps have whole seconds).
    let min_ready = rs
        .pointer("/spec/minReadySeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let min_ready = (min_ready as f64 * ctx.config.time_scale).ceil() as i64;
    let now = unix_from_rfc3339(&now_rfc3339()).unwrap_or(0);
    let template_labels = rs
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
        .map(LabelSelector::from_labels)
        .unwrap_or_default();
    let ready = active.iter().filter(|p| pods::is_ready(p)).count();
    let mut available = 0;
    let mut recheck: Option<i64> = None;
    for p in active {
        match pods::available(p, min_ready, now) {
            Ok(()) => available += 1,
            Err(left) if left != i64::MAX => recheck = Some(recheck.map_or(left, |r| r.min(left))),
            Err(_) => {}
        }
    }
    let fully_labeled = active
        .iter()
        .filter(|p| template_labels.matches(p.labels()))
        .count();
    let generation = rs
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let result = ctx.update_status(
        REPLICASETS,
        rs.namespace(),
        rs.name(),
        COMPONENT,
        |mut current| {
            let old = current.get("status").cloned().unwrap_or_else(|| json!({}));
            let mut status = json!({
                "replicas": active.len(),
                "fullyLabeledReplicas": fully_labeled,
                "readyReplicas": ready,
                "availableReplicas": available,
                "observedGeneration": generation,
            });
            // Zero counters are omitted, as the real status (omitempty) has them.
            if let Some(s) = status.as_object_mut() {
                s.retain(|k, v| k == "replicas" || v.as_i64() != Some(0));
            }
            if let Some(message) = &failure {
                status["conditions"] = json!([{
                    "type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                    "message": message, "lastTransitionTime": now_rfc3339(),
                }]);
                if let Some(c) = old
                    .get("conditions")
                    .filter(|c| c[0]["message"] == json!(message))
                {
                    status["conditions"] = c.clone();
                }
            }
            if status == old {
                return None;
            }
            current["status"] = status;
            Some(current)
        },
    );
    if let Err(e) = result {
        tracing::debug!("cannot write replicaset {} status: {e}", rs.name());
    }
    match (failure, recheck) {
        (Some(_), _) => Some(ctx.config.delay(5.0)),
        (None, Some(left)) => {
            Some(Duration::from_secs(left.max(0) as u64).max(Duration::from_millis(100)))
        }
        (None, None) => None,
    }
}
