//! Simulated usage through the metrics API (`kubectl top`) and the HPA that scales on it.

use crate::support::{TestCluster, eventually};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

const USAGE_APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
      annotations:
        sandbox.berth.dev/usage: "cpu=200m,memory=300Mi"
    spec:
      containers:
      - name: main
        image: nginx:1.27
        resources:
          requests: {cpu: 100m, memory: 256Mi}
"#;

fn millicores(text: &str) -> u64 {
    text.trim_end_matches('m').parse().unwrap_or(0)
}

fn mebibytes(text: &str) -> u64 {
    text.trim_end_matches("Mi").parse().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_top_prints_the_simulated_usage() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(&["apply", "-f", "-"], USAGE_APP);
    c.kubectl(&["rollout", "status", "deployment/api", "--timeout=30s"]);
    let out = c.kubectl(&["top", "pods", "-l", "app=api", "--no-headers"]);
    let cols: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(cols.len(), 3, "{out}");
    assert!(cols[0].starts_with("api-"), "{out}");
    // 200m and 300Mi, within the simulated variation (±5% CPU, ±2% memory).
    assert!((190..=210).contains(&millicores(cols[1])), "{out}");
    assert!((294..=306).contains(&mebibytes(cols[2])), "{out}");

    let nodes = c.kubectl(&["top", "nodes", "--no-headers"]);
    let rows: Vec<Vec<&str>> = nodes
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{nodes}");
    for row in &rows {
        assert!(row[0].starts_with("sandbox-worker-"), "{nodes}");
        assert!(row[2].ends_with('%') && row[4].ends_with('%'), "{nodes}");
    }
    // The node running the pod carries its usage on top of the system daemons'.
    let node = c.kubectl(&[
        "get",
        "pods",
        "-l",
        "app=api",
        "-o",
        "jsonpath={.items[0].spec.nodeName}",
    ]);
    let busy = rows
        .iter()
        .find(|r| r[0] == node)
        .map(|r| millicores(r[1]))
        .unwrap_or(0);
    let idle = rows
        .iter()
        .find(|r| r[0] != node)
        .map(|r| millicores(r[1]))
        .unwrap_or(0);
    assert!(busy >= idle + 150, "{nodes}");

    let err = c.kubectl_err(&["top", "pod", "missing"]);
    assert!(
        err.contains("podmetrics.metrics.k8s.io \"missing\" not found")
            || err.contains("not found"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hpa_scales_on_utilization_up_to_its_maximum() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(&["apply", "-f", "-"], USAGE_APP);
    c.kubectl(&["rollout", "status", "deployment/api", "--timeout=30s"]);
    let hpa = r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
"#;
    c.kubectl_stdin(&["apply", "-f", "-"], hpa);
    // 200% of the request against a 50% target: four times as many pods, then capped at 5.
    eventually(
        WAIT,
        "the HPA to scale the Deployment to its maximum",
        || {
            c.kubectl(&[
                "get",
                "deployment",
                "api",
                "-o",
                "jsonpath={.spec.replicas}",
            ]) == "5"
        },
    );
    eventually(WAIT, "the HPA status", || {
        c.kubectl(&[
            "get",
            "hpa",
            "api",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"ScalingLimited\")].reason}",
        ]) == "TooManyReplicas"
    });
    let status = c.kubectl(&["get", "hpa", "api", "-o", "jsonpath={.status.desiredReplicas} {.status.conditions[?(@.type==\"AbleToScale\")].status} {.status.conditions[?(@.type==\"ScalingActive\")].reason}"]);
    assert_eq!(status, "5 True ValidMetricFound");
    let row = c.kubectl(&["get", "hpa", "api", "--no-headers"]);
    assert!(row.contains("cpu: ") && row.contains("%/50%"), "{row}");
    let events = c.event_messages("reason=SuccessfulRescale");
    assert!(
        events.contains("; reason: cpu resource utilization (percentage of request) above target"),
        "{events}"
    );
    c.kubectl(&["rollout", "status", "deployment/api", "--timeout=30s"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn hpa_without_requests_reports_why_it_cannot_scale() {
    let c = TestCluster::start().await;
    c.kubectl(&["create", "deployment", "plain", "--image=nginx:1.27"]);
    c.kubectl(&["rollout", "status", "deployment/plain", "--timeout=30s"]);
    c.kubectl(&[
        "autoscale",
        "deployment",
        "plain",
        "--cpu-percent=50",
        "--min=1",
        "--max=3",
    ]);
    eventually(WAIT, "the FailedGetResourceMetric condition", || {
        c.kubectl(&["get", "hpa", "plain", "-o", "json"])
            .contains("missing request for cpu in container nginx")
    });
}
