//! structured-merge-diff merge/nested_test.go TestUpdateNestedType (the struct cases).

use serde_json::json;

use super::fixture::{State, ns, schema};
use crate::schema::StructuralSchema;

fn nested() -> StructuralSchema {
    schema(
        json!({"type": "object", "properties": {"struct": {"type": "object", "properties": {
        "name": {"type": "string"}, "value": {"type": "number"}}}}}),
    )
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
