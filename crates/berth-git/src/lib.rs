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
//!
//! ```no_run
//! use berth_git::{Credentials, RepoCache, Signature, Workdir};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The controller: one fetch per repository, then cheap in-process reads.
//! let cache = RepoCache::open("/var/cache/berth/git")?;
//! let url = "https://git.example.com/org/gitops-config.git";
//! let creds = Credentials::from_env("BERTH_GIT");
//! let outcome = cache.fetch(url, &creds)?;
//! if outcome.changed() {
//!     let commit = cache.resolve(url, "main")?;
//!     let snapshot = cache.snapshot(url, commit)?;
//!     let render_key = snapshot.tree_id("charts/app")?;
//!     let files = snapshot.files_under("charts/app")?.unwrap_or_default();
//!     println!("{render_key:?}: {} files", files.len());
//! }
//!
//! // A CI command: bump an image tag, retrying when another push got there first.
//! let work = Workdir::clone(url, "main", "/tmp/berth-bump", &creds)?;
//! let bot = Signature::new("berth", "berth@example.com");
//! work.edit_commit_push(&creds, &bot, "app: image 1.2.3", 5, |wd| {
//!     wd.write_file("charts/app/values-prod.yaml", b"image:\n  tag: 1.2.3\n")
//! })?;
//! # Ok(())
//! # }
//! ```

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
