//! Validation the API server applies before it stores an object.

use crate::{resource::ResourceInfo, status::Cause};
use serde_json::Value;

pub fn validate_dns1123_subdomain(_name: &str) -> Vec<String> {
    Vec::new()
}

pub fn validate_dns1123_label(_name: &str) -> Vec<String> {
    Vec::new()
}

/// The causes that make `obj` invalid for `info`; empty when it is valid.
pub fn validate_object(_info: &ResourceInfo, _obj: &Value) -> Vec<Cause> {
    Vec::new()
}
