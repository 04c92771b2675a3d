//! The files of one commit, read in-process.

use gix::objs::tree::EntryKind;

use crate::error::Error;
use crate::ids::{CommitId, CommitInfo, TreeId};
use crate::read::{Reader, components};

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// A regular file.
    File,
    /// An executable file.
    Executable,
    /// A symbolic link; reading it gives the link target as text.
    Symlink,
    /// A directory.
    Dir,
    /// A submodule (a commit of another repository); it has no content here.
    Submodule,
}

/// One entry of [`Snapshot::list_dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name within its directory.
    pub name: String,
    /// What it is.
    pub kind: EntryType,
}

/// A file of [`Snapshot::files_under`]: its path relative to the directory asked for,
/// and its content.
pub type File = (String, Vec<u8>);

/// The tree of one commit of a repository, read in-process without a checkout.
///
/// Paths are `/`-separated and relative to the repository root; `""`, `"."` and `"/"`
/// name the root. Symbolic links read as the text of their target; submodules are
/// skipped. A `Snapshot` is cheap to make and may be sent to another thread.
pub struct Snapshot {
    reader: Reader,
    commit: CommitId,
    tree: TreeId,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("url", &self.reader.url)
            .field("commit", &self.commit)
            .finish()
    }
}

impl Snapshot {
    pub(crate) fn new(reader: Reader, commit: CommitId, tree: TreeId) -> Snapshot {
        Snapshot {
            reader,
            commit,
            tree,
        }
    }

    /// The commit this is a snapshot of.
    pub fn commit_id(&self) -> CommitId {
        self.commit
    }

    /// The id of the directory at `path`, `None` if there is no directory there.
    /// It changes exactly when something below `path` changes.
    pub fn tree_id(&self, path: &str) -> Result<Option<TreeId>, Error> {
        Ok(self
            .reader
            .entry_at(self.tree.0, &components(path))?
            .and_then(|(kind, id)| (kind == EntryKind::Tree).then_some(TreeId(id))))
    }

    /// The content of the file at `path`, `None` if there is no file there.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let parts = components(path);
        if parts.is_empty() {
            return Ok(None);
        }
        match self.reader.entry_at(self.tree.0, &parts)? {
            Some((EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link, id)) => {
                Ok(Some(self.reader.blob(id)?))
            }
            _ => Ok(None),
        }
    }

    /// Every file below the directory `path`, recursively, with paths relative to it,
    /// sorted by path. `None` if there is no directory there.
    pub fn files_under(&self, path: &str) -> Result<Option<Vec<File>>, Error> {
        let Some(tree) = self.tree_id(path)? else {
            return Ok(None);
        };
        let mut ids = Vec::new();
        self.reader.walk_files(tree.0, "", &mut ids)?;
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        let mut files = Vec::with_capacity(ids.len());
        for (path, id) in ids {
            files.push((path, self.reader.blob(id)?));
        }
        Ok(Some(files))
    }

    /// The entries of the directory `path`, in git's order (by name). `None` if there
    /// is no directory there.
    pub fn list_dir(&self, path: &str) -> Result<Option<Vec<DirEntry>>, Error> {
        let Some(tree) = self.tree_id(path)? else {
            return Ok(None);
        };
        Ok(Some(
            self.reader
                .tree_entries(tree.0)?
                .into_iter()
                .map(|e| DirEntry {
                    name: String::from_utf8_lossy(&e.name).into_owned(),
                    kind: match e.kind {
                        EntryKind::Tree => EntryType::Dir,
                        EntryKind::Blob => EntryType::File,
                        EntryKind::BlobExecutable => EntryType::Executable,
                        EntryKind::Link => EntryType::Symlink,
                        EntryKind::Commit => EntryType::Submodule,
                    },
                })
                .collect(),
        ))
    }

    /// The commit's id, author, committer and message.
    pub fn commit_info(&self) -> Result<CommitInfo, Error> {
        self.reader.commit_info(self.commit.0)
    }
}
