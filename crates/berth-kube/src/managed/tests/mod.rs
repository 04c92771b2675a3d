//! Scenario tests of server-side apply: cases transliterated from structured-merge-diff's
//! merge tests and apimachinery's managedfields tests (each names its upstream case), and
//! Kubernetes scenarios.

mod fixture;
mod kubernetes;
mod managedfields;
mod robustness;
mod smd_default_keys;
mod smd_duplicates;
mod smd_key;
mod smd_leaf;
mod smd_multiple_appliers;
mod smd_nested;
mod smd_preserve_unknown;
mod smd_real;
mod smd_schema_change;
mod smd_set;
