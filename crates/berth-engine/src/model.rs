//! Application and AppProject as the argoproj.io/v1alpha1 schema spells them. Only the
//! fields Berth reads or writes are typed; the rest of an object passes through untouched
//! because status is written with a merge patch, never by replacing the object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const GROUP: &str = "argoproj.io";
pub const VERSION: &str = "v1alpha1";
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
/// Deleting an Application with this finalizer deletes its resources first.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// `normal` or `hard`: forces a fetch and a fresh comparison.
pub const REFRESH_ANNOTATION: &str = "argocd.argoproj.io/refresh";
/// The annotation that ties a managed object to its Application (DESIGN.md, decision 4).
pub const TRACKING_ANNOTATION: &str = "berth.dev/tracking-id";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub destination: Destination,
    #[serde(default)]
    pub project: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_differences: Vec<IgnoreDifference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
}

impl ApplicationSpec {
    /// `sources` wins over `source`, as in Argo CD.
    pub fn all_sources(&self) -> Vec<&Source> {
        if !self.sources.is_empty() {
            self.sources.iter().collect()
        } else {
            self.source.iter().collect()
        }
    }

    pub fn automated(&self) -> Option<&Automated> {
        let auto = self.sync_policy.as_ref()?.automated.as_ref()?;
        (auto.enabled != Some(false)).then_some(auto)
    }

    pub fn sync_options(&self) -> &[String] {
        self.sync_policy
            .as_ref()
            .map(|p| p.sync_options.as_slice())
            .unwrap_or(&[])
    }

    pub fn has_sync_option(&self, option: &str) -> bool {
        self.sync_options()
            .iter()
            .any(|o| o.trim().eq_ignore_ascii_case(option))
    }

    pub fn history_limit(&self) -> usize {
        self.revision_history_limit
            .map(|l| l.clamp(0, 1000) as usize)
            .unwrap_or(10)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(default, rename = "repoURL")]
    pub repo_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "ref")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<HelmSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<DirectorySource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HelmSource {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_object: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<HelmParameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_parameters: Vec<HelmFileParameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    #[serde(default)]
    pub skip_crds: bool,
    #[serde(default)]
    pub skip_schema_validation: bool,
    #[serde(default)]
    pub ignore_missing_value_files: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HelmParameter {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub force_string: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HelmFileParameter {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DirectorySource {
    #[serde(default)]
    pub recurse: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub include: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exclude: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Destination {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<Automated>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_namespace_metadata: Option<ManagedNamespaceMetadata>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Automated {
    #[serde(default)]
    pub prune: bool,
    #[serde(default)]
    pub self_heal: bool,
    #[serde(default)]
    pub allow_empty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RetryStrategy {
    #[serde(default)]
    pub limit: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ManagedNamespaceMetadata {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IgnoreDifference {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_pointers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jq_path_expressions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_fields_managers: Vec<String>,
}

/// `.operation`: a sync someone (or auto-sync) asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncOperation>,
    #[serde(default)]
    pub initiated_by: InitiatedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryStrategy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyncOperation {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    #[serde(default)]
    pub prune: bool,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InitiatedBy {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default)]
    pub automated: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationStatus {
    #[serde(default)]
    pub sync: SyncStatus,
    #[serde(default)]
    pub health: HealthSummary,
    #[serde(default)]
    pub resources: Vec<ResourceStatus>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub history: Vec<RevisionHistory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_state: Option<OperationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(default)]
    pub summary: Summary,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared_to: Option<ComparedTo>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ComparedTo {
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub destination: Destination,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HealthSummary {
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatus {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    /// Always written, empty for cluster-scoped objects: the schema requires the field.
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthSummary>,
    #[serde(default)]
    pub hook: bool,
    #[serde(default)]
    pub requires_pruning: bool,
    #[serde(default)]
    pub sync_wave: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RevisionHistory {
    pub id: i64,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub deployed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_started_at: Option<String>,
    #[serde(default)]
    pub initiated_by: InitiatedBy,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationState {
    #[serde(default)]
    pub operation: Operation,
    /// Running, Terminating, Failed, Error, Succeeded.
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub started_at: String,
    /// Written as null when unset: status is merge-patched, and a new operation must
    /// clear the previous one's finish time and results.
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub retry_count: i64,
    #[serde(default)]
    pub sync_result: Option<SyncResult>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SyncResult {
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub resources: Vec<ResourceResult>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResult {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    /// Always written, empty for cluster-scoped objects: the schema requires the field.
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    /// Synced, SyncFailed, Pruned, PruneSkipped.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hook_type: String,
    /// Running, Succeeded, Failed for hooks.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hook_phase: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sync_phase: String,
    #[serde(default)]
    pub sync_wave: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "externalURLs"
    )]
    pub external_urls: Vec<String>,
}

/// An Application as read from the cluster.
#[derive(Debug, Clone)]
pub struct Application {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub resource_version: String,
    pub annotations: BTreeMap<String, String>,
    pub finalizers: Vec<String>,
    pub deleting: bool,
    pub spec: ApplicationSpec,
    pub status: ApplicationStatus,
    pub operation: Option<Operation>,
}

#[derive(Debug, thiserror::Error)]
#[error("Application {namespace}/{name}: {message}")]
pub struct ModelError {
    pub namespace: String,
    pub name: String,
    pub message: String,
}

impl Application {
    /// Reads an Application from its JSON form; a malformed spec is an error naming the app.
    pub fn from_value(obj: &Value) -> Result<Application, ModelError> {
        let meta = &obj["metadata"];
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        let namespace = meta["namespace"].as_str().unwrap_or_default().to_string();
        let err = |message: String| ModelError {
            namespace: namespace.clone(),
            name: name.clone(),
            message,
        };
        let spec: ApplicationSpec = serde_json::from_value(obj["spec"].clone())
            .map_err(|e| err(format!("invalid spec: {e}")))?;
        // A status Berth cannot read is rebuilt rather than blocking the app.
        let status: ApplicationStatus =
            serde_json::from_value(obj.get("status").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        let operation = match obj.get("operation") {
            None | Some(Value::Null) => None,
            Some(op) => Some(
                serde_json::from_value(op.clone())
                    .map_err(|e| err(format!("invalid operation: {e}")))?,
            ),
        };
        let annotations = meta["annotations"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let finalizers = meta["finalizers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Application {
            uid: meta["uid"].as_str().unwrap_or_default().to_string(),
            resource_version: meta["resourceVersion"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            deleting: meta.get("deletionTimestamp").is_some_and(|v| !v.is_null()),
            name,
            namespace,
            annotations,
            finalizers,
            spec,
            status,
            operation,
        })
    }
}
