//! structured-merge-diff merge/multiple_appliers_test.go (single-version cases; the
//! converters of the multi-version cases have no counterpart here).

use serde_json::json;

use super::fixture::{State, ns, p, schema};
use crate::schema::StructuralSchema;

/// associativeListParser: `list` keyed by `name`.
pub(super) fn associative_list() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {"list": {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "number"}}}}}}))
}

/// nestedTypeParser's `listOfLists`: items keyed by `name` whose `value` is a set.
pub(super) fn list_of_lists() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {"listOfLists": {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "properties": {
            "name": {"type": "string"},
            "value": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}}}}}))
}

const A: &str = "k:{\"name\":\"a\"}";
const B: &str = "k:{\"name\":\"b\"}";
const C: &str = "k:{\"name\":\"c\"}";
const D: &str = "k:{\"name\":\"d\"}";

#[test]
fn multiple_appliers_set_remove_one() {
    let types = associative_list();
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "list:\n- name: a\n- name: b");
    s.apply("apply-two", "v2", "list:\n- name: c");
    s.apply("apply-one", "v3", "list:\n- name: a");
    s.assert_object("list:\n- name: a\n- name: c");
    s.assert_managed(&[
        ("apply-one", "v3", ns(&[&["list", A], &["list", A, "name"]])),
        ("apply-two", "v2", ns(&[&["list", C], &["list", C, "name"]])),
    ]);
}

#[test]
fn multiple_appliers_set_same_value_no_conflict() {
    let types = associative_list();
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "list:\n- name: a\n  value: 0");
    s.apply("apply-two", "v2", "list:\n- name: a\n  value: 0");
    s.assert_object("list:\n- name: a\n  value: 0");
    let both = ns(&[&["list", A], &["list", A, "name"], &["list", A, "value"]]);
    s.assert_managed(&[("apply-one", "v1", both.clone()), ("apply-two", "v2", both)]);
}

#[test]
fn multiple_appliers_set_change_value_yes_conflict() {
    let types = associative_list();
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "list:\n- name: a\n  value: 0");
    s.apply_conflicts(
        "apply-two",
        "v2",
        "list:\n- name: a\n  value: 1",
        &[("apply-one", p(&["list", A, "value"]))],
    );
    s.assert_object("list:\n- name: a\n  value: 0");
    s.assert_managed(&[(
        "apply-one",
        "v1",
        ns(&[&["list", A], &["list", A, "name"], &["list", A, "value"]]),
    )]);
}

#[test]
fn multiple_appliers_set_remove_one_keep_one() {
    let types = associative_list();
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "list:\n- name: a\n- name: b\n- name: c");
    s.apply("apply-two", "v2", "list:\n- name: c\n- name: d");
    s.apply("apply-one", "v3", "list:\n- name: a");
    s.assert_object("list:\n- name: a\n- name: c\n- name: d");
    s.assert_managed(&[
        ("apply-one", "v3", ns(&[&["list", A], &["list", A, "name"]])),
        (
            "apply-two",
            "v2",
            ns(&[
                &["list", C],
                &["list", D],
                &["list", C, "name"],
                &["list", D, "name"],
            ]),
        ),
    ]);
}

#[test]
fn nested_type_remove_one_keep_one_with_dangling_subitem() {
    let types = list_of_lists();
    let mut s = State::new(&types);
    s.apply(
        "apply-one",
        "v1",
        "listOfLists:\n- name: a\n- name: b\n  value: [c]",
    );
    s.apply("apply-two", "v2", "listOfLists:\n- name: b\n  value: [d]");
    s.update(
        "controller",
        "v2",
        "listOfLists:\n- name: a\n- name: b\n  value: [c, d, e]",
    );
    s.apply("apply-one", "v3", "listOfLists:\n- name: a");
    s.assert_object("listOfLists:\n- name: a\n- name: b\n  value: [d, e]");
    s.assert_managed(&[
        (
            "apply-one",
            "v3",
            ns(&[&["listOfLists", A], &["listOfLists", A, "name"]]),
        ),
        (
            "apply-two",
            "v2",
            ns(&[
                &["listOfLists", B],
                &["listOfLists", B, "name"],
                &["listOfLists", B, "value", "v:\"d\""],
            ]),
        ),
        (
            "controller",
            "v2",
            ns(&[&["listOfLists", B, "value", "v:\"e\""]]),
        ),
    ]);
}

#[test]
fn nested_type_remove_one_with_dangling_subitem_keep_one() {
    let types = list_of_lists();
    let mut s = State::new(&types);
    s.apply(
        "apply-one",
        "v1",
        "listOfLists:\n- name: a\n- name: b\n  value: [c]",
    );
    s.apply("apply-two", "v2", "listOfLists:\n- name: a\n  value: [b]");
    s.update(
        "controller",
        "v2",
        "listOfLists:\n- name: a\n  value: [b]\n- name: b\n  value: [c, d]",
    );
    s.apply("apply-one", "v3", "listOfLists:\n- name: a");
    s.assert_object("listOfLists:\n- name: a\n  value: [b]");
    s.assert_managed(&[
        (
            "apply-one",
            "v3",
            ns(&[&["listOfLists", A], &["listOfLists", A, "name"]]),
        ),
        (
            "apply-two",
            "v2",
            ns(&[
                &["listOfLists", A],
                &["listOfLists", A, "name"],
                &["listOfLists", A, "value", "v:\"b\""],
            ]),
        ),
    ]);
}

/// TestMultipleAppliersDeducedType multiple_appliers_recursive_map_deduced: with no schema
/// every map is granular, and every map node is owned as well as its leaves.
#[test]
fn deduced_type_multiple_appliers_recursive_map() {
    let types = crate::managed::types::Deduced;
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "a:\n  b:\nc:\n  d:");
    s.apply("apply-two", "v2", "a:\nc:\n  d:");
    s.update("controller-one", "v3", "a:\n  b:\n    c:\nc:\n  d:\n    e:");
    s.update(
        "controller-two",
        "v2",
        "a:\n  b:\n    c:\n      d:\nc:\n  d:\n    e:\n      f:",
    );
    s.update(
        "controller-one",
        "v3",
        "a:\n  b:\n    c:\n      d:\n        e:\nc:\n  d:\n    e:\n      f:\n        g:",
    );
    s.apply("apply-one", "v4", "");
    s.assert_object("a:\nc:\n  d:\n    e:\n      f:\n        g:");
    s.assert_managed(&[
        ("apply-two", "v2", ns(&[&["a"], &["c"], &["c", "d"]])),
        (
            "controller-one",
            "v3",
            ns(&[&["c", "d", "e"], &["c", "d", "e", "f", "g"]]),
        ),
        ("controller-two", "v2", ns(&[&["c", "d", "e", "f"]])),
    ]);
}

/// TestMultipleApplierAtomicMaps force: an atomic map is owned whole; a force apply
/// replaces it and takes it.
#[test]
fn atomic_maps_force() {
    let types = schema(json!({"type": "object", "properties": {"atomicMap": {
        "type": "object", "x-kubernetes-map-type": "atomic", "additionalProperties": {"type": "string"}}}}));
    let mut s = State::new(&types);
    s.apply("apply-one", "v1", "atomicMap:\n  field1: a");
    s.apply_conflicts(
        "apply-two",
        "v1",
        "atomicMap:\n  field2: b",
        &[("apply-one", p(&["atomicMap"]))],
    );
    s.force_apply("apply-two", "v1", "atomicMap:\n  field2: b");
    s.assert_object("atomicMap:\n  field2: b");
    s.assert_managed(&[("apply-two", "v1", ns(&[&["atomicMap"]]))]);
}
