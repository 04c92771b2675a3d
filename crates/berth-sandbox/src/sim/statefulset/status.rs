//! The StatefulSet's status: the counters and revisions `kubectl rollout status` and Argo CD
//! read; `currentRevision` catches up with `updateRevision` once a rolling update is done.

use super::{COMPONENT, REVISION_LABEL, is_terminating};
use crate::sim::ctx::{Ctx, STATEFULSETS};
use crate::sim::pods;
use crate::sim::revisions;
use berth_kube::{ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Map, Value, json};
use std::time::Duration;

pub fn write_status(
    ctx: &Ctx,
    set: &Value,
    owned: &[Value],
    update: &revisions::Current,
    current_revision: &str,
) -> Option<Duration> {
    let min_ready = set
        .pointer("/spec/minReadySeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let min_ready = (min_ready as f64 * ctx.config.time_scale).ceil() as i64;
    let now = unix_from_rfc3339(&now_rfc3339()).unwrap_or(0);
    let mut recheck: Option<i64> = None;
    let (mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0);
    for pod in owned {
        if pods::phase(pod) == "Running" && pods::is_ready(pod) {
            ready += 1;
            match pods::available(pod, min_ready, now) {
                Ok(()) => available += 1,
                Err(left) if left != i64::MAX => {
                    recheck = Some(recheck.map_or(left, |r| r.min(left)))
                }
                Err(_) => {}
            }
        }
        if !is_terminating(pod) {
            let revision = pod.label(REVISION_LABEL);
            current += i64::from(revision == Some(current_revision));
            updated += i64::from(revision == Some(update.name.as_str()));
        }
    }
    let replicas = owned.len() as i64;
    let rolling = set
        .pointer("/spec/updateStrategy/type")
        .and_then(Value::as_str)
        != Some("OnDelete");
    let mut current_revision = current_revision.to_string();
    if rolling && updated == replicas && ready == replicas {
        current_revision = update.name.clone();
        current = updated;
    }
    let mut status = Map::new();
    status.insert(
        "observedGeneration".into(),
        set.pointer("/metadata/generation")
            .cloned()
            .unwrap_or(json!(1)),
    );
    status.insert("replicas".into(), json!(replicas));
    for (field, value) in [
        ("readyReplicas", ready),
        ("currentReplicas", current),
        ("updatedReplicas", updated),
    ] {
        if value > 0 {
            status.insert(field.into(), json!(value));
        }
    }
    status.insert("availableReplicas".into(), json!(available));
    status.insert("currentRevision".into(), json!(current_revision));
    status.insert("updateRevision".into(), json!(update.name));
    status.insert("collisionCount".into(), json!(update.collision_count));
    let status = Value::Object(status);
    let written = ctx.update_status(
        STATEFULSETS,
        set.namespace(),
        set.name(),
        COMPONENT,
        |mut s| {
            if s.uid() != set.uid() || s.get("status") == Some(&status) {
                return None;
            }
            s["status"] = status.clone();
            Some(s)
        },
    );
    if let Err(e) = written {
        tracing::debug!("cannot write statefulset {} status: {e}", set.name());
        return Some(ctx.config.delay(1.0));
    }
    recheck.map(|left| Duration::from_secs(left.max(0) as u64).max(Duration::from_millis(100)))
}
