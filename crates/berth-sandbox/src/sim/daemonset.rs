//! The DaemonSet controller (`pkg/controller/daemon`): one pod per eligible node (its
//! nodeSelector matches and it tolerates the node's taints, counting the tolerations the real
//! controller adds to every daemon pod), pinned to its node by a required node affinity on
//! `metadata.name` that the scheduler honours. A RollingUpdate replaces pods on an old
//! revision while at most `maxUnavailable` nodes lack an available pod; OnDelete waits for the
//! user. Revisions are ControllerRevisions, and the status has the counters
//! `kubectl rollout status daemonset/x` and Argo CD read.
//!
//! Not modelled: the template's own node affinity, maxSurge, and the template-generation
//! annotation of old API versions (`pod-template-generation` is the DaemonSet's generation).

use super::ctx::{Ctx, DAEMONSETS, NODES, PODS, Res, controller_named, owner_reference};
use super::events::Level;
use super::pods;
use super::revisions;
use crate::store::EventType;
use berth_kube::{ObjectExt, now_rfc3339, unix_from_rfc3339};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const COMPONENT: &str = "daemonset-controller";
const HASH_LABEL: &str = "controller-revision-hash";
const GENERATION_LABEL: &str = "pod-template-generation";

/// The tolerations every daemon pod gets, so node conditions never evict it.
const DEFAULT_TOLERATIONS: [(&str, &str); 6] = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
];

pub struct DaemonSetController;

impl super::runtime::Reconciler for DaemonSetController {
    fn name(&self) -> &'static str {
        "daemonset"
    }

    fn watches(&self) -> &'static [Res] {
        &[DAEMONSETS, PODS, NODES]
    }

    fn keys_for(
        &mut self,
        ctx: &Ctx,
        res: Res,
        _event: EventType,
        obj: &Value,
        out: &mut Vec<(String, String)>,
    ) {
        if res == DAEMONSETS {
            out.push((obj.namespace().to_string(), obj.name().to_string()));
        } else if res == NODES {
            // A node that comes, goes or changes its taints concerns every DaemonSet.
            for ds in ctx.list(DAEMONSETS, None) {
                out.push((ds.namespace().to_string(), ds.name().to_string()));
            }
        } else if let Some(owner) = controller_named(obj, "DaemonSet") {
            out.push((obj.namespace().to_string(), owner.to_string()));
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let ds = ctx.get(DAEMONSETS, namespace, name)?;
        if ds.deletion_timestamp().is_some() {
            return None;
        }
        let template = ds.pointer("/spec/template").cloned().unwrap_or(Value::Null);
        let Some(revision) = revisions::sync(ctx, &ds, &template, COMPONENT) else {
            return Some(ctx.config.delay(1.0));
        };
        let pod_spec =
            with_default_tolerations(template.get("spec").cloned().unwrap_or_else(|| json!({})));
        let nodes = ctx.list(NODES, None);
        let owned = ctx.controlled_by(ds.uid(), PODS);
        let placement = Placement::of(&pod_spec, &nodes, &owned);
        let min_ready = scaled_min_ready(ctx, &ds);
        placement.manage(ctx, &ds, &template, &pod_spec, &revision.hash);
        if !placement.rolling_update_blocked(&ds) {
            placement.roll(ctx, &ds, &revision.hash, min_ready);
        }
        let owned = ctx.controlled_by(ds.uid(), PODS);
        let placement = Placement::of(&pod_spec, &nodes, &owned);
        let again = placement.write_status(ctx, &ds, &revision.hash, min_ready);
        let mut live: Vec<String> = vec![revision.name.clone()];
        live.extend(
            owned
                .iter()
                .filter_map(|p| p.label(HASH_LABEL))
                .map(|h| format!("{}-{h}", ds.name())),
        );
        let live: Vec<&str> = live.iter().map(String::as_str).collect();
        let limit = ds
            .pointer("/spec/revisionHistoryLimit")
            .and_then(Value::as_i64)
            .unwrap_or(10);
        revisions::trim(ctx, &ds, &live, limit, COMPONENT);
        again
    }
}

fn scaled_min_ready(ctx: &Ctx, ds: &Value) -> i64 {
    let min_ready = ds
        .pointer("/spec/minReadySeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    (min_ready as f64 * ctx.config.time_scale).ceil() as i64
}

/// The pod spec with the daemon tolerations added (those it does not already have).
fn with_default_tolerations(mut spec: Value) -> Value {
    if !spec.is_object() {
        spec = json!({});
    }
    let mut tolerations = spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (key, effect) in DEFAULT_TOLERATIONS {
        let present = tolerations.iter().any(|t| {
            t.get("key").and_then(Value::as_str) == Some(key)
                && t.get("effect").and_then(Value::as_str) == Some(effect)
        });
        if !present {
            tolerations.push(json!({"key": key, "operator": "Exists", "effect": effect}));
        }
    }
    spec["tolerations"] = json!(tolerations);
    spec
}

/// The node a daemon pod is for: where it runs, or where its node affinity pins it.
fn target_node(pod: &Value) -> Option<&str> {
    if let Some(node) = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        return Some(node);
    }
    pod.pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")?
        .as_array()?
        .iter()
        .filter_map(|t| t.get("matchFields")?.as_array())
        .flatten()
        .find(|f| f.get("key").and_then(Value::as_str) == Some("metadata.name"))
        .and_then(|f| f.pointer("/values/0"))
        .and_then(Value::as_str)
}

/// Whether a daemon pod should run on a node, and whether one already there may stay: an
/// untolerated NoSchedule taint keeps new pods off but leaves a running one alone.
fn node_fit(pod_spec: &Value, node: &Value) -> (bool, bool) {
    if !pods::node_selector_matches(pod_spec, node) {
        return (false, false);
    }
    let untolerated = pods::untolerated_taints(pod_spec, node);
    let evicting = untolerated
        .iter()
        .any(|t| t.get("effect").and_then(Value::as_str) == Some("NoExecute"));
    (untolerated.is_empty(), !evicting)
}

/// The DaemonSet's pods by node, and what each node calls for.
struct Placement<'a> {
    nodes: Vec<NodeFit<'a>>,
    /// Pods for nodes that no longer exist.
    orphans: Vec<&'a Value>,
}

struct NodeFit<'a> {
    name: &'a str,
    should_run: bool,
    may_stay: bool,
    /// Oldest first.
    pods: Vec<&'a Value>,
}

impl NodeFit<'_> {
    fn live(&self) -> Vec<&Value> {
        self.pods
            .iter()
            .copied()
            .filter(|p| p.deletion_timestamp().is_none())
            .collect()
    }
}

impl<'a> Placement<'a> {
    fn of(pod_spec: &Value, nodes: &'a [Value], owned: &'a [Value]) -> Self {
        let mut by_node: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        let mut orphans = Vec::new();
        for pod in owned {
            match target_node(pod).filter(|n| nodes.iter().any(|node| node.name() == *n)) {
                Some(n) => by_node.entry(n).or_default().push(pod),
                None => orphans.push(pod),
            }
        }
        let nodes = nodes
            .iter()
            .map(|node| {
                let (should_run, may_stay) = node_fit(pod_spec, node);
                let mut pods = by_node.remove(node.name()).unwrap_or_default();
                pods.sort_by_key(|p| {
                    p.pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                        .and_then(unix_from_rfc3339)
                        .unwrap_or(0)
                });
                NodeFit {
                    name: node.name(),
                    should_run,
                    may_stay,
                    pods,
                }
            })
            .collect();
        Self { nodes, orphans }
    }

    /// Creates the missing pods and deletes those that should not be where they are.
    fn manage(&self, ctx: &Ctx, ds: &Value, template: &Value, pod_spec: &Value, hash: &str) {
        for pod in self
            .orphans
            .iter()
            .filter(|p| p.deletion_timestamp().is_none())
        {
            ctx.delete_controlled_pod(ds, pod, COMPONENT);
        }
        for node in &self.nodes {
            let live = node.live();
            if node.should_run && node.pods.is_empty() {
                create_pod(ctx, ds, template, pod_spec, hash, node.name);
            } else if node.should_run || node.may_stay {
                // A failed daemon pod is replaced; duplicates go, the oldest stays.
                for (i, pod) in live.iter().enumerate() {
                    if i > 0 || pods::phase(pod) == "Failed" {
                        ctx.delete_controlled_pod(ds, pod, COMPONENT);
                    }
                }
            } else {
                live.iter()
                    .for_each(|pod| ctx.delete_controlled_pod(ds, pod, COMPONENT));
            }
        }
    }

    fn rolling_update_blocked(&self, ds: &Value) -> bool {
        ds.pointer("/spec/updateStrategy/type")
            .and_then(Value::as_str)
            == Some("OnDelete")
    }

    /// Deletes old-revision pods: unavailable ones at once, available ones while fewer than
    /// `maxUnavailable` nodes lack an available pod.
    fn roll(&self, ctx: &Ctx, ds: &Value, hash: &str, min_ready: i64) {
        let now = unix_from_rfc3339(&now_rfc3339()).unwrap_or(0);
        let desired = self.nodes.iter().filter(|n| n.should_run).count() as i64;
        let max_unavailable = max_unavailable(ds, desired);
        let mut unavailable = 0;
        let mut old_available: Vec<&Value> = Vec::new();
        for node in self.nodes.iter().filter(|n| n.should_run) {
            let live = node.live();
            let Some(pod) = live.first() else {
                unavailable += 1;
                continue;
            };
            let available = pods::available(pod, min_ready, now).is_ok();
            let old = pod.label(HASH_LABEL) != Some(hash);
            if !available {
                unavailable += 1;
                if old {
                    ctx.delete_controlled_pod(ds, pod, COMPONENT);
                }
            } else if old {
                old_available.push(pod);
            }
        }
        for pod in old_available {
            if unavailable >= max_unavailable {
                break;
            }
            unavailable += 1;
            ctx.delete_controlled_pod(ds, pod, COMPONENT);
        }
    }

    fn write_status(&self, ctx: &Ctx, ds: &Value, hash: &str, min_ready: i64) -> Option<Duration> {
        let now = unix_from_rfc3339(&now_rfc3339()).unwrap_or(0);
        let (mut desired, mut current, mut ready, mut available, mut updated, mut misscheduled) =
            (0, 0, 0, 0, 0, 0);
        let mut recheck: Option<i64> = None;
        for node in &self.nodes {
            let live = node.live();
            match (node.should_run, live.first()) {
                (true, pod) => {
                    desired += 1;
                    let Some(pod) = pod else { continue };
                    current += 1;
                    ready += i64::from(pods::is_ready(pod));
                    match pods::available(pod, min_ready, now) {
                        Ok(()) => available += 1,
                        Err(left) if left != i64::MAX => {
                            recheck = Some(recheck.map_or(left, |r| r.min(left)));
                        }
                        Err(_) => {}
                    }
                    updated += i64::from(pod.label(HASH_LABEL) == Some(hash));
                }
                (false, Some(_)) => misscheduled += 1,
                (false, None) => {}
            }
        }
        let mut status = Map::new();
        status.insert("currentNumberScheduled".into(), json!(current));
        status.insert("desiredNumberScheduled".into(), json!(desired));
        status.insert("numberMisscheduled".into(), json!(misscheduled));
        status.insert("numberReady".into(), json!(ready));
        for (field, value) in [
            ("numberAvailable", available),
            ("numberUnavailable", desired - available),
            ("updatedNumberScheduled", updated),
        ] {
            if value > 0 {
                status.insert(field.into(), json!(value));
            }
        }
        status.insert(
            "observedGeneration".into(),
            ds.pointer("/metadata/generation")
                .cloned()
                .unwrap_or(json!(1)),
        );
        let status = Value::Object(status);
        let written =
            ctx.update_status(DAEMONSETS, ds.namespace(), ds.name(), COMPONENT, |mut d| {
                if d.uid() != ds.uid() || d.get("status") == Some(&status) {
                    return None;
                }
                d["status"] = status.clone();
                Some(d)
            });
        if let Err(e) = written {
            tracing::debug!("cannot write daemonset {} status: {e}", ds.name());
            return Some(ctx.config.delay(1.0));
        }
        recheck.map(|left| Duration::from_secs(left.max(0) as u64).max(Duration::from_millis(100)))
    }
}

/// `maxUnavailable` as a number or a percentage of the desired pods (rounded up), at least 1.
fn max_unavailable(ds: &Value, desired: i64) -> i64 {
    let value = ds.pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable");
    let count = match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(1),
        Some(Value::String(s)) => match s
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<i64>().ok())
        {
            Some(percent) => (desired * percent + 99) / 100,
            None => s.trim().parse().unwrap_or(1),
        },
        _ => 1,
    };
    count.max(1)
}

fn create_pod(ctx: &Ctx, ds: &Value, template: &Value, pod_spec: &Value, hash: &str, node: &str) {
    let mut metadata = template
        .get("metadata")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(m) = metadata.as_object_mut() {
        m.remove("name");
        m.remove("creationTimestamp");
    }
    metadata["generateName"] = json!(format!("{}-", ds.name()));
    metadata["namespace"] = json!(ds.namespace());
    metadata["ownerReferences"] = json!([owner_reference(ds)]);
    if !metadata.get("labels").is_some_and(Value::is_object) {
        metadata["labels"] = json!({});
    }
    metadata["labels"][HASH_LABEL] = json!(hash);
    let generation = ds
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    metadata["labels"][GENERATION_LABEL] = json!(generation.to_string());
    let mut spec = pod_spec.clone();
    pin_to_node(&mut spec, node);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    match ctx.create(PODS, ds.namespace(), pod, COMPONENT) {
        Ok(p) => ctx.event(
            ds,
            Level::Normal,
            "SuccessfulCreate",
            &format!("Created pod: {}", p.name()),
            COMPONENT,
        ),
        Err(e) => ctx.event(
            ds,
            Level::Warning,
            "FailedCreate",
            &format!("Error creating: {}", e.message),
            COMPONENT,
        ),
    }
}

/// Replaces the required node affinity with `metadata.name In [node]`, as the real controller
/// does; preferred terms stay.
fn pin_to_node(spec: &mut Value, node: &str) {
    if !spec.get("affinity").is_some_and(Value::is_object) {
        spec["affinity"] = json!({});
    }
    if !spec["affinity"]
        .get("nodeAffinity")
        .is_some_and(Value::is_object)
    {
        spec["affinity"]["nodeAffinity"] = json!({});
    }
    spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json!({
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_pods_tolerate_node_conditions_but_not_other_taints() {
        let spec = with_default_tolerations(json!({}));
        let unschedulable = json!({"spec": {"taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]}});
        assert_eq!(node_fit(&spec, &unschedulable), (true, true));
        let dedicated = json!({"spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}});
        assert_eq!(node_fit(&spec, &dedicated), (false, true));
        let evicting = json!({"spec": {"taints": [{"key": "dedicated", "effect": "NoExecute"}]}});
        assert_eq!(node_fit(&spec, &evicting), (false, false));
        let selective = json!({"nodeSelector": {"disk": "ssd"}});
        assert_eq!(
            node_fit(
                &selective,
                &json!({"metadata": {"labels": {"disk": "hdd"}}})
            ),
            (false, false)
        );
        // A toleration already given is not added twice.
        let again = with_default_tolerations(spec.clone());
        assert_eq!(again["tolerations"].as_array().map(Vec::len), Some(6));
    }

    #[test]
    fn pods_are_pinned_by_name_affinity() {
        let mut spec = json!({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]}}});
        pin_to_node(&mut spec, "node-2");
        let pod = json!({"spec": spec});
        assert_eq!(target_node(&pod), Some("node-2"));
        assert!(pod["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].is_array());
        let bound = json!({"spec": {"nodeName": "node-3"}});
        assert_eq!(target_node(&bound), Some("node-3"));
    }

    #[test]
    fn max_unavailable_reads_numbers_and_percentages() {
        let ds = |v: Value| json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": v}}}});
        assert_eq!(max_unavailable(&json!({}), 5), 1);
        assert_eq!(max_unavailable(&ds(json!(2)), 5), 2);
        assert_eq!(max_unavailable(&ds(json!("50%")), 5), 3);
        assert_eq!(max_unavailable(&ds(json!("0%")), 5), 1);
    }
}
