//! The simulated Job, CronJob, StatefulSet and DaemonSet controllers, observed through kubectl
//! as a user (or Argo CD) would: conditions, counters, pod names and order, rollouts.

use crate::support::{TestCluster, eventually};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn get_json(c: &TestCluster, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    serde_json::from_str(&c.kubectl(&all)).expect("kubectl prints JSON")
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = items(list)
        .iter()
        .filter_map(|o| o["metadata"]["name"].as_str().map(String::from))
        .collect();
    names.sort();
    names
}

fn job_yaml(name: &str, spec: &str, annotations: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
{spec}
  template:
    metadata:
      annotations: {{{annotations}}}
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.36
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_completes_and_kubectl_wait_sees_it() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml("once", "  completions: 3\n  parallelism: 2", ""),
    );
    c.kubectl(&[
        "wait",
        "--for=condition=complete",
        "job/once",
        "--timeout=30s",
    ]);
    let job = get_json(&c, &["get", "job", "once"]);
    let status = &job["status"];
    assert_eq!(status["succeeded"], 3, "{status}");
    assert!(status.get("failed").is_none(), "{status}");
    assert!(status.get("active").is_none(), "{status}");
    assert!(status["completionTime"].is_string() && status["startTime"].is_string());
    let types: Vec<&str> = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet", "Complete"], "{status}");
    // Each pod was released from the tracking finalizer once counted.
    let pods = get_json(&c, &["get", "pods", "-l", "job-name=once"]);
    assert_eq!(items(&pods).len(), 3);
    for pod in items(&pods) {
        assert_eq!(pod["status"]["phase"], "Succeeded");
        assert!(
            pod["metadata"]
                .get("finalizers")
                .is_none_or(|f| f.as_array().is_some_and(Vec::is_empty)),
            "{pod}"
        );
        assert!(
            pod["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("once-"))
        );
    }
    let events = c.kubectl(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=once",
    ]);
    assert!(events.contains("Job completed"), "{events}");
    assert_eq!(events.matches("Created pod: once-").count(), 3, "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_stops_at_its_backoff_limit() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml(
            "doomed",
            "  backoffLimit: 1",
            "sandbox.berth.dev/exit-code: \"1\"",
        ),
    );
    c.kubectl(&[
        "wait",
        "--for=condition=failed",
        "job/doomed",
        "--timeout=30s",
    ]);
    let job = get_json(&c, &["get", "job", "doomed"]);
    let status = &job["status"];
    assert_eq!(status["failed"], 2, "{status}");
    let failed = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Failed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["reason"], "BackoffLimitExceeded");
    assert_eq!(
        failed["message"],
        "Job has reached the specified backoff limit"
    );
    assert!(status.get("completionTime").is_none());
    let pods = get_json(&c, &["get", "pods", "-l", "job-name=doomed"]);
    assert_eq!(items(&pods).len(), 2, "one pod and one retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexed_job_runs_each_index_once() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml(
            "idx",
            "  completions: 3\n  parallelism: 3\n  completionMode: Indexed",
            "",
        ),
    );
    c.kubectl(&[
        "wait",
        "--for=condition=complete",
        "job/idx",
        "--timeout=30s",
    ]);
    let job = get_json(&c, &["get", "job", "idx"]);
    assert_eq!(job["status"]["completedIndexes"], "0-2");
    assert_eq!(job["status"]["succeeded"], 3);
    let pods = get_json(&c, &["get", "pods", "-l", "job-name=idx"]);
    let mut indexes: Vec<String> = items(&pods)
        .iter()
        .map(|p| {
            let index = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                .as_str()
                .unwrap_or("?")
                .to_string();
            let name = p["metadata"]["name"].as_str().unwrap_or("");
            assert!(name.starts_with(&format!("idx-{index}-")), "{name}");
            index
        })
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["0", "1", "2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_deadline_fails_and_loses_its_pods() {
    let c = TestCluster::start().await;
    // 20 nominal seconds of deadline (1 s at the tests' scale) against 400 of work (20 s).
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml(
            "slow",
            "  activeDeadlineSeconds: 20",
            "sandbox.berth.dev/run-seconds: \"400\"",
        ),
    );
    c.kubectl(&[
        "wait",
        "--for=condition=failed",
        "job/slow",
        "--timeout=30s",
    ]);
    let job = get_json(&c, &["get", "job", "slow"]);
    let reasons: Vec<&str> = job["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        ["DeadlineExceeded", "DeadlineExceeded"],
        "FailureTarget then Failed"
    );
    assert!(job["status"].get("active").is_none());
    eventually(WAIT, "the deadline's pods gone", || {
        items(&get_json(&c, &["get", "pods", "-l", "job-name=slow"])).is_empty()
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_job_with_a_ttl_is_deleted() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml("brief", "  ttlSecondsAfterFinished: 20", ""),
    );
    eventually(WAIT, "job/brief deleted by its TTL", || {
        let out = c.kubectl(&["get", "jobs", "-o", "name"]);
        !out.contains("job.batch/brief")
    });
    eventually(WAIT, "its pod collected", || {
        items(&get_json(&c, &["get", "pods", "-l", "job-name=brief"])).is_empty()
    });
}
