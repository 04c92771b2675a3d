//! The controller's repositories: `berth-git`'s shared mirror cache behind the engine's
//! [`GitSource`] interface, with the last few commit snapshots kept open.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use berth_git::{CommitId, Credentials, RepoCache, Snapshot};

use crate::source::{GitSource, RepoCredential, RepoReader, SourceError};

type SharedSnapshot = Arc<Mutex<Snapshot>>;

pub struct GitRepos {
    cache: RepoCache,
    credentials: Credentials,
    /// Per-repository credentials (URL or URL prefix), longest match first.
    by_url: std::sync::RwLock<Vec<(String, Credentials)>>,
    /// gix readers are not shareable between threads; each open snapshot is used by one
    /// thread at a time.
    snapshots: Mutex<HashMap<(String, String), SharedSnapshot>>,
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
            by_url: std::sync::RwLock::default(),
            snapshots: Mutex::default(),
        })
    }

    /// Replaces the per-repository credentials (from repository Secrets).
    pub fn set_repository_credentials(&self, mut entries: Vec<(String, Credentials)>) {
        entries.sort_by_key(|(url, _)| std::cmp::Reverse(url.len()));
        if let Ok(mut by_url) = self.by_url.write() {
            *by_url = entries;
        }
    }

    fn credentials_for(&self, url: &str) -> Credentials {
        let normalized = url.trim_end_matches('/').trim_end_matches(".git");
        self.by_url
            .read()
            .ok()
            .and_then(|entries| {
                entries
                    .iter()
                    .find(|(prefix, _)| {
                        let p = prefix.trim_end_matches('/').trim_end_matches(".git");
                        normalized == p || normalized.starts_with(&format!("{p}/"))
                    })
                    .map(|(_, c)| c.clone())
            })
            .unwrap_or_else(|| self.credentials.clone())
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
            .fetch(url, &self.credentials_for(url))
            .map(|o| o.changed())
            .map_err(|e| err(url, e.to_string()))
    }

    fn fetch_count(&self, url: &str) -> u64 {
        self.cache.fetch_count(url)
    }

    fn set_repository_credentials(&self, entries: Vec<RepoCredential>) {
        let keys = self.cache.dir().join(".keys");
        let mut out = Vec::new();
        for entry in entries {
            let mut creds = Credentials::none();
            creds.username = entry.username.clone();
            creds.password = entry.password.clone();
            if let Some(key) = &entry.ssh_private_key {
                match write_key(&keys, &entry.url, key) {
                    Ok(path) => creds.ssh_key = Some(path),
                    Err(e) => {
                        tracing::warn!(repository = %crate::controller::redact_url(&entry.url), error = %e, "cannot store the SSH key")
                    }
                }
            }
            out.push((entry.url, creds));
        }
        GitRepos::set_repository_credentials(self, out);
    }
}

/// Writes an SSH private key readable only by this user, named after the URL's hash.
fn write_key(dir: &std::path::Path, url: &str, key: &str) -> std::io::Result<PathBuf> {
    use std::hash::{Hash, Hasher};
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    let path = dir.join(format!("{:016x}", h.finish()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(key.as_bytes())?;
    if !key.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    Ok(path)
}
