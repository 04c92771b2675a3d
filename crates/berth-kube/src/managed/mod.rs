//! Server-side apply and `metadata.managedFields`, as pure object logic (the semantics of
//! sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery pkg/util/managedfields).
//!
//! The server calls [`apply`] for `application/apply-patch+yaml` and [`update`] for every
//! other write; both take the entries decoded from the live object
//! ([`ManagedFields::from_object`]) and a [`WriteScope`] naming the endpoint, the time and
//! the type information ([`BuiltinTypes`], a CRD's `StructuralSchema`, or [`Deduced`]).

mod builtin_types;
mod entries;
mod error;
mod field_manager;
mod fields_v1;
mod last_applied;
mod path;
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
