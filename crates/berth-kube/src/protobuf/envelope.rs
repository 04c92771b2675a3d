//! The Kubernetes protobuf envelope: `k8s\0`, then a `runtime.Unknown` naming the type.

use serde_json::{Map, Value};

use super::ProtobufError;
use super::decode::{MAX_DEPTH, decode_message, string_of};
use super::schema::Schema;
use super::wire::{Reader, WireValue};
use crate::GroupVersion;

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: [u8; 4] = *b"k8s\0";

/// `runtime.Unknown`: typeMeta (1), raw (2), contentEncoding (3), contentType (4).
struct Unknown<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
}

fn read_unknown(bytes: &[u8]) -> Result<Unknown<'_>, ProtobufError> {
    let mut out = Unknown {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
        content_encoding: String::new(),
    };
    let mut reader = Reader::new(bytes);
    while let Some((tag, value)) = reader.next_field()? {
        match (tag, value) {
            (1, WireValue::Len(meta)) => {
                let mut meta = Reader::new(meta);
                while let Some((tag, value)) = meta.next_field()? {
                    match (tag, value) {
                        (1, WireValue::Len(b)) => out.api_version = string_of(b),
                        (2, WireValue::Len(b)) => out.kind = string_of(b),
                        (1 | 2, _) => return Err(ProtobufError::Malformed("typeMeta field type")),
                        _ => {}
                    }
                }
            }
            (2, WireValue::Len(b)) => out.raw = b,
            (3, WireValue::Len(b)) => out.content_encoding = string_of(b),
            (4, WireValue::Len(_)) => {}
            (1..=4, _) => return Err(ProtobufError::Malformed("runtime.Unknown field type")),
            _ => {}
        }
    }
    Ok(out)
}

/// Decodes an enveloped object, `depth` levels inside another (RawExtension) object.
pub fn decode(body: &[u8], depth: usize) -> Result<Value, ProtobufError> {
    if depth > MAX_DEPTH {
        return Err(ProtobufError::TooDeep);
    }
    let rest = body
        .strip_prefix(&MAGIC)
        .ok_or(ProtobufError::NotProtobuf)?;
    let unknown = read_unknown(rest)?;
    if unknown.api_version.is_empty() || unknown.kind.is_empty() {
        return Err(ProtobufError::MissingTypeMeta);
    }
    // Go's client never compresses (contentEncoding is always empty).
    if !unknown.content_encoding.is_empty() {
        return Err(ProtobufError::UnsupportedEncoding(unknown.content_encoding));
    }
    let gv = GroupVersion::parse_api_version(&unknown.api_version);
    let schema = Schema::get();
    let index = schema
        .for_kind(&gv.group, &gv.version, &unknown.kind)
        .ok_or_else(|| ProtobufError::UnknownKind {
            api_version: unknown.api_version.clone(),
            kind: unknown.kind.clone(),
        })?;
    let body = decode_message(schema, index, unknown.raw, depth + 1)?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(unknown.api_version));
    object.insert("kind".into(), Value::String(unknown.kind));
    if let Value::Object(fields) = body {
        object.extend(fields);
    }
    Ok(Value::Object(object))
}
