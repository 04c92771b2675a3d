//! The Deployment's status: counters summed over its ReplicaSets, the Available condition, and
//! the Progressing condition with its deadline (`sync.go` calculateStatus, `progress.go`).

use super::rollout::Limits;
use super::{COMPONENT, REVISION, Rs};
use crate::sim::ctx::{Ctx, DEPLOYMENTS};
use crate::sim::pods;
use berth_kube::{ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Value, json};
use std::time::Duration;

/// `progressDeadlineSeconds` when the Deployment has none (the API default).
const DEFAULT_DEADLINE: i64 = 600;

fn condition(kind: &str, status: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({
        "type": kind, "status": status, "reason": reason, "message": message,
        "lastUpdateTime": now, "lastTransitionTime": now,
    })
}

/// SetDeploymentCondition: the same status and reason change nothing; the same status keeps
/// its transition time; the condition moves to the end of the list.
fn set_condition(conditions: &mut Vec<Value>, mut new: Value) {
    let kind = new["type"].clone();
    if let Some(current) = conditions.iter().find(|c| c["type"] == kind) {
        if current["status"] == new["status"] && current["reason"] == new["reason"] {
            return;
        }
        if current["status"] == new["status"] {
            new["lastTransitionTime"] = current["lastTransitionTime"].clone();
        }
    }
    conditions.retain(|c| c["type"] != kind);
    conditions.push(new);
}

fn counter(status: &Value, field: &str) -> i64 {
    status.get(field).and_then(Value::as_i64).unwrap_or(0)
}

/// Writes the status (and the revision annotation); returns when to look again for the
/// progress deadline.
pub fn sync(
    ctx: &Ctx,
    d: &Value,
    new: Option<&Rs>,
    old: &[Rs],
    limits: &Limits,
    note: Option<(&str, String)>,
) -> Option<Duration> {
    let now = now_rfc3339();
    let all: Vec<&Rs> = new.into_iter().chain(old.iter()).collect();
    let sum = |f: &str| all.iter().map(|r| r.status(f)).sum::<i64>();
    let desired = limits.desired;
    let replicas = sum("replicas");
    let updated = new.map_or(0, |r| r.status("replicas"));
    let ready = sum("readyReplicas");
    let available = sum("availableReplicas");
    let generation = d
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let paused = d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
    let old_status = d.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut conditions: Vec<Value> = old_status
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();

    if let Some((reason, message)) = &note {
        let status = if *reason == "ReplicaSetCreateError" {
            "False"
        } else {
            "True"
        };
        set_condition(
            &mut conditions,
            condition("Progressing", status, reason, message, &now),
        );
    }
    if available >= desired - limits.max_unavailable {
        set_condition(
            &mut conditions,
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                &now,
            ),
        );
    } else {
        set_condition(
            &mut conditions,
            condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                &now,
            ),
        );
    }

    let deadline = d
        .pointer("/spec/progressDeadlineSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_DEADLINE);
    let complete = updated == desired && replicas == desired && available == desired;
    let rs_name = new.map(|r| r.name.clone()).unwrap_or_default();
    let mut again = None;
    if paused {
        set_condition(
            &mut conditions,
            condition(
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
                &now,
            ),
        );
    } else {
        let resumed = pods::condition(d, "Progressing")
            .is_some_and(|c| c["reason"] == json!("DeploymentPaused"));
        if resumed {
            set_condition(
                &mut conditions,
                condition(
                    "Progressing",
                    "Unknown",
                    "DeploymentResumed",
                    "Deployment is resumed",
                    &now,
                ),
            );
        }
        let current = conditions
            .iter()
            .find(|c| c["type"] == json!("Progressing"))
            .cloned();
        let reason_of = |c: &Option<Value>| {
            c.as_ref()
                .and_then(|c| c["reason"].as_str().map(String::from))
        };
        let old_old_replicas =
            counter(&old_status, "replicas") - counter(&old_status, "updatedReplicas");
        let progressed = updated > counter(&old_status, "updatedReplicas")
            || replicas - updated < old_old_replicas
            || ready > counter(&old_status, "readyReplicas")
            || available > counter(&old_status, "availableReplicas");
        if complete && new.is_some() {
            set_condition(
                &mut conditions,
                condition(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                    &now,
                ),
            );
        } else if progressed && new.is_some() {
            let mut c = condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{rs_name}\" is progressing."),
                &now,
            );
            if let Some(cur) = &current
                && cur["status"] == json!("True")
            {
                c["lastTransitionTime"] = cur["lastTransitionTime"].clone();
            }
            conditions.retain(|c| c["type"] != json!("Progressing"));
            conditions.push(c);
        } else if new.is_some() && reason_of(&current).as_deref() != Some("NewReplicaSetAvailable")
        {
            // The deadline is a delay like any other: scaled.
            let scaled = (deadline as f64 * ctx.config.time_scale).ceil() as i64;
            let since = current
                .as_ref()
                .and_then(|c| c["lastUpdateTime"].as_str())
                .and_then(unix_from_rfc3339);
            let now_secs = unix_from_rfc3339(&now).unwrap_or(0);
            if reason_of(&current).as_deref() == Some("ProgressDeadlineExceeded") {
                // Stays timed out until something progresses.
            } else if let Some(since) = since {
                if since + scaled < now_secs {
                    set_condition(
                        &mut conditions,
                        condition(
                            "Progressing",
                            "False",
                            "ProgressDeadlineExceeded",
                            &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                            &now,
                        ),
                    );
                } else {
                    again = Some(Duration::from_secs(
                        (since + scaled + 1 - now_secs).max(0) as u64
                    ));
                }
            }
        }
    }

    let mut status = json!({
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (desired - available).max(0),
        "conditions": conditions,
    });
    if let Some(count) = old_status.get("collisionCount") {
        status["collisionCount"] = count.clone();
    }
    // Zero counters are omitted (omitempty), as on a real cluster.
    if let Some(s) = status.as_object_mut() {
        s.retain(|_, v| v.as_i64() != Some(0));
    }
    let revision = new.map(|r| r.revision.to_string());
    let written = ctx.update_status(
        DEPLOYMENTS,
        d.namespace(),
        d.name(),
        COMPONENT,
        |mut current| {
            if current.uid() != d.uid() {
                return None;
            }
            let mut changed = false;
            if let Some(rev) = &revision
                && current.annotation(REVISION) != Some(rev.as_str())
            {
                current["metadata"]["annotations"][REVISION] = json!(rev);
                changed = true;
            }
            if current.get("status") != Some(&status) {
                current["status"] = status.clone();
                changed = true;
            }
            changed.then_some(current)
        },
    );
    if let Err(e) = written {
        tracing::debug!("cannot write deployment {} status: {e}", d.name());
        return Some(ctx.config.delay(1.0));
    }
    again
}

/// Whether the Deployment, as stored now, has finished its rollout (DeploymentComplete).
pub fn complete_now(ctx: &Ctx, d: &Value) -> bool {
    let Some(current) = ctx.get(DEPLOYMENTS, d.namespace(), d.name()) else {
        return false;
    };
    let desired = super::replicas(&current);
    let status = current.get("status").cloned().unwrap_or(Value::Null);
    counter(&status, "updatedReplicas") == desired
        && counter(&status, "replicas") == desired
        && counter(&status, "availableReplicas") == desired
        && counter(&status, "observedGeneration")
            >= current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1)
}
