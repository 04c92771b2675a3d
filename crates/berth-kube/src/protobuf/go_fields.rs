//! What Go's JSON encoder does with zero values that the generated table cannot know.
//!
//! Pointer scalars, whose explicit zero means something:
//!
//! Go's protobuf encoder writes every non-pointer field, zero or not (a kubectl ConfigMap carries
//! `uid: ""`, `generation: 0`, an empty `creationTimestamp`); Go's JSON encoder drops those zeros
//! again through `omitempty`. A pointer (`*int32`, `*bool`, `*string`) is written only when set,
//! and then even `0`, `false` or `""` must reach the server (`replicas: 0`, `backoffLimit: 0`,
//! `automountServiceAccountToken: false`, `storageClassName: ""`). The generated table knows
//! required fields but not pointers, so the pointer scalars of the served types are listed here,
//! by hand, from the Go types of the Kubernetes API (pointer structs need no entry: a present
//! message is always kept).

/// Pointer scalars: `(message path, JSON names)`.
const POINTERS: &[(&str, &[&str])] = &[
    (
        "apimachinery.pkg.apis.meta.v1.ObjectMeta",
        &["deletionGracePeriodSeconds"],
    ),
    (
        "apimachinery.pkg.apis.meta.v1.OwnerReference",
        &["controller", "blockOwnerDeletion"],
    ),
    (
        "apimachinery.pkg.apis.meta.v1.ListMeta",
        &["remainingItemCount"],
    ),
    (
        "apimachinery.pkg.apis.meta.v1.DeleteOptions",
        &[
            "gracePeriodSeconds",
            "orphanDependents",
            "propagationPolicy",
            "ignoreStoreReadErrorWithClusterBreakingPotential",
        ],
    ),
    (
        "apimachinery.pkg.apis.meta.v1.Preconditions",
        &["uid", "resourceVersion"],
    ),
    (
        "apimachinery.pkg.apis.meta.v1.ListOptions",
        &["timeoutSeconds", "sendInitialEvents"],
    ),
    ("apimachinery.pkg.apis.meta.v1.PatchOptions", &["force"]),
    ("api.core.v1.ConfigMap", &["immutable"]),
    ("api.core.v1.Secret", &["immutable"]),
    (
        "api.core.v1.ServiceAccount",
        &["automountServiceAccountToken"],
    ),
    (
        "api.core.v1.PodSpec",
        &[
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "automountServiceAccountToken",
            "shareProcessNamespace",
            "priority",
            "enableServiceLinks",
            "preemptionPolicy",
            "runtimeClassName",
            "setHostnameAsFQDN",
            "hostUsers",
        ],
    ),
    (
        "api.core.v1.PodSecurityContext",
        &[
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "fsGroup",
            "fsGroupChangePolicy",
            "supplementalGroupsPolicy",
            "seLinuxChangePolicy",
        ],
    ),
    (
        "api.core.v1.SecurityContext",
        &[
            "privileged",
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "readOnlyRootFilesystem",
            "allowPrivilegeEscalation",
            "procMount",
        ],
    ),
    ("api.core.v1.SeccompProfile", &["localhostProfile"]),
    ("api.core.v1.AppArmorProfile", &["localhostProfile"]),
    (
        "api.core.v1.WindowsSecurityContextOptions",
        &[
            "gmsaCredentialSpecName",
            "gmsaCredentialSpec",
            "runAsUserName",
            "hostProcess",
        ],
    ),
    ("api.core.v1.Container", &["restartPolicy"]),
    ("api.core.v1.EphemeralContainerCommon", &["restartPolicy"]),
    ("api.core.v1.Probe", &["terminationGracePeriodSeconds"]),
    ("api.core.v1.GRPCAction", &["service"]),
    (
        "api.core.v1.VolumeMount",
        &["mountPropagation", "recursiveReadOnly"],
    ),
    ("api.core.v1.Toleration", &["tolerationSeconds"]),
    (
        "api.core.v1.TopologySpreadConstraint",
        &["minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy"],
    ),
    ("api.core.v1.PodDNSConfigOption", &["value"]),
    (
        "api.core.v1.SecretVolumeSource",
        &["defaultMode", "optional"],
    ),
    (
        "api.core.v1.ConfigMapVolumeSource",
        &["defaultMode", "optional"],
    ),
    ("api.core.v1.ProjectedVolumeSource", &["defaultMode"]),
    ("api.core.v1.DownwardAPIVolumeSource", &["defaultMode"]),
    ("api.core.v1.DownwardAPIVolumeFile", &["mode"]),
    ("api.core.v1.KeyToPath", &["mode"]),
    ("api.core.v1.ConfigMapKeySelector", &["optional"]),
    ("api.core.v1.SecretKeySelector", &["optional"]),
    ("api.core.v1.ConfigMapEnvSource", &["optional"]),
    ("api.core.v1.SecretEnvSource", &["optional"]),
    ("api.core.v1.ConfigMapProjection", &["optional"]),
    ("api.core.v1.SecretProjection", &["optional"]),
    (
        "api.core.v1.ServiceAccountTokenProjection",
        &["expirationSeconds"],
    ),
    ("api.core.v1.HostPathVolumeSource", &["type"]),
    ("api.core.v1.CSIVolumeSource", &["readOnly", "fsType"]),
    ("api.core.v1.ISCSIVolumeSource", &["initiatorName"]),
    (
        "api.core.v1.ISCSIPersistentVolumeSource",
        &["initiatorName"],
    ),
    (
        "api.core.v1.AzureDiskVolumeSource",
        &["cachingMode", "fsType", "readOnly", "kind"],
    ),
    (
        "api.core.v1.AzureFilePersistentVolumeSource",
        &["secretNamespace"],
    ),
    ("api.core.v1.LocalVolumeSource", &["fsType"]),
    (
        "api.core.v1.ClusterTrustBundleProjection",
        &["name", "signerName", "optional"],
    ),
    (
        "api.core.v1.PersistentVolumeClaimSpec",
        &[
            "storageClassName",
            "volumeMode",
            "volumeAttributesClassName",
        ],
    ),
    ("api.core.v1.TypedLocalObjectReference", &["apiGroup"]),
    (
        "api.core.v1.TypedObjectReference",
        &["apiGroup", "namespace"],
    ),
    (
        "api.core.v1.PersistentVolumeSpec",
        &["volumeMode", "volumeAttributesClassName"],
    ),
    (
        "api.core.v1.ServiceSpec",
        &[
            "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts",
            "loadBalancerClass",
            "internalTrafficPolicy",
            "trafficDistribution",
        ],
    ),
    ("api.core.v1.ServicePort", &["appProtocol"]),
    ("api.core.v1.EndpointPort", &["appProtocol"]),
    ("api.core.v1.ClientIPConfig", &["timeoutSeconds"]),
    ("api.core.v1.LoadBalancerIngress", &["ipMode"]),
    ("api.core.v1.PortStatus", &["error"]),
    ("api.core.v1.EndpointAddress", &["nodeName"]),
    ("api.core.v1.ContainerStatus", &["started"]),
    ("api.core.v1.ReplicationControllerSpec", &["replicas"]),
    (
        "api.apps.v1.DeploymentSpec",
        &[
            "replicas",
            "revisionHistoryLimit",
            "progressDeadlineSeconds",
        ],
    ),
    ("api.apps.v1.ReplicaSetSpec", &["replicas"]),
    (
        "api.apps.v1.StatefulSetSpec",
        &["replicas", "revisionHistoryLimit"],
    ),
    (
        "api.apps.v1.RollingUpdateStatefulSetStrategy",
        &["partition"],
    ),
    ("api.apps.v1.DaemonSetSpec", &["revisionHistoryLimit"]),
    ("api.apps.v1.DeploymentStatus", &["collisionCount"]),
    ("api.apps.v1.DaemonSetStatus", &["collisionCount"]),
    ("api.apps.v1.StatefulSetStatus", &["collisionCount"]),
    ("api.apps.v1.DeploymentStatus", &["terminatingReplicas"]),
    ("api.apps.v1.ReplicaSetStatus", &["terminatingReplicas"]),
    (
        "api.batch.v1.JobSpec",
        &[
            "parallelism",
            "completions",
            "activeDeadlineSeconds",
            "backoffLimit",
            "backoffLimitPerIndex",
            "maxFailedIndexes",
            "ttlSecondsAfterFinished",
            "manualSelector",
            "suspend",
            "completionMode",
            "podReplacementPolicy",
            "managedBy",
        ],
    ),
    (
        "api.batch.v1.JobStatus",
        &["ready", "terminating", "failedIndexes"],
    ),
    (
        "api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
        &["containerName"],
    ),
    (
        "api.batch.v1.SuccessPolicyRule",
        &["succeededIndexes", "succeededCount"],
    ),
    (
        "api.batch.v1.CronJobSpec",
        &[
            "startingDeadlineSeconds",
            "suspend",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
            "timeZone",
        ],
    ),
    (
        "api.autoscaling.v1.HorizontalPodAutoscalerSpec",
        &["minReplicas", "targetCPUUtilizationPercentage"],
    ),
    (
        "api.autoscaling.v1.HorizontalPodAutoscalerStatus",
        &["observedGeneration", "currentCPUUtilizationPercentage"],
    ),
    (
        "api.autoscaling.v2.HorizontalPodAutoscalerSpec",
        &["minReplicas"],
    ),
    (
        "api.autoscaling.v2.HorizontalPodAutoscalerStatus",
        &["observedGeneration"],
    ),
    (
        "api.autoscaling.v2.HPAScalingRules",
        &["stabilizationWindowSeconds", "selectPolicy"],
    ),
    ("api.autoscaling.v2.MetricTarget", &["averageUtilization"]),
    (
        "api.autoscaling.v2.MetricValueStatus",
        &["averageUtilization"],
    ),
    (
        "api.policy.v1.PodDisruptionBudgetSpec",
        &["unhealthyPodEvictionPolicy"],
    ),
    ("api.networking.v1.IngressSpec", &["ingressClassName"]),
    ("api.networking.v1.HTTPIngressPath", &["pathType"]),
    (
        "api.networking.v1.IngressClassParametersReference",
        &["apiGroup", "scope", "namespace"],
    ),
    ("api.networking.v1.IngressPortStatus", &["error"]),
    (
        "api.networking.v1.NetworkPolicyPort",
        &["protocol", "endPort"],
    ),
    (
        "api.discovery.v1.EndpointPort",
        &["name", "protocol", "port", "appProtocol"],
    ),
    (
        "api.discovery.v1.Endpoint",
        &["hostname", "nodeName", "zone"],
    ),
    (
        "api.discovery.v1.EndpointConditions",
        &["ready", "serving", "terminating"],
    ),
    (
        "api.storage.v1.StorageClass",
        &["reclaimPolicy", "allowVolumeExpansion", "volumeBindingMode"],
    ),
    (
        "api.storage.v1.CSIDriverSpec",
        &[
            "attachRequired",
            "podInfoOnMount",
            "fsGroupPolicy",
            "storageCapacity",
            "requiresRepublish",
            "seLinuxMount",
            "nodeAllocatableUpdatePeriodSeconds",
        ],
    ),
    (
        "api.storage.v1.VolumeAttachmentSource",
        &["persistentVolumeName"],
    ),
    ("api.scheduling.v1.PriorityClass", &["preemptionPolicy"]),
    (
        "api.coordination.v1.LeaseSpec",
        &[
            "holderIdentity",
            "leaseDurationSeconds",
            "leaseTransitions",
            "strategy",
            "preferredHolder",
        ],
    ),
    (
        "api.admissionregistration.v1.ValidatingWebhook",
        &[
            "failurePolicy",
            "matchPolicy",
            "sideEffects",
            "timeoutSeconds",
        ],
    ),
    (
        "api.admissionregistration.v1.MutatingWebhook",
        &[
            "failurePolicy",
            "matchPolicy",
            "sideEffects",
            "timeoutSeconds",
            "reinvocationPolicy",
        ],
    ),
    ("api.admissionregistration.v1.Rule", &["scope"]),
    ("api.admissionregistration.v1.WebhookClientConfig", &["url"]),
    (
        "api.admissionregistration.v1.ServiceReference",
        &["path", "port"],
    ),
    (
        "kube_aggregator.pkg.apis.apiregistration.v1.ServiceReference",
        &["port"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.WebhookClientConfig",
        &["url"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.ServiceReference",
        &["path", "port"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion",
        &["deprecationWarning"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceScale",
        &["labelSelectorPath"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.ValidationRule",
        &["reason", "optionalOldSelf"],
    ),
    (
        "apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
        &[
            "$ref",
            "maximum",
            "minimum",
            "maxLength",
            "minLength",
            "maxItems",
            "minItems",
            "maxProperties",
            "minProperties",
            "multipleOf",
            "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-list-type",
            "x-kubernetes-map-type",
        ],
    ),
];

/// Fields without `omitempty` that k8s-openapi nevertheless leaves optional (status counters,
/// request objects): Go writes them always, a zero as `0`/`""`, an absent list or pointer as
/// `null` (`kubectl create clusterrole --aggregation-rule` sends `"rules": null`).
const ALWAYS_WRITTEN: &[(&str, &[&str])] = &[
    ("api.rbac.v1.Role", &["rules"]),
    ("api.rbac.v1.ClusterRole", &["rules"]),
    (
        "api.policy.v1.PodDisruptionBudgetStatus",
        &[
            "disruptionsAllowed",
            "currentHealthy",
            "desiredHealthy",
            "expectedPods",
        ],
    ),
    (
        "api.authentication.v1.TokenRequestSpec",
        &["audiences", "boundObjectRef"],
    ),
    ("api.authentication.v1.TokenRequestStatus", &["token"]),
];

fn listed(list: &[(&str, &[&str])], path: &str, json: &str) -> bool {
    list.iter()
        .any(|(p, names)| *p == path && names.contains(&json))
}

/// Whether the Go field behind `json` of message `path` is a pointer scalar.
pub fn is_pointer_field(path: &str, json: &str) -> bool {
    listed(POINTERS, path, json)
}

/// Whether Go writes the field even when it is empty, though the table says optional.
pub fn is_always_written(path: &str, json: &str) -> bool {
    listed(ALWAYS_WRITTEN, path, json)
}

#[cfg(test)]
mod tests {
    use super::super::schema::Schema;
    use super::*;

    #[test]
    fn every_listed_field_is_in_the_table() {
        let schema = Schema::get();
        let mut missing = Vec::new();
        for (path, names) in POINTERS.iter().chain(ALWAYS_WRITTEN) {
            let fields = schema.lookup(path).map(|i| &schema.messages[i].fields);
            for name in *names {
                let field = fields.and_then(|f| f.iter().find(|f| f.json == *name));
                if !field.is_some_and(|f| f.keep_zero) {
                    missing.push(format!("{path}.{name}"));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }
}
