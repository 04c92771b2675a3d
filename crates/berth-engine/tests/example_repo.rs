//! The example GitOps repository (examples/gitops-config): its Applications follow the
//! conventions the controller and the case study rely on, its charts render with
//! berth-chart exactly as Helm 4.3 renders them (goldens in `example-golden/`, recorded by
//! `example-golden/record.py`), and what they render is accepted by an API server.
#![allow(clippy::unwrap_used)]

use berth_chart::manifest::{PrintOptions, print};
use berth_chart::render::{CapabilityOptions, ReleaseOptions, RenderInput, render};
use berth_chart::{ValueOptions, load, prepare};
use berth_sandbox::{Sandbox, SandboxConfig};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const REPO_URL: &str = "https://git.example.com/platform/gitops-config.git";
const IN_CLUSTER: &str = "https://kubernetes.default.svc";
const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
const ENVS: [&str; 3] = ["dev", "stg", "prod"];
const SERVICES: [&str; 2] = ["orders-api", "payments-worker"];
const TAG_MARKER: &str = "# berth:image-tag";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/gitops-config")
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/example-golden")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml_file(path: &Path) -> Value {
    serde_yaml::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every document of a multi-document YAML text.
fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .filter(|doc| !doc.is_null())
        .collect()
}

/// The Application files of the repository: the roots, then every environment's children.
fn application_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["bootstrap".to_string()]
        .into_iter()
        .chain(ENVS.iter().map(|env| format!("applications/{env}")))
    {
        let mut in_dir: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        in_dir.sort();
        files.extend(in_dir);
    }
    files
}

/// The Applications whose source is a Helm chart, with their file.
fn helm_applications() -> Vec<Value> {
    application_files()
        .iter()
        .map(|f| yaml_file(f))
        .filter(|app| app["spec"]["source"].get("helm").is_some())
        .collect()
}

/// What Argo CD's `helm template` gives for an Application: release name (releaseName, else
/// the Application's name), values files relative to the chart, the destination namespace.
fn render_application(app: &Value, chart_dir: &Path) -> String {
    let source = &app["spec"]["source"];
    let helm = &source["helm"];
    let release = helm["releaseName"]
        .as_str()
        .or(app["metadata"]["name"].as_str())
        .unwrap();
    let values_files: Vec<PathBuf> = helm["valueFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| chart_dir.join(f.as_str().unwrap()))
        .collect();
    let chart = load(chart_dir).unwrap_or_else(|e| panic!("{}: {e}", chart_dir.display()));
    let user = ValueOptions {
        values_files,
        ..ValueOptions::default()
    }
    .merge_user_values()
    .unwrap();
    let prepared = prepare(&chart, &user).unwrap();
    let rendered = render(&RenderInput {
        chart: &prepared.chart,
        values: prepared.values,
        release: ReleaseOptions {
            name: release.to_string(),
            namespace: app["spec"]["destination"]["namespace"]
                .as_str()
                .unwrap()
                .to_string(),
            ..ReleaseOptions::default()
        },
        capabilities: CapabilityOptions {
            kube_version: Some("v1.32.0".into()),
            ..CapabilityOptions::default()
        },
    })
    .unwrap_or_else(|e| panic!("{}: {e}", app["metadata"]["name"]));
    print(&rendered, &PrintOptions::default()).unwrap()
}

fn render_in_repo(app: &Value) -> String {
    let path = app["spec"]["source"]["path"].as_str().unwrap();
    render_application(app, &repo().join(path))
}

#[test]
fn charts_render_as_helm_4_3_renders_them() {
    let apps = helm_applications();
    assert_eq!(apps.len(), SERVICES.len() * ENVS.len());
    let mut failed = Vec::new();
    let mut names = BTreeSet::new();
    for app in &apps {
        let name = app["metadata"]["name"].as_str().unwrap();
        names.insert(format!("{name}.txt"));
        let want = read(&golden_dir().join(format!("{name}.txt")));
        let got = render_in_repo(app);
        if got != want {
            if let Ok(dir) = std::env::var("BERTH_GOLDEN_DIFF_DIR") {
                std::fs::write(Path::new(&dir).join(format!("{name}.got")), &got).unwrap();
            }
            failed.push(name.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "differ from Helm 4.3: {failed:?} (set BERTH_GOLDEN_DIFF_DIR to write berth's output)"
    );
    let goldens: BTreeSet<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".txt"))
        .collect();
    assert_eq!(
        goldens, names,
        "every golden belongs to an Application and back (re-run record.py)"
    );
}

fn wave(app: &Value) -> &str {
    app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        .as_str()
        .unwrap_or("0")
}

#[test]
fn applications_follow_the_conventions() {
    let mut seen = BTreeSet::new();
    for file in application_files() {
        let app = yaml_file(&file);
        let name = app["metadata"]["name"].as_str().unwrap().to_string();
        let at = file.display().to_string();
        assert_eq!(app["apiVersion"], "argoproj.io/v1alpha1", "{at}");
        assert_eq!(app["kind"], "Application", "{at}");
        assert_eq!(app["metadata"]["namespace"], "berth", "{at}");
        assert_eq!(app["metadata"]["finalizers"], json!([FINALIZER]), "{at}");
        let spec = &app["spec"];
        assert_eq!(spec["project"], "default", "{at}");
        assert!(spec.get("sources").is_none(), "{at}");
        let source = &spec["source"];
        assert_eq!(source["repoURL"], REPO_URL, "{at}");
        assert_eq!(source["targetRevision"], "main", "{at}");
        let path = source["path"].as_str().unwrap();
        assert!(
            repo().join(path).is_dir(),
            "{at}: {path} is not a folder of the repository"
        );
        assert_eq!(spec["destination"]["server"], IN_CLUSTER, "{at}");
        let automated = &spec["syncPolicy"]["automated"];
        assert!(seen.insert(name.clone()), "{name} twice");

        let env = file.file_stem().unwrap().to_str().unwrap();
        if file.parent().unwrap().ends_with("bootstrap") {
            assert_eq!(name, format!("root-{env}"), "{at}");
            assert_eq!(path, format!("applications/{env}"), "{at}");
            assert_eq!(source["directory"], json!({"recurse": false}), "{at}");
            assert_eq!(spec["destination"]["namespace"], "berth", "{at}");
            assert_eq!(
                *automated,
                json!({"prune": true, "selfHeal": true}),
                "{at}: every root syncs itself"
            );
            continue;
        }
        let env = file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let service = env_service(&name, env);
        assert_eq!(
            app["metadata"]["labels"]["shop.example.com/environment"], env,
            "{at}"
        );
        if env == "prod" {
            assert!(automated.is_null(), "{at}: production syncs by hand");
        } else {
            assert_eq!(*automated, json!({"prune": true, "selfHeal": true}), "{at}");
        }
        if service == "platform" {
            assert_eq!(wave(&app), "-1", "{at}");
            assert_eq!(path, format!("platform/{env}"), "{at}");
            assert_eq!(source["directory"], json!({"recurse": false}), "{at}");
            assert!(
                spec["destination"].get("namespace").is_none(),
                "{at}: its manifests name their namespaces"
            );
            continue;
        }
        assert!(
            SERVICES.contains(&service),
            "{at}: unknown service {service}"
        );
        assert_eq!(wave(&app), "0", "{at}");
        assert_eq!(path, format!("charts/{service}"), "{at}");
        assert_eq!(
            spec["destination"]["namespace"],
            format!("{service}-{env}"),
            "{at}"
        );
        assert_eq!(
            spec["syncPolicy"]["syncOptions"],
            json!(["CreateNamespace=true"]),
            "{at}"
        );
        let helm = &source["helm"];
        assert_eq!(helm["releaseName"], service, "{at}");
        assert_eq!(
            helm["valueFiles"],
            json!(["values.yaml", format!("values-{env}.yaml")]),
            "{at}"
        );
        for f in helm["valueFiles"].as_array().unwrap() {
            let f = repo().join(path).join(f.as_str().unwrap());
            assert!(f.is_file(), "{at}: {} missing", f.display());
        }
    }
    let mut expected = BTreeSet::new();
    for env in ENVS {
        expected.insert(format!("root-{env}"));
        expected.insert(format!("platform-{env}"));
        for service in SERVICES {
            expected.insert(format!("{service}-{env}"));
        }
    }
    assert_eq!(seen, expected);
}

/// `<service>-<env>` split at the environment suffix.
fn env_service<'a>(name: &'a str, env: &str) -> &'a str {
    name.strip_suffix(&format!("-{env}"))
        .unwrap_or_else(|| panic!("{name} does not end with -{env}"))
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

/// The rendered environments differ where the case study says they do.
#[test]
fn environments_differ_in_replicas_hosts_resources_and_flags() {
    let rendered = |service: &str, env: &str| -> Vec<Value> {
        documents(&read(&golden_dir().join(format!("{service}-{env}.txt"))))
    };
    let mut images = BTreeSet::new();
    for env in ENVS {
        let docs = rendered("orders-api", env);
        let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        let deployment = find(&docs, "Deployment", "orders-api").unwrap();
        let pod = &deployment["spec"]["template"];
        let container = &pod["spec"]["containers"][0];
        let image = container["image"].as_str().unwrap();
        assert!(image.starts_with("ghcr.io/example/orders-api:"), "{image}");
        images.insert(image.to_string());
        let checksum = pod["metadata"]["annotations"]["checksum/config"]
            .as_str()
            .unwrap();
        assert!(
            checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit()),
            "{checksum}"
        );
        assert_eq!(
            container["envFrom"][0]["configMapRef"]["name"],
            "orders-api"
        );

        let hpa = find(&docs, "HorizontalPodAutoscaler", "orders-api");
        match env {
            "dev" => {
                assert_eq!(deployment["spec"]["replicas"], 1);
                assert!(hpa.is_none(), "{kinds:?}");
            }
            _ => {
                let hpa = hpa.unwrap_or_else(|| panic!("{env}: no HPA in {kinds:?}"));
                assert_eq!(hpa["apiVersion"], "autoscaling/v2");
                assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "orders-api");
                assert!(
                    deployment["spec"].get("replicas").is_none(),
                    "{env}: the HPA owns replicas"
                );
                let min = hpa["spec"]["minReplicas"].as_i64().unwrap();
                assert_eq!(min, if env == "prod" { 3 } else { 2 });
            }
        }

        let host = if env == "prod" {
            "orders.example.com".to_string()
        } else {
            format!("orders.{env}.example.com")
        };
        let ingress = find(&docs, "Ingress", "orders-api").unwrap();
        assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
        assert_eq!(ingress["spec"]["rules"][0]["host"], host);
        assert_eq!(
            ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
            "orders-api"
        );
        assert_eq!(
            ingress["spec"].get("tls").is_some(),
            env != "dev",
            "{env}: TLS outside dev"
        );

        let config = find(&docs, "ConfigMap", "orders-api").unwrap();
        let new_checkout = config["data"]["FEATURE_NEW_CHECKOUT"].as_str().unwrap();
        assert_eq!(
            new_checkout,
            if env == "prod" { "false" } else { "true" },
            "{env}"
        );
        let memory = container["resources"]["requests"]["memory"]
            .as_str()
            .unwrap();
        assert_eq!(
            memory,
            ["96Mi", "128Mi", "256Mi"][ENVS.iter().position(|e| *e == env).unwrap()]
        );

        // The migration: a PreSync hook Job that runs the service's image.
        let job = find(&docs, "Job", "orders-api-migrate").unwrap();
        let annotations = &job["metadata"]["annotations"];
        assert_eq!(annotations["argocd.argoproj.io/hook"], "PreSync");
        assert_eq!(
            annotations["argocd.argoproj.io/hook-delete-policy"],
            "BeforeHookCreation"
        );
        assert_eq!(annotations["argocd.argoproj.io/sync-wave"], "-1");
        assert_eq!(job["spec"]["backoffLimit"], 2);
        let job_pod = &job["spec"]["template"]["spec"];
        assert_eq!(job_pod["restartPolicy"], "Never");
        assert_eq!(job_pod["containers"][0]["image"], image);
        assert!(
            job_pod["containers"][0]["command"]
                .as_array()
                .unwrap()
                .contains(&json!("migrate"))
        );
        let selector = &deployment["spec"]["selector"]["matchLabels"];
        let job_labels = &job["spec"]["template"]["metadata"]["labels"];
        assert!(
            selector
                .as_object()
                .unwrap()
                .iter()
                .any(|(k, v)| job_labels[k] != *v),
            "the Service and Deployment must not select migration pods"
        );

        let docs = rendered("payments-worker", env);
        let kinds: BTreeSet<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, BTreeSet::from(["ConfigMap", "Deployment"]), "{env}");
        let deployment = find(&docs, "Deployment", "payments-worker").unwrap();
        assert_eq!(
            deployment["spec"]["replicas"],
            [1, 2, 4][ENVS.iter().position(|e| *e == env).unwrap()]
        );
        let config = find(&docs, "ConfigMap", "payments-worker").unwrap();
        assert_eq!(
            config["data"]["PROVIDER"],
            if env == "prod" { "live" } else { "sandbox" }
        );
    }
    assert_eq!(
        images.len(),
        3,
        "each environment runs its own tag: {images:?}"
    );
}

/// The one line CI edits: `tag: "<version>" # berth:image-tag` under `image:`.
fn tag_line(text: &str) -> (usize, String) {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(TAG_MARKER))
        .collect();
    assert_eq!(lines.len(), 1, "exactly one marked line: {lines:?}");
    let (index, line) = lines[0];
    let rest = line
        .strip_prefix("  tag: \"")
        .unwrap_or_else(|| panic!("marked line is not `  tag: \"...\"`: {line:?}"));
    let (tag, after) = rest.split_once('"').unwrap();
    assert_eq!(after.trim(), TAG_MARKER, "{line:?}");
    let before: Vec<&str> = text.lines().take(index).collect();
    let parent = before
        .iter()
        .rev()
        .find(|l| !l.starts_with(' ') && !l.trim().is_empty());
    assert_eq!(
        parent.copied(),
        Some("image:"),
        "the marked tag is image.tag"
    );
    (index, tag.to_string())
}

/// What CI does: rewrite the marked line. The render follows, and only the image (and the
/// labels that carry the version) changes.
#[test]
fn ci_bumps_the_image_tag_on_the_marked_line() {
    for app in helm_applications() {
        let path = app["spec"]["source"]["path"].as_str().unwrap();
        let service = path.strip_prefix("charts/").unwrap();
        let env_file = app["spec"]["source"]["helm"]["valueFiles"][1]
            .as_str()
            .unwrap()
            .to_string();
        let text = read(&repo().join(path).join(&env_file));
        let (index, tag) = tag_line(&text);

        let before = render_in_repo(&app);
        assert!(
            before.contains(&format!("image: \"ghcr.io/example/{service}:{tag}\"")),
            "{service} {env_file}"
        );

        let copy = tempfile::tempdir().unwrap();
        copy_dir(&repo().join(path), copy.path());
        let bumped: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == index {
                    l.replacen(&format!("\"{tag}\""), "\"9.9.9\"", 1)
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(copy.path().join(&env_file), bumped.join("\n") + "\n").unwrap();
        let after = render_application(&app, copy.path());
        assert!(
            after.contains(&format!("image: \"ghcr.io/example/{service}:9.9.9\"")),
            "{after}"
        );
        assert!(!after.contains(&format!(":{tag}\"")), "{after}");
        let changed: Vec<(&str, &str)> = before
            .lines()
            .zip(after.lines())
            .filter(|(b, a)| b != a)
            .collect();
        assert_eq!(before.lines().count(), after.lines().count());
        for (b, a) in &changed {
            assert!(
                b.contains(&tag) && a.contains("9.9.9")
                    || b.trim_start().starts_with("checksum/config:"),
                "{service} {env_file}: unexpected change {b:?} -> {a:?}"
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
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

fn kubectl(sandbox: &Sandbox, home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(kubectl_path());
    cmd.arg("--request-timeout=30s")
        .args(args)
        .env("KUBECONFIG", sandbox.kubeconfig_path())
        .env("HOME", home)
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

fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each environment's platform folder applied for real, then every rendered chart
/// dry-run on the server into its namespace (kubectl's strict validation included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendered_manifests_pass_a_server_dry_run() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        data_dir: Some(data.path().to_path_buf()),
        simulation: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");

    for env in ENVS {
        let dir = repo().join("platform").join(env);
        let out = kubectl(
            &sandbox,
            home.path(),
            &["apply", "-f", dir.to_str().unwrap()],
            None,
        );
        let text = succeeded(&out, &format!("kubectl apply -f platform/{env}"));
        let mut expected = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            expected += documents(&read(&file.unwrap().path())).len();
        }
        assert_eq!(text.matches(" created").count(), expected, "{text}");
        for service in SERVICES {
            let ns = format!("{service}-{env}");
            assert!(text.contains(&format!("namespace/{ns} created")), "{text}");
        }
    }

    for app in helm_applications() {
        let name = app["metadata"]["name"].as_str().unwrap();
        let namespace = app["spec"]["destination"]["namespace"].as_str().unwrap();
        let manifests = read(&golden_dir().join(format!("{name}.txt")));
        let docs = documents(&manifests);
        let out = kubectl(
            &sandbox,
            home.path(),
            &["apply", "--dry-run=server", "-n", namespace, "-f", "-"],
            Some(&manifests),
        );
        let text = succeeded(&out, &format!("dry-run of {name}"));
        for doc in &docs {
            let kind = doc["kind"].as_str().unwrap().to_lowercase();
            let group = doc["apiVersion"]
                .as_str()
                .unwrap()
                .split_once('/')
                .map(|(g, _)| g);
            let resource = match group {
                Some(g) => format!("{kind}.{g}"),
                None => kind,
            };
            let line = format!(
                "{resource}/{} created (server dry run)",
                doc["metadata"]["name"].as_str().unwrap()
            );
            assert!(text.contains(&line), "{name}: no {line:?} in:\n{text}");
        }
        assert_eq!(text.lines().count(), docs.len(), "{name}:\n{text}");
        // A dry run stores nothing.
        let out = kubectl(
            &sandbox,
            home.path(),
            &[
                "get",
                "deployments,configmaps,jobs",
                "-n",
                namespace,
                "-o",
                "name",
            ],
            None,
        );
        let left = succeeded(&out, "kubectl get");
        assert!(
            left.lines().all(|l| l == "configmap/kube-root-ca.crt"),
            "{name}: the dry run created {left}"
        );
    }
    sandbox.shutdown().await;
}
