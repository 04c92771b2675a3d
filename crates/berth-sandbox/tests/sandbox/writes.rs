//! Writes the way kubectl makes them: client-side apply (strategic three-way patches),
//! diff, server dry-run, the three patch types and edit.

use crate::support::TestCluster;
use serde_json::Value;

const APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example/api:1.0
        env:
        - {name: MODE, value: fast}
        - {name: LEVEL, value: info}
        - {name: REGION, value: eu}
        ports:
        - containerPort: 8080
      - name: sidecar
        image: registry.example/proxy:2.0
"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("invalid JSON ({e}): {text}"))
}

fn env(deploy: &Value) -> Vec<(String, String)> {
    deploy["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap_or("").to_string(),
                        e["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_diff_and_dry_run() {
    let c = TestCluster::start().await;
    assert!(
        c.kubectl_stdin(&["apply", "-f", "-"], APP)
            .contains("deployment.apps/api created")
    );
    assert!(
        c.kubectl_stdin(&["apply", "-f", "-"], APP)
            .contains("deployment.apps/api unchanged")
    );

    // Nothing to show right after an apply: exit 0, no resourceVersion noise.
    let same = c.kubectl_output(&["diff", "-f", "-"], Some(APP));
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    assert!(same.stdout.is_empty());

    let changed = APP.replace("replicas: 2", "replicas: 5");
    let diff = c.kubectl_output(&["diff", "-f", "-"], Some(&changed));
    assert_eq!(diff.status.code(), Some(1));
    let text = String::from_utf8_lossy(&diff.stdout);
    let changes: Vec<&str> = text
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changes,
        [
            "-  generation: 1",
            "+  generation: 2",
            "-  replicas: 2",
            "+  replicas: 5"
        ],
        "{text}"
    );

    let rv_before = c.kubectl(&[
        "get",
        "deploy",
        "api",
        "-o",
        "jsonpath={.metadata.resourceVersion}",
    ]);
    let dry = c.kubectl_stdin(&["apply", "--dry-run=server", "-f", "-"], &changed);
    assert!(
        dry.contains("deployment.apps/api configured (server dry run)"),
        "{dry}"
    );
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert_eq!(live["spec"]["replicas"], 2, "dry run changes nothing");
    assert_eq!(live["metadata"]["resourceVersion"], rv_before.as_str());

    assert!(
        c.kubectl_stdin(&["apply", "-f", "-"], &changed)
            .contains("deployment.apps/api configured")
    );
    let again = c.kubectl_output(&["diff", "-f", "-"], Some(&changed));
    assert_eq!(again.status.code(), Some(0));

    // Dropping an env var from the file removes it from the live object (three-way patch).
    let fewer = changed.replace("        - {name: LEVEL, value: info}\n", "");
    c.kubectl_stdin(&["apply", "-f", "-"], &fewer);
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert_eq!(
        env(&live),
        [
            ("MODE".into(), "fast".into()),
            ("REGION".into(), "eu".into())
        ]
    );
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][1]["name"],
        "sidecar"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_types_and_edit() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(&["apply", "-f", "-"], APP);

    // Strategic: one env var changes, the others and the other container stay.
    c.kubectl(&["patch", "deploy", "api", "--type", "strategic", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"api","env":[{"name":"LEVEL","value":"debug"}]}]}}}}"#]);
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert_eq!(
        env(&live),
        [
            ("MODE".into(), "fast".into()),
            ("LEVEL".into(), "debug".into()),
            ("REGION".into(), "eu".into())
        ]
    );
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Merge: lists are replaced whole.
    c.kubectl(&[
        "patch",
        "deploy",
        "api",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"team":"core"}},"spec":{"replicas":3}}"#,
    ]);
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert_eq!(live["metadata"]["labels"]["team"], "core");
    assert_eq!(live["spec"]["replicas"], 3);

    // JSON patch, with a failing test operation refused as a whole.
    c.kubectl(&["patch", "deploy", "api", "--type", "json", "-p", r#"[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"registry.example/proxy:2.1"}]"#]);
    assert_eq!(
        c.kubectl(&[
            "get",
            "deploy",
            "api",
            "-o",
            "jsonpath={.spec.template.spec.containers[1].image}"
        ]),
        "registry.example/proxy:2.1"
    );
    let failed = c.kubectl_err(&["patch", "deploy", "api", "--type", "json", "-p", r#"[{"op":"test","path":"/spec/replicas","value":9},{"op":"replace","path":"/spec/replicas","value":1}]"#]);
    assert!(failed.contains("test failed"), "{failed}");
    assert_eq!(
        c.kubectl(&["get", "deploy", "api", "-o", "jsonpath={.spec.replicas}"]),
        "3"
    );

    // Strategic patches are for built-ins only; custom resources answer 415.
    c.kubectl_stdin(&["apply", "-f", "-"], crate::support::SHOP);
    c.kubectl(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=10s",
    ]);
    c.kubectl_stdin(
        &["apply", "--validate=false", "-f", "-"],
        crate::support::WIDGET,
    );
    // kubectl knows it and refuses before sending; the server's 415 is checked in bad_input.
    let refused = c.kubectl_err(&[
        "patch",
        "widget",
        "w1",
        "-n",
        "shop",
        "--type",
        "strategic",
        "-p",
        r#"{"spec":{"color":"red"}}"#,
    ]);
    assert!(
        refused.contains(
            "application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget"
        ),
        "{refused}"
    );
    c.kubectl(&[
        "patch",
        "widget",
        "w1",
        "-n",
        "shop",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"color":"red"}}"#,
    ]);
    assert_eq!(
        c.kubectl(&[
            "get",
            "widget",
            "w1",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.color}"
        ]),
        "red"
    );

    // edit with a scripted editor: kubectl sends a two-way strategic patch.
    let editor = c.home.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/image: registry.example\\/api:1.0/image: registry.example\\/api:1.1/' \"$1\"\n").expect("editor");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let out = std::process::Command::new(crate::support::kubectl_path())
        .args(["edit", "deploy", "api"])
        .env("KUBECONFIG", c.kubeconfig())
        .env("HOME", c.home.path())
        .env("KUBE_EDITOR", &editor)
        .output()
        .expect("kubectl edit runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("deployment.apps/api edited"));
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example/api:1.1"
    );
    assert_eq!(env(&live).len(), 3, "edit keeps what it did not touch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_validation_of_built_ins() {
    let c = TestCluster::start().await;
    let typo = APP
        .replace("  replicas: 2", "  replicas: 2\n  replica: 3")
        .replace(
            "        image: registry.example/api:1.0",
            "        image: registry.example/api:1.0\n        imagee: x",
        );
    let strict = c.kubectl_output(&["apply", "-f", "-"], Some(&typo));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(
        err.contains(r#"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagee""#),
        "{err}"
    );
    let warn = c.kubectl_output(&["apply", "--validate=warn", "-f", "-"], Some(&typo));
    assert!(
        warn.status.success(),
        "{}",
        String::from_utf8_lossy(&warn.stderr)
    );
    let warnings = String::from_utf8_lossy(&warn.stderr);
    assert!(
        warnings.contains(r#"Warning: unknown field "spec.replica""#),
        "{warnings}"
    );
    let live = json(&c.kubectl(&["get", "deploy", "api", "-o", "json"]));
    assert!(
        live["spec"].get("replica").is_none(),
        "unknown fields are dropped"
    );
    assert_eq!(live["spec"]["replicas"], 2);

    // Duplicate keys: the last one wins, and strict validation names the path.
    let client = c.client().await;
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}"#.to_vec();
    let post = |validation: &str| {
        http::Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/namespaces/default/configmaps?fieldValidation={validation}"
            ))
            .header("content-type", "application/json")
            .body(body.clone())
            .expect("request")
    };
    match client.request_text(post("Strict")).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 400);
            assert_eq!(
                s.message,
                r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data.a""#
            );
        }
        other => panic!("strict duplicate accepted: {other:?}"),
    }
    client.request_text(post("Ignore")).await.expect("ignored");
    assert_eq!(
        c.kubectl(&["get", "cm", "dup", "-o", "jsonpath={.data.a}"]),
        "2"
    );
}
