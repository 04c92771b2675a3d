//! The scheduler: binds each pending pod to the least loaded node that fits it (resource
//! requests, pod count, nodeSelector, NoSchedule/NoExecute taints). A pod that fits nowhere
//! stays Pending with `PodScheduled=False` (Unschedulable) and a FailedScheduling event worded
//! as the real scheduler words it, and is tried again when pods go away or nodes change.

use super::ctx::{Ctx, NODES, PODS, Res};
use super::events::Level;
use super::pods;
use super::quantity;
use crate::store::EventType;
use berth_kube::{ObjectExt, now_rfc3339};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

const COMPONENT: &str = "default-scheduler";

/// What a bound pod takes from its node.
#[derive(Clone, Debug)]
struct Placement {
    node: String,
    cpu: f64,
    memory: f64,
}

#[derive(Default)]
pub struct Scheduler {
    /// Active pods bound to nodes, by uid.
    placed: HashMap<String, Placement>,
    /// Pods that fit nowhere on the last try.
    waiting: BTreeSet<(String, String)>,
}

impl Scheduler {
    fn used_on(&self, node: &str) -> (f64, f64, usize) {
        self.placed
            .values()
            .filter(|p| p.node == node)
            .fold((0.0, 0.0, 0), |(c, m, n), p| {
                (c + p.cpu, m + p.memory, n + 1)
            })
    }
}

fn node_of(pod: &Value) -> Option<&str> {
    pod.pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

fn ours(pod: &Value) -> bool {
    matches!(
        pod.pointer("/spec/schedulerName").and_then(Value::as_str),
        None | Some("default-scheduler")
    )
}

impl super::runtime::Reconciler for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn watches(&self) -> &'static [Res] {
        &[PODS, NODES]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == NODES {
            out.extend(self.waiting.iter().cloned());
            return;
        }
        let gone =
            event == EventType::Deleted || matches!(pods::phase(obj), "Succeeded" | "Failed");
        match node_of(obj) {
            Some(node) if !gone => {
                let (cpu, memory) = pods::requests(obj.get("spec").unwrap_or(&Value::Null));
                self.placed.insert(
                    obj.uid().to_string(),
                    Placement {
                        node: node.to_string(),
                        cpu,
                        memory,
                    },
                );
            }
            _ => {
                if self.placed.remove(obj.uid()).is_some() {
                    // Room was freed: pods waiting for it may fit now.
                    out.extend(self.waiting.iter().cloned());
                }
            }
        }
        let key = (obj.namespace().to_string(), obj.name().to_string());
        if gone || node_of(obj).is_some() || obj.deletion_timestamp().is_some() {
            self.waiting.remove(&key);
        } else if ours(obj) {
            out.push(key);
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let key = (namespace.to_string(), name.to_string());
        let Some(pod) = ctx.get(PODS, namespace, name) else {
            self.waiting.remove(&key);
            return None;
        };
        if node_of(&pod).is_some() || pod.deletion_timestamp().is_some() || !ours(&pod) {
            self.waiting.remove(&key);
            return None;
        }
        match self.pick_node(ctx, &pod) {
            Ok(node) => {
                self.waiting.remove(&key);
                // Count the pod on its node now: the next pods in the queue are placed before
                // this binding's event comes back.
                let (cpu, memory) = pods::requests(pod.get("spec").unwrap_or(&Value::Null));
                self.placed.insert(
                    pod.uid().to_string(),
                    Placement {
                        node: node.clone(),
                        cpu,
                        memory,
                    },
                );
                bind(ctx, &pod, &node);
                None
            }
            Err(message) => {
                self.waiting.insert(key);
                mark_unschedulable(ctx, &pod, &message);
                // The real scheduler flushes unschedulable pods back to its queue periodically.
                Some(ctx.config.delay(30.0))
            }
        }
    }
}

impl Scheduler {
    /// The node to bind to, or the FailedScheduling message.
    fn pick_node(&self, ctx: &Ctx, pod: &Value) -> Result<String, String> {
        let spec = pod.get("spec").cloned().unwrap_or(Value::Null);
        let (cpu, memory) = pods::requests(&spec);
        let nodes = ctx.list(NODES, None);
        // reason → how many nodes it ruled out; whether preemption could help.
        let mut reasons: BTreeMap<String, (usize, bool)> = BTreeMap::new();
        let mut best: Option<(f64, usize, String)> = None;
        for node in &nodes {
            let mut failed: Vec<(String, bool)> = Vec::new();
            if !pods::condition_true(node, "Ready") {
                failed.push((
                    "node(s) had untolerated taint {node.kubernetes.io/not-ready: }".into(),
                    false,
                ));
            }
            if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true)
                && !tolerates_unschedulable(&spec)
            {
                failed.push(("node(s) were unschedulable".into(), false));
            }
            if !pods::node_selector_matches(&spec, node) || !name_affinity_allows(&spec, node) {
                failed.push((
                    "node(s) didn't match Pod's node affinity/selector".into(),
                    false,
                ));
            }
            if let Some(taint) = pods::untolerated_taints(&spec, node).first() {
                let field = |k: &str| taint.get(k).and_then(Value::as_str).unwrap_or("");
                failed.push((
                    format!(
                        "node(s) had untolerated taint {{{}: {}}}",
                        field("key"),
                        field("value")
                    ),
                    false,
                ));
            }
            let allocatable = |r: &str| {
                quantity::of(node.pointer(&format!("/status/allocatable/{r}"))).unwrap_or(0.0)
            };
            let (used_cpu, used_memory, count) = self.used_on(node.name());
            if count as f64 + 1.0 > allocatable("pods") {
                failed.push(("Too many pods".into(), true));
            }
            if cpu > 0.0 && used_cpu + cpu > allocatable("cpu") + 1e-9 {
                failed.push(("Insufficient cpu".into(), true));
            }
            if memory > 0.0 && used_memory + memory > allocatable("memory") {
                failed.push(("Insufficient memory".into(), true));
            }
            if failed.is_empty() {
                let load = (used_cpu + cpu) / allocatable("cpu").max(1e-9)
                    + (used_memory + memory) / allocatable("memory").max(1.0);
                let candidate = (load, count, node.name().to_string());
                if best
                    .as_ref()
                    .is_none_or(|b| (candidate.0, candidate.1, &candidate.2) < (b.0, b.1, &b.2))
                {
                    best = Some(candidate);
                }
            } else {
                let helps = failed.iter().all(|(_, helps)| *helps);
                for (reason, _) in failed {
                    let entry = reasons.entry(reason).or_insert((0, helps));
                    entry.0 += 1;
                }
            }
        }
        if let Some((_, _, node)) = best {
            return Ok(node);
        }
        Err(unschedulable_message(nodes.len(), &reasons))
    }
}

/// A cordoned node still takes pods that tolerate its `unschedulable` taint (daemon pods do),
/// as the NodeUnschedulable plugin allows.
fn tolerates_unschedulable(pod_spec: &Value) -> bool {
    let cordoned = json!({"spec": {"taints": [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    ]}});
    pods::untolerated_taints(pod_spec, &cordoned).is_empty()
}

/// The required node affinity's `matchFields` on `metadata.name`, the one kind of node
/// affinity the simulation honours (DaemonSet pods are pinned to their node with it).
fn name_affinity_allows(pod_spec: &Value, node: &Value) -> bool {
    let terms = pod_spec
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array);
    let pinned: Vec<&Value> = terms
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("matchFields")?.as_array())
        .flatten()
        .filter(|f| f.get("key").and_then(Value::as_str) == Some("metadata.name"))
        .filter(|f| f.get("operator").and_then(Value::as_str) == Some("In"))
        .collect();
    pinned.is_empty()
        || pinned.iter().any(|f| {
            f.get("values")
                .and_then(Value::as_array)
                .is_some_and(|v| v.iter().any(|n| n.as_str() == Some(node.name())))
        })
}

/// `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No
/// preemption victims found for incoming pod.`
fn unschedulable_message(total: usize, reasons: &BTreeMap<String, (usize, bool)>) -> String {
    if total == 0 {
        return "no nodes available to schedule pods".into();
    }
    let mut parts: Vec<String> = reasons
        .iter()
        .map(|(reason, (count, _))| format!("{count} {reason}"))
        .collect();
    parts.sort();
    let (mut victims, mut hopeless) = (0, 0);
    for (count, helps) in reasons.values() {
        if *helps {
            victims += count;
        } else {
            hopeless += count;
        }
    }
    let mut preemption = Vec::new();
    if hopeless > 0 {
        preemption.push(format!(
            "{hopeless} Preemption is not helpful for scheduling"
        ));
    }
    if victims > 0 {
        preemption.push(format!(
            "{victims} No preemption victims found for incoming pod"
        ));
    }
    preemption.sort();
    format!(
        "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {}.",
        parts.join(", "),
        preemption.join(", ")
    )
}

fn bind(ctx: &Ctx, pod: &Value, node: &str) {
    let (namespace, name) = (pod.namespace(), pod.name());
    let bound = ctx.update(PODS, namespace, name, COMPONENT, |mut p| {
        if node_of(&p).is_some() || p.uid() != pod.uid() {
            return None;
        }
        p["spec"]["nodeName"] = json!(node);
        Some(p)
    });
    match bound {
        Ok(Some(p)) => {
            let now = now_rfc3339();
            let _ = ctx.update_status(PODS, namespace, name, COMPONENT, |mut p| {
                set_scheduled_condition(
                    &mut p,
                    json!({
                        "type": "PodScheduled", "status": "True",
                        "lastProbeTime": null, "lastTransitionTime": now,
                    }),
                );
                p["status"]["phase"] = json!("Pending");
                Some(p)
            });
            ctx.event(
                &p,
                Level::Normal,
                "Scheduled",
                &format!("Successfully assigned {namespace}/{name} to {node}"),
                COMPONENT,
            );
        }
        Ok(None) => {}
        Err(e) => tracing::debug!("cannot bind pod {namespace}/{name}: {e}"),
    }
}

fn mark_unschedulable(ctx: &Ctx, pod: &Value, message: &str) {
    let now = now_rfc3339();
    let changed = ctx.update_status(PODS, pod.namespace(), pod.name(), COMPONENT, |mut p| {
        let current = pods::condition(&p, "PodScheduled");
        if current
            .and_then(|c| c.get("message"))
            .and_then(Value::as_str)
            == Some(message)
        {
            return None;
        }
        set_scheduled_condition(
            &mut p,
            json!({
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": message, "lastProbeTime": null, "lastTransitionTime": now,
            }),
        );
        p["status"]["phase"] = json!("Pending");
        Some(p)
    });
    if let Err(e) = changed {
        tracing::debug!("cannot mark pod {} unschedulable: {e}", pod.name());
    }
    ctx.event(pod, Level::Warning, "FailedScheduling", message, COMPONENT);
}

fn set_scheduled_condition(pod: &mut Value, condition: Value) {
    if !pod.get("status").is_some_and(Value::is_object) {
        pod["status"] = json!({});
    }
    let conditions = pod["status"]
        .as_object_mut()
        .map(|s| s.entry("conditions").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = conditions {
        list.retain(|c| c.get("type").and_then(Value::as_str) != Some("PodScheduled"));
        list.push(condition);
    }
}
