//! Renders one gotemplate-oracle case the way the oracle does: the same root object
//! (`.Values`, `.Release`, `.Chart`, `.Capabilities`, `.Template`), one template set with files
//! parsed in reverse name order, and `<no value>` removed. Shared by the conformance test and the
//! `oracle_compat` example that differential fuzzing drives.

use std::collections::BTreeMap;

use berth_template::{TemplateSet, Value, yaml};

fn s(v: &str) -> Value {
    Value::str(v)
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

pub fn render(case: &serde_json::Value) -> Result<String, String> {
    let values = case["values"].as_str().unwrap_or("");
    let vals = yaml::from_yaml(values).map_err(|e| format!("values: {e}"))?;
    let mut set = TemplateSet::new();
    let templates = case["templates"].as_object().ok_or("no templates")?;
    let mut names: Vec<&String> = templates.keys().collect();
    names.sort();
    names.reverse();
    for n in names {
        set.parse(n, templates[n].as_str().unwrap_or(""))
            .map_err(|e| e.to_string())?;
    }
    let entry = case["entry"].as_str().unwrap_or("main");
    let root = map(&[
        ("Values", vals),
        (
            "Release",
            map(&[
                ("Name", s("release-name")),
                ("Namespace", s("default")),
                ("Service", s("Helm")),
                ("IsInstall", Value::Bool(true)),
                ("IsUpgrade", Value::Bool(false)),
                ("Revision", Value::Int(1)),
            ]),
        ),
        (
            "Chart",
            map(&[
                ("Name", s("oracle")),
                ("Version", s("0.1.0")),
                ("AppVersion", s("1.0.0")),
            ]),
        ),
        (
            "Capabilities",
            map(&[(
                "KubeVersion",
                map(&[
                    ("Version", s("v1.32.0")),
                    ("Major", s("1")),
                    ("Minor", s("32")),
                    ("GitVersion", s("v1.32.0")),
                ]),
            )]),
        ),
        (
            "Template",
            map(&[("Name", s(entry)), ("BasePath", s("oracle/templates"))]),
        ),
    ]);
    let out = set.execute(entry, &root).map_err(|e| e.to_string())?;
    Ok(out.replace("<no value>", ""))
}
