//! Helm charts rendered natively, with the output of Helm 4.3's `helm template`.
//!
//! The pipeline, as Helm's: [`chart`] loads a chart (directory or `.tgz`, with its subcharts)
//! into plain data that is `Send + Sync`; `values` coalesces the chart's values with the user's
//! files and `--set` flags and resolves dependencies (conditions, tags, aliases,
//! import-values, globals); [`render`] runs every template through `berth-template` with
//! Helm's built-in objects; [`manifest`] splits, sorts and prints the result. Template values are
//! reference-counted and stay inside one render call, so any number of renders may run on
//! different threads at once.

// Tests state their expectations with unwrap; library code does not unwrap.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod chart;
pub mod manifest;
pub mod render;

pub use chart::{Chart, ChartFile, Dependency, Maintainer, Metadata};
pub use manifest::{Hook, Manifest, PrintOptions, print};
pub use render::{CapabilityOptions, ReleaseOptions, RenderError, RenderInput, Rendered, render};
