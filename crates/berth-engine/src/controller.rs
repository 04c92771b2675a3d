//! The controller: watches Applications, keeps one git poller per repository, and runs a
//! bounded pool of workers that reconcile one app at a time each.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, GroupVersionKind};
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::cluster::{Cluster, ClusterError, to_value};
use crate::live::LiveIndex;
use crate::model::REFRESH_ANNOTATION;
use crate::queue::WorkQueue;
use crate::reconcile::{Caches, Reconciler};
use crate::source::GitSource;

#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// The namespace Applications and AppProjects live in.
    pub namespace: String,
    /// How often each repository is fetched (plus up to 10% jitter).
    pub poll_interval: Duration,
    /// How often every app is compared again without any event.
    pub resync_interval: Duration,
    /// Apps reconciled at once.
    pub workers: usize,
    /// git's `url.<base>.insteadOf`: (original prefix, replacement).
    pub url_rewrites: Vec<(String, String)>,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            namespace: "berth".into(),
            poll_interval: Duration::from_secs(120),
            resync_interval: Duration::from_secs(120),
            workers: 10,
            url_rewrites: Vec::new(),
        }
    }
}

pub fn application_gvk() -> GroupVersionKind {
    GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Application")
}

/// Installs the CRDs and the `default` AppProject, and waits until Applications are served.
pub async fn install(cluster: &Cluster, namespace: &str) -> Result<(), ClusterError> {
    for text in [crate::crds::APPLICATION, crate::crds::APP_PROJECT] {
        let crd: Value = serde_yaml::from_str(text)
            .map_err(|e| ClusterError::Transport(format!("built-in CRD: {e}")))?;
        cluster.apply(&crd, false).await?;
    }
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    cluster.apply(&ns, false).await?;
    let project_gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "AppProject");
    for attempt in 0..100 {
        cluster.forget_types();
        match (
            cluster.resource_type(&application_gvk()).await,
            cluster.resource_type(&project_gvk).await,
        ) {
            (Ok(_), Ok(_)) => break,
            _ if attempt < 99 => tokio::time::sleep(Duration::from_millis(100)).await,
            (Err(e), _) | (_, Err(e)) => return Err(e),
        }
    }
    let mut project: Value = serde_yaml::from_str(crate::crds::DEFAULT_PROJECT)
        .map_err(|e| ClusterError::Transport(format!("built-in AppProject: {e}")))?;
    project["metadata"]["namespace"] = Value::from(namespace);
    if cluster
        .get(&project_gvk, namespace, "default")
        .await?
        .is_none()
    {
        cluster.apply(&project, false).await?;
    }
    Ok(())
}

/// What identifies a change worth a reconcile: everything but status.
fn trigger_hash(obj: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let meta = &obj["metadata"];
    let relevant = json!([
        obj["spec"],
        obj["operation"],
        meta["annotations"],
        meta["deletionTimestamp"],
        meta["finalizers"],
    ]);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    relevant.to_string().hash(&mut h);
    h.finish()
}

pub struct Controller {
    config: ControllerConfig,
    reconciler: Arc<Reconciler>,
    queue: WorkQueue,
    wake_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

impl Controller {
    pub fn new(cluster: Cluster, git: Arc<dyn GitSource>, config: ControllerConfig) -> Controller {
        let (wake_tx, wake_rx) = mpsc::unbounded_channel();
        let live = LiveIndex::new(cluster.clone(), wake_tx);
        let queue = WorkQueue::default();
        let reconciler = Arc::new(Reconciler {
            cluster,
            git,
            live,
            queue: queue.clone(),
            config: config.clone(),
            caches: Caches::default(),
        });
        Controller {
            config,
            reconciler,
            queue,
            wake_rx: Mutex::new(Some(wake_rx)),
        }
    }

    pub fn reconciler(&self) -> Arc<Reconciler> {
        self.reconciler.clone()
    }

    /// Runs until the process stops or the future is dropped (which stops every task).
    pub async fn run(&self) -> Result<(), ClusterError> {
        install(&self.reconciler.cluster, &self.config.namespace).await?;
        let mut guard = TaskGuard {
            tasks: Vec::new(),
            live: self.reconciler.live.clone(),
            queue: self.queue.clone(),
        };
        let wake_rx = self.wake_rx.lock().ok().and_then(|mut w| w.take());
        if let Some(mut rx) = wake_rx {
            // A change to a managed object wakes the app that tracks it.
            let queue = self.queue.clone();
            guard.tasks.push(tokio::spawn(async move {
                while let Some(app) = rx.recv().await {
                    queue.add(&app);
                }
            }));
        }
        for _ in 0..self.config.workers.max(1) {
            let queue = self.queue.clone();
            let reconciler = self.reconciler.clone();
            guard.tasks.push(tokio::spawn(async move {
                while let Some(name) = queue.next().await {
                    let next = reconciler.reconcile(&name).await;
                    queue.done(&name);
                    if let Some(delay) = next {
                        queue.add_after(&name, delay);
                    }
                }
            }));
        }
        guard.tasks.push(tokio::spawn(load_repository_secrets(
            self.reconciler.clone(),
            self.config.namespace.clone(),
        )));
        guard.tasks.push(tokio::spawn(poll_repositories(
            self.reconciler.clone(),
            self.config.poll_interval,
        )));
        self.watch_applications().await;
        Ok(())
    }

    async fn watch_applications(&self) {
        let cluster = &self.reconciler.cluster;
        let rt = loop {
            match cluster.resource_type(&application_gvk()).await {
                Ok(rt) => break rt,
                Err(e) => {
                    tracing::warn!(error = %e, "Applications are not served yet");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let api: Api<DynamicObject> = Api::namespaced_with(
            cluster.client().clone(),
            &self.config.namespace,
            &rt.resource,
        );
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut stream = watcher::watcher(api, watcher::Config::default()).boxed();
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Apply(obj) | Event::InitApply(obj)) => {
                    let value = to_value(&obj);
                    let name = value["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let hash = trigger_hash(&value);
                    if seen.insert(name.clone(), hash) != Some(hash) {
                        if value["metadata"]["annotations"][REFRESH_ANNOTATION].is_string() {
                            self.reconciler.request_refresh(&name);
                        }
                        self.queue.add(&name);
                    }
                }
                Ok(Event::Delete(obj)) => {
                    let value = to_value(&obj);
                    let name = value["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    seen.remove(&name);
                    self.reconciler.forget(&name);
                }
                Ok(Event::Init | Event::InitDone) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "watch on Applications failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Stops the controller's tasks when `run` returns or is cancelled.
struct TaskGuard {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    live: LiveIndex,
    queue: WorkQueue,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.live.stop();
        self.queue.close();
    }
}

/// Repository credentials from Secrets labelled as Argo CD labels them, re-read every 30 s.
async fn load_repository_secrets(reconciler: Arc<Reconciler>, namespace: String) {
    let gvk = GroupVersionKind::gvk("", "v1", "Secret");
    loop {
        match reconciler.cluster.list(&gvk, Some(&namespace)).await {
            Ok(secrets) => {
                let entries = secrets.iter().filter_map(repo_credential).collect();
                reconciler.git.set_repository_credentials(entries);
            }
            Err(e) => tracing::debug!(error = %e, "cannot list repository Secrets"),
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// A repository Secret's fields (base64 `data`, or `stringData` as written).
pub fn repo_credential(secret: &Value) -> Option<crate::source::RepoCredential> {
    let kind = secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"].as_str()?;
    if kind != "repository" && kind != "repo-creds" {
        return None;
    }
    let field = |name: &str| -> Option<String> {
        if let Some(text) = secret["stringData"][name].as_str() {
            return Some(text.to_string());
        }
        use base64::Engine as _;
        let raw = secret["data"][name].as_str()?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(raw).ok()?;
        String::from_utf8(bytes).ok()
    };
    Some(crate::source::RepoCredential {
        url: field("url")?,
        username: field("username"),
        password: field("password"),
        ssh_private_key: field("sshPrivateKey"),
    })
}

/// One fetch per repository per interval, whatever the number of apps using it; a moved
/// ref queues every app of that repository.
async fn poll_repositories(reconciler: Arc<Reconciler>, interval: Duration) {
    let mut started: HashSet<String> = HashSet::new();
    // Dropping the set (when this task is aborted) stops every poller.
    let mut pollers = tokio::task::JoinSet::new();
    loop {
        for url in reconciler.repositories() {
            if started.insert(url.clone()) {
                pollers.spawn(poll_one(reconciler.clone(), url, interval));
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn poll_one(reconciler: Arc<Reconciler>, url: String, interval: Duration) {
    loop {
        let jitter = interval.mul_f64(rand_fraction() * 0.1);
        tokio::time::sleep(interval + jitter).await;
        let result = reconciler.fetch(&url).await;
        tracing::info!(
            repository = %redact_url(&url),
            fetches = reconciler.git.fetch_count(&url),
            changed = matches!(result, Ok(true)),
            "polled"
        );
        match result {
            Ok(true) => {
                for app in reconciler.apps_of_repository(&url) {
                    reconciler.queue.add(&app);
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(repository = %redact_url(&url), error = %e, "fetch failed"),
        }
    }
}

fn rand_fraction() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

/// A URL with any user information removed, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The ConfigMap with settings every Berth process in the cluster shares (the controller and
/// the CLI): `repositories.insteadOf` holds one `ORIGINAL=REPLACEMENT` per line.
pub const CONFIG_MAP: &str = "berth-config";
pub const INSTEAD_OF_KEY: &str = "repositories.insteadOf";

/// The URL rewrites stored in the cluster (none when the ConfigMap is absent).
pub async fn stored_url_rewrites(
    cluster: &Cluster,
    namespace: &str,
) -> Result<Vec<(String, String)>, ClusterError> {
    let gvk = GroupVersionKind::gvk("", "v1", "ConfigMap");
    let Some(cm) = cluster.get(&gvk, namespace, CONFIG_MAP).await? else {
        return Ok(Vec::new());
    };
    Ok(cm["data"][INSTEAD_OF_KEY]
        .as_str()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().split_once('='))
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .collect())
}

/// Records URL rewrites in the cluster for the CLI and later controllers.
pub async fn store_url_rewrites(
    cluster: &Cluster,
    namespace: &str,
    rewrites: &[(String, String)],
) -> Result<(), ClusterError> {
    let text: String = rewrites.iter().map(|(a, b)| format!("{a}={b}\n")).collect();
    let cm = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP, "namespace": namespace},
        "data": {INSTEAD_OF_KEY: text},
    });
    cluster.apply(&cm, false).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_secrets_are_read_as_argo_cd_writes_them() {
        let secret = json!({"metadata": {"labels": {"argocd.argoproj.io/secret-type": "repository"}},
            "data": {"url": "aHR0cHM6Ly9naXQuZXhhbXBsZS5jb20vYS5naXQ=", "password": "czNjcjN0"},
            "stringData": {"username": "ci"}});
        let c = repo_credential(&secret).expect("a repository secret");
        assert_eq!(c.url, "https://git.example.com/a.git");
        assert_eq!(c.username.as_deref(), Some("ci"));
        assert_eq!(c.password.as_deref(), Some("s3cr3t"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let other = json!({"metadata": {"labels": {}}, "data": {"url": "eA=="}});
        assert!(repo_credential(&other).is_none());
    }

    #[test]
    fn user_information_is_removed_from_logged_urls() {
        assert_eq!(
            redact_url("https://ci:s3cr3t@git.example.com/a.git"),
            "https://git.example.com/a.git"
        );
        assert_eq!(
            redact_url("https://git.example.com/a@b.git"),
            "https://git.example.com/a@b.git"
        );
        assert_eq!(redact_url("file:///tmp/repo"), "file:///tmp/repo");
    }
}
