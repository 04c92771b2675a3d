//! structured-merge-diff merge/leaf_test.go TestUpdateLeaf.

use serde_json::json;

use super::fixture::{State, ns, p, schema};
use crate::schema::StructuralSchema;

fn leaf_fields() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {
        "numeric": {"type": "number"}, "string": {"type": "string"}, "bool": {"type": "boolean"}}}))
}

#[test]
fn apply_twice() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 1\nstring: string");
    s.apply("default", "v1", "numeric: 2\nstring: string\nbool: false");
    s.assert_object("numeric: 2\nstring: string\nbool: false");
    s.assert_managed(&[("default", "v1", ns(&[&["numeric"], &["string"], &["bool"]]))]);
}

#[test]
fn apply_twice_different_versions() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 1\nstring: string");
    s.apply("default", "v2", "numeric: 2\nstring: string\nbool: false");
    s.assert_managed(&[("default", "v2", ns(&[&["numeric"], &["string"], &["bool"]]))]);
}

#[test]
fn apply_update_apply_no_conflict() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 1\nstring: string");
    s.update("controller", "v1", "numeric: 1\nstring: string\nbool: true");
    s.apply("default", "v1", "numeric: 2\nstring: string");
    s.assert_object("numeric: 2\nstring: string\nbool: true");
    s.assert_managed(&[
        ("default", "v1", ns(&[&["numeric"], &["string"]])),
        ("controller", "v1", ns(&[&["bool"]])),
    ]);
}

#[test]
fn apply_update_apply_with_conflict() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 1\nstring: string");
    s.update(
        "controller",
        "v1",
        "numeric: 1\nstring: controller string\nbool: true",
    );
    s.apply_conflicts(
        "default",
        "v1",
        "numeric: 2\nstring: user string",
        &[("controller", p(&["string"]))],
    );
    s.force_apply("default", "v1", "numeric: 2\nstring: user string");
    s.assert_object("numeric: 2\nstring: user string\nbool: true");
    s.assert_managed(&[
        ("default", "v1", ns(&[&["numeric"], &["string"]])),
        ("controller", "v1", ns(&[&["bool"]])),
    ]);
}

#[test]
fn apply_twice_remove() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 1\nstring: string\nbool: false");
    s.apply("default", "v1", "string: new string");
    s.assert_object("string: new string");
    s.assert_managed(&[("default", "v1", ns(&[&["string"]]))]);
}

#[test]
fn update_apply_omits() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "numeric: 2");
    s.update("controller", "v1", "numeric: 1");
    s.apply("default", "v1", "");
    s.assert_object("numeric: 1");
    s.assert_managed(&[("controller", "v1", ns(&[&["numeric"]]))]);
}

#[test]
fn update_remove_empty_set() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "string: string");
    s.update("controller", "v1", "string: new string");
    s.assert_managed(&[("controller", "v1", ns(&[&["string"]]))]);
}

#[test]
fn apply_remove_empty_set() {
    let types = leaf_fields();
    let mut s = State::new(&types);
    s.apply("default", "v1", "string: string");
    s.apply("default", "v1", "");
    s.assert_object("");
    s.assert_managed(&[]);
}
