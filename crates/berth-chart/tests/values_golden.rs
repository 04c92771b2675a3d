//! Golden tests against the real Helm 4.3: each `golden/<name>.yaml` is `helm template`
//! output recorded through shared/tools/helm-oracle, its first line giving the command.
//! Every chart of these fixtures prints `toYaml .Values` into a ConfigMap, so until the
//! renderer exists the coalesced values and the set of rendered (enabled, aliased) charts
//! are compared with Helm's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use berth_chart::{Chart, ValueOptions, load, prepare};
use berth_template::Value;
use berth_template::yaml::{from_yaml, to_yaml};

const PROVENANCE: &str = "# recorded from Helm 4.3 via shared/tools/helm-oracle: realhelm.py ";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Golden {
    chart: PathBuf,
    values_files: Vec<PathBuf>,
    body: String,
}

fn read_golden(path: &Path) -> Golden {
    let text = std::fs::read_to_string(path).expect("golden readable");
    let (first, body) = text.split_once('\n').expect("golden has a provenance line");
    let args = first
        .strip_prefix(PROVENANCE)
        .unwrap_or_else(|| panic!("{}: first line must give provenance", path.display()));
    let mut positional = Vec::new();
    let mut values_files = Vec::new();
    let mut it = args.split_whitespace();
    while let Some(a) = it.next() {
        match a {
            "-f" | "--values" => values_files.push(crate_dir().join(it.next().expect("-f FILE"))),
            _ => positional.push(a),
        }
    }
    let chart = crate_dir().join(positional.last().expect("a chart argument"));
    Golden {
        chart,
        values_files,
        body: body.to_string(),
    }
}

fn chart_paths(c: &Chart, prefix: &str, out: &mut BTreeSet<String>) {
    let here = if prefix.is_empty() {
        c.metadata.name.clone()
    } else {
        format!("{prefix}/charts/{}", c.metadata.name)
    };
    for d in &c.dependencies {
        chart_paths(d, &here, out);
    }
    out.insert(here);
}

fn get(v: &Value, key: &str) -> Value {
    match v {
        Value::Map(m, _) => m.borrow().get(key).cloned().unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

fn text(v: &Value) -> String {
    to_yaml(v).expect("to_yaml")
}

fn strings(items: &[String]) -> String {
    text(&Value::list(items.iter().map(|s| Value::str(s)).collect()))
}

/// The typed metadata against Helm's `.Chart` (printed with `toYaml`).
fn check_metadata(name: &str, md: &berth_chart::Metadata, want: &Value) {
    let field = |k: &str| get(want, k);
    let s = |k: &str| field(k).as_str().unwrap_or("").to_string();
    assert_eq!(md.name, s("Name"), "{name}: Name");
    assert_eq!(md.version, s("Version"), "{name}: Version");
    assert_eq!(md.app_version, s("AppVersion"), "{name}: AppVersion");
    assert_eq!(md.description, s("Description"), "{name}: Description");
    assert_eq!(md.kube_version, s("KubeVersion"), "{name}: KubeVersion");
    assert_eq!(md.api_version, s("APIVersion"), "{name}: APIVersion");
    assert_eq!(md.chart_type, s("Type"), "{name}: Type");
    assert_eq!(
        Value::Bool(md.deprecated).truth(),
        field("Deprecated").truth()
    );
    assert_eq!(
        strings(&md.keywords),
        text(&field("Keywords")),
        "{name}: Keywords"
    );
    let annotations = Value::map(
        md.annotations
            .iter()
            .map(|(k, v)| (k.clone(), Value::str(v)))
            .collect(),
    );
    assert_eq!(
        text(&annotations),
        text(&field("Annotations")),
        "{name}: Annotations"
    );
    let deps = field("Dependencies");
    let Value::List(deps, _) = deps else {
        panic!("{name}: Dependencies is a list")
    };
    assert_eq!(md.dependencies.len(), deps.len(), "{name}: Dependencies");
    for (d, w) in md.dependencies.iter().zip(deps.iter()) {
        let ws = |k: &str| get(w, k).as_str().unwrap_or("").to_string();
        assert_eq!(d.name, ws("Name"), "{name}: dependency Name");
        assert_eq!(d.alias, ws("Alias"), "{name}: dependency Alias");
        assert_eq!(d.version, ws("Version"), "{name}: dependency Version");
        assert_eq!(d.condition, ws("Condition"), "{name}: dependency Condition");
        assert_eq!(Value::Bool(d.enabled).truth(), get(w, "Enabled").truth());
        assert_eq!(
            strings(&d.tags),
            text(&get(w, "Tags")),
            "{name}: dependency Tags"
        );
        let imports = serde_json::Value::Array(d.import_values.clone()).to_string();
        let want_imports = text(&get(w, "ImportValues"));
        let got_imports =
            text(&berth_template::yaml::from_yaml_array(&imports).expect("imports as YAML"));
        assert_eq!(got_imports, want_imports, "{name}: dependency ImportValues");
    }
}

fn check(name: &str) {
    let golden = read_golden(
        &crate_dir()
            .join("tests/golden")
            .join(format!("{name}.yaml")),
    );
    let chart = load(&golden.chart).expect("chart loads");
    let user = ValueOptions {
        values_files: golden.values_files.clone(),
        ..Default::default()
    }
    .merge_user_values()
    .expect("user values");
    let prepared = prepare(&chart, &user).expect("prepares");

    let mut expected_charts = BTreeSet::new();
    let mut checked = 0;
    for doc in golden.body.split("\n---\n") {
        let Some(source) = doc
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::to_string)
        else {
            continue;
        };
        let (chart_path, template) = source
            .rsplit_once("/templates/")
            .unwrap_or_else(|| panic!("unexpected template {source}"));
        expected_charts.insert(chart_path.to_string());
        let parsed = from_yaml(doc).expect("golden document parses");
        let data = get(&parsed, "data");
        let subs: Vec<&str> = chart_path.split("/charts/").skip(1).collect();
        match template {
            "values.yaml" => {
                let want = get(&data, "values.yaml");
                let want = want.as_str().expect("values.yaml is a string");
                let mut scoped = prepared.values.clone();
                for sub in &subs {
                    scoped = get(&scoped, sub);
                }
                let got = to_yaml(&scoped).expect("to_yaml");
                assert_eq!(got, want, "{name}: .Values of {chart_path}");
            }
            "files.yaml" => {
                let want = get(&data, "files.txt");
                let want = want.as_str().unwrap_or("");
                let mut c = &prepared.chart;
                for sub in &subs {
                    c = c
                        .dependencies
                        .iter()
                        .find(|d| d.metadata.name == *sub)
                        .unwrap_or_else(|| panic!("{name}: no subchart {sub}"));
                }
                let files: BTreeSet<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
                let got: String = files.iter().map(|f| format!("{f}\n")).collect();
                assert_eq!(got, want, "{name}: .Files of {chart_path}");
            }
            "chart.yaml" => {
                let want = get(&data, "chart.yaml");
                let want = from_yaml(want.as_str().expect("chart.yaml is a string"))
                    .expect(".Chart parses");
                let mut c = &prepared.chart;
                for sub in &subs {
                    c = c
                        .dependencies
                        .iter()
                        .find(|d| d.metadata.name == *sub)
                        .unwrap_or_else(|| panic!("{name}: no subchart {sub}"));
                }
                check_metadata(name, &c.metadata, &want);
            }
            other => panic!("{name}: unexpected template {other}"),
        }
        checked += 1;
    }
    assert!(checked > 0, "{name}: no documents");
    let mut got_charts = BTreeSet::new();
    chart_paths(&prepared.chart, "", &mut got_charts);
    assert_eq!(got_charts, expected_charts, "{name}: rendered charts");
}

#[test]
fn coalesce_golden() {
    check("coalesce");
}

#[test]
fn files_golden() {
    check("files");
}

#[test]
fn v1_requirements_golden() {
    check("v1reqs");
}

#[test]
fn deps_golden() {
    check("deps");
}

#[test]
fn globals_golden() {
    check("globals");
}
