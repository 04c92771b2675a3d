//! Golden tests: the charts under `render-charts/` rendered and printed, compared byte for
//! byte with what Helm 4.3's `helm template` printed for them (`render-golden/*.txt`,
//! recorded by `render-golden/record.sh`; see `render-golden/README.md`).
//!
//! Charts go through the whole pipeline: `load`, `-f` values, `prepare`, `render`, `print`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use berth_chart::manifest::{PrintOptions, print};
use berth_chart::render::{CapabilityOptions, ReleaseOptions, RenderInput, render};
use berth_chart::{Prepared, ValueOptions, load, prepare};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The chart under `dir` loaded, with `values_files` merged over its defaults and its
/// dependencies processed, as `helm template -f ...` prepares it.
fn prepared(dir: &Path, values_files: &[PathBuf]) -> Prepared {
    let chart = load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let user = ValueOptions {
        values_files: values_files.to_vec(),
        ..ValueOptions::default()
    }
    .merge_user_values()
    .unwrap();
    prepare(&chart, &user).unwrap()
}

/// The mock API server's discovery (shared/tools/helm-oracle/mock_apiserver.py), which is
/// what `.Capabilities.APIVersions` holds when the oracle renders, plus the CRDs the
/// charts install.
fn oracle_api_versions() -> Vec<String> {
    let res: &[(&str, &[&str])] = &[
        (
            "v1",
            &[
                "ConfigMap",
                "Secret",
                "Service",
                "Namespace",
                "ServiceAccount",
                "PersistentVolumeClaim",
                "PersistentVolume",
                "Pod",
                "Endpoints",
                "Event",
                "ResourceQuota",
                "LimitRange",
                "ReplicationController",
                "Node",
            ],
        ),
        (
            "apps/v1",
            &[
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "ControllerRevision",
            ],
        ),
        ("batch/v1", &["Job", "CronJob"]),
        (
            "networking.k8s.io/v1",
            &["Ingress", "IngressClass", "NetworkPolicy"],
        ),
        ("discovery.k8s.io/v1", &["EndpointSlice"]),
        ("autoscaling/v1", &["HorizontalPodAutoscaler"]),
        (
            "rbac.authorization.k8s.io/v1",
            &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
        ),
        ("apiextensions.k8s.io/v1", &["CustomResourceDefinition"]),
        ("policy/v1", &["PodDisruptionBudget"]),
        ("autoscaling/v2", &["HorizontalPodAutoscaler"]),
        (
            "admissionregistration.k8s.io/v1",
            &[
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
            ],
        ),
        ("scheduling.k8s.io/v1", &["PriorityClass"]),
        ("storage.k8s.io/v1", &["StorageClass"]),
        ("coordination.k8s.io/v1", &["Lease"]),
        ("apiregistration.k8s.io/v1", &["APIService"]),
        ("example.com/v1", &["Widget", "Gadget"]),
    ];
    let mut out = Vec::new();
    for (gv, kinds) in res {
        out.push(gv.to_string());
        out.extend(kinds.iter().map(|k| format!("{gv}/{k}")));
    }
    out
}

struct Case {
    name: String,
    release: String,
    chart: String,
    values: Vec<String>,
    namespace: String,
    kube_version: String,
    skip_tests: bool,
    no_hooks: bool,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("render-golden/cases.txt")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let name = words.next().unwrap().to_string();
        let mut c = Case {
            name,
            release: "release-name".into(),
            chart: String::new(),
            values: Vec::new(),
            namespace: "default".into(),
            kube_version: "v1.32.0".into(),
            skip_tests: false,
            no_hooks: false,
        };
        let mut positional = Vec::new();
        while let Some(w) = words.next() {
            match w {
                "-f" => c.values.push(words.next().unwrap().into()),
                "-n" => c.namespace = words.next().unwrap().into(),
                "--kube-version" => c.kube_version = words.next().unwrap().into(),
                "--skip-tests" => c.skip_tests = true,
                "--no-hooks" => c.no_hooks = true,
                w => positional.push(w.to_string()),
            }
        }
        if positional.len() == 2 {
            c.release = positional.remove(0);
        }
        c.chart = positional.remove(0);
        out.push(c);
    }
    out
}

fn run_case(c: &Case) -> String {
    let charts = root().join("render-charts");
    let files: Vec<PathBuf> = c.values.iter().map(|f| charts.join(f)).collect();
    let prepared = prepared(&charts.join(&c.chart), &files);
    let rendered = render(&RenderInput {
        chart: &prepared.chart,
        values: prepared.values,
        release: ReleaseOptions {
            name: c.release.clone(),
            namespace: c.namespace.clone(),
            ..ReleaseOptions::default()
        },
        capabilities: CapabilityOptions {
            kube_version: Some(c.kube_version.clone()),
            api_versions: Some(oracle_api_versions()),
            ..CapabilityOptions::default()
        },
    })
    .unwrap_or_else(|e| panic!("{}: {e}", c.name));
    print(
        &rendered,
        &PrintOptions {
            skip_tests: c.skip_tests,
            no_hooks: c.no_hooks,
            ..PrintOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn goldens_match_helm_byte_for_byte() {
    let mut failed = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty());
    for c in &cases {
        let want =
            std::fs::read_to_string(root().join(format!("render-golden/{}.txt", c.name))).unwrap();
        let got = run_case(c);
        if got != want {
            if let Ok(dir) = std::env::var("BERTH_GOLDEN_DIFF_DIR") {
                let _ = std::fs::write(Path::new(&dir).join(format!("{}.got", c.name)), &got);
            }
            failed.push(c.name.clone());
        }
    }
    assert!(
        failed.is_empty(),
        "goldens differ: {failed:?} (set BERTH_GOLDEN_DIFF_DIR to write the output)"
    );
}

#[test]
fn notes_are_rendered_apart() {
    let prepared = prepared(&root().join("render-charts/parent"), &[]);
    let r = render(&RenderInput {
        chart: &prepared.chart,
        values: prepared.values,
        release: ReleaseOptions::default(),
        capabilities: CapabilityOptions::default(),
    })
    .unwrap();
    assert_eq!(r.notes.as_deref(), Some("Parent notes.\n"));
    assert_eq!(r.crds.len(), 1);
    assert_eq!(r.crds[0].source, "parent/charts/child/crds/gadget.yaml");
    let with_crds = print(
        &r,
        &PrintOptions {
            include_crds: true,
            ..PrintOptions::default()
        },
    )
    .unwrap();
    assert!(with_crds.starts_with(
        "---\n# Source: parent/charts/child/crds/gadget.yaml\napiVersion: apiextensions.k8s.io/v1\n"
    ));
}

/// A loaded chart is shared across threads; each thread builds its own values and renders.
#[test]
fn renders_run_on_many_threads() {
    let chart = std::sync::Arc::new(load(root().join("render-charts/kinds")).unwrap());
    let want = std::fs::read_to_string(root().join("render-golden/kinds.txt")).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let chart = chart.clone();
            std::thread::spawn(move || {
                let prepared = prepare(&chart, &berth_template::Value::empty_map()).unwrap();
                let r = render(&RenderInput {
                    chart: &prepared.chart,
                    values: prepared.values,
                    release: ReleaseOptions::default(),
                    capabilities: CapabilityOptions {
                        kube_version: Some("v1.32.0".into()),
                        api_versions: Some(oracle_api_versions()),
                        ..CapabilityOptions::default()
                    },
                })
                .unwrap();
                print(&r, &PrintOptions::default()).unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
}

/// Helm's own `helm template` goldens (helm/helm `pkg/cmd/testdata/output/*.txt` for the
/// chart `pkg/cmd/testdata/testcharts/subchart`, at e9b85e4, 2026-08-20), which cover the
/// flags the oracle cannot run: `--include-crds` and `--show-only`. Helm's test binary
/// defaults to kube v1.20.0.
#[test]
fn helm_testdata_goldens() {
    let cases: &[(&str, PrintOptions, Option<&str>, &[&str])] = &[
        ("template", PrintOptions::default(), None, &[]),
        (
            "template-with-crds",
            PrintOptions {
                include_crds: true,
                ..PrintOptions::default()
            },
            None,
            &[],
        ),
        (
            "template-show-only-one",
            PrintOptions {
                show_only: vec!["templates/service.yaml".into()],
                ..PrintOptions::default()
            },
            None,
            &[],
        ),
        (
            "template-show-only-multiple",
            PrintOptions {
                show_only: vec![
                    "templates/service.yaml".into(),
                    "charts/subcharta/templates/service.yaml".into(),
                ],
                ..PrintOptions::default()
            },
            None,
            &[],
        ),
        (
            "template-show-only-glob",
            PrintOptions {
                show_only: vec!["templates/subdir/role*".into()],
                ..PrintOptions::default()
            },
            None,
            &[],
        ),
        (
            "template-skip-tests",
            PrintOptions {
                skip_tests: true,
                ..PrintOptions::default()
            },
            None,
            &[],
        ),
        (
            "template-with-kube-version",
            PrintOptions::default(),
            Some("1.16.0"),
            &[],
        ),
        (
            "template-with-api-version",
            PrintOptions::default(),
            None,
            &["helm.k8s.io/test", "helm.k8s.io/test2"],
        ),
        ("object-order", PrintOptions::default(), None, &[]),
        (
            "template-chart-with-template-lib-dep",
            PrintOptions::default(),
            None,
            &[],
        ),
    ];
    let chart_of = |name: &str| match name {
        "object-order" => "helm-object-order",
        "template-chart-with-template-lib-dep" => "helm-chart-with-template-lib-dep",
        _ => "helm-subchart",
    };
    let mut failed = Vec::new();
    for (name, opts, kube, extra) in cases {
        let prepared = prepared(&root().join("render-charts").join(chart_of(name)), &[]);
        let r = render(&RenderInput {
            chart: &prepared.chart,
            values: prepared.values,
            release: ReleaseOptions::default(),
            capabilities: CapabilityOptions {
                kube_version: Some(kube.unwrap_or("v1.20.0").to_string()),
                extra_api_versions: extra.iter().map(|s| s.to_string()).collect(),
                ..CapabilityOptions::default()
            },
        })
        .unwrap();
        let got = print(&r, opts).unwrap();
        let want =
            std::fs::read_to_string(root().join(format!("render-golden/helm-testdata/{name}.txt")))
                .unwrap();
        if got != want {
            if let Ok(dir) = std::env::var("BERTH_GOLDEN_DIFF_DIR") {
                let _ = std::fs::write(Path::new(&dir).join(format!("{name}.got")), &got);
            }
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "Helm's goldens differ: {failed:?}");
}
