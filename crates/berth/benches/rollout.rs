//! The simulated cluster under load: 1,000 Deployments of 3 replicas each are created in the
//! real `berth sandbox` process (30 nodes, real-time delays) and the clock runs until every
//! one reports `Available=True`. Prints the wall time, the sandbox's peak resident memory, and
//! the objects it then holds.
//!
//! Run with `cargo bench -p berth --bench rollout`. `ROLLOUT_BENCH_DEPLOYMENTS` changes the
//! count, `ROLLOUT_BENCH_TIME_SCALE` the simulated delays (default 1: an image pull takes 1 s).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, PostParams};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct SandboxProcess {
    child: Child,
    kubeconfig: PathBuf,
    _data: tempfile::TempDir,
}

impl SandboxProcess {
    fn start(nodes: usize, time_scale: &str) -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--nodes"])
            .arg(nodes.to_string())
            .args(["--time-scale", time_scale, "--data-dir"])
            .arg(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("berth sandbox starts");
        let stdout = child.stdout.take().expect("stdout");
        let kubeconfig = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("kubeconfig: ").map(PathBuf::from))
            .expect("kubeconfig printed");
        Self {
            child,
            kubeconfig,
            _data: data,
        }
    }

    /// Current and peak resident set size of the sandbox process, in MiB.
    fn memory_mib(&self) -> (f64, f64) {
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

    async fn client(&self) -> kube::Client {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config");
        kube::Client::try_from(config).expect("client")
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn deployment(name: &str) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"bench": "rollout"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
            },
        },
    }))
    .expect("deployment")
}

fn available(d: &Deployment) -> bool {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Available" && c.status == "True")
        })
        && d.status.as_ref().and_then(|s| s.available_replicas) == Some(3)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"rollout".contains(a.as_str()))
    {
        return;
    }
    let count: usize = std::env::var("ROLLOUT_BENCH_DEPLOYMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let time_scale = std::env::var("ROLLOUT_BENCH_TIME_SCALE").unwrap_or_else(|_| "1".into());
    // 110 pods per node, with room to spare.
    let nodes = (count * 3).div_ceil(100).max(3);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let sandbox = SandboxProcess::start(nodes, &time_scale);
        let client = sandbox.client().await;
        let api: Api<Deployment> = Api::namespaced(client.clone(), "default");
        let (rss_before, _) = sandbox.memory_mib();
        let started = Instant::now();
        for i in 0..count {
            api.create(&PostParams::default(), &deployment(&format!("app-{i:04}")))
                .await
                .expect("create deployment");
        }
        let created = started.elapsed();
        let mut peak = 0.0f64;
        let ready = loop {
            let list = api.list(&ListParams::default().labels("bench=rollout")).await.expect("list");
            let done = list.items.iter().filter(|d| available(d)).count();
            peak = peak.max(sandbox.memory_mib().1);
            if done == count {
                break started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(1_800), "only {done}/{count} Available after 30 minutes");
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let pods: Api<Pod> = Api::namespaced(client, "default");
        let running = pods.list(&ListParams::default()).await.expect("pods").items.len();
        let (rss_after, hwm) = sandbox.memory_mib();
        println!("rollout: {count} Deployments x 3 replicas on {nodes} nodes, time scale {time_scale}");
        println!("  created all Deployments in {:.1} s", created.as_secs_f64());
        println!("  all Available after      {:.1} s", ready.as_secs_f64());
        println!("  pods                     {running}");
        println!("  sandbox RSS              {rss_before:.1} MiB idle, {rss_after:.1} MiB after, {:.1} MiB peak", hwm.max(peak));
    });
}
