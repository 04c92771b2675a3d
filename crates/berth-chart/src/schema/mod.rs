//! Values checked against each chart's `values.schema.json`, as Helm 4.3 does before
//! rendering (`pkg/chart/common/util/jsonschema.go`: `ValidateAgainstSchema`, over
//! `github.com/santhosh-tekuri/jsonschema/v6`).
//!
//! What Helm does, and so do we: the top chart's schema checks the whole coalesced values
//! (globals included), then each subchart (in the chart's dependency order, recursively)
//! checks the section under its name, if that section is present and not null. The
//! schema's draft comes from `$schema` (draft-04, -06, -07, 2019-09, 2020-12; without
//! `$schema`, 2020-12). `format` is asserted for drafts before 2019-09 only (Helm does
//! not call `AssertFormat`; the standard 2019-09/2020-12 metaschemas only annotate), with
//! the library's checks and Go's parsers (`formats`, `golang`, `regexp`). Errors are
//! santhosh-tekuri's tree (`- at '/path': message`, causes indented below), in its order.
//!
//! Before compiling, the schema document is checked against its draft's metaschema
//! (`metaschema`, with `format` asserted), as the library does when it loads a document.
//! `$ref`, `$recursiveRef` (2019-09), `$dynamicRef` (2020-12) and `unevaluatedProperties`/
//! `unevaluatedItems` follow the library's dynamic scope and evaluation tracking.
//!
//! json-schema.org's documents, which Helm's library serves from its own copies, come
//! from the same metaschemas here. Not done as Helm does: loading other `$ref`/`$schema`
//! documents over `file`, `http` or `https` (`urn:` is `true`, as Helm's URN loader makes
//! it).
//!
//! Where Go iterates a map (an object's properties, `patternProperties`, `dependencies`),
//! its order is random; ours is the keys' sorted order.

mod format;
mod formats;
mod golang;
mod json;
mod metaschema;
mod validate;

use berth_template::Value;

use crate::chart::Chart;
pub use json::{J, Num};

/// The schema's own URL, as Helm registers it.
const SCHEMA_URL: &str = "file:///values.schema.json";

/// Helm's error for values that do not meet the schemas: the text after
/// `values don't meet the specifications of the schema(s) in the following chart(s):\n`.
pub fn validate_chart(chart: &Chart, values: &Value) -> Result<(), String> {
    let vals = match to_json(values) {
        Ok(j) => j,
        Err(t) => return Err(format!("{}:\ninvalid jsonType {t}\n", chart.metadata.name)),
    };
    let mut out = String::new();
    // Validation recurses over the schema and the values; give it room of its own so no
    // input can overflow the caller's stack (depths are bounded as well).
    let chart = chart.clone();
    let res = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut out = String::new();
            validate_tree(&chart, &vals, &mut out);
            out
        })
        .map_err(|e| e.to_string())?
        .join();
    match res {
        Ok(s) => out.push_str(&s),
        Err(_) => return Err("unable to validate schema: internal error".into()),
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

fn validate_tree(chart: &Chart, values: &J, out: &mut String) {
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single(values, schema) {
            out.push_str(&chart.metadata.name);
            out.push_str(":\n");
            out.push_str(&e);
        }
    }
    for sub in &chart.dependencies {
        let name = &sub.metadata.name;
        match values.get(name) {
            None | Some(J::Null) => continue,
            Some(v @ J::Obj(_)) => validate_tree(sub, v, out),
            Some(other) => {
                out.push_str(&format!(
                    "{name}:\ninvalid type for values: expected object (map), got {}\n",
                    go_type_name(other)
                ));
            }
        }
    }
}

fn go_type_name(v: &J) -> &'static str {
    match v {
        J::Null => "<nil>",
        J::Bool(_) => "bool",
        J::Num(n) if n.int.is_some() => "int64",
        J::Num(_) => "float64",
        J::Str(_) => "string",
        J::Arr(_) => "[]interface {}",
        J::Obj(_) => "map[string]interface {}",
    }
}

/// `ValidateAgainstSingleSchema`: the error text Helm prints for one chart (compile errors
/// as they are; validation errors as the cause tree, ending in a newline).
pub fn validate_single(values: &J, schema: &[u8]) -> Result<(), String> {
    let doc = metaschema::embed_if_referenced(json::parse(schema)?);
    let compiled = validate::Compiled::new(&doc)?;
    compiled.validate(values)
}

/// The coalesced values as the JSON types Go's validator sees; an error names a Go type
/// it cannot take.
pub fn to_json(v: &Value) -> Result<J, String> {
    Ok(match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) | Value::Int64(i) => J::Num(Num {
            f: *i as f64,
            text: i.to_string(),
            int: Some(*i),
        }),
        Value::Float(f) => J::Num(Num {
            f: *f,
            text: format::go_float(*f),
            int: None,
        }),
        Value::String(s) => J::Str(s.to_string()),
        Value::BinStr(b) => J::Str(String::from_utf8_lossy(b).into_owned()),
        Value::List(items, _) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items.iter() {
                out.push(to_json(i)?);
            }
            J::Arr(out)
        }
        Value::Map(m, _) => {
            let mut out = std::collections::BTreeMap::new();
            for (k, v) in m.borrow().iter() {
                out.insert(k.clone(), to_json(v)?);
            }
            J::Obj(out)
        }
        other => return Err(other.type_name()),
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod format_tests;
