//! CustomResourceDefinitions beyond the basics: several versions, cluster scope, status and
//! scale subresources, and removal of every instance with the CRD.

use crate::support::{TestCluster, eventually};
use serde_json::Value;
use std::time::Duration;

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  scope: Cluster
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer, minimum: 0}
              mode: {type: string, enum: [fast, slow], default: fast}
          status:
            type: object
            properties:
              replicas: {type: integer}
"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("invalid JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_scope_subresources_and_cleanup() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(&["apply", "-f", "-"], CRD);
    c.kubectl(&[
        "wait",
        "--for=condition=Established",
        "crd/gadgets.example.com",
        "--timeout=10s",
    ]);
    let crd = json(&c.kubectl(&["get", "crd", "gadgets.example.com", "-o", "json"]));
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Gadget");
    assert_eq!(crd["status"]["storedVersions"], serde_json::json!(["v1"]));
    let conditions = crd["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(conditions.iter().any(|c| c["type"] == "NamesAccepted"
        && c["status"] == "True"
        && c["reason"] == "NoConflicts"));
    assert!(conditions.iter().any(|c| c["type"] == "Established"
        && c["status"] == "True"
        && c["reason"] == "InitialNamesAccepted"));

    let versions = c.kubectl(&["api-versions"]);
    assert!(
        versions.lines().any(|l| l == "example.com/v1")
            && versions.lines().any(|l| l == "example.com/v1beta1"),
        "{versions}"
    );

    c.kubectl_stdin(&["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  replicas: 1\nstatus:\n  replicas: 7\n");
    let g = json(&c.kubectl(&["get", "gadget", "g1", "-o", "json"]));
    assert_eq!(g["spec"]["mode"], "fast", "schema default");
    assert!(
        g.get("status").is_none(),
        "status is not set through the main resource: {g}"
    );
    assert!(g["metadata"].get("namespace").is_none(), "cluster scope");
    // The same object read through the other served version.
    let beta = json(&c.kubectl(&["get", "--raw", "/apis/example.com/v1beta1/gadgets/g1"]));
    assert_eq!(beta["apiVersion"], "example.com/v1beta1");
    assert_eq!(beta["spec"]["replicas"], 1);

    // Invalid values against the schema are 422 with the real wording.
    let bad = c.kubectl_output(&["apply", "-f", "-"], Some("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g2\nspec:\n  mode: medium\n"));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("Unsupported value: \"medium\""), "{err}");

    // Status subresource: only status changes, generation stays.
    c.kubectl(&[
        "patch",
        "gadget",
        "g1",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"replicas":1},"spec":{"replicas":9}}"#,
    ]);
    let g = json(&c.kubectl(&["get", "gadget", "g1", "-o", "json"]));
    assert_eq!(g["status"]["replicas"], 1);
    assert_eq!(g["spec"]["replicas"], 1);
    assert_eq!(g["metadata"]["generation"], 1);

    // Scale subresource from the CRD's paths.
    c.kubectl(&["scale", "gadget/g1", "--replicas=4"]);
    let g = json(&c.kubectl(&["get", "gadget", "g1", "-o", "json"]));
    assert_eq!(g["spec"]["replicas"], 4);
    assert_eq!(g["metadata"]["generation"], 2);

    // Deleting the CRD removes its instances and stops serving it.
    c.kubectl(&["delete", "crd", "gadgets.example.com", "--timeout=20s"]);
    eventually(Duration::from_secs(10), "gadgets no longer served", || {
        let out = c.kubectl_output(&["get", "--raw", "/apis/example.com/v1/gadgets"], None);
        !out.status.success()
    });
    c.kubectl_stdin(&["apply", "-f", "-"], CRD);
    c.kubectl(&[
        "wait",
        "--for=condition=Established",
        "crd/gadgets.example.com",
        "--timeout=10s",
    ]);
    let items = json(&c.kubectl(&["get", "--raw", "/apis/example.com/v1/gadgets"]));
    assert_eq!(
        items["items"].as_array().map(Vec::len),
        Some(0),
        "instances went with their CRD"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_collection() {
    let c = TestCluster::start().await;
    for i in 0..5 {
        c.kubectl_stdin(&["apply", "-f", "-"], &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dc-{i}\n  labels: {{group: {}}}\n", if i < 3 { "left" } else { "right" }));
    }
    let out = c.kubectl(&["delete", "cm", "-l", "group=left"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    let left = c.kubectl(&["get", "cm", "-l", "group", "-o", "name"]);
    assert_eq!(left.lines().count(), 2, "{left}");
    // The collection verb itself, as the namespace controller and `kubectl delete --all` use it.
    let status = c.kubectl(&[
        "delete",
        "--raw",
        "/api/v1/namespaces/default/configmaps?labelSelector=group%3Dright",
    ]);
    assert!(
        status.contains("dc-3") && status.contains("dc-4"),
        "{status}"
    );
    assert_eq!(
        c.kubectl(&["get", "cm", "-l", "group", "-o", "name"])
            .trim(),
        ""
    );
}
