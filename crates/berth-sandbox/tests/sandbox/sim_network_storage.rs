//! The simulated Service, Ingress and storage controllers as kubectl sees them: endpoints that
//! follow the pods, load balancer and ingress addresses, and claims that bind.

use crate::support::{TestCluster, eventually};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("kubectl printed invalid JSON ({e}):\n{text}"))
}

fn get_json(c: &TestCluster, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    json(&c.kubectl(&all))
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

fn ips(addresses: &Value) -> BTreeSet<String> {
    addresses
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["ip"].as_str().map(str::to_string))
        .collect()
}

/// The reasons of the events about one object.
fn event_reasons(c: &TestCluster, namespace: &str, name: &str) -> Vec<String> {
    let selector = format!("involvedObject.name={name}");
    let events = get_json(
        c,
        &[
            "get",
            "events",
            "-n",
            namespace,
            "--field-selector",
            &selector,
        ],
    );
    items(&events)
        .iter()
        .filter_map(|e| e["reason"].as_str().map(str::to_string))
        .collect()
}

const WEB: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: net
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: net
spec:
  replicas: 3
  selector:
    matchLabels: {app: web, track: stable}
  template:
    metadata:
      labels: {app: web, track: stable}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: canary
  namespace: net
spec:
  replicas: 1
  selector:
    matchLabels: {app: web, track: canary}
  template:
    metadata:
      labels: {app: web, track: canary}
      annotations: {sandbox.berth.dev/ready: "false"}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: net
  labels: {team: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
"#;

/// The stable pods' IPs once all `count` have one and are ready.
fn ready_pod_ips(c: &TestCluster, selector: &str) -> BTreeSet<String> {
    let pods = get_json(c, &["get", "pods", "-n", "net", "-l", selector]);
    items(&pods)
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .filter(|p| {
            p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
        .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_and_slices_follow_the_selected_pods() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(&["apply", "-f", "-"], WEB);

    let mut stable = BTreeSet::new();
    eventually(WAIT, "three ready stable pods", || {
        stable = ready_pod_ips(&c, "track=stable");
        stable.len() == 3
    });
    let mut endpoints = Value::Null;
    eventually(
        WAIT,
        "endpoints listing the ready and the not-ready pods",
        || {
            endpoints = get_json(&c, &["get", "endpoints", "web", "-n", "net"]);
            ips(&endpoints["subsets"][0]["addresses"]) == stable
                && ips(&endpoints["subsets"][0]["notReadyAddresses"]).len() == 1
        },
    );
    let canary = get_json(&c, &["get", "pods", "-n", "net", "-l", "track=canary"]);
    let canary_ip = items(&canary)[0]["status"]["podIP"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        ips(&endpoints["subsets"][0]["notReadyAddresses"]),
        BTreeSet::from([canary_ip.clone()])
    );
    let subset = &endpoints["subsets"][0];
    assert_eq!(
        subset["ports"],
        serde_json::json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
    );
    let address = &subset["addresses"][0];
    assert_eq!(address["targetRef"]["kind"], "Pod");
    assert!(
        address["nodeName"]
            .as_str()
            .is_some_and(|n| n.starts_with("sandbox-worker-")),
        "{address}"
    );
    assert_eq!(endpoints["metadata"]["labels"]["team"], "shop");
    assert!(
        endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
            .is_string(),
        "{endpoints}"
    );

    let table = c.kubectl(&["get", "endpoints", "web", "-n", "net"]);
    let first = stable.iter().next().cloned().unwrap_or_default();
    assert!(table.contains(&format!("{first}:8080")), "{table}");

    let slices = get_json(
        &c,
        &[
            "get",
            "endpointslices",
            "-n",
            "net",
            "-l",
            "kubernetes.io/service-name=web",
        ],
    );
    let slices = items(&slices);
    assert_eq!(slices.len(), 1, "{slices:?}");
    let slice = &slices[0];
    assert!(
        slice["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("web-"))
    );
    assert_eq!(
        slice["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"],
        "endpointslice-controller.k8s.io"
    );
    assert_eq!(slice["metadata"]["ownerReferences"][0]["kind"], "Service");
    assert_eq!(slice["addressType"], "IPv4");
    assert_eq!(slice["ports"][0]["port"], 8080);
    let endpoint_of = |ip: &str| {
        slice["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["addresses"][0] == ip)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(endpoint_of(&first)["conditions"]["ready"], true);
    assert!(
        endpoint_of(&first)["zone"]
            .as_str()
            .is_some_and(|z| z.starts_with("us-east-1"))
    );
    assert_eq!(endpoint_of(&canary_ip)["conditions"]["ready"], false);

    c.kubectl(&["scale", "deployment/web", "-n", "net", "--replicas=1"]);
    eventually(WAIT, "endpoints shrinking to one ready address", || {
        let e = get_json(&c, &["get", "endpoints", "web", "-n", "net"]);
        let remaining = ips(&e["subsets"][0]["addresses"]);
        remaining.len() == 1 && remaining.is_subset(&stable)
    });
    eventually(WAIT, "the slice dropping the removed pods", || {
        let s = get_json(
            &c,
            &[
                "get",
                "endpointslices",
                "-n",
                "net",
                "-l",
                "kubernetes.io/service-name=web",
            ],
        );
        let endpoints: Vec<Value> = items(&s)
            .iter()
            .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
            .collect();
        endpoints.len() == 2
    });

    c.kubectl(&["delete", "service", "web", "-n", "net"]);
    eventually(WAIT, "the endpoints going with their service", || {
        let out = c.kubectl_output(&["get", "endpoints", "web", "-n", "net"], None);
        !out.status.success()
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_without_selector_keep_their_own_endpoints() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        r#"apiVersion: v1
kind: Service
metadata: {name: external-db, namespace: default}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: external-db, namespace: default}
subsets:
- addresses: [{ip: 192.0.2.10}]
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  selector: {app: nothing-matches}
  ports: [{port: 80}]
"#,
    );
    // The selector Service's empty Endpoints prove the controller ran past the other one.
    eventually(
        WAIT,
        "empty endpoints for a selector that matches nothing",
        || {
            c.kubectl_output(&["get", "endpoints", "empty"], None)
                .status
                .success()
        },
    );
    let slices = get_json(
        &c,
        &[
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=empty",
        ],
    );
    assert_eq!(items(&slices).len(), 1, "one placeholder slice");
    assert!(
        items(&slices)[0]["endpoints"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
    let external = get_json(&c, &["get", "endpoints", "external-db"]);
    assert_eq!(
        ips(&external["subsets"][0]["addresses"]),
        BTreeSet::from(["192.0.2.10".to_string()])
    );
    let none = get_json(
        &c,
        &[
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=external-db",
        ],
    );
    assert!(items(&none).is_empty(), "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_services_get_a_hostname() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        r#"apiVersion: v1
kind: Service
metadata: {name: public, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: elsewhere, namespace: default}
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/other
  selector: {app: web}
  ports: [{port: 80}]
"#,
    );
    let mut table = String::new();
    eventually(WAIT, "an external hostname", || {
        table = c.kubectl(&["get", "svc", "public"]);
        table.contains(".us-east-1.elb.amazonaws.com")
    });
    assert!(!table.contains("<pending>"), "{table}");
    let reasons = event_reasons(&c, "default", "public");
    assert!(
        reasons.contains(&"EnsuringLoadBalancer".to_string()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"EnsuredLoadBalancer".to_string()),
        "{reasons:?}"
    );
    // Same delay as the first: had it been served, it would be by now.
    let other = c.kubectl(&["get", "svc", "elsewhere"]);
    assert!(other.contains("<pending>"), "{other}");

    // The type alone: the server drops the fields only a load balancer uses (node ports,
    // allocateLoadBalancerNodePorts, externalTrafficPolicy), as the real registry does.
    let to_cluster_ip = r#"{"spec":{"type":"ClusterIP"}}"#;
    c.kubectl(&[
        "patch",
        "svc",
        "public",
        "--type=merge",
        "-p",
        to_cluster_ip,
    ]);
    eventually(WAIT, "the load balancer status removed", || {
        let svc = get_json(&c, &["get", "svc", "public"]);
        svc["status"]["loadBalancer"]["ingress"].is_null()
    });
    let reasons = event_reasons(&c, "default", "public");
    assert!(
        reasons.contains(&"DeletedLoadBalancer".to_string()),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingresses_get_an_address() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: default}
spec:
  ingressClassName: alb
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"#,
    );
    eventually(WAIT, "an ingress address", || {
        let table = c.kubectl(&["get", "ingress", "shop"]);
        table.contains("k8s-default-shop-") && table.contains(".us-east-1.elb.amazonaws.com")
    });
    let reasons = event_reasons(&c, "default", "shop");
    assert!(
        reasons.contains(&"SuccessfullyReconciled".to_string()),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_provisioned_and_bound() {
    let c = TestCluster::start().await;
    let classes = get_json(&c, &["get", "storageclass", "gp2"]);
    assert_eq!(
        classes["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"],
        "true"
    );
    assert_eq!(classes["volumeBindingMode"], "WaitForFirstConsumer");

    c.kubectl_stdin(
        &["apply", "-f", "-"],
        r#"apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: ebs.csi.aws.com
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  storageClassName: fast
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1500Mi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lost, namespace: default}
spec:
  storageClassName: missing
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"#,
    );

    // Immediate: bound without a consumer, to a whole-GiB EBS volume.
    eventually(WAIT, "data bound", || {
        c.kubectl(&["get", "pvc", "data"]).contains("Bound")
    });
    let data = get_json(&c, &["get", "pvc", "data"]);
    let volume = data["spec"]["volumeName"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(
        volume,
        format!("pvc-{}", data["metadata"]["uid"].as_str().unwrap_or(""))
    );
    assert_eq!(data["status"]["capacity"]["storage"], "2Gi");
    assert_eq!(
        data["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"],
        "yes"
    );
    assert_eq!(
        data["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"],
        "ebs.csi.aws.com"
    );
    let pv_table = c.kubectl(&["get", "pv", &volume]);
    assert!(
        pv_table.contains("Bound") && pv_table.contains("default/data"),
        "{pv_table}"
    );
    let reasons = event_reasons(&c, "default", "data");
    for reason in ["ExternalProvisioning", "ProvisioningSucceeded"] {
        assert!(reasons.contains(&reason.to_string()), "{reasons:?}");
    }

    // No class: the default one is assigned, and binding waits for a consumer.
    eventually(WAIT, "cache waiting for its first consumer", || {
        event_reasons(&c, "default", "cache").contains(&"WaitForFirstConsumer".to_string())
    });
    let cache = get_json(&c, &["get", "pvc", "cache"]);
    assert_eq!(cache["spec"]["storageClassName"], "gp2");
    assert_eq!(cache["status"]["phase"], "Pending");
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        r#"apiVersion: v1
kind: Pod
metadata: {name: consumer, namespace: default}
spec:
  containers: [{name: app, image: nginx:1.27, volumeMounts: [{name: cache, mountPath: /cache}]}]
  volumes: [{name: cache, persistentVolumeClaim: {claimName: cache}}]
"#,
    );
    eventually(WAIT, "cache bound once its consumer is scheduled", || {
        c.kubectl(&["get", "pvc", "cache"]).contains("Bound")
    });
    let cache = get_json(&c, &["get", "pvc", "cache"]);
    let pod = get_json(&c, &["get", "pod", "consumer"]);
    assert_eq!(
        cache["metadata"]["annotations"]["volume.kubernetes.io/selected-node"],
        pod["spec"]["nodeName"]
    );
    let cache_pv = get_json(
        &c,
        &[
            "get",
            "pv",
            cache["spec"]["volumeName"].as_str().unwrap_or(""),
        ],
    );
    assert_eq!(cache_pv["status"]["phase"], "Bound");
    assert!(
        cache_pv["spec"]["awsElasticBlockStore"]["volumeID"].is_string(),
        "{cache_pv}"
    );

    // A class that does not exist: Pending, with the controller's complaint.
    let lost = c.kubectl(&["get", "pvc", "lost"]);
    assert!(lost.contains("Pending"), "{lost}");
    let describe = c.kubectl(&["describe", "pvc", "lost"]);
    assert!(describe.contains("ProvisioningFailed"), "{describe}");
    assert!(
        describe.contains(r#"storageclass.storage.k8s.io "missing" not found"#),
        "{describe}"
    );

    // Reclaim policy Delete: the volume goes with its claim.
    c.kubectl(&["delete", "pvc", "data"]);
    eventually(WAIT, "the volume deleted with its claim", || {
        !c.kubectl_output(&["get", "pv", &volume], None)
            .status
            .success()
    });
}
