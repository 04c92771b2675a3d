//! YAML parsing speed (values files, `fromYaml`): a large chart-like values
//! document and the render workloads' values.
//!
//!     cargo bench -p berth-template --bench yaml_parse

use berth_template::yaml;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "workloads.rs"]
mod workloads;

/// A values file shaped like a big chart's: nested block mappings, sequences
/// of mappings, flow collections, quoted and block scalars, comments,
/// anchors and merge keys.
fn big_values(components: usize) -> String {
    let mut s = String::from(
        "# Default values.\nglobal: &global\n  imageRegistry: \"\"\n  pullSecrets: []\n  storageClass: ''\n",
    );
    for i in 0..components {
        s.push_str(&format!(
            "component{i}:\n  enabled: true\n  replicas: {r}\n  image:\n    repository: registry.example.com/team/app-{i}\n    tag: \"v1.{i}.0\"\n    pullPolicy: IfNotPresent\n  # Resources for the pods.\n  resources:\n    limits: {{cpu: 500m, memory: 512Mi}}\n    requests:\n      cpu: 100m\n      memory: 128Mi\n  ports: [80, 443, 8080]\n  env:\n    - name: LOG_LEVEL\n      value: info\n    - name: RATIO\n      value: '0.{i}'\n    - name: FLAG\n      value: yes\n  annotations:\n    prometheus.io/scrape: \"true\"\n    description: >-\n      A folded description of component {i}\n      that goes over two lines.\n  config: |\n    [server]\n    port = 8080\n    name = \"c{i}\"\n  settings:\n    <<: *global\n    timeout: 30s\n    ratio: 1.5e3\n    mode: 0755\n",
            r = i % 5
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let big = big_values(400);
    let mut g = c.benchmark_group("yaml");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("from_yaml/big-values", |b| b.iter(|| yaml::from_yaml(&big)));
    g.finish();
    for (name, values, _) in workloads::workloads() {
        c.bench_function(&format!("yaml/from_yaml/{name}"), |b| {
            b.iter(|| yaml::from_yaml(&values))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
