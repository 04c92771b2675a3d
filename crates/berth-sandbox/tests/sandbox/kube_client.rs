//! kube-rs, the client Berth itself uses, against the sandbox.

use crate::support::TestCluster;
use futures::TryStreamExt;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::discovery::{ApiResource, Discovery, Scope};
use kube::runtime::watcher::{self, Event};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_in_both_modes() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let legacy = Discovery::new(client.clone())
        .run()
        .await
        .expect("legacy discovery");
    let aggregated = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .expect("aggregated discovery");
    for discovery in [&legacy, &aggregated] {
        let groups: Vec<String> = discovery.groups().map(|g| g.name().to_string()).collect();
        for g in [
            "",
            "apps",
            "batch",
            "networking.k8s.io",
            "rbac.authorization.k8s.io",
            "apiextensions.k8s.io",
            "autoscaling",
            "policy",
            "coordination.k8s.io",
            "storage.k8s.io",
            "scheduling.k8s.io",
            "admissionregistration.k8s.io",
            "discovery.k8s.io",
            "events.k8s.io",
        ] {
            assert!(
                groups.iter().any(|n| n == g),
                "group {g:?} missing from {groups:?}"
            );
        }
        let apps = discovery.get("apps").expect("apps group");
        let (deploy, caps) = apps
            .recommended_kind("Deployment")
            .expect("Deployment served");
        assert_eq!(deploy.plural, "deployments");
        assert_eq!(caps.scope, Scope::Namespaced);
        assert!(
            caps.subresources
                .iter()
                .any(|(r, _)| r.plural == "deployments/scale" || r.plural == "scale"),
            "{:?}",
            caps.subresources
        );
        let autoscaling = discovery.get("autoscaling").expect("autoscaling group");
        assert_eq!(autoscaling.preferred_version_or_latest(), "v2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_object_crud() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "ConfigMap"));
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "dyn", "labels": {"app": "dyn"}},
        "data": {"a": "1"}
    }))
    .expect("object");
    let created = api
        .create(&PostParams::default(), &obj)
        .await
        .expect("create");
    let uid = created.metadata.uid.clone().expect("uid set");
    let rv1: u64 = created
        .metadata
        .resource_version
        .clone()
        .expect("rv")
        .parse()
        .expect("numeric rv");

    let got = api.get("dyn").await.expect("get");
    assert_eq!(got.metadata.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(got.data["data"]["a"], "1");

    let mut changed = got.clone();
    changed.data["data"]["a"] = json!("2");
    let replaced = api
        .replace("dyn", &PostParams::default(), &changed)
        .await
        .expect("replace");
    let rv2: u64 = replaced
        .metadata
        .resource_version
        .clone()
        .expect("rv")
        .parse()
        .expect("numeric rv");
    assert!(rv2 > rv1, "resourceVersion grows: {rv1} -> {rv2}");

    // A stale resourceVersion is a 409 Conflict.
    let err = api
        .replace("dyn", &PostParams::default(), &changed)
        .await
        .expect_err("stale write refused");
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "Conflict");
        }
        other => panic!("unexpected error {other}"),
    }

    let patched = api
        .patch(
            "dyn",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"b": "3"}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(patched.data["data"]["b"], "3");
    let listed = api
        .list(&ListParams::default().labels("app=dyn"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    let deleted = api
        .delete("dyn", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(
        deleted.is_right(),
        "a ConfigMap delete answers with a Status"
    );
    let err = api.get("dyn").await.expect_err("gone");
    assert!(matches!(err, kube::Error::Api(s) if s.code == 404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_sees_every_change_across_a_restart() {
    let data = tempfile::tempdir().expect("data dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let start = |data: std::path::PathBuf| async move {
        let config = berth_sandbox::SandboxConfig {
            listen: ([127, 0, 0, 1], port).into(),
            data_dir: Some(data),
            ..Default::default()
        };
        berth_sandbox::Sandbox::start(config)
            .await
            .expect("sandbox starts")
    };
    let sandbox = start(data.path().to_path_buf()).await;
    let kubeconfig =
        kube::config::Kubeconfig::read_from(sandbox.kubeconfig_path()).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "ConfigMap"));
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = watcher::watcher(api.clone(), watcher::Config::default());
    let watch_task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        loop {
            match stream.try_next().await {
                Ok(Some(Event::Apply(obj) | Event::InitApply(obj))) => {
                    let _ = tx.send(format!(
                        "apply {} {}",
                        obj.metadata.name.unwrap_or_default(),
                        obj.data["data"]["v"].as_str().unwrap_or("")
                    ));
                }
                Ok(Some(Event::Delete(obj))) => {
                    let _ = tx.send(format!("delete {}", obj.metadata.name.unwrap_or_default()));
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                // Connection errors while the server restarts: the watcher retries.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });

    let make = |name: &str, v: &str| -> DynamicObject {
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": v}})).expect("object")
    };
    async fn expect(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>, want: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let got = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .unwrap_or_else(|_| panic!("watcher never saw {want:?}"));
            if got.as_deref() == Some(want) {
                return;
            }
        }
    }
    api.create(&PostParams::default(), &make("one", "1"))
        .await
        .expect("create one");
    expect(&mut rx, "apply one 1").await;

    sandbox.shutdown().await;
    let sandbox = start(data.path().to_path_buf()).await;
    // Changes made right after the restart, while the watcher reconnects, must all arrive.
    let api_after: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    api_after
        .create(&PostParams::default(), &make("two", "2"))
        .await
        .expect("create two");
    api_after
        .patch(
            "one",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"v": "1b"}})),
        )
        .await
        .expect("patch one");
    api_after
        .delete("two", &DeleteParams::default())
        .await
        .expect("delete two");
    expect(&mut rx, "apply two 2").await;
    expect(&mut rx, "apply one 1b").await;
    expect(&mut rx, "delete two").await;
    watch_task.abort();
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_name_and_delete_preconditions() {
    let c = TestCluster::start().await;
    let client = c.client().await;
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "ConfigMap"));
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let template: DynamicObject = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}}),
    )
    .expect("object");
    let a = api
        .create(&PostParams::default(), &template)
        .await
        .expect("first");
    let b = api
        .create(&PostParams::default(), &template)
        .await
        .expect("second");
    let (a, b) = (
        a.metadata.name.expect("name"),
        b.metadata.name.expect("name"),
    );
    assert!(a.starts_with("job-") && a.len() == 9, "{a}");
    assert_ne!(a, b);

    let wrong_uid = DeleteParams {
        preconditions: Some(kube::api::Preconditions {
            uid: Some("not-the-uid".into()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let err = api
        .delete(&a, &wrong_uid)
        .await
        .expect_err("uid precondition");
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 409 && s.message.contains("Precondition failed: UID in precondition: not-the-uid")),
        "{err}"
    );
    let current = api.get(&a).await.expect("still there");
    let right = DeleteParams {
        preconditions: Some(kube::api::Preconditions {
            uid: current.metadata.uid.clone(),
            resource_version: current.metadata.resource_version.clone(),
        }),
        ..Default::default()
    };
    api.delete(&a, &right)
        .await
        .expect("matching preconditions delete");
    assert!(matches!(api.get(&a).await, Err(kube::Error::Api(s)) if s.code == 404));
}
