//! Watch semantics clients depend on: watch-list with the initial-events-end bookmark, "too old
//! resourceVersion" reported in-stream, selectors applied to old and new state.

use crate::support::TestCluster;
use futures::{AsyncBufReadExt, TryStreamExt};
use http::Request;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};
use std::time::Duration;

fn configmaps(client: &kube::Client) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "ConfigMap"));
    Api::namespaced_with(client.clone(), "default", &ar)
}

fn cm(name: &str, labels: Value) -> DynamicObject {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}})).expect("object")
}

/// Reads watch events from a raw watch request until `stop` says so or the time runs out.
async fn raw_watch(
    client: &kube::Client,
    path: &str,
    mut stop: impl FnMut(&Value) -> bool,
) -> Vec<Value> {
    let req = Request::builder()
        .uri(path)
        .body(Vec::new())
        .expect("request");
    let lines = client
        .request_stream(req)
        .await
        .expect("watch starts")
        .lines();
    let mut lines = std::pin::pin!(lines);
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(line)) = tokio::time::timeout_at(deadline, lines.try_next())
        .await
        .unwrap_or(Ok(None))
    {
        let event: Value = serde_json::from_str(&line).expect("one JSON event per line");
        let done = stop(&event);
        events.push(event);
        if done {
            break;
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_list_ends_initial_events_with_a_bookmark() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let api = configmaps(&client);
    for name in ["a", "b", "c"] {
        api.create(&PostParams::default(), &cm(name, json!({"set": "x"})))
            .await
            .expect("create");
    }
    let events = raw_watch(
        &client,
        "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=set%3Dx",
        |e| e["type"] == "BOOKMARK",
    )
    .await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["ADDED", "ADDED", "ADDED", "BOOKMARK"]);
    let bookmark = &events[3]["object"];
    assert_eq!(
        bookmark["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert!(
        bookmark["metadata"]["resourceVersion"]
            .as_str()
            .is_some_and(|rv| rv.parse::<u64>().is_ok())
    );

    // kube-rs in streaming-list mode relies on that bookmark to finish its initial list.
    let stream = watcher::watcher(api.clone(), watcher::Config::default().streaming_lists());
    let mut stream = std::pin::pin!(stream);
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
            .await
            .expect("event in time")
            .expect("no error");
        match event {
            Some(Event::InitApply(o)) => seen.push(o.metadata.name.unwrap_or_default()),
            Some(Event::InitDone) => break,
            _ => {}
        }
    }
    seen.sort();
    assert!(
        seen.contains(&"a".to_string()) && seen.contains(&"c".to_string()),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_old_resource_version_is_reported_in_the_stream() {
    let data = tempfile::tempdir().expect("dir");
    let config = berth_sandbox::SandboxConfig {
        data_dir: Some(data.path().to_path_buf()),
        history_limit: 5,
        ..Default::default()
    };
    let sandbox = berth_sandbox::Sandbox::start(config)
        .await
        .expect("sandbox");
    let kubeconfig =
        kube::config::Kubeconfig::read_from(sandbox.kubeconfig_path()).expect("kubeconfig");
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config"),
    )
    .expect("client");
    let api = configmaps(&client);
    for i in 0..20 {
        api.create(&PostParams::default(), &cm(&format!("x{i}"), json!({})))
            .await
            .expect("create");
    }
    let events = raw_watch(
        &client,
        "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2",
        |_| true,
    )
    .await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
    assert!(
        events[0]["object"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("too old resource version: 2 ("),
        "{}",
        events[0]
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_apply_to_old_and_new_state() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let api = configmaps(&client);
    let created = api
        .create(&PostParams::default(), &cm("sel", json!({"tier": "a"})))
        .await
        .expect("create");
    let rv = created.metadata.resource_version.expect("rv");
    let patch = |tier: &'static str| Patch::Merge(json!({"metadata": {"labels": {"tier": tier}}}));
    api.patch("sel", &PatchParams::default(), &patch("b"))
        .await
        .expect("to b");
    api.patch("sel", &PatchParams::default(), &patch("a"))
        .await
        .expect("back to a");
    api.patch("sel", &PatchParams::default(), &patch("a2"))
        .await
        .expect("to a2");
    let path = format!(
        "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&labelSelector=tier%3Da"
    );
    let events = raw_watch(&client, &path, |e| {
        e["type"] == "DELETED" && e["object"]["metadata"]["labels"]["tier"] == "a2"
    })
    .await;
    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["type"].as_str().unwrap_or(""),
                e["object"]["metadata"]["labels"]["tier"]
                    .as_str()
                    .unwrap_or("")
            )
        })
        .collect();
    // Leaving the selector reads as a delete, coming back as an add.
    assert_eq!(kinds, ["DELETED b", "ADDED a", "DELETED a2"]);
}
