//! The Deployment controller: one ReplicaSet per pod template (named by the template's hash),
//! rolled by the RollingUpdate or Recreate strategy, with the revision annotations, status
//! counters and the Progressing/Available conditions that kubectl rollout status, Helm's wait
//! and Argo CD's health check read. It follows the upstream controller's arithmetic
//! (`rolling.go`, `recreate.go`, `sync.go`, `progress.go`).

mod rollout;
mod status;

use super::ctx::{Ctx, DEPLOYMENTS, PODS, REPLICASETS, Res, controller_named, owner_reference};
use super::events::Level;
use super::pods;
use super::replicaset::replicas;
use crate::store::EventType;
use berth_kube::{ObjectExt, unix_from_rfc3339};
use serde_json::{Map, Value, json};
use std::time::Duration;

const COMPONENT: &str = "deployment-controller";
const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const HASH_LABEL: &str = "pod-template-hash";

pub struct DeploymentController;

impl super::runtime::Reconciler for DeploymentController {
    fn name(&self) -> &'static str {
        "deployment"
    }

    fn watches(&self) -> &'static [Res] {
        &[DEPLOYMENTS, REPLICASETS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        _event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == DEPLOYMENTS {
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if let Some(owner) = controller_named(obj, "Deployment") {
            out.push((obj.namespace().to_string(), owner.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let deployment = ctx.get(DEPLOYMENTS, namespace, name)?;
        if deployment.deletion_timestamp().is_some() {
            return None;
        }
        sync(ctx, &deployment)
    }
}

/// A ReplicaSet as the controller reasons about it.
#[derive(Clone, Debug)]
pub struct Rs {
    pub obj: Value,
    pub name: String,
    /// spec.replicas, updated locally as the controller scales.
    pub replicas: i64,
    pub available: i64,
    pub created: i64,
    pub revision: i64,
}

impl Rs {
    fn of(obj: Value) -> Self {
        let number = |p: &str| obj.pointer(p).and_then(Value::as_i64).unwrap_or(0);
        Self {
            name: obj.name().to_string(),
            replicas: replicas(&obj),
            available: number("/status/availableReplicas"),
            created: obj
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .and_then(unix_from_rfc3339)
                .unwrap_or(0),
            revision: revision_of(&obj),
            obj,
        }
    }

    fn status(&self, field: &str) -> i64 {
        self.obj
            .pointer(&format!("/status/{field}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
}

fn revision_of(obj: &Value) -> i64 {
    obj.annotation(REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn sync(ctx: &Ctx, d: &Value) -> Option<Duration> {
    let mut all: Vec<Rs> = ctx
        .controlled_by(d.uid(), REPLICASETS)
        .into_iter()
        .filter(|rs| rs.deletion_timestamp().is_none())
        .map(Rs::of)
        .collect();
    all.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    let template = d.pointer("/spec/template").cloned().unwrap_or(Value::Null);
    let new_index = all
        .iter()
        .position(|rs| equal_ignoring_hash(rs.obj.pointer("/spec/template"), &template));
    let mut new = new_index.map(|i| all.remove(i));
    let mut old = all;
    let desired = replicas(d);
    let plan = rollout::Limits::of(d, desired);
    let max_old_revision = old.iter().map(|r| r.revision).max().unwrap_or(0);
    let mut progress_note: Option<(&str, String)> = None;

    if d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        // A paused rollout only follows scaling of the current ReplicaSet.
        if let Some(rs) = new.as_mut()
            && old.iter().all(|o| o.replicas == 0)
            && rs.replicas != desired
        {
            scale(ctx, d, rs, desired, &plan);
        }
        return status::sync(ctx, d, new.as_ref(), &old, &plan, None);
    }

    if let Some(rs) = &mut new {
        if rs.revision <= max_old_revision {
            // A rollback to an older template makes that ReplicaSet the newest revision.
            set_revision(ctx, rs, max_old_revision + 1);
        }
        let has_progressing = pods::condition(d, "Progressing").is_some();
        if !has_progressing {
            progress_note = Some((
                "FoundNewReplicaSet",
                format!("Found new replica set \"{}\"", rs.name),
            ));
        }
    }

    let recreate = d.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate");
    let mut wait_for_pods = false;
    if recreate {
        let mut scaled_down = false;
        for rs in old.iter_mut().filter(|r| r.replicas > 0) {
            scale(ctx, d, rs, 0, &plan);
            scaled_down = true;
        }
        let old_pods_running = old.iter().any(|rs| {
            ctx.controlled_by(rs.obj.uid(), PODS)
                .iter()
                .any(|p| !matches!(pods::phase(p), "Succeeded" | "Failed"))
        });
        if scaled_down || old_pods_running {
            wait_for_pods = true;
        } else {
            match new.as_mut() {
                Some(rs) if rs.replicas != desired => scale(ctx, d, rs, desired, &plan),
                Some(_) => {}
                None => match create_new(ctx, d, &template, desired, max_old_revision + 1, &plan) {
                    Ok(rs) => {
                        progress_note = Some((
                            "NewReplicaSetCreated",
                            format!("Created new replica set \"{}\"", rs.name),
                        ));
                        new = Some(rs);
                    }
                    Err(message) => progress_note = Some(("ReplicaSetCreateError", message)),
                },
            }
        }
    } else {
        if new.is_none() {
            let current: i64 = old.iter().map(|r| r.replicas).sum();
            let count = rollout::new_replicas(desired, current, 0, &plan);
            match create_new(ctx, d, &template, count, max_old_revision + 1, &plan) {
                Ok(rs) => {
                    progress_note = Some((
                        "NewReplicaSetCreated",
                        format!("Created new replica set \"{}\"", rs.name),
                    ));
                    new = Some(rs);
                }
                Err(message) => progress_note = Some(("ReplicaSetCreateError", message)),
            }
        } else if let Some(rs) = new.as_mut() {
            let current: i64 = old.iter().map(|r| r.replicas).sum::<i64>() + rs.replicas;
            let target = rollout::new_replicas(desired, current, rs.replicas, &plan);
            if target != rs.replicas {
                scale(ctx, d, rs, target, &plan);
            }
        }
        if let Some(rs) = new.as_ref() {
            for (index, target) in rollout::scale_down_old(desired, rs, &old, &plan) {
                let rs_old = &mut old[index];
                scale(ctx, d, rs_old, target, &plan);
            }
        }
    }
    let again = status::sync(ctx, d, new.as_ref(), &old, &plan, progress_note);
    if status::complete_now(ctx, d) {
        cleanup(ctx, d, &old);
    }
    if wait_for_pods {
        return Some(ctx.config.delay(0.5));
    }
    again
}

/// Whether two pod templates are equal once the pod-template-hash label is ignored.
fn equal_ignoring_hash(rs_template: Option<&Value>, template: &Value) -> bool {
    let Some(rs_template) = rs_template else {
        return false;
    };
    let strip = |t: &Value| {
        let mut t = t.clone();
        if let Some(labels) = t
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(HASH_LABEL);
            if labels.is_empty()
                && let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut)
            {
                meta.remove("labels");
            }
        }
        t
    };
    semantic(strip(rs_template)) == semantic(strip(template))
}

/// Drops empty maps, empty lists and nulls, which Go's semantic equality (and the real
/// server's omitempty encoding) does not tell apart from absent fields.
fn semantic(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, semantic(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(semantic).collect()),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The pod-template-hash: FNV-32a of the template (plus the collision count), written with the
/// alphabet rand.SafeEncodeString uses, so names look like `web-5d4f8b7c9`.
pub fn template_hash(template: &Value, collision_count: Option<i64>) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let text = serde_json::to_string(template).unwrap_or_default();
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u32::from(*b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(text.as_bytes());
    if let Some(count) = collision_count {
        feed(&(count as u32).to_le_bytes());
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    hash.to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

/// Annotations a ReplicaSet inherits from its Deployment.
fn inherited_annotations(d: &Value) -> Map<String, Value> {
    let skip = [
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    ];
    d.annotations()
        .map(|a| {
            a.iter()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn create_new(
    ctx: &Ctx,
    d: &Value,
    template: &Value,
    replicas: i64,
    revision: i64,
    plan: &rollout::Limits,
) -> Result<Rs, String> {
    let collision = d.pointer("/status/collisionCount").and_then(Value::as_i64);
    let hash = template_hash(template, collision);
    let name = format!("{}-{hash}", d.name());
    let mut template = template.clone();
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = d
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let mut annotations = inherited_annotations(d);
    annotations.insert(REVISION.into(), json!(revision.to_string()));
    annotations.insert(DESIRED_REPLICAS.into(), json!(plan.desired.to_string()));
    annotations.insert(
        MAX_REPLICAS.into(),
        json!((plan.desired + plan.max_surge).to_string()),
    );
    let mut spec = json!({
        "replicas": replicas,
        "selector": selector,
        "template": template,
    });
    if let Some(min_ready) = d.pointer("/spec/minReadySeconds") {
        spec["minReadySeconds"] = min_ready.clone();
    }
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": d.namespace(),
            "labels": template["metadata"]["labels"].clone(),
            "annotations": annotations,
            "ownerReferences": [owner_reference(d)],
        },
        "spec": spec,
    });
    match ctx.create(REPLICASETS, d.namespace(), rs, COMPONENT) {
        Ok(created) => {
            if replicas > 0 {
                ctx.event(
                    d,
                    Level::Normal,
                    "ScalingReplicaSet",
                    &format!("Scaled up replica set {name} from 0 to {replicas}"),
                    COMPONENT,
                );
            }
            Ok(Rs::of(created))
        }
        Err(e) if e.code == 409 => {
            // Another template hashed to the same name: count the collision and try again.
            let _ = ctx.update_status(
                DEPLOYMENTS,
                d.namespace(),
                d.name(),
                COMPONENT,
                |mut current| {
                    let count = current
                        .pointer("/status/collisionCount")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    current["status"]["collisionCount"] = json!(count + 1);
                    Some(current)
                },
            );
            Err(format!(
                "Failed to create new replica set \"{name}\": {}",
                e.message
            ))
        }
        Err(e) => {
            let message = format!("Failed to create new replica set \"{name}\": {}", e.message);
            ctx.event(d, Level::Warning, "FailedCreate", &message, COMPONENT);
            Err(message)
        }
    }
}

fn set_revision(ctx: &Ctx, rs: &mut Rs, revision: i64) {
    let written = ctx.update(
        REPLICASETS,
        rs.obj.namespace(),
        &rs.name,
        COMPONENT,
        |mut current| {
            current["metadata"]["annotations"][REVISION] = json!(revision.to_string());
            Some(current)
        },
    );
    if let Ok(Some(obj)) = written {
        *rs = Rs::of(obj);
    }
}

/// Sets a ReplicaSet's replicas (and the annotations that record the Deployment's size).
fn scale(ctx: &Ctx, d: &Value, rs: &mut Rs, to: i64, plan: &rollout::Limits) {
    let from = rs.replicas;
    let written = ctx.update(
        REPLICASETS,
        rs.obj.namespace(),
        &rs.name,
        COMPONENT,
        |mut current| {
            current["spec"]["replicas"] = json!(to);
            current["metadata"]["annotations"][DESIRED_REPLICAS] = json!(plan.desired.to_string());
            current["metadata"]["annotations"][MAX_REPLICAS] =
                json!((plan.desired + plan.max_surge).to_string());
            Some(current)
        },
    );
    match written {
        Ok(Some(obj)) => {
            *rs = Rs::of(obj);
            if from != to {
                let direction = if to > from { "up" } else { "down" };
                ctx.event(
                    d,
                    Level::Normal,
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled {direction} replica set {} from {from} to {to}",
                        rs.name
                    ),
                    COMPONENT,
                );
            }
        }
        Ok(None) => {}
        Err(e) => tracing::debug!("cannot scale replicaset {}: {e}", rs.name),
    }
}

/// Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit (default 10).
fn cleanup(ctx: &Ctx, d: &Value, old: &[Rs]) {
    let limit = d
        .pointer("/spec/revisionHistoryLimit")
        .and_then(Value::as_i64)
        .unwrap_or(10)
        .max(0) as usize;
    let mut idle: Vec<&Rs> = old
        .iter()
        .filter(|rs| rs.replicas == 0 && rs.status("replicas") == 0)
        .collect();
    if idle.len() <= limit {
        return;
    }
    idle.sort_by_key(|rs| (rs.revision, rs.created));
    for rs in idle.iter().take(idle.len() - limit) {
        if let Err(e) = ctx.delete(REPLICASETS, d.namespace(), &rs.name, None, None) {
            tracing::debug!("cannot clean up replicaset {}: {e}", rs.name);
        }
    }
}
