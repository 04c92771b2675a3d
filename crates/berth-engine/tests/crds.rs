//! The Application and AppProject CRDs installed into a sandbox with the real kubectl: they
//! become Established, accept the example repository's Applications and Argo CD-style
//! objects with strict validation, print Argo CD's columns, keep a status written with an
//! ordinary update, and refuse objects that break the schema.
#![allow(clippy::unwrap_used)]

use berth_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn crd_path(name: &str) -> PathBuf {
    crate_dir().join("crds").join(name)
}

fn example_repo() -> PathBuf {
    crate_dir().join("../../examples/gitops-config")
}

/// kubectl must be installed; a missing kubectl fails the test, it never skips it.
fn kubectl_path() -> String {
    let path = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    match Command::new(&path).args(["version", "--client"]).output() {
        Ok(out) if out.status.success() => path,
        _ => panic!(
            "kubectl is required by these tests and was not found (set KUBECTL or install kubectl 1.32)"
        ),
    }
}

/// A sandbox (API only: nothing here needs pods to run) and kubectl pointed at it, with its
/// own home so no discovery cache is shared between tests.
struct Cluster {
    sandbox: Sandbox,
    home: tempfile::TempDir,
    kubectl: String,
    _data: tempfile::TempDir,
}

impl Cluster {
    async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig {
            data_dir: Some(data.path().to_path_buf()),
            simulation: None,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        Self {
            sandbox,
            home: tempfile::tempdir().unwrap(),
            kubectl: kubectl_path(),
            _data: data,
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--request-timeout=30s")
            .args(args)
            .env("KUBECONFIG", self.sandbox.kubeconfig_path())
            .env("HOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        tokio::task::block_in_place(|| {
            let mut child = cmd.spawn().expect("kubectl starts");
            let mut pipe = child.stdin.take().unwrap();
            if let Some(input) = stdin {
                use std::io::Write;
                pipe.write_all(input.as_bytes()).unwrap();
            }
            drop(pipe);
            child.wait_with_output().expect("kubectl runs")
        })
    }

    /// Runs kubectl; panics with its output when it fails.
    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {} failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl expecting a refusal; returns stderr.
    fn refused(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            !out.status.success(),
            "kubectl {} should have failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn get_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        let text = self.ok(&all, None);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("kubectl printed bad JSON ({e}): {text}"))
    }

    /// Installs both CRDs from their files and waits until they are served.
    fn install_crds(&self) {
        let app = crd_path("application.yaml");
        let project = crd_path("appproject.yaml");
        let out = self.ok(
            &[
                "apply",
                "-f",
                app.to_str().unwrap(),
                "-f",
                project.to_str().unwrap(),
            ],
            None,
        );
        assert!(
            out.contains(
                "customresourcedefinition.apiextensions.k8s.io/applications.argoproj.io created"
            ) && out.contains(
                "customresourcedefinition.apiextensions.k8s.io/appprojects.argoproj.io created"
            ),
            "{out}"
        );
        self.ok(
            &[
                "wait",
                "--for=condition=Established",
                "crd/applications.argoproj.io",
                "crd/appprojects.argoproj.io",
                "--timeout=20s",
            ],
            None,
        );
        self.ok(&["create", "namespace", "berth"], None);
    }
}

fn path_arg(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn the_constants_are_the_files() {
    assert_eq!(
        berth_engine::crds::APPLICATION,
        std::fs::read_to_string(crd_path("application.yaml")).unwrap()
    );
    assert_eq!(
        berth_engine::crds::APP_PROJECT,
        std::fs::read_to_string(crd_path("appproject.yaml")).unwrap()
    );
}

/// Every node of a structural schema has a type (or is an open object / int-or-string), and
/// `required` names only declared properties: the API server's own rules, checked without it.
fn check_structural(node: &Value, at: &str, problems: &mut Vec<String>) {
    let open = node["x-kubernetes-preserve-unknown-fields"] == json!(true);
    let int_or_string = node["x-kubernetes-int-or-string"] == json!(true);
    if node.get("type").is_none() && !int_or_string {
        problems.push(format!("{at}: no type"));
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        if node["type"] != "object" {
            problems.push(format!("{at}: properties on a non-object"));
        }
        for (name, child) in props {
            check_structural(child, &format!("{at}.{name}"), problems);
        }
        for req in node["required"].as_array().into_iter().flatten() {
            let req = req.as_str().unwrap_or_default();
            if !props.contains_key(req) {
                problems.push(format!("{at}: required {req:?} is not a property"));
            }
        }
    } else if node["type"] == "object"
        && !open
        && node.get("additionalProperties").is_none()
        && at != "root.metadata"
    {
        problems.push(format!(
            "{at}: an object with no properties that is not open"
        ));
    }
    if let Some(items) = node.get("items") {
        check_structural(items, &format!("{at}[]"), problems);
    }
    if let Some(extra) = node.get("additionalProperties").filter(|v| v.is_object()) {
        check_structural(extra, &format!("{at}{{*}}"), problems);
    }
}

fn version(crd: &Value) -> &Value {
    &crd["spec"]["versions"][0]
}

#[test]
fn crds_are_argo_cds_names_and_structural_schemas() {
    let app: Value = serde_yaml::from_str(berth_engine::crds::APPLICATION).unwrap();
    let project: Value = serde_yaml::from_str(berth_engine::crds::APP_PROJECT).unwrap();
    for (crd, name, kind, plural, short) in [
        (
            &app,
            "applications.argoproj.io",
            "Application",
            "applications",
            json!(["app", "apps"]),
        ),
        (
            &project,
            "appprojects.argoproj.io",
            "AppProject",
            "appprojects",
            json!(["appproj", "appprojs"]),
        ),
    ] {
        assert_eq!(crd["apiVersion"], "apiextensions.k8s.io/v1");
        assert_eq!(crd["kind"], "CustomResourceDefinition");
        assert_eq!(crd["metadata"]["name"], name);
        assert_eq!(crd["spec"]["group"], "argoproj.io");
        assert_eq!(crd["spec"]["scope"], "Namespaced");
        assert_eq!(crd["spec"]["names"]["kind"], kind);
        assert_eq!(crd["spec"]["names"]["plural"], plural);
        assert_eq!(crd["spec"]["names"]["shortNames"], short);
        let versions = crd["spec"]["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 1);
        let v = &versions[0];
        assert_eq!(
            (
                v["name"].as_str(),
                v["served"].as_bool(),
                v["storage"].as_bool()
            ),
            (Some("v1alpha1"), Some(true), Some(true))
        );
        assert!(
            v.get("subresources").is_none(),
            "{name}: no status subresource, as Argo CD"
        );
        let schema = &v["schema"]["openAPIV3Schema"];
        assert_eq!(schema["required"], json!(["metadata", "spec"]));
        let mut problems = Vec::new();
        check_structural(schema, "root", &mut problems);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }

    let columns = &version(&app)["additionalPrinterColumns"];
    assert_eq!(
        columns[0],
        json!({"name": "Sync Status", "type": "string", "jsonPath": ".status.sync.status"})
    );
    assert_eq!(
        columns[1],
        json!({"name": "Health Status", "type": "string", "jsonPath": ".status.health.status"})
    );

    let props = &version(&app)["schema"]["openAPIV3Schema"]["properties"];
    let spec = &props["spec"];
    assert_eq!(spec["required"], json!(["destination", "project"]));
    let source = &spec["properties"]["source"];
    assert_eq!(source["required"], json!(["repoURL"]));
    assert_eq!(
        spec["properties"]["sources"]["items"], *source,
        "one source schema everywhere"
    );
    for open in ["kustomize", "plugin"] {
        assert_eq!(
            source["properties"][open]["x-kubernetes-preserve-unknown-fields"], true,
            "{open}"
        );
    }
    assert_eq!(
        source["properties"]["helm"]["properties"]["valuesObject"]["x-kubernetes-preserve-unknown-fields"],
        true
    );
    assert_eq!(
        source["properties"]["directory"]["properties"]["jsonnet"]["x-kubernetes-preserve-unknown-fields"],
        true
    );
    let automated = &spec["properties"]["syncPolicy"]["properties"]["automated"]["properties"];
    for flag in ["prune", "selfHeal", "allowEmpty", "enabled"] {
        assert_eq!(automated[flag]["type"], "boolean", "{flag}");
    }
    let status = &props["status"]["properties"];
    assert_eq!(
        status["operationState"]["properties"]["syncResult"]["properties"]["source"],
        *source
    );
    assert_eq!(
        status["history"]["items"]["properties"]["sources"]["items"],
        *source
    );
    assert_eq!(
        props["operation"]["properties"]["sync"]["properties"]["source"],
        *source
    );

    let default_project: Value =
        serde_yaml::from_str(&std::fs::read_to_string(crd_path("default-project.yaml")).unwrap())
            .unwrap();
    assert_eq!(
        default_project["metadata"],
        json!({"name": "default"}),
        "the controller sets the namespace"
    );
    assert_eq!(default_project["spec"]["sourceRepos"], json!(["*"]));
    assert_eq!(
        default_project["spec"]["destinations"],
        json!([{"server": "*", "namespace": "*"}])
    );
    assert_eq!(
        default_project["spec"]["clusterResourceWhitelist"],
        json!([{"group": "*", "kind": "*"}])
    );
}

/// An Application using most of the spec, the way Argo CD users write them.
const RICH_APPLICATION: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: checkout
  namespace: berth
  finalizers:
  - resources-finalizer.argocd.argoproj.io
  annotations:
    argocd.argoproj.io/sync-wave: "2"
spec:
  project: shop
  sources:
  - repoURL: https://charts.example.com
    chart: checkout
    targetRevision: 4.2.*
    helm:
      releaseName: checkout
      valueFiles:
      - $values/checkout/values-prod.yaml
      ignoreMissingValueFiles: true
      values: |
        replicas: 2
      valuesObject:
        ingress:
          enabled: true
          hosts: [checkout.example.com]
      parameters:
      - name: image.tag
        value: "1.10"
        forceString: true
      fileParameters:
      - name: config
        path: files/config.json
      skipCrds: true
      skipSchemaValidation: false
      kubeVersion: 1.32.0
      apiVersions: [monitoring.coreos.com/v1]
      namespace: checkout
      passCredentials: false
      version: v3
  - repoURL: https://git.example.com/platform/gitops-config.git
    targetRevision: main
    ref: values
  - repoURL: https://git.example.com/platform/gitops-config.git
    targetRevision: main
    path: extras/checkout
    name: extras
    directory:
      recurse: true
      include: '{*.yaml,*.json}'
      exclude: '*-test.yaml'
      jsonnet:
        extVars:
        - {name: env, value: prod}
  - repoURL: https://git.example.com/platform/kustomize.git
    path: overlays/prod
    kustomize:
      namePrefix: prod-
      images: [ghcr.io/example/checkout:1.10]
  - repoURL: https://git.example.com/platform/plugins.git
    path: cdk8s
    plugin:
      name: cdk8s
      env:
      - {name: STAGE, value: prod}
  destination:
    name: in-cluster
    namespace: checkout
  syncPolicy:
    automated:
      enabled: true
      prune: true
      selfHeal: true
      allowEmpty: false
    syncOptions:
    - CreateNamespace=true
    - ServerSideApply=true
    - PruneLast=true
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
    managedNamespaceMetadata:
      labels:
        team: checkout
      annotations:
        owner: checkout@example.com
  ignoreDifferences:
  - group: apps
    kind: Deployment
    jsonPointers:
    - /spec/replicas
  - kind: ConfigMap
    name: checkout-cache
    jqPathExpressions:
    - .data.generated
    managedFieldsManagers:
    - kube-controller-manager
  revisionHistoryLimit: 5
  info:
  - name: Runbook
    value: https://wiki.example.com/checkout
"#;

/// What the controller writes after a sync: `operationState`, `sync`, `health`, resources,
/// conditions, history and summary. In `syncResult.resources`, group, version, kind,
/// namespace and name are required, so a core or cluster-scoped object has `""` there.
const CONTROLLER_STATUS: &str = r#"
sync:
  status: Synced
  revision: 3f1c2a9d0b7e4c5f8a6d1e2b3c4d5e6f7a8b9c0d
  comparedTo:
    source: &source
      repoURL: https://git.example.com/platform/gitops-config.git
      path: charts/orders-api
      targetRevision: main
      helm:
        releaseName: orders-api
        valueFiles: [values.yaml, values-dev.yaml]
    destination:
      server: https://kubernetes.default.svc
      namespace: orders-api-dev
health:
  status: Healthy
  lastTransitionTime: "2026-11-26T10:00:05Z"
resources:
- {group: apps, version: v1, kind: Deployment, namespace: orders-api-dev, name: orders-api,
   status: Synced, health: {status: Healthy}, syncWave: 0}
- {version: v1, kind: ConfigMap, namespace: orders-api-dev, name: orders-api-old,
   status: OutOfSync, requiresPruning: true}
- {group: batch, version: v1, kind: Job, namespace: orders-api-dev, name: orders-api-migrate,
   status: Synced, hook: true, syncWave: -1}
conditions:
- type: SyncError
  message: one failed attempt before this one
  lastTransitionTime: "2026-11-26T09:59:00Z"
history:
- id: 3
  revision: 3f1c2a9d0b7e4c5f8a6d1e2b3c4d5e6f7a8b9c0d
  source: *source
  deployStartedAt: "2026-11-26T10:00:00Z"
  deployedAt: "2026-11-26T10:00:04Z"
  initiatedBy: {automated: true}
operationState:
  operation:
    sync:
      revision: 3f1c2a9d0b7e4c5f8a6d1e2b3c4d5e6f7a8b9c0d
      prune: true
      syncOptions: [CreateNamespace=true]
    initiatedBy: {automated: true}
    retry: {limit: 5}
  phase: Succeeded
  message: successfully synced (all tasks run)
  startedAt: "2026-11-26T10:00:00Z"
  finishedAt: "2026-11-26T10:00:04Z"
  retryCount: 1
  syncResult:
    revision: 3f1c2a9d0b7e4c5f8a6d1e2b3c4d5e6f7a8b9c0d
    source: *source
    resources:
    - {group: "", version: v1, kind: Namespace, namespace: "", name: orders-api-dev,
       status: Synced, message: namespace/orders-api-dev created, hookPhase: Running,
       syncPhase: PreSync}
    - {group: batch, version: v1, kind: Job, namespace: orders-api-dev, name: orders-api-migrate,
       status: Synced, message: Reached expected number of succeeded pods, hookType: PreSync,
       hookPhase: Succeeded, syncPhase: PreSync}
    - {group: apps, version: v1, kind: Deployment, namespace: orders-api-dev, name: orders-api,
       status: Synced, message: deployment.apps/orders-api configured, hookPhase: Running,
       syncPhase: Sync}
reconciledAt: "2026-11-26T10:00:06Z"
observedAt: "2026-11-26T10:00:06Z"
sourceType: Helm
summary:
  images: [ghcr.io/example/orders-api:1.9.0-rc.2]
  externalURLs: [https://orders.dev.example.com/]
"#;

fn controller_status() -> Value {
    serde_yaml::from_str(CONTROLLER_STATUS).unwrap()
}

const RICH_PROJECT: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: shop
  namespace: berth
spec:
  description: The shop's services
  sourceRepos:
  - https://git.example.com/platform/*
  - '!https://git.example.com/platform/secrets.git'
  destinations:
  - server: https://kubernetes.default.svc
    namespace: '*-prod'
  - name: in-cluster
    namespace: checkout
  clusterResourceWhitelist:
  - group: ''
    kind: Namespace
  clusterResourceBlacklist:
  - group: rbac.authorization.k8s.io
    kind: ClusterRole
    name: 'system:*'
  namespaceResourceWhitelist:
  - group: '*'
    kind: '*'
  namespaceResourceBlacklist:
  - group: ''
    kind: ResourceQuota
  syncWindows:
  - kind: deny
    schedule: '0 22 * * *'
    duration: 10h
    applications: ['*-prod']
    namespaces: ['*-prod']
    clusters: [in-cluster]
    manualSync: true
    timeZone: Europe/Amsterdam
    andOperator: false
    description: no automated changes to production at night
  - kind: allow
    schedule: '0 8 * * 1-5'
    duration: 10h
    applications: ['*']
  roles:
  - name: deployer
    description: may sync the shop
    policies:
    - p, proj:shop:deployer, applications, sync, shop/*, allow
    groups: [shop-deployers]
  orphanedResources:
    warn: true
  sourceNamespaces: [berth, team-*]
  signatureKeys:
  - keyID: 4AEE18F83AFDEB23
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_and_projects_in_a_cluster() {
    let c = Cluster::start().await;
    c.install_crds();

    let crd = c.get_json(&["crd", "applications.argoproj.io"]);
    assert_eq!(
        crd["status"]["acceptedNames"]["shortNames"],
        json!(["app", "apps"])
    );

    // The default project, with the namespace given by whoever installs it.
    let default_project = path_arg(&crd_path("default-project.yaml"));
    c.ok(&["apply", "-n", "berth", "-f", &default_project], None);
    let project = c.get_json(&["appproj", "default", "-n", "berth"]);
    assert_eq!(
        project["spec"]["destinations"],
        json!([{"server": "*", "namespace": "*"}])
    );

    // The example repository's Applications, with kubectl's strict validation: every field
    // they use is in the schema.
    let repo = example_repo();
    let mut args = vec!["apply".to_string()];
    for dir in [
        "bootstrap",
        "applications/dev",
        "applications/stg",
        "applications/prod",
    ] {
        args.push("-f".into());
        args.push(path_arg(&repo.join(dir)));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = c.ok(&args, None);
    assert_eq!(out.matches(" created").count(), 12, "{out}");
    let list = c.get_json(&["applications", "-n", "berth"]);
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "orders-api-dev",
            "orders-api-prod",
            "orders-api-stg",
            "payments-worker-dev",
            "payments-worker-prod",
            "payments-worker-stg",
            "platform-dev",
            "platform-prod",
            "platform-stg",
            "root-dev",
            "root-prod",
            "root-stg"
        ]
    );
    let stored = c.get_json(&["app", "orders-api-dev", "-n", "berth"]);
    assert_eq!(
        stored["spec"]["source"]["helm"]["valueFiles"],
        json!(["values.yaml", "values-dev.yaml"])
    );
    assert_eq!(
        stored["spec"]["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true})
    );
    assert_eq!(
        stored["metadata"]["finalizers"],
        json!(["resources-finalizer.argocd.argoproj.io"])
    );

    // Argo CD's columns, empty until the controller writes a status.
    let table = c.ok(&["get", "applications", "-n", "berth"], None);
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("NAME")
            && header.contains("SYNC STATUS")
            && header.contains("HEALTH STATUS"),
        "{table}"
    );
    assert!(
        !header.contains("REVISION"),
        "priority 10 columns only with -o wide: {table}"
    );
    let wide = c.ok(&["get", "apps", "-n", "berth", "-o", "wide"], None);
    assert!(wide.lines().next().unwrap().contains("PROJECT"), "{wide}");

    // The controller writes status with an ordinary update (no status subresource); the
    // schema keeps every field of it.
    let mut app = stored.clone();
    app["status"] = controller_status();
    let out = c.ok(&["replace", "-f", "-"], Some(&app.to_string()));
    assert!(
        out.contains("application.argoproj.io/orders-api-dev replaced"),
        "{out}"
    );
    let updated = c.get_json(&["app", "orders-api-dev", "-n", "berth"]);
    assert_eq!(
        updated["status"],
        controller_status(),
        "status kept as written"
    );
    let table = c.ok(
        &[
            "get",
            "app",
            "orders-api-dev",
            "-n",
            "berth",
            "--no-headers",
        ],
        None,
    );
    let cells: Vec<&str> = table.split_whitespace().collect();
    assert_eq!(cells, ["orders-api-dev", "Synced", "Healthy"], "{table}");

    // An Application and an AppProject that use most of the schema are accepted strictly
    // and stored as written.
    let out = c.ok(&["apply", "-f", "-"], Some(RICH_PROJECT));
    assert!(out.contains("appproject.argoproj.io/shop created"), "{out}");
    let out = c.ok(&["apply", "-f", "-"], Some(RICH_APPLICATION));
    assert!(
        out.contains("application.argoproj.io/checkout created"),
        "{out}"
    );
    let written: Value = serde_yaml::from_str(RICH_APPLICATION).unwrap();
    let stored = c.get_json(&["app", "checkout", "-n", "berth"]);
    assert_eq!(stored["spec"], written["spec"]);
    let written: Value = serde_yaml::from_str(RICH_PROJECT).unwrap();
    let stored = c.get_json(&["appproj", "shop", "-n", "berth"]);
    assert_eq!(stored["spec"], written["spec"]);

    // Requesting a sync is a write of `.operation`.
    c.ok(
        &[
            "patch",
            "app",
            "orders-api-prod",
            "-n",
            "berth",
            "--type=merge",
            "-p",
            r#"{"operation":{"initiatedBy":{"username":"alice"},
                "sync":{"revision":"main","prune":true,"syncStrategy":{"hook":{}}}}}"#,
        ],
        None,
    );
    let stored = c.get_json(&["app", "orders-api-prod", "-n", "berth"]);
    assert_eq!(stored["operation"]["initiatedBy"]["username"], "alice");
    assert_eq!(
        stored["operation"]["sync"]["syncStrategy"],
        json!({"hook": {}})
    );
}

fn with_spec_change(base: &str, change: Value) -> String {
    let mut app: Value = serde_yaml::from_str(base).unwrap();
    merge(&mut app, change);
    app.to_string()
}

fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    merge(t.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_that_break_the_schema_are_refused() {
    let c = Cluster::start().await;
    c.install_crds();
    let orders =
        std::fs::read_to_string(example_repo().join("applications/dev/orders-api.yaml")).unwrap();

    let cases: &[(&str, Value, &str)] = &[
        (
            "prune as a string",
            json!({"spec": {"syncPolicy": {"automated": {"prune": "yes"}}}}),
            "spec.syncPolicy.automated.prune: Invalid value: \"string\": spec.syncPolicy.automated.prune in body must be of type boolean: \"string\"",
        ),
        (
            "no destination",
            json!({"spec": {"destination": null}}),
            "spec.destination: Required value",
        ),
        (
            "no project",
            json!({"spec": {"project": null}}),
            "spec.project: Required value",
        ),
        (
            "a source without repoURL",
            json!({"spec": {"source": {"repoURL": null}}}),
            "spec.source.repoURL: Required value",
        ),
        (
            "valueFiles as a string",
            json!({"spec": {"source": {"helm": {"valueFiles": "values.yaml"}}}}),
            "spec.source.helm.valueFiles: Invalid value: \"string\"",
        ),
        (
            "retry limit as text",
            json!({"spec": {"syncPolicy": {"retry": {"limit": "five"}}}}),
            "spec.syncPolicy.retry.limit: Invalid value: \"string\"",
        ),
        ("no spec", json!({"spec": null}), "spec: Required value"),
        (
            "a sync result resource without namespace",
            json!({"status": {"operationState": {
                "operation": {}, "phase": "Succeeded", "startedAt": "2026-11-26T10:00:00Z",
                "syncResult": {"revision": "3f1c2a9d", "resources": [
                    {"group": "", "version": "v1", "kind": "Namespace", "name": "orders-api-dev"}
                ]}
            }}}),
            "status.operationState.syncResult.resources[0].namespace: Required value",
        ),
    ];
    for (what, change, expected) in cases {
        let err = c.refused(
            &["apply", "-f", "-"],
            Some(&with_spec_change(&orders, change.clone())),
        );
        assert!(
            err.contains("The Application \"orders-api-dev\" is invalid"),
            "{what}: {err}"
        );
        assert!(
            err.contains(expected),
            "{what}: expected {expected:?} in:\n{err}"
        );
    }

    // kubectl's strict field validation names a misspelt field.
    let typo = with_spec_change(
        &orders,
        json!({"spec": {"syncPolicy": {"automated": {"selfheal": true}}}}),
    );
    let err = c.refused(&["apply", "-f", "-"], Some(&typo));
    assert!(
        err.contains("unknown field \"spec.syncPolicy.automated.selfheal\""),
        "{err}"
    );

    // The same rules for projects.
    let bad_window = with_spec_change(
        RICH_PROJECT,
        json!({"spec": {"syncWindows": [{"kind": "deny", "manualSync": "sometimes"}]}}),
    );
    let err = c.refused(&["apply", "-f", "-"], Some(&bad_window));
    assert!(
        err.contains("spec.syncWindows[0].manualSync: Invalid value: \"string\""),
        "{err}"
    );
    let bad_whitelist = with_spec_change(
        RICH_PROJECT,
        json!({"spec": {"clusterResourceWhitelist": [{"group": "*"}]}}),
    );
    let err = c.refused(&["apply", "-f", "-"], Some(&bad_whitelist));
    assert!(
        err.contains("spec.clusterResourceWhitelist[0].kind: Required value"),
        "{err}"
    );

    // Nothing was stored.
    let list = c.get_json(&["applications,appprojects", "-A"]);
    assert_eq!(list["items"], json!([]));
}

/// The root Application applies its children with server-side apply under the controller's
/// field manager; the schema gives SSA what it needs to track fields and report conflicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_are_server_side_applied() {
    let c = Cluster::start().await;
    c.install_crds();
    let dir = path_arg(&example_repo().join("applications/stg"));
    let ssa = [
        "apply",
        "--server-side",
        "--field-manager=berth",
        "-f",
        &dir,
    ];
    let out = c.ok(&ssa, None);
    assert_eq!(out.matches(" serverside-applied").count(), 3, "{out}");
    // Applying the same again changes nothing.
    let before = c.get_json(&["app", "orders-api-stg", "-n", "berth"]);
    c.ok(&ssa, None);
    let after = c.get_json(&[
        "app",
        "orders-api-stg",
        "-n",
        "berth",
        "--show-managed-fields",
    ]);
    assert_eq!(
        before["metadata"]["resourceVersion"],
        after["metadata"]["resourceVersion"]
    );
    let managers: Vec<&str> = after["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert_eq!(managers, ["berth"]);

    // A dry run shows the object a commit would produce, without storing it.
    let orders =
        std::fs::read_to_string(example_repo().join("applications/stg/orders-api.yaml")).unwrap();
    let changed = orders.replace("values-stg.yaml", "values-prod.yaml");
    let preview = c.ok(
        &[
            "apply",
            "--server-side",
            "--field-manager=berth",
            "--dry-run=server",
            "-o",
            "json",
            "-f",
            "-",
        ],
        Some(&changed),
    );
    let preview: Value = serde_json::from_str(&preview).unwrap();
    assert_eq!(
        preview["spec"]["source"]["helm"]["valueFiles"],
        json!(["values.yaml", "values-prod.yaml"])
    );
    let stored = c.get_json(&["app", "orders-api-stg", "-n", "berth"]);
    assert_eq!(
        stored["spec"]["source"]["helm"]["valueFiles"],
        json!(["values.yaml", "values-stg.yaml"])
    );

    // Another manager changing a field the controller owns is a conflict.
    let err = c.refused(
        &[
            "apply",
            "--server-side",
            "--field-manager=someone",
            "-f",
            "-",
        ],
        Some(&changed),
    );
    assert!(err.contains("conflict"), "{err}");
    assert!(err.contains(".spec.source.helm.valueFiles"), "{err}");
}
