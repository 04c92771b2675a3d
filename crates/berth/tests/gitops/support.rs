//! A GitOps environment for end-to-end tests: a sandbox cluster in this process, the
//! example repository as a real git repository in a temporary folder, and the real
//! `berth controller` binary (a separate process, so it can be killed) watching it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use berth_sandbox::sim::SimConfig;
use berth_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub const EXAMPLE_URL: &str = "https://git.example.com/platform/gitops-config.git";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub sandbox: Option<Sandbox>,
    pub controller: Option<Child>,
    pub repo: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read example") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=CI", "-c", "user.email=ci@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Env {
    pub async fn start() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("gitops-config");
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gitops-config");
        copy_dir(&example, &repo);
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "initial"]);
        let sandbox = Sandbox::start(SandboxConfig {
            data_dir: Some(dir.path().join("sandbox")),
            simulation: Some(SimConfig {
                time_scale: 0.05,
                ..SimConfig::default()
            }),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let mut env = Env {
            dir,
            sandbox: Some(sandbox),
            controller: None,
            repo,
        };
        env.start_controller();
        env.wait_until(Duration::from_secs(30), "the CRDs are installed", |e| {
            e.kubectl_ok(&["get", "appprojects.argoproj.io", "-n", "berth", "default"])
        });
        env
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.sandbox
            .as_ref()
            .map(|s| s.kubeconfig_path().to_path_buf())
            .unwrap_or_default()
    }

    pub fn start_controller(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("controller.log"))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .arg("controller")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(["--poll-interval", "1s", "--resync-interval", "30s"])
            .arg("--repo-insteadof")
            .arg(format!("{EXAMPLE_URL}=file://{}", self.repo.display()))
            .env("BERTH_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("berth controller starts");
        self.controller = Some(child);
    }

    /// SIGKILL: no chance to clean anything up.
    pub fn kill_controller(&mut self) {
        if let Some(mut child) = self.controller.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn controller_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("controller.log")).unwrap_or_default()
    }

    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", self.kubeconfig())
            .args(args)
            .output()
            .expect("kubectl 1.32 must be installed");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn kubectl_ok(&self, args: &[&str]) -> bool {
        Command::new("kubectl")
            .env("KUBECONFIG", self.kubeconfig())
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    pub fn get(&self, args: &[&str]) -> Option<Value> {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", self.kubeconfig())
            .arg("get")
            .args(args)
            .args(["-o", "json"])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    pub fn app(&self, name: &str) -> Option<Value> {
        self.get(&["applications.argoproj.io", "-n", "berth", name])
    }

    pub fn bootstrap(&self, env: &str) {
        let file = self.repo.join(format!("bootstrap/{env}.yaml"));
        self.kubectl(&["apply", "-f", &file.display().to_string()]);
    }

    pub fn write(&self, rel: &str, content: &str) {
        std::fs::write(self.repo.join(rel), content).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.repo.join(rel)).expect("read")
    }

    pub fn commit(&self, message: &str) {
        git(&self.repo, &["add", "-A"]);
        git(&self.repo, &["commit", "-q", "-m", message]);
    }

    /// Polls `check` every 100 ms; fails with the controller's log after `timeout`.
    pub fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&Env) -> bool,
    ) -> Duration {
        let start = Instant::now();
        loop {
            if check(self) {
                return start.elapsed();
            }
            if start.elapsed() > timeout {
                let apps = Command::new("kubectl")
                    .env("KUBECONFIG", self.kubeconfig())
                    .args([
                        "get",
                        "applications.argoproj.io",
                        "-n",
                        "berth",
                        "-o",
                        "yaml",
                    ])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                let log = self.controller_log();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(40)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!(
                    "timed out after {timeout:?} waiting until {what}\n--- applications\n{apps}\n--- controller log (tail)\n{tail}"
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every app whose syncPolicy is automated is Synced and Healthy (at least `min` apps).
    pub fn automated_apps_synced(&self, min: usize) -> bool {
        let Some(list) = self.get(&["applications.argoproj.io", "-n", "berth"]) else {
            return false;
        };
        let items = list["items"].as_array().cloned().unwrap_or_default();
        items.len() >= min
            && items.iter().all(|a| {
                a["spec"]["syncPolicy"]["automated"].is_null()
                    || (a["status"]["sync"]["status"] == "Synced"
                        && a["status"]["health"]["status"] == "Healthy")
            })
    }

    pub async fn stop(mut self) {
        self.kill_controller();
        if let Some(s) = self.sandbox.take() {
            s.shutdown().await;
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.kill_controller();
    }
}
