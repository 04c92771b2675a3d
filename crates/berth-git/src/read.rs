//! In-process reading of commits, trees and blobs with gix.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use gix::ObjectId;
use gix::objs::tree::EntryKind;

use crate::error::Error;
use crate::ids::{CommitId, CommitInfo, LogEntry, Person, TreeId};

/// The all-zero id webhooks send for "no commit" (a branch created or deleted).
pub(crate) fn is_null_hex(hex: &str) -> bool {
    !hex.is_empty() && hex.len() >= 40 && hex.bytes().all(|b| b == b'0')
}

/// One entry of a tree.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub(crate) name: Vec<u8>,
    pub(crate) kind: EntryKind,
    pub(crate) id: ObjectId,
}

/// A repository opened for reading, with the URL its errors name.
pub(crate) struct Reader {
    pub(crate) repo: gix::Repository,
    pub(crate) url: String,
}

impl Reader {
    pub(crate) fn new(mut repo: gix::Repository, url: String) -> Reader {
        repo.object_cache_size_if_unset(4 * 1024 * 1024);
        Reader { repo, url }
    }

    fn read_error(&self, id: impl std::fmt::Display, message: impl std::fmt::Display) -> Error {
        Error::ReadObject {
            id: id.to_string(),
            url: self.url.clone(),
            message: message.to_string(),
        }
    }

    /// The kind and data of an object, `None` if the repository does not have it.
    pub(crate) fn object(&self, id: ObjectId) -> Result<Option<(gix::objs::Kind, Vec<u8>)>, Error> {
        match self.repo.try_find_object(id) {
            Ok(Some(object)) => {
                let detached = object.detach();
                Ok(Some((detached.kind, detached.data)))
            }
            Ok(None) => Ok(None),
            Err(err) => Err(self.read_error(id, err)),
        }
    }

    /// Follow annotated tags from `id` to the object they finally name.
    /// `Ok(Err(kind))` when that object is not a commit; `Ok(Ok(None))` when missing.
    pub(crate) fn peel_to_commit(
        &self,
        mut id: ObjectId,
    ) -> Result<Result<Option<ObjectId>, gix::objs::Kind>, Error> {
        for _ in 0..64 {
            let Some((kind, data)) = self.object(id)? else {
                return Ok(Ok(None));
            };
            match kind {
                gix::objs::Kind::Commit => return Ok(Ok(Some(id))),
                gix::objs::Kind::Tag => {
                    let tag = gix::objs::TagRef::from_bytes(&data, id.kind())
                        .map_err(|err| self.read_error(id, err))?;
                    id = tag.target();
                }
                other => return Ok(Err(other)),
            }
        }
        Err(self.read_error(id, "too many nested tags"))
    }

    pub(crate) fn commit_info(&self, id: ObjectId) -> Result<CommitInfo, Error> {
        let Some((kind, data)) = self.object(id)? else {
            return Err(self.read_error(id, "no such object"));
        };
        if kind != gix::objs::Kind::Commit {
            return Err(self.read_error(id, format!("a {kind}, not a commit")));
        }
        let commit = gix::objs::CommitRef::from_bytes(&data, id.kind())
            .map_err(|err| self.read_error(id, err))?;
        let tree = commit.tree();
        let parents = commit.parents().map(CommitId).collect();
        let author = commit.author().map_err(|err| self.read_error(id, err))?;
        let committer = commit.committer().map_err(|err| self.read_error(id, err))?;
        Ok(CommitInfo {
            id: CommitId(id),
            tree: TreeId(tree),
            parents,
            author: person(author),
            committer: person(committer),
            message: commit.message.to_string(),
        })
    }

    pub(crate) fn tree_entries(&self, id: ObjectId) -> Result<Vec<RawEntry>, Error> {
        let Some((kind, data)) = self.object(id)? else {
            return Err(self.read_error(id, "tree missing"));
        };
        if kind != gix::objs::Kind::Tree {
            return Err(self.read_error(id, format!("a {kind}, not a tree")));
        }
        let tree = gix::objs::TreeRef::from_bytes(&data, id.kind())
            .map_err(|err| self.read_error(id, err))?;
        Ok(tree
            .entries
            .iter()
            .map(|e| RawEntry {
                name: e.filename.to_vec(),
                kind: e.mode.kind(),
                id: e.oid.to_owned(),
            })
            .collect())
    }

    /// The entry at `path` below `root` (a tree), `None` if there is none.
    /// The empty path is the root tree itself.
    pub(crate) fn entry_at(
        &self,
        root: ObjectId,
        path: &[&str],
    ) -> Result<Option<(EntryKind, ObjectId)>, Error> {
        let mut current = (EntryKind::Tree, root);
        for component in path {
            if current.0 != EntryKind::Tree {
                return Ok(None);
            }
            let entries = self.tree_entries(current.1)?;
            match entries
                .into_iter()
                .find(|e| e.name.as_slice() == component.as_bytes())
            {
                Some(e) => current = (e.kind, e.id),
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    pub(crate) fn blob(&self, id: ObjectId) -> Result<Vec<u8>, Error> {
        match self.object(id)? {
            Some((gix::objs::Kind::Blob, data)) => Ok(data),
            Some((kind, _)) => Err(self.read_error(id, format!("a {kind}, not a blob"))),
            None => Err(self.read_error(id, "blob missing")),
        }
    }

    /// Every file below `tree`, with paths relative to it prefixed by `prefix`.
    /// Submodules are skipped; symbolic links are files holding their target.
    pub(crate) fn walk_files(
        &self,
        tree: ObjectId,
        prefix: &str,
        out: &mut Vec<(String, ObjectId)>,
    ) -> Result<(), Error> {
        for entry in self.tree_entries(tree)? {
            let path = join(prefix, &entry.name);
            match entry.kind {
                EntryKind::Tree => self.walk_files(entry.id, &path, out)?,
                EntryKind::Commit => {}
                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                    out.push((path, entry.id))
                }
            }
        }
        Ok(())
    }

    /// The paths of files that differ between trees `old` and `new` (either may be
    /// absent), prefixed with `prefix`.
    pub(crate) fn diff_trees(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<String>,
    ) -> Result<(), Error> {
        if old == new {
            return Ok(());
        }
        let by_name = |tree: Option<ObjectId>| -> Result<BTreeMap<Vec<u8>, RawEntry>, Error> {
            Ok(match tree {
                Some(id) => self
                    .tree_entries(id)?
                    .into_iter()
                    .map(|e| (e.name.clone(), e))
                    .collect(),
                None => BTreeMap::new(),
            })
        };
        let old_entries = by_name(old)?;
        let new_entries = by_name(new)?;
        let names: std::collections::BTreeSet<&Vec<u8>> =
            old_entries.keys().chain(new_entries.keys()).collect();
        for name in names {
            let path = join(prefix, name);
            let a = old_entries.get(name);
            let b = new_entries.get(name);
            if let (Some(a), Some(b)) = (a, b)
                && a.id == b.id
                && a.kind == b.kind
            {
                continue;
            }
            let tree_of =
                |e: Option<&RawEntry>| e.filter(|e| e.kind == EntryKind::Tree).map(|e| e.id);
            let file_of =
                |e: Option<&RawEntry>| e.filter(|e| e.kind != EntryKind::Tree).map(|e| e.id);
            let (old_tree, new_tree) = (tree_of(a), tree_of(b));
            if old_tree.is_some() || new_tree.is_some() {
                self.diff_trees(old_tree, new_tree, &path, out)?;
            }
            if file_of(a).is_some() || file_of(b).is_some() {
                out.push(path);
            }
        }
        Ok(())
    }

    /// Commits reachable from `start`, newest first (by committer time), that change
    /// any of `paths` compared with their first parent; at most `limit` of them.
    pub(crate) fn log_paths(
        &self,
        start: ObjectId,
        paths: &[Vec<&str>],
        limit: usize,
    ) -> Result<Vec<LogEntry>, Error> {
        let mut result = Vec::new();
        let mut seen: HashSet<ObjectId> = HashSet::new();
        // Commits queued for the walk, decoded once: their time orders the queue.
        let mut pending: HashMap<ObjectId, CommitInfo> = HashMap::new();
        let mut queue: BinaryHeap<(i64, ObjectId)> = BinaryHeap::new();
        let first = self.commit_info(start)?;
        seen.insert(start);
        queue.push((first.committer.time, start));
        pending.insert(start, first);
        while let Some((_, id)) = queue.pop() {
            if result.len() >= limit {
                break;
            }
            let info = match pending.remove(&id) {
                Some(info) => info,
                None => self.commit_info(id)?,
            };
            for parent in &info.parents {
                if seen.insert(parent.0) {
                    let parent_info = self.commit_info(parent.0)?;
                    queue.push((parent_info.committer.time, parent.0));
                    pending.insert(parent.0, parent_info);
                }
            }
            let parent_tree = match info.parents.first() {
                Some(parent) => match pending.get(&parent.0) {
                    Some(parent_info) => Some(parent_info.tree.0),
                    None => Some(self.commit_info(parent.0)?.tree.0),
                },
                None => None,
            };
            let mut changed = Vec::new();
            if paths.is_empty() {
                self.diff_trees(parent_tree, Some(info.tree.0), "", &mut changed)?;
            } else {
                for path in paths {
                    let new = self.entry_at(info.tree.0, path)?;
                    let old = match parent_tree {
                        Some(tree) => self.entry_at(tree, path)?,
                        None => None,
                    };
                    if new == old {
                        continue;
                    }
                    let prefix = path.join("/");
                    let tree = |e: Option<(EntryKind, ObjectId)>| {
                        e.filter(|(k, _)| *k == EntryKind::Tree).map(|(_, id)| id)
                    };
                    let (old_tree, new_tree) = (tree(old), tree(new));
                    if old_tree.is_some() || new_tree.is_some() {
                        self.diff_trees(old_tree, new_tree, &prefix, &mut changed)?;
                    }
                    let is_file = |e: Option<(EntryKind, ObjectId)>| {
                        e.is_some_and(|(k, _)| k != EntryKind::Tree)
                    };
                    if is_file(old) || is_file(new) {
                        changed.push(prefix);
                    }
                }
                changed.sort();
                changed.dedup();
            }
            if !changed.is_empty() {
                changed.sort();
                result.push(LogEntry {
                    commit: info,
                    changed,
                });
            }
        }
        Ok(result)
    }
}

fn person(sig: gix::actor::SignatureRef<'_>) -> Person {
    let time = sig.time().unwrap_or_default();
    Person {
        name: sig.name.to_string(),
        email: sig.email.to_string(),
        time: time.seconds,
        offset_seconds: time.offset,
    }
}

fn join(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Split a repository path into its components: `""`, `"."` and `"/"` are the root,
/// `"./a//b/"` is `["a", "b"]`.
pub(crate) fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}
