//! The errors of this crate. Every message is scrubbed of URL userinfo and of the
//! credentials in use before it is stored here.

use std::path::PathBuf;
use std::time::Duration;

/// A git command this crate runs, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first copy of a repository into the cache (`git clone --bare`).
    Clone,
    /// Updating a mirror or a working clone (`git fetch`).
    Fetch,
    /// Asking the remote for its default branch (`git ls-remote --symref`).
    LsRemote,
    /// Staging and committing an edit.
    Commit,
    /// Restoring paths from another revision, or reverting a commit.
    Restore,
    /// Resetting or rebasing a working clone onto its remote branch.
    Reset,
    /// Sending commits to the remote (`git push`).
    Push,
    /// Reading the state of a working clone (`rev-parse`, `symbolic-ref`).
    Inspect,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Clone => "clone",
            Step::Fetch => "fetch",
            Step::LsRemote => "ls-remote",
            Step::Commit => "commit",
            Step::Restore => "restore",
            Step::Reset => "reset",
            Step::Push => "push",
            Step::Inspect => "inspect",
        })
    }
}

/// Everything that can fail in this crate, except the outcome of a push ([`PushError`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cache or working directory could not be created or prepared.
    #[error("cannot prepare directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The `git` program could not be started.
    #[error("cannot run git for {step} (is git installed and on PATH?): {source}")]
    Spawn {
        /// What git was started for.
        step: Step,
        /// The cause.
        source: std::io::Error,
    },
    /// A git command did not finish in time and was killed.
    #[error("git {step} of {url} did not finish within {after:?} and was stopped")]
    Timeout {
        /// The command.
        step: Step,
        /// The repository (userinfo removed).
        url: String,
        /// The time limit.
        after: Duration,
    },
    /// The remote refused the credentials, or needed some and none were given.
    #[error("git {step} of {url}: authentication failed: {message}")]
    Auth {
        /// The command.
        step: Step,
        /// The repository (userinfo removed).
        url: String,
        /// What git said, scrubbed of credentials.
        message: String,
    },
    /// A git command failed for another reason.
    #[error("git {step} of {url} failed: {message}")]
    Git {
        /// The command.
        step: Step,
        /// The repository or directory (userinfo removed).
        url: String,
        /// What git said, scrubbed of credentials.
        message: String,
    },
    /// The repository has not been fetched into the cache yet.
    #[error("repository {url} has not been fetched yet")]
    NotFetched {
        /// The repository.
        url: String,
    },
    /// The cached mirror or the working clone could not be opened for reading.
    #[error("cannot open the git repository of {url} at {path}: {message}")]
    Open {
        /// The repository.
        url: String,
        /// Its directory.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// The revision names no branch, tag or commit of the repository.
    #[error("revision {revision:?} not found in {url}")]
    UnknownRevision {
        /// The revision as given.
        revision: String,
        /// The repository.
        url: String,
    },
    /// An abbreviated commit id matches more than one commit.
    #[error("revision {revision:?} is ambiguous in {url}: it abbreviates {count} commits")]
    AmbiguousRevision {
        /// The revision as given.
        revision: String,
        /// The repository.
        url: String,
        /// How many commits it matches.
        count: usize,
    },
    /// The revision names an object that is not a commit (nor a tag of one).
    #[error("revision {revision:?} in {url} is a {kind}, not a commit")]
    NotACommit {
        /// The revision as given.
        revision: String,
        /// The repository.
        url: String,
        /// The kind of object found.
        kind: String,
    },
    /// An object could not be read or decoded.
    #[error("cannot read object {id} of {url}: {message}")]
    ReadObject {
        /// The object id.
        id: String,
        /// The repository.
        url: String,
        /// The cause.
        message: String,
    },
    /// The references of a repository could not be listed.
    #[error("cannot list the references of {url}: {message}")]
    ListRefs {
        /// The repository.
        url: String,
        /// The cause.
        message: String,
    },
    /// A path given to a working clone is absolute, escapes it, or points into `.git`.
    #[error("path {path:?} is not a plain relative path inside the repository")]
    InvalidPath {
        /// The path as given.
        path: String,
    },
    /// A file of a working clone could not be written, read or removed.
    #[error("cannot write {path}: {source}")]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Rebasing local commits onto the remote branch met a conflict; the rebase was aborted.
    #[error("rebasing onto the remote branch of {url} conflicted and was aborted: {message}")]
    RebaseConflict {
        /// The repository.
        url: String,
        /// What git said.
        message: String,
    },
}

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The remote branch moved since the last fetch: reset (or rebase), reapply the
    /// change and push again.
    #[error("push to {url} rejected because the remote branch moved: {message}")]
    NonFastForward {
        /// The repository (userinfo removed).
        url: String,
        /// What git said.
        message: String,
    },
    /// The remote refused the credentials, or they do not allow pushing.
    #[error("push to {url}: authentication failed: {message}")]
    Auth {
        /// The repository (userinfo removed).
        url: String,
        /// What git said, scrubbed of credentials.
        message: String,
    },
    /// Anything else: the remote rejected the push for another reason (a protected
    /// branch, a hook), the network failed, or git timed out.
    #[error(transparent)]
    Other(#[from] Error),
}
