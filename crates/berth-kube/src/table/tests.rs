//! Expected cells follow kubernetes pkg/printers/internalversion/printers.go and its
//! printers_test.go cases; durations follow apimachinery util/duration/duration_test.go.

use serde_json::{Value, json};

use super::*;
use crate::{
    gvk::GroupVersion,
    object::rfc3339_from_unix,
    resource::{ResourceInfo, Scope},
};

const NOW: i64 = 1_780_000_000;

fn ago(seconds: i64) -> String {
    rfc3339_from_unix(NOW - seconds)
}

fn info(group: &str, version: &str, kind: &str, plural: &str, scope: Scope) -> ResourceInfo {
    ResourceInfo::new(&GroupVersion::new(group, version), kind, plural, scope)
}

fn table(info: &ResourceInfo, objects: &[Value]) -> Value {
    table_for(
        info,
        None,
        objects,
        &json!({"resourceVersion": "42"}),
        &TableOptions::default(),
        NOW,
    )
}

fn cells(info: &ResourceInfo, obj: Value) -> Vec<Value> {
    let t = table(info, &[obj]);
    t["rows"][0]["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn column_names(t: &Value) -> Vec<String> {
    t["columnDefinitions"]
        .as_array()
        .map(|cols| {
            cols.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn pod_info() -> ResourceInfo {
    info("", "v1", "Pod", "pods", Scope::Namespaced)
}

#[test]
fn human_durations() {
    for (secs, want) in [
        (-2, "<invalid>"),
        (-1, "0s"),
        (1, "1s"),
        (119, "119s"),
        (120, "2m"),
        (190, "3m10s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 300, "3h5m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86_400, "8d"),
        (729 * 86_400, "729d"),
        (730 * 86_400, "2y"),
        (731 * 86_400, "2y1d"),
        (8 * 365 * 86_400, "8y"),
    ] {
        assert_eq!(human_duration(secs), want, "{secs}s");
    }
    for (secs, want) in [
        (59, "59s"),
        (60, "1m"),
        (3600, "1h"),
        (86_400, "1d"),
        (365 * 86_400, "1y"),
    ] {
        assert_eq!(short_human_duration(secs), want);
    }
}

#[test]
fn table_shape_and_include_object() {
    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "ns", "creationTimestamp": ago(300), "labels": {"a": "b"}},
        "data": {"x": "1", "y": "2"}, "binaryData": {"z": "AA=="}});
    let cm = info("", "v1", "ConfigMap", "configmaps", Scope::Namespaced);
    let t = table_for(
        &cm,
        None,
        std::slice::from_ref(&obj),
        &json!({"resourceVersion": "42", "continue": "abc"}),
        &TableOptions::default(),
        NOW,
    );
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(
        t["metadata"],
        json!({"resourceVersion": "42", "continue": "abc"})
    );
    assert_eq!(column_names(&t), ["Name", "Data", "Age"]);
    assert_eq!(t["columnDefinitions"][0]["format"], "name");
    assert_eq!(t["rows"][0]["cells"], json!(["cm", 3, "5m"]));
    assert_eq!(
        t["rows"][0]["object"],
        json!({"kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
    );

    let opts = TableOptions {
        include_object: IncludeObject::Object,
        no_headers: true,
    };
    let t = table_for(
        &cm,
        None,
        std::slice::from_ref(&obj),
        &json!({}),
        &opts,
        NOW,
    );
    assert_eq!(t["rows"][0]["object"], obj);
    assert!(t.get("columnDefinitions").is_none());
    let opts = TableOptions {
        include_object: IncludeObject::None,
        no_headers: false,
    };
    let t = table_for(&cm, None, &[obj], &json!({}), &opts, NOW);
    assert_eq!(t["rows"][0]["object"], Value::Null);

    assert_eq!(IncludeObject::parse(None), Some(IncludeObject::Metadata));
    assert_eq!(
        IncludeObject::parse(Some("Object")),
        Some(IncludeObject::Object)
    );
    assert_eq!(
        IncludeObject::parse(Some("None")),
        Some(IncludeObject::None)
    );
    assert_eq!(IncludeObject::parse(Some("bogus")), None);
}

#[test]
fn pod_columns_and_running_pod() {
    let t = table(&pod_info(), &[]);
    assert_eq!(
        column_names(&t),
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    let priorities: Vec<i64> = t["columnDefinitions"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["priority"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(priorities, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    let pod = json!({"metadata": {"name": "web-1", "creationTimestamp": ago(90)},
        "spec": {"nodeName": "node-a", "containers": [{"name": "a"}, {"name": "b"}],
                 "readinessGates": [{"conditionType": "example.com/gate"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.5",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "example.com/gate", "status": "True"}],
            "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 0, "state": {"running": {}}}]}});
    assert_eq!(
        cells(&pod_info(), pod),
        json!([
            "web-1", "1/2", "Running", "0", "90s", "10.0.0.5", "node-a", "<none>", "1/1"
        ])
        .as_array()
        .cloned()
        .unwrap_or_default()
    );
}

#[test]
fn pod_waiting_reasons_and_restarts_with_age() {
    let crash = json!({"metadata": {"name": "p", "creationTimestamp": ago(3600)},
        "spec": {"containers": [{"name": "main"}]},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}],
            "containerStatuses": [{"name": "main", "ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(125)}}}]}});
    let c = cells(&pod_info(), crash);
    assert_eq!(
        &c[1..5],
        &[
            json!("0/1"),
            json!("CrashLoopBackOff"),
            json!("4 (2m5s ago)"),
            json!("60m")
        ]
    );
    assert_eq!(c[5], "10.0.0.7");

    let pull = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "main"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "main", "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}});
    let c = cells(&pod_info(), pull);
    assert_eq!(
        &c[1..5],
        &[
            json!("0/1"),
            json!("ImagePullBackOff"),
            json!("0"),
            json!("<unknown>")
        ]
    );
    assert_eq!(&c[5..7], &[json!("<none>"), json!("<none>")]);
}

#[test]
fn pod_terminating_completed_and_signals() {
    let deleting = json!({"metadata": {"name": "p", "deletionTimestamp": ago(1)},
        "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}]}});
    assert_eq!(cells(&pod_info(), deleting)[2], "Terminating");

    let done = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "a", "ready": false,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    let t = table(&pod_info(), &[done]);
    assert_eq!(t["rows"][0]["cells"][2], "Completed");
    assert_eq!(
        t["rows"][0]["conditions"],
        json!([{"type": "Completed", "status": "True",
        "reason": "Succeeded", "message": "The pod has completed successfully."}])
    );

    let killed = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Failed", "containerStatuses": [{"name": "a",
            "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}});
    assert_eq!(cells(&pod_info(), killed)[2], "Signal:9");

    let evicted = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Failed", "reason": "Evicted"}});
    assert_eq!(cells(&pod_info(), evicted)[2], "Evicted");
}

#[test]
fn pod_init_containers_and_sidecars() {
    let init = json!({"metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
            {"name": "i2", "state": {"running": {}}}],
            "containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "PodInitializing"}}}]}});
    assert_eq!(cells(&pod_info(), init)[2], "Init:1/2");

    let init_crash = json!({"metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "a"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [{"name": "i1", "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    let c = cells(&pod_info(), init_crash);
    assert_eq!(c[2], "Init:CrashLoopBackOff");
    assert_eq!(c[3], "3");

    // A started sidecar counts as a ready container and the pod runs.
    let sidecar = json!({"metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "a"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "started": true, "ready": true, "restartCount": 1, "state": {"running": {}}}],
            "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}]}});
    let c = cells(&pod_info(), sidecar);
    assert_eq!(&c[1..4], &[json!("2/2"), json!("Running"), json!("1")]);
}

#[test]
fn workloads() {
    let deploy = info("apps", "v1", "Deployment", "deployments", Scope::Namespaced);
    let t = table(&deploy, &[]);
    assert_eq!(
        column_names(&t),
        [
            "Name",
            "Ready",
            "Up-to-date",
            "Available",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    let d = json!({"metadata": {"name": "web", "creationTimestamp": ago(300)},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "fe"}},
                 "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}, {"name": "log", "image": "busybox"}]}}},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
    assert_eq!(
        cells(&deploy, d),
        [
            json!("web"),
            json!("2/3"),
            json!(3),
            json!(2),
            json!("5m"),
            json!("web,log"),
            json!("nginx:1,busybox"),
            json!("app=web,tier=fe")
        ]
    );

    let rs = info("apps", "v1", "ReplicaSet", "replicasets", Scope::Namespaced);
    let r = json!({"metadata": {"name": "web-abc"}, "spec": {"replicas": 2,
        "selector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}, {"key": "canary", "operator": "DoesNotExist"}]}},
        "status": {"replicas": 2, "readyReplicas": 1}});
    let c = cells(&rs, r);
    assert_eq!(&c[1..4], &[json!(2), json!(2), json!(1)]);
    assert_eq!(c[7], "!canary,env in (dev,prod)");

    let sts = info(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        Scope::Namespaced,
    );
    assert_eq!(
        cells(
            &sts,
            json!({"metadata": {"name": "db"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 1}})
        )[1],
        "1/3"
    );

    let ds = info("apps", "v1", "DaemonSet", "daemonsets", Scope::Namespaced);
    let c = cells(
        &ds,
        json!({"metadata": {"name": "agent"}, "spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}}),
    );
    assert_eq!(
        &c[1..7],
        &[
            json!(3),
            json!(3),
            json!(2),
            json!(3),
            json!(2),
            json!("kubernetes.io/os=linux")
        ]
    );
    assert_eq!(c[10], "<none>");
}

#[test]
fn jobs_and_cronjobs() {
    let job = info("batch", "v1", "Job", "jobs", Scope::Namespaced);
    assert_eq!(
        column_names(&table(&job, &[])),
        [
            "Name",
            "Status",
            "Completions",
            "Duration",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
    let done = json!({"metadata": {"name": "j", "creationTimestamp": ago(600)},
        "spec": {"completions": 1}, "status": {"succeeded": 1, "startTime": ago(600), "completionTime": ago(570),
        "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}});
    assert_eq!(
        &cells(&job, done)[1..5],
        &[json!("Complete"), json!("1/1"), json!("30s"), json!("10m")]
    );
    let running = json!({"metadata": {"name": "j"}, "spec": {"parallelism": 3}, "status": {"startTime": ago(200)}});
    assert_eq!(
        &cells(&job, running)[1..4],
        &[json!("Running"), json!("0/1 of 3"), json!("3m20s")]
    );
    let failed = json!({"metadata": {"name": "j"}, "spec": {"completions": 2},
        "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}});
    assert_eq!(
        &cells(&job, failed)[1..4],
        &[json!("Failed"), json!("0/2"), json!("")]
    );

    let cron = info("batch", "v1", "CronJob", "cronjobs", Scope::Namespaced);
    let c = cells(
        &cron,
        json!({"metadata": {"name": "c"}, "spec": {"schedule": "*/5 * * * *", "suspend": false},
        "status": {"active": [{"name": "c-1"}], "lastScheduleTime": ago(61)}}),
    );
    assert_eq!(
        &c[1..6],
        &[
            json!("*/5 * * * *"),
            json!("<none>"),
            json!("False"),
            json!(1),
            json!("61s")
        ]
    );
}

#[test]
fn services() {
    let svc = info("", "v1", "Service", "services", Scope::Namespaced);
    assert_eq!(
        column_names(&table(&svc, &[])),
        [
            "Name",
            "Type",
            "Cluster-IP",
            "External-IP",
            "Port(s)",
            "Age",
            "Selector"
        ]
    );
    let c = cells(
        &svc,
        json!({"metadata": {"name": "web"}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10",
        "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}], "selector": {"app": "web"}}}),
    );
    assert_eq!(
        &c[1..5],
        &[
            json!("ClusterIP"),
            json!("10.96.0.10"),
            json!("<none>"),
            json!("80/TCP,53/UDP")
        ]
    );
    assert_eq!(c[6], "app=web");
    let c = cells(
        &svc,
        json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.11"],
        "ports": [{"port": 443, "nodePort": 30443, "protocol": "TCP"}]}}),
    );
    assert_eq!(
        &c[2..5],
        &[
            json!("10.96.0.11"),
            json!("<pending>"),
            json!("443:30443/TCP")
        ]
    );
    assert_eq!(c[6], "<none>");
    let c = cells(
        &svc,
        json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.11"]},
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}}}),
    );
    assert_eq!(
        &c[3..5],
        &[json!("203.0.113.9,lb.example.com"), json!("<none>")]
    );
    let c = cells(
        &svc,
        json!({"metadata": {"name": "ext"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
    );
    assert_eq!(&c[2..4], &[json!("<none>"), json!("db.example.com")]);
}

#[test]
fn cluster_objects() {
    let node = info("", "v1", "Node", "nodes", Scope::Cluster);
    let c = cells(
        &node,
        json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.2"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Berth"}}}),
    );
    assert_eq!(
        c,
        [
            json!("n1"),
            json!("Ready,SchedulingDisabled"),
            json!("control-plane,worker"),
            json!("<unknown>"),
            json!("v1.32.0"),
            json!("192.168.1.2"),
            json!("<none>"),
            json!("Berth"),
            json!("<unknown>"),
            json!("<unknown>")
        ]
    );

    let ns = info("", "v1", "Namespace", "namespaces", Scope::Cluster);
    assert_eq!(
        cells(
            &ns,
            json!({"metadata": {"name": "dev", "creationTimestamp": ago(10)}, "status": {"phase": "Active"}})
        ),
        [json!("dev"), json!("Active"), json!("10s")]
    );

    let sc = info(
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        Scope::Cluster,
    );
    let c = cells(
        &sc,
        json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}),
    );
    assert_eq!(
        &c[..5],
        &[
            json!("standard (default)"),
            json!("rancher.io/local-path"),
            json!("Delete"),
            json!("WaitForFirstConsumer"),
            json!(false)
        ]
    );

    let pc = info(
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        Scope::Cluster,
    );
    let c = cells(
        &pc,
        json!({"metadata": {"name": "high"}, "value": 1000, "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority"}),
    );
    assert_eq!(
        c,
        [
            json!("high"),
            json!(1000),
            json!(false),
            json!("<unknown>"),
            json!("PreemptLowerPriority")
        ]
    );

    let hook = info(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        Scope::Cluster,
    );
    assert_eq!(
        cells(
            &hook,
            json!({"metadata": {"name": "w"}, "webhooks": [{}, {}]})
        )[1],
        2
    );
}

#[test]
fn config_and_access() {
    let secret = info("", "v1", "Secret", "secrets", Scope::Namespaced);
    assert_eq!(
        &cells(
            &secret,
            json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"a": "eA=="}})
        )[1..3],
        &[json!("Opaque"), json!(1)]
    );
    let sa = info(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        Scope::Namespaced,
    );
    assert_eq!(cells(&sa, json!({"metadata": {"name": "default"}}))[1], 0);
    let rb = info(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Scope::Namespaced,
    );
    let c = cells(
        &rb,
        json!({"metadata": {"name": "rb"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "devs"}, {"kind": "User", "name": "bob"},
                     {"kind": "ServiceAccount", "name": "ci", "namespace": "build"}]}),
    );
    assert_eq!(
        c,
        [
            json!("rb"),
            json!("ClusterRole/view"),
            json!("<unknown>"),
            json!("alice, bob"),
            json!("devs"),
            json!("build/ci")
        ]
    );
    let lease = info(
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        Scope::Namespaced,
    );
    assert_eq!(
        cells(
            &lease,
            json!({"metadata": {"name": "l"}, "spec": {"holderIdentity": "me"}})
        )[1],
        "me"
    );
    // Roles have no printer: the generic convertor's Created At, in RFC 3339.
    let role = info(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        Scope::Namespaced,
    );
    let t = table(
        &role,
        &[json!({"metadata": {"name": "r", "creationTimestamp": ago(5)}})],
    );
    assert_eq!(column_names(&t), ["Name", "Created At"]);
    assert_eq!(t["columnDefinitions"][1]["type"], "date");
    assert_eq!(t["rows"][0]["cells"], json!(["r", ago(5)]));
    let t = table(&role, &[json!({"metadata": {"name": "r"}})]);
    assert_eq!(t["rows"][0]["cells"][1], "0001-01-01T00:00:00Z");
}

#[test]
fn networking_and_storage() {
    let ing = info(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        Scope::Namespaced,
    );
    let c = cells(
        &ing,
        json!({"metadata": {"name": "i"}, "spec": {"ingressClassName": "nginx",
        "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {}, {"host": "c.example.com"}, {"host": "d.example.com"}],
        "tls": [{"hosts": ["a.example.com"]}]}, "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}}),
    );
    assert_eq!(
        &c[1..5],
        &[
            json!("nginx"),
            json!("a.example.com,b.example.com,c.example.com + 2 more..."),
            json!("10.0.0.1"),
            json!("80, 443")
        ]
    );
    let c = cells(
        &ing,
        json!({"metadata": {"name": "i"}, "spec": {"rules": [{}]}}),
    );
    assert_eq!(
        &c[1..5],
        &[json!("<none>"), json!("*"), json!(""), json!("80")]
    );

    let ic = info(
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        Scope::Cluster,
    );
    let c = cells(
        &ic,
        json!({"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx",
        "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}}),
    );
    assert_eq!(
        &c[1..3],
        &[
            json!("k8s.io/ingress-nginx"),
            json!("IngressParameters.k8s.example.com/external-lb")
        ]
    );

    let np = info(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        Scope::Namespaced,
    );
    assert_eq!(
        cells(
            &np,
            json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}})
        )[1],
        "<none>"
    );

    let ep = info("", "v1", "Endpoints", "endpoints", Scope::Namespaced);
    let c = cells(
        &ep,
        json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.1.0.1"}, {"ip": "10.1.0.2"}],
        "ports": [{"port": 80}, {"port": 443}]}]}),
    );
    assert_eq!(c[1], "10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...");
    assert_eq!(
        cells(&ep, json!({"metadata": {"name": "none"}}))[1],
        "<none>"
    );

    let eps = info(
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        Scope::Namespaced,
    );
    let c = cells(
        &eps,
        json!({"metadata": {"name": "web-x"}, "addressType": "IPv4", "ports": [{"port": 80}, {"name": "http"}],
        "endpoints": [{"addresses": ["10.1.0.1"]}, {"addresses": ["10.1.0.2"]}]}),
    );
    assert_eq!(
        &c[1..4],
        &[json!("IPv4"), json!("80,http"), json!("10.1.0.1,10.1.0.2")]
    );
    assert_eq!(
        cells(
            &eps,
            json!({"metadata": {"name": "e"}, "addressType": "IPv4"})
        )[2],
        "<unset>"
    );

    let pvc = info(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        Scope::Namespaced,
    );
    let c = cells(
        &pvc,
        json!({"metadata": {"name": "data"}, "spec": {"volumeName": "pv-1", "storageClassName": "standard", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}}),
    );
    assert_eq!(
        c,
        [
            json!("data"),
            json!("Bound"),
            json!("pv-1"),
            json!("1Gi"),
            json!("RWO"),
            json!("standard"),
            json!("<unset>"),
            json!("<unknown>"),
            json!("Filesystem")
        ]
    );
    let pv = info(
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        Scope::Cluster,
    );
    let c = cells(
        &pv,
        json!({"metadata": {"name": "pv-1"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Retain", "claimRef": {"namespace": "ns", "name": "data"}}, "status": {"phase": "Bound"}}),
    );
    assert_eq!(
        &c[1..8],
        &[
            json!("1Gi"),
            json!("RWO,RWX"),
            json!("Retain"),
            json!("Bound"),
            json!("ns/data"),
            json!(""),
            json!("<unset>")
        ]
    );
}

#[test]
fn events_hpa_and_pdb() {
    let ev = info("", "v1", "Event", "events", Scope::Namespaced);
    let t = table(&ev, &[]);
    assert_eq!(
        column_names(&t),
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name"
        ]
    );
    assert_eq!(t["columnDefinitions"][9]["format"], "name");
    let c = cells(
        &ev,
        json!({"metadata": {"name": "web.1"}, "type": "Warning", "reason": "BackOff",
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{main}"},
        "source": {"component": "kubelet", "host": "node-a"}, "message": "Back-off restarting failed container\n",
        "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 5}),
    );
    assert_eq!(
        c,
        [
            json!("30s"),
            json!("Warning"),
            json!("BackOff"),
            json!("pod/web"),
            json!("spec.containers{main}"),
            json!("kubelet, node-a"),
            json!("Back-off restarting failed container"),
            json!("10m"),
            json!(5),
            json!("web.1")
        ]
    );
    let new_ev = info("events.k8s.io", "v1", "Event", "events", Scope::Namespaced);
    let c = cells(
        &new_ev,
        json!({"metadata": {"name": "e"}, "type": "Normal", "reason": "Scheduled",
        "regarding": {"kind": "Pod", "name": "web"}, "note": "ok", "eventTime": ago(5), "reportingController": "scheduler"}),
    );
    assert_eq!(
        c,
        [
            json!("5s"),
            json!("Normal"),
            json!("Scheduled"),
            json!("pod/web"),
            json!(""),
            json!("scheduler"),
            json!("ok"),
            json!("5s"),
            json!(1),
            json!("e")
        ]
    );

    let hpa = info(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        Scope::Namespaced,
    );
    let c = cells(
        &hpa,
        json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 5, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}}]},
        "status": {"currentReplicas": 2, "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 30}}}]}}),
    );
    assert_eq!(
        &c[1..6],
        &[
            json!("Deployment/web"),
            json!("cpu: 30%/80%, memory: <unknown>/100Mi"),
            json!("1"),
            json!(5),
            json!(2)
        ]
    );
    let hpa_v1 = info(
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        Scope::Namespaced,
    );
    let c = cells(
        &hpa_v1,
        json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
        "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}}),
    );
    assert_eq!(&c[2..4], &[json!("cpu: <unknown>/50%"), json!("<unset>")]);

    let pdb = info(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        Scope::Namespaced,
    );
    let c = cells(
        &pdb,
        json!({"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}}),
    );
    assert_eq!(&c[1..4], &[json!("50%"), json!("N/A"), json!(1)]);
}

#[test]
fn custom_resource_columns() {
    let version = json!({"name": "v1", "additionalPrinterColumns": [
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "priority": 1},
        {"name": "Spec", "type": "string", "jsonPath": ".spec.nested", "description": "the nested part"},
        {"name": "Missing", "type": "string", "jsonPath": ".spec.nope"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]});
    let cols = PrinterColumn::from_crd_version(&version);
    let widget = info("example.com", "v1", "Widget", "widgets", Scope::Namespaced);
    let obj = json!({"metadata": {"name": "w", "creationTimestamp": ago(7200)},
        "spec": {"replicas": 2.0, "ratio": 1, "nested": {"b": 1, "a": "x"}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let t = table_for(
        &widget,
        Some(&cols),
        &[obj],
        &json!({}),
        &TableOptions::default(),
        NOW,
    );
    assert_eq!(
        column_names(&t),
        [
            "Name", "Ready", "Replicas", "Ratio", "Spec", "Missing", "Age"
        ]
    );
    assert_eq!(
        t["columnDefinitions"][1]["description"],
        "Custom resource definition column (in JSONPath format): .status.conditions[?(@.type==\"Ready\")].status"
    );
    assert_eq!(t["columnDefinitions"][3]["priority"], 1);
    assert_eq!(t["columnDefinitions"][4]["description"], "the nested part");
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["w", "True", 2, 1.0, "{\"a\":\"x\",\"b\":1}", null, "120m"])
    );
    // A null value prints as Go's template `<no value>` in a string column, empty otherwise.
    let obj = json!({"metadata": {"name": "n"}, "spec": {"replicas": null, "nested": null}});
    let t = table_for(
        &widget,
        Some(&cols),
        &[obj],
        &json!({}),
        &TableOptions::default(),
        NOW,
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["n", null, null, null, "<no value>", null, null])
    );

    // Without declared columns the server shows Age (apiextensions serveDefaultColumnsIfEmpty).
    let cols = PrinterColumn::from_crd_version(&json!({"name": "v1"}));
    let obj = json!({"metadata": {"name": "w", "creationTimestamp": "not-a-time"}});
    let t = table_for(
        &widget,
        Some(&cols),
        &[obj],
        &json!({}),
        &TableOptions::default(),
        NOW,
    );
    assert_eq!(column_names(&t), ["Name", "Age"]);
    assert_eq!(t["columnDefinitions"][1]["type"], "date");
    assert_eq!(t["rows"][0]["cells"], json!(["w", "<invalid>"]));
    assert_eq!(table_columns(&widget, Some(&cols)).len(), 2);
}
