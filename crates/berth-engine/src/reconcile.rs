//! Reconciling one Application: resolve and render its sources (cached by tree id), compare
//! with the live index, decide on automated sync and self-heal, advance a running sync
//! operation by one step, and write status.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use berth_kube::{SyncOptions, is_hook, is_ignored_hook, is_skip};
use kube::api::GroupVersionKind;
use serde_json::{Value, json};

use crate::cluster::{Cluster, ClusterError, gvk_of};
use crate::compare::{ignore_applies, normalize};
use crate::controller::{ControllerConfig, application_gvk};
use crate::health::ResourceHealthInput;
use crate::live::{AppObjects, LiveIndex};
use crate::model::{
    Application, ApplicationStatus, Condition, HealthSummary, InitiatedBy, Operation,
    OperationState, REFRESH_ANNOTATION, RESOURCES_FINALIZER, ResourceStatus, RevisionHistory,
    Source, SyncOperation, SyncResult, SyncStatus, TRACKING_ANNOTATION,
};
use crate::queue::WorkQueue;
use crate::source::{DesiredObject, GitSource, RenderContext, SourceError, render_sources};
use crate::sync::{StepOutcome, SyncContext, Target, step};
use crate::tracking::{ObjectKey, TrackingId};

type RenderResult = Result<(Vec<DesiredObject>, &'static str), SourceError>;

/// In-memory caches; all of them can be lost at any time without changing behaviour.
#[derive(Default)]
pub struct Caches {
    /// Render results by (tree ids, inputs).
    renders: Mutex<HashMap<String, Arc<RenderResult>>>,
    /// Comparison results by (object, desired hash, live resourceVersion).
    compares: Mutex<HashMap<ObjectKey, (u64, String, bool)>>,
    /// The repositories each app reads.
    repos_of_app: Mutex<HashMap<String, Vec<String>>>,
    /// Repositories fetched at least once by this process.
    fetched: Mutex<HashSet<String>>,
    /// Apps whose refresh annotation asks for a fetch before the next compare.
    refresh: Mutex<HashSet<String>>,
    /// Self-heal back-off per app: attempts in a row and the earliest next attempt.
    heal_backoff: Mutex<HashMap<String, (u32, Instant)>>,
    /// AppProjects by name, with when they were read (None: it does not exist).
    projects: Mutex<HashMap<String, (Instant, Option<Value>)>>,
    /// Serializes fetches of one repository.
    fetch_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct Reconciler {
    pub cluster: Cluster,
    pub git: Arc<dyn GitSource>,
    pub live: LiveIndex,
    pub queue: WorkQueue,
    pub config: ControllerConfig,
    pub caches: Caches,
}

fn now() -> String {
    berth_kube::now_rfc3339()
}

fn hash_value(v: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    h.finish()
}

/// What comparing an app found.
struct Comparison {
    revision: String,
    targets: Vec<Target>,
    live: AppObjects,
    resources: Vec<ResourceStatus>,
    in_sync: HashMap<ObjectKey, bool>,
    sync_status: &'static str,
    health: HealthSummary,
    source_type: &'static str,
    images: Vec<String>,
}

impl Reconciler {
    /// Every repository URL some app reads (after rewrites).
    pub fn repositories(&self) -> Vec<String> {
        let Ok(map) = self.caches.repos_of_app.lock() else {
            return Vec::new();
        };
        let set: HashSet<&String> = map.values().flatten().collect();
        set.into_iter().cloned().collect()
    }

    pub fn apps_of_repository(&self, url: &str) -> Vec<String> {
        let Ok(map) = self.caches.repos_of_app.lock() else {
            return Vec::new();
        };
        map.iter()
            .filter(|(_, urls)| urls.iter().any(|u| u == url))
            .map(|(app, _)| app.clone())
            .collect()
    }

    pub fn request_refresh(&self, app: &str) {
        if let Ok(mut r) = self.caches.refresh.lock() {
            r.insert(app.to_string());
        }
    }

    pub fn forget(&self, app: &str) {
        if let Ok(mut m) = self.caches.repos_of_app.lock() {
            m.remove(app);
        }
    }

    /// Fetches a repository on a blocking thread; one fetch of a URL at a time.
    pub async fn fetch(&self, url: &str) -> Result<bool, SourceError> {
        let lock = {
            let mut locks =
                self.caches
                    .fetch_locks
                    .lock()
                    .map_err(|_| SourceError::Repository {
                        url: url.into(),
                        message: "lock poisoned".into(),
                    })?;
            locks.entry(url.to_string()).or_default().clone()
        };
        let _guard = lock.lock().await;
        let git = self.git.clone();
        let u = url.to_string();
        let changed = tokio::task::spawn_blocking(move || git.fetch(&u))
            .await
            .map_err(|e| SourceError::Repository {
                url: url.into(),
                message: e.to_string(),
            })??;
        if let Ok(mut f) = self.caches.fetched.lock() {
            f.insert(url.to_string());
        }
        Ok(changed)
    }

    fn rewrite(&self, url: &str) -> String {
        for (from, to) in &self.config.url_rewrites {
            if let Some(rest) = url.strip_prefix(from.as_str()) {
                return format!("{to}{rest}");
            }
        }
        url.to_string()
    }

    /// Reconciles one app; returns when to look at it again.
    pub async fn reconcile(&self, name: &str) -> Option<Duration> {
        let resync = self.config.resync_interval;
        let obj = match self
            .cluster
            .get(&application_gvk(), &self.config.namespace, name)
            .await
        {
            Ok(Some(obj)) => obj,
            Ok(None) => {
                self.forget(name);
                return None;
            }
            Err(e) => {
                tracing::warn!(app = name, error = %e, "cannot read the Application");
                return Some(Duration::from_secs(5));
            }
        };
        let app = match Application::from_value(&obj) {
            Ok(app) => app,
            Err(e) => {
                let condition = Condition {
                    kind: "InvalidSpecError".into(),
                    message: e.to_string(),
                    last_transition_time: Some(now()),
                };
                let _ = self
                    .patch_app(name, json!({"status": {"conditions": [condition]}}))
                    .await;
                return Some(resync);
            }
        };
        if app.deleting {
            return self.finalize(&app).await;
        }
        match self.reconcile_app(&app).await {
            Ok(next) => Some(next.min(resync)),
            Err(e) => {
                tracing::warn!(app = name, error = %e, "reconcile failed");
                Some(Duration::from_secs(5))
            }
        }
    }

    async fn reconcile_app(&self, app: &Application) -> Result<Duration, ClusterError> {
        let sources: Vec<Source> = app
            .spec
            .all_sources()
            .into_iter()
            .map(|s| Source {
                repo_url: self.rewrite(&s.repo_url),
                ..s.clone()
            })
            .collect();
        let urls: Vec<String> = sources.iter().map(|s| s.repo_url.clone()).collect();
        if let Ok(mut m) = self.caches.repos_of_app.lock() {
            m.insert(app.name.clone(), urls.clone());
        }
        let refresh = self
            .caches
            .refresh
            .lock()
            .map(|mut r| r.remove(&app.name))
            .unwrap_or(false);
        let mut comparison_error = None;
        for url in &urls {
            let fetched = self
                .caches
                .fetched
                .lock()
                .map(|f| f.contains(url))
                .unwrap_or(false);
            if !fetched || refresh {
                match self.fetch(url).await {
                    // Refs moved: the repository's other apps may be behind too (a push
                    // that landed while this controller was starting).
                    Ok(true) => {
                        for other in self.apps_of_repository(url) {
                            if other != app.name {
                                self.queue.add(&other);
                            }
                        }
                    }
                    Ok(false) => {}
                    Err(e) => comparison_error = Some(e.to_string()),
                }
            }
        }
        if refresh || app.annotations.contains_key(REFRESH_ANNOTATION) {
            let patch = json!({"metadata": {"annotations": {REFRESH_ANNOTATION: null}}});
            let _ = self.patch_app(&app.name, patch).await;
        }

        // The operation may ask for another revision than the one compared.
        let project = self.project(app).await;
        let comparison = match (&project, comparison_error) {
            (Err(e), _) => Err(e.clone()),
            (_, Some(e)) => Err(e),
            (Ok(_), None) => self.compare(app, &sources, None).await,
        };
        let mut status = app.status.clone();
        let mut next = self.config.resync_interval;
        match &comparison {
            Ok(c) => {
                status.sync = SyncStatus {
                    status: c.sync_status.into(),
                    revision: c.revision.clone(),
                    compared_to: Some(crate::model::ComparedTo {
                        source: app
                            .spec
                            .all_sources()
                            .first()
                            .map(|s| (*s).clone())
                            .unwrap_or_default(),
                        destination: app.spec.destination.clone(),
                    }),
                };
                status.health = c.health.clone();
                status.resources = c.resources.clone();
                status.source_type = Some(c.source_type.into());
                status.summary.images = c.images.clone();
                set_condition(&mut status.conditions, "ComparisonError", None);
            }
            Err(message) => {
                status.sync.status = "Unknown".into();
                let (kind, other) = if project.is_err() {
                    ("InvalidSpecError", "ComparisonError")
                } else {
                    ("ComparisonError", "InvalidSpecError")
                };
                set_condition(&mut status.conditions, kind, Some(message));
                set_condition(&mut status.conditions, other, None);
            }
        }
        if project.is_ok() && comparison.is_ok() {
            set_condition(&mut status.conditions, "InvalidSpecError", None);
        }

        // Automated sync: once per new revision; again on drift only with selfHeal.
        let mut operation = app.operation.clone();
        if operation.is_none() {
            if let (Ok(c), Some(auto)) = (&comparison, app.spec.automated()) {
                if let Some(op) =
                    self.auto_sync(app, c, auto.prune, auto.self_heal, auto.allow_empty)
                {
                    self.patch_app(&app.name, json!({"operation": op})).await?;
                    self.event(
                        app,
                        "OperationStarted",
                        &format!("Initiated automated sync to '{}'", c.revision),
                    )
                    .await;
                    operation = Some(op);
                }
            }
        }

        let mut patch = serde_json::Map::new();
        if let Some(op) = operation {
            let (state, outcome) = self
                .run_operation(app, &sources, &op, comparison.as_ref().ok())
                .await;
            if let StepOutcome::Running(d) = outcome {
                next = d;
            } else {
                next = Duration::from_millis(200);
                patch.insert("operation".into(), Value::Null);
                if state.phase == "Succeeded" {
                    push_history(&mut status, &state, app);
                }
                let reason = if state.phase == "Succeeded" {
                    "OperationCompleted"
                } else {
                    "OperationFailed"
                };
                let revision = state
                    .sync_result
                    .as_ref()
                    .map(|r| r.revision.clone())
                    .unwrap_or_default();
                self.event(
                    app,
                    reason,
                    &format!(
                        "Sync operation to {revision} {}: {}",
                        state.phase.to_lowercase(),
                        state.message
                    ),
                )
                .await;
            }
            status.operation_state = Some(state);
        }
        let changed = strip_time(&status) != strip_time(&app.status) || !patch.is_empty();
        let stale = app
            .status
            .reconciled_at
            .as_deref()
            .and_then(berth_kube::unix_from_rfc3339)
            .is_none_or(|t| {
                let now = berth_kube::unix_from_rfc3339(&now()).unwrap_or(t);
                // A heartbeat, not news: refreshed every few resyncs so an idle controller
                // does not rewrite every Application each interval.
                now - t >= 5 * self.config.resync_interval.as_secs().max(60) as i64
            });
        if changed || stale {
            status.reconciled_at = Some(now());
            let status_value = serde_json::to_value(&status).unwrap_or(Value::Null);
            patch.insert("status".into(), status_value);
            self.patch_app(&app.name, Value::Object(patch)).await?;
        }
        Ok(next)
    }

    /// The app's AppProject, or why the app may not use it. Projects are read at most every
    /// few seconds: every reconcile needs one and they rarely change.
    async fn project(&self, app: &Application) -> Result<Value, String> {
        let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "AppProject");
        let name = if app.spec.project.is_empty() {
            "default"
        } else {
            app.spec.project.as_str()
        };
        let cached = self.caches.projects.lock().ok().and_then(|c| {
            c.get(name)
                .filter(|(at, _)| at.elapsed() < Duration::from_secs(5))
                .map(|(_, p)| p.clone())
        });
        let found = match cached {
            Some(p) => p,
            None => {
                let p = self
                    .cluster
                    .get(&gvk, &self.config.namespace, name)
                    .await
                    .map_err(|e| e.to_string())?;
                if let Ok(mut c) = self.caches.projects.lock() {
                    c.insert(name.to_string(), (Instant::now(), p.clone()));
                }
                p
            }
        };
        let Some(project) = found else {
            return Err(format!(
                "Application referencing project {name} which does not exist"
            ));
        };
        match crate::project::check_app(&project, &app.spec.all_sources(), &app.spec.destination) {
            Some(problem) => Err(problem),
            None => Ok(project),
        }
    }

    /// The operation to start for automated sync, if any.
    fn auto_sync(
        &self,
        app: &Application,
        c: &Comparison,
        prune: bool,
        self_heal: bool,
        allow_empty: bool,
    ) -> Option<Operation> {
        if c.sync_status != "OutOfSync" {
            if let Ok(mut b) = self.caches.heal_backoff.lock() {
                b.remove(&app.name);
            }
            return None;
        }
        if c.targets.is_empty() && !allow_empty {
            return None;
        }
        // Without prune, objects that only need pruning stay OutOfSync after any sync;
        // syncing again would loop forever (Argo CD skips this case too).
        let needs_apply = c
            .resources
            .iter()
            .any(|r| r.status == "OutOfSync" && !r.requires_pruning);
        if !prune && !needs_apply {
            return None;
        }
        let last = app.status.operation_state.as_ref();
        let last_revision = last
            .and_then(|s| s.sync_result.as_ref())
            .map(|r| r.revision.as_str());
        let already_tried = last.is_some_and(|s| s.operation.initiated_by.automated)
            && last_revision == Some(c.revision.as_str());
        if already_tried {
            if !self_heal {
                return None;
            }
            let mut backoff = self.caches.heal_backoff.lock().ok()?;
            let entry = backoff
                .entry(app.name.clone())
                .or_insert((0, Instant::now()));
            if Instant::now() < entry.1 {
                self.queue.add_after(&app.name, entry.1 - Instant::now());
                return None;
            }
            // Back off only while self-heal keeps failing: 2 s, ×3, at most 5 min.
            let failed = last.is_some_and(|s| s.phase != "Succeeded");
            if failed {
                let delay = Duration::from_secs(2)
                    .saturating_mul(3u32.saturating_pow(entry.0))
                    .min(Duration::from_secs(300));
                entry.0 = entry.0.saturating_add(1);
                entry.1 = Instant::now() + delay;
            }
        }
        Some(Operation {
            sync: Some(SyncOperation {
                revision: c.revision.clone(),
                prune,
                dry_run: false,
                sync_options: Vec::new(),
            }),
            initiated_by: InitiatedBy {
                username: String::new(),
                automated: true,
            },
            retry: app.spec.sync_policy.as_ref().and_then(|p| p.retry.clone()),
        })
    }

    /// Renders (through the cache) and compares with the live index.
    async fn compare(
        &self,
        app: &Application,
        sources: &[Source],
        revision_override: Option<&str>,
    ) -> Result<Comparison, String> {
        let mut commits = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let rev = match (i, revision_override) {
                (0, Some(r)) if !r.is_empty() => r.to_string(),
                _ => source.target_revision.clone(),
            };
            let git = self.git.clone();
            let url = source.repo_url.clone();
            let commit = tokio::task::spawn_blocking(move || git.resolve(&url, &rev))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            commits.push(commit);
        }
        let revision = commits.first().cloned().unwrap_or_default();
        let rendered = self.render(app, sources, &commits).await?;
        let (desired, source_type) = match rendered.as_ref() {
            Ok((d, k)) => (d.clone(), *k),
            Err(e) => return Err(e.to_string()),
        };
        let targets = self.targets(app, desired).await?;
        if let Ok(project) = self.project(app).await {
            for t in &targets {
                let namespaced = !t.key.namespace.is_empty();
                if !crate::project::resource_permitted(
                    &project,
                    &t.key.group,
                    &t.key.kind,
                    &t.key.name,
                    namespaced,
                ) {
                    return Err(format!(
                        "{} is not permitted in project '{}'",
                        t.key,
                        project["metadata"]["name"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
        // Watch every kind the app renders and every kind it managed before (to prune).
        let mut kinds: HashMap<(String, String), GroupVersionKind> = HashMap::new();
        for t in &targets {
            let gvk = gvk_of(&t.object);
            kinds.insert((gvk.group.clone(), gvk.kind.clone()), gvk);
        }
        for r in &app.status.resources {
            kinds
                .entry((r.group.clone(), r.kind.clone()))
                .or_insert_with(|| GroupVersionKind::gvk(&r.group, &r.version, &r.kind));
        }
        for gvk in kinds.values() {
            match self.live.ensure_watched(gvk, Duration::from_secs(30)).await {
                Ok(()) | Err(ClusterError::UnknownKind { .. }) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        let live = self.live.objects_of(&app.name);
        let ignores: Vec<_> = app.spec.ignore_differences.iter().collect();
        let mut resources = Vec::new();
        let mut in_sync = HashMap::new();
        let mut out_of_sync = false;
        let mut images = HashSet::new();
        let mut health_inputs = Vec::new();
        for t in &targets {
            let hook = is_hook(&t.object) || is_ignored_hook(&t.object);
            let live_obj = live.get(&t.key);
            let synced = if hook || is_skip(&t.object) {
                true
            } else {
                match live_obj {
                    None => false,
                    Some(l) => {
                        let applicable: Vec<_> = ignores
                            .iter()
                            .copied()
                            .filter(|i| ignore_applies(i, &t.object))
                            .collect();
                        self.in_sync(&t.key, &t.object, l, &applicable).await
                    }
                }
            };
            in_sync.insert(t.key.clone(), synced);
            if !synced {
                out_of_sync = true;
            }
            collect_images(
                live_obj.map(|l| l.as_ref()).unwrap_or(&t.object),
                &mut images,
            );
            let health = live_obj.and_then(|l| berth_kube::resource_health(l));
            if !hook {
                resources.push(resource_status(
                    &t.key,
                    &t.object,
                    if synced { "Synced" } else { "OutOfSync" },
                    live_obj.map(|_| health.clone()).unwrap_or_else(|| {
                        Some(berth_kube::Health::new(
                            berth_kube::HealthStatus::Missing,
                            "",
                        ))
                    }),
                    false,
                ));
            }
            health_inputs.push((Some(t.object.clone()), live_obj.cloned()));
        }
        let wanted: HashSet<&ObjectKey> = targets.iter().map(|t| &t.key).collect();
        for (key, obj) in &live {
            if wanted.contains(key) || is_hook(obj) {
                continue;
            }
            out_of_sync = true;
            let health = berth_kube::resource_health(obj);
            resources.push(resource_status(key, obj, "OutOfSync", health, true));
            health_inputs.push((None, Some(obj.clone())));
        }
        resources.sort_by(|a, b| {
            (a.sync_wave, &a.group, &a.kind, &a.namespace, &a.name).cmp(&(
                b.sync_wave,
                &b.group,
                &b.kind,
                &b.namespace,
                &b.name,
            ))
        });
        let report = berth_kube::app_health_report(
            health_inputs
                .iter()
                .map(|(t, l)| ResourceHealthInput::new(t.as_ref(), l.as_deref())),
        );
        let mut images: Vec<String> = images.into_iter().collect();
        images.sort();
        Ok(Comparison {
            revision,
            targets,
            live,
            resources,
            in_sync,
            sync_status: if out_of_sync { "OutOfSync" } else { "Synced" },
            health: HealthSummary {
                status: report.status.as_str().into(),
                message: if report.status == berth_kube::HealthStatus::Healthy {
                    String::new()
                } else {
                    report.message
                },
            },
            source_type,
            images,
        })
    }

    async fn render(
        &self,
        app: &Application,
        sources: &[Source],
        commits: &[String],
    ) -> Result<Arc<RenderResult>, String> {
        // The cache key: the tree of every source path (or the commit, when values come from
        // outside the chart) plus every other render input.
        let mut key = String::new();
        for (source, commit) in sources.iter().zip(commits) {
            let outside = source.helm.as_ref().is_some_and(|h| {
                h.value_files
                    .iter()
                    .any(|f| f.starts_with('$') || f.contains(".."))
            }) || source.reference.is_some();
            let git = self.git.clone();
            let (url, c, path) = (source.repo_url.clone(), commit.clone(), source.path.clone());
            let tree =
                tokio::task::spawn_blocking(move || git.tree_id(&url, &c, path.trim_matches('/')))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
            key.push_str(&format!(
                "{}|{}|{}|",
                source.repo_url,
                tree.unwrap_or_default(),
                if outside { commit.as_str() } else { "" }
            ));
        }
        let refs: Vec<&Source> = sources.iter().collect();
        key.push_str(&crate::source::inputs_key(
            &refs,
            &app.name,
            &app.spec.destination.namespace,
        ));
        if let Some(hit) = self
            .caches
            .renders
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return Ok(hit);
        }
        let git = self.git.clone();
        let sources_owned = sources.to_vec();
        let commits_owned = commits.to_vec();
        let app_name = app.name.clone();
        let namespace = app.spec.destination.namespace.clone();
        let result = tokio::task::spawn_blocking(move || {
            let refs: Vec<&Source> = sources_owned.iter().collect();
            let ctx = RenderContext {
                app_name: &app_name,
                namespace: &namespace,
                commits: &commits_owned,
            };
            // A chart that panics must not take the controller down with it.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                render_sources(git.as_ref(), &refs, &ctx)
            }))
            .unwrap_or_else(|_| {
                Err(SourceError::Render(
                    "the renderer failed unexpectedly".into(),
                ))
            })
        })
        .await
        .map_err(|e| e.to_string())?;
        let result = Arc::new(result);
        if let Ok(mut cache) = self.caches.renders.lock() {
            if cache.len() > 4096 {
                cache.clear();
            }
            cache.insert(key, result.clone());
        }
        Ok(result)
    }

    /// Rendered objects made ready to apply: default namespace, tracking annotation.
    async fn targets(
        &self,
        app: &Application,
        desired: Vec<DesiredObject>,
    ) -> Result<Vec<Target>, String> {
        let crd_scopes: HashMap<(String, String), bool> = desired
            .iter()
            .filter(|d| d.object["kind"] == "CustomResourceDefinition")
            .filter_map(|d| {
                let spec = &d.object["spec"];
                Some((
                    (
                        spec["group"].as_str()?.to_string(),
                        spec["names"]["kind"].as_str()?.to_string(),
                    ),
                    spec["scope"].as_str() == Some("Namespaced"),
                ))
            })
            .collect();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for d in desired {
            let mut obj = d.object;
            let gvk = gvk_of(&obj);
            let namespaced = match self.cluster.resource_type(&gvk).await {
                Ok(rt) => rt.namespaced,
                Err(ClusterError::UnknownKind { .. }) => crd_scopes
                    .get(&(gvk.group.clone(), gvk.kind.clone()))
                    .copied()
                    .unwrap_or(true),
                Err(e) => return Err(e.to_string()),
            };
            let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
                return Err(format!("{}: object has no metadata", d.source_file));
            };
            if namespaced {
                let has_ns = meta
                    .get("namespace")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty());
                if !has_ns {
                    let ns = if app.spec.destination.namespace.is_empty() {
                        "default"
                    } else {
                        app.spec.destination.namespace.as_str()
                    };
                    meta.insert("namespace".into(), Value::from(ns));
                }
            } else {
                meta.remove("namespace");
            }
            let Some(key) = ObjectKey::of(&obj) else {
                return Err(format!("{}: object has no name", d.source_file));
            };
            if !seen.insert(key.clone()) {
                return Err(format!(
                    "{}: {key} is defined more than once",
                    d.source_file
                ));
            }
            let id = TrackingId::new(&app.name, &key).to_string();
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                let ann = meta.entry("annotations").or_insert_with(|| json!({}));
                if !ann.is_object() {
                    *ann = json!({});
                }
                if let Some(ann) = ann.as_object_mut() {
                    ann.insert(TRACKING_ANNOTATION.into(), Value::from(id));
                }
            }
            out.push(Target { key, object: obj });
        }
        Ok(out)
    }

    /// Whether the live object already equals what applying the target would give,
    /// answered by a server-side dry-run (cached until either side changes).
    async fn in_sync(
        &self,
        key: &ObjectKey,
        target: &Value,
        live: &Value,
        ignores: &[&crate::model::IgnoreDifference],
    ) -> bool {
        let desired_hash =
            hash_value(target) ^ hash_value(&serde_json::to_value(ignores).unwrap_or_default());
        let rv = live["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some((h, v, result)) = self
            .caches
            .compares
            .lock()
            .ok()
            .and_then(|c| c.get(key).cloned())
        {
            if h == desired_hash && v == rv {
                return result;
            }
        }
        let managers: Vec<String> = ignores
            .iter()
            .flat_map(|i| i.managed_fields_managers.iter().cloned())
            .collect();
        let result = match self.cluster.apply(target, true).await {
            Ok(predicted) => {
                let predicted = crate::compare::strip_managed_by(&predicted, live, &managers);
                let current = crate::compare::strip_managed_by(live, live, &managers);
                normalize(&predicted, ignores) == normalize(&current, ignores)
            }
            Err(e) => {
                tracing::debug!(object = %key, error = %e, "dry-run failed");
                false
            }
        };
        if let Ok(mut c) = self.caches.compares.lock() {
            c.insert(key.clone(), (desired_hash, rv, result));
        }
        result
    }

    /// Starts or continues the app's operation by one step.
    async fn run_operation(
        &self,
        app: &Application,
        sources: &[Source],
        op: &Operation,
        comparison: Option<&Comparison>,
    ) -> (OperationState, StepOutcome) {
        let sync = op.sync.clone().unwrap_or_default();
        let mut state = match &app.status.operation_state {
            Some(s) if s.phase == "Running" && s.operation == *op => s.clone(),
            _ => {
                let state = OperationState {
                    operation: op.clone(),
                    phase: "Running".into(),
                    message: "starting".into(),
                    started_at: now(),
                    finished_at: None,
                    retry_count: 0,
                    sync_result: None,
                };
                // Recorded before any work: the sync id derives from it, so a controller
                // killed after creating a hook recognises that hook on restart.
                let patch = json!({"status": {"operationState": state}});
                if let Err(e) = self.patch_app(&app.name, patch).await {
                    tracing::warn!(app = %app.name, error = %e, "cannot record the operation's start");
                    return (state, StepOutcome::Running(Duration::from_secs(1)));
                }
                state
            }
        };
        let fail = |mut state: OperationState, message: String| {
            state.phase = "Failed".into();
            state.message = message.clone();
            state.finished_at = Some(now());
            (state, StepOutcome::Failed(message))
        };
        if let Err(problem) = self.project(app).await {
            return fail(state, problem);
        }
        // A sync to an explicit revision renders that revision.
        let fresh;
        let comparison = match comparison {
            Some(c) if sync.revision.is_empty() || c.revision.starts_with(&sync.revision) => c,
            _ => match self.compare(app, sources, Some(&sync.revision)).await {
                Ok(c) => {
                    fresh = c;
                    &fresh
                }
                Err(e) => return fail(state, e),
            },
        };
        if comparison.targets.is_empty()
            && !app.spec.automated().is_some_and(|a| a.allow_empty)
            && (sync.prune || app.spec.automated().is_some_and(|a| a.prune))
            && !comparison.live.is_empty()
        {
            return fail(state, "the sources rendered no objects; refusing to prune everything (set allowEmpty to allow it)".into());
        }
        let result = state.sync_result.get_or_insert_with(SyncResult::default);
        result.revision = comparison.revision.clone();
        result.source = sources.first().cloned().unwrap_or_default();
        let options = SyncOptions::from_list(
            app.spec
                .sync_options()
                .iter()
                .chain(sync.sync_options.iter())
                .map(String::as_str),
        );
        if options.create_namespace.unwrap_or(false)
            && !app.spec.destination.namespace.is_empty()
            && !sync.dry_run
        {
            if let Err(e) = self.create_namespace(app).await {
                return fail(
                    state,
                    format!("creating namespace {}: {e}", app.spec.destination.namespace),
                );
            }
        }
        let sync_id = format!("{}/{}", state.started_at, state.retry_count);
        let ctx = SyncContext {
            cluster: &self.cluster,
            targets: &comparison.targets,
            live: &comparison.live,
            in_sync: &comparison.in_sync,
            prune: sync.prune,
            dry_run: sync.dry_run,
            options,
            sync_id: &sync_id,
        };
        let outcome = step(&ctx, &mut state).await;
        match &outcome {
            StepOutcome::Running(_) => {}
            StepOutcome::Succeeded(m) => {
                state.phase = "Succeeded".into();
                state.message = m.clone();
                state.finished_at = Some(now());
            }
            StepOutcome::Failed(m) => {
                let limit = op.retry.as_ref().map(|r| r.limit).unwrap_or(0);
                if limit < 0 || state.retry_count < limit {
                    state.retry_count += 1;
                    state.message = format!("retrying (attempt {}): {m}", state.retry_count);
                    state.sync_result = None;
                    let backoff = retry_delay(op, state.retry_count);
                    return (state, StepOutcome::Running(backoff));
                }
                crate::sync::on_failure(&ctx).await;
                state.phase = "Failed".into();
                state.message = m.clone();
                state.finished_at = Some(now());
            }
        }
        (state, outcome)
    }

    async fn create_namespace(&self, app: &Application) -> Result<(), ClusterError> {
        let ns_gvk = GroupVersionKind::gvk("", "v1", "Namespace");
        let name = &app.spec.destination.namespace;
        let metadata = app
            .spec
            .sync_policy
            .as_ref()
            .and_then(|p| p.managed_namespace_metadata.clone());
        if metadata.is_none() && self.cluster.get(&ns_gvk, "", name).await?.is_some() {
            return Ok(());
        }
        let mut ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if let Some(m) = metadata {
            ns["metadata"]["labels"] = serde_json::to_value(&m.labels).unwrap_or_default();
            ns["metadata"]["annotations"] =
                serde_json::to_value(&m.annotations).unwrap_or_default();
        }
        self.cluster.apply(&ns, false).await.map(|_| ())
    }

    /// Deleting an Application: with the resources finalizer, its objects go first.
    async fn finalize(&self, app: &Application) -> Option<Duration> {
        if !app
            .finalizers
            .iter()
            .any(|f| f.starts_with(RESOURCES_FINALIZER))
        {
            return None;
        }
        let live = self.live.objects_of(&app.name);
        // Make sure the kinds it managed are watched, so nothing is left behind.
        for r in &app.status.resources {
            let gvk = GroupVersionKind::gvk(&r.group, &r.version, &r.kind);
            let _ = self
                .live
                .ensure_watched(&gvk, Duration::from_secs(30))
                .await;
        }
        let live = if live.is_empty() {
            self.live.objects_of(&app.name)
        } else {
            live
        };
        let background = app.finalizers.iter().any(|f| f.ends_with("/background"));
        let mut remaining = 0;
        for (key, obj) in &live {
            let options = SyncOptions::from_annotation(obj);
            if matches!(options.delete, Some(berth_kube::RemovalPolicy::Disabled)) {
                continue;
            }
            remaining += 1;
            if obj["metadata"]["deletionTimestamp"].is_null() {
                let policy = if background {
                    "background"
                } else {
                    "foreground"
                };
                if let Err(e) = self
                    .cluster
                    .delete(&gvk_of(obj), &key.namespace, &key.name, policy)
                    .await
                {
                    tracing::warn!(app = %app.name, object = %key, error = %e, "cascade delete failed");
                }
            }
        }
        if remaining > 0 {
            return Some(Duration::from_secs(1));
        }
        let finalizers: Vec<&String> = app
            .finalizers
            .iter()
            .filter(|f| !f.starts_with(RESOURCES_FINALIZER))
            .collect();
        let _ = self
            .patch_app(&app.name, json!({"metadata": {"finalizers": finalizers}}))
            .await;
        self.forget(&app.name);
        None
    }

    async fn patch_app(&self, name: &str, patch: Value) -> Result<(), ClusterError> {
        self.cluster
            .merge_patch(&application_gvk(), &self.config.namespace, name, &patch)
            .await
            .map(|_| ())
    }

    /// A Kubernetes Event on the Application (best effort).
    async fn event(&self, app: &Application, reason: &str, message: &str) {
        let stamp = now();
        let name = format!(
            "{}.{:x}",
            app.name,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        );
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": app.namespace},
            "involvedObject": {
                "apiVersion": crate::model::API_VERSION,
                "kind": "Application",
                "name": app.name,
                "namespace": app.namespace,
                "uid": app.uid,
            },
            "reason": reason,
            "message": message,
            "type": if reason.contains("Fail") { "Warning" } else { "Normal" },
            "source": {"component": "berth-controller"},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        });
        if let Err(e) = self.cluster.apply(&event, false).await {
            tracing::debug!(error = %e, "event not recorded");
        }
    }
}

fn retry_delay(op: &Operation, attempt: i64) -> Duration {
    let backoff = op
        .retry
        .as_ref()
        .and_then(|r| r.backoff.clone())
        .unwrap_or_default();
    let base = backoff
        .duration
        .as_deref()
        .and_then(parse_duration)
        .unwrap_or(Duration::from_secs(5));
    let factor = backoff.factor.unwrap_or(2).max(1) as u32;
    let max = backoff
        .max_duration
        .as_deref()
        .and_then(parse_duration)
        .unwrap_or(Duration::from_secs(180));
    base.saturating_mul(factor.saturating_pow(attempt.saturating_sub(1).clamp(0, 30) as u32))
        .min(max)
}

/// Go-style durations as Argo CD writes them: `5s`, `3m`, `1h30m`, or plain seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
    }
    if !number.is_empty() {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

fn set_condition(conditions: &mut Vec<Condition>, kind: &str, message: Option<&String>) {
    match message {
        None => conditions.retain(|c| c.kind != kind),
        Some(m) => {
            if let Some(c) = conditions.iter_mut().find(|c| c.kind == kind) {
                if c.message != *m {
                    c.message = m.clone();
                    c.last_transition_time = Some(now());
                }
            } else {
                conditions.push(Condition {
                    kind: kind.into(),
                    message: m.clone(),
                    last_transition_time: Some(now()),
                });
            }
        }
    }
}

fn strip_time(status: &ApplicationStatus) -> ApplicationStatus {
    let mut s = status.clone();
    s.reconciled_at = None;
    s
}

fn push_history(status: &mut ApplicationStatus, state: &OperationState, app: &Application) {
    let id = status.history.iter().map(|h| h.id).max().unwrap_or(-1) + 1;
    let result = state.sync_result.clone().unwrap_or_default();
    if state.operation.sync.as_ref().is_some_and(|s| s.dry_run) {
        return;
    }
    status.history.push(RevisionHistory {
        id,
        revision: result.revision,
        source: result.source,
        deployed_at: now(),
        deploy_started_at: Some(state.started_at.clone()),
        initiated_by: state.operation.initiated_by.clone(),
    });
    let limit = app.spec.history_limit();
    if status.history.len() > limit {
        let drop = status.history.len() - limit;
        status.history.drain(..drop);
    }
}

fn resource_status(
    key: &ObjectKey,
    obj: &Value,
    status: &str,
    health: Option<berth_kube::Health>,
    requires_pruning: bool,
) -> ResourceStatus {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    ResourceStatus {
        group: key.group.clone(),
        version: api_version
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        status: status.into(),
        health: health.map(|h| HealthSummary {
            status: h.status.as_str().into(),
            message: h.message,
        }),
        hook: false,
        requires_pruning,
        sync_wave: berth_kube::wave(obj).map(i64::from).unwrap_or(0),
    }
}

fn collect_images(obj: &Value, out: &mut HashSet<String>) {
    let spec = if obj["kind"] == "Pod" {
        &obj["spec"]
    } else if obj["kind"] == "CronJob" {
        &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    } else {
        &obj["spec"]["template"]["spec"]
    };
    for list in ["containers", "initContainers"] {
        for c in spec[list].as_array().into_iter().flatten() {
            if let Some(image) = c["image"].as_str() {
                out.insert(image.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("3m"), Some(Duration::from_secs(180)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("5"), Some(Duration::from_secs(5)));
    }
}

/// One resource of `berth app diff`.
#[derive(Debug, Clone)]
pub struct ResourceDiff {
    pub key: ObjectKey,
    /// Synced, OutOfSync (create or change), or Prune (live but no longer wanted).
    pub status: &'static str,
    /// A unified diff of live → desired as YAML, Secret values masked; empty when equal.
    pub diff: String,
}

impl Reconciler {
    /// What a sync of the app would change now, resource by resource.
    pub async fn diff(&self, name: &str) -> Result<Vec<ResourceDiff>, String> {
        let obj = self
            .cluster
            .get(&application_gvk(), &self.config.namespace, name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "application {name:?} not found in namespace {}",
                    self.config.namespace
                )
            })?;
        let app = Application::from_value(&obj).map_err(|e| e.to_string())?;
        let sources: Vec<Source> = app
            .spec
            .all_sources()
            .into_iter()
            .map(|s| Source {
                repo_url: self.rewrite(&s.repo_url),
                ..s.clone()
            })
            .collect();
        for s in &sources {
            self.fetch(&s.repo_url).await.map_err(|e| e.to_string())?;
        }
        let c = self.compare(&app, &sources, None).await?;
        let ignores: Vec<_> = app.spec.ignore_differences.iter().collect();
        let mut out = Vec::new();
        for t in &c.targets {
            if is_hook(&t.object) || is_skip(&t.object) || is_ignored_hook(&t.object) {
                continue;
            }
            let applicable: Vec<_> = ignores
                .iter()
                .copied()
                .filter(|i| ignore_applies(i, &t.object))
                .collect();
            let live = c.live.get(&t.key).map(|l| normalize(l, &applicable));
            let predicted = match self.cluster.apply(&t.object, true).await {
                Ok(p) => normalize(&p, &applicable),
                // The kind is not served yet (its CRD comes with this sync): show the object.
                Err(_) => normalize(&t.object, &applicable),
            };
            let synced = c.in_sync.get(&t.key).copied().unwrap_or(false);
            let title = t.key.to_string();
            out.push(ResourceDiff {
                key: t.key.clone(),
                status: if synced { "Synced" } else { "OutOfSync" },
                diff: if synced {
                    String::new()
                } else {
                    crate::compare::unified_diff(&title, live.as_ref(), Some(&predicted))
                },
            });
        }
        let wanted: HashSet<&ObjectKey> = c.targets.iter().map(|t| &t.key).collect();
        for (key, live) in &c.live {
            if wanted.contains(key) || is_hook(live) {
                continue;
            }
            let live = normalize(live, &[]);
            out.push(ResourceDiff {
                key: key.clone(),
                status: "Prune",
                diff: crate::compare::unified_diff(&key.to_string(), Some(&live), None),
            });
        }
        Ok(out)
    }
}
