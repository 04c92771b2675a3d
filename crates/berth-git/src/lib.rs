//! Git sources for Berth.
//!
//! - [`RepoCache`]: one bare mirror per repository URL, shared by every application
//!   that uses it. [`RepoCache::fetch`] runs the `git` program (so every transport,
//!   proxy and credential setting git knows works); [`RepoCache::resolve`],
//!   [`RepoCache::snapshot`], [`RepoCache::log_paths`] and
//!   [`RepoCache::changed_paths`] read the mirror in-process with gix and never touch
//!   the network. Tree ids ([`Snapshot::tree_id`]) key render caches.
//! - [`Workdir`]: a working clone for the CI commands (`berth bump`, `berth rollback`):
//!   write files, commit, restore paths from an earlier revision, push, and on
//!   [`PushError::NonFastForward`] reset to the remote and try again.
//! - [`Credentials`]: handed to git only through the child's environment (a credential
//!   helper reading two variables, `GIT_SSH_COMMAND` for a key); never in argv, URLs,
//!   logs or errors. `GIT_TERMINAL_PROMPT=0` everywhere, and every git command has a
//!   time limit.
//!
//! Everything is synchronous; call it from blocking threads.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cache;
mod command;
mod credentials;
mod error;
mod ids;
mod read;
mod snapshot;
mod url;
mod workdir;

pub use cache::{DEFAULT_FETCH_TIMEOUT, FetchOutcome, RefUpdate, RepoCache};
pub use credentials::{Credentials, TOKEN_USERNAME};
pub use error::{Error, PushError, Step};
pub use ids::{CommitId, CommitInfo, LogEntry, Person, Signature, TreeId};
pub use snapshot::{DirEntry, EntryType, File, Snapshot};
pub use workdir::{DEFAULT_WORKDIR_TIMEOUT, Workdir};

#[cfg(test)]
mod tests {
    fn shared<T: Send + Sync>() {}
    fn sendable<T: Send>() {}

    #[test]
    fn types_cross_threads() {
        shared::<crate::RepoCache>();
        shared::<crate::Workdir>();
        shared::<crate::Error>();
        shared::<crate::PushError>();
        sendable::<crate::Snapshot>();
    }
}
