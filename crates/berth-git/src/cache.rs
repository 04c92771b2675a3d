//! The repository cache: one bare mirror per repository URL, updated with `git fetch`
//! and read in-process.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gix::ObjectId;

use crate::command::Git;
use crate::credentials::Credentials;
use crate::error::{Error, Step};
use crate::ids::{CommitId, LogEntry};
use crate::read::{Reader, components, is_null_hex};
use crate::snapshot::Snapshot;
use crate::url::RepoUrl;

/// The default time limit of one clone or fetch.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// How a reference changed in a fetch. `old` is `None` for a new reference and `new`
/// is `None` for a deleted one; ids are full hexadecimal object ids (for annotated
/// tags, the id of the tag object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The full reference name, `refs/heads/main` or `refs/tags/v1`.
    pub name: String,
    /// What it pointed at before.
    pub old: Option<String>,
    /// What it points at now.
    pub new: Option<String>,
}

/// What a [`RepoCache::fetch`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchOutcome {
    /// True when this fetch made the first copy of the repository.
    pub cloned: bool,
    /// The branches and tags that were created, moved or deleted, by name.
    pub updated: Vec<RefUpdate>,
}

impl FetchOutcome {
    /// True when any branch or tag changed (including the first copy).
    pub fn changed(&self) -> bool {
        self.cloned || !self.updated.is_empty()
    }

    /// The update of one reference, by full name or by branch name.
    pub fn update_of(&self, name: &str) -> Option<&RefUpdate> {
        let branch = format!("refs/heads/{name}");
        self.updated
            .iter()
            .find(|u| u.name == name || u.name == branch)
    }
}

struct Mirror {
    url: String,
    dir: PathBuf,
    fetch_lock: Mutex<()>,
    fetches: AtomicU64,
    failures: AtomicU64,
    repo: Mutex<Option<gix::ThreadSafeRepository>>,
}

/// Bare mirrors of remote repositories under one directory, one per repository URL,
/// shared by every reader of that URL.
///
/// Fetches go through the `git` program (every transport and credential git knows);
/// reading goes in-process. All methods take `&self` and may be called from many
/// threads: fetches of one URL are serialised, reads never wait for a fetch.
pub struct RepoCache {
    root: PathBuf,
    fetch_timeout: Duration,
    mirrors: Mutex<HashMap<String, Arc<Mirror>>>,
    scratch: AtomicU64,
}

impl std::fmt::Debug for RepoCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoCache")
            .field("root", &self.root)
            .field("fetch_timeout", &self.fetch_timeout)
            .finish()
    }
}

impl RepoCache {
    /// A cache keeping its mirrors under `dir`, which is created if missing. Mirrors
    /// left there by an earlier process are reused.
    pub fn open(dir: impl Into<PathBuf>) -> Result<RepoCache, Error> {
        let root = dir.into();
        std::fs::create_dir_all(&root).map_err(|source| Error::Directory {
            path: root.clone(),
            source,
        })?;
        remove_stale_clones(&root, DEFAULT_FETCH_TIMEOUT);
        Ok(RepoCache {
            root,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            mirrors: Mutex::new(HashMap::new()),
            scratch: AtomicU64::new(0),
        })
    }

    /// Use `timeout` as the limit of one clone or fetch (default
    /// [`DEFAULT_FETCH_TIMEOUT`]).
    pub fn with_fetch_timeout(mut self, timeout: Duration) -> RepoCache {
        self.fetch_timeout = timeout;
        remove_stale_clones(&self.root, timeout);
        self
    }

    /// The directory holding the mirrors.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The mirror directory of `url` (which may not exist yet).
    pub fn mirror_dir(&self, url: &str) -> PathBuf {
        self.root.join(RepoUrl::parse(url).dir_name())
    }

    fn mirror(&self, url: &RepoUrl) -> Arc<Mirror> {
        let mut mirrors = self.mirrors.lock().unwrap_or_else(PoisonError::into_inner);
        mirrors
            .entry(url.clean.clone())
            .or_insert_with(|| {
                Arc::new(Mirror {
                    url: url.clean.clone(),
                    dir: self.root.join(url.dir_name()),
                    fetch_lock: Mutex::new(()),
                    fetches: AtomicU64::new(0),
                    failures: AtomicU64::new(0),
                    repo: Mutex::new(None),
                })
            })
            .clone()
    }

    /// How many fetches (including the first clone, successful or not) this cache
    /// has run for `url`.
    pub fn fetch_count(&self, url: &str) -> u64 {
        self.counter(url, |m| &m.fetches)
    }

    /// How many of those fetches failed.
    pub fn fetch_failure_count(&self, url: &str) -> u64 {
        self.counter(url, |m| &m.failures)
    }

    fn counter(&self, url: &str, which: impl Fn(&Mirror) -> &AtomicU64) -> u64 {
        let key = RepoUrl::parse(url).clean;
        let mirrors = self.mirrors.lock().unwrap_or_else(PoisonError::into_inner);
        mirrors
            .get(&key)
            .map_or(0, |m| which(m).load(Ordering::Relaxed))
    }

    /// Bring the mirror of `url` up to date: clone it the first time, afterwards fetch
    /// every branch and tag, removing those deleted on the remote.
    ///
    /// A user name and password in an `http(s)://user:password@host` URL are used as
    /// credentials when `creds` has none; they never reach git's argv.
    pub fn fetch(&self, url: &str, creds: &Credentials) -> Result<FetchOutcome, Error> {
        let parsed = RepoUrl::parse(url);
        let creds = creds.merged_with_url(&parsed);
        let mirror = self.mirror(&parsed);
        let _serial = mirror
            .fetch_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        mirror.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(url = %mirror.url, "git fetch");
        let outcome = self.fetch_locked(&mirror, &creds);
        if let Err(err) = &outcome {
            mirror.failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(url = %mirror.url, error = %err, "git fetch failed");
        }
        outcome
    }

    fn fetch_locked(&self, mirror: &Mirror, creds: &Credentials) -> Result<FetchOutcome, Error> {
        if !is_repository(&mirror.dir) {
            self.clone_mirror(mirror, creds)?;
            let after = self.refs(mirror)?;
            return Ok(FetchOutcome {
                cloned: true,
                updated: diff_refs(&BTreeMap::new(), &after),
            });
        }
        remove_stale_locks(&mirror.dir, self.fetch_timeout);
        let before = self.refs(mirror)?;
        Git::new(Step::Fetch, &mirror.url, self.fetch_timeout, Some(creds))
            .dir(&mirror.dir)
            .args([
                "fetch",
                "--prune",
                "--no-tags",
                "--quiet",
                "--end-of-options",
            ])
            .arg(&mirror.url)
            .args(["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
            .run()?;
        let after = self.refs(mirror)?;
        if let Some(head) = head_target(&mirror.dir)
            && !after.is_empty()
            && !after.contains_key(&head)
            && let Err(err) = self.refresh_head(mirror, creds)
        {
            // The branches and tags are fetched; only HEAD stays behind for now.
            tracing::warn!(url = %mirror.url, error = %err, "cannot learn the remote's default branch");
        }
        Ok(FetchOutcome {
            cloned: false,
            updated: diff_refs(&before, &after),
        })
    }

    fn clone_mirror(&self, mirror: &Mirror, creds: &Credentials) -> Result<(), Error> {
        let scratch = self.root.join(format!(
            ".clone-{}-{}-{}",
            mirror
                .dir
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id(),
            self.scratch.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&scratch);
        let cloned = Git::new(Step::Clone, &mirror.url, self.fetch_timeout, Some(creds))
            .dir(&self.root)
            .args(["clone", "--bare", "--quiet", "--end-of-options"])
            .arg(&mirror.url)
            .arg(&scratch)
            .run();
        if let Err(err) = cloned {
            let _ = std::fs::remove_dir_all(&scratch);
            return Err(err);
        }
        // A leftover directory that is not a repository (an interrupted removal) is cleared.
        if mirror.dir.exists() && !is_repository(&mirror.dir) {
            let _ = std::fs::remove_dir_all(&mirror.dir);
        }
        if let Err(source) = std::fs::rename(&scratch, &mirror.dir) {
            let _ = std::fs::remove_dir_all(&scratch);
            if !is_repository(&mirror.dir) {
                return Err(Error::Directory {
                    path: mirror.dir.clone(),
                    source,
                });
            }
        }
        Ok(())
    }

    /// Point the mirror's HEAD at the remote's current default branch.
    fn refresh_head(&self, mirror: &Mirror, creds: &Credentials) -> Result<(), Error> {
        let output = Git::new(Step::LsRemote, &mirror.url, self.fetch_timeout, Some(creds))
            .dir(&mirror.dir)
            .args(["ls-remote", "--symref", "--end-of-options"])
            .arg(&mirror.url)
            .arg("HEAD")
            .run()?;
        let target = output.stdout.lines().find_map(|line| {
            let rest = line.strip_prefix("ref: ")?;
            let (target, name) = rest.split_once('\t')?;
            (name == "HEAD" && target.starts_with("refs/heads/")).then(|| target.to_string())
        });
        if let Some(target) = target {
            Git::new(Step::LsRemote, &mirror.url, self.fetch_timeout, None)
                .dir(&mirror.dir)
                .args(["symbolic-ref", "HEAD", &target])
                .run()?;
        }
        Ok(())
    }

    fn reader(&self, mirror: &Mirror) -> Result<Reader, Error> {
        let mut slot = mirror.repo.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(repo) = slot.as_ref() {
            return Ok(Reader::new(repo.to_thread_local(), mirror.url.clone()));
        }
        if !is_repository(&mirror.dir) {
            return Err(Error::NotFetched {
                url: mirror.url.clone(),
            });
        }
        let repo = gix::open_opts(&mirror.dir, gix::open::Options::isolated()).map_err(|err| {
            Error::Open {
                url: mirror.url.clone(),
                path: mirror.dir.clone(),
                message: err.to_string(),
            }
        })?;
        let repo = repo.into_sync();
        let local = repo.to_thread_local();
        *slot = Some(repo);
        Ok(Reader::new(local, mirror.url.clone()))
    }

    fn reader_for(&self, url: &str) -> Result<Reader, Error> {
        let mirror = self.mirror(&RepoUrl::parse(url));
        self.reader(&mirror)
    }

    /// Every branch and tag of the mirror with the object it points at.
    fn refs(&self, mirror: &Mirror) -> Result<BTreeMap<String, String>, Error> {
        let reader = self.reader(mirror)?;
        list_refs(&reader)
    }

    /// The commit `revision` names in the mirror of `url`: a branch, a tag (light or
    /// annotated, peeled to its commit), a full or abbreviated commit id, a full
    /// reference name, or `HEAD`/`""` for the remote's default branch. A name that is
    /// both a branch and a tag is the branch (as in Argo CD). Reads the mirror as last
    /// fetched; nothing goes to the network.
    pub fn resolve(&self, url: &str, revision: &str) -> Result<CommitId, Error> {
        let reader = self.reader_for(url)?;
        resolve_in(&reader, revision)
    }

    /// Every branch and tag of the mirror of `url` (full reference names, sorted) with
    /// the commit it names; tags of objects other than commits are left out.
    pub fn references(&self, url: &str) -> Result<Vec<(String, CommitId)>, Error> {
        let reader = self.reader_for(url)?;
        let mut out = Vec::new();
        for (name, hex) in list_refs(&reader)? {
            let Ok(id) = ObjectId::from_hex(hex.as_bytes()) else {
                continue;
            };
            if let Ok(Some(commit)) = reader.peel_to_commit(id)? {
                out.push((name, CommitId(commit)));
            }
        }
        Ok(out)
    }

    /// The name of the remote's default branch (as of the first clone, refreshed when
    /// that branch disappears), `None` if the repository has no commits.
    pub fn default_branch(&self, url: &str) -> Result<Option<String>, Error> {
        let mirror = self.mirror(&RepoUrl::parse(url));
        if !is_repository(&mirror.dir) {
            return Err(Error::NotFetched {
                url: mirror.url.clone(),
            });
        }
        Ok(
            head_target(&mirror.dir)
                .and_then(|t| t.strip_prefix("refs/heads/").map(str::to_string)),
        )
    }

    /// The files of `commit` in the mirror of `url`.
    pub fn snapshot(&self, url: &str, commit: CommitId) -> Result<Snapshot, Error> {
        let reader = self.reader_for(url)?;
        let info = reader.commit_info(commit.0)?;
        Ok(Snapshot::new(reader, commit, info.tree))
    }

    /// [`RepoCache::resolve`] then [`RepoCache::snapshot`].
    pub fn snapshot_of(&self, url: &str, revision: &str) -> Result<Snapshot, Error> {
        let commit = self.resolve(url, revision)?;
        self.snapshot(url, commit)
    }

    /// The commits reachable from `revision` that changed any of `paths` (files or
    /// directories; all commits when `paths` is empty), newest first, at most `limit`.
    ///
    /// Each commit is compared with its first parent, so a merge is listed when it
    /// brings changes to those paths into the first-parent line.
    pub fn log_paths(
        &self,
        url: &str,
        revision: &str,
        paths: &[&str],
        limit: usize,
    ) -> Result<Vec<LogEntry>, Error> {
        let reader = self.reader_for(url)?;
        let start = resolve_in(&reader, revision)?;
        let mut split: Vec<Vec<&str>> = Vec::new();
        for path in paths {
            let parts = components(path);
            if parts.is_empty() {
                // The root covers everything.
                split.clear();
                break;
            }
            split.push(parts);
        }
        reader.log_paths(start.0, &split, limit)
    }

    /// The files that differ between revisions `from` and `to`, sorted. An empty or
    /// all-zero `from` (as webhooks send for a new branch) lists every file of `to`.
    pub fn changed_paths(&self, url: &str, from: &str, to: &str) -> Result<Vec<String>, Error> {
        let reader = self.reader_for(url)?;
        let tree_of = |rev: &str| -> Result<Option<ObjectId>, Error> {
            if rev.trim().is_empty() || is_null_hex(rev.trim()) {
                return Ok(None);
            }
            let commit = resolve_in(&reader, rev)?;
            Ok(Some(reader.commit_info(commit.0)?.tree.0))
        };
        let old = tree_of(from)?;
        let new = tree_of(to)?;
        let mut out = Vec::new();
        reader.diff_trees(old, new, "", &mut out)?;
        out.sort();
        Ok(out)
    }
}

/// Whether `path` was last modified longer than `age` ago.
fn older_than(path: &Path, age: Duration) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|elapsed| elapsed > age)
}

/// Remove the lock files a git killed mid-fetch (a crashed process) leaves behind,
/// which would make every later fetch fail. Only locks older than the fetch time
/// limit go: a fetch still running anywhere has been stopped by then.
fn remove_stale_locks(dir: &Path, age: Duration) {
    for name in [
        "packed-refs.lock",
        "shallow.lock",
        "config.lock",
        "HEAD.lock",
        "index.lock",
    ] {
        let path = dir.join(name);
        if older_than(&path, age) {
            tracing::warn!(path = %path.display(), "removing a stale git lock");
            let _ = std::fs::remove_file(&path);
        }
    }
    let mut dirs = vec![dir.join("refs")];
    while let Some(current) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(path),
                Ok(t)
                    if t.is_file()
                        && path.extension().is_some_and(|e| e == "lock")
                        && older_than(&path, age) =>
                {
                    tracing::warn!(path = %path.display(), "removing a stale git lock");
                    let _ = std::fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
}

/// Remove what interrupted first clones left in the cache directory.
fn remove_stale_clones(root: &Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with(".clone-") && older_than(&path, age) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn is_repository(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir()
}

/// The branch HEAD points at, read from the HEAD file of a bare repository.
fn head_target(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("HEAD")).ok()?;
    text.trim().strip_prefix("ref: ").map(str::to_string)
}

pub(crate) fn list_refs(reader: &Reader) -> Result<BTreeMap<String, String>, Error> {
    let error = |err: gix::Error| Error::ListRefs {
        url: reader.url.clone(),
        message: err.to_string(),
    };
    let platform = reader.repo.references().map_err(error)?;
    let mut refs = BTreeMap::new();
    for reference in platform.all().map_err(error)? {
        let reference = reference.map_err(|err| Error::ListRefs {
            url: reader.url.clone(),
            message: err.to_string(),
        })?;
        let name = reference.name().as_bstr().to_string();
        if !(name.starts_with("refs/heads/") || name.starts_with("refs/tags/")) {
            continue;
        }
        if let Some(id) = reference.try_id() {
            refs.insert(name, id.to_string());
        }
    }
    Ok(refs)
}

fn diff_refs(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<RefUpdate> {
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let old = before.get(name);
            let new = after.get(name);
            (old != new).then(|| RefUpdate {
                name: name.clone(),
                old: old.cloned(),
                new: new.cloned(),
            })
        })
        .collect()
}

/// Resolve `revision` in the repository of `reader` to a commit.
pub(crate) fn resolve_in(reader: &Reader, revision: &str) -> Result<CommitId, Error> {
    let rev = revision.trim();
    let unknown = || Error::UnknownRevision {
        revision: revision.to_string(),
        url: reader.url.clone(),
    };
    let peel = |id: ObjectId| -> Result<CommitId, Error> {
        match reader.peel_to_commit(id)? {
            Ok(Some(commit)) => Ok(CommitId(commit)),
            Ok(None) => Err(unknown()),
            Err(kind) => Err(Error::NotACommit {
                revision: revision.to_string(),
                url: reader.url.clone(),
                kind: kind.to_string(),
            }),
        }
    };
    if rev.is_empty() || rev == "HEAD" {
        let id = match reader.repo.head_id() {
            Ok(id) => id.detach(),
            Err(_) => return Err(unknown()),
        };
        return peel(id);
    }
    let names: Vec<String> = if rev.starts_with("refs/") {
        vec![rev.to_string()]
    } else {
        vec![format!("refs/heads/{rev}"), format!("refs/tags/{rev}")]
    };
    for name in &names {
        // A name git would refuse as a reference cannot be one; it may still be an id.
        if let Ok(Some(mut reference)) = reader.repo.try_find_reference(name.as_str()) {
            let id = reference
                .peel_to_id()
                .map_err(|err| Error::ListRefs {
                    url: reader.url.clone(),
                    message: err.to_string(),
                })?
                .detach();
            return peel(id);
        }
    }
    let is_hex = rev.len() >= 4 && rev.len() <= 40 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hex {
        return Err(unknown());
    }
    let rev_lower = rev.to_ascii_lowercase();
    if rev.len() == 40 {
        let id = ObjectId::from_hex(rev_lower.as_bytes()).map_err(|_| unknown())?;
        return peel(id);
    }
    let prefix = gix::hash::Prefix::from_hex(&rev_lower).map_err(|_| unknown())?;
    let mut candidates = HashSet::new();
    reader
        .repo
        .objects
        .lookup_prefix(prefix, Some(&mut candidates))
        .map_err(|err| Error::ReadObject {
            id: rev.to_string(),
            url: reader.url.clone(),
            message: err.to_string(),
        })?;
    let mut commits = HashSet::new();
    for candidate in candidates {
        if let Ok(Some(commit)) = reader.peel_to_commit(candidate)? {
            commits.insert(commit);
        }
    }
    let mut commits: Vec<ObjectId> = commits.into_iter().collect();
    match commits.len() {
        0 => Err(unknown()),
        1 => Ok(CommitId(commits.remove(0))),
        count => Err(Error::AmbiguousRevision {
            revision: revision.to_string(),
            url: reader.url.clone(),
            count,
        }),
    }
}
