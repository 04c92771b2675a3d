//! Server-side apply as kubectl and kube-rs use it: managedFields in the real encoding,
//! conflicts between managers, force, fields a manager stops applying, dry runs.

use crate::support::TestCluster;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

const WEB: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - {name: A, value: "1"}
        ports:
        - containerPort: 80
"#;

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("invalid JSON ({e}): {text}"))
}

fn managers(c: &TestCluster) -> Vec<String> {
    let deploy = json_of(&c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-o",
        "json",
        "--show-managed-fields",
    ]));
    deploy["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                // The deployment controller's status writes come and go with the rollout.
                .filter(|e| e["subresource"] != "status")
                .map(|e| {
                    format!(
                        "{} {} {}",
                        e["manager"].as_str().unwrap_or(""),
                        e["operation"].as_str().unwrap_or(""),
                        e["subresource"].as_str().unwrap_or("")
                    )
                    .trim()
                    .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_server_side_apply() {
    let c = TestCluster::start().await;
    let out = c.kubectl_stdin(&["apply", "--server-side", "-f", "-"], WEB);
    assert!(
        out.contains("deployment.apps/web serverside-applied"),
        "{out}"
    );
    let deploy = json_of(&c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-o",
        "json",
        "--show-managed-fields",
    ]));
    let entry = &deploy["metadata"]["managedFields"][0];
    assert_eq!(entry["manager"], "kubectl");
    assert_eq!(entry["operation"], "Apply");
    assert_eq!(entry["fieldsType"], "FieldsV1");
    // The real encoding: atomic selector, containers keyed by name, ports by port and protocol.
    let fields = &entry["fieldsV1"]["f:spec"];
    assert_eq!(fields["f:selector"], json!({}));
    let container = &fields["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
    assert_eq!(container["."], json!({}));
    assert_eq!(
        container["f:ports"]["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]["f:containerPort"],
        json!({})
    );
    assert_eq!(
        container["f:env"]["k:{\"name\":\"A\"}"]["f:value"],
        json!({})
    );
    // Status and server-set fields are never owned by an applier.
    assert!(entry["fieldsV1"].get("f:status").is_none());

    // A second manager changing replicas conflicts; forcing takes ownership.
    let replicas =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n";
    let conflict = c.kubectl_output(
        &["apply", "--server-side", "--field-manager=ops", "-f", "-"],
        Some(replicas),
    );
    assert!(!conflict.status.success());
    let err = String::from_utf8_lossy(&conflict.stderr);
    assert!(
        err.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        "{err}"
    );
    c.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=ops",
            "--force-conflicts",
            "-f",
            "-",
        ],
        replicas,
    );
    assert_eq!(
        c.kubectl(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "5"
    );
    assert_eq!(managers(&c), ["kubectl Apply", "ops Apply"]);

    // kubectl's file no longer says replicas (ops owns it); dropping env A removes it.
    let without = WEB
        .replace("  replicas: 2\n", "")
        .replace("        env:\n        - {name: A, value: \"1\"}\n", "");
    c.kubectl_stdin(&["apply", "--server-side", "-f", "-"], &without);
    let deploy = json_of(&c.kubectl(&["get", "deploy", "web", "-o", "json"]));
    assert!(
        deploy["spec"]["template"]["spec"]["containers"][0]
            .get("env")
            .is_none(),
        "a field the manager stopped applying is removed: {deploy}"
    );
    assert_eq!(
        deploy["spec"]["replicas"], 5,
        "a field another manager owns stays"
    );

    // A dry run changes nothing; an update records its manager with operation Update. The
    // rollout settles first, or the deployment controller's status writes move the version.
    c.kubectl(&["rollout", "status", "deploy/web", "--timeout=30s"]);
    let rv = c.kubectl(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.resourceVersion}",
    ]);
    let dry = c.kubectl_stdin(
        &["apply", "--server-side", "--dry-run=server", "-f", "-"],
        &without.replace("nginx:1.27", "nginx:1.28"),
    );
    assert!(dry.contains("(server dry run)"), "{dry}");
    assert_eq!(
        c.kubectl(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.resourceVersion}"
        ]),
        rv
    );
    // Scaling takes .spec.replicas from ops, whose only field it was: its entry goes.
    c.kubectl(&["scale", "deploy", "web", "--replicas=3"]);
    assert_eq!(managers(&c), ["kubectl Apply", "kubectl Update scale"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_patch_apply_with_force_and_dry_run() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "ConfigMap"));
    let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &ar);
    let config = |value: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"key": value}});

    let dry = api
        .patch(
            "ssa",
            &PatchParams::apply("berth").dry_run(),
            &Patch::Apply(config("dry")),
        )
        .await
        .expect("dry-run apply creates nothing");
    assert!(
        dry.metadata.resource_version.is_none(),
        "a dry-run create has no resourceVersion"
    );
    assert!(matches!(api.get("ssa").await, Err(kube::Error::Api(s)) if s.code == 404));

    let created = api
        .patch(
            "ssa",
            &PatchParams::apply("berth"),
            &Patch::Apply(config("one")),
        )
        .await
        .expect("apply creates");
    let entries = created.metadata.managed_fields.clone().unwrap_or_default();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].manager.as_deref(), Some("berth"));
    assert_eq!(entries[0].operation.as_deref(), Some("Apply"));

    let err = api
        .patch(
            "ssa",
            &PatchParams::apply("other"),
            &Patch::Apply(config("two")),
        )
        .await
        .expect_err("conflict");
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "Conflict");
            assert!(
                status
                    .message
                    .contains("conflict with \"berth\": .data.key"),
                "{}",
                status.message
            );
        }
        other => panic!("unexpected {other}"),
    }
    let forced = api
        .patch(
            "ssa",
            &PatchParams::apply("other").force(),
            &Patch::Apply(config("two")),
        )
        .await
        .expect("force");
    assert_eq!(forced.data["data"]["key"], "two");
    // Applying the same thing again is a no-op: no new resourceVersion.
    let again = api
        .patch(
            "ssa",
            &PatchParams::apply("other").force(),
            &Patch::Apply(config("two")),
        )
        .await
        .expect("again");
    assert_eq!(
        again.metadata.resource_version,
        forced.metadata.resource_version
    );

    // Apply without a field manager is refused.
    let req = http::Request::builder()
        .method("PATCH")
        .uri("/api/v1/namespaces/default/configmaps/ssa")
        .header("content-type", "application/apply-patch+yaml")
        .body(config("x").to_string().into_bytes())
        .expect("request");
    let client = c.client().await;
    assert!(matches!(client.request_text(req).await, Err(kube::Error::Api(s)) if s.code == 422));
}
