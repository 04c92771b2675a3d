//! The endpoints controllers: for each Service with a selector, the Endpoints object of the
//! same name (ready pods in `addresses`, others in `notReadyAddresses`, grouped by port set as
//! `RepackSubsets` does) and its EndpointSlices. Pod events wake only the Services that select
//! the pod now or listed it last time, so a busy namespace costs one selector match per Service
//! and pod change, not a full recomputation.

use super::backends::{self, Backend, Port};
use super::slices;
use crate::sim::ctx::{Ctx, ENDPOINT_SLICES, ENDPOINTS, PODS, Res, SERVICES};
use crate::store::EventType;
use berth_kube::{LabelSelector, ObjectExt, now_rfc3339};
use serde_json::{Map, Value, json};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::Duration;

const COMPONENT: &str = "endpoint-controller";
pub const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";

type Key = (String, String);

#[derive(Default)]
pub struct EndpointsController {
    /// Selectors of the Services that have one, by namespace then name.
    selectors: HashMap<String, BTreeMap<String, LabelSelector>>,
    /// The pods (by uid) each Service listed at its last reconcile, and the reverse.
    listed: HashMap<Key, HashSet<String>>,
    listed_in: HashMap<String, HashSet<Key>>,
    /// What each pod looked like to endpoints at its last event, to skip irrelevant changes
    /// (container statuses, restarts) cheaply.
    fingerprints: HashMap<String, u64>,
}

impl EndpointsController {
    fn remember_listing(&mut self, key: &Key, pod_uids: HashSet<String>) {
        let old = self.listed.remove(key).unwrap_or_default();
        for uid in old.difference(&pod_uids) {
            if let Some(services) = self.listed_in.get_mut(uid) {
                services.remove(key);
                if services.is_empty() {
                    self.listed_in.remove(uid);
                }
            }
        }
        for uid in &pod_uids {
            self.listed_in
                .entry(uid.clone())
                .or_default()
                .insert(key.clone());
        }
        if !pod_uids.is_empty() {
            self.listed.insert(key.clone(), pod_uids);
        }
    }

    fn service_event(&mut self, event: EventType, svc: &Value, out: &mut Vec<Key>) {
        let namespace = svc.namespace().to_string();
        let by_name = self.selectors.entry(namespace.clone()).or_default();
        match backends::selector(svc).filter(|_| !matches!(event, EventType::Deleted)) {
            Some(selector) => {
                by_name.insert(svc.name().to_string(), selector);
            }
            None => {
                by_name.remove(svc.name());
            }
        }
        if by_name.is_empty() {
            self.selectors.remove(&namespace);
        }
        out.push((namespace, svc.name().to_string()));
    }

    fn pod_event(&mut self, event: EventType, pod: &Value, out: &mut Vec<Key>) {
        let uid = pod.uid().to_string();
        if matches!(event, EventType::Deleted) {
            self.fingerprints.remove(&uid);
        } else {
            let print = fingerprint(pod);
            if self.fingerprints.insert(uid.clone(), print) == Some(print) {
                return;
            }
        }
        let namespace = pod.namespace();
        if let Some(by_name) = self.selectors.get(namespace) {
            for (name, selector) in by_name {
                if selector.matches_object(pod) {
                    out.push((namespace.to_string(), name.clone()));
                }
            }
        }
        if let Some(services) = self.listed_in.get(&uid) {
            out.extend(services.iter().cloned());
        }
    }
}

/// The parts of a pod endpoints depend on.
fn fingerprint(pod: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    for pointer in [
        "/metadata/labels",
        "/metadata/deletionTimestamp",
        "/spec/nodeName",
        "/spec/hostname",
        "/spec/subdomain",
        "/status/podIP",
        "/status/phase",
    ] {
        pod.pointer(pointer).map(Value::to_string).hash(&mut h);
    }
    super::super::pods::is_ready(pod).hash(&mut h);
    if let Some(containers) = pod.pointer("/spec/containers").and_then(Value::as_array) {
        for c in containers {
            c.get("ports").map(Value::to_string).hash(&mut h);
        }
    }
    h.finish()
}

impl crate::sim::runtime::Reconciler for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoints"
    }

    fn watches(&self) -> &'static [Res] {
        &[SERVICES, PODS, ENDPOINTS, ENDPOINT_SLICES]
    }

    fn keys_for(
        &mut self,
        _ctx: &Ctx,
        res: Res,
        event: EventType,
        obj: &Value,
        out: &mut Vec<Key>,
    ) {
        if res == SERVICES {
            self.service_event(event, obj, out);
        } else if res == PODS {
            self.pod_event(event, obj, out);
        } else if matches!(event, EventType::Deleted) {
            // Someone deleted what we maintain: put it back, as upstream does.
            let service = if res == ENDPOINTS {
                Some(obj.name())
            } else {
                obj.label(slices::SERVICE_NAME_LABEL)
            };
            if let Some(service) = service {
                out.push((obj.namespace().to_string(), service.to_string()));
            }
        }
    }

    fn reconcile(&mut self, ctx: &Ctx, namespace: &str, name: &str) -> Option<Duration> {
        let key = (namespace.to_string(), name.to_string());
        let Some(svc) = ctx.get(SERVICES, namespace, name) else {
            // The slices go with their owner; the Endpoints have none, so delete them here.
            if let Err(e) = ctx.delete(ENDPOINTS, namespace, name, None, None) {
                tracing::debug!("cannot delete endpoints {namespace}/{name}: {e}");
            }
            self.remember_listing(&key, HashSet::new());
            return None;
        };
        let selector = backends::selector(&svc);
        let (Some(selector), None) = (selector, svc.deletion_timestamp()) else {
            self.remember_listing(&key, HashSet::new());
            return None;
        };
        let selected: Vec<Value> = ctx
            .list(PODS, Some(namespace))
            .into_iter()
            .filter(|p| selector.matches_object(p))
            .collect();
        let found: Vec<Backend> = selected
            .iter()
            .filter_map(|p| backends::backend(&svc, p))
            .collect();
        self.remember_listing(&key, found.iter().map(|b| b.pod_uid.clone()).collect());
        sync_endpoints(ctx, &svc, &found);
        slices::sync(ctx, &svc, &found);
        None
    }
}

/// The Endpoints object's `subsets`: addresses grouped by identical port sets, ready apart from
/// not ready; terminating pods left out unless the Service publishes not-ready addresses.
pub fn subsets(svc: &Value, found: &[Backend]) -> Vec<Value> {
    let include_terminating = svc
        .pointer("/spec/publishNotReadyAddresses")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut groups: BTreeMap<&[Port], (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut sorted: Vec<&Backend> = found
        .iter()
        .filter(|b| include_terminating || !b.terminating)
        .collect();
    sorted.sort_by(|a, b| a.ip.cmp(&b.ip).then(a.pod_uid.cmp(&b.pod_uid)));
    for b in sorted {
        let mut address = json!({"ip": b.ip, "targetRef": b.target_ref()});
        if let Some(node) = &b.node_name {
            address["nodeName"] = json!(node);
        }
        if let Some(hostname) = &b.hostname {
            address["hostname"] = json!(hostname);
        }
        let group = groups.entry(b.ports.as_slice()).or_default();
        if b.serving {
            group.0.push(address);
        } else {
            group.1.push(address);
        }
    }
    groups
        .into_iter()
        .map(|(ports, (ready, not_ready))| {
            let mut subset = Map::new();
            if !ready.is_empty() {
                subset.insert("addresses".into(), json!(ready));
            }
            if !not_ready.is_empty() {
                subset.insert("notReadyAddresses".into(), json!(not_ready));
            }
            if !ports.is_empty() {
                subset.insert(
                    "ports".into(),
                    json!(ports.iter().map(endpoint_port).collect::<Vec<_>>()),
                );
            }
            Value::Object(subset)
        })
        .collect()
}

fn endpoint_port(p: &Port) -> Value {
    let mut port = json!({"port": p.port, "protocol": p.protocol});
    if !p.name.is_empty() {
        port["name"] = json!(p.name);
    }
    if let Some(app) = &p.app_protocol {
        port["appProtocol"] = json!(app);
    }
    port
}

/// A trigger time that moves forward: the objects' latest change, or now when that is not
/// newer than what the Endpoints already say (a pod went away).
pub fn next_trigger_time(svc: &Value, found: &[Backend], previous: Option<&str>) -> String {
    match backends::trigger_time(svc, found) {
        Some(t) if previous.is_none_or(|p| t.as_str() > p) => t,
        _ => now_rfc3339(),
    }
}

fn sync_endpoints(ctx: &Ctx, svc: &Value, found: &[Backend]) {
    let subsets = subsets(svc, found);
    let labels = backends::inherited_labels(svc);
    let (namespace, name) = (svc.namespace(), svc.name());
    let Some(current) = ctx.get(ENDPOINTS, namespace, name) else {
        let mut endpoints = json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "annotations": {TRIGGER_TIME: next_trigger_time(svc, found, None)},
            },
        });
        if !labels.is_empty() {
            endpoints["metadata"]["labels"] = Value::Object(labels);
        }
        if !subsets.is_empty() {
            endpoints["subsets"] = json!(subsets);
        }
        if let Err(e) = ctx.create(ENDPOINTS, namespace, endpoints, COMPONENT) {
            tracing::debug!("cannot create endpoints {namespace}/{name}: {e}");
        }
        return;
    };
    let written = ctx.update(ENDPOINTS, namespace, name, COMPONENT, |mut current| {
        let same_subsets = current
            .get("subsets")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            == subsets.as_slice();
        let same_labels = current.labels().cloned().unwrap_or_default() == labels;
        if same_subsets && same_labels {
            return None;
        }
        let previous = current.annotation(TRIGGER_TIME).map(str::to_string);
        let trigger = next_trigger_time(svc, found, previous.as_deref());
        let metadata = current.metadata_mut();
        metadata.insert("labels".into(), Value::Object(labels.clone()));
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = annotations.as_object_mut() {
            a.insert(TRIGGER_TIME.into(), json!(trigger));
        }
        if let Some(o) = current.as_object_mut() {
            if subsets.is_empty() {
                o.remove("subsets");
            } else {
                o.insert("subsets".into(), json!(subsets));
            }
        }
        Some(current)
    });
    if let Err(e) = written {
        tracing::debug!(
            "cannot update endpoints {namespace}/{name} ({}): {e}",
            current.resource_version()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(ip: &str, ready: bool, terminating: bool, ports: &[i64]) -> Backend {
        Backend {
            ip: ip.into(),
            node_name: Some("n1".into()),
            hostname: None,
            pod_name: format!("pod-{ip}"),
            pod_namespace: "shop".into(),
            pod_uid: format!("uid-{ip}"),
            serving: ready,
            terminating,
            ports: ports
                .iter()
                .map(|p| Port {
                    name: String::new(),
                    port: *p,
                    protocol: "TCP".into(),
                    app_protocol: None,
                })
                .collect(),
            changed_at: Some("2025-01-01T00:00:00Z".into()),
        }
    }

    #[test]
    fn subsets_group_by_ports_and_split_readiness() {
        let svc = json!({"spec": {}});
        let all = [
            found("10.0.0.2", true, false, &[80]),
            found("10.0.0.1", false, false, &[80]),
            found("10.0.0.3", true, false, &[8080]),
            found("10.0.0.4", true, true, &[80]),
        ];
        let got = subsets(&svc, &all);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0]["addresses"][0]["ip"], "10.0.0.2");
        assert_eq!(
            got[0]["addresses"].as_array().map(Vec::len),
            Some(1),
            "terminating pods are left out"
        );
        assert_eq!(got[0]["notReadyAddresses"][0]["ip"], "10.0.0.1");
        assert_eq!(got[0]["addresses"][0]["targetRef"]["name"], "pod-10.0.0.2");
        assert_eq!(got[0]["addresses"][0]["nodeName"], "n1");
        assert_eq!(got[0]["ports"], json!([{"port": 80, "protocol": "TCP"}]));
        assert_eq!(got[1]["addresses"][0]["ip"], "10.0.0.3");
    }

    fn pod(labels: Value, ready: &str) -> Value {
        json!({
            "metadata": {"name": "p", "namespace": "shop", "uid": "pod-1", "labels": labels},
            "status": {"podIP": "10.0.0.9", "conditions": [{"type": "Ready", "status": ready}]}
        })
    }

    fn woken(controller: &mut EndpointsController, event: EventType, pod: &Value) -> Vec<String> {
        let mut out = Vec::new();
        controller.pod_event(event, pod, &mut out);
        let mut names: Vec<String> = out.into_iter().map(|(_, name)| name).collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn pod_events_wake_only_the_services_concerned() {
        let mut controller = EndpointsController::default();
        let mut ignored = Vec::new();
        for (name, selector) in [("web", json!({"app": "web"})), ("db", json!({"app": "db"}))] {
            let svc = json!({"metadata": {"name": name, "namespace": "shop"}, "spec": {"selector": selector}});
            controller.service_event(EventType::Added, &svc, &mut ignored);
        }
        let web_pod = pod(json!({"app": "web"}), "False");
        assert_eq!(woken(&mut controller, EventType::Added, &web_pod), ["web"]);
        // A change endpoints do not show (here: none at all) wakes nobody.
        assert!(woken(&mut controller, EventType::Modified, &web_pod).is_empty());
        assert_eq!(
            woken(
                &mut controller,
                EventType::Modified,
                &pod(json!({"app": "web"}), "True")
            ),
            ["web"]
        );
        // Relabelled away: the Service that listed it must still hear of it.
        controller.remember_listing(
            &("shop".into(), "web".into()),
            HashSet::from(["pod-1".to_string()]),
        );
        assert_eq!(
            woken(
                &mut controller,
                EventType::Modified,
                &pod(json!({"app": "db"}), "True")
            ),
            ["db", "web"]
        );
        let mut other_namespace = pod(json!({"app": "web"}), "True");
        other_namespace["metadata"]["namespace"] = json!("blog");
        other_namespace["metadata"]["uid"] = json!("pod-2");
        assert!(woken(&mut controller, EventType::Added, &other_namespace).is_empty());
    }

    #[test]
    fn trigger_time_only_moves_forward() {
        let svc = json!({"metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"}});
        let all = [found("10.0.0.1", true, false, &[80])];
        assert_eq!(next_trigger_time(&svc, &all, None), "2025-01-01T00:00:00Z");
        let later = next_trigger_time(&svc, &all, Some("2025-06-01T00:00:00Z"));
        assert!(later.as_str() > "2025-06-01T00:00:00Z", "{later}");
    }
}
