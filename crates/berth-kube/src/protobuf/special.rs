//! Types whose JSON is not an object of their proto fields: times, durations, int-or-string,
//! quantities, embedded raw JSON and the apiextensions schema unions.

use serde_json::Value;

use super::decode::{decode_message, len_bytes, string_of};
use super::schema::{FieldType, Message, Schema, Special};
use super::wire::{Reader, WireValue};
use super::{ProtobufError, envelope};

pub fn decode(
    schema: &Schema,
    message: &Message,
    bytes: &[u8],
    depth: usize,
) -> Result<Value, ProtobufError> {
    match message.special {
        Special::Time => time(bytes, false),
        Special::MicroTime => time(bytes, true),
        Special::Duration => duration(bytes),
        Special::IntOrString => int_or_string(bytes),
        Special::Quantity => quantity(bytes),
        Special::RawJson => raw_json(bytes, depth),
        Special::SchemaOrBool | Special::SchemaOrArray | Special::SchemaOrStringArray => {
            schema_union(schema, message, bytes, depth)
        }
        Special::None | Special::NamedSlice => Err(ProtobufError::Malformed("not a special type")),
    }
}

/// Reads the varint fields of a small message into `(tag, value)` pairs; others are skipped.
fn varints(bytes: &[u8]) -> Result<Vec<(u32, u64)>, ProtobufError> {
    let mut reader = Reader::new(bytes);
    let mut out = Vec::new();
    while let Some((tag, value)) = reader.next_field()? {
        if let WireValue::Varint(v) = value {
            out.push((tag, v));
        }
    }
    Ok(out)
}

fn last(fields: &[(u32, u64)], tag: u32) -> u64 {
    fields
        .iter()
        .rev()
        .find(|(t, _)| *t == tag)
        .map(|(_, v)| *v)
        .unwrap_or(0)
}

/// metav1.Time and MicroTime: an empty payload is Go's zero time, written as `null`; otherwise
/// seconds and nanos since the epoch, in UTC, to the second (Time) or microsecond (MicroTime).
fn time(bytes: &[u8], micro: bool) -> Result<Value, ProtobufError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let fields = varints(bytes)?;
    let seconds = last(&fields, 1) as i64;
    let nanos = i64::from(last(&fields, 2) as i64 as i32);
    // time.Unix normalizes nanos outside [0, 1e9) into the seconds.
    let seconds = seconds
        .checked_add(nanos.div_euclid(1_000_000_000))
        .ok_or(ProtobufError::Malformed("time out of range"))?;
    let nanos = nanos.rem_euclid(1_000_000_000);
    // Years 1..=9999, the range RFC 3339 can spell.
    if !(-62_135_596_800..=253_402_300_799).contains(&seconds) {
        return Err(ProtobufError::Malformed("time out of range"));
    }
    let text = crate::rfc3339_from_unix(seconds);
    if !micro {
        return Ok(Value::String(text));
    }
    let base = text.trim_end_matches('Z');
    Ok(Value::String(format!("{base}.{:06}Z", nanos / 1000)))
}

/// metav1.Duration: nanoseconds, written as Go's `time.Duration.String()` (`1m30s`, `1.5s`).
fn duration(bytes: &[u8]) -> Result<Value, ProtobufError> {
    let nanos = last(&varints(bytes)?, 1) as i64;
    Ok(Value::String(go_duration(nanos)))
}

pub fn go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_string();
    }
    // Below a second the largest fitting unit is used, with a fraction.
    let (unit, scale): (&str, u64) = match u {
        1_000_000_000.. => ("", 1_000_000_000),
        1_000_000.. => ("ms", 1_000_000),
        1_000.. => ("µs", 1_000),
        _ => ("ns", 1),
    };
    let whole = u / scale;
    let digits = scale.ilog10() as usize;
    let frac = if digits == 0 {
        String::new()
    } else {
        let f = format!("{:0digits$}", u % scale);
        let f = f.trim_end_matches('0');
        if f.is_empty() {
            String::new()
        } else {
            format!(".{f}")
        }
    };
    if !unit.is_empty() {
        return format!("{sign}{whole}{frac}{unit}");
    }
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    match (h, m) {
        (0, 0) => format!("{sign}{s}{frac}s"),
        (0, _) => format!("{sign}{m}m{s}{frac}s"),
        _ => format!("{sign}{h}h{m}m{s}{frac}s"),
    }
}

/// intstr.IntOrString: type 0 is the int (field 2), type 1 the string (field 3).
fn int_or_string(bytes: &[u8]) -> Result<Value, ProtobufError> {
    let mut reader = Reader::new(bytes);
    let (mut kind, mut int, mut text) = (0u64, 0i32, String::new());
    while let Some((tag, value)) = reader.next_field()? {
        match (tag, value) {
            (1, WireValue::Varint(v)) => kind = v,
            (2, WireValue::Varint(v)) => int = v as i64 as i32,
            (3, WireValue::Len(b)) => text = string_of(b),
            (1..=3, _) => return Err(ProtobufError::Malformed("IntOrString field type")),
            _ => {}
        }
    }
    match kind {
        0 => Ok(Value::from(int)),
        1 => Ok(Value::String(text)),
        _ => Err(ProtobufError::Malformed(
            "IntOrString type is neither int nor string",
        )),
    }
}

/// resource.Quantity: Go parses the string and prints it back canonical (`1000m` → `1`); the
/// zero Quantity prints as "0". Text that is no quantity is passed on for validation to refuse.
fn quantity(bytes: &[u8]) -> Result<Value, ProtobufError> {
    let mut reader = Reader::new(bytes);
    let mut text = None;
    while let Some((tag, value)) = reader.next_field()? {
        if let (1, WireValue::Len(b)) = (tag, value) {
            text = Some(string_of(b));
        }
    }
    let text = text.unwrap_or_else(|| "0".to_string());
    Ok(Value::String(
        crate::canonical_quantity(&text).unwrap_or(text),
    ))
}

/// RawExtension, FieldsV1 and apiextensions JSON: field 1 holds the JSON itself (`null` when
/// empty). An embedded object may also be Kubernetes protobuf, which is decoded in turn.
fn raw_json(bytes: &[u8], depth: usize) -> Result<Value, ProtobufError> {
    let mut reader = Reader::new(bytes);
    let mut raw: &[u8] = &[];
    while let Some((tag, value)) = reader.next_field()? {
        if let (1, WireValue::Len(b)) = (tag, value) {
            raw = b;
        }
    }
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    if raw.starts_with(&envelope::MAGIC) {
        return envelope::decode(raw, depth + 1);
    }
    serde_json::from_slice(raw).map_err(|e| ProtobufError::InvalidJson(e.to_string()))
}

/// JSONSchemaPropsOrBool / OrArray / OrStringArray: the list when it has entries, else the
/// schema, else (OrBool) the boolean or `null`.
fn schema_union(
    schema: &Schema,
    message: &Message,
    bytes: &[u8],
    depth: usize,
) -> Result<Value, ProtobufError> {
    let schema_tag = if message.special == Special::SchemaOrBool {
        2
    } else {
        1
    };
    let mut allows = false;
    let mut props: Option<Value> = None;
    let mut list = Vec::new();
    let mut reader = Reader::new(bytes);
    while let Some((tag, value)) = reader.next_field()? {
        let Some(field) = message.field(tag) else {
            continue;
        };
        match (field.ty, value) {
            (FieldType::Message(index), _) => {
                let v = decode_message(schema, index, len_bytes(field, value)?, depth + 1)?;
                if tag == schema_tag {
                    props = Some(v);
                } else {
                    list.push(v);
                }
            }
            (FieldType::Scalar(_), WireValue::Varint(v)) => allows = v != 0,
            (FieldType::Scalar(_), WireValue::Len(b)) => list.push(Value::String(string_of(b))),
            _ => {
                return Err(ProtobufError::WrongWireType {
                    field: field.json.to_string(),
                });
            }
        }
    }
    if !list.is_empty() {
        return Ok(Value::Array(list));
    }
    Ok(match (props, message.special) {
        (Some(v), _) => v,
        (None, Special::SchemaOrBool) => Value::Bool(allows),
        (None, _) => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(100_000_000), "100ms");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(7), "7ns");
        assert_eq!(go_duration(-2_000_000_000), "-2s");
        assert_eq!(go_duration(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn quantities_print_canonical() {
        let q = |text: &str| {
            let mut b = vec![0x0a, text.len() as u8];
            b.extend(text.as_bytes());
            quantity(&b).ok()
        };
        assert_eq!(q("1000m"), Some(Value::from("1")));
        assert_eq!(q("128Mi"), Some(Value::from("128Mi")));
        assert_eq!(q("0.5"), Some(Value::from("500m")));
        assert_eq!(q("lots"), Some(Value::from("lots")));
        assert_eq!(quantity(&[]).ok(), Some(Value::from("0")));
    }

    #[test]
    fn times_are_utc_rfc3339() {
        // seconds = 1795691400 (2026-11-26T11:10:00Z), nanos = 123456789
        let mut b = vec![0x08];
        let mut v = 1_795_691_400u64;
        while v >= 0x80 {
            b.push((v as u8) | 0x80);
            v >>= 7;
        }
        b.push(v as u8);
        b.extend([0x10, 0x95, 0x9a, 0xef, 0x3a]);
        assert_eq!(
            time(&b, false).ok(),
            Some(Value::from("2026-11-26T11:10:00Z"))
        );
        assert_eq!(
            time(&b, true).ok(),
            Some(Value::from("2026-11-26T11:10:00.123456Z"))
        );
        assert_eq!(time(&[], false).ok(), Some(Value::Null));
    }
}
