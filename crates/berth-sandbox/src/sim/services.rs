//! Service controllers: the cloud load balancer that gives `type: LoadBalancer` Services an
//! external hostname, and the endpoints controllers that turn the pods a Service selects into
//! its Endpoints and EndpointSlices (`pkg/controller/endpoint`, `pkg/controller/endpointslice`).

mod backends;
mod endpoints;
mod load_balancer;
mod slices;

pub use endpoints::EndpointsController;
pub use load_balancer::LoadBalancerController;

/// A stable 64-bit hash (FNV-1a), so simulated cloud names stay the same across restarts.
pub(super) fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A load balancer name as the AWS Load Balancer Controller builds it: `k8s-`, the first 8
/// alphanumerics of namespace and name (or of the Ingress group), and a 10-hex-digit hash.
pub(super) fn aws_lbc_name(parts: &[&str], seed: &str) -> String {
    let mut name = String::from("k8s");
    for part in parts {
        let clean: String = part
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        name.push('-');
        name.push_str(&clean);
    }
    let hash = format!("{:016x}", stable_hash(seed));
    name.push('-');
    name.push_str(&hash[..10]);
    name
}

/// Sets `status.loadBalancer`, keeping the rest of the status.
pub(super) fn set_load_balancer(obj: &mut serde_json::Value, load_balancer: serde_json::Value) {
    let mut status = obj
        .get("status")
        .and_then(serde_json::Value::as_object)
        .cloned()
        .unwrap_or_default();
    status.insert("loadBalancer".into(), load_balancer);
    obj["status"] = serde_json::Value::Object(status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lbc_names_truncate_and_drop_punctuation() {
        let name = aws_lbc_name(&["my-namespace", "web-frontend"], "uid-1");
        assert!(name.starts_with("k8s-mynamesp-webfront-"), "{name}");
        assert_eq!(name.len(), "k8s-mynamesp-webfront-".len() + 10);
        assert_eq!(
            name,
            aws_lbc_name(&["my-namespace", "web-frontend"], "uid-1")
        );
        assert_ne!(
            name,
            aws_lbc_name(&["my-namespace", "web-frontend"], "uid-2")
        );
    }
}
