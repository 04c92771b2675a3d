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
    let (log, task) = watch_pods(&c).await;
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
    task.abort();
    assert_eq!(
        most_at_once(&snapshot(&log)),
        2,
        "parallelism bounds the running pods"
    );
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

/// Every pod change in the default namespace, as (event, pod name, ready), in order.
type PodLog = std::sync::Arc<std::sync::Mutex<Vec<Seen>>>;

/// One pod change seen by a watch: (event, pod name, ready, phase).
type Seen = (&'static str, String, bool, String);

async fn watch_pods(c: &TestCluster) -> (PodLog, tokio::task::JoinHandle<()>) {
    use futures::StreamExt;
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams, WatchEvent, WatchParams};
    let api: Api<Pod> = Api::namespaced(c.client().await, "default");
    let list = api.list(&ListParams::default()).await.expect("pods list");
    let rv = list.metadata.resource_version.unwrap_or_default();
    let mut stream = api
        .watch(&WatchParams::default().timeout(290), &rv)
        .await
        .expect("pods watch")
        .boxed();
    let log = PodLog::default();
    let sink = log.clone();
    let task = tokio::spawn(async move {
        while let Some(Ok(event)) = stream.next().await {
            let (kind, pod) = match event {
                WatchEvent::Added(p) => ("ADDED", p),
                WatchEvent::Modified(p) => ("MODIFIED", p),
                WatchEvent::Deleted(p) => ("DELETED", p),
                _ => continue,
            };
            let ready = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            let phase = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default();
            let terminating = pod.metadata.deletion_timestamp.is_some();
            let kind = if terminating && kind == "MODIFIED" {
                "TERMINATING"
            } else {
                kind
            };
            let name = pod.metadata.name.unwrap_or_default();
            if let Ok(mut log) = sink.lock() {
                log.push((kind, name, ready, phase));
            }
        }
    });
    (log, task)
}

fn snapshot(log: &PodLog) -> Vec<Seen> {
    log.lock().map(|l| l.clone()).unwrap_or_default()
}

/// Whether `earlier` was Running and Ready when `later` was first added.
fn ready_before_added(log: &[Seen], earlier: &str, later: &str) -> bool {
    let mut ready = false;
    for (kind, name, is_ready, _) in log {
        if name == earlier {
            ready = *is_ready && *kind != "DELETED";
        }
        if name == later && *kind == "ADDED" {
            return ready;
        }
    }
    false
}

/// The most pods that were running (added, not yet finished or deleted) at once.
fn most_at_once(log: &[Seen]) -> usize {
    let mut running: Vec<&str> = Vec::new();
    let mut most = 0;
    for (kind, name, _, phase) in log {
        let done =
            matches!(*kind, "DELETED" | "TERMINATING") || phase == "Succeeded" || phase == "Failed";
        running.retain(|n| *n != name.as_str());
        if !done {
            running.push(name);
        }
        most = most.max(running.len());
    }
    most
}

/// The pods in the order their deletion began.
fn deletion_order(log: &[Seen]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for (kind, name, _, _) in log {
        if matches!(*kind, "TERMINATING" | "DELETED") && !order.contains(name) {
            order.push(name.clone());
        }
    }
    order
}

const STATEFUL: &str = r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 3
  serviceName: web
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statefulset_comes_up_in_order_and_rolls_from_the_top() {
    let c = TestCluster::start().await;
    let (log, task) = watch_pods(&c).await;
    c.kubectl_stdin(&["apply", "-f", "-"], STATEFUL);
    c.kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let seen = snapshot(&log);
    assert!(ready_before_added(&seen, "web-0", "web-1"), "{seen:?}");
    assert!(ready_before_added(&seen, "web-1", "web-2"), "{seen:?}");
    let pods = get_json(&c, &["get", "pods", "-l", "app=web"]);
    assert_eq!(names(&pods), ["web-0", "web-1", "web-2"]);
    for pod in items(&pods) {
        let name = pod["metadata"]["name"].as_str().unwrap_or("");
        assert_eq!(
            pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
            name
        );
        assert_eq!(pod["spec"]["hostname"], name);
        let claim = pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"].clone();
        assert_eq!(claim, format!("data-{name}"));
    }
    let claims = get_json(&c, &["get", "pvc"]);
    assert_eq!(names(&claims), ["data-web-0", "data-web-1", "data-web-2"]);
    let before = get_json(&c, &["get", "statefulset", "web"]);
    let first_revision = before["status"]["updateRevision"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(first_revision.starts_with("web-"), "{}", before["status"]);
    assert_eq!(before["status"]["currentRevision"], first_revision.as_str());
    assert_eq!(before["status"]["readyReplicas"], 3);
    assert_eq!(before["status"]["observedGeneration"], 1);

    let rollout_start = snapshot(&log).len();
    c.kubectl(&["set", "image", "statefulset/web", "app=nginx:1.28"]);
    c.kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    let after = get_json(&c, &["get", "statefulset", "web"]);
    let status = &after["status"];
    let new_revision = status["updateRevision"].as_str().unwrap_or("").to_string();
    assert_ne!(new_revision, first_revision);
    assert_eq!(status["currentRevision"], new_revision.as_str(), "{status}");
    assert_eq!(status["updatedReplicas"], 3, "{status}");
    let rolled = snapshot(&log);
    assert_eq!(
        deletion_order(&rolled[rollout_start..]),
        ["web-2", "web-1", "web-0"]
    );
    for pod in items(&get_json(&c, &["get", "pods", "-l", "app=web"])) {
        assert_eq!(
            pod["metadata"]["labels"]["controller-revision-hash"],
            new_revision.as_str()
        );
        assert_eq!(pod["spec"]["containers"][0]["image"], "nginx:1.28");
    }
    let revisions = get_json(&c, &["get", "controllerrevisions"]);
    let mut numbers: Vec<(String, i64)> = items(&revisions)
        .iter()
        .map(|r| {
            (
                r["metadata"]["name"].as_str().unwrap_or("").to_string(),
                r["revision"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    numbers.sort();
    let mut expected = vec![(first_revision.clone(), 1), (new_revision.clone(), 2)];
    expected.sort();
    assert_eq!(numbers, expected);

    // Scaling down removes the highest ordinals and keeps their claims.
    let scale_start = snapshot(&log).len();
    c.kubectl(&["scale", "statefulset/web", "--replicas=1"]);
    eventually(WAIT, "web scaled to one pod", || {
        names(&get_json(&c, &["get", "pods", "-l", "app=web"])) == ["web-0"]
    });
    assert_eq!(
        deletion_order(&snapshot(&log)[scale_start..]),
        ["web-2", "web-1"]
    );
    assert_eq!(names(&get_json(&c, &["get", "pvc"])).len(), 3);
    task.abort();
}

const DAEMON: &str = r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: fluent-bit:3.0
"#;

fn nodes_of(c: &TestCluster) -> Vec<String> {
    let mut nodes: Vec<String> = items(&get_json(c, &["get", "pods", "-l", "app=agent"]))
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| p["spec"]["nodeName"].as_str().unwrap_or("").to_string())
        .collect();
    nodes.sort();
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemonset_runs_on_every_node_it_tolerates() {
    let c = TestCluster::start().await;
    let all_nodes = names(&get_json(&c, &["get", "nodes"]));
    assert_eq!(all_nodes.len(), 3);
    let tainted = all_nodes[0].clone();
    c.kubectl(&["taint", "nodes", &tainted, "dedicated=db:NoSchedule"]);
    // A cordoned node still runs daemon pods: they tolerate `unschedulable`.
    c.kubectl(&["cordon", &all_nodes[1]]);
    c.kubectl_stdin(&["apply", "-f", "-"], DAEMON);
    c.kubectl(&["rollout", "status", "daemonset/agent", "--timeout=60s"]);
    assert_eq!(
        nodes_of(&c),
        all_nodes[1..].to_vec(),
        "one pod per untainted node"
    );
    let plain = c.kubectl_stdin(
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
    );
    assert!(plain.contains("created"), "{plain}");
    eventually(WAIT, "pod/plain scheduled", || {
        !c.kubectl(&["get", "pod", "plain", "-o", "jsonpath={.spec.nodeName}"])
            .is_empty()
    });
    let plain_node = c.kubectl(&["get", "pod", "plain", "-o", "jsonpath={.spec.nodeName}"]);
    assert_eq!(
        plain_node, all_nodes[2],
        "an ordinary pod avoids the cordoned and tainted nodes"
    );
    let ds = get_json(&c, &["get", "daemonset", "agent"]);
    let status = &ds["status"];
    assert_eq!(status["desiredNumberScheduled"], 2, "{status}");
    assert_eq!(status["numberReady"], 2, "{status}");
    assert_eq!(status["numberMisscheduled"], 0, "{status}");
    let pod = items(&get_json(&c, &["get", "pods", "-l", "app=agent"])).remove(0);
    let tolerations = pod["spec"]["tolerations"].to_string();
    assert!(
        tolerations.contains("node.kubernetes.io/unschedulable"),
        "{tolerations}"
    );
    let pinned = &pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"][0]["matchFields"][0];
    assert_eq!(pinned["values"][0], pod["spec"]["nodeName"]);
    let old_hash = pod["metadata"]["labels"]["controller-revision-hash"].clone();

    c.kubectl(&["set", "image", "daemonset/agent", "agent=fluent-bit:3.1"]);
    c.kubectl(&["rollout", "status", "daemonset/agent", "--timeout=60s"]);
    let pods = items(&get_json(&c, &["get", "pods", "-l", "app=agent"]));
    assert_eq!(pods.len(), 2);
    for pod in &pods {
        assert_ne!(
            pod["metadata"]["labels"]["controller-revision-hash"],
            old_hash
        );
        assert_eq!(pod["spec"]["containers"][0]["image"], "fluent-bit:3.1");
    }
    let ds = get_json(&c, &["get", "daemonset", "agent"]);
    assert_eq!(
        ds["status"]["updatedNumberScheduled"], 2,
        "{}",
        ds["status"]
    );

    // Lifting the taint brings the node its pod.
    c.kubectl(&["taint", "nodes", &tainted, "dedicated=db:NoSchedule-"]);
    eventually(WAIT, "a pod on the untainted node", || {
        nodes_of(&c) == all_nodes
    });
    c.kubectl(&["rollout", "status", "daemonset/agent", "--timeout=60s"]);
}

fn cronjob_yaml(name: &str, spec: &str, annotations: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
spec:
  schedule: "* * * * *"
{spec}
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {{{annotations}}}
        spec:
          restartPolicy: Never
          containers:
          - name: tick
            image: busybox:1.36
"#
    )
}

/// The minutes in the names of the Jobs the CronJob reported creating, in order.
fn created_minutes(c: &TestCluster, cronjob: &str) -> Vec<i64> {
    let events = get_json(
        c,
        &[
            "get",
            "events",
            "--field-selector",
            &format!("involvedObject.name={cronjob},reason=SuccessfulCreate"),
        ],
    );
    let prefix = format!("Created job {cronjob}-");
    let mut minutes: Vec<i64> = items(&events)
        .iter()
        .filter_map(|e| e["message"].as_str()?.strip_prefix(&prefix)?.parse().ok())
        .collect();
    minutes.sort();
    minutes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cronjob_fires_every_virtual_minute_and_trims_its_history() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &cronjob_yaml("tick", "  successfulJobsHistoryLimit: 2", ""),
    );
    // At the tests' time scale a virtual minute lasts 3 real seconds.
    eventually(Duration::from_secs(40), "four scheduled jobs", || {
        created_minutes(&c, "tick").len() >= 4
    });
    let minutes = created_minutes(&c, "tick");
    assert!(
        minutes.windows(2).all(|w| w[1] == w[0] + 1),
        "one job per minute: {minutes:?}"
    );
    eventually(WAIT, "history trimmed to two successful jobs", || {
        let jobs = items(&get_json(&c, &["get", "jobs"]));
        let complete = jobs
            .iter()
            .filter(|j| {
                j["status"]["conditions"]
                    .to_string()
                    .contains("\"Complete\"")
            })
            .count();
        complete == 2
    });
    let jobs = items(&get_json(&c, &["get", "jobs"]));
    for job in &jobs {
        let name = job["metadata"]["name"].as_str().unwrap_or("");
        let minute: i64 = name
            .strip_prefix("tick-")
            .and_then(|m| m.parse().ok())
            .unwrap_or(-1);
        let stamp =
            job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
                .as_str()
                .unwrap_or("");
        // The name counts the minutes of the scheduled time the annotation holds.
        assert!(stamp.ends_with(":00Z"), "{stamp}");
        assert!(minutes.contains(&minute), "{name} not among {minutes:?}");
        assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    }
    let cj = get_json(&c, &["get", "cronjob", "tick"]);
    assert!(
        cj["status"]["lastScheduleTime"].is_string(),
        "{}",
        cj["status"]
    );
    assert!(
        cj["status"]["lastSuccessfulTime"].is_string(),
        "{}",
        cj["status"]
    );
    let events = c.kubectl(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=tick",
    ]);
    assert!(events.contains("Saw completed job: tick-"), "{events}");
    assert!(events.contains("Deleted job tick-"), "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidding_cronjob_waits_for_its_running_job() {
    let c = TestCluster::start().await;
    // Each job runs 400 nominal seconds (20 s here), far longer than a virtual minute.
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &cronjob_yaml(
            "solo",
            "  concurrencyPolicy: Forbid",
            "sandbox.berth.dev/run-seconds: \"400\"",
        ),
    );
    eventually(Duration::from_secs(20), "the first job", || {
        created_minutes(&c, "solo").len() == 1
    });
    eventually(Duration::from_secs(20), "a skipped run", || {
        c.kubectl(&[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=solo,reason=JobAlreadyActive",
        ])
        .contains("concurrency policy is Forbid")
    });
    assert_eq!(
        created_minutes(&c, "solo").len(),
        1,
        "no second job while the first runs"
    );
    let cj = get_json(&c, &["get", "cronjob", "solo"]);
    assert_eq!(
        cj["status"]["active"].as_array().map(Vec::len),
        Some(1),
        "{}",
        cj["status"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_job_waits_and_a_deleted_job_takes_its_pods() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml("later", "  suspend: true", ""),
    );
    eventually(WAIT, "job/later suspended", || {
        let job = get_json(&c, &["get", "job", "later"]);
        job["status"]["conditions"]
            .to_string()
            .contains("JobSuspended")
    });
    let job = get_json(&c, &["get", "job", "later"]);
    assert!(
        job["status"].get("startTime").is_none(),
        "{}",
        job["status"]
    );
    assert!(items(&get_json(&c, &["get", "pods", "-l", "job-name=later"])).is_empty());
    c.kubectl(&[
        "patch",
        "job/later",
        "--type=merge",
        "-p",
        r#"{"spec":{"suspend":false}}"#,
    ]);
    c.kubectl(&[
        "wait",
        "--for=condition=complete",
        "job/later",
        "--timeout=30s",
    ]);

    // A running Job deleted in the background: its pods are collected, finalizer and all.
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &job_yaml(
            "dropped",
            "  parallelism: 2\n  completions: 2",
            "sandbox.berth.dev/run-seconds: \"400\"",
        ),
    );
    eventually(WAIT, "two running pods", || {
        let pods = items(&get_json(&c, &["get", "pods", "-l", "job-name=dropped"]));
        pods.len() == 2 && pods.iter().all(|p| p["status"]["phase"] == "Running")
    });
    c.kubectl(&["delete", "job", "dropped", "--wait=true", "--timeout=30s"]);
    eventually(WAIT, "the deleted job's pods gone", || {
        items(&get_json(&c, &["get", "pods", "-l", "job-name=dropped"])).is_empty()
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_statefulset_starts_all_pods_at_once() {
    let c = TestCluster::start().await;
    let (log, task) = watch_pods(&c).await;
    let parallel = STATEFUL.replace(
        "  serviceName: web",
        "  serviceName: web\n  podManagementPolicy: Parallel",
    );
    c.kubectl_stdin(&["apply", "-f", "-"], &parallel);
    c.kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    task.abort();
    let seen = snapshot(&log);
    // web-2 was created before web-0 was ever Ready.
    assert!(!ready_before_added(&seen, "web-0", "web-2"), "{seen:?}");
    assert_eq!(
        names(&get_json(&c, &["get", "pods", "-l", "app=web"])),
        ["web-0", "web-1", "web-2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_failure_job_fails_once_restarts_reach_its_backoff_limit() {
    let c = TestCluster::start().await;
    let yaml = job_yaml(
        "restarts",
        "  backoffLimit: 2",
        "sandbox.berth.dev/exit-code: \"1\"",
    )
    .replace("restartPolicy: Never", "restartPolicy: OnFailure");
    c.kubectl_stdin(&["apply", "-f", "-"], &yaml);
    c.kubectl(&[
        "wait",
        "--for=condition=failed",
        "job/restarts",
        "--timeout=30s",
    ]);
    let job = get_json(&c, &["get", "job", "restarts"]);
    assert!(
        job["status"]["conditions"]
            .to_string()
            .contains("BackoffLimitExceeded")
    );
    // One pod, restarted in place rather than replaced.
    let events = c.kubectl(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=restarts",
    ]);
    assert_eq!(
        events.matches("Created pod: restarts-").count(),
        1,
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_statefulset_updates_only_the_top_ordinals() {
    let c = TestCluster::start().await;
    let partitioned = STATEFUL.replace(
        "  serviceName: web",
        "  serviceName: web\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate: {partition: 2}",
    );
    c.kubectl_stdin(&["apply", "-f", "-"], &partitioned);
    c.kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    c.kubectl(&["set", "image", "statefulset/web", "app=nginx:1.28"]);
    let out = c.kubectl(&["rollout", "status", "statefulset/web", "--timeout=60s"]);
    assert!(out.contains("partitioned roll out complete"), "{out}");
    let image_of = |pod: &str| {
        c.kubectl(&[
            "get",
            "pod",
            pod,
            "-o",
            "jsonpath={.spec.containers[0].image}",
        ])
    };
    assert_eq!(image_of("web-2"), "nginx:1.28");
    assert_eq!(image_of("web-1"), "nginx:1.27");
    assert_eq!(image_of("web-0"), "nginx:1.27");
    let status = get_json(&c, &["get", "statefulset", "web"])["status"].clone();
    assert_eq!(status["updatedReplicas"], 1, "{status}");
    assert_eq!(status["currentReplicas"], 2, "{status}");
    assert_ne!(
        status["currentRevision"], status["updateRevision"],
        "{status}"
    );
}
