//! The controller's HTTP surface: push webhooks from GitHub, GitLab, Gitea and Bitbucket
//! (Cloud and Server) at `POST /api/webhook`, Prometheus metrics at `GET /metrics` (bearer
//! token) and `GET /healthz` (the only unauthenticated path).
//!
//! Every webhook is verified before its body is read as JSON: an HMAC-SHA256 signature
//! (`X-Hub-Signature-256` from GitHub, `X-Gitea-Signature` from Gitea, `X-Hub-Signature`
//! from Bitbucket) or the shared token (`X-Gitlab-Token`). Unsigned or wrongly signed
//! requests get 401, malformed ones 400; bodies and signatures are never logged.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_engine::controller::redact_url;
use berth_engine::reconcile::Reconciler;
use berth_engine::refresh::{PushEvent, RefreshOutcome, refresh_for_push};
use berth_git::RepoCache;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response, StatusCode};
use ring::hmac;
use serde_json::{Value, json};

/// GitHub's largest payload is 25 MB.
const MAX_BODY: usize = 25 * 1024 * 1024;
/// How long a client may take to send its headers, and then its body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a webhook answer waits for the fetch before answering 202.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

pub struct Server {
    pub reconciler: Arc<Reconciler>,
    pub mirrors: Option<Arc<RepoCache>>,
    /// The shared webhook secret (HMAC key, or GitLab's token).
    pub secret: Vec<u8>,
    /// The bearer token of `/metrics`; without one `/metrics` is refused.
    pub metrics_token: Option<Vec<u8>>,
    counters: Mutex<BTreeMap<(String, String), u64>>,
}

impl Server {
    pub fn new(
        reconciler: Arc<Reconciler>,
        mirrors: Option<Arc<RepoCache>>,
        secret: Vec<u8>,
        metrics_token: Option<Vec<u8>>,
    ) -> Server {
        Server {
            reconciler,
            mirrors,
            secret,
            metrics_token,
            counters: Mutex::default(),
        }
    }

    fn count(&self, provider: &str, result: &str) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry((provider.to_string(), result.to_string()))
                .or_default() += 1;
        }
    }
}

/// Reads a secret file: its content without the trailing newline; empty files are refused.
pub fn read_secret(path: &std::path::Path, what: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read the {what} file {}: {e}", path.display()))?;
    let trimmed = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .unwrap_or(&bytes)
        .to_vec();
    if trimmed.is_empty() {
        anyhow::bail!("the {what} file {} is empty", path.display());
    }
    Ok(trimmed)
}

/// Listens on `addr` and serves until the task is dropped.
pub async fn serve(server: Arc<Server>, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for webhooks: {e}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(address = %local, "webhook server listening");
    serve_listener(server, listener).await;
    Ok(())
}

pub async fn serve_listener(server: Arc<Server>, listener: tokio::net::TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a webhook connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let server = server.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, Infallible>(handle(&server, req, peer).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(READ_TIMEOUT)
                .serve_connection(io, service)
                .await
            {
                tracing::debug!(error = %e, "webhook connection ended");
            }
        });
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.into() + "\n")));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string() + "\n")));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

async fn handle(
    server: &Server,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok"),
        (&Method::GET, "/metrics") => metrics(server, req.headers()),
        (&Method::POST, "/api/webhook") => webhook(server, req, peer).await,
        (_, "/api/webhook") => text(StatusCode::METHOD_NOT_ALLOWED, "webhooks are POSTed"),
        _ => text(StatusCode::NOT_FOUND, "not found"),
    }
}

fn metrics(server: &Server, headers: &HeaderMap) -> Response<Full<Bytes>> {
    let Some(token) = &server.metrics_token else {
        return text(
            StatusCode::UNAUTHORIZED,
            "metrics need a bearer token: start the controller with --metrics-token-file",
        );
    };
    let given = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|g| equal_secret(g.as_bytes(), token)) {
        let mut resp = text(StatusCode::UNAUTHORIZED, "missing or wrong bearer token");
        resp.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return resp;
    }
    let mut out = String::new();
    out.push_str("# HELP berth_git_fetches_total Fetches (first clones included) of each repository by the controller.\n");
    out.push_str("# TYPE berth_git_fetches_total counter\n");
    let mut repos = server.reconciler.repositories();
    repos.sort();
    for url in repos {
        let count = server.reconciler.git.fetch_count(&url);
        out.push_str(&format!(
            "berth_git_fetches_total{{repository=\"{}\"}} {count}\n",
            escape_label(&redact_url(&url))
        ));
    }
    out.push_str("# HELP berth_webhook_requests_total Webhook requests by provider and result.\n");
    out.push_str("# TYPE berth_webhook_requests_total counter\n");
    if let Ok(counters) = server.counters.lock() {
        for ((provider, result), n) in counters.iter() {
            out.push_str(&format!(
                "berth_webhook_requests_total{{provider=\"{}\",result=\"{}\"}} {n}\n",
                escape_label(provider),
                escape_label(result)
            ));
        }
    }
    let mut resp = text(StatusCode::OK, out.trim_end());
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Constant-time comparison of a presented secret with the configured one.
fn equal_secret(given: &[u8], secret: &[u8]) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"berth-secret-compare");
    let expected = hmac::sign(&key, secret);
    hmac::verify(&key, given, expected.as_ref()).is_ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    Gitea,
    BitbucketCloud,
    BitbucketServer,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Gitea => "gitea",
            Provider::BitbucketCloud => "bitbucket",
            Provider::BitbucketServer => "bitbucket-server",
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Which provider sent the request and which event it is. Gitea also sends GitHub's
/// headers, so it is recognised first.
pub fn detect(headers: &HeaderMap) -> Option<(Provider, String)> {
    if let Some(event) = header(headers, "x-gitea-event") {
        return Some((Provider::Gitea, event.to_string()));
    }
    if let Some(event) = header(headers, "x-github-event") {
        return Some((Provider::GitHub, event.to_string()));
    }
    if let Some(event) = header(headers, "x-gitlab-event") {
        return Some((Provider::GitLab, event.to_string()));
    }
    if let Some(event) = header(headers, "x-event-key") {
        let provider = if event.starts_with("repo:refs_changed") || event == "diagnostics:ping" {
            Provider::BitbucketServer
        } else {
            Provider::BitbucketCloud
        };
        return Some((provider, event.to_string()));
    }
    None
}

#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No signature or token header.
    Missing(&'static str),
    /// A signature or token that does not match the secret.
    Mismatch(&'static str),
}

fn hmac_hex(hex: &str, secret: &[u8], body: &[u8]) -> bool {
    let Some(tag) = decode_hex(hex) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, body, &tag).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks the request's signature or token against `secret`.
pub fn verify(
    provider: Provider,
    headers: &HeaderMap,
    secret: &[u8],
    body: &[u8],
) -> Result<(), AuthError> {
    match provider {
        Provider::GitHub => {
            let name = "X-Hub-Signature-256";
            let sig = header(headers, name).ok_or(AuthError::Missing(name))?;
            let hex = sig
                .strip_prefix("sha256=")
                .ok_or(AuthError::Mismatch(name))?;
            hmac_hex(hex, secret, body)
                .then_some(())
                .ok_or(AuthError::Mismatch(name))
        }
        Provider::Gitea => {
            let name = "X-Gitea-Signature";
            let sig = header(headers, name).ok_or(AuthError::Missing(name))?;
            hmac_hex(sig, secret, body)
                .then_some(())
                .ok_or(AuthError::Mismatch(name))
        }
        Provider::GitLab => {
            let name = "X-Gitlab-Token";
            let token = header(headers, name).ok_or(AuthError::Missing(name))?;
            equal_secret(token.as_bytes(), secret)
                .then_some(())
                .ok_or(AuthError::Mismatch(name))
        }
        Provider::BitbucketCloud | Provider::BitbucketServer => {
            let name = "X-Hub-Signature";
            let sig = header(headers, name).ok_or(AuthError::Missing(name))?;
            let hex = sig
                .strip_prefix("sha256=")
                .ok_or(AuthError::Mismatch(name))?;
            hmac_hex(hex, secret, body)
                .then_some(())
                .ok_or(AuthError::Mismatch(name))
        }
    }
}

/// Whether the event is a push (anything else is acknowledged and ignored).
fn is_push(provider: Provider, event: &str) -> bool {
    match provider {
        Provider::GitHub | Provider::Gitea => event == "push",
        Provider::GitLab => event == "Push Hook" || event == "Tag Push Hook",
        Provider::BitbucketCloud => event == "repo:push",
        Provider::BitbucketServer => event == "repo:refs_changed",
    }
}

fn strings(values: &[&Value]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn files_of(commits: &Value) -> Option<Vec<String>> {
    let commits = commits.as_array()?;
    let mut files = Vec::new();
    for c in commits {
        for key in ["added", "modified", "removed"] {
            for f in c[key].as_array().into_iter().flatten() {
                if let Some(f) = f.as_str() {
                    files.push(f.to_string());
                }
            }
        }
    }
    files.sort();
    files.dedup();
    Some(files)
}

/// The pushes a verified payload describes (Bitbucket may carry several).
pub fn parse(provider: Provider, body: &[u8]) -> Result<Vec<PushEvent>, String> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let field = |v: &Value, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("the payload has no {what}"))
    };
    match provider {
        Provider::GitHub | Provider::Gitea => {
            let repo = &payload["repository"];
            let urls = strings(&[
                &repo["clone_url"],
                &repo["html_url"],
                &repo["ssh_url"],
                &repo["git_url"],
                &repo["url"],
            ]);
            if urls.is_empty() {
                return Err("the payload has no repository URL".into());
            }
            Ok(vec![PushEvent {
                repo_urls: urls,
                reference: field(&payload["ref"], "ref")?,
                before: payload["before"].as_str().unwrap_or_default().to_string(),
                after: field(&payload["after"], "after")?,
                default_branch: repo["default_branch"].as_str().map(str::to_string),
                changed_files: files_of(&payload["commits"]),
            }])
        }
        Provider::GitLab => {
            let project = &payload["project"];
            let repo = &payload["repository"];
            let urls = strings(&[
                &project["git_http_url"],
                &project["git_ssh_url"],
                &project["web_url"],
                &repo["git_http_url"],
                &repo["git_ssh_url"],
                &repo["homepage"],
                &repo["url"],
            ]);
            if urls.is_empty() {
                return Err("the payload has no project URL".into());
            }
            Ok(vec![PushEvent {
                repo_urls: urls,
                reference: field(&payload["ref"], "ref")?,
                before: payload["before"].as_str().unwrap_or_default().to_string(),
                after: field(&payload["after"], "after")?,
                default_branch: project["default_branch"].as_str().map(str::to_string),
                changed_files: files_of(&payload["commits"]),
            }])
        }
        Provider::BitbucketCloud => {
            let repo = &payload["repository"];
            let mut urls = strings(&[&repo["links"]["html"]["href"]]);
            if let Some(name) = repo["full_name"].as_str() {
                urls.push(format!("https://bitbucket.org/{name}.git"));
                urls.push(format!("git@bitbucket.org:{name}.git"));
            }
            if urls.is_empty() {
                return Err("the payload has no repository".into());
            }
            let changes = payload["push"]["changes"]
                .as_array()
                .ok_or("the payload has no push.changes")?;
            let mut events = Vec::new();
            for change in changes {
                let new = &change["new"];
                if new.is_null() {
                    continue; // a deleted branch or tag
                }
                let name = field(&new["name"], "push.changes[].new.name")?;
                let reference = match new["type"].as_str() {
                    Some("tag") => format!("refs/tags/{name}"),
                    _ => format!("refs/heads/{name}"),
                };
                events.push(PushEvent {
                    repo_urls: urls.clone(),
                    reference,
                    before: change["old"]["target"]["hash"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    after: field(&new["target"]["hash"], "push.changes[].new.target.hash")?,
                    default_branch: repo["mainbranch"]["name"].as_str().map(str::to_string),
                    changed_files: None,
                });
            }
            Ok(events)
        }
        Provider::BitbucketServer => {
            let repo = &payload["repository"];
            let mut urls = Vec::new();
            for link in repo["links"]["clone"].as_array().into_iter().flatten() {
                urls.extend(strings(&[&link["href"]]));
            }
            for link in repo["links"]["self"].as_array().into_iter().flatten() {
                urls.extend(strings(&[&link["href"]]));
            }
            if urls.is_empty() {
                return Err("the payload has no repository links".into());
            }
            let changes = payload["changes"]
                .as_array()
                .ok_or("the payload has no changes")?;
            let mut events = Vec::new();
            for change in changes {
                if change["type"] == "DELETE" {
                    continue;
                }
                events.push(PushEvent {
                    repo_urls: urls.clone(),
                    reference: field(&change["refId"], "changes[].refId")?,
                    before: change["fromHash"].as_str().unwrap_or_default().to_string(),
                    after: field(&change["toHash"], "changes[].toHash")?,
                    default_branch: None,
                    changed_files: None,
                });
            }
            Ok(events)
        }
    }
}

async fn webhook(
    server: &Server,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let headers = req.headers().clone();
    let Some((provider, event)) = detect(&headers) else {
        server.count("unknown", "malformed");
        tracing::warn!(%peer, "webhook without a provider's event header refused");
        return text(
            StatusCode::BAD_REQUEST,
            "not a GitHub, GitLab, Gitea or Bitbucket webhook (no event header)",
        );
    };
    let delivery = header(&headers, "x-github-delivery")
        .or_else(|| header(&headers, "x-gitea-delivery"))
        .or_else(|| header(&headers, "x-request-uuid"))
        .or_else(|| header(&headers, "x-request-id"))
        .unwrap_or("-")
        .chars()
        .take(64)
        .collect::<String>();
    let read = tokio::time::timeout(
        READ_TIMEOUT,
        Limited::new(req.into_body(), MAX_BODY).collect(),
    )
    .await;
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        _ => {
            server.count(provider.name(), "malformed");
            tracing::warn!(%peer, provider = provider.name(), %delivery, "webhook body too large or unreadable");
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or unreadable",
            );
        }
    };
    if let Err(e) = verify(provider, &headers, &server.secret, &body) {
        server.count(provider.name(), "unauthorized");
        let (reason, header_name) = match e {
            AuthError::Missing(h) => ("unsigned", h),
            AuthError::Mismatch(h) => ("bad signature", h),
        };
        tracing::warn!(%peer, provider = provider.name(), %event, %delivery, reason, "webhook refused");
        return text(
            StatusCode::UNAUTHORIZED,
            format!("{reason}: {header_name} does not verify with the configured secret"),
        );
    }
    if !is_push(provider, &event) {
        server.count(provider.name(), "ignored");
        tracing::info!(provider = provider.name(), %event, %delivery, "webhook event ignored (not a push)");
        return json_response(StatusCode::OK, &json!({"ignored": event}));
    }
    let events = match parse(provider, &body) {
        Ok(events) => events,
        Err(message) => {
            server.count(provider.name(), "malformed");
            tracing::warn!(%peer, provider = provider.name(), %delivery, error = %message, "malformed webhook");
            return text(
                StatusCode::BAD_REQUEST,
                format!("malformed push payload: {message}"),
            );
        }
    };
    let reconciler = server.reconciler.clone();
    let mirrors = server.mirrors.clone();
    let provider_name = provider.name();
    let task = tokio::spawn(async move {
        let mut all = Vec::new();
        for event in &events {
            match refresh_for_push(&reconciler, mirrors.clone(), event).await {
                Ok(outcome) => {
                    tracing::info!(
                        provider = provider_name,
                        reference = %event.reference,
                        after = %event.after,
                        refreshed = ?outcome.refreshed,
                        skipped = outcome.skipped.len(),
                        "webhook push"
                    );
                    all.push((event.reference.clone(), Ok(outcome)));
                }
                Err(e) => {
                    tracing::warn!(provider = provider_name, error = %e, "webhook refresh failed");
                    all.push((event.reference.clone(), Err(e.to_string())));
                }
            }
        }
        all
    });
    match tokio::time::timeout(ANSWER_WITHIN, task).await {
        Ok(Ok(results)) => {
            let failed = results.iter().any(|(_, r)| r.is_err());
            server.count(provider.name(), if failed { "error" } else { "refreshed" });
            let body: Vec<Value> = results
                .into_iter()
                .map(|(reference, r)| match r {
                    Ok(o) => outcome_json(&reference, &o),
                    Err(e) => json!({"ref": reference, "error": e}),
                })
                .collect();
            let status = if failed {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            json_response(status, &json!({"pushes": body}))
        }
        Ok(Err(_)) => {
            server.count(provider.name(), "error");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the refresh stopped unexpectedly",
            )
        }
        Err(_) => {
            server.count(provider.name(), "accepted");
            text(StatusCode::ACCEPTED, "refresh continues in the background")
        }
    }
}

fn outcome_json(reference: &str, o: &RefreshOutcome) -> Value {
    json!({
        "ref": reference,
        "refreshed": o.refreshed,
        "skipped": o.skipped.iter().map(|(app, why)| json!({"app": app, "reason": format!("{why:?}")})).collect::<Vec<_>>(),
        "fetched": o.fetched,
        "errors": o.errors.iter().map(|(r, e)| json!({"repository": r, "error": e})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hyper::header::HeaderValue;

    const SECRET: &[u8] = b"It's a Secret to Everybody";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn sign(body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET);
        hmac::sign(&key, body)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn github_documented_example_signature() {
        // The example from GitHub's "Validating webhook deliveries" page.
        let h = headers(&[
            ("x-github-event", "push"),
            (
                "x-hub-signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            ),
        ]);
        let (provider, _) = detect(&h).unwrap();
        assert_eq!(provider, Provider::GitHub);
        assert_eq!(verify(provider, &h, SECRET, b"Hello, World!"), Ok(()));
        assert!(matches!(
            verify(provider, &h, SECRET, b"Hello, World?"),
            Err(AuthError::Mismatch(_))
        ));
        assert!(matches!(
            verify(provider, &headers(&[]), SECRET, b"x"),
            Err(AuthError::Missing(_))
        ));
    }

    #[test]
    fn each_provider_verifies() {
        let body = br#"{"x":1}"#;
        let hex = sign(body);
        let cases = [
            (
                headers(&[
                    ("x-gitea-event", "push"),
                    ("x-github-event", "push"),
                    ("x-gitea-signature", &hex),
                ]),
                Provider::Gitea,
            ),
            (
                headers(&[
                    ("x-gitlab-event", "Push Hook"),
                    ("x-gitlab-token", "It's a Secret to Everybody"),
                ]),
                Provider::GitLab,
            ),
            (
                headers(&[
                    ("x-event-key", "repo:push"),
                    ("x-hub-signature", &format!("sha256={hex}")),
                ]),
                Provider::BitbucketCloud,
            ),
            (
                headers(&[
                    ("x-event-key", "repo:refs_changed"),
                    ("x-hub-signature", &format!("sha256={hex}")),
                ]),
                Provider::BitbucketServer,
            ),
        ];
        for (h, expected) in cases {
            let (provider, _) = detect(&h).unwrap();
            assert_eq!(provider, expected);
            assert_eq!(verify(provider, &h, SECRET, body), Ok(()), "{provider:?}");
            assert!(
                verify(provider, &h, b"other secret", body).is_err(),
                "{provider:?}"
            );
        }
    }

    #[test]
    fn payloads_parse() {
        let github = json!({
            "ref": "refs/heads/main", "before": "a", "after": "b",
            "repository": {"clone_url": "https://github.com/o/r.git", "ssh_url": "git@github.com:o/r.git", "default_branch": "main"},
            "commits": [{"added": ["x"], "modified": ["charts/a/values-stg.yaml"], "removed": []}]
        });
        let e = &parse(Provider::GitHub, github.to_string().as_bytes()).unwrap()[0];
        assert_eq!(e.reference, "refs/heads/main");
        assert_eq!(
            e.changed_files.as_deref().unwrap(),
            ["charts/a/values-stg.yaml", "x"]
        );
        let gitlab = json!({
            "object_kind": "push", "ref": "refs/heads/main", "before": "a", "after": "b",
            "project": {"git_http_url": "https://gitlab.com/o/r.git", "default_branch": "main"},
            "commits": []
        });
        assert_eq!(
            parse(Provider::GitLab, gitlab.to_string().as_bytes()).unwrap()[0].after,
            "b"
        );
        let cloud = json!({
            "repository": {"full_name": "o/r", "links": {"html": {"href": "https://bitbucket.org/o/r"}}},
            "push": {"changes": [{"old": {"target": {"hash": "a"}}, "new": {"type": "branch", "name": "main", "target": {"hash": "b"}}}]}
        });
        let e = &parse(Provider::BitbucketCloud, cloud.to_string().as_bytes()).unwrap()[0];
        assert_eq!(
            (e.reference.as_str(), e.after.as_str()),
            ("refs/heads/main", "b")
        );
        let server = json!({
            "repository": {"links": {"clone": [{"href": "ssh://git@bb.example.com:7999/p/r.git", "name": "ssh"}]}},
            "changes": [{"refId": "refs/heads/main", "fromHash": "a", "toHash": "b", "type": "UPDATE"}]
        });
        assert_eq!(
            parse(Provider::BitbucketServer, server.to_string().as_bytes())
                .unwrap()
                .len(),
            1
        );
        assert!(parse(Provider::GitHub, b"not json").is_err());
        assert!(parse(Provider::GitHub, b"{}").is_err());
    }
}
