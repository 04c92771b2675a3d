//! Simulated resource usage of running containers: deterministic per container (so tests and
//! right-sizing see stable figures), with a mild variation over time as real workloads show.
//!
//! A pod's annotation `sandbox.berth.dev/usage: "cpu=250m,memory=300Mi"` sets the usage of each
//! of its containers. Without it, a container uses a share (20–60%) of what it requests, or a
//! small idle footprint (1–10m CPU, 8–64Mi memory) when it requests nothing.

use super::config::annotations;
use super::quantity;
use berth_kube::ObjectExt;
use serde_json::Value;

/// CPU in cores and memory in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    pub cpu: f64,
    pub memory: f64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Self) {
        self.cpu += other.cpu;
        self.memory += other.memory;
    }
}

/// What a node's system daemons (kubelet, containerd, kube-proxy) use besides pods.
pub const SYSTEM_OVERHEAD: Usage = Usage {
    cpu: 0.08,
    memory: 640.0 * 1024.0 * 1024.0,
};

/// How long one sample stands before the variation moves (metrics-server scrapes every 15 s).
const WINDOW_SECONDS: i64 = 15;

fn hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A number in [0, 1) drawn from `seed`.
fn unit(seed: &str) -> f64 {
    (hash(seed) >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses `cpu=250m,memory=300Mi`; unknown keys and bad values are ignored.
fn annotated(pod: &Value) -> (Option<f64>, Option<f64>) {
    let Some(text) = pod.annotation(annotations::USAGE) else {
        return (None, None);
    };
    let (mut cpu, mut memory) = (None, None);
    for part in text.split(',') {
        match part.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("cpu", v)) => cpu = quantity::parse(v).filter(|c| *c >= 0.0),
            Some(("memory", v)) => memory = quantity::parse(v).filter(|m| *m >= 0.0),
            _ => {}
        }
    }
    (cpu, memory)
}

/// The usage of one container at `now` (Unix seconds).
pub fn container(pod: &Value, spec: &Value, now: i64) -> Usage {
    let name = spec.get("name").and_then(Value::as_str).unwrap_or("");
    let seed = format!("{}/{name}", pod.uid());
    let requests = spec.pointer("/resources/requests");
    let (set_cpu, set_memory) = annotated(pod);
    let cpu = set_cpu.unwrap_or_else(|| {
        match quantity::of(requests.and_then(|r| r.get("cpu"))).filter(|c| *c > 0.0) {
            Some(req) => req * (0.2 + 0.4 * unit(&format!("{seed}/cpu"))),
            None => 0.001 + 0.009 * unit(&format!("{seed}/cpu")),
        }
    });
    let memory = set_memory.unwrap_or_else(|| {
        match quantity::of(requests.and_then(|r| r.get("memory"))).filter(|m| *m > 0.0) {
            Some(req) => req * (0.2 + 0.4 * unit(&format!("{seed}/memory"))),
            None => (8.0 + 56.0 * unit(&format!("{seed}/memory"))) * 1024.0 * 1024.0,
        }
    });
    // ±5% CPU and ±2% memory, changing once per window.
    let window = now.div_euclid(WINDOW_SECONDS);
    let wobble = |what: &str| 2.0 * unit(&format!("{seed}/{what}/{window}")) - 1.0;
    Usage {
        cpu: cpu * (1.0 + 0.05 * wobble("cpu")),
        memory: memory * (1.0 + 0.02 * wobble("memory")),
    }
}

/// Each running container of a pod with its usage; empty for a pod that is not running.
pub fn pod(pod: &Value, now: i64) -> Vec<(String, Usage)> {
    if pod.pointer("/status/phase").and_then(Value::as_str) != Some("Running")
        || pod.deletion_timestamp().is_some()
    {
        return Vec::new();
    }
    let running: Vec<&str> = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter(|c| c.pointer("/state/running").is_some())
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|spec| {
            let name = spec.get("name").and_then(Value::as_str)?;
            running
                .contains(&name)
                .then(|| (name.to_string(), container(pod, spec, now)))
        })
        .collect()
}

/// CPU as metrics-server writes it: nanocores (`12345678n`).
pub fn format_cpu(cores: f64) -> String {
    format!("{}n", (cores * 1e9).round().max(0.0) as u64)
}

/// Memory as metrics-server writes it: kibibytes (`307200Ki`).
pub fn format_memory(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).round().max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn running_pod(annotations: Value, requests: Value) -> Value {
        json!({
            "metadata": {"uid": "u-1", "annotations": annotations},
            "spec": {"containers": [{"name": "main", "resources": {"requests": requests}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "main", "state": {"running": {}}}]}
        })
    }

    #[test]
    fn annotation_sets_usage_within_the_variation() {
        let p = running_pod(
            json!({annotations::USAGE: "cpu=250m,memory=300Mi"}),
            json!({}),
        );
        let (_, u) = &pod(&p, 1_000)[0];
        assert!((u.cpu - 0.25).abs() <= 0.25 * 0.05 + 1e-12, "{u:?}");
        let mib = 300.0 * 1024.0 * 1024.0;
        assert!((u.memory - mib).abs() <= mib * 0.02 + 1.0, "{u:?}");
    }

    #[test]
    fn requests_bound_the_default_usage_and_it_is_stable_within_a_window() {
        let p = running_pod(json!({}), json!({"cpu": "1", "memory": "1Gi"}));
        let a = pod(&p, 1_500)[0].1;
        let b = pod(&p, 1_501)[0].1;
        assert_eq!(a, b);
        assert!(a.cpu > 0.18 && a.cpu < 0.64, "{a:?}");
        let c = pod(&p, 1_500 + 15 * 40)[0].1;
        assert_ne!(a, c, "the variation moves between windows");
    }

    #[test]
    fn pods_that_do_not_run_report_nothing() {
        let mut p = running_pod(json!({}), json!({}));
        p["status"]["phase"] = json!("Pending");
        assert!(pod(&p, 0).is_empty());
    }

    #[test]
    fn formats_like_metrics_server() {
        assert_eq!(format_cpu(0.25), "250000000n");
        assert_eq!(format_memory(300.0 * 1024.0 * 1024.0), "307200Ki");
    }
}
