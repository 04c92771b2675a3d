//! A working clone for the CI commands: edit files, commit, restore paths, push,
//! and start over from the remote when the push lost a race.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::command::{Git, failure, is_auth_failure};
use crate::credentials::Credentials;
use crate::error::{Error, PushError, Step};
use crate::ids::{CommitId, Signature};
use crate::url::RepoUrl;

/// The default time limit of one git command in a working clone.
pub const DEFAULT_WORKDIR_TIMEOUT: Duration = Duration::from_secs(300);

/// A non-bare clone of one branch of a repository, with the remote `origin`.
#[derive(Debug, Clone)]
pub struct Workdir {
    dir: PathBuf,
    branch: String,
    url: String,
    timeout: Duration,
}

impl Workdir {
    /// Clone `branch` of `url` into `dir` (which must not exist or be empty). An empty
    /// `branch` takes the remote's default branch.
    pub fn clone(
        url: &str,
        branch: &str,
        dir: impl Into<PathBuf>,
        creds: &Credentials,
    ) -> Result<Workdir, Error> {
        Workdir::clone_with_timeout(url, branch, dir, creds, DEFAULT_WORKDIR_TIMEOUT)
    }

    /// [`Workdir::clone`] with a time limit for each git command.
    pub fn clone_with_timeout(
        url: &str,
        branch: &str,
        dir: impl Into<PathBuf>,
        creds: &Credentials,
        timeout: Duration,
    ) -> Result<Workdir, Error> {
        let dir = dir.into();
        let parsed = RepoUrl::parse(url);
        let creds = creds.merged_with_url(&parsed);
        let mut git = Git::new(Step::Clone, &parsed.clean, timeout, Some(&creds)).args([
            "clone",
            "--quiet",
            "--single-branch",
        ]);
        if !branch.is_empty() {
            git = git.arg("--branch").arg(branch);
        }
        git.arg("--end-of-options")
            .arg(&parsed.clean)
            .arg(&dir)
            .run()?;
        let mut workdir = Workdir {
            dir,
            branch: branch.to_string(),
            url: parsed.clean,
            timeout,
        };
        if workdir.branch.is_empty() {
            workdir.branch = workdir.current_branch()?;
        }
        Ok(workdir)
    }

    /// A working clone made earlier; its branch is the one checked out.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Workdir, Error> {
        let dir = dir.into();
        let mut workdir = Workdir {
            url: dir.to_string_lossy().into_owned(),
            dir,
            branch: String::new(),
            timeout: DEFAULT_WORKDIR_TIMEOUT,
        };
        if !workdir.dir.join(".git").exists() {
            return Err(Error::Open {
                url: workdir.url.clone(),
                path: workdir.dir.clone(),
                message: "not a working clone (no .git)".to_string(),
            });
        }
        workdir.branch = workdir.current_branch()?;
        let origin = workdir
            .git(Step::Inspect, None)
            .args(["config", "--get", "remote.origin.url"])
            .output()?;
        if origin.status.success() {
            workdir.url = RepoUrl::parse(origin.stdout.trim()).clean;
        }
        Ok(workdir)
    }

    /// Use `timeout` as the limit of each git command.
    pub fn with_timeout(mut self, timeout: Duration) -> Workdir {
        self.timeout = timeout;
        self
    }

    /// The directory of the clone.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The branch commits go to.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The remote's URL (userinfo removed).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn git(&self, step: Step, creds: Option<&Credentials>) -> Git {
        Git::new(step, &self.url, self.timeout, creds)
            .dir(&self.dir)
            .env("GIT_LITERAL_PATHSPECS", "1")
    }

    fn current_branch(&self) -> Result<String, Error> {
        let out = self
            .git(Step::Inspect, None)
            .args(["symbolic-ref", "--quiet", "--short", "HEAD"])
            .run()?;
        Ok(out.stdout.trim().to_string())
    }

    /// The commit checked out.
    pub fn head(&self) -> Result<CommitId, Error> {
        self.resolve("HEAD")
    }

    /// The commit `revision` names in the clone (anything `git rev-parse` accepts).
    pub fn resolve(&self, revision: &str) -> Result<CommitId, Error> {
        let out = self
            .git(Step::Inspect, None)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{revision}^{{commit}}"))
            .output()?;
        let unknown = || Error::UnknownRevision {
            revision: revision.to_string(),
            url: self.url.clone(),
        };
        if !out.status.success() {
            return Err(unknown());
        }
        CommitId::from_hex(out.stdout.trim()).ok_or_else(unknown)
    }

    /// The absolute path of `path` inside the clone, refusing absolute paths, `..`,
    /// anything inside `.git` and paths that go through a symbolic link.
    fn checked_path(&self, path: &str) -> Result<PathBuf, Error> {
        let invalid = || Error::InvalidPath {
            path: path.to_string(),
        };
        let mut full = self.dir.clone();
        let mut parts = 0;
        for component in Path::new(path).components() {
            match component {
                Component::Normal(part) => {
                    if part.eq_ignore_ascii_case(".git") {
                        return Err(invalid());
                    }
                    full.push(part);
                    parts += 1;
                }
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(invalid());
                }
            }
        }
        if parts == 0 || path.contains('\0') {
            return Err(invalid());
        }
        // No ancestor inside the clone may be a symbolic link (it could lead outside).
        let mut ancestor = full.parent();
        while let Some(dir) = ancestor {
            if dir == self.dir {
                break;
            }
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(invalid());
            }
            ancestor = dir.parent();
        }
        Ok(full)
    }

    /// The content of a file in the working tree, `None` if there is none.
    pub fn read_file(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let full = self.checked_path(path)?;
        match std::fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err)
                if err.kind() == std::io::ErrorKind::NotFound
                    || err.kind() == std::io::ErrorKind::IsADirectory =>
            {
                Ok(None)
            }
            Err(source) => Err(Error::WriteFile { path: full, source }),
        }
    }

    /// Write a file of the working tree, creating its directories.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let full = self.checked_path(path)?;
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::WriteFile {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        if std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&full).map_err(|source| Error::WriteFile {
                path: full.clone(),
                source,
            })?;
        }
        std::fs::write(&full, bytes).map_err(|source| Error::WriteFile { path: full, source })
    }

    /// Remove a file or directory of the working tree. False if there was none.
    pub fn remove_path(&self, path: &str) -> Result<bool, Error> {
        let full = self.checked_path(path)?;
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            return Ok(false);
        };
        let removed = if meta.is_dir() {
            std::fs::remove_dir_all(&full)
        } else {
            std::fs::remove_file(&full)
        };
        removed.map_err(|source| Error::WriteFile { path: full, source })?;
        Ok(true)
    }

    /// Commit every change of the working tree (new, modified and deleted files) as
    /// `author` (also the committer). `None` when nothing changed.
    pub fn commit(&self, author: &Signature, message: &str) -> Result<Option<CommitId>, Error> {
        self.git(Step::Commit, None).args(["add", "-A"]).run()?;
        let diff = self
            .git(Step::Commit, None)
            .args(["diff", "--cached", "--quiet"])
            .output()?;
        match diff.status.code() {
            Some(0) => return Ok(None),
            Some(1) => {}
            _ => return Err(failure(Step::Commit, self.url.clone(), &diff)),
        }
        self.git(Step::Commit, None)
            .env("GIT_AUTHOR_NAME", &author.name)
            .env("GIT_AUTHOR_EMAIL", &author.email)
            .env("GIT_COMMITTER_NAME", &author.name)
            .env("GIT_COMMITTER_EMAIL", &author.email)
            .args([
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "--no-verify",
                "-F",
                "-",
            ])
            .stdin(message.as_bytes().to_vec())
            .run()?;
        self.head().map(Some)
    }

    /// Make `paths` (files or directories) of the working tree what they were at
    /// `revision`: files added since are removed, changed ones restored, removed ones
    /// brought back. Commit afterwards with [`Workdir::commit`].
    pub fn restore_paths_from(&self, revision: &str, paths: &[&str]) -> Result<(), Error> {
        let commit = self.resolve(revision)?;
        let mut specs = Vec::with_capacity(paths.len());
        for path in paths {
            let trimmed = path.trim_matches('/');
            if trimmed.is_empty() || trimmed == "." {
                specs.push(".".to_string());
            } else {
                self.checked_path(trimmed)?;
                specs.push(trimmed.to_string());
            }
        }
        if specs.is_empty() {
            return Ok(());
        }
        self.git(Step::Restore, None)
            .args(["rm", "-r", "-q", "-f", "--ignore-unmatch", "--"])
            .args(&specs)
            .run()?;
        let listed = self
            .git(Step::Restore, None)
            .args(["ls-tree", "--name-only", "-z"])
            .arg(commit.to_hex())
            .arg("--")
            .args(&specs)
            .run()?;
        let existing: Vec<&str> = listed
            .stdout
            .split('\0')
            .filter(|s| !s.is_empty())
            .collect();
        if specs.iter().any(|s| s == ".") || !existing.is_empty() {
            let targets: Vec<&str> = if specs.iter().any(|s| s == ".") {
                vec!["."]
            } else {
                existing
            };
            self.git(Step::Restore, None)
                .arg("checkout")
                .arg(commit.to_hex())
                .arg("--")
                .args(targets)
                .run()?;
        }
        Ok(())
    }

    /// Apply the inverse of commit `revision` to the working tree and index, without
    /// committing. On a conflict the revert is abandoned and an error returned.
    pub fn revert_commit(&self, revision: &str) -> Result<(), Error> {
        let commit = self.resolve(revision)?;
        let out = self
            .git(Step::Restore, None)
            .args(["revert", "--no-commit", "--no-edit"])
            .arg(commit.to_hex())
            .output()?;
        if out.status.success() {
            return Ok(());
        }
        let _ = self
            .git(Step::Restore, None)
            .args(["revert", "--abort"])
            .output();
        Err(failure(Step::Restore, self.url.clone(), &out))
    }

    /// Push the checked-out commit to the branch on `origin`.
    pub fn push(&self, creds: &Credentials) -> Result<(), PushError> {
        let out = self
            .git(Step::Push, Some(creds))
            .args(["push", "--porcelain", "origin"])
            .arg(format!("HEAD:refs/heads/{}", self.branch))
            .output()?;
        if out.status.success() {
            return Ok(());
        }
        let message = out.message();
        if is_rejected_as_stale(&message) {
            return Err(PushError::NonFastForward {
                url: self.url.clone(),
                message,
            });
        }
        if is_auth_failure(&message) {
            return Err(PushError::Auth {
                url: self.url.clone(),
                message,
            });
        }
        Err(PushError::Other(Error::Git {
            step: Step::Push,
            url: self.url.clone(),
            message,
        }))
    }

    fn fetch_remote_branch(&self, creds: &Credentials) -> Result<String, Error> {
        let tracking = format!("refs/remotes/origin/{}", self.branch);
        self.git(Step::Fetch, Some(creds))
            .args(["fetch", "--quiet", "--no-tags", "origin"])
            .arg(format!("+refs/heads/{}:{tracking}", self.branch))
            .run()?;
        Ok(tracking)
    }

    /// Fetch the remote branch and make the clone exactly it: local commits and
    /// uncommitted changes are dropped. The caller then reapplies its change.
    pub fn reset_to_remote(&self, creds: &Credentials) -> Result<CommitId, Error> {
        let tracking = self.fetch_remote_branch(creds)?;
        self.git(Step::Reset, None)
            .args(["reset", "--hard", "--quiet"])
            .arg(&tracking)
            .run()?;
        self.git(Step::Reset, None).args(["clean", "-ffdq"]).run()?;
        self.head()
    }

    /// Fetch the remote branch and replay the local commits on top of it as
    /// `committer`. On a conflict the rebase is abandoned (the clone is left as before)
    /// and [`Error::RebaseConflict`] returned.
    pub fn fetch_and_rebase_onto_remote(
        &self,
        creds: &Credentials,
        committer: &Signature,
    ) -> Result<CommitId, Error> {
        let tracking = self.fetch_remote_branch(creds)?;
        let out = self
            .git(Step::Reset, None)
            .env("GIT_COMMITTER_NAME", &committer.name)
            .env("GIT_COMMITTER_EMAIL", &committer.email)
            .args([
                "-c",
                "commit.gpgsign=false",
                "rebase",
                "--quiet",
                "--no-autostash",
            ])
            .arg(&tracking)
            .output()?;
        if !out.status.success() {
            let _ = self
                .git(Step::Reset, None)
                .args(["rebase", "--abort"])
                .output();
            return Err(Error::RebaseConflict {
                url: self.url.clone(),
                message: out.message(),
            });
        }
        self.head()
    }
}

impl Workdir {
    /// The whole edit-commit-push cycle of a CI command: run `edit`, commit as
    /// `author`, push; when the push loses a race ([`PushError::NonFastForward`]),
    /// reset to the remote and run `edit` again, up to `attempts` times in all.
    /// `Ok(None)` when `edit` left the clone as it was (nothing is pushed). Start from
    /// a fresh clone or [`Workdir::reset_to_remote`]: when this gives up, its last
    /// commit stays in the clone.
    pub fn edit_commit_push(
        &self,
        creds: &Credentials,
        author: &Signature,
        message: &str,
        attempts: usize,
        mut edit: impl FnMut(&Workdir) -> Result<(), Error>,
    ) -> Result<Option<CommitId>, PushError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            edit(self)?;
            let Some(commit) = self.commit(author, message)? else {
                return Ok(None);
            };
            match self.push(creds) {
                Ok(()) => return Ok(Some(commit)),
                Err(PushError::NonFastForward { .. }) if attempt < attempts => {
                    tracing::info!(url = %self.url, attempt, "push lost a race; retrying on the new remote head");
                    self.reset_to_remote(creds)?;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

/// Whether a push was refused because the remote branch is not where we left it.
fn is_rejected_as_stale(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    let rejected = lower.contains("[rejected]")
        && (lower.contains("non-fast-forward")
            || lower.contains("fetch first")
            || lower.contains("stale info"));
    let lost_race = lower.contains("[remote rejected]")
        && (lower.contains("cannot lock ref")
            || lower.contains("failed to update ref")
            || lower.contains("failed to lock")
            || lower.contains("incorrect old value"));
    rejected || lost_race
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_pushes_are_recognised() {
        assert!(is_rejected_as_stale(
            "To x\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone"
        ));
        assert!(is_rejected_as_stale(
            "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)"
        ));
        assert!(!is_rejected_as_stale(
            "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)"
        ));
    }

    #[test]
    fn paths_must_stay_inside() {
        let wd = Workdir {
            dir: PathBuf::from("/nonexistent/wd"),
            branch: "main".into(),
            url: "x".into(),
            timeout: DEFAULT_WORKDIR_TIMEOUT,
        };
        assert!(wd.checked_path("a/b.yaml").is_ok());
        assert!(wd.checked_path("./a").is_ok());
        for bad in [
            "",
            ".",
            "/etc/passwd",
            "../x",
            "a/../../x",
            ".git/config",
            "a/.GIT/x",
        ] {
            assert!(wd.checked_path(bad).is_err(), "{bad}");
        }
    }
}
