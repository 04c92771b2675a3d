//! Removing a set's fields from a value (SMD typed/remove.go), and the named-field closure
//! of a set that removals use (fieldpath EnsureNamedFieldsAreMembers).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{MAX_DEPTH, item_element, resolve_pair};
use crate::managed::path::PathElement;
use crate::managed::set::FieldSet;
use crate::managed::types::{Resolved, Step, TypeInfo};

/// `value` without the fields of `set`; a container left empty becomes null, as SMD's
/// removingWalker leaves it.
pub fn remove_items(value: &Value, set: &FieldSet, types: &dyn TypeInfo) -> Value {
    remove_node(types, value, set, &mut Vec::new(), 0)
}

fn remove_node<'a>(
    types: &dyn TypeInfo,
    value: &'a Value,
    set: &FieldSet,
    steps: &mut Vec<Step<'a>>,
    depth: usize,
) -> Value {
    match resolve_pair(types, steps, Some(value), None, depth) {
        Resolved::Leaf => match value {
            Value::Object(_) | Value::Array(_) if !(value_is_empty(value)) => value.clone(),
            Value::Object(_) | Value::Array(_) => Value::Null,
            scalar => scalar.clone(),
        },
        Resolved::Map => {
            let Value::Object(map) = value else {
                return value.clone();
            };
            let mut out = Map::new();
            for (key, child) in map {
                let pe = PathElement::Field(key.clone());
                if set.members().contains(&pe) {
                    continue;
                }
                let kept = match set.child(&pe) {
                    Some(sub) => {
                        steps.push(Step::Field(key));
                        let v = remove_node(types, child, sub, steps, depth + 1);
                        steps.pop();
                        v
                    }
                    None => child.clone(),
                };
                out.insert(key.clone(), kept);
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
        res @ (Resolved::Set | Resolved::KeyedList(_)) => {
            let Value::Array(items) = value else {
                return value.clone();
            };
            let mut out = Vec::new();
            steps.push(Step::Item);
            for item in items {
                let pe = item_element(&res, item).ok();
                if pe.as_ref().is_some_and(|pe| set.members().contains(pe)) {
                    continue;
                }
                match pe.as_ref().and_then(|pe| set.child(pe)) {
                    Some(sub) => out.push(remove_node(types, item, sub, steps, depth + 1)),
                    None => out.push(item.clone()),
                }
            }
            steps.pop();
            if out.is_empty() {
                Value::Null
            } else {
                Value::Array(out)
            }
        }
    }
}

fn value_is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `set` with every declared struct field that has owned children also owned itself
/// (SMD EnsureNamedFieldsAreMembers), so removals take whole structs with them.
pub fn ensure_named_fields_are_members(set: &FieldSet, types: &dyn TypeInfo) -> FieldSet {
    let mut steps = Vec::new();
    ensure_named(set, types, &mut steps, 0)
}

fn ensure_named<'a>(
    set: &'a FieldSet,
    types: &dyn TypeInfo,
    steps: &mut Vec<Step<'a>>,
    depth: usize,
) -> FieldSet {
    let mut members = set.members().clone();
    let mut children = BTreeMap::new();
    for (pe, sub) in set.children() {
        let step = match pe {
            PathElement::Field(name) => Step::Field(name),
            _ => Step::Item,
        };
        steps.push(step);
        if matches!(pe, PathElement::Field(_)) && types.node(steps).named {
            members.insert(pe.clone());
        }
        let child = if depth > MAX_DEPTH {
            sub.clone()
        } else {
            ensure_named(sub, types, steps, depth + 1)
        };
        children.insert(pe.clone(), child);
        steps.pop();
    }
    FieldSet::from_parts(members, children)
}
