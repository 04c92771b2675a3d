//! apimachinery pkg/util/managedfields/internal tests, transliterated: entry encoding and
//! sorting, manager identifiers, the Update cap, before-first-apply, the request rules and
//! the last-applied annotation.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::fixture::{ns, yaml};
use super::kubernetes::scope;
use crate::managed::entries::{cap_update_managers, identifier};
use crate::managed::updater::{Managers, VersionedSet};
use crate::managed::{
    ApplyError, BuiltinTypes, LAST_APPLIED_ANNOTATION, ManagedFields, Operation, WriteScope, apply,
    update,
};

/// managedfields_test.go TestBuildManagerIdentifier.
#[test]
fn build_manager_identifier() {
    let cases = [
        (
            "apiVersion: v1\nfieldsType: FieldsV1\nfieldsV1: {f:apiVersion: {}}\nmanager: foo\noperation: Update\ntime: \"2001-02-03T04:05:06Z\"",
            r#"{"manager":"foo","operation":"Update","apiVersion":"v1"}"#,
        ),
        (
            "apiVersion: v1\nfieldsType: FieldsV1\nfieldsV1: {f:apiVersion: {}}\nmanager: foo\noperation: Apply\ntime: \"2001-02-03T04:05:06Z\"",
            r#"{"manager":"foo","operation":"Apply"}"#,
        ),
        (
            "apiVersion: v1\nfieldsType: FieldsV1\nfieldsV1: {f:apiVersion: {}}\nmanager: foo\noperation: Apply\nsubresource: scale\ntime: \"2001-02-03T04:05:06Z\"",
            r#"{"manager":"foo","operation":"Apply","subresource":"scale"}"#,
        ),
    ];
    for (entry, expected) in cases {
        let mf = ManagedFields::decode(&Value::Array(vec![yaml(entry)])).expect("decodes");
        assert_eq!(mf.entries[0].identifier(), expected);
    }
}

/// managedfields_test.go TestHasFieldsType, TestHasAPIVersion, TestHasOperation.
#[test]
fn decode_checks_fields_type_api_version_and_operation() {
    let entry = |extra: &str| yaml(&format!("manager: foo\nfieldsV1: {{}}\n{extra}"));
    let ok = entry("operation: Apply\napiVersion: v1\nfieldsType: FieldsV1");
    assert!(ManagedFields::decode(&json!([ok])).is_ok());
    let cases = [
        (
            "operation: Apply\napiVersion: v1",
            "missing fieldsType in managed fields entry 0",
        ),
        (
            "operation: Apply\napiVersion: v1\nfieldsType: FieldsV2",
            "invalid fieldsType \"FieldsV2\" in managed fields entry 0",
        ),
        (
            "operation: Apply\nfieldsType: FieldsV1",
            "apiVersion must not be empty",
        ),
        (
            "operation: Delete\napiVersion: v1\nfieldsType: FieldsV1",
            "operation must be `Apply` or `Update`",
        ),
        (
            "apiVersion: v1\nfieldsType: FieldsV1",
            "operation must be `Apply` or `Update`",
        ),
    ];
    for (extra, message) in cases {
        assert_eq!(
            ManagedFields::decode(&json!([entry(extra)])),
            Err(message.to_string()),
            "{extra}"
        );
    }
}

/// managedfields_test.go TestRoundTripManagedFields: entries survive decode and encode.
#[test]
fn round_trip_managed_fields() {
    let list = json!([
        {"manager": "foo", "operation": "Update", "apiVersion": "v1", "time": "2001-02-03T04:05:06Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
          "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}, "f:name": {}}}}}},
        {"manager": "bar", "operation": "Update", "apiVersion": "v1", "time": "2001-02-03T04:05:07Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:phase": {}}}, "subresource": "status"},
    ]);
    let mf = ManagedFields::decode(&list).expect("decodes");
    assert_eq!(mf.to_value(), Some(list));
}

/// managedfields_test.go TestSortEncodedManagedFields: Apply before Update, then by time
/// (a missing time first), manager, apiVersion and subresource.
#[test]
fn sort_encoded_managed_fields() {
    let vs = |applied: bool, version: &str| VersionedSet {
        set: ns(&[&["a"]]),
        api_version: version.into(),
        applied,
    };
    let mut managers = Managers::new();
    let mut times = BTreeMap::new();
    for (name, op, version, time, sub) in [
        (
            "c",
            Operation::Update,
            "v1",
            Some("2001-02-03T04:05:06Z"),
            "",
        ),
        (
            "a",
            Operation::Update,
            "v1",
            Some("2001-02-03T04:05:07Z"),
            "",
        ),
        ("b", Operation::Update, "v1", None, ""),
        (
            "z",
            Operation::Apply,
            "v1",
            Some("2001-02-03T04:05:09Z"),
            "",
        ),
        (
            "c",
            Operation::Update,
            "v2",
            Some("2001-02-03T04:05:06Z"),
            "",
        ),
        (
            "c",
            Operation::Update,
            "v2",
            Some("2001-02-03T04:05:06Z"),
            "status",
        ),
    ] {
        let id = identifier(name, op, version, sub);
        managers.insert(id.clone(), vs(op == Operation::Apply, version));
        times.insert(id, time.map(str::to_string));
    }
    let order: Vec<(String, String, String)> = ManagedFields::from_managers(&managers, &times)
        .entries
        .into_iter()
        .map(|e| (e.manager, e.api_version, e.subresource))
        .collect();
    let want = [
        ("z", "v1", ""),
        ("b", "v1", ""),
        ("c", "v1", ""),
        ("c", "v2", ""),
        ("c", "v2", "status"),
        ("a", "v1", ""),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(order, want);
}

/// capmanagers_test.go TestCapUpdateManagers "one version, one ancient changes": the two
/// oldest Update entries of a version merge into `ancient-changes`; Apply entries stay.
#[test]
fn cap_update_managers_one_version_one_ancient_changes() {
    let mut managers = Managers::new();
    let mut times = BTreeMap::new();
    for i in 0..11 {
        let id = identifier(&format!("update{i:02}"), Operation::Update, "v1", "");
        managers.insert(
            id.clone(),
            VersionedSet {
                set: ns(&[&[&format!("f{i}")]]),
                api_version: "v1".into(),
                applied: false,
            },
        );
        times.insert(id, Some(format!("2001-02-03T04:05:{i:02}Z")));
    }
    let apply_id = identifier("applier", Operation::Apply, "v1", "");
    managers.insert(
        apply_id.clone(),
        VersionedSet {
            set: ns(&[&["x"]]),
            api_version: "v1".into(),
            applied: true,
        },
    );
    cap_update_managers(&mut managers, &mut times, 10);
    let ancient = identifier("ancient-changes", Operation::Update, "v1", "");
    assert_eq!(managers.len(), 11);
    assert_eq!(managers[&ancient].set, ns(&[&["f0"], &["f1"]]));
    assert_eq!(times[&ancient].as_deref(), Some("2001-02-03T04:05:01Z"));
    assert!(managers.contains_key(&apply_id));
    assert!(!managers.contains_key(&identifier("update00", Operation::Update, "v1", "")));
}

/// capmanagers_test.go TestCapManagersManagerMergesEntries, through `update`: the eleventh
/// updater pushes the oldest two into `ancient-changes`.
#[test]
fn cap_managers_manager_merges_entries() {
    let types = BuiltinTypes::for_kind("ConfigMap");
    let mut obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let mut old: Option<Value> = None;
    for i in 0..11 {
        let now = format!("2001-02-03T04:05:{i:02}Z");
        let mut next = obj.clone();
        next["data"][format!("k{i}")] = json!("v");
        let managed = old
            .as_ref()
            .map(|o| ManagedFields::from_object(o).expect("decodes"))
            .unwrap_or_default();
        let (out, _) = update(
            old.as_ref(),
            &next,
            &format!("updater{i:02}"),
            &managed,
            &scope(&types, "v1", "ConfigMap", &now),
        );
        obj = out.clone();
        old = Some(out);
    }
    let mf = ManagedFields::from_object(&obj).expect("decodes");
    assert_eq!(mf.entries.len(), 10);
    let ancient = mf
        .entry("ancient-changes", Operation::Update)
        .expect("ancient-changes");
    assert_eq!(
        ancient.fields,
        ns(&[&["data", "k0"], &["data", "k1"], &["data"]])
    );
}

/// skipnonapplied_test.go TestUpdateBeforeFirstApply: fields of an object that was never
/// tracked belong to `before-first-apply`; an apply conflicts with it until forced.
#[test]
fn update_before_first_apply() {
    let types = BuiltinTypes::for_kind("Pod");
    let s = scope(&types, "v1", "Pod", "2001-02-03T04:05:06Z");
    let live = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "pod", "uid": "u1", "labels": {"app": "my-nginx"}}});
    let mut changed = live.clone();
    changed["metadata"]["labels"]["tier"] = json!("x");
    let (updated, mf) = update(
        Some(&live),
        &changed,
        "fieldmanager_test_update",
        &ManagedFields::default(),
        &s,
    );
    assert!(mf.is_empty(), "managedFields were tracked on update only");
    assert!(updated["metadata"].get("managedFields").is_none());

    let applied = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod", "labels": {"app": "nginx"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}});
    let err = apply(
        Some(&updated),
        &applied,
        "fieldmanager_test_apply",
        false,
        &mf,
        &s,
    )
    .expect_err("conflict");
    let status = err.to_status();
    assert_eq!(status.code, 409);
    assert_eq!(status.causes.len(), 1);
    assert_eq!(status.causes[0].field, ".metadata.labels.app");
    assert!(status.causes[0].message.contains("before-first-apply"));
    let (_, mf) = apply(
        Some(&updated),
        &applied,
        "fieldmanager_test_apply",
        true,
        &mf,
        &s,
    )
    .expect("forced");
    let names: Vec<&str> = mf.entries.iter().map(|e| e.manager.as_str()).collect();
    assert_eq!(names, ["fieldmanager_test_apply", "before-first-apply"]);
}

/// The request rules: managedFields must be nil, and the applied type must be the endpoint's.
#[test]
fn apply_request_rules() {
    let types = BuiltinTypes::for_kind("ConfigMap");
    let s = scope(&types, "v1", "ConfigMap", "2001-02-03T04:05:06Z");
    let with_mf = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "managedFields": []}});
    let err =
        apply(None, &with_mf, "m", false, &ManagedFields::default(), &s).expect_err("refused");
    assert_eq!(
        err,
        ApplyError::BadRequest("metadata.managedFields must be nil".into())
    );
    assert_eq!(err.to_status().code, 400);
    let wrong = json!({"apiVersion": "v2", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let err = apply(None, &wrong, "m", false, &ManagedFields::default(), &s).expect_err("refused");
    assert_eq!(err.to_string(), "invalid object type: /v2, Kind=ConfigMap");
    let dup = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a"}, {"name": "a"}]}});
    let pod_types = BuiltinTypes::for_kind("Pod");
    let err = apply(
        None,
        &dup,
        "m",
        false,
        &ManagedFields::default(),
        &scope(&pod_types, "v1", "Pod", "2001-02-03T04:05:06Z"),
    )
    .expect_err("duplicate keys");
    assert_eq!(
        err.to_string(),
        "failed to create typed patch object (/v1, Kind=Pod) /p: .spec.containers: duplicate entries for key [name=\"a\"]"
    );
    assert_eq!(err.to_status().code, 500);
}

/// fieldmanager.go decodeLiveOrNew: `managedFields: []` in an update resets tracking.
#[test]
fn reset_managed_fields_with_an_empty_list() {
    let types = BuiltinTypes::for_kind("ConfigMap");
    let s = scope(&types, "v1", "ConfigMap", "2001-02-03T04:05:06Z");
    let created = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let (live, mf) = apply(
        None,
        &created,
        "kubectl",
        false,
        &ManagedFields::default(),
        &s,
    )
    .expect("created");
    assert_eq!(mf.entries.len(), 1);
    let mut live = live;
    live["metadata"]["uid"] = json!("u1");
    let mut reset = live.clone();
    reset["metadata"]["managedFields"] = json!([]);
    let (out, mf) = update(Some(&live), &reset, "kubectl-edit", &mf, &s);
    assert!(mf.is_empty());
    assert!(out["metadata"].get("managedFields").is_none());
}

/// lastappliedmanager_test.go TestApplyUsingLastAppliedAnnotation, in short: fields the
/// client-side apply set are taken over by `kubectl apply --server-side` without conflict,
/// and lastappliedupdater_test.go TestLastAppliedUpdater: the annotation follows the config.
#[test]
fn apply_using_last_applied_annotation() {
    let types = BuiltinTypes::for_kind("Deployment");
    let csa_config = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "img:1"}]}}}});
    let mut created = csa_config.clone();
    created["metadata"]["annotations"] =
        json!({LAST_APPLIED_ANNOTATION: format!("{csa_config}\n")});
    let s0 = scope(&types, "apps/v1", "Deployment", "2001-02-03T04:05:06Z");
    let (live, mf) = update(
        None,
        &created,
        "kubectl-client-side-apply",
        &ManagedFields::default(),
        &s0,
    );
    assert_eq!(mf.entries[0].manager, "kubectl-client-side-apply");

    let ssa = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "c", "image": "img:2"}]}}}});
    let s1 = scope(&types, "apps/v1", "Deployment", "2001-02-03T04:05:07Z");
    // Another manager conflicts on both fields.
    let err = apply(Some(&live), &ssa, "other", false, &mf, &s1).expect_err("conflicts");
    assert!(matches!(&err, ApplyError::Conflicts(c) if c.len() == 2));
    // kubectl may take what its client-side apply set.
    let (out, _) =
        apply(Some(&live), &ssa, "kubectl", false, &mf, &s1).expect("no conflict for kubectl");
    assert_eq!(out["spec"]["replicas"], 3);
    assert_eq!(
        out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"image\":\"img:2\",\"name\":\"c\"}]}}}}\n"
    );
}

/// fieldmanager_test.go TestApplyStripsFields: identity fields alone leave no entry (the
/// request's undecodable managedFields are ignored).
#[test]
fn apply_strips_fields() {
    let types = BuiltinTypes::for_kind("Deployment");
    let s = scope(&types, "apps/v1", "Deployment", "2001-02-03T04:05:06Z");
    let new = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
        "name": "b", "namespace": "b", "uid": "b", "generation": 0, "resourceVersion": "b",
        "creationTimestamp": "2001-02-03T04:05:06Z",
        "managedFields": [{"manager": "update", "operation": "Apply", "apiVersion": "apps/v1"}]}});
    let (out, mf) = update(
        None,
        &new,
        "fieldmanager_test",
        &ManagedFields::default(),
        &s,
    );
    assert!(mf.is_empty(), "fields did not get stripped: {mf:?}");
    assert!(out["metadata"].get("managedFields").is_none());
}

/// fieldmanager_test.go TestVersionCheck.
#[test]
fn version_check() {
    let types = BuiltinTypes::for_kind("Deployment");
    let s = scope(&types, "apps/v1", "Deployment", "2001-02-03T04:05:06Z");
    let ok = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
    assert!(
        apply(
            None,
            &ok,
            "fieldmanager_test",
            false,
            &ManagedFields::default(),
            &s
        )
        .is_ok()
    );
    let old = json!({"apiVersion": "apps/v1beta1", "kind": "Deployment"});
    let err = apply(
        None,
        &old,
        "fieldmanager_test",
        false,
        &ManagedFields::default(),
        &s,
    )
    .expect_err("mismatch");
    assert_eq!(err.to_status().code, 400);
    assert_eq!(
        err.to_string(),
        "invalid object type: apps/v1beta1, Kind=Deployment"
    );
}

/// fieldmanager_test.go TestNoOpChanges: a new applier of the same values changes only the
/// managedFields; a no-op update and a no-op forced apply change nothing at all.
#[test]
fn no_op_changes() {
    let types = BuiltinTypes::for_kind("Pod");
    let at = |t: &'static str| scope(&types, "v1", "Pod", t);
    let obj = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"a": "b"}, "creationTimestamp": null}});
    let (live, mf) = apply(
        None,
        &obj,
        "fieldmanager_test_apply",
        false,
        &ManagedFields::default(),
        &at("2001-02-03T04:05:06Z"),
    )
    .expect("applied");
    let (live2, mf2) = apply(
        Some(&live),
        &obj,
        "fieldmanager_test_apply_other",
        false,
        &mf,
        &at("2001-02-03T04:05:07Z"),
    )
    .expect("applied");
    assert_ne!(live, live2, "a new applier adds its entry");
    let (live3, mf3) = update(
        Some(&live2),
        &obj,
        "fieldmanager_test_update",
        &mf2,
        &at("2001-02-03T04:05:08Z"),
    );
    assert_eq!(live3, live2, "no-op update changed the object");
    let (live4, _) = apply(
        Some(&live3),
        &obj,
        "fieldmanager_test_apply",
        true,
        &mf3,
        &at("2001-02-03T04:05:09Z"),
    )
    .expect("applied");
    assert_eq!(live4, live3, "no-op apply changed the object");
}

/// fieldmanager_test.go TestUpdateViaSubresources: managedFields in a subresource write are
/// neither taken nor able to reset tracking.
#[test]
fn update_via_subresources() {
    let types = BuiltinTypes::for_kind("Pod");
    let s = WriteScope {
        subresource: "scale",
        ..scope(&types, "v1", "Pod", "2001-02-03T04:05:06Z")
    };
    let mut obj = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"a": "b"}}});
    obj["metadata"]["managedFields"] = json!([{"manager": "test", "operation": "Apply", "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:another_field": {}}}}}]);
    let (live, mf) = update(
        None,
        &obj,
        "fieldmanager_test_subresource",
        &ManagedFields::default(),
        &s,
    );
    assert_eq!(mf.entries.len(), 1);
    assert_eq!(mf.entries[0].manager, "fieldmanager_test_subresource");
    let mut reset = obj.clone();
    reset["metadata"]["managedFields"] = json!([]);
    let (_, mf) = update(
        Some(&live),
        &reset,
        "fieldmanager_test_subresource",
        &mf,
        &s,
    );
    assert_eq!(mf.entries.len(), 1);
}

/// fieldmanager_test.go TestApplyDoesNotChangeManagedFields: re-applying an unchanged
/// configuration leaves every entry, time stamps included, as it was.
#[test]
fn apply_does_not_change_managed_fields() {
    let types = BuiltinTypes::for_kind("Deployment");
    let at = |t: &'static str| scope(&types, "apps/v1", "Deployment", t);
    let full = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "deployment", "labels": {"app": "nginx"}},
        "spec": {"selector": {"matchLabels": {"app": "nginx"}},
                 "template": {"metadata": {"labels": {"app": "nginx"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}}}});
    let replicas = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "deployment"},
        "spec": {"replicas": 101}});
    let (live, mf) = apply(
        None,
        &full,
        "fieldmanager_z",
        false,
        &ManagedFields::default(),
        &at("2001-02-03T04:05:06Z"),
    )
    .expect("applied");
    let (live, mf) = apply(
        Some(&live),
        &replicas,
        "fieldmanager_b",
        false,
        &mf,
        &at("2001-02-03T04:05:07Z"),
    )
    .expect("applied");
    let (again, mf_again) = apply(
        Some(&live),
        &full,
        "fieldmanager_z",
        false,
        &mf,
        &at("2001-02-03T04:05:09Z"),
    )
    .expect("applied");
    assert_eq!(mf_again, mf);
    assert_eq!(again, live);
}

/// lastappliedupdater_test.go TestLastAppliedUpdater: only kubectl's apply rewrites the
/// annotation, and only where the object already has one.
#[test]
fn last_applied_updater_only_for_kubectl() {
    let types = BuiltinTypes::for_kind("ConfigMap");
    let s = scope(&types, "v1", "ConfigMap", "2001-02-03T04:05:06Z");
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {LAST_APPLIED_ANNOTATION: "{\"old\":true}\n"}}, "data": {"a": "1"}});
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "<&>"}});
    let (out, _) = apply(
        Some(&live),
        &config,
        "helm",
        false,
        &ManagedFields::default(),
        &s,
    )
    .expect("applied");
    assert_eq!(
        out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
        "{\"old\":true}\n"
    );
    let (out, _) = apply(
        Some(&live),
        &config,
        "kubectl",
        false,
        &ManagedFields::default(),
        &s,
    )
    .expect("applied");
    assert_eq!(
        out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION],
        "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\",\"b\":\"\\u003c\\u0026\\u003e\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}\n"
    );
    let plain = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let (out, _) = apply(
        Some(&plain),
        &config,
        "kubectl",
        false,
        &ManagedFields::default(),
        &s,
    )
    .expect("applied");
    assert!(out["metadata"].get("annotations").is_none());
}
