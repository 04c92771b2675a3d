//! Service IP and node port allocation, as the real registry does at create time.

use super::Cluster;
use crate::store::Store;
use berth_kube::{Cause, StatusError};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The service CIDR is 10.96.0.0/12, as kubeadm and EKS-like defaults use; node ports come from
/// 30000-32767.
const CIDR_BASE: u32 = 0x0A60_0000;
const CIDR_SIZE: u32 = 1 << 20;
const NODE_PORTS: std::ops::RangeInclusive<u32> = 30000..=32767;

pub(super) struct Allocator {
    ips: BTreeSet<u32>,
    node_ports: BTreeSet<u32>,
    next_ip: u32,
    next_port: u32,
}

impl Allocator {
    pub fn load(store: &Store) -> Self {
        let mut a = Allocator {
            ips: BTreeSet::new(),
            node_ports: BTreeSet::new(),
            next_ip: 1,
            next_port: *NODE_PORTS.start(),
        };
        for (_, _, stored) in store.list("/services", None).0 {
            let svc = stored.value();
            a.ips
                .extend(cluster_ips(&svc).iter().filter_map(|ip| parse_ip(ip)));
            a.node_ports.extend(node_ports(&svc));
        }
        a
    }

    fn ip(&mut self) -> Option<String> {
        for _ in 0..CIDR_SIZE {
            let offset = self.next_ip;
            self.next_ip = if self.next_ip + 2 >= CIDR_SIZE {
                1
            } else {
                self.next_ip + 1
            };
            let ip = CIDR_BASE + offset;
            if self.ips.insert(ip) {
                return Some(format_ip(ip));
            }
        }
        None
    }

    fn port(&mut self) -> Option<u32> {
        for _ in NODE_PORTS {
            let port = self.next_port;
            self.next_port = if port >= *NODE_PORTS.end() {
                *NODE_PORTS.start()
            } else {
                port + 1
            };
            if self.node_ports.insert(port) {
                return Some(port);
            }
        }
        None
    }
}

fn parse_ip(ip: &str) -> Option<u32> {
    let parts: Vec<u32> = ip
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts.len() != 4 || parts.iter().any(|p| *p > 255) {
        return None;
    }
    Some((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3])
}

fn format_ip(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

fn cluster_ips(svc: &Value) -> Vec<String> {
    svc.pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn node_ports(svc: &Value) -> Vec<u32> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ports| {
            ports
                .iter()
                .filter_map(|p| p.get("nodePort")?.as_u64().map(|n| n as u32))
                .collect()
        })
        .unwrap_or_default()
}

impl Cluster {
    /// Returns a deleted Service's addresses and ports to the pools.
    pub(super) fn release_service(&self, svc: &Value) {
        let mut alloc = self.services.lock().unwrap_or_else(|p| p.into_inner());
        for ip in cluster_ips(svc) {
            if let Some(n) = parse_ip(&ip) {
                alloc.ips.remove(&n);
            }
        }
        for port in node_ports(svc) {
            alloc.node_ports.remove(&port);
        }
    }

    /// Fills clusterIP(s), IP families and node ports. On update the old allocation is kept,
    /// since the real API treats clusterIP as immutable.
    pub(super) fn allocate_service(
        &self,
        svc: &mut Value,
        old: Option<&Value>,
        dry_run: bool,
    ) -> Result<(), StatusError> {
        let mut alloc = self.services.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = old {
            for port in drop_type_dependent_fields(svc, old) {
                if !dry_run {
                    alloc.node_ports.remove(&port);
                }
            }
        }
        let svc_type = svc
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        if svc_type == "ExternalName" {
            return Ok(());
        }
        let old_ip = old
            .and_then(|o| o.pointer("/spec/clusterIP"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let requested = spec
            .get("clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let ip = match (old_ip, requested.as_str()) {
            (Some(old_ip), "") => old_ip,
            (Some(old_ip), req) if req == old_ip => old_ip,
            (Some(_), req) => {
                return Err(StatusError::invalid(
                    "",
                    "Service",
                    "",
                    vec![Cause::new(
                        "FieldValueInvalid",
                        format!("Invalid value: \"{req}\": field is immutable"),
                        "spec.clusterIPs[0]",
                    )],
                ));
            }
            (None, "None") => "None".to_string(),
            (None, "") => {
                let ip = alloc.ip().ok_or_else(|| {
                    StatusError::internal("failed to allocate a serviceIP: range is full")
                })?;
                if dry_run {
                    // A dry run shows an address but must not keep it.
                    if let Some(n) = parse_ip(&ip) {
                        alloc.ips.remove(&n);
                    }
                }
                ip
            }
            (None, req) => {
                let Some(n) = parse_ip(req) else {
                    return Err(StatusError::invalid(
                        "",
                        "Service",
                        "",
                        vec![Cause::new(
                            "FieldValueInvalid",
                            format!(
                                "Invalid value: \"{req}\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
                            ),
                            "spec.clusterIPs[0]",
                        )],
                    ));
                };
                if !dry_run && !alloc.ips.insert(n) {
                    return Err(StatusError::invalid(
                        "",
                        "Service",
                        "",
                        vec![Cause::new(
                            "FieldValueInvalid",
                            format!(
                                "Invalid value: \"{req}\": failed to allocate IP {req}: provided IP is already allocated"
                            ),
                            "spec.clusterIPs",
                        )],
                    ));
                }
                req.to_string()
            }
        };
        spec.insert("clusterIP".into(), json!(ip));
        spec.insert("clusterIPs".into(), json!([ip]));
        spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
        spec.entry("ipFamilyPolicy")
            .or_insert_with(|| json!("SingleStack"));
        if matches!(svc_type.as_str(), "NodePort" | "LoadBalancer") {
            let old_ports = old.map(node_ports).unwrap_or_default();
            if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
                for (i, port) in ports.iter_mut().enumerate() {
                    if port.get("nodePort").and_then(Value::as_u64).is_some() {
                        continue;
                    }
                    let assigned = match old_ports.get(i) {
                        Some(p) => *p,
                        None if dry_run => 30000 + i as u32,
                        None => alloc.port().ok_or_else(|| {
                            StatusError::internal("failed to allocate a nodePort: range is full")
                        })?,
                    };
                    if let Some(p) = port.as_object_mut() {
                        p.insert("nodePort".into(), json!(assigned));
                    }
                }
            }
        }
        Ok(())
    }
}

fn service_type(svc: &Value) -> &str {
    svc.pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

/// When a Service changes type, the fields only the old type used are cleared if the request
/// left them as they were (the real registry's dropTypeDependentFields), so `type: ClusterIP`
/// on a former LoadBalancer is valid. Returns the node ports given up.
fn drop_type_dependent_fields(svc: &mut Value, old: &Value) -> Vec<u32> {
    let (old_type, new_type) = (service_type(old).to_string(), service_type(svc).to_string());
    if old_type == new_type {
        return Vec::new();
    }
    let needs_node_ports = |t: &str| matches!(t, "NodePort" | "LoadBalancer");
    let external = |t: &str| matches!(t, "NodePort" | "LoadBalancer");
    let old_spec = old.get("spec").cloned().unwrap_or(Value::Null);
    let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    let mut released = Vec::new();
    if needs_node_ports(&old_type) && !needs_node_ports(&new_type) {
        let old_ports = old_spec.get("ports").and_then(Value::as_array);
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            for (i, port) in ports.iter_mut().enumerate() {
                let before = old_ports
                    .and_then(|p| p.get(i))
                    .and_then(|p| p.get("nodePort"));
                let Some(p) = port.as_object_mut() else {
                    continue;
                };
                if before.is_some()
                    && p.get("nodePort") == before
                    && let Some(n) = p.remove("nodePort").and_then(|n| n.as_u64())
                {
                    released.push(n as u32);
                }
            }
        }
    }
    let unchanged = |spec: &serde_json::Map<String, Value>, key: &str| {
        spec.get(key).is_some() && spec.get(key) == old_spec.get(key)
    };
    let drop_if_unchanged = |spec: &mut serde_json::Map<String, Value>, key: &str| {
        if unchanged(spec, key) {
            spec.remove(key);
        }
    };
    if new_type != "LoadBalancer" {
        for key in [
            "allocateLoadBalancerNodePorts",
            "loadBalancerClass",
            "healthCheckNodePort",
            "loadBalancerSourceRanges",
        ] {
            drop_if_unchanged(spec, key);
        }
    }
    if !external(&new_type) {
        drop_if_unchanged(spec, "externalTrafficPolicy");
    }
    released
}

#[cfg(test)]
mod type_change_tests {
    use super::drop_type_dependent_fields;
    use serde_json::json;

    #[test]
    fn a_former_load_balancer_loses_its_node_ports_and_lb_fields() {
        let old = json!({"spec": {"type": "LoadBalancer", "allocateLoadBalancerNodePorts": true,
            "externalTrafficPolicy": "Cluster", "ports": [{"port": 80, "nodePort": 31000}]}});
        let mut new = old.clone();
        new["spec"]["type"] = json!("ClusterIP");
        assert_eq!(drop_type_dependent_fields(&mut new, &old), vec![31000]);
        assert_eq!(
            new,
            json!({"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})
        );
    }

    #[test]
    fn fields_the_request_changed_are_kept_for_validation_to_judge() {
        let old = json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 31000}]}});
        let mut new =
            json!({"spec": {"type": "ClusterIP", "ports": [{"port": 80, "nodePort": 31001}]}});
        assert!(drop_type_dependent_fields(&mut new, &old).is_empty());
        assert_eq!(new["spec"]["ports"][0]["nodePort"], 31001);
    }
}
