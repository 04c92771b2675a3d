//! The field table: which number is which JSON field of which type, per message.
//!
//! `schema.txt` is generated from the registry crates `k8s-pb` (field numbers and types) and
//! `k8s-openapi` (JSON names, required fields) by `tests/protobuf_schema.rs`, which also checks
//! that it matches the versions in Cargo.lock. It is parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::go_fields::{is_always_written, is_pointer_field};

const TABLE: &str = include_str!("schema.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Int32,
    Int64,
    Bool,
    Bytes,
    Double,
}

#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    Scalar(Scalar),
    /// Index into [`Schema::messages`].
    Message(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    Single,
    Repeated,
    /// `map<string, T>`: entries are messages {1: key, 2: value}.
    Map,
}

#[derive(Debug)]
pub struct Field {
    pub tag: u32,
    pub json: &'static str,
    pub ty: FieldType,
    pub card: Card,
    /// Go writes zero values of non-pointer fields; only pointers and required fields keep them.
    pub keep_zero: bool,
    /// A Go struct embedded with `json:",inline"`: its fields belong to the parent object.
    pub inline: bool,
    /// No `omitempty` in Go: an absent list, map or pointer is written as `null`.
    pub null_when_absent: bool,
}

/// Types whose JSON form is not an object of their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    None,
    Time,
    MicroTime,
    Duration,
    IntOrString,
    Quantity,
    /// RawExtension, FieldsV1 and apiextensions JSON: field 1 holds JSON bytes.
    RawJson,
    SchemaOrBool,
    SchemaOrArray,
    SchemaOrStringArray,
    /// A Go named slice (`ExtraValue []string`) wrapped for protobuf: JSON is the bare list.
    NamedSlice,
}

#[derive(Debug)]
pub struct Message {
    pub path: &'static str,
    pub fields: Vec<Field>,
    pub special: Special,
}

impl Message {
    pub fn field(&self, tag: u32) -> Option<&Field> {
        self.fields
            .binary_search_by_key(&tag, |f| f.tag)
            .ok()
            .map(|i| &self.fields[i])
    }
}

pub struct Schema {
    pub messages: Vec<Message>,
    by_path: HashMap<&'static str, usize>,
    by_lower_path: HashMap<String, usize>,
}

impl Schema {
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| parse(TABLE))
    }

    pub fn lookup(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// Kinds of removed versions keep prost's spelling (`ApiService`): match those ignoring case.
    fn lookup_kind(&self, path: &str) -> Option<usize> {
        self.lookup(path)
            .or_else(|| self.by_lower_path.get(&path.to_ascii_lowercase()).copied())
    }

    /// The message for a kind served under `apiVersion`, as client-go's scheme registers it.
    pub fn for_kind(&self, group: &str, version: &str, kind: &str) -> Option<usize> {
        let package = package_of(group)?;
        if !is_ident(version) || !is_ident(kind) {
            return None;
        }
        self.lookup_kind(&format!("{package}.{version}.{kind}"))
            .or_else(|| {
                // metav1's option and status kinds are registered into every group version.
                const META_KINDS: [&str; 8] = [
                    "DeleteOptions",
                    "ListOptions",
                    "GetOptions",
                    "CreateOptions",
                    "UpdateOptions",
                    "PatchOptions",
                    "Status",
                    "WatchEvent",
                ];
                META_KINDS
                    .contains(&kind)
                    .then(|| self.lookup(&format!("apimachinery.pkg.apis.meta.v1.{kind}")))
                    .flatten()
            })
    }
}

/// The module of the generated types that holds an API group's messages.
fn package_of(group: &str) -> Option<String> {
    let package = match group {
        "" => "api.core".to_string(),
        "apiextensions.k8s.io" => "apiextensions_apiserver.pkg.apis.apiextensions".to_string(),
        "apiregistration.k8s.io" => "kube_aggregator.pkg.apis.apiregistration".to_string(),
        "meta.k8s.io" => "apimachinery.pkg.apis.meta".to_string(),
        "internal.apiserver.k8s.io" => "api.apiserverinternal".to_string(),
        "metrics.k8s.io" => "metrics.pkg.apis.metrics".to_string(),
        _ => {
            // `rbac.authorization.k8s.io` → rbac, `apps` → apps, `flowcontrol.apiserver.k8s.io` → flowcontrol.
            let first = group.trim_end_matches(".k8s.io").split('.').next()?;
            if !is_ident(first) {
                return None;
            }
            format!("api.{first}")
        }
    };
    Some(package)
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn special_of(path: &str) -> Special {
    let name = path.rsplit('.').next().unwrap_or_default();
    match path {
        "apimachinery.pkg.apis.meta.v1.Time" => Special::Time,
        "apimachinery.pkg.apis.meta.v1.MicroTime" => Special::MicroTime,
        "apimachinery.pkg.apis.meta.v1.Duration" => Special::Duration,
        "apimachinery.pkg.util.intstr.IntOrString" => Special::IntOrString,
        "apimachinery.pkg.api.resource.Quantity" => Special::Quantity,
        "apimachinery.pkg.runtime.RawExtension" | "apimachinery.pkg.apis.meta.v1.FieldsV1" => {
            Special::RawJson
        }
        // Removed versions (v1beta1) keep prost's spelling (`JsonSchemaPropsOrBool`).
        _ if path.starts_with("apiextensions_apiserver.") => {
            match name.to_ascii_lowercase().as_str() {
                "json" => Special::RawJson,
                "jsonschemapropsorbool" => Special::SchemaOrBool,
                "jsonschemapropsorarray" => Special::SchemaOrArray,
                "jsonschemapropsorstringarray" => Special::SchemaOrStringArray,
                _ => Special::None,
            }
        }
        _ => Special::None,
    }
}

/// Parses the generated table. It is part of the binary, so a malformed line is a build
/// defect: the line is skipped (the table's own test checks it parses completely).
fn parse(text: &'static str) -> Schema {
    let mut messages: Vec<Message> = Vec::new();
    let mut pending: Vec<Vec<(&'static str, Field)>> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("M ") {
            let (path, slice) = match rest.split_once(' ') {
                Some((path, flag)) => (path, flag == "slice"),
                None => (rest, false),
            };
            let special = if slice {
                Special::NamedSlice
            } else {
                special_of(path)
            };
            messages.push(Message {
                path,
                fields: Vec::new(),
                special,
            });
            pending.push(Vec::new());
            continue;
        }
        let (Some(current), Some(fields)) = (messages.last(), pending.last_mut()) else {
            continue;
        };
        let mut parts = line.split(' ');
        let (Some(tag), Some(json), Some(ty), Some(card), Some(flags)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            continue;
        };
        let Ok(tag) = tag.parse() else { continue };
        let card = match card {
            "*" => Card::Repeated,
            "m" => Card::Map,
            _ => Card::Single,
        };
        let scalar = match ty {
            "string" => Some(Scalar::String),
            "int32" => Some(Scalar::Int32),
            "int64" => Some(Scalar::Int64),
            "bool" => Some(Scalar::Bool),
            "bytes" => Some(Scalar::Bytes),
            "double" => Some(Scalar::Double),
            _ => None,
        };
        let required = flags.contains('z');
        let always = is_always_written(current.path, json);
        let keep_zero = required || always || is_pointer_field(current.path, json);
        // A required message (metadata, spec) is always present from Go; only lists and maps of
        // required fields, and listed fields, turn absence into `null`.
        let null_when_absent = always || (required && card != Card::Single);
        let field = Field {
            tag,
            json,
            // Message types are resolved once every message is known.
            ty: FieldType::Scalar(scalar.unwrap_or(Scalar::Bytes)),
            card,
            keep_zero,
            inline: flags.contains('i'),
            null_when_absent,
        };
        fields.push((
            if scalar.is_none() {
                ty.trim_start_matches('@')
            } else {
                ""
            },
            field,
        ));
    }
    let by_path: HashMap<&'static str, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path, i))
        .collect();
    for (message, fields) in messages.iter_mut().zip(pending) {
        for (target, mut field) in fields {
            if !target.is_empty() {
                let Some(&index) = by_path.get(target) else {
                    continue;
                };
                field.ty = FieldType::Message(index);
            }
            message.fields.push(field);
        }
        message.fields.sort_by_key(|f| f.tag);
    }
    let by_lower_path = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.to_ascii_lowercase(), i))
        .collect();
    Schema {
        messages,
        by_path,
        by_lower_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_completely() {
        let schema = Schema::get();
        let lines = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        let fields = lines.filter(|l| !l.starts_with("M ")).count();
        let parsed: usize = schema.messages.iter().map(|m| m.fields.len()).sum();
        assert_eq!(parsed, fields);
        assert!(schema.messages.len() > 500, "{}", schema.messages.len());
    }

    #[test]
    fn kinds_resolve_to_their_messages() {
        let s = Schema::get();
        let path = |g, v, k| s.for_kind(g, v, k).map(|i| s.messages[i].path);
        assert_eq!(path("", "v1", "ConfigMap"), Some("api.core.v1.ConfigMap"));
        assert_eq!(
            path("apps", "v1", "Deployment"),
            Some("api.apps.v1.Deployment")
        );
        assert_eq!(
            path("rbac.authorization.k8s.io", "v1", "ClusterRole"),
            Some("api.rbac.v1.ClusterRole")
        );
        assert_eq!(
            path("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            Some("apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition")
        );
        assert_eq!(
            path("", "v1", "DeleteOptions"),
            Some("apimachinery.pkg.apis.meta.v1.DeleteOptions")
        );
        assert_eq!(
            path("apiextensions.k8s.io", "v1beta1", "JSONSchemaProps"),
            Some("apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JsonSchemaProps")
        );
        assert_eq!(path("example.com", "v1", "Widget"), None);
        assert_eq!(path("", "v1", "../x"), None);
    }
}
