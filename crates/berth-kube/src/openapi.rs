//! OpenAPI v3 documents per group-version, as `/openapi/v3` serves them.

use crate::{gvk::GroupVersion, resource::ResourceInfo};
use serde_json::{Value, json};

/// The `/openapi/v3` index: group-version path → document URL with its hash.
#[derive(Debug, Clone, Default)]
pub struct OpenApiIndex {}

/// The OpenAPI v3 document of one group-version.
pub fn openapi_document(_gv: &GroupVersion, _resources: &[ResourceInfo]) -> Value {
    json!({})
}
