//! The built-in resources the API serves, as Kubernetes 1.32 discovery lists them.
//!
//! Names, short names, categories, verbs and subresources follow the discovery documents the
//! Kubernetes repository keeps under `api/discovery/` (`api__v1.json`, `apis.json`,
//! `apis__apps__v1.json`, ...). Within a group-version, resources are sorted by plural and
//! subresources by name, as the legacy `APIResourceList` lists them. Only the subresources the
//! sandbox can answer are listed: exec, attach, portforward and the proxies are left out.

use crate::gvk::{GroupVersion, GroupVersionKind};
use crate::resource::{ResourceInfo, Scope};
use std::sync::OnceLock;

/// Every built-in resource, grouped by group-version in discovery's preference order.
pub fn builtin_resources() -> Vec<ResourceInfo> {
    table().to_vec()
}

/// The built-in API groups as `/apis` orders them (the core group first, under the empty
/// name), each with its versions, preferred version first.
pub fn builtin_groups() -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for info in table() {
        match groups.iter_mut().find(|(g, _)| *g == info.group) {
            Some((_, versions)) => {
                if !versions.contains(&info.version) {
                    versions.push(info.version.clone());
                }
            }
            None => groups.push((info.group.clone(), vec![info.version.clone()])),
        }
    }
    groups
}

/// The built-in resource served at `group/version/plural`.
pub fn builtin_resource(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    table()
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The built-in resource whose objects have this group, version and kind.
pub fn builtin_by_gvk(gvk: &GroupVersionKind) -> Option<&'static ResourceInfo> {
    table()
        .iter()
        .find(|r| r.group == gvk.group && r.version == gvk.version && r.kind == gvk.kind)
}

/// Whether `group/plural` is a built-in resource in any version (custom resources can never
/// take these names).
pub fn is_builtin(group: &str, plural: &str) -> bool {
    table()
        .iter()
        .any(|r| r.group == group && r.plural == plural)
}

/// Resolves what a person types after `kubectl get`: a plural, singular, short name or kind
/// (any case), optionally qualified by group (`deployments.apps`, `deploy.apps`) or by version
/// and group (`deployments.v1.apps`). The first match in preference order wins, so `events`
/// is the core one and `hpa` the `autoscaling/v2` one, as with kubectl.
pub fn builtin_lookup(name: &str) -> Option<&'static ResourceInfo> {
    let lower = name.to_ascii_lowercase();
    // Unqualified first: `events` must not be read as resource `events` in group "".
    if let Some(found) = table().iter().find(|r| names_match(r, &lower)) {
        return Some(found);
    }
    let (resource, rest) = lower.split_once('.')?;
    table().iter().find(|r| {
        if !names_match(r, resource) {
            return false;
        }
        if rest == r.group {
            return true;
        }
        match rest.split_once('.') {
            Some((version, group)) => version == r.version && group == r.group,
            None => false,
        }
    })
}

fn names_match(info: &ResourceInfo, lower: &str) -> bool {
    info.plural == lower
        || info.singular == lower
        || info.kind.to_ascii_lowercase() == lower
        || info.short_names.iter().any(|s| s == lower)
}

fn table() -> &'static [ResourceInfo] {
    static TABLE: OnceLock<Vec<ResourceInfo>> = OnceLock::new();
    TABLE.get_or_init(build)
}

const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];

fn build() -> Vec<ResourceInfo> {
    use Scope::{Cluster, Namespaced};
    let mut all = Vec::new();

    // The core group: `/api/v1`, listed alphabetically as the server does.
    let core = GroupVersion::new("", "v1");
    let pod = core.with_kind("Pod");
    all.extend([
        res(&core, "ConfigMap", "configmaps", Namespaced).with_short_names(&["cm"]),
        res(&core, "Endpoints", "endpoints", Namespaced).with_short_names(&["ep"]),
        res(&core, "Event", "events", Namespaced).with_short_names(&["ev"]),
        res(&core, "LimitRange", "limitranges", Namespaced).with_short_names(&["limits"]),
        // Namespaces are deleted one by one through the namespace lifecycle: no
        // deletecollection (api__v1.json).
        res(&core, "Namespace", "namespaces", Cluster)
            .with_short_names(&["ns"])
            .with_verbs(&[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ])
            .with_subresource("finalize", core.with_kind("Namespace"), &["update"])
            .with_status(),
        res(&core, "Node", "nodes", Cluster)
            .with_short_names(&["no"])
            .with_status(),
        res(
            &core,
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            Namespaced,
        )
        .with_short_names(&["pvc"])
        .with_status(),
        res(&core, "PersistentVolume", "persistentvolumes", Cluster)
            .with_short_names(&["pv"])
            .with_status(),
        res(&core, "Pod", "pods", Namespaced)
            .with_short_names(&["po"])
            .with_categories(&["all"])
            .with_subresource("binding", core.with_kind("Binding"), &["create"])
            .with_subresource("ephemeralcontainers", pod.clone(), GET_PATCH_UPDATE)
            .with_subresource(
                "eviction",
                GroupVersionKind::new("policy", "v1", "Eviction"),
                &["create"],
            )
            .with_subresource("log", pod.clone(), &["get"])
            .with_status(),
        res(
            &core,
            "ReplicationController",
            "replicationcontrollers",
            Namespaced,
        )
        .with_short_names(&["rc"])
        .with_categories(&["all"])
        .with_scale()
        .with_status(),
        res(&core, "ResourceQuota", "resourcequotas", Namespaced)
            .with_short_names(&["quota"])
            .with_status(),
        res(&core, "Secret", "secrets", Namespaced),
        res(&core, "ServiceAccount", "serviceaccounts", Namespaced).with_short_names(&["sa"]),
        res(&core, "Service", "services", Namespaced)
            .with_short_names(&["svc"])
            .with_categories(&["all"])
            .with_status(),
    ]);

    // Named groups in the order `/apis` lists them (apis.json), keeping only those served.
    let apps = GroupVersion::new("apps", "v1");
    all.extend([
        res(
            &apps,
            "ControllerRevision",
            "controllerrevisions",
            Namespaced,
        ),
        res(&apps, "DaemonSet", "daemonsets", Namespaced)
            .with_short_names(&["ds"])
            .with_categories(&["all"])
            .with_status(),
        res(&apps, "Deployment", "deployments", Namespaced)
            .with_short_names(&["deploy"])
            .with_categories(&["all"])
            .with_scale()
            .with_status(),
        res(&apps, "ReplicaSet", "replicasets", Namespaced)
            .with_short_names(&["rs"])
            .with_categories(&["all"])
            .with_scale()
            .with_status(),
        res(&apps, "StatefulSet", "statefulsets", Namespaced)
            .with_short_names(&["sts"])
            .with_categories(&["all"])
            .with_scale()
            .with_status(),
    ]);

    let events = GroupVersion::new("events.k8s.io", "v1");
    all.push(res(&events, "Event", "events", Namespaced).with_short_names(&["ev"]));

    // autoscaling/v2 is preferred over v1 (apis.json).
    for version in ["v2", "v1"] {
        let gv = GroupVersion::new("autoscaling", version);
        all.push(
            res(
                &gv,
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                Namespaced,
            )
            .with_short_names(&["hpa"])
            .with_categories(&["all"])
            .with_status(),
        );
    }

    let batch = GroupVersion::new("batch", "v1");
    all.extend([
        res(&batch, "CronJob", "cronjobs", Namespaced)
            .with_short_names(&["cj"])
            .with_categories(&["all"])
            .with_status(),
        res(&batch, "Job", "jobs", Namespaced)
            .with_categories(&["all"])
            .with_status(),
    ]);

    let networking = GroupVersion::new("networking.k8s.io", "v1");
    all.extend([
        res(&networking, "IngressClass", "ingressclasses", Cluster),
        res(&networking, "Ingress", "ingresses", Namespaced)
            .with_short_names(&["ing"])
            .with_status(),
        res(&networking, "NetworkPolicy", "networkpolicies", Namespaced)
            .with_short_names(&["netpol"]),
    ]);

    let policy = GroupVersion::new("policy", "v1");
    all.push(
        res(
            &policy,
            "PodDisruptionBudget",
            "poddisruptionbudgets",
            Namespaced,
        )
        .with_short_names(&["pdb"])
        .with_status(),
    );

    let rbac = GroupVersion::new("rbac.authorization.k8s.io", "v1");
    all.extend([
        res(&rbac, "ClusterRoleBinding", "clusterrolebindings", Cluster),
        res(&rbac, "ClusterRole", "clusterroles", Cluster),
        res(&rbac, "RoleBinding", "rolebindings", Namespaced),
        res(&rbac, "Role", "roles", Namespaced),
    ]);

    let storage = GroupVersion::new("storage.k8s.io", "v1");
    all.push(res(&storage, "StorageClass", "storageclasses", Cluster).with_short_names(&["sc"]));

    let admission = GroupVersion::new("admissionregistration.k8s.io", "v1");
    all.extend([
        res(
            &admission,
            "MutatingWebhookConfiguration",
            "mutatingwebhookconfigurations",
            Cluster,
        )
        .with_categories(&["api-extensions"]),
        res(
            &admission,
            "ValidatingWebhookConfiguration",
            "validatingwebhookconfigurations",
            Cluster,
        )
        .with_categories(&["api-extensions"]),
    ]);

    let apiext = GroupVersion::new("apiextensions.k8s.io", "v1");
    all.push(
        res(
            &apiext,
            "CustomResourceDefinition",
            "customresourcedefinitions",
            Cluster,
        )
        .with_short_names(&["crd", "crds"])
        .with_categories(&["api-extensions"])
        .with_status(),
    );

    let scheduling = GroupVersion::new("scheduling.k8s.io", "v1");
    all.push(
        res(&scheduling, "PriorityClass", "priorityclasses", Cluster).with_short_names(&["pc"]),
    );

    let coordination = GroupVersion::new("coordination.k8s.io", "v1");
    all.push(res(&coordination, "Lease", "leases", Namespaced));

    let discovery = GroupVersion::new("discovery.k8s.io", "v1");
    all.push(res(
        &discovery,
        "EndpointSlice",
        "endpointslices",
        Namespaced,
    ));

    all
}

fn res(gv: &GroupVersion, kind: &str, plural: &str, scope: Scope) -> ResourceInfo {
    ResourceInfo::new(gv, kind, plural, scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(group: &str, version: &str, plural: &str) -> &'static ResourceInfo {
        match builtin_resource(group, version, plural) {
            Some(info) => info,
            None => panic!("{group}/{version}/{plural} missing"),
        }
    }

    fn sub_names(info: &ResourceInfo) -> Vec<&str> {
        info.subresources.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn namespaces_have_no_deletecollection() {
        // api/discovery/api__v1.json: namespaces verbs lack deletecollection.
        let ns = find("", "v1", "namespaces");
        assert!(!ns.verbs.iter().any(|v| v == "deletecollection"));
        assert_eq!(
            ns.verbs,
            [
                "create", "delete", "get", "list", "patch", "update", "watch"
            ]
        );
        assert_eq!(sub_names(ns), ["finalize", "status"]);
        assert_eq!(ns.subresources[0].verbs, ["update"]);
        assert_eq!(ns.scope, Scope::Cluster);
        assert_eq!(ns.short_names, ["ns"]);
    }

    #[test]
    fn events_and_nodes_have_all_standard_verbs() {
        // api__v1.json: events and nodes list all eight verbs.
        for plural in ["events", "nodes", "services", "secrets"] {
            assert_eq!(find("", "v1", plural).verbs.len(), 8, "{plural}");
        }
    }

    #[test]
    fn pods_subresources_and_kinds() {
        // api__v1.json: pods/eviction answers policy/v1 Eviction, pods/binding Binding.
        let pods = find("", "v1", "pods");
        assert_eq!(
            sub_names(pods),
            [
                "binding",
                "ephemeralcontainers",
                "eviction",
                "log",
                "status"
            ]
        );
        let eviction = &pods.subresources[2];
        assert_eq!(
            eviction.kind,
            GroupVersionKind::new("policy", "v1", "Eviction")
        );
        assert_eq!(eviction.verbs, ["create"]);
        assert_eq!(pods.subresources[0].kind.kind, "Binding");
        assert_eq!(pods.subresources[3].verbs, ["get"]);
        assert_eq!(pods.categories, ["all"]);
        assert_eq!(pods.short_names, ["po"]);
    }

    #[test]
    fn workloads_have_scale_answering_autoscaling_v1() {
        // apis__apps__v1.json: deployments/scale is autoscaling/v1 Scale.
        for plural in ["deployments", "replicasets", "statefulsets"] {
            let info = find("apps", "v1", plural);
            assert_eq!(sub_names(info), ["scale", "status"], "{plural}");
            assert_eq!(info.subresources[0].kind.api_version(), "autoscaling/v1");
        }
        assert_eq!(sub_names(find("apps", "v1", "daemonsets")), ["status"]);
        assert_eq!(find("apps", "v1", "deployments").short_names, ["deploy"]);
    }

    #[test]
    fn group_order_follows_apis_list() {
        // api/discovery/apis.json lists apps, events.k8s.io, ..., autoscaling v2 before v1.
        let groups: Vec<String> = builtin_groups().into_iter().map(|(g, _)| g).collect();
        assert_eq!(
            groups,
            [
                "",
                "apps",
                "events.k8s.io",
                "autoscaling",
                "batch",
                "networking.k8s.io",
                "policy",
                "rbac.authorization.k8s.io",
                "storage.k8s.io",
                "admissionregistration.k8s.io",
                "apiextensions.k8s.io",
                "scheduling.k8s.io",
                "coordination.k8s.io",
                "discovery.k8s.io",
            ]
        );
        let autoscaling = builtin_groups()
            .into_iter()
            .find(|(g, _)| g == "autoscaling");
        assert_eq!(
            autoscaling.map(|(_, v)| v),
            Some(vec!["v2".to_string(), "v1".to_string()])
        );
    }

    #[test]
    fn crd_names_and_categories() {
        // apis__apiextensions.k8s.io__v1.json.
        let crd = find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
        assert_eq!(crd.short_names, ["crd", "crds"]);
        assert_eq!(crd.categories, ["api-extensions"]);
        assert_eq!(crd.singular, "customresourcedefinition");
    }

    #[test]
    fn lookup_by_any_name_prefers_first_version() {
        assert_eq!(
            builtin_lookup("deploy").map(|r| r.kind.as_str()),
            Some("Deployment")
        );
        assert_eq!(
            builtin_lookup("Deployment").map(|r| r.plural.as_str()),
            Some("deployments")
        );
        assert_eq!(
            builtin_lookup("deployments.apps").map(|r| r.group.as_str()),
            Some("apps")
        );
        assert_eq!(
            builtin_lookup("hpa").map(|r| r.version.as_str()),
            Some("v2")
        );
        assert_eq!(
            builtin_lookup("horizontalpodautoscalers.v1.autoscaling").map(|r| r.version.as_str()),
            Some("v1")
        );
        assert_eq!(builtin_lookup("events").map(|r| r.group.as_str()), Some(""));
        assert_eq!(
            builtin_lookup("events.events.k8s.io").map(|r| r.group.as_str()),
            Some("events.k8s.io")
        );
        assert!(builtin_lookup("nonsense").is_none());
        assert!(builtin_lookup("").is_none());
    }

    #[test]
    fn lookup_by_gvk() {
        let gvk = GroupVersionKind::new("batch", "v1", "CronJob");
        assert_eq!(
            builtin_by_gvk(&gvk).map(|r| r.plural.as_str()),
            Some("cronjobs")
        );
        assert!(is_builtin("", "configmaps"));
        assert!(!is_builtin("example.com", "widgets"));
    }
}
