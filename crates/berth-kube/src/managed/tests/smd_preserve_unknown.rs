//! structured-merge-diff merge/preserve_unknown_test.go TestPreserveUnknownFields.

use serde_json::json;

use super::fixture::{State, ns, schema};

#[test]
fn preserve_unknown_fields() {
    // A struct with a declared `num` whose other keys are strings (additionalProperties).
    let types = schema(
        json!({"type": "object", "properties": {"num": {"type": "number"}},
        "additionalProperties": {"type": "string"}}),
    );
    let mut s = State::new(&types);
    s.apply("default", "v1", "num: 5\nunknown: value");
    s.apply("default", "v1", "num: 6\nunknown: new");
    s.assert_object("num: 6\nunknown: new");
    s.assert_managed(&[("default", "v1", ns(&[&["num"], &["unknown"]]))]);
}

/// The same with `x-kubernetes-preserve-unknown-fields`: unknown maps are granular and
/// owned node by node, unknown lists atomic.
#[test]
fn preserve_unknown_fields_deduced_below_schema() {
    let types = schema(
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
        "properties": {"num": {"type": "number"}}}),
    );
    let mut s = State::new(&types);
    s.apply("default", "v1", "num: 5\nextra:\n  a: 1\n  list: [x, y]");
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[&["num"], &["extra"], &["extra", "a"], &["extra", "list"]]),
    )]);
    s.apply("other", "v1", "extra:\n  b: 2");
    s.assert_object("num: 5\nextra:\n  a: 1\n  list: [x, y]\n  b: 2");
}
