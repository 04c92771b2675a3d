//! Helm charts rendered natively, with the output of Helm 4.3's `helm template`.
//!
//! The pipeline, as Helm's: [`load`] reads a chart (directory or `.tgz`, with its
//! subcharts) into a [`Chart`], plain data that is `Send + Sync`; [`ValueOptions`] merges
//! the user's `-f` files and `--set*` flags; [`prepare`] processes dependencies
//! (conditions, tags, aliases, import-values) and coalesces the values (user over chart
//! defaults, globals pushed down, `null` deleting a key); [`render`] runs every template
//! through `berth-template` with Helm's built-in objects; [`manifest`] splits, sorts and
//! prints the result. Template values are reference-counted and stay inside one render
//! call, so any number of renders may run on different threads at once.
//!
//! ```no_run
//! use berth_chart::{load, prepare, ValueOptions};
//! let chart = load("charts/demo")?; // Send + Sync: load once, share across threads.
//! // On the rendering thread:
//! let user = ValueOptions { set: vec!["replicas=3".into()], ..Default::default() }
//!     .merge_user_values()?;
//! let prepared = prepare(&chart, &user)?;
//! // prepared.chart: subcharts enabled and renamed as Helm leaves them;
//! // prepared.values: `.Values` of the top chart (a subchart's is under its name).
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Errors carry Helm's own text (`validation: chart.metadata.name is required`,
//! `cannot load values.yaml: ...`, `found in Chart.yaml, but missing in charts/
//! directory: NAME` ...).

// Nested `if let` reads better than let-chains in the Go-mirroring code.
#![allow(clippy::collapsible_if)]
// Tests state their expectations with unwrap; library code does not unwrap.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod chart;
pub mod dependencies;
pub mod load;
pub mod manifest;
pub mod metadata;
pub mod render;
pub mod schema;
mod semver;
pub mod values;

/// Parsing a chart's templates ahead of rendering (see [`template_sources`]).
pub use berth_template::{ParseAhead, ParsedAhead};
pub use bytes::Bytes;
pub use chart::{Chart, ChartFile, Dependency, Maintainer, Metadata};
pub use dependencies::{PrepareError, PrepareOptions, Prepared, prepare, prepare_with};
pub use load::{LoadError, load, load_archive};
pub use manifest::{Hook, Manifest, PrintOptions, print};
pub use render::{
    CapabilityOptions, ReleaseOptions, RenderError, RenderInput, Rendered, render, render_parsed,
    template_sources,
};
pub use values::{ValueOptions, ValuesError};
