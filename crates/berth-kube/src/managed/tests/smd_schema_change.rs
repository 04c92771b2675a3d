//! structured-merge-diff merge/schema_change_test.go TestGranularToAtomicSchemaChanges: a
//! struct that became atomic is owned whole by whoever owned fields in it.

use serde_json::json;

use super::fixture::{State, ns, p, schema};
use crate::managed::updater::Managers;
use crate::schema::StructuralSchema;

fn struct_schema(atomic: bool) -> StructuralSchema {
    let mut s = json!({"type": "object", "properties": {"struct": {"type": "object", "properties": {
        "numeric": {"type": "number"}, "string": {"type": "string"}}}}});
    if atomic {
        s["properties"]["struct"]["x-kubernetes-map-type"] = json!("atomic");
    }
    schema(s)
}

/// Carries the live object and managers over to a state under another schema
/// (the fixture's ChangeParser).
fn carry<'t>(from: State<'_>, types: &'t StructuralSchema) -> State<'t> {
    let managers: Managers = from.managers;
    State {
        types,
        live: from.live,
        managers,
    }
}

#[test]
fn to_atomic() {
    let (old, new) = (struct_schema(false), struct_schema(true));
    let mut s = State::new(&old);
    s.apply("one", "v1", "struct:\n  numeric: 1");
    let mut s = carry(s, &new);
    s.apply_conflicts(
        "two",
        "v1",
        "struct:\n  string: string",
        &[("one", p(&["struct"]))],
    );
    s.force_apply("two", "v1", "struct:\n  string: string");
    s.assert_object("struct:\n  string: string");
    s.assert_managed(&[("two", "v1", ns(&[&["struct"]]))]);
}

#[test]
fn to_atomic_owner_with_no_child_fields() {
    let (old, new) = (struct_schema(false), struct_schema(true));
    let mut s = State::new(&old);
    s.apply("one", "v1", "struct:\n  numeric: 1");
    s.force_apply("two", "v1", "struct:\n  numeric: 2");
    let mut s = carry(s, &new);
    s.apply_conflicts(
        "three",
        "v1",
        "struct:\n  string: string",
        &[("two", p(&["struct"]))],
    );
}
