//! Health as the sync needs it: the built-in rules of `berth-kube` reduced to "go on",
//! "wait" or "fail".

use berth_kube::{HealthStatus, resource_health};
use serde_json::Value;

pub use berth_kube::{Health, ResourceHealthInput, app_health};

#[derive(Debug, Clone, PartialEq)]
pub enum HealthState {
    Healthy,
    /// No rule covers the kind: healthy once it exists.
    None,
    Progressing(String),
    Degraded(String),
}

pub fn health_of(live: &Value) -> HealthState {
    match resource_health(live) {
        None => HealthState::None,
        Some(h) => match h.status {
            HealthStatus::Healthy | HealthStatus::Suspended => HealthState::Healthy,
            HealthStatus::Degraded => HealthState::Degraded(h.message),
            HealthStatus::Progressing | HealthStatus::Missing | HealthStatus::Unknown => {
                HealthState::Progressing(h.message)
            }
        },
    }
}
