//! A typed message → the JSON object Go's `encoding/json` writes for the same Go struct.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::ProtobufError;
use super::schema::{Card, Field, FieldType, Message, Scalar, Schema, Special};
use super::special;
use super::wire::{Reader, WireValue};

/// Deeper nesting than any real object (CRD schemas included) is treated as hostile input.
pub const MAX_DEPTH: usize = 100;

/// Decodes message `index` of the schema from `bytes`.
pub fn decode_message(
    schema: &Schema,
    index: usize,
    bytes: &[u8],
    depth: usize,
) -> Result<Value, ProtobufError> {
    if depth > MAX_DEPTH {
        return Err(ProtobufError::TooDeep);
    }
    let message = schema
        .messages
        .get(index)
        .ok_or(ProtobufError::Malformed("unknown message"))?;
    let mut object = Map::new();
    match message.special {
        Special::None => {}
        Special::NamedSlice => {
            decode_fields_into(schema, message, bytes, depth, &mut object)?;
            // "items, if empty, will result in an empty slice" (the wrapper's contract).
            let items = message.fields.first().and_then(|f| object.remove(f.json));
            return Ok(items.unwrap_or_else(|| Value::Array(Vec::new())));
        }
        _ => return special::decode(schema, message, bytes, depth),
    }
    decode_fields_into(schema, message, bytes, depth, &mut object)?;
    add_absent_nulls(schema, message, &mut object, depth);
    Ok(Value::Object(object))
}

/// Go writes `null` for a nil slice, map or pointer that has no `omitempty`.
fn add_absent_nulls(
    schema: &Schema,
    message: &Message,
    object: &mut Map<String, Value>,
    depth: usize,
) {
    for field in &message.fields {
        if field.inline {
            // Inline structs are non-pointer values: their own fields follow the same rule.
            if let (FieldType::Message(sub), true) = (field.ty, depth < MAX_DEPTH) {
                add_absent_nulls(schema, &schema.messages[sub], object, depth + 1);
            }
        } else if field.null_when_absent && !object.contains_key(field.json) {
            object.insert(field.json.to_string(), Value::Null);
        }
    }
}

fn decode_fields_into(
    schema: &Schema,
    message: &Message,
    bytes: &[u8],
    depth: usize,
    object: &mut Map<String, Value>,
) -> Result<(), ProtobufError> {
    let mut reader = Reader::new(bytes);
    while let Some((tag, value)) = reader.next_field()? {
        // Unknown numbers (newer servers' fields) are skipped, as Go's decoder does.
        let Some(field) = message.field(tag) else {
            continue;
        };
        match field.card {
            Card::Single if field.inline => {
                // `json:",inline"`: the embedded struct's fields sit in this object.
                let FieldType::Message(sub) = field.ty else {
                    return Err(ProtobufError::Malformed("inline field is not a message"));
                };
                if depth >= MAX_DEPTH {
                    return Err(ProtobufError::TooDeep);
                }
                let bytes = len_bytes(field, value)?;
                decode_fields_into(schema, &schema.messages[sub], bytes, depth + 1, object)?;
            }
            Card::Single => match single_value(schema, field, value, depth)? {
                Some(v) => {
                    object.insert(field.json.to_string(), v);
                }
                // Last one wins: a later zero clears an earlier value.
                None => {
                    object.remove(field.json);
                }
            },
            Card::Repeated => {
                let items = repeated_values(schema, field, value, depth)?;
                let entry = object
                    .entry(field.json)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = entry {
                    list.extend(items);
                }
            }
            Card::Map => {
                let (key, v) = map_entry(schema, field, value, depth)?;
                let entry = object
                    .entry(field.json)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = entry {
                    map.insert(key, v);
                }
            }
        }
    }
    Ok(())
}

/// A singular field's JSON value, or `None` when Go's `omitempty` drops it.
fn single_value(
    schema: &Schema,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Option<Value>, ProtobufError> {
    match field.ty {
        FieldType::Message(index) => {
            decode_message(schema, index, len_bytes(field, value)?, depth + 1).map(Some)
        }
        FieldType::Scalar(scalar) => {
            let v = scalar_value(field, scalar, value)?;
            Ok((field.keep_zero || !is_zero(&v)).then_some(v))
        }
    }
}

fn repeated_values(
    schema: &Schema,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Vec<Value>, ProtobufError> {
    match (field.ty, value) {
        (FieldType::Message(index), _) => Ok(vec![decode_message(
            schema,
            index,
            len_bytes(field, value)?,
            depth + 1,
        )?]),
        // Packed numbers: one length-delimited run of varints or fixed64s.
        (
            FieldType::Scalar(s @ (Scalar::Int32 | Scalar::Int64 | Scalar::Bool)),
            WireValue::Len(b),
        ) => {
            let mut reader = Reader::new(b);
            let mut out = Vec::new();
            while !reader.at_end() {
                out.push(scalar_value(field, s, WireValue::Varint(reader.varint()?))?);
            }
            Ok(out)
        }
        (FieldType::Scalar(Scalar::Double), WireValue::Len(b)) => b
            .chunks(8)
            .map(|c| {
                let bytes: [u8; 8] = c.try_into().map_err(|_| ProtobufError::Truncated)?;
                scalar_value(
                    field,
                    Scalar::Double,
                    WireValue::Fixed64(u64::from_le_bytes(bytes)),
                )
            })
            .collect(),
        (FieldType::Scalar(s), _) => Ok(vec![scalar_value(field, s, value)?]),
    }
}

/// One `map<string, T>` entry: a message with the key in field 1 and the value in field 2.
fn map_entry(
    schema: &Schema,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<(String, Value), ProtobufError> {
    let mut reader = Reader::new(len_bytes(field, value)?);
    let mut key = String::new();
    let mut out: Option<Value> = None;
    while let Some((tag, v)) = reader.next_field()? {
        match tag {
            1 => key = string_of(len_bytes(field, v)?),
            2 => {
                out = Some(match field.ty {
                    FieldType::Message(index) => {
                        decode_message(schema, index, len_bytes(field, v)?, depth + 1)?
                    }
                    FieldType::Scalar(s) => scalar_value(field, s, v)?,
                })
            }
            _ => {}
        }
    }
    // An absent value is the type's zero value, which Go still writes for map entries.
    let out = match (out, field.ty) {
        (Some(v), _) => v,
        (None, FieldType::Message(index)) => decode_message(schema, index, &[], depth + 1)?,
        (None, FieldType::Scalar(s)) => zero_of(s),
    };
    Ok((key, out))
}

fn scalar_value(
    field: &Field,
    scalar: Scalar,
    value: WireValue<'_>,
) -> Result<Value, ProtobufError> {
    let wrong = || ProtobufError::WrongWireType {
        field: field.json.to_string(),
    };
    Ok(match (scalar, value) {
        // int32 travels as a sign-extended 64-bit varint; Go truncates to the low 32 bits.
        (Scalar::Int32, WireValue::Varint(v)) => Value::from(v as i64 as i32),
        (Scalar::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (Scalar::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        (Scalar::Double, WireValue::Fixed64(v)) => number_of_double(f64::from_bits(v))?,
        (Scalar::String, WireValue::Len(b)) => Value::String(string_of(b)),
        (Scalar::Bytes, WireValue::Len(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        _ => return Err(wrong()),
    })
}

/// Go writes integral floats without a fraction (`5`, not `5.0`); JSON has no NaN or infinity.
fn number_of_double(f: f64) -> Result<Value, ProtobufError> {
    if !f.is_finite() {
        return Err(ProtobufError::Malformed("non-finite double"));
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(f as i64));
    }
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or(ProtobufError::Malformed("double"))
}

/// Go does not check UTF-8 when decoding; its JSON encoder then replaces bad bytes with U+FFFD.
pub fn string_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn len_bytes<'a>(field: &Field, value: WireValue<'a>) -> Result<&'a [u8], ProtobufError> {
    match value {
        WireValue::Len(b) => Ok(b),
        _ => Err(ProtobufError::WrongWireType {
            field: field.json.to_string(),
        }),
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

fn zero_of(s: Scalar) -> Value {
    match s {
        Scalar::String | Scalar::Bytes => Value::String(String::new()),
        Scalar::Bool => Value::Bool(false),
        Scalar::Int32 | Scalar::Int64 | Scalar::Double => Value::from(0),
    }
}
