//! The real kubectl against the sandbox: what a person does on a cluster must work here.

use crate::support::{SHOP, TestCluster, WIDGET, eventually};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("kubectl printed invalid JSON ({e}):\n{text}"))
}

/// Applies the shop manifests: the CRD first, as on a real cluster kubectl cannot map a custom
/// kind in the same run that creates its CRD before discovery knows it.
fn apply_shop(c: &TestCluster) {
    let out = c.kubectl_stdin(&["apply", "-f", "-"], SHOP);
    for expected in [
        "namespace/shop created",
        "configmap/settings created",
        "secret/creds created",
        "deployment.apps/web created",
        "service/web created",
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    c.kubectl(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=10s",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_multi_document_file_with_crd_and_custom_resource() {
    let c = TestCluster::start().await;
    apply_shop(&c);

    // Strict validation (kubectl's default) refuses the unknown field, as a real server does.
    let strict = c.kubectl_output(&["apply", "-f", "-"], Some(WIDGET));
    assert!(!strict.status.success());
    assert!(
        String::from_utf8_lossy(&strict.stderr)
            .contains("strict decoding error: unknown field \"spec.bogus\""),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    // With warnings only, the field is pruned and the default filled.
    let out = c.kubectl_output(&["apply", "--validate=warn", "-f", "-"], Some(WIDGET));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field \"spec.bogus\""));
    let widget = json(&c.kubectl(&["get", "widget", "w1", "-n", "shop", "-o", "json"]));
    assert_eq!(widget["spec"]["size"], 3, "schema default filled: {widget}");
    assert_eq!(widget["spec"]["color"], "blue");
    assert!(
        widget["spec"].get("bogus").is_none(),
        "unknown field pruned: {widget}"
    );
    assert_eq!(widget["metadata"]["generation"], 1);

    // Server-populated fields kubectl users diff against.
    let svc = json(&c.kubectl(&["get", "svc", "web", "-n", "shop", "-o", "json"]));
    let ip = svc["spec"]["clusterIP"]
        .as_str()
        .expect("clusterIP allocated");
    assert!(ip.starts_with("10.9"), "{ip}");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
    assert_eq!(svc["spec"]["ports"][0]["protocol"], "TCP");
    let deploy = json(&c.kubectl(&["get", "deploy", "web", "-n", "shop", "-o", "json"]));
    assert_eq!(
        deploy["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        "25%"
    );
    assert_eq!(deploy["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(
        deploy["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert_eq!(deploy["metadata"]["generation"], 1);
    let secret = json(&c.kubectl(&["get", "secret", "creds", "-n", "shop", "-o", "json"]));
    assert_eq!(
        secret["data"]["password"], "aHVudGVyMg==",
        "stringData folded into data"
    );
    assert_eq!(secret["type"], "Opaque");
    assert!(secret.get("stringData").is_none());

    // Applying an unchanged object again changes nothing.
    let settings = SHOP
        .split("---")
        .find(|d| d.contains("name: settings"))
        .unwrap_or("");
    let again = c.kubectl_stdin(&["apply", "-f", "-"], settings);
    assert!(again.contains("configmap/settings unchanged"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_in_every_output_format() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    let yaml = c.kubectl(&["get", "cm", "settings", "-n", "shop", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: ConfigMap") && yaml.contains("mode: fast"),
        "{yaml}"
    );
    let j = json(&c.kubectl(&["get", "cm", "-n", "shop", "-o", "json"]));
    assert_eq!(j["kind"], "List");
    assert!(
        j["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["metadata"]["name"] == "settings"))
    );
    let names = c.kubectl(&["get", "cm,secret", "-n", "shop", "-o", "name"]);
    assert!(
        names.contains("configmap/settings") && names.contains("secret/creds"),
        "{names}"
    );
    let jsonpath = c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(jsonpath, "2/nginx:1.27");
    let wide = c.kubectl(&["get", "deploy", "-n", "shop", "-o", "wide"]);
    let header = wide.lines().next().unwrap_or("");
    for column in [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ] {
        assert!(
            header.contains(column),
            "wide header lacks {column}: {wide}"
        );
    }
    assert!(
        wide.contains("nginx:1.27") && wide.contains("app=web"),
        "{wide}"
    );
    let svc = c.kubectl(&["get", "svc", "-n", "shop"]);
    assert!(
        svc.lines().next().unwrap_or("").contains("CLUSTER-IP"),
        "{svc}"
    );
    assert!(svc.contains("80/TCP"), "{svc}");
    c.kubectl_stdin(&["apply", "--validate=false", "-f", "-"], WIDGET);
    let widgets = c.kubectl(&["get", "wg", "-A"]);
    let mut lines = widgets.lines();
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NAMESPACE", "NAME", "SIZE"]),
        "{widgets}"
    );
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["shop", "w1", "3"]),
        "printer column from the CRD: {widgets}"
    );
    let all_ns = c.kubectl(&["get", "ns"]);
    for ns in ["default", "kube-system", "shop"] {
        assert!(all_ns.contains(ns), "{all_ns}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_and_field_selectors() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    c.kubectl(&[
        "create",
        "configmap",
        "other",
        "-n",
        "shop",
        "--from-literal=a=b",
    ]);
    c.kubectl(&[
        "label",
        "configmap",
        "other",
        "-n",
        "shop",
        "app=api",
        "tier=back",
    ]);
    let by_label = c.kubectl(&["get", "cm", "-n", "shop", "-l", "app=web", "-o", "name"]);
    assert_eq!(by_label.trim(), "configmap/settings");
    let set_based = c.kubectl(&[
        "get",
        "cm",
        "-n",
        "shop",
        "-l",
        "tier in (front,back),app!=web",
        "-o",
        "name",
    ]);
    assert_eq!(set_based.trim(), "configmap/other");
    let exists = c.kubectl(&["get", "cm", "-n", "shop", "-l", "!tier", "-o", "name"]);
    assert!(
        !exists.contains("settings") && !exists.contains("other"),
        "{exists}"
    );
    let by_field = c.kubectl(&[
        "get",
        "cm",
        "-A",
        "--field-selector",
        "metadata.name=other",
        "-o",
        "name",
    ]);
    assert_eq!(by_field.trim(), "configmap/other");
    let by_ns = c.kubectl(&[
        "get",
        "cm",
        "-A",
        "--field-selector",
        "metadata.namespace!=shop",
        "-o",
        "name",
    ]);
    assert!(!by_ns.contains("other"), "{by_ns}");
    let bad = c.kubectl_err(&["get", "cm", "-n", "shop", "--field-selector", "spec.nope=1"]);
    assert!(
        bad.contains("\"spec.nope\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""),
        "{bad}"
    );
    let events = c.kubectl_err(&[
        "get",
        "events",
        "-n",
        "shop",
        "--field-selector",
        "spec.nope=1",
    ]);
    assert!(
        events.contains("field label not supported: spec.nope"),
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_receives_events() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    let mut child = Command::new(crate::support::kubectl_path())
        .args([
            "get",
            "cm",
            "-n",
            "shop",
            "-w",
            "--output-watch-events",
            "-o",
            "custom-columns=EVENT:.type,NAME:.object.metadata.name,MODE:.object.data.mode",
            "--no-headers",
        ])
        .env("KUBECONFIG", c.kubeconfig())
        .env("HOME", c.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl get -w starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no watch line for {what}"))
    };
    let first = next("initial state");
    assert!(
        first.contains("ADDED") && first.contains("settings"),
        "{first}"
    );
    c.kubectl(&[
        "create",
        "configmap",
        "live",
        "-n",
        "shop",
        "--from-literal=mode=slow",
    ]);
    let added = next("create");
    assert!(added.contains("ADDED") && added.contains("live"), "{added}");
    c.kubectl(&[
        "patch",
        "configmap",
        "live",
        "-n",
        "shop",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"mode":"quick"}}"#,
    ]);
    let modified = next("patch");
    assert!(
        modified.contains("MODIFIED") && modified.contains("quick"),
        "{modified}"
    );
    c.kubectl(&["delete", "configmap", "live", "-n", "shop"]);
    let deleted = next("delete");
    assert!(
        deleted.contains("DELETED") && deleted.contains("live"),
        "{deleted}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_and_scale() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    let mut cm = json(&c.kubectl(&["get", "cm", "settings", "-n", "shop", "-o", "json"]));
    cm["data"]["mode"] = "replaced".into();
    let out = c.kubectl_stdin(&["replace", "-f", "-"], &cm.to_string());
    assert!(out.contains("configmap/settings replaced"), "{out}");
    assert_eq!(
        c.kubectl(&[
            "get",
            "cm",
            "settings",
            "-n",
            "shop",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "replaced"
    );
    // The replaced object carried a resourceVersion that is now stale.
    let stale = c.kubectl_output(&["replace", "-f", "-"], Some(&cm.to_string()));
    assert!(!stale.status.success());
    assert!(
        String::from_utf8_lossy(&stale.stderr).contains("the object has been modified"),
        "{}",
        String::from_utf8_lossy(&stale.stderr)
    );

    let out = c.kubectl(&["scale", "deployment/web", "-n", "shop", "--replicas=5"]);
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    let deploy = json(&c.kubectl(&["get", "deploy", "web", "-n", "shop", "-o", "json"]));
    assert_eq!(deploy["spec"]["replicas"], 5);
    assert_eq!(
        deploy["metadata"]["generation"], 2,
        "a spec change bumps generation"
    );
    let scale = json(&c.kubectl(&[
        "get",
        "--raw",
        "/apis/apps/v1/namespaces/shop/deployments/web/scale",
    ]));
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 5);
    assert_eq!(scale["status"]["selector"], "app=web");
}

/// Creates a ConfigMap owned by the Deployment `web`, as a ReplicaSet would be.
fn create_dependent(c: &TestCluster, name: &str) {
    let uid = c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    let dependent = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "shop", "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid,
            "controller": true, "blockOwnerDeletion": true
        }]},
    });
    c.kubectl_stdin(&["create", "-f", "-"], &dependent.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_in_each_cascade_mode() {
    let c = TestCluster::start().await;
    apply_shop(&c);

    // Orphan: the dependent stays, without the owner reference.
    create_dependent(&c, "child-orphan");
    c.kubectl(&[
        "delete",
        "deploy",
        "web",
        "-n",
        "shop",
        "--cascade=orphan",
        "--timeout=20s",
    ]);
    let orphan = json(&c.kubectl(&["get", "cm", "child-orphan", "-n", "shop", "-o", "json"]));
    assert!(
        orphan["metadata"].get("ownerReferences").is_none(),
        "{orphan}"
    );

    let deployment = SHOP
        .split("---")
        .find(|d| d.contains("kind: Deployment"))
        .unwrap_or("");
    // Foreground: kubectl returns once the owner is gone, and the dependent went first.
    c.kubectl_stdin(&["apply", "-f", "-"], deployment);
    create_dependent(&c, "child-fg");
    c.kubectl(&[
        "delete",
        "deploy",
        "web",
        "-n",
        "shop",
        "--cascade=foreground",
        "--timeout=20s",
    ]);
    let gone = c.kubectl_err(&["get", "cm", "child-fg", "-n", "shop"]);
    assert!(gone.contains("configmaps \"child-fg\" not found"), "{gone}");

    // Background: the owner goes at once, the collector removes the dependent after.
    c.kubectl_stdin(&["apply", "-f", "-"], deployment);
    create_dependent(&c, "child-bg");
    c.kubectl(&[
        "delete",
        "deploy",
        "web",
        "-n",
        "shop",
        "--cascade=background",
    ]);
    eventually(
        Duration::from_secs(10),
        "background collection of child-bg",
        || {
            !c.kubectl_output(&["get", "cm", "child-bg", "-n", "shop"], None)
                .status
                .success()
        },
    );

    // A finalizer holds an object until it is removed; `kubectl wait --for=delete` sees it go.
    c.kubectl(&["create", "configmap", "held", "-n", "shop"]);
    c.kubectl(&[
        "patch",
        "cm",
        "held",
        "-n",
        "shop",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"finalizers":["example.com/hold"]}}"#,
    ]);
    c.kubectl(&["delete", "cm", "held", "-n", "shop", "--wait=false"]);
    let held = json(&c.kubectl(&["get", "cm", "held", "-n", "shop", "-o", "json"]));
    assert!(held["metadata"]["deletionTimestamp"].is_string(), "{held}");
    c.kubectl(&[
        "patch",
        "cm",
        "held",
        "-n",
        "shop",
        "--type",
        "json",
        "-p",
        r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
    ]);
    c.kubectl(&[
        "wait",
        "--for=delete",
        "cm/held",
        "-n",
        "shop",
        "--timeout=10s",
    ]);

    // Deleting the namespace removes everything in it.
    c.kubectl(&["delete", "ns", "shop", "--timeout=30s"]);
    let ns = c.kubectl_err(&["get", "ns", "shop"]);
    assert!(ns.contains("namespaces \"shop\" not found"), "{ns}");
    assert_eq!(
        c.kubectl(&[
            "get",
            "cm",
            "-A",
            "--field-selector",
            "metadata.namespace=shop",
            "-o",
            "name"
        ])
        .trim(),
        ""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_commands() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    let resources = c.kubectl(&["api-resources"]);
    for line in [
        "deployments",
        "customresourcedefinitions",
        "horizontalpodautoscalers",
        "widgets",
    ] {
        assert!(
            resources.contains(line),
            "api-resources lacks {line}:\n{resources}"
        );
    }
    let widgets = resources
        .lines()
        .find(|l| l.starts_with("widgets"))
        .unwrap_or("");
    assert!(
        widgets.contains("wg") && widgets.contains("example.com/v1") && widgets.contains("Widget"),
        "{widgets}"
    );
    let versions = c.kubectl(&["api-versions"]);
    for v in [
        "v1",
        "apps/v1",
        "autoscaling/v2",
        "autoscaling/v1",
        "example.com/v1",
        "events.k8s.io/v1",
    ] {
        assert!(
            versions.lines().any(|l| l == v),
            "api-versions lacks {v}:\n{versions}"
        );
    }
    let explain_free = c.kubectl(&["get", "--raw", "/openapi/v3"]);
    assert!(
        explain_free.contains("apis/example.com/v1"),
        "{explain_free}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_list_with_limit_and_continue() {
    let c = TestCluster::start().await;
    c.kubectl(&["create", "namespace", "many"]);
    for i in 0..7 {
        c.kubectl(&["create", "configmap", &format!("cm-{i}"), "-n", "many"]);
    }
    let mut names = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut url = "/api/v1/namespaces/many/configmaps?limit=3".to_string();
        if !token.is_empty() {
            url.push_str(&format!("&continue={token}"));
        }
        let page = json(&c.kubectl(&["get", "--raw", &url]));
        pages += 1;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 3);
        names.extend(
            items
                .iter()
                .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string()),
        );
        match page["metadata"]["continue"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("cm-{i}")).collect();
    assert_eq!(names, expected);
    // kubectl's own paging (--chunk-size) agrees.
    let chunked = c.kubectl(&["get", "cm", "-n", "many", "--chunk-size=2", "-o", "name"]);
    assert_eq!(chunked.lines().count(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_messages_match_the_real_server() {
    let c = TestCluster::start().await;
    let missing = c.kubectl_err(&["get", "cm", "nope"]);
    assert!(
        missing.contains("Error from server (NotFound): configmaps \"nope\" not found"),
        "{missing}"
    );
    let dup = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}"#;
    c.kubectl_stdin(&["create", "-f", "-"], dup);
    let out = c.kubectl_output(&["create", "-f", "-"], Some(dup));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"dup\" already exists"), "{err}");
    // The imperative form sends protobuf and words the same error its own way.
    let imperative = c.kubectl_err(&["create", "configmap", "dup"]);
    assert!(
        imperative.contains("error: failed to create configmap: configmaps \"dup\" already exists"),
        "{imperative}"
    );
    let out = c.kubectl_output(
        &["create", "-f", "-"],
        Some(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#),
    );
    let invalid = String::from_utf8_lossy(&out.stderr);
    // kubectl words Invalid errors itself: "The <Kind> \"<name>\" is invalid: ...".
    assert!(invalid.contains("The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"), "{invalid}");
    let out = c.kubectl_output(
        &["create", "-n", "ghost", "-f", "-"],
        Some(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#),
    );
    let no_ns = String::from_utf8_lossy(&out.stderr);
    assert!(
        no_ns.contains("Error from server (NotFound): error when creating \"STDIN\": namespaces \"ghost\" not found"),
        "{no_ns}"
    );
    let deploy = r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"c"}]}}}}"#;
    let out = c.kubectl_output(&["create", "-f", "-"], Some(deploy));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is invalid") && err.contains("spec.selector: Required value"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_finds_events_by_involved_object() {
    let c = TestCluster::start().await;
    apply_shop(&c);
    let uid = c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    let event = serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web.1", "namespace": "shop"},
        "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop", "uid": uid},
        "reason": "ScalingReplicaSet", "message": "Scaled up replica set web-1 to 2", "type": "Normal",
        "source": {"component": "deployment-controller"}, "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"
    });
    let other = serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "other.1", "namespace": "shop"},
        "involvedObject": {"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "namespace": "shop"},
        "reason": "Unrelated", "message": "not about web", "type": "Warning", "count": 1
    });
    c.kubectl_stdin(&["create", "-f", "-"], &event.to_string());
    c.kubectl_stdin(&["create", "-f", "-"], &other.to_string());
    let described = c.kubectl(&["describe", "deploy", "web", "-n", "shop"]);
    assert!(
        described.contains("ScalingReplicaSet")
            && described.contains("Scaled up replica set web-1 to 2"),
        "{described}"
    );
    assert!(!described.contains("Unrelated"), "{described}");
    let by_kind = c.kubectl(&[
        "get",
        "events",
        "-n",
        "shop",
        "--field-selector",
        "involvedObject.kind=ConfigMap,type=Warning",
        "-o",
        "name",
    ]);
    assert_eq!(by_kind.trim(), "event/other.1");
}
