//! Why a strategic merge patch failed, with apimachinery's messages (mergepatch/errors.go,
//! strategicpatch/patch.go) and the HTTP code the API server answers with.

use crate::schema::gofmt::sprint;
use serde_json::Value;

/// A failed strategic merge patch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategicPatchError {
    /// A malformed document or directive list the server rejects with 400
    /// (`invalid JSON document`, `invalid patch format of retainKeys`, ...).
    #[error("{0}")]
    BadRequest(String),
    /// A patch the server rejects with 422 (`lists of lists are not supported`).
    #[error("{0}")]
    Unprocessable(String),
    /// Any other failure (a bad `$patch` value, a missing merge key, mismatched element
    /// types): upstream returns it as a plain error, which the server reports as 500.
    #[error("{0}")]
    Failed(String),
    /// Creating a three-way patch found changes in the live object the patch would undo.
    #[error("{0}")]
    Conflict(String),
    /// The kind has no patch metadata (custom resources): the server answers 415.
    #[error("strategic merge patch format is not supported")]
    Unsupported,
}

impl StrategicPatchError {
    /// The HTTP status the API server answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unprocessable(_) => 422,
            Self::Failed(_) => 500,
            Self::Conflict(_) => 409,
            Self::Unsupported => 415,
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, StrategicPatchError>;

pub(crate) fn bad_json_doc() -> StrategicPatchError {
    StrategicPatchError::BadRequest("invalid JSON document".into())
}

pub(crate) fn no_list_of_lists() -> StrategicPatchError {
    StrategicPatchError::Unprocessable("lists of lists are not supported".into())
}

pub(crate) fn bad_primitive_list() -> StrategicPatchError {
    StrategicPatchError::BadRequest("invalid patch format of primitive list".into())
}

pub(crate) fn bad_retain_keys() -> StrategicPatchError {
    StrategicPatchError::BadRequest("invalid patch format of retainKeys".into())
}

pub(crate) fn bad_set_element_order() -> StrategicPatchError {
    StrategicPatchError::BadRequest("invalid patch format of setElementOrder list".into())
}

pub(crate) fn no_merge_key(map: &Value, key: &str) -> StrategicPatchError {
    StrategicPatchError::Failed(format!(
        "map: {} does not contain declared merge key: {key}",
        sprint(map)
    ))
}

/// `ErrBadArgType(expected, actual)`: Go names the dynamic types.
pub(crate) fn bad_arg_type(expected: &str, actual: &Value) -> StrategicPatchError {
    StrategicPatchError::Failed(format!(
        "expected a {expected}, but received a {}",
        go_type(actual)
    ))
}

pub(crate) fn bad_patch_type(directive: &Value, map: &Value) -> StrategicPatchError {
    let shown = match directive {
        Value::String(s) => s.clone(),
        other => format!("%!s({}={})", go_type(other), sprint(other)),
    };
    StrategicPatchError::Failed(format!(
        "unknown patch type: {shown} in map: {}",
        sprint(map)
    ))
}

pub(crate) fn failed(msg: impl Into<String>) -> StrategicPatchError {
    StrategicPatchError::Failed(msg.into())
}

pub(crate) fn too_deep() -> StrategicPatchError {
    StrategicPatchError::BadRequest("strategic merge patch: document nested too deeply".into())
}

pub(crate) const MAP_TYPE: &str = "map[string]interface {}";
pub(crate) const SLICE_TYPE: &str = "[]interface {}";

/// The Go type apimachinery's JSON decoder gives a value.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int64",
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.2e18) =>
        {
            "int64"
        }
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => SLICE_TYPE,
        Value::Object(_) => MAP_TYPE,
    }
}
