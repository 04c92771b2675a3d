//! The resource metrics API (`metrics.k8s.io/v1beta1`), as metrics-server serves it: PodMetrics
//! and NodeMetrics from the simulated usage, so `kubectl top pods` and `kubectl top nodes` work
//! and the HPA has something to scale on. Served only while the simulation runs, as a real
//! cluster serves it only with metrics-server installed.

use super::usage::{self, Usage};
use crate::cluster::Cluster;
use crate::registry::Registry;
use crate::store::Stored;
use berth_kube::{
    GroupVersion, LabelSelector, ObjectExt, ResourceInfo, Scope, StatusError, now_rfc3339,
    unix_from_rfc3339,
};
use serde_json::{Value, json};

pub const GROUP: &str = "metrics.k8s.io";
const VERSION: &str = "v1beta1";
/// The window metrics-server reports its rates over.
const WINDOW: &str = "15s";

/// Adds the metrics resources to discovery.
pub fn register(registry: &Registry) {
    let gv = GroupVersion::new(GROUP, VERSION);
    for (kind, plural, scope) in [
        ("PodMetrics", "pods", Scope::Namespaced),
        ("NodeMetrics", "nodes", Scope::Cluster),
    ] {
        let mut info = ResourceInfo::new(&gv, kind, plural, scope);
        info.verbs = vec!["get".into(), "list".into()];
        registry.add_read_only(info);
    }
}

/// Answers a metrics request: `plural` is `pods` or `nodes`, `name` one object or all.
pub fn get(
    cluster: &Cluster,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    label_selector: Option<&str>,
) -> Result<Value, StatusError> {
    let selector = match label_selector {
        Some(text) => {
            LabelSelector::parse(text).map_err(|e| StatusError::bad_request(e.to_string()))?
        }
        None => LabelSelector::everything(),
    };
    let now = now_rfc3339();
    let now_secs = unix_from_rfc3339(&now).unwrap_or(0);
    let pods: Vec<Value> = cluster
        .store
        .list("/pods", if plural == "pods" { namespace } else { None })
        .0
        .into_iter()
        .map(|(_, _, s): (_, _, Stored)| s.value())
        .collect();
    let items: Vec<Value> = match plural {
        "pods" => pods
            .iter()
            .filter(|p| name.is_none_or(|n| p.name() == n))
            .filter(|p| selector.matches(p.labels()))
            .filter_map(|p| pod_metrics(p, now_secs, &now))
            .collect(),
        "nodes" => cluster
            .store
            .list("/nodes", None)
            .0
            .into_iter()
            .map(|(_, _, s)| s.value())
            .filter(|n| name.is_none_or(|want| n.name() == want))
            .filter(|n| selector.matches(n.labels()))
            .map(|n| node_metrics(&n, &pods, now_secs, &now))
            .collect(),
        _ => return Err(StatusError::path_not_found()),
    };
    let kind = if plural == "pods" {
        "PodMetrics"
    } else {
        "NodeMetrics"
    };
    match name {
        Some(n) => items
            .into_iter()
            .next()
            .ok_or_else(|| StatusError::not_found(GROUP, plural, n)),
        None => Ok(json!({
            "kind": format!("{kind}List"),
            "apiVersion": format!("{GROUP}/{VERSION}"),
            "metadata": {},
            "items": items,
        })),
    }
}

fn metadata(obj: &Value) -> Value {
    let mut meta = json!({
        "name": obj.name(),
        "creationTimestamp": obj.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null),
    });
    if !obj.namespace().is_empty() {
        meta["namespace"] = json!(obj.namespace());
    }
    if let Some(labels) = obj.labels() {
        meta["labels"] = Value::Object(labels.clone());
    }
    meta
}

fn pod_metrics(pod: &Value, now_secs: i64, now: &str) -> Option<Value> {
    let containers = usage::pod(pod, now_secs);
    if containers.is_empty() {
        return None;
    }
    Some(json!({
        "kind": "PodMetrics",
        "apiVersion": format!("{GROUP}/{VERSION}"),
        "metadata": metadata(pod),
        "timestamp": now,
        "window": WINDOW,
        "containers": containers.iter().map(|(name, u)| json!({
            "name": name,
            "usage": {"cpu": usage::format_cpu(u.cpu), "memory": usage::format_memory(u.memory)},
        })).collect::<Vec<_>>(),
    }))
}

fn node_metrics(node: &Value, pods: &[Value], now_secs: i64, now: &str) -> Value {
    let mut total = usage::SYSTEM_OVERHEAD;
    for pod in pods
        .iter()
        .filter(|p| p.pointer("/spec/nodeName").and_then(Value::as_str) == Some(node.name()))
    {
        for (_, u) in usage::pod(pod, now_secs) {
            total += u;
        }
    }
    let Usage { cpu, memory } = total;
    json!({
        "kind": "NodeMetrics",
        "apiVersion": format!("{GROUP}/{VERSION}"),
        "metadata": metadata(node),
        "timestamp": now,
        "window": WINDOW,
        "usage": {"cpu": usage::format_cpu(cpu), "memory": usage::format_memory(memory)},
    })
}
