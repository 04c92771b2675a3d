//! HTTP plumbing for the API: response bodies, JSON and Status answers, query strings and
//! content negotiation.

use berth_kube::StatusError;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use serde_json::Value;
use std::convert::Infallible;

pub type Body = BoxBody<Bytes, Infallible>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

pub fn json_bytes(code: u16, bytes: impl Into<Bytes>, content_type: &str) -> Response<Body> {
    let mut resp = Response::new(full(bytes));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

pub fn json(code: u16, value: &Value) -> Response<Body> {
    json_bytes(
        code,
        serde_json::to_vec(value).unwrap_or_default(),
        "application/json",
    )
}

pub fn text(code: u16, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

pub fn error(err: &StatusError) -> Response<Body> {
    json(err.code, &err.to_status())
}

/// Adds `Warning: 299 - "..."` headers, as the real server reports field-validation warnings.
pub fn with_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}

/// A parsed query string; later values of a repeated key win, as in Go's `url.Values.Get`
/// (first wins there, but clients never repeat these keys).
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Self { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1" | "True"))
    }
}

/// Decodes `%XX` escapes and `+` as space, as form-encoded query strings use them.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Json,
    Table,
    PartialMetadata,
    AggregatedDiscovery,
    Yaml,
}

/// Picks the first representation we can produce from an `Accept` header, in the client's order.
pub fn negotiate(accept: Option<&str>) -> Result<Wanted, StatusError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Wanted::Json);
    };
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let params: Vec<(String, String)> = parts
            .filter_map(|p| {
                p.split_once('=').map(|(k, v)| {
                    (
                        k.trim().to_ascii_lowercase(),
                        v.trim().trim_matches('"').to_string(),
                    )
                })
            })
            .collect();
        let param = |k: &str| {
            params
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        };
        match media.as_str() {
            "application/json" | "application/*" | "*/*" => {
                match (param("as"), param("g"), param("v")) {
                    (None, _, _) => return Ok(Wanted::Json),
                    (Some("Table"), Some("meta.k8s.io"), Some("v1" | "v1beta1")) => {
                        return Ok(Wanted::Table);
                    }
                    (
                        Some("PartialObjectMetadata" | "PartialObjectMetadataList"),
                        Some("meta.k8s.io"),
                        Some("v1" | "v1beta1"),
                    ) => {
                        return Ok(Wanted::PartialMetadata);
                    }
                    (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                        return Ok(Wanted::AggregatedDiscovery);
                    }
                    _ => continue,
                }
            }
            "application/yaml" => return Ok(Wanted::Yaml),
            _ => continue,
        }
    }
    Err(StatusError::not_acceptable(format!(
        "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (requested: {accept})"
    )))
}

pub async fn read_body(body: hyper::body::Incoming, limit: usize) -> Result<Bytes, StatusError> {
    let collected = http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.to_string().contains("length limit") {
                StatusError::new(
                    413,
                    "RequestEntityTooLarge",
                    "Request entity too large: limit is 3145728",
                )
            } else {
                StatusError::bad_request(format!("unable to read request body: {e}"))
            }
        })?;
    Ok(collected.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = Query::parse(Some("labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1&x"));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn negotiates_like_the_real_server() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(kubectl)).ok(), Some(Wanted::Table));
        let discovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            negotiate(Some(discovery)).ok(),
            Some(Wanted::AggregatedDiscovery)
        );
        assert_eq!(
            negotiate(Some("application/vnd.kubernetes.protobuf, */*")).ok(),
            Some(Wanted::Json)
        );
        assert!(negotiate(Some("application/vnd.kubernetes.protobuf")).is_err());
    }
}
