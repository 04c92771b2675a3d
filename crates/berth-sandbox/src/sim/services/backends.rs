//! What both endpoints controllers derive from a Service and its pods: which pods count, how
//! each service port resolves on each pod, and the readiness the addresses carry.

use super::super::pods;
use berth_kube::{LabelSelector, ObjectExt};
use serde_json::{Value, json};

/// The Service's selector; `None` when it has none (its endpoints are managed by the user) or
/// is an ExternalName Service, which gets no endpoints.
pub fn selector(svc: &Value) -> Option<LabelSelector> {
    if svc.pointer("/spec/type").and_then(Value::as_str) == Some("ExternalName") {
        return None;
    }
    let labels = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())?;
    Some(LabelSelector::from_labels(labels))
}

pub fn is_headless(svc: &Value) -> bool {
    svc.pointer("/spec/clusterIP").and_then(Value::as_str) == Some("None")
}

fn publishes_not_ready(svc: &Value) -> bool {
    svc.pointer("/spec/publishNotReadyAddresses")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// One resolved port of an endpoint, ordered so port sets compare and group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port {
    pub name: String,
    pub port: i64,
    pub protocol: String,
    pub app_protocol: Option<String>,
}

/// A pod as an endpoint of one Service.
#[derive(Clone, Debug)]
pub struct Backend {
    pub ip: String,
    pub node_name: Option<String>,
    pub hostname: Option<String>,
    pub pod_name: String,
    pub pod_namespace: String,
    pub pod_uid: String,
    /// The pod's Ready condition (or publishNotReadyAddresses).
    pub serving: bool,
    pub terminating: bool,
    /// Sorted; empty for a headless Service without ports.
    pub ports: Vec<Port>,
    /// When the pod last changed in a way endpoints show: its Ready transition.
    pub changed_at: Option<String>,
}

impl Backend {
    /// Ready as the EndpointSlice condition means it: serving and not terminating.
    pub fn ready(&self) -> bool {
        self.serving && !self.terminating
    }

    pub fn target_ref(&self) -> Value {
        json!({
            "kind": "Pod",
            "namespace": self.pod_namespace,
            "name": self.pod_name,
            "uid": self.pod_uid,
        })
    }
}

/// The pod as an endpoint of `svc`, or `None` when it has no IP, has finished, or none of the
/// Service's ports resolve on it (`ShouldPodBeInEndpoints` with terminating pods included).
pub fn backend(svc: &Value, pod: &Value) -> Option<Backend> {
    let ip = pod
        .pointer("/status/podIP")
        .and_then(Value::as_str)
        .filter(|ip| !ip.is_empty())?;
    if finished_for_good(pod) {
        return None;
    }
    let service_ports = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut ports: Vec<Port> = service_ports
        .iter()
        .filter_map(|sp| resolve_port(sp, pod))
        .collect();
    ports.sort();
    // A pod none of whose ports resolve carries no traffic; headless Services without ports
    // still list their pods' addresses (DNS records).
    if ports.is_empty() && !(service_ports.is_empty() && is_headless(svc)) {
        return None;
    }
    let spec_str = |key: &str| pod.pointer(&format!("/spec/{key}")).and_then(Value::as_str);
    let hostname = spec_str("hostname")
        .filter(|_| spec_str("subdomain") == Some(svc.name()))
        .map(str::to_string);
    Some(Backend {
        ip: ip.to_string(),
        node_name: spec_str("nodeName")
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        hostname,
        pod_name: pod.name().to_string(),
        pod_namespace: pod.namespace().to_string(),
        pod_uid: pod.uid().to_string(),
        serving: publishes_not_ready(svc) || pods::is_ready(pod),
        terminating: pod.deletion_timestamp().is_some(),
        ports,
        changed_at: pods::condition(pod, "Ready")
            .and_then(|c| c.get("lastTransitionTime"))
            .and_then(Value::as_str)
            .or_else(|| {
                pod.pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str)
            })
            .map(str::to_string),
    })
}

/// A pod that will not run again: Succeeded or Failed, as its restart policy allows.
fn finished_for_good(pod: &Value) -> bool {
    let policy = pod
        .pointer("/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Always");
    matches!(
        (policy, pods::phase(pod)),
        ("Never", "Succeeded" | "Failed") | ("OnFailure", "Succeeded")
    )
}

/// The pod's port for one service port (`FindPort`): a number is used as it is, a name must
/// match a container port of the same protocol.
fn resolve_port(service_port: &Value, pod: &Value) -> Option<Port> {
    let protocol = service_port
        .get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("TCP");
    let target = service_port
        .get("targetPort")
        .or_else(|| service_port.get("port"))?;
    let port = match target {
        Value::Number(n) => n.as_i64()?,
        Value::String(name) => named_container_port(pod, name, protocol)?,
        _ => return None,
    };
    Some(Port {
        name: service_port
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        port,
        protocol: protocol.to_string(),
        app_protocol: service_port
            .get("appProtocol")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn named_container_port(pod: &Value, name: &str, protocol: &str) -> Option<i64> {
    pod.pointer("/spec/containers")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("ports").and_then(Value::as_array))
        .flatten()
        .find(|p| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("protocol").and_then(Value::as_str).unwrap_or("TCP") == protocol
        })?
        .get("containerPort")?
        .as_i64()
}

/// When endpoints last had reason to change (`endpoints.kubernetes.io/last-change-trigger-time`):
/// the latest of the Service's creation and its pods' readiness changes.
pub fn trigger_time(svc: &Value, backends: &[Backend]) -> Option<String> {
    backends
        .iter()
        .filter_map(|b| b.changed_at.clone())
        .chain(
            svc.pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
        .max()
}

/// The Service's labels, which both kinds of endpoints copy, plus the headless marker.
pub fn inherited_labels(svc: &Value) -> serde_json::Map<String, Value> {
    let mut labels = svc.labels().cloned().unwrap_or_default();
    if is_headless(svc) {
        labels.insert("service.kubernetes.io/headless".into(), json!(""));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ready: bool) -> Value {
        json!({
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1", "labels": {"app": "web"}},
            "spec": {"nodeName": "n1", "containers": [{"ports": [{"name": "http", "containerPort": 8080}, {"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]},
            "status": {"podIP": "10.1.0.5", "phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        })
    }

    fn service(ports: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}, "ports": ports}})
    }

    #[test]
    fn ports_resolve_by_number_and_by_name_and_protocol() {
        let svc = service(json!([
            {"name": "a", "port": 80, "targetPort": "http"},
            {"name": "b", "port": 81, "targetPort": 9000},
            {"name": "c", "port": 82},
            {"name": "d", "port": 53, "targetPort": "dns"},
            {"name": "e", "port": 54, "targetPort": "dns", "protocol": "UDP"},
        ]));
        let b = backend(&svc, &pod(true)).expect("pod is a backend");
        let got: Vec<(&str, i64)> = b.ports.iter().map(|p| (p.name.as_str(), p.port)).collect();
        // "d" asks for TCP, the container's dns port is UDP: not resolved.
        assert_eq!(got, vec![("a", 8080), ("b", 9000), ("c", 82), ("e", 53)]);
    }

    #[test]
    fn pods_without_ip_or_resolvable_port_are_skipped() {
        let svc = service(json!([{"port": 80, "targetPort": "missing"}]));
        assert!(backend(&svc, &pod(true)).is_none());
        let svc = service(json!([{"port": 80}]));
        let mut no_ip = pod(true);
        no_ip["status"]["podIP"] = json!("");
        assert!(backend(&svc, &no_ip).is_none());
        let mut done = pod(true);
        done["spec"]["restartPolicy"] = json!("Never");
        done["status"]["phase"] = json!("Succeeded");
        assert!(backend(&svc, &done).is_none());
    }

    #[test]
    fn readiness_follows_the_pod_unless_not_ready_addresses_are_published() {
        let svc = service(json!([{"port": 80}]));
        assert!(!backend(&svc, &pod(false)).expect("backend").serving);
        let mut publish = svc.clone();
        publish["spec"]["publishNotReadyAddresses"] = json!(true);
        assert!(backend(&publish, &pod(false)).expect("backend").serving);
        let mut terminating = pod(true);
        terminating["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
        let b = backend(&svc, &terminating).expect("backend");
        assert!(b.serving && b.terminating && !b.ready());
    }

    #[test]
    fn services_without_selector_or_external_name_have_no_managed_endpoints() {
        assert!(selector(&json!({"spec": {"ports": []}})).is_none());
        assert!(selector(&json!({"spec": {"selector": {}}})).is_none());
        assert!(
            selector(&json!({"spec": {"type": "ExternalName", "selector": {"a": "b"}}})).is_none()
        );
        assert!(selector(&json!({"spec": {"selector": {"a": "b"}}})).is_some());
    }
}
