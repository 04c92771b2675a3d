//! EndpointSlices for a Service: one slice per distinct port set, at most 100 endpoints each,
//! owned by the Service and labelled as the endpointslice controller labels them. A Service
//! without endpoints keeps one empty placeholder slice, as upstream does. Existing slices are
//! updated in place where their port set still exists, so names stay stable.

use super::backends::{self, Backend, Port};
use super::endpoints::TRIGGER_TIME;
use super::endpoints::next_trigger_time;
use crate::sim::ctx::{Ctx, ENDPOINT_SLICES, owner_reference};
use berth_kube::ObjectExt;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const COMPONENT: &str = "endpointslice-controller";
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY: &str = "endpointslice-controller.k8s.io";
const MAX_ENDPOINTS_PER_SLICE: usize = 100;

/// The desired slices' contents: (ports, endpoints), ports `None` for the placeholder.
pub fn desired(
    found: &[Backend],
    zones: &BTreeMap<String, String>,
) -> Vec<(Option<Vec<Value>>, Vec<Value>)> {
    let mut groups: BTreeMap<&[Port], Vec<&Backend>> = BTreeMap::new();
    for b in found {
        groups.entry(b.ports.as_slice()).or_default().push(b);
    }
    let mut out = Vec::new();
    for (ports, mut members) in groups {
        members.sort_by(|a, b| a.ip.cmp(&b.ip).then(a.pod_uid.cmp(&b.pod_uid)));
        let ports: Vec<Value> = ports.iter().map(slice_port).collect();
        for chunk in members.chunks(MAX_ENDPOINTS_PER_SLICE) {
            let endpoints = chunk.iter().map(|b| endpoint(b, zones)).collect();
            out.push((Some(ports.clone()), endpoints));
        }
    }
    if out.is_empty() {
        out.push((None, Vec::new()));
    }
    out
}

fn slice_port(p: &Port) -> Value {
    let mut port = json!({"name": p.name, "port": p.port, "protocol": p.protocol});
    if let Some(app) = &p.app_protocol {
        port["appProtocol"] = json!(app);
    }
    port
}

fn endpoint(b: &Backend, zones: &BTreeMap<String, String>) -> Value {
    let mut e = json!({
        "addresses": [b.ip],
        "conditions": {"ready": b.ready(), "serving": b.serving, "terminating": b.terminating},
        "targetRef": b.target_ref(),
    });
    if let Some(node) = &b.node_name {
        e["nodeName"] = json!(node);
        if let Some(zone) = zones.get(node) {
            e["zone"] = json!(zone);
        }
    }
    if let Some(hostname) = &b.hostname {
        e["hostname"] = json!(hostname);
    }
    e
}

fn labels(svc: &Value) -> Map<String, Value> {
    let mut labels = backends::inherited_labels(svc);
    labels.insert(SERVICE_NAME_LABEL.into(), json!(svc.name()));
    labels.insert(MANAGED_BY_LABEL.into(), json!(MANAGED_BY));
    labels
}

fn array_at<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Brings the Service's slices to the desired set: reuse a slice with the same ports (the one
/// with the same endpoints first), create what is missing, delete what is left.
pub fn sync(ctx: &Ctx, svc: &Value, found: &[Backend]) {
    let zones = node_zones(ctx, found);
    let labels = labels(svc);
    let mut existing: Vec<Value> = ctx
        .controlled_by(svc.uid(), ENDPOINT_SLICES)
        .into_iter()
        .filter(|s| s.label(MANAGED_BY_LABEL) == Some(MANAGED_BY))
        .collect();
    let mut to_create = Vec::new();
    let mut wanted = desired(found, &zones);
    // Exact matches first, so an unchanged slice is never rewritten because a sibling took it.
    wanted.retain(|(ports, endpoints)| {
        let ports = ports.as_deref().unwrap_or_default();
        let exact = existing.iter().position(|s| {
            array_at(s, "ports") == ports
                && array_at(s, "endpoints") == endpoints.as_slice()
                && s.labels().is_some_and(|l| *l == labels)
        });
        match exact {
            Some(i) => {
                existing.swap_remove(i);
                false
            }
            None => true,
        }
    });
    for (ports, endpoints) in wanted {
        let reusable = existing
            .iter()
            .position(|s| array_at(s, "ports") == ports.as_deref().unwrap_or_default());
        match reusable {
            Some(i) => {
                let slice = existing.swap_remove(i);
                rewrite(ctx, svc, found, &slice, &labels, ports, endpoints);
            }
            None => to_create.push((ports, endpoints)),
        }
    }
    for slice in existing {
        if let Err(e) = ctx.delete(ENDPOINT_SLICES, slice.namespace(), slice.name(), None, None) {
            tracing::debug!("cannot delete endpointslice {}: {e}", slice.name());
        }
    }
    for (ports, endpoints) in to_create {
        let mut slice = json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "generateName": format!("{}-", svc.name()),
                "namespace": svc.namespace(),
                "labels": labels,
                "annotations": {TRIGGER_TIME: next_trigger_time(svc, found, None)},
                "ownerReferences": [owner_reference(svc)],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
        });
        if let Some(ports) = ports {
            slice["ports"] = json!(ports);
        }
        if let Err(e) = ctx.create(ENDPOINT_SLICES, svc.namespace(), slice, COMPONENT) {
            tracing::debug!("cannot create endpointslice for {}: {e}", svc.name());
        }
    }
}

fn rewrite(
    ctx: &Ctx,
    svc: &Value,
    found: &[Backend],
    slice: &Value,
    labels: &Map<String, Value>,
    ports: Option<Vec<Value>>,
    endpoints: Vec<Value>,
) {
    let written = ctx.update(
        ENDPOINT_SLICES,
        slice.namespace(),
        slice.name(),
        COMPONENT,
        |mut s| {
            let previous = s.annotation(TRIGGER_TIME).map(str::to_string);
            let trigger = next_trigger_time(svc, found, previous.as_deref());
            let metadata = s.metadata_mut();
            metadata.insert("labels".into(), Value::Object(labels.clone()));
            let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
            if let Some(a) = annotations.as_object_mut() {
                a.insert(TRIGGER_TIME.into(), json!(trigger));
            }
            s["endpoints"] = json!(endpoints);
            match &ports {
                Some(p) => s["ports"] = json!(p),
                None => {
                    if let Some(o) = s.as_object_mut() {
                        o.remove("ports");
                    }
                }
            }
            Some(s)
        },
    );
    if let Err(e) = written {
        tracing::debug!("cannot update endpointslice {}: {e}", slice.name());
    }
}

/// The zone of each node the endpoints run on, from the node's topology label.
fn node_zones(ctx: &Ctx, found: &[Backend]) -> BTreeMap<String, String> {
    let mut zones = BTreeMap::new();
    for node in found.iter().filter_map(|b| b.node_name.as_deref()) {
        if zones.contains_key(node) {
            continue;
        }
        if let Some(zone) = ctx
            .get(crate::sim::ctx::NODES, "", node)
            .and_then(|n| n.label("topology.kubernetes.io/zone").map(str::to_string))
        {
            zones.insert(node.to_string(), zone);
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(ip: &str, port: i64) -> Backend {
        Backend {
            ip: ip.into(),
            node_name: Some("n1".into()),
            hostname: None,
            pod_name: format!("p-{ip}"),
            pod_namespace: "ns".into(),
            pod_uid: format!("u-{ip}"),
            serving: true,
            terminating: false,
            ports: vec![Port {
                name: "http".into(),
                port,
                protocol: "TCP".into(),
                app_protocol: None,
            }],
            changed_at: None,
        }
    }

    #[test]
    fn no_endpoints_leave_a_placeholder() {
        let got = desired(&[], &BTreeMap::new());
        assert_eq!(got, vec![(None, Vec::new())]);
    }

    #[test]
    fn slices_split_by_ports_and_hold_at_most_100() {
        let mut found: Vec<Backend> = (0..150)
            .map(|i| backend(&format!("10.0.{}.{}", i / 200, i), 80))
            .collect();
        found.push(backend("10.9.9.9", 8080));
        let zones = BTreeMap::from([("n1".to_string(), "us-east-1a".to_string())]);
        let got = desired(&found, &zones);
        let sizes: Vec<usize> = got.iter().map(|(_, e)| e.len()).collect();
        assert_eq!(sizes, vec![100, 50, 1]);
        assert_eq!(
            got[2].0,
            Some(vec![
                json!({"name": "http", "port": 8080, "protocol": "TCP"})
            ])
        );
        let first = &got[0].1[0];
        assert_eq!(
            first["conditions"],
            json!({"ready": true, "serving": true, "terminating": false})
        );
        assert_eq!(first["zone"], "us-east-1a");
        assert_eq!(first["targetRef"]["kind"], "Pod");
    }
}
