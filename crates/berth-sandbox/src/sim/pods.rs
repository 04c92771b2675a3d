//! What the controllers ask of a pod: is it active, ready, available, what does it request,
//! and may it run on a node.

use super::quantity;
use berth_kube::{ObjectExt, unix_from_rfc3339};
use serde_json::Value;

pub fn phase(pod: &Value) -> &str {
    pod.pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending")
}

/// Counted by its controller: not terminating and not finished.
pub fn is_active(pod: &Value) -> bool {
    pod.deletion_timestamp().is_none() && !matches!(phase(pod), "Succeeded" | "Failed")
}

pub fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

pub fn condition_true(obj: &Value, kind: &str) -> bool {
    condition(obj, kind)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True")
}

pub fn is_ready(pod: &Value) -> bool {
    condition_true(pod, "Ready")
}

/// Ready for at least `min_ready_seconds` (nominal) at `now` (Unix seconds), the rule the
/// ReplicaSet's availableReplicas counts by. Returns the seconds still to wait otherwise.
pub fn available(pod: &Value, min_ready_seconds: i64, now: i64) -> Result<(), i64> {
    if !is_ready(pod) {
        return Err(i64::MAX);
    }
    if min_ready_seconds <= 0 {
        return Ok(());
    }
    let since = condition(pod, "Ready")
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .and_then(unix_from_rfc3339)
        .unwrap_or(now);
    let left = since + min_ready_seconds - now;
    if left <= 0 { Ok(()) } else { Err(left) }
}

/// What a pod asks of a node: CPU in cores, memory in bytes. As the scheduler computes it: the
/// sum over app containers, or the largest init container when that is more.
pub fn requests(pod_spec: &Value) -> (f64, f64) {
    let sum = |list: &str| -> Vec<(f64, f64)> {
        pod_spec
            .get(list)
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let r = c.pointer("/resources/requests");
                        (
                            quantity::of(r.and_then(|r| r.get("cpu"))).unwrap_or(0.0),
                            quantity::of(r.and_then(|r| r.get("memory"))).unwrap_or(0.0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let apps = sum("containers");
    let (mut cpu, mut mem) = apps
        .iter()
        .fold((0.0, 0.0), |(a, b), (c, m)| (a + c, b + m));
    for (c, m) in sum("initContainers") {
        cpu = f64::max(cpu, c);
        mem = f64::max(mem, m);
    }
    (cpu, mem)
}

/// Whether the pod's nodeSelector matches the node's labels.
pub fn node_selector_matches(pod_spec: &Value, node: &Value) -> bool {
    let Some(selector) = pod_spec.get("nodeSelector").and_then(Value::as_object) else {
        return true;
    };
    selector.iter().all(|(k, v)| node.label(k) == v.as_str())
}

/// The node's NoSchedule and NoExecute taints the pod does not tolerate.
pub fn untolerated_taints<'a>(pod_spec: &Value, node: &'a Value) -> Vec<&'a Value> {
    let tolerations: Vec<&Value> = pod_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    node.pointer("/spec/taints")
        .and_then(Value::as_array)
        .map(|taints| {
            taints
                .iter()
                .filter(|t| {
                    matches!(
                        t.get("effect").and_then(Value::as_str),
                        Some("NoSchedule" | "NoExecute")
                    )
                })
                .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
                .collect()
        })
        .unwrap_or_default()
}

fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let effect = field(toleration, "effect");
    if !effect.is_empty() && effect != field(taint, "effect") {
        return false;
    }
    let key = field(toleration, "key");
    let operator = field(toleration, "operator");
    if key.is_empty() {
        // An empty key with Exists tolerates every taint.
        return operator == "Exists";
    }
    if key != field(taint, "key") {
        return false;
    }
    match operator.as_str() {
        "Exists" => true,
        _ => field(toleration, "value") == field(taint, "value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_take_the_larger_of_apps_and_init() {
        let spec = json!({
            "containers": [{"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}, {"resources": {"requests": {"cpu": "200m"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1", "memory": "1Mi"}}}]
        });
        let (cpu, mem) = requests(&spec);
        assert_eq!(cpu, 1.0);
        assert_eq!(mem, 64.0 * 1024.0 * 1024.0);
    }

    #[test]
    fn taints_need_matching_tolerations() {
        let node = json!({"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, {"key": "soft", "effect": "PreferNoSchedule"}]}});
        assert_eq!(untolerated_taints(&json!({}), &node).len(), 1);
        let equal = json!({"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]});
        assert!(untolerated_taints(&equal, &node).is_empty());
        let wrong = json!({"tolerations": [{"key": "dedicated", "value": "cpu"}]});
        assert_eq!(untolerated_taints(&wrong, &node).len(), 1);
        let all = json!({"tolerations": [{"operator": "Exists"}]});
        assert!(untolerated_taints(&all, &node).is_empty());
    }
}
