//! Applying a strategic merge patch: `mergeMap` and friends of apimachinery
//! pkg/util/strategicpatch/patch.go, on owned `serde_json` values.
//!
//! The same merge also combines two patches into one while creating a three-way patch; then
//! `merge_parallel_list` is off and directives are carried over instead of executed.

use super::alias::{Shared, go_cap, go_dedupe_in_place};
use super::error::{self, MAP_TYPE, Result, SLICE_TYPE};
use super::order::{find_by_key, normalize_element_order, partition, split_deletes};
use super::schema::{Schema, Strategy};
use super::values::{ElemKind, element_kind, same, same_type};
use super::{DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, MAX_DEPTH, RETAIN_KEYS, SET_ELEMENT_ORDER};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug)]
pub(crate) struct MergeOptions {
    /// Execute `$deleteFromPrimitiveList` and `$setElementOrder` (applying a patch) rather
    /// than keep them (merging two patches).
    pub merge_parallel_list: bool,
    /// Drop `null`s that delete nothing (applying a patch) rather than keep them.
    pub ignore_unmatched_nulls: bool,
}

pub(crate) const APPLY: MergeOptions = MergeOptions {
    merge_parallel_list: true,
    ignore_unmatched_nulls: true,
};
pub(crate) const COMBINE: MergeOptions = MergeOptions {
    merge_parallel_list: false,
    ignore_unmatched_nulls: false,
};

/// `mergeMap`: merges `patch` into `original` and returns the result.
pub(crate) fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Schema<'_>,
    opts: MergeOptions,
    depth: usize,
) -> Result<Map<String, Value>> {
    if depth > MAX_DEPTH {
        return Err(error::too_deep());
    }
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some("replace") => {
                patch.shift_remove(DIRECTIVE);
                Ok(patch)
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(error::bad_patch_type(
                directive,
                &Value::Object(patch.clone()),
            )),
        };
    }
    apply_retain_keys(&mut original, &mut patch, opts)?;
    merge_ordered_lists(&mut original, &mut patch, schema, opts, depth)?;

    for (key, patch_value) in patch {
        let (key, is_delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            if !opts.merge_parallel_list {
                original.insert(key, patch_value);
                continue;
            }
            (
                strip_directive(&key, DELETE_FROM_PRIMITIVE_LIST)
                    .ok_or_else(error::bad_primitive_list)?,
                true,
            )
        } else {
            (key, false)
        };

        if patch_value.is_null() {
            original.shift_remove(&key);
            if opts.ignore_unmatched_nulls {
                continue;
            }
        }

        // Take the original value out of its slot so the key keeps its place.
        let Some(original_value) = original.get_mut(&key).map(std::mem::take) else {
            if !is_delete_list {
                take_patch_value(&mut original, key, patch_value, opts);
            }
            continue;
        };
        let merged = if !same_type(&original_value, &patch_value) {
            if is_delete_list {
                Some(original_value)
            } else {
                prepare_patch_value(patch_value, opts)
            }
        } else {
            match (original_value, patch_value) {
                (Value::Object(o), Value::Object(p)) => {
                    let (sub, meta) = schema.field(&key);
                    if meta.strategy == Strategy::Replace {
                        Some(Value::Object(p))
                    } else {
                        Some(Value::Object(merge_map(o, p, sub, opts, depth + 1)?))
                    }
                }
                (Value::Array(o), Value::Array(p)) => {
                    let (sub, meta) = schema.list(&key);
                    if meta.strategy == Strategy::Merge || is_delete_list {
                        let (merged, _) = merge_slice(
                            o,
                            p,
                            sub,
                            &meta.merge_key,
                            opts,
                            is_delete_list,
                            depth + 1,
                        )?;
                        Some(Value::Array(merged))
                    } else {
                        Some(Value::Array(p))
                    }
                }
                (_, p) => remove_directives(p),
            }
        };
        match (merged, original.get_mut(&key)) {
            (Some(v), Some(slot)) => *slot = v,
            _ => {
                original.shift_remove(&key);
            }
        }
    }
    Ok(original)
}

/// A key the original lacks (or holds with another type) takes the patch value, without
/// directives and, when applying, without `null`s.
fn take_patch_value(
    original: &mut Map<String, Value>,
    key: String,
    value: Value,
    opts: MergeOptions,
) {
    match prepare_patch_value(value, opts) {
        Some(v) => {
            original.insert(key, v);
        }
        None => {
            original.shift_remove(&key);
        }
    }
}

fn prepare_patch_value(mut value: Value, opts: MergeOptions) -> Option<Value> {
    if opts.ignore_unmatched_nulls {
        discard_nulls(&mut value);
    }
    remove_directives(value)
}

/// `extractKey`: the field a `$prefix/field` directive names.
fn strip_directive(key: &str, prefix: &str) -> Option<String> {
    match key.split_once('/') {
        Some((head, rest)) if head == prefix => Some(rest.to_string()),
        _ => None,
    }
}

/// `applyRetainKeysDirective`: clear the keys of `original` that `$retainKeys` leaves out,
/// after checking that the patch sets only retained keys.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    opts: MergeOptions,
) -> Result<()> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS) else {
        return Ok(());
    };
    if !opts.merge_parallel_list {
        match original.get(RETAIN_KEYS) {
            Some(existing) if !same(existing, &retain) => {
                return Err(error::failed(format!(
                    "{} and {} are not deep equal: this may happen when calculating the 3-way diff patch",
                    crate::schema::gofmt::sprint(existing),
                    crate::schema::gofmt::sprint(&retain)
                )));
            }
            Some(_) => {}
            None => {
                original.insert(RETAIN_KEYS.into(), retain);
            }
        }
        return Ok(());
    }
    let Value::Array(keep) = retain else {
        return Err(error::bad_retain_keys());
    };
    let retained = |k: &str| keep.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !retained(k) {
            return Err(error::bad_retain_keys());
        }
    }
    original.retain(|k, _| retained(k));
    Ok(())
}

/// `mergePatchIntoOriginal`: merge each list that has a `$setElementOrder/<field>` and put
/// it in that order (precedence: the order list, then the patch, then the live list).
fn merge_ordered_lists(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema<'_>,
    opts: MergeOptions,
    depth: usize,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for key in keys {
        let Some(order) = patch.shift_remove(&key) else {
            continue;
        };
        if !opts.merge_parallel_list {
            match original.get(&key) {
                Some(existing) if !same(existing, &order) => {
                    return Err(error::bad_set_element_order());
                }
                Some(_) => {}
                None => {
                    original.insert(key.clone(), order.clone());
                }
            }
        }
        let Value::Array(order) = order else {
            return Err(error::bad_arg_type(SLICE_TYPE, &order));
        };
        let field =
            strip_directive(&key, SET_ELEMENT_ORDER).ok_or_else(error::bad_set_element_order)?;
        let original_list = match original.get(&field) {
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(error::bad_arg_type(SLICE_TYPE, other)),
            None => None,
        };
        let patch_list = match patch.get(&field) {
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(error::bad_arg_type(SLICE_TYPE, other)),
            None => None,
        };
        let (sub, meta) = schema.list(&field);
        let merge_key = meta.merge_key.as_str();
        validate_against_order(patch_list.as_deref().unwrap_or(&[]), &order, merge_key)?;

        let mut server_order = original_list.clone().unwrap_or_default();
        let merged = match (&original_list, &patch_list) {
            (Some(o), None) => o.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p.clone())) {
                Some(Value::Array(v)) => v,
                _ => continue,
            },
            (Some(o), Some(p)) => {
                if meta.strategy == Strategy::Merge {
                    let (merged, view) =
                        merge_slice(o.clone(), p.clone(), sub, merge_key, opts, false, depth + 1)?;
                    server_order = view;
                    merged
                } else {
                    p.clone()
                }
            }
            (None, None) => continue,
        };
        let (in_order, server_only) = partition(merged, &order, merge_key)?;
        let kind = element_kind(&[&server_order, patch_list.as_deref().unwrap_or(&[])])?;
        let both = normalize_element_order(
            in_order,
            server_only,
            &order,
            &server_order,
            merge_key,
            kind,
        )?;
        original.insert(field.clone(), Value::Array(both));
        patch.shift_remove(&field);
    }
    Ok(())
}

/// `validatePatchWithSetOrderList`: the patch list's items appear in the order list, in the
/// same relative order (deletions aside).
fn validate_against_order(patch_list: &[Value], order: &[Value], merge_key: &str) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        split_deletes(patch_list.to_vec())?.0
    };
    let (mut pi, mut si) = (0, 0);
    while let (Some(item), Some(wanted)) = (non_delete.get(pi), order.get(si)) {
        if item.as_object().is_some_and(|m| m.contains_key(DIRECTIVE)) {
            pi += 1;
            continue;
        }
        if merge_key_equal(item, wanted, merge_key)? {
            pi += 1;
        }
        si += 1;
    }
    if pi < non_delete.len() && si >= order.len() {
        return Err(error::failed(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}\n",
            crate::schema::gofmt::sprint(&Value::Array(patch_list.to_vec())),
            crate::schema::gofmt::sprint(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

/// `mergeKeyValueEqual`.
pub(crate) fn merge_key_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(same(left, right));
    }
    let (Value::Object(l), Value::Object(r)) = (left, right) else {
        let culprit = if left.is_object() { right } else { left };
        return Err(error::bad_arg_type(MAP_TYPE, culprit));
    };
    let lv = l
        .get(merge_key)
        .ok_or_else(|| error::no_merge_key(left, merge_key))?;
    let rv = r
        .get(merge_key)
        .ok_or_else(|| error::no_merge_key(right, merge_key))?;
    Ok(same(lv, rv))
}

/// `mergeSlice`: union of scalars, or maps merged by key, then ordered. Also returns what the
/// caller's view of `original` holds afterwards (see [`super::alias`]).
fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: Schema<'_>,
    merge_key: &str,
    opts: MergeOptions,
    is_delete_list: bool,
    depth: usize,
) -> Result<(Vec<Value>, Vec<Value>)> {
    if original.is_empty() && patch.is_empty() {
        return Ok((original.clone(), original));
    }
    let kind = element_kind(&[&original, &patch])?;
    let (server_order, view, patch, merged) = if kind == ElemKind::Scalar {
        if opts.merge_parallel_list && is_delete_list {
            let kept = original
                .iter()
                .filter(|v| !patch.iter().any(|d| same(d, v)))
                .cloned()
                .collect();
            return Ok((kept, original));
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        let len = go_dedupe_in_place(&mut both);
        // `append(original, patch...)` wrote in place when it fitted: the dedupe then shows
        // through `original` too.
        let view = if original.len() + patch.len() <= go_cap(original.len()) {
            both.get(..original.len())
                .map(<[Value]>::to_vec)
                .unwrap_or_default()
        } else {
            original
        };
        both.truncate(len);
        (view.clone(), view, patch, both)
    } else {
        if merge_key.is_empty() {
            return Err(error::failed(
                "cannot merge lists without merge key for struct",
            ));
        }
        let mut shared = Shared::new(&original);
        let (original, patch) = apply_special_elements(original, patch, merge_key, &mut shared)?;
        let merged = merge_by_key(
            original.clone(),
            &patch,
            merge_key,
            schema,
            opts,
            depth,
            &mut shared,
        )?;
        (original, shared.view, patch, merged)
    };
    let (in_patch, server_only) = partition(merged, &patch, merge_key)?;
    let ordered = normalize_element_order(
        in_patch,
        server_only,
        &patch,
        &server_order,
        merge_key,
        kind,
    )?;
    Ok((ordered, view))
}

/// `mergeSliceWithSpecialElements`: run `$patch: delete` and `$patch: replace` elements;
/// returns the new original and the plain patch elements.
fn apply_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    shared: &mut Shared,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut plain = Vec::new();
    let mut replace = false;
    for item in patch {
        let Value::Object(m) = &item else {
            return Err(error::bad_arg_type(MAP_TYPE, &item));
        };
        let Some(directive) = m.get(DIRECTIVE) else {
            plain.push(item);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let value = m
                    .get(merge_key)
                    .ok_or_else(|| error::no_merge_key(&item, merge_key))?;
                while let Some(i) = find_by_key(&original, merge_key, value)? {
                    original.remove(i);
                    shared.delete(i);
                }
            }
            // Keep scanning so other directive elements are dropped too.
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(error::failed(
                    "merging lists cannot yet be specified in the patch",
                ));
            }
            _ => return Err(error::bad_patch_type(directive, &item)),
        }
    }
    if replace {
        shared.detach();
        Ok((plain, Vec::new()))
    } else {
        Ok((original, plain))
    }
}

/// `mergeSliceWithoutSpecialElements`: merge each patch element into the original element
/// with the same key, or append it.
fn merge_by_key(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: Schema<'_>,
    opts: MergeOptions,
    depth: usize,
    shared: &mut Shared,
) -> Result<Vec<Value>> {
    for item in patch {
        let Value::Object(p) = item else {
            return Err(error::bad_arg_type(MAP_TYPE, item));
        };
        let value = p
            .get(merge_key)
            .ok_or_else(|| error::no_merge_key(item, merge_key))?;
        match find_by_key(&original, merge_key, value)? {
            Some(i) => {
                let slot = original.get_mut(i).map(std::mem::take);
                let Some(Value::Object(o)) = slot else {
                    continue;
                };
                let merged = merge_map(o, p.clone(), schema, opts, depth + 1)?;
                if let Some(s) = original.get_mut(i) {
                    *s = Value::Object(merged);
                }
            }
            None => {
                shared.append(item);
                original.push(item.clone());
            }
        }
    }
    Ok(original)
}

/// `removeDirectives`: drop maps carrying `$patch` (returns `None` for such a map itself).
pub(crate) fn remove_directives(value: Value) -> Option<Value> {
    match value {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE) {
                return None;
            }
            let kept = m
                .into_iter()
                .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                .collect();
            Some(Value::Object(kept))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

/// `discardNullValuesFromPatch`: remove `null` fields at any depth.
fn discard_nulls(value: &mut Value) {
    match value {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}
