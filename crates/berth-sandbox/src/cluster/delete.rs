//! Deletion: preconditions, finalizers, graceful deletion and the propagation policy, as the
//! real generic registry does it. Dependents are removed by the garbage collector.

use super::{Cluster, Part, WriteOptions, conflict, not_found};
use crate::registry::Served;
use crate::store::StoreError;
use berth_kube::{ObjectExt, StatusError, now_rfc3339};
use serde_json::{Value, json};

/// How dependents are treated when their owner is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(text: &str) -> Result<Self, StatusError> {
        match text {
            "Background" => Ok(Self::Background),
            "Foreground" => Ok(Self::Foreground),
            "Orphan" => Ok(Self::Orphan),
            other => Err(StatusError::invalid(
                "",
                "DeleteOptions",
                "",
                vec![berth_kube::Cause::new(
                    "FieldValueNotSupported",
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
                    ),
                    "propagationPolicy",
                )],
            )),
        }
    }
}

pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
pub const ORPHAN_FINALIZER: &str = "orphan";

/// `DeleteOptions`, from the body or the query.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub propagation: Option<Propagation>,
    pub grace_period_seconds: Option<i64>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` body (kubectl and kube-rs send one); absent fields stay unset.
    pub fn merge_body(&mut self, body: &Value) -> Result<(), StatusError> {
        if let Some(policy) = body.get("propagationPolicy").and_then(Value::as_str) {
            self.propagation = Some(Propagation::parse(policy)?);
        } else if let Some(orphan) = body.get("orphanDependents").and_then(Value::as_bool) {
            self.propagation = Some(if orphan {
                Propagation::Orphan
            } else {
                Propagation::Background
            });
        }
        if let Some(g) = body.get("gracePeriodSeconds").and_then(Value::as_i64) {
            self.grace_period_seconds = Some(g);
        }
        if let Some(dry) = body.get("dryRun").and_then(Value::as_array) {
            self.dry_run |= dry.iter().any(|d| d == "All");
        }
        if let Some(pre) = body.get("preconditions") {
            if let Some(uid) = pre.get("uid").and_then(Value::as_str) {
                self.precondition_uid = Some(uid.into());
            }
            if let Some(rv) = pre.get("resourceVersion").and_then(Value::as_str) {
                self.precondition_rv = Some(rv.into());
            }
        }
        Ok(())
    }
}

/// What a delete did.
#[derive(Debug)]
pub enum DeleteOutcome {
    /// The object is gone; this is its last state.
    Deleted(Value),
    /// The object remains, terminating, until its finalizers are removed.
    Terminating(Value),
}

impl Cluster {
    pub fn delete(
        &self,
        served: &Served,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteOutcome, StatusError> {
        let key = Self::key(served, namespace, name);
        for _ in 0..super::UPDATE_RETRIES {
            let Some(current) = self.store.get(&key) else {
                return Err(not_found(served, name));
            };
            let obj = current.value();
            if let Some(uid) = &opts.precondition_uid
                && uid != obj.uid()
            {
                return Err(StatusError::conflict(
                    &served.info.group,
                    &served.info.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        obj.uid()
                    ),
                ));
            }
            if let Some(rv) = &opts.precondition_rv
                && *rv != current.rv.to_string()
            {
                return Err(StatusError::conflict(
                    &served.info.group,
                    &served.info.plural,
                    name,
                    &format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                        current.rv
                    ),
                ));
            }
            let propagation = opts.propagation.unwrap_or(Propagation::Background);
            let mut finalizers = obj.finalizers();
            // Only the propagation finalizers change with the request; others stay.
            match propagation {
                Propagation::Foreground
                    if !finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) =>
                {
                    finalizers.retain(|f| f != ORPHAN_FINALIZER);
                    finalizers.push(FOREGROUND_FINALIZER.into());
                }
                Propagation::Orphan if !finalizers.iter().any(|f| f == ORPHAN_FINALIZER) => {
                    finalizers.retain(|f| f != FOREGROUND_FINALIZER);
                    finalizers.push(ORPHAN_FINALIZER.into());
                }
                Propagation::Background if opts.propagation.is_some() => {
                    finalizers.retain(|f| f != FOREGROUND_FINALIZER && f != ORPHAN_FINALIZER);
                }
                _ => {}
            }
            let namespace_spec_finalizers = super::held_by_namespace_finalizers(served, &obj);
            let graceful = self.is_graceful(served, &obj, opts);
            if finalizers.is_empty() && !namespace_spec_finalizers && !graceful {
                if opts.dry_run {
                    return Ok(DeleteOutcome::Deleted(self.present(served, obj)));
                }
                match self.store.delete(&key, current.rv) {
                    Ok(stored) => {
                        let last = self.present(served, stored.value());
                        if served.info.group.is_empty() && served.info.plural == "services" {
                            self.release_service(&last);
                        }
                        self.after_write(served, &last);
                        return Ok(DeleteOutcome::Deleted(last));
                    }
                    Err(StoreError::Conflict) => continue,
                    Err(StoreError::NotFound) => return Err(not_found(served, name)),
                    Err(e) => return Err(StatusError::internal(e.to_string())),
                }
            }
            // Mark it terminating; finalizers (and controllers) finish the job.
            let mut updated = obj.clone();
            if updated.deletion_timestamp().is_none() {
                updated.set_meta("deletionTimestamp", json!(now_rfc3339()));
                let grace = if graceful {
                    opts.grace_period_seconds
                        .unwrap_or_else(|| default_grace(&obj))
                } else {
                    0
                };
                updated.set_meta("deletionGracePeriodSeconds", json!(grace));
            } else if !graceful || opts.grace_period_seconds.is_some() {
                // A later delete may shorten the grace period (the kubelet's final delete
                // uses 0), never lengthen it.
                let wanted = if graceful {
                    opts.grace_period_seconds.unwrap_or(0)
                } else {
                    0
                };
                let current = obj
                    .pointer("/metadata/deletionGracePeriodSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if wanted < current {
                    updated.set_meta("deletionGracePeriodSeconds", json!(wanted));
                }
            }
            if finalizers.is_empty() {
                updated.metadata_mut().remove("finalizers");
            } else {
                updated.set_meta("finalizers", json!(finalizers));
            }
            if served.info.group.is_empty() && served.info.plural == "namespaces" {
                if let Some(status) = updated.get_mut("status").and_then(Value::as_object_mut) {
                    status.insert("phase".into(), json!("Terminating"));
                } else if let Some(o) = updated.as_object_mut() {
                    o.insert("status".into(), json!({"phase": "Terminating"}));
                }
            }
            if opts.dry_run || updated == obj {
                return Ok(DeleteOutcome::Terminating(self.present(served, updated)));
            }
            match self.store.update(&key, updated, current.rv) {
                Ok(stored) => {
                    let object = self.present(served, stored.value());
                    return Ok(DeleteOutcome::Terminating(object));
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(not_found(served, name)),
                Err(e) => return Err(StatusError::internal(e.to_string())),
            }
        }
        Err(conflict(served, name))
    }

    /// Pods bound to a node terminate gracefully (their kubelet finishes the delete); an
    /// unscheduled or finished pod, or a zero grace period, goes at once.
    fn is_graceful(&self, served: &Served, obj: &Value, opts: &DeleteOptions) -> bool {
        if !(served.custom.is_none()
            && served.info.group.is_empty()
            && served.info.plural == "pods")
        {
            return false;
        }
        if opts.grace_period_seconds == Some(0) {
            return false;
        }
        let scheduled = obj
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let finished = matches!(
            obj.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        );
        scheduled && !finished
    }

    /// Removes one finalizer from an object (controllers use this to finish a deletion).
    pub fn remove_finalizer(
        &self,
        served: &Served,
        namespace: &str,
        name: &str,
        finalizer: &str,
    ) -> Result<(), StatusError> {
        let opts = WriteOptions::default();
        self.update_with(served, namespace, name, Part::Main, &opts, |mut obj| {
            let mut finalizers = obj.finalizers();
            finalizers.retain(|f| f != finalizer);
            if finalizers.is_empty() {
                obj.metadata_mut().remove("finalizers");
            } else {
                obj.set_meta("finalizers", json!(finalizers));
            }
            Ok(obj)
        })
        .map(|_| ())
    }
}

fn default_grace(obj: &Value) -> i64 {
    obj.pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(30)
}
