//! Why an apply failed, with the status the real server answers (apimachinery
//! managedfields/internal/conflict.go for the 409).

use std::collections::BTreeMap;

use crate::status::{Cause, StatusError};

use super::entries::{Operation, parse_identifier};
use super::path::path_to_string;
use super::updater::Conflict;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApplyError {
    /// The request itself is wrong (managedFields set, wrong type or version): 400.
    #[error("{0}")]
    BadRequest(String),
    /// Other managers own fields the apply would change: 409.
    #[error("{}", conflict_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The object does not fit its schema (list keys, duplicates) or its managedFields do not
    /// decode: the server answers 500 with the message.
    #[error("{0}")]
    Internal(String),
}

impl ApplyError {
    /// The `Status` the API server answers.
    pub fn to_status(&self) -> StatusError {
        match self {
            ApplyError::BadRequest(message) => StatusError::bad_request(message.clone()),
            ApplyError::Conflicts(conflicts) => {
                let causes = conflicts
                    .iter()
                    .map(|c| {
                        Cause::new(
                            "FieldManagerConflict",
                            format!("conflict with {}", print_manager(&c.manager)),
                            path_to_string(&c.path),
                        )
                    })
                    .collect();
                StatusError::new(409, "Conflict", conflict_message(conflicts)).with_causes(causes)
            }
            ApplyError::Internal(message) => StatusError::new(500, "", message.clone()),
        }
    }
}

/// `"kubectl"` for an applier, `"kubectl-edit" using apps/v1` for an updater.
pub(crate) fn print_manager(id: &str) -> String {
    let (manager, op, api_version, _) = parse_identifier(id);
    let quoted = serde_json::to_string(&manager).unwrap_or_default();
    match op {
        Operation::Update => format!("{quoted} using {api_version}"),
        Operation::Apply => quoted,
    }
}

/// The 409 message: one line for one conflict, else the paths grouped by sorted manager.
fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [c] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(&c.manager),
            path_to_string(&c.path)
        );
    }
    let mut by_manager: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in conflicts {
        by_manager
            .entry(c.manager.clone())
            .or_default()
            .push(path_to_string(&c.path));
    }
    let mut lines = Vec::new();
    for (manager, paths) in by_manager {
        lines.push(format!("conflicts with {}:", print_manager(&manager)));
        lines.extend(paths.into_iter().map(|p| format!("- {p}")));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}
