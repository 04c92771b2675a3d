//! Watches: a chunked stream of one-line JSON events, starting from a resourceVersion (or with
//! the current state), with bookmarks, watch-list's initial-events-end marker, selectors
//! applied to old and new state, and "too old resourceVersion" reported in-stream.

use super::http::{Body, Wanted};
use super::objects::{Request, matches, partial_metadata, selectors};
use super::table;
use crate::cluster::Cluster;
use crate::registry::Served;
use crate::store::{Event, EventType, Stored, WatchStart};
use berth_kube::{FieldSelector, LabelSelector, StatusError};
use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// How often a watch that asked for bookmarks gets one (the real server: about a minute).
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(30);
/// How long a watch without `timeoutSeconds` stays open (the real server picks 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

struct Filter {
    served: Served,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    wanted: Wanted,
    table: berth_kube::TableOptions,
}

impl Filter {
    fn matches(&self, stored: &Stored) -> bool {
        matches(stored, &self.labels, &self.fields)
    }

    fn concerns(&self, event: &Event) -> bool {
        *event.key.resource == *self.served.storage
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == event.key.namespace)
    }
}

pub fn watch(cluster: &Cluster, req: &Request<'_>) -> Result<Response<Body>, StatusError> {
    let (labels, fields) = selectors(req)?;
    let rv_param = req.query.get("resourceVersion").unwrap_or("");
    let send_initial = req.query.flag("sendInitialEvents");
    let bookmarks = req.query.flag("allowWatchBookmarks");
    let timeout = req
        .query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let since: Option<u64> = match rv_param {
        "" | "0" => None,
        rv => Some(
            rv.parse()
                .map_err(|_| StatusError::bad_request(format!("invalid resource version: {rv}")))?,
        ),
    };
    if send_initial && req.query.get("resourceVersionMatch") != Some("NotOlderThan") {
        return Err(StatusError::invalid(
            "",
            "ListOptions",
            "",
            vec![berth_kube::Cause::new(
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
                "sendInitialEvents",
            )],
        ));
    }
    let filter = Filter {
        served: req.served.clone(),
        namespace: req.path.namespace.clone(),
        labels,
        fields,
        wanted: req.wanted,
        table: table::options(req.query)?,
    };
    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(256);
    let cluster = cluster.clone();
    tokio::spawn(async move {
        run(cluster, filter, since, send_initial, bookmarks, timeout, tx).await;
    });
    let body: Body = StreamBody::new(ReceiverStream::new(rx)).boxed();
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    Ok(resp)
}

type Sink = mpsc::Sender<Result<Frame<Bytes>, Infallible>>;

async fn send(tx: &Sink, kind: &str, object: Value) -> bool {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    tx.send(Ok(Frame::data(Bytes::from(line)))).await.is_ok()
}

fn render(cluster: &Cluster, filter: &Filter, stored: &Stored) -> Value {
    let obj = cluster.present(&filter.served, stored.value());
    match filter.wanted {
        Wanted::Table => table::table(&filter.served, &[obj], &json!({}), &filter.table),
        Wanted::PartialMetadata => partial_metadata(&obj),
        _ => obj,
    }
}

fn bookmark(filter: &Filter, rv: u64, initial_end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"kind": filter.served.info.kind, "apiVersion": filter.served.info.api_version(), "metadata": meta})
}

/// The event a watcher sees for a store event, given its selectors: an object that starts
/// matching is ADDED, one that stops matching is DELETED.
fn translate(filter: &Filter, event: &Event) -> Option<&'static str> {
    let now = filter.matches(&event.object);
    let before = event.previous.as_ref().is_some_and(|p| filter.matches(p));
    match event.kind {
        EventType::Added if now => Some("ADDED"),
        EventType::Modified if now && before => Some("MODIFIED"),
        EventType::Modified if now => Some("ADDED"),
        EventType::Modified if before => Some("DELETED"),
        EventType::Deleted if before || now => Some(EventType::Deleted.as_str()),
        _ => None,
    }
}

async fn run(
    cluster: Cluster,
    filter: Filter,
    since: Option<u64>,
    send_initial: bool,
    bookmarks: bool,
    timeout: Duration,
    tx: Sink,
) {
    let (mut rx, mut last_rv) = match since {
        Some(rv) if !send_initial => {
            let (start, rx) = cluster.store.watch_from(rv);
            match start {
                WatchStart::TooOld { oldest } => {
                    let err =
                        StatusError::expired(format!("too old resource version: {rv} ({oldest})"));
                    let _ = send(&tx, "ERROR", err.to_status()).await;
                    return;
                }
                WatchStart::Events(events) => {
                    let mut last = rv;
                    for e in events {
                        last = e.rv;
                        if !filter.concerns(&e) {
                            continue;
                        }
                        if let Some(kind) = translate(&filter, &e)
                            && !send(&tx, kind, render(&cluster, &filter, &e.object)).await
                        {
                            return;
                        }
                    }
                    (rx, last)
                }
            }
        }
        _ => {
            let (items, rv, rx) = cluster
                .store
                .watch_snapshot(&filter.served.storage, filter.namespace.as_deref());
            for (_, _, stored) in &items {
                if filter.matches(stored)
                    && !send(&tx, "ADDED", render(&cluster, &filter, stored)).await
                {
                    return;
                }
            }
            if send_initial && !send(&tx, "BOOKMARK", bookmark(&filter, rv, true)).await {
                return;
            }
            (rx, rv)
        }
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return,
            _ = ticker.tick(), if bookmarks => {
                if !send(&tx, "BOOKMARK", bookmark(&filter, last_rv, false)).await {
                    return;
                }
            }
            _ = tx.closed() => return,
            received = rx.recv() => match received {
                Ok(event) => {
                    if !deliver(&cluster, &filter, &event, &mut last_rv, &tx).await {
                        return;
                    }
                }
                // A watcher that fell this far behind ends; the client resumes from its last
                // resourceVersion, as it would after any closed watch.
                Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

async fn deliver(
    cluster: &Cluster,
    filter: &Filter,
    event: &Arc<Event>,
    last_rv: &mut u64,
    tx: &Sink,
) -> bool {
    if event.rv <= *last_rv {
        return true;
    }
    *last_rv = event.rv;
    if !filter.concerns(event) {
        return true;
    }
    match translate(filter, event) {
        Some(kind) => send(tx, kind, render(cluster, filter, &event.object)).await,
        None => true,
    }
}
