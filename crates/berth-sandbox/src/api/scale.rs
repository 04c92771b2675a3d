//! The scale subresource (`autoscaling/v1` Scale), for built-in workloads and for custom
//! resources whose CRD declares the replica paths.

use super::http::{Body, json, with_warnings};
use super::objects::{Request, decode_body, write_options};
use crate::cluster::{Cluster, Part};
use berth_kube::{LabelSelector, ObjectExt, StatusError, apply_json_patch, apply_merge_patch};
use http::{Method, Response};
use serde_json::{Value, json};

struct Paths {
    spec: String,
    status: String,
    selector: Option<String>,
}

fn paths(req: &Request<'_>) -> Paths {
    match req.served.custom.as_ref().and_then(|c| c.scale.clone()) {
        Some(p) => Paths {
            spec: p.spec_replicas,
            status: p.status_replicas,
            selector: p.label_selector,
        },
        None => Paths {
            spec: ".spec.replicas".into(),
            status: ".status.replicas".into(),
            selector: None,
        },
    }
}

fn pointer(path: &str) -> String {
    path.trim_start_matches('.')
        .split('.')
        .fold(String::new(), |acc, p| format!("{acc}/{p}"))
}

/// The Scale view of an object.
fn scale_of(req: &Request<'_>, obj: &Value) -> Value {
    let p = paths(req);
    let spec = obj
        .pointer(&pointer(&p.spec))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status = obj
        .pointer(&pointer(&p.status))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = match &p.selector {
        Some(path) => obj
            .pointer(&pointer(path))
            .and_then(Value::as_str)
            .map(str::to_string),
        // The selector's string form, as the real server prints a parsed LabelSelector.
        None => obj
            .pointer("/spec/selector")
            .and_then(|sel| LabelSelector::from_label_selector(sel).ok())
            .map(|sel| sel.to_string()),
    };
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let mut status_obj = json!({"replicas": status});
    if let Some(s) = selector.filter(|s| !s.is_empty()) {
        status_obj["selector"] = json!(s);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta.get("name"), "namespace": meta.get("namespace"), "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"), "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": spec},
        "status": status_obj,
    })
}

pub fn handle(
    cluster: &Cluster,
    req: &Request<'_>,
    ns: &str,
    name: &str,
) -> Result<Response<Body>, StatusError> {
    if *req.method == Method::GET {
        let obj = cluster.get(req.served, ns, name)?;
        return Ok(json(200, &scale_of(req, &obj)));
    }
    let opts = write_options(req)?;
    let current = cluster.get(req.served, ns, name)?;
    let mut scale = scale_of(req, &current);
    match *req.method {
        Method::PUT => scale = decode_body(req)?,
        Method::PATCH => {
            let patch: Value = serde_json::from_slice(&req.body)
                .map_err(|e| StatusError::bad_request(format!("error decoding patch: {e}")))?;
            let media = req
                .content_type
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            match media {
                "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                    apply_merge_patch(&mut scale, &patch)
                }
                "application/json-patch+json" => apply_json_patch(&mut scale, &patch)
                    .map_err(|e| StatusError::new(422, "", e.to_string()))?,
                other => {
                    return Err(StatusError::unsupported_media_type(format!(
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {other})"
                    )));
                }
            }
        }
        _ => {
            return Err(StatusError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
    }
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if replicas < 0 {
        return Err(StatusError::invalid(
            "autoscaling",
            "Scale",
            name,
            vec![berth_kube::Cause::new(
                "FieldValueInvalid",
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
                "spec.replicas",
            )],
        ));
    }
    let wanted_rv = scale
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let spec_path = pointer(&paths(req).spec);
    let written = cluster.update_with(req.served, ns, name, Part::Scale, &opts, |mut obj| {
        if !wanted_rv.is_empty() && wanted_rv != obj.resource_version() {
            return Err(StatusError::stale(
                &req.served.info.group,
                &req.served.info.plural,
                name,
            ));
        }
        set_pointer(&mut obj, &spec_path, json!(replicas));
        Ok(obj)
    })?;
    Ok(with_warnings(
        json(200, &scale_of(req, &written.object)),
        &written.warnings,
    ))
}

fn set_pointer(obj: &mut Value, pointer: &str, value: Value) {
    let mut cur = obj;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(map) = cur.as_object_mut() else {
            return;
        };
        if i == parts.len() - 1 {
            map.insert(part.to_string(), value);
            return;
        }
        cur = map.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}
