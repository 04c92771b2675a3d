//! Schema goldens: each chart under `schema-charts/` through load, values, prepare (with
//! schema validation), render and print, compared byte for byte with what Helm 4.3's
//! `helm template` printed (`schema-golden/<name>.txt`; see its README).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use berth_chart::manifest::{PrintOptions, print};
use berth_chart::render::{RenderInput, render};
use berth_chart::{PrepareOptions, ValueOptions, load, prepare_with};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn run(name: &str, skip: bool) -> String {
    let chart = load(root().join("schema-charts").join(name)).unwrap();
    let user = ValueOptions::default().merge_user_values().unwrap();
    let options = PrepareOptions {
        skip_schema_validation: skip,
    };
    let prepared = match prepare_with(&chart, &user, &options) {
        Ok(p) => p,
        Err(e) => return format!("Error: {e}\n"),
    };
    let rendered = render(&RenderInput {
        chart: &prepared.chart,
        values: prepared.values,
        release: Default::default(),
        capabilities: Default::default(),
    })
    .unwrap();
    print(&rendered, &PrintOptions::default()).unwrap()
}

#[test]
fn schema_goldens() {
    let mut failed = Vec::new();
    for entry in std::fs::read_dir(root().join("schema-golden")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let want = std::fs::read_to_string(&path).unwrap();
        let got = run(&name, false);
        if got != want {
            eprintln!("--- {name}: want\n{want}--- got\n{got}");
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "goldens differ: {failed:?}");
}

#[test]
fn skip_schema_validation_renders() {
    let out = run("violations-2020", true);
    assert!(
        out.contains("# Source: violations-2020/templates/cm.yaml"),
        "{out}"
    );
}
