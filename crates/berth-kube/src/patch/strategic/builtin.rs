//! The patch metadata of the built-in types, from the `patchStrategy` and `patchMergeKey` tags
//! of kubernetes/api (core/v1, apps/v1, batch/v1, policy/v1, autoscaling/v2,
//! admissionregistration/v1, networking/v1, storage/v1) and apimachinery meta/v1 ObjectMeta.
//!
//! Only the paths that lead to a tagged field are listed: anything else is untagged, which
//! the engine treats as Go does (maps merge, lists replace). apiextensions/v1, rbac,
//! coordination, discovery, scheduling, events and autoscaling/v1 carry no tags besides
//! ObjectMeta's. Kinds are keyed `apiVersion/Kind`; a built-in kind without an entry is
//! `Object` (metadata only).

use super::schema::{Registry, Schema};
use crate::builtin::builtin_by_gvk;
use crate::gvk::GroupVersionKind;
use std::sync::OnceLock;

const TABLE: &str = r#"
# apimachinery meta/v1
ObjectMeta
  ownerReferences []OwnerReference merge uid
  finalizers []string merge
Object
  metadata ObjectMeta

# core/v1 shared sub-types
PodTemplateSpec
  metadata ObjectMeta
  spec PodSpec
PodSpec
  volumes []Volume merge,retainKeys name
  initContainers []Container merge name
  containers []Container merge name
  ephemeralContainers []Container merge name  # EphemeralContainerCommon has Container's tags
  imagePullSecrets []LocalObjectReference merge name
  hostAliases []HostAlias merge ip
  topologySpreadConstraints []TopologySpreadConstraint merge topologyKey
  schedulingGates []PodSchedulingGate merge name
  resourceClaims []PodResourceClaim merge,retainKeys name
Container
  ports []ContainerPort merge containerPort
  env []EnvVar merge name
  volumeMounts []VolumeMount merge mountPath
  volumeDevices []VolumeDevice merge devicePath
PodStatus
  conditions []PodCondition merge type
  hostIPs []HostIP merge ip
  podIPs []PodIP merge ip
  resourceClaimStatuses []PodResourceClaimStatus merge,retainKeys name
ConditionsByType
  conditions []Condition merge type

# core/v1 kinds
v1/Pod
  metadata ObjectMeta
  spec PodSpec
  status PodStatus
v1/PodTemplate
  metadata ObjectMeta
  template PodTemplateSpec
v1/ReplicationController
  metadata ObjectMeta
  spec WithTemplate
  status ConditionsByType
WithTemplate
  template PodTemplateSpec
v1/Service
  metadata ObjectMeta
  spec ServiceSpec
  status ConditionsByType
ServiceSpec
  ports []ServicePort merge port
v1/ServiceAccount
  metadata ObjectMeta
  secrets []ObjectReference merge name
v1/Node
  metadata ObjectMeta
  spec NodeSpec
  status NodeStatus
NodeSpec
  podCIDRs []string merge
NodeStatus
  conditions []NodeCondition merge type
  addresses []NodeAddress merge type
v1/Namespace
  metadata ObjectMeta
  status ConditionsByType
v1/PersistentVolumeClaim
  metadata ObjectMeta
  status ConditionsByType
v1/ComponentStatus
  metadata ObjectMeta
  conditions []ComponentCondition merge type

# apps/v1: every workload has a pod template and conditions by type
apps/v1/Deployment
  metadata ObjectMeta
  spec DeploymentSpec
  status ConditionsByType
DeploymentSpec
  template PodTemplateSpec
  strategy DeploymentStrategy retainKeys
apps/v1/ReplicaSet
  metadata ObjectMeta
  spec WithTemplate
  status ConditionsByType
apps/v1/StatefulSet
  metadata ObjectMeta
  spec WithTemplate
  status ConditionsByType
apps/v1/DaemonSet
  metadata ObjectMeta
  spec WithTemplate
  status ConditionsByType

# batch/v1
batch/v1/Job
  metadata ObjectMeta
  spec WithTemplate
  status ConditionsByType
batch/v1/CronJob
  metadata ObjectMeta
  spec CronJobSpec
CronJobSpec
  jobTemplate JobTemplateSpec
JobTemplateSpec
  metadata ObjectMeta
  spec WithTemplate

# autoscaling, policy, networking, storage
autoscaling/v2/HorizontalPodAutoscaler
  metadata ObjectMeta
  status ConditionsByType
policy/v1/PodDisruptionBudget
  metadata ObjectMeta
  spec PodDisruptionBudgetSpec
  status ConditionsByType
PodDisruptionBudgetSpec
  selector LabelSelector replace
networking.k8s.io/v1/ServiceCIDR
  metadata ObjectMeta
  status ConditionsByType
storage.k8s.io/v1/CSINode
  metadata ObjectMeta
  spec CSINodeSpec
CSINodeSpec
  drivers []CSINodeDriver merge name

# admissionregistration.k8s.io/v1
admissionregistration.k8s.io/v1/MutatingWebhookConfiguration
  metadata ObjectMeta
  webhooks []Webhook merge name
admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration
  metadata ObjectMeta
  webhooks []Webhook merge name
Webhook
  matchConditions []MatchCondition merge name
admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy
  metadata ObjectMeta
  spec AdmissionPolicySpec
AdmissionPolicySpec
  matchConditions []MatchCondition merge name
  variables []Variable merge name
"#;

/// Kinds the API serves with strategic merge patch support that the resource table lists as
/// subresource kinds only.
const SUBRESOURCE_KINDS: &[(&str, &str)] =
    &[("autoscaling/v1", "Scale"), ("policy/v1", "Eviction")];

pub(crate) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    // The table is a constant checked by the tests; a parse error would leave it empty.
    REGISTRY.get_or_init(|| Registry::parse(TABLE).unwrap_or_default())
}

fn root_name(gvk: &GroupVersionKind) -> String {
    format!("{}/{}", gvk.api_version(), gvk.kind)
}

/// Whether the API server accepts `application/strategic-merge-patch+json` for this kind:
/// built-in types only. Custom resources have no Go struct tags, so the server answers 415.
pub fn supports_strategic_merge_patch(gvk: &GroupVersionKind) -> bool {
    builtin_by_gvk(gvk).is_some()
        || registry().has(&root_name(gvk))
        || SUBRESOURCE_KINDS
            .iter()
            .any(|(av, k)| *av == gvk.api_version() && *k == gvk.kind)
}

/// The schema of a supported kind.
pub(crate) fn schema_for(gvk: &GroupVersionKind) -> Option<Schema<'static>> {
    if !supports_strategic_merge_patch(gvk) {
        return None;
    }
    let name = root_name(gvk);
    let registry = registry();
    Some(if registry.has(&name) {
        registry.root(&name)
    } else {
        registry.root("Object")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::strategic::schema::Strategy;

    #[test]
    fn the_table_parses_and_names_the_main_merge_keys() {
        assert!(Registry::parse(TABLE).is_ok());
        let deploy =
            schema_for(&GroupVersionKind::new("apps", "v1", "Deployment")).expect("built-in");
        let (spec, _) = deploy.field("spec");
        let (template, _) = spec.field("template");
        let (pod, _) = template.field("spec");
        let (container, meta) = pod.list("containers");
        assert_eq!(
            (meta.strategy, meta.merge_key.as_str()),
            (Strategy::Merge, "name")
        );
        assert_eq!(container.list("ports").1.merge_key, "containerPort");
        assert_eq!(container.list("env").1.merge_key, "name");
        assert_eq!(container.list("args").1.strategy, Strategy::Default);
        let volumes = pod.list("volumes").1;
        assert!(volumes.retain_keys && volumes.strategy == Strategy::Merge);
        assert!(spec.field("strategy").1.retain_keys);
        let (metadata, _) = deploy.field("metadata");
        assert_eq!(metadata.list("ownerReferences").1.merge_key, "uid");
        assert_eq!(metadata.list("finalizers").1.strategy, Strategy::Merge);
        let svc = schema_for(&GroupVersionKind::new("", "v1", "Service")).expect("built-in");
        assert_eq!(svc.field("spec").0.list("ports").1.merge_key, "port");
        let pdb = schema_for(&GroupVersionKind::new(
            "policy",
            "v1",
            "PodDisruptionBudget",
        ))
        .expect("built-in");
        assert_eq!(
            pdb.field("spec").0.field("selector").1.strategy,
            Strategy::Replace
        );
    }

    #[test]
    fn every_struct_the_table_refers_to_is_defined_or_an_untagged_leaf() {
        let leaves = registry().leaf_types();
        let expected = [
            "Condition",
            "ComponentCondition",
            "ContainerPort",
            "CSINodeDriver",
            "DeploymentStrategy",
            "EnvVar",
            "HostAlias",
            "HostIP",
            "LabelSelector",
            "LocalObjectReference",
            "MatchCondition",
            "NodeAddress",
            "NodeCondition",
            "ObjectReference",
            "OwnerReference",
            "PodCondition",
            "PodIP",
            "PodResourceClaim",
            "PodResourceClaimStatus",
            "PodSchedulingGate",
            "ServicePort",
            "TopologySpreadConstraint",
            "Variable",
            "Volume",
            "VolumeDevice",
            "VolumeMount",
            "string",
        ];
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(leaves, expected);
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(Registry::parse("  field Type merge name").is_err());
        assert!(Registry::parse("S\n  onlyname\n").is_err());
        assert!(Registry::parse("S\n  f []T sideways k\n").is_err());
    }

    #[test]
    fn built_ins_are_supported_and_custom_resources_are_not() {
        for (g, v, k) in [
            ("", "v1", "ConfigMap"),
            ("rbac.authorization.k8s.io", "v1", "Role"),
            ("apps", "v1", "Deployment"),
            ("autoscaling", "v1", "Scale"),
        ] {
            assert!(
                supports_strategic_merge_patch(&GroupVersionKind::new(g, v, k)),
                "{k}"
            );
        }
        assert!(!supports_strategic_merge_patch(&GroupVersionKind::new(
            "example.com",
            "v1",
            "Widget"
        )));
        assert!(schema_for(&GroupVersionKind::new("example.com", "v1", "Widget")).is_none());
        let cm = schema_for(&GroupVersionKind::new("", "v1", "ConfigMap")).expect("built-in");
        assert_eq!(
            cm.field("metadata").0.list("finalizers").1.strategy,
            Strategy::Merge
        );
    }
}
