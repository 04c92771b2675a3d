//! What the server does to an object before storing it: the metadata it owns, defaults,
//! validation, generation and status handling. Dry runs go through exactly the same steps.

use super::{Cluster, FieldValidation, Part, WriteOptions};
use crate::registry::Served;
use berth_kube::{
    Cause, GroupVersionKind, ObjectExt, StatusError, apply_defaults, apply_job_selector_defaults,
    apply_pod_admission, decode_error, now_rfc3339, prepare_for_create,
    prune_unknown_builtin_fields, validate_object, validate_update, warnings_on_create,
};
use serde_json::{Map, Value, json};

/// Kinds whose objects carry `metadata.generation` (the real registries that set it).
fn tracks_generation(served: &Served) -> bool {
    if served.custom.is_some() {
        return true;
    }
    matches!(
        (served.info.group.as_str(), served.info.plural.as_str()),
        (
            "apps",
            "deployments" | "replicasets" | "statefulsets" | "daemonsets"
        ) | ("batch", "jobs" | "cronjobs")
            | ("autoscaling", "horizontalpodautoscalers")
            | ("policy", "poddisruptionbudgets")
            | (
                "networking.k8s.io",
                "ingresses" | "networkpolicies" | "ingressclasses"
            )
            | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("admissionregistration.k8s.io", _)
            | ("", "replicationcontrollers")
    )
}

/// Whether annotation changes bump generation too (the apps workload strategies do this).
fn annotations_bump_generation(served: &Served) -> bool {
    served.custom.is_none() && served.info.group == "apps"
}

fn has_status(served: &Served) -> bool {
    served.info.has_subresource("status")
}

impl Cluster {
    pub(super) fn prepare_create(
        &self,
        served: &Served,
        namespace: &str,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<(Value, Vec<String>), StatusError> {
        check_type(served, &obj)?;
        let mut warnings = Vec::new();
        let namespace = if served.info.namespaced() {
            namespace
        } else {
            ""
        };
        {
            let meta = obj.metadata_mut();
            let body_ns = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
            if served.info.namespaced() {
                if !body_ns.is_empty() && body_ns != namespace {
                    return Err(StatusError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                meta.insert("namespace".into(), json!(namespace));
            } else {
                meta.remove("namespace");
            }
            // Fields a client may not set on create.
            for owned in [
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
                "selfLink",
            ] {
                meta.remove(owned);
            }
            let name = meta
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let generate = meta
                .get("generateName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if name.is_empty() && !generate.is_empty() {
                meta.insert(
                    "name".into(),
                    json!(berth_kube::generate_name(&generate, rand::random())),
                );
            }
            meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        }
        if tracks_generation(served) {
            obj.set_meta("generation", json!(1));
        }
        if served.info.namespaced() {
            self.check_namespace(namespace)?;
        }
        let builtin = served.custom.is_none();
        let gvk = served.info.gvk();
        if builtin && let Some(message) = decode_error(&gvk, &obj) {
            return Err(StatusError::bad_request(message));
        }
        self.normalize(served, &mut obj, opts, &mut warnings)?;
        if has_status(served) {
            reset_status_on_create(served, &mut obj);
        }
        if builtin {
            prepare_for_create(&gvk, &mut obj);
            match (served.info.group.as_str(), served.info.plural.as_str()) {
                ("batch", "jobs") => {
                    let uid = obj.uid().to_string();
                    apply_job_selector_defaults(&mut obj, &uid);
                }
                ("", "pods") => apply_pod_admission(&mut obj, &token_volume_suffix()),
                ("", "services") => self.allocate_service(&mut obj, None, opts.dry_run)?,
                _ => {}
            }
        }
        let obj = self.record_update(served, None, obj, Part::Main, opts);
        self.validate(served, None, &obj)?;
        if builtin {
            warnings.extend(warnings_on_create(&served.info, &obj));
        }
        Ok((obj, warnings))
    }

    pub(super) fn prepare_update(
        &self,
        served: &Served,
        old: &Value,
        mut obj: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<(Value, Vec<String>), StatusError> {
        check_type(served, &obj)?;
        let mut warnings = Vec::new();
        // The server owns these; a client's values are ignored.
        {
            let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let meta = obj.metadata_mut();
            for owned in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
                "namespace",
                "name",
            ] {
                match old_meta.get(owned) {
                    Some(v) => meta.insert(owned.into(), v.clone()),
                    None => meta.remove(owned),
                };
            }
            meta.remove("selfLink");
        }
        if old.deletion_timestamp().is_some() {
            // A terminating object may lose finalizers but not gain new ones.
            let old_finalizers = old.finalizers();
            let new_finalizers = obj.finalizers();
            if let Some(added) = new_finalizers.iter().find(|f| !old_finalizers.contains(f)) {
                return Err(StatusError::invalid(
                    &served.info.group,
                    &served.info.kind,
                    old.name(),
                    vec![Cause::new(
                        "FieldValueForbidden",
                        format!(
                            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{added}\"}}"
                        ),
                        "metadata.finalizers",
                    )],
                ));
            }
        }
        match part {
            Part::Main | Part::Scale => {
                self.normalize(served, &mut obj, opts, &mut warnings)?;
                if has_status(served) {
                    copy_field(old, &mut obj, "status");
                }
                if is_namespace(served) {
                    // Only the finalize subresource changes a namespace's finalizers.
                    let finalizers = old.pointer("/spec/finalizers").cloned();
                    set_spec_finalizers(&mut obj, finalizers);
                }
            }
            Part::Finalize => {
                let finalizers = obj.pointer("/spec/finalizers").cloned();
                let rv = obj.pointer("/metadata/resourceVersion").cloned();
                obj = old.clone();
                if let Some(rv) = rv {
                    obj["metadata"]["resourceVersion"] = rv;
                }
                set_spec_finalizers(&mut obj, finalizers);
            }
            Part::Status => {
                let status = obj.get("status").cloned();
                if served.custom.is_some() {
                    // Custom resources: only status may change through /status.
                    let mut kept = old.clone();
                    if let Some(meta) = obj.get("metadata") {
                        kept["metadata"]["resourceVersion"] =
                            meta.get("resourceVersion").cloned().unwrap_or(Value::Null);
                    }
                    obj = kept;
                } else {
                    copy_field(old, &mut obj, "spec");
                    if served.info.group == "apps" {
                        let labels = old.labels().cloned();
                        match labels {
                            Some(l) => obj.set_meta("labels", Value::Object(l)),
                            None => {
                                obj.metadata_mut().remove("labels");
                            }
                        }
                    }
                }
                match status {
                    Some(s) => obj["status"] = s,
                    None => {
                        if let Some(o) = obj.as_object_mut() {
                            o.remove("status");
                        }
                    }
                }
                if let Some(schema) = served.custom.as_ref().and_then(|c| c.schema.as_ref()) {
                    schema.prune(&mut obj);
                    schema.apply_defaults(&mut obj);
                }
            }
        }
        if served.info.group.is_empty()
            && served.info.plural == "services"
            && matches!(part, Part::Main | Part::Scale)
        {
            self.allocate_service(&mut obj, Some(old), opts.dry_run)?;
        }
        if tracks_generation(served) {
            let old_gen = old
                .get("metadata")
                .and_then(|m| m.get("generation"))
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let bump = matches!(part, Part::Main | Part::Scale)
                && (spec_changed(old, &obj)
                    || (annotations_bump_generation(served)
                        && old.annotations() != obj.annotations()));
            obj.set_meta(
                "generation",
                json!(if bump { old_gen + 1 } else { old_gen }),
            );
        }
        let obj = self.record_update(served, Some(old), obj, part, opts);
        self.validate(served, Some(old), &obj)?;
        Ok((obj, warnings))
    }

    /// Defaults and, for custom resources, structural pruning with the requested strictness.
    fn normalize(
        &self,
        served: &Served,
        obj: &mut Value,
        opts: &WriteOptions,
        warnings: &mut Vec<String>,
    ) -> Result<(), StatusError> {
        // Unknown fields are dropped as the server's decoder drops them (built-ins: fields the
        // Go type lacks; custom resources: fields the structural schema does not declare).
        let info = &served.info;
        let schema = served.custom.as_ref().and_then(|c| c.schema.as_ref());
        let unknown = match (schema, served.custom.is_some()) {
            (Some(schema), _) => {
                let report = schema.prune(obj);
                if let Some(field) = report.invalid_metadata.first() {
                    return Err(StatusError::bad_request(format!(
                        "unable to decode the request: {field} has the wrong type"
                    )));
                }
                report.pruned
            }
            (None, false) => {
                prune_unknown_builtin_fields(&info.group, &info.version, &info.kind, obj)
                    .unwrap_or_default()
            }
            (None, true) => Vec::new(),
        };
        let problems: Vec<String> = unknown
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .chain(
                opts.duplicate_fields
                    .iter()
                    .map(|p| format!("duplicate field \"{p}\"")),
            )
            .collect();
        match opts.field_validation {
            FieldValidation::Ignore => {}
            FieldValidation::Warn => warnings.extend(problems),
            FieldValidation::Strict if !problems.is_empty() => {
                let strict = format!("strict decoding error: {}", problems.join(", "));
                // Built-ins fail in the typed decoder, which names the kind and version.
                let message = if served.custom.is_some() {
                    strict
                } else {
                    format!(
                        "{kind} in version \"{version}\" cannot be handled as a {kind}: {strict}",
                        kind = info.kind,
                        version = info.version
                    )
                };
                return Err(StatusError::bad_request(message));
            }
            FieldValidation::Strict => {}
        }
        match schema {
            Some(schema) => schema.apply_defaults(obj),
            None if served.custom.is_none() => apply_defaults(&info.gvk(), obj),
            None => {}
        }
        Ok(())
    }

    /// Runs the validation of the resource (and of its CRD schema); `old` makes it an update.
    fn validate(
        &self,
        served: &Served,
        old: Option<&Value>,
        obj: &Value,
    ) -> Result<(), StatusError> {
        let mut causes = match old {
            Some(old) => validate_update(&served.info, old, obj),
            None => validate_object(&served.info, obj),
        };
        if let Some(schema) = served.custom.as_ref().and_then(|c| c.schema.as_ref()) {
            causes.extend(match old {
                Some(old) => schema.validate_update(obj, old),
                None => schema.validate(obj),
            });
        }
        if causes.is_empty() {
            return Ok(());
        }
        let name = obj.name();
        Err(StatusError::invalid(
            &served.info.group,
            &served.info.kind,
            name,
            causes,
        ))
    }

    /// Namespaced objects need their namespace to exist and not be terminating.
    fn check_namespace(&self, namespace: &str) -> Result<(), StatusError> {
        if namespace.is_empty() {
            return Err(StatusError::invalid(
                "",
                "",
                "",
                vec![Cause::new(
                    "FieldValueRequired",
                    "Required value",
                    "metadata.namespace",
                )],
            ));
        }
        let Some(ns) = self
            .served("", "v1", "namespaces")
            .and_then(|s| self.get_stored(&s, "", namespace))
        else {
            return Err(StatusError::not_found("", "namespaces", namespace));
        };
        if ns.value().deletion_timestamp().is_some() {
            let mut err = StatusError::forbidden(format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ))
            .with_details("", "namespaces", namespace);
            err.causes = vec![Cause::new(
                "NamespaceTerminating",
                format!("namespace {namespace} is being terminated"),
                "metadata.namespace",
            )];
            return Err(err);
        }
        Ok(())
    }
}

/// The body must be the kind the URL names, in the URL's group-version.
fn check_type(served: &Served, obj: &Value) -> Result<(), StatusError> {
    if !obj.is_object() {
        return Err(StatusError::bad_request(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        ));
    }
    let api_version = obj.api_version();
    let kind = obj.kind();
    let expected = served.info.api_version();
    if !api_version.is_empty() && api_version != expected {
        return Err(StatusError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({expected})"
        )));
    }
    if !kind.is_empty() && kind != served.info.kind {
        let gvk = GroupVersionKind::new(&served.info.group, &served.info.version, kind);
        return Err(StatusError::bad_request(format!(
            "the kind in the data ({gvk}) does not match the expected kind ({})",
            served.info.gvk()
        )));
    }
    Ok(())
}

fn copy_field(from: &Value, to: &mut Value, field: &str) {
    let Some(target) = to.as_object_mut() else {
        return;
    };
    match from.get(field) {
        Some(v) => {
            target.insert(field.into(), v.clone());
        }
        None => {
            target.remove(field);
        }
    }
}

/// Whether anything outside metadata and status changed.
fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Map<String, Value> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    strip(old) != strip(new)
}

/// The status an object starts with: the built-ins' PrepareForCreate.
fn reset_status_on_create(served: &Served, obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    if served.custom.is_some() {
        o.remove("status");
        return;
    }
    let initial = match (served.info.group.as_str(), served.info.plural.as_str()) {
        ("", "namespaces") => json!({"phase": "Active"}),
        ("", "persistentvolumeclaims") | ("", "persistentvolumes") => json!({"phase": "Pending"}),
        ("", "services") => json!({"loadBalancer": {}}),
        ("", "nodes") => return,
        ("apiextensions.k8s.io", _) => {
            json!({"conditions": [], "acceptedNames": {"kind": "", "plural": ""}, "storedVersions": []})
        }
        ("networking.k8s.io", "ingresses") => json!({"loadBalancer": {}}),
        _ => json!({}),
    };
    o.insert("status".into(), initial);
}

/// The random suffix of the service-account token volume the admission adds to pods.
fn token_volume_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn is_namespace(served: &Served) -> bool {
    served.custom.is_none() && served.info.group.is_empty() && served.info.plural == "namespaces"
}

fn set_spec_finalizers(obj: &mut Value, finalizers: Option<Value>) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let spec = root.entry("spec").or_insert_with(|| json!({}));
    if let Some(spec) = spec.as_object_mut() {
        match finalizers {
            Some(f) => spec.insert("finalizers".into(), f),
            None => spec.remove("finalizers"),
        };
    }
}
