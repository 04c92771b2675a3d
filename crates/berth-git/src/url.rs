//! Repository URLs: the key a mirror is stored under, and keeping userinfo out of
//! argv, directory names and messages.

use std::path::Path;

/// A repository URL split into the form handed to git and the secrets it carried.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RepoUrl {
    /// The URL without password (and, for HTTP, without any userinfo); local paths
    /// are made absolute. This is what git sees, what errors show and the cache key.
    pub(crate) clean: String,
    /// The user name taken out of an `http(s)://user@host` URL.
    pub(crate) username: Option<String>,
    /// The password taken out of any `scheme://user:password@host` URL.
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for RepoUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoUrl")
            .field("clean", &self.clean)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl RepoUrl {
    pub(crate) fn parse(raw: &str) -> RepoUrl {
        let raw = raw.trim();
        if let Some(scheme_end) = raw.find("://") {
            let scheme = raw[..scheme_end].to_ascii_lowercase();
            let rest = &raw[scheme_end + 3..];
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            let tail = rest[authority_end..].trim_end_matches('/');
            let (userinfo, host) = match authority.rfind('@') {
                Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
                None => (None, authority),
            };
            let (user, password) = match userinfo {
                Some(info) => match info.split_once(':') {
                    Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                    None => (Some(percent_decode(info)), None),
                },
                None => (None, None),
            };
            let user = user.filter(|u| !u.is_empty());
            let password = password.filter(|p| !p.is_empty());
            let http = scheme == "http" || scheme == "https";
            let clean = if http || user.is_none() {
                format!("{scheme}://{host}{tail}")
            } else {
                // ssh://git@host/…: the user name is part of the address, not a secret.
                let user_part = userinfo
                    .map(|info| info.split_once(':').map_or(info, |(u, _)| u))
                    .unwrap_or_default();
                format!("{scheme}://{user_part}@{host}{tail}")
            };
            let username = if http { user } else { None };
            return RepoUrl {
                clean,
                username,
                password,
            };
        }
        if is_scp_like(raw) {
            return RepoUrl {
                clean: raw.to_string(),
                username: None,
                password: None,
            };
        }
        let path = Path::new(raw);
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut clean = absolute.to_string_lossy().into_owned();
        while clean.len() > 1 && clean.ends_with('/') {
            clean.pop();
        }
        RepoUrl {
            clean,
            username: None,
            password: None,
        }
    }

    /// The mirror directory name: the URL made safe for a file name, plus a short
    /// stable hash so that URLs that sanitize alike never share a mirror.
    pub(crate) fn dir_name(&self) -> String {
        let mut name = String::with_capacity(self.clean.len());
        let mut last_was_sep = false;
        let without_scheme = self
            .clean
            .split_once("://")
            .map_or(self.clean.as_str(), |(_, rest)| rest);
        for c in without_scheme.chars() {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                name.push(c);
                last_was_sep = false;
            } else if !last_was_sep {
                name.push('_');
                last_was_sep = true;
            }
        }
        let name = name.trim_matches(['_', '.']);
        let name: String = name.chars().take(80).collect();
        format!(
            "{name}-{:012x}",
            fnv1a64(self.clean.as_bytes()) & 0xffff_ffff_ffff
        )
    }
}

/// `[user@]host:path`, the scp-like syntax git accepts for SSH.
fn is_scp_like(raw: &str) -> bool {
    let Some(colon) = raw.find(':') else {
        return false;
    };
    let before = &raw[..colon];
    !before.is_empty() && !before.contains('/') && before.len() > 1
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Replace the userinfo of every `scheme://userinfo@host` in `text` with `***`, and
/// every occurrence of one of `secrets` with `***`.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_userinfo_is_taken_out() {
        let url = RepoUrl::parse("https://bot:s3cr%40t@example.com/org/repo.git/");
        assert_eq!(url.clean, "https://example.com/org/repo.git");
        assert_eq!(url.username.as_deref(), Some("bot"));
        assert_eq!(url.password.as_deref(), Some("s3cr@t"));
        assert!(!format!("{url:?}").contains("s3cr"));
    }

    #[test]
    fn ssh_user_stays_password_goes() {
        let url = RepoUrl::parse("ssh://git:pw@example.com:22/repo");
        assert_eq!(url.clean, "ssh://git@example.com:22/repo");
        assert_eq!(url.username, None);
        assert_eq!(url.password.as_deref(), Some("pw"));
        let scp = RepoUrl::parse("git@example.com:org/repo.git");
        assert_eq!(scp.clean, "git@example.com:org/repo.git");
    }

    #[test]
    fn local_paths_become_absolute() {
        let url = RepoUrl::parse("/srv/git/repo/");
        assert_eq!(url.clean, "/srv/git/repo");
        let rel = RepoUrl::parse("some/dir");
        assert!(rel.clean.starts_with('/'));
        let file = RepoUrl::parse("file:///srv/git/repo");
        assert_eq!(file.clean, "file:///srv/git/repo");
    }

    #[test]
    fn dir_names_are_safe_and_distinct() {
        let a = RepoUrl::parse("https://example.com/org/repo.git").dir_name();
        let b = RepoUrl::parse("https://example.com/org_repo.git").dir_name();
        assert!(a.starts_with("example.com_org_repo.git-"), "{a}");
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        );
        assert_eq!(
            a,
            RepoUrl::parse("https://u:p@example.com/org/repo.git").dir_name()
        );
    }

    #[test]
    fn scrub_hides_userinfo_and_secrets() {
        let text = "fatal: unable to access 'https://bot:hunter2@example.com/r.git/': 401 hunter2";
        let scrubbed = scrub(text, &["hunter2"]);
        assert_eq!(
            scrubbed,
            "fatal: unable to access 'https://***@example.com/r.git/': 401 ***"
        );
        assert_eq!(scrub("no urls here", &[]), "no urls here");
    }
}
