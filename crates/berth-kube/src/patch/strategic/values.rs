//! Comparing and ordering JSON values the way Go sees them after apimachinery decodes JSON:
//! numbers compare by value, scalars sort by their `%v` text, lists must not mix types.

use super::error::{self, Result, go_type};
use crate::schema::gofmt::sprint;
use serde_json::Value;

/// What a list holds, as `sliceElementType` decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElemKind {
    Map,
    Scalar,
}

/// The common element type of the lists: an error when they mix types or hold lists, or
/// when all of them are empty.
pub(crate) fn element_kind(lists: &[&[Value]]) -> Result<ElemKind> {
    let mut first: Option<&Value> = None;
    for item in lists.iter().flat_map(|l| l.iter()) {
        match first {
            None => {
                if item.is_array() {
                    return Err(error::no_list_of_lists());
                }
                first = Some(item);
            }
            Some(prev) if go_type(prev) != go_type(item) => {
                let shown: Vec<Value> = lists.iter().map(|l| Value::Array(l.to_vec())).collect();
                return Err(error::failed(format!(
                    "list element types are not identical: {}",
                    sprint(&Value::Array(shown))
                )));
            }
            Some(_) => {}
        }
    }
    match first {
        Some(Value::Object(_)) => Ok(ElemKind::Map),
        Some(_) => Ok(ElemKind::Scalar),
        None => Err(error::failed("no elements in any of the given slices")),
    }
}

/// Deep equality where numbers compare by value (1 and 1.0 are the same int64 in Go).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                i == j
            } else if let (Some(i), Some(j)) = (x.as_u64(), y.as_u64()) {
                i == j
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Whether two values have the same Go type (maps, lists, strings, numbers, bools, nil).
pub(crate) fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// `sortScalars`: stable sort by the `%v` text.
pub(crate) fn sort_scalars(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by_cached_key(sprint);
    items
}

/// `deduplicateScalars`, including the way it moves the last element into each hole: the
/// resulting order is observable in merged lists.
pub(crate) fn dedupe_scalars(mut s: Vec<Value>) -> Vec<Value> {
    let n = super::alias::go_dedupe_in_place(&mut s);
    s.truncate(n);
    s
}

/// The merge key value of a map element (`None` for non-maps and maps without it).
pub(crate) fn key_of<'v>(item: &'v Value, merge_key: &str) -> Option<&'v Value> {
    item.as_object().and_then(|m| m.get(merge_key))
}
