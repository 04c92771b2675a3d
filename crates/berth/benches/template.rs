//! `berth template` timings on a real chart (none is checked in: point the bench at one).
//!
//!     BERTH_BENCH_CHART=/path/to/kube-prometheus-stack \
//!     [BERTH_BENCH_VALUES=values.yaml] [BERTH_BENCH_RUNS=10] [BERTH_BIN=target/release/berth] \
//!     cargo bench -p berth --bench template
//!
//! Prints the median of the in-process phases (load, prepare, render, print) and, when a
//! release `berth` binary is found, of the whole process `berth template rel CHART`. When
//! the Helm oracle is found (`BERTH_HELM_ORACLE`, default `../shared/tools/helm-oracle`
//! beside the workspace), the same run times the real Helm 4.3 on the chart
//! (`helm_reference.py`: Helm's in-process lint, its closest measure of load and render).

use berth_chart::{PrintOptions, RenderInput, ValueOptions, load, prepare, print, render};

// The allocator the `berth` binary uses, so the in-process phases compare with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let Ok(chart_path) = std::env::var("BERTH_BENCH_CHART") else {
        println!("template bench: set BERTH_BENCH_CHART to a chart directory; skipped");
        return;
    };
    let values: Vec<PathBuf> = std::env::var("BERTH_BENCH_VALUES")
        .map(|v| v.split(',').map(PathBuf::from).collect())
        .unwrap_or_default();
    let runs: usize = std::env::var("BERTH_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10)
        .max(1);

    let (mut t_load, mut t_prep, mut t_render, mut t_print, mut t_all) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut bytes = 0;
    for _ in 0..=runs {
        let t0 = Instant::now();
        let chart = load(&chart_path).expect("load");
        let t1 = Instant::now();
        let user = ValueOptions {
            values_files: values.clone(),
            ..ValueOptions::default()
        }
        .merge_user_values()
        .expect("values");
        let prepared = prepare(&chart, &user).expect("prepare");
        let t2 = Instant::now();
        let rendered = render(&RenderInput {
            chart: &prepared.chart,
            values: prepared.values,
            release: berth_chart::ReleaseOptions {
                name: "rel".into(),
                ..Default::default()
            },
            capabilities: Default::default(),
        })
        .expect("render");
        let t3 = Instant::now();
        let text = print(&rendered, &PrintOptions::default()).expect("print");
        let t4 = Instant::now();
        bytes = text.len();
        t_load.push(t1 - t0);
        t_prep.push(t2 - t1);
        t_render.push(t3 - t2);
        t_print.push(t4 - t3);
        t_all.push(t4 - t0);
    }
    // The first run warms the page cache and the allocator; it is left out.
    let drop_first = |mut v: Vec<Duration>| {
        v.remove(0);
        median(v)
    };
    println!("chart {chart_path}: {bytes} bytes of output, median of {runs} runs");
    println!(
        "in-process: total {}  (load {}, values+prepare {}, render {}, print {})",
        ms(drop_first(t_all)),
        ms(drop_first(t_load)),
        ms(drop_first(t_prep)),
        ms(drop_first(t_render)),
        ms(drop_first(t_print))
    );

    let bin = std::env::var("BERTH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            // Benches run in the package directory; the workspace's target is two up.
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("release/berth")
        });
    if !bin.exists() {
        println!(
            "whole process: no binary at {} (set BERTH_BIN)",
            bin.display()
        );
        return;
    }
    let mut whole = vec![];
    for _ in 0..=runs {
        let mut cmd = std::process::Command::new(&bin);
        cmd.args(["template", "rel", &chart_path]);
        for v in &values {
            cmd.arg("-f").arg(v);
        }
        cmd.stdout(std::process::Stdio::null());
        let t = Instant::now();
        let status = cmd.status().expect("run berth");
        whole.push(t.elapsed());
        assert!(status.success(), "berth template failed");
    }
    let whole = drop_first(whole);
    println!(
        "whole process ({} template rel CHART): median {}",
        bin.display(),
        ms(whole)
    );
    helm_reference(&chart_path, runs, whole);
}

/// The real Helm's figure for the same chart, through the oracle, and the ratio.
fn helm_reference(chart: &str, runs: usize, berth_whole: Duration) {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let oracle = std::env::var("BERTH_HELM_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir.join("../../../shared/tools/helm-oracle"));
    if !oracle.join("realhelm.py").exists() {
        println!(
            "helm: no oracle at {} (set BERTH_HELM_ORACLE)",
            oracle.display()
        );
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(manifest_dir.join("benches/helm_reference.py"))
        .arg(&oracle)
        .arg(chart)
        .arg(runs.to_string())
        .output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            println!(
                "helm: the oracle failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return;
        }
        Err(e) => {
            println!("helm: cannot run python3: {e}");
            return;
        }
    };
    for line in text.lines() {
        let Some(("lint", v)) = line.split_once(' ') else {
            continue;
        };
        let Ok(helm_ms) = v.trim().parse::<f64>() else {
            continue;
        };
        let berth_ms = berth_whole.as_secs_f64() * 1000.0;
        println!(
            "helm 4.3 (in-process lint: load + render, median of {runs}): {helm_ms:.1} ms; berth's whole process is {:.1}x faster",
            helm_ms / berth_ms.max(0.001)
        );
    }
}
