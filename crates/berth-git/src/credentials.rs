//! Credentials for git remotes, handed to git only through the child's environment.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;

/// The user name sent with a token when no user name is given. GitHub, GitLab and
/// Gitea accept any non-empty user name with a personal access token.
pub const TOKEN_USERNAME: &str = "x-access-token";

const USERNAME_VAR: &str = "BERTH_GIT_USERNAME";
const PASSWORD_VAR: &str = "BERTH_GIT_PASSWORD";

/// A credential helper that answers `get` from two environment variables set only on
/// the git child process. The secret values never appear in argv or in a file.
const HELPER: &str = "!f() { test \"$1\" = get || return 0; \
     printf 'username=%s\\n' \"$BERTH_GIT_USERNAME\"; \
     printf 'password=%s\\n' \"$BERTH_GIT_PASSWORD\"; }; f";

/// How to authenticate to a remote: a user name and password (or token) for HTTP(S),
/// a private key file for SSH, or nothing.
///
/// `Debug` shows the user name and key path but never the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The user name for HTTP(S). With a password but no user name,
    /// [`TOKEN_USERNAME`] is sent.
    pub username: Option<String>,
    /// The password or access token for HTTP(S).
    pub password: Option<String>,
    /// A private key file for SSH remotes.
    pub ssh_key: Option<PathBuf>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ssh_key", &self.ssh_key)
            .finish()
    }
}

impl Credentials {
    /// No credentials: public repositories, or whatever git's own configuration provides.
    pub fn none() -> Self {
        Credentials::default()
    }

    /// A user name and password (or token) for HTTP(S).
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: Some(username.into()),
            password: Some(password.into()),
            ssh_key: None,
        }
    }

    /// An access token for HTTP(S), sent with the user name [`TOKEN_USERNAME`].
    pub fn token(token: impl Into<String>) -> Self {
        Credentials {
            username: None,
            password: Some(token.into()),
            ssh_key: None,
        }
    }

    /// A private key file for SSH.
    pub fn ssh_key(path: impl Into<PathBuf>) -> Self {
        Credentials {
            username: None,
            password: None,
            ssh_key: Some(path.into()),
        }
    }

    /// Read `{prefix}_USERNAME`, `{prefix}_PASSWORD` (or else `{prefix}_TOKEN`) and
    /// `{prefix}_SSH_KEY` from the environment. Unset or empty variables are absent.
    pub fn from_env(prefix: &str) -> Self {
        Credentials::from_lookup(prefix, |name| std::env::var(name).ok())
    }

    /// [`Credentials::from_env`] with the variables looked up by `lookup`.
    pub fn from_lookup(prefix: &str, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |suffix: &str| lookup(&format!("{prefix}_{suffix}")).filter(|v| !v.is_empty());
        Credentials {
            username: get("USERNAME"),
            password: get("PASSWORD").or_else(|| get("TOKEN")),
            ssh_key: get("SSH_KEY").map(PathBuf::from),
        }
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.username.is_none() && self.password.is_none() && self.ssh_key.is_none()
    }

    /// These credentials, completed with a user name and password taken out of the URL.
    pub(crate) fn merged_with_url(&self, url: &crate::url::RepoUrl) -> Credentials {
        let mut merged = self.clone();
        if merged.username.is_none() && merged.password.is_none() {
            merged.username = url.username.clone();
            merged.password = url.password.clone();
        } else if merged.password.is_none() {
            merged.password = url.password.clone();
        }
        merged
    }

    /// The values that must never show in a message.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.password.iter().map(String::as_str).collect()
    }

    /// Configure `cmd` (a `git` command, before its subcommand) to authenticate with
    /// these credentials.
    pub(crate) fn apply(&self, cmd: &mut Command) {
        if self.username.is_some() || self.password.is_some() {
            // An empty value first clears helpers configured elsewhere, so ours is asked.
            cmd.arg("-c").arg("credential.helper=");
            cmd.arg("-c").arg(format!("credential.helper={HELPER}"));
            let username = self.username.as_deref().unwrap_or(TOKEN_USERNAME);
            cmd.env(USERNAME_VAR, username);
            cmd.env(PASSWORD_VAR, self.password.as_deref().unwrap_or_default());
        } else {
            cmd.env_remove(USERNAME_VAR);
            cmd.env_remove(PASSWORD_VAR);
        }
        if let Some(key) = &self.ssh_key {
            let key = shell_quote(&key.to_string_lossy());
            cmd.env(
                "GIT_SSH_COMMAND",
                format!(
                    "ssh -i {key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=yes"
                ),
            );
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_password() {
        let creds = Credentials::basic("bot", "hunter2");
        let shown = format!("{creds:?}");
        assert!(shown.contains("bot"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn from_lookup_reads_prefixed_variables() {
        let vars = [
            ("REPO_USERNAME", "bot"),
            ("REPO_TOKEN", "tok"),
            ("REPO_SSH_KEY", ""),
        ];
        let creds = Credentials::from_lookup("REPO", |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(creds.username.as_deref(), Some("bot"));
        assert_eq!(creds.password.as_deref(), Some("tok"));
        assert_eq!(creds.ssh_key, None);
        assert!(Credentials::from_lookup("NONE", |_| None).is_empty());
    }

    #[test]
    fn secrets_go_to_the_environment_only() {
        let mut cmd = Command::new("git");
        Credentials::basic("bot", "hunter2").apply(&mut cmd);
        let argv: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(argv.iter().all(|a| !a.contains("hunter2")), "{argv:?}");
        let env: Vec<_> = cmd.get_envs().collect();
        assert!(
            env.iter()
                .any(|(k, v)| *k == PASSWORD_VAR && v.map(|v| v == "hunter2").unwrap_or(false))
        );
    }

    #[test]
    fn an_ssh_key_goes_into_the_ssh_command() {
        let mut cmd = Command::new("git");
        Credentials::ssh_key("/keys/deploy key").apply(&mut cmd);
        let ssh = cmd
            .get_envs()
            .find(|(k, _)| *k == "GIT_SSH_COMMAND")
            .and_then(|(_, v)| v)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert_eq!(
            ssh,
            "ssh -i '/keys/deploy key' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=yes"
        );
        assert_eq!(cmd.get_args().count(), 0, "no credential helper for SSH");
    }

    #[test]
    fn ssh_key_paths_are_quoted() {
        assert_eq!(shell_quote("/a b/it's"), "'/a b/it'\\''s'");
    }
}
