//! The simulated worker nodes: registered at start with capacity, labels and a Ready
//! condition, like EKS managed nodes after they join.

use super::ctx::{Ctx, NODES};
use berth_kube::now_rfc3339;
use serde_json::{Value, json};

/// The node names, in order: `sandbox-worker-1`, ...
pub fn node_name(index: usize) -> String {
    format!("sandbox-worker-{}", index + 1)
}

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// Creates the configured nodes that do not exist yet and marks every one Ready.
pub fn register(ctx: &Ctx) {
    for index in 0..ctx.config.nodes {
        let name = node_name(index);
        if ctx.get(NODES, "", &name).is_none() {
            let zone = ZONES[index % ZONES.len()];
            let node = json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "labels": {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "beta.kubernetes.io/os": "linux",
                        "beta.kubernetes.io/arch": "amd64",
                        "node.kubernetes.io/instance-type": "m5.xlarge",
                        "topology.kubernetes.io/region": "us-east-1",
                        "topology.kubernetes.io/zone": zone,
                        "sandbox.berth.dev/node": "true",
                    },
                    "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
                },
                "spec": {
                    "podCIDR": pod_cidr(index),
                    "podCIDRs": [pod_cidr(index)],
                    "providerID": format!("sandbox://{name}"),
                },
            });
            if let Err(e) = ctx.create(NODES, "", node, "kubelet") {
                tracing::warn!("cannot register node {name}: {e}");
                continue;
            }
        }
        let status = node_status(ctx, index);
        let written = ctx.update_status(NODES, "", &name, "kubelet", |mut node| {
            node["status"] = status.clone();
            Some(node)
        });
        if let Err(e) = written {
            tracing::warn!("cannot mark node {name} ready: {e}");
        }
    }
}

pub fn pod_cidr(index: usize) -> String {
    format!("10.{}.0.0/16", 100 + index)
}

fn node_status(ctx: &Ctx, index: usize) -> Value {
    let now = now_rfc3339();
    let name = node_name(index);
    let resources = json!({
        "cpu": ctx.config.node_cpu,
        "memory": ctx.config.node_memory,
        "pods": ctx.config.node_max_pods.to_string(),
        "ephemeral-storage": "80Gi",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
    });
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": kind, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": now, "lastTransitionTime": now,
        })
    };
    json!({
        "capacity": resources,
        "allocatable": resources,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "addresses": [
            {"type": "InternalIP", "address": format!("192.168.{}.{}", index / 250, 10 + index % 250)},
            {"type": "Hostname", "address": name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": format!("{:032x}", index + 1),
            "systemUUID": format!("ec2{:029x}", index + 1),
            "bootID": format!("{:08x}-0000-4000-8000-{:012x}", index + 1, index + 1),
            "kernelVersion": "6.1.112-124.190.amzn2023.x86_64",
            "osImage": "Amazon Linux 2023.6.20241031",
            "containerRuntimeVersion": "containerd://1.7.23",
            "kubeletVersion": "v1.32.0-sandbox",
            "kubeProxyVersion": "v1.32.0-sandbox",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    })
}
