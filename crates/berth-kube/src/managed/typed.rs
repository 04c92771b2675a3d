//! Schema-aware walks over objects: the field set of a value, the merge of two values, their
//! comparison and the removal of a set's fields (SMD typed/tofieldset.go, merge.go,
//! compare.go, remove.go).
//!
//! Every walk is bounded: below [`MAX_DEPTH`] a node is handled as a leaf.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::path::{Path, PathElement, compare_values, path_to_string};
use super::set::FieldSet;
use super::types::{ListKey, Resolved, Step, TypeInfo, resolve};

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
fn resolve_pair(
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
        use super::types::{ListShape, Shape};
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

/// The keys of both maps, the left one's first.
fn union_keys<'a>(
    l: Option<&'a Map<String, Value>>,
    r: Option<&'a Map<String, Value>>,
) -> Vec<&'a String> {
    let mut keys: Vec<&'a String> = l.map(|m| m.keys().collect()).unwrap_or_default();
    if let Some(r) = r {
        keys.extend(r.keys().filter(|k| !l.is_some_and(|l| l.contains_key(*k))));
    }
    keys
}

fn field<'a>(m: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    m.and_then(|m| m.get(key))
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
