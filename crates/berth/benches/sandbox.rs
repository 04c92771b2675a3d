//! Sandbox cluster throughput and footprint, measured against the real `berth sandbox` process
//! over HTTPS with the kube-rs client (one client, requests one after another):
//! - creates of small ConfigMaps per second,
//! - listing 10,000 ConfigMaps,
//! - server-side applies per second of ConfigMaps and of 50-field Deployments,
//! - resident memory of the sandbox process holding 100,000 small ConfigMaps.
//!
//! Run with `cargo bench -p berth --bench sandbox`. Set `SANDBOX_BENCH_OBJECTS` to change the
//! object count of the memory figure.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
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
    fn start() -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            // The API alone: these figures are about the server, not the simulated workloads.
            .args([
                "sandbox",
                "--no-simulation",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("berth sandbox starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut kubeconfig = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(k) = line.strip_prefix("kubeconfig: ") {
                kubeconfig = Some(PathBuf::from(k));
                break;
            }
        }
        Self {
            child,
            kubeconfig: kubeconfig.expect("kubeconfig printed"),
            _data: data,
        }
    }

    /// Resident set size of the sandbox process, in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(0.0)
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

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"app": "bench"}},
        "data": {"key": "value"}
    }))
    .expect("configmap")
}

async fn create_namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).expect("ns");
    api.create(&PostParams::default(), &ns)
        .await
        .expect("namespace");
}

async fn fill(api: &Api<ConfigMap>, prefix: &str, count: usize) {
    for i in 0..count {
        api.create(
            &PostParams::default(),
            &config_map(&format!("{prefix}-{i}")),
        )
        .await
        .expect("create");
    }
}

fn bench_sandbox(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = SandboxProcess::start();
    let client = rt.block_on(sandbox.client());

    let mut group = c.benchmark_group("sandbox");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    rt.block_on(create_namespace(&client, "creates"));
    let creates: Api<ConfigMap> = Api::namespaced(client.clone(), "creates");
    let mut n = 0u64;
    group.bench_function("create_configmap", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    n += 1;
                    creates
                        .create(&PostParams::default(), &config_map(&format!("c-{n}")))
                        .await
                        .expect("create");
                }
                start.elapsed()
            })
        })
    });

    // Server-side apply: each apply changes one value of an existing object, cycling over 500
    // objects, so every request merges, tracks fields and writes.
    rt.block_on(create_namespace(&client, "apply"));
    let cm_api: Api<ConfigMap> = Api::namespaced(client.clone(), "apply");
    let mut applies = 0u64;
    group.throughput(Throughput::Elements(1));
    group.bench_function("server_side_apply_configmap", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    applies += 1;
                    let config = serde_json::json!({
                        "apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": format!("a-{}", applies % 500), "labels": {"app": "bench"}},
                        "data": {"key": applies.to_string()}
                    });
                    cm_api.patch(&format!("a-{}", applies % 500), &PatchParams::apply("bench"), &Patch::Apply(config)).await.expect("apply");
                }
                start.elapsed()
            })
        })
    });
    let deploy_api: Api<Deployment> = Api::namespaced(client.clone(), "apply");
    let mut deploys = 0u64;
    group.bench_function("server_side_apply_deployment_50_fields", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    deploys += 1;
                    let name = format!("d-{}", deploys % 100);
                    deploy_api
                        .patch(
                            &name,
                            &PatchParams::apply("bench"),
                            &Patch::Apply(fifty_field_deployment(&name, deploys)),
                        )
                        .await
                        .expect("apply");
                }
                start.elapsed()
            })
        })
    });

    rt.block_on(create_namespace(&client, "list"));
    let list_api: Api<ConfigMap> = Api::namespaced(client.clone(), "list");
    rt.block_on(fill(&list_api, "l", 10_000));
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("list_10000_configmaps", |b| {
        b.iter(|| {
            let list = rt
                .block_on(list_api.list(&ListParams::default()))
                .expect("list");
            assert_eq!(list.items.len(), 10_000);
        })
    });
    group.finish();

    // Memory: fill up to the target count of small objects, then read the process's RSS.
    let target: usize = std::env::var("SANDBOX_BENCH_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    rt.block_on(create_namespace(&client, "memory"));
    let memory_api: Api<ConfigMap> = Api::namespaced(client.clone(), "memory");
    let existing = 10_000 + n as usize;
    let start = Instant::now();
    rt.block_on(fill(&memory_api, "m", target.saturating_sub(existing)));
    let fill_secs = start.elapsed().as_secs_f64();
    println!(
        "sandbox/memory: {} ConfigMaps stored, RSS {:.1} MiB (filled {} in {:.1}s, {:.0} creates/s)",
        target.max(existing),
        sandbox.rss_mib(),
        target.saturating_sub(existing),
        fill_secs,
        target.saturating_sub(existing) as f64 / fill_secs.max(1e-9)
    );
}

/// A Deployment whose configuration has 50 leaf fields (labels, annotations, container
/// settings, env), with one value that changes on every apply.
fn fifty_field_deployment(name: &str, generation: u64) -> serde_json::Value {
    let env: Vec<serde_json::Value> = (0..20)
        .map(|i| serde_json::json!({"name": format!("VAR_{i}"), "value": format!("v{i}")}))
        .collect();
    serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name, "tier": "web", "team": "core"},
                     "annotations": {"revision": generation.to_string(), "owner": "bench"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": name, "tier": "web"}},
                "spec": {
                    "containers": [{
                        "name": "web", "image": "registry.example/web:1.0",
                        "ports": [{"containerPort": 8080, "name": "http"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
                        "env": env
                    }]
                }
            }
        }
    })
}

criterion_group!(benches, bench_sandbox);
criterion_main!(benches);
