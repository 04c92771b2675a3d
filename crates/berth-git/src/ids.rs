//! Object ids and commit metadata.

use std::fmt;

/// The id of a commit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId(pub(crate) gix::ObjectId);

/// The id of a tree (a directory at some commit). Equal tree ids mean equal content,
/// which makes them the key of render caches.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeId(pub(crate) gix::ObjectId);

macro_rules! hex_id {
    ($t:ident) => {
        impl $t {
            /// Parse a full hexadecimal id (40 digits). `None` if it is not one.
            pub fn from_hex(hex: &str) -> Option<Self> {
                if hex.len() != 40 {
                    return None;
                }
                gix::ObjectId::from_hex(hex.as_bytes()).ok().map($t)
            }

            /// The full hexadecimal form.
            pub fn to_hex(&self) -> String {
                self.0.to_string()
            }

            /// The first seven hexadecimal digits, for display.
            pub fn short(&self) -> String {
                let mut hex = self.0.to_string();
                hex.truncate(7);
                hex
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), self.0)
            }
        }
    };
}

hex_id!(CommitId);
hex_id!(TreeId);

/// Who made a commit, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// The time zone offset of `time`, in seconds east of UTC.
    pub offset_seconds: i32,
}

/// What a commit says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit.
    pub id: CommitId,
    /// Its root tree.
    pub tree: TreeId,
    /// Its parents, first parent first.
    pub parents: Vec<CommitId>,
    /// The author.
    pub author: Person,
    /// The committer.
    pub committer: Person,
    /// The whole message (lossily decoded as UTF-8).
    pub message: String,
}

impl CommitInfo {
    /// The first line of the message.
    pub fn summary(&self) -> &str {
        self.message.lines().next().unwrap_or_default().trim()
    }
}

/// One commit of [`crate::RepoCache::log_paths`], with the files it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The commit.
    pub commit: CommitInfo,
    /// The files it changed compared with its first parent, limited to the paths
    /// asked for, relative to the repository root, sorted.
    pub changed: Vec<String>,
}

/// The name and e-mail address a commit is made as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
}

impl Signature {
    /// A signature with this name and address.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Signature {
            name: name.into(),
            email: email.into(),
        }
    }
}
