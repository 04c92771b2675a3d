//! Structural schemas of custom resources: pruning unknown fields, applying defaults and
//! validating values, the way apiextensions-apiserver does for a CRD version's
//! `schema.openAPIV3Schema`.
//!
//! The server runs the steps in the real order: [`StructuralSchema::prune`] when decoding a
//! request (it also coerces `metadata` and drops non-nullable nulls), then
//! [`StructuralSchema::apply_defaults`], then [`StructuralSchema::validate`]. Defaults are also
//! applied to objects read from storage.

mod defaults;
pub(crate) mod gofmt;
mod metadata;
mod prune;
mod validate;

use serde_json::{Map, Value};

use crate::status::StatusError;

/// Fields a prune removed, as apiextensions reports them: sorted paths such as `spec.foo`,
/// `spec.items[0].bar` or `metadata.foo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub pruned: Vec<String>,
    /// TypeMeta/ObjectMeta fields of the wrong JSON type (`metadata.labels` holding a number),
    /// which were dropped. The real request decoder fails such a body with a 400.
    pub invalid_metadata: Vec<String>,
}

impl PruneReport {
    /// The texts of the strict-decoding errors: `unknown field "spec.foo"`. With
    /// `fieldValidation=Warn` each becomes one `Warning: 299 - "<text>"` header.
    pub fn warnings(&self) -> Vec<String> {
        self.pruned
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .collect()
    }

    /// The 400 a `fieldValidation=Strict` request gets when anything was pruned:
    /// `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`
    /// (apimachinery runtime/error.go, strictDecodingError).
    pub fn strict_error(&self) -> Option<StatusError> {
        if self.pruned.is_empty() {
            return None;
        }
        let joined = self.warnings().join(", ");
        Some(StatusError::bad_request(format!(
            "strict decoding error: {joined}"
        )))
    }
}

/// `x-kubernetes-list-type`: how server-side apply merges and owns a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// Replaced and owned as a whole; the default for lists without a type.
    Atomic,
    /// Scalars merged by value.
    Set,
    /// Objects merged by `x-kubernetes-list-map-keys`.
    Map,
}

/// `x-kubernetes-map-type`: how server-side apply treats an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapType {
    Granular,
    Atomic,
}

/// One node of a structural schema. Fields are read tolerantly: a keyword of the wrong JSON
/// type is ignored, as the CRD's own validation would have rejected it already.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaNode {
    /// `type`; empty when absent. `x-kubernetes-int-or-string` makes it `integer,string`.
    types: Vec<String>,
    format: String,
    nullable: bool,
    default: Option<Value>,
    properties: Vec<(String, SchemaNode)>,
    /// `additionalProperties`: `None` when absent or false, `Some(None)` for `true`.
    additional: Option<Option<Box<SchemaNode>>>,
    items: Option<Box<SchemaNode>>,
    preserve_unknown: bool,
    embedded_resource: bool,
    int_or_string: bool,
    required: Vec<String>,
    enumeration: Vec<Value>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    multiple_of: Option<f64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<Pattern>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    list_type: Option<ListType>,
    list_map_keys: Vec<String>,
    map_type: Option<MapType>,
}

impl SchemaNode {
    fn parse(v: &Value) -> Self {
        let Some(m) = v.as_object() else {
            return Self::default();
        };
        let int_or_string = flag(m, "x-kubernetes-int-or-string");
        let mut types = Vec::new();
        if let Some(t) = m
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            types.push(t.to_string());
        }
        // apiextensions validation/validation.go ConvertJSONSchemaProps: int-or-string is
        // validated as the type union integer,string.
        if int_or_string {
            types = vec!["integer".into(), "string".into()];
        }
        let properties = m
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), Self::parse(v)))
                    .collect()
            })
            .unwrap_or_default();
        let additional = match m.get("additionalProperties") {
            Some(Value::Bool(true)) => Some(None),
            Some(v @ Value::Object(_)) => Some(Some(Box::new(Self::parse(v)))),
            _ => None,
        };
        let pattern = m.get("pattern").and_then(Value::as_str).map(|p| Pattern {
            // Go's regexp is RE2; the regex crate accepts the same syntax for CRD patterns.
            source: p.to_string(),
            compiled: regex::Regex::new(p).ok(),
        });
        Self {
            types,
            format: str_of(m, "format"),
            nullable: flag(m, "nullable"),
            default: m.get("default").filter(|d| !d.is_null()).cloned(),
            properties,
            additional,
            items: m
                .get("items")
                .filter(|i| i.is_object())
                .map(|i| Box::new(Self::parse(i))),
            preserve_unknown: flag(m, "x-kubernetes-preserve-unknown-fields"),
            embedded_resource: flag(m, "x-kubernetes-embedded-resource"),
            int_or_string,
            required: strings_of(m, "required"),
            enumeration: m
                .get("enum")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            minimum: m.get("minimum").and_then(Value::as_f64),
            maximum: m.get("maximum").and_then(Value::as_f64),
            exclusive_minimum: flag(m, "exclusiveMinimum"),
            exclusive_maximum: flag(m, "exclusiveMaximum"),
            multiple_of: m.get("multipleOf").and_then(Value::as_f64),
            min_length: m.get("minLength").and_then(Value::as_u64),
            max_length: m.get("maxLength").and_then(Value::as_u64),
            pattern,
            min_items: m.get("minItems").and_then(Value::as_u64),
            max_items: m.get("maxItems").and_then(Value::as_u64),
            min_properties: m.get("minProperties").and_then(Value::as_u64),
            max_properties: m.get("maxProperties").and_then(Value::as_u64),
            list_type: match m.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("atomic") => Some(ListType::Atomic),
                Some("set") => Some(ListType::Set),
                Some("map") => Some(ListType::Map),
                _ => None,
            },
            list_map_keys: strings_of(m, "x-kubernetes-list-map-keys"),
            map_type: match m.get("x-kubernetes-map-type").and_then(Value::as_str) {
                Some("atomic") => Some(MapType::Atomic),
                Some("granular") => Some(MapType::Granular),
                _ => None,
            },
        }
    }

    /// The schema of a declared property.
    pub fn property(&self, name: &str) -> Option<&SchemaNode> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, n)| n)
    }

    /// The schema of an object's field: its declared property, else `additionalProperties`.
    /// `None` also when `additionalProperties: true` gives no schema.
    pub fn field(&self, name: &str) -> Option<&SchemaNode> {
        self.property(name)
            .or_else(|| self.additional.as_ref().and_then(|a| a.as_deref()))
    }

    /// The schema of a list's items.
    pub fn items(&self) -> Option<&SchemaNode> {
        self.items.as_deref()
    }

    /// The declared `type`, empty when absent.
    pub fn type_name(&self) -> &str {
        self.types.first().map(String::as_str).unwrap_or("")
    }

    /// The list semantics for server-side apply; lists without the extension are atomic.
    pub fn list_type(&self) -> ListType {
        self.list_type.unwrap_or(ListType::Atomic)
    }

    /// `x-kubernetes-list-map-keys` of a `map` list.
    pub fn list_map_keys(&self) -> &[String] {
        &self.list_map_keys
    }

    /// `x-kubernetes-map-type`, granular unless declared atomic.
    pub fn map_type(&self) -> MapType {
        self.map_type.unwrap_or(MapType::Granular)
    }

    pub fn preserves_unknown_fields(&self) -> bool {
        self.preserve_unknown
    }

    pub fn is_embedded_resource(&self) -> bool {
        self.embedded_resource
    }

    pub fn is_int_or_string(&self) -> bool {
        self.int_or_string
    }

    pub fn default_value(&self) -> Option<&Value> {
        self.default.as_ref()
    }
}

/// A `pattern` with its compiled form; equal when the sources are.
#[derive(Debug, Clone)]
struct Pattern {
    source: String,
    compiled: Option<regex::Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

fn flag(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn str_of(m: &Map<String, Value>, key: &str) -> String {
    m.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn strings_of(m: &Map<String, Value>, key: &str) -> Vec<String> {
    m.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A CRD version's `openAPIV3Schema`, ready to prune, default and validate objects.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuralSchema {
    raw: Value,
    root: SchemaNode,
}

impl StructuralSchema {
    /// Reads `spec.versions[].schema.openAPIV3Schema`.
    pub fn new(open_api_v3_schema: Value) -> Self {
        let root = SchemaNode::parse(&open_api_v3_schema);
        Self {
            raw: open_api_v3_schema,
            root,
        }
    }

    /// The schema of a CRD version (an item of `spec.versions`), if it declares one.
    pub fn from_crd_version(version: &Value) -> Option<Self> {
        let schema = version.get("schema")?.get("openAPIV3Schema")?;
        schema.is_object().then(|| Self::new(schema.clone()))
    }

    /// The schema as the CRD declares it (for the OpenAPI document).
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The root node, to walk the schema (server-side apply reads list and map types here).
    pub fn root(&self) -> &SchemaNode {
        &self.root
    }

    /// The node at a path of field names; list items are stepped into with `[]`
    /// (`["spec", "ports", "[]", "name"]`).
    pub fn node_at(&self, path: &[&str]) -> Option<&SchemaNode> {
        let mut node = &self.root;
        for step in path {
            node = if *step == "[]" {
                node.items()?
            } else {
                node.field(step)?
            };
        }
        Some(node)
    }

    /// Drops the fields the schema does not know and reports them, as the CR decoder does on
    /// every create, update and patch (apiextensions customresource_handler.go
    /// unstructuredSchemaCoercer.apply): ObjectMeta coercion, pruning, then removal of
    /// non-nullable nulls that have no default.
    pub fn prune(&self, obj: &mut Value) -> PruneReport {
        let mut root_meta = metadata::Coerced::default();
        metadata::coerce_root(obj, &mut root_meta);
        root_meta.unknown.sort();
        let mut pruned = root_meta.unknown;
        pruned.extend(prune::prune_root(obj, &self.root));
        defaults::prune_non_nullable_nulls(obj, Some(&self.root));
        let mut embedded = metadata::Coerced::default();
        metadata::coerce_embedded(obj, &self.root, &mut embedded);
        pruned.extend(embedded.unknown);
        let mut invalid_metadata = root_meta.invalid;
        invalid_metadata.extend(embedded.invalid);
        invalid_metadata.sort();
        PruneReport {
            pruned,
            invalid_metadata,
        }
    }

    /// Fills in `default` values (apiextensions schema/defaulting/algorithm.go).
    pub fn apply_defaults(&self, obj: &mut Value) {
        defaults::apply(obj, &self.root);
    }

    /// Validates a (pruned and defaulted) object against the schema, returning the 422 causes
    /// in the real server's form. The server wraps them with [`StatusError::invalid`].
    pub fn validate(&self, obj: &Value) -> Vec<crate::status::Cause> {
        validate::validate(obj, &self.root)
    }

    /// Validates an update: like [`Self::validate`], but errors in values the update left
    /// unchanged are ratcheted away, as the 1.32 server does by default.
    pub fn validate_update(&self, new: &Value, old: &Value) -> Vec<crate::status::Cause> {
        validate::validate_update(new, old, &self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_error_and_warnings_use_the_decoder_wording() {
        // apiextensions customresource_handler.go: `unknown field "%s"` joined by the
        // strict decoding error of apimachinery runtime/error.go.
        let report = PruneReport {
            pruned: vec!["spec.bar".into(), "spec.foo".into()],
            invalid_metadata: Vec::new(),
        };
        let err = report.strict_error().expect("pruned fields give an error");
        assert_eq!(err.code, 400);
        assert_eq!(err.reason, "BadRequest");
        assert_eq!(
            err.message,
            "strict decoding error: unknown field \"spec.bar\", unknown field \"spec.foo\""
        );
        assert_eq!(report.warnings()[1], "unknown field \"spec.foo\"");
        assert!(PruneReport::default().strict_error().is_none());
    }

    #[test]
    fn reads_the_schema_of_a_crd_version() {
        let version = json!({"name": "v1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": {"type": "object"}}});
        let schema = StructuralSchema::from_crd_version(&version).expect("schema");
        assert_eq!(schema.raw(), &json!({"type": "object"}));
        assert!(StructuralSchema::from_crd_version(&json!({"name": "v1"})).is_none());
    }

    #[test]
    fn list_and_map_types_are_exposed_per_path() {
        // x-kubernetes-list-type defaults to atomic (structured-merge-diff schema/elements.go).
        let schema = StructuralSchema::new(json!({
            "type": "object",
            "properties": {"spec": {"type": "object", "properties": {
                "ports": {"type": "array", "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["port", "protocol"],
                          "items": {"type": "object", "properties": {"port": {"type": "integer"}}}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "selector": {"type": "object", "x-kubernetes-map-type": "atomic",
                             "additionalProperties": {"type": "string"}}
            }}}
        }));
        let ports = schema.node_at(&["spec", "ports"]).expect("ports");
        assert_eq!(ports.list_type(), ListType::Map);
        assert_eq!(ports.list_map_keys(), ["port", "protocol"]);
        assert_eq!(
            schema
                .node_at(&["spec", "ports", "[]", "port"])
                .map(|n| n.type_name()),
            Some("integer")
        );
        assert_eq!(
            schema.node_at(&["spec", "tags"]).map(|n| n.list_type()),
            Some(ListType::Atomic)
        );
        let selector = schema.node_at(&["spec", "selector"]).expect("selector");
        assert_eq!(selector.map_type(), MapType::Atomic);
        assert_eq!(
            schema
                .node_at(&["spec", "selector", "app"])
                .map(|n| n.type_name()),
            Some("string")
        );
        assert!(schema.node_at(&["spec", "nope"]).is_none());
    }
}
