//! Desired versus live: what counts as a difference, and the diff a person reads.
//!
//! The desired side is the server's own prediction (a server-side-apply dry-run of the
//! rendered object over the live one), so defaults, admission and other managers' fields
//! never show up as drift. Both sides are normalized the same way before comparing.

use serde_json::{Map, Value};

use crate::model::IgnoreDifference;

/// Metadata the server owns; never a difference.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "uid",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// The part of an object that is compared: no status, no server-owned metadata, and the
/// ignored paths removed.
pub fn normalize(obj: &Value, ignores: &[&IgnoreDifference]) -> Value {
    let mut v = obj.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in SERVER_METADATA {
                meta.remove(*key);
            }
            if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                ann.remove("kubectl.kubernetes.io/last-applied-configuration");
                ann.remove("deployment.kubernetes.io/revision");
                if ann.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    for ignore in ignores {
        for pointer in &ignore.json_pointers {
            remove_pointer(&mut v, pointer);
        }
        for expr in &ignore.jq_path_expressions {
            remove_jq_path(&mut v, expr);
        }
    }
    v
}

/// Removes from `obj` the fields that `live`'s managedFields give to any of `managers`
/// (ignoreDifferences.managedFieldsManagers): fields another controller owns, such as an
/// HPA's replicas, are not drift.
pub fn strip_managed_by(obj: &Value, live: &Value, managers: &[String]) -> Value {
    if managers.is_empty() {
        return obj.clone();
    }
    let kind = live["kind"].as_str().unwrap_or_default();
    let gv = berth_kube::GroupVersion::parse_api_version(
        live["apiVersion"].as_str().unwrap_or_default(),
    );
    let builtin = berth_kube::builtin_by_gvk(&berth_kube::GroupVersionKind {
        group: gv.group,
        version: gv.version,
        kind: kind.to_string(),
    })
    .is_some();
    let mut out = obj.clone();
    for entry in live["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let manager = entry["manager"].as_str().unwrap_or_default();
        if !managers.iter().any(|m| m == manager) {
            continue;
        }
        let Ok(set) = berth_kube::from_fields_v1(&entry["fieldsV1"]) else {
            continue;
        };
        out = if builtin {
            berth_kube::remove_items(&out, &set, &berth_kube::BuiltinTypes::for_kind(kind))
        } else {
            berth_kube::remove_items(&out, &set, &berth_kube::DeducedTypes)
        };
    }
    out
}

/// Whether an ignoreDifferences entry applies to an object (group, kind, exact name and
/// namespace when given).
pub fn ignore_applies(ignore: &IgnoreDifference, obj: &Value) -> bool {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    let kind = obj["kind"].as_str().unwrap_or_default();
    let meta = &obj["metadata"];
    (ignore.group == "*" || ignore.group == group)
        && (ignore.kind == "*" || ignore.kind == kind)
        && ignore
            .name
            .as_deref()
            .is_none_or(|n| n.is_empty() || Some(n) == meta["name"].as_str())
        && ignore
            .namespace
            .as_deref()
            .is_none_or(|n| n.is_empty() || Some(n) == meta["namespace"].as_str())
}

/// RFC 6901 pointer removal; a path that does not exist is not an error.
fn remove_pointer(v: &mut Value, pointer: &str) {
    let parts: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    remove_path(v, &parts);
}

fn remove_path(v: &mut Value, parts: &[String]) {
    let Some((last, init)) = parts.split_last() else {
        return;
    };
    let mut cur = v;
    for p in init {
        cur = match cur {
            Value::Object(m) => match m.get_mut(p) {
                Some(next) => next,
                None => return,
            },
            Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

/// The subset of jq path expressions that ignoreDifferences uses in practice: `.a.b`,
/// `.a[]`, `.a[] | select(.name == "x") | .b`, `.a["key.with.dots"]`.
fn remove_jq_path(v: &mut Value, expr: &str) {
    let segments: Vec<&str> = expr.split('|').map(str::trim).collect();
    remove_jq(v, &segments);
}

fn remove_jq(v: &mut Value, segments: &[&str]) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if let Some(cond) = first
        .strip_prefix("select(")
        .and_then(|s| s.strip_suffix(')'))
    {
        if select_matches(v, cond) {
            if rest.is_empty() {
                *v = Value::Null;
            } else {
                remove_jq(v, rest);
            }
        }
        return;
    }
    let steps = jq_steps(first);
    apply_steps(v, &steps, rest);
}

#[derive(Debug)]
enum JqStep {
    Key(String),
    Each,
    Index(usize),
}

fn jq_steps(path: &str) -> Vec<JqStep> {
    let mut steps = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[]") {
            steps.push(JqStep::Each);
            rest = r.strip_prefix('?').unwrap_or(r);
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]").unwrap_or(r.len());
            steps.push(JqStep::Key(r[..end].to_string()));
            rest = r.get(end + 2..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            if let Ok(i) = r[..end].trim().parse() {
                steps.push(JqStep::Index(i));
            }
            rest = r.get(end + 1..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                steps.push(JqStep::Key(r[..end].trim_matches('"').to_string()));
            }
            rest = &r[end..];
        } else {
            break;
        }
    }
    steps
}

fn apply_steps(v: &mut Value, steps: &[JqStep], rest: &[&str]) {
    let Some((step, more)) = steps.split_first() else {
        remove_jq(v, rest);
        return;
    };
    let last = more.is_empty() && rest.is_empty();
    match (step, v) {
        (JqStep::Key(k), Value::Object(m)) => {
            if last {
                m.remove(k);
            } else if let Some(next) = m.get_mut(k) {
                apply_steps(next, more, rest);
            }
        }
        (JqStep::Index(i), Value::Array(a)) => {
            if last && *i < a.len() {
                a.remove(*i);
            } else if let Some(next) = a.get_mut(*i) {
                apply_steps(next, more, rest);
            }
        }
        (JqStep::Each, Value::Array(a)) => {
            for item in a.iter_mut() {
                apply_steps(item, more, rest);
            }
            // A `select(...)` that matched with nothing after it removes the element.
            a.retain(|item| !item.is_null());
        }
        _ => {}
    }
}

/// `select(.field == "value")`, the only form ignoreDifferences needs.
fn select_matches(v: &Value, cond: &str) -> bool {
    let Some((lhs, rhs)) = cond.split_once("==") else {
        return false;
    };
    let mut target = v;
    for step in jq_steps(lhs.trim()) {
        target = match (step, target) {
            (JqStep::Key(k), Value::Object(m)) => match m.get(&k) {
                Some(t) => t,
                None => return false,
            },
            _ => return false,
        };
    }
    let rhs = rhs.trim();
    match serde_json::from_str::<Value>(rhs) {
        Ok(expected) => *target == expected,
        Err(_) => target.as_str() == Some(rhs.trim_matches('"')),
    }
}

/// Secret values replaced by a fixed mask of the same shape so diffs show that a key
/// changed, never what it holds.
pub fn mask_secret(obj: &Value) -> Value {
    let mut v = obj.clone();
    if v["kind"].as_str() == Some("Secret") && v["apiVersion"].as_str() == Some("v1") {
        if let Some(map) = v.as_object_mut() {
            for field in ["data", "stringData"] {
                if let Some(Value::Object(data)) = map.get_mut(field) {
                    let masked: Map<String, Value> = data
                        .iter()
                        .map(|(k, val)| {
                            let digest = short_digest(val.as_str().unwrap_or_default());
                            (k.clone(), Value::String(format!("++++++++ ({digest})")))
                        })
                        .collect();
                    *data = masked;
                }
            }
            if let Some(ann) = map
                .get_mut("metadata")
                .and_then(|m| m.get_mut("annotations"))
                .and_then(Value::as_object_mut)
            {
                ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
    }
    v
}

/// A short non-reversible tag so two masked values can be told apart in a diff.
fn short_digest(s: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    format!("{:04x}", h.finish() & 0xffff)
}

/// A unified diff of two objects as YAML (live first, desired second), Secrets masked.
pub fn unified_diff(title: &str, live: Option<&Value>, desired: Option<&Value>) -> String {
    let to_text = |v: Option<&Value>| {
        v.map(|v| serde_yaml::to_string(&mask_secret(v)).unwrap_or_default())
            .unwrap_or_default()
    };
    let a = to_text(live);
    let b = to_text(desired);
    line_diff(title, &a, &b)
}

/// A minimal unified diff (LCS over lines) with three lines of context.
fn line_diff(title: &str, a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    if a == b {
        return String::new();
    }
    let n = a.len();
    let m = b.len();
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let mut out = format!("--- live/{title}\n+++ desired/{title}\n");
    let keep: Vec<bool> = (0..ops.len())
        .map(|k| {
            let lo = k.saturating_sub(3);
            let hi = (k + 3).min(ops.len() - 1);
            (lo..=hi).any(|x| ops[x].0 != ' ')
        })
        .collect();
    let mut in_hunk = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if keep[k] {
            if !in_hunk {
                out.push_str("@@\n");
                in_hunk = true;
            }
            out.push(*op);
            out.push_str(line);
            out.push('\n');
        } else {
            in_hunk = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_and_status_are_not_differences() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "resourceVersion": "5", "uid": "x", "managedFields": []},
            "data": {"k": "v"}, "status": {"x": 1}});
        let desired = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "resourceVersion": "6"}, "data": {"k": "v"}});
        assert_eq!(normalize(&live, &[]), normalize(&desired, &[]));
        let changed = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a"}, "data": {"k": "w"}});
        assert_ne!(normalize(&live, &[]), normalize(&changed, &[]));
    }

    #[test]
    fn json_pointers_and_jq_paths_are_ignored() {
        let ignore = IgnoreDifference {
            group: "apps".into(),
            kind: "Deployment".into(),
            json_pointers: vec!["/spec/replicas".into()],
            jq_path_expressions: vec![
                ".spec.template.spec.containers[] | select(.name == \"sidecar\") | .image".into(),
            ],
            ..Default::default()
        };
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "app", "image": "a:1"}, {"name": "sidecar", "image": "s:1"}]}}}});
        assert!(ignore_applies(&ignore, &obj));
        let n = normalize(&obj, &[&ignore]);
        assert!(n["spec"].get("replicas").is_none());
        assert_eq!(
            n["spec"]["template"]["spec"]["containers"][0]["image"],
            "a:1"
        );
        assert!(
            n["spec"]["template"]["spec"]["containers"][1]
                .get("image")
                .is_none()
        );
        let other = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}});
        assert!(!ignore_applies(&ignore, &other));
    }

    #[test]
    fn fields_of_ignored_managers_are_not_compared() {
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
            "spec": {"replicas": 5, "paused": false}});
        let stripped = strip_managed_by(&live, &live, &["kube-controller-manager".to_string()]);
        assert!(stripped["spec"].get("replicas").is_none(), "{stripped}");
        assert_eq!(stripped["spec"]["paused"], false);
        let kept = strip_managed_by(&live, &live, &["someone-else".to_string()]);
        assert_eq!(kept["spec"]["replicas"], 5);
    }

    #[test]
    fn secret_values_never_appear_in_a_diff() {
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"password": "aHVudGVyMg=="}});
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"password": "c2VjcmV0MQ=="}, "stringData": {"token": "plain-token"}});
        let diff = unified_diff("v1/Secret/s", Some(&live), Some(&desired));
        assert!(diff.contains("password"), "{diff}");
        assert!(!diff.contains("aHVudGVyMg=="), "{diff}");
        assert!(!diff.contains("c2VjcmV0MQ=="), "{diff}");
        assert!(!diff.contains("plain-token"), "{diff}");
        assert!(diff.contains("token: ++++++++"), "{diff}");
    }

    #[test]
    fn diff_shows_changed_lines_with_context() {
        let live = json!({"a": 1, "b": 2});
        let desired = json!({"a": 1, "b": 3});
        let diff = unified_diff("x", Some(&live), Some(&desired));
        assert!(diff.contains("-b: 2\n+b: 3\n"), "{diff}");
        assert!(unified_diff("x", Some(&live), Some(&live)).is_empty());
    }
}
