//! Kubernetes scenarios through the server's entry points ([`apply`], [`update`]).

use serde_json::{Value, json};

use super::fixture::yaml;
use crate::managed::{
    ApplyError, BuiltinTypes, ManagedFields, Operation, WriteScope, apply, to_fields_v1_string,
    update,
};

const T0: &str = "2026-11-26T10:00:00Z";
const T1: &str = "2026-11-26T10:01:00Z";
const T2: &str = "2026-11-26T10:02:00Z";

pub(super) fn scope<'a>(
    types: &'a BuiltinTypes,
    api_version: &'a str,
    kind: &'a str,
    now: &'a str,
) -> WriteScope<'a> {
    WriteScope {
        api_version,
        kind,
        subresource: "",
        has_status_subresource: true,
        now,
        types,
    }
}

fn deployment(replicas: i64, image: &str) -> Value {
    yaml(&format!(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: default
          labels:
            app: web
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: {image}
                ports:
                - containerPort: 80
        "
    ))
}

/// Applies and decodes the managedFields back from the returned object, as the server would
/// read them on the next request.
fn do_apply(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    let types = BuiltinTypes::for_kind("Deployment");
    let managed = live
        .map(|l| ManagedFields::from_object(l).expect("decodes"))
        .unwrap_or_default();
    let (obj, entries) = apply(
        live,
        config,
        manager,
        force,
        &managed,
        &scope(&types, "apps/v1", "Deployment", now),
    )?;
    assert_eq!(
        ManagedFields::from_object(&obj).expect("round trip"),
        entries
    );
    Ok(obj)
}

fn fields_of(obj: &Value, manager: &str, operation: Operation) -> String {
    let mf = ManagedFields::from_object(obj).expect("decodes");
    let entry = mf
        .entry(manager, operation)
        .unwrap_or_else(|| panic!("no entry for {manager}"));
    to_fields_v1_string(&entry.fields)
}

/// The fieldsV1 of `kubectl apply --server-side` of a Deployment, as the real server encodes
/// it: metadata itself and its identity are stripped, LabelSelector is atomic, list items
/// own themselves (`.`), ports are keyed by containerPort and the defaulted protocol.
#[test]
fn deployment_fields_v1_matches_the_real_encoding() {
    let obj = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    assert_eq!(
        fields_of(&obj, "kubectl", Operation::Apply),
        concat!(
            r#"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"#,
            r#""f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"#,
            r#""k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"#,
            r#""k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#
        )
    );
    let entry = &obj["metadata"]["managedFields"][0];
    assert_eq!(entry["manager"], "kubectl");
    assert_eq!(entry["operation"], "Apply");
    assert_eq!(entry["apiVersion"], "apps/v1");
    assert_eq!(entry["time"], T0);
    assert_eq!(entry["fieldsType"], "FieldsV1");
    assert!(entry.get("subresource").is_none());
    // The object is the applied configuration.
    let mut expected = deployment(3, "nginx:1.25");
    expected["metadata"]["managedFields"] = obj["metadata"]["managedFields"].clone();
    assert_eq!(obj, expected);
}

/// Two appliers of one Deployment: the second conflicts on `.spec.replicas`; `force` moves
/// the field to it, and the first then conflicts when it re-applies its replicas.
#[test]
fn two_appliers_conflict_on_replicas_and_force_takes_it() {
    let live = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    let scaler = yaml(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec: {replicas: 5}
    ",
    );
    let err = do_apply(Some(&live), &scaler, "autoscaler", false, T1).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#
    );
    let status = err.to_status();
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(status.causes.len(), 1);
    assert_eq!(status.causes[0].reason, "FieldManagerConflict");
    assert_eq!(status.causes[0].message, r#"conflict with "kubectl""#);
    assert_eq!(status.causes[0].field, ".spec.replicas");

    let forced = do_apply(Some(&live), &scaler, "autoscaler", true, T1).expect("forced");
    assert_eq!(forced["spec"]["replicas"], 5);
    assert_eq!(
        fields_of(&forced, "autoscaler", Operation::Apply),
        r#"{"f:spec":{"f:replicas":{}}}"#
    );
    assert!(!fields_of(&forced, "kubectl", Operation::Apply).contains("f:replicas"));

    let err = do_apply(
        Some(&forced),
        &deployment(3, "nginx:1.25"),
        "kubectl",
        false,
        T2,
    )
    .expect_err("conflict");
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "autoscaler": .spec.replicas"#
    );
    // Without replicas in its config, kubectl shares nothing and conflicts with nobody; the
    // replicas the autoscaler owns stay.
    let mut without = deployment(3, "nginx:1.25");
    without["spec"]
        .as_object_mut()
        .map(|s| s.remove("replicas"));
    let again = do_apply(Some(&forced), &without, "kubectl", false, T2).expect("applies");
    assert_eq!(again["spec"]["replicas"], 5);
}

/// Same value from two appliers is shared, not a conflict.
#[test]
fn same_value_is_shared_ownership() {
    let live = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    let other = yaml(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec: {replicas: 3}
    ",
    );
    let shared = do_apply(Some(&live), &other, "berth", false, T1).expect("no conflict");
    assert!(fields_of(&shared, "kubectl", Operation::Apply).contains("f:replicas"));
    assert_eq!(
        fields_of(&shared, "berth", Operation::Apply),
        r#"{"f:spec":{"f:replicas":{}}}"#
    );
    // The object did not change, so the time stamp of the new entry stays unset.
    let mf = ManagedFields::from_object(&shared).expect("decodes");
    assert_eq!(
        mf.entry("berth", Operation::Apply)
            .and_then(|e| e.time.clone()),
        None
    );
}

/// A field the manager no longer applies is removed when nobody else owns it.
#[test]
fn dropping_a_field_from_the_config_removes_it() {
    let mut config = deployment(3, "nginx:1.25");
    config["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]);
    config["metadata"]["labels"]["tier"] = json!("front");
    let live = do_apply(None, &config, "kubectl", false, T0).expect("created");
    let mut next = deployment(3, "nginx:1.25");
    next["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"name": "B", "value": "2"}]);
    let out = do_apply(Some(&live), &next, "kubectl", false, T1).expect("applied");
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "B", "value": "2"}])
    );
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
}

/// Applying the same configuration again changes nothing, not even the time stamps.
#[test]
fn reapplying_is_a_no_op() {
    let live = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    let again = do_apply(
        Some(&live),
        &deployment(3, "nginx:1.25"),
        "kubectl",
        false,
        T1,
    )
    .expect("applied");
    assert_eq!(again, live);
}

/// `kubectl edit` (an Update) takes the image; a later apply of another image conflicts
/// with it, naming the updater with its API version.
#[test]
fn edit_then_apply_conflicts_with_the_updater() {
    let types = BuiltinTypes::for_kind("Deployment");
    let live = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    let mut edited = live.clone();
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.26");
    let managed = ManagedFields::from_object(&live).expect("decodes");
    let (edited, _) = update(
        Some(&live),
        &edited,
        "kubectl-edit",
        &managed,
        &scope(&types, "apps/v1", "Deployment", T1),
    );
    assert_eq!(
        fields_of(&edited, "kubectl-edit", Operation::Update),
        r#"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:image":{}}}}}}}"#
    );
    assert!(!fields_of(&edited, "kubectl", Operation::Apply).contains("f:image"));
    let err = do_apply(
        Some(&edited),
        &deployment(3, "nginx:1.27"),
        "kubectl",
        false,
        T2,
    )
    .expect_err("conflict");
    assert_eq!(
        err.to_string(),
        r#"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="web"].image"#
    );
    let status = err.to_status();
    assert_eq!(
        status.causes[0].message,
        r#"conflict with "kubectl-edit" using apps/v1"#
    );
    assert_eq!(
        status.causes[0].field,
        r#".spec.template.spec.containers[name="web"].image"#
    );
}

/// Several conflicts are grouped by manager in the message, one cause per field.
#[test]
fn several_conflicts_are_grouped() {
    let live = do_apply(None, &deployment(3, "nginx:1.25"), "kubectl", false, T0).expect("created");
    let err = do_apply(Some(&live), &deployment(4, "nginx:1.26"), "helm", false, T1)
        .expect_err("conflicts");
    assert_eq!(
        err.to_string(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image"
    );
    assert_eq!(err.to_status().causes.len(), 2);
}

/// Status belongs to the status subresource: an apply to the main resource never owns it.
#[test]
fn status_is_not_owned_through_the_main_resource() {
    let mut config = deployment(1, "nginx");
    config["status"] = json!({"replicas": 1});
    let obj = do_apply(None, &config, "kubectl", false, T0).expect("created");
    assert!(!fields_of(&obj, "kubectl", Operation::Apply).contains("f:status"));
    // Through /status only status is owned, and the entry names the subresource.
    let types = BuiltinTypes::for_kind("Deployment");
    let mut with_status = obj.clone();
    with_status["status"] =
        json!({"replicas": 1, "conditions": [{"type": "Available", "status": "True"}]});
    with_status["spec"]["paused"] = json!(true);
    let managed = ManagedFields::from_object(&obj).expect("decodes");
    let scope = WriteScope {
        subresource: "status",
        ..scope(&types, "apps/v1", "Deployment", T1)
    };
    let (out, entries) = update(
        Some(&obj),
        &with_status,
        "deployment-controller",
        &managed,
        &scope,
    );
    let entry = entries
        .entry("deployment-controller", Operation::Update)
        .expect("entry");
    assert_eq!(entry.subresource, "status");
    assert_eq!(
        to_fields_v1_string(&entry.fields),
        r#"{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:status":{},"f:type":{}}}}}"#
    );
    assert_eq!(out["metadata"]["managedFields"][1]["subresource"], "status");
}

/// A create through POST is an Update from the empty object: every added map and list item
/// is owned with its `.`, as SMD's compare reports added fields (the form of SMD's
/// internal/testdata/podset.json); identity fields are stripped.
#[test]
fn create_by_post_owns_added_fields_with_their_nodes() {
    let types = BuiltinTypes::for_kind("Pod");
    let pod = yaml(
        "
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          namespace: default
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: nginx
            ports:
            - containerPort: 8080
            - containerPort: 443
          tolerations:
          - key: k
            operator: Exists
    ",
    );
    let (obj, mf) = update(
        None,
        &pod,
        "kubectl-create",
        &ManagedFields::default(),
        &scope(&types, "v1", "Pod", T0),
    );
    assert_eq!(mf.entries.len(), 1);
    assert_eq!(
        fields_of(&obj, "kubectl-create", Operation::Update),
        concat!(
            r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"#,
            r#"".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"#,
            r#""k:{\"containerPort\":443,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}},"#,
            r#""k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}},"#,
            r#""f:tolerations":{}}}"#
        )
    );
}

/// `kubectl create` of a defaulted Deployment: structs the Go zero value already has
/// (`spec`, `strategy`, the template's `spec`, `containers`) carry no `.`; new maps and list
/// items do, as in the managedFields a real server records.
#[test]
fn create_deployment_by_post_matches_the_real_form() {
    let types = BuiltinTypes::for_kind("Deployment");
    let mut obj = deployment(1, "nginx");
    obj["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
    obj["metadata"].as_object_mut().map(|m| m.remove("labels"));
    obj["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .map(|c| c.remove("ports"));
    let (out, _) = update(
        None,
        &obj,
        "kubectl-create",
        &ManagedFields::default(),
        &scope(&types, "apps/v1", "Deployment", T0),
    );
    assert_eq!(
        fields_of(&out, "kubectl-create", Operation::Update),
        concat!(
            r#"{"f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"#,
            r#""f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"#,
            r#""f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"#,
            r#"".":{},"f:image":{},"f:name":{}}}}}}}"#
        )
    );
}
