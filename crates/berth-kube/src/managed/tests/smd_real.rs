//! structured-merge-diff merge/real_test.go: its operations (Create, Apply, ApplyTwice,
//! Update, UpdateVersion) on a Pod as a kubelet-era server stores it, under the built-in
//! table. SMD runs them as benchmarks; here each checks its outcome.

use serde_json::Value;

use super::fixture::{State, yaml};
use crate::managed::BuiltinTypes;
use crate::managed::typed::{compare, to_field_set};

const POD: &str = "
    apiVersion: v1
    kind: Pod
    metadata:
      labels: {app: some-app, plugin1: some-value}
      name: some-name
      namespace: default
      ownerReferences:
      - {apiVersion: apps/v1, blockOwnerDeletion: true, controller: true, kind: ReplicaSet, name: some-name,
         uid: 0a9d2b9e-779e-11e7-b422-42010a8001be}
    spec:
      containers:
      - args: [one, two]
        env:
        - name: VAR_2
          valueFrom: {secretKeyRef: {key: other-key, name: other-name}}
        - name: VAR_1
          valueFrom: {secretKeyRef: {key: some-key, name: some-name}}
        image: some-image-name
        name: some-name
        ports:
        - {containerPort: 8080, protocol: TCP}
        - {containerPort: 53, protocol: UDP}
        resources: {requests: {cpu: '0'}}
        volumeMounts:
        - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: default-token, readOnly: true}
      tolerations:
      - {effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}
      volumes:
      - name: default-token
        secret: {defaultMode: 420, secretName: default-token}
    status:
      conditions:
      - {lastProbeTime: null, lastTransitionTime: '2019-07-08T09:31:18Z', status: 'True', type: Initialized}
      - {lastProbeTime: null, lastTransitionTime: '2019-07-08T09:41:59Z', status: 'True', type: Ready}
      phase: Running
";

fn pod() -> Value {
    yaml(POD)
}

#[test]
fn create() {
    let types = BuiltinTypes::for_kind("Pod");
    let mut s = State::new(&types);
    s.update("controller", "v1", POD);
    let added = compare(Some(&serde_json::json!({})), Some(&pod()), &types).added;
    assert_eq!(s.managers["controller"].set, added);
    // Every leaf of the object is owned.
    let leaves = to_field_set(&pod(), &types, false).expect("valid").leaves();
    assert!(added.leaves().difference(&leaves).is_empty() && leaves.difference(&added).is_empty());
}

#[test]
fn apply() {
    let types = BuiltinTypes::for_kind("Pod");
    let mut s = State::new(&types);
    s.apply("controller", "v1", POD);
    assert_eq!(s.live, pod());
    assert_eq!(
        s.managers["controller"].set,
        to_field_set(&pod(), &types, false).expect("valid")
    );
}

#[test]
fn apply_twice() {
    let types = BuiltinTypes::for_kind("Pod");
    let mut s = State::new(&types);
    s.apply("controller", "v1", POD);
    s.apply("other-controller", "v1", POD);
    assert_eq!(s.live, pod());
    assert_eq!(
        s.managers["controller"].set,
        s.managers["other-controller"].set
    );
}

#[test]
fn update() {
    let types = BuiltinTypes::for_kind("Pod");
    let mut s = State::new(&types);
    s.update("controller", "v1", POD);
    s.update("other-controller", "v1", POD);
    // Nothing changed, so the second writer owns nothing.
    assert_eq!(s.managers.len(), 1);
}

#[test]
fn update_version() {
    let types = BuiltinTypes::for_kind("Pod");
    let mut s = State::new(&types);
    s.update("controller", "v1", POD);
    s.update("other-controller", "v2", POD);
    assert_eq!(s.managers.len(), 1);
    assert_eq!(s.managers["controller"].api_version, "v1");
}
