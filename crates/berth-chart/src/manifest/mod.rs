//! Rendered files to manifests and hooks, as Helm's `releaseutil` does
//! (pkg/release/v1/util/{manifest.go,manifest_sorter.go,kind_sorter.go}, Helm ≥ 4.2.4):
//! split each file into documents, read each document's head (apiVersion, kind, name,
//! annotations), separate hooks, and sort both lists by kind.

mod print;
mod split;

use std::collections::BTreeMap;

use berth_template::Value;

pub use print::{PrintError, PrintOptions, print, write_output_dir};
pub use split::split_manifests;

/// Helm 4's install order (`InstallOrder`): known kinds first, in this order.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The annotation that makes a document a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// One document of the output: a manifest or a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`), as `# Source:` prints it.
    pub source: String,
    /// The document's text, left-trimmed as Helm keeps it (trailing newlines stay).
    pub raw: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Set for documents annotated `helm.sh/hook`.
    pub hook: Option<Hook>,
}

/// A hook's annotations, as Helm reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hook {
    /// Events, lower-cased (`pre-install`, `test`; `test-success` becomes `test`).
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries, lower-cased.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` entries, lower-cased.
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// Whether this is a test hook (`helm template --skip-tests` drops those).
    pub fn is_test(&self) -> bool {
        self.events.iter().any(|e| e == "test")
    }
}

const EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// The rank of a kind in [`INSTALL_ORDER`].
fn rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind`: known kinds by their rank, unknown kinds after them by name.
pub fn kind_less(a: &str, b: &str) -> bool {
    match (rank(a), rank(b)) {
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => a < b,
    }
}

/// A stable sort by kind (Go's `sort.SliceStable` with `lessByKind`).
pub fn sort_by_kind<T>(items: &mut [T], kind: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        if kind_less(ka, kb) {
            std::cmp::Ordering::Less
        } else if kind_less(kb, ka) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

/// Helm's `SortManifests`: files by path (partials and blank files skipped), each split
/// into documents; hooks and the rest each sorted stably by kind. Returns
/// `(manifests, hooks)`. A document whose head does not parse fails as Helm's
/// "YAML parse error on <file>: ...".
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), String> {
    sort_documents(
        files
            .iter()
            .map(|(path, content)| file_documents(path, content)),
    )
}

/// The second half of [`sort_manifests`]: the documents of each file, files in path order,
/// split into manifests and hooks, each sorted stably by kind. The first error wins.
pub fn sort_documents(
    files: impl IntoIterator<Item = Result<Vec<Manifest>, String>>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), String> {
    let mut generic = Vec::new();
    let mut hooks = Vec::new();
    for docs in files {
        for m in docs? {
            if m.hook.is_some() {
                hooks.push(m);
            } else {
                generic.push(m);
            }
        }
    }
    sort_by_kind(&mut generic, |m| &m.kind);
    sort_by_kind(&mut hooks, |m| &m.kind);
    Ok((generic, hooks))
}

/// The first half of [`sort_manifests`] for one rendered file: its documents with their
/// heads read (none for partials and blank files; hooks of unknown types dropped, as Helm
/// does). Independent of every other file.
pub fn file_documents(path: &str, content: &str) -> Result<Vec<Manifest>, String> {
    let mut out = Vec::new();
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with('_') || content.trim().is_empty() {
        return Ok(out);
    }
    for doc in split_manifests(content) {
        let head = parse_head(&doc).map_err(|e| format!("YAML parse error on {path}: {e}"))?;
        let mut m = Manifest {
            source: path.to_string(),
            raw: doc,
            api_version: head.api_version,
            kind: head.kind,
            name: head.name,
            hook: None,
        };
        let Some(hook_types) = head.annotations.get(HOOK_ANNOTATION) else {
            out.push(m);
            continue;
        };
        let mut hook = Hook {
            weight: head
                .annotations
                .get(HOOK_WEIGHT_ANNOTATION)
                .and_then(|w| w.parse::<i64>().ok())
                .unwrap_or(0),
            ..Hook::default()
        };
        let mut unknown = false;
        for t in hook_types.split(',') {
            let t = t.trim().to_lowercase();
            let t = if t == "test-success" {
                "test".into()
            } else {
                t
            };
            if !EVENTS.contains(&t.as_str()) {
                unknown = true;
                break;
            }
            hook.events.push(t);
        }
        if unknown {
            // Helm logs "skipping unknown hooks" and drops the document.
            continue;
        }
        let list = |name: &str| -> Vec<String> {
            head.annotations
                .get(name)
                .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
                .unwrap_or_default()
        };
        hook.delete_policies = list(HOOK_DELETE_ANNOTATION);
        hook.output_log_policies = list(HOOK_OUTPUT_LOG_ANNOTATION);
        m.hook = Some(hook);
        out.push(m);
    }
    Ok(out)
}

/// Helm's `SimpleHead`: what the sorter reads of a document.
#[derive(Debug, Default)]
struct Head {
    api_version: String,
    kind: String,
    name: String,
    annotations: BTreeMap<String, String>,
}

fn json_type_word(v: &Value) -> &'static str {
    match v {
        Value::String(_) | Value::BinStr(_) => "string",
        Value::Float(_) | Value::Int(_) | Value::Int64(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(..) => "array",
        _ => "object",
    }
}

/// A YAML number as sigs.k8s.io/yaml writes it into a string field: integers in full
/// (go-yaml decodes them as int), other numbers with `%g` at float32 precision.
fn scalar_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return format!("{}", f as i64);
    }
    let v = f as f32;
    let s = format!("{v:e}");
    // Rust writes `1.5e0`; Go's shortest %g uses plain notation for exponents in [-4, 6).
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{v}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    }
}

/// `yaml.Unmarshal(doc, &SimpleHead{})`: YAML to JSON, then encoding/json into the
/// struct, with Go's messages for the type mismatches that matter.
fn parse_head(doc: &str) -> Result<Head, String> {
    let docs = berth_template::yaml::from_yaml_all_keys(doc, &["apiVersion", "kind", "metadata"])
        .map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    let v = docs.into_iter().next().unwrap_or(Value::Nil);
    let mismatch = |v: &Value, field: &str, ty: &str| {
        let at = if field.is_empty() {
            "Go value".to_string()
        } else {
            format!("Go struct field SimpleHead.{field}")
        };
        format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into {at} of type {ty}",
            json_type_word(v)
        )
    };
    let mut head = Head::default();
    let map = match &v {
        Value::Nil => return Ok(head),
        Value::Map(m, _) => m.borrow().clone(),
        other => return Err(mismatch(other, "", "util.SimpleHead")),
    };
    // sigs.k8s.io/yaml turns a scalar into a string when the target field is a string.
    let string = |v: Option<&Value>, field: &str| -> Result<String, String> {
        match v {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(Value::BinStr(b)) => Ok(String::from_utf8_lossy(b).into_owned()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::Int(i) | Value::Int64(i)) => Ok(i.to_string()),
            Some(Value::Float(f)) => Ok(scalar_float(*f)),
            Some(other) => Err(mismatch(other, field, "string")),
        }
    };
    head.api_version = string(map.get("apiVersion"), "apiVersion")?;
    head.kind = string(map.get("kind"), "kind")?;
    match map.get("metadata") {
        None | Some(Value::Nil) => {}
        Some(Value::Map(md, _)) => {
            let md = md.borrow();
            head.name = string(md.get("name"), "metadata.name")?;
            match md.get("annotations") {
                None | Some(Value::Nil) => {}
                Some(Value::Map(an, _)) => {
                    for (k, v) in an.borrow().iter() {
                        let s = string(Some(v), "metadata.annotations")?;
                        head.annotations.insert(k.clone(), s);
                    }
                }
                Some(other) => {
                    return Err(mismatch(other, "metadata.annotations", "map[string]string"));
                }
            }
        }
        Some(other) => {
            return Err(mismatch(
                other,
                "metadata",
                "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }",
            ));
        }
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kinds_sort_by_install_order_then_name() {
        let mut kinds = vec![
            "Zeta",
            "Deployment",
            "",
            "Service",
            "Alpha",
            "Namespace",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ConfigMap",
        ];
        sort_by_kind(&mut kinds, |k| k);
        assert_eq!(
            kinds,
            vec![
                "Namespace",
                "ConfigMap",
                "Service",
                "Deployment",
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
                "",
                "Alpha",
                "Zeta",
            ]
        );
    }

    #[test]
    fn equal_kinds_keep_file_then_document_order() {
        let f = files(&[
            (
                "c/templates/b.yaml",
                "kind: ConfigMap\nmetadata:\n  name: b1\n---\nkind: Service\nmetadata:\n  name: s\n---\nkind: ConfigMap\nmetadata:\n  name: b2\n",
            ),
            (
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: a1\n",
            ),
        ]);
        let (m, h) = sort_manifests(&f).unwrap();
        assert!(h.is_empty());
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a1", "b1", "b2", "s"]);
        assert_eq!(m[1].raw, "kind: ConfigMap\nmetadata:\n  name: b1\n");
    }

    #[test]
    fn hooks_are_separated_and_parsed() {
        let f = files(&[(
            "c/templates/h.yaml",
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: Pre-Install, test-success\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,Hook-Succeeded\n---\nkind: Pod\nmetadata:\n  name: unknown\n  annotations:\n    helm.sh/hook: pre-install,sometime\n---\nkind: Pod\nmetadata:\n  name: plain\n  annotations:\n    other: x\n",
        )]);
        let (m, h) = sort_manifests(&f).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].name, "plain");
        assert_eq!(h.len(), 1);
        let hook = h[0].hook.as_ref().unwrap();
        assert_eq!(hook.events, ["pre-install", "test"]);
        assert_eq!(hook.weight, -5);
        assert_eq!(
            hook.delete_policies,
            ["before-hook-creation", "hook-succeeded"]
        );
        assert!(hook.is_test());
    }

    #[test]
    fn partials_and_blank_files_are_skipped() {
        let f = files(&[
            ("c/templates/_h.tpl", "kind: ConfigMap\n"),
            ("c/templates/blank.yaml", " \n\n"),
            ("c/templates/comment.yaml", "# just a comment\n"),
        ]);
        let (m, _) = sort_manifests(&f).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, "");
        assert_eq!(m[0].raw, "# just a comment\n");
    }

    #[test]
    fn numbers_in_string_fields_read_as_go_does() {
        assert_eq!(scalar_float(5.0), "5");
        assert_eq!(scalar_float(-3.0), "-3");
        assert_eq!(scalar_float(1.5), "1.5");
        assert_eq!(scalar_float(0.1), "0.1");
        assert_eq!(scalar_float(1234567.5), "1.2345675e+06");
        assert_eq!(scalar_float(0.00001), "1e-05");
    }

    #[test]
    fn bad_heads_fail_like_helm() {
        let f = files(&[("c/templates/x.yaml", "kind: [3]\n")]);
        let e = sort_manifests(&f).unwrap_err();
        assert!(
            e.starts_with("YAML parse error on c/templates/x.yaml: error unmarshaling JSON"),
            "{e}"
        );
        assert!(e.contains(
            "cannot unmarshal array into Go struct field SimpleHead.kind of type string"
        ));
    }
}
