//! Refreshing on a push: a webhook names a repository, a branch or tag and the commits
//! before and after; the apps that read that repository at that branch are fetched once
//! and queued. An app annotated `argocd.argoproj.io/manifest-generate-paths` is queued
//! only when a changed file is under one of those paths (as in Argo CD).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use berth_git::RepoCache;

use crate::cluster::ClusterError;
use crate::controller::{application_gvk, redact_url};
use crate::model::{Application, Source};
use crate::reconcile::Reconciler;

/// Argo CD's annotation limiting which changed files refresh an app.
pub const MANIFEST_GENERATE_PATHS: &str = "argocd.argoproj.io/manifest-generate-paths";

/// What a push webhook says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushEvent {
    /// Every URL the provider gives for the repository (HTTPS clone, SSH, web page).
    pub repo_urls: Vec<String>,
    /// The full reference pushed: `refs/heads/main`, `refs/tags/v1` (a bare name is a branch).
    pub reference: String,
    /// The commit before the push (empty or all zeros for a new reference).
    pub before: String,
    /// The commit after the push.
    pub after: String,
    /// The repository's default branch, when the provider says it.
    pub default_branch: Option<String>,
    /// Files the payload lists as added, modified or removed (may be incomplete; `None`
    /// when the provider sends no file lists).
    pub changed_files: Option<Vec<String>>,
}

impl PushEvent {
    fn branch(&self) -> Option<&str> {
        if let Some(b) = self.reference.strip_prefix("refs/heads/") {
            return Some(b);
        }
        (!self.reference.starts_with("refs/")).then_some(self.reference.as_str())
    }

    fn tag(&self) -> Option<&str> {
        self.reference.strip_prefix("refs/tags/")
    }
}

/// Why an app matched by repository was not refreshed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// It tracks another branch, tag or a fixed commit.
    OtherRevision(String),
    /// No changed file is under its manifest-generate-paths.
    NoChangedPath,
}

/// What a push refreshed.
#[derive(Debug, Clone, Default)]
pub struct RefreshOutcome {
    /// Apps queued for a reconcile.
    pub refreshed: Vec<String>,
    /// Apps of the repository that were left alone, and why.
    pub skipped: Vec<(String, Skipped)>,
    /// Repositories fetched (user information removed).
    pub fetched: Vec<String>,
    /// Fetches that failed (repository, error), user information removed.
    pub errors: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("cannot list Applications: {0}")]
    ListApplications(#[from] ClusterError),
}

/// Refreshes the apps `event` concerns. `mirrors` reads the controller's repository cache
/// (the same folder) to list the files changed between `before` and `after`; without it,
/// or when that fails, the payload's file lists are used, and without those every matching
/// app is refreshed.
pub async fn refresh_for_push(
    reconciler: &Reconciler,
    mirrors: Option<Arc<RepoCache>>,
    event: &PushEvent,
) -> Result<RefreshOutcome, RefreshError> {
    let wanted: BTreeSet<String> = event.repo_urls.iter().map(|u| normalize_url(u)).collect();
    let objects = reconciler
        .cluster
        .list(&application_gvk(), Some(&reconciler.config.namespace))
        .await?;
    let mut outcome = RefreshOutcome::default();
    // Fetch URL (after rewrites) -> apps and the sources of each that matched.
    let mut by_repo: BTreeMap<String, Vec<(Application, Vec<Source>)>> = BTreeMap::new();
    for obj in &objects {
        let Ok(app) = Application::from_value(obj) else {
            continue;
        };
        let mut matched: BTreeMap<String, Vec<Source>> = BTreeMap::new();
        let mut other_revision = None;
        for source in app.spec.all_sources() {
            if !wanted.contains(&normalize_url(&source.repo_url)) {
                continue;
            }
            if revision_matches(&source.target_revision, event) {
                matched
                    .entry(rewrite(&reconciler.config.url_rewrites, &source.repo_url))
                    .or_default()
                    .push(source.clone());
            } else {
                other_revision = Some(source.target_revision.clone());
            }
        }
        if matched.is_empty() {
            if let Some(rev) = other_revision {
                outcome
                    .skipped
                    .push((app.name.clone(), Skipped::OtherRevision(rev)));
            }
            continue;
        }
        for (url, sources) in matched {
            by_repo.entry(url).or_default().push((app.clone(), sources));
        }
    }
    let mut queued = BTreeSet::new();
    for (url, apps) in by_repo {
        match reconciler.fetch(&url).await {
            Ok(_) => outcome.fetched.push(redact_url(&url)),
            Err(e) => {
                // Queue anyway: the reconcile reports the repository error on the app.
                tracing::warn!(repository = %redact_url(&url), error = %e, "webhook fetch failed");
                outcome.errors.push((redact_url(&url), e.to_string()));
            }
        }
        let changed = changed_files(mirrors.clone(), &url, event).await;
        for (app, sources) in apps {
            if queued.contains(&app.name) {
                continue;
            }
            let paths = refresh_paths(&app, &sources);
            if let (Some(paths), Some(changed)) = (&paths, &changed)
                && !changed
                    .iter()
                    .any(|f| paths.iter().any(|p| path_matches(p, f)))
            {
                outcome
                    .skipped
                    .push((app.name.clone(), Skipped::NoChangedPath));
                continue;
            }
            reconciler.queue.add(&app.name);
            queued.insert(app.name.clone());
            outcome.refreshed.push(app.name.clone());
        }
    }
    Ok(outcome)
}

/// The files changed by the push: from the mirror, else the payload. `None` if unknown.
async fn changed_files(
    mirrors: Option<Arc<RepoCache>>,
    url: &str,
    event: &PushEvent,
) -> Option<Vec<String>> {
    if let Some(cache) = mirrors
        && !event.after.trim().is_empty()
        && !is_zero(&event.after)
    {
        let (u, before, after) = (url.to_string(), event.before.clone(), event.after.clone());
        let listed =
            tokio::task::spawn_blocking(move || cache.changed_paths(&u, &before, &after)).await;
        match listed {
            Ok(Ok(files)) => return Some(files),
            Ok(Err(e)) => tracing::debug!(
                repository = %redact_url(url),
                error = %e,
                "cannot list the changed files from the mirror; using the payload's"
            ),
            Err(_) => {}
        }
    }
    event.changed_files.clone().filter(|f| !f.is_empty())
}

fn is_zero(rev: &str) -> bool {
    rev.chars().all(|c| c == '0')
}

/// Whether a source tracking `target` follows the reference pushed.
pub fn revision_matches(target: &str, event: &PushEvent) -> bool {
    let target = target.trim();
    if target.is_empty() || target == "HEAD" {
        return match (event.branch(), &event.default_branch) {
            (Some(branch), Some(default)) => branch == default,
            // Without the default branch named, any branch push may be it.
            (Some(_), None) => true,
            (None, _) => false,
        };
    }
    if let Some(branch) = target.strip_prefix("refs/heads/") {
        return event.branch() == Some(branch);
    }
    if let Some(tag) = target.strip_prefix("refs/tags/") {
        return event.tag() == Some(tag);
    }
    event.branch() == Some(target) || event.tag() == Some(target)
}

/// The app's manifest-generate-paths, relative to the repository root; `None` when the
/// annotation is absent (every change refreshes).
pub fn refresh_paths(app: &Application, sources: &[Source]) -> Option<Vec<String>> {
    let annotation = app.annotations.get(MANIFEST_GENERATE_PATHS)?;
    let mut out = Vec::new();
    for item in annotation
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(abs) = item.strip_prefix('/') {
            out.push(clean(abs));
        } else {
            for source in sources {
                out.push(clean(&format!("{}/{item}", source.path)));
            }
        }
    }
    Some(out)
}

fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A changed file matches a refresh path when it is the path, under it, or matches it as
/// a glob (`*`, `?`).
pub fn path_matches(path: &str, file: &str) -> bool {
    let file = clean(file);
    path.is_empty()
        || file == path
        || file.starts_with(&format!("{path}/"))
        || (path.contains(['*', '?']) && glob(path.as_bytes(), file.as_bytes()))
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text)
                || (text.first().is_some_and(|c| *c != b'/') && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// A repository URL reduced to host and path, for comparing the forms providers send:
/// `https://host/org/repo.git`, `git@host:org/repo.git`, `ssh://git@host:22/org/repo`.
pub fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let (rest, scp) = match url.split_once("://") {
        Some((_, rest)) => (rest.to_string(), false),
        None => (url.to_string(), true),
    };
    let rest = match rest.split_once('/') {
        Some((authority, path)) if !scp => {
            let host = authority.rsplit('@').next().unwrap_or(authority);
            let host = host.split(':').next().unwrap_or(host);
            format!("{host}/{path}")
        }
        _ => {
            // scp-like `user@host:path`.
            let without_user = rest.rsplit_once('@').map_or(rest.as_str(), |(_, r)| r);
            without_user.replacen(':', "/", 1)
        }
    };
    let lower = rest.to_lowercase();
    let trimmed = lower.trim_end_matches('/');
    trimmed.strip_suffix(".git").unwrap_or(trimmed).to_string()
}

fn rewrite(rewrites: &[(String, String)], url: &str) -> String {
    for (from, to) in rewrites {
        if let Some(rest) = url.strip_prefix(from.as_str()) {
            return format!("{to}{rest}");
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(reference: &str, default: Option<&str>) -> PushEvent {
        PushEvent {
            reference: reference.into(),
            default_branch: default.map(Into::into),
            ..PushEvent::default()
        }
    }

    #[test]
    fn urls_compare_across_forms() {
        let a = normalize_url("https://git.example.com/platform/gitops-config.git");
        assert_eq!(a, "git.example.com/platform/gitops-config");
        for other in [
            "git@git.example.com:platform/gitops-config.git",
            "ssh://git@git.example.com:22/platform/gitops-config",
            "https://bot:secret@Git.Example.com/platform/gitops-config/",
            "http://git.example.com/platform/gitops-config",
        ] {
            assert_eq!(normalize_url(other), a, "{other}");
        }
        assert_ne!(
            normalize_url("https://git.example.com/platform/other.git"),
            a
        );
    }

    #[test]
    fn revisions() {
        let main = push("refs/heads/main", Some("main"));
        assert!(revision_matches("main", &main));
        assert!(revision_matches("HEAD", &main));
        assert!(revision_matches("", &main));
        assert!(revision_matches("refs/heads/main", &main));
        assert!(!revision_matches("release", &main));
        assert!(!revision_matches("v1.0.0", &main));
        let feature = push("refs/heads/feature", Some("main"));
        assert!(!revision_matches("HEAD", &feature));
        let tag = push("refs/tags/v1.0.0", Some("main"));
        assert!(revision_matches("v1.0.0", &tag));
        assert!(!revision_matches("HEAD", &tag));
        assert!(!revision_matches("main", &tag));
    }

    #[test]
    fn manifest_generate_paths() {
        let obj = serde_json::json!({
            "metadata": {"name": "a", "annotations": {MANIFEST_GENERATE_PATHS: ".; /shared/common;../x/*.yaml"}},
            "spec": {"source": {"repoURL": "r", "path": "charts/a", "targetRevision": "main"}}
        });
        let app = Application::from_value(&obj).unwrap_or_else(|e| panic!("{e}"));
        let sources: Vec<Source> = app.spec.all_sources().into_iter().cloned().collect();
        let paths = refresh_paths(&app, &sources).unwrap_or_default();
        assert_eq!(paths, ["charts/a", "shared/common", "charts/x/*.yaml"]);
        let hit = |f: &str| paths.iter().any(|p| path_matches(p, f));
        assert!(hit("charts/a/values-stg.yaml"));
        assert!(hit("shared/common/x.yaml"));
        assert!(hit("charts/x/values.yaml"));
        assert!(!hit("charts/x/templates/d.yaml"));
        assert!(!hit("charts/ab/values.yaml"));
        assert!(!hit("README.md"));
    }
}
