//! The defaults the real API server fills in for built-in types.
//!
//! Each rule names its source in `k8s.io/kubernetes` `pkg/apis/<group>/<version>/defaults.go`
//! (plus the declarative `+default` markers of the generated defaulters) as of 1.32, with the
//! feature gates that are on by default there. Defaulting only fills what is missing (absent or
//! `null`); it never rewrites a value the client sent, except that quantities take their
//! canonical form (`0.5` → `500m`), as every Quantity does when the server writes it. Objects of
//! the wrong shape (a string where an object belongs) are left alone: the server rejects those
//! when it decodes them.
//!
//! What happens outside defaulting has its own function, so a create runs, in the real
//! server's order: [`apply_defaults`], [`prepare_for_create`] (strategy), for a Job
//! [`apply_job_selector_defaults`] with the new uid, for a Pod [`apply_pod_admission`], then
//! validation; [`add_serialization_artifacts`] only shapes what is written back.

use crate::gvk::GroupVersionKind;
use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Applies the server's defaults for a built-in kind to `obj` in place.
pub fn apply_defaults(gvk: &GroupVersionKind, obj: &mut Value) {
    let Value::Object(root) = obj else {
        return;
    };
    match (gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str()) {
        ("", "v1", "Pod") => default_pod(root),
        ("", "v1", "PodTemplate") => with_obj(root, "template", default_pod_template),
        ("", "v1", "ReplicationController") => default_replication_controller(root),
        ("", "v1", "Service") => default_service(root),
        ("", "v1", "Secret") => default_secret(root),
        ("", "v1", "Namespace") => default_namespace(root),
        ("", "v1", "Endpoints") => default_endpoints(root),
        ("", "v1", "PersistentVolume") => default_persistent_volume(root),
        ("", "v1", "PersistentVolumeClaim") => default_pvc(root),
        ("", "v1", "Node") => default_node(root),
        ("", "v1", "LimitRange") => default_limit_range(root),
        ("", "v1", "ResourceQuota") => default_resource_quota(root),
        ("apps", "v1", "Deployment") => default_deployment(root),
        ("apps", "v1", "ReplicaSet") => default_replica_set(root),
        ("apps", "v1", "StatefulSet") => default_stateful_set(root),
        ("apps", "v1", "DaemonSet") => default_daemon_set(root),
        ("batch", "v1", "Job") => default_job(root),
        ("batch", "v1", "CronJob") => default_cron_job(root),
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => default_hpa_v2(root),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => with_obj(root, "spec", |spec| {
            set_default(spec, "minReplicas", json!(1))
        }),
        ("networking.k8s.io", "v1", "NetworkPolicy") => default_network_policy(root),
        ("networking.k8s.io", "v1", "IngressClass") => default_ingress_class(root),
        ("storage.k8s.io", "v1", "StorageClass") => {
            set_default(root, "reclaimPolicy", json!("Delete"));
            set_default(root, "volumeBindingMode", json!("Immediate"));
        }
        ("scheduling.k8s.io", "v1", "PriorityClass") => {
            set_default(root, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        ("rbac.authorization.k8s.io", "v1", "RoleBinding" | "ClusterRoleBinding") => {
            default_role_binding(root)
        }
        ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration") => {
            default_webhooks(root, true)
        }
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration") => {
            default_webhooks(root, false)
        }
        ("discovery.k8s.io", "v1", "EndpointSlice") => {
            for port in array_mut(root, "ports") {
                set_default(port, "name", json!(""));
                set_default(port, "protocol", json!("TCP"));
            }
        }
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition") => default_crd(root),
        _ => {}
    }
}

/// What a 1.32 server's JSON shows because Go cannot omit empty structs, so that GET output
/// matches a real server byte for byte: `creationTimestamp: null` in every embedded
/// ObjectMeta (pod, job and claim templates), `resources: {}` on every container, and the
/// empty status each workload and Service starts with (zero counters that are not
/// `omitempty`). It is separate from [`apply_defaults`] because it is serialization, not
/// defaulting: field managers must not own these fields, and it fills only what is missing.
pub fn add_serialization_artifacts(gvk: &GroupVersionKind, obj: &mut Value) {
    let Value::Object(root) = obj else {
        return;
    };
    let template = |holder: &mut Map<String, Value>| {
        with_obj(holder, "metadata", |meta| {
            set_default(meta, "creationTimestamp", Value::Null)
        });
        if_obj(holder, "spec", container_resources);
    };
    let status = |root: &mut Map<String, Value>, empty: Value| set_default(root, "status", empty);
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("", "Pod") => if_obj(root, "spec", container_resources),
        ("", "PodTemplate") => if_obj(root, "template", template),
        ("", "ReplicationController") => {
            if_obj(root, "spec", |spec| if_obj(spec, "template", template));
            status(root, json!({"replicas": 0}));
        }
        ("apps", "Deployment") | ("batch", "Job") => {
            if_obj(root, "spec", |spec| if_obj(spec, "template", template));
            status(root, json!({}));
        }
        ("apps", "ReplicaSet") => {
            if_obj(root, "spec", |spec| if_obj(spec, "template", template));
            status(root, json!({"replicas": 0}));
        }
        ("apps", "DaemonSet") => {
            if_obj(root, "spec", |spec| if_obj(spec, "template", template));
            status(
                root,
                json!({"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                    "numberMisscheduled": 0, "numberReady": 0}),
            );
        }
        ("apps", "StatefulSet") => {
            if_obj(root, "spec", |spec| {
                if_obj(spec, "template", template);
                for claim in array_mut(spec, "volumeClaimTemplates") {
                    with_obj(claim, "metadata", |meta| {
                        set_default(meta, "creationTimestamp", Value::Null)
                    });
                }
            });
            status(root, json!({"availableReplicas": 0, "replicas": 0}));
        }
        ("batch", "CronJob") => {
            if_obj(root, "spec", |spec| {
                if_obj(spec, "jobTemplate", |jt| {
                    with_obj(jt, "metadata", |meta| {
                        set_default(meta, "creationTimestamp", Value::Null)
                    });
                    if_obj(jt, "spec", |js| if_obj(js, "template", template));
                });
            });
            status(root, json!({}));
        }
        ("", "Service") | ("networking.k8s.io", "Ingress") => {
            status(root, json!({"loadBalancer": {}}));
        }
        _ => {}
    }
}

/// `resources: {}` on every container of a pod spec (ResourceRequirements is a struct).
fn container_resources(spec: &mut Map<String, Value>) {
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in array_mut(spec, key) {
            set_default(c, "resources", json!({}));
        }
    }
}

/// What the admission plugins and the pod strategy of a default 1.32 server add to a Pod on
/// create, after defaulting: ServiceAccount (the `default` account and the projected
/// `kube-api-access-<suffix>` token volume mounted in every container, unless automounting is
/// off), DefaultTolerationSeconds (300s for not-ready and unreachable nodes), Priority (0 and
/// PreemptLowerPriority without a class), and the Pending status with its QoS class.
/// `volume_suffix` is the five random characters of the volume name (see
/// [`crate::generate_name`]); the caller owns the randomness.
pub fn apply_pod_admission(obj: &mut Value, volume_suffix: &str) {
    let Value::Object(root) = obj else {
        return;
    };
    let mut qos = "BestEffort";
    with_obj(root, "spec", |spec| {
        let account = spec
            .get("serviceAccountName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if account.is_empty() {
            spec.insert("serviceAccountName".into(), json!("default"));
            spec.insert("serviceAccount".into(), json!("default"));
        }
        let automount = spec
            .get("automountServiceAccountToken")
            .and_then(Value::as_bool)
            != Some(false);
        let has_token_mount = ["containers", "initContainers"].iter().any(|key| {
            spec.get(*key).and_then(Value::as_array).is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("volumeMounts")
                        .and_then(Value::as_array)
                        .is_some_and(|ms| {
                            ms.iter().any(|m| {
                                m.get("mountPath").and_then(Value::as_str) == Some(TOKEN_MOUNT_PATH)
                            })
                        })
                })
            })
        });
        if automount && !has_token_mount {
            let volume = format!("kube-api-access-{volume_suffix}");
            let projected = json!({"name": volume, "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1",
                    "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}});
            push(spec, "volumes", projected);
            for key in ["containers", "initContainers"] {
                for c in array_mut(spec, key) {
                    let mount =
                        json!({"name": volume, "readOnly": true, "mountPath": TOKEN_MOUNT_PATH});
                    push(c, "volumeMounts", mount);
                }
            }
        }
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            let tolerated = spec
                .get("tolerations")
                .and_then(Value::as_array)
                .is_some_and(|ts| {
                    ts.iter().any(|t| {
                        let effect = t.get("effect").and_then(Value::as_str).unwrap_or("");
                        let tkey = t.get("key").and_then(Value::as_str).unwrap_or("");
                        (effect.is_empty() || effect == "NoExecute")
                            && (tkey.is_empty() || tkey == key)
                    })
                });
            if !tolerated {
                push(
                    spec,
                    "tolerations",
                    json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}),
                );
            }
        }
        let class = spec
            .get("priorityClassName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if class.is_empty() {
            set_default(spec, "priority", json!(0));
            set_default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        qos = qos_class(spec);
    });
    with_obj(root, "status", |status| {
        set_default(status, "phase", json!("Pending"));
        set_default(status, "qosClass", json!(qos));
    });
}

const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn push(map: &mut Map<String, Value>, key: &str, item: Value) {
    set_default(map, key, json!([]));
    if let Some(Value::Array(items)) = map.get_mut(key) {
        items.push(item);
    }
}

/// qos.GetPodQOS, for cpu and memory: Guaranteed when every container limits both and its
/// requests equal its limits, BestEffort when nothing is requested or limited, else Burstable.
fn qos_class(spec: &Map<String, Value>) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for key in ["containers", "initContainers"] {
        for c in spec
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let res = c.get("resources");
            let list = |k: &str| res.and_then(|r| r.get(k)).and_then(Value::as_object);
            let (limits, requests) = (list("limits"), list("requests"));
            for resource in ["cpu", "memory"] {
                let limit = limits.and_then(|l| l.get(resource));
                let request = requests.and_then(|r| r.get(resource)).or(limit);
                if limit.is_some() || request.is_some() {
                    any = true;
                }
                if limit.is_none() || request != limit {
                    guaranteed = false;
                }
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// What a registry strategy's PrepareForCreate adds that is not defaulting: a new
/// Namespace always gets the `kubernetes` finalizer (pkg/registry/core/namespace/strategy.go).
pub fn prepare_for_create(gvk: &GroupVersionKind, obj: &mut Value) {
    if gvk.group.is_empty()
        && gvk.kind == "Namespace"
        && let Value::Object(root) = obj
    {
        with_obj(root, "spec", |spec| {
            let has = spec
                .get("finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().any(|x| x == "kubernetes"));
            if !has {
                let mut list = spec
                    .get("finalizers")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.push(json!("kubernetes"));
                spec.insert("finalizers".into(), Value::Array(list));
            }
        });
    }
}

/// The Job strategy's selector generation on create (pkg/registry/batch/job/strategy.go),
/// which needs the uid the server assigned: unless `spec.manualSelector` is true, the selector
/// becomes `batch.kubernetes.io/controller-uid=<uid>` and the template gets the controller-uid
/// and job-name labels (new and legacy keys). Because defaulting runs again when the stored
/// object is read, a Job without labels then shows the template's labels, so they are copied
/// here too.
pub fn apply_job_selector_defaults(obj: &mut Value, uid: &str) {
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Value::Object(root) = obj else {
        return;
    };
    let manual = root
        .get("spec")
        .and_then(|s| s.get("manualSelector"))
        .and_then(Value::as_bool)
        == Some(true);
    if manual {
        return;
    }
    with_obj(root, "spec", |spec| {
        let generated = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
        spec.insert("selector".into(), generated);
        with_obj(spec, "template", |template| {
            with_obj(template, "metadata", |meta| {
                with_obj(meta, "labels", |labels| {
                    labels.insert("batch.kubernetes.io/controller-uid".into(), json!(uid));
                    labels.insert("batch.kubernetes.io/job-name".into(), json!(name));
                    labels.insert("controller-uid".into(), json!(uid));
                    labels.insert("job-name".into(), json!(name));
                });
            });
        });
    });
    copy_template_labels(root, &["spec", "template"]);
}

/// SetDefaults_Container: `Always` for `:latest` or an image with neither tag nor digest,
/// `IfNotPresent` otherwise, including names the reference parser rejects (the error is
/// ignored, leaving the tag empty).
pub fn image_pull_policy(image: &str) -> &'static str {
    match image_tag(image) {
        Some(tag) if tag == "latest" => "Always",
        _ => "IfNotPresent",
    }
}

/// The tag parsers.ParseImageName reports: the explicit one, "latest" when neither tag nor
/// digest is given, `None` for a reference that does not parse or has only a digest.
fn image_tag(image: &str) -> Option<String> {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest
        && !valid_digest(d)
    {
        return None;
    }
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(i) => (
            name_tag.get(..last_slash + i)?,
            Some(name_tag.get(last_slash + i + 1..)?),
        ),
        None => (name_tag, None),
    };
    if !valid_name(name) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) if valid_tag(t) => Some(t.to_string()),
        (Some(_), _) => None,
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    }
}

fn valid_tag(t: &str) -> bool {
    let mut chars = t.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    first_ok
        && t.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    !alg.is_empty()
        && alg.starts_with(|c: char| c.is_ascii_alphabetic())
        && alg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'))
        && hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// docker/distribution reference grammar: an optional domain, then lower-case path
/// components separated by `/`.
fn valid_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let parts: Vec<&str> = name.split('/').collect();
    let (domain, path) = match parts.as_slice() {
        [first, rest @ ..]
            if !rest.is_empty()
                && (first.contains('.')
                    || first.contains(':')
                    || *first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase())) =>
        {
            (Some(*first), rest)
        }
        all => (None, all),
    };
    if let Some(d) = domain {
        let (host, port) = match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        };
        let host_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        if !host_ok || port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
        {
            return false;
        }
    }
    let component_ok = |c: &str| {
        // [a-z0-9]+ joined by ".", "_", "__" or runs of "-".
        if c.is_empty() || !c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        {
            return false;
        }
        if !c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit()) {
            return false;
        }
        let bytes = c.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes.get(i).copied().unwrap_or(0);
            if b.is_ascii_lowercase() || b.is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit()))
            {
                i += 1;
            }
            let sep = c.get(start..i).unwrap_or("");
            if !(sep == "." || sep == "_" || sep == "__" || sep.chars().all(|ch| ch == '-')) {
                return false;
            }
        }
        true
    };
    let path_ok = path.iter().all(|c| component_ok(c));
    // A bare 64-character hex string would be taken for an image id.
    let hex_id = domain.is_none()
        && path.len() == 1
        && path
            .first()
            .is_some_and(|p| p.len() == 64 && p.chars().all(|c| c.is_ascii_hexdigit()));
    path_ok && !hex_id
}

// ---------------------------------------------------------------------------------------------
// Quantities (apimachinery pkg/api/resource): every Quantity is written back in its canonical
// form, so `0.5` becomes "500m" and `1024Mi` becomes "1Gi".

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuantityFormat {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

/// The canonical form of a quantity, as resource.Quantity serializes it; `None` when the text
/// is not a quantity (the server would reject it) or is beyond what this handles exactly.
pub fn canonical_quantity(text: &str) -> Option<String> {
    quantity(text, -9)
}

/// A quantity in a ResourceList, which SetDefaults_ResourceList also rounds up to milli units.
fn canonical_resource_quantity(text: &str) -> Option<String> {
    quantity(text, -3)
}

/// Parses like ParseQuantity (rounding up to 10^min_scale), then formats like
/// CanonicalizeBytes.
fn quantity(text: &str, min_scale: i32) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let int_part = rest.get(..int_len)?;
    let mut after = rest.get(int_len..)?;
    let mut frac_part = "";
    if let Some(f) = after.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        frac_part = f.get(..n)?;
        after = f.get(n..)?;
    }
    let (format, base2, exponent) = match after {
        "" => (QuantityFormat::DecimalSI, false, 0),
        "n" => (QuantityFormat::DecimalSI, false, -9),
        "u" => (QuantityFormat::DecimalSI, false, -6),
        "m" => (QuantityFormat::DecimalSI, false, -3),
        "k" => (QuantityFormat::DecimalSI, false, 3),
        "M" => (QuantityFormat::DecimalSI, false, 6),
        "G" => (QuantityFormat::DecimalSI, false, 9),
        "T" => (QuantityFormat::DecimalSI, false, 12),
        "P" => (QuantityFormat::DecimalSI, false, 15),
        "E" => (QuantityFormat::DecimalSI, false, 18),
        "Ki" => (QuantityFormat::BinarySI, true, 10),
        "Mi" => (QuantityFormat::BinarySI, true, 20),
        "Gi" => (QuantityFormat::BinarySI, true, 30),
        "Ti" => (QuantityFormat::BinarySI, true, 40),
        "Pi" => (QuantityFormat::BinarySI, true, 50),
        "Ei" => (QuantityFormat::BinarySI, true, 60),
        s => {
            let digits = s.strip_prefix(['e', 'E'])?;
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (
                QuantityFormat::DecimalExponent,
                false,
                digits.parse::<i32>().ok()?,
            )
        }
    };
    // value = mantissa * 10^scale, exactly.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let mut mantissa: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let frac_len = i32::try_from(frac_part.len()).ok()?;
    let mut scale = -frac_len;
    if base2 {
        mantissa = mantissa.checked_mul(1u128.checked_shl(exponent.unsigned_abs())?)?;
    } else {
        scale = scale.checked_add(exponent)?;
    }
    if mantissa == 0 {
        return Some("0".into());
    }
    // Round up (away from zero) to nano units, or to milli units for resource lists.
    if scale < min_scale {
        let shift = u32::try_from(min_scale - scale).ok()?;
        // A divisor beyond u128 exceeds any mantissa, so the rounded-up result is one unit.
        mantissa = match 10u128.checked_pow(shift) {
            Some(divisor) => mantissa.div_ceil(divisor),
            None => 1,
        };
        scale = min_scale;
    }
    let mut format = format;
    if format == QuantityFormat::BinarySI {
        // Small or fractional binary quantities are shown in decimal, not rounded.
        let integer =
            scale >= 0 || mantissa.is_multiple_of(10u128.checked_pow(scale.unsigned_abs())?);
        let value = if scale >= 0 {
            mantissa.checked_mul(10u128.checked_pow(scale.unsigned_abs())?)
        } else {
            Some(mantissa / 10u128.checked_pow(scale.unsigned_abs())?)
        };
        match value {
            Some(v) if integer && v >= 1024 => {
                let (mut amount, mut power) = (v, 0usize);
                while amount.is_multiple_of(1024) && power < 6 {
                    amount /= 1024;
                    power += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].get(power)?;
                let sign = if negative { "-" } else { "" };
                return Some(format!("{sign}{amount}{suffix}"));
            }
            _ => format = QuantityFormat::DecimalSI,
        }
    }
    // Decimal: drop trailing zeros, then make the exponent a multiple of three.
    while mantissa.is_multiple_of(10) {
        mantissa /= 10;
        scale = scale.checked_add(1)?;
    }
    match scale.rem_euclid(3) {
        1 => {
            mantissa = mantissa.checked_mul(10)?;
            scale -= 1;
        }
        2 => {
            mantissa = mantissa.checked_mul(100)?;
            scale -= 2;
        }
        _ => {}
    }
    let suffix = match format {
        QuantityFormat::DecimalExponent if scale == 0 => String::new(),
        QuantityFormat::DecimalExponent => format!("e{scale}"),
        _ => match scale {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => return None,
        }
        .to_string(),
    };
    let sign = if negative { "-" } else { "" };
    Some(format!("{sign}{mantissa}{suffix}"))
}

/// Rewrites each quantity of a ResourceList (`limits`, `requests`, `capacity`, `hard`, ...) in
/// canonical form, rounded up to milli units. JSON numbers become strings, as a Quantity
/// always serializes as one.
fn canonical_resource_list(map: &mut Map<String, Value>, key: &str) {
    if let Some(Value::Object(list)) = map.get_mut(key) {
        for value in list.values_mut() {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if let Some(canonical) = canonical_resource_quantity(&text) {
                *value = Value::String(canonical);
            }
        }
    }
}

/// Rewrites a single Quantity field (no milli rounding).
fn canonical_quantity_field(map: &mut Map<String, Value>, key: &str) {
    let text = match map.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return,
    };
    if let Some(canonical) = canonical_quantity(&text) {
        map.insert(key.to_string(), Value::String(canonical));
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers on JSON maps.

/// Sets `key` when it is absent or null.
fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get(key) {
        None | Some(Value::Null) => {
            map.insert(key.to_string(), value);
        }
        Some(_) => {}
    }
}

/// Runs `f` on the object at `key`, creating it when absent or null; skips other shapes.
fn with_obj(map: &mut Map<String, Value>, key: &str, f: impl FnOnce(&mut Map<String, Value>)) {
    set_default(map, key, Value::Object(Map::new()));
    if let Some(Value::Object(child)) = map.get_mut(key) {
        f(child);
    }
}

/// Runs `f` on the object at `key` only when it is there.
fn if_obj(map: &mut Map<String, Value>, key: &str, f: impl FnOnce(&mut Map<String, Value>)) {
    if let Some(Value::Object(child)) = map.get_mut(key) {
        f(child);
    }
}

/// The objects in the array at `key` (none when absent or not an array).
fn array_mut<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn is_absent(map: &Map<String, Value>, key: &str) -> bool {
    matches!(map.get(key), None | Some(Value::Null))
}

fn is_empty_map(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(_) => false,
    }
}

/// `metadata.labels` = the template's labels when the object has none (RC, Job).
fn copy_template_labels(root: &mut Map<String, Value>, template_path: &[&str]) {
    let mut cur: Option<&Value> = None;
    for (i, key) in template_path.iter().enumerate() {
        cur = if i == 0 {
            root.get(*key)
        } else {
            cur.and_then(|v| v.get(*key))
        };
    }
    let labels = cur
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .cloned();
    let Some(Value::Object(labels)) = labels else {
        return;
    };
    with_obj(root, "metadata", |meta| {
        if is_empty_map(meta.get("labels")) {
            meta.insert("labels".into(), Value::Object(labels));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Pods and pod templates (core/v1 defaults.go and zz_generated.defaults.go).

fn default_pod(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        default_pod_spec(spec);
        // SetDefaults_Pod, which templates do not get.
        for key in ["containers", "initContainers"] {
            for c in array_mut(spec, key) {
                copy_limits_to_requests(c);
            }
        }
        set_default(spec, "enableServiceLinks", json!(true));
        if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
            for key in ["containers", "initContainers"] {
                for c in array_mut(spec, key) {
                    for port in array_mut(c, "ports") {
                        let zero = port.get("hostPort").and_then(Value::as_i64).unwrap_or(0) == 0;
                        if zero {
                            let container_port =
                                port.get("containerPort").cloned().unwrap_or(json!(0));
                            port.insert("hostPort".into(), container_port);
                        }
                    }
                }
            }
        }
    });
}

fn copy_limits_to_requests(container: &mut Map<String, Value>) {
    if_obj(container, "resources", |res| {
        let Some(Value::Object(limits)) = res.get("limits").cloned() else {
            return;
        };
        // An empty requests map would be omitted when serialized, so none is made for nothing.
        if limits.is_empty() {
            return;
        }
        with_obj(res, "requests", |requests| {
            for (k, v) in limits {
                requests.entry(k).or_insert(v);
            }
        });
    });
}

fn default_pod_template(template: &mut Map<String, Value>) {
    with_obj(template, "spec", default_pod_spec);
}

fn default_pod_spec(spec: &mut Map<String, Value>) {
    // The v1 conversion keeps the deprecated serviceAccount equal to serviceAccountName, taking
    // the old field when only it is given.
    let account = ["serviceAccountName", "serviceAccount"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_str))
        .find(|a| !a.is_empty())
        .map(str::to_string);
    if let Some(account) = account {
        spec.insert("serviceAccountName".into(), json!(account));
        spec.insert("serviceAccount".into(), json!(account));
    }
    // SetDefaults_PodSpec.
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in array_mut(spec, key) {
            default_container(c);
        }
    }
    for vol in array_mut(spec, "volumes") {
        default_volume(vol);
    }
    canonical_resource_list(spec, "overhead");
    if_obj(spec, "resources", |r| {
        canonical_resource_list(r, "limits");
        canonical_resource_list(r, "requests");
    });
}

fn default_container(c: &mut Map<String, Value>) {
    if_obj(c, "resources", |r| {
        canonical_resource_list(r, "limits");
        canonical_resource_list(r, "requests");
    });
    // SetDefaults_Container.
    if c.get("imagePullPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        c.insert("imagePullPolicy".into(), json!(image_pull_policy(image)));
    }
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    // ContainerPort.protocol is `+default="TCP"`.
    for port in array_mut(c, "ports") {
        set_default(port, "protocol", json!("TCP"));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if_obj(c, probe, default_probe);
    }
    if_obj(c, "lifecycle", |lifecycle| {
        for hook in ["postStart", "preStop"] {
            if_obj(lifecycle, hook, |h| if_obj(h, "httpGet", default_http_get));
        }
    });
    for env in array_mut(c, "env") {
        if_obj(env, "valueFrom", |from| {
            if_obj(from, "fieldRef", default_field_ref)
        });
    }
}

fn default_probe(probe: &mut Map<String, Value>) {
    // SetDefaults_Probe treats 0 as unset.
    for (key, value) in [
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        if probe.get(key).and_then(Value::as_i64).unwrap_or(0) == 0 {
            probe.insert(key.into(), json!(value));
        }
    }
    if_obj(probe, "httpGet", default_http_get);
    if_obj(probe, "grpc", |grpc| {
        set_default(grpc, "service", json!(""))
    });
}

fn default_http_get(action: &mut Map<String, Value>) {
    // SetDefaults_HTTPGetAction.
    if action
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        action.insert("path".into(), json!("/"));
    }
    if action
        .get("scheme")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        action.insert("scheme".into(), json!("HTTP"));
    }
}

fn default_field_ref(field_ref: &mut Map<String, Value>) {
    // SetDefaults_ObjectFieldSelector.
    if field_ref
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        field_ref.insert("apiVersion".into(), json!("v1"));
    }
}

/// 0644, the defaultMode of secret, configMap, downwardAPI and projected volumes.
const DEFAULT_MODE: i64 = 420;

fn default_volume(vol: &mut Map<String, Value>) {
    // SetDefaults_Volume: a volume with no source is an emptyDir.
    if vol.iter().all(|(k, v)| k == "name" || v.is_null()) {
        vol.insert("emptyDir".into(), json!({}));
    }
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if_obj(vol, key, |source| {
            set_default(source, "defaultMode", json!(DEFAULT_MODE))
        });
    }
    if_obj(vol, "downwardAPI", |source| {
        for item in array_mut(source, "items") {
            if_obj(item, "fieldRef", default_field_ref);
        }
    });
    if_obj(vol, "projected", |projected| {
        for source in array_mut(projected, "sources") {
            if_obj(source, "serviceAccountToken", |t| {
                set_default(t, "expirationSeconds", json!(3600))
            });
            if_obj(source, "downwardAPI", |d| {
                for item in array_mut(d, "items") {
                    if_obj(item, "fieldRef", default_field_ref);
                }
            });
        }
    });
    if_obj(vol, "hostPath", |h| set_default(h, "type", json!("")));
    if_obj(vol, "emptyDir", |e| {
        canonical_quantity_field(e, "sizeLimit")
    });
    if_obj(vol, "ephemeral", |e| {
        if_obj(e, "volumeClaimTemplate", |t| {
            with_obj(t, "spec", default_pvc_spec)
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Core kinds.

fn default_replication_controller(root: &mut Map<String, Value>) {
    // SetDefaults_ReplicationController: selector and labels from the template's labels.
    let template_labels = root
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .filter(|l| l.is_object())
        .cloned();
    with_obj(root, "spec", |spec| {
        set_default(spec, "replicas", json!(1));
        if let Some(labels) = &template_labels
            && is_empty_map(spec.get("selector"))
        {
            spec.insert("selector".into(), labels.clone());
        }
        if_obj(spec, "template", default_pod_template);
    });
    if template_labels.is_some() {
        copy_template_labels(root, &["spec", "template"]);
    }
}

fn default_service(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        // SetDefaults_Service.
        set_default(spec, "sessionAffinity", json!("None"));
        match spec.get("sessionAffinity").and_then(Value::as_str) {
            Some("None") => {
                spec.remove("sessionAffinityConfig");
            }
            Some("ClientIP") => {
                let timeout = spec
                    .get("sessionAffinityConfig")
                    .and_then(|c| c.get("clientIP"))
                    .and_then(|c| c.get("timeoutSeconds"))
                    .is_some_and(|t| !t.is_null());
                if !timeout {
                    spec.insert(
                        "sessionAffinityConfig".into(),
                        json!({"clientIP": {"timeoutSeconds": 10800}}),
                    );
                }
            }
            _ => {}
        }
        if spec
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            spec.insert("type".into(), json!("ClusterIP"));
        }
        for port in array_mut(spec, "ports") {
            set_default(port, "protocol", json!("TCP"));
            let unset = match port.get("targetPort") {
                None | Some(Value::Null) => true,
                Some(Value::Number(n)) => n.as_i64() == Some(0),
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if unset {
                let number = port.get("port").cloned().unwrap_or(json!(0));
                port.insert("targetPort".into(), number);
            }
        }
        let ty = spec
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let external_ips = spec
            .get("externalIPs")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let externally_accessible =
            ty == "LoadBalancer" || ty == "NodePort" || (ty == "ClusterIP" && external_ips);
        if externally_accessible
            && spec
                .get("externalTrafficPolicy")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
        {
            spec.insert("externalTrafficPolicy".into(), json!("Cluster"));
        }
        if matches!(ty.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
            set_default(spec, "internalTrafficPolicy", json!("Cluster"));
        }
        if ty == "LoadBalancer" {
            set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
        }
    });
    let load_balancer = root
        .get("spec")
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        == Some("LoadBalancer");
    if load_balancer {
        if_obj(root, "status", |status| {
            if_obj(status, "loadBalancer", |lb| {
                for ingress in array_mut(lb, "ingress") {
                    let has_ip = ingress
                        .get("ip")
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty());
                    if has_ip {
                        set_default(ingress, "ipMode", json!("VIP"));
                    }
                }
            });
        });
    }
}

fn default_secret(root: &mut Map<String, Value>) {
    // SetDefaults_Secret, then Convert_v1_Secret_To_core_Secret folding stringData into data
    // (stringData wins); the internal type has no stringData, so it never comes back.
    if root
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        root.insert("type".into(), json!("Opaque"));
    }
    let Some(string_data) = root.remove("stringData") else {
        return;
    };
    let Value::Object(string_data) = string_data else {
        return;
    };
    if string_data.is_empty() {
        return;
    }
    with_obj(root, "data", |data| {
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or("");
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            data.insert(key, json!(encoded));
        }
    });
}

fn default_namespace(root: &mut Map<String, Value>) {
    // SetDefaults_Namespace (the name label, only when there is a name) and
    // SetDefaults_NamespaceStatus.
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty() {
        with_obj(root, "metadata", |meta| {
            with_obj(meta, "labels", |labels| {
                labels.insert("kubernetes.io/metadata.name".into(), json!(name));
            });
        });
    }
    with_obj(root, "status", |status| {
        if status
            .get("phase")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            status.insert("phase".into(), json!("Active"));
        }
    });
}

fn default_endpoints(root: &mut Map<String, Value>) {
    for subset in array_mut(root, "subsets") {
        for port in array_mut(subset, "ports") {
            set_default(port, "protocol", json!("TCP"));
        }
    }
}

fn default_persistent_volume(root: &mut Map<String, Value>) {
    // SetDefaults_PersistentVolume.
    with_obj(root, "status", |status| {
        set_default(status, "phase", json!("Pending"))
    });
    with_obj(root, "spec", |spec| {
        canonical_resource_list(spec, "capacity");
        set_default(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
        set_default(spec, "volumeMode", json!("Filesystem"));
        if_obj(spec, "hostPath", |h| set_default(h, "type", json!("")));
    });
}

fn default_pvc(root: &mut Map<String, Value>) {
    // SetDefaults_PersistentVolumeClaim and SetDefaults_PersistentVolumeClaimSpec.
    with_obj(root, "status", |status| {
        set_default(status, "phase", json!("Pending"));
        canonical_resource_list(status, "capacity");
    });
    with_obj(root, "spec", default_pvc_spec);
}

fn default_pvc_spec(spec: &mut Map<String, Value>) {
    set_default(spec, "volumeMode", json!("Filesystem"));
    if_obj(spec, "resources", |r| {
        canonical_resource_list(r, "limits");
        canonical_resource_list(r, "requests");
    });
}

fn default_node(root: &mut Map<String, Value>) {
    // SetDefaults_NodeStatus: allocatable is the capacity when not given.
    if_obj(root, "status", |status| {
        if is_absent(status, "allocatable")
            && let Some(capacity) = status.get("capacity").filter(|c| c.is_object()).cloned()
        {
            status.insert("allocatable".into(), capacity);
        }
        canonical_resource_list(status, "capacity");
        canonical_resource_list(status, "allocatable");
    });
}

fn default_resource_quota(root: &mut Map<String, Value>) {
    if_obj(root, "spec", |spec| canonical_resource_list(spec, "hard"));
    if_obj(root, "status", |status| {
        canonical_resource_list(status, "hard");
        canonical_resource_list(status, "used");
    });
}

fn default_limit_range(root: &mut Map<String, Value>) {
    // SetDefaults_LimitRangeItem, for Container items: default from max, defaultRequest from
    // default, then from min.
    if_obj(root, "spec", |spec| {
        for item in array_mut(spec, "limits") {
            for key in [
                "max",
                "min",
                "default",
                "defaultRequest",
                "maxLimitRequestRatio",
            ] {
                canonical_resource_list(item, key);
            }
            if item.get("type").and_then(Value::as_str) != Some("Container") {
                continue;
            }
            let max = item
                .get("max")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            with_obj(item, "default", |d| {
                for (k, v) in max {
                    d.entry(k).or_insert(v);
                }
            });
            let default = item
                .get("default")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let min = item
                .get("min")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            with_obj(item, "defaultRequest", |d| {
                for (k, v) in default.into_iter().chain(min) {
                    d.entry(k).or_insert(v);
                }
            });
            // Empty lists are omitted when serialized (omitempty).
            for key in ["default", "defaultRequest"] {
                if is_empty_map(item.get(key)) {
                    item.remove(key);
                }
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// apps/v1 (pkg/apis/apps/v1/defaults.go).

fn default_deployment(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        set_default(spec, "replicas", json!(1));
        with_obj(spec, "strategy", |strategy| {
            if strategy
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                strategy.insert("type".into(), json!("RollingUpdate"));
            }
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                with_obj(strategy, "rollingUpdate", |ru| {
                    set_default(ru, "maxUnavailable", json!("25%"));
                    set_default(ru, "maxSurge", json!("25%"));
                });
            }
        });
        set_default(spec, "revisionHistoryLimit", json!(10));
        set_default(spec, "progressDeadlineSeconds", json!(600));
        with_obj(spec, "template", default_pod_template);
    });
}

fn default_replica_set(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        set_default(spec, "replicas", json!(1));
        with_obj(spec, "template", default_pod_template);
    });
}

fn default_stateful_set(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        if spec
            .get("podManagementPolicy")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            spec.insert("podManagementPolicy".into(), json!("OrderedReady"));
        }
        with_obj(spec, "updateStrategy", |us| {
            if us
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                us.insert("type".into(), json!("RollingUpdate"));
                set_default(us, "rollingUpdate", json!({}));
            }
            // The partition is only defaulted inside a rollingUpdate that exists.
            if us.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                if_obj(us, "rollingUpdate", |ru| {
                    set_default(ru, "partition", json!(0))
                });
            }
        });
        // StatefulSetAutoDeletePVC is on in 1.32.
        with_obj(spec, "persistentVolumeClaimRetentionPolicy", |p| {
            for key in ["whenDeleted", "whenScaled"] {
                if p.get(key).and_then(Value::as_str).unwrap_or("").is_empty() {
                    p.insert(key.into(), json!("Retain"));
                }
            }
        });
        set_default(spec, "replicas", json!(1));
        set_default(spec, "revisionHistoryLimit", json!(10));
        with_obj(spec, "template", default_pod_template);
        // Each claim template is defaulted as a PVC and gets its TypeMeta from the
        // conversion (Convert_apps_StatefulSetSpec_To_v1_StatefulSetSpec).
        for claim in array_mut(spec, "volumeClaimTemplates") {
            claim.insert("apiVersion".into(), json!("v1"));
            claim.insert("kind".into(), json!("PersistentVolumeClaim"));
            default_pvc(claim);
        }
    });
}

fn default_daemon_set(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        with_obj(spec, "updateStrategy", |us| {
            if us
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                us.insert("type".into(), json!("RollingUpdate"));
            }
            if us.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                with_obj(us, "rollingUpdate", |ru| {
                    set_default(ru, "maxUnavailable", json!(1));
                    set_default(ru, "maxSurge", json!(0));
                });
            }
        });
        set_default(spec, "revisionHistoryLimit", json!(10));
        with_obj(spec, "template", default_pod_template);
    });
}

// ---------------------------------------------------------------------------------------------
// batch/v1 (pkg/apis/batch/v1/defaults.go).

fn default_job_spec(spec: &mut Map<String, Value>) {
    if is_absent(spec, "completions") && is_absent(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
        spec.insert("parallelism".into(), json!(1));
    }
    set_default(spec, "parallelism", json!(1));
    if is_absent(spec, "backoffLimit") {
        let per_index = !is_absent(spec, "backoffLimitPerIndex");
        spec.insert(
            "backoffLimit".into(),
            json!(if per_index { i32::MAX as i64 } else { 6 }),
        );
    }
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    // JobPodReplacementPolicy is on in 1.32.
    if is_absent(spec, "podReplacementPolicy") {
        let policy = if is_absent(spec, "podFailurePolicy") {
            "TerminatingOrFailed"
        } else {
            "Failed"
        };
        spec.insert("podReplacementPolicy".into(), json!(policy));
    }
    set_default(spec, "manualSelector", json!(false));
    if_obj(spec, "podFailurePolicy", |pfp| {
        for rule in array_mut(pfp, "rules") {
            for pattern in array_mut(rule, "onPodConditions") {
                if pattern
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
                {
                    pattern.insert("status".into(), json!("True"));
                }
            }
        }
    });
}

fn default_job(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        default_job_spec(spec);
        with_obj(spec, "template", default_pod_template);
    });
    copy_template_labels(root, &["spec", "template"]);
}

fn default_cron_job(root: &mut Map<String, Value>) {
    with_obj(root, "spec", |spec| {
        if spec
            .get("concurrencyPolicy")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            spec.insert("concurrencyPolicy".into(), json!("Allow"));
        }
        set_default(spec, "suspend", json!(false));
        set_default(spec, "successfulJobsHistoryLimit", json!(3));
        set_default(spec, "failedJobsHistoryLimit", json!(1));
        // SetDefaults_Job applies to Job objects only; the job template gets the pod
        // template defaults and the podFailurePolicy pattern status.
        with_obj(spec, "jobTemplate", |jt| {
            with_obj(jt, "spec", |js| {
                with_obj(js, "template", default_pod_template);
                if_obj(js, "podFailurePolicy", |pfp| {
                    for rule in array_mut(pfp, "rules") {
                        for pattern in array_mut(rule, "onPodConditions") {
                            set_default(pattern, "status", json!("True"));
                        }
                    }
                });
            });
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Other groups.

fn default_hpa_v2(root: &mut Map<String, Value>) {
    // autoscaling/v2 SetDefaults_HorizontalPodAutoscaler and ...Behavior.
    with_obj(root, "spec", |spec| {
        set_default(spec, "minReplicas", json!(1));
        for metric in array_mut(spec, "metrics") {
            for source in [
                "resource",
                "pods",
                "object",
                "external",
                "containerResource",
            ] {
                if_obj(metric, source, |src| {
                    if_obj(src, "target", |t| {
                        canonical_quantity_field(t, "value");
                        canonical_quantity_field(t, "averageValue");
                    });
                });
            }
        }
        let no_metrics = spec
            .get("metrics")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if no_metrics {
            spec.insert(
                "metrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80}}}]),
            );
        }
        if_obj(spec, "behavior", |behavior| {
            let up = json!({"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}]});
            // Scale-down leaves the window unset so the controller's flag (300s) applies.
            let down = json!({"selectPolicy": "Max", "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]});
            for (key, defaults) in [("scaleUp", up), ("scaleDown", down)] {
                with_obj(behavior, key, |rules| {
                    if let Value::Object(defaults) = defaults {
                        for (k, v) in defaults {
                            set_default(rules, &k, v);
                        }
                    }
                });
            }
        });
    });
}

fn default_network_policy(root: &mut Map<String, Value>) {
    // networking/v1 SetDefaults_NetworkPolicy and NetworkPolicyPort.protocol TCP.
    with_obj(root, "spec", |spec| {
        for dir in ["ingress", "egress"] {
            for rule in array_mut(spec, dir) {
                for port in array_mut(rule, "ports") {
                    set_default(port, "protocol", json!("TCP"));
                }
            }
        }
        let no_types = spec
            .get("policyTypes")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if no_types {
            let mut types = vec![json!("Ingress")];
            if spec
                .get("egress")
                .and_then(Value::as_array)
                .is_some_and(|e| !e.is_empty())
            {
                types.push(json!("Egress"));
            }
            spec.insert("policyTypes".into(), Value::Array(types));
        }
    });
}

fn default_ingress_class(root: &mut Map<String, Value>) {
    if_obj(root, "spec", |spec| {
        if_obj(spec, "parameters", |p| {
            set_default(p, "scope", json!("Cluster"))
        });
    });
}

fn default_role_binding(root: &mut Map<String, Value>) {
    // rbac/v1 SetDefaults_*RoleBinding and SetDefaults_Subject.
    if_obj(root, "roleRef", |r| {
        if r.get("apiGroup")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            r.insert("apiGroup".into(), json!("rbac.authorization.k8s.io"));
        }
    });
    for subject in array_mut(root, "subjects") {
        if subject
            .get("apiGroup")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            match subject.get("kind").and_then(Value::as_str) {
                Some("ServiceAccount") => {
                    subject.insert("apiGroup".into(), json!(""));
                }
                Some("User" | "Group") => {
                    subject.insert("apiGroup".into(), json!("rbac.authorization.k8s.io"));
                }
                _ => {}
            }
        }
    }
}

fn default_webhooks(root: &mut Map<String, Value>, mutating: bool) {
    // admissionregistration/v1 defaults.go.
    for hook in array_mut(root, "webhooks") {
        set_default(hook, "failurePolicy", json!("Fail"));
        set_default(hook, "matchPolicy", json!("Equivalent"));
        set_default(hook, "namespaceSelector", json!({}));
        set_default(hook, "objectSelector", json!({}));
        set_default(hook, "timeoutSeconds", json!(10));
        if mutating {
            set_default(hook, "reinvocationPolicy", json!("Never"));
        }
        for rule in array_mut(hook, "rules") {
            set_default(rule, "scope", json!("*"));
        }
        if_obj(hook, "clientConfig", |cc| {
            if_obj(cc, "service", |svc| set_default(svc, "port", json!(443)));
        });
    }
}

fn default_crd(root: &mut Map<String, Value>) {
    // apiextensions/v1 SetDefaults_CustomResourceDefinition(Spec) and ServiceReference.
    if_obj(root, "spec", |spec| {
        if_obj(spec, "names", |names| {
            let kind = names
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if names
                .get("singular")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                names.insert("singular".into(), json!(kind.to_lowercase()));
            }
            if names
                .get("listKind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
                && !kind.is_empty()
            {
                names.insert("listKind".into(), json!(format!("{kind}List")));
            }
        });
        with_obj(spec, "conversion", |conversion| {
            set_default(conversion, "strategy", json!("None"));
            if_obj(conversion, "webhook", |w| {
                if_obj(w, "clientConfig", |cc| {
                    if_obj(cc, "service", |svc| set_default(svc, "port", json!(443)));
                });
            });
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaulted(api_version: &str, kind: &str, mut obj: Value) -> Value {
        let gv = crate::gvk::GroupVersion::parse_api_version(api_version);
        apply_defaults(&gv.with_kind(kind), &mut obj);
        obj
    }

    #[test]
    fn image_pull_policy_rules() {
        // core/v1 SetDefaults_Container with parsers.ParseImageName.
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("registry.local:5000/team/app"), "Always");
        assert_eq!(
            image_pull_policy("registry.local:5000/team/app:v2"),
            "IfNotPresent"
        );
        let digest = format!("nginx@sha256:{}", "a".repeat(64));
        assert_eq!(image_pull_policy(&digest), "IfNotPresent");
        let both = format!("nginx:latest@sha256:{}", "a".repeat(64));
        assert_eq!(image_pull_policy(&both), "Always");
        // Upper case in the repository path fails to parse: the tag stays empty.
        assert_eq!(image_pull_policy("Nginx"), "IfNotPresent");
        assert_eq!(image_pull_policy(""), "IfNotPresent");
        assert_eq!(image_pull_policy("nginx:"), "IfNotPresent");
    }

    #[test]
    fn deployment_defaults() {
        // apps/v1 SetDefaults_Deployment plus the pod template defaults (reference §3.2).
        let d = defaulted(
            "apps/v1",
            "Deployment",
            json!({"spec": {"template": {"spec": {
            "containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                "readinessProbe": {"httpGet": {"port": 80}}}]}}}}),
        );
        let spec = &d["spec"];
        assert_eq!(spec["replicas"], 1);
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(spec["revisionHistoryLimit"], 10);
        assert_eq!(spec["progressDeadlineSeconds"], 600);
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["dnsPolicy"], "ClusterFirst");
        assert_eq!(pod["restartPolicy"], "Always");
        assert_eq!(pod["securityContext"], json!({}));
        assert_eq!(pod["terminationGracePeriodSeconds"], 30);
        assert_eq!(pod["schedulerName"], "default-scheduler");
        assert!(pod.get("enableServiceLinks").is_none(), "Pod-only default");
        let c = &pod["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(
            c["readinessProbe"],
            json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
    }

    #[test]
    fn recreate_strategy_gets_no_rolling_update() {
        let d = defaulted(
            "apps/v1",
            "Deployment",
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
        );
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn existing_values_are_kept() {
        let d = defaulted(
            "apps/v1",
            "Deployment",
            json!({"spec": {"replicas": 0,
            "strategy": {"rollingUpdate": {"maxSurge": 1}}}}),
        );
        assert_eq!(d["spec"]["replicas"], 0);
        assert_eq!(
            d["spec"]["strategy"]["rollingUpdate"],
            json!({"maxSurge": 1, "maxUnavailable": "25%"})
        );
    }

    #[test]
    fn statefulset_and_daemonset_defaults() {
        // apps/v1 SetDefaults_StatefulSet / SetDefaults_DaemonSet.
        let s = defaulted(
            "apps/v1",
            "StatefulSet",
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}}),
        );
        assert_eq!(s["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            s["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            s["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(s["spec"]["revisionHistoryLimit"], 10);
        let claim = &s["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["kind"], "PersistentVolumeClaim");
        assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
        assert_eq!(claim["status"]["phase"], "Pending");
        let ondelete = defaulted(
            "apps/v1",
            "StatefulSet",
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        );
        assert_eq!(
            ondelete["spec"]["updateStrategy"],
            json!({"type": "OnDelete"})
        );
        let ds = defaulted("apps/v1", "DaemonSet", json!({"spec": {}}));
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
    }

    #[test]
    fn pod_only_defaults() {
        // core/v1 SetDefaults_Pod: enableServiceLinks, requests from limits, host ports.
        let p = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x",
            "ports": [{"containerPort": 8080}],
            "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}}]}}),
        );
        let c = &p["spec"]["containers"][0];
        assert_eq!(p["spec"]["enableServiceLinks"], true);
        assert_eq!(
            c["resources"]["requests"],
            json!({"memory": "1Gi", "cpu": "1"})
        );
        assert_eq!(c["ports"][0]["hostPort"], 8080);
        assert_eq!(c["imagePullPolicy"], "Always");
    }

    #[test]
    fn volume_defaults() {
        // SetDefaults_Volume and the *VolumeSource defaultMode defaults (0644 = 420).
        let p = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"containers": [], "volumes": [
            {"name": "a"}, {"name": "b", "secret": {"secretName": "s"}}, {"name": "c", "configMap": {"name": "c", "defaultMode": 256}},
            {"name": "d", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
            {"name": "e", "hostPath": {"path": "/x"}}]}}),
        );
        let v = &p["spec"]["volumes"];
        assert_eq!(v[0]["emptyDir"], json!({}));
        assert_eq!(v[1]["secret"]["defaultMode"], 420);
        assert_eq!(v[2]["configMap"]["defaultMode"], 256);
        assert_eq!(v[3]["projected"]["defaultMode"], 420);
        assert_eq!(
            v[3]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
            3600
        );
        assert_eq!(v[4]["hostPath"]["type"], "");
    }

    #[test]
    fn service_defaults() {
        // core/v1 SetDefaults_Service; IPs are allocated by the server, not here.
        let s = defaulted(
            "v1",
            "Service",
            json!({"spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}}),
        );
        let spec = &s["spec"];
        assert_eq!(spec["type"], "ClusterIP");
        assert_eq!(spec["sessionAffinity"], "None");
        assert_eq!(spec["internalTrafficPolicy"], "Cluster");
        assert!(spec.get("externalTrafficPolicy").is_none());
        assert!(spec.get("clusterIP").is_none());
        assert_eq!(
            spec["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(spec["ports"][1]["targetPort"], "https");
        let lb = defaulted(
            "v1",
            "Service",
            json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP"},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}),
        );
        assert_eq!(lb["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);
        assert_eq!(
            lb["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"],
            10800
        );
        assert_eq!(lb["status"]["loadBalancer"]["ingress"][0]["ipMode"], "VIP");
        let ext = defaulted(
            "v1",
            "Service",
            json!({"spec": {"type": "ExternalName", "externalName": "x.example"}}),
        );
        assert!(ext["spec"].get("internalTrafficPolicy").is_none());
    }

    #[test]
    fn secret_type_and_string_data() {
        // SetDefaults_Secret and Convert_v1_Secret_To_core_Secret (stringData overwrites data).
        let s = defaulted(
            "v1",
            "Secret",
            json!({"data": {"a": "b2xk", "keep": "eA=="}, "stringData": {"a": "new"}}),
        );
        assert_eq!(s["type"], "Opaque");
        assert_eq!(s["data"], json!({"a": "bmV3", "keep": "eA=="}));
        assert!(s.get("stringData").is_none());
    }

    #[test]
    fn namespace_defaults_and_finalizer() {
        // SetDefaults_Namespace, SetDefaults_NamespaceStatus, namespace strategy PrepareForCreate.
        let gvk = GroupVersionKind::new("", "v1", "Namespace");
        let mut ns = json!({"metadata": {"name": "team-a"}});
        apply_defaults(&gvk, &mut ns);
        prepare_for_create(&gvk, &mut ns);
        assert_eq!(
            ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "team-a"
        );
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        let mut unnamed = json!({"metadata": {"generateName": "x-"}});
        apply_defaults(&gvk, &mut unnamed);
        assert!(unnamed["metadata"].get("labels").is_none());
    }

    #[test]
    fn job_and_cronjob_defaults() {
        // batch/v1 SetDefaults_Job / SetDefaults_CronJob (1.32 gates).
        let j = defaulted(
            "batch/v1",
            "Job",
            json!({"spec": {"template": {"metadata": {"labels": {"app": "x"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}}}),
        );
        let spec = &j["spec"];
        assert_eq!(spec["completions"], 1);
        assert_eq!(spec["parallelism"], 1);
        assert_eq!(spec["backoffLimit"], 6);
        assert_eq!(spec["completionMode"], "NonIndexed");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(spec["manualSelector"], false);
        assert_eq!(j["metadata"]["labels"], json!({"app": "x"}));
        let parallel = defaulted(
            "batch/v1",
            "Job",
            json!({"spec": {"parallelism": 3, "backoffLimitPerIndex": 1}}),
        );
        assert!(parallel["spec"].get("completions").is_none());
        assert_eq!(parallel["spec"]["backoffLimit"], i32::MAX);
        let cj = defaulted(
            "batch/v1",
            "CronJob",
            json!({"spec": {"schedule": "* * * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}}}),
        );
        assert_eq!(cj["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(cj["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(cj["spec"]["failedJobsHistoryLimit"], 1);
        assert!(
            cj["spec"]["jobTemplate"]["spec"]
                .get("backoffLimit")
                .is_none()
        );
        assert_eq!(
            cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            "ClusterFirst"
        );
    }

    #[test]
    fn job_selector_uses_uid() {
        // pkg/registry/batch/job/strategy.go generateSelector.
        let mut j = json!({"metadata": {"name": "pi"}, "spec": {"template": {"spec": {}}}});
        apply_job_selector_defaults(&mut j, "u-1");
        assert_eq!(
            j["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        let labels = &j["spec"]["template"]["metadata"]["labels"];
        assert_eq!(labels["job-name"], "pi");
        assert_eq!(labels["controller-uid"], "u-1");
        assert_eq!(
            j["metadata"]["labels"]["batch.kubernetes.io/job-name"],
            "pi"
        );
        let mut manual =
            json!({"spec": {"manualSelector": true, "selector": {"matchLabels": {"a": "b"}}}});
        apply_job_selector_defaults(&mut manual, "u");
        assert_eq!(
            manual["spec"]["selector"],
            json!({"matchLabels": {"a": "b"}})
        );
    }

    #[test]
    fn volume_claims_and_persistent_volumes() {
        let pv = defaulted("v1", "PersistentVolume", json!({"spec": {}}));
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(pv["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pv["status"]["phase"], "Pending");
        let pvc = defaulted("v1", "PersistentVolumeClaim", json!({"spec": {}}));
        assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pvc["status"]["phase"], "Pending");
    }

    #[test]
    fn hpa_v2_defaults() {
        // autoscaling/v2 defaults.go: minReplicas, the 80% CPU metric, behavior rules.
        let h = defaulted(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            json!({"spec": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}),
        );
        assert_eq!(h["spec"]["minReplicas"], 1);
        assert_eq!(
            h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        assert_eq!(
            h["spec"]["behavior"]["scaleUp"]["policies"][0],
            json!({"type": "Pods", "value": 4, "periodSeconds": 15})
        );
        assert_eq!(
            h["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
            60
        );
        assert_eq!(h["spec"]["behavior"]["scaleDown"]["selectPolicy"], "Max");
        let plain = defaulted(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            json!({"spec": {}}),
        );
        assert!(plain["spec"].get("behavior").is_none());
    }

    #[test]
    fn ingress_path_type_is_not_defaulted() {
        // networking/v1 has no Ingress defaulter: pathType is required by validation instead.
        let ing = json!({"spec": {"rules": [{"http": {"paths": [{"path": "/"}]}}]}});
        assert_eq!(
            defaulted("networking.k8s.io/v1", "Ingress", ing.clone()),
            ing
        );
        let np = defaulted(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            json!({"spec": {"egress": [{"ports": [{"port": 53}]}]}}),
        );
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn rbac_and_crd_defaults() {
        let rb = defaulted(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            json!({"roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "a"}, {"kind": "User", "name": "u"}]}),
        );
        assert_eq!(rb["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
        assert_eq!(rb["subjects"][0]["apiGroup"], "");
        assert_eq!(rb["subjects"][1]["apiGroup"], "rbac.authorization.k8s.io");
        let crd = defaulted(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            json!({"spec": {"names": {"kind": "Widget", "plural": "widgets"}}}),
        );
        assert_eq!(crd["spec"]["names"]["singular"], "widget");
        assert_eq!(crd["spec"]["names"]["listKind"], "WidgetList");
        assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));
    }

    #[test]
    fn quantities_are_canonical() {
        // resource.Quantity CanonicalizeBytes (apimachinery pkg/api/resource/quantity.go).
        let q = |t: &str| canonical_quantity(t);
        assert_eq!(q("0.5").as_deref(), Some("500m"));
        assert_eq!(q("1000m").as_deref(), Some("1"));
        assert_eq!(q("1500").as_deref(), Some("1500"));
        assert_eq!(q("1000").as_deref(), Some("1k"));
        assert_eq!(q("1024Mi").as_deref(), Some("1Gi"));
        assert_eq!(q("1.5Gi").as_deref(), Some("1536Mi"));
        assert_eq!(q("0.5Gi").as_deref(), Some("512Mi"));
        assert_eq!(q("100Mi").as_deref(), Some("100Mi"));
        // Binary quantities under 1024 are shown in decimal.
        assert_eq!(q("1Ki").as_deref(), Some("1Ki"));
        assert_eq!(q("1023").as_deref(), Some("1023"));
        assert_eq!(q("0.5Ki").as_deref(), Some("512"));
        assert_eq!(q("1e3").as_deref(), Some("1e3"));
        assert_eq!(q("1.5e3").as_deref(), Some("1500"));
        assert_eq!(q("12e-1").as_deref(), Some("1200e-3"));
        assert_eq!(q("0").as_deref(), Some("0"));
        assert_eq!(q("0.0").as_deref(), Some("0"));
        assert_eq!(q("-1.5").as_deref(), Some("-1500m"));
        assert_eq!(q("1.0000000001").as_deref(), Some("1000000001n"));
        assert_eq!(q("1K"), None);
        // Absurd exponents give up instead of overflowing.
        assert_eq!(q("10e2147483647"), None);
        assert_eq!(q("1e-2147483648").as_deref(), Some("1e-9"));
        assert_eq!(q("abc"), None);
        assert_eq!(q(""), None);
        // Resource lists are rounded up to milli units (SetDefaults_ResourceList).
        assert_eq!(canonical_resource_quantity("0.0001").as_deref(), Some("1m"));
    }

    #[test]
    fn container_resources_are_canonicalized() {
        let d = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "x",
            "resources": {"limits": {"cpu": 0.5, "memory": "1024Mi"}, "requests": {"cpu": "250m"}}}]}}),
        );
        let res = &d["spec"]["containers"][0]["resources"];
        assert_eq!(res["limits"], json!({"cpu": "500m", "memory": "1Gi"}));
        assert_eq!(res["requests"], json!({"cpu": "250m", "memory": "1Gi"}));
        let empty = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "x",
            "resources": {"limits": {}}}]}}),
        );
        assert!(
            empty["spec"]["containers"][0]["resources"]
                .get("requests")
                .is_none()
        );
        let pvc = defaulted(
            "v1",
            "PersistentVolumeClaim",
            json!({"spec": {"resources": {"requests": {"storage": "1024Mi"}}}}),
        );
        assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "1Gi");
    }

    #[test]
    fn serialization_artifacts() {
        // 1.32 JSON: embedded ObjectMeta with creationTimestamp: null, resources: {}, and the
        // non-omitempty zero counters of a fresh status.
        let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}});
        add_serialization_artifacts(&gvk, &mut d);
        assert_eq!(
            d["spec"]["template"]["metadata"],
            json!({"creationTimestamp": null})
        );
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({})
        );
        assert_eq!(d["status"], json!({}));
        let gvk = GroupVersionKind::new("batch", "v1", "CronJob");
        let mut cj = json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}}});
        add_serialization_artifacts(&gvk, &mut cj);
        assert_eq!(
            cj["spec"]["jobTemplate"]["metadata"],
            json!({"creationTimestamp": null})
        );
        assert_eq!(
            cj["spec"]["jobTemplate"]["spec"]["template"]["metadata"],
            json!({"labels": {"a": "b"}, "creationTimestamp": null})
        );
        let gvk = GroupVersionKind::new("", "v1", "Service");
        let mut svc =
            json!({"spec": {}, "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        add_serialization_artifacts(&gvk, &mut svc);
        assert_eq!(svc["status"]["loadBalancer"]["ingress"][0]["ip"], "1.2.3.4");
    }

    #[test]
    fn cluster_level_kinds() {
        // storage/v1 SetDefaults_StorageClass, scheduling/v1 SetDefaults_PriorityClass,
        // admissionregistration/v1 webhook defaults, discovery/v1 EndpointPort,
        // networking/v1 IngressClass.
        let sc = defaulted(
            "storage.k8s.io/v1",
            "StorageClass",
            json!({"provisioner": "x"}),
        );
        assert_eq!(sc["reclaimPolicy"], "Delete");
        assert_eq!(sc["volumeBindingMode"], "Immediate");
        let pc = defaulted(
            "scheduling.k8s.io/v1",
            "PriorityClass",
            json!({"value": 10}),
        );
        assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
        let wh = defaulted(
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
            json!({"webhooks": [
            {"name": "a.example.com", "clientConfig": {"service": {"name": "s", "namespace": "n"}},
             "rules": [{"operations": ["CREATE"]}], "sideEffects": "None", "admissionReviewVersions": ["v1"]}]}),
        );
        let hook = &wh["webhooks"][0];
        assert_eq!(hook["failurePolicy"], "Fail");
        assert_eq!(hook["matchPolicy"], "Equivalent");
        assert_eq!(hook["namespaceSelector"], json!({}));
        assert_eq!(hook["objectSelector"], json!({}));
        assert_eq!(hook["timeoutSeconds"], 10);
        assert_eq!(hook["reinvocationPolicy"], "Never");
        assert_eq!(hook["rules"][0]["scope"], "*");
        assert_eq!(hook["clientConfig"]["service"]["port"], 443);
        let eps = defaulted(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            json!({"ports": [{"port": 80}]}),
        );
        assert_eq!(
            eps["ports"][0],
            json!({"port": 80, "name": "", "protocol": "TCP"})
        );
        let ic = defaulted(
            "networking.k8s.io/v1",
            "IngressClass",
            json!({"spec": {"parameters": {"kind": "K", "name": "n"}}}),
        );
        assert_eq!(ic["spec"]["parameters"]["scope"], "Cluster");
    }

    #[test]
    fn core_odds_and_ends() {
        // core/v1 SetDefaults_ReplicationController, _NodeStatus, _LimitRangeItem, _Endpoints.
        let rc = defaulted(
            "v1",
            "ReplicationController",
            json!({"spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {}}}}),
        );
        assert_eq!(rc["spec"]["selector"], json!({"app": "a"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "a"}));
        assert_eq!(rc["spec"]["replicas"], 1);
        let node = defaulted(
            "v1",
            "Node",
            json!({"status": {"capacity": {"cpu": "4", "memory": "8Gi"}}}),
        );
        assert_eq!(
            node["status"]["allocatable"],
            json!({"cpu": "4", "memory": "8Gi"})
        );
        let lr = defaulted(
            "v1",
            "LimitRange",
            json!({"spec": {"limits": [
            {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}},
            {"type": "Pod", "max": {"cpu": "4"}}]}}),
        );
        let item = &lr["spec"]["limits"][0];
        assert_eq!(item["default"], json!({"cpu": "2"}));
        assert_eq!(
            item["defaultRequest"],
            json!({"cpu": "2", "memory": "64Mi"})
        );
        assert!(lr["spec"]["limits"][1].get("default").is_none());
        let ep = defaulted(
            "v1",
            "Endpoints",
            json!({"subsets": [{"ports": [{"port": 80}]}]}),
        );
        assert_eq!(ep["subsets"][0]["ports"][0]["protocol"], "TCP");
        let quota = defaulted(
            "v1",
            "ResourceQuota",
            json!({"spec": {"hard": {"requests.cpu": "0.5"}}}),
        );
        assert_eq!(quota["spec"]["hard"]["requests.cpu"], "500m");
    }

    #[test]
    fn probes_lifecycle_and_env_defaults() {
        // SetDefaults_Probe (0 counts as unset), SetDefaults_HTTPGetAction,
        // SetDefaults_ObjectFieldSelector, GRPCAction.service "".
        let p = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "x:1",
            "livenessProbe": {"grpc": {"port": 9000}, "periodSeconds": 0, "failureThreshold": 5},
            "lifecycle": {"preStop": {"httpGet": {"port": 80}}},
            "env": [{"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]}]}}),
        );
        let c = &p["spec"]["containers"][0];
        assert_eq!(c["livenessProbe"]["grpc"]["service"], "");
        assert_eq!(c["livenessProbe"]["periodSeconds"], 10);
        assert_eq!(c["livenessProbe"]["failureThreshold"], 5);
        assert_eq!(
            c["lifecycle"]["preStop"]["httpGet"],
            json!({"port": 80, "path": "/", "scheme": "HTTP"})
        );
        assert_eq!(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
    }

    #[test]
    fn quantity_parser_never_panics() {
        // "Nothing derived from input may panic" (DESIGN.md).
        let parts = [
            "1",
            "0",
            "9",
            ".",
            "e",
            "E",
            "-",
            "+",
            "Ki",
            "Ei",
            "m",
            "n",
            "k",
            "99999999999999999999",
            "i",
        ];
        let mut state = 11u64;
        for _ in 0..3000 {
            let mut text = String::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(state >> 60) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(
                    parts
                        .get((state >> 33) as usize % parts.len())
                        .copied()
                        .unwrap_or(""),
                );
            }
            let _ = canonical_quantity(&text);
            let _ = canonical_resource_quantity(&text);
            let _ = image_pull_policy(&text);
        }
    }

    #[test]
    fn pod_admission_on_create() {
        // ServiceAccount, DefaultTolerationSeconds and Priority admission, pod strategy status.
        let mut p = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "c", "image": "x:1",
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}),
        );
        apply_pod_admission(&mut p, "abcde");
        let spec = &p["spec"];
        assert_eq!(spec["serviceAccountName"], "default");
        assert_eq!(spec["serviceAccount"], "default");
        assert_eq!(spec["volumes"][0]["name"], "kube-api-access-abcde");
        assert_eq!(
            spec["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
            3607
        );
        assert_eq!(
            spec["containers"][0]["volumeMounts"][0],
            json!({"name": "kube-api-access-abcde", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
        );
        assert_eq!(
            spec["tolerations"][1]["key"],
            "node.kubernetes.io/unreachable"
        );
        assert_eq!(spec["priority"], 0);
        assert_eq!(spec["preemptionPolicy"], "PreemptLowerPriority");
        assert_eq!(
            p["status"],
            json!({"phase": "Pending", "qosClass": "Guaranteed"})
        );
        let mut quiet = defaulted(
            "v1",
            "Pod",
            json!({"spec": {"automountServiceAccountToken": false,
            "serviceAccountName": "builder", "containers": [{"name": "c", "image": "x:1",
            "resources": {"requests": {"cpu": "100m"}}}]}}),
        );
        apply_pod_admission(&mut quiet, "abcde");
        assert!(quiet["spec"].get("volumes").is_none());
        assert_eq!(quiet["spec"]["serviceAccount"], "builder");
        assert_eq!(quiet["status"]["qosClass"], "Burstable");
    }

    #[test]
    fn deprecated_service_account_is_mirrored() {
        // Convert_core_PodSpec_To_v1_PodSpec keeps serviceAccount = serviceAccountName.
        let d = defaulted(
            "apps/v1",
            "Deployment",
            json!({"spec": {"template": {"spec": {"serviceAccount": "old"}}}}),
        );
        assert_eq!(d["spec"]["template"]["spec"]["serviceAccountName"], "old");
        assert_eq!(d["spec"]["template"]["spec"]["serviceAccount"], "old");
    }

    #[test]
    fn malformed_shapes_do_not_panic() {
        for (av, kind) in [
            ("apps/v1", "Deployment"),
            ("v1", "Pod"),
            ("v1", "Service"),
            ("v1", "Secret"),
            ("batch/v1", "CronJob"),
        ] {
            for body in [
                json!(null),
                json!("x"),
                json!({"spec": "x"}),
                json!({"spec": {"template": 3, "ports": "p"}}),
                json!({"stringData": 1}),
            ] {
                let _ = defaulted(av, kind, body);
            }
        }
        let mut j = json!("x");
        apply_job_selector_defaults(&mut j, "u");
    }
}
