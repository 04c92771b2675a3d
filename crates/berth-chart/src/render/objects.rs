//! The built-in objects templates see: `.Chart` (Helm 4's map of Chart.yaml's Go field
//! names plus `IsRoot`), `.Release`, `.Capabilities` and `.Template`.

use std::collections::BTreeMap;
use std::rc::Rc;

use berth_template::helm::ApiVersions;
use berth_template::{Elem, Object, Value};

use crate::chart::{Dependency, Maintainer, Metadata};

fn s(v: &str) -> Value {
    Value::str(v)
}

fn any_list(items: Vec<Value>) -> Value {
    Value::list(items)
}

/// JSON (as the loader keeps Chart.yaml's loose parts) to a Go value: numbers are float64.
pub(crate) fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(x) => s(x),
        serde_json::Value::Array(a) => any_list(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::map(
            o.iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
        ),
    }
}

fn maintainer(m: &Maintainer) -> Value {
    Value::map(BTreeMap::from([
        ("Name".to_string(), s(&m.name)),
        ("Email".to_string(), s(&m.email)),
        ("URL".to_string(), s(&m.url)),
    ]))
}

fn dependency(d: &Dependency) -> Value {
    Value::map(BTreeMap::from([
        ("Name".to_string(), s(&d.name)),
        ("Version".to_string(), s(&d.version)),
        ("Repository".to_string(), s(&d.repository)),
        ("Condition".to_string(), s(&d.condition)),
        (
            "Tags".to_string(),
            any_list(d.tags.iter().map(|t| s(t)).collect()),
        ),
        ("Enabled".to_string(), Value::Bool(d.enabled)),
        (
            "ImportValues".to_string(),
            any_list(d.import_values.iter().map(json_to_value).collect()),
        ),
        ("Alias".to_string(), s(&d.alias)),
    ]))
}

/// `.Chart` as Helm 4 passes it: `structToMap(*chart.Metadata)` (keys are the Go field
/// names; slices become `[]interface {}`) plus `IsRoot`.
pub(crate) fn chart_map(md: &Metadata, is_root: bool) -> Value {
    let strings = |v: &[String]| any_list(v.iter().map(|x| s(x)).collect());
    let annotations: BTreeMap<String, Value> = md
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), s(v)))
        .collect();
    Value::map(BTreeMap::from([
        ("Name".to_string(), s(&md.name)),
        ("Home".to_string(), s(&md.home)),
        ("Sources".to_string(), strings(&md.sources)),
        ("Version".to_string(), s(&md.version)),
        ("Description".to_string(), s(&md.description)),
        ("Keywords".to_string(), strings(&md.keywords)),
        (
            "Maintainers".to_string(),
            any_list(md.maintainers.iter().map(maintainer).collect()),
        ),
        ("Icon".to_string(), s(&md.icon)),
        ("APIVersion".to_string(), s(&md.api_version)),
        ("Condition".to_string(), s(&md.condition)),
        ("Tags".to_string(), s(&md.tags)),
        ("AppVersion".to_string(), s(&md.app_version)),
        ("Deprecated".to_string(), Value::Bool(md.deprecated)),
        (
            "Annotations".to_string(),
            annotations_value(md, annotations),
        ),
        ("KubeVersion".to_string(), s(&md.kube_version)),
        (
            "Dependencies".to_string(),
            any_list(md.dependencies.iter().map(dependency).collect()),
        ),
        ("Type".to_string(), s(&md.chart_type)),
        ("IsRoot".to_string(), Value::Bool(is_root)),
    ]))
}

/// Chart.yaml without `annotations` leaves Go's map nil (`toYaml` prints `null`); an
/// explicit `annotations: {}` is an empty map.
fn annotations_value(md: &Metadata, annotations: BTreeMap<String, Value>) -> Value {
    let written = md
        .raw
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("annotations"))
        })
        .is_some_and(|(_, v)| !v.is_null());
    if annotations.is_empty() && !written {
        Value::nil_map(Elem::String)
    } else {
        Value::typed_map(annotations, Elem::String)
    }
}

/// `.Capabilities.KubeVersion`: Helm 4's `common.KubeVersion` (the version as given,
/// normalised only by `String`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubeVersion {
    /// As given, with a leading `v` (`v1.33.4-gke.1245000`).
    pub version: String,
    /// `v` + major.minor.patch (`v1.33.4`).
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Helm 4's `ParseKubeVersion` (k8s `ParseGeneric`: optional `v`, at least two
    /// numeric components, anything non-numeric after them). `None` when it does not parse.
    pub fn parse(version: &str) -> Option<KubeVersion> {
        let t = version.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let end = t
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map(|(i, _)| i)
            .unwrap_or(t.len());
        let mut nums = &t[..end];
        // The numeric part is `[0-9]+(\.[0-9]+)*`; a trailing dot belongs to the rest.
        while nums.ends_with('.') {
            nums = &nums[..nums.len() - 1];
        }
        let comps: Vec<&str> = nums.split('.').collect();
        if comps.len() < 2 || comps.iter().any(|c| c.is_empty()) {
            return None;
        }
        let parsed: Vec<u64> = comps
            .iter()
            .map(|c| c.parse::<u64>().ok())
            .collect::<Option<_>>()?;
        let rest = &t[nums.len()..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let git = if version.starts_with('v') {
            version.to_string()
        } else {
            format!("v{version}")
        };
        let norm: Vec<String> = parsed.iter().map(u64::to_string).collect();
        Some(KubeVersion {
            version: git,
            normalized: format!("v{}", norm.join(".")),
            major: parsed[0].to_string(),
            minor: parsed[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(s(match name {
            "Version" | "GitVersion" => &self.version,
            "String" => &self.normalized,
            "Major" => &self.major,
            "Minor" => &self.minor,
            _ => return None,
        }))
    }
    fn format_v(&self) -> String {
        self.normalized.clone()
    }
    fn to_data(&self) -> Value {
        Value::map(BTreeMap::from([
            ("Version".to_string(), s(&self.version)),
            ("Major".to_string(), s(&self.major)),
            ("Minor".to_string(), s(&self.minor)),
        ]))
    }
}

/// `.Capabilities.HelmVersion`: Helm's `version.BuildInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmVersion {
    pub version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub go_version: String,
}

impl Default for HelmVersion {
    fn default() -> Self {
        HelmVersion {
            version: "v4.3.0".into(),
            git_commit: String::new(),
            git_tree_state: String::new(),
            go_version: "go1.26.0".into(),
        }
    }
}

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(s(match name {
            "Version" => &self.version,
            "GitCommit" => &self.git_commit,
            "GitTreeState" => &self.git_tree_state,
            "GoVersion" => &self.go_version,
            _ => return None,
        }))
    }
    fn format_v(&self) -> String {
        format!(
            "{{{} {} {} {}}}",
            self.version, self.git_commit, self.git_tree_state, self.go_version
        )
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("version", &self.version),
            ("git_commit", &self.git_commit),
            ("git_tree_state", &self.git_tree_state),
            ("go_version", &self.go_version),
        ] {
            if !v.is_empty() {
                m.insert(k.to_string(), s(v));
            }
        }
        Value::map(m)
    }
}

/// `.Capabilities`: Helm's `*common.Capabilities`.
#[derive(Debug)]
pub(crate) struct Capabilities {
    pub kube: Rc<KubeVersion>,
    pub api: Rc<ApiVersions>,
    pub helm: Rc<HelmVersion>,
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "KubeVersion" => Value::Object(self.kube.clone()),
            "APIVersions" => Value::Object(self.api.clone()),
            "HelmVersion" => Value::Object(self.helm.clone()),
            _ => return None,
        })
    }
    fn format_v(&self) -> String {
        format!(
            "&{{{{{} {} {} {}}} [{}] {}}}",
            self.kube.version,
            self.kube.normalized,
            self.kube.major,
            self.kube.minor,
            self.api.0.join(" "),
            self.helm.format_v()
        )
    }
    fn to_data(&self) -> Value {
        Value::map(BTreeMap::from([
            ("KubeVersion".to_string(), self.kube.to_data()),
            ("APIVersions".to_string(), self.api.to_data()),
            ("HelmVersion".to_string(), self.helm.to_data()),
        ]))
    }
}

/// Helm's default `.Capabilities.APIVersions` (client-go's scheme, as of 0.36, plus
/// apiextensions v1 and v1beta1), group/version strings only. Helm itself lists them in
/// Go map order (random), so only membership is meaningful.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "admissionregistration.k8s.io/v1alpha1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1beta1",
    "authentication.k8s.io/v1alpha1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1alpha2",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1beta1",
    "node.k8s.io/v1alpha1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1alpha1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
];

/// Helm 4.3's default kube version for `helm template` without `--kube-version`:
/// `v1.<client-go minor>.0` from the binary's module info. The Helm 4.3.0 library build
/// that the oracle uses (helm-sdkpy 0.1.32) links k8s.io/client-go v0.37.1, hence v1.37.0;
/// a Helm built against another client-go reports another default.
pub const DEFAULT_KUBE_VERSION: &str = "v1.37.0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_parse_like_helm4() {
        let k = KubeVersion::parse("v1.33.4-gke.1245000").unwrap();
        assert_eq!(k.version, "v1.33.4-gke.1245000");
        assert_eq!(k.normalized, "v1.33.4");
        assert_eq!((k.major.as_str(), k.minor.as_str()), ("1", "33"));
        let k = KubeVersion::parse("1.30").unwrap();
        assert_eq!(
            (k.version.as_str(), k.normalized.as_str()),
            ("v1.30", "v1.30")
        );
        assert!(KubeVersion::parse("1").is_none());
        assert!(KubeVersion::parse("banana").is_none());
    }
}
