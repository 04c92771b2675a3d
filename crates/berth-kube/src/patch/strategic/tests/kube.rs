//! Strategic merge patches of real Kubernetes objects, as kubectl and Helm send them.

use crate::gvk::GroupVersionKind;
use crate::patch::strategic::{
    StrategicPatchError, apply_strategic_merge_patch, create_three_way_merge_patch,
    create_two_way_merge_patch,
};
use serde_json::{Value, json};

fn deployment() -> GroupVersionKind {
    GroupVersionKind::new("apps", "v1", "Deployment")
}

fn service() -> GroupVersionKind {
    GroupVersionKind::new("", "v1", "Service")
}

fn web() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a.example.com/x"]},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "web:1",
                            "args": ["--a", "--b"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}]
                        },
                        {"name": "sidecar", "image": "proxy:1"}
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}]
                }
            }
        }
    })
}

fn patched(gvk: &GroupVersionKind, target: Value, patch: Value) -> Value {
    let mut t = target;
    apply_strategic_merge_patch(gvk, &mut t, &patch).unwrap_or_else(|e| panic!("{e}"));
    t
}

fn containers(d: &Value) -> &Value {
    &d["spec"]["template"]["spec"]["containers"]
}

#[test]
fn one_env_var_changes_and_the_others_stay() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "env": [{"name": "B", "value": "two"}]}
    ]}}}});
    let d = patched(&deployment(), web(), patch);
    assert_eq!(
        containers(&d)[0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}])
    );
    assert_eq!(containers(&d)[0]["image"], "web:1");
    assert_eq!(containers(&d)[1]["name"], "sidecar");
}

#[test]
fn an_image_changes_by_container_name_and_the_other_containers_stay() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "proxy:2"}]}}}});
    let d = patched(&deployment(), web(), patch);
    assert_eq!(
        containers(&d)[1],
        json!({"name": "sidecar", "image": "proxy:2"})
    );
    assert_eq!(containers(&d)[0], containers(&web())[0]);
    assert_eq!(containers(&d).as_array().map(Vec::len), Some(2));
}

#[test]
fn a_container_is_deleted_with_patch_delete() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}});
    let d = patched(&deployment(), web(), patch);
    assert_eq!(containers(&d).as_array().map(Vec::len), Some(1));
    assert_eq!(containers(&d)[0]["name"], "app");
}

#[test]
fn a_new_container_is_appended_and_args_are_replaced_atomically() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "args": ["--c"]},
        {"name": "metrics", "image": "metrics:1"}
    ]}}}});
    let d = patched(&deployment(), web(), patch);
    let names: Vec<&str> = containers(&d)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["app", "metrics", "sidecar"]);
    assert_eq!(containers(&d)[0]["args"], json!(["--c"]));
}

#[test]
fn adding_a_port_to_a_service_keeps_the_others() {
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443, "targetPort": 8443}]
    }});
    let patch = json!({"spec": {"ports": [{"name": "metrics", "port": 9090, "targetPort": 9090}]}});
    let s = patched(&service(), svc, patch);
    let ports: Vec<i64> = s["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["port"].as_i64())
        .collect();
    // Without `$setElementOrder` a new element goes before the ones only the server has, as
    // upstream's mergeSortedSlice orders it; kubectl apply sends the order list.
    assert_eq!(ports, [9090, 80, 443]);
    let ordered = json!({"spec": {
        "$setElementOrder/ports": [{"port": 80}, {"port": 443}, {"port": 9090}],
        "ports": [{"name": "metrics", "port": 9090, "targetPort": 9090}]
    }});
    let s = patched(&service(), s, ordered);
    let ports: Vec<i64> = s["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["port"].as_i64())
        .collect();
    assert_eq!(ports, [80, 443, 9090]);
    assert_eq!(s["spec"]["selector"], json!({"app": "web"}));
}

#[test]
fn switching_the_deployment_strategy_clears_rolling_update_with_retain_keys() {
    let modified = {
        let mut m = web();
        m["spec"]["strategy"] = json!({"type": "Recreate"});
        m
    };
    let patch = create_two_way_merge_patch(&deployment(), &web(), &modified).expect("diff");
    assert_eq!(
        patch,
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}})
    );
    // A defaulted field the patch does not mention is cleared too.
    let mut live = web();
    live["spec"]["strategy"]["extra"] = json!("defaulted");
    let d = patched(
        &deployment(),
        live,
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
    );
    assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
}

#[test]
fn finalizers_merge_as_a_set_and_delete_from_primitive_list() {
    let d = patched(
        &deployment(),
        web(),
        json!({"metadata": {"finalizers": ["b.example.com/y", "a.example.com/x"]}}),
    );
    assert_eq!(
        d["metadata"]["finalizers"],
        json!(["b.example.com/y", "a.example.com/x"])
    );
    let d = patched(
        &deployment(),
        d,
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example.com/x"]}}),
    );
    assert_eq!(d["metadata"]["finalizers"], json!(["b.example.com/y"]));
}

#[test]
fn owner_references_merge_by_uid() {
    let cm = GroupVersionKind::new("", "v1", "ConfigMap");
    let obj = json!({"metadata": {"name": "c", "ownerReferences": [{"uid": "1", "name": "a", "kind": "X", "apiVersion": "v1"}]}});
    let patch = json!({"metadata": {"ownerReferences": [{"uid": "2", "name": "b", "kind": "X", "apiVersion": "v1"}]}});
    let o = patched(&cm, obj, patch);
    assert_eq!(
        o["metadata"]["ownerReferences"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn a_volume_type_switch_clears_the_old_source() {
    let patch = json!({"spec": {"template": {"spec": {"volumes": [
        {"name": "data", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cfg"}}
    ]}}}});
    let d = patched(&deployment(), web(), patch);
    assert_eq!(
        d["spec"]["template"]["spec"]["volumes"],
        json!([{"name": "data", "configMap": {"name": "cfg"}}])
    );
}

#[test]
fn kubectl_apply_three_way_patch_keeps_fields_others_set() {
    // Last applied: the old manifest. Live: a controller added an annotation and scaled up.
    let original = web();
    let mut modified = web();
    modified["spec"]["template"]["spec"]["containers"][0]["image"] = json!("web:2");
    modified["spec"]["template"]["spec"]["containers"][1] = json!(null);
    if let Some(list) = modified["spec"]["template"]["spec"]["containers"].as_array_mut() {
        list.retain(|c| !c.is_null());
    }
    let mut current = web();
    current["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "3"});
    current["spec"]["replicas"] = json!(5);
    let patch = create_three_way_merge_patch(&deployment(), &original, &modified, &current, true)
        .expect("diff");
    assert_eq!(
        patch,
        json!({"spec": {"replicas": 2, "template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"name": "app", "image": "web:2"}, {"name": "sidecar", "$patch": "delete"}]
        }}}})
    );
    let result = patched(&deployment(), current.clone(), patch);
    assert_eq!(
        result["metadata"]["annotations"],
        current["metadata"]["annotations"]
    );
    assert_eq!(
        containers(&result),
        &json!([containers(&modified)[0].clone()])
    );
    // Without overwrite, resetting the replicas someone changed is a conflict.
    let err = create_three_way_merge_patch(&deployment(), &original, &modified, &current, false);
    assert!(
        matches!(err, Err(StrategicPatchError::Conflict(_))),
        "{err:?}"
    );
}

#[test]
fn two_way_patch_round_trips_on_a_deployment() {
    let mut modified = web();
    modified["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "D", "value": "4"}]);
    modified["metadata"]["labels"] = json!({"app": "web", "tier": "front"});
    let patch = create_two_way_merge_patch(&deployment(), &web(), &modified).expect("diff");
    assert_eq!(patched(&deployment(), web(), patch), modified);
}

#[test]
fn custom_resources_are_unsupported() {
    let gvk = GroupVersionKind::new("example.com", "v1", "Widget");
    let mut obj = json!({"spec": {}});
    let err = apply_strategic_merge_patch(&gvk, &mut obj, &json!({"spec": {"a": 1}}));
    assert_eq!(err, Err(StrategicPatchError::Unsupported));
    assert_eq!(StrategicPatchError::Unsupported.status_code(), 415);
    assert_eq!(obj, json!({"spec": {}}));
}

#[test]
fn a_failed_patch_leaves_the_target_unchanged() {
    let mut d = web();
    let bad = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
    let err = apply_strategic_merge_patch(&deployment(), &mut d, &bad).map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("map: map[image:x] does not contain declared merge key: name".into())
    );
    assert_eq!(d, web());
}

fn pod() -> GroupVersionKind {
    GroupVersionKind::new("", "v1", "Pod")
}

#[test]
fn patch_replace_swaps_the_whole_container_list() {
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"$patch": "replace"},
        {"name": "only", "image": "only:1"}
    ]}}}});
    let d = patched(&deployment(), web(), patch);
    assert_eq!(
        containers(&d),
        &json!([{"name": "only", "image": "only:1"}])
    );
}

#[test]
fn patch_delete_on_a_map_empties_it_and_patch_replace_replaces_it() {
    // Upstream's mergeMap answers `$patch: delete` with an empty map for an existing key.
    let d = patched(
        &deployment(),
        web(),
        json!({"spec": {"strategy": {"$patch": "delete"}}}),
    );
    assert_eq!(d["spec"]["strategy"], json!({}));
    let d = patched(
        &deployment(),
        web(),
        json!({"metadata": {"labels": {"$patch": "replace", "team": "a"}}}),
    );
    assert_eq!(d["metadata"]["labels"], json!({"team": "a"}));
    // On a key the object does not have, the directive map is dropped.
    let d = patched(
        &deployment(),
        web(),
        json!({"metadata": {"annotations": {"$patch": "delete"}}}),
    );
    assert!(d["metadata"].get("annotations").is_none());
}

#[test]
fn status_conditions_merge_by_type() {
    let obj = json!({"status": {"conditions": [
        {"type": "Available", "status": "False"},
        {"type": "Progressing", "status": "True"}
    ]}});
    let patch = json!({"status": {"conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}});
    let d = patched(&deployment(), obj, patch);
    assert_eq!(
        d["status"]["conditions"],
        json!([
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True"}
        ])
    );
}

#[test]
fn tolerations_and_command_are_atomic_but_image_pull_secrets_merge() {
    let obj = json!({"spec": {
        "tolerations": [{"key": "a", "operator": "Exists"}],
        "imagePullSecrets": [{"name": "one"}],
        "containers": [{"name": "c", "command": ["sh", "-c", "x"]}]
    }});
    let patch = json!({"spec": {
        "tolerations": [{"key": "b", "operator": "Exists"}],
        "imagePullSecrets": [{"name": "two"}],
        "containers": [{"name": "c", "command": ["run"]}]
    }});
    let p = patched(&pod(), obj, patch);
    assert_eq!(
        p["spec"]["tolerations"],
        json!([{"key": "b", "operator": "Exists"}])
    );
    assert_eq!(
        p["spec"]["imagePullSecrets"],
        json!([{"name": "two"}, {"name": "one"}])
    );
    assert_eq!(p["spec"]["containers"][0]["command"], json!(["run"]));
}

#[test]
fn kubectl_edit_two_way_patch_of_a_removed_env_var() {
    let mut modified = web();
    modified["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]);
    let patch = create_two_way_merge_patch(&deployment(), &web(), &modified).expect("diff");
    assert_eq!(
        patch,
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{
                "name": "app",
                "$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                "env": [{"name": "B", "$patch": "delete"}]
            }]
        }}}})
    );
    assert_eq!(patched(&deployment(), web(), patch), modified);
}

#[test]
fn a_two_way_patch_of_finalizers_uses_the_parallel_deletion_list() {
    let original = json!({"metadata": {"name": "x", "finalizers": ["a", "b", "c"]}});
    let modified = json!({"metadata": {"name": "x", "finalizers": ["c", "d"]}});
    let cm = GroupVersionKind::new("", "v1", "ConfigMap");
    let patch = create_two_way_merge_patch(&cm, &original, &modified).expect("diff");
    assert_eq!(
        patch,
        json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["a", "b"],
            "$setElementOrder/finalizers": ["c", "d"],
            "finalizers": ["d"]
        }})
    );
    let mut live = original;
    apply_strategic_merge_patch(&cm, &mut live, &patch).expect("apply");
    assert_eq!(live, modified);
}

#[test]
fn big_lists_still_merge() {
    let env: Vec<Value> = (0..2000)
        .map(|i| json!({"name": format!("V{i}"), "value": "x"}))
        .collect();
    let obj = json!({"spec": {"containers": [{"name": "c", "env": env}]}});
    let patch_env: Vec<Value> = (1000..3000)
        .map(|i| json!({"name": format!("V{i}"), "value": "y"}))
        .collect();
    let p = patched(
        &pod(),
        obj,
        json!({"spec": {"containers": [{"name": "c", "env": patch_env}]}}),
    );
    assert_eq!(
        p["spec"]["containers"][0]["env"].as_array().map(Vec::len),
        Some(3000)
    );
}

#[test]
fn reordering_a_scalar_merge_list_counts_only_against_its_sorted_form() {
    // Upstream compares the modified list with the original after sorting it in place.
    let cm = GroupVersionKind::new("", "v1", "ConfigMap");
    let diff = |o: Value, m: Value| {
        create_two_way_merge_patch(
            &cm,
            &json!({"metadata": {"finalizers": o}}),
            &json!({"metadata": {"finalizers": m}}),
        )
        .expect("diff")
    };
    assert_eq!(diff(json!(["b", "a"]), json!(["a", "b"])), json!({}));
    assert_eq!(
        diff(json!(["a", "b"]), json!(["b", "a"])),
        json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}})
    );
}
