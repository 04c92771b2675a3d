//! The GitOps core: Applications and AppProjects (argoproj.io/v1alpha1 compatible) whose
//! sources come from git, rendered through `berth-chart`, compared with the live cluster and
//! synced with prune, self-heal, waves and hooks.

// Nested `if let` over locks and optional fields reads better than let-chains here.
#![allow(clippy::collapsible_if)]
// Tests state their expectations with unwrap; library code does not unwrap.
#![cfg_attr(test, allow(clippy::unwrap_used))]

/// The CustomResourceDefinitions the controller installs at start.
pub mod crds {
    pub const APPLICATION: &str = include_str!("../crds/application.yaml");
    pub const APP_PROJECT: &str = include_str!("../crds/appproject.yaml");
    pub const DEFAULT_PROJECT: &str = include_str!("../crds/default-project.yaml");
}

pub mod cluster;
pub mod compare;
pub mod controller;
pub mod git;
pub mod health;
pub mod live;
pub mod model;
pub mod project;
pub mod queue;
pub mod reconcile;
pub mod refresh;
pub mod source;
pub mod sync;
pub mod tracking;
