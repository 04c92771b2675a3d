//! The StatefulSet controller (`pkg/controller/statefulset`): pods with stable names
//! `<set>-<ordinal>`, each with its claims `<template>-<set>-<ordinal>` created first and left
//! behind on scale-down (the default Retain policy). OrderedReady creates ordinal i only once
//! every lower ordinal is Running and Ready and removes the highest ordinal first, one at a
//! time; Parallel does both at once. A RollingUpdate replaces pods on an old revision from the
//! highest ordinal down to `partition`, one at a time, each replacement Ready before the next.
//! Revisions are ControllerRevisions; the status carries the counters `kubectl rollout status`
//! and Argo CD read, and `currentRevision` catches up with `updateRevision` once a rollout ends.

mod identity;
mod status;

use super::ctx::{CONTROLLER_REVISIONS, Ctx, PODS, Res, STATEFULSETS, controller_named};
use super::events::Level;
use super::pods;
use super::revisions;
use crate::store::EventType;
use berth_kube::ObjectExt;
use identity::{build_pod, claim_templates, create_claim, ordinal_of};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const COMPONENT: &str = "statefulset-controller";
const REVISION_LABEL: &str = "controller-revision-hash";

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
        let again = status::write_status(ctx, &set, &owned, &update, &current_revision);
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
