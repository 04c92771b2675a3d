//! Server-side apply and `metadata.managedFields`, as pure object logic (the semantics of
//! sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery pkg/util/managedfields).
//!
//! How a server uses it, per write:
//!
//! - `PATCH` with `application/apply-patch+yaml`: decode the body; read the live object
//!   (`None` when absent); `managed_fields_for_apply(live)`; [`apply`] with a
//!   [`WriteScope`] (endpoint group/version and kind, subresource, whether the resource has
//!   `/status`, the time, the type information); on `Err`, answer
//!   [`ApplyError::to_status`]. When the returned object equals the live one, skip the
//!   write; otherwise default it (defaults are never owned), validate and store it.
//! - Every other write (POST, PUT, merge/JSON/strategic PATCH), after the server decoded and
//!   defaulted the new object: [`update`] with the live object's entries
//!   (`ManagedFields::from_object(live).unwrap_or_default()`, `None` on create). It never
//!   fails.
//!
//! Type information: [`BuiltinTypes`] for built-in kinds, the CRD version's
//! `StructuralSchema`, or [`Deduced`] when there is no schema.

mod builtin_types;
mod entries;
mod error;
mod field_manager;
mod fields_v1;
mod last_applied;
mod path;
mod reconcile;
mod set;
mod typed;
mod types;
mod updater;

#[cfg(test)]
mod tests;

pub use builtin_types::BuiltinTypes;
pub use entries::{ManagedFields, ManagedFieldsEntry, Operation};
pub use error::ApplyError;
pub use field_manager::{
    BEFORE_FIRST_APPLY, MAX_UPDATE_MANAGERS, WriteScope, apply, managed_fields_for_apply, update,
};
pub use fields_v1::{from_fields_v1, to_fields_v1, to_fields_v1_string};
pub use last_applied::{KUBECTL_MANAGER, LAST_APPLIED_ANNOTATION};
pub use path::{Path, PathElement, path_to_string};
pub use set::FieldSet;
pub use typed::{
    Comparison, compare, ensure_named_fields_are_members, merge, remove_items, to_field_set,
};
pub use types::{Deduced, ListKey, ListShape, NodeType, Shape, Step, TypeInfo};
pub use updater::{Conflict, FieldFilter};
