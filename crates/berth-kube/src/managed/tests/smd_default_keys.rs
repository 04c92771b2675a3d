//! structured-merge-diff merge/default_keys_test.go TestDefaultKeysFlat.

use serde_json::json;

use super::fixture::{State, ns, p, schema};
use crate::schema::StructuralSchema;

fn port_list() -> StructuralSchema {
    schema(json!({"type": "object", "properties": {"containerPorts": {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"],
        "items": {"type": "object", "properties": {
            "port": {"type": "number"},
            "protocol": {"type": "string", "default": "TCP"},
            "name": {"type": "string"}}}}}}))
}

const TCP80: &str = "k:{\"port\":80,\"protocol\":\"TCP\"}";
const UDP80: &str = "k:{\"port\":80,\"protocol\":\"UDP\"}";

#[test]
fn apply_missing_defaulted_key_a() {
    let types = port_list();
    let mut s = State::new(&types);
    s.apply("default", "v1", "containerPorts:\n- port: 80");
    s.assert_object("containerPorts:\n- port: 80");
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[
            &["containerPorts", TCP80],
            &["containerPorts", TCP80, "port"],
        ]),
    )]);
}

#[test]
fn apply_missing_defaulted_key_b() {
    let types = port_list();
    let mut s = State::new(&types);
    s.apply(
        "default",
        "v1",
        "containerPorts:\n- port: 80\n- port: 80\n  protocol: UDP",
    );
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[
            &["containerPorts", TCP80],
            &["containerPorts", TCP80, "port"],
            &["containerPorts", UDP80],
            &["containerPorts", UDP80, "port"],
            &["containerPorts", UDP80, "protocol"],
        ]),
    )]);
}

#[test]
fn apply_missing_defaulted_key_with_conflict() {
    let types = port_list();
    let mut s = State::new(&types);
    s.apply(
        "apply-one",
        "v1",
        "containerPorts:\n- port: 80\n  protocol: TCP\n  name: foo",
    );
    s.apply_conflicts(
        "apply-two",
        "v1",
        "containerPorts:\n- port: 80\n  name: bar",
        &[("apply-one", p(&["containerPorts", TCP80, "name"]))],
    );
    s.assert_object("containerPorts:\n- port: 80\n  protocol: TCP\n  name: foo");
}

#[test]
fn apply_missing_undefaulted_defaulted_key() {
    let types = port_list();
    let mut s = State::new(&types);
    s.apply(
        "default",
        "v1",
        "containerPorts:\n- protocol: TCP\n  name: A",
    );
    let key = "k:{\"protocol\":\"TCP\"}";
    s.assert_managed(&[(
        "default",
        "v1",
        ns(&[
            &["containerPorts", key],
            &["containerPorts", key, "name"],
            &["containerPorts", key, "protocol"],
        ]),
    )]);
}
