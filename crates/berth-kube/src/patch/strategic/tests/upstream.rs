//! The cases of apimachinery's strategicpatch/patch_test.go, transliterated into
//! `testdata/upstream.yaml`, run the way that file runs them: create the two-way patch and
//! apply it, create the three-way patch (expecting a conflict when the case says so) and
//! apply it to the current object.

use crate::patch::strategic::diff::{three_way, two_way};
use crate::patch::strategic::schema::{Registry, Schema, Strategy};
use crate::patch::strategic::values::{ElemKind, dedupe_scalars, element_kind, sort_scalars};
use crate::patch::strategic::{
    DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, RETAIN_KEYS, SET_ELEMENT_ORDER, StrategicPatchError,
    apply_with,
};
use crate::schema::gofmt::sprint;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The tags of the test types `MergeItem` and `RetainKeysMergeItem` of patch_test.go.
const MERGE_ITEM: &str = r#"
mergeItem
  mergingList []mergeItem merge name
  nonMergingList []mergeItem
  mergingIntList []int merge
  nonMergingIntList []int
  mergeItemPtr mergeItem merge name
  simpleMap map[string]
  replacingItem RawExtension replace
  retainKeysMap retainKeysMergeItem retainKeys
  retainKeysMergingList []mergeItem merge,retainKeys name
retainKeysMergeItem
  simpleMap map[string]
  mergingIntList []int merge
  mergingList []mergeItem merge name
  nonMergingList []mergeItem
"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    upstream: String,
    mode: String,
    original: Option<Value>,
    two_way: Option<Value>,
    modified: Option<Value>,
    current: Option<Value>,
    three_way: Option<Value>,
    result: Option<Value>,
    two_way_result: Option<Value>,
    expected_error: Option<String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("../testdata/upstream.yaml");
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("upstream.yaml: {e}"))
}

/// `sortMergeListsByNameMap`: merge lists sorted by key (scalars deduplicated and sorted), so
/// that the YAML tables compare regardless of list order.
fn sort_doc(doc: &Value, schema: Schema<'_>) -> Value {
    let Value::Object(m) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        let sorted = match v {
            Value::Array(items)
                if k == RETAIN_KEYS || k.starts_with(DELETE_FROM_PRIMITIVE_LIST) =>
            {
                Value::Array(sort_scalars(items.clone()))
            }
            _ if k.starts_with(SET_ELEMENT_ORDER) || k == DIRECTIVE => v.clone(),
            Value::Object(_) => sort_doc(v, schema.field(k).0),
            Value::Array(items) => {
                let (sub, meta) = schema.list(k);
                if meta.strategy == Strategy::Merge {
                    Value::Array(sort_list(items, sub, &meta.merge_key))
                } else {
                    v.clone()
                }
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), sorted);
    }
    Value::Object(out)
}

fn sort_list(items: &[Value], schema: Schema<'_>, merge_key: &str) -> Vec<Value> {
    match element_kind(&[items]) {
        Ok(ElemKind::Map) => {
            let mut maps: Vec<Value> = items.iter().map(|i| sort_doc(i, schema)).collect();
            maps.sort_by_cached_key(|m| sprint(m.get(merge_key).unwrap_or(&Value::Null)));
            maps
        }
        Ok(ElemKind::Scalar) => sort_scalars(dedupe_scalars(items.to_vec())),
        Err(_) => items.to_vec(),
    }
}

fn doc(v: &Option<Value>) -> Value {
    match v {
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(v) => v.clone(),
    }
}

struct Runner<'a> {
    schema: Schema<'a>,
    failures: Vec<String>,
}

impl Runner<'_> {
    fn prep(&self, v: &Option<Value>, sorted: bool) -> Value {
        let d = doc(v);
        if sorted { sort_doc(&d, self.schema) } else { d }
    }

    fn check(&mut self, name: &str, what: &str, got: &Value, want: &Value) {
        if got != want {
            self.failures
                .push(format!("{name} [{what}]\n  want {want}\n  got  {got}"));
        }
    }

    fn apply(
        &mut self,
        name: &str,
        original: &Value,
        patch: &Value,
        want: &Value,
        expected_error: Option<&str>,
    ) {
        match (apply_with(self.schema, original, patch), expected_error) {
            (Err(e), Some(expected)) if e.to_string().contains(expected) => {}
            (Ok(got), None) => self.check(name, "apply", &got, want),
            (other, _) => self.failures.push(format!(
                "{name} [apply]: {other:?}, expected error {expected_error:?}"
            )),
        }
    }

    fn run(&mut self, c: &Case) {
        let sorted = c.mode.ends_with("sorted");
        let name = c.upstream.as_str();
        let original = self.prep(&c.original, sorted);
        let patch = self.prep(&c.two_way, sorted);
        let modified = self.prep(&c.modified, sorted);
        let two_way_result = if c.two_way_result.is_some() {
            self.prep(&c.two_way_result, sorted)
        } else {
            modified.clone()
        };
        let expected_error = c.expected_error.as_deref();
        if c.mode.starts_with("apply") {
            self.apply(name, &original, &patch, &two_way_result, expected_error);
            return;
        }

        match two_way(self.schema, &original, &modified) {
            Ok(got) => {
                self.check(name, "two-way patch", &got, &patch);
                self.apply(name, &original, &got, &two_way_result, expected_error);
            }
            Err(e) => self.failures.push(format!("{name} [two-way]: {e}")),
        }

        let current = self.prep(&c.current, sorted);
        let three_way_want = self.prep(&c.three_way, sorted);
        let result = self.prep(&c.result, sorted);
        let wants_conflict = name.contains("conflict");
        match three_way(self.schema, &original, &modified, &current, false) {
            Err(StrategicPatchError::Conflict(_)) if wants_conflict => {
                if c.result.is_some() {
                    match three_way(self.schema, &original, &modified, &current, true) {
                        Ok(got) => {
                            self.check(name, "forced three-way patch", &got, &three_way_want);
                            self.apply(name, &current, &got, &result, expected_error);
                        }
                        Err(e) => self
                            .failures
                            .push(format!("{name} [forced three-way]: {e}")),
                    }
                }
            }
            Err(e) => self.failures.push(format!("{name} [three-way]: {e}")),
            Ok(_) if wants_conflict || c.result.is_none() => {
                self.failures
                    .push(format!("{name} [three-way]: expected a conflict"));
            }
            Ok(got) => {
                self.check(name, "three-way patch", &got, &three_way_want);
                self.apply(name, &current, &got, &result, expected_error);
            }
        }
    }
}

#[test]
fn upstream_strategic_merge_patch_tables() {
    let registry = Registry::parse(MERGE_ITEM).expect("test table");
    let all = cases();
    assert_eq!(all.len(), 146, "cases in upstream.yaml");
    let mut runner = Runner {
        schema: registry.root("mergeItem"),
        failures: Vec::new(),
    };
    for c in &all {
        runner.run(c);
    }
    assert!(
        runner.failures.is_empty(),
        "{} failures:\n{}",
        runner.failures.len(),
        runner.failures.join("\n")
    );
}

/// The errors of the upstream tests that are not table-driven (TestStrategicMergePatch's
/// "bad original" and "bad patch", and the directive errors of mergeMap and mergeSlice).
#[test]
fn malformed_documents_and_directives() {
    let registry = Registry::parse(MERGE_ITEM).expect("test table");
    let schema = registry.root("mergeItem");
    let apply = |o: &str, p: &str| {
        let o: Value = serde_json::from_str(o).expect("json");
        let p: Value = serde_json::from_str(p).expect("json");
        apply_with(schema, &o, &p).map_err(|e| e.to_string())
    };
    assert_eq!(apply("\"x\"", "{}"), Err("invalid JSON document".into()));
    assert_eq!(apply("{}", "[1]"), Err("invalid JSON document".into()));
    assert_eq!(
        apply(
            r#"{"simpleMap":{"a":"b"}}"#,
            r#"{"simpleMap":{"$patch":"x"}}"#
        ),
        Err("unknown patch type: x in map: map[$patch:x]".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingList":[{"name":"a"}]}"#,
            r#"{"mergingList":[{"name":"b","$patch":"y"}]}"#
        ),
        Err("unknown patch type: y in map: map[$patch:y name:b]".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingList":[{"name":"a"}]}"#,
            r#"{"mergingList":[{"$patch":"merge"}]}"#
        ),
        Err("merging lists cannot yet be specified in the patch".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingList":[{"name":"a"}]}"#,
            r#"{"mergingList":[{"value":"v"}]}"#
        ),
        Err("map: map[value:v] does not contain declared merge key: name".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingList":[{"name":"a"}]}"#,
            r#"{"mergingList":[{"$patch":"delete"}]}"#
        ),
        Err("map: map[$patch:delete] does not contain declared merge key: name".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingList":[{"name":"a"}]}"#,
            r#"{"mergingList":[["x"]]}"#
        ),
        Err("list element types are not identical: [[map[name:a]] [[x]]]".into())
    );
    assert_eq!(
        apply(r#"{"mergingIntList":[1]}"#, r#"{"mergingIntList":["a"]}"#),
        Err("list element types are not identical: [[1] [a]]".into())
    );
    assert_eq!(
        apply(r#"{"name":"a"}"#, r#"{"$retainKeys":"name"}"#),
        Err("invalid patch format of retainKeys".into())
    );
    assert_eq!(
        apply(r#"{"name":"a"}"#, r#"{"$retainKeys":["name"],"value":"v"}"#),
        Err("invalid patch format of retainKeys".into())
    );
    assert_eq!(
        apply(r#"{"mergingIntList":[1]}"#, r#"{"$setElementOrderX":[1]}"#),
        Err("invalid patch format of setElementOrder list".into())
    );
    assert_eq!(
        apply(
            r#"{"mergingIntList":[1]}"#,
            r#"{"$deleteFromPrimitiveListX":[1]}"#
        ),
        Err("invalid patch format of primitive list".into())
    );
    let status = |o: &str, p: &str| {
        let o: Value = serde_json::from_str(o).expect("json");
        let p: Value = serde_json::from_str(p).expect("json");
        apply_with(schema, &o, &p).err().map(|e| e.status_code())
    };
    assert_eq!(status("{}", r#"{"$retainKeys":1}"#), Some(400));
    assert_eq!(
        status(r#"{"mergingList":[]}"#, r#"{"mergingList":[[1]]}"#),
        Some(422)
    );
    assert_eq!(
        status(r#"{"simpleMap":{}}"#, r#"{"simpleMap":{"$patch":"x"}}"#),
        Some(500)
    );
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// TestNumberConversion: large integers and floats survive a two-way patch unchanged.
#[test]
fn number_conversion() {
    let registry = Registry::parse("precisionItem\n").expect("test table");
    let schema = registry.root("precisionItem");
    for (case, field) in [
        ("int32 medium", r#""int32":1000000"#),
        ("int32 max", r#""int32":2147483647"#),
        ("int64 medium", r#""int64":1000000"#),
        ("int64 max", r#""int64":9223372036854775807"#),
        ("float32 max", r#""float32":3.4028234663852886e+38"#),
        ("float64 max", r#""float64":1.7976931348623157e+308"#),
    ] {
        let old = parse(&format!("{{{field}}}"));
        let new = parse(&format!(r#"{{{field},"name":"newname"}}"#));
        let patch = two_way(schema, &old, &new).expect(case);
        assert_eq!(patch, parse(r#"{"name":"newname"}"#), "{case}");
        assert_eq!(apply_with(schema, &old, &patch).expect(case), new, "{case}");
    }
    assert_eq!(
        two_way(schema, &parse("{}"), &parse("{}")),
        Ok(parse("{}")),
        "empty"
    );
}

/// TestUnknownField: fields the schema does not know. Nulls in added values are dropped on
/// apply, nulls already in the original stay. Upstream's struct schema refuses to diff
/// inside an unknown map ("diff" and "json" expect `unable to find api field`); here an
/// unknown field behaves like an untagged one, so those two cases produce a merge patch.
#[test]
fn unknown_fields() {
    let registry = Registry::parse(MERGE_ITEM).expect("test table");
    let schema = registry.root("mergeItem");
    let base = r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#;
    // (upstream case, original, current, modified, patch, two-way result, three-way result)
    let cases = [
        ("no diff", base, base, base, "{}", base, base),
        (
            "no diff even if modified null",
            base,
            base,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":null},"name":"foo","scalar":true}"#,
            r#"{"complex_nullable":{"key":null}}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{},"name":"foo","scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{},"name":"foo","scalar":true}"#,
        ),
        (
            "discard nulls in nested and adds not nulls",
            base,
            base,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value","keynull":null}},"name":"foo","scalar":true}"#,
            r#"{"complex_nullable":{"key":{"keynotnull":"value","keynull":null}}}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value"}},"name":"foo","scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value"}},"name":"foo","scalar":true}"#,
        ),
        (
            "discard if modified all nulls",
            "{}",
            "{}",
            r#"{"complex":{"nested":null}}"#,
            r#"{"complex":{"nested":null}}"#,
            r#"{"complex":{}}"#,
            r#"{"complex":{}}"#,
        ),
        (
            "add only not nulls",
            "{}",
            "{}",
            r#"{"complex":{"nested":null,"nested2":"foo"}}"#,
            r#"{"complex":{"nested":null,"nested2":"foo"}}"#,
            r#"{"complex":{"nested2":"foo"}}"#,
            r#"{"complex":{"nested2":"foo"}}"#,
        ),
        (
            "null values in original are preserved",
            r#"{"thing":null}"#,
            r#"{"thing":null}"#,
            r#"{"nested":{"value":5},"thing":null}"#,
            r#"{"nested":{"value":5}}"#,
            r#"{"nested":{"value":5},"thing":null}"#,
            r#"{"nested":{"value":5},"thing":null}"#,
        ),
        (
            "nested null values in original are preserved",
            r#"{"complex":{"key":null},"thing":null}"#,
            r#"{"complex":{"key":null},"thing":null}"#,
            r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
            r#"{"nested":{"value":5}}"#,
            r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
            r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
        ),
        (
            "add empty slices",
            base,
            base,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
            r#"{"complex_nullable":[]}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
        ),
        (
            "filter nulls from nested slices",
            "{}",
            "{}",
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo","key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo","key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo"}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo"}}]}"#,
        ),
        (
            "filter if slice is all empty",
            "{}",
            "{}",
            r#"{"complex_nullable":[{"inner_one":{"key_one":null,"key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{"key_one":null,"key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{}}]}"#,
        ),
        (
            "not filter nulls from non-associative slice",
            "{}",
            "{}",
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
        ),
        (
            "added only",
            r#"{"name":"foo"}"#,
            r#"{"name":"foo"}"#,
            r#"{"name":"foo","scalar":true,"complex":{"nested":true},"array":[1,2,3]}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"scalar":true}"#,
            base,
            base,
        ),
        (
            "removed only",
            r#"{"name":"foo","scalar":true,"complex":{"nested":true}}"#,
            r#"{"name":"foo","scalar":true,"complex":{"nested":true},"array":[1,2,3]}"#,
            r#"{"name":"foo"}"#,
            r#"{"complex":null,"scalar":null}"#,
            r#"{"name":"foo"}"#,
            r#"{"array":[1,2,3],"name":"foo"}"#,
        ),
        (
            "diff",
            base,
            base,
            r#"{"array":[1,2,3],"complex":{"nested":false},"name":"foo","scalar":true}"#,
            r#"{"complex":{"nested":false}}"#,
            r#"{"array":[1,2,3],"complex":{"nested":false},"name":"foo","scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":false},"name":"foo","scalar":true}"#,
        ),
        (
            "json",
            r#"{"name":"foo","jsonItem":{"nested":{"nested2":{"nested3":{}}}}}"#,
            r#"{"name":"foo","jsonItem":{"nested":{"nested2":{"nested3":{}}}}}"#,
            r#"{"name":"foo","jsonItem":{"nested":{"nested2":{"nested3":{"a":"b"}}}}}"#,
            r#"{"jsonItem":{"nested":{"nested2":{"nested3":{"a":"b"}}}}}"#,
            r#"{"jsonItem":{"nested":{"nested2":{"nested3":{"a":"b"}}}},"name":"foo"}"#,
            r#"{"jsonItem":{"nested":{"nested2":{"nested3":{"a":"b"}}}},"name":"foo"}"#,
        ),
    ];
    for (case, original, current, modified, patch, two_way_result, three_way_result) in cases {
        let (original, current, modified) = (parse(original), parse(current), parse(modified));
        let got = two_way(schema, &original, &modified).expect(case);
        assert_eq!(got, parse(patch), "{case}: two-way patch");
        assert_eq!(
            apply_with(schema, &original, &got).expect(case),
            parse(two_way_result),
            "{case}: two-way result"
        );
        let got = three_way(schema, &original, &modified, &current, false).expect(case);
        assert_eq!(got, parse(patch), "{case}: three-way patch");
        assert_eq!(
            apply_with(schema, &current, &got).expect(case),
            parse(three_way_result),
            "{case}: three-way result"
        );
    }
}
