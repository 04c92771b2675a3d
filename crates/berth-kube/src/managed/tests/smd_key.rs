//! structured-merge-diff merge/key_test.go TestUpdateAssociativeLists.

use super::fixture::{State, ns};
use super::smd_multiple_appliers::associative_list;

#[test]
fn removing_obsolete_applied_structs() {
    let types = associative_list();
    let mut s = State::new(&types);
    s.apply("default", "v1", "list:\n- name: a\n  value: 1");
    s.apply("default", "v1", "list:\n- name: b\n  value: 2");
    s.assert_object("list:\n- name: b\n  value: 2");
    let b = "k:{\"name\":\"b\"}";
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[&["list", b], &["list", b, "name"], &["list", b, "value"]]),
    )]);
}
