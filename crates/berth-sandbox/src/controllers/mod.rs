//! The control loops the API server itself needs to keep its promises: CRDs become served and
//! Established, deleted owners take their dependents with them (garbage collection), and
//! terminating namespaces are emptied and removed. They react to store events and act only
//! through [`Cluster`], so every change they make is an ordinary write that watches see.

pub mod crd;
mod gc;
mod namespace;

use crate::cluster::Cluster;
use crate::store::{Event, EventType};
use berth_kube::ObjectExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::broadcast::error::RecvError;

/// Starts the controllers on their own thread; they stop when `stop` is set.
pub fn start(cluster: Cluster, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("sandbox-controllers".into())
        .spawn(move || run(cluster, stop))
        .unwrap_or_else(|e| panic!("cannot start the controller thread: {e}"))
}

fn run(cluster: Cluster, stop: Arc<AtomicBool>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("controllers cannot start: {e}");
            return;
        }
    };
    runtime.block_on(async move {
        let (_, _, mut rx) = cluster.store.watch_snapshot("", None);
        // Objects left mid-deletion by an earlier run are finished first.
        resync(&cluster);
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await {
                Ok(Ok(event)) => handle(&cluster, &event),
                Ok(Err(RecvError::Lagged(_))) => resync(&cluster),
                Ok(Err(RecvError::Closed)) => return,
                Err(_) => {}
            }
        }
    });
}

fn handle(cluster: &Cluster, event: &Event) {
    let resource = &*event.key.resource;
    // New objects concern the controllers only when they are CRDs or namespaces; skipping the
    // rest before parsing keeps bulk creates cheap.
    if event.kind == EventType::Added
        && !matches!(
            resource,
            "apiextensions.k8s.io/customresourcedefinitions" | "/namespaces"
        )
    {
        return;
    }
    let obj = event.object.value();
    tracing::debug!(rv = event.rv, kind = event.kind.as_str(), resource = %event.key.resource, name = %event.key.name, "controller event");
    // Events queue up behind the controllers' own writes: act on the current state, never on
    // the event's (possibly stale) copy, or a controller would redo work it already did.
    let current = || cluster.store.get(&event.key).map(|s| s.value());
    match (resource, event.kind) {
        (
            "apiextensions.k8s.io/customresourcedefinitions",
            EventType::Added | EventType::Modified,
        ) => {
            if let Some(crd) = current() {
                crd::reconcile(cluster, &crd);
            }
        }
        ("/namespaces", EventType::Modified) => {
            if let Some(ns) = current().filter(|ns| ns.deletion_timestamp().is_some()) {
                namespace::finish_deletion(cluster, &ns);
            }
        }
        _ => {}
    }
    match event.kind {
        EventType::Deleted => {
            gc::owner_deleted(cluster, &obj);
            gc::dependent_deleted(cluster, &obj);
            if !event.key.namespace.is_empty() {
                namespace::content_deleted(cluster, &event.key.namespace);
            }
            crd::instance_deleted(cluster, resource);
        }
        _ if obj.deletion_timestamp().is_some() => {
            if let Some(obj) = current().filter(|o| o.deletion_timestamp().is_some()) {
                gc::owner_terminating(cluster, &obj);
            }
        }
        _ => {}
    }
}

/// Looks at every object again: used at start and when events were missed.
fn resync(cluster: &Cluster) {
    for resource in cluster.store.resources() {
        for (_, _, stored) in cluster.store.list(&resource, None).0 {
            let obj = stored.value();
            if obj.deletion_timestamp().is_some() {
                match &*resource {
                    "/namespaces" => namespace::finish_deletion(cluster, &obj),
                    "apiextensions.k8s.io/customresourcedefinitions" => {
                        crd::reconcile(cluster, &obj)
                    }
                    _ => gc::owner_terminating(cluster, &obj),
                }
            } else if &*resource == "apiextensions.k8s.io/customresourcedefinitions" {
                crd::reconcile(cluster, &obj);
            }
            gc::collect_orphaned(cluster, &obj);
        }
    }
}
