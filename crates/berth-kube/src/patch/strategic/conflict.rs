//! `MergingMapsHaveConflicts`: whether a three-way patch touches what changed between the
//! last applied configuration and the live object, differently.

use super::error::{self, Result};
use super::schema::{Schema, Strategy};
use super::values::{ElemKind, dedupe_scalars, element_kind, same, sort_scalars};
use super::{DIRECTIVE, MAX_DEPTH, RETAIN_KEYS};
use crate::schema::gofmt::sprint;
use serde_json::{Map, Value};

pub(crate) fn have_conflicts(
    left: &Map<String, Value>,
    right: &Map<String, Value>,
    schema: Schema<'_>,
) -> Result<bool> {
    maps_conflict(left, right, schema, 0)
}

fn values_conflict(
    left: &Value,
    right: &Value,
    schema: Schema<'_>,
    strategy: Strategy,
    merge_key: &str,
    depth: usize,
) -> Result<bool> {
    if depth > MAX_DEPTH {
        return Err(error::too_deep());
    }
    match left {
        Value::Object(l) => {
            let Value::Object(r) = right else {
                return Ok(true);
            };
            // A directive acts on the whole map: one side with it and one without, or two
            // different directives, conflict.
            let (ld, rd) = (l.get(DIRECTIVE), r.get(DIRECTIVE));
            if (ld.is_some() || rd.is_some()) && (ld.is_some() != rd.is_some() || ld != rd) {
                return Ok(true);
            }
            if strategy == Strategy::Replace {
                return Ok(false);
            }
            maps_conflict(l, r, schema, depth + 1)
        }
        Value::Array(l) => {
            let Value::Array(r) = right else {
                return Ok(true);
            };
            slices_conflict(l, r, schema, strategy, merge_key, depth + 1)
        }
        _ => Ok(!same(left, right)),
    }
}

fn maps_conflict(
    left: &Map<String, Value>,
    right: &Map<String, Value>,
    schema: Schema<'_>,
    depth: usize,
) -> Result<bool> {
    for (key, lv) in left {
        if key == DIRECTIVE || key == RETAIN_KEYS {
            continue;
        }
        let Some(rv) = right.get(key) else { continue };
        let (sub, meta) = match lv {
            Value::Array(_) => schema.list(key),
            _ => schema.field(key),
        };
        if values_conflict(lv, rv, sub, meta.strategy, &meta.merge_key, depth)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn slices_conflict(
    left: &[Value],
    right: &[Value],
    schema: Schema<'_>,
    strategy: Strategy,
    merge_key: &str,
    depth: usize,
) -> Result<bool> {
    let kind = element_kind(&[left, right])?;
    if strategy == Strategy::Merge {
        // Merged scalar lists never conflict; merged maps conflict element by element.
        if kind == ElemKind::Scalar {
            return Ok(false);
        }
        let l = by_merge_key(left, merge_key)?;
        let r = by_merge_key(right, merge_key)?;
        for (k, lv) in &l {
            if let Some((_, rv)) = r.iter().find(|(rk, _)| rk == k)
                && values_conflict(lv, rv, schema, Strategy::Default, "", depth)?
            {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if left.len() != right.len() {
        return Ok(true);
    }
    let (l, r) = if kind == ElemKind::Scalar {
        (
            sort_scalars(dedupe_scalars(left.to_vec())),
            sort_scalars(dedupe_scalars(right.to_vec())),
        )
    } else {
        (left.to_vec(), right.to_vec())
    };
    for (a, b) in l.iter().zip(&r) {
        if values_conflict(a, b, schema, Strategy::Default, "", depth)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `sliceOfMapsToMapOfMaps`, keyed by the `%v` text of the merge key (later duplicates win).
fn by_merge_key<'v>(list: &'v [Value], merge_key: &str) -> Result<Vec<(String, &'v Value)>> {
    let mut out: Vec<(String, &Value)> = Vec::new();
    for item in list {
        let Value::Object(m) = item else {
            return Err(error::failed(format!(
                "invalid element type in merging list:{}",
                sprint(&Value::Array(list.to_vec()))
            )));
        };
        let Some(k) = m.get(merge_key) else {
            return Err(error::failed(format!(
                "cannot find merge key `{merge_key}` in merging list element:{}",
                sprint(item)
            )));
        };
        let k = sprint(k);
        match out.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = item,
            None => out.push((k, item)),
        }
    }
    Ok(out)
}
