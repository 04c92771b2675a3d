//! What `helm template` does with a loaded chart before rendering (pkg/cmd/install.go,
//! pkg/action/install.go, pkg/chart/v2/util/dependencies.go): the missing-dependency
//! check, `ProcessDependencies` (aliases, tags, conditions, disabled subcharts removed,
//! `import-values`), and the final `CoalesceValues` that becomes `.Values`.

use std::collections::BTreeSet;

use berth_template::Value;

use crate::chart::{Chart, Dependency};
use crate::semver::is_compatible_range;
use crate::values::coalesce::{Node, Warnings, coalesce_values, merge_tables_top, merge_values};

/// Why a chart cannot be prepared for rendering; the text is Helm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PrepareError(pub String);

/// A chart ready to render: subcharts enabled by conditions and tags, aliases applied;
/// and the coalesced values tree that templates see as `.Values`.
#[derive(Debug)]
pub struct Prepared {
    /// The chart tree after dependency processing (disabled subcharts removed, aliased
    /// subcharts renamed and copied, `Metadata.dependencies` as Helm leaves them). Its raw
    /// `values` bytes are the chart's own; the values that count are [`Prepared::values`].
    pub chart: Chart,
    /// `.Values` of the top chart; a subchart's `.Values` is the entry under its name.
    pub values: Value,
    /// What Helm would log on stderr while coalescing (type conflicts, non-bool
    /// conditions, missing import tables).
    pub warnings: Vec<String>,
}

/// Prepares `chart` with the user's values (from [`crate::ValueOptions::merge_user_values`])
/// as `helm template` does before rendering. Runs on the rendering thread: the result
/// holds template values, which are not `Send`.
pub fn prepare(chart: &Chart, user: &Value) -> Result<Prepared, PrepareError> {
    prepare_with(chart, user, &PrepareOptions::default())
}

/// How [`prepare_with`] prepares a chart.
#[derive(Clone, Debug, Default)]
pub struct PrepareOptions {
    /// `--skip-schema-validation`: do not check the values against the charts'
    /// `values.schema.json`.
    pub skip_schema_validation: bool,
}

/// [`prepare`], with options. Unless skipped, the coalesced values are checked against
/// every chart's `values.schema.json` (Helm's `ToRenderValuesWithSchemaValidation`).
pub fn prepare_with(
    chart: &Chart,
    user: &Value,
    options: &PrepareOptions,
) -> Result<Prepared, PrepareError> {
    let ty = chart.metadata.chart_type.as_str();
    if !matches!(ty, "" | "application") {
        return Err(PrepareError(format!("{ty} charts are not installable")));
    }
    check_dependencies(chart).map_err(|e| {
        PrepareError(format!(
            "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: {e}"
        ))
    })?;
    let mut node = Node::from_chart(chart).map_err(PrepareError)?;
    let mut warnings = Vec::new();
    process_dependencies(&mut node, user, &mut warnings)
        .map_err(|e| PrepareError(format!("chart dependencies processing failed: {e}")))?;
    let values = coalesce_values(&node, user, &mut warnings).map_err(PrepareError)?;
    let chart = node.into_chart();
    if !options.skip_schema_validation {
        crate::schema::validate_chart(&chart, &values).map_err(|e| {
            PrepareError(format!(
                "values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"
            ))
        })?;
    }
    Ok(Prepared {
        chart,
        values,
        warnings,
    })
}

/// `action.CheckDependencies`: every dependency Chart.yaml declares must be a subchart
/// (by name, not alias).
pub fn check_dependencies(chart: &Chart) -> Result<(), String> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.metadata.name == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        ))
    }
}

/// `ProcessDependencies`: enable/disable subcharts, then import values.
pub fn process_dependencies(c: &mut Node, v: &Value, warn: &mut Warnings) -> Result<(), String> {
    process_enabled(c, v, "", warn)?;
    process_import_values_tree(c, warn)
}

fn alias_dependency(charts: &[Node], dep: &Dependency) -> Option<Node> {
    let c = charts.iter().find(|c| {
        c.name() == dep.name && is_compatible_range(&dep.version, &c.chart.metadata.version)
    })?;
    let mut out = c.clone();
    if !dep.alias.is_empty() {
        out.chart.metadata.name = dep.alias.clone();
    }
    Some(out)
}

fn process_enabled(c: &mut Node, v: &Value, path: &str, warn: &mut Warnings) -> Result<(), String> {
    if !c.deps_declared {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.deps);
    let reqs = &mut c.chart.metadata.dependencies;
    let mut chart_deps: Vec<Node> = existing
        .iter()
        .filter(|e| {
            !reqs.iter().any(|r| {
                e.name() == r.name && is_compatible_range(&r.version, &e.chart.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in reqs.iter_mut() {
        if let Some(d) = alias_dependency(&existing, req) {
            chart_deps.push(d);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.deps = chart_deps;
    for r in c.chart.metadata.dependencies.iter_mut() {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, v, warn)?;
    process_tags(&mut c.chart.metadata.dependencies, &cvals, warn);
    process_conditions(&mut c.chart.metadata.dependencies, &cvals, path, warn);
    let rm: BTreeSet<String> = c
        .chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.deps.retain(|n| !rm.contains(n.name()));
    c.chart
        .metadata
        .dependencies
        .retain(|r| !rm.contains(&r.name));
    for t in &mut c.deps {
        let sub = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &sub, warn)?;
    }
    // Go leaves a nil slice when nothing is left.
    c.deps_declared = !c.chart.metadata.dependencies.is_empty();
    Ok(())
}

fn process_tags(reqs: &mut [Dependency], cvals: &Value, warn: &mut Warnings) {
    let Ok(vt) = table(cvals, "tags") else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match get(&vt, k) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warn.push(format!("returned non-bool value tag={k} chart={}", r.name)),
                None => {}
            }
        }
        r.enabled = has_true || !has_false;
    }
}

fn process_conditions(reqs: &mut [Dependency], cvals: &Value, cpath: &str, warn: &mut Warnings) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{cpath}{c}")) {
                Ok(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Ok(_) => warn.push(format!("returned non-bool value path={c} chart={}", r.name)),
                Err(_) => {}
            }
        }
    }
}

fn get(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m, _) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

/// `Values.Table`: the map at a dotted path; the error is Helm's `ErrNoTable`.
pub fn table(v: &Value, name: &str) -> Result<Value, String> {
    let mut t = v.clone();
    for n in name.split('.') {
        match get(&t, n) {
            Some(m @ Value::Map(..)) => t = m,
            _ => return Err(format!("{n:?} is not a table")),
        }
    }
    Ok(t)
}

/// `Values.PathValue`: a non-table value at a dotted path; the error is `ErrNoValue`.
pub fn path_value(v: &Value, path: &str) -> Result<Value, String> {
    if path.is_empty() {
        return Err("YAML path cannot be empty".into());
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (key, rest) = match parts.split_last() {
        Some(x) => x,
        None => return Err("YAML path cannot be empty".into()),
    };
    let t = if rest.is_empty() {
        v.clone()
    } else {
        table(v, &rest.join(".")).map_err(|_| format!("{key:?} is not a value"))?
    };
    match get(&t, key) {
        Some(Value::Map(..)) | None => Err(format!("{key:?} is not a value")),
        Some(x) => Ok(x),
    }
}

fn process_import_values_tree(c: &mut Node, warn: &mut Warnings) -> Result<(), String> {
    for d in &mut c.deps {
        process_import_values_tree(d, warn)?;
    }
    process_import_values(c, warn)
}

/// Go's `%v` of a value from an `import-values` map.
fn go_v(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "<nil>".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => {
            crate::values::convert::go_float(n.as_f64().unwrap_or(0.0))
        }
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// `pathToMap`: `data` nested under a dotted path (`.` is the root).
fn path_to_map(path: &str, data: Value) -> Value {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for k in path.split('.').rev() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(k.to_string(), cur);
        cur = Value::map(m);
    }
    cur
}

fn as_map(v: Value) -> Value {
    match &v {
        Value::Map(m, _) if m.borrow().is_empty() => Value::empty_map(),
        _ => v,
    }
}

fn process_import_values(c: &mut Node, warn: &mut Warnings) -> Result<(), String> {
    if !c.deps_declared {
        return Ok(());
    }
    let cvals = merge_values(c, &Value::empty_map(), warn)?;
    let b = Value::empty_map();
    for r in c.chart.metadata.dependencies.iter_mut() {
        let mut out = Vec::new();
        for riv in &r.import_values {
            match riv {
                serde_json::Value::Object(iv) => {
                    let child = go_v(iv.get("child"));
                    let parent = go_v(iv.get("parent"));
                    out.push(serde_json::json!({"child": child, "parent": parent}));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Ok(vv) => merge_tables_top(&b, &path_to_map(&parent, as_map(vv)), warn),
                        Err(e) => warn.push(format!(
                            "ImportValues missing table from chart chart={} error={e}",
                            r.name
                        )),
                    }
                }
                serde_json::Value::String(iv) => {
                    let child = format!("exports.{iv}");
                    out.push(serde_json::json!({"child": child, "parent": "."}));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Ok(vm) => merge_tables_top(&b, &as_map(vm), warn),
                        Err(e) => warn.push(format!("ImportValues missing table error={e}")),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let values = cvals.deep_copy();
    merge_tables_top(&values, &b, warn);
    c.values = values;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_template::yaml::from_yaml;

    #[test]
    fn path_values_and_tables() {
        let v = from_yaml("a: {b: {c: true}, s: x}\nt: 1").expect("yaml");
        assert!(matches!(path_value(&v, "a.b.c"), Ok(Value::Bool(true))));
        assert_eq!(
            path_value(&v, "a.b").err().as_deref(),
            Some("\"b\" is not a value")
        );
        assert_eq!(
            path_value(&v, "a.x.c").err().as_deref(),
            Some("\"c\" is not a value")
        );
        assert!(matches!(path_value(&v, "t"), Ok(Value::Float(_))));
        assert!(table(&v, "a.b").is_ok());
        assert_eq!(
            table(&v, "a.s").err().as_deref(),
            Some("\"s\" is not a table")
        );
    }

    #[test]
    fn path_to_map_nests() {
        let v = path_to_map("a.b", from_yaml("x: 1").expect("yaml"));
        assert_eq!(
            berth_template::yaml::to_yaml(&v).expect("yaml"),
            "a:\n  b:\n    x: 1\n"
        );
    }

    #[test]
    fn missing_dependencies_are_named() {
        let mut chart = Chart::default();
        chart.metadata.name = "top".into();
        chart.metadata.version = "0.1.0".into();
        for n in ["a", "b"] {
            chart.metadata.dependencies.push(Dependency {
                name: n.into(),
                ..Default::default()
            });
        }
        let mut sub = Chart::default();
        sub.metadata.name = "a".into();
        chart.dependencies.push(sub);
        assert_eq!(
            prepare(&chart, &Value::empty_map())
                .err()
                .map(|e| e.0)
                .as_deref(),
            Some(
                "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: b"
            )
        );
    }

    fn parent_with_sub() -> Chart {
        let mut chart = Chart::default();
        chart.metadata.name = "top".into();
        chart.metadata.version = "0.1.0".into();
        chart.metadata.dependencies.push(Dependency {
            name: "sub".into(),
            version: "0.1.0".into(),
            ..Default::default()
        });
        let mut sub = Chart::default();
        sub.metadata.name = "sub".into();
        sub.metadata.version = "0.1.0".into();
        chart.dependencies.push(sub);
        chart
    }

    #[test]
    fn subchart_keys_must_be_tables() {
        // Texts checked against Helm 4.3 (helm-oracle).
        let chart = parent_with_sub();
        for (user, want) in [
            ("sub: null", "%!t(<nil>)"),
            ("sub: 5", "%!t(float64=5)"),
            ("sub: [a]", "[%!t(string=a)]"),
        ] {
            let user = from_yaml(user).expect("yaml");
            assert_eq!(
                prepare(&chart, &user).err().map(|e| e.0),
                Some(format!(
                    "chart dependencies processing failed: type mismatch on sub: {want}"
                ))
            );
        }
    }

    #[test]
    fn library_charts_are_refused() {
        let mut chart = parent_with_sub();
        chart.metadata.chart_type = "library".into();
        assert_eq!(
            prepare(&chart, &Value::empty_map())
                .err()
                .map(|e| e.0)
                .as_deref(),
            Some("library charts are not installable")
        );
    }
}
