//! Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in types,
//! as apimachinery pkg/util/strategicpatch does it: maps merge, `null` deletes, lists tagged
//! `patchStrategy: merge` merge by their `patchMergeKey`, and the `$patch`, `$retainKeys`,
//! `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` directives steer it.
//!
//! Applying is what the API server does with `kubectl patch`, `kubectl apply` and `kubectl
//! edit`; creating two- and three-way patches is what kubectl and Helm 3 do on the client.

mod alias;
mod apply;
mod builtin;
mod conflict;
mod diff;
mod error;
mod order;
mod schema;
mod values;

#[cfg(test)]
mod tests;

pub use builtin::supports_strategic_merge_patch;
pub use error::StrategicPatchError;

use crate::gvk::GroupVersionKind;
use serde_json::Value;

pub(crate) const DIRECTIVE: &str = "$patch";
pub(crate) const RETAIN_KEYS: &str = "$retainKeys";
pub(crate) const SET_ELEMENT_ORDER: &str = "$setElementOrder";
pub(crate) const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

/// How deep patches and documents may nest (serde_json's parser stops at 128 already).
pub(crate) const MAX_DEPTH: usize = 256;

/// Applies a strategic merge patch to `target`, an object of kind `gvk`. On error `target`
/// is left unchanged. Custom resources get [`StrategicPatchError::Unsupported`].
pub fn apply_strategic_merge_patch(
    gvk: &GroupVersionKind,
    target: &mut Value,
    patch: &Value,
) -> Result<(), StrategicPatchError> {
    let schema = builtin::schema_for(gvk).ok_or(StrategicPatchError::Unsupported)?;
    check_depth(&[target, patch])?;
    let merged = apply_with(schema, target, patch)?;
    *target = merged;
    Ok(())
}

/// Creates the patch that turns `original` into `modified` (`CreateTwoWayMergePatch`), as
/// `kubectl edit` sends it: deletions as `null` or `$patch: delete`, merge lists with their
/// `$setElementOrder`, `$retainKeys` for retain-keys fields.
pub fn create_two_way_merge_patch(
    gvk: &GroupVersionKind,
    original: &Value,
    modified: &Value,
) -> Result<Value, StrategicPatchError> {
    let schema = builtin::schema_for(gvk).ok_or(StrategicPatchError::Unsupported)?;
    check_depth(&[original, modified])?;
    diff::two_way(schema, original, modified)
}

/// Creates the patch `kubectl apply` and Helm 3 send (`CreateThreeWayMergePatch`): the
/// changes from `current` (the live object) to `modified` (the new configuration), plus the
/// deletions from `original` (the last applied configuration) to `modified`. Without
/// `overwrite`, a patch that would undo a change made from `original` to `current` fails
/// with [`StrategicPatchError::Conflict`].
pub fn create_three_way_merge_patch(
    gvk: &GroupVersionKind,
    original: &Value,
    modified: &Value,
    current: &Value,
    overwrite: bool,
) -> Result<Value, StrategicPatchError> {
    let schema = builtin::schema_for(gvk).ok_or(StrategicPatchError::Unsupported)?;
    check_depth(&[original, modified, current])?;
    diff::three_way(schema, original, modified, current, overwrite)
}

/// `StrategicMergePatch`: both documents must be JSON objects.
pub(crate) fn apply_with(
    schema: schema::Schema<'_>,
    target: &Value,
    patch: &Value,
) -> Result<Value, StrategicPatchError> {
    let merged = apply::merge_map(
        as_object(target)?,
        as_object(patch)?,
        schema,
        apply::APPLY,
        0,
    )?;
    Ok(Value::Object(merged))
}

/// A document as Go's `json.Unmarshal` into a map sees it: `null` is an empty map, anything
/// else but an object is an invalid document.
pub(crate) fn as_object(
    doc: &Value,
) -> Result<serde_json::Map<String, Value>, StrategicPatchError> {
    match doc {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(serde_json::Map::new()),
        _ => Err(error::bad_json_doc()),
    }
}

/// Refuses documents nested deeper than [`MAX_DEPTH`] before any recursive step sees them;
/// the walk itself keeps its own stack.
fn check_depth(docs: &[&Value]) -> Result<(), StrategicPatchError> {
    let mut stack: Vec<(&Value, usize)> = docs.iter().map(|d| (*d, 0)).collect();
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(error::too_deep());
        }
        match v {
            Value::Object(m) => stack.extend(m.values().map(|c| (c, depth + 1))),
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}
