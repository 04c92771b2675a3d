//! The API server's semantics, independent of HTTP: what create, update and delete do to an
//! object (metadata the server owns, defaults, validation, generation, status handling,
//! finalizers and deletion propagation). The HTTP layer and the built-in controllers both write
//! through here, so every change follows the same rules and reaches watches.

pub mod delete;
mod fields;
mod prepare;
mod services;

pub use delete::{DeleteOptions, DeleteOutcome, Propagation};
pub use fields::Ownership;

use crate::registry::{Registry, Served};
use crate::store::{ObjectKey, Store, StoreError, Stored};
use berth_kube::{ObjectExt, StatusError};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// How strictly unknown fields in a request are treated (`fieldValidation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    /// The server's default when the parameter is absent.
    #[default]
    Warn,
    Strict,
}

/// Options every write carries.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    /// The manager the write's fields are recorded under.
    pub field_manager: String,
    pub ownership: Ownership,
    /// Server-side apply only: take over fields other managers own instead of conflicting.
    pub force: bool,
    /// Keys the request body carried twice (the decoder keeps the last one).
    pub duplicate_fields: Vec<String>,
}

/// What a write produced.
#[derive(Debug)]
pub struct Written {
    pub object: Value,
    pub warnings: Vec<String>,
    pub created: bool,
}

/// Which part of an object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The main resource: everything but status (when the resource has a status subresource).
    Main,
    /// The status subresource: only status.
    Status,
    /// The namespace `finalize` subresource: only `spec.finalizers`.
    Finalize,
    /// The scale subresource: a change of the replica count, made to the main resource.
    Scale,
}

/// The API server's state and rules. Cloning shares it.
#[derive(Clone)]
pub struct Cluster {
    pub store: Store,
    pub registry: Registry,
    services: Arc<Mutex<services::Allocator>>,
}

/// How many times an internal read-modify-write retries when another writer got there first.
const UPDATE_RETRIES: usize = 16;

impl Cluster {
    pub fn new(store: Store, registry: Registry) -> Self {
        let services = services::Allocator::load(&store);
        Self {
            store,
            registry,
            services: Arc::new(Mutex::new(services)),
        }
    }

    pub fn key(served: &Served, namespace: &str, name: &str) -> ObjectKey {
        let ns = if served.info.namespaced() {
            namespace
        } else {
            ""
        };
        ObjectKey::new(&served.storage, ns, name)
    }

    /// Looks up a served resource by group, version and plural.
    pub fn served(&self, group: &str, version: &str, plural: &str) -> Option<Served> {
        self.registry.lookup(group, version, plural)
    }

    /// The current object, as the requested version serves it.
    pub fn get(&self, served: &Served, namespace: &str, name: &str) -> Result<Value, StatusError> {
        let stored = self
            .store
            .get(&Self::key(served, namespace, name))
            .ok_or_else(|| not_found(served, name))?;
        Ok(self.present(served, stored.value()))
    }

    pub fn get_stored(&self, served: &Served, namespace: &str, name: &str) -> Option<Stored> {
        self.store.get(&Self::key(served, namespace, name))
    }

    /// Rewrites a stored object for the version being served (custom resources store every
    /// version under one key; conversion strategy None only changes apiVersion), and applies
    /// schema defaults on read as the real server does.
    pub fn present(&self, served: &Served, mut obj: Value) -> Value {
        if obj.api_version() != served.info.api_version()
            && let Some(o) = obj.as_object_mut()
        {
            o.insert(
                "apiVersion".into(),
                Value::String(served.info.api_version()),
            );
        }
        if let Some(schema) = served.custom.as_ref().and_then(|c| c.schema.as_ref()) {
            schema.apply_defaults(&mut obj);
        }
        obj
    }

    /// Creates an object in `namespace` (ignored for cluster-scoped resources).
    pub fn create(
        &self,
        served: &Served,
        namespace: &str,
        obj: Value,
        opts: &WriteOptions,
    ) -> Result<Written, StatusError> {
        let (obj, warnings) = self.prepare_create(served, namespace, obj, opts)?;
        let name = obj.name().to_string();
        let key = Self::key(served, namespace, &name);
        if opts.dry_run {
            if self.store.get(&key).is_some() {
                return Err(already_exists(served, &name));
            }
            return Ok(Written {
                object: obj,
                warnings,
                created: true,
            });
        }
        let stored = self.store.create(&key, obj).map_err(|e| match e {
            StoreError::AlreadyExists => already_exists(served, &name),
            other => StatusError::internal(other.to_string()),
        })?;
        let object = self.present(served, stored.value());
        self.after_write(served, &object);
        Ok(Written {
            object,
            warnings,
            created: true,
        })
    }

    /// Replaces an object (PUT). An empty resourceVersion in `obj` means "whatever is there".
    pub fn update(
        &self,
        served: &Served,
        namespace: &str,
        name: &str,
        obj: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Written, StatusError> {
        let requested_rv = obj.resource_version().to_string();
        let key = Self::key(served, namespace, name);
        if obj.name() != name {
            return Err(StatusError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                obj.name()
            )));
        }
        for _ in 0..UPDATE_RETRIES {
            let Some(current) = self.store.get(&key) else {
                return Err(not_found(served, name));
            };
            if !requested_rv.is_empty() && requested_rv != current.rv.to_string() {
                return Err(conflict(served, name));
            }
            let old = current.value();
            let mut obj = obj.clone();
            // An unconditional update still answers with the version it replaced (dry runs
            // keep it; real writes replace it).
            obj.set_meta("resourceVersion", Value::String(current.rv.to_string()));
            let (new, warnings) = self.prepare_update(served, &old, obj, part, opts)?;
            match self.commit_update(served, &key, &old, new, current.rv, opts)? {
                Some(object) => {
                    return Ok(Written {
                        object,
                        warnings,
                        created: false,
                    });
                }
                None if requested_rv.is_empty() => continue,
                None => return Err(conflict(served, name)),
            }
        }
        Err(conflict(served, name))
    }

    /// Read-modify-write: applies `change` to the current object and stores the result,
    /// retrying when another writer got there first. `change` may refuse with an error.
    pub fn update_with<F>(
        &self,
        served: &Served,
        namespace: &str,
        name: &str,
        part: Part,
        opts: &WriteOptions,
        mut change: F,
    ) -> Result<Written, StatusError>
    where
        F: FnMut(Value) -> Result<Value, StatusError>,
    {
        let key = Self::key(served, namespace, name);
        for _ in 0..UPDATE_RETRIES {
            let Some(current) = self.store.get(&key) else {
                return Err(not_found(served, name));
            };
            let old = self.present(served, current.value());
            let mut new = change(old.clone())?;
            // A change never carries its own resourceVersion precondition unless it set one.
            let wanted_rv = new.resource_version().to_string();
            if !wanted_rv.is_empty() && wanted_rv != current.rv.to_string() {
                return Err(conflict(served, name));
            }
            new.set_meta("resourceVersion", Value::String(current.rv.to_string()));
            let (new, warnings) = self.prepare_update(served, &old, new, part, opts)?;
            if let Some(object) = self.commit_update(served, &key, &old, new, current.rv, opts)? {
                return Ok(Written {
                    object,
                    warnings,
                    created: false,
                });
            }
        }
        Err(conflict(served, name))
    }

    /// Stores a prepared update; `None` when someone else wrote first. An update that leaves a
    /// terminating object without finalizers deletes it, as the real server does.
    fn commit_update(
        &self,
        served: &Served,
        key: &ObjectKey,
        old: &Value,
        new: Value,
        rv: u64,
        opts: &WriteOptions,
    ) -> Result<Option<Value>, StatusError> {
        if opts.dry_run {
            return Ok(Some(new));
        }
        if new == *old {
            // Nothing changed: no write, no new resourceVersion.
            return Ok(Some(new));
        }
        let finishing = ready_to_remove(served, &new);
        let result = if finishing {
            self.store
                .update(key, new, rv)
                .and_then(|s| self.store.delete(key, s.rv))
        } else {
            self.store.update(key, new, rv)
        };
        match result {
            Ok(stored) => {
                let object = self.present(served, stored.value());
                self.after_write(served, &object);
                Ok(Some(object))
            }
            Err(StoreError::Conflict) => Ok(None),
            Err(StoreError::NotFound) => Err(not_found(served, &key.name)),
            Err(other) => Err(StatusError::internal(other.to_string())),
        }
    }

    /// Hooks that must follow a write synchronously (CRDs change what is served).
    fn after_write(&self, served: &Served, object: &Value) {
        if served.info.group == "apiextensions.k8s.io"
            && served.info.plural == "customresourcedefinitions"
        {
            crate::controllers::crd::sync_served(self, object);
        }
    }
}

pub fn not_found(served: &Served, name: &str) -> StatusError {
    StatusError::not_found(&served.info.group, &served.info.plural, name)
}

pub fn already_exists(served: &Served, name: &str) -> StatusError {
    StatusError::already_exists(&served.info.group, &served.info.plural, name)
}

pub fn conflict(served: &Served, name: &str) -> StatusError {
    StatusError::stale(&served.info.group, &served.info.plural, name)
}

/// A terminating object goes once nothing holds it: no finalizers, no grace period still running,
/// and for namespaces no `spec.finalizers` left.
pub fn ready_to_remove(served: &Served, obj: &Value) -> bool {
    if obj.deletion_timestamp().is_none() || !obj.finalizers().is_empty() {
        return false;
    }
    let grace = obj
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    grace == 0 && !held_by_namespace_finalizers(served, obj)
}

/// A namespace stays while `spec.finalizers` (the namespace controller's) is not empty.
pub fn held_by_namespace_finalizers(served: &Served, obj: &Value) -> bool {
    served.custom.is_none()
        && served.info.group.is_empty()
        && served.info.plural == "namespaces"
        && obj
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
}
