//! Helm's `CoalesceValues`/`MergeValues` (pkg/chart/common/util/coalesce.go) over a chart
//! tree whose values are parsed. Maps are shared by reference as Go maps are, so the same
//! aliasing (a parent's nested globals seen by its subcharts) happens here.

use std::collections::BTreeMap;

use berth_template::Value;

use super::convert::go_percent_t;
use crate::chart::Chart;

/// The key under which globals live.
pub const GLOBAL_KEY: &str = "global";

/// A chart with its values parsed, as coalescing and dependency processing see it.
#[derive(Debug, Clone)]
pub struct Node {
    /// The chart itself; its `dependencies` are moved into [`Node::deps`].
    pub chart: Chart,
    /// The chart's default values (a map).
    pub values: Value,
    /// The subcharts.
    pub deps: Vec<Node>,
    /// Whether Chart.yaml declares `dependencies` (Go's non-nil `Metadata.Dependencies`).
    pub deps_declared: bool,
}

impl Node {
    /// Parses the values of `chart` and its subcharts. The error is Helm's load error.
    pub fn from_chart(chart: &Chart) -> Result<Node, String> {
        let values = match (&chart.values_parsed, &chart.values) {
            (Some(parsed), _) => parsed.to_value(),
            (None, Some(bytes)) => super::load_values(bytes),
            (None, None) => Ok(Value::empty_map()),
        }
        .map_err(|e| format!("cannot load values.yaml: {e}"))?;
        let deps = chart
            .dependencies
            .iter()
            .map(|d| {
                Node::from_chart(d).map_err(|e| {
                    format!(
                        "error unpacking subchart {} in {}: {e}",
                        d.metadata.name, chart.metadata.name
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut shallow = chart.clone();
        shallow.dependencies = Vec::new();
        let deps_declared = !chart.metadata.dependencies.is_empty()
            || chart
                .metadata
                .raw
                .get("dependencies")
                .is_some_and(|d| !d.is_null());
        Ok(Node {
            chart: shallow,
            values,
            deps,
            deps_declared,
        })
    }

    /// The chart's name (`Metadata.Name`).
    pub fn name(&self) -> &str {
        &self.chart.metadata.name
    }

    /// Back to a plain chart tree.
    pub fn into_chart(self) -> Chart {
        let mut chart = self.chart;
        chart.dependencies = self.deps.into_iter().map(Node::into_chart).collect();
        chart
    }
}

/// Where Helm's coalescing warnings (`log.Printf`) go.
pub type Warnings = Vec<String>;

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(..))
}

fn entries(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(m, _) => m
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

fn get(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m, _) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

fn insert(v: &Value, key: &str, val: Value) {
    if let Value::Map(m, _) = v {
        m.borrow_mut().insert(key.to_string(), val);
    }
}

fn remove(v: &Value, key: &str) {
    if let Value::Map(m, _) = v {
        m.borrow_mut().remove(key);
    }
}

fn same_map(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x, _), Value::Map(y, _)) => std::rc::Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// A deep copy of a values map (`copystructure.Copy`); anything else becomes an empty map.
pub fn copy_values(v: &Value) -> Value {
    match v {
        Value::Map(..) => v.deep_copy(),
        _ => Value::empty_map(),
    }
}

/// `CoalesceValues(chart, vals)`: user values over the chart's defaults, recursively into
/// subcharts, globals pushed down, and a user `null` deleting a default.
pub fn coalesce_values(chart: &Node, vals: &Value, warn: &mut Warnings) -> Result<Value, String> {
    let copy = copy_values(vals);
    coalesce(warn, chart, &copy, "", false)?;
    Ok(copy)
}

/// `MergeValues(chart, vals)`: as [`coalesce_values`] but keeping `null`s.
pub fn merge_values(chart: &Node, vals: &Value, warn: &mut Warnings) -> Result<Value, String> {
    let copy = copy_values(vals);
    coalesce(warn, chart, &copy, "", true)?;
    Ok(copy)
}

fn coalesce(
    warn: &mut Warnings,
    ch: &Node,
    dest: &Value,
    prefix: &str,
    merge: bool,
) -> Result<(), String> {
    coalesce_chart_values(warn, ch, dest, prefix, merge);
    coalesce_deps(warn, ch, dest, prefix, merge)
}

fn coalesce_deps(
    warn: &mut Warnings,
    ch: &Node,
    dest: &Value,
    prefix: &str,
    merge: bool,
) -> Result<(), String> {
    for sub in &ch.deps {
        let name = sub.name();
        match get(dest, name) {
            None => insert(dest, name, Value::empty_map()),
            Some(c) if !is_table(&c) => {
                return Err(format!("type mismatch on {name}: {}", go_percent_t(&c)));
            }
            Some(_) => {}
        }
        if let Some(dv) = get(dest, name) {
            let sub_prefix = concat_prefix(prefix, ch.name());
            coalesce_globals(warn, &dv, dest, &sub_prefix);
            coalesce(warn, sub, &dv, &sub_prefix, merge)?;
            insert(dest, name, dv);
        }
    }
    Ok(())
}

fn coalesce_globals(warn: &mut Warnings, dest: &Value, src: &Value, prefix: &str) {
    let dg = match get(dest, GLOBAL_KEY) {
        None => Value::empty_map(),
        Some(g @ Value::Map(..)) => g,
        Some(_) => {
            warn.push(format!(
                "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    let sg = match get(src, GLOBAL_KEY) {
        None => Value::empty_map(),
        Some(g @ Value::Map(..)) => g,
        Some(_) => {
            warn.push(format!(
                "warning: skipping globals because source {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    for (key, val) in entries(&sg) {
        if is_table(&val) {
            // A shallow copy, as Helm's copyMap: nested maps stay shared.
            let vv = Value::map(entries(&val).into_iter().collect::<BTreeMap<_, _>>());
            match get(&dg, &key) {
                None => insert(&dg, &key, vv),
                Some(destv @ Value::Map(..)) => {
                    let sub_prefix = concat_prefix(prefix, &key);
                    coalesce_tables(warn, &vv, &destv, &sub_prefix, true);
                    insert(&dg, &key, vv);
                }
                Some(_) => warn.push(format!(
                    "Conflict: cannot merge map onto non-map for {key:?}. Skipping."
                )),
            }
        } else if get(&dg, &key).is_some_and(|dv| is_table(&dv)) {
            warn.push(format!("key {key} is table. Skipping"));
        } else {
            insert(&dg, &key, val);
        }
    }
    insert(dest, GLOBAL_KEY, dg);
}

fn child_chart_merge_true(ch: &Node, key: &str, merge: bool) -> bool {
    merge || ch.deps.iter().any(|d| d.name() == key)
}

fn coalesce_chart_values(warn: &mut Warnings, ch: &Node, v: &Value, prefix: &str, merge: bool) {
    let sub_prefix = concat_prefix(prefix, ch.name());
    let vc = copy_values(&ch.values);
    for (key, val) in entries(&vc) {
        match get(v, &key) {
            Some(value) => {
                if value.is_nil() && !merge {
                    remove(v, &key);
                } else if is_table(&value) {
                    if is_table(&val) {
                        let merge = child_chart_merge_true(ch, &key, merge);
                        if !merge {
                            clean_nil_values(&val);
                        }
                        coalesce_tables(
                            warn,
                            &value,
                            &val,
                            &concat_prefix(&sub_prefix, &key),
                            merge,
                        );
                    } else if !val.is_nil() {
                        warn.push(format!(
                            "warning: skipped value for {sub_prefix}.{key}: Not a table."
                        ));
                    }
                }
            }
            None => {
                if !merge {
                    if val.is_nil() {
                        continue;
                    }
                    if is_table(&val) {
                        clean_nil_values(&val);
                    }
                }
                insert(v, &key, val);
            }
        }
    }
}

/// `CoalesceTables(dst, src)`: `src`'s keys copied into `dst` where missing, tables merged.
pub fn coalesce_tables_top(dst: &Value, src: &Value, warn: &mut Warnings) {
    coalesce_tables(warn, dst, src, "", false);
}

/// `MergeTables(dst, src)`: as [`coalesce_tables_top`], keeping `null`s.
pub fn merge_tables_top(dst: &Value, src: &Value, warn: &mut Warnings) {
    coalesce_tables(warn, dst, src, "", true);
}

fn coalesce_tables(warn: &mut Warnings, dst: &Value, src: &Value, prefix: &str, merge: bool) {
    if same_map(dst, src) {
        return;
    }
    let src_non_nil: std::collections::BTreeSet<String> = entries(src)
        .into_iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k)
        .collect();
    for (key, val) in entries(dst) {
        if val.is_nil() {
            insert(src, &key, Value::Nil);
        }
    }
    for (key, val) in entries(src) {
        let full_key = concat_prefix(prefix, &key);
        match get(dst, &key) {
            Some(dv) if !merge && dv.is_nil() && src_non_nil.contains(&key) => remove(dst, &key),
            None => insert(dst, &key, val),
            Some(dv) => {
                if is_table(&val) {
                    if is_table(&dv) {
                        coalesce_tables(warn, &dv, &val, &full_key, merge);
                    } else {
                        warn.push(format!(
                            "warning: cannot overwrite table with non table for {full_key} ({})",
                            short(&val)
                        ));
                    }
                } else if is_table(&dv) && !val.is_nil() {
                    warn.push(format!(
                        "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                        short(&val)
                    ));
                }
            }
        }
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Float(f) => super::convert::go_float(*f),
        Value::Int64(i) | Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Nil => "<nil>".into(),
        v => v.type_name(),
    }
}

/// Helm's `cleanNilValues`: `null`s removed from maps, recursively (not inside lists).
pub fn clean_nil_values(m: &Value) {
    for (key, val) in entries(m) {
        if val.is_nil() {
            remove(m, &key);
        } else if is_table(&val) {
            clean_nil_values(&val);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_template::yaml::{from_yaml, to_yaml};

    fn node(name: &str, values: &str, deps: Vec<Node>) -> Node {
        let mut chart = Chart::default();
        chart.metadata.name = name.into();
        Node {
            chart,
            values: from_yaml(values).expect("values"),
            deps,
            deps_declared: false,
        }
    }

    fn y(v: &Value) -> String {
        to_yaml(v).expect("yaml")
    }

    #[test]
    fn user_values_win_and_null_deletes() {
        let ch = node("top", "a: 1\nb: {c: 2, d: 3}\nkeep: x\nnul: null", vec![]);
        let user = from_yaml("a: 5\nb: {c: null}\nkeep: null\nextra: null").expect("user");
        let mut w = Vec::new();
        let out = coalesce_values(&ch, &user, &mut w).expect("coalesces");
        assert_eq!(y(&out), "a: 5\nb:\n  d: 3\nextra: null\n");
        // The user's map is not modified.
        assert_eq!(y(&user), "a: 5\nb:\n  c: null\nextra: null\nkeep: null\n");
        let merged = merge_values(&ch, &user, &mut w).expect("merges");
        assert_eq!(
            y(&merged),
            "a: 5\nb:\n  c: null\n  d: 3\nextra: null\nkeep: null\nnul: null\n"
        );
    }

    #[test]
    fn globals_flow_down_and_subcharts_get_their_key() {
        let sub = node("sub", "x: 1\nglobal: {g: sub, only: sub}", vec![]);
        let ch = node("top", "global: {g: top}\nsub: {x: 2}", vec![sub]);
        let mut w = Vec::new();
        let out = coalesce_values(&ch, &Value::empty_map(), &mut w).expect("coalesces");
        assert_eq!(
            y(&out),
            "global:\n  g: top\nsub:\n  global:\n    g: top\n    only: sub\n  x: 2\n"
        );
    }

    #[test]
    fn type_mismatch_on_subchart_key() {
        let sub = node("sub", "x: 1", vec![]);
        let ch = node("top", "", vec![sub]);
        let mut w = Vec::new();
        let user = from_yaml("sub: str").expect("user");
        assert_eq!(
            coalesce_values(&ch, &user, &mut w).err().as_deref(),
            Some("type mismatch on sub: %!t(string=str)")
        );
    }

    #[test]
    fn table_scalar_conflicts_keep_the_user_value_quietly() {
        let ch = node("top", "a: {b: 1}\nc: 1", vec![]);
        let user = from_yaml("a: str\nc: {d: 1}").expect("user");
        let mut w = Vec::new();
        let out = coalesce_values(&ch, &user, &mut w).expect("coalesces");
        assert_eq!(y(&out), "a: str\nc:\n  d: 1\n");
        assert_eq!(w.len(), 1);
    }
}
