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
    // A child Application without automated sync waits for a person; holding its parent's
    // next wave until then would stall the parent forever.
    if is_manual_child_app(live) {
        return HealthState::None;
    }
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

fn is_manual_child_app(live: &Value) -> bool {
    let is_app = live["kind"] == "Application"
        && live["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("argoproj.io/"));
    let automated = &live["spec"]["syncPolicy"]["automated"];
    let manual = automated.is_null() || automated["enabled"] == false;
    let operating =
        !live["operation"].is_null() || live["status"]["operationState"]["phase"] == "Running";
    is_app && manual && !operating
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_automated_child_app_gates_until_healthy_and_a_manual_one_does_not() {
        let automated = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "spec": {"syncPolicy": {"automated": {"prune": true}}},
            "status": {"health": {"status": "Progressing"}}});
        assert!(matches!(health_of(&automated), HealthState::Progressing(_)));
        let manual = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "spec": {}, "status": {"health": {"status": "Missing"}}});
        assert_eq!(health_of(&manual), HealthState::None);
        let manual_syncing = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "spec": {}, "operation": {"sync": {}},
            "status": {"health": {"status": "Progressing"}}});
        assert!(matches!(
            health_of(&manual_syncing),
            HealthState::Progressing(_)
        ));
    }
}
