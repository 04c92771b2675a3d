//! Creating strategic merge patches: `diffMaps` and friends of apimachinery
//! pkg/util/strategicpatch/patch.go, and the two- and three-way patches built on them.

use super::apply::{COMBINE, merge_key_equal, merge_map};
use super::conflict::have_conflicts;
use super::error::{self, MAP_TYPE, Result, StrategicPatchError};
use super::order::normalize_slice_order;
use super::schema::{Schema, Strategy};
use super::values::{ElemKind, dedupe_scalars, element_kind, same, same_type, sort_scalars};
use super::{
    DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, MAX_DEPTH, RETAIN_KEYS, SET_ELEMENT_ORDER, as_object,
};
use crate::schema::gofmt::sprint;
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DiffOptions {
    /// Emit `$setElementOrder/<field>` for merge lists.
    pub set_element_order: bool,
    pub ignore_changes_and_additions: bool,
    pub ignore_deletions: bool,
    /// The maps compared belong to a `retainKeys` field: emit `$retainKeys`.
    pub build_retain_keys: bool,
}

pub(crate) fn two_way(schema: Schema<'_>, original: &Value, modified: &Value) -> Result<Value> {
    let opts = DiffOptions {
        set_element_order: true,
        ..DiffOptions::default()
    };
    let patch = diff_maps(
        &as_object(original)?,
        &as_object(modified)?,
        schema,
        opts,
        0,
    )?;
    Ok(Value::Object(patch))
}

/// The patch is the delta from current to modified without deletions, merged with the
/// deletions from original to modified.
pub(crate) fn three_way(
    schema: Schema<'_>,
    original: &Value,
    modified: &Value,
    current: &Value,
    overwrite: bool,
) -> Result<Value> {
    let (original, modified, current) = (
        as_object(original)?,
        as_object(modified)?,
        as_object(current)?,
    );
    let delta_opts = DiffOptions {
        ignore_deletions: true,
        set_element_order: true,
        ..DiffOptions::default()
    };
    let delta = diff_maps(&current, &modified, schema, delta_opts, 0)?;
    let deletion_opts = DiffOptions {
        set_element_order: true,
        ignore_changes_and_additions: true,
        ..DiffOptions::default()
    };
    let deletions = diff_maps(&original, &modified, schema, deletion_opts, 0)?;
    let patch = merge_map(deletions, delta, schema, COMBINE, 0)?;
    if !overwrite {
        let changed = diff_maps(&original, &current, schema, DiffOptions::default(), 0)?;
        if have_conflicts(&patch, &changed, schema)? {
            return Err(StrategicPatchError::Conflict(format!(
                "patch:\n{}\nconflicts with changes made from original to current:\n{}\n",
                to_yaml(&patch),
                to_yaml(&changed)
            )));
        }
    }
    Ok(Value::Object(patch))
}

fn to_yaml(m: &Map<String, Value>) -> String {
    serde_yaml::to_string(m).unwrap_or_else(|e| e.to_string())
}

/// `diffMaps`: the patch that turns `original` into `modified`.
pub(crate) fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: Schema<'_>,
    opts: DiffOptions,
    depth: usize,
) -> Result<Map<String, Value>> {
    if depth > MAX_DEPTH {
        return Err(error::too_deep());
    }
    let mut patch = Map::new();
    let mut retain: Vec<Value> = Vec::new();
    for (key, m) in modified {
        if opts.build_retain_keys && !m.is_null() {
            retain.push(Value::String(key.clone()));
        }
        let Some(o) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), m.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            let (Some(os), Some(ms)) = (o.as_str(), m.as_str()) else {
                return Err(error::failed(format!(
                    "invalid value for special key: {DIRECTIVE}"
                )));
            };
            if os != ms {
                patch.insert(key.clone(), m.clone());
            }
            continue;
        }
        if !same_type(o, m) {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), m.clone());
            }
            continue;
        }
        match (o, m) {
            (Value::Object(om), Value::Object(mm)) => {
                diff_map_field(key, om, mm, &mut patch, schema, opts, depth)?
            }
            (Value::Array(ol), Value::Array(ml)) => {
                diff_list_field(key, ol, ml, &mut patch, schema, opts, depth)?
            }
            _ => replace_if_changed(key, o, m, &mut patch, opts),
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    // `$retainKeys` goes out when something changes or a key must be cleared.
    let clears = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain.is_empty() && (!patch.is_empty() || clears) {
        patch.insert(RETAIN_KEYS.into(), Value::Array(sort_scalars(retain)));
    }
    Ok(patch)
}

fn replace_if_changed(
    key: &str,
    original: &Value,
    modified: &Value,
    patch: &mut Map<String, Value>,
    opts: DiffOptions,
) {
    if !opts.ignore_changes_and_additions && !same(original, modified) {
        patch.insert(key.to_string(), modified.clone());
    }
}

/// `handleMapDiff`.
fn diff_map_field(
    key: &str,
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema<'_>,
    mut opts: DiffOptions,
    depth: usize,
) -> Result<()> {
    let (sub, meta) = schema.field(key);
    opts.build_retain_keys = meta.retain_keys;
    if meta.strategy == Strategy::Replace {
        if !opts.ignore_changes_and_additions {
            patch.insert(key.to_string(), Value::Object(modified.clone()));
        }
        return Ok(());
    }
    let sub_patch = diff_maps(original, modified, sub, opts, depth + 1)?;
    if !sub_patch.is_empty() {
        patch.insert(key.to_string(), Value::Object(sub_patch));
    }
    Ok(())
}

/// `handleSliceDiff`: merge lists give additions, a parallel deletion list and an order.
fn diff_list_field(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut Map<String, Value>,
    schema: Schema<'_>,
    mut opts: DiffOptions,
    depth: usize,
) -> Result<()> {
    let (sub, meta) = schema.list(key);
    if meta.strategy != Strategy::Merge {
        replace_if_changed(
            key,
            &Value::Array(original.to_vec()),
            &Value::Array(modified.to_vec()),
            patch,
            opts,
        );
        return Ok(());
    }
    opts.build_retain_keys = meta.retain_keys;
    let (add, delete, order) = diff_lists(original, modified, sub, &meta.merge_key, opts, depth)?;
    if !add.is_empty() {
        patch.insert(key.to_string(), Value::Array(add));
    }
    if !delete.is_empty() {
        patch.insert(
            format!("{DELETE_FROM_PRIMITIVE_LIST}/{key}"),
            Value::Array(delete),
        );
    }
    if !order.is_empty() {
        patch.insert(format!("{SET_ELEMENT_ORDER}/{key}"), Value::Array(order));
    }
    Ok(())
}

type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

/// `diffLists`: (patch list, scalar deletion list, `$setElementOrder` list).
fn diff_lists(
    original: &[Value],
    modified: &[Value],
    schema: Schema<'_>,
    merge_key: &str,
    opts: DiffOptions,
    depth: usize,
) -> Result<ListDiff> {
    if original.is_empty() {
        if modified.is_empty() || opts.ignore_changes_and_additions {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        return Ok((modified.to_vec(), Vec::new(), Vec::new()));
    }
    match element_kind(&[original, modified])? {
        ElemKind::Map => {
            let (patch, deletions) =
                diff_lists_of_maps(original, modified, schema, merge_key, opts, depth)?;
            let mut patch = normalize_slice_order(patch, modified, merge_key, ElemKind::Map)?;
            let order_same = order_same(original, modified, merge_key)?;
            patch.extend(deletions);
            let mut order = Vec::new();
            let changed = !patch.is_empty();
            if opts.set_element_order
                && ((!opts.ignore_changes_and_additions && (changed || !order_same))
                    || (!opts.ignore_deletions && changed))
            {
                for item in modified {
                    let mut only_key = Map::new();
                    only_key.insert(
                        merge_key.to_string(),
                        item.get(merge_key).cloned().unwrap_or(Value::Null),
                    );
                    order.push(Value::Object(only_key));
                }
            }
            Ok((patch, Vec::new(), order))
        }
        ElemKind::Scalar => {
            let (add, delete) = diff_lists_of_scalars(original, modified, opts);
            let add = normalize_slice_order(add, modified, merge_key, ElemKind::Scalar)?;
            // Upstream sorts `original` in place while diffing, so the order check below
            // compares the sorted original: an order-only change to a sorted list is no change.
            let sorted_original = Value::Array(sort_scalars(original.to_vec()));
            let order = if opts.set_element_order
                && ((!opts.ignore_deletions && !delete.is_empty())
                    || (!opts.ignore_changes_and_additions
                        && !same(&sorted_original, &Value::Array(modified.to_vec()))))
            {
                modified.to_vec()
            } else {
                Vec::new()
            };
            Ok((add, delete, order))
        }
    }
}

/// `isOrderSame`.
fn order_same(original: &[Value], modified: &[Value], merge_key: &str) -> Result<bool> {
    if original.len() != modified.len() {
        return Ok(false);
    }
    for (o, m) in original.iter().zip(modified) {
        if !merge_key_equal(o, m, merge_key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `diffListsOfScalars`: walk both lists sorted by text; returns additions and (deduplicated)
/// deletions.
fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let o = sort_scalars(original.to_vec());
    let m = sort_scalars(modified.to_vec());
    let (mut oi, mut mi) = (0, 0);
    let mut add = Vec::new();
    let mut delete = Vec::new();
    loop {
        let (ov, mv) = (o.get(oi), m.get(mi));
        let (os, ms) = (ov.map(sprint), mv.map(sprint));
        match (ov, mv) {
            (None, None) => break,
            (Some(_), Some(_)) if os == ms => {
                oi += 1;
                mi += 1;
            }
            (None, Some(v)) => {
                add_unless(&mut add, v, opts.ignore_changes_and_additions);
                mi += 1;
            }
            (Some(_), Some(v)) if os > ms => {
                add_unless(&mut add, v, opts.ignore_changes_and_additions);
                mi += 1;
            }
            (Some(v), _) => {
                add_unless(&mut delete, v, opts.ignore_deletions);
                oi += 1;
            }
        }
    }
    (add, dedupe_scalars(delete))
}

fn add_unless(list: &mut Vec<Value>, v: &Value, ignore: bool) {
    if !ignore {
        list.push(v.clone());
    }
}

/// `diffListsOfMaps`: walk both lists sorted by merge key; returns changed or added elements
/// and `$patch: delete` elements.
fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    schema: Schema<'_>,
    merge_key: &str,
    opts: DiffOptions,
    depth: usize,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let o = sort_by_merge_key(original, merge_key);
    let m = sort_by_merge_key(modified, merge_key);
    let (mut oi, mut mi) = (0, 0);
    let mut patch = Vec::new();
    let mut deletions = Vec::new();
    loop {
        let oe = o.get(oi).map(|v| map_and_key(v, merge_key)).transpose()?;
        let me = m.get(mi).map(|v| map_and_key(v, merge_key)).transpose()?;
        let (os, ms) = (oe.map(|(_, k)| sprint(k)), me.map(|(_, k)| sprint(k)));
        match (oe, me) {
            (None, None) => break,
            (Some((om, _)), Some((mm, mk))) if os == ms => {
                let mut p = diff_maps(om, mm, schema, opts, depth + 1)?;
                if !p.is_empty() {
                    p.insert(merge_key.to_string(), mk.clone());
                    patch.push(Value::Object(p));
                }
                oi += 1;
                mi += 1;
            }
            (None, Some((mm, _))) => {
                add_unless(
                    &mut patch,
                    &Value::Object(mm.clone()),
                    opts.ignore_changes_and_additions,
                );
                mi += 1;
            }
            (Some(_), Some((mm, _))) if os > ms => {
                add_unless(
                    &mut patch,
                    &Value::Object(mm.clone()),
                    opts.ignore_changes_and_additions,
                );
                mi += 1;
            }
            (Some((_, ok)), _) => {
                if !opts.ignore_deletions {
                    let mut d = Map::new();
                    d.insert(merge_key.to_string(), ok.clone());
                    d.insert(DIRECTIVE.into(), Value::String("delete".into()));
                    deletions.push(Value::Object(d));
                }
                oi += 1;
            }
        }
    }
    Ok((patch, deletions))
}

fn map_and_key<'v>(v: &'v Value, merge_key: &str) -> Result<(&'v Map<String, Value>, &'v Value)> {
    let Value::Object(m) = v else {
        return Err(error::bad_arg_type(MAP_TYPE, v));
    };
    let k = m
        .get(merge_key)
        .ok_or_else(|| error::no_merge_key(v, merge_key))?;
    Ok((m, k))
}

/// `sortMapsBasedOnField`: by the `%v` text of the merge key (missing keys sort as `<nil>`).
fn sort_by_merge_key(list: &[Value], merge_key: &str) -> Vec<Value> {
    let mut sorted = list.to_vec();
    sorted.sort_by_cached_key(|v| sprint(v.get(merge_key).unwrap_or(&Value::Null)));
    sorted
}
