//! Health rules, one fixture per condition of Argo CD's rules. Expected statuses and messages
//! are those of Argo CD's gitops-engine (`pkg/health/*.go`) and of its Lua rule for batch
//! CronJob (`resource_customizations/batch/CronJob/health.lua`), read from their sources;
//! the fixtures are written here.

use berth_kube::{
    AppHealth, Health, HealthStatus, HealthStatus::*, ResourceHealthInput, app_health,
    app_health_report, resource_health,
};
use serde_json::Value;

fn obj(yaml: &str) -> Value {
    match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => panic!("fixture does not parse: {e}\n{yaml}"),
    }
}

/// A case: name, object, expected status (`None`: no rule) and message (`None`: not checked).
type Case = (
    &'static str,
    &'static str,
    Option<HealthStatus>,
    Option<&'static str>,
);

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for (name, yaml, status, message) in cases {
        let got = resource_health(&obj(yaml));
        let ok = match (&got, status) {
            (None, None) => true,
            (Some(h), Some(s)) => h.status == *s && message.is_none_or(|m| h.message == m),
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: want {status:?} {message:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn status_order_names_and_serde() {
    let order = [Healthy, Suspended, Progressing, Missing, Degraded, Unknown];
    for pair in order.windows(2) {
        assert!(
            pair[1].is_worse(pair[0]),
            "{:?} worse than {:?}",
            pair[1],
            pair[0]
        );
        assert!(!pair[0].is_worse(pair[1]));
    }
    assert!(!Degraded.is_worse(Degraded));
    for s in order {
        assert_eq!(s.as_str().parse::<HealthStatus>(), Ok(s));
        assert_eq!(serde_json::to_value(s).ok(), Some(Value::from(s.as_str())));
    }
    assert!("healthy".parse::<HealthStatus>().is_err());
    let h = Health::new(Progressing, "");
    assert_eq!(
        serde_json::to_string(&h).ok().as_deref(),
        Some(r#"{"status":"Progressing"}"#)
    );
    let back: Health = serde_json::from_str(r#"{"status":"Degraded","message":"x"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, Health::new(Degraded, "x"));
}

#[test]
fn pre_checks_and_kinds_without_rules() {
    check(&[
        (
            "being deleted, any kind",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, deletionTimestamp: '2026-01-01T00:00:00Z'}",
            Some(Progressing),
            Some("Pending deletion"),
        ),
        (
            "running pod being deleted",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {restartPolicy: Always}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"#,
            Some(Progressing),
            Some("Pending deletion"),
        ),
        (
            "hook held by the hook finalizer is assessed by its rule",
            r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  deletionTimestamp: "2026-01-01T00:00:00Z"
  finalizers: [argocd.argoproj.io/hook-finalizer]
status:
  conditions: [{type: Complete, status: "True"}]
"#,
            Some(Healthy),
            None,
        ),
        (
            "an empty deletionTimestamp is no deletion",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d, deletionTimestamp: ''}\nstatus: {phase: Bound}",
            Some(Healthy),
            None,
        ),
        (
            "ConfigMap has no rule",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
            None,
            None,
        ),
        (
            "custom resource has no rule",
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\nstatus: {conditions: [{type: Ready, status: 'False'}]}",
            None,
            None,
        ),
        (
            "Deployment outside apps has no rule",
            "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}",
            None,
            None,
        ),
        ("not an object", "[1, 2]", None, None),
        ("a string", "hello", None, None),
    ]);
}

#[test]
fn deployment() {
    check(&[
        (
            "healthy",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3}
"#,
            Some(Healthy),
            Some(""),
        ),
        (
            "paused",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 3}
spec: {replicas: 3, paused: true}
status: {observedGeneration: 2}
"#,
            Some(Suspended),
            Some("Deployment is paused"),
        ),
        (
            "progress deadline exceeded",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 4}
spec: {replicas: 3}
status:
  observedGeneration: 4
  replicas: 4
  updatedReplicas: 1
  availableReplicas: 3
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded}
"#,
            Some(Degraded),
            Some(r#"Deployment "web" exceeded its progress deadline"#),
        ),
        (
            "new replicas not all updated",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status:
  observedGeneration: 2
  replicas: 4
  updatedReplicas: 1
  availableReplicas: 3
  conditions: [{type: Progressing, status: "True", reason: ReplicaSetUpdated}]
"#,
            Some(Progressing),
            Some("Waiting for rollout to finish: 1 out of 3 new replicas have been updated..."),
        ),
        (
            "old replicas pending termination",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3}
"#,
            Some(Progressing),
            Some("Waiting for rollout to finish: 1 old replicas are pending termination..."),
        ),
        (
            "updated replicas not yet available",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1}
"#,
            Some(Progressing),
            Some("Waiting for rollout to finish: 1 of 3 updated replicas are available..."),
        ),
        (
            "generation not observed yet",
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 5}
spec: {replicas: 3}
status: {observedGeneration: 4, replicas: 3, updatedReplicas: 3, availableReplicas: 3}
"#,
            Some(Progressing),
            Some(
                "Waiting for rollout to finish: observed deployment generation less than desired generation",
            ),
        ),
        (
            "no status at all: generation 0 is observed, nothing to wait for",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}",
            Some(Healthy),
            None,
        ),
        (
            "old API version",
            "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web}",
            Some(Unknown),
            Some("unsupported Deployment GVK: apps/v1beta2, Kind=Deployment"),
        ),
        (
            "replicas of the wrong type",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: three}",
            Some(Unknown),
            Some(
                r#"failed to convert unstructured Deployment to typed: spec.replicas: expected an integer, got "three""#,
            ),
        ),
    ]);
}

#[test]
fn stateful_set() {
    check(&[
        (
            "never observed",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3}
status: {replicas: 0}
"#,
            Some(Progressing),
            Some("Waiting for statefulset spec update to be observed..."),
        ),
        (
            "generation ahead of observed",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 3}
spec: {replicas: 3}
status: {observedGeneration: 2, readyReplicas: 3}
"#,
            Some(Progressing),
            Some("Waiting for statefulset spec update to be observed..."),
        ),
        (
            "pods not ready",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3}
status: {observedGeneration: 1, readyReplicas: 1}
"#,
            Some(Progressing),
            Some("Waiting for 2 pods to be ready..."),
        ),
        (
            "partitioned rollout in progress",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}
status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}
"#,
            Some(Progressing),
            Some(
                "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...",
            ),
        ),
        (
            "partitioned rollout complete although revisions differ",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}
status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2}
"#,
            Some(Healthy),
            Some("partitioned roll out complete: 2 new pods have been updated..."),
        ),
        (
            "rollingUpdate block without partition",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-2}
"#,
            Some(Healthy),
            Some("partitioned roll out complete: 3 new pods have been updated..."),
        ),
        (
            "OnDelete ignores revisions",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: OnDelete}
status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}
"#,
            Some(Healthy),
            Some("statefulset has 3 ready pods"),
        ),
        (
            "rolling update still running",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: RollingUpdate}
status: {observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}
"#,
            Some(Progressing),
            Some("waiting for statefulset rolling update to complete 1 pods at revision db-2..."),
        ),
        (
            "rolling update complete",
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec:
  replicas: 3
  updateStrategy: {type: RollingUpdate}
status: {observedGeneration: 2, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-2, updateRevision: db-2}
"#,
            Some(Healthy),
            Some("statefulset rolling update complete 3 pods at revision db-2..."),
        ),
    ]);
}

#[test]
fn daemon_set() {
    check(&[
        (
            "generation not observed",
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, generation: 2}
status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}
"#,
            Some(Progressing),
            Some(
                "Waiting for rollout to finish: observed daemon set generation less than desired generation",
            ),
        ),
        (
            "OnDelete",
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, generation: 2}
spec: {updateStrategy: {type: OnDelete}}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3}
"#,
            Some(Healthy),
            Some("daemon set 1 out of 3 new pods have been updated"),
        ),
        (
            "pods not updated",
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, generation: 2}
spec: {updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3}
"#,
            Some(Progressing),
            Some(
                r#"Waiting for daemon set "logs" rollout to finish: 1 out of 3 new pods have been updated..."#,
            ),
        ),
        (
            "pods not available",
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, generation: 2}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}
"#,
            Some(Progressing),
            Some(
                r#"Waiting for daemon set "logs" rollout to finish: 2 of 3 updated pods are available..."#,
            ),
        ),
        (
            "healthy",
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, generation: 2}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}
"#,
            Some(Healthy),
            Some(""),
        ),
    ]);
}

#[test]
fn replica_set() {
    check(&[
        (
            "replica failure",
            r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, generation: 1}
spec: {replicas: 2}
status:
  observedGeneration: 1
  availableReplicas: 0
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, message: 'pods "web-1-x" is forbidden: exceeded quota'}
"#,
            Some(Degraded),
            Some(r#"pods "web-1-x" is forbidden: exceeded quota"#),
        ),
        (
            "replica failure condition not true",
            r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, generation: 1}
spec: {replicas: 2}
status:
  observedGeneration: 1
  availableReplicas: 1
  conditions: [{type: ReplicaFailure, status: "False"}]
"#,
            Some(Progressing),
            Some("Waiting for rollout to finish: 1 out of 2 new replicas are available..."),
        ),
        (
            "generation not observed",
            r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 1, availableReplicas: 2}
"#,
            Some(Progressing),
            Some(
                "Waiting for rollout to finish: observed replica set generation less than desired generation",
            ),
        ),
        (
            "healthy",
            r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, generation: 1}
spec: {replicas: 2}
status: {observedGeneration: 1, availableReplicas: 2}
"#,
            Some(Healthy),
            None,
        ),
    ]);
}

#[test]
fn job() {
    check(&[
        (
            "running",
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status: {active: 1, startTime: "2026-01-01T00:00:00Z"}
"#,
            Some(Progressing),
            Some(""),
        ),
        (
            "succeeded",
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status:
  succeeded: 1
  conditions:
  - {type: SuccessCriteriaMet, status: "True"}
  - {type: Complete, status: "True"}
"#,
            Some(Healthy),
            Some(""),
        ),
        (
            "failed",
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status:
  failed: 7
  conditions:
  - {type: FailureTarget, status: "True", reason: BackoffLimitExceeded}
  - {type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}
"#,
            Some(Degraded),
            Some("Job has reached the specified backoff limit"),
        ),
        (
            "suspended",
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {suspend: true}
status:
  conditions:
  - {type: Suspended, status: "True", reason: JobSuspended, message: Job suspended}
"#,
            Some(Suspended),
            Some("Job suspended"),
        ),
        (
            "resumed: a Suspended condition that is False still counts as finished",
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status:
  active: 1
  conditions:
  - {type: Suspended, status: "False", reason: JobResumed, message: Job resumed}
"#,
            Some(Healthy),
            Some("Job resumed"),
        ),
        (
            "conditions of the wrong type",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: m}\nstatus: {conditions: yes}",
            Some(Unknown),
            None,
        ),
    ]);
}

#[test]
fn pod() {
    check(&[
        (
            "pending",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status: {phase: Pending, message: "0/3 nodes are available"}
"#,
            Some(Progressing),
            Some("0/3 nodes are available"),
        ),
        (
            "running and ready",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Running
  conditions: [{type: Initialized, status: "True"}, {type: Ready, status: "True"}]
  containerStatuses: [{name: main, ready: true, state: {running: {startedAt: "2026-01-01T00:00:00Z"}}}]
"#,
            Some(Healthy),
            None,
        ),
        (
            "running, not ready, never restarted",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses: [{name: main, ready: false, state: {running: {}}}]
"#,
            Some(Progressing),
            None,
        ),
        (
            "running, not ready, restarted",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
  - name: main
    ready: false
    state: {running: {}}
    lastState: {terminated: {exitCode: 1, reason: Error}}
"#,
            Some(Degraded),
            None,
        ),
        (
            "CrashLoopBackOff",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Running
  containerStatuses:
  - name: main
    ready: false
    restartCount: 3
    lastState: {terminated: {exitCode: 1, reason: Error}}
    state: {waiting: {reason: CrashLoopBackOff, message: "back-off 40s restarting failed container=main"}}
"#,
            Some(Degraded),
            Some("back-off 40s restarting failed container=main"),
        ),
        (
            "ErrImagePull while pending",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Pending
  containerStatuses:
  - name: main
    state: {waiting: {reason: ErrImagePull, message: 'rpc error: pull access denied for nope'}}
"#,
            Some(Degraded),
            Some("rpc error: pull access denied for nope"),
        ),
        (
            "ImagePullBackOff and CreateContainerConfigError, messages joined",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Always}
status:
  phase: Pending
  containerStatuses:
  - name: a
    state: {waiting: {reason: ImagePullBackOff, message: Back-off pulling image "nope"}}
  - name: b
    state: {waiting: {reason: ContainerCreating}}
  - name: c
    state: {waiting: {reason: CreateContainerConfigError, message: secret "s" not found}}
"#,
            Some(Degraded),
            Some(r#"Back-off pulling image "nope", secret "s" not found"#),
        ),
        (
            "waiting errors do not fail a Never pod (a hook must not fail early)",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Pending
  containerStatuses:
  - name: main
    state: {waiting: {reason: ImagePullBackOff, message: Back-off pulling image}}
"#,
            Some(Progressing),
            None,
        ),
        (
            "failed with a pod message",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Failed
  message: "Pod was rejected: Node didn't have enough resource: cpu"
  reason: OutOfcpu
"#,
            Some(Degraded),
            Some("Pod was rejected: Node didn't have enough resource: cpu"),
        ),
        (
            "failed: OOMKilled",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Failed
  containerStatuses:
  - name: main
    state: {terminated: {exitCode: 137, reason: OOMKilled}}
"#,
            Some(Degraded),
            Some("OOMKilled"),
        ),
        (
            "failed: exit code",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Failed
  containerStatuses:
  - name: main
    state: {terminated: {exitCode: 2, reason: Error}}
"#,
            Some(Degraded),
            Some(r#"container "main" failed with exit code 2"#),
        ),
        (
            "failed: init container message comes first",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: OnFailure}
status:
  phase: Failed
  initContainerStatuses:
  - name: init
    state: {terminated: {exitCode: 1, reason: Error, message: "schema migration failed"}}
  containerStatuses:
  - name: main
    state: {terminated: {exitCode: 3, reason: Error}}
"#,
            Some(Degraded),
            Some("schema migration failed"),
        ),
        (
            "failed without any detail",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Never}\nstatus: {phase: Failed}",
            Some(Degraded),
            Some(""),
        ),
        (
            "succeeded",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Never}\nstatus: {phase: Succeeded}",
            Some(Healthy),
            None,
        ),
        (
            "running with restartPolicy Never",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: Never}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"#,
            Some(Progressing),
            None,
        ),
        (
            "running with restartPolicy OnFailure",
            r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {restartPolicy: OnFailure}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"#,
            Some(Progressing),
            None,
        ),
        (
            "Never with ignore-restart-policy is long-running",
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {argocd.argoproj.io/ignore-restart-policy: "true"}
spec: {restartPolicy: Never}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"#,
            Some(Healthy),
            None,
        ),
        (
            "Never with ignore-restart-policy and a back-off",
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {argocd.argoproj.io/ignore-restart-policy: "true"}
spec: {restartPolicy: Never}
status:
  phase: Running
  containerStatuses:
  - name: main
    state: {waiting: {reason: CrashLoopBackOff, message: back-off}}
"#,
            Some(Degraded),
            Some("back-off"),
        ),
        (
            "ignore-restart-policy does not apply to hooks",
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    argocd.argoproj.io/ignore-restart-policy: "true"
    argocd.argoproj.io/hook: PreSync
spec: {restartPolicy: Never}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"#,
            Some(Progressing),
            None,
        ),
        (
            "unknown phase",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Always}\nstatus: {phase: Unknown, message: node lost}",
            Some(Unknown),
            Some("node lost"),
        ),
    ]);
}

#[test]
fn service_ingress_pvc() {
    check(&[
        (
            "ClusterIP service",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ClusterIP}",
            Some(Healthy),
            Some(""),
        ),
        (
            "load balancer with an address",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {ingress: [{ip: 10.0.0.1}]}}",
            Some(Healthy),
            None,
        ),
        (
            "load balancer without an address",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {}}",
            Some(Progressing),
            None,
        ),
        (
            "load balancer with an empty list",
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {ingress: []}}",
            Some(Progressing),
            None,
        ),
        (
            "networking.k8s.io ingress with an address",
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nstatus: {loadBalancer: {ingress: [{hostname: lb.example.com}]}}",
            Some(Healthy),
            None,
        ),
        (
            "extensions ingress without an address",
            "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\nstatus: {loadBalancer: {}}",
            Some(Progressing),
            None,
        ),
        (
            "PVC bound",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nstatus: {phase: Bound}",
            Some(Healthy),
            None,
        ),
        (
            "PVC pending",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nstatus: {phase: Pending}",
            Some(Progressing),
            None,
        ),
        (
            "PVC lost",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nstatus: {phase: Lost}",
            Some(Degraded),
            None,
        ),
        (
            "PVC without phase",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}",
            Some(Unknown),
            None,
        ),
    ]);
}

#[test]
fn horizontal_pod_autoscaler() {
    check(&[
        (
            "v1 without the conditions annotation",
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}",
            Some(Progressing),
            Some("Waiting to Autoscale"),
        ),
        (
            "v1 annotation with an empty list",
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, annotations: {autoscaling.alpha.kubernetes.io/conditions: '[]'}}",
            Some(Progressing),
            Some("Waiting to Autoscale"),
        ),
        (
            "v1 annotation: cannot get scale",
            r#"
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"FailedGetScale","message":"the HPA controller was unable to get the target''s current scale"},{"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric","message":"no metrics"}]'
"#,
            Some(Degraded),
            Some("the HPA controller was unable to get the target's current scale"),
        ),
        (
            "v1 annotation: object metric unavailable",
            r#"
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"True","reason":"SucceededGetScale","message":"ok"},{"type":"ScalingActive","status":"False","reason":"FailedGetObjectMetric","message":"unable to get metric requests"}]'
"#,
            Some(Degraded),
            Some("unable to get metric requests"),
        ),
        (
            "v1 annotation: able to scale",
            r#"
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"True","reason":"ReadyForNewScale","message":"recommended size matches current size"},{"type":"ScalingActive","status":"True","reason":"ValidMetricFound"}]'
"#,
            Some(Healthy),
            Some("recommended size matches current size"),
        ),
        (
            "v1 annotation: limited by too few replicas",
            r#"
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"ScalingLimited","status":"True","reason":"TooFewReplicas","message":"the desired replica count is less than the minimum replica count"}]'
"#,
            Some(Healthy),
            Some("the desired replica count is less than the minimum replica count"),
        ),
        (
            "v1 annotation: nothing conclusive",
            r#"
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: h
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"AbleToScale","status":"False","reason":"BackoffBoth"}]'
"#,
            Some(Progressing),
            Some("Waiting to Autoscale"),
        ),
        (
            "v1 annotation that is not JSON",
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, annotations: {autoscaling.alpha.kubernetes.io/conditions: 'not json'}}",
            Some(Unknown),
            None,
        ),
        (
            "v2 healthy",
            r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: AbleToScale, status: "True", reason: ReadyForNewScale, message: ready}
  - {type: ScalingActive, status: "True", reason: ValidMetricFound}
"#,
            Some(Healthy),
            Some("ready"),
        ),
        (
            "v2 degraded condition wins over an earlier healthy one",
            r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions:
  - {type: AbleToScale, status: "True", reason: SucceededGetScale, message: ok}
  - {type: ScalingActive, status: "False", reason: FailedGetPodsMetric, message: no pods metric}
"#,
            Some(Degraded),
            Some("no pods metric"),
        ),
        (
            "v2 without conditions",
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nstatus: {currentReplicas: 1}",
            Some(Progressing),
            Some("Waiting to Autoscale"),
        ),
        (
            "v2beta2 is read like v2",
            r#"
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: h}
status:
  conditions: [{type: ScalingLimited, status: "True", reason: TooManyReplicas, message: capped}]
"#,
            Some(Healthy),
            Some("capped"),
        ),
        (
            "unknown version",
            "apiVersion: autoscaling/v3\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}",
            Some(Unknown),
            Some("unsupported HPA GVK: autoscaling/v3, Kind=HorizontalPodAutoscaler"),
        ),
    ]);
}

#[test]
fn api_service() {
    check(&[
        (
            "v1 available",
            r#"
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.apps}
status:
  conditions: [{type: Available, status: "True", reason: Local, message: Local APIServices are always available}]
"#,
            Some(Healthy),
            Some("Local: Local APIServices are always available"),
        ),
        (
            "v1 not available",
            r#"
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
status:
  conditions: [{type: Available, status: "False", reason: FailedDiscoveryCheck, message: failing or missing response}]
"#,
            Some(Progressing),
            Some("FailedDiscoveryCheck: failing or missing response"),
        ),
        (
            "v1beta1 available",
            r#"
apiVersion: apiregistration.k8s.io/v1beta1
kind: APIService
metadata: {name: v1.apps}
status:
  conditions: [{type: Available, status: "True", reason: Local, message: ok}]
"#,
            Some(Healthy),
            Some("Local: ok"),
        ),
        (
            "no Available condition",
            "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.x}\nstatus: {}",
            Some(Progressing),
            Some("Waiting to be processed"),
        ),
    ]);
}

#[test]
fn cron_job() {
    check(&[
        (
            "last run succeeded",
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {schedule: "*/5 * * * *"}
status: {lastScheduleTime: "2026-01-01T10:00:00Z", lastSuccessfulTime: "2026-01-01T10:00:12Z"}
"#,
            Some(Healthy),
            Some("CronJob has completed its last execution successfully"),
        ),
        (
            "never scheduled",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily'}\nstatus: {}",
            Some(Healthy),
            Some("CronJob has not been scheduled yet"),
        ),
        (
            "last run failed",
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {schedule: "*/5 * * * *"}
status: {lastScheduleTime: "2026-01-01T10:05:00Z", lastSuccessfulTime: "2026-01-01T10:00:12Z"}
"#,
            Some(Degraded),
            Some("CronJob has not completed its last execution successfully"),
        ),
        (
            "never succeeded",
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {schedule: "*/5 * * * *"}
status: {lastScheduleTime: "2026-01-01T10:05:00Z"}
"#,
            Some(Healthy),
            Some("The CronJob never completed successfully. It may not be healthy"),
        ),
        (
            "running",
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {schedule: "*/5 * * * *"}
status:
  active: [{kind: Job, name: c-29000000}]
  lastScheduleTime: "2026-01-01T10:05:00Z"
  lastSuccessfulTime: "2026-01-01T10:00:12Z"
"#,
            Some(Healthy),
            Some("The job is running. Its last execution may not have been successful"),
        ),
        (
            "suspended",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', suspend: true}\nstatus: {}",
            Some(Healthy),
            Some("CronJob is Suspended"),
        ),
        (
            "no status yet",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily'}",
            Some(Progressing),
            Some("Waiting for CronJob"),
        ),
    ]);
}

#[test]
fn argo_kinds() {
    check(&[
        (
            "child application reports its own health",
            r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: child}
status: {health: {status: Degraded, message: "Caused by apps/Deployment:web/api"}}
"#,
            Some(Degraded),
            Some("Caused by apps/Deployment:web/api"),
        ),
        (
            "healthy child application",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child}\nstatus: {health: {status: Healthy}}",
            Some(Healthy),
            Some(""),
        ),
        (
            "child application not assessed yet",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child}",
            Some(Progressing),
            None,
        ),
        (
            "child application with a status we do not know",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child}\nstatus: {health: {status: Fine}}",
            Some(Unknown),
            None,
        ),
        (
            "workflow running",
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nstatus: {phase: Running, message: This node is running}",
            Some(Progressing),
            Some("This node is running"),
        ),
        (
            "workflow without status",
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}",
            Some(Progressing),
            Some(""),
        ),
        (
            "workflow failed",
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nstatus: {phase: Error}",
            Some(Degraded),
            None,
        ),
    ]);
}

/// Objects built from YAML and kept alive for the roll-up inputs that borrow them.
struct World(Vec<Value>);

impl World {
    fn new(fixtures: &[&str]) -> World {
        World(fixtures.iter().map(|y| obj(y)).collect())
    }
}

const HEALTHY_DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\nstatus: {replicas: 1, updatedReplicas: 1, availableReplicas: 1}";
const PROGRESSING_DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 2}\nstatus: {replicas: 2, updatedReplicas: 1, availableReplicas: 1}";
const SUSPENDED_DEPLOY: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: paused}\nspec: {paused: true}";
const FAILED_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nstatus: {conditions: [{type: Failed, status: 'True'}]}";
const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}";

#[test]
fn app_roll_up() {
    let w = World::new(&[
        HEALTHY_DEPLOY,     // 0
        PROGRESSING_DEPLOY, // 1
        SUSPENDED_DEPLOY,   // 2
        FAILED_JOB,         // 3
        CONFIG_MAP,         // 4
        // 5: a failed hook
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: hook, annotations: {argocd.argoproj.io/hook: PreSync}}\nstatus: {conditions: [{type: Failed, status: 'True'}]}",
        // 6: a Skip object
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped, annotations: {argocd.argoproj.io/hook: Skip}}",
        // 7: a failed job that opts out of health
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j2, annotations: {argocd.argoproj.io/ignore-healthcheck: 'true'}}\nstatus: {conditions: [{type: Failed, status: 'True'}]}",
        // 8: a Helm test hook (an ignored hook)
        "apiVersion: v1\nkind: Pod\nmetadata: {name: t, annotations: {helm.sh/hook: test}}\nspec: {restartPolicy: Never}\nstatus: {phase: Failed}",
        // 9..12: child applications
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nstatus: {health: {status: Missing}}",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b}\nstatus: {health: {status: Unknown}}",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: c}\nstatus: {health: {status: Degraded}}",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: d}\nstatus: {health: {status: Progressing}}",
    ]);
    let o = &w.0;
    let synced = |i: usize| ResourceHealthInput::new(Some(&o[i]), Some(&o[i]));
    let missing = |i: usize| ResourceHealthInput::new(Some(&o[i]), None);
    let cases: Vec<(&str, Vec<ResourceHealthInput>, HealthStatus)> = vec![
        ("no resources", vec![], Healthy),
        ("all healthy", vec![synced(0), synced(4)], Healthy),
        (
            "worst wins",
            vec![synced(0), synced(2), synced(1)],
            Progressing,
        ),
        ("suspended", vec![synced(0), synced(2)], Suspended),
        ("degraded", vec![synced(1), synced(3), synced(2)], Degraded),
        (
            "a missing resource does not worsen",
            vec![synced(0), missing(1)],
            Healthy,
        ),
        (
            "nothing live: Missing",
            vec![missing(0), missing(1)],
            Missing,
        ),
        (
            "a kind without rule counts as live",
            vec![synced(4), missing(0)],
            Healthy,
        ),
        (
            "live hooks are skipped",
            vec![synced(0), synced(5)],
            Healthy,
        ),
        ("only a hook: no resources", vec![synced(5)], Healthy),
        ("Skip targets are skipped", vec![missing(6)], Healthy),
        ("ignore-healthcheck", vec![synced(0), synced(7)], Healthy),
        (
            "ignore-healthcheck still counts as live",
            vec![synced(7), missing(0)],
            Healthy,
        ),
        ("ignored hooks are skipped", vec![synced(8)], Healthy),
        (
            "child app Missing ignored",
            vec![synced(0), synced(9)],
            Healthy,
        ),
        (
            "child app Unknown ignored",
            vec![synced(0), synced(10)],
            Healthy,
        ),
        (
            "child app Degraded counts",
            vec![synced(0), synced(11)],
            Degraded,
        ),
        (
            "child app Progressing counts",
            vec![synced(0), synced(12)],
            Progressing,
        ),
        (
            "the app itself",
            vec![synced(0), synced(11).self_reference(true)],
            Healthy,
        ),
        (
            "an override replaces the rule",
            vec![
                synced(0),
                synced(4).with_health(Some(Health::new(Degraded, "custom"))),
            ],
            Degraded,
        ),
        (
            "an override can remove health",
            vec![synced(0), synced(3).with_health(None)],
            Healthy,
        ),
    ];
    for (name, inputs, want) in cases {
        assert_eq!(app_health(inputs.into_iter()), want, "{name}");
    }
}

#[test]
fn app_health_causes() {
    let job = |name: &str| {
        obj(&format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}, namespace: default}}\nstatus: {{conditions: [{{type: Failed, status: 'True'}}]}}"
        ))
    };
    let jobs: Vec<Value> = ["failed-job", "failed-job-2", "j3", "j4", "j5"]
        .iter()
        .map(|n| job(n))
        .collect();
    let w = World::new(&[
        HEALTHY_DEPLOY,
        PROGRESSING_DEPLOY,
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}",
    ]);
    let o = &w.0;
    fn synced(v: &Value) -> ResourceHealthInput<'_> {
        ResourceHealthInput::new(Some(v), Some(v))
    }
    let report = |inputs: Vec<ResourceHealthInput>| app_health_report(inputs.into_iter());

    assert_eq!(
        report(vec![synced(&o[0]), synced(&jobs[0])]),
        AppHealth {
            status: Degraded,
            message: "Caused by batch/Job:default/failed-job".into()
        }
    );
    assert_eq!(
        report(vec![synced(&jobs[0]), synced(&o[1]), synced(&jobs[1])]).message,
        "Caused by batch/Job:default/failed-job, batch/Job:default/failed-job-2"
    );
    assert_eq!(
        report(vec![synced(&o[1]), synced(&o[0])]).message,
        "Caused by apps/Deployment:api"
    );
    assert_eq!(
        report(jobs.iter().map(synced).collect()).message,
        "Caused by batch/Job:default/failed-job, batch/Job:default/failed-job-2, batch/Job:default/j3 and 2 more"
    );
    assert_eq!(
        report(vec![
            synced(&o[2]).with_health(Some(Health::new(Degraded, "")))
        ])
        .message,
        "Caused by PersistentVolume:pv-1"
    );
    assert_eq!(
        report(vec![synced(&o[0])]),
        AppHealth {
            status: Healthy,
            message: String::new()
        }
    );
    assert_eq!(
        report(vec![ResourceHealthInput::new(Some(&jobs[0]), None)]),
        AppHealth {
            status: Missing,
            message: String::new()
        }
    );
}

#[test]
fn nothing_panics_on_odd_objects() {
    let kinds = [
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "ReplicaSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "PersistentVolumeClaim"),
        ("networking.k8s.io/v1", "Ingress"),
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("apiregistration.k8s.io/v1", "APIService"),
        ("argoproj.io/v1alpha1", "Application"),
        ("argoproj.io/v1alpha1", "Workflow"),
    ];
    let odd: [Value; 6] = [
        Value::Null,
        Value::from(7),
        Value::from("x"),
        Value::Array(vec![Value::Null]),
        serde_json::json!({"a": [1, {"b": null}]}),
        serde_json::json!(1.5),
    ];
    for (api_version, kind) in kinds {
        for spec in &odd {
            for status in &odd {
                let o = serde_json::json!({
                    "apiVersion": api_version,
                    "kind": kind,
                    "metadata": {"name": "n", "annotations": {
                        "autoscaling.alpha.kubernetes.io/conditions": "[1, {\"type\": 3}]"}},
                    "spec": spec,
                    "status": status,
                });
                let _ = resource_health(&o);
                let odd_status = serde_json::json!({
                    "apiVersion": api_version,
                    "kind": kind,
                    "spec": {"replicas": spec, "updateStrategy": {"type": spec, "rollingUpdate": status}},
                    "status": {"conditions": [status, spec], "containerStatuses": [{"state": {"waiting": status, "terminated": spec}}],
                                "phase": "Failed", "health": status, "lastScheduleTime": status, "active": spec},
                });
                let _ = resource_health(&odd_status);
                let _ = app_health(std::iter::once(ResourceHealthInput::new(
                    Some(&odd_status),
                    Some(&o),
                )));
            }
        }
    }
}
