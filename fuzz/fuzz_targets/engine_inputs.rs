//! The GitOps engine's readers of repository and cluster input: manifests (YAML and JSON),
//! tracking ids, durations, ignoreDifferences paths, AppProjects and repository Secrets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match selector % 6 {
        0 => {
            let _ = berth_engine::source::parse_documents("f.yaml", rest);
            let _ = berth_engine::source::parse_documents("f.json", rest);
        }
        1 => {
            if let Some(id) = berth_engine::tracking::TrackingId::parse(&text) {
                // What parses prints back to something that parses to the same id.
                let again = berth_engine::tracking::TrackingId::parse(&id.to_string());
                assert_eq!(again.as_ref(), Some(&id));
            }
        }
        2 => {
            let _ = berth_engine::reconcile::parse_duration(&text);
        }
        3 => {
            let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "annotations": {"a": "b"}},
                "spec": {"replicas": 2, "template": {"spec": {"containers": [
                    {"name": "app", "image": "a:1"}, {"name": "side", "image": "s:1"}]}}}});
            let ignore = berth_engine::model::IgnoreDifference {
                group: "apps".into(),
                kind: "Deployment".into(),
                json_pointers: vec![text.to_string()],
                jq_path_expressions: vec![text.to_string()],
                ..Default::default()
            };
            let _ = berth_engine::compare::normalize(&obj, &[&ignore]);
            let _ = berth_engine::compare::unified_diff("x", Some(&obj), Some(&json!({"t": text})));
        }
        4 => {
            if let Ok(v) = serde_json::from_slice::<Value>(rest) {
                let _ = berth_engine::controller::repo_credential(&v);
                let _ = berth_engine::project::resource_permitted(&v, "apps", "Deployment", "d", true);
                let _ = berth_engine::project::resource_permitted(&v, "", "Namespace", "n", false);
                let dest = berth_engine::model::Destination::default();
                let _ = berth_engine::project::check_app(&v, &[], &dest);
                let _ = berth_engine::model::Application::from_value(&v);
                let _ = berth_engine::compare::mask_secret(&v);
            }
        }
        _ => {
            if let Ok(v) = serde_json::from_slice::<Value>(rest) {
                let _ = berth_engine::health::health_of(&v);
                let _ = berth_kube::wave(&v);
                let _ = berth_kube::sync_phases(&v);
            }
        }
    }
});
