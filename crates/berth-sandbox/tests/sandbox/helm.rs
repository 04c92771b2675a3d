//! The real Helm 4.3 library (the Go library inside the `helm-sdkpy` wheel, driven by
//! `shared/tools/helm-oracle/realhelm.py`) installs a chart into the sandbox. Helm writes its
//! release Secret with protobuf bodies and reads it back with label selectors: this fails
//! loudly when Python, the script or the wheel cannot be had.

use crate::support::TestCluster;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Where `realhelm.py` lives: `BERTH_HELM_ORACLE`, else the shared tools beside the repository.
fn oracle_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("BERTH_HELM_ORACLE") {
        return PathBuf::from(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/helm-oracle");
    assert!(
        dir.join("realhelm.py").is_file(),
        "the Helm oracle is required: {} has no realhelm.py (set BERTH_HELM_ORACLE)",
        dir.display()
    );
    dir
}

const CHART: [(&str, &str); 3] = [
    ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
    ("values.yaml", "replicas: 2\nmode: fast\n"),
    (
        "templates/all.yaml",
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  mode: {{ .Values.mode }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-svc
spec:
  selector: {app: demo}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
"#,
    ),
];

/// Writes the chart, runs a Python `driver` (oracle folder, kubeconfig and chart folder as
/// arguments) and returns the JSON it prints last; fails loudly when Helm fails.
fn run_driver(c: &TestCluster, driver: &str, chart_files: &[(&str, &str)]) -> Value {
    let chart = tempfile::tempdir().expect("chart dir");
    for (path, text) in chart_files {
        let file = chart.path().join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write chart");
    }
    let out = tokio::task::block_in_place(|| {
        Command::new("python3")
            .arg("-c")
            .arg(driver)
            .arg(oracle_dir())
            .arg(c.kubeconfig())
            .arg(chart.path())
            .output()
            .expect("python3 runs (the Helm oracle needs it)")
    });
    assert!(
        out.status.success(),
        "Helm failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(
        out.stdout
            .rsplit(|b| *b == b'\n')
            .find(|l| !l.is_empty())
            .unwrap_or(b"{}"),
    )
    .expect("driver prints JSON")
}

const DRIVER: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import realhelm
helm = realhelm.Helm(sys.argv[2], "demo")
installed = helm.install("rel1", sys.argv[3])
status = helm.status("rel1")
print(json.dumps({"install": {k: installed.get(k) for k in ("name", "version", "namespace", "apply_method")},
                  "installed_status": installed.get("info", {}).get("status"),
                  "status": status.get("info", {}).get("status"),
                  "manifest": status.get("manifest", "")}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_helm_installs_a_chart_and_reads_its_release_back() {
    let c = TestCluster::start().await;
    let result = run_driver(&c, DRIVER, &CHART);
    assert_eq!(result["install"]["name"], "rel1");
    assert_eq!(result["install"]["version"], 1);
    assert_eq!(result["installed_status"], "deployed");
    // Helm read the release back from its Secret in the sandbox.
    assert_eq!(result["status"], "deployed");
    assert!(
        result["manifest"]
            .as_str()
            .unwrap_or("")
            .contains("name: rel1-web")
    );

    let secrets = c.kubectl(&[
        "get",
        "secrets",
        "-n",
        "demo",
        "-l",
        "owner=helm,name=rel1",
        "-o",
        "json",
    ]);
    let secrets: Value = serde_json::from_str(&secrets).expect("json");
    let items = secrets["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{secrets}");
    assert_eq!(items[0]["metadata"]["name"], "sh.helm.release.v1.rel1.v1");
    assert_eq!(items[0]["type"], "helm.sh/release.v1");
    assert_eq!(items[0]["metadata"]["labels"]["status"], "deployed");
    assert!(
        items[0]["data"]["release"]
            .as_str()
            .is_some_and(|r| r.len() > 100)
    );

    let deploy: Value = serde_json::from_str(
        &c.kubectl(&["get", "deploy", "rel1-web", "-n", "demo", "-o", "json"]),
    )
    .expect("json");
    assert_eq!(deploy["spec"]["replicas"], 2);
    assert_eq!(
        c.kubectl(&[
            "get",
            "cm",
            "rel1-config",
            "-n",
            "demo",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "fast"
    );
    assert_eq!(
        c.kubectl(&[
            "get",
            "svc",
            "rel1-svc",
            "-n",
            "demo",
            "-o",
            "jsonpath={.spec.ports[0].targetPort}"
        ]),
        "8080"
    );
}

const HOOK_JOB: &str = r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    "helm.sh/hook": pre-install
    "helm.sh/hook-weight": "-5"
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox:1.36
        command: [sh, -c, "echo migrating"]
"#;

const WAITING_DRIVER: &str = r#"
import json, sys, time
sys.path.insert(0, sys.argv[1])
import realhelm
helm = realhelm.Helm(sys.argv[2], "shop")
started = time.monotonic()
installed = helm.install("rel2", sys.argv[3], wait=True, timeout=60)
print(json.dumps({"status": installed.get("info", {}).get("status"),
                  "seconds": time.monotonic() - started}))
"#;

/// Helm installs with `--wait`: it runs the pre-install hook Job and waits for it to complete
/// (watch-list with the initial-events-end bookmark), then waits until the Deployment is
/// ready; only the simulated controllers and kubelet can make that happen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_helm_waits_for_a_hook_job_and_a_ready_deployment() {
    let c = TestCluster::start().await;
    let mut files = CHART.to_vec();
    files.push(("templates/hook.yaml", HOOK_JOB));
    let result = run_driver(&c, WAITING_DRIVER, &files);
    assert_eq!(result["status"], "deployed", "{result}");

    // The hook ran to completion before the release's resources were created.
    let job: Value = serde_json::from_str(&c.kubectl(&[
        "get",
        "job",
        "rel2-migrate",
        "-n",
        "shop",
        "-o",
        "json",
    ]))
    .expect("json");
    assert_eq!(job["status"]["succeeded"], 1, "{job}");
    let complete = job["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Complete" && c["status"] == "True")
    });
    assert!(complete, "{job}");
    let deploy: Value = serde_json::from_str(
        &c.kubectl(&["get", "deploy", "rel2-web", "-n", "shop", "-o", "json"]),
    )
    .expect("json");
    assert_eq!(deploy["status"]["readyReplicas"], 2, "{deploy}");
    let job_done = job["status"]["completionTime"].as_str().unwrap_or("~");
    let deploy_created = deploy["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or("");
    assert!(
        job_done <= deploy_created,
        "hook finished {job_done}, deployment created {deploy_created}"
    );
    let release = c.kubectl(&[
        "get",
        "secret",
        "sh.helm.release.v1.rel2.v1",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.labels.status}",
    ]);
    assert_eq!(release, "deployed");
}
