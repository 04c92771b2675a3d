//! What changed between two objects (SMD typed/compare.go).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Comparison, field, item_element, resolve_pair, union_keys, values_equal};
use crate::managed::path::{Path, PathElement};
use crate::managed::types::{Resolved, Step, TypeInfo};

/// What changed from `lhs` to `rhs`; `None` stands for an absent object.
pub fn compare(lhs: Option<&Value>, rhs: Option<&Value>, types: &dyn TypeInfo) -> Comparison {
    let mut c = Comparison::default();
    if lhs.is_some() || rhs.is_some() {
        compare_node(types, lhs, rhs, &mut Vec::new(), &mut Vec::new(), &mut c, 0);
    }
    c
}

fn compare_node<'a>(
    types: &dyn TypeInfo,
    l: Option<&'a Value>,
    r: Option<&'a Value>,
    steps: &mut Vec<Step<'a>>,
    path: &mut Path,
    c: &mut Comparison,
    depth: usize,
) {
    match resolve_pair(types, steps, l, r, depth) {
        Resolved::Leaf => {
            match (l, r) {
                (None, _) => c.added.insert(path),
                (_, None) => c.removed.insert(path),
                (Some(a), Some(b)) if !values_equal(a, b) => c.modified.insert(path),
                _ => {}
            }
            return;
        }
        Resolved::Map => {
            let (lm, rm) = (l.and_then(Value::as_object), r.and_then(Value::as_object));
            for key in union_keys(lm, rm) {
                steps.push(Step::Field(key));
                path.push(PathElement::Field(key.clone()));
                compare_node(
                    types,
                    field(lm, key),
                    field(rm, key),
                    steps,
                    path,
                    c,
                    depth + 1,
                );
                path.pop();
                steps.pop();
            }
        }
        res @ (Resolved::Set | Resolved::KeyedList(_)) => {
            let la = l
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let ra = r
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            compare_lists(types, &res, la, ra, steps, path, c, depth);
        }
    }
    match (l, r) {
        (None, _) => c.added.insert(path),
        (_, None) => c.removed.insert(path),
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_lists<'a>(
    types: &dyn TypeInfo,
    res: &Resolved,
    la: &'a [Value],
    ra: &'a [Value],
    steps: &mut Vec<Step<'a>>,
    path: &mut Path,
    c: &mut Comparison,
    depth: usize,
) {
    let mut order: Vec<PathElement> = Vec::new();
    let mut lv: BTreeMap<PathElement, Vec<&'a Value>> = BTreeMap::new();
    let mut rv: BTreeMap<PathElement, Vec<&'a Value>> = BTreeMap::new();
    for item in la {
        let Ok(pe) = item_element(res, item) else {
            continue;
        };
        let slot = lv.entry(pe.clone()).or_default();
        if slot.is_empty() {
            order.push(pe);
        }
        slot.push(item);
    }
    for item in ra {
        let Ok(pe) = item_element(res, item) else {
            continue;
        };
        let slot = rv.entry(pe.clone()).or_default();
        if slot.is_empty() && !lv.contains_key(&pe) {
            order.push(pe);
        }
        slot.push(item);
    }
    steps.push(Step::Item);
    for pe in order {
        let ls = lv.get(&pe).map(Vec::as_slice).unwrap_or(&[]);
        let rs = rv.get(&pe).map(Vec::as_slice).unwrap_or(&[]);
        path.push(pe);
        match (ls.len(), rs.len()) {
            (0..=1, 0..=1) => compare_node(
                types,
                ls.first().copied(),
                rs.first().copied(),
                steps,
                path,
                c,
                depth + 1,
            ),
            (2.., 2..) => {
                let same =
                    ls.len() == rs.len() && ls.iter().zip(rs).all(|(a, b)| values_equal(a, b));
                if !same {
                    c.modified.insert(path);
                }
            }
            (2.., _) => {
                if let Some(r0) = rs.first() {
                    compare_node(types, None, Some(r0), steps, path, c, depth + 1);
                }
                c.removed.insert(path);
            }
            (_, _) => {
                if let Some(l0) = ls.first() {
                    compare_node(types, Some(l0), None, steps, path, c, depth + 1);
                }
                c.added.insert(path);
            }
        }
        path.pop();
    }
    steps.pop();
}
