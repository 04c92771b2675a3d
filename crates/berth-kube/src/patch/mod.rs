//! Patch engines: JSON merge patch (RFC 7386) and JSON patch (RFC 6902), with the error texts
//! the API server reports.

mod json_patch;
mod merge;

pub use json_patch::{JsonPatchError, apply_json_patch};
pub use merge::apply_merge_patch;
