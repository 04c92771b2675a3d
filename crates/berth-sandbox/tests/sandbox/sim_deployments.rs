//! The simulated cluster behind the API: Deployments roll out, fail and heal as on a real
//! cluster, checked with the real kubectl (rollout status, wait, get pods, delete) and with a
//! watch on the Deployment's status during a rolling update.

use crate::support::{TestCluster, eventually};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn deployment(
    name: &str,
    image: &str,
    replicas: u32,
    extra_spec: &str,
    annotations: &str,
) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
{extra_spec}  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {{{annotations}}}
    spec:
      containers:
      - name: main
        image: {image}
"#
    )
}

/// `kubectl get pods -l app=<app>` rows as (NAME, READY, STATUS, RESTARTS).
fn pod_rows(c: &TestCluster, app: &str) -> Vec<Vec<String>> {
    c.kubectl(&["get", "pods", "-l", &format!("app={app}"), "--no-headers"])
        .lines()
        .map(|l| l.split_whitespace().take(4).map(String::from).collect())
        .collect()
}

fn jsonpath(c: &TestCluster, args: &[&str], path: &str) -> String {
    let mut all: Vec<&str> = args.to_vec();
    let template = format!("jsonpath={path}");
    all.extend(["-o", &template]);
    c.kubectl(&all)
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_deployment_rolls_out_and_reports_available() {
    let c = TestCluster::start().await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 3, "", ""),
    );
    let out = c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );
    let out = c.kubectl(&[
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=30s",
    ]);
    assert!(out.contains("deployment.apps/web condition met"), "{out}");

    let rows = pod_rows(&c, "web");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows {
        assert_eq!(row[1..], ["1/1", "Running", "0"], "{rows:?}");
    }
    // The scheduler spreads the pods over the three nodes.
    let nodes = jsonpath(
        &c,
        &["get", "pods", "-l", "app=web"],
        "{.items[*].spec.nodeName}",
    );
    let mut nodes: Vec<&str> = nodes.split_whitespace().collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes.len(), 3, "{nodes:?}");

    let d = json(&c.kubectl(&["get", "deployment", "web", "-o", "json"]));
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    assert_eq!(d["status"]["observedGeneration"], 1);
    assert_eq!(d["status"]["readyReplicas"], 3);
    let progressing = d["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(progressing["reason"], "NewReplicaSetAvailable", "{d}");

    let rs = json(&c.kubectl(&["get", "rs", "-l", "app=web", "-o", "json"]));
    let rs = &rs["items"][0];
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap_or("");
    assert!(
        !hash.is_empty() && rs["metadata"]["name"] == format!("web-{hash}"),
        "{rs}"
    );
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    assert_eq!(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");

    // Pods carry what the kubelet reports.
    let pod = json(&c.kubectl(&["get", "pods", "-l", "app=web", "-o", "json"]));
    let pod = &pod["items"][0];
    assert!(
        pod["status"]["podIP"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("10.")),
        "{pod}"
    );
    assert_eq!(pod["status"]["qosClass"], "BestEffort");
    let status = &pod["status"]["containerStatuses"][0];
    assert_eq!(status["image"], "docker.io/library/nginx:1.27");
    assert!(
        status["containerID"]
            .as_str()
            .is_some_and(|id| id.starts_with("containerd://"))
    );
    assert!(
        status["state"]["running"]["startedAt"].is_string(),
        "{status}"
    );
    let events = c.kubectl(&[
        "get",
        "events",
        "--field-selector",
        &format!(
            "involvedObject.name={}",
            pod["metadata"]["name"].as_str().unwrap_or("")
        ),
        "-o",
        "jsonpath={.items[*].reason}",
    ]);
    for reason in ["Scheduled", "Pulling", "Pulled", "Created", "Started"] {
        assert!(events.contains(reason), "{reason} missing from {events}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_image_ends_in_image_pull_back_off_and_progress_deadline_exceeded() {
    let c = TestCluster::start().await;
    // A 20 s deadline is 1 s at the tests' time scale.
    let spec = "  progressDeadlineSeconds: 20\n";
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("bad", "nginx:does-not-exist", 2, spec, ""),
    );
    eventually(WAIT, "ImagePullBackOff in kubectl get pods", || {
        let rows = pod_rows(&c, "bad");
        rows.len() == 2
            && rows
                .iter()
                .all(|r| r[1] == "0/1" && r[2] == "ImagePullBackOff")
    });
    let err = c.kubectl_err(&["rollout", "status", "deployment/bad", "--timeout=30s"]);
    assert!(
        err.contains("deployment \"bad\" exceeded its progress deadline"),
        "{err}"
    );
    let reason = jsonpath(
        &c,
        &["get", "deployment", "bad"],
        "{.status.conditions[?(@.type==\"Progressing\")].reason}",
    );
    assert_eq!(reason, "ProgressDeadlineExceeded");
    let available = jsonpath(
        &c,
        &["get", "deployment", "bad"],
        "{.status.conditions[?(@.type==\"Available\")].status}",
    );
    assert_eq!(available, "False");
    let message = jsonpath(
        &c,
        &["get", "pods", "-l", "app=bad"],
        "{.items[0].status.containerStatuses[0].state.waiting.message}",
    );
    assert!(
        message.starts_with("Back-off pulling image \"nginx:does-not-exist\""),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn crashing_pods_loop_with_growing_restart_count() {
    let c = TestCluster::start().await;
    let annotations = "sandbox.berth.dev/crash: \"true\"";
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("crash", "busybox:1.36", 1, "", annotations),
    );
    eventually(WAIT, "CrashLoopBackOff with restarts", || {
        pod_rows(&c, "crash").first().is_some_and(|r| {
            r[1] == "0/1" && r[2] == "CrashLoopBackOff" && r[3].parse::<u32>().unwrap_or(0) >= 2
        })
    });
    let pod = json(&c.kubectl(&["get", "pods", "-l", "app=crash", "-o", "json"]));
    let status = &pod["items"][0]["status"];
    assert_eq!(status["phase"], "Running");
    assert_eq!(
        status["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        1
    );
    assert_eq!(
        status["containerStatuses"][0]["lastState"]["terminated"]["reason"],
        "Error"
    );
    let events = c.event_messages("reason=BackOff");
    assert!(
        events.contains("Back-off restarting failed container main in pod crash-"),
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_can_be_held_false() {
    let c = TestCluster::start().await;
    let annotations = "sandbox.berth.dev/ready: \"false\"";
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("slow", "nginx:1.27", 1, "", annotations),
    );
    eventually(WAIT, "a running pod that is not ready", || {
        pod_rows(&c, "slow")
            .first()
            .is_some_and(|r| r[1] == "0/1" && r[2] == "Running")
    });
    let out = c.kubectl(&[
        "wait",
        "--for=condition=Available=False",
        "deployment/slow",
        "--timeout=30s",
    ]);
    assert!(out.contains("condition met"), "{out}");
    let reason = jsonpath(
        &c,
        &["get", "pods", "-l", "app=slow"],
        "{.items[0].status.conditions[?(@.type==\"Ready\")].reason}",
    );
    assert_eq!(reason, "ContainersNotReady");
}

#[tokio::test(flavor = "multi_thread")]
async fn pod_that_fits_nowhere_stays_pending_with_failed_scheduling() {
    let c = TestCluster::start().await;
    let pod = r#"apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  containers:
  - name: main
    image: nginx:1.27
    resources:
      requests: {cpu: "64"}
"#;
    c.kubectl_stdin(&["apply", "-f", "-"], pod);
    let expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    eventually(WAIT, "the FailedScheduling event", || {
        c.event_messages("reason=FailedScheduling")
            .contains(expected)
    });
    let pod = json(&c.kubectl(&["get", "pod", "huge", "-o", "json"]));
    assert_eq!(pod["status"]["phase"], "Pending");
    let scheduled = &pod["status"]["conditions"][0];
    assert_eq!(scheduled["type"], "PodScheduled");
    assert_eq!(scheduled["status"], "False");
    assert_eq!(scheduled["reason"], "Unschedulable");
    assert!(pod["spec"].get("nodeName").is_none(), "{pod}");
    let row = c.kubectl(&["get", "pod", "huge", "--no-headers"]);
    assert!(row.split_whitespace().nth(2) == Some("Pending"), "{row}");
}

/// The status a watcher sees during a rolling update, one entry per change.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    observed_generation: i64,
    replicas: i64,
    updated: i64,
    available: i64,
}

#[tokio::test(flavor = "multi_thread")]
async fn rolling_update_steps_through_the_real_status_sequence() {
    use futures::StreamExt;
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::api::{Api, WatchEvent, WatchParams};

    let c = TestCluster::start().await;
    let strategy = "  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 3, strategy, ""),
    );
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    let old_rs = jsonpath(
        &c,
        &["get", "rs", "-l", "app=web"],
        "{.items[0].metadata.name}",
    );

    let client = c.client().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    let rv = api
        .get("web")
        .await
        .expect("get")
        .metadata
        .resource_version
        .unwrap_or_default();
    let mut stream = api
        .watch(
            &WatchParams::default()
                .fields("metadata.name=web")
                .timeout(60),
            &rv,
        )
        .await
        .expect("watch")
        .boxed();
    c.kubectl(&["set", "image", "deployment/web", "main=nginx:1.28"]);

    let mut seen: Vec<Snapshot> = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next()).await;
        let Ok(Some(Ok(WatchEvent::Modified(d)))) = next else {
            match next {
                Ok(Some(Ok(_))) => continue,
                other => panic!("watch ended before the rollout finished: {other:?}; saw {seen:?}"),
            }
        };
        let status = d.status.clone().unwrap_or_default();
        let snap = Snapshot {
            observed_generation: status.observed_generation.unwrap_or(0),
            replicas: i64::from(status.replicas.unwrap_or(0)),
            updated: i64::from(status.updated_replicas.unwrap_or(0)),
            available: i64::from(status.available_replicas.unwrap_or(0)),
        };
        if seen.last() != Some(&snap) {
            seen.push(snap.clone());
        }
        let done = snap.observed_generation == 2
            && snap.updated == 3
            && snap.replicas == 3
            && snap.available == 3;
        if done {
            break;
        }
    }
    // maxSurge 1 / maxUnavailable 0: never more than 4 pods, never fewer than 3 available,
    // and the updated count only grows, one step at a time.
    for s in &seen {
        assert!(s.replicas <= 4, "{seen:?}");
        assert!(s.available >= 3, "{seen:?}");
    }
    let updated: Vec<i64> = seen
        .iter()
        .filter(|s| s.observed_generation == 2)
        .map(|s| s.updated)
        .collect();
    assert!(
        updated.windows(2).all(|w| w[1] >= w[0] && w[1] - w[0] <= 1),
        "{seen:?}"
    );
    for step in 1..=3 {
        assert!(
            updated.contains(&step),
            "updatedReplicas never {step}: {seen:?}"
        );
    }

    // The controller scaled the ReplicaSets in the upstream order.
    let new_rs = jsonpath(
        &c,
        &["get", "deployment", "web"],
        "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
    );
    assert_eq!(new_rs, "2");
    let messages = c.event_messages("reason=ScalingReplicaSet,involvedObject.name=web");
    let steps: Vec<String> = messages
        .lines()
        .skip_while(|l| !l.contains("from 0 to 1"))
        .map(|l| {
            l.replace(&old_rs, "OLD")
                .split(" replica set ")
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let expected = [
        "Scaled up NEW from 0 to 1",
        "Scaled down OLD from 3 to 2",
        "Scaled up NEW from 1 to 2",
        "Scaled down OLD from 2 to 1",
        "Scaled up NEW from 2 to 3",
        "Scaled down OLD from 1 to 0",
    ];
    let new_name = jsonpath(
        &c,
        &[
            "get",
            "rs",
            "-l",
            "app=web",
            "--sort-by=.metadata.creationTimestamp",
        ],
        "{.items[*].metadata.name}",
    );
    let new_name = new_name
        .split_whitespace()
        .find(|n| *n != old_rs)
        .unwrap_or("")
        .to_string();
    let steps: Vec<String> = steps.iter().map(|s| s.replace(&new_name, "NEW")).collect();
    assert_eq!(steps, expected, "{messages}");
    let sizes = jsonpath(&c, &["get", "rs", old_rs.as_str()], "{.spec.replicas}");
    assert_eq!(sizes, "0");
}

#[tokio::test(flavor = "multi_thread")]
async fn recreate_pause_resume_and_undo() {
    let c = TestCluster::start().await;
    let strategy = "  strategy:\n    type: Recreate\n";
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("app", "nginx:1.27", 2, strategy, ""),
    );
    c.kubectl(&["rollout", "status", "deployment/app", "--timeout=30s"]);

    // Paused: a template change waits.
    c.kubectl(&["rollout", "pause", "deployment/app"]);
    c.kubectl(&["set", "image", "deployment/app", "main=nginx:1.28"]);
    eventually(WAIT, "the paused condition", || {
        jsonpath(
            &c,
            &["get", "deployment", "app"],
            "{.status.conditions[?(@.type==\"Progressing\")].reason}",
        ) == "DeploymentPaused"
    });
    assert_eq!(
        jsonpath(
            &c,
            &["get", "rs", "-l", "app=app"],
            "{.items[*].metadata.name}"
        )
        .split_whitespace()
        .count(),
        1
    );

    // Resumed: Recreate removes every old pod before the new ReplicaSet grows.
    c.kubectl(&["rollout", "resume", "deployment/app"]);
    c.kubectl(&["rollout", "status", "deployment/app", "--timeout=30s"]);
    let messages = c.event_messages("reason=ScalingReplicaSet,involvedObject.name=app");
    let lines: Vec<&str> = messages.lines().collect();
    assert_eq!(lines.len(), 3, "{messages}");
    assert!(
        lines[1].starts_with("Scaled down replica set app-") && lines[1].ends_with("from 2 to 0"),
        "{messages}"
    );
    assert!(
        lines[2].starts_with("Scaled up replica set app-") && lines[2].ends_with("from 0 to 2"),
        "{messages}"
    );

    // Undo goes back to the first template, which becomes revision 3.
    c.kubectl(&["rollout", "undo", "deployment/app"]);
    c.kubectl(&["rollout", "status", "deployment/app", "--timeout=30s"]);
    let image = jsonpath(
        &c,
        &["get", "deployment", "app"],
        "{.spec.template.spec.containers[0].image}",
    );
    assert_eq!(image, "nginx:1.27");
    assert_eq!(
        jsonpath(
            &c,
            &["get", "deployment", "app"],
            "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}"
        ),
        "3"
    );
    let history = c.kubectl(&["rollout", "history", "deployment/app"]);
    assert!(
        history.contains("2 ") && history.contains("3 ") && !history.contains("\n1 "),
        "{history}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_deployment_takes_its_replicasets_and_pods_in_each_mode() {
    let c = TestCluster::start().await;
    let count = |kind: &str| {
        c.kubectl(&[
            "get",
            kind,
            "-l",
            "app=web",
            "--no-headers",
            "--ignore-not-found",
        ])
        .lines()
        .count()
    };

    // Background (kubectl's default): the collector removes the ReplicaSet, then its pods.
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    c.kubectl(&["delete", "deployment", "web"]);
    eventually(WAIT, "background collection", || {
        count("rs") == 0 && count("pods") == 0
    });

    // Foreground: kubectl returns once the Deployment is gone, after its dependents.
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    c.kubectl(&[
        "delete",
        "deployment",
        "web",
        "--cascade=foreground",
        "--timeout=30s",
    ]);
    assert_eq!(count("rs"), 0);
    eventually(WAIT, "foreground collection of pods", || count("pods") == 0);

    // Orphan: the ReplicaSet and its pods stay, without the owner reference.
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    c.kubectl(&[
        "delete",
        "deployment",
        "web",
        "--cascade=orphan",
        "--timeout=30s",
    ]);
    assert_eq!(count("rs"), 1);
    assert_eq!(count("pods"), 2);
    let owners = jsonpath(
        &c,
        &["get", "rs", "-l", "app=web"],
        "{.items[0].metadata.ownerReferences}",
    );
    assert!(owners.is_empty(), "{owners}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_namespace_removes_its_workloads() {
    let c = TestCluster::start().await;
    c.kubectl(&["create", "namespace", "team"]);
    c.kubectl_stdin(
        &["apply", "-n", "team", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    c.kubectl(&[
        "rollout",
        "status",
        "deployment/web",
        "-n",
        "team",
        "--timeout=30s",
    ]);
    c.kubectl(&["delete", "namespace", "team", "--timeout=30s"]);
    let err = c.kubectl_err(&["get", "namespace", "team"]);
    assert!(err.contains("namespaces \"team\" not found"), "{err}");
    let left = c.kubectl(&[
        "get",
        "pods,rs,deployments",
        "-A",
        "--no-headers",
        "--ignore-not-found",
    ]);
    assert!(!left.contains("team"), "{left}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulation_resumes_after_a_restart() {
    let data = tempfile::tempdir().expect("data dir");
    let c = TestCluster::start_on(data.path()).await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    let before = c.kubectl(&[
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    c.sandbox.shutdown().await;

    let c = TestCluster::start_on(data.path()).await;
    // The same nodes, the same pods, and the controllers act on new changes.
    assert_eq!(
        c.kubectl(&["get", "nodes", "--no-headers"]).lines().count(),
        3
    );
    c.kubectl(&["scale", "deployment/web", "--replicas=3"]);
    c.kubectl(&["rollout", "status", "deployment/web", "--timeout=30s"]);
    let after = c.kubectl(&[
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    for pod in before.split_whitespace() {
        assert!(
            after.contains(pod),
            "{pod} was replaced: {before} -> {after}"
        );
    }
    assert_eq!(after.split_whitespace().count(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_simulation_objects_are_only_stored() {
    let c = TestCluster::start_with(None).await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        &deployment("web", "nginx:1.27", 2, "", ""),
    );
    assert_eq!(
        c.kubectl(&["get", "nodes", "--no-headers", "--ignore-not-found"]),
        ""
    );
    let err = c.kubectl_err(&["top", "pods"]);
    assert!(err.contains("Metrics API not available"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        c.kubectl(&["get", "rs", "--no-headers", "--ignore-not-found"]),
        ""
    );
}
