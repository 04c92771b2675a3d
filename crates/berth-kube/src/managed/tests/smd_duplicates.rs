//! structured-merge-diff merge/duplicates_test.go TestDuplicates: live objects may hold
//! duplicate keys; such items are owned as a whole and never merged with a config item.

use serde_json::json;

use super::fixture::{State, ns, p, schema};
use crate::schema::StructuralSchema;

fn duplicates() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {
        "list": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                 "items": {"type": "object", "properties": {
                     "name": {"type": "string"}, "value1": {"type": "number"}, "value2": {"type": "number"}}}},
        "unrelated": {"type": "number"},
        "set": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "number"}}}}))
}

const A: &str = "k:{\"name\":\"a\"}";
const B: &str = "k:{\"name\":\"b\"}";

#[test]
fn sets_ownership_duplicates() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update("updater-one", "v1", "set: [1, 1, 3, 4]");
    s.assert_managed(&[(
        "updater-one",
        "v1",
        ns(&[&["set"], &["set", "v:1"], &["set", "v:3"], &["set", "v:4"]]),
    )]);
}

#[test]
fn sets_ownership_add_duplicate() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update("updater-one", "v1", "set: [1, 3, 4]");
    s.update("updater-two", "v1", "set: [1, 1, 3, 4]");
    s.assert_managed(&[
        (
            "updater-one",
            "v1",
            ns(&[&["set"], &["set", "v:3"], &["set", "v:4"]]),
        ),
        ("updater-two", "v1", ns(&[&["set", "v:1"]])),
    ]);
}

#[test]
fn sets_ownership_remove_duplicate() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update("updater-one", "v1", "set: [1, 1, 3, 4]");
    s.update("updater-two", "v1", "set: [1, 3, 4]");
    s.assert_managed(&[
        (
            "updater-one",
            "v1",
            ns(&[&["set"], &["set", "v:3"], &["set", "v:4"]]),
        ),
        ("updater-two", "v1", ns(&[&["set", "v:1"]])),
    ]);
}

#[test]
fn sets_merging_remove_duplicate() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update("updater", "v1", "set: [1, 1, 3, 4]");
    s.apply_conflicts(
        "applier",
        "v1",
        "set: [1]",
        &[("updater", p(&["set", "v:1"]))],
    );
    s.force_apply("applier", "v1", "set: [1]");
    s.assert_object("set: [1, 3, 4]");
    s.assert_managed(&[
        (
            "updater",
            "v1",
            ns(&[&["set"], &["set", "v:3"], &["set", "v:4"]]),
        ),
        ("applier", "v1", ns(&[&["set", "v:1"]])),
    ]);
}

#[test]
fn sets_merging_ignore_duplicate() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update("updater", "v1", "set: [1, 1, 3, 4]");
    s.apply("applier", "v1", "set: [5]");
    s.assert_object("set: [1, 1, 3, 4, 5]");
    s.assert_managed(&[
        (
            "updater",
            "v1",
            ns(&[&["set"], &["set", "v:1"], &["set", "v:3"], &["set", "v:4"]]),
        ),
        ("applier", "v1", ns(&[&["set", "v:5"]])),
    ]);
}

#[test]
fn list_ownership_duplicated_items() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update(
        "updater",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}",
    );
    s.assert_managed(&[(
        "updater",
        "v1",
        ns(&[
            &["list"],
            &["list", A],
            &["list", B],
            &["list", B, "name"],
            &["list", B, "value1"],
        ]),
    )]);
}

#[test]
fn list_ownership_change_duplicated_items() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update(
        "updater-one",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}",
    );
    s.update(
        "updater-two",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 3}\n- {name: b, value1: 3}",
    );
    s.assert_managed(&[
        (
            "updater-one",
            "v1",
            ns(&[
                &["list"],
                &["list", B],
                &["list", B, "name"],
                &["list", B, "value1"],
            ]),
        ),
        ("updater-two", "v1", ns(&[&["list", A]])),
    ]);
}

#[test]
fn list_ownership_add_unrelated_to_list_with_duplicates() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update(
        "updater-one",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}",
    );
    s.update(
        "updater-two",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}",
    );
    s.assert_managed(&[
        ("updater-one", "v1", ns(&[&["list"], &["list", A]])),
        (
            "updater-two",
            "v1",
            ns(&[&["list", B], &["list", B, "name"], &["list", B, "value1"]]),
        ),
    ]);
}

#[test]
fn list_merge_unrelated_with_duplicated_items() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update(
        "updater",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}",
    );
    s.force_apply("applier", "v1", "unrelated: 5");
    s.assert_object("list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}\nunrelated: 5");
    s.assert_managed(&[
        (
            "updater",
            "v1",
            ns(&[
                &["list"],
                &["list", A],
                &["list", B],
                &["list", B, "name"],
                &["list", B, "value1"],
            ]),
        ),
        ("applier", "v1", ns(&[&["unrelated"]])),
    ]);
}

#[test]
fn list_merge_change_duplicated_item() {
    let types = duplicates();
    let mut s = State::new(&types);
    s.update(
        "updater",
        "v1",
        "list:\n- {name: a, value1: 1}\n- {name: a, value1: 2}\n- {name: b, value1: 3}",
    );
    s.apply_conflicts(
        "applier",
        "v1",
        "list:\n- {name: a, value1: 3}",
        &[("updater", p(&["list", A]))],
    );
    s.force_apply("applier", "v1", "list:\n- {name: a, value1: 3}");
    s.assert_object("list:\n- {name: a, value1: 3}\n- {name: b, value1: 3}");
    s.assert_managed(&[
        (
            "updater",
            "v1",
            ns(&[
                &["list"],
                &["list", B],
                &["list", B, "name"],
                &["list", B, "value1"],
            ]),
        ),
        (
            "applier",
            "v1",
            ns(&[&["list", A], &["list", A, "name"], &["list", A, "value1"]]),
        ),
    ]);
}
