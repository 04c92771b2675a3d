//! The HTTP API: authentication, routing by path, and the discovery, OpenAPI and resource
//! endpoints. Every error leaves here as a Kubernetes `Status` body.

mod discovery;
mod http;
mod objects;
mod openapi;
mod scale;
mod table;
mod watch;

pub use self::http::Body;

use self::http::{Query, Wanted, error, json, json_bytes, negotiate, read_body, text};
use crate::cluster::Cluster;
use ::http::{Method, Request, Response, header};
use berth_kube::{GroupVersion, StatusError};
use bytes::Bytes;

/// The largest request body accepted (the real server's limit is 3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

/// A request for a resource, parsed from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The legacy `/watch/` path prefix.
    pub watch: bool,
}

/// What a path addresses.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    Health,
    Version,
    CoreVersions,
    Groups,
    Group(String),
    Resources(GroupVersion),
    OpenApiIndex,
    OpenApiDocument(String),
    Object(ResourcePath),
    NotFound,
}

fn route(path: &str, cluster: &Cluster) -> Route {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["version"] => Route::Version,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["apis", g] => Route::Group(g.to_string()),
        ["api", v] => Route::Resources(GroupVersion::new("", *v)),
        ["apis", g, v] => Route::Resources(GroupVersion::new(*g, *v)),
        ["openapi", "v3"] => Route::OpenApiIndex,
        ["openapi", "v3", rest @ ..] => Route::OpenApiDocument(rest.join("/")),
        ["api", v, rest @ ..] => resource_path("", v, rest, cluster),
        ["apis", g, v, rest @ ..] => resource_path(g, v, rest, cluster),
        _ => Route::NotFound,
    }
}

fn resource_path(group: &str, version: &str, rest: &[&str], cluster: &Cluster) -> Route {
    let (watch, rest) = match rest {
        ["watch", tail @ ..] => (true, tail),
        _ => (false, rest),
    };
    let namespaced_resource = |plural: &str| {
        cluster
            .served(group, version, plural)
            .is_some_and(|s| s.info.namespaced())
    };
    let path = |namespace: Option<&str>, resource: &str, name: Option<&&str>, sub: &[&str]| {
        Route::Object(ResourcePath {
            group: group.to_string(),
            version: version.to_string(),
            namespace: namespace.map(str::to_string),
            resource: resource.to_string(),
            name: name.map(|n| n.to_string()),
            subresource: if sub.is_empty() {
                None
            } else {
                Some(sub.join("/"))
            },
            watch,
        })
    };
    match rest {
        ["namespaces", ns, resource, tail @ ..]
            if group.is_empty() && namespaced_resource(resource) || !group.is_empty() =>
        {
            path(
                Some(ns),
                resource,
                tail.first(),
                tail.get(1..).unwrap_or(&[]),
            )
        }
        [resource, tail @ ..] => path(None, resource, tail.first(), tail.get(1..).unwrap_or(&[])),
        [] => Route::NotFound,
    }
}

/// The API server: a cluster behind a bearer token.
#[derive(Clone)]
pub struct ApiServer {
    cluster: Cluster,
    token: String,
}

impl ApiServer {
    pub fn new(cluster: Cluster, token: String) -> Self {
        Self { cluster, token }
    }

    /// Serves a request from the network: reads the body (up to the limit), then answers.
    pub async fn handle_incoming(&self, req: Request<hyper::body::Incoming>) -> Response<Body> {
        let (parts, body) = req.into_parts();
        match read_body(body, MAX_BODY).await {
            Ok(bytes) => self.handle(Request::from_parts(parts, bytes)).await,
            Err(err) => error(&err),
        }
    }

    /// Answers one request whose body has been read.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Body> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let route = route(&path, &self.cluster);
        if route != Route::Health && !self.authorized(&req) {
            return error(&StatusError::unauthorized());
        }
        let started = std::time::Instant::now();
        let response = match self.dispatch(route, req).await {
            Ok(resp) => resp,
            Err(err) => error(&err),
        };
        tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
        response
    }

    fn authorized<B>(&self, req: &Request<B>) -> bool {
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), self.token.as_bytes()))
    }

    async fn dispatch(
        &self,
        route: Route,
        req: Request<Bytes>,
    ) -> Result<Response<Body>, StatusError> {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let registry = &self.cluster.registry;
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_string();
        match route {
            Route::Health => Ok(text(200, "ok")),
            Route::Version => Ok(json(200, &discovery::version())),
            Route::CoreVersions | Route::Groups => {
                let legacy = route == Route::CoreVersions;
                match negotiate(accept.as_deref())? {
                    Wanted::AggregatedDiscovery => {
                        let body = serde_json::to_vec(&discovery::aggregated(registry, legacy))
                            .unwrap_or_default();
                        Ok(json_bytes(200, body, discovery::AGGREGATED_CONTENT_TYPE))
                    }
                    _ if legacy => Ok(json(200, &discovery::api_versions(&host))),
                    _ => Ok(json(200, &discovery::api_group_list(registry))),
                }
            }
            Route::Group(g) => discovery::api_group(registry, &g)
                .map(|d| json(200, &d))
                .ok_or_else(StatusError::path_not_found),
            Route::Resources(gv) => {
                if !registry.serves(&gv.group, &gv.version) {
                    return Err(StatusError::path_not_found());
                }
                Ok(json(
                    200,
                    &discovery::resource_list(&gv, &registry.resources_of(&gv)),
                ))
            }
            Route::OpenApiIndex => Ok(json(200, &openapi::index(registry))),
            Route::OpenApiDocument(path) => openapi::document_at(registry, &path)
                .map(|d| json(200, &d))
                .ok_or_else(StatusError::path_not_found),
            Route::Object(path) => self.object(path, req, accept.as_deref()).await,
            Route::NotFound => Err(StatusError::path_not_found()),
        }
    }

    async fn object(
        &self,
        path: ResourcePath,
        req: Request<Bytes>,
        accept: Option<&str>,
    ) -> Result<Response<Body>, StatusError> {
        let Some(served) = self
            .cluster
            .served(&path.group, &path.version, &path.resource)
        else {
            return Err(StatusError::path_not_found());
        };
        let wanted = negotiate(accept)?;
        if path.group == crate::sim::metrics::GROUP {
            return metrics(&self.cluster, &path, &req);
        }
        let (parts, body) = req.into_parts();
        let mut query = Query::parse(parts.uri.query());
        if path.watch {
            query = Query::parse(Some(&format!(
                "{}&watch=true",
                parts.uri.query().unwrap_or("")
            )));
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let request = objects::Request {
            method: &parts.method,
            path: &path,
            served: &served,
            query: &query,
            wanted,
            content_type,
            body,
            user_agent,
        };
        let is_watch = request.query.flag("watch") && parts.method == Method::GET;
        if is_watch {
            // Watches stream from a task of their own; everything else is a short blocking
            // section on the store.
            return objects::handle(&self.cluster, request);
        }
        let cluster = self.cluster.clone();
        tokio::task::block_in_place(move || objects::handle(&cluster, request))
    }
}

/// The metrics API: read-only, computed on each request.
fn metrics(
    cluster: &Cluster,
    path: &ResourcePath,
    req: &Request<Bytes>,
) -> Result<Response<Body>, StatusError> {
    let query = Query::parse(req.uri().query());
    if req.method() != Method::GET || path.watch || query.flag("watch") {
        return Err(StatusError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    if path.subresource.is_some() {
        return Err(StatusError::path_not_found());
    }
    let body = crate::sim::metrics::get(
        cluster,
        &path.resource,
        path.namespace.as_deref(),
        path.name.as_deref(),
        query.get("labelSelector"),
    )?;
    Ok(json(200, &body))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::store::Store;

    fn cluster() -> (Cluster, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), 100).expect("store");
        (Cluster::new(store, Registry::with_builtins()), dir)
    }

    #[test]
    fn routes_namespaced_and_cluster_paths() {
        let (c, _d) = cluster();
        let Route::Object(p) = route("/api/v1/namespaces/default/configmaps/x", &c) else {
            panic!("not an object route")
        };
        assert_eq!(
            (
                p.namespace.as_deref(),
                p.resource.as_str(),
                p.name.as_deref()
            ),
            (Some("default"), "configmaps", Some("x"))
        );
        let Route::Object(p) = route("/api/v1/namespaces/default", &c) else {
            panic!("not an object route")
        };
        assert_eq!(
            (p.namespace, p.resource.as_str(), p.name.as_deref()),
            (None, "namespaces", Some("default"))
        );
        let Route::Object(p) = route("/api/v1/namespaces/default/finalize", &c) else {
            panic!("not an object route")
        };
        assert_eq!(
            (p.resource.as_str(), p.subresource.as_deref()),
            ("namespaces", Some("finalize"))
        );
        let Route::Object(p) = route("/apis/apps/v1/namespaces/a/deployments/web/scale", &c) else {
            panic!("not an object route")
        };
        assert_eq!(
            (p.group.as_str(), p.subresource.as_deref()),
            ("apps", Some("scale"))
        );
        let Route::Object(p) = route("/api/v1/watch/namespaces/a/pods", &c) else {
            panic!("not an object route")
        };
        assert!(p.watch);
        assert_eq!(
            route("/apis/apps/v1", &c),
            Route::Resources(GroupVersion::new("apps", "v1"))
        );
        assert_eq!(route("/nope", &c), Route::NotFound);
    }
}
