//! structured-merge-diff merge/nested_test.go TestUpdateNestedType.

use serde_json::json;

use super::fixture::{State, ns, schema};
use crate::schema::StructuralSchema;

/// nestedTypeParser; `mapOfMapsRecursive` recurses, which a JSON schema states as unknown
/// fields below a declared map (deduced: granular maps of map entries).
fn nested() -> StructuralSchema {
    let set =
        json!({"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}});
    let map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let keyed = |value: &serde_json::Value| {
        json!({"type": "array", "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "value": value}}})
    };
    schema(json!({"type": "object", "properties": {
        "listOfLists": keyed(&set),
        "listOfMaps": keyed(&map),
        "mapOfLists": {"type": "object", "additionalProperties": set},
        "mapOfMaps": {"type": "object", "additionalProperties": map},
        "mapOfMapsRecursive": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "struct": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "number"}}}}}))
}

const A: &str = "k:{\"name\":\"a\"}";
const B: &str = "k:{\"name\":\"b\"}";

fn case(first: &str, second: &str, object: &str, managed: &[&[&str]]) {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", first);
    s.apply("default", "v1", second);
    s.assert_object(object);
    s.assert_managed(&[("default", "v1", ns(managed))]);
}

#[test]
fn list_of_lists_change_value() {
    let second = "listOfLists:\n- name: a\n  value: [a, c]";
    case(
        "listOfLists:\n- name: a\n  value: [b, c]",
        second,
        second,
        &[
            &["listOfLists", A],
            &["listOfLists", A, "name"],
            &["listOfLists", A, "value", "v:\"a\""],
            &["listOfLists", A, "value", "v:\"c\""],
        ],
    );
}

#[test]
fn list_of_lists_change_key_and_value() {
    let second = "listOfLists:\n- name: b\n  value: [a, c]";
    case(
        "listOfLists:\n- name: a\n  value: [b, c]",
        second,
        second,
        &[
            &["listOfLists", B],
            &["listOfLists", B, "name"],
            &["listOfLists", B, "value", "v:\"a\""],
            &["listOfLists", B, "value", "v:\"c\""],
        ],
    );
}

#[test]
fn list_of_maps_change_value() {
    let second = "listOfMaps:\n- name: a\n  value: {a: x, c: z}";
    case(
        "listOfMaps:\n- name: a\n  value: {b: x, c: y}",
        second,
        second,
        &[
            &["listOfMaps", A],
            &["listOfMaps", A, "name"],
            &["listOfMaps", A, "value", "a"],
            &["listOfMaps", A, "value", "c"],
        ],
    );
}

#[test]
fn list_of_maps_change_key_and_value() {
    let second = "listOfMaps:\n- name: b\n  value: {a: x, c: z}";
    case(
        "listOfMaps:\n- name: a\n  value: {b: x, c: y}",
        second,
        second,
        &[
            &["listOfMaps", B],
            &["listOfMaps", B, "name"],
            &["listOfMaps", B, "value", "a"],
            &["listOfMaps", B, "value", "c"],
        ],
    );
}

#[test]
fn map_of_lists_change_value() {
    let second = "mapOfLists:\n  a: [a, c]";
    case(
        "mapOfLists:\n  a: [b, c]",
        second,
        second,
        &[
            &["mapOfLists", "a"],
            &["mapOfLists", "a", "v:\"a\""],
            &["mapOfLists", "a", "v:\"c\""],
        ],
    );
}

#[test]
fn map_of_maps_change_value() {
    let second = "mapOfMaps:\n  a: {a: x, c: z}";
    case(
        "mapOfMaps:\n  a: {b: x, c: y}",
        second,
        second,
        &[
            &["mapOfMaps", "a"],
            &["mapOfMaps", "a", "a"],
            &["mapOfMaps", "a", "c"],
        ],
    );
}

#[test]
fn map_of_maps_change_key_and_value() {
    let second = "mapOfMaps:\n  b: {a: x, c: z}";
    case(
        "mapOfMaps:\n  a: {b: x, c: y}",
        second,
        second,
        &[
            &["mapOfMaps", "b"],
            &["mapOfMaps", "b", "a"],
            &["mapOfMaps", "b", "c"],
        ],
    );
}

#[test]
fn map_of_maps_recursive_change_middle_key() {
    let second = "mapOfMapsRecursive:\n  a:\n    d:\n      c:";
    case(
        "mapOfMapsRecursive:\n  a:\n    b:\n      c:",
        second,
        second,
        &[
            &["mapOfMapsRecursive", "a"],
            &["mapOfMapsRecursive", "a", "d"],
            &["mapOfMapsRecursive", "a", "d", "c"],
        ],
    );
}

#[test]
fn struct_apply_remove_all() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a\n  value: 1");
    s.apply("default", "v1", "");
    s.assert_object("");
    s.assert_managed(&[]);
}

#[test]
fn struct_apply_remove_dangling() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a");
    s.apply("default", "v1", "struct:");
    s.assert_object("struct:");
    s.assert_managed(&[("default", "v1", ns(&[&["struct"]]))]);
}

#[test]
fn struct_apply_update_remove_all() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a");
    s.update("controller", "v1", "struct:\n  name: a\n  value: 1");
    s.apply("default", "v1", "");
    s.assert_object("struct:\n  value: 1");
}

#[test]
fn struct_apply_update_dict_dangling() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a");
    s.update("controller", "v1", "struct:\n  name: a\n  value: 1");
    s.apply("default", "v1", "struct: {}");
    s.assert_object("struct:\n  value: 1");
}

#[test]
fn struct_apply_update_dict_null() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a");
    s.update("controller", "v1", "struct:\n  name: a\n  value: 1");
    s.apply("default", "v1", "struct:");
    s.assert_object("struct:\n  value: 1");
}

#[test]
fn struct_apply_update_took_over() {
    let types = nested();
    let mut s = State::new(&types);
    s.apply("default", "v1", "struct:\n  name: a");
    s.update("controller", "v1", "struct:\n  name: b\n  value: 1");
    s.apply("default", "v1", "struct:");
    s.assert_object("struct:\n  name: b\n  value: 1");
}
