//! The resource endpoints: get, list, create, update, patch, delete and deletecollection on
//! objects and their status, scale and finalize subresources.

use super::http::{Body, Query, Wanted, json, json_bytes, text, with_warnings};
use super::{ResourcePath, table};
use crate::cluster::{Cluster, DeleteOptions, DeleteOutcome, FieldValidation, Part, WriteOptions};
use crate::registry::Served;
use crate::store::Stored;
use base64::Engine;
use berth_kube::{
    FieldSelector, JsonPatchError, LabelSelector, ObjectExt, ProtobufError, StatusError,
    apply_json_patch, apply_merge_patch, apply_strategic_merge_patch, decode_kubernetes_protobuf,
    duplicate_json_fields, supports_strategic_merge_patch,
};
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{Value, json};

/// Everything a resource request needs, parsed once.
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a ResourcePath,
    pub served: &'a Served,
    pub query: &'a Query,
    pub wanted: Wanted,
    pub content_type: Option<&'a str>,
    pub body: Bytes,
    pub user_agent: &'a str,
}

type Answer = Result<Response<Body>, StatusError>;

pub fn handle(cluster: &Cluster, req: Request<'_>) -> Answer {
    let ns = req.path.namespace.as_deref().unwrap_or("");
    if req.served.info.namespaced() && req.path.namespace.is_none() && req.path.name.is_some() {
        return Err(StatusError::path_not_found());
    }
    if !req.served.info.namespaced() && req.path.namespace.is_some() {
        return Err(StatusError::path_not_found());
    }
    match (&req.path.name, req.path.subresource.as_deref()) {
        (None, _) => match *req.method {
            Method::GET => list(cluster, &req),
            Method::POST if req.path.namespace.is_some() || !req.served.info.namespaced() => {
                create(cluster, &req, ns)
            }
            Method::DELETE => delete_collection(cluster, &req),
            _ => Err(method_not_allowed(&req)),
        },
        (Some(name), None) => match *req.method {
            Method::GET => {
                let obj = cluster.get(req.served, ns, name)?;
                Ok(object_response(200, req.served, obj, req.wanted))
            }
            Method::PUT => write_result(update(cluster, &req, ns, name, Part::Main), &req),
            Method::PATCH => write_result(patch(cluster, &req, ns, name, Part::Main), &req),
            Method::DELETE => delete(cluster, &req, ns, name),
            _ => Err(method_not_allowed(&req)),
        },
        (Some(name), Some("status")) if req.served.info.has_subresource("status") => {
            match *req.method {
                Method::GET => Ok(object_response(
                    200,
                    req.served,
                    cluster.get(req.served, ns, name)?,
                    req.wanted,
                )),
                Method::PUT => write_result(update(cluster, &req, ns, name, Part::Status), &req),
                Method::PATCH => write_result(patch(cluster, &req, ns, name, Part::Status), &req),
                _ => Err(method_not_allowed(&req)),
            }
        }
        (Some(name), Some("scale")) if req.served.info.has_subresource("scale") => {
            super::scale::handle(cluster, &req, ns, name)
        }
        (Some(name), Some("finalize"))
            if req.served.info.group.is_empty() && req.served.info.plural == "namespaces" =>
        {
            match *req.method {
                Method::PUT => write_result(finalize(cluster, &req, name), &req),
                _ => Err(method_not_allowed(&req)),
            }
        }
        (Some(name), Some("log"))
            if req.served.info.plural == "pods" && req.served.info.group.is_empty() =>
        {
            cluster.get(req.served, ns, name)?;
            Ok(text(200, ""))
        }
        _ => Err(StatusError::path_not_found()),
    }
}

fn method_not_allowed(req: &Request<'_>) -> StatusError {
    StatusError::method_not_allowed(
        "the server does not allow this method on the requested resource",
    )
    .with_details(
        &req.served.info.group,
        &req.served.info.plural,
        req.path.name.as_deref().unwrap_or(""),
    )
}

/// The write options from the query: dryRun, fieldManager, fieldValidation.
pub fn write_options(req: &Request<'_>) -> Result<WriteOptions, StatusError> {
    let dry_run = match req.query.all("dryRun").as_slice() {
        [] => false,
        values if values.iter().all(|v| *v == "All") => true,
        values => {
            return Err(StatusError::bad_request(format!(
                "Invalid dry run value: {} (supported values: \"All\")",
                values.join(",")
            )));
        }
    };
    let field_validation = match req.query.get("fieldValidation") {
        None | Some("") => FieldValidation::Warn,
        Some("Ignore") => FieldValidation::Ignore,
        Some("Warn") => FieldValidation::Warn,
        Some("Strict") => FieldValidation::Strict,
        Some(other) => {
            return Err(StatusError::bad_request(format!(
                "fieldValidation parameter unsupported: {other}"
            )));
        }
    };
    let manager = req
        .query
        .get("fieldManager")
        .map(str::to_string)
        .unwrap_or_else(|| manager_from_agent(req.user_agent));
    if manager.len() > 128 {
        return Err(StatusError::invalid(
            "",
            "PatchOptions",
            "",
            vec![berth_kube::Cause::new(
                "FieldValueTooLong",
                "Too long: may not be more than 128 bytes",
                "fieldManager",
            )],
        ));
    }
    let duplicate_fields = if is_json(req.content_type) {
        duplicate_json_fields(&req.body)
    } else {
        Vec::new()
    };
    Ok(WriteOptions {
        dry_run,
        field_validation,
        duplicate_fields,
        field_manager: manager,
        ownership: Default::default(),
        force: false,
    })
}

/// The manager name the real server derives from a User-Agent: the part before the first `/`.
fn manager_from_agent(agent: &str) -> String {
    agent
        .split('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(128)
        .collect()
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .unwrap_or("application/json")
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Decodes a request body: JSON, or YAML for `application/yaml`.
pub fn decode_body(req: &Request<'_>) -> Result<Value, StatusError> {
    let media = req
        .content_type
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "" => {
            serde_json::from_slice(&req.body).map_err(|e| json_decode_error(&e))
        }
        "application/yaml" => {
            let text = std::str::from_utf8(&req.body)
                .map_err(|_| StatusError::bad_request("the request body is not UTF-8"))?;
            serde_yaml::from_str::<Value>(text).map_err(|e| {
                StatusError::bad_request(format!("error converting YAML to JSON: {e}"))
            })
        }
        "application/vnd.kubernetes.protobuf" => decode_kubernetes_protobuf(&req.body).map_err(|e| match e {
            ProtobufError::UnknownKind { .. } => StatusError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({e})"
            )),
            other => StatusError::bad_request(format!("failed to decode the request body: {other}")),
        }),
        other => Err(StatusError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {other})"
        ))),
    }
}

fn json_decode_error(e: &serde_json::Error) -> StatusError {
    StatusError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
}

fn write_result(result: Result<crate::cluster::Written, StatusError>, req: &Request<'_>) -> Answer {
    let written = result?;
    let code = if written.created { 201 } else { 200 };
    Ok(with_warnings(
        object_response(code, req.served, written.object, req.wanted),
        &written.warnings,
    ))
}

fn create(cluster: &Cluster, req: &Request<'_>, ns: &str) -> Answer {
    let opts = write_options(req)?;
    let obj = decode_body(req)?;
    write_result(cluster.create(req.served, ns, obj, &opts), req)
}

fn update(
    cluster: &Cluster,
    req: &Request<'_>,
    ns: &str,
    name: &str,
    part: Part,
) -> Result<crate::cluster::Written, StatusError> {
    let opts = write_options(req)?;
    let obj = decode_body(req)?;
    cluster.update(req.served, ns, name, obj, part, &opts)
}

fn patch(
    cluster: &Cluster,
    req: &Request<'_>,
    ns: &str,
    name: &str,
    part: Part,
) -> Result<crate::cluster::Written, StatusError> {
    let opts = write_options(req)?;
    let media = req
        .content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let force = match req.query.get("force") {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(StatusError::bad_request(format!(
                "invalid force value: {other}"
            )));
        }
    };
    if media == "application/apply-patch+yaml" {
        let text = std::str::from_utf8(&req.body)
            .map_err(|_| StatusError::bad_request("the apply patch is not UTF-8"))?;
        let config: Value = serde_yaml::from_str(text)
            .map_err(|e| StatusError::bad_request(format!("error decoding YAML: {e}")))?;
        if !config.is_object() {
            return Err(StatusError::bad_request(
                "the apply patch must be an object",
            ));
        }
        let mut opts = opts;
        opts.force = force.unwrap_or(false);
        if req.query.get("fieldManager").is_none_or(str::is_empty) {
            opts.field_manager.clear();
        }
        return cluster.apply(req.served, ns, name, config, part, &opts);
    }
    if force.is_some() {
        return Err(StatusError::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            vec![berth_kube::Cause::new(
                "FieldValueForbidden",
                "Forbidden: may not be specified for non-apply patch",
                "force",
            )],
        ));
    }
    let patch: Value = serde_json::from_slice(&req.body)
        .map_err(|e| StatusError::bad_request(format!("error decoding patch: {e}")))?;
    let gvk = req.served.info.gvk();
    if req.served.custom.is_some() && media == "application/strategic-merge-patch+json" {
        // Custom resources never take strategic merge patches: kubectl falls back to merge.
        return Err(StatusError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted_patch_types(&gvk)
        )));
    }
    match media.as_str() {
        "application/merge-patch+json" => {
            cluster.update_with(req.served, ns, name, part, &opts, |mut obj| {
                apply_merge_patch(&mut obj, &patch);
                Ok(obj)
            })
        }
        "application/json-patch+json" => {
            cluster.update_with(req.served, ns, name, part, &opts, |mut obj| {
                apply_json_patch(&mut obj, &patch).map_err(|e| match e {
                    JsonPatchError::Invalid(m) => StatusError::bad_request(m),
                    JsonPatchError::Failed(m) => StatusError::new(422, "", m),
                })?;
                Ok(obj)
            })
        }
        "application/strategic-merge-patch+json" if supports_strategic_merge_patch(&gvk) => cluster
            .update_with(req.served, ns, name, part, &opts, |mut obj| {
                apply_strategic_merge_patch(&gvk, &mut obj, &patch).map_err(|e| {
                    StatusError::new(
                        e.status_code(),
                        status_reason(e.status_code()),
                        e.to_string(),
                    )
                })?;
                Ok(obj)
            }),
        _ => Err(StatusError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted_patch_types(&gvk)
        ))),
    }
}

/// The patch types the real server lists in its 415 answer for a resource.
fn accepted_patch_types(gvk: &berth_kube::GroupVersionKind) -> &'static str {
    if supports_strategic_merge_patch(gvk) {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
    } else {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    }
}

fn status_reason(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        409 => "Conflict",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        _ => "InternalError",
    }
}

/// `PUT /api/v1/namespaces/{name}/finalize`: only `spec.finalizers` changes.
fn finalize(
    cluster: &Cluster,
    req: &Request<'_>,
    name: &str,
) -> Result<crate::cluster::Written, StatusError> {
    let opts = write_options(req)?;
    let body = decode_body(req)?;
    let finalizers = body
        .pointer("/spec/finalizers")
        .cloned()
        .unwrap_or(json!([]));
    cluster.update_with(req.served, "", name, Part::Finalize, &opts, |mut obj| {
        if let Some(spec) = obj
            .as_object_mut()
            .map(|o| o.entry("spec").or_insert_with(|| json!({})))
        {
            spec["finalizers"] = finalizers.clone();
        }
        Ok(obj)
    })
}

/// DeleteOptions from the body (kubectl, kube-rs) and the query (older clients).
fn delete_options(req: &Request<'_>) -> Result<DeleteOptions, StatusError> {
    let mut opts = DeleteOptions::default();
    if let Some(p) = req.query.get("propagationPolicy") {
        opts.propagation = Some(crate::cluster::Propagation::parse(p)?);
    }
    if let Some(g) = req.query.get("gracePeriodSeconds") {
        opts.grace_period_seconds = g.parse().ok();
    }
    opts.dry_run = req.query.all("dryRun").contains(&"All");
    if !req.body.is_empty() {
        let body: Value = serde_json::from_slice(&req.body)
            .map_err(|e| StatusError::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        opts.merge_body(&body)?;
    }
    Ok(opts)
}

fn delete(cluster: &Cluster, req: &Request<'_>, ns: &str, name: &str) -> Answer {
    let opts = delete_options(req)?;
    match cluster.delete(req.served, ns, name, &opts)? {
        DeleteOutcome::Terminating(obj) => Ok(object_response(200, req.served, obj, req.wanted)),
        DeleteOutcome::Deleted(obj) if returns_deleted_object(req.served) => {
            Ok(object_response(200, req.served, obj, req.wanted))
        }
        DeleteOutcome::Deleted(obj) => {
            let mut details =
                json!({"name": name, "kind": req.served.info.plural, "uid": obj.uid()});
            if !req.served.info.group.is_empty() {
                details["group"] = json!(req.served.info.group);
            }
            Ok(json(
                200,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
            ))
        }
    }
}

/// Registries that answer a completed delete with the object rather than a Status.
fn returns_deleted_object(served: &Served) -> bool {
    served.custom.is_some()
        || (served.info.group.is_empty()
            && matches!(served.info.plural.as_str(), "pods" | "namespaces"))
}

fn delete_collection(cluster: &Cluster, req: &Request<'_>) -> Answer {
    if !req
        .served
        .info
        .verbs
        .iter()
        .any(|v| v == "deletecollection")
    {
        return Err(method_not_allowed(req));
    }
    let opts = delete_options(req)?;
    let (labels, fields) = selectors(req)?;
    let namespace = req.path.namespace.as_deref();
    let (items, rv) = cluster.store.list(&req.served.storage, namespace);
    let mut deleted = Vec::new();
    for (item_ns, name, stored) in items {
        if !matches(&stored, &labels, &fields) {
            continue;
        }
        match cluster.delete(req.served, &item_ns, &name, &opts) {
            Ok(DeleteOutcome::Deleted(obj) | DeleteOutcome::Terminating(obj)) => deleted.push(obj),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let list = json!({
        "kind": req.served.info.list_kind,
        "apiVersion": req.served.info.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": deleted,
    });
    Ok(json(200, &list))
}

pub fn selectors(req: &Request<'_>) -> Result<(LabelSelector, FieldSelector), StatusError> {
    let labels = LabelSelector::parse(req.query.get("labelSelector").unwrap_or(""))
        .map_err(|e| StatusError::bad_request(e.to_string()))?;
    let fields = FieldSelector::parse_for(
        req.query.get("fieldSelector").unwrap_or(""),
        &req.served.info,
    )
    .map_err(|e| StatusError::bad_request(e.to_string()))?;
    Ok((labels, fields))
}

pub fn matches(stored: &Stored, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    labels.matches(stored.labels()) && (fields.is_empty() || fields.matches(&stored.value()))
}

/// A continue token: where the previous page stopped and the resourceVersion of the list.
fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{ns}/{name}\u{0}")});
    base64::engine::general_purpose::URL_SAFE.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<(u64, String, String), StatusError> {
    let bad = || {
        StatusError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    let start = start.trim_end_matches('\u{0}');
    let (ns, name) = start.split_once('/').ok_or_else(bad)?;
    Ok((rv, ns.to_string(), name.to_string()))
}

fn list(cluster: &Cluster, req: &Request<'_>) -> Answer {
    if req.query.flag("watch") {
        return super::watch::watch(cluster, req);
    }
    let (labels, fields) = selectors(req)?;
    if req
        .query
        .get("resourceVersionMatch")
        .is_some_and(|m| !m.is_empty())
        && req.query.get("resourceVersion").is_none_or(str::is_empty)
    {
        return Err(StatusError::bad_request(
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ));
    }
    let limit: usize = match req.query.get("limit") {
        Some(l) if !l.is_empty() => l
            .parse::<i64>()
            .map_err(|_| StatusError::bad_request(format!("invalid limit: {l}")))?
            .max(0) as usize,
        _ => 0,
    };
    let start = match req.query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let (items, current_rv) = cluster
        .store
        .list(&req.served.storage, req.path.namespace.as_deref());
    let list_rv = start.as_ref().map(|(rv, _, _)| *rv).unwrap_or(current_rv);
    let mut selected: Vec<(&str, &str, &Stored)> = Vec::new();
    let mut next = None;
    let mut remaining = 0usize;
    for (ns, name, stored) in &items {
        if let Some((_, sns, sname)) = &start
            && (ns.as_str(), name.as_str()) <= (sns.as_str(), sname.as_str())
        {
            continue;
        }
        if !matches(stored, &labels, &fields) {
            continue;
        }
        if limit > 0 && selected.len() == limit {
            if let (None, Some((lns, lname, _))) = (&next, selected.last()) {
                next = Some(encode_continue(list_rv, lns, lname));
            }
            remaining += 1;
            continue;
        }
        selected.push((ns, name, stored));
    }
    let selected: Vec<&Stored> = selected.into_iter().map(|(_, _, s)| s).collect();
    let mut meta = json!({"resourceVersion": list_rv.to_string()});
    if let Some(token) = next {
        meta["continue"] = json!(token);
        meta["remainingItemCount"] = json!(remaining);
    }
    match req.wanted {
        Wanted::Table => {
            let objects: Vec<Value> = selected
                .iter()
                .map(|s| cluster.present(req.served, s.value()))
                .collect();
            Ok(json(
                200,
                &table::table(req.served, &objects, &meta, &table::options(req.query)?),
            ))
        }
        Wanted::PartialMetadata => {
            let items: Vec<Value> = selected
                .iter()
                .map(|s| partial_metadata(&cluster.present(req.served, s.value())))
                .collect();
            Ok(json(
                200,
                &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items}),
            ))
        }
        _ => Ok(json_bytes(
            200,
            list_body(cluster, req.served, &selected, &meta),
            "application/json",
        )),
    }
}

/// Builds the list JSON from the stored bytes without re-encoding each object when the stored
/// form is already what this version serves.
fn list_body(cluster: &Cluster, served: &Served, items: &[&Stored], meta: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + items.iter().map(|s| s.raw.len() + 1).sum::<usize>());
    out.extend_from_slice(b"{\"kind\":");
    out.extend_from_slice(json!(served.info.list_kind).to_string().as_bytes());
    out.extend_from_slice(b",\"apiVersion\":");
    out.extend_from_slice(json!(served.info.api_version()).to_string().as_bytes());
    out.extend_from_slice(b",\"metadata\":");
    out.extend_from_slice(meta.to_string().as_bytes());
    out.extend_from_slice(b",\"items\":[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if served.custom.is_none() {
            out.extend_from_slice(&s.raw);
        } else {
            out.extend_from_slice(
                &serde_json::to_vec(&cluster.present(served, s.value())).unwrap_or_default(),
            );
        }
    }
    out.extend_from_slice(b"]}");
    out
}

pub fn partial_metadata(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata").cloned().unwrap_or(json!({}))})
}

/// One object in the representation the client asked for.
pub fn object_response(code: u16, served: &Served, obj: Value, wanted: Wanted) -> Response<Body> {
    match wanted {
        Wanted::Table => json(
            code,
            &table::table(
                served,
                &[obj],
                &json!({}),
                &berth_kube::TableOptions::default(),
            ),
        ),
        Wanted::PartialMetadata => json(code, &partial_metadata(&obj)),
        _ => json(code, &obj),
    }
}
