//! Validation of custom resources against their schema, with the 422 causes the real server
//! gives: kube-openapi's schema validator as apiextensions-apiserver converts its results
//! (pkg/apiserver/validation/validation.go kubeOpenAPIResultToFieldErrors), the embedded
//! resource checks (schema/objectmeta/validation.go) and list-type uniqueness
//! (schema/listtype/validation.go).
//!
//! Two path forms meet here on purpose: kube-openapi names fields `spec.map.key` and
//! `spec.list[0]`, while the embedded-resource and list-type checks use apimachinery's
//! field.Path, which writes map keys as `spec.map[key]`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{ListType, SchemaNode, gofmt};
use crate::status::Cause;

/// The `field.ErrorType`s these checks produce, with their reason and text.
#[derive(Clone, Copy)]
enum ErrType {
    Required,
    Invalid,
    TypeInvalid,
    NotSupported,
    TooLong,
    TooMany,
    Duplicate,
}

impl ErrType {
    fn reason(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::Invalid => "FieldValueInvalid",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::Duplicate => "FieldValueDuplicate",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::Required => "Required value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Duplicate => "Duplicate value",
        }
    }
}

/// A cause in `field.Error` form: the message is `ErrorBody()`, without the field.
fn cause(t: ErrType, field: &str, bad: Option<&Value>, detail: &str) -> Cause {
    let mut body = t.text().to_string();
    if let Some(bad) = bad {
        body = format!("{body}: {}", gofmt::bad_value(bad));
    }
    if !detail.is_empty() {
        body = format!("{body}: {detail}");
    }
    Cause::new(t.reason(), body, field)
}

pub(super) fn validate(obj: &Value, root: &SchemaNode) -> Vec<Cause> {
    let mut errs = Vec::new();
    openapi(obj, None, root, "", &mut errs);
    embedded(obj, root, "", &mut errs);
    if let Some(map) = obj.as_object() {
        list_types_in_object(map, root, "", &mut errs);
    }
    errs
}

/// Validation of an update with CRD validation ratcheting (on by default since 1.30,
/// apiextensions validation/ratcheting.go): schema errors inside values the update did not
/// change are dropped, and list-type uniqueness is only enforced when the old object met it
/// (customresource/strategy.go ValidateUpdate).
pub(super) fn validate_update(new: &Value, old: &Value, root: &SchemaNode) -> Vec<Cause> {
    let mut errs = Vec::new();
    openapi(new, Some(old), root, "", &mut errs);
    embedded(new, root, "", &mut errs);
    if let (Some(map), Some(old_map)) = (new.as_object(), old.as_object()) {
        let mut old_errs = Vec::new();
        list_types_in_object(old_map, root, "", &mut old_errs);
        if old_errs.is_empty() {
            list_types_in_object(map, root, "", &mut errs);
        }
    }
    errs
}

/// The old item a list item corresponds to: by its keys in a `map` list, by value in a
/// `set`; items of atomic lists have no counterpart.
fn correlated_item<'a>(item: &Value, s: &SchemaNode, old: Option<&'a Value>) -> Option<&'a Value> {
    let old_items = old?.as_array()?;
    match s.list_type {
        Some(ListType::Map) => old_items
            .iter()
            .find(|o| s.list_map_keys.iter().all(|k| o.get(k) == item.get(k))),
        Some(ListType::Set) => old_items.iter().find(|o| *o == item),
        _ => None,
    }
}

/// kube-openapi names the root "" and its children `spec`, `spec.x`, `spec.l[0]`; required and
/// additional properties are always joined with a dot, so at the root they start with one.
/// apiextensions trims that dot for the cause's field, and a nameless error gets the nil path.
fn field_of(name: &str) -> String {
    if name.is_empty() || name == "." {
        "<nil>".to_string()
    } else {
        name.strip_prefix('.').unwrap_or(name).to_string()
    }
}

/// The JSON type of a value as kube-openapi infers it, with its Go format.
fn data_type(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Null => ("null", ""),
        Value::Bool(_) => ("boolean", ""),
        Value::String(_) => ("string", ""),
        Value::Number(n) if n.is_i64() || n.is_u64() => ("integer", "int64"),
        Value::Number(_) => ("number", "float64"),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
    }
}

/// kube-openapi errors.InvalidType: the data is quoted only when it is a string (the type name
/// of the wrong value, or its format).
fn invalid_type(name: &str, type_name: &str, found: &str, errs: &mut Vec<Cause>) {
    let detail = format!(
        "{name} in body must be of type {type_name}: {}",
        gofmt::quote(found)
    );
    errs.push(cause(
        ErrType::TypeInvalid,
        &field_of(name),
        Some(&json!(found)),
        &detail,
    ));
}

fn invalid(name: &str, bad: &Value, detail: String, errs: &mut Vec<Cause>) {
    errs.push(cause(ErrType::Invalid, &field_of(name), Some(bad), &detail));
}

fn openapi(data: &Value, old: Option<&Value>, s: &SchemaNode, name: &str, errs: &mut Vec<Cause>) {
    if old == Some(data) {
        // Unchanged by the update: ratcheted.
        return;
    }
    let has = |t: &str| s.types.iter().any(|x| x == t);
    if data.is_null() {
        if !s.types.is_empty() && !has("null") && !s.nullable {
            invalid_type(name, &s.types.join(","), "null", errs);
        }
        enumeration(data, s, name, errs);
        return;
    }
    let (sch_type, format) = data_type(data);
    if !s.types.is_empty() || !s.format.is_empty() {
        let float_int = sch_type == "number"
            && data.as_f64().is_some_and(|f| f.fract() == 0.0)
            && has("integer");
        let int_float = sch_type == "integer" && has("number");
        let stringish = data.is_string() || data.is_array();
        let matches = has(sch_type) || float_int || int_float;
        let numeric = has("number") || has("integer");
        if !stringish && !s.format.is_empty() && !matches && format != s.format {
            invalid_type(name, &s.format, format, errs);
        } else if !numeric && !s.format.is_empty() && stringish {
            // A formatted string or list is not type-checked (kube-openapi validate/type.go).
        } else if !matches {
            invalid_type(name, &s.types.join(","), sch_type, errs);
        }
    }
    // kube-openapi's validator order: type, string, number, slice, enum, object.
    match data {
        Value::Number(_) => number(data, s, name, errs),
        Value::String(text) => string(data, text, s, name, errs),
        Value::Array(items) => {
            if let Some(item_schema) = s.items.as_deref() {
                for (i, item) in items.iter().enumerate() {
                    let old_item = correlated_item(item, s, old);
                    openapi(item, old_item, item_schema, &format!("{name}[{i}]"), errs);
                }
            }
            let size = items.len() as u64;
            if let Some(min) = s.min_items.filter(|m| size < *m) {
                let detail = format!("{name} in body should have at least {min} items");
                invalid(name, &json!(size), detail, errs);
            }
            if let Some(max) = s.max_items.filter(|m| size > *m) {
                let detail = format!(
                    "must have at most {max} {}",
                    if max == 1 { "item" } else { "items" }
                );
                errs.push(cause(
                    ErrType::TooMany,
                    &field_of(name),
                    Some(&json!(size)),
                    &detail,
                ));
            }
        }
        _ => {}
    }
    enumeration(data, s, name, errs);
    if let Value::Object(map) = data {
        object(map, old, s, name, errs);
    }
}

fn enumeration(data: &Value, s: &SchemaNode, name: &str, errs: &mut Vec<Cause>) {
    if s.enumeration.is_empty() || s.enumeration.iter().any(|e| same_value(e, data)) {
        return;
    }
    let allowed: Vec<String> = s
        .enumeration
        .iter()
        .map(|v| match v {
            Value::String(text) => gofmt::quote(text),
            other => gofmt::quote(&gofmt::json(other)),
        })
        .collect();
    let detail = format!("supported values: {}", allowed.join(", "));
    errs.push(cause(
        ErrType::NotSupported,
        &field_of(name),
        Some(data),
        &detail,
    ));
}

// kube-openapi converts the data to the enum value's Go type before comparing, so 1 equals 1.0.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn number(data: &Value, s: &SchemaNode, name: &str, errs: &mut Vec<Cause>) {
    let Some(v) = data.as_f64() else {
        return;
    };
    let integral = data.is_i64() || data.is_u64();
    // MaximumNativeType prints an integer bound for integer data, a float64 otherwise.
    let bound = |b: f64| {
        if integral {
            format!("{}", b as i64)
        } else {
            gofmt::float(b)
        }
    };
    if let Some(factor) = s.multiple_of.filter(|f| *f > 0.0) {
        let quotient = v / factor;
        if (quotient - quotient.round()).abs() > 1e-9 {
            let detail = format!(
                "{name} in body should be a multiple of {}",
                gofmt::float(factor)
            );
            invalid(name, data, detail, errs);
        }
    }
    if let Some(min) = s.minimum {
        let (fails, word) = if s.exclusive_minimum {
            (v <= min, "greater than")
        } else {
            (v < min, "greater than or equal to")
        };
        if fails {
            invalid(
                name,
                data,
                format!("{name} in body should be {word} {}", bound(min)),
                errs,
            );
        }
    }
    if let Some(max) = s.maximum {
        let (fails, word) = if s.exclusive_maximum {
            (v >= max, "less than")
        } else {
            (v > max, "less than or equal to")
        };
        if fails {
            invalid(
                name,
                data,
                format!("{name} in body should be {word} {}", bound(max)),
                errs,
            );
        }
    }
}

/// The string checks stop at the first failure (kube-openapi stringValidator).
fn string(data: &Value, text: &str, s: &SchemaNode, name: &str, errs: &mut Vec<Cause>) {
    let chars = text.chars().count() as u64;
    if let Some(max) = s.max_length.filter(|m| chars > *m) {
        // field.TooLong omits the value.
        let unit = if max == 1 { "byte" } else { "bytes" };
        let detail = format!("may not be more than {max} {unit}");
        errs.push(cause(ErrType::TooLong, &field_of(name), None, &detail));
        return;
    }
    if let Some(min) = s.min_length.filter(|m| chars < *m) {
        let detail = format!("{name} in body should be at least {min} chars long");
        invalid(name, data, detail, errs);
        return;
    }
    let mismatch = |p: &super::Pattern| p.compiled.as_ref().is_some_and(|re| !re.is_match(text));
    if let Some(pattern) = s.pattern.as_ref().filter(|p| mismatch(p)) {
        let detail = format!("{name} in body should match '{}'", pattern.source);
        invalid(name, data, detail, errs);
    }
}

fn object(
    map: &Map<String, Value>,
    old: Option<&Value>,
    s: &SchemaNode,
    name: &str,
    errs: &mut Vec<Cause>,
) {
    let count = map.len() as u64;
    if let Some(min) = s.min_properties.filter(|m| count < *m) {
        let detail = format!("{name} in body should have at least {min} properties");
        invalid(name, &json!(count), detail, errs);
    }
    if let Some(max) = s.max_properties.filter(|m| count > *m) {
        let detail = format!(
            "must have at most {max} {}",
            if max == 1 { "item" } else { "items" }
        );
        errs.push(cause(
            ErrType::TooMany,
            &field_of(name),
            Some(&json!(count)),
            &detail,
        ));
    }
    if let Some(Some(additional)) = &s.additional {
        for (k, v) in map {
            if s.property(k).is_none() {
                let old_v = old.and_then(|o| o.get(k));
                openapi(v, old_v, additional, &format!("{name}.{k}"), errs);
            }
        }
    }
    for (k, prop) in &s.properties {
        if let Some(v) = map.get(k) {
            let child = if name.is_empty() {
                k.clone()
            } else {
                format!("{name}.{k}")
            };
            openapi(v, old.and_then(|o| o.get(k)), prop, &child, errs);
        }
    }
    for k in &s.required {
        if !map.contains_key(k) {
            errs.push(cause(
                ErrType::Required,
                &field_of(&format!("{name}.{k}")),
                None,
                "",
            ));
        }
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Embedded resources must name their apiVersion and kind (objectmeta/validation.go); the
/// resource root is checked elsewhere, so the walk starts below it.
fn embedded(x: &Value, s: &SchemaNode, path: &str, errs: &mut Vec<Cause>) {
    match x {
        Value::Object(map) => {
            if s.embedded_resource && !path.is_empty() {
                for key in ["apiVersion", "kind"] {
                    match map.get(key) {
                        None => errs.push(cause(ErrType::Required, &child(path, key), None, "")),
                        Some(Value::String(v)) if v.is_empty() => errs.push(cause(
                            ErrType::Invalid,
                            &child(path, key),
                            Some(&json!("")),
                            "must not be empty",
                        )),
                        Some(Value::String(_)) => {}
                        Some(other) => errs.push(cause(
                            ErrType::Invalid,
                            &child(path, key),
                            Some(other),
                            "must be a string",
                        )),
                    }
                }
            }
            if s.embedded_resource
                && !path.is_empty()
                && let Some(meta) = map.get("metadata").filter(|m| m.is_object())
            {
                embedded_meta(meta, &child(path, "metadata"), errs);
            }
            for (k, v) in map {
                if let Some(prop) = s.property(k) {
                    embedded(v, prop, &child(path, k), errs);
                } else if let Some(Some(additional)) = &s.additional {
                    embedded(v, additional, &format!("{path}[{k}]"), errs);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.items.as_deref() {
                for (i, v) in items.iter().enumerate() {
                    embedded(v, item_schema, &format!("{path}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

/// The ObjectMeta checks an embedded resource gets (ValidateObjectMeta with path-segment
/// names; an empty name is allowed, the real code fills in a placeholder).
fn embedded_meta(meta: &Value, path: &str, errs: &mut Vec<Cause>) {
    let text = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or("");
    let name = text("name");
    if !name.is_empty() {
        for msg in crate::validation::validate_path_segment_name(name) {
            errs.push(cause(
                ErrType::Invalid,
                &format!("{path}.name"),
                Some(&json!(name)),
                &msg,
            ));
        }
    }
    let namespace = text("namespace");
    if !namespace.is_empty() {
        for msg in crate::validation::validate_dns1123_label(namespace) {
            let field = format!("{path}.namespace");
            errs.push(cause(
                ErrType::Invalid,
                &field,
                Some(&json!(namespace)),
                &msg,
            ));
        }
    }
    let labels = format!("{path}.labels");
    errs.extend(crate::validation::validate_labels(
        meta.get("labels"),
        &labels,
    ));
    let annotations = format!("{path}.annotations");
    errs.extend(crate::validation::validate_annotations(
        meta.get("annotations"),
        &annotations,
    ));
}

fn list_types_in_object(
    map: &Map<String, Value>,
    s: &SchemaNode,
    path: &str,
    errs: &mut Vec<Cause>,
) {
    if let Some(Some(additional)) = &s.additional {
        for (k, v) in map {
            list_types(v, additional, &format!("{path}[{k}]"), errs);
        }
    }
    for (k, v) in map {
        if let Some(prop) = s.property(k) {
            list_types(v, prop, &child(path, k), errs);
        }
    }
}

fn list_types(x: &Value, s: &SchemaNode, path: &str, errs: &mut Vec<Cause>) {
    match x {
        Value::Object(map) => list_types_in_object(map, s, path, errs),
        Value::Array(items) => {
            match s.list_type {
                Some(ListType::Set) => {
                    for i in non_unique(items) {
                        if let Some(item) = items.get(i) {
                            errs.push(cause(
                                ErrType::Duplicate,
                                &format!("{path}[{i}]"),
                                Some(item),
                                "",
                            ));
                        }
                    }
                }
                Some(ListType::Map) => list_map(items, s, path, errs),
                _ => {}
            }
            if let Some(item_schema) = s.items.as_deref() {
                for (i, item) in items.iter().enumerate() {
                    list_types(item, item_schema, &format!("{path}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

/// The index of each value's second appearance (listtype validateListSet). Go keys scalars by
/// their dynamic type too, so 1 and 1.0 differ; compounds compare by their JSON.
fn non_unique(items: &[Value]) -> Vec<usize> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = match item {
            Value::Number(n) if n.is_f64() => format!("f:{}", gofmt::json(item)),
            Value::Number(_) => format!("i:{}", gofmt::json(item)),
            _ => gofmt::json(item),
        };
        let times = seen.entry(key).or_insert(0);
        *times += 1;
        if *times == 2 {
            out.push(i);
        }
    }
    out
}

fn list_map(items: &[Value], s: &SchemaNode, path: &str, errs: &mut Vec<Cause>) {
    for (i, item) in items.iter().enumerate() {
        if !item.is_null() && !item.is_object() {
            let detail = "must be an object for an array of list-type map";
            errs.push(cause(
                ErrType::Invalid,
                &format!("{path}[{i}]"),
                Some(item),
                detail,
            ));
            return;
        }
    }
    if items.len() <= 1 {
        return;
    }
    // Each item's key: the present key fields. A single missing key is its own value, shown as
    // an empty object, distinct from any real key value.
    let single = s.list_map_keys.len() == 1;
    let keys: Vec<(Value, String)> = items
        .iter()
        .map(|item| {
            let mut key = Map::new();
            for field in &s.list_map_keys {
                if let Some(v) = item.get(field) {
                    key.insert(field.clone(), v.clone());
                }
            }
            let identity = if single && key.is_empty() {
                "<unspecified>".to_string()
            } else {
                gofmt::json(&Value::Object(key.clone()))
            };
            (Value::Object(key), identity)
        })
        .collect();
    let identities: Vec<Value> = keys
        .iter()
        .map(|(_, id)| Value::String(id.clone()))
        .collect();
    for i in non_unique(&identities) {
        if let Some((key, _)) = keys.get(i) {
            errs.push(cause(
                ErrType::Duplicate,
                &format!("{path}[{i}]"),
                Some(key),
                "",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::StructuralSchema;
    use crate::status::StatusError;
    use serde_json::json;

    fn schema(spec_props: serde_json::Value) -> StructuralSchema {
        StructuralSchema::new(json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": spec_props}}}))
    }

    fn messages(schema: &StructuralSchema, obj: serde_json::Value) -> Vec<String> {
        schema
            .validate(&obj)
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    // Expected texts are kube-openapi's errors/schema.go templates as apiextensions
    // validation.go turns them into field errors (apimachinery field/errors.go ErrorBody).
    #[test]
    fn type_errors_name_the_wrong_type() {
        let s = schema(
            json!({"replicas": {"type": "integer"}, "flag": {"type": "boolean"},
                               "ratio": {"type": "number"}}),
        );
        assert_eq!(
            messages(
                &s,
                json!({"spec": {"replicas": "3", "flag": 1, "ratio": 2}})
            ),
            [
                "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
                "spec.flag: Invalid value: \"integer\": spec.flag in body must be of type boolean: \"integer\"",
            ]
        );
        // Integral floats pass as integers (isFloatInt), nulls fail unless nullable.
        assert!(messages(&s, json!({"spec": {"replicas": 3.0}})).is_empty());
        assert_eq!(
            messages(&s, json!({"spec": {"replicas": null}})),
            [
                "spec.replicas: Invalid value: \"null\": spec.replicas in body must be of type integer: \"null\""
            ]
        );
        let causes = s.validate(&json!({"spec": {"replicas": "x"}}));
        assert_eq!(causes[0].reason, "FieldValueTypeInvalid");
        assert_eq!(
            StatusError::invalid("example.com", "Thing", "t", causes).message,
            "Thing.example.com \"t\" is invalid: spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""
        );
    }

    #[test]
    fn required_and_enum() {
        let s = StructuralSchema::new(
            json!({"type": "object", "required": ["spec"], "properties": {
            "spec": {"type": "object", "required": ["x"], "properties": {
                "x": {"type": "string"},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "level": {"type": "integer", "enum": [1, 2]}}}}}),
        );
        assert_eq!(messages(&s, json!({})), ["spec: Required value"]);
        assert_eq!(
            messages(&s, json!({"spec": {"mode": "c", "level": 3}})),
            [
                "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
                "spec.level: Unsupported value: 3: supported values: \"1\", \"2\"",
                "spec.x: Required value",
            ]
        );
        assert!(messages(&s, json!({"spec": {"x": "", "level": 2.0}})).is_empty());
    }

    #[test]
    fn numeric_bounds() {
        let s = schema(json!({
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
            "ratio": {"type": "number", "maximum": 1.5, "exclusiveMaximum": true},
            "step": {"type": "integer", "multipleOf": 5}}));
        assert_eq!(
            messages(
                &s,
                json!({"spec": {"replicas": 0, "ratio": 1.5, "step": 7}})
            ),
            [
                "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
                "spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5",
                "spec.step: Invalid value: 7: spec.step in body should be a multiple of 5",
            ]
        );
        assert_eq!(
            messages(&s, json!({"spec": {"replicas": 11}})),
            [
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"
            ]
        );
    }

    #[test]
    fn string_lengths_and_patterns() {
        let s = schema(
            json!({"name": {"type": "string", "minLength": 2, "maxLength": 4,
                                        "pattern": "^[a-z]+$"}}),
        );
        // Only the first failing string check is reported.
        assert_eq!(
            messages(&s, json!({"spec": {"name": "ABCDE"}})),
            ["spec.name: Too long: may not be more than 4 bytes"]
        );
        assert_eq!(
            messages(&s, json!({"spec": {"name": "ABC"}})),
            ["spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"]
        );
        assert_eq!(
            messages(&s, json!({"spec": {"name": "a"}})),
            ["spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long"]
        );
        let causes = s.validate(&json!({"spec": {"name": "abcdef"}}));
        assert_eq!(causes[0].reason, "FieldValueTooLong");
    }

    #[test]
    fn item_counts_and_nested_paths() {
        let s = schema(
            json!({"list": {"type": "array", "minItems": 2, "maxItems": 3,
            "items": {"type": "object", "properties": {"port": {"type": "integer"}}}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}}),
        );
        assert_eq!(
            messages(
                &s,
                json!({"spec": {"list": [{"port": "x"}], "labels": {"a": 1}}})
            ),
            [
                "spec.list[0].port: Invalid value: \"string\": spec.list[0].port in body must be of type integer: \"string\"",
                "spec.list: Invalid value: 1: spec.list in body should have at least 2 items",
                "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"",
            ]
        );
        assert_eq!(
            messages(&s, json!({"spec": {"list": [{}, {}, {}, {}]}})),
            ["spec.list: Too many: 4: must have at most 3 items"]
        );
    }

    #[test]
    fn int_or_string_and_format_mismatch() {
        let s = schema(json!({
            "port": {"x-kubernetes-int-or-string": true},
            "small": {"type": "integer", "format": "int32"}}));
        assert!(messages(&s, json!({"spec": {"port": 80}})).is_empty());
        assert!(messages(&s, json!({"spec": {"port": "http"}})).is_empty());
        assert_eq!(
            messages(&s, json!({"spec": {"port": true}})),
            [
                "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\""
            ]
        );
        // The real validator does not range-check int32; a wrong type with a format names it.
        assert!(messages(&s, json!({"spec": {"small": 5_000_000_000_i64}})).is_empty());
        assert_eq!(
            messages(&s, json!({"spec": {"small": true}})),
            ["spec.small: Invalid value: \"\": spec.small in body must be of type int32: \"\""]
        );
    }

    #[test]
    fn list_type_set_and_map_uniqueness() {
        // listtype/validation.go: only the second appearance is reported; map keys are shown
        // as the key object.
        let s = schema(json!({
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "ports": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "pairs": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["a", "b"],
                      "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}}}));
        assert_eq!(
            messages(
                &s,
                json!({"spec": {
                "tags": ["x", "y", "x", "x"],
                "ports": [{"name": "a"}, {"name": "a"}, {}, {}],
                "pairs": [{"a": "x", "b": 1}, {"b": 1, "a": "x"}]}})
            ),
            [
                "spec.tags[2]: Duplicate value: \"x\"",
                "spec.ports[1]: Duplicate value: {\"name\":\"a\"}",
                "spec.ports[3]: Duplicate value: {}",
                "spec.pairs[1]: Duplicate value: {\"a\":\"x\",\"b\":1}",
            ]
        );
        let s = schema(
            json!({"ports": {"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"], "items": {"x-kubernetes-int-or-string": true}}}),
        );
        assert_eq!(
            messages(&s, json!({"spec": {"ports": ["a"]}})),
            [
                "spec.ports[0]: Invalid value: \"a\": must be an object for an array of list-type map"
            ]
        );
    }

    #[test]
    fn updates_ratchet_errors_in_unchanged_values() {
        // apiextensions validation/ratcheting.go: an invalid value the update leaves alone is
        // accepted; a changed one is not. Map-list items correlate by key.
        let s = schema(json!({
            "a": {"type": "integer", "maximum": 5},
            "b": {"type": "integer", "maximum": 5},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer", "maximum": 100}}}}}));
        let old = json!({"spec": {"a": 9, "b": 1, "ports": [{"name": "x", "port": 500}]}});
        let new = json!({"spec": {"a": 9, "b": 7, "ports": [{"name": "y", "port": 1}, {"name": "x", "port": 500}]}});
        let causes: Vec<String> = s
            .validate_update(&new, &old)
            .iter()
            .map(|c| c.field.clone())
            .collect();
        assert_eq!(causes, ["spec.b"]);
        assert_eq!(s.validate(&new).len(), 3);
        assert!(s.validate_update(&old, &old).is_empty());
    }

    #[test]
    fn list_uniqueness_is_not_enforced_on_updates_of_objects_that_broke_it() {
        // customresource/strategy.go ValidateUpdate checks list types only if the old object
        // passed them.
        let s = schema(
            json!({"tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}),
        );
        let bad = json!({"spec": {"tags": ["a", "a"]}});
        assert!(s.validate_update(&bad, &bad).is_empty());
        assert_eq!(
            s.validate_update(&bad, &json!({"spec": {"tags": ["a"]}}))
                .len(),
            1
        );
    }

    #[test]
    fn embedded_resources_need_api_version_and_kind() {
        let s = schema(
            json!({"template": {"type": "object", "x-kubernetes-embedded-resource": true,
            "x-kubernetes-preserve-unknown-fields": true}}),
        );
        assert_eq!(
            messages(&s, json!({"spec": {"template": {"kind": ""}}})),
            [
                "spec.template.apiVersion: Required value",
                "spec.template.kind: Invalid value: \"\": must not be empty"
            ]
        );
        // Embedded metadata is validated like ObjectMeta.
        assert_eq!(
            messages(
                &s,
                json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "a/b", "labels": {"bad key!": "x"}}}}})
            ),
            [
                "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
                "spec.template.metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ]
        );
        // The resource root itself is not checked here.
        assert!(
            messages(
                &s,
                json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod"}}})
            )
            .is_empty()
        );
    }
}
