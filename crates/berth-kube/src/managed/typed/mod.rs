//! Schema-aware walks over objects (SMD typed/): the field set of a value, the merge of two
//! values, their comparison and the removal of a set's fields. What the walks share lives
//! here: how a node is handled given its values, and how list items are named.
//!
//! Every walk is bounded: below [`MAX_DEPTH`] a node is handled as a leaf.

mod compare;
mod merge;
mod remove;
mod to_set;

use serde_json::{Map, Value};

use super::path::{PathElement, compare_values};
use super::set::FieldSet;
use super::types::{ListKey, Resolved, Step, TypeInfo, resolve};

pub use compare::compare;
pub use merge::merge;
pub use remove::{ensure_named_fields_are_members, remove_items};
pub use to_set::to_field_set;

pub(crate) const MAX_DEPTH: usize = 100;

/// The fields added, modified and removed between two objects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub added: FieldSet,
    pub modified: FieldSet,
    pub removed: FieldSet,
}

impl Comparison {
    pub fn is_same(&self) -> bool {
        self.added.is_empty() && self.modified.is_empty() && self.removed.is_empty()
    }
}

/// SMD value equality: numbers compare numerically, maps regardless of key order.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    compare_values(a, b) == std::cmp::Ordering::Equal
}

/// The handling of a node given both sides; a null side takes the other side's kind, and
/// two empty sides are a leaf, which keeps the empty/null distinction (SMD
/// emptyPromoteToLeaf).
pub(crate) fn resolve_pair(
    types: &dyn TypeInfo,
    steps: &[Step<'_>],
    l: Option<&Value>,
    r: Option<&Value>,
    depth: usize,
) -> Resolved {
    if depth > MAX_DEPTH {
        return Resolved::Leaf;
    }
    let shape = types.node(steps).shape;
    fn present(v: Option<&Value>) -> Option<&Value> {
        v.filter(|v| !v.is_null())
    }
    let (lr, rr) = (
        present(l).map(|v| resolve(&shape, v)),
        present(r).map(|v| resolve(&shape, v)),
    );
    let res = match (lr, rr) {
        (Some(a), Some(b)) if a == b => a,
        (Some(_), Some(_)) => return Resolved::Leaf,
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return Resolved::Leaf,
    };
    let empty = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    if res != Resolved::Leaf && empty(l) && empty(r) {
        return Resolved::Leaf;
    }
    res
}

/// The path element of a list item, or why it has none (SMD listItemToPathElement).
pub(crate) fn item_element(res: &Resolved, item: &Value) -> Result<PathElement, String> {
    match res {
        Resolved::KeyedList(keys) => keyed_element(keys, item),
        Resolved::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => Err("not supported: associative list with lists as elements".into()),
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            scalar => Ok(PathElement::Value(scalar.clone())),
        },
        _ => Err("invalid indexing of non-associative list".into()),
    }
}

fn keyed_element(keys: &[ListKey], item: &Value) -> Result<PathElement, String> {
    let map = match item {
        Value::Null => return Err("associative list with keys may not have a null element".into()),
        Value::Object(map) => map,
        _ => return Err("associative list with keys may not have non-map elements".into()),
    };
    let fields: Vec<(String, Value)> = keys
        .iter()
        .filter_map(|k| {
            let value = map.get(&k.name).or(k.default.as_ref())?;
            Some((k.name.clone(), value.clone()))
        })
        .collect();
    if fields.is_empty() {
        let names: Vec<String> = keys.iter().map(|k| format!("{:?}", k.name)).collect();
        return Err(format!(
            "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
            names.join(" ")
        ));
    }
    Ok(PathElement::key(fields))
}

/// The keys of both maps, the left one's first.
pub(crate) fn union_keys<'a>(
    l: Option<&'a Map<String, Value>>,
    r: Option<&'a Map<String, Value>>,
) -> Vec<&'a String> {
    let mut keys: Vec<&'a String> = l.map(|m| m.keys().collect()).unwrap_or_default();
    if let Some(r) = r {
        keys.extend(r.keys().filter(|k| !l.is_some_and(|l| l.contains_key(*k))));
    }
    keys
}

pub(crate) fn field<'a>(m: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    m.and_then(|m| m.get(key))
}
