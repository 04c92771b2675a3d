//! Field ownership: `metadata.managedFields` recorded on every write, and server-side apply.
//! The merge and ownership rules live in `berth_kube`'s managed-fields engine; this module
//! decides which type information and scope a write has and where in the write path it runs.

use super::{Cluster, Part, WriteOptions, Written};
use crate::registry::Served;
use berth_kube::{
    BuiltinTypes, DeducedTypes, ManagedFields, ObjectExt, StatusError, StructuralSchema, TypeInfo,
    WriteScope, managed_fields_for_apply, now_rfc3339, server_side_apply, update_managed_fields,
};
use serde_json::Value;

/// How the write's field ownership is recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Ownership {
    /// An ordinary write: the manager takes the fields it set or changed (operation Update).
    #[default]
    Update,
    /// Server-side apply already computed the managed fields; keep them.
    Applied,
}

/// The type information ownership is tracked with: the CRD's schema, the built-in table, or
/// structure deduced from the object when a CRD has no schema.
enum Types<'a> {
    Schema(&'a StructuralSchema),
    Builtin(BuiltinTypes),
    Deduced(DeducedTypes),
}

impl Types<'_> {
    fn as_dyn(&self) -> &dyn TypeInfo {
        match self {
            Types::Schema(schema) => *schema,
            Types::Builtin(types) => types,
            Types::Deduced(types) => types,
        }
    }
}

fn types_for(served: &Served) -> Types<'_> {
    match served.custom.as_ref() {
        Some(custom) => match custom.schema.as_ref() {
            Some(schema) => Types::Schema(schema),
            None => Types::Deduced(DeducedTypes),
        },
        None => Types::Builtin(BuiltinTypes::for_kind(&served.info.kind)),
    }
}

/// Everything the field manager needs to know about one write, built fresh per attempt
/// (the time stamps the writer's entry).
struct Scoped<'a> {
    served: &'a Served,
    part: Part,
    types: Types<'a>,
    api_version: String,
    now: String,
}

impl<'a> Scoped<'a> {
    fn new(served: &'a Served, part: Part) -> Self {
        Self {
            served,
            part,
            types: types_for(served),
            api_version: served.info.api_version(),
            now: now_rfc3339(),
        }
    }

    fn scope(&self) -> WriteScope<'_> {
        WriteScope {
            api_version: &self.api_version,
            kind: &self.served.info.kind,
            subresource: subresource(self.part),
            has_status_subresource: self.served.info.has_subresource("status"),
            now: &self.now,
            types: self.types.as_dyn(),
        }
    }
}

fn subresource(part: Part) -> &'static str {
    match part {
        Part::Main => "",
        Part::Status => "status",
        Part::Finalize => "finalize",
        Part::Scale => "scale",
    }
}

impl Cluster {
    /// Records the writer's ownership on `new` (operation Update), after defaulting, as the
    /// real server's field manager does.
    pub(super) fn record_update(
        &self,
        served: &Served,
        old: Option<&Value>,
        new: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Value {
        if opts.ownership == Ownership::Applied {
            return new;
        }
        let scoped = Scoped::new(served, part);
        let managed = old
            .map(|o| ManagedFields::from_object(o).unwrap_or_default())
            .unwrap_or_default();
        let manager = opts.field_manager.as_str();
        update_managed_fields(old, &new, manager, &managed, &scoped.scope()).0
    }

    /// Server-side apply (`application/apply-patch+yaml`): merges `config` into the live object
    /// under `manager`, creating it when it does not exist.
    pub fn apply(
        &self,
        served: &Served,
        namespace: &str,
        name: &str,
        config: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Written, StatusError> {
        let force = opts.force;
        if opts.field_manager.is_empty() {
            return Err(StatusError::invalid(
                "meta.k8s.io",
                "PatchOptions",
                "",
                vec![berth_kube::Cause::new(
                    "FieldValueRequired",
                    "Required value: is required for apply patch",
                    "fieldManager",
                )],
            ));
        }
        if config.name() != name {
            return Err(StatusError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                config.name()
            )));
        }
        let applied = WriteOptions {
            ownership: Ownership::Applied,
            ..opts.clone()
        };
        let apply_to = |live: Option<&Value>| -> Result<Value, StatusError> {
            let scoped = Scoped::new(served, part);
            let managed = managed_fields_for_apply(live).map_err(|e| e.to_status())?;
            server_side_apply(
                live,
                &config,
                &opts.field_manager,
                force,
                &managed,
                &scoped.scope(),
            )
            .map(|(obj, _)| obj)
            .map_err(|e| e.to_status())
        };
        for _ in 0..2 {
            if self.get_stored(served, namespace, name).is_none() && part == Part::Main {
                let created = apply_to(None)?;
                match self.create(served, namespace, created, &applied) {
                    Err(e) if e.code == 409 && e.reason == "AlreadyExists" => continue,
                    other => return other,
                }
            }
            return self.update_with(served, namespace, name, part, &applied, |live| {
                apply_to(Some(&live))
            });
        }
        Err(super::conflict(served, name))
    }
}
