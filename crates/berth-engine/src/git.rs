//! The controller's repositories: `berth-git`'s shared mirror cache behind the engine's
//! [`GitSource`] interface, with the last few commit snapshots kept open.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use berth_git::{CommitId, Credentials, RepoCache, Snapshot};

use crate::source::{GitSource, RepoReader, SourceError};

pub struct GitRepos {
    cache: RepoCache,
    credentials: Credentials,
    /// gix readers are not shareable between threads; each open snapshot is used by one
    /// thread at a time.
    snapshots: Mutex<HashMap<(String, String), Arc<Mutex<Snapshot>>>>,
}

impl GitRepos {
    pub fn open(
        dir: impl Into<PathBuf>,
        credentials: Credentials,
    ) -> Result<GitRepos, SourceError> {
        let dir = dir.into();
        let cache = RepoCache::open(&dir).map_err(|e| SourceError::Repository {
            url: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(GitRepos {
            cache,
            credentials,
            snapshots: Mutex::default(),
        })
    }

    pub fn cache(&self) -> &RepoCache {
        &self.cache
    }

    fn snapshot(&self, url: &str, commit: &str) -> Result<Arc<Mutex<Snapshot>>, SourceError> {
        let key = (url.to_string(), commit.to_string());
        if let Some(s) = self
            .snapshots
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(s);
        }
        let id = CommitId::from_hex(commit)
            .ok_or_else(|| err(url, format!("not a commit id: {commit}")))?;
        let snapshot = Arc::new(Mutex::new(
            self.cache
                .snapshot(url, id)
                .map_err(|e| err(url, e.to_string()))?,
        ));
        if let Ok(mut m) = self.snapshots.lock() {
            if m.len() > 256 {
                m.clear();
            }
            m.insert(key, snapshot.clone());
        }
        Ok(snapshot)
    }
}

fn lock<'a>(
    url: &str,
    snapshot: &'a Mutex<Snapshot>,
) -> Result<std::sync::MutexGuard<'a, Snapshot>, SourceError> {
    snapshot
        .lock()
        .map_err(|_| err(url, "snapshot lock poisoned".into()))
}

fn err(url: &str, message: String) -> SourceError {
    SourceError::Repository {
        url: crate::controller::redact_url(url),
        message,
    }
}

impl RepoReader for GitRepos {
    fn resolve(&self, url: &str, revision: &str) -> Result<String, SourceError> {
        self.cache
            .resolve(url, revision)
            .map(|c| c.to_hex())
            .map_err(|e| err(url, e.to_string()))
    }

    fn tree_id(&self, url: &str, commit: &str, path: &str) -> Result<Option<String>, SourceError> {
        let snapshot = self.snapshot(url, commit)?;
        let guard = lock(url, &snapshot)?;
        guard
            .tree_id(path)
            .map(|t| t.map(|t| t.to_hex()))
            .map_err(|e| err(url, e.to_string()))
    }

    fn files_under(
        &self,
        url: &str,
        commit: &str,
        path: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, SourceError> {
        let snapshot = self.snapshot(url, commit)?;
        let guard = lock(url, &snapshot)?;
        guard
            .files_under(path)
            .map(Option::unwrap_or_default)
            .map_err(|e| err(url, e.to_string()))
    }

    fn read(&self, url: &str, commit: &str, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let snapshot = self.snapshot(url, commit)?;
        let guard = lock(url, &snapshot)?;
        guard.read(path).map_err(|e| err(url, e.to_string()))
    }
}

impl GitSource for GitRepos {
    fn fetch(&self, url: &str) -> Result<bool, SourceError> {
        self.cache
            .fetch(url, &self.credentials)
            .map(|o| o.changed())
            .map_err(|e| err(url, e.to_string()))
    }

    fn fetch_count(&self, url: &str) -> u64 {
        self.cache.fetch_count(url)
    }
}
