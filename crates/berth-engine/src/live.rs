//! The live state of managed objects: one watch per resource type, feeding an index by
//! tracking id, so comparing an app reads its own objects from memory, and a change to one
//! of them wakes that app (self-heal).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, GroupVersionKind};
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

use crate::cluster::{Cluster, ClusterError, to_value};
use crate::model::TRACKING_ANNOTATION;
use crate::tracking::{ObjectKey, TrackingId};

/// The objects one app manages, by key.
pub type AppObjects = HashMap<ObjectKey, Arc<Value>>;

#[derive(Default)]
struct Index {
    objects: HashMap<ObjectKey, (String, Arc<Value>)>,
    by_app: HashMap<String, HashSet<ObjectKey>>,
}

impl Index {
    fn insert(&mut self, key: ObjectKey, app: String, obj: Arc<Value>) {
        if let Some((old_app, _)) = self.objects.get(&key) {
            if *old_app != app {
                if let Some(set) = self.by_app.get_mut(old_app) {
                    set.remove(&key);
                }
            }
        }
        self.by_app
            .entry(app.clone())
            .or_default()
            .insert(key.clone());
        self.objects.insert(key, (app, obj));
    }

    fn remove(&mut self, key: &ObjectKey) -> Option<String> {
        let (app, _) = self.objects.remove(key)?;
        if let Some(set) = self.by_app.get_mut(&app) {
            set.remove(key);
        }
        Some(app)
    }
}

struct TypeState {
    synced: bool,
    notify: Arc<Notify>,
}

/// Shared by the reconcile workers (readers) and one watch task per type (writers).
#[derive(Clone)]
pub struct LiveIndex {
    cluster: Cluster,
    index: Arc<RwLock<Index>>,
    types: Arc<Mutex<HashMap<(String, String), TypeState>>>,
    wake: mpsc::UnboundedSender<String>,
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl LiveIndex {
    /// Stops every watch (when the controller stops).
    pub fn stop(&self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
    }

    /// `wake` receives the name of an app whose objects changed.
    pub fn new(cluster: Cluster, wake: mpsc::UnboundedSender<String>) -> LiveIndex {
        LiveIndex {
            cluster,
            index: Arc::default(),
            types: Arc::default(),
            wake,
            tasks: Arc::default(),
        }
    }

    /// Starts watching a kind (once) and waits until its first list is in the index.
    pub async fn ensure_watched(
        &self,
        gvk: &GroupVersionKind,
        timeout: Duration,
    ) -> Result<(), ClusterError> {
        let key = (gvk.group.clone(), gvk.kind.clone());
        if self.is_synced(&key) {
            return Ok(());
        }
        let known = self.types.lock().map_err(poisoned)?.contains_key(&key);
        let rt = if known {
            None
        } else {
            Some(self.cluster.resource_type(gvk).await?)
        };
        let notify = {
            let mut types = self.types.lock().map_err(poisoned)?;
            match (types.get(&key), rt) {
                (Some(state), _) if state.synced => return Ok(()),
                (Some(state), _) => state.notify.clone(),
                (None, None) => return Err(poisoned(())),
                (None, Some(rt)) => {
                    let notify = Arc::new(Notify::new());
                    types.insert(
                        key.clone(),
                        TypeState {
                            synced: false,
                            notify: notify.clone(),
                        },
                    );
                    let api: Api<DynamicObject> =
                        Api::all_with(self.cluster.client().clone(), &rt.resource);
                    let handle = tokio::spawn(self.clone().watch(api, key.clone()));
                    if let Ok(mut tasks) = self.tasks.lock() {
                        tasks.push(handle.abort_handle());
                    }
                    notify
                }
            }
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let wait = notify.notified();
            tokio::pin!(wait);
            wait.as_mut().enable();
            if self.is_synced(&key) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, wait).await.is_err() {
                return if self.is_synced(&key) {
                    Ok(())
                } else {
                    Err(ClusterError::Transport(format!(
                        "the watch on {} did not list within {timeout:?}",
                        gvk.kind
                    )))
                };
            }
        }
    }

    fn is_synced(&self, key: &(String, String)) -> bool {
        self.types
            .lock()
            .ok()
            .and_then(|t| t.get(key).map(|s| s.synced))
            .unwrap_or(false)
    }

    async fn watch(self, api: Api<DynamicObject>, key: (String, String)) {
        let mut stream = watcher::watcher(api, watcher::Config::default()).boxed();
        let mut relist: Option<HashSet<ObjectKey>> = None;
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Init) => relist = Some(HashSet::new()),
                Ok(Event::InitApply(obj)) => {
                    if let Some(k) = self.apply(&obj) {
                        if let Some(seen) = relist.as_mut() {
                            seen.insert(k);
                        }
                    }
                }
                Ok(Event::InitDone) => {
                    if let Some(seen) = relist.take() {
                        self.drop_unseen(&key, &seen);
                    }
                    if let Ok(mut types) = self.types.lock() {
                        if let Some(state) = types.get_mut(&key) {
                            state.synced = true;
                            state.notify.notify_waiters();
                        }
                    }
                }
                Ok(Event::Apply(obj)) => {
                    self.apply(&obj);
                }
                Ok(Event::Delete(obj)) => {
                    let value = to_value(&obj);
                    if let Some(k) = ObjectKey::of(&value) {
                        let removed = self.index.write().ok().and_then(|mut i| i.remove(&k));
                        if let Some(app) = removed {
                            let _ = self.wake.send(app);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(kind = %key.1, error = %e, "watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Indexes an object that carries a tracking id pointing at itself; an object whose
    /// id points elsewhere (a copy) is not managed.
    fn apply(&self, obj: &DynamicObject) -> Option<ObjectKey> {
        let value = to_value(obj);
        let key = ObjectKey::of(&value)?;
        let tracking = value["metadata"]["annotations"][TRACKING_ANNOTATION]
            .as_str()
            .and_then(TrackingId::parse);
        let mut index = self.index.write().ok()?;
        match tracking {
            Some(id) if id.key.same_object(&key) => {
                let app = id.app.clone();
                index.insert(key.clone(), app.clone(), Arc::new(value));
                drop(index);
                let _ = self.wake.send(app);
                Some(key)
            }
            _ => {
                if let Some(app) = index.remove(&key) {
                    drop(index);
                    let _ = self.wake.send(app);
                }
                None
            }
        }
    }

    fn drop_unseen(&self, type_key: &(String, String), seen: &HashSet<ObjectKey>) {
        let Ok(mut index) = self.index.write() else {
            return;
        };
        let stale: Vec<ObjectKey> = index
            .objects
            .keys()
            .filter(|k| k.group == type_key.0 && k.kind == type_key.1 && !seen.contains(*k))
            .cloned()
            .collect();
        for k in stale {
            if let Some(app) = index.remove(&k) {
                let _ = self.wake.send(app);
            }
        }
    }

    /// Every live object tracked by an app.
    pub fn objects_of(&self, app: &str) -> AppObjects {
        let Ok(index) = self.index.read() else {
            return AppObjects::new();
        };
        index
            .by_app
            .get(app)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| Some((k.clone(), index.objects.get(k)?.1.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The live object at a key, tracked by any app.
    pub fn get(&self, key: &ObjectKey) -> Option<(String, Arc<Value>)> {
        self.index.read().ok()?.objects.get(key).cloned()
    }
}

fn poisoned<T>(_: T) -> ClusterError {
    ClusterError::Transport("live index lock poisoned".into())
}
