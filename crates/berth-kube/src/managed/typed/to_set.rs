//! The field set of a value (SMD typed/tofieldset.go).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{item_element, resolve_pair};
use crate::managed::path::{Path, PathElement, path_to_string};
use crate::managed::set::FieldSet;
use crate::managed::types::{Resolved, Step, TypeInfo};

/// The set of fields a value holds. Duplicate list keys are errors unless `allow_duplicates`
/// (live objects may hold them; they are then owned as a whole).
pub fn to_field_set(
    value: &Value,
    types: &dyn TypeInfo,
    allow_duplicates: bool,
) -> Result<FieldSet, Vec<String>> {
    let mut walk = SetWalk {
        types,
        set: FieldSet::new(),
        errors: Vec::new(),
        allow_duplicates,
    };
    walk.node(value, &mut Vec::new(), &mut Vec::new(), 0);
    if walk.errors.is_empty() {
        Ok(walk.set)
    } else {
        Err(walk.errors)
    }
}

struct SetWalk<'t> {
    types: &'t dyn TypeInfo,
    set: FieldSet,
    errors: Vec<String>,
    allow_duplicates: bool,
}

impl SetWalk<'_> {
    fn node<'a>(
        &mut self,
        value: &'a Value,
        steps: &mut Vec<Step<'a>>,
        path: &mut Path,
        depth: usize,
    ) {
        match resolve_pair(self.types, steps, Some(value), None, depth) {
            Resolved::Leaf => {
                // Empty granular containers own nothing themselves; their parent map marks them.
                let empty_container = matches!(value, Value::Array(a) if a.is_empty())
                    || matches!(value, Value::Object(m) if m.is_empty());
                if !empty_container || !self.container_is_granular(steps, value) {
                    self.set.insert(path);
                }
            }
            Resolved::Map => {
                let Value::Object(map) = value else { return };
                for (key, child) in map {
                    steps.push(Step::Field(key));
                    path.push(PathElement::Field(key.clone()));
                    let named = self.types.node(steps).named;
                    self.node(child, steps, path, depth + 1);
                    let empty_map = matches!(child, Value::Object(m) if m.is_empty());
                    if child.is_null() || empty_map || !named {
                        self.set.insert(path);
                    }
                    path.pop();
                    steps.pop();
                }
            }
            res @ (Resolved::Set | Resolved::KeyedList(_)) => {
                let Value::Array(items) = value else { return };
                let mut seen = BTreeSet::new();
                let mut duplicates = BTreeSet::new();
                let mut elements = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item_element(&res, item) {
                        Ok(pe) => {
                            if !seen.insert(pe.clone()) && duplicates.insert(pe.clone()) {
                                if !self.allow_duplicates {
                                    self.errors.push(format!(
                                        "{}: duplicate entries for key {pe}",
                                        path_to_string(path)
                                    ));
                                }
                                path.push(pe.clone());
                                self.set.insert(path);
                                path.pop();
                            }
                            elements.push(Some(pe));
                        }
                        Err(e) => {
                            self.errors
                                .push(format!("{}: element {i}: {e}", path_to_string(path)));
                            elements.push(None);
                        }
                    }
                }
                for (item, pe) in items.iter().zip(elements) {
                    let Some(pe) = pe.filter(|pe| !duplicates.contains(pe)) else {
                        continue;
                    };
                    steps.push(Step::Item);
                    path.push(pe);
                    self.node(item, steps, path, depth + 1);
                    self.set.insert(path);
                    path.pop();
                    steps.pop();
                }
            }
        }
    }

    /// An empty map or list is only owned as a leaf when its type is atomic or unknown.
    fn container_is_granular(&self, steps: &[Step<'_>], value: &Value) -> bool {
        use crate::managed::types::{ListShape, Shape};
        matches!(
            (self.types.node(steps).shape, value),
            (
                Shape::Map { atomic: false } | Shape::Deduced,
                Value::Object(_)
            ) | (
                Shape::List(ListShape::Set | ListShape::Map(_)),
                Value::Array(_)
            )
        )
    }
}
