//! The controller at scale: 500 Applications of 10 resources each, all from one git
//! repository (one Helm chart, a values file per app), on the sandbox. Measures the time
//! until every app is Synced and Healthy, then the controller's resident memory, its CPU
//! use over an idle minute, and the git fetches per poll interval (one per repository).
//!
//! Run with `cargo bench -p berth --bench gitops`. `GITOPS_BENCH_APPS` changes the count,
//! `GITOPS_BENCH_IDLE_SECS` the idle window (default 60), `GITOPS_BENCH_POLL_SECS` the
//! poll interval (default 20).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPO_URL: &str = "https://git.example.com/bench/gitops.git";

struct Process {
    child: Child,
}

impl Process {
    fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(0.0, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// User plus system CPU time so far, in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the name).
        (ticks(11) + ticks(12)) / 100.0
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=bench", "-c", "user.email=bench@localhost"])
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "git {args:?}");
}

/// A chart of exactly 10 objects and one Application per app.
fn write_repo(dir: &Path, apps: usize) {
    let chart = dir.join("charts/svc");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: svc\nversion: 1.0.0\n",
    )
    .expect("write");
    std::fs::write(
        chart.join("values.yaml"),
        "image: registry.example.com/svc:1.0.0\nreplicas: 1\nlevel: info\n",
    )
    .expect("write");
    let templates = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Release.Name }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  LOG_LEVEL: {{ .Values.level | quote }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-features
data:
  checkout: "on"
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-credentials
stringData:
  password: not-a-real-password
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    app: {{ .Release.Name }}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
    spec:
      serviceAccountName: {{ .Release.Name }}
      containers:
      - name: app
        image: {{ .Values.image }}
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .Release.Name }}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .Release.Name }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .Release.Name }}
subjects:
- kind: ServiceAccount
  name: {{ .Release.Name }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: {{ .Release.Name }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-routes
data:
  routes: "/"
"#;
    std::fs::write(chart.join("templates/all.yaml"), templates).expect("write");
    let apps_dir = dir.join("apps");
    std::fs::create_dir_all(&apps_dir).expect("mkdir");
    let mut all = String::new();
    for i in 0..apps {
        let ns = format!("team-{:02}", i % 50);
        all.push_str(&format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-{i:03}\n  namespace: berth\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    targetRevision: main\n    path: charts/svc\n    helm:\n      releaseName: app-{i:03}\n      valuesObject:\n        level: info\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: true\n    syncOptions:\n    - CreateNamespace=true\n"
        ));
    }
    std::fs::write(apps_dir.join("apps.yaml"), all).expect("write");
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "bench repository"]);
}

fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .args(args)
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn count_synced(kubeconfig: &Path) -> (usize, usize) {
    let out = kubectl(
        kubeconfig,
        &[
            "get",
            "applications.argoproj.io",
            "-n",
            "berth",
            "-o",
            "jsonpath={range .items[*]}{.status.sync.status}/{.status.health.status}{\"\\n\"}{end}",
        ],
    );
    let total = out.lines().count();
    let ok = out.lines().filter(|l| *l == "Synced/Healthy").count();
    (ok, total)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let apps = env_or("GITOPS_BENCH_APPS", 500) as usize;
    let idle = env_or("GITOPS_BENCH_IDLE_SECS", 60);
    let poll = env_or("GITOPS_BENCH_POLL_SECS", 20);
    let work = tempfile::tempdir().expect("tempdir");
    let repo = work.path().join("repo");
    write_repo(&repo, apps);

    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--nodes",
            "12",
            "--data-dir",
        ])
        .arg(work.path().join("sandbox"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("berth sandbox starts");
    let stdout = sandbox.stdout.take().expect("stdout");
    let kubeconfig: PathBuf = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("kubeconfig: ").map(PathBuf::from))
        .expect("kubeconfig printed");
    let _sandbox = Process { child: sandbox };

    let log_path = work.path().join("controller.log");
    let controller = Process {
        child: Command::new(env!("CARGO_BIN_EXE_berth"))
            .arg("controller")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--cache-dir")
            .arg(work.path().join("cache"))
            .args(["--poll-interval", &format!("{poll}s"), "--workers", "20"])
            .arg("--repo-insteadof")
            .arg(format!("{REPO_URL}=file://{}", repo.display()))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).expect("log"))
            .spawn()
            .expect("berth controller starts"),
    };
    let start = Instant::now();
    while !Command::new("kubectl")
        .env("KUBECONFIG", &kubeconfig)
        .args(["get", "appprojects.argoproj.io", "-n", "berth", "default"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
    {
        assert!(start.elapsed() < Duration::from_secs(180), "CRDs installed");
        std::thread::sleep(Duration::from_millis(200));
    }

    let start = Instant::now();
    kubectl(
        &kubeconfig,
        &[
            "apply",
            "--server-side",
            "-f",
            &repo.join("apps/apps.yaml").display().to_string(),
        ],
    );
    let applied = start.elapsed();
    let mut last_report = Instant::now();
    loop {
        let (ok, total) = count_synced(&kubeconfig);
        if ok == apps && total == apps {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "  {:>5.1}s: {ok}/{total} Synced and Healthy",
                start.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "apps did not converge: {ok}/{total}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let converged = start.elapsed();
    let (rss_after, peak) = controller.rss_mib();
    println!(
        "gitops/{apps} apps x 10 resources: applied in {:.1}s, all Synced and Healthy after {:.1}s",
        applied.as_secs_f64(),
        converged.as_secs_f64()
    );
    println!(
        "gitops/controller memory: {rss_after:.1} MiB resident after convergence, {peak:.1} MiB peak"
    );

    // Idle: nothing changes in git or in the cluster.
    std::thread::sleep(Duration::from_secs(5));
    let polls_before = std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .matches("polled")
        .count();
    let cpu_before = controller.cpu_seconds();
    let idle_start = Instant::now();
    std::thread::sleep(Duration::from_secs(idle));
    let cpu = controller.cpu_seconds() - cpu_before;
    let wall = idle_start.elapsed().as_secs_f64();
    let polls = std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .matches("polled")
        .count()
        - polls_before;
    let (rss_idle, peak) = controller.rss_mib();
    println!(
        "gitops/idle: {:.2}% of one core ({cpu:.2} CPU-s over {wall:.0} s), {rss_idle:.1} MiB resident ({peak:.1} MiB peak)",
        100.0 * cpu / wall
    );
    println!(
        "gitops/git: {polls} fetches of the one repository in {wall:.0} s with a {poll} s poll interval ({:.2} per interval)",
        polls as f64 / (wall / poll as f64)
    );
}
