//! The benchmark workloads (benches/workloads.json), shared with the Go benchmark.

/// (name, values YAML, templates); the entry template is "main".
pub type Workload = (String, String, Vec<(String, String)>);

/// Every workload.
pub fn workloads() -> Vec<Workload> {
    let text = include_str!("workloads.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let mut out = Vec::new();
    for w in json.as_array().into_iter().flatten() {
        let templates = w["templates"]
            .as_object()
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        out.push((
            w["name"].as_str().unwrap_or("").to_string(),
            w["values"].as_str().unwrap_or("").to_string(),
            templates,
        ));
    }
    out
}
