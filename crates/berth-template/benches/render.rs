//! Rendering speed on chart-like workloads; compare with benches/go (the real Go).
//!
//!     cargo bench -p berth-template --bench render
//!     (cd benches/go && GOPATH=… GO111MODULE=off go run .)

use std::collections::BTreeMap;

use berth_template::{TemplateSet, Value, yaml};
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "workloads.rs"]
mod workloads;

fn root(values: Value) -> Value {
    let m = |e: &[(&str, Value)]| {
        Value::map(
            e.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    m(&[
        ("Values", values),
        (
            "Release",
            m(&[
                ("Name", Value::str("release-name")),
                ("Namespace", Value::str("default")),
            ]),
        ),
        (
            "Chart",
            m(&[
                ("Name", Value::str("bench")),
                ("Version", Value::str("0.1.0")),
                ("AppVersion", Value::str("1.0.0")),
            ]),
        ),
        (
            "Capabilities",
            m(&[("KubeVersion", m(&[("GitVersion", Value::str("v1.32.0"))]))]),
        ),
    ])
}

fn bench(c: &mut Criterion) {
    for (name, values, templates) in workloads::workloads() {
        let data = root(yaml::from_yaml(&values).unwrap_or_default());
        let mut set = TemplateSet::new();
        for (n, t) in &templates {
            if let Err(e) = set.parse(n, t) {
                panic!("{name}: {e}");
            }
        }
        c.bench_function(&format!("{name}/execute"), |b| {
            b.iter(|| set.execute("main", &data))
        });
        c.bench_function(&format!("{name}/parse+execute"), |b| {
            b.iter(|| {
                let mut set = TemplateSet::new();
                for (n, t) in &templates {
                    let _ = set.parse(n, t);
                }
                set.execute("main", &data)
            })
        });
        c.bench_function(&format!("{name}/values-yaml"), |b| {
            b.iter(|| yaml::from_yaml(&values))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
