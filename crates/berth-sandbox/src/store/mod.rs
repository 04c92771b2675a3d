//! The sandbox's storage: every object in memory for reads, every write in SQLite (WAL) before it
//! is acknowledged, and a bounded history of events for watches that resume from a
//! resourceVersion.
//!
//! The resourceVersion is one global counter, as with etcd: each write takes the next value, and
//! every value is one event in the history. A single writer lock orders writes; reads clone
//! cheap reference-counted snapshots.

mod sqlite;

use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

pub use sqlite::SqliteError;

/// Where an object lives: resource (`apps/deployments`, `/configmaps` for core), namespace, name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub resource: Arc<str>,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(resource: &Arc<str>, namespace: &str, name: &str) -> Self {
        Self {
            resource: resource.clone(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// One stored version of an object: its resourceVersion and its JSON, shared, never copied.
#[derive(Clone, Debug)]
pub struct Stored {
    pub rv: u64,
    pub raw: Bytes,
    labels: Option<Arc<Map<String, Value>>>,
}

impl Stored {
    fn new(rv: u64, raw: Bytes, obj: &Value) -> Self {
        let labels = obj
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .filter(|l| !l.is_empty())
            .map(|l| Arc::new(l.clone()));
        Self { rv, raw, labels }
    }

    fn from_raw(rv: u64, raw: Bytes) -> Self {
        let obj: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Self::new(rv, raw, &obj)
    }

    /// The object's labels, kept parsed so selectors need not parse the object.
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.labels.as_deref()
    }

    /// The object as a JSON value (parsed on demand).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.raw).unwrap_or(Value::Null)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
    fn code(self) -> i64 {
        match self {
            EventType::Added => 0,
            EventType::Modified => 1,
            EventType::Deleted => 2,
        }
    }
    fn from_code(code: i64) -> Self {
        match code {
            0 => EventType::Added,
            1 => EventType::Modified,
            _ => EventType::Deleted,
        }
    }
}

/// A change to one object. `object` is the new state (for a delete: the last state, carrying
/// the deletion's resourceVersion); `previous` is the state before, so a watch with a selector
/// can tell an object that stopped matching.
#[derive(Clone, Debug)]
pub struct Event {
    pub rv: u64,
    pub kind: EventType,
    pub key: ObjectKey,
    pub object: Stored,
    pub previous: Option<Stored>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object already exists")]
    AlreadyExists,
    #[error("object not found")]
    NotFound,
    /// The object changed since the caller read it (resourceVersion precondition failed).
    #[error("object was modified")]
    Conflict,
    #[error("storage: {0}")]
    Storage(#[from] SqliteError),
    #[error("encoding object: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Objects of one resource as (namespace, name, stored state), ordered by namespace and name.
pub type Listing = Vec<(String, String, Stored)>;

/// Where a watch may start: what history the store still has.
pub enum WatchStart {
    /// The events after the requested resourceVersion, oldest first.
    Events(Vec<Arc<Event>>),
    /// The history no longer reaches that far back: the watch must report 410.
    TooOld { oldest: u64 },
}

struct Inner {
    db: sqlite::Db,
    rv: u64,
    objects: HashMap<Arc<str>, BTreeMap<(String, String), Stored>>,
    /// owner uid → dependents, for the garbage collector.
    dependents: HashMap<String, HashSet<ObjectKey>>,
    /// uid → where the object lives, so owners can be found by uid.
    uids: HashMap<String, ObjectKey>,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// The oldest resourceVersion a watch can start from (one before the oldest kept event).
    oldest_watchable: u64,
    writes_since_trim: usize,
}

/// The object store. Cloning shares it.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
    events: broadcast::Sender<Arc<Event>>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, loading every object and the kept history.
    pub fn open(dir: &Path, history_limit: usize) -> Result<Self, StoreError> {
        let db = sqlite::Db::open(&dir.join("sandbox.db"))?;
        let mut objects: HashMap<Arc<str>, BTreeMap<(String, String), Stored>> = HashMap::new();
        let mut dependents: HashMap<String, HashSet<ObjectKey>> = HashMap::new();
        let mut uids: HashMap<String, ObjectKey> = HashMap::new();
        let mut interned: HashMap<String, Arc<str>> = HashMap::new();
        let mut rv = 0;
        for row in db.load_objects()? {
            let resource = interned
                .entry(row.resource.clone())
                .or_insert_with(|| Arc::from(row.resource.as_str()))
                .clone();
            let obj: Value = serde_json::from_slice(&row.value).unwrap_or(Value::Null);
            let key = ObjectKey::new(&resource, &row.namespace, &row.name);
            for owner in owner_uids(&obj) {
                dependents.entry(owner).or_default().insert(key.clone());
            }
            if let Some(uid) = uid_of(&obj) {
                uids.insert(uid, key.clone());
            }
            rv = rv.max(row.rv);
            objects.entry(resource).or_default().insert(
                (row.namespace, row.name),
                Stored::new(row.rv, Bytes::from(row.value), &obj),
            );
        }
        let mut history = VecDeque::new();
        for row in db.load_events(history_limit)? {
            let resource = interned
                .entry(row.resource.clone())
                .or_insert_with(|| Arc::from(row.resource.as_str()))
                .clone();
            rv = rv.max(row.rv);
            history.push_back(Arc::new(Event {
                rv: row.rv,
                kind: EventType::from_code(row.kind),
                key: ObjectKey::new(&resource, &row.namespace, &row.name),
                object: Stored::from_raw(row.rv, Bytes::from(row.value)),
                previous: row
                    .prev
                    .map(|p| Stored::from_raw(row.prev_rv, Bytes::from(p))),
            }));
        }
        rv = rv.max(db.load_counter()?);
        let oldest_watchable = history.front().map(|e| e.rv - 1).unwrap_or(rv);
        let (events, _) = broadcast::channel(16_384);
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                db,
                rv,
                objects,
                dependents,
                uids,
                history,
                history_limit: history_limit.max(1),
                oldest_watchable,
                writes_since_trim: 0,
            })),
            events,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-written in a way later
        // readers would misinterpret worse than stopping; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The newest resourceVersion.
    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, key: &ObjectKey) -> Option<Stored> {
        let inner = self.lock();
        inner
            .objects
            .get(&key.resource)?
            .get(&(key.namespace.clone(), key.name.clone()))
            .cloned()
    }

    /// Every object of a resource (in one namespace, or all), ordered by namespace and name,
    /// with the resourceVersion the list is consistent with.
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> (Listing, u64) {
        let inner = self.lock();
        let Some(map) = inner.objects.get(resource) else {
            return (Vec::new(), inner.rv);
        };
        let items = match namespace {
            Some(ns) => map
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|((n, name), s)| (n.clone(), name.clone(), s.clone()))
                .collect(),
            None => map
                .iter()
                .map(|((n, name), s)| (n.clone(), name.clone(), s.clone()))
                .collect(),
        };
        (items, inner.rv)
    }

    /// The number of objects of a resource in a namespace (for namespace deletion), counted
    /// without copying them out.
    pub fn count(&self, resource: &str, namespace: &str) -> usize {
        let inner = self.lock();
        inner.objects.get(resource).map_or(0, |map| {
            map.range((namespace.to_string(), String::new())..)
                .take_while(|((ns, _), _)| ns == namespace)
                .count()
        })
    }

    /// Every resource that has objects stored.
    pub fn resources(&self) -> Vec<Arc<str>> {
        self.lock()
            .objects
            .iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// The objects that name `owner_uid` in their ownerReferences.
    pub fn dependents_of(&self, owner_uid: &str) -> Vec<ObjectKey> {
        let inner = self.lock();
        let mut keys: Vec<ObjectKey> = inner
            .dependents
            .get(owner_uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    /// Where the object with this uid lives, if it still exists.
    pub fn key_by_uid(&self, uid: &str) -> Option<ObjectKey> {
        self.lock().uids.get(uid).cloned()
    }

    /// Stores a new object. Fails if one exists under the key.
    pub fn create(&self, key: &ObjectKey, obj: Value) -> Result<Stored, StoreError> {
        let mut inner = self.lock();
        if inner.current(key).is_some() {
            return Err(StoreError::AlreadyExists);
        }
        let event = inner.write(key, EventType::Added, obj, None)?;
        Ok(self.publish(event))
    }

    /// Replaces an object. `expected_rv` is the version the caller read: a different current
    /// version is a conflict.
    pub fn update(
        &self,
        key: &ObjectKey,
        obj: Value,
        expected_rv: u64,
    ) -> Result<Stored, StoreError> {
        let mut inner = self.lock();
        let current = inner.current(key).ok_or(StoreError::NotFound)?;
        if current.rv != expected_rv {
            return Err(StoreError::Conflict);
        }
        let event = inner.write(key, EventType::Modified, obj, Some(current))?;
        Ok(self.publish(event))
    }

    /// Removes an object whose current version is `expected_rv`. Returns the deleted state,
    /// stamped with the deletion's resourceVersion.
    pub fn delete(&self, key: &ObjectKey, expected_rv: u64) -> Result<Stored, StoreError> {
        let mut inner = self.lock();
        let current = inner.current(key).ok_or(StoreError::NotFound)?;
        if current.rv != expected_rv {
            return Err(StoreError::Conflict);
        }
        let obj = current.value();
        let event = inner.write(key, EventType::Deleted, obj, Some(current))?;
        Ok(self.publish(event))
    }

    fn publish(&self, event: Arc<Event>) -> Stored {
        let stored = event.object.clone();
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
        stored
    }

    /// Subscribes to changes and returns where a watch from `since` starts, atomically, so no
    /// event falls between the history and the live stream.
    pub fn watch_from(&self, since: u64) -> (WatchStart, broadcast::Receiver<Arc<Event>>) {
        let inner = self.lock();
        let rx = self.events.subscribe();
        if since < inner.oldest_watchable {
            return (
                WatchStart::TooOld {
                    oldest: inner.oldest_watchable + 1,
                },
                rx,
            );
        }
        let events = inner
            .history
            .iter()
            .filter(|e| e.rv > since)
            .cloned()
            .collect();
        (WatchStart::Events(events), rx)
    }

    /// Subscribes to changes and snapshots the current objects of a resource, atomically.
    pub fn watch_snapshot(
        &self,
        resource: &str,
        namespace: Option<&str>,
    ) -> (Listing, u64, broadcast::Receiver<Arc<Event>>) {
        // Holding the subscription before taking the snapshot: events after it arrive on `rx`
        // and are skipped by resourceVersion if the snapshot already includes them.
        let rx = self.events.subscribe();
        let (items, rv) = self.list(resource, namespace);
        (items, rv, rx)
    }
}

impl Inner {
    fn current(&self, key: &ObjectKey) -> Option<Stored> {
        self.objects
            .get(&key.resource)?
            .get(&(key.namespace.clone(), key.name.clone()))
            .cloned()
    }

    fn write(
        &mut self,
        key: &ObjectKey,
        kind: EventType,
        mut obj: Value,
        previous: Option<Stored>,
    ) -> Result<Arc<Event>, StoreError> {
        let rv = self.rv + 1;
        obj.as_object_mut()
            .and_then(|o| o.get_mut("metadata"))
            .and_then(Value::as_object_mut)
            .map(|m| m.insert("resourceVersion".into(), Value::String(rv.to_string())));
        let raw = Bytes::from(serde_json::to_vec(&obj)?);
        self.db.write(
            rv,
            kind.code(),
            key,
            &raw,
            previous.as_ref().map(|p| (p.rv, &p.raw[..])),
            kind == EventType::Deleted,
        )?;
        self.rv = rv;
        let stored = Stored::new(rv, raw, &obj);

        if let Some(prev) = &previous {
            for owner in owner_uids(&prev.value()) {
                if let Some(set) = self.dependents.get_mut(&owner) {
                    set.remove(key);
                    if set.is_empty() {
                        self.dependents.remove(&owner);
                    }
                }
            }
        }
        let map = self.objects.entry(key.resource.clone()).or_default();
        if kind == EventType::Deleted {
            map.remove(&(key.namespace.clone(), key.name.clone()));
            if let Some(uid) = uid_of(&obj) {
                self.uids.remove(&uid);
            }
        } else {
            if let Some(uid) = uid_of(&obj) {
                self.uids.insert(uid, key.clone());
            }
            map.insert((key.namespace.clone(), key.name.clone()), stored.clone());
            for owner in owner_uids(&obj) {
                self.dependents
                    .entry(owner)
                    .or_default()
                    .insert(key.clone());
            }
        }

        let event = Arc::new(Event {
            rv,
            kind,
            key: key.clone(),
            object: stored,
            previous,
        });
        self.history.push_back(event.clone());
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.oldest_watchable = old.rv;
            }
        }
        self.writes_since_trim += 1;
        if self.writes_since_trim >= 1024 {
            self.writes_since_trim = 0;
            self.db.trim_events(self.oldest_watchable)?;
        }
        Ok(event)
    }
}

fn owner_uids(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r.get("uid")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn uid_of(obj: &Value) -> Option<String> {
    obj.get("metadata")?
        .get("uid")?
        .as_str()
        .map(str::to_string)
}
