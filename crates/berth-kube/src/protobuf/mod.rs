//! Kubernetes protobuf request bodies → the JSON the same object has on the wire.
//!
//! Go clients built on typed clientsets (kubectl's `create` commands, Helm's release Secrets)
//! send `application/vnd.kubernetes.protobuf` and never retry as JSON, while the sandbox works
//! on JSON. A body is `k8s\0` plus a `runtime.Unknown` naming apiVersion and kind; its raw bytes
//! are the typed message of kubernetes/api's `generated.proto`. Decoding follows Go: the field
//! table (`schema.txt`, generated from the `k8s-pb` and `k8s-openapi` crates) gives numbers,
//! types and JSON names; zero values of non-pointer fields are dropped as `omitempty` drops them
//! (Go's encoder writes them all; `go_fields` lists the pointers whose zero must stay); times,
//! durations, quantities, int-or-strings, named slices and raw JSON take their JSON forms.
//!
//! The real judge is in `tests/fixtures/protobuf`: bodies kubectl 1.32 and Helm 4.3 sent,
//! compared with the JSON kubectl prints for the same objects.

mod decode;
mod envelope;
mod go_fields;
mod known_fields;
mod schema;
mod special;
mod wire;

use serde_json::Value;

pub use known_fields::prune_unknown_builtin_fields;

use crate::GroupVersionKind;

/// The content type Go clients send protobuf bodies with.
pub const PROTOBUF_CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Why a protobuf body could not be decoded; each maps to a 400 (or 415 for an unknown kind).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    #[error("body does not start with the Kubernetes protobuf prefix")]
    NotProtobuf,
    #[error("protobuf body ends in the middle of a field")]
    Truncated,
    #[error("malformed protobuf: {0}")]
    Malformed(&'static str),
    #[error("protobuf field {field:?} has the wrong wire type")]
    WrongWireType { field: String },
    #[error("protobuf object nests too deeply")]
    TooDeep,
    #[error("protobuf envelope has no apiVersion or kind")]
    MissingTypeMeta,
    #[error("protobuf content encoding {0:?} is not supported")]
    UnsupportedEncoding(String),
    #[error("no protobuf schema for {api_version}, Kind={kind}")]
    UnknownKind { api_version: String, kind: String },
    #[error("embedded JSON is invalid: {0}")]
    InvalidJson(String),
}

/// Decodes a Kubernetes protobuf body into the JSON object (with `apiVersion` and `kind` from
/// the envelope) that a JSON client would have sent for the same Go object.
pub fn decode_kubernetes_protobuf(body: &[u8]) -> Result<Value, ProtobufError> {
    envelope::decode(body, 0)
}

/// Whether objects of `gvk` can be decoded from protobuf: the built-in types of Kubernetes
/// (custom resources never travel as protobuf).
pub fn protobuf_decodable(gvk: &GroupVersionKind) -> bool {
    schema::Schema::get()
        .for_kind(&gvk.group, &gvk.version, &gvk.kind)
        .is_some()
}

/// Whether a body carries the Kubernetes protobuf prefix.
pub fn is_kubernetes_protobuf(body: &[u8]) -> bool {
    body.starts_with(&envelope::MAGIC)
}
