//! OpenAPI v3 documents per group-version, as `/openapi/v3/<api/v1 | apis/g/v>` serves them,
//! and the `/openapi/v3` index.
//!
//! kubectl and Helm need these to validate on the server: before each write they look for the
//! PATCH operation tagged with the object's `x-kubernetes-group-version-kind` and check that it
//! takes the `fieldValidation` query parameter (cli-runtime
//! pkg/resource/query_param_verifier_v3.go). Each document therefore carries every operation
//! of every kind with its parameters. Built-in kinds get an open object schema; custom
//! resources get their CRD schema with TypeMeta and ObjectMeta added the way
//! apiextensions-apiserver's OpenAPI builder does (pkg/controller/openapi/builder/builder.go).
//!
//! `application/strategic-merge-patch+json` is deliberately absent from PATCH request bodies:
//! when it is listed, kubectl computes strategic patches from these schemas, which lack the
//! `x-kubernetes-patch-merge-key` of the full upstream ones. Without it kubectl falls back to
//! its compiled-in types (kubectl pkg/cmd/apply/patcher.go).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{
    gvk::{GroupVersion, GroupVersionKind},
    resource::{ResourceInfo, Scope},
};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LIST_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
const WATCH_EVENT: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";

/// The request content types of every PATCH operation (see the module note on strategic merge).
const PATCH_CONTENT_TYPES: [&str; 3] = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
];

/// Subresources the server streams or proxies, which OpenAPI tags as `connect`.
const CONNECT_SUBRESOURCES: [&str; 5] = ["log", "exec", "attach", "portforward", "proxy"];

/// The `/openapi/v3` index: document path (`api/v1`, `apis/apps/v1`) → content hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenApiIndex {
    hashes: BTreeMap<String, String>,
}

impl OpenApiIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a group-version's document and returns its hash.
    pub fn insert(&mut self, gv: &GroupVersion, document: &Value) -> String {
        let hash = content_hash(document);
        self.hashes.insert(document_path(gv), hash.clone());
        hash
    }

    /// The hash of a served document, by its path (`apis/apps/v1`).
    pub fn hash(&self, path: &str) -> Option<&str> {
        self.hashes.get(path).map(String::as_str)
    }

    /// `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=H"}, ...}}`, the shape
    /// client-go's openapi client reads (client-go openapi/client.go).
    pub fn to_json(&self) -> Value {
        let paths: Map<String, Value> = self
            .hashes
            .iter()
            .map(|(path, hash)| {
                let url = format!("/openapi/v3/{path}?hash={hash}");
                (path.clone(), json!({ "serverRelativeURL": url }))
            })
            .collect();
        json!({ "paths": paths })
    }
}

/// Where a group-version's document is served below `/openapi/v3/`: `api/v1` or `apis/g/v`.
pub fn document_path(gv: &GroupVersion) -> String {
    gv.url_prefix().trim_start_matches('/').to_string()
}

/// A stable hash of a document's JSON text: 128-bit FNV-1a in upper-case hex. The real server
/// uses SHA-512; clients only compare the value, so any stable digest serves (the hash only
/// busts their cache when the document changes).
pub fn content_hash(document: &Value) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let text = serde_json::to_string(document).unwrap_or_default();
    let hash = text
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    format!("{hash:032X}")
}

/// The OpenAPI v3 document of one group-version. `schemas` maps a kind to its CRD version's
/// `openAPIV3Schema`; a kind with a schema is published as a custom resource, one without as
/// a built-in with an open object schema.
pub fn openapi_document(
    gv: &GroupVersion,
    resources: &[ResourceInfo],
    schemas: &BTreeMap<String, Value>,
) -> Value {
    let mut paths = Map::new();
    let mut components = shared_components();
    for info in resources
        .iter()
        .filter(|r| r.group == gv.group && r.version == gv.version)
    {
        let schema = schemas.get(&info.kind);
        let names = Names::new(info, schema.is_some());
        let kind_schema = match schema {
            Some(s) => crd_kind_schema(info, s),
            None => builtin_kind_schema(info),
        };
        components.insert(names.model.clone(), kind_schema);
        components.insert(names.list_model.clone(), list_schema(info, &names.model));
        add_paths(&mut paths, info, &names, schema.is_some());
    }
    json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": "v1.32.0" },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "description": "Bearer Token authentication",
                    "name": "authorization",
                    "in": "header"
                }
            }
        }
    })
}

/// Component and operation names of one resource.
struct Names {
    /// `io.k8s.api.apps.v1.Deployment`, `com.example.v1.Widget`.
    model: String,
    list_model: String,
    /// The operationId infix: `AppsV1` for built-ins, empty for custom resources.
    group_version: String,
}

impl Names {
    fn new(info: &ResourceInfo, custom: bool) -> Self {
        let prefix = model_prefix(&info.group, custom);
        let group_version = if custom {
            String::new()
        } else {
            let group = if info.group.is_empty() {
                "core"
            } else {
                info.group.trim_end_matches(".k8s.io")
            };
            let group: String = group.split('.').map(title).collect();
            format!("{group}{}", title(&info.version))
        };
        Self {
            model: format!("{prefix}.{}.{}", info.version, info.kind),
            list_model: format!("{prefix}.{}.{}", info.version, info.list_kind),
            group_version,
        }
    }
}

/// The Go package a kind's model name comes from: `io.k8s.api.core` for core types, the
/// reversed group for custom resources (builder.go gvkToModelName).
fn model_prefix(group: &str, custom: bool) -> String {
    if custom {
        let mut parts: Vec<&str> = group.split('.').collect();
        parts.reverse();
        return parts.join(".");
    }
    match group {
        "" => "io.k8s.api.core".into(),
        "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions".into(),
        "apiregistration.k8s.io" => "io.k8s.kube-aggregator.pkg.apis.apiregistration".into(),
        g => {
            let first = g.split('.').next().unwrap_or(g);
            format!("io.k8s.api.{first}")
        }
    }
}

fn title(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn reference(model: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{model}") })
}

fn gvk_extension(gvk: &GroupVersionKind) -> Value {
    json!({ "group": gvk.group, "kind": gvk.kind, "version": gvk.version })
}

/// TypeMeta properties as the real documents describe them.
fn api_version_property() -> Value {
    json!({
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
    })
}

fn kind_property() -> Value {
    json!({
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
    })
}

fn metadata_property() -> Value {
    json!({
        "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        "default": {},
        "allOf": [reference(OBJECT_META)]
    })
}

fn builtin_kind_schema(info: &ResourceInfo) -> Value {
    json!({
        "description": format!("{} of {}.", info.kind, info.api_version()),
        "type": "object",
        "properties": {
            "apiVersion": api_version_property(),
            "kind": kind_property(),
            "metadata": metadata_property()
        },
        "x-kubernetes-group-version-kind": [gvk_extension(&info.gvk())]
    })
}

/// The CRD schema with TypeMeta and ObjectMeta at the root and in embedded resources
/// (builder.go buildKubeNative and addEmbeddedProperties).
fn crd_kind_schema(info: &ResourceInfo, schema: &Value) -> Value {
    let mut out = match schema {
        Value::Object(_) => schema.clone(),
        _ => json!({ "type": "object" }),
    };
    add_embedded_properties(&mut out);
    if let Some(map) = out.as_object_mut() {
        let props = map.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props.insert("metadata".into(), metadata_property());
            props.insert("apiVersion".into(), api_version_property());
            props.insert("kind".into(), kind_property());
        }
        map.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([gvk_extension(&info.gvk())]),
        );
    }
    out
}

fn add_embedded_properties(s: &mut Value) {
    let Some(map) = s.as_object_mut() else {
        return;
    };
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        props.values_mut().for_each(add_embedded_properties);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            add_embedded_properties(child);
        }
    }
    if map.get("x-kubernetes-embedded-resource") != Some(&Value::Bool(true)) {
        return;
    }
    let props = map.entry("properties").or_insert_with(|| json!({}));
    if let Some(props) = props.as_object_mut() {
        props.insert("apiVersion".into(), api_version_property());
        props.insert("kind".into(), kind_property());
        props.insert("metadata".into(), metadata_property());
    }
    let required = map.entry("required").or_insert_with(|| json!([]));
    if let Some(required) = required.as_array_mut() {
        for field in ["kind", "apiVersion"] {
            if !required.iter().any(|r| r == field) {
                required.push(json!(field));
            }
        }
    }
}

fn list_schema(info: &ResourceInfo, item_model: &str) -> Value {
    let list_gvk = GroupVersionKind::new(
        info.group.clone(),
        info.version.clone(),
        info.list_kind.clone(),
    );
    json!({
        "description": format!("{} is a list of {}", info.list_kind, info.kind),
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": api_version_property(),
            "items": { "type": "array", "items": reference(item_model) },
            "kind": kind_property(),
            "metadata": {
                "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
                "default": {},
                "allOf": [reference(LIST_META)]
            }
        },
        "x-kubernetes-group-version-kind": [gvk_extension(&list_gvk)]
    })
}

/// The meta/v1 types every document refers to. ObjectMeta is described field by field so
/// `kubectl explain <kind>.metadata` works; the rest are open objects.
fn shared_components() -> Map<String, Value> {
    let string = json!({ "type": "string" });
    let string_map =
        json!({ "type": "object", "additionalProperties": { "type": "string", "default": "" } });
    let mut out = Map::new();
    out.insert(
        OBJECT_META.into(),
        json!({
            "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
            "type": "object",
            "properties": {
                "annotations": string_map,
                "creationTimestamp": { "type": "string", "format": "date-time" },
                "deletionGracePeriodSeconds": { "type": "integer", "format": "int64" },
                "deletionTimestamp": { "type": "string", "format": "date-time" },
                "finalizers": { "type": "array", "items": { "type": "string", "default": "" }, "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" },
                "generateName": string,
                "generation": { "type": "integer", "format": "int64" },
                "labels": string_map,
                "managedFields": { "type": "array", "items": { "type": "object" }, "x-kubernetes-list-type": "atomic" },
                "name": string,
                "namespace": string,
                "ownerReferences": { "type": "array", "items": { "type": "object" }, "x-kubernetes-list-map-keys": ["uid"], "x-kubernetes-list-type": "map", "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge" },
                "resourceVersion": string,
                "selfLink": string,
                "uid": string
            }
        }),
    );
    out.insert(
        LIST_META.into(),
        json!({
            "description": "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
            "type": "object",
            "properties": {
                "continue": string,
                "remainingItemCount": { "type": "integer", "format": "int64" },
                "resourceVersion": string,
                "selfLink": string
            }
        }),
    );
    for (model, kind, description) in [
        (
            STATUS,
            "Status",
            "Status is a return value for calls that don't return other objects.",
        ),
        (
            DELETE_OPTIONS,
            "DeleteOptions",
            "DeleteOptions may be provided when deleting an API object.",
        ),
        (
            WATCH_EVENT,
            "WatchEvent",
            "Event represents a single event to a watched resource.",
        ),
    ] {
        out.insert(
            model.into(),
            json!({
                "description": description,
                "type": "object",
                "x-kubernetes-group-version-kind": [{ "group": "", "kind": kind, "version": "v1" }]
            }),
        );
    }
    out.insert(
        PATCH.into(),
        json!({
            "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
            "type": "object"
        }),
    );
    out.insert(
        "io.k8s.api.autoscaling.v1.Scale".into(),
        json!({
            "description": "Scale represents a scaling request for a resource.",
            "type": "object",
            "x-kubernetes-group-version-kind": [{ "group": "autoscaling", "kind": "Scale", "version": "v1" }]
        }),
    );
    out
}

/// A query parameter as kube-openapi writes it.
fn query(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "query",
        "description": description,
        "schema": { "type": kind, "uniqueItems": true }
    })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "description": description,
        "required": true,
        "schema": { "type": "string", "uniqueItems": true }
    })
}

fn pretty() -> Value {
    query(
        "pretty",
        "string",
        "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
    )
}

fn dry_run() -> Value {
    query(
        "dryRun",
        "string",
        "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
    )
}

fn field_manager() -> Value {
    query(
        "fieldManager",
        "string",
        "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
    )
}

fn field_validation() -> Value {
    query(
        "fieldValidation",
        "string",
        "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
    )
}

fn force() -> Value {
    query(
        "force",
        "boolean",
        "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.",
    )
}

fn write_params() -> Vec<Value> {
    vec![dry_run(), field_manager(), field_validation()]
}

fn list_params() -> Vec<Value> {
    vec![
        query(
            "allowWatchBookmarks",
            "boolean",
            "allowWatchBookmarks requests watch events with type \"BOOKMARK\".",
        ),
        query(
            "continue",
            "string",
            "The continue option should be set when retrieving more results from the server.",
        ),
        query(
            "fieldSelector",
            "string",
            "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
        ),
        query(
            "labelSelector",
            "string",
            "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
        ),
        query(
            "limit",
            "integer",
            "limit is a maximum number of responses to return for a list call.",
        ),
        query(
            "resourceVersion",
            "string",
            "resourceVersion sets a constraint on what resource versions a request may be served from.",
        ),
        query(
            "resourceVersionMatch",
            "string",
            "resourceVersionMatch determines how resourceVersion is applied to list calls.",
        ),
        query(
            "sendInitialEvents",
            "boolean",
            "`sendInitialEvents=true` may be set together with `watch=true`.",
        ),
        query(
            "timeoutSeconds",
            "integer",
            "Timeout for the list/watch call.",
        ),
        query(
            "watch",
            "boolean",
            "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.",
        ),
    ]
}

fn delete_params() -> Vec<Value> {
    vec![
        dry_run(),
        query(
            "gracePeriodSeconds",
            "integer",
            "The duration in seconds before the object should be deleted.",
        ),
        query(
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            "boolean",
            "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.",
        ),
        query(
            "orphanDependents",
            "boolean",
            "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.",
        ),
        query(
            "propagationPolicy",
            "string",
            "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'.",
        ),
    ]
}

fn content(model: &str, types: &[&str]) -> Value {
    let map: Map<String, Value> = types
        .iter()
        .map(|t| (t.to_string(), json!({ "schema": reference(model) })))
        .collect();
    Value::Object(map)
}

const RESPONSE_TYPES: [&str; 2] = ["application/json", "application/yaml"];

fn responses(codes: &[(&str, &str)], model: &str) -> Value {
    let mut out = Map::new();
    for (code, description) in codes {
        out.insert(
            code.to_string(),
            json!({ "description": description, "content": content(model, &RESPONSE_TYPES) }),
        );
    }
    out.insert("401".into(), json!({ "description": "Unauthorized" }));
    Value::Object(out)
}

/// One operation: what kubectl reads is `parameters`, `requestBody` and the two extensions.
struct Op<'a> {
    id: String,
    description: String,
    action: &'a str,
    gvk: GroupVersionKind,
    parameters: Vec<Value>,
    body: Option<Value>,
    responses: Value,
}

impl Op<'_> {
    fn into_json(self) -> Value {
        let mut op = Map::new();
        op.insert("description".into(), json!(self.description));
        op.insert("operationId".into(), json!(self.id));
        if !self.parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(self.parameters));
        }
        if let Some(body) = self.body {
            op.insert("requestBody".into(), body);
        }
        op.insert("responses".into(), self.responses);
        op.insert("x-kubernetes-action".into(), json!(self.action));
        op.insert(
            "x-kubernetes-group-version-kind".into(),
            gvk_extension(&self.gvk),
        );
        Value::Object(op)
    }
}

fn add_paths(paths: &mut Map<String, Value>, info: &ResourceInfo, names: &Names, custom: bool) {
    let gv = info.group_version();
    let prefix = gv.url_prefix();
    let namespaced = info.scope == Scope::Namespaced;
    let scope_word = if namespaced { "Namespaced" } else { "" };
    let kind = &info.kind;
    let gvk = info.gvk();
    let gvi = &names.group_version;
    let has = |verb: &str| info.verbs.iter().any(|v| v == verb);
    let base = if namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}", info.plural)
    } else {
        format!("{prefix}/{}", info.plural)
    };
    let mut scope_params = Vec::new();
    if namespaced {
        scope_params.push(path_param(
            "namespace",
            "object name and auth scope, such as for teams and projects",
        ));
    }
    let name_param = path_param("name", &format!("name of the {kind}"));
    // The CRD builder words its list operations without the watch (builder.go descriptionFor).
    let list_description = if custom {
        format!("list objects of kind {kind}")
    } else {
        format!("list or watch objects of kind {kind}")
    };

    // The collection: list, create, deletecollection.
    let mut collection = Map::new();
    if has("list") {
        let op = Op {
            id: format!("list{gvi}{scope_word}{kind}"),
            description: list_description.clone(),
            action: "list",
            gvk: gvk.clone(),
            parameters: list_params(),
            body: None,
            responses: responses(&[("200", "OK")], &names.list_model),
        };
        collection.insert("get".into(), op.into_json());
    }
    if has("create") {
        let op = Op {
            id: format!("create{gvi}{scope_word}{kind}"),
            description: format!("create {}", with_article(kind)),
            action: "post",
            gvk: gvk.clone(),
            parameters: write_params(),
            body: Some(json!({ "content": content(&names.model, &["*/*"]), "required": true })),
            responses: responses(
                &[("200", "OK"), ("201", "Created"), ("202", "Accepted")],
                &names.model,
            ),
        };
        collection.insert("post".into(), op.into_json());
    }
    if has("deletecollection") {
        let mut parameters = delete_params();
        parameters.extend(
            list_params()
                .into_iter()
                .filter(|p| p["name"] != "allowWatchBookmarks" && p["name"] != "watch"),
        );
        let op = Op {
            id: format!("deletecollection{gvi}{scope_word}{kind}"),
            description: format!("delete collection of {kind}"),
            action: "deletecollection",
            gvk: gvk.clone(),
            parameters,
            body: Some(json!({ "content": content(DELETE_OPTIONS, &["*/*"]) })),
            responses: responses(&[("200", "OK")], STATUS),
        };
        collection.insert("delete".into(), op.into_json());
    }
    if !collection.is_empty() {
        let mut params = scope_params.clone();
        params.push(pretty());
        collection.insert("parameters".into(), Value::Array(params));
        paths.insert(base.clone(), Value::Object(collection));
    }

    // The item: read, replace, patch, delete.
    let mut item = Map::new();
    item_ops(
        &mut item,
        info,
        &names.model,
        &format!("{gvi}{scope_word}{kind}"),
        &gvk,
        None,
    );
    if !item.is_empty() {
        let mut params = vec![name_param.clone()];
        params.extend(scope_params.clone());
        params.push(pretty());
        item.insert("parameters".into(), Value::Array(params));
        paths.insert(format!("{base}/{{name}}"), Value::Object(item));
    }

    // Subresources share the item's operations with their own kind.
    for sub in &info.subresources {
        let mut ops = Map::new();
        let model = if sub.name == "scale" {
            "io.k8s.api.autoscaling.v1.Scale".to_string()
        } else {
            names.model.clone()
        };
        let id = format!("{gvi}{scope_word}{kind}{}", title(&sub.name));
        let sub_info = ResourceInfo {
            verbs: sub.verbs.clone(),
            ..info.clone()
        };
        item_ops(&mut ops, &sub_info, &model, &id, &sub.kind, Some(&sub.name));
        if ops.is_empty() {
            continue;
        }
        let mut params = vec![name_param.clone()];
        params.extend(scope_params.clone());
        params.push(pretty());
        ops.insert("parameters".into(), Value::Array(params));
        paths.insert(format!("{base}/{{name}}/{}", sub.name), Value::Object(ops));
    }

    // Listing across namespaces, and the watch paths built-in documents also carry.
    if namespaced && has("list") {
        let op = Op {
            id: format!("list{gvi}{kind}ForAllNamespaces"),
            description: list_description.clone(),
            action: "list",
            gvk: gvk.clone(),
            parameters: Vec::new(),
            body: None,
            responses: responses(&[("200", "OK")], &names.list_model),
        };
        let mut params = list_params();
        params.push(pretty());
        paths.insert(
            format!("{prefix}/{}", info.plural),
            json!({ "get": op.into_json(), "parameters": params }),
        );
    }
    if !custom && has("watch") {
        let watch_base = if namespaced {
            format!("{prefix}/watch/namespaces/{{namespace}}/{}", info.plural)
        } else {
            format!("{prefix}/watch/{}", info.plural)
        };
        let watch = |id: String, action: &str, description: String| {
            Op {
                id,
                description,
                action,
                gvk: gvk.clone(),
                parameters: Vec::new(),
                body: None,
                responses: responses(&[("200", "OK")], WATCH_EVENT),
            }
            .into_json()
        };
        let mut list_level = list_params();
        list_level.push(pretty());
        let mut params = scope_params.clone();
        params.extend(list_level.clone());
        paths.insert(
            watch_base.clone(),
            json!({
                "get": watch(format!("watch{gvi}{scope_word}{kind}List"), "watchlist", format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead.")),
                "parameters": params
            }),
        );
        let mut params = vec![name_param.clone()];
        params.extend(scope_params.clone());
        params.extend(list_level.clone());
        paths.insert(
            format!("{watch_base}/{{name}}"),
            json!({
                "get": watch(format!("watch{gvi}{scope_word}{kind}"), "watch", format!("watch changes to an object of kind {kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.")),
                "parameters": params
            }),
        );
        if namespaced {
            paths.insert(
                format!("{prefix}/watch/{}", info.plural),
                json!({
                    "get": watch(format!("watch{gvi}{kind}ListForAllNamespaces"), "watchlist", format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead.")),
                    "parameters": list_level
                }),
            );
        }
    }
}

/// get/put/patch/delete on an item or a subresource (`sub`), per the verbs it serves.
fn item_ops(
    out: &mut Map<String, Value>,
    info: &ResourceInfo,
    model: &str,
    id_suffix: &str,
    gvk: &GroupVersionKind,
    sub: Option<&str>,
) {
    let has = |verb: &str| info.verbs.iter().any(|v| v == verb);
    let kind = &info.kind;
    let of = sub.map(|s| format!(" {s} of")).unwrap_or_default();
    let connect = sub.is_some_and(|s| CONNECT_SUBRESOURCES.contains(&s));
    if has("get") {
        let op = Op {
            id: format!("{}{id_suffix}", if connect { "connectGet" } else { "read" }),
            description: format!("read{of} the specified {kind}"),
            action: if connect { "connect" } else { "get" },
            gvk: gvk.clone(),
            parameters: Vec::new(),
            body: None,
            responses: responses(&[("200", "OK")], model),
        };
        out.insert("get".into(), op.into_json());
    }
    if has("update") {
        let op = Op {
            id: format!("replace{id_suffix}"),
            description: format!("replace{of} the specified {kind}"),
            action: "put",
            gvk: gvk.clone(),
            parameters: write_params(),
            body: Some(json!({ "content": content(model, &["*/*"]), "required": true })),
            responses: responses(&[("200", "OK"), ("201", "Created")], model),
        };
        out.insert("put".into(), op.into_json());
    }
    if has("patch") {
        let mut parameters = write_params();
        parameters.push(force());
        let op = Op {
            id: format!("patch{id_suffix}"),
            description: format!("partially update{of} the specified {kind}"),
            action: "patch",
            gvk: gvk.clone(),
            parameters,
            body: Some(
                json!({ "content": content(PATCH, &PATCH_CONTENT_TYPES), "required": true }),
            ),
            responses: responses(&[("200", "OK"), ("201", "Created")], model),
        };
        out.insert("patch".into(), op.into_json());
    }
    if has("delete") && sub.is_none() {
        let op = Op {
            id: format!("delete{id_suffix}"),
            description: format!("delete {}", with_article(kind)),
            action: "delete",
            gvk: gvk.clone(),
            parameters: delete_params(),
            body: Some(json!({ "content": content(DELETE_OPTIONS, &["*/*"]) })),
            responses: responses(&[("200", "OK"), ("202", "Accepted")], model),
        };
        out.insert("delete".into(), op.into_json());
    }
    if has("create") && sub.is_some() {
        let op = Op {
            id: format!(
                "{}{id_suffix}",
                if connect { "connectPost" } else { "create" }
            ),
            description: format!("create{of} {}", with_article(kind)),
            action: if connect { "connect" } else { "post" },
            gvk: gvk.clone(),
            parameters: write_params(),
            body: Some(json!({ "content": content(model, &["*/*"]), "required": true })),
            responses: responses(
                &[("200", "OK"), ("201", "Created"), ("202", "Accepted")],
                model,
            ),
        };
        out.insert("post".into(), op.into_json());
    }
}

/// apiserver endpoints.GetArticleForNoun: "an" before a vowel.
fn with_article(noun: &str) -> String {
    let vowel = noun
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps() -> (GroupVersion, Vec<ResourceInfo>) {
        let gv = GroupVersion::new("apps", "v1");
        let deploy = ResourceInfo::new(&gv, "Deployment", "deployments", Scope::Namespaced)
            .with_status()
            .with_scale();
        let rev = ResourceInfo::new(
            &gv,
            "ControllerRevision",
            "controllerrevisions",
            Scope::Namespaced,
        );
        (gv, vec![deploy, rev])
    }

    /// cli-runtime query_param_verifier_v3.go supportsQueryParamV3, restated: the first PATCH
    /// operation whose extension names the GVK decides, and it must take the parameter in the
    /// query (directly or through `#/parameters/...`).
    fn supports_query_param(
        doc: &Value,
        gvk: &GroupVersionKind,
        param: &str,
    ) -> Result<(), String> {
        let paths = doc["paths"]
            .as_object()
            .ok_or("Invalid OpenAPI V3 document")?;
        for item in paths.values() {
            let Some(op) = item.get("patch") else {
                continue;
            };
            let ext = &op["x-kubernetes-group-version-kind"];
            if ext["group"] != gvk.group || ext["version"] != gvk.version || ext["kind"] != gvk.kind
            {
                continue;
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params
                .iter()
                .any(|p| p["name"] == param && p["in"] == "query")
            {
                return Ok(());
            }
            return Err(format!("{gvk} does not support {param}"));
        }
        Err(format!("Path not found for GVK ({gvk}) in OpenAPI V3 doc"))
    }

    #[test]
    fn every_kind_passes_kubectls_field_validation_check() {
        let (gv, resources) = apps();
        let doc = openapi_document(&gv, &resources, &BTreeMap::new());
        for info in &resources {
            assert_eq!(
                supports_query_param(&doc, &info.gvk(), "fieldValidation"),
                Ok(())
            );
        }
        assert!(
            supports_query_param(
                &doc,
                &GroupVersionKind::new("apps", "v1", "DaemonSet"),
                "fieldValidation"
            )
            .is_err()
        );
    }

    #[test]
    fn namespaced_paths_carry_all_operations() {
        let (gv, resources) = apps();
        let doc = openapi_document(&gv, &resources, &BTreeMap::new());
        let paths = &doc["paths"];
        let item = &paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        for (method, action) in [
            ("get", "get"),
            ("put", "put"),
            ("patch", "patch"),
            ("delete", "delete"),
        ] {
            assert_eq!(item[method]["x-kubernetes-action"], action, "{method}");
        }
        assert_eq!(
            item["patch"]["operationId"],
            "patchAppsV1NamespacedDeployment"
        );
        let names: Vec<&str> = item["patch"]["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            ["dryRun", "fieldManager", "fieldValidation", "force"]
        );
        let content = item["patch"]["requestBody"]["content"]
            .as_object()
            .expect("content");
        assert!(!content.contains_key("application/strategic-merge-patch+json"));
        assert!(content.contains_key("application/apply-patch+yaml"));
        let collection = &paths["/apis/apps/v1/namespaces/{namespace}/deployments"];
        assert_eq!(collection["get"]["x-kubernetes-action"], "list");
        assert_eq!(collection["post"]["x-kubernetes-action"], "post");
        assert_eq!(
            collection["delete"]["x-kubernetes-action"],
            "deletecollection"
        );
        assert_eq!(
            paths["/apis/apps/v1/deployments"]["get"]["operationId"],
            "listAppsV1DeploymentForAllNamespaces"
        );
        assert_eq!(
            paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}"]["get"]["x-kubernetes-action"],
            "watch"
        );
        assert_eq!(
            paths["/apis/apps/v1/watch/deployments"]["get"]["x-kubernetes-action"],
            "watchlist"
        );
        let status = &paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"];
        assert_eq!(
            status["patch"]["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert_eq!(
            status["patch"]["operationId"],
            "patchAppsV1NamespacedDeploymentStatus"
        );
        let scale = &paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
        assert_eq!(
            scale["patch"]["x-kubernetes-group-version-kind"]["kind"],
            "Scale"
        );
        let schema = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            schema["x-kubernetes-group-version-kind"][0]["kind"],
            "Deployment"
        );
        assert_eq!(
            doc["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentList"]["required"],
            json!(["items"])
        );
    }

    #[test]
    fn core_cluster_scoped_paths() {
        let gv = GroupVersion::new("", "v1");
        let ns = ResourceInfo::new(&gv, "Namespace", "namespaces", Scope::Cluster).with_status();
        let doc = openapi_document(&gv, std::slice::from_ref(&ns), &BTreeMap::new());
        assert_eq!(
            doc["paths"]["/api/v1/namespaces/{name}"]["patch"]["operationId"],
            "patchCoreV1Namespace"
        );
        assert!(
            doc["paths"]["/api/v1/namespaces/{name}"]["parameters"]
                .as_array()
                .is_some_and(|p| p.len() == 2)
        );
        assert_eq!(
            supports_query_param(&doc, &ns.gvk(), "fieldValidation"),
            Ok(())
        );
        assert!(
            doc["components"]["schemas"]
                .get("io.k8s.api.core.v1.Namespace")
                .is_some()
        );
    }

    #[test]
    fn custom_resources_publish_their_schema_with_type_and_object_meta() {
        // builder.go: CRD kinds are named by the reversed group, carry apiVersion/kind/metadata
        // and the GVK extension, and embedded resources get TypeMeta/ObjectMeta too.
        let gv = GroupVersion::new("stable.example.com", "v1");
        let info = ResourceInfo::new(&gv, "CronTab", "crontabs", Scope::Namespaced).with_status();
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "cronSpec": {"type": "string"},
            "template": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}}}}});
        let schemas = BTreeMap::from([("CronTab".to_string(), schema)]);
        let doc = openapi_document(&gv, std::slice::from_ref(&info), &schemas);
        let model = &doc["components"]["schemas"]["com.example.stable.v1.CronTab"];
        assert_eq!(
            model["properties"]["spec"]["properties"]["cronSpec"]["type"],
            "string"
        );
        assert_eq!(
            model["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert_eq!(
            model["x-kubernetes-group-version-kind"],
            json!([{"group": "stable.example.com", "kind": "CronTab", "version": "v1"}])
        );
        let template = &model["properties"]["spec"]["properties"]["template"];
        assert_eq!(template["required"], json!(["kind", "apiVersion"]));
        assert!(template["properties"]["metadata"].is_object());
        let item =
            &doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"];
        assert_eq!(item["patch"]["operationId"], "patchNamespacedCronTab");
        assert_eq!(
            doc["paths"]["/apis/stable.example.com/v1/crontabs"]["get"]["description"],
            "list objects of kind CronTab"
        );
        assert!(
            doc["paths"]
                .get("/apis/stable.example.com/v1/watch/crontabs")
                .is_none()
        );
        assert_eq!(
            supports_query_param(&doc, &info.gvk(), "fieldValidation"),
            Ok(())
        );
    }

    #[test]
    fn index_lists_documents_with_stable_hashes() {
        let (gv, resources) = apps();
        let doc = openapi_document(&gv, &resources, &BTreeMap::new());
        let again = openapi_document(&gv, &resources, &BTreeMap::new());
        assert_eq!(content_hash(&doc), content_hash(&again));
        assert_ne!(content_hash(&doc), content_hash(&json!({})));
        let mut index = OpenApiIndex::new();
        let hash = index.insert(&gv, &doc);
        index.insert(&GroupVersion::new("", "v1"), &json!({"paths": {}}));
        assert_eq!(hash.len(), 32);
        let json = index.to_json();
        assert_eq!(
            json["paths"]["apis/apps/v1"]["serverRelativeURL"],
            format!("/openapi/v3/apis/apps/v1?hash={hash}")
        );
        assert!(
            json["paths"]["api/v1"]["serverRelativeURL"]
                .as_str()
                .is_some_and(|u| u.starts_with("/openapi/v3/api/v1?hash="))
        );
        assert_eq!(index.hash("apis/apps/v1"), Some(hash.as_str()));
    }
}
