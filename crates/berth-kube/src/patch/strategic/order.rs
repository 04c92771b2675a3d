//! The order of merged lists: patch items follow the patch (or `$setElementOrder`), items only
//! the server has keep their relative place, and the two are interleaved by the live order.
//!
//! Upstream sorts with `sort.SliceStable` and a comparator that calls any unknown item
//! "less"; the outcome then depends on the algorithm, so Go's insertion sort and symmerge
//! are reproduced here rather than Rust's sort.

use super::error::{self, MAP_TYPE, Result};
use super::values::{ElemKind, key_of, same};
use serde_json::Value;

const DIRECTIVE: &str = "$patch";

/// The position of `item` in `list`: by merge key for maps, by value otherwise.
fn index(list: &[Value], item: &Value, merge_key: &str, kind: ElemKind) -> Option<usize> {
    match kind {
        ElemKind::Map => {
            let wanted = key_of(item, merge_key);
            list.iter()
                .position(|v| opt_same(key_of(v, merge_key), wanted))
        }
        ElemKind::Scalar => list.iter().position(|v| same(v, item)),
    }
}

fn opt_same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => same(x, y),
        (None, None) => true,
        _ => false,
    }
}

/// `normalizeElementOrder`: sort both parts, then interleave them.
pub(crate) fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted(
        server_only,
        patch,
        server_order,
        merge_key,
        kind,
    ))
}

/// `normalizeSliceOrder`: sort `items` by their place in `order`; `$patch: delete` elements
/// of a map list go last.
pub(crate) fn normalize_slice_order(
    items: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Result<Vec<Value>> {
    let (items, deletes) = if kind == ElemKind::Map {
        validate_merge_key(merge_key, &items)?;
        validate_merge_key(merge_key, order)?;
        split_deletes(items)?
    } else {
        (items, Vec::new())
    };
    // Each item's place in `order` is looked up once, not on every comparison.
    let mut keyed: Vec<(Option<usize>, Value)> = items
        .into_iter()
        .map(|item| (index(order, &item, merge_key, kind), item))
        .collect();
    go_stable_sort(&mut keyed, |a, b| match (a.0, b.0) {
        (Some(i), Some(j)) => i < j,
        _ => true,
    });
    let mut items: Vec<Value> = keyed.into_iter().map(|(_, item)| item).collect();
    items.extend(deletes);
    Ok(items)
}

/// `validateMergeKeyInLists`: every element is a map with the merge key.
pub(crate) fn validate_merge_key(merge_key: &str, list: &[Value]) -> Result<()> {
    for item in list {
        let Value::Object(m) = item else {
            return Err(error::bad_arg_type(MAP_TYPE, item));
        };
        if !m.contains_key(merge_key) {
            return Err(error::no_merge_key(item, merge_key));
        }
    }
    Ok(())
}

/// `extractToDeleteItems`: the elements to keep and the `$patch: delete` ones.
pub(crate) fn split_deletes(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for item in list {
        let Value::Object(m) = &item else {
            return Err(error::bad_arg_type(MAP_TYPE, &item));
        };
        if m.get(DIRECTIVE).and_then(Value::as_str) == Some("delete") {
            delete.push(item);
        } else {
            keep.push(item);
        }
    }
    Ok((keep, delete))
}

/// `mergeSortedSlice`: insert each of `left` (server-only) into `right` (patch items) before
/// the first patch item the live order puts after it.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: ElemKind,
) -> Vec<Value> {
    let place = |v: Value| (index(server_order, &v, merge_key, kind), v);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().map(place).peekable();
    let mut right = right.into_iter().map(place).peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(_), None) => true,
            (None, Some(_)) => false,
            // Known to the live list on both sides and earlier there: the server item first.
            (Some((Some(l), _)), Some((Some(r), _))) => l < r,
            (Some(_), Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next.map(|(_, v)| v));
    }
    out
}

/// `partitionMapsByPresentInList` / `partitionPrimitivesByPresentInList`: the items of
/// `merged` that `by` names, and the rest.
pub(crate) fn partition(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut hit = Vec::new();
    let mut rest = Vec::new();
    for item in merged {
        let found = if merge_key.is_empty() {
            by.iter().any(|b| same(b, &item))
        } else {
            let Value::Object(m) = &item else {
                return Err(error::bad_arg_type(MAP_TYPE, &item));
            };
            let Some(value) = m.get(merge_key) else {
                return Err(error::no_merge_key(&item, merge_key));
            };
            find_by_key(by, merge_key, value)?.is_some()
        };
        if found {
            hit.push(item)
        } else {
            rest.push(item)
        }
    }
    Ok((hit, rest))
}

/// `findMapInSliceBasedOnKeyValue`: the first map whose merge key has this value.
pub(crate) fn find_by_key(list: &[Value], merge_key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, item) in list.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(error::failed(format!("value for key {i} is not a map")));
        };
        if m.get(merge_key).is_some_and(|v| same(v, value)) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Go's `sort.SliceStable`: insertion sort on blocks of 20, then symmerge.
pub(crate) fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1
            } else {
                j = h
            }
        }
        for k in a..i.saturating_sub(1) {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1
            } else {
                j = h
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1
        } else {
            r = c
        }
    }
    let end = n - start;
    if start < m && m < end {
        data[start..end].rotate_left(m - start);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_stable_sort_is_stable_and_sorts_long_inputs() {
        let mut v: Vec<(u32, usize)> = (0..200).map(|i| ((i * 7919 % 13) as u32, i)).collect();
        go_stable_sort(&mut v, |a, b| a.0 < b.0);
        assert!(
            v.windows(2)
                .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1))
        );
    }

    #[test]
    fn an_always_less_comparator_reverses_short_lists_as_go_does() {
        let mut v = vec![1, 2, 3, 4];
        go_stable_sort(&mut v, |_, _| true);
        assert_eq!(v, vec![4, 3, 2, 1]);
    }
}
