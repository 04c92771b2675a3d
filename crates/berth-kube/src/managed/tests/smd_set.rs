//! structured-merge-diff merge/set_test.go TestUpdateSet.

use serde_json::json;

use super::fixture::{State, ns, schema};
use crate::schema::StructuralSchema;

fn set_fields() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {"list": {
        "type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}}))
}

#[test]
fn apply_twice() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, c]");
    s.apply("default", "v1", "list: [a, b, c, d]");
    s.assert_object("list: [a, b, c, d]");
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[
            &["list", "v:\"a\""],
            &["list", "v:\"b\""],
            &["list", "v:\"c\""],
            &["list", "v:\"d\""],
        ]),
    )]);
}

#[test]
fn apply_update_apply_no_overlap() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, c]");
    s.update("controller", "v1", "list: [a, b, c, d]");
    s.apply("default", "v1", "list: [a, aprime, c, cprime]");
    s.assert_object("list: [a, b, aprime, c, d, cprime]");
    s.assert_managed(&[
        (
            "default",
            "v1",
            ns(&[
                &["list", "v:\"a\""],
                &["list", "v:\"aprime\""],
                &["list", "v:\"c\""],
                &["list", "v:\"cprime\""],
            ]),
        ),
        (
            "controller",
            "v1",
            ns(&[&["list", "v:\"b\""], &["list", "v:\"d\""]]),
        ),
    ]);
}

#[test]
fn apply_update_apply_with_overlap() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, c]");
    s.update("controller", "v1", "list: [a, b, c, d]");
    s.apply("default", "v1", "list: [a, b, c]");
    s.assert_object("list: [a, b, c, d]");
    s.assert_managed(&[
        (
            "default",
            "v1",
            ns(&[
                &["list", "v:\"a\""],
                &["list", "v:\"b\""],
                &["list", "v:\"c\""],
            ]),
        ),
        (
            "controller",
            "v1",
            ns(&[&["list", "v:\"b\""], &["list", "v:\"d\""]]),
        ),
    ]);
}

#[test]
fn apply_twice_reorder() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, b, c, d]");
    s.apply("default", "v1", "list: [a, d, c, b]");
    s.assert_object("list: [a, d, c, b]");
}

#[test]
fn apply_update_apply_reorder() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, b, c, d]");
    s.update("controller", "v1", "list: [a, d, c, b]");
    s.apply("default", "v1", "list: [a, b, c, d]");
    s.assert_object("list: [a, b, c, d]");
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[
            &["list", "v:\"a\""],
            &["list", "v:\"b\""],
            &["list", "v:\"c\""],
            &["list", "v:\"d\""],
        ]),
    )]);
}

#[test]
fn apply_twice_remove() {
    let types = set_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list: [a, b, c, d]");
    s.apply("default", "v1", "list: [a, c]");
    s.assert_object("list: [a, c]");
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[&["list", "v:\"a\""], &["list", "v:\"c\""]]),
    )]);
}
