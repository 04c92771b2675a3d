//! The server's field manager: the layers apimachinery stacks around the merge
//! (fieldmanager.go NewDefaultFieldManager), outermost first:
//!
//! version check → last-applied updater → last-applied manager → skip non-applied
//! (`before-first-apply`) → cap managers (`ancient-changes`) → manager identity →
//! managed-fields times → strip metadata → structured merge.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::entries::{ManagedFields, Operation, cap_update_managers, identifier};
use super::error::ApplyError;
use super::last_applied::{KUBECTL_MANAGER, allowed_conflicts, last_applied, rewrite};
use super::path::PathElement;
use super::set::FieldSet;
use super::types::TypeInfo;
use super::updater::{FieldFilter, Managers, Refusal, Updater, VersionedSet};

/// At most this many Update entries are kept (DefaultMaxUpdateManagers).
pub const MAX_UPDATE_MANAGERS: usize = 10;
/// The owner of what an object held before its first apply.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";
/// The working name of the writer inside an update (managedfieldsupdater.go).
const CURRENT_OPERATION: &str = "current-operation";

/// Where a write lands and what is known about it.
#[derive(Clone, Copy)]
pub struct WriteScope<'a> {
    /// The endpoint's group/version (`apps/v1`, `v1`).
    pub api_version: &'a str,
    pub kind: &'a str,
    /// Empty for the main resource, else `status`, `scale`.
    pub subresource: &'a str,
    /// Whether the resource has a `/status` subresource: then the main resource never owns
    /// `status`.
    pub has_status_subresource: bool,
    /// RFC 3339 time stamped on the writer's entry.
    pub now: &'a str,
    pub types: &'a dyn TypeInfo,
}

impl WriteScope<'_> {
    /// The fields this write may own; the server resets the others.
    pub fn filter(&self) -> FieldFilter {
        match self.subresource {
            "" if self.has_status_subresource => {
                FieldFilter::Exclude(FieldSet::from_paths([&[PathElement::Field(
                    "status".into(),
                )][..]]))
            }
            "status" => FieldFilter::OnlyUnder(PathElement::Field("status".into())),
            _ => FieldFilter::All,
        }
    }

    /// A new object of the kind: the starting point of an apply that creates.
    fn empty_object(&self) -> Value {
        json!({"apiVersion": self.api_version, "kind": self.kind})
    }

    /// The object a create is compared against: the type's zero value.
    fn zero_object(&self) -> Value {
        let mut zero = self.types.zero_object().unwrap_or_else(|| json!({}));
        if let Some(map) = zero.as_object_mut() {
            map.insert("apiVersion".into(), json!(self.api_version));
            map.insert("kind".into(), json!(self.kind));
        }
        zero
    }
}

/// The entries of the live object for an apply; undecodable entries fail the request as on
/// the server (an update instead starts from no entries: `from_object(..).unwrap_or_default()`).
pub fn managed_fields_for_apply(live: Option<&Value>) -> Result<ManagedFields, ApplyError> {
    match live {
        Some(obj) => ManagedFields::from_object(obj)
            .map_err(|e| ApplyError::Internal(format!("failed to decode managed fields: {e}"))),
        None => Ok(ManagedFields::default()),
    }
}

/// Server-side apply of `config` onto `live` (`None` creates). Returns the object to store,
/// with `metadata.managedFields` written, and its entries. When nothing changed, the object
/// equals `live` apart from managedFields bookkeeping, and the caller skips the write.
/// Defaulting of the result is the caller's next step, as on the server.
pub fn apply(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    managed: &ManagedFields,
    scope: &WriteScope<'_>,
) -> Result<(Value, ManagedFields), ApplyError> {
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version != scope.api_version || kind != scope.kind {
        return Err(ApplyError::BadRequest(format!(
            "invalid object type: {}",
            gvk_string(api_version, kind)
        )));
    }
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|v| !v.is_null())
    {
        return Err(ApplyError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let mut result = apply_tracked(live, config, manager, force, managed, scope);
    if manager != KUBECTL_MANAGER {
        return result;
    }
    // A kubectl apply may take over what its client-side apply set (lastappliedmanager.go).
    if let (Err(ApplyError::Conflicts(conflicts)), Some(live)) = (&result, live)
        && let Some(allowed) = allowed_conflicts(live, scope.api_version, scope.types)
    {
        let remaining: Vec<_> = conflicts
            .iter()
            .filter(|c| !allowed.has(&c.path))
            .cloned()
            .collect();
        result = if remaining.is_empty() {
            apply_tracked(Some(live), config, manager, true, managed, scope)
        } else {
            Err(ApplyError::Conflicts(remaining))
        };
    }
    if let Ok((obj, _)) = &mut result
        && last_applied(obj).is_some()
    {
        rewrite(obj, config);
    }
    result
}

fn apply_tracked(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    managed: &ManagedFields,
    scope: &WriteScope<'_>,
) -> Result<(Value, ManagedFields), ApplyError> {
    let live_obj = live
        .map(without_managed_fields)
        .unwrap_or_else(|| scope.empty_object());
    let (mut managers, mut times) = managed.to_managers();
    let filter = scope.filter();
    let updater = Updater {
        types: scope.types,
        filter: &filter,
    };
    if managers.is_empty() {
        // Whatever the object already holds belongs to the writers before the first apply.
        track_update(
            &updater,
            &scope.zero_object(),
            &live_obj,
            &mut managers,
            &mut times,
            BEFORE_FIRST_APPLY,
            scope,
        );
    }
    let id = identifier(
        name_or_unknown(manager),
        Operation::Apply,
        scope.api_version,
        scope.subresource,
    );
    let applied = updater
        .apply(
            &live_obj,
            config,
            scope.api_version,
            &mut managers,
            &id,
            force,
        )
        .map_err(|refusal| match refusal {
            Refusal::Conflicts(c) => ApplyError::Conflicts(c),
            Refusal::InvalidConfig(errors) => ApplyError::Internal(format!(
                "failed to create typed patch object ({}) {}: {}",
                gvk_string(scope.api_version, scope.kind),
                object_key(config),
                join_errors(&errors)
            )),
            Refusal::InvalidLive(errors) => ApplyError::Internal(format!(
                "failed to create typed live object ({}) {}: {}",
                gvk_string(scope.api_version, scope.kind),
                object_key(&live_obj),
                join_errors(&errors)
            )),
        })?;
    strip_meta(&mut managers, &id);
    let mut obj = match applied {
        Some(new) => {
            times.insert(id, Some(scope.now.to_string()));
            new
        }
        None => live_obj,
    };
    let entries = ManagedFields::from_managers(&managers, &times);
    entries.write_to(&mut obj);
    Ok((obj, entries))
}

/// Ownership after any non-apply write (POST, PUT, merge/JSON/strategic PATCH): `old` is
/// `None` on create. The managedFields of `new` win when the client set them (`[]` resets);
/// on a subresource they are ignored. Never fails: a write is not refused for its
/// bookkeeping.
pub fn update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    managed: &ManagedFields,
    scope: &WriteScope<'_>,
) -> (Value, ManagedFields) {
    let requested = new.get("metadata").and_then(|m| m.get("managedFields"));
    let start = match requested {
        _ if !scope.subresource.is_empty() => managed.clone(),
        Some(Value::Array(list))
            if list.is_empty() || (list.len() == 1 && list[0] == json!({})) =>
        {
            ManagedFields::default()
        }
        Some(list) => match ManagedFields::decode(list) {
            Ok(decoded) if !decoded.is_empty() => decoded,
            _ => managed.clone(),
        },
        None => managed.clone(),
    };
    let mut new_obj = without_managed_fields(new);
    let old_obj = old
        .map(without_managed_fields)
        .unwrap_or_else(|| scope.zero_object());
    let (mut managers, mut times) = start.to_managers();
    let has_uid = old_obj
        .get("metadata")
        .and_then(|m| m.get("uid"))
        .and_then(Value::as_str)
        .is_some_and(|u| !u.is_empty());
    if managers.is_empty() && has_uid {
        // An existing object nobody tracked stays untracked until its first apply.
        return (new_obj, ManagedFields::default());
    }
    let filter = scope.filter();
    let updater = Updater {
        types: scope.types,
        filter: &filter,
    };
    track_update(
        &updater,
        &old_obj,
        &new_obj,
        &mut managers,
        &mut times,
        manager,
        scope,
    );
    let entries = ManagedFields::from_managers(&managers, &times);
    entries.write_to(&mut new_obj);
    (new_obj, entries)
}

/// One Update through the inner layers: identity, the temporary `current-operation` owner
/// merged into the writer's entry, metadata stripping and the cap on Update entries.
fn track_update(
    updater: &Updater<'_>,
    old: &Value,
    new: &Value,
    managers: &mut Managers,
    times: &mut BTreeMap<String, Option<String>>,
    manager: &str,
    scope: &WriteScope<'_>,
) {
    let id = identifier(
        name_or_unknown(manager),
        Operation::Update,
        scope.api_version,
        scope.subresource,
    );
    updater.update(old, new, scope.api_version, managers, CURRENT_OPERATION);
    strip_meta(managers, CURRENT_OPERATION);
    if let Some(vs) = managers.remove(CURRENT_OPERATION) {
        let set = match managers.get(&id) {
            Some(previous) => vs.set.union(&previous.set),
            None => vs.set,
        };
        managers.insert(
            id.clone(),
            VersionedSet {
                set,
                api_version: vs.api_version,
                applied: vs.applied,
            },
        );
        times.insert(id, Some(scope.now.to_string()));
    }
    cap_update_managers(managers, times, MAX_UPDATE_MANAGERS);
}

/// Identity and bookkeeping fields are never owned (stripmeta.go).
fn strip_meta(managers: &mut Managers, id: &str) {
    let Some(vs) = managers.get_mut(id) else {
        return;
    };
    let f = |n: &str| PathElement::Field(n.into());
    let mut strip = FieldSet::new();
    strip.insert(&[f("apiVersion")]);
    strip.insert(&[f("kind")]);
    strip.insert(&[f("metadata")]);
    for field in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        strip.insert(&[f("metadata"), f(field)]);
    }
    vs.set = vs.set.difference(&strip);
    if vs.set.is_empty() {
        managers.remove(id);
    }
}

fn without_managed_fields(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    out
}

fn name_or_unknown(manager: &str) -> &str {
    if manager.is_empty() {
        "unknown"
    } else {
        manager
    }
}

/// Go's GroupVersionKind.String: `apps/v1, Kind=Deployment`, `/v1, Kind=ConfigMap`.
fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// `namespace/name` as objectGVKNN prints it.
fn object_key(obj: &Value) -> String {
    let meta = |k: &str| {
        obj.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!("{}/{}", meta("namespace"), meta("name"))
}

/// SMD ValidationErrors: `errors:\n  a\n  b` for several, the error itself for one.
fn join_errors(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("errors:\n  {}", many.join("\n  ")),
    }
}
