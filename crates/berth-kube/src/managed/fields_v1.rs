//! `fieldsV1`: a field set as the JSON of `metadata.managedFields[].fieldsV1`
//! (structured-merge-diff fieldpath/serialize.go).
//!
//! Each node is an object keyed by encoded path elements in SMD's order; `{}` marks a member
//! with no children, and `".": {}` a member that also has children.

use serde_json::{Map, Value};

use super::path::PathElement;
use super::set::FieldSet;

/// Deeper `fieldsV1` documents are refused rather than walked without bound.
const MAX_DEPTH: usize = 128;

/// The canonical `fieldsV1` object of a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    Value::Object(emit(set, false))
}

/// The canonical text, byte-identical to what the real server stores.
pub fn to_fields_v1_string(set: &FieldSet) -> String {
    to_fields_v1(set).to_string()
}

fn emit(set: &FieldSet, include_self: bool) -> Map<String, Value> {
    let mut out = Map::new();
    if include_self && !set.is_empty() {
        out.insert(".".into(), Value::Object(Map::new()));
    }
    // Members and children merged in path-element order; a member that is also a child is
    // written once, as the child with its `.`.
    let mut members = set.members().iter().peekable();
    let mut children = set.children().iter().peekable();
    loop {
        match (members.peek(), children.peek()) {
            (Some(m), Some((c, _))) if *m < *c => {
                out.insert(m.encode(), Value::Object(Map::new()));
                members.next();
            }
            (Some(m), Some((c, child))) if *m == *c => {
                out.insert(c.encode(), Value::Object(emit(child, true)));
                members.next();
                children.next();
            }
            (_, Some((c, child))) => {
                out.insert(c.encode(), Value::Object(emit(child, false)));
                children.next();
            }
            (Some(m), None) => {
                out.insert(m.encode(), Value::Object(Map::new()));
                members.next();
            }
            (None, None) => break,
        }
    }
    out
}

/// Reads `fieldsV1`; the message names what is malformed.
pub fn from_fields_v1(value: &Value) -> Result<FieldSet, String> {
    let Value::Object(map) = value else {
        return Err("fieldsV1 must be a JSON object".into());
    };
    read(map, 0).map(|(set, _)| set)
}

/// The set below a node and whether the node itself is a member (`.`).
fn read(map: &Map<String, Value>, depth: usize) -> Result<(FieldSet, bool), String> {
    if depth > MAX_DEPTH {
        return Err("fieldsV1 is nested too deeply".into());
    }
    let mut set = FieldSet::new();
    let mut is_member = false;
    for (key, child) in map {
        if key == "." {
            is_member = true;
            continue;
        }
        let pe = PathElement::decode(key)
            .ok_or_else(|| format!("parsing key as path element: {key:?}"))?;
        let Value::Object(child) = child else {
            return Err(format!("expected an object for {key:?}"));
        };
        if child.is_empty() {
            set.insert(std::slice::from_ref(&pe));
            continue;
        }
        let (sub, member) = read(child, depth + 1)?;
        if member {
            set.insert(std::slice::from_ref(&pe));
        }
        set.add_child(pe, sub);
    }
    Ok((set, is_member))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serialize_test.go TestSerializeV1: documents round-trip byte for byte.
    #[test]
    fn serialize_v1_round_trips() {
        for text in [
            r#"{"f:allowVolumeExpansion":{},"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:name":{},"f:parameters":{".":{},"f:resturl":{},"f:restuser":{},"f:secretName":{},"f:secretNamespace":{}}},"f:provisioner":{}}"#,
            r#"{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}},"k:{\"containerPort\":443,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}"#,
            r#"{"f:metadata":{"f:finalizers":{".":{},"v:\"a\"":{},"v:\"b\"":{}}}}"#,
            r#"{"i:0":{},"i:1":{"f:a":{}}}"#,
        ] {
            let value: Value = serde_json::from_str(text).expect("json");
            let set = from_fields_v1(&value).expect(text);
            assert_eq!(to_fields_v1_string(&set), text);
        }
    }

    /// Input order does not matter; output is canonical.
    #[test]
    fn output_is_canonical() {
        let value: Value = serde_json::from_str(
            r#"{"f:b":{},"k:{\"port\":443,\"protocol\":\"TCP\"}":{},"f:a":{"f:y":{},".":{},"f:x":{}}}"#,
        )
        .expect("json");
        let set = from_fields_v1(&value).expect("set");
        assert_eq!(
            to_fields_v1_string(&set),
            r#"{"f:a":{".":{},"f:x":{},"f:y":{}},"f:b":{},"k:{\"port\":443,\"protocol\":\"TCP\"}":{}}"#
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        for text in [r#"[]"#, r#"{"x":{}}"#, r#"{"f:a":1}"#, r#"{"k:[1]":{}}"#] {
            let value: Value = serde_json::from_str(text).expect("json");
            assert!(from_fields_v1(&value).is_err(), "{text}");
        }
    }
}
