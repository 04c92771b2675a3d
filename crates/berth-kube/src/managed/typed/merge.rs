//! The merge of a configuration into a live object (SMD typed/merge.go).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{field, item_element, resolve_pair, union_keys};
use crate::managed::path::PathElement;
use crate::managed::types::{Resolved, Step, TypeInfo};

/// `lhs` merged with `rhs`, rhs winning on leaves; lists merge by their list type.
pub fn merge(lhs: &Value, rhs: &Value, types: &dyn TypeInfo) -> Value {
    merge_node(types, Some(lhs), Some(rhs), &mut Vec::new(), 0).unwrap_or(Value::Null)
}

fn merge_node<'a>(
    types: &dyn TypeInfo,
    l: Option<&'a Value>,
    r: Option<&'a Value>,
    steps: &mut Vec<Step<'a>>,
    depth: usize,
) -> Option<Value> {
    match resolve_pair(types, steps, l, r, depth) {
        Resolved::Leaf => r.or(l).cloned(),
        Resolved::Map => {
            let (lm, rm) = (l.and_then(Value::as_object), r.and_then(Value::as_object));
            let mut out = Map::new();
            for key in union_keys(lm, rm) {
                steps.push(Step::Field(key));
                if let Some(v) = merge_node(types, field(lm, key), field(rm, key), steps, depth + 1)
                {
                    out.insert(key.clone(), v);
                }
                steps.pop();
            }
            (!out.is_empty()).then_some(Value::Object(out))
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
            steps.push(Step::Item);
            let out = merge_lists(types, &res, la, ra, steps, depth);
            steps.pop();
            (!out.is_empty()).then_some(Value::Array(out))
        }
    }
}

/// SMD's list merge: live order kept, config items placed by the order of the items both
/// sides share, new config items after the shared item before them.
fn merge_lists<'a>(
    types: &dyn TypeInfo,
    res: &Resolved,
    la: &'a [Value],
    ra: &'a [Value],
    steps: &mut Vec<Step<'a>>,
    depth: usize,
) -> Vec<Value> {
    static NULL: Value = Value::Null;
    // Live duplicates merge as null: they are not merged with the config item.
    let mut observed_l: BTreeMap<PathElement, &'a Value> = BTreeMap::new();
    let mut lpes: Vec<(PathElement, usize)> = Vec::new();
    for (i, item) in la.iter().enumerate() {
        let Ok(pe) = item_element(res, item) else {
            continue;
        };
        if observed_l.contains_key(&pe) {
            observed_l.insert(pe.clone(), &NULL);
        } else {
            observed_l.insert(pe.clone(), item);
        }
        lpes.push((pe, i));
    }
    let mut observed_r: BTreeMap<PathElement, &'a Value> = BTreeMap::new();
    let mut rpes: Vec<PathElement> = Vec::new();
    for item in ra {
        let Ok(pe) = item_element(res, item) else {
            continue;
        };
        if observed_r.contains_key(&pe) {
            continue;
        }
        observed_r.insert(pe.clone(), item);
        rpes.push(pe);
    }
    let mut shared = rpes.iter().filter(|pe| observed_l.contains_key(*pe));
    let mut next_shared = shared.next();
    let mut merged_r: BTreeSet<&PathElement> = BTreeSet::new();
    let mut out = Vec::with_capacity(la.len().max(ra.len()));
    let (mut li, mut ri) = (0, 0);
    let mut budget = 2 * (lpes.len() + rpes.len()) + 2;
    while li < lpes.len() || ri < rpes.len() {
        budget = match budget.checked_sub(1) {
            Some(b) => b,
            None => break,
        };
        if li < lpes.len() && ri < rpes.len() {
            let pe = &lpes[li].0;
            if *pe == rpes[ri] {
                merged_r.insert(&rpes[ri]);
                out.extend(merge_node(
                    types,
                    observed_l.get(pe).copied(),
                    observed_r.get(pe).copied(),
                    steps,
                    depth + 1,
                ));
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if observed_r.contains_key(pe) && next_shared.is_some_and(|n| n != pe) {
                li += 1;
                continue;
            }
        }
        if li < lpes.len() {
            let (pe, index) = &lpes[li];
            if !observed_r.contains_key(pe) {
                out.extend(merge_node(types, la.get(*index), None, steps, depth + 1));
                li += 1;
                continue;
            } else if merged_r.contains(pe) {
                li += 1;
            }
        }
        if ri < rpes.len() {
            let pe = &rpes[ri];
            merged_r.insert(pe);
            out.extend(merge_node(
                types,
                observed_l.get(pe).copied(),
                observed_r.get(pe).copied(),
                steps,
                depth + 1,
            ));
            ri += 1;
            if next_shared == Some(pe) {
                next_shared = shared.next();
            }
        }
    }
    out
}
