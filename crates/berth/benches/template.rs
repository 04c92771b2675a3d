//! `berth template` timings on a real chart (none is checked in: point the bench at one).
//!
//!     BERTH_BENCH_CHART=/path/to/kube-prometheus-stack \
//!     [BERTH_BENCH_VALUES=values.yaml] [BERTH_BENCH_RUNS=10] [BERTH_BIN=target/release/berth] \
//!     cargo bench -p berth --bench template
//!
//! Prints the median of the in-process phases (load, prepare, render, print) and, when a
//! release `berth` binary is found, of the whole process `berth template rel CHART`.

use berth_chart::{PrintOptions, RenderInput, ValueOptions, load, prepare, print, render};
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
            let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
            PathBuf::from(target).join("release/berth")
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
    println!(
        "whole process ({} template rel CHART): median {}",
        bin.display(),
        ms(drop_first(whole))
    );
}
