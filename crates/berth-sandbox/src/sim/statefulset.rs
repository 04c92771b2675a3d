//! The StatefulSet controller (`pkg/controller/statefulset`): pods with stable names
//! `<set>-<ordinal>`, each with its claims `<template>-<set>-<ordinal>` created first and left
//! behind on scale-down (the default Retain policy). OrderedReady creates ordinal i only once
//! every lower ordinal is Running and Ready and removes the highest ordinal first, one at a
//! time; Parallel does both at once. A RollingUpdate replaces pods on an old revision from the
//! highest ordinal down to `partition`, one at a time, each replacement Ready before the next.
//! Revisions are ControllerRevisions; the status carries the counters `kubectl rollout status`
//! and Argo CD read, and `currentRevision` catches up with `updateRevision` once a rollout ends.

use super::ctx::{
    CONTROLLER_REVISIONS, Ctx, PODS, PVCS, Res, STATEFULSETS, controller_named, owner_reference,
};
use super::events::Level;
use super::pods;
use super::revisions;
use crate::store::EventType;
use berth_kube::{ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const COMPONENT: &str = "statefulset-controller";
const REVISION_LABEL: &str = "controller-revision-hash";
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

pub struct StatefulSetController;

impl super::runtime::Reconciler for StatefulSetController {
    fn name(&self) -> &'static str {
        "statefulset"
    }

    fn watches(&self) -> &'static [Res] {
        &[STATEFULSETS, PODS]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        _event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == STATEFULSETS {
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if let Some(owner) = controller_named(obj, "StatefulSet") {
            out.push((obj.namespace().to_string(), owner.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let set = ctx.get(STATEFULSETS, namespace, name)?;
        if set.deletion_timestamp().is_some() {
            return None;
        }
        let template = set
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(Value::Null);
        let Some(update) = revisions::sync(ctx, &set, &template, COMPONENT) else {
            return Some(ctx.config.delay(1.0));
        };
        let current_revision = set
            .pointer("/status/currentRevision")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .unwrap_or(&update.name)
            .to_string();
        let owned = ctx.controlled_by(set.uid(), PODS);
        let plan = Plan::of(&set, &owned, &update.name, &current_revision);
        plan.act(ctx);
        let owned = ctx.controlled_by(set.uid(), PODS);
        let again = write_status(ctx, &set, &owned, &update, &current_revision);
        let mut live: Vec<&str> = vec![current_revision.as_str(), update.name.as_str()];
        live.extend(owned.iter().filter_map(|p| p.label(REVISION_LABEL)));
        let limit = set
            .pointer("/spec/revisionHistoryLimit")
            .and_then(Value::as_i64)
            .unwrap_or(10);
        revisions::trim(ctx, &set, &live, limit, COMPONENT);
        again
    }
}

fn is_terminating(pod: &Value) -> bool {
    pod.deletion_timestamp().is_some()
}

fn is_healthy(pod: &Value) -> bool {
    !is_terminating(pod) && pods::phase(pod) == "Running" && pods::is_ready(pod)
}

fn is_finished(pod: &Value) -> bool {
    matches!(pods::phase(pod), "Succeeded" | "Failed")
}

/// The ordinal in a pod's name `<set>-<ordinal>`.
fn ordinal_of(set_name: &str, pod: &Value) -> Option<i64> {
    let rest = pod.name().strip_prefix(set_name)?.strip_prefix('-')?;
    rest.parse::<i64>()
        .ok()
        .filter(|o| *o >= 0 && rest == o.to_string())
}

/// What one pass does, decided from the pods as they are.
struct Plan<'a> {
    set: &'a Value,
    parallel: bool,
    start: i64,
    replicas: i64,
    update_revision: &'a str,
    current_revision: &'a str,
    by_ordinal: BTreeMap<i64, &'a Value>,
    /// Pods outside `[start, start + replicas)`, or with names that are not ours.
    condemned: Vec<(i64, &'a Value)>,
}

impl<'a> Plan<'a> {
    fn of(set: &'a Value, owned: &'a [Value], update: &'a str, current: &'a str) -> Self {
        let spec_i64 = |p: &str| set.pointer(p).and_then(Value::as_i64);
        let start = spec_i64("/spec/ordinals/start").unwrap_or(0).max(0);
        let replicas = spec_i64("/spec/replicas").unwrap_or(1).max(0);
        let mut by_ordinal = BTreeMap::new();
        let mut condemned = Vec::new();
        for pod in owned {
            match ordinal_of(set.name(), pod) {
                Some(o) if o >= start && o < start + replicas => {
                    by_ordinal.insert(o, pod);
                }
                o => condemned.push((o.unwrap_or(i64::MAX), pod)),
            }
        }
        condemned.sort_by_key(|(o, _)| std::cmp::Reverse(*o));
        Self {
            set,
            parallel: set
                .pointer("/spec/podManagementPolicy")
                .and_then(Value::as_str)
                == Some("Parallel"),
            start,
            replicas,
            update_revision: update,
            current_revision: current,
            by_ordinal,
            condemned,
        }
    }

    /// Creates, replaces and removes pods; an OrderedReady step stops at the first pod that is
    /// not yet Running and Ready.
    fn act(&self, ctx: &Ctx) {
        let mut all_healthy = true;
        for ordinal in self.start..self.start + self.replicas {
            let settled = match self.by_ordinal.get(&ordinal) {
                None => {
                    self.create(ctx, ordinal);
                    false
                }
                Some(pod) if is_finished(pod) && !is_terminating(pod) => {
                    // A pod that ran to an end is replaced, as the real controller does.
                    self.delete(ctx, pod);
                    false
                }
                Some(pod) => is_healthy(pod),
            };
            all_healthy &= settled;
            if !settled && !self.parallel {
                return;
            }
        }
        for (_, pod) in &self.condemned {
            if is_terminating(pod) {
                if self.parallel {
                    continue;
                }
                return;
            }
            self.delete(ctx, pod);
            if !self.parallel {
                return;
            }
        }
        if !all_healthy && !self.parallel {
            return;
        }
        self.roll(ctx);
    }

    /// RollingUpdate: the highest ordinal still on an old revision goes first.
    fn roll(&self, ctx: &Ctx) {
        if self
            .set
            .pointer("/spec/updateStrategy/type")
            .and_then(Value::as_str)
            == Some("OnDelete")
        {
            return;
        }
        let partition = self.partition();
        for (ordinal, pod) in self.by_ordinal.iter().rev() {
            if *ordinal < self.start + partition {
                break;
            }
            if pod.label(REVISION_LABEL) != Some(self.update_revision) && !is_terminating(pod) {
                self.delete(ctx, pod);
                return;
            }
            if !is_healthy(pod) {
                return;
            }
        }
    }

    fn partition(&self) -> i64 {
        self.set
            .pointer("/spec/updateStrategy/rollingUpdate/partition")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .max(0)
    }

    fn create(&self, ctx: &Ctx, ordinal: i64) {
        let set = self.set;
        let name = format!("{}-{ordinal}", set.name());
        // Below the partition a new pod keeps the current revision, as the real one does.
        let rolling = self
            .set
            .pointer("/spec/updateStrategy/type")
            .and_then(Value::as_str)
            != Some("OnDelete");
        let (revision, template) = if rolling && ordinal < self.start + self.partition() {
            let stored = ctx
                .get(CONTROLLER_REVISIONS, set.namespace(), self.current_revision)
                .and_then(|r| r.pointer("/data/spec/template").cloned());
            match stored {
                Some(t) => (self.current_revision, t),
                None => (self.update_revision, template_of(set)),
            }
        } else {
            (self.update_revision, template_of(set))
        };
        for claim in claim_templates(set) {
            if !create_claim(ctx, set, &claim, &name, ordinal) {
                return;
            }
        }
        let pod = build_pod(set, &template, &name, ordinal, revision);
        match ctx.create(PODS, set.namespace(), pod, COMPONENT) {
            Ok(_) => ctx.event(
                set,
                Level::Normal,
                "SuccessfulCreate",
                &format!("create Pod {name} in StatefulSet {} successful", set.name()),
                COMPONENT,
            ),
            Err(e) if e.code == 409 => {}
            Err(e) => ctx.event(
                set,
                Level::Warning,
                "FailedCreate",
                &format!(
                    "create Pod {name} in StatefulSet {} failed error: {}",
                    set.name(),
                    e.message
                ),
                COMPONENT,
            ),
        }
    }

    fn delete(&self, ctx: &Ctx, pod: &Value) {
        let set = self.set;
        match ctx.delete(PODS, pod.namespace(), pod.name(), None, None) {
            Ok(()) => ctx.event(
                set,
                Level::Normal,
                "SuccessfulDelete",
                &format!(
                    "delete Pod {} in StatefulSet {} successful",
                    pod.name(),
                    set.name()
                ),
                COMPONENT,
            ),
            Err(e) => ctx.event(
                set,
                Level::Warning,
                "FailedDelete",
                &format!(
                    "delete Pod {} in StatefulSet {} failed error: {}",
                    pod.name(),
                    set.name(),
                    e.message
                ),
                COMPONENT,
            ),
        }
    }
}

fn template_of(set: &Value) -> Value {
    let mut t = set
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(m) = t.as_object_mut() {
        m.remove("$patch");
    }
    t
}

fn claim_templates(set: &Value) -> Vec<Value> {
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
fn create_claim(ctx: &Ctx, set: &Value, claim: &Value, pod_name: &str, ordinal: i64) -> bool {
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

fn build_pod(set: &Value, template: &Value, name: &str, ordinal: i64, revision: &str) -> Value {
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

fn write_status(
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
