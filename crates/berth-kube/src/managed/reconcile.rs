//! Field sets recorded under an older schema, brought in line with the current one (SMD
//! typed/reconcile_schema.go): where a node has become atomic, an owner of fields below it
//! owns the node itself instead. Nodes that became granular need nothing: a leaf owner of
//! the whole node keeps owning it.

use super::path::PathElement;
use super::set::FieldSet;
use super::typed::MAX_DEPTH;
use super::types::{ListShape, Shape, Step, TypeInfo};

/// `set` reconciled with `types`; `None` when it already fits.
pub(crate) fn reconcile_with_schema(set: &FieldSet, types: &dyn TypeInfo) -> Option<FieldSet> {
    let mut collapse = FieldSet::new();
    walk(
        set,
        types,
        &mut Vec::new(),
        &mut Vec::new(),
        &mut collapse,
        0,
    );
    if collapse.is_empty() {
        return None;
    }
    Some(set.recursive_difference(&collapse).union(&collapse))
}

/// Collects the atomic nodes below which `set` owns fields.
fn walk<'a>(
    set: &'a FieldSet,
    types: &dyn TypeInfo,
    steps: &mut Vec<Step<'a>>,
    path: &mut Vec<PathElement>,
    collapse: &mut FieldSet,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (pe, children) in set.children() {
        steps.push(match pe {
            PathElement::Field(name) => Step::Field(name),
            _ => Step::Item,
        });
        path.push(pe.clone());
        match types.node(steps).shape {
            Shape::Map { atomic: true } | Shape::List(ListShape::Atomic) => collapse.insert(path),
            Shape::Map { atomic: false } | Shape::List(_) => {
                walk(children, types, steps, path, collapse, depth + 1)
            }
            // Untyped maps and scalars are never reconciled.
            Shape::Deduced | Shape::Scalar => {}
        }
        path.pop();
        steps.pop();
    }
}
