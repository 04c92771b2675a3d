//! Validation the API server applies before it stores an object.
//!
//! Messages are those of Kubernetes 1.32: `k8s.io/apimachinery` `pkg/util/validation` (name,
//! label and key rules), `pkg/api/validation` (object metadata), `pkg/util/validation/field`
//! (how a cause is worded) and `k8s.io/kubernetes` `pkg/apis/*/validation` (per-kind rules).
//! Only the common, shape-level checks are here; the server reports them as one 422.
//!
//! [`validate_object`] checks a defaulted object on create, [`validate_update`] an update
//! (immutable fields first, then the same shape checks), and [`generate_name`] turns a
//! `generateName` into a name before either runs.

use crate::builtin::is_builtin;
use crate::gvk::GroupVersionKind;
use crate::resource::ResourceInfo;
use crate::selector::LabelSelector;
use crate::status::Cause;
use regex::Regex;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Field errors, worded as field.Error.ErrorBody does.

/// The offending value as Go's `ErrorBody` prints it (`%q` for strings, `%v` for numbers and
/// booleans, `%#v` for maps and slices).
#[derive(Clone, Debug, PartialEq)]
pub enum BadValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// A `map[string]string`, printed `map[string]string{"a":"b"}` with sorted keys.
    StrMap(Vec<(String, String)>),
    /// A `[]string`, printed `[]string{"a", "b"}`.
    StrList(Vec<String>),
    /// Already rendered.
    Raw(String),
}

impl BadValue {
    fn render(&self) -> String {
        match self {
            BadValue::Str(s) => go_quote(s),
            BadValue::Int(n) => n.to_string(),
            BadValue::Bool(b) => b.to_string(),
            BadValue::StrMap(pairs) => {
                let mut sorted = pairs.clone();
                sorted.sort();
                let body: Vec<String> = sorted
                    .iter()
                    .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
                    .collect();
                format!("map[string]string{{{}}}", body.join(", "))
            }
            BadValue::StrList(items) => {
                let body: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
                format!("[]string{{{}}}", body.join(", "))
            }
            BadValue::Raw(s) => s.clone(),
        }
    }

    /// The value of a JSON scalar, or its compact JSON for anything else.
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::String(s) => BadValue::Str(s.clone()),
            Value::Bool(b) => BadValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => BadValue::Int(i),
                None => BadValue::Raw(n.to_string()),
            },
            Value::Null => BadValue::Raw("null".into()),
            other => BadValue::Raw(other.to_string()),
        }
    }

    fn string_map(map: Option<&Map<String, Value>>) -> Self {
        match map {
            Some(m) => BadValue::StrMap(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect(),
            ),
            None => BadValue::Raw("map[string]string(nil)".into()),
        }
    }
}

/// `Required value` (with `: detail` when there is one).
pub fn required(field: &str, detail: &str) -> Cause {
    Cause::new(
        "FieldValueRequired",
        with_detail("Required value", detail),
        field,
    )
}

/// `Invalid value: "x": detail`.
pub fn invalid(field: &str, value: BadValue, detail: &str) -> Cause {
    let body = format!("Invalid value: {}", value.render());
    Cause::new("FieldValueInvalid", with_detail(&body, detail), field)
}

/// `Unsupported value: "x": supported values: "a", "b"`.
pub fn not_supported(field: &str, value: BadValue, supported: &[&str]) -> Cause {
    let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
    let detail = if quoted.is_empty() {
        String::new()
    } else {
        format!("supported values: {}", quoted.join(", "))
    };
    let body = format!("Unsupported value: {}", value.render());
    Cause::new("FieldValueNotSupported", with_detail(&body, &detail), field)
}

/// `Forbidden: detail`.
pub fn forbidden(field: &str, detail: &str) -> Cause {
    Cause::new(
        "FieldValueForbidden",
        with_detail("Forbidden", detail),
        field,
    )
}

/// `Duplicate value: "x"`.
pub fn duplicate(field: &str, value: BadValue) -> Cause {
    Cause::new(
        "FieldValueDuplicate",
        format!("Duplicate value: {}", value.render()),
        field,
    )
}

/// `Too long: may not be more than N bytes` (the 1.32 wording of field.TooLong).
pub fn too_long(field: &str, max: usize) -> Cause {
    Cause::new(
        "FieldValueTooLong",
        format!("Too long: may not be more than {max} bytes"),
        field,
    )
}

fn with_detail(body: &str, detail: &str) -> String {
    if detail.is_empty() {
        body.to_string()
    } else {
        format!("{body}: {detail}")
    }
}

/// Quotes a string as Go's `%q` / `strconv.Quote` does.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Name and key rules (apimachinery pkg/util/validation/validation.go, 1.32).

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";

/// Total size of all annotation keys and values (apimachinery TotalAnnotationSizeLimitB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
/// The most a ConfigMap's or Secret's data may hold (core.MaxSecretSize).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

fn anchored(fmt: &str) -> Regex {
    // The patterns are constants of this file; a failure here is a programming error that
    // every test would show, so fall back to a regex that matches nothing rather than panic.
    Regex::new(&format!("^{fmt}$")).unwrap_or_else(|_| never())
}

fn never() -> Regex {
    Regex::new("[^\\s\\S]").unwrap_or_else(|_| never())
}

macro_rules! cached_regex {
    ($name:ident, $fmt:expr) => {
        fn $name() -> &'static Regex {
            static RE: OnceLock<Regex> = OnceLock::new();
            RE.get_or_init(|| anchored($fmt))
        }
    };
}

cached_regex!(dns1123_label_re, DNS1123_LABEL_FMT);
cached_regex!(dns1123_subdomain_re, DNS1123_SUBDOMAIN_FMT);
cached_regex!(dns1035_label_re, DNS1035_LABEL_FMT);
cached_regex!(qualified_name_re, QUALIFIED_NAME_FMT);
cached_regex!(label_value_re, LABEL_VALUE_FMT);
cached_regex!(config_map_key_re, CONFIG_MAP_KEY_FMT);

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let ex: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        ex.join(" or ")
    )
}

/// IsDNS1123Label.
pub fn validate_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !dns1123_label_re().is_match(value) {
        if dns1123_subdomain_re().is_match(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// IsDNS1123Subdomain.
pub fn validate_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !dns1123_subdomain_re().is_match(value) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// IsDNS1035Label.
pub fn validate_dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !dns1035_label_re().is_match(value) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// path.IsValidPathSegmentName: the rule of names that only have to fit in a URL (RBAC).
pub fn validate_path_segment_name(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    validate_path_segment_prefix(name)
}

/// path.IsValidPathSegmentPrefix: the rule of a generateName prefix for path-segment names.
pub fn validate_path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(*bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// IsQualifiedName: label keys, annotation keys, finalizers (`prefix/name`).
pub fn validate_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                for msg in validate_dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {msg}"));
                }
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !qualified_name_re().is_match(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// IsValidLabelValue.
pub fn validate_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !label_value_re().is_match(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// IsConfigMapKey: keys of ConfigMap and Secret data.
pub fn validate_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !config_map_key_re().is_match(value) {
        errs.push(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            CONFIG_MAP_KEY_FMT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if value == "." {
        errs.push("must not be '.'".to_string());
    } else if value == ".." {
        errs.push("must not be '..'".to_string());
    } else if value.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// IsValidPortNum.
pub fn validate_port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// IsValidPortName (IANA_SVC_NAME).
pub fn validate_port_name(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push(max_len_error(15));
    }
    if port.is_empty()
        || !port
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !port.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Which rule names a resource's objects.

/// The rule `metadata.name` must follow for a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    Dns1123Subdomain,
    Dns1123Label,
    Dns1035Label,
    /// Anything that fits in one URL path segment (RBAC).
    PathSegment,
}

impl NameRule {
    /// The messages for `name`; `prefix` is true for a `generateName`, whose trailing dash is
    /// masked as apimachinery's maskTrailingDash does (it replaces the last two characters).
    pub fn check(self, name: &str, prefix: bool) -> Vec<String> {
        if self == NameRule::PathSegment {
            return if prefix {
                validate_path_segment_prefix(name)
            } else {
                validate_path_segment_name(name)
            };
        }
        let masked;
        let name = if prefix && name.len() > 1 && name.ends_with('-') {
            let cut = name.len() - 2;
            masked = format!("{}a", name.get(..cut).unwrap_or(""));
            masked.as_str()
        } else {
            name
        };
        match self {
            NameRule::Dns1123Subdomain => validate_dns1123_subdomain(name),
            NameRule::Dns1123Label => validate_dns1123_label(name),
            NameRule::Dns1035Label => validate_dns1035_label(name),
            NameRule::PathSegment => Vec::new(),
        }
    }
}

/// The name rule of a resource's objects, as each `pkg/apis/<group>/validation` picks it:
/// namespaces and StatefulSets are DNS-1123 labels, services DNS-1035 labels, RBAC objects
/// path segments, everything else (custom resources too) DNS-1123 subdomains.
pub fn name_rule(info: &ResourceInfo) -> NameRule {
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "namespaces") => NameRule::Dns1123Label,
        ("", "services") => NameRule::Dns1035Label,
        // Pods of a StatefulSet are named after it, so it must be a label (ValidateStatefulSetName).
        ("apps", "statefulsets") => NameRule::Dns1123Label,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Dns1123Subdomain,
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata.

/// ValidateObjectMetaAccessor for a create: generateName, name, namespace, labels,
/// annotations, finalizers and owner references.
pub fn validate_metadata(info: &ResourceInfo, obj: &Value) -> Vec<Cause> {
    // A CRD's name function adds its own rule (apiextensions ValidateCustomResourceDefinition).
    let crd = info.group == "apiextensions.k8s.io" && info.kind == "CustomResourceDefinition";
    let required_name = crd.then(|| crd_required_name(obj));
    let rule = name_rule(info);
    let check = |name: &str, prefix: bool| {
        let mut msgs = rule.check(name, prefix);
        if required_name.as_deref().is_some_and(|r| r != name) {
            msgs.push("must be spec.names.plural+\".\"+spec.group".to_string());
        }
        msgs
    };
    let mut causes = Vec::new();
    let meta = obj.get("metadata").and_then(Value::as_object);
    let get = |key: &str| {
        meta.and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let generate_name = get("generateName");
    if !generate_name.is_empty() {
        for msg in check(generate_name, true) {
            causes.push(invalid(
                "metadata.generateName",
                BadValue::Str(generate_name.into()),
                &msg,
            ));
        }
    }
    let name = get("name");
    if name.is_empty() {
        causes.push(required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in check(name, false) {
            causes.push(invalid("metadata.name", BadValue::Str(name.into()), &msg));
        }
    }

    let namespace = get("namespace");
    if info.namespaced() {
        if namespace.is_empty() {
            causes.push(required("metadata.namespace", ""));
        } else {
            for msg in NameRule::Dns1123Label.check(namespace, false) {
                causes.push(invalid(
                    "metadata.namespace",
                    BadValue::Str(namespace.into()),
                    &msg,
                ));
            }
        }
    } else if !namespace.is_empty() {
        causes.push(forbidden("metadata.namespace", "not allowed on this type"));
    }

    causes.extend(validate_labels(
        meta.and_then(|m| m.get("labels")),
        "metadata.labels",
    ));
    causes.extend(validate_annotations(
        meta.and_then(|m| m.get("annotations")),
        "metadata.annotations",
    ));
    if let Some(finalizers) = meta
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
    {
        let names: Vec<&str> = finalizers.iter().filter_map(Value::as_str).collect();
        for f in &names {
            for msg in validate_qualified_name(f) {
                causes.push(invalid(
                    "metadata.finalizers",
                    BadValue::Str((*f).into()),
                    &msg,
                ));
            }
        }
        if names.contains(&"orphan") && names.contains(&"foregroundDeletion") {
            let all = names.iter().map(|f| f.to_string()).collect();
            causes.push(invalid(
                "metadata.finalizers",
                BadValue::StrList(all),
                "finalizer orphan and foregroundDeletion cannot be both set",
            ));
        }
        // core validation's ValidateObjectMeta, for built-in kinds only: a finalizer without a
        // domain must be one of the standard ones. CRDs are validated by apiextensions, which
        // has no such rule (its own cleanup finalizer has no slash).
        if is_builtin(&info.group, &info.plural) && info.group != "apiextensions.k8s.io" {
            for (i, f) in names.iter().enumerate() {
                let standard = ["kubernetes", "orphan", "foregroundDeletion"].contains(f);
                if !f.contains('/') && !standard {
                    causes.push(invalid(
                        &format!("metadata.finalizers[{i}]"),
                        BadValue::Str((*f).into()),
                        "name is neither a standard finalizer name nor is it fully qualified",
                    ));
                }
            }
        }
    }
    if let Some(owners) = meta
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
    {
        causes.extend(validate_owner_references(owners));
    }
    causes
}

/// ValidateLabels: every key a qualified name, every value a label value, all reported at
/// the map's own path.
pub fn validate_labels(labels: Option<&Value>, field: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(map) = labels.and_then(Value::as_object) else {
        return causes;
    };
    for (key, value) in map {
        for msg in validate_qualified_name(key) {
            causes.push(invalid(field, BadValue::Str(key.clone()), &msg));
        }
        let value = value.as_str().unwrap_or("");
        for msg in validate_label_value(value) {
            causes.push(invalid(field, BadValue::Str(value.into()), &msg));
        }
    }
    causes
}

/// ValidateAnnotations: keys are qualified names once lower-cased, and keys plus values may
/// not exceed 256 KiB in total.
pub fn validate_annotations(annotations: Option<&Value>, field: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(map) = annotations.and_then(Value::as_object) else {
        return causes;
    };
    let mut total = 0usize;
    for (key, value) in map {
        for msg in validate_qualified_name(&key.to_lowercase()) {
            causes.push(invalid(field, BadValue::Str(key.clone()), &msg));
        }
        total += key.len() + value.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        causes.push(too_long(field, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    causes
}

fn validate_owner_references(owners: &[Value]) -> Vec<Cause> {
    let mut causes = Vec::new();
    let mut first_controller = String::new();
    for owner in owners {
        let get = |k: &str| owner.get(k).and_then(Value::as_str).unwrap_or("");
        let api_version = get("apiVersion");
        let version = api_version.rsplit('/').next().unwrap_or("");
        if version.is_empty() {
            causes.push(invalid(
                "metadata.ownerReferences.apiVersion",
                BadValue::Str(api_version.into()),
                "version must not be empty",
            ));
        }
        for (key, what) in [("kind", "kind"), ("name", "name"), ("uid", "uid")] {
            if get(key).is_empty() {
                causes.push(invalid(
                    &format!("metadata.ownerReferences.{key}"),
                    BadValue::Str(String::new()),
                    &format!("{what} must not be empty"),
                ));
            }
        }
        if api_version == "v1" && get("kind") == "Event" {
            causes.push(invalid(
                "metadata.ownerReferences",
                BadValue::Raw(owner.to_string()),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if owner.get("controller").and_then(Value::as_bool) == Some(true) {
            let this = format!("{}/{}", get("kind"), get("name"));
            if first_controller.is_empty() {
                first_controller = this;
            } else {
                causes.push(invalid(
                    "metadata.ownerReferences",
                    BadValue::Raw(Value::Array(owners.to_vec()).to_string()),
                    &format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first_controller} and {this}"
                    ),
                ));
            }
        }
    }
    causes
}

// ---------------------------------------------------------------------------------------------
// Objects.

/// The causes that make `obj` invalid for `info`; empty when it is valid. Run it after
/// [`crate::apply_defaults`], as the server validates the defaulted object.
pub fn validate_object(info: &ResourceInfo, obj: &Value) -> Vec<Cause> {
    let mut causes = validate_metadata(info, obj);
    let spec = obj.get("spec");
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "ConfigMap") => causes.extend(validate_config_map(obj)),
        ("", "Secret") => causes.extend(validate_secret(obj)),
        ("", "Service") => causes.extend(validate_service(spec)),
        ("", "Pod") => causes.extend(validate_pod_spec(spec, "spec", true)),
        ("apps", kind @ ("Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")) => {
            causes.extend(validate_workload(spec, kind))
        }
        ("batch", "Job") => causes.extend(validate_job_spec(spec, "spec", true)),
        ("batch", "CronJob") => causes.extend(validate_cron_job(obj)),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => causes.extend(validate_crd(obj)),
        ("networking.k8s.io", "Ingress") => causes.extend(validate_ingress(spec)),
        ("autoscaling", "HorizontalPodAutoscaler") => causes.extend(validate_hpa(spec)),
        ("rbac.authorization.k8s.io", kind) => causes.extend(validate_rbac(obj, kind)),
        _ => {}
    }
    // Custom resources are checked against their schema elsewhere; only metadata here.
    causes
}

/// The causes that make an update from `old` to `new` invalid: the metadata that may not
/// change (ValidateObjectMetaUpdate) and the fields each kind's strategy keeps immutable,
/// followed by [`validate_object`]'s shape checks of `new` (without re-checking the name,
/// which updates do not do). Both objects are the defaulted, stored forms.
pub fn validate_update(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<Cause> {
    let mut causes = validate_metadata_update(old, new);
    causes.extend(
        validate_object(info, new)
            .into_iter()
            .filter(|c| c.field != "metadata.name" && c.field != "metadata.generateName"),
    );
    let spec_of = |v: &Value| v.get("spec").cloned().unwrap_or(Value::Null);
    let (old_spec, new_spec) = (spec_of(old), spec_of(new));
    let immutable_selector = |causes: &mut Vec<Cause>| {
        let (o, n) = (old_spec.get("selector"), new_spec.get("selector"));
        if o != n {
            let shown = n.cloned().unwrap_or(Value::Null);
            causes.push(invalid(
                "spec.selector",
                BadValue::Raw(go_label_selector(&shown)),
                IMMUTABLE,
            ));
        }
    };
    match (info.group.as_str(), info.kind.as_str()) {
        // The apps strategies refuse selector changes for every served version but the
        // long-gone beta ones.
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => immutable_selector(&mut causes),
        ("apps", "StatefulSet") => {
            immutable_selector(&mut causes);
            // ValidateStatefulSetUpdate: only some fields of the spec may change.
            let strip = |spec: &Value| {
                let mut spec = spec.clone();
                if let Some(m) = spec.as_object_mut() {
                    for key in [
                        "replicas",
                        "ordinals",
                        "template",
                        "updateStrategy",
                        "persistentVolumeClaimRetentionPolicy",
                        "minReadySeconds",
                    ] {
                        m.remove(key);
                    }
                }
                spec
            };
            if strip(&old_spec) != strip(&new_spec) {
                causes.push(forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        ("batch", "Job") => {
            // ValidateJobSpecUpdate: selector, template (unless suspended) and completions.
            let changed = |key: &str| old_spec.get(key) != new_spec.get(key);
            if changed("selector") {
                let shown = new_spec.get("selector").cloned().unwrap_or(Value::Null);
                causes.push(invalid(
                    "spec.selector",
                    BadValue::Raw(go_label_selector(&shown)),
                    IMMUTABLE,
                ));
            }
            let suspended = new_spec.get("suspend").and_then(Value::as_bool) == Some(true);
            if changed("template") && !suspended {
                causes.push(invalid(
                    "spec.template",
                    BadValue::Raw("core.PodTemplateSpec{...}".into()),
                    IMMUTABLE,
                ));
            }
            let indexed = new_spec.get("completionMode").and_then(Value::as_str) == Some("Indexed");
            if changed("completions") && !indexed {
                let shown = new_spec.get("completions").cloned().unwrap_or(Value::Null);
                causes.push(invalid(
                    "spec.completions",
                    BadValue::from_json(&shown),
                    IMMUTABLE,
                ));
            }
        }
        ("", "ConfigMap" | "Secret") => {
            // ValidateConfigMapUpdate / ValidateSecretUpdate.
            let was_immutable = old.get("immutable").and_then(Value::as_bool) == Some(true);
            if was_immutable {
                if new.get("immutable").and_then(Value::as_bool) != Some(true) {
                    causes.push(forbidden("immutable", IMMUTABLE_WHEN_SET));
                }
                for key in ["data", "binaryData"] {
                    let (o, n) = (old.get(key), new.get(key));
                    if o != n && !(is_empty_json(o) && is_empty_json(n)) {
                        causes.push(forbidden(key, IMMUTABLE_WHEN_SET));
                    }
                }
            }
            if info.kind == "Secret" {
                let (o, n) = (str_at(Some(old), "type"), str_at(Some(new), "type"));
                if o != n {
                    causes.push(invalid("type", BadValue::Str(n.into()), IMMUTABLE));
                }
            }
        }
        ("", "PersistentVolumeClaim") => {
            // ValidatePersistentVolumeClaimUpdate: only the requests may change.
            let strip = |spec: &Value| {
                let mut spec = spec.clone();
                if let Some(r) = spec.get_mut("resources").and_then(Value::as_object_mut) {
                    r.remove("requests");
                }
                if let Some(m) = spec.as_object_mut() {
                    m.remove("volumeAttributesClassName");
                }
                spec
            };
            // The PV controller binds by setting a volumeName that was empty, and gives a
            // claim created without a class the default one (retroactive default class).
            let mut old_cmp = strip(&old_spec);
            let mut new_cmp = strip(&new_spec);
            let unset = |spec: &Value, key: &str| {
                spec.get(key)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            };
            if unset(&old_cmp, "volumeName")
                && let (Some(o), Some(v)) = (old_cmp.as_object_mut(), new_cmp.get("volumeName"))
            {
                o.insert("volumeName".into(), v.clone());
            }
            let class_annotation = old
                .pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class")
                .is_some();
            let class_from_nil = old_cmp.get("storageClassName").is_none_or(Value::is_null)
                && !unset(&new_cmp, "storageClassName");
            if class_from_nil
                && !class_annotation
                && let Some(n) = new_cmp.as_object_mut()
            {
                n.remove("storageClassName");
            }
            if old_cmp != new_cmp {
                causes.push(forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                ));
            }
        }
        // ValidateRoleBindingUpdate: the role a binding grants cannot change.
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding")
            if old.get("roleRef") != new.get("roleRef") =>
        {
            let r = new.get("roleRef");
            let shown = format!(
                "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
                go_quote(str_at(r, "apiGroup")),
                go_quote(str_at(r, "kind")),
                go_quote(str_at(r, "name"))
            );
            causes.push(invalid(
                "roleRef",
                BadValue::Raw(shown),
                "cannot change roleRef",
            ));
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            // validateCustomResourceDefinitionSpecUpdate: scope and kind are fixed once the
            // CRD is established; group and plural make up its name and never change.
            let established = old
                .get("status")
                .and_then(|s| s.get("conditions"))
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        str_at(Some(c), "type") == "Established"
                            && str_at(Some(c), "status") == "True"
                    })
                });
            let mut fixed = Vec::new();
            if established {
                fixed.extend([
                    ("spec.scope", vec!["scope"]),
                    ("spec.names.kind", vec!["names", "kind"]),
                ]);
            }
            fixed.extend([
                ("spec.group", vec!["group"]),
                ("spec.names.plural", vec!["names", "plural"]),
            ]);
            for (field, path) in fixed {
                let at = |v: &Value| {
                    path.iter()
                        .try_fold(v, |cur, key| cur.get(*key))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                if at(&old_spec) != at(&new_spec) {
                    causes.push(invalid(field, BadValue::Str(at(&new_spec)), IMMUTABLE));
                }
            }
        }
        _ => {}
    }
    causes
}

const IMMUTABLE: &str = "field is immutable";
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

fn is_empty_json(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(_) => false,
    }
}

/// ValidateObjectMetaAccessorUpdate: identity and bookkeeping fields are immutable, the
/// generation never goes back, and a deleting object takes no new finalizers.
pub fn validate_metadata_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let meta = |v: &Value, key: &str| v.get("metadata").and_then(|m| m.get(key)).cloned();
    let deleting = meta(old, "deletionTimestamp").is_some_and(|d| !d.is_null());
    if deleting {
        let list = |v: &Value| -> Vec<String> {
            meta(v, "finalizers")
                .and_then(|f| f.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        let before = list(old);
        let mut extra: Vec<String> = list(new)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        extra.sort();
        extra.dedup();
        if !extra.is_empty() {
            causes.push(forbidden(
                "metadata.finalizers",
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers {}",
                    BadValue::StrList(extra).render()
                ),
            ));
        }
    }
    let generation = |v: &Value| meta(v, "generation").and_then(|g| g.as_i64()).unwrap_or(0);
    if generation(new) < generation(old) {
        causes.push(invalid(
            "metadata.generation",
            BadValue::Int(generation(new)),
            "must not be decremented",
        ));
    }
    for key in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        let (o, n) = (meta(old, key), meta(new, key));
        let absent = |v: &Option<Value>| v.as_ref().is_none_or(|v| v.is_null() || v == "");
        if o != n && !(absent(&o) && absent(&n)) {
            let shown = match &n {
                Some(Value::String(s))
                    if key == "creationTimestamp" || key == "deletionTimestamp" =>
                {
                    BadValue::Raw(s.clone())
                }
                Some(v) => BadValue::from_json(v),
                None if key == "deletionTimestamp" => BadValue::Raw("null".into()),
                None => BadValue::Str(String::new()),
            };
            causes.push(invalid(&format!("metadata.{key}"), shown, IMMUTABLE));
        }
    }
    causes
}

fn str_at<'a>(v: Option<&'a Value>, key: &str) -> &'a str {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn validate_config_map(obj: &Value) -> Vec<Cause> {
    // ValidateConfigMap: keys are config keys, no key in both bags, 1 MiB in total.
    let mut causes = Vec::new();
    let data = obj.get("data").and_then(Value::as_object);
    let binary = obj.get("binaryData").and_then(Value::as_object);
    let mut total = 0usize;
    for (key, value) in data.into_iter().flatten() {
        let field = format!("data[{key}]");
        for msg in validate_config_map_key(key) {
            causes.push(invalid(&field, BadValue::Str(key.clone()), &msg));
        }
        if binary.is_some_and(|b| b.contains_key(key)) {
            causes.push(invalid(
                &field,
                BadValue::Str(key.clone()),
                "duplicate of key present in binaryData",
            ));
        }
        total += value.as_str().map_or(0, str::len);
    }
    for (key, value) in binary.into_iter().flatten() {
        let field = format!("binaryData[{key}]");
        for msg in validate_config_map_key(key) {
            causes.push(invalid(&field, BadValue::Str(key.clone()), &msg));
        }
        if data.is_some_and(|d| d.contains_key(key)) {
            causes.push(invalid(
                &field,
                BadValue::Str(key.clone()),
                "duplicate of key present in data",
            ));
        }
        total += decoded_len(value.as_str().unwrap_or(""));
    }
    if total > MAX_DATA_SIZE {
        causes.push(too_long("", MAX_DATA_SIZE));
    }
    causes
}

fn decoded_len(b64: &str) -> usize {
    let trimmed = b64.trim_end_matches('=');
    trimmed.len() * 3 / 4
}

fn validate_secret(obj: &Value) -> Vec<Cause> {
    // ValidateSecret: data keys, 1 MiB in total, and the keys each well-known type needs.
    let mut causes = Vec::new();
    let data = obj.get("data").and_then(Value::as_object);
    let mut total = 0usize;
    for (key, value) in data.into_iter().flatten() {
        for msg in validate_config_map_key(key) {
            causes.push(invalid(
                &format!("data[{key}]"),
                BadValue::Str(key.clone()),
                &msg,
            ));
        }
        total += decoded_len(value.as_str().unwrap_or(""));
    }
    if total > MAX_DATA_SIZE {
        causes.push(too_long("data", MAX_DATA_SIZE));
    }
    let has = |k: &str| data.is_some_and(|d| d.contains_key(k));
    let need = |causes: &mut Vec<Cause>, k: &str| {
        if !has(k) {
            causes.push(required(&format!("data[{k}]"), ""));
        }
    };
    match obj.get("type").and_then(Value::as_str).unwrap_or("") {
        "kubernetes.io/service-account-token"
            if obj
                .annotation_str("kubernetes.io/service-account.name")
                .is_empty() =>
        {
            causes.push(required(
                "metadata.annotations[kubernetes.io/service-account.name]",
                "",
            ));
        }
        "kubernetes.io/dockercfg" => need(&mut causes, ".dockercfg"),
        "kubernetes.io/dockerconfigjson" => need(&mut causes, ".dockerconfigjson"),
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            causes.push(required("data[username]", ""));
            causes.push(required("data[password]", ""));
        }
        "kubernetes.io/ssh-auth" => need(&mut causes, "ssh-privatekey"),
        "kubernetes.io/tls" => {
            need(&mut causes, "tls.crt");
            need(&mut causes, "tls.key");
        }
        _ => {}
    }
    causes
}

trait AnnotationStr {
    fn annotation_str(&self, key: &str) -> &str;
}

impl AnnotationStr for Value {
    fn annotation_str(&self, key: &str) -> &str {
        self.get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

const PORT_PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

fn validate_service(spec: Option<&Value>) -> Vec<Cause> {
    // ValidateService (core validation.go), in its order. IP allocation and the IP-family
    // checks belong to the server's allocator and are not repeated here.
    let mut causes = Vec::new();
    let ty = str_at(spec, "type");
    let headless = str_at(spec, "clusterIP") == "None";
    let ports = spec.and_then(|s| s.get("ports")).and_then(Value::as_array);
    let ports = ports.map(Vec::as_slice).unwrap_or(&[]);
    if ports.is_empty() && !headless && ty != "ExternalName" {
        causes.push(required("spec.ports", ""));
    }
    match ty {
        "LoadBalancer" => {
            for (i, port) in ports.iter().enumerate() {
                let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
                if number == 10250 {
                    causes.push(invalid(
                        &format!("spec.ports[{i}]"),
                        BadValue::Int(number),
                        "may not expose port 10250 externally since it is used by kubelet",
                    ));
                }
            }
            if headless {
                causes.push(invalid(
                    "spec.clusterIPs[0]",
                    BadValue::Str("None".into()),
                    "may not be set to 'None' for LoadBalancer services",
                ));
            }
        }
        "NodePort" if headless => causes.push(invalid(
            "spec.clusterIPs[0]",
            BadValue::Str("None".into()),
            "may not be set to 'None' for NodePort services",
        )),
        "ExternalName" => {
            // A trailing dot marks the CNAME as fully qualified.
            let external = str_at(spec, "externalName");
            let cname = external.strip_suffix('.').unwrap_or(external);
            if cname.is_empty() {
                causes.push(required("spec.externalName", ""));
            } else {
                for msg in validate_dns1123_subdomain(cname) {
                    causes.push(invalid(
                        "spec.externalName",
                        BadValue::Str(cname.into()),
                        &msg,
                    ));
                }
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        causes.extend(validate_service_port(
            port,
            &format!("spec.ports[{i}]"),
            ports.len() > 1,
            &mut names,
        ));
    }
    if let Some(selector) = spec.and_then(|s| s.get("selector")) {
        causes.extend(validate_labels(Some(selector), "spec.selector"));
    }
    let affinity = str_at(spec, "sessionAffinity");
    if affinity.is_empty() {
        causes.push(required("spec.sessionAffinity", ""));
    } else if affinity != "ClientIP" && affinity != "None" {
        causes.push(not_supported(
            "spec.sessionAffinity",
            BadValue::Str(affinity.into()),
            &["ClientIP", "None"],
        ));
    }
    let affinity_config = spec
        .and_then(|s| s.get("sessionAffinityConfig"))
        .is_some_and(|c| !c.is_null());
    if affinity == "None" && affinity_config {
        causes.push(forbidden(
            "spec.sessionAffinityConfig",
            "must not be set when session affinity is None",
        ));
    }
    if ty.is_empty() {
        causes.push(required("spec.type", ""));
    } else if !["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"].contains(&ty) {
        causes.push(not_supported(
            "spec.type",
            BadValue::Str(ty.into()),
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ));
    }
    if ty == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if port.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                causes.push(forbidden(
                    &format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    // The same port and protocol twice.
    let mut seen = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
        let protocol = str_at(Some(port), "protocol");
        if !seen.insert((protocol.to_string(), number)) {
            let key = format!(
                "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{number}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                go_quote(protocol)
            );
            causes.push(duplicate(&format!("spec.ports[{i}]"), BadValue::Raw(key)));
        }
    }
    let allocate = spec
        .and_then(|s| s.get("allocateLoadBalancerNodePorts"))
        .is_some_and(|v| !v.is_null());
    if allocate && ty != "LoadBalancer" {
        causes.push(forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    match spec
        .and_then(|s| s.get("internalTrafficPolicy"))
        .and_then(Value::as_str)
    {
        None if matches!(ty, "ClusterIP" | "NodePort" | "LoadBalancer") => {
            causes.push(required("spec.internalTrafficPolicy", ""));
        }
        Some(p) if p != "Cluster" && p != "Local" => causes.push(not_supported(
            "spec.internalTrafficPolicy",
            BadValue::Str(p.into()),
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    causes
}

/// validateServicePort: name (required when there are several), port, protocol, targetPort.
fn validate_service_port(
    port: &Value,
    path: &str,
    require_name: bool,
    names: &mut BTreeSet<String>,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = str_at(Some(port), "name");
    if require_name && name.is_empty() {
        causes.push(required(&format!("{path}.name"), ""));
    } else if !name.is_empty() {
        for msg in validate_dns1123_label(name) {
            causes.push(invalid(
                &format!("{path}.name"),
                BadValue::Str(name.into()),
                &msg,
            ));
        }
        if !names.insert(name.to_string()) {
            causes.push(duplicate(
                &format!("{path}.name"),
                BadValue::Str(name.into()),
            ));
        }
    }
    let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
    for msg in validate_port_num(number) {
        causes.push(invalid(
            &format!("{path}.port"),
            BadValue::Int(number),
            &msg,
        ));
    }
    causes.extend(check_protocol(port, path));
    // ValidatePortNumOrName.
    match port.get("targetPort") {
        Some(Value::String(s)) => {
            for msg in validate_port_name(s) {
                causes.push(invalid(
                    &format!("{path}.targetPort"),
                    BadValue::Str(s.clone()),
                    &msg,
                ));
            }
        }
        other => {
            let n = other.and_then(Value::as_i64).unwrap_or(0);
            for msg in validate_port_num(n) {
                causes.push(invalid(
                    &format!("{path}.targetPort"),
                    BadValue::Int(n),
                    &msg,
                ));
            }
        }
    }
    causes
}

fn validate_ingress(spec: Option<&Value>) -> Vec<Cause> {
    // networking validation.go ValidateIngressSpec (networking.k8s.io/v1).
    let mut causes = Vec::new();
    let rules = spec.and_then(|s| s.get("rules")).and_then(Value::as_array);
    let rules = rules.map(Vec::as_slice).unwrap_or(&[]);
    let default_backend = spec
        .and_then(|s| s.get("defaultBackend"))
        .filter(|b| !b.is_null());
    if rules.is_empty() && default_backend.is_none() {
        causes.push(invalid(
            "spec",
            BadValue::Raw("[]networking.IngressRule(nil)".into()),
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    if let Some(backend) = default_backend {
        causes.extend(validate_ingress_backend(backend, "spec.defaultBackend"));
    }
    for (i, rule) in rules.iter().enumerate() {
        let host = str_at(Some(rule), "host");
        let hpath = format!("spec.rules[{i}].host");
        if !host.is_empty() {
            if host.parse::<std::net::IpAddr>().is_ok() {
                causes.push(invalid(
                    &hpath,
                    BadValue::Str(host.into()),
                    "must be a DNS name, not an IP address",
                ));
            }
            let msgs = if host.contains('*') {
                validate_wildcard_dns1123_subdomain(host)
            } else {
                validate_dns1123_subdomain(host)
            };
            for msg in msgs {
                causes.push(invalid(&hpath, BadValue::Str(host.into()), &msg));
            }
        }
        let Some(http) = rule.get("http").filter(|h| !h.is_null()) else {
            continue;
        };
        let paths = http.get("paths").and_then(Value::as_array);
        let paths = paths.map(Vec::as_slice).unwrap_or(&[]);
        if paths.is_empty() {
            causes.push(required(&format!("spec.rules[{i}].http.paths"), ""));
        }
        for (j, p) in paths.iter().enumerate() {
            causes.extend(validate_ingress_path(
                p,
                &format!("spec.rules[{i}].http.paths[{j}]"),
            ));
        }
    }
    let tls = spec.and_then(|s| s.get("tls")).and_then(Value::as_array);
    for (t, entry) in tls.into_iter().flatten().enumerate() {
        let hosts = entry.get("hosts").and_then(Value::as_array);
        for (h, host) in hosts.into_iter().flatten().enumerate() {
            let host = host.as_str().unwrap_or("");
            let msgs = if host.contains('*') {
                validate_wildcard_dns1123_subdomain(host)
            } else {
                validate_dns1123_subdomain(host)
            };
            for msg in msgs {
                causes.push(invalid(
                    &format!("spec.tls[{t}].hosts[{h}]"),
                    BadValue::Str(host.into()),
                    &msg,
                ));
            }
        }
        let secret = str_at(Some(entry), "secretName");
        if !secret.is_empty() {
            for msg in validate_dns1123_subdomain(secret) {
                causes.push(invalid(
                    &format!("spec.tls[{t}].secretName"),
                    BadValue::Str(secret.into()),
                    &msg,
                ));
            }
        }
    }
    if let Some(class) = spec
        .and_then(|s| s.get("ingressClassName"))
        .and_then(Value::as_str)
    {
        for msg in validate_dns1123_subdomain(class) {
            causes.push(invalid(
                "spec.ingressClassName",
                BadValue::Str(class.into()),
                &msg,
            ));
        }
    }
    causes
}

fn validate_ingress_path(p: &Value, path: &str) -> Vec<Cause> {
    // validateHTTPIngressPath: pathType is required in v1; Exact and Prefix need a clean
    // absolute path.
    let mut causes = Vec::new();
    let Some(path_type) = p.get("pathType").and_then(Value::as_str) else {
        return vec![required(
            &format!("{path}.pathType"),
            "pathType must be specified",
        )];
    };
    let value = str_at(Some(p), "path");
    let field = format!("{path}.path");
    match path_type {
        "Exact" | "Prefix" => {
            if !value.starts_with('/') {
                causes.push(invalid(
                    &field,
                    BadValue::Str(value.into()),
                    "must be an absolute path",
                ));
            }
            if !value.is_empty() {
                for seq in ["//", "/./", "/../", "%2f", "%2F"] {
                    if value.contains(seq) {
                        let msg = format!("must not contain '{seq}'");
                        causes.push(invalid(&field, BadValue::Str(value.into()), &msg));
                    }
                }
                for suffix in ["/..", "/."] {
                    if value.ends_with(suffix) {
                        let msg = format!("cannot end with '{suffix}'");
                        causes.push(invalid(&field, BadValue::Str(value.into()), &msg));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !value.is_empty() && !value.starts_with('/') {
                causes.push(invalid(
                    &field,
                    BadValue::Str(value.into()),
                    "must be an absolute path",
                ));
            }
        }
        other => causes.push(not_supported(
            &format!("{path}.pathType"),
            BadValue::Str(other.into()),
            &["Exact", "ImplementationSpecific", "Prefix"],
        )),
    }
    let backend = p.get("backend").cloned().unwrap_or(Value::Null);
    causes.extend(validate_ingress_backend(
        &backend,
        &format!("{path}.backend"),
    ));
    causes
}

fn validate_ingress_backend(backend: &Value, path: &str) -> Vec<Cause> {
    // validateIngressBackend: exactly one of service and resource; a service needs a name
    // and a port name or number.
    let mut causes = Vec::new();
    let resource = backend.get("resource").filter(|r| !r.is_null());
    let service = backend.get("service").filter(|s| !s.is_null());
    match (resource, service) {
        (Some(_), Some(_)) => {
            causes.push(invalid(
                path,
                BadValue::Str(String::new()),
                "cannot set both resource and service backends",
            ));
        }
        (Some(r), None) => {
            for key in ["kind", "name"] {
                let value = str_at(Some(r), key);
                let field = format!("{path}.resource.{key}");
                if value.is_empty() {
                    causes.push(required(&field, &format!("{key} is required")));
                } else {
                    for msg in validate_path_segment_name(value) {
                        causes.push(invalid(&field, BadValue::Str(value.into()), &msg));
                    }
                }
            }
        }
        (None, Some(s)) => {
            let name = str_at(Some(s), "name");
            if name.is_empty() {
                causes.push(required(&format!("{path}.service.name"), ""));
            } else {
                for msg in validate_dns1035_label(name) {
                    causes.push(invalid(
                        &format!("{path}.service.name"),
                        BadValue::Str(name.into()),
                        &msg,
                    ));
                }
            }
            let port = s.get("port");
            let port_name = str_at(port, "name");
            let port_number = port
                .and_then(|p| p.get("number"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            match (port_name.is_empty(), port_number == 0) {
                (false, false) => causes.push(invalid(
                    path,
                    BadValue::Str(String::new()),
                    "cannot set both port name & port number",
                )),
                (false, true) => {
                    for msg in validate_port_name(port_name) {
                        let field = format!("{path}.service.port.name");
                        causes.push(invalid(&field, BadValue::Str(port_name.into()), &msg));
                    }
                }
                (true, false) => {
                    for msg in validate_port_num(port_number) {
                        let field = format!("{path}.service.port.number");
                        causes.push(invalid(&field, BadValue::Int(port_number), &msg));
                    }
                }
                (true, true) => causes.push(required(path, "port name or number is required")),
            }
        }
        (None, None) => causes.push(invalid(
            path,
            BadValue::Str(String::new()),
            "resource or service backend is required",
        )),
    }
    causes
}

/// IsWildcardDNS1123Subdomain: `*.` followed by a subdomain.
pub fn validate_wildcard_dns1123_subdomain(value: &str) -> Vec<String> {
    let fmt = format!("\\*\\.{DNS1123_SUBDOMAIN_FMT}");
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    let ok = value
        .strip_prefix("*.")
        .is_some_and(|rest| dns1123_subdomain_re().is_match(rest));
    if !ok {
        errs.push(regex_error(
            "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
            &fmt,
            &["*.example.com"],
        ));
    }
    errs
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn validate_rbac(obj: &Value, kind: &str) -> Vec<Cause> {
    // rbac validation.go: ValidateRole / ValidateClusterRole (policy rules) and
    // ValidateRoleBinding / ValidateClusterRoleBinding (roleRef and subjects).
    let mut causes = Vec::new();
    let namespaced = kind == "Role" || kind == "RoleBinding";
    if kind == "Role" || kind == "ClusterRole" {
        let rules = obj.get("rules").and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            causes.extend(validate_policy_rule(
                rule,
                namespaced,
                &format!("rules[{i}]"),
            ));
        }
        return causes;
    }
    let role_ref = obj.get("roleRef");
    let api_group = str_at(role_ref, "apiGroup");
    if api_group != RBAC_GROUP {
        causes.push(not_supported(
            "roleRef.apiGroup",
            BadValue::Str(api_group.into()),
            &[RBAC_GROUP],
        ));
    }
    let ref_kind = str_at(role_ref, "kind");
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&ref_kind) {
        causes.push(not_supported(
            "roleRef.kind",
            BadValue::Str(ref_kind.into()),
            kinds,
        ));
    }
    let ref_name = str_at(role_ref, "name");
    if ref_name.is_empty() {
        causes.push(required("roleRef.name", ""));
    } else {
        for msg in validate_path_segment_name(ref_name) {
            causes.push(invalid(
                "roleRef.name",
                BadValue::Str(ref_name.into()),
                &msg,
            ));
        }
    }
    let subjects = obj.get("subjects").and_then(Value::as_array);
    for (i, subject) in subjects.into_iter().flatten().enumerate() {
        causes.extend(validate_subject(
            subject,
            namespaced,
            &format!("subjects[{i}]"),
        ));
    }
    causes
}

fn validate_policy_rule(rule: &Value, namespaced: bool, path: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let count = |key: &str| rule.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    if count("verbs") == 0 {
        causes.push(required(
            &format!("{path}.verbs"),
            "verbs must contain at least one value",
        ));
    }
    if count("nonResourceURLs") > 0 {
        let urls: Vec<String> = rule
            .get("nonResourceURLs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let field = format!("{path}.nonResourceURLs");
        if namespaced {
            causes.push(invalid(
                &field,
                BadValue::StrList(urls.clone()),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if count("apiGroups") > 0 || count("resources") > 0 || count("resourceNames") > 0 {
            causes.push(invalid(
                &field,
                BadValue::StrList(urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return causes;
    }
    if count("apiGroups") == 0 {
        causes.push(required(
            &format!("{path}.apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if count("resources") == 0 {
        causes.push(required(
            &format!("{path}.resources"),
            "resource rules must supply at least one resource",
        ));
    }
    causes
}

fn validate_subject(subject: &Value, namespaced: bool, path: &str) -> Vec<Cause> {
    // ValidateRoleBindingSubject.
    let mut causes = Vec::new();
    let name = str_at(Some(subject), "name");
    if name.is_empty() {
        causes.push(required(&format!("{path}.name"), ""));
    }
    let api_group = str_at(Some(subject), "apiGroup");
    match str_at(Some(subject), "kind") {
        "ServiceAccount" => {
            if !name.is_empty() {
                for msg in validate_dns1123_subdomain(name) {
                    causes.push(invalid(
                        &format!("{path}.name"),
                        BadValue::Str(name.into()),
                        &msg,
                    ));
                }
            }
            if !api_group.is_empty() {
                causes.push(not_supported(
                    &format!("{path}.apiGroup"),
                    BadValue::Str(api_group.into()),
                    &[""],
                ));
            }
            if !namespaced && str_at(Some(subject), "namespace").is_empty() {
                causes.push(required(&format!("{path}.namespace"), ""));
            }
        }
        "User" | "Group" => {
            if api_group != RBAC_GROUP {
                causes.push(not_supported(
                    &format!("{path}.apiGroup"),
                    BadValue::Str(api_group.into()),
                    &[RBAC_GROUP],
                ));
            }
        }
        other => causes.push(not_supported(
            &format!("{path}.kind"),
            BadValue::Str(other.into()),
            &["ServiceAccount", "User", "Group"],
        )),
    }
    causes
}

/// The alphabet of apimachinery's utilrand.String, which generateName suffixes use.
const GENERATE_NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// names.SimpleNameGenerator: the prefix cut to 58 bytes (so the name stays within 63) and
/// five random characters from utilrand's alphabet, drawn here from `entropy` so that the
/// caller owns the randomness.
pub fn generate_name(base: &str, entropy: u64) -> String {
    let mut cut = base.len().min(58);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut name = base.get(..cut).unwrap_or("").to_string();
    let mut bits = entropy;
    for _ in 0..5 {
        let len = GENERATE_NAME_ALPHABET.len() as u64;
        let index = usize::try_from(bits % len).unwrap_or(0);
        name.push(char::from(
            GENERATE_NAME_ALPHABET.get(index).copied().unwrap_or(b'x'),
        ));
        bits /= len;
    }
    name
}

fn check_protocol(port: &Value, path: &str) -> Vec<Cause> {
    match port.get("protocol").and_then(Value::as_str) {
        None | Some("") => vec![required(&format!("{path}.protocol"), "")],
        Some(p) if !PORT_PROTOCOLS.contains(&p) => {
            vec![not_supported(
                &format!("{path}.protocol"),
                BadValue::Str(p.into()),
                PORT_PROTOCOLS,
            )]
        }
        _ => Vec::new(),
    }
}

/// ValidatePodSpec, reduced to the shape checks: volumes, containers (name, image, ports,
/// policies), init containers and the pod-level policies. `for_pod` adds the checks that
/// apply to Pods but not to templates (core validation.go validateContainersOnlyForPod).
pub fn validate_pod_spec(spec: Option<&Value>, path: &str, for_pod: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    let mut volumes = BTreeSet::new();
    let vols = spec
        .and_then(|s| s.get("volumes"))
        .and_then(Value::as_array);
    for (i, vol) in vols.into_iter().flatten().enumerate() {
        let field = format!("{path}.volumes[{i}].name");
        let name = str_at(Some(vol), "name");
        if name.is_empty() {
            causes.push(required(&field, ""));
        } else {
            for msg in validate_dns1123_label(name) {
                causes.push(invalid(&field, BadValue::Str(name.into()), &msg));
            }
            if !volumes.insert(name.to_string()) {
                causes.push(duplicate(&field, BadValue::Str(name.into())));
            }
        }
    }

    let mut names = BTreeSet::new();
    match spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
    {
        Some(list) if !list.is_empty() => {
            for (i, c) in list.iter().enumerate() {
                let cpath = format!("{path}.containers[{i}]");
                causes.extend(validate_container(c, &cpath, &mut names, for_pod));
            }
        }
        _ => causes.push(required(&format!("{path}.containers"), "")),
    }
    let init = spec
        .and_then(|s| s.get("initContainers"))
        .and_then(Value::as_array);
    for (i, c) in init.into_iter().flatten().enumerate() {
        let cpath = format!("{path}.initContainers[{i}]");
        causes.extend(validate_container(c, &cpath, &mut names, for_pod));
    }

    let restart = spec
        .and_then(|s| s.get("restartPolicy"))
        .and_then(Value::as_str);
    match restart {
        None | Some("") => causes.push(required(&format!("{path}.restartPolicy"), "")),
        Some(p) if !["Always", "OnFailure", "Never"].contains(&p) => causes.push(not_supported(
            &format!("{path}.restartPolicy"),
            BadValue::Str(p.into()),
            &["Always", "Never", "OnFailure"],
        )),
        _ => {}
    }
    let dns = spec
        .and_then(|s| s.get("dnsPolicy"))
        .and_then(Value::as_str);
    match dns {
        None | Some("") => causes.push(required(&format!("{path}.dnsPolicy"), "")),
        Some(p) if !["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"].contains(&p) => {
            causes.push(not_supported(
                &format!("{path}.dnsPolicy"),
                BadValue::Str(p.into()),
                &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
            ))
        }
        _ => {}
    }
    causes
}

/// validateContainerCommon, in its order: name, image, terminationMessagePolicy, ports,
/// imagePullPolicy; then the name's uniqueness across all containers of the pod.
fn validate_container(
    c: &Value,
    path: &str,
    names: &mut BTreeSet<String>,
    for_pod: bool,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = str_at(Some(c), "name");
    if name.is_empty() {
        causes.push(required(&format!("{path}.name"), ""));
    } else {
        for msg in validate_dns1123_label(name) {
            causes.push(invalid(
                &format!("{path}.name"),
                BadValue::Str(name.into()),
                &msg,
            ));
        }
    }
    // Templates need an image too; only Pods reject surrounding whitespace, because some
    // tools use " " in templates as a token that a webhook replaces.
    let image = str_at(Some(c), "image");
    if image.is_empty() {
        causes.push(required(&format!("{path}.image"), ""));
    }
    match c.get("terminationMessagePolicy").and_then(Value::as_str) {
        None | Some("") => causes.push(required(&format!("{path}.terminationMessagePolicy"), "")),
        Some(p) if p != "File" && p != "FallbackToLogsOnError" => causes.push(not_supported(
            &format!("{path}.terminationMessagePolicy"),
            BadValue::Str(p.into()),
            &["File", "FallbackToLogsOnError"],
        )),
        _ => {}
    }
    let ports = c.get("ports").and_then(Value::as_array);
    let mut port_names = BTreeSet::new();
    for (i, port) in ports.into_iter().flatten().enumerate() {
        let pp = format!("{path}.ports[{i}]");
        let pname = str_at(Some(port), "name");
        if !pname.is_empty() {
            let msgs = validate_port_name(pname);
            for msg in &msgs {
                causes.push(invalid(
                    &format!("{pp}.name"),
                    BadValue::Str(pname.into()),
                    msg,
                ));
            }
            if msgs.is_empty() && !port_names.insert(pname.to_string()) {
                causes.push(duplicate(
                    &format!("{pp}.name"),
                    BadValue::Str(pname.into()),
                ));
            }
        }
        let number = port
            .get("containerPort")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if number == 0 {
            causes.push(required(&format!("{pp}.containerPort"), ""));
        } else {
            for msg in validate_port_num(number) {
                causes.push(invalid(
                    &format!("{pp}.containerPort"),
                    BadValue::Int(number),
                    &msg,
                ));
            }
        }
        if let Some(host) = port
            .get("hostPort")
            .and_then(Value::as_i64)
            .filter(|h| *h != 0)
        {
            for msg in validate_port_num(host) {
                causes.push(invalid(
                    &format!("{pp}.hostPort"),
                    BadValue::Int(host),
                    &msg,
                ));
            }
        }
        causes.extend(check_protocol(port, &pp));
    }
    match c.get("imagePullPolicy").and_then(Value::as_str) {
        None | Some("") => causes.push(required(&format!("{path}.imagePullPolicy"), "")),
        Some(p) if !["Always", "IfNotPresent", "Never"].contains(&p) => causes.push(not_supported(
            &format!("{path}.imagePullPolicy"),
            BadValue::Str(p.into()),
            &["Always", "IfNotPresent", "Never"],
        )),
        _ => {}
    }
    if for_pod && image.trim() != image {
        causes.push(invalid(
            &format!("{path}.image"),
            BadValue::Str(image.into()),
            "must not have leading or trailing whitespace",
        ));
    }
    if !name.is_empty() && !names.insert(name.to_string()) {
        causes.push(duplicate(
            &format!("{path}.name"),
            BadValue::Str(name.into()),
        ));
    }
    causes
}

/// ValidatePodTemplateSpec: labels and annotations (reported at `<path>.labels`, not under
/// `metadata`, as upstream does), then the pod spec.
fn validate_template(template: Option<&Value>, path: &str, with_spec: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    let meta = template.and_then(|t| t.get("metadata"));
    causes.extend(validate_labels(
        meta.and_then(|m| m.get("labels")),
        &format!("{path}.labels"),
    ));
    causes.extend(validate_annotations(
        meta.and_then(|m| m.get("annotations")),
        &format!("{path}.annotations"),
    ));
    if with_spec {
        let spec = template.and_then(|t| t.get("spec"));
        causes.extend(validate_pod_spec(spec, &format!("{path}.spec"), false));
        let ephemeral = spec
            .and_then(|s| s.get("ephemeralContainers"))
            .and_then(Value::as_array);
        if ephemeral.is_some_and(|e| !e.is_empty()) {
            causes.push(forbidden(
                &format!("{path}.spec.ephemeralContainers"),
                "ephemeral containers not allowed in pod template",
            ));
        }
    }
    causes
}

fn validate_hpa(spec: Option<&Value>) -> Vec<Cause> {
    // autoscaling validation.go validateHorizontalPodAutoscalerSpec (shared by v1 and v2;
    // HPAScaleToZero is off in 1.32, so minReplicas is at least 1).
    let mut causes = Vec::new();
    let min = spec
        .and_then(|s| s.get("minReplicas"))
        .and_then(Value::as_i64);
    let max = spec
        .and_then(|s| s.get("maxReplicas"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(min) = min.filter(|m| *m < 1) {
        causes.push(invalid(
            "spec.minReplicas",
            BadValue::Int(min),
            "must be greater than or equal to 1",
        ));
    }
    if max < 1 {
        causes.push(invalid(
            "spec.maxReplicas",
            BadValue::Int(max),
            "must be greater than 0",
        ));
    }
    if min.is_some_and(|min| max < min) {
        causes.push(invalid(
            "spec.maxReplicas",
            BadValue::Int(max),
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let target = spec.and_then(|s| s.get("scaleTargetRef"));
    for key in ["kind", "name"] {
        let value = str_at(target, key);
        let field = format!("spec.scaleTargetRef.{key}");
        if value.is_empty() {
            causes.push(required(&field, ""));
        } else {
            for msg in validate_path_segment_name(value) {
                causes.push(invalid(&field, BadValue::Str(value.into()), &msg));
            }
        }
    }
    causes
}

/// The workloads of apps/v1 (apps validation.go): the selector rules each kind has, the
/// template, restartPolicy Always, and for Deployments the rolling-update parameters.
fn validate_workload(spec: Option<&Value>, kind: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    if let Some(replicas) = spec.and_then(|s| s.get("replicas")).and_then(Value::as_i64)
        && replicas < 0
    {
        causes.push(invalid(
            "spec.replicas",
            BadValue::Int(replicas),
            "must be greater than or equal to 0",
        ));
    }
    let template = spec.and_then(|s| s.get("template"));
    let selector = spec
        .and_then(|s| s.get("selector"))
        .filter(|s| !s.is_null());
    let labels = template
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"));
    let label_map = labels.and_then(Value::as_object);
    let mismatch = || {
        invalid(
            "spec.template.metadata.labels",
            BadValue::string_map(label_map),
            "`selector` does not match template `labels`",
        )
    };
    let what = kind.to_lowercase();
    // A null selector selects nothing (so never matches); an empty one selects everything
    // (labels.Everything().Empty() is true, so no template check).
    let parsed = match selector {
        None => Some(LabelSelector::nothing()),
        Some(sel) => LabelSelector::from_label_selector(sel).ok(),
    };
    let is_empty = selector.is_some_and(|sel| {
        sel.get("matchLabels")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
            && sel
                .get("matchExpressions")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
    });
    let empty_invalid = |sel: &Value, what: &str| {
        invalid(
            "spec.selector",
            BadValue::Raw(go_label_selector(sel)),
            &format!("empty selector is invalid for {what}"),
        )
    };
    if kind == "DaemonSet" {
        // ValidateDaemonSetSpec has no Required check: a missing selector shows as a mismatch.
        if let Some(sel) = selector {
            causes.extend(validate_label_selector(sel, "spec.selector"));
        }
        if parsed.as_ref().is_some_and(|p| !p.matches(label_map)) {
            causes.push(mismatch());
        }
        if let Some(sel) = selector.filter(|_| is_empty) {
            causes.push(empty_invalid(sel, &what));
        }
    } else {
        match selector {
            None => causes.push(required("spec.selector", "")),
            Some(sel) => {
                causes.extend(validate_label_selector(sel, "spec.selector"));
                if is_empty {
                    // ReplicaSet reuses the Deployment wording.
                    let what = if kind == "ReplicaSet" {
                        "deployment"
                    } else {
                        what.as_str()
                    };
                    causes.push(empty_invalid(sel, what));
                }
            }
        }
        if let Some(p) = &parsed
            && !p.is_empty()
            && !p.matches(label_map)
        {
            causes.push(mismatch());
        }
    }
    // StatefulSet validation leaves the pod spec unchecked (a TODO upstream).
    causes.extend(validate_template(
        template,
        "spec.template",
        kind != "StatefulSet",
    ));
    let pod = template.and_then(|t| t.get("spec"));
    let restart = str_at(pod, "restartPolicy");
    if restart != "Always" {
        causes.push(not_supported(
            "spec.template.spec.restartPolicy",
            BadValue::Str(restart.into()),
            &["Always"],
        ));
    }
    if pod
        .and_then(|p| p.get("activeDeadlineSeconds"))
        .is_some_and(|v| !v.is_null())
    {
        causes.push(forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            &format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
    if kind == "Deployment" {
        causes.extend(validate_deployment_strategy(spec));
    }
    causes
}

/// Go's `%#v` of a metav1.LabelSelector (field.Error dereferences the pointer), as in the
/// well-known `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:...}` messages.
fn go_label_selector(sel: &Value) -> String {
    let labels = match sel.get("matchLabels") {
        Some(Value::Object(m)) => BadValue::string_map(Some(m)).render(),
        _ => "map[string]string(nil)".to_string(),
    };
    let exprs = match sel.get("matchExpressions") {
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|e| {
                    let values = match e.get("values") {
                        Some(Value::Array(vs)) => BadValue::StrList(
                            vs.iter()
                                .map(|v| v.as_str().unwrap_or("").to_string())
                                .collect(),
                        )
                        .render(),
                        _ => "[]string(nil)".to_string(),
                    };
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{values}}}",
                        go_quote(str_at(Some(e), "key")),
                        go_quote(str_at(Some(e), "operator")),
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", parts.join(", "))
        }
        _ => "[]v1.LabelSelectorRequirement(nil)".to_string(),
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")
}

/// `%#v` of an intstr.IntOrString value (it has no value-receiver String method).
fn go_int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => {
            format!(
                "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
                go_quote(s)
            )
        }
        other => format!(
            "intstr.IntOrString{{Type:0, IntVal:{}, StrVal:\"\"}}",
            other.as_i64().unwrap_or(0)
        ),
    }
}

/// getIntOrPercentValue: the number of an int, or of a valid percent string.
fn int_or_percent(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::String(s)) => s
            .strip_suffix('%')
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        Some(other) => other.as_i64().unwrap_or(0),
        None => 0,
    }
}

fn validate_int_or_percent(v: Option<&Value>, field: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    match v {
        Some(Value::String(s)) => {
            let digits = s.strip_suffix('%').unwrap_or("");
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                causes.push(invalid(
                    field,
                    BadValue::Raw(go_int_or_string(&Value::String(s.clone()))),
                    &regex_error(
                        "a valid percent string must be a numeric string followed by an ending '%'",
                        "[0-9]+%",
                        &["1%", "93%"],
                    ),
                ));
            } else if digits.parse::<i64>().is_ok_and(|n| n > 100) {
                causes.push(invalid(
                    field,
                    BadValue::Raw(go_int_or_string(&Value::String(s.clone()))),
                    "must not be greater than 100%",
                ));
            }
        }
        Some(n) => {
            if let Some(n) = n.as_i64().filter(|n| *n < 0) {
                causes.push(invalid(
                    field,
                    BadValue::Int(n),
                    "must be greater than or equal to 0",
                ));
            }
        }
        None => {}
    }
    causes
}

fn validate_deployment_strategy(spec: Option<&Value>) -> Vec<Cause> {
    // ValidateDeploymentStrategy, ValidateRollingUpdateDeployment and the deadline check.
    let mut causes = Vec::new();
    let strategy = spec.and_then(|s| s.get("strategy"));
    let rolling = strategy
        .and_then(|s| s.get("rollingUpdate"))
        .filter(|r| !r.is_null());
    match str_at(strategy, "type") {
        "Recreate" => {
            if rolling.is_some() {
                causes.push(forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = rolling {
                let unavailable = ru.get("maxUnavailable");
                let surge = ru.get("maxSurge");
                let mu = "spec.strategy.rollingUpdate.maxUnavailable";
                causes.extend(validate_int_or_percent(unavailable, mu));
                causes.extend(validate_int_or_percent(
                    surge,
                    "spec.strategy.rollingUpdate.maxSurge",
                ));
                if int_or_percent(unavailable) == 0 && int_or_percent(surge) == 0 {
                    let shown = unavailable.cloned().unwrap_or(Value::from(0));
                    causes.push(invalid(
                        mu,
                        BadValue::Raw(go_int_or_string(&shown)),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
            }
        }
        other => causes.push(not_supported(
            "spec.strategy",
            BadValue::Raw(format!(
                "apps.DeploymentStrategy{{Type:{}}}",
                go_quote(other)
            )),
            &["Recreate", "RollingUpdate"],
        )),
    }
    let min_ready = spec
        .and_then(|s| s.get("minReadySeconds"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(deadline) = spec
        .and_then(|s| s.get("progressDeadlineSeconds"))
        .and_then(Value::as_i64)
        && deadline <= min_ready
    {
        causes.push(invalid(
            "spec.progressDeadlineSeconds",
            BadValue::Int(deadline),
            "must be greater than minReadySeconds",
        ));
    }
    causes
}

/// ValidateLabelSelector for a metav1.LabelSelector object.
pub fn validate_label_selector(sel: &Value, path: &str) -> Vec<Cause> {
    let mut causes = validate_labels(sel.get("matchLabels"), &format!("{path}.matchLabels"));
    let exprs = sel.get("matchExpressions").and_then(Value::as_array);
    for (i, expr) in exprs.into_iter().flatten().enumerate() {
        let ep = format!("{path}.matchExpressions[{i}]");
        let values = expr.get("values").and_then(Value::as_array);
        let count = values.map_or(0, Vec::len);
        let op = str_at(Some(expr), "operator");
        match op {
            "In" | "NotIn" if count == 0 => causes.push(required(
                &format!("{ep}.values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if count > 0 => causes.push(forbidden(
                &format!("{ep}.values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => causes.push(invalid(
                &format!("{ep}.operator"),
                BadValue::Str(other.into()),
                "not a valid selector operator",
            )),
        }
        let key = str_at(Some(expr), "key");
        for msg in validate_qualified_name(key) {
            causes.push(invalid(
                &format!("{ep}.key"),
                BadValue::Str(key.into()),
                &msg,
            ));
        }
        for (j, v) in values.into_iter().flatten().enumerate() {
            let v = v.as_str().unwrap_or("");
            for msg in validate_label_value(v) {
                causes.push(invalid(
                    &format!("{ep}.values[{j}]"),
                    BadValue::Str(v.into()),
                    &msg,
                ));
            }
        }
    }
    causes
}

/// The Job's selector: required once generated (or given with manualSelector), and matching
/// the template's labels (batch validation.go ValidateJobSpec).
fn job_selector(spec: Option<&Value>, template: Option<&Value>, path: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let selector = spec
        .and_then(|s| s.get("selector"))
        .filter(|s| !s.is_null());
    let labels = template
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"));
    let label_map = labels.and_then(Value::as_object);
    let parsed = match selector {
        None => {
            causes.push(required(&format!("{path}.selector"), ""));
            Some(LabelSelector::nothing())
        }
        Some(sel) => {
            causes.extend(validate_label_selector(sel, &format!("{path}.selector")));
            LabelSelector::from_label_selector(sel).ok()
        }
    };
    if parsed.is_some_and(|p| !p.matches(label_map)) {
        causes.push(invalid(
            &format!("{path}.template.metadata.labels"),
            BadValue::string_map(label_map),
            "`selector` does not match template `labels`",
        ));
    }
    causes
}

fn validate_job_spec(spec: Option<&Value>, path: &str, with_selector: bool) -> Vec<Cause> {
    // validateJobSpec: non-negative counts, the template, restartPolicy Never/OnFailure; then,
    // for a Job (not a CronJob's template), the selector.
    let mut causes = Vec::new();
    for key in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
    ] {
        if let Some(n) = spec.and_then(|s| s.get(key)).and_then(Value::as_i64)
            && n < 0
        {
            causes.push(invalid(
                &format!("{path}.{key}"),
                BadValue::Int(n),
                "must be greater than or equal to 0",
            ));
        }
    }
    let template = spec.and_then(|s| s.get("template"));
    let tpath = format!("{path}.template");
    causes.extend(validate_template(template, &tpath, true));
    let restart = str_at(template.and_then(|t| t.get("spec")), "restartPolicy");
    if restart != "OnFailure" && restart != "Never" {
        causes.push(not_supported(
            &format!("{tpath}.spec.restartPolicy"),
            BadValue::Str(restart.into()),
            &["OnFailure", "Never"],
        ));
    }
    // The server generates the selector from the uid unless manualSelector is set, so a Job
    // validated before that (see apply_job_selector_defaults) is not blamed for lacking one.
    let manual = spec
        .and_then(|s| s.get("manualSelector"))
        .and_then(Value::as_bool)
        == Some(true);
    let has_selector = spec
        .and_then(|s| s.get("selector"))
        .is_some_and(|s| !s.is_null());
    if with_selector && (manual || has_selector) {
        causes.extend(job_selector(spec, template, path));
    }
    causes
}

fn validate_cron_job(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    // CronJob names leave room for the 11-character suffix of the Jobs it creates.
    if name.len() > 52 {
        causes.push(invalid(
            "metadata.name",
            BadValue::Str(name.into()),
            "must be no more than 52 characters",
        ));
    }
    let spec = obj.get("spec");
    if str_at(spec, "schedule").is_empty() {
        causes.push(required("spec.schedule", ""));
    }
    let policy = str_at(spec, "concurrencyPolicy");
    if !["Allow", "Forbid", "Replace"].contains(&policy) {
        if policy.is_empty() {
            causes.push(required("spec.concurrencyPolicy", ""));
        } else {
            causes.push(not_supported(
                "spec.concurrencyPolicy",
                BadValue::Str(policy.into()),
                &["Allow", "Forbid", "Replace"],
            ));
        }
    }
    let job_spec = spec
        .and_then(|s| s.get("jobTemplate"))
        .and_then(|t| t.get("spec"));
    causes.extend(validate_job_spec(job_spec, "spec.jobTemplate.spec", false));
    causes
}

fn validate_crd(obj: &Value) -> Vec<Cause> {
    // apiextensions validateCustomResourceDefinitionSpec, in its order: group, scope, schemas,
    // versions, then names. The name rule plural.group is part of the metadata checks.
    let mut causes = Vec::new();
    let spec = obj.get("spec");
    let group = str_at(spec, "group");
    if group.is_empty() {
        causes.push(required("spec.group", ""));
    } else {
        let errs = validate_dns1123_subdomain(group);
        if !errs.is_empty() {
            causes.push(invalid(
                "spec.group",
                BadValue::Str(group.into()),
                &errs.join(","),
            ));
        } else if !group.contains('.') {
            causes.push(invalid(
                "spec.group",
                BadValue::Str(group.into()),
                "should be a domain with at least one dot",
            ));
        }
    }
    let scope = str_at(spec, "scope");
    if scope.is_empty() {
        causes.push(required("spec.scope", ""));
    } else if scope != "Cluster" && scope != "Namespaced" {
        causes.push(not_supported(
            "spec.scope",
            BadValue::Str(scope.into()),
            &["Cluster", "Namespaced"],
        ));
    }

    let versions_value = spec.and_then(|s| s.get("versions"));
    let versions = versions_value
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    // apiextensions.k8s.io/v1 requires a structural schema for every version.
    for (i, v) in versions.iter().enumerate() {
        let has_schema = v
            .get("schema")
            .and_then(|s| s.get("openAPIV3Schema"))
            .is_some_and(|s| !s.is_null());
        if !has_schema {
            causes.push(required(
                &format!("spec.versions[{i}].schema.openAPIV3Schema"),
                "schemas are required",
            ));
        }
    }
    let mut seen = BTreeSet::new();
    let mut unique = true;
    let mut storage = 0;
    for (i, v) in versions.iter().enumerate() {
        let name = str_at(Some(v), "name");
        if !seen.insert(name.to_string()) {
            unique = false;
        }
        let errs = validate_dns1035_label(name);
        if !errs.is_empty() {
            causes.push(invalid(
                &format!("spec.versions[{i}].name"),
                BadValue::Str(name.into()),
                &errs.join(","),
            ));
        }
        if v.get("storage").and_then(Value::as_bool) == Some(true) {
            storage += 1;
        }
    }
    // Go prints the []CustomResourceDefinitionVersion with %#v, pointers and all; the JSON
    // stands in for it.
    let rendered = match versions_value {
        None | Some(Value::Null) => {
            BadValue::Raw("[]apiextensions.CustomResourceDefinitionVersion(nil)".into())
        }
        Some(v) => BadValue::Raw(v.to_string()),
    };
    if !unique {
        causes.push(invalid(
            "spec.versions",
            rendered.clone(),
            "must contain unique version names",
        ));
    }
    if storage != 1 {
        causes.push(invalid(
            "spec.versions",
            rendered,
            "must have exactly one version marked as storage version",
        ));
    }

    let names = spec.and_then(|s| s.get("names"));
    for key in ["plural", "singular", "kind", "listKind"] {
        if str_at(names, key).is_empty() {
            causes.push(required(&format!("spec.names.{key}"), ""));
        }
    }
    for key in ["plural", "singular"] {
        let value = str_at(names, key);
        let errs = validate_dns1035_label(value);
        if !value.is_empty() && !errs.is_empty() {
            causes.push(invalid(
                &format!("spec.names.{key}"),
                BadValue::Str(value.into()),
                &errs.join(","),
            ));
        }
    }
    for key in ["kind", "listKind"] {
        let value = str_at(names, key);
        let errs = validate_dns1035_label(&value.to_lowercase());
        if !value.is_empty() && !errs.is_empty() {
            causes.push(invalid(
                &format!("spec.names.{key}"),
                BadValue::Str(value.into()),
                &format!(
                    "may have mixed case, but should otherwise match: {}",
                    errs.join(",")
                ),
            ));
        }
    }
    for list in ["shortNames", "categories"] {
        let items = names.and_then(|n| n.get(list)).and_then(Value::as_array);
        for (i, item) in items.into_iter().flatten().enumerate() {
            let item = item.as_str().unwrap_or("");
            let errs = validate_dns1035_label(item);
            if !errs.is_empty() {
                causes.push(invalid(
                    &format!("spec.names.{list}[{i}]"),
                    BadValue::Str(item.into()),
                    &errs.join(","),
                ));
            }
        }
    }
    let kind = str_at(names, "kind");
    if !kind.is_empty() && kind == str_at(names, "listKind") {
        causes.push(invalid(
            "spec.names.listKind",
            BadValue::Str(kind.into()),
            "kind and listKind may not be the same",
        ));
    }
    causes
}

/// The name a CRD must have: `<spec.names.plural>.<spec.group>`.
fn crd_required_name(obj: &Value) -> String {
    let spec = obj.get("spec");
    let plural = str_at(spec.and_then(|s| s.get("names")), "plural");
    format!("{plural}.{}", str_at(spec, "group"))
}

/// The warnings (HTTP `Warning: 299` headers) a create gets from the registry strategies'
/// WarningsOnCreate: workloads whose names go into pod hostnames should be DNS labels.
pub fn warnings_on_create(info: &ResourceInfo, obj: &Value) -> Vec<String> {
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let what = match (info.group.as_str(), info.kind.as_str()) {
        ("", "Pod") => "the Pod's hostname",
        ("", "ReplicationController")
        | ("apps", "Deployment" | "ReplicaSet")
        | ("batch", "Job" | "CronJob") => "Pod names and hostnames",
        _ => return Vec::new(),
    };
    let msgs = validate_dns1123_label(name);
    if name.is_empty() || msgs.is_empty() {
        return Vec::new();
    }
    // Go prints the []string with %v: bracketed, space-separated.
    vec![format!(
        "metadata.name: this is used in {what}, which can result in surprising behavior; a DNS label is recommended: [{}]",
        msgs.join(" ")
    )]
}

// ---------------------------------------------------------------------------------------------
// Decoding errors: what the real server rejects with a 400 before validation runs, because
// the typed decoder cannot read a field.

/// The 400 message for a built-in object whose fields cannot be decoded into their Go types:
/// Secret `data` and ConfigMap `binaryData` that are not base64, and quantities (resource
/// lists, size limits) that do not parse, worded as the handler's transformDecodeError does:
/// `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`.
pub fn decode_error(gvk: &GroupVersionKind, obj: &Value) -> Option<String> {
    let detail = match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("", "Secret") => base64_fields(obj.get("data")),
        ("", "ConfigMap") => base64_fields(obj.get("binaryData")),
        _ => None,
    }
    .or_else(|| quantity_fields(obj))?;
    Some(format!(
        "{kind} in version {} cannot be handled as a {kind}: {detail}",
        go_quote(&gvk.version),
        kind = gvk.kind
    ))
}

fn base64_fields(map: Option<&Value>) -> Option<String> {
    let map = map?.as_object()?;
    map.values().find_map(|v| {
        let text = v.as_str()?;
        base64_error_offset(text.as_bytes())
            .map(|offset| format!("illegal base64 data at input byte {offset}"))
    })
}

/// Where Go's base64.StdEncoding.Decode reports corrupt input (encoding/base64
/// decodeQuantum): padding is required, CR and LF are skipped, and the offset is that of the
/// offending byte, or of the start of an incomplete final group.
fn base64_error_offset(src: &[u8]) -> Option<usize> {
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let newline = |b: u8| b == b'\n' || b == b'\r';
    let mut si = 0usize;
    loop {
        let mut j = 0usize;
        while j < 4 {
            let Some(&b) = src.get(si) else {
                return if j == 0 { None } else { Some(si - j) };
            };
            si += 1;
            if valid(b) {
                j += 1;
                continue;
            }
            if newline(b) {
                continue;
            }
            if b != b'=' || j < 2 {
                return Some(si - 1);
            }
            if j == 2 {
                // "==" is expected; the first "=" has been read.
                while src.get(si).is_some_and(|b| newline(*b)) {
                    si += 1;
                }
                match src.get(si) {
                    None => return Some(src.len()),
                    Some(b'=') => si += 1,
                    Some(_) => return Some(si - 1),
                }
            }
            while src.get(si).is_some_and(|b| newline(*b)) {
                si += 1;
            }
            // Anything after the padding is trailing garbage.
            return if si < src.len() { Some(si) } else { None };
        }
    }
}

/// The keys whose values are ResourceLists or single quantities in the built-in types.
const QUANTITY_LISTS: &[&str] = &[
    "limits",
    "requests",
    "hard",
    "capacity",
    "allocatable",
    "overhead",
    "used",
];

fn quantity_fields(obj: &Value) -> Option<String> {
    match obj {
        Value::Object(map) => map.iter().find_map(|(key, value)| {
            let in_list = QUANTITY_LISTS.contains(&key.as_str());
            match value {
                Value::Object(list) if in_list => list.values().find_map(|q| match q {
                    Value::String(s) => quantity_error(s),
                    _ => None,
                }),
                Value::String(s) if key == "sizeLimit" => quantity_error(s),
                other => quantity_fields(other),
            }
        }),
        Value::Array(items) => items.iter().find_map(quantity_fields),
        _ => None,
    }
}

/// resource.ParseQuantity's error for `text`, if any: ErrFormatWrong for text outside the
/// grammar, ErrSuffix for an unknown suffix.
fn quantity_error(text: &str) -> Option<String> {
    const FORMAT: &str = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    let text = text.trim();
    if text.is_empty() {
        return Some(FORMAT.into());
    }
    let rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number = rest.get(..number_len)?;
    let suffix = rest.get(number_len..)?;
    // The number is digits with at most one point (parseQuantityString stops at a second).
    if number.matches('.').count() > 1 {
        return Some(FORMAT.into());
    }
    let letters_len = suffix
        .bytes()
        .take_while(|b| b"eEinumkKMGTP".contains(b))
        .count();
    let tail = suffix.get(letters_len..)?;
    let digits = tail.strip_prefix(['+', '-']).unwrap_or(tail);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(FORMAT.into());
    }
    let known = matches!(
        suffix,
        "" | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
            | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
    ) || suffix.strip_prefix(['e', 'E']).is_some_and(|exp| {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
    });
    if known {
        None
    } else {
        Some("unable to parse quantity's suffix".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::builtin_resource;
    use serde_json::json;

    fn info(group: &str, version: &str, plural: &str) -> &'static ResourceInfo {
        match builtin_resource(group, version, plural) {
            Some(i) => i,
            None => panic!("missing {plural}"),
        }
    }

    fn fields(causes: &[Cause]) -> Vec<(String, String)> {
        causes
            .iter()
            .map(|c| (c.field.clone(), c.message.clone()))
            .collect()
    }

    #[test]
    fn dns_subdomain_message_is_upstream() {
        // apimachinery validation.go IsDNS1123Subdomain.
        assert_eq!(
            validate_dns1123_subdomain("Bad_Name"),
            [
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ]
        );
        assert!(validate_dns1123_subdomain("a.b-c").is_empty());
        assert_eq!(
            validate_dns1123_subdomain(&"a".repeat(254))[0],
            "must be no more than 253 characters"
        );
    }

    #[test]
    fn dns_label_reports_dots_separately() {
        // 1.32 IsDNS1123Label: a valid subdomain with dots gets "must not contain dots".
        assert_eq!(validate_dns1123_label("a.b"), ["must not contain dots"]);
        assert!(validate_dns1123_label("a-b").is_empty());
        assert!(
            validate_dns1123_label("A")[0].starts_with("a lowercase RFC 1123 label must consist")
        );
        assert!(validate_dns1123_label("A")[0].ends_with(
            "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        ));
    }

    #[test]
    fn regex_error_lists_examples_like_go() {
        // RegexError appends "'ex', " per example with " or " between, hence two spaces
        // (apimachinery validation.go; seen in real 400 bodies: "'MyName',  or 'my.name'").
        assert_eq!(
            regex_error("m", "f", &["a", "b"]),
            "m (e.g. 'a',  or 'b', regex used for validation is 'f')"
        );
        assert_eq!(
            regex_error("m", "f", &[]),
            "m (regex used for validation is 'f')"
        );
    }

    #[test]
    fn dns1035_requires_leading_letter() {
        assert!(validate_dns1035_label("web").is_empty());
        assert!(validate_dns1035_label("1web")[0].starts_with("a DNS-1035 label must consist"));
    }

    #[test]
    fn qualified_name_prefix_and_name_parts() {
        // IsQualifiedName: prefix must be a subdomain, name part must be non-empty.
        assert!(validate_qualified_name("example.com/app").is_empty());
        assert_eq!(
            validate_qualified_name("/app"),
            ["prefix part must be non-empty"]
        );
        let errs = validate_qualified_name("example.com/");
        assert_eq!(errs[0], "name part must be non-empty");
        assert!(errs[1].starts_with("name part must consist of alphanumeric characters"));
        assert!(
            validate_qualified_name("a/b/c")[0].starts_with("a qualified name must consist of")
        );
        assert!(
            validate_qualified_name("Bad_/x")[0].starts_with("prefix part a lowercase RFC 1123")
        );
    }

    #[test]
    fn label_values_may_be_empty() {
        assert!(validate_label_value("").is_empty());
        assert!(
            validate_label_value("a b")[0].starts_with("a valid label must be an empty string")
        );
        assert_eq!(
            validate_label_value(&"a".repeat(64))[0],
            "must be no more than 63 characters"
        );
    }

    #[test]
    fn config_map_keys() {
        // IsConfigMapKey and hasChDirPrefix.
        assert!(validate_config_map_key("app.properties").is_empty());
        assert_eq!(validate_config_map_key(".."), ["must not be '..'"]);
        assert_eq!(validate_config_map_key("..x"), ["must not start with '..'"]);
        assert!(validate_config_map_key("a/b")[0].starts_with("a valid config key"));
    }

    #[test]
    fn path_segment_names() {
        // apimachinery pkg/api/validation/path/name.go.
        assert_eq!(validate_path_segment_name(".."), ["may not be '..'"]);
        assert_eq!(
            validate_path_segment_name("a/b%c"),
            ["may not contain '/'", "may not contain '%'"]
        );
        assert!(validate_path_segment_name("system:controller:x").is_empty());
    }

    #[test]
    fn generate_name_masks_trailing_dash() {
        // maskTrailingDash replaces the last two characters with "a".
        assert!(NameRule::Dns1123Subdomain.check("web-", true).is_empty());
        assert!(NameRule::Dns1123Label.check("x-", true).is_empty());
        assert!(!NameRule::Dns1123Subdomain.check("web-", false).is_empty());
    }

    #[test]
    fn name_rules_per_resource() {
        // core validation: namespaces DNS label, services DNS-1035, PVs subdomains (var
        // ValidatePersistentVolumeName = NameIsDNSSubdomain), RBAC path segments.
        assert_eq!(
            name_rule(info("", "v1", "namespaces")),
            NameRule::Dns1123Label
        );
        assert_eq!(
            name_rule(info("", "v1", "services")),
            NameRule::Dns1035Label
        );
        assert_eq!(
            name_rule(info("rbac.authorization.k8s.io", "v1", "clusterroles")),
            NameRule::PathSegment
        );
        assert_eq!(
            name_rule(info("apps", "v1", "deployments")),
            NameRule::Dns1123Subdomain
        );
        let obj = json!({"metadata": {"name": "system:aggregate-to-admin"}});
        assert!(
            validate_metadata(
                info("rbac.authorization.k8s.io", "v1", "clusterroles"),
                &obj
            )
            .is_empty()
        );
    }

    #[test]
    fn metadata_name_errors_are_worded_as_upstream() {
        let obj = json!({"metadata": {"name": "Bad_Name", "namespace": "default"}});
        let causes = validate_metadata(info("", "v1", "configmaps"), &obj);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "metadata.name");
        assert_eq!(causes[0].reason, "FieldValueInvalid");
        assert!(
            causes[0]
                .message
                .starts_with("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain")
        );
        let none = validate_metadata(
            info("", "v1", "configmaps"),
            &json!({"metadata": {"namespace": "x"}}),
        );
        assert_eq!(
            fields(&none),
            [(
                "metadata.name".into(),
                "Required value: name or generateName is required".into()
            )]
        );
    }

    #[test]
    fn namespace_required_or_forbidden() {
        let cm = validate_metadata(
            info("", "v1", "configmaps"),
            &json!({"metadata": {"name": "a"}}),
        );
        assert_eq!(
            fields(&cm),
            [("metadata.namespace".into(), "Required value".into())]
        );
        let ns = validate_metadata(
            info("", "v1", "namespaces"),
            &json!({"metadata": {"name": "a", "namespace": "b"}}),
        );
        assert_eq!(
            fields(&ns),
            [(
                "metadata.namespace".into(),
                "Forbidden: not allowed on this type".into()
            )]
        );
    }

    #[test]
    fn labels_and_annotations() {
        let obj = json!({"metadata": {"name": "a", "namespace": "d",
            "labels": {"ok": "bad value"}, "annotations": {"x/y/z": "v"}}});
        let causes = validate_metadata(info("", "v1", "configmaps"), &obj);
        assert_eq!(causes[0].field, "metadata.labels");
        assert!(
            causes[0]
                .message
                .starts_with("Invalid value: \"bad value\": a valid label")
        );
        assert_eq!(causes[1].field, "metadata.annotations");
        let big = json!({"metadata": {"name": "a", "namespace": "d", "annotations": {"k": "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT)}}});
        let causes = validate_metadata(info("", "v1", "configmaps"), &big);
        assert_eq!(
            fields(&causes),
            [(
                "metadata.annotations".into(),
                "Too long: may not be more than 262144 bytes".into()
            )]
        );
    }

    #[test]
    fn deployment_without_selector() {
        // Known 1.32 message: spec.selector Required and the template labels mismatch. The
        // server validates the defaulted object, so the test defaults it first.
        let d = defaulted(
            json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
        );
        let causes = validate_object(info("apps", "v1", "deployments"), &d);
        assert_eq!(
            fields(&causes),
            [
                ("spec.selector".into(), "Required value".into()),
                (
                    "spec.template.metadata.labels".into(),
                    "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`".into()
                ),
            ]
        );
    }

    fn defaulted(mut d: Value) -> Value {
        let gvk = crate::gvk::GroupVersionKind::new("apps", "v1", "Deployment");
        crate::defaults::apply_defaults(&gvk, &mut d);
        d
    }

    #[test]
    fn deployment_container_image_required() {
        let d = defaulted(
            json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c"}]}}}}),
        );
        let causes = validate_object(info("apps", "v1", "deployments"), &d);
        assert_eq!(
            fields(&causes),
            [(
                "spec.template.spec.containers[0].image".into(),
                "Required value".into()
            )]
        );
        let mut no_containers = d.clone();
        no_containers["spec"]["template"]["spec"]["containers"] = json!([]);
        let causes = validate_object(info("apps", "v1", "deployments"), &no_containers);
        assert_eq!(
            fields(&causes),
            [(
                "spec.template.spec.containers".into(),
                "Required value".into()
            )]
        );
    }

    #[test]
    fn job_restart_policy_must_not_be_always() {
        // batch validation: Unsupported value: "Always": supported values: "OnFailure", "Never".
        let j = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {
            "template": {"spec": {"containers": [{"name": "c", "image": "busybox",
                "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"}],
                "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}}}});
        let causes = validate_object(info("batch", "v1", "jobs"), &j);
        assert_eq!(
            fields(&causes),
            [(
                "spec.template.spec.restartPolicy".into(),
                "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"".into()
            )]
        );
    }

    #[test]
    fn service_ports() {
        // ValidateService / validateServicePort, on the defaulted object as the server sees it.
        let svc = |spec: Value| {
            let mut obj = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": spec});
            let gvk = crate::gvk::GroupVersionKind::new("", "v1", "Service");
            crate::defaults::apply_defaults(&gvk, &mut obj);
            validate_object(info("", "v1", "services"), &obj)
        };
        assert_eq!(
            fields(&svc(json!({}))),
            [("spec.ports".into(), "Required value".into())]
        );
        assert!(svc(json!({"clusterIP": "None"})).is_empty());
        assert!(svc(json!({"ports": [{"port": 80}]})).is_empty());
        let causes = svc(json!({"ports": [
            {"port": 70000},
            {"name": "b", "port": 81, "protocol": "HTTP", "targetPort": "Web"}]}));
        assert_eq!(
            fields(&causes),
            [
                ("spec.ports[0].name".into(), "Required value".into()),
                ("spec.ports[0].port".into(), "Invalid value: 70000: must be between 1 and 65535, inclusive".into()),
                ("spec.ports[0].targetPort".into(), "Invalid value: 70000: must be between 1 and 65535, inclusive".into()),
                ("spec.ports[1].protocol".into(), "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"".into()),
                ("spec.ports[1].targetPort".into(), "Invalid value: \"Web\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into()),
            ]
        );
        let dup = svc(json!({"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]}));
        assert_eq!(dup[0].field, "spec.ports[1]");
        assert!(
            dup[0]
                .message
                .starts_with("Duplicate value: core.ServicePort{")
        );
        let ext = svc(json!({"type": "ExternalName"}));
        assert_eq!(
            fields(&ext),
            [("spec.externalName".into(), "Required value".into())]
        );
        let lb = svc(json!({"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]}));
        assert_eq!(
            lb[0].message,
            "Invalid value: \"None\": may not be set to 'None' for NodePort services"
        );
        let mut named =
            json!({"metadata": {"name": "Web", "namespace": "d"}, "spec": {"clusterIP": "None"}});
        crate::defaults::apply_defaults(
            &crate::gvk::GroupVersionKind::new("", "v1", "Service"),
            &mut named,
        );
        assert!(
            validate_object(info("", "v1", "services"), &named)[0]
                .message
                .contains("DNS-1035")
        );
    }

    #[test]
    fn config_map_and_secret_keys() {
        let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"a b": "x"}, "binaryData": {"k": "eA=="}});
        let causes = validate_object(info("", "v1", "configmaps"), &cm);
        assert_eq!(causes[0].field, "data[a b]");
        let dup = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"k": "x"}, "binaryData": {"k": "eA=="}});
        let causes = validate_object(info("", "v1", "configmaps"), &dup);
        assert_eq!(
            causes[0].message,
            "Invalid value: \"k\": duplicate of key present in binaryData"
        );
        let tls = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}});
        let causes = validate_object(info("", "v1", "secrets"), &tls);
        assert_eq!(
            fields(&causes),
            [("data[tls.key]".into(), "Required value".into())]
        );
    }

    #[test]
    fn crd_basics() {
        // apiextensions validation.go, on the defaulted CRD (singular and listKind filled in).
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object"}}}]}});
        let check = |mut obj: Value| {
            let gvk = crate::gvk::GroupVersionKind::new(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
            );
            crate::defaults::apply_defaults(&gvk, &mut obj);
            let i = info("apiextensions.k8s.io", "v1", "customresourcedefinitions");
            fields(&validate_object(i, &obj))
        };
        assert!(check(crd.clone()).is_empty());
        let mut bad = crd.clone();
        bad["metadata"]["name"] = json!("widget.example.com");
        bad["spec"]["scope"] = json!("Global");
        bad["spec"]["versions"] = json!([{"name": "v1", "storage": false}]);
        let got = check(bad);
        assert_eq!(
            got[0],
            (
                "metadata.name".into(),
                "Invalid value: \"widget.example.com\": must be spec.names.plural+\".\"+spec.group"
                    .into()
            )
        );
        assert_eq!(
            got[1],
            (
                "spec.scope".into(),
                "Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\""
                    .into()
            )
        );
        assert_eq!(
            got[2],
            (
                "spec.versions[0].schema.openAPIV3Schema".into(),
                "Required value: schemas are required".into()
            )
        );
        assert!(
            got[3]
                .1
                .ends_with("must have exactly one version marked as storage version")
        );
        let mut nogroup = crd.clone();
        nogroup["spec"]["group"] = json!("example");
        nogroup["metadata"]["name"] = json!("widgets.example");
        assert_eq!(
            check(nogroup)[0].1,
            "Invalid value: \"example\": should be a domain with at least one dot"
        );
        let mut noversions = crd.clone();
        noversions["spec"]
            .as_object_mut()
            .map(|s| s.remove("versions"));
        assert_eq!(
            check(noversions),
            [(
                "spec.versions".into(),
                "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version".into()
            )]
        );
        let mut nokind = crd.clone();
        nokind["spec"]["names"] = json!({"plural": "widgets"});
        assert_eq!(
            check(nokind),
            [
                ("spec.names.singular".into(), "Required value".into()),
                ("spec.names.kind".into(), "Required value".into()),
                ("spec.names.listKind".into(), "Required value".into()),
            ]
        );
    }

    fn container() -> Value {
        json!({"name": "c", "image": "nginx", "imagePullPolicy": "Always",
            "terminationMessagePolicy": "File"})
    }

    fn pod_spec() -> Value {
        json!({"containers": [container()], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"})
    }

    #[test]
    fn statefulset_names_are_labels_and_pod_spec_is_unchecked() {
        // apps validation.go: ValidateStatefulSetName is NameIsDNSLabel, and
        // ValidatePodTemplateSpecForStatefulSet only checks labels and annotations.
        let sts = json!({"metadata": {"name": "web.v1", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c"}], "restartPolicy": "Always"}}}});
        let causes = validate_object(info("apps", "v1", "statefulsets"), &sts);
        assert_eq!(
            fields(&causes),
            [(
                "metadata.name".into(),
                "Invalid value: \"web.v1\": must not contain dots".into()
            )]
        );
    }

    #[test]
    fn daemonset_without_selector_only_mismatches() {
        // ValidateDaemonSetSpec has no Required check for the selector.
        let ds = json!({"metadata": {"name": "agent", "namespace": "d"}, "spec": {
            "template": {"metadata": {"labels": {"app": "a"}}, "spec": pod_spec()}}});
        let causes = validate_object(info("apps", "v1", "daemonsets"), &ds);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "spec.template.metadata.labels");
        let mut empty = ds.clone();
        empty["spec"]["selector"] = json!({});
        let causes = validate_object(info("apps", "v1", "daemonsets"), &empty);
        assert_eq!(causes.len(), 1);
        assert!(
            causes[0]
                .message
                .ends_with("empty selector is invalid for daemonset")
        );
    }

    #[test]
    fn empty_selector_wording_per_kind() {
        // ReplicaSet reuses "for deployment"; the empty selector matches everything, so the
        // template check is skipped.
        let rs = json!({"metadata": {"name": "r", "namespace": "d"}, "spec": {"selector": {},
            "template": {"metadata": {"labels": {"app": "a"}}, "spec": pod_spec()}}});
        let causes = validate_object(info("apps", "v1", "replicasets"), &rs);
        assert_eq!(causes.len(), 1);
        assert!(
            causes[0]
                .message
                .ends_with("empty selector is invalid for deployment")
        );
    }

    #[test]
    fn deployment_strategy_checks() {
        // ValidateRollingUpdateDeployment: both zero is refused, percentages at most 100%.
        let d = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "0%"}},
            "progressDeadlineSeconds": 600,
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec()}}});
        let causes = validate_object(info("apps", "v1", "deployments"), &d);
        assert_eq!(
            fields(&causes),
            [(
                "spec.strategy.rollingUpdate.maxUnavailable".into(),
                "Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0".into()
            )]
        );
        let mut over = d.clone();
        over["spec"]["strategy"]["rollingUpdate"] =
            json!({"maxUnavailable": "150%", "maxSurge": 1});
        let causes = validate_object(info("apps", "v1", "deployments"), &over);
        assert_eq!(
            causes[0].message,
            "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%"
        );
    }

    #[test]
    fn template_labels_are_reported_at_template_labels() {
        // ValidatePodTemplateSpec validates labels at fldPath.Child("labels").
        let d = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web", "bad": "-x"}}, "spec": pod_spec()}}});
        let causes = validate_object(info("apps", "v1", "deployments"), &d);
        assert_eq!(causes[0].field, "spec.template.labels");
    }

    #[test]
    fn pod_only_image_whitespace_and_duplicate_names() {
        // validateContainerOnlyForPod; duplicate names across containers and init containers.
        let mut spec = pod_spec();
        spec["containers"][0]["image"] = json!(" nginx");
        spec["initContainers"] = json!([container()]);
        let pod = json!({"metadata": {"name": "p", "namespace": "d"}, "spec": spec});
        let causes = validate_object(info("", "v1", "pods"), &pod);
        assert_eq!(
            fields(&causes),
            [
                (
                    "spec.containers[0].image".into(),
                    "Invalid value: \" nginx\": must not have leading or trailing whitespace"
                        .into()
                ),
                (
                    "spec.initContainers[0].name".into(),
                    "Duplicate value: \"c\"".into()
                ),
            ]
        );
    }

    #[test]
    fn job_selector_must_match_template() {
        let j = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
            "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [container()],
                "restartPolicy": "Never", "dnsPolicy": "ClusterFirst"}}}});
        let causes = validate_object(info("batch", "v1", "jobs"), &j);
        assert_eq!(
            fields(&causes),
            [(
                "spec.template.metadata.labels".into(),
                "Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`".into()
            )]
        );
    }

    #[test]
    fn ingress_paths_need_a_type_and_backend() {
        // networking validation.go validateHTTPIngressPath / validateIngressBackend.
        let ing = |rules: Value| {
            let obj =
                json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {"rules": rules}});
            fields(&validate_object(
                info("networking.k8s.io", "v1", "ingresses"),
                &obj,
            ))
        };
        let backend = json!({"service": {"name": "web", "port": {"number": 80}}});
        assert_eq!(
            ing(json!([{"http": {"paths": [{"path": "/", "backend": backend}]}}])),
            [(
                "spec.rules[0].http.paths[0].pathType".into(),
                "Required value: pathType must be specified".into()
            )]
        );
        assert!(ing(json!([{"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}])).is_empty());
        assert_eq!(
            ing(
                json!([{"http": {"paths": [{"path": "x", "pathType": "Exact", "backend": {"service": {"name": "web", "port": {}}}}]}}])
            ),
            [
                (
                    "spec.rules[0].http.paths[0].path".into(),
                    "Invalid value: \"x\": must be an absolute path".into()
                ),
                (
                    "spec.rules[0].http.paths[0].backend".into(),
                    "Required value: port name or number is required".into()
                ),
            ]
        );
        assert_eq!(
            ing(json!([{"host": "10.0.0.1"}]))[0].1,
            "Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"
        );
        assert!(ing(json!([{"host": "*.example.com"}])).is_empty());
        let empty = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {}});
        assert_eq!(
            validate_object(info("networking.k8s.io", "v1", "ingresses"), &empty)[0].message,
            "Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"
        );
    }

    #[test]
    fn rbac_bindings_and_rules() {
        // rbac validation.go: ValidateClusterRoleBinding / ValidateRoleBindingSubject /
        // ValidatePolicyRule.
        let crb = json!({"metadata": {"name": "admins"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer"}]});
        let causes = validate_object(
            info("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
            &crb,
        );
        assert_eq!(
            fields(&causes),
            [
                (
                    "roleRef.kind".into(),
                    "Unsupported value: \"Role\": supported values: \"ClusterRole\"".into()
                ),
                ("subjects[0].namespace".into(), "Required value".into()),
            ]
        );
        let role = json!({"metadata": {"name": "r", "namespace": "d"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]});
        let causes = validate_object(info("rbac.authorization.k8s.io", "v1", "roles"), &role);
        assert_eq!(
            fields(&causes),
            [(
                "rules[0].verbs".into(),
                "Required value: verbs must contain at least one value".into()
            )]
        );
    }

    #[test]
    fn generated_names() {
        // names.SimpleNameGenerator: 58-byte prefix plus five characters of utilrand's alphabet.
        let name = generate_name("web-", 0);
        assert_eq!(name, "web-bbbbb");
        let long = generate_name(&"a".repeat(70), 12345);
        assert_eq!(long.len(), 63);
        assert!(
            long[58..]
                .bytes()
                .all(|b| GENERATE_NAME_ALPHABET.contains(&b))
        );
        assert_ne!(generate_name("x-", 1), generate_name("x-", 2));
    }

    #[test]
    fn updates_keep_selectors_and_identity() {
        // apps strategies' ValidateUpdate (selector immutable) and ValidateObjectMetaUpdate.
        let d = json!({"metadata": {"name": "web", "namespace": "d", "uid": "u1", "generation": 2},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "strategy": {"type": "Recreate"},
                "template": {"metadata": {"labels": {"app": "web", "v": "2"}}, "spec": pod_spec()}}});
        let mut changed = d.clone();
        changed["spec"]["selector"] = json!({"matchLabels": {"app": "web", "v": "2"}});
        changed["metadata"]["uid"] = json!("u2");
        let causes = validate_update(info("apps", "v1", "deployments"), &d, &changed);
        assert_eq!(
            fields(&causes),
            [
                ("metadata.uid".into(), "Invalid value: \"u2\": field is immutable".into()),
                (
                    "spec.selector".into(),
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable".into()
                ),
            ]
        );
        assert!(validate_update(info("apps", "v1", "deployments"), &d, &d).is_empty());
    }

    #[test]
    fn statefulset_spec_and_rolebinding_ref_updates() {
        let sts = json!({"metadata": {"name": "db", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
            "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "RollingUpdate"},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": pod_spec()},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}});
        let mut grown = sts.clone();
        grown["spec"]["replicas"] = json!(3);
        assert!(validate_update(info("apps", "v1", "statefulsets"), &sts, &grown).is_empty());
        grown["spec"]["volumeClaimTemplates"] = json!([]);
        let causes = validate_update(info("apps", "v1", "statefulsets"), &sts, &grown);
        assert_eq!(causes[0].field, "spec");
        assert!(causes[0].message.starts_with(
            "Forbidden: updates to statefulset spec for fields other than 'replicas'"
        ));
        let rb = json!({"metadata": {"name": "b", "namespace": "d"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"}});
        let mut other = rb.clone();
        other["roleRef"]["name"] = json!("b");
        assert_eq!(
            fields(&validate_update(info("rbac.authorization.k8s.io", "v1", "rolebindings"), &rb, &other)),
            [(
                "roleRef".into(),
                "Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"b\"}: cannot change roleRef".into()
            )]
        );
    }

    #[test]
    fn claims_may_be_bound_and_given_a_default_class_but_not_changed() {
        let i = info("", "v1", "persistentvolumeclaims");
        let pvc = json!({"metadata": {"name": "c", "namespace": "d"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
        let mut bound = pvc.clone();
        bound["spec"]["volumeName"] = json!("pvc-1");
        bound["spec"]["storageClassName"] = json!("gp2");
        assert!(validate_update(i, &pvc, &bound).is_empty());
        let mut rebound = bound.clone();
        rebound["spec"]["volumeName"] = json!("pvc-2");
        assert_eq!(fields(&validate_update(i, &bound, &rebound))[0].0, "spec");
        let mut reclassed = bound.clone();
        reclassed["spec"]["storageClassName"] = json!("fast");
        assert_eq!(fields(&validate_update(i, &bound, &reclassed))[0].0, "spec");
    }

    #[test]
    fn immutable_config_and_finalizers_while_deleting() {
        let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "immutable": true, "data": {"a": "1"}});
        let mut edited = cm.clone();
        edited["data"]["a"] = json!("2");
        assert_eq!(
            fields(&validate_update(info("", "v1", "configmaps"), &cm, &edited)),
            [(
                "data".into(),
                "Forbidden: field is immutable when `immutable` is set".into()
            )]
        );
        let old = json!({"metadata": {"name": "c", "namespace": "d", "deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["example.com/a"]}});
        let mut new = old.clone();
        new["metadata"]["finalizers"] = json!(["example.com/a", "example.com/b"]);
        assert_eq!(
            fields(&validate_update(info("", "v1", "configmaps"), &old, &new)),
            [(
                "metadata.finalizers".into(),
                "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/b\"}".into()
            )]
        );
    }

    #[test]
    fn crd_updates_keep_names_and_established_scope() {
        // apiextensions validateCustomResourceDefinitionSpecUpdate.
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object"}}}]},
            "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        let mut cluster = crd.clone();
        cluster["spec"]["scope"] = json!("Cluster");
        let i = info("apiextensions.k8s.io", "v1", "customresourcedefinitions");
        assert_eq!(
            fields(&validate_update(i, &crd, &cluster)),
            [(
                "spec.scope".into(),
                "Invalid value: \"Cluster\": field is immutable".into()
            )]
        );
        let mut fresh = crd.clone();
        fresh["status"] = json!({});
        assert!(validate_update(i, &fresh, &cluster).is_empty());
    }

    #[test]
    fn finalizer_names() {
        // apimachinery ValidateFinalizers and core validateKubeFinalizerName (built-ins only).
        let cm = json!({"metadata": {"name": "c", "namespace": "d", "finalizers": ["example.com/keep", "keep"]}});
        assert_eq!(
            fields(&validate_metadata(info("", "v1", "configmaps"), &cm)),
            [(
                "metadata.finalizers[1]".into(),
                "Invalid value: \"keep\": name is neither a standard finalizer name nor is it fully qualified".into()
            )]
        );
        let both = json!({"metadata": {"name": "c", "namespace": "d", "finalizers": ["orphan", "foregroundDeletion"]}});
        assert_eq!(
            validate_metadata(info("", "v1", "configmaps"), &both)[0].message,
            "Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set"
        );
        let gv = crate::gvk::GroupVersion::new("argoproj.io", "v1alpha1");
        let apps = ResourceInfo::new(
            &gv,
            "Application",
            "applications",
            crate::resource::Scope::Namespaced,
        );
        let app = json!({"metadata": {"name": "a", "namespace": "argocd", "finalizers": ["resources-finalizer.argocd.argoproj.io"]}});
        assert!(validate_metadata(&apps, &app).is_empty());
    }

    #[test]
    fn decode_errors() {
        // encoding/base64 CorruptInputError offsets and resource.ParseQuantity errors, wrapped
        // as the handlers' transformDecodeError does.
        assert_eq!(base64_error_offset(b"aGVsbG8="), None);
        assert_eq!(base64_error_offset(b"aGVs\nbG8="), None);
        assert_eq!(base64_error_offset(b"hello"), Some(4));
        assert_eq!(base64_error_offset(b"hello world"), Some(5));
        assert_eq!(base64_error_offset(b"aGVsbG8"), Some(4));
        // Not strict: leftover bits in the last group are accepted.
        assert_eq!(base64_error_offset(b"aGVsbG=="), None);
        assert_eq!(base64_error_offset(b"aGVsb==="), Some(5));
        assert_eq!(base64_error_offset(b"aGVsbA=="), None);
        assert_eq!(base64_error_offset(b"aGVsbA==x"), Some(8));
        assert_eq!(base64_error_offset(b""), None);
        let secret = json!({"data": {"password": "hunter2!"}});
        let gvk = GroupVersionKind::new("", "v1", "Secret");
        assert_eq!(
            decode_error(&gvk, &secret).as_deref(),
            Some(
                "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 7"
            )
        );
        let d = json!({"spec": {"template": {"spec": {"containers": [{"resources": {"limits": {"memory": "100MB"}}}]}}}});
        let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
        assert_eq!(
            decode_error(&gvk, &d).as_deref(),
            Some(
                "Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            )
        );
        assert_eq!(
            quantity_error("1K").as_deref(),
            Some("unable to parse quantity's suffix")
        );
        assert_eq!(quantity_error("1.5Gi"), None);
        assert_eq!(quantity_error("1e3"), None);
        assert!(quantity_error("1 core").is_some());
        assert!(decode_error(&gvk, &json!({"spec": {"replicas": 1}})).is_none());
    }

    #[test]
    fn hpa_bounds_and_target() {
        // autoscaling validation.go validateHorizontalPodAutoscalerSpec.
        let hpa = json!({"metadata": {"name": "h", "namespace": "d"},
            "spec": {"minReplicas": 3, "maxReplicas": 2, "scaleTargetRef": {"kind": "Deployment"}}});
        assert_eq!(
            fields(&validate_object(
                info("autoscaling", "v2", "horizontalpodautoscalers"),
                &hpa
            )),
            [
                (
                    "spec.maxReplicas".into(),
                    "Invalid value: 2: must be greater than or equal to `minReplicas`".into()
                ),
                ("spec.scaleTargetRef.name".into(), "Required value".into()),
            ]
        );
    }

    #[test]
    fn templates_refuse_ephemeral_containers() {
        // ValidatePodTemplateSpec.
        let mut spec = pod_spec();
        spec["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox",
            "imagePullPolicy": "Always", "terminationMessagePolicy": "File"}]);
        let d = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}}, "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}});
        let causes = validate_object(info("apps", "v1", "deployments"), &d);
        assert_eq!(
            fields(&causes),
            [(
                "spec.template.spec.ephemeralContainers".into(),
                "Forbidden: ephemeral containers not allowed in pod template".into()
            )]
        );
    }

    #[test]
    fn workload_names_warn_unless_labels() {
        // Deployment / Pod strategies' WarningsOnCreate.
        let d = json!({"metadata": {"name": "web.v2"}});
        assert_eq!(
            warnings_on_create(info("apps", "v1", "deployments"), &d),
            [
                "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]"
            ]
        );
        assert!(warnings_on_create(info("", "v1", "configmaps"), &d).is_empty());
        assert!(
            warnings_on_create(
                info("apps", "v1", "deployments"),
                &json!({"metadata": {"name": "web"}})
            )
            .is_empty()
        );
        assert!(warnings_on_create(info("", "v1", "pods"), &d)[0].contains("the Pod's hostname"));
    }

    #[test]
    fn go_quote_escapes() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }
}
