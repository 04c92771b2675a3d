use super::*;

fn check(schema: &str, values: &str) -> Result<(), String> {
    let v = json::parse(values.as_bytes()).unwrap();
    validate_single(&v, schema.as_bytes())
}

fn err(schema: &str, values: &str) -> String {
    check(schema, values).unwrap_err()
}

#[test]
fn type_integer_accepts_whole_floats() {
    assert!(check(r#"{"type":"integer"}"#, "2.0").is_ok());
    assert_eq!(
        err(r#"{"type":"integer"}"#, "2.5"),
        "- at '': got number, want integer\n"
    );
}

#[test]
fn numbers_print_with_grouping_and_exact_multiples() {
    assert_eq!(
        err(r#"{"minimum":1000}"#, "5"),
        "- at '': minimum: got 5, want 1,000\n"
    );
    assert!(check(r#"{"multipleOf":0.1}"#, "0.3").is_ok());
}

#[test]
fn string_lengths_count_code_points() {
    assert!(check(r#"{"maxLength":2}"#, "\"日本\"").is_ok());
}

#[test]
fn ref_cycle_is_an_error_not_a_hang() {
    let e = err(
        r##"{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##,
        "1",
    );
    assert!(e.contains("causing reference cycle"), "{e}");
}

#[test]
fn draft07_ignores_ref_siblings() {
    let s = r##"{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"a":{}},"$ref":"#/definitions/a","type":"string"}"##;
    assert!(check(s, "1").is_ok());
}

#[test]
fn malformed_schema_gives_go_text() {
    assert_eq!(err("", "1"), "EOF");
    assert_eq!(err("{} x", "1"), "invalid character after top-level value");
}

#[test]
fn deep_schema_does_not_panic() {
    let s = "[".repeat(5000);
    assert!(check(&s, "1").is_err());
}

#[test]
fn metaschema_errors_come_before_compiling() {
    let e = err(r#"{"properties":{"a":{"pattern":"(x"}}}"#, "{}");
    assert!(
        e.starts_with("\"file:///values.schema.json#\" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#'\n"),
        "{e}"
    );
    assert!(e.ends_with("- at '/properties/a/pattern': '(x' is not valid regex: error parsing regexp: missing closing ): `(x`"), "{e}");
    // Draft-04's metaschema has no `propertyNames`: a bad key fails when compiled.
    let d4 =
        r#"{"$schema":"http://json-schema.org/draft-04/schema#","patternProperties":{"(":{}}}"#;
    assert!(
        err(d4, "{}").starts_with(
            "invalid regex \"(\" at \"file:///values.schema.json#/patternProperties\""
        )
    );
}

#[test]
fn dynamic_ref_resolves_to_the_outermost_dynamic_anchor() {
    let s = r##"{
        "$id": "https://x/strict", "$dynamicAnchor": "n", "$ref": "https://x/tree",
        "properties": {"v": {"type": "integer"}},
        "$defs": {"tree": {"$id": "https://x/tree", "$dynamicAnchor": "n",
            "properties": {"kids": {"items": {"$dynamicRef": "#n"}}}}}
    }"##;
    assert!(check(s, r#"{"kids":[{"v":1}]}"#).is_ok());
    let e = err(s, r#"{"kids":[{"kids":[{"v":"x"}]}]}"#);
    assert!(
        e.contains("- at '/kids/0/kids/0/v': got string, want integer"),
        "{e}"
    );
}

#[test]
fn unevaluated_properties_see_what_succeeding_subschemas_evaluated() {
    let s = r#"{"allOf":[{"properties":{"a":true}}],"unevaluatedProperties":false}"#;
    assert!(check(s, r#"{"a":1}"#).is_ok());
    assert_eq!(err(s, r#"{"a":1,"b":2}"#), "- at '/b': false schema\n");
    // Draft-07 has no such keyword.
    let d7 =
        r#"{"$schema":"http://json-schema.org/draft-07/schema#","unevaluatedProperties":false}"#;
    assert!(check(d7, r#"{"b":2}"#).is_ok());
}
