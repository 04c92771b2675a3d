//! Shared setup: a sandbox in a temporary folder, and kubectl pointed at it with its own home
//! (so no discovery cache leaks between tests).

use berth_sandbox::sim::SimConfig;
use berth_sandbox::{Sandbox, SandboxConfig};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct TestCluster {
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
    _data_dir: Option<tempfile::TempDir>,
}

impl TestCluster {
    pub async fn start() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir for data");
        let mut cluster = Self::start_on(data_dir.path()).await;
        cluster._data_dir = Some(data_dir);
        cluster
    }

    /// Starts on an existing data folder (for restarts); the caller keeps the folder alive.
    pub async fn start_on(data: &Path) -> Self {
        let config = SandboxConfig {
            data_dir: Some(data.to_path_buf()),
            simulation: Some(fast_simulation()),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        Self {
            sandbox,
            home: tempfile::tempdir().expect("temp home"),
            _data_dir: None,
        }
    }

    /// Starts with a given simulation (or none).
    pub async fn start_with(simulation: Option<SimConfig>) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir for data");
        let config = SandboxConfig {
            data_dir: Some(data_dir.path().to_path_buf()),
            simulation,
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        Self {
            sandbox,
            home: tempfile::tempdir().expect("temp home"),
            _data_dir: Some(data_dir),
        }
    }

    pub fn kubeconfig(&self) -> &Path {
        self.sandbox.kubeconfig_path()
    }

    /// Runs kubectl with the sandbox's kubeconfig; returns the whole output.
    pub fn kubectl_output(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(kubectl_path());
        cmd.args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", self.home.path())
            .env_remove("KUBECTL_EXTERNAL_DIFF");
        tokio::task::block_in_place(|| match stdin {
            Some(input) => {
                use std::io::Write;
                let mut child = cmd
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("kubectl starts");
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(input.as_bytes())
                    .expect("write stdin");
                child.wait_with_output().expect("kubectl runs")
            }
            None => cmd.output().expect("kubectl runs"),
        })
    }

    /// Runs kubectl and returns stdout; panics with stderr when it fails.
    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = self.kubectl_output(args, None);
        assert!(
            out.status.success(),
            "kubectl {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn kubectl_stdin(&self, args: &[&str], input: &str) -> String {
        let out = self.kubectl_output(args, Some(input));
        assert!(
            out.status.success(),
            "kubectl {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The messages of the events matching a field selector, oldest first, one per line.
    pub fn event_messages(&self, field_selector: &str) -> String {
        self.kubectl(&[
            "get",
            "events",
            "--field-selector",
            field_selector,
            "--sort-by=.metadata.resourceVersion",
            "-o",
            "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}",
        ])
    }

    /// Runs kubectl expecting failure; returns stderr.
    pub fn kubectl_err(&self, args: &[&str]) -> String {
        let out = self.kubectl_output(args, None);
        assert!(
            !out.status.success(),
            "kubectl {} should have failed",
            args.join(" ")
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub async fn client(&self) -> kube::Client {
        let kubeconfig =
            kube::config::Kubeconfig::read_from(self.kubeconfig()).expect("kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("kube-rs accepts the kubeconfig");
        kube::Client::try_from(config).expect("kube-rs client")
    }
}

/// kubectl must be installed; say so loudly when it is not.
pub fn kubectl_path() -> String {
    let path = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let found = Command::new(&path).arg("version").arg("--client").output();
    match found {
        Ok(out) if out.status.success() => path,
        _ => panic!(
            "kubectl is required by these tests and was not found (set KUBECTL or install kubectl 1.32)"
        ),
    }
}

/// Polls `check` until it returns true or `timeout` passes.
pub fn eventually(timeout: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}

pub const SHOP: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  labels: {app: web, tier: front}
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
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
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 3}
              color: {type: string}
          status:
            type: object
            properties:
              ready: {type: boolean}
"#;

pub const WIDGET: &str = r#"apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: shop
spec:
  color: blue
  bogus: 1
"#;

/// The simulation tests run with: every delay at 5% (an image pull takes 50 ms).
pub fn fast_simulation() -> SimConfig {
    SimConfig {
        time_scale: 0.05,
        ..SimConfig::default()
    }
}
