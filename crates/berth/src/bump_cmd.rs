//! `berth bump`: change one scalar of a values file (an image tag), commit it as the CI's
//! author and push, retrying when another pipeline pushed first. Also the helpers the
//! `rollback` and `history` commands share: opening the repository, finding an
//! Application's manifest and inputs, and reading the image tag of a values file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use berth_engine::model::Application;
use berth_git::{Credentials, PushError, Signature, Workdir};

/// The marker comment that names the image tag line of a values file.
pub const TAG_MARKER: &str = "# berth:image-tag";

#[derive(clap::Args, Debug, Clone)]
pub struct BumpArgs {
    /// The application (service) whose image tag changes, e.g. `orders-api`.
    #[arg(long, requires_all = ["env", "tag"], conflicts_with_all = ["file", "key", "value"])]
    pub app: Option<String>,
    /// The environment, e.g. `stg`: the Application `<app>-<env>` (or `<app>` under a
    /// folder named after the environment).
    #[arg(long, requires = "app")]
    pub env: Option<String>,
    /// The new image tag.
    #[arg(long, requires = "app")]
    pub tag: Option<String>,
    /// General form: the file to edit (relative to the repository root).
    #[arg(long, requires_all = ["key", "value"])]
    pub file: Option<String>,
    /// General form: the dotted key of the scalar to change, e.g. `image.tag`.
    #[arg(long, requires = "file")]
    pub key: Option<String>,
    /// General form: the new value.
    #[arg(long, requires = "file")]
    pub value: Option<String>,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// Where a writing command works and how it publishes.
#[derive(clap::Args, Debug, Clone)]
pub struct WriteArgs {
    /// The GitOps repository: a URL (cloned into a temporary folder; needs --push) or
    /// the path of a working clone.
    #[arg(long, default_value = ".")]
    pub repo: String,
    /// The branch to commit to (default: the clone's branch, or the remote's default).
    #[arg(long)]
    pub branch: Option<String>,
    /// Push the commit; when the remote moved meanwhile, fetch, reapply and push again.
    #[arg(long)]
    pub push: bool,
    /// The commit author, `Name <email>` (default: GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL,
    /// then the clone's user.name and user.email).
    #[arg(long, env = "BERTH_AUTHOR")]
    pub author: Option<String>,
    /// How many times to try pushing in all.
    #[arg(long, default_value_t = 10)]
    pub attempts: usize,
}

// ---------------------------------------------------------------------------------------
// The repository

/// A working clone: the caller's, or a temporary one of a URL.
pub struct Checkout {
    pub workdir: Workdir,
    pub temporary: bool,
    _tmp: Option<tempfile::TempDir>,
}

pub fn looks_like_url(repo: &str) -> bool {
    repo.contains("://") || (repo.contains('@') && repo.contains(':') && !Path::new(repo).exists())
}

/// Git credentials: BERTH_GIT_USERNAME, BERTH_GIT_PASSWORD or BERTH_GIT_TOKEN,
/// BERTH_GIT_SSH_KEY (a key file), or the password or token read from the file named by
/// BERTH_GIT_PASSWORD_FILE or BERTH_GIT_TOKEN_FILE (as CI secrets are often mounted).
pub fn credentials() -> anyhow::Result<Credentials> {
    let mut creds = Credentials::from_env("BERTH_GIT");
    if creds.password.is_none() {
        for var in ["BERTH_GIT_PASSWORD_FILE", "BERTH_GIT_TOKEN_FILE"] {
            let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "reading the git secret file {} named by {var}",
                    Path::new(&path).display()
                )
            })?;
            let secret = text.trim_end_matches(['\r', '\n']).to_string();
            if secret.is_empty() {
                bail!(
                    "the git secret file {} named by {var} is empty",
                    Path::new(&path).display()
                );
            }
            creds.password = Some(secret);
            break;
        }
    }
    Ok(creds)
}

/// Opens `repo` (a working clone, or a URL cloned into a temporary folder).
pub fn open_repo(repo: &str, branch: Option<&str>) -> anyhow::Result<Checkout> {
    if looks_like_url(repo) {
        let tmp = tempfile::Builder::new()
            .prefix("berth-clone-")
            .tempdir()
            .context("creating a temporary folder for the clone")?;
        let dir = tmp.path().join("repo");
        let workdir = Workdir::clone(repo, branch.unwrap_or(""), &dir, &credentials()?)
            .with_context(|| {
                format!(
                    "cloning {} (credentials come from BERTH_GIT_TOKEN, BERTH_GIT_USERNAME/BERTH_GIT_PASSWORD or BERTH_GIT_SSH_KEY)",
                    berth_engine::controller::redact_url(repo)
                )
            })?;
        return Ok(Checkout {
            workdir,
            temporary: true,
            _tmp: Some(tmp),
        });
    }
    let path = PathBuf::from(repo);
    let top = git_local(&path, &["rev-parse", "--show-toplevel"])
        .with_context(|| format!("{repo} is not a git working clone (pass --repo PATH|URL)"))?;
    let workdir =
        Workdir::open(top.trim()).with_context(|| {
            format!("opening the working clone {repo} (it must have a branch checked out, not a detached HEAD)")
        })?;
    if let Some(branch) = branch
        && workdir.branch() != branch
    {
        bail!(
            "the working clone {repo} is on branch {:?}, not {branch:?}: check out {branch} first",
            workdir.branch()
        );
    }
    Ok(Checkout {
        workdir,
        temporary: false,
        _tmp: None,
    })
}

/// Runs a local git command (no network, no credentials) and returns its stdout.
pub fn git_local(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .context("running git (is it installed and on PATH?)")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Refuses a working clone with uncommitted changes: they would end up in the commit.
pub fn require_clean(workdir: &Workdir) -> anyhow::Result<()> {
    let status = git_local(workdir.dir(), &["status", "--porcelain"])?;
    let dirty: Vec<&str> = status.lines().map(|l| l.get(3..).unwrap_or(l)).collect();
    if !dirty.is_empty() {
        bail!(
            "the working clone {} has uncommitted changes ({}): commit or stash them first",
            workdir.dir().display(),
            dirty.join(", ")
        );
    }
    Ok(())
}

/// The author of the commit: the flag, then GIT_AUTHOR_NAME/EMAIL, then the clone's config.
pub fn author(flag: Option<&str>, workdir: &Workdir) -> anyhow::Result<Signature> {
    if let Some(text) = flag {
        return parse_author(text).with_context(|| {
            format!("--author {text:?}: expected `Name <email>`, e.g. \"CI Bot <ci@example.com>\"")
        });
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let (Some(name), Some(email)) = (var("GIT_AUTHOR_NAME"), var("GIT_AUTHOR_EMAIL")) {
        return Ok(Signature::new(name, email));
    }
    let config = |key: &str| {
        git_local(workdir.dir(), &["config", "--get", key])
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match (config("user.name"), config("user.email")) {
        (Some(name), Some(email)) => Ok(Signature::new(name, email)),
        _ => bail!(
            "no commit author: pass --author \"Name <email>\" or set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL"
        ),
    }
}

pub fn parse_author(text: &str) -> Option<Signature> {
    let (name, rest) = text.split_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    let name = name.trim();
    if name.is_empty() || email.is_empty() || email.contains(['<', '>']) {
        return None;
    }
    Some(Signature::new(name, email))
}

/// After a push lost a race: drop our commit (the clone was clean before it), then move
/// onto the remote head, replaying any other local commits.
pub fn restart_on_remote(
    workdir: &Workdir,
    creds: &Credentials,
    author: &Signature,
) -> anyhow::Result<()> {
    git_local(workdir.dir(), &["reset", "--hard", "--quiet", "HEAD~1"])?;
    workdir
        .fetch_and_rebase_onto_remote(creds, author)
        .context("moving onto the remote branch after a rejected push")?;
    Ok(())
}

pub fn push_error(err: PushError) -> anyhow::Error {
    match err {
        PushError::Auth { url, message } => anyhow::anyhow!(
            "push to {url} was refused for the credentials ({message}): set BERTH_GIT_TOKEN (or BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD, or BERTH_GIT_SSH_KEY) to an identity that may push"
        ),
        PushError::NonFastForward { url, .. } => anyhow::anyhow!(
            "push to {url} kept losing races with other pushes: nothing was pushed; run the command again"
        ),
        PushError::Other(e) => anyhow::anyhow!("push rejected: {e}"),
    }
}

// ---------------------------------------------------------------------------------------
// Applications in the repository

/// An Application manifest found in the repository.
#[derive(Debug, Clone)]
pub struct AppManifest {
    /// The file, relative to the repository root.
    pub file: String,
    pub app: Application,
}

impl AppManifest {
    pub fn name(&self) -> &str {
        &self.app.name
    }

    /// The values files of the app, relative to the repository root, lowest precedence
    /// first (the chart's own values.yaml first).
    pub fn value_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let sources = self.app.spec.all_sources();
        for source in &sources {
            if source.chart.is_some() || source.path.is_empty() {
                continue;
            }
            let Some(helm) = &source.helm else { continue };
            let default = join_path(&source.path, "values.yaml");
            if !out.contains(&default) {
                out.push(default);
            }
            for file in &helm.value_files {
                let resolved = if let Some(rest) = file.strip_prefix('$') {
                    // `$ref/path`: relative to the root of the source named `ref`.
                    match rest.split_once('/') {
                        Some((_, path)) => normalize(path),
                        None => continue,
                    }
                } else {
                    join_path(&source.path, file)
                };
                if !out.contains(&resolved) {
                    out.push(resolved);
                }
            }
        }
        out
    }

    /// The folders of the app's sources (charts, plain manifests) in the repository.
    pub fn source_paths(&self) -> Vec<String> {
        self.app
            .spec
            .all_sources()
            .iter()
            .filter(|s| s.chart.is_none() && !s.path.is_empty())
            .map(|s| normalize(&s.path))
            .collect()
    }
}

pub fn join_path(base: &str, file: &str) -> String {
    if file.starts_with('/') {
        normalize(file)
    } else {
        normalize(&format!("{base}/{file}"))
    }
}

/// A repository-relative path with `.` and `..` resolved and no leading or trailing `/`.
pub fn normalize(path: &str) -> String {
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

/// Every Application manifest in the working tree (files that are not YAML, or not
/// Applications, are skipped).
pub fn find_applications(root: &Path) -> Vec<AppManifest> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if entry.file_name() != ".git" {
                    stack.push(path);
                }
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !text.contains("Application") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            for doc in serde_yaml::Deserializer::from_str(&text) {
                let Ok(value) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) else {
                    break;
                };
                let Ok(json) = serde_json::to_value(&value) else {
                    continue;
                };
                let is_app = json["kind"] == "Application"
                    && json["apiVersion"]
                        .as_str()
                        .is_some_and(|v| v.starts_with("argoproj.io/"));
                if !is_app {
                    continue;
                }
                if let Ok(app) = Application::from_value(&json) {
                    out.push(AppManifest {
                        file: rel.clone(),
                        app,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file).then(a.app.name.cmp(&b.app.name)));
    out
}

/// The Application named `name`, or `name-env`, or `name` in a folder named `env`.
pub fn find_app<'a>(
    apps: &'a [AppManifest],
    name: &str,
    env: Option<&str>,
) -> anyhow::Result<&'a AppManifest> {
    let wanted: Vec<String> = match env {
        Some(env) => vec![format!("{name}-{env}")],
        None => vec![name.to_string()],
    };
    if let Some(found) = apps.iter().find(|a| wanted.iter().any(|w| w == a.name())) {
        return Ok(found);
    }
    if let Some(env) = env
        && let Some(found) = apps.iter().find(|a| {
            a.name() == name
                && Path::new(&a.file)
                    .components()
                    .any(|c| c.as_os_str() == env)
        })
    {
        return Ok(found);
    }
    let known: Vec<&str> = apps.iter().map(AppManifest::name).collect();
    bail!(
        "no Application {} in the repository (Applications found: {})",
        wanted.join(" or "),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )
}

/// The files `app` reads that sit in a folder another app's values files also sit in
/// but that `app` does not read: other environments' values files.
pub fn foreign_value_files(app: &AppManifest, all: &[AppManifest]) -> BTreeSet<String> {
    let own: BTreeSet<String> = app.value_files().into_iter().collect();
    let paths = app.source_paths();
    all.iter()
        .filter(|other| other.name() != app.name())
        .flat_map(AppManifest::value_files)
        .filter(|f| !own.contains(f) && paths.iter().any(|p| under(f, p)))
        .collect()
}

pub fn under(file: &str, dir: &str) -> bool {
    dir.is_empty() || file == dir || file.starts_with(&format!("{dir}/"))
}

/// The pathspecs of an app's inputs for `git log`/`git diff`: its manifest, its source
/// folders without other environments' values files, and values files outside them.
pub fn input_pathspecs(app: &AppManifest, all: &[AppManifest]) -> Vec<String> {
    let mut specs = vec![format!(":(literal){}", app.file)];
    let paths = app.source_paths();
    for path in &paths {
        specs.push(format!(":(literal){path}"));
    }
    for file in app.value_files() {
        if !paths.iter().any(|p| under(&file, p)) {
            specs.push(format!(":(literal){file}"));
        }
    }
    for file in foreign_value_files(app, all) {
        specs.push(format!(":(exclude,literal){file}"));
    }
    specs
}

/// Whether another app reads `file` (Application manifests of `app` itself excluded).
pub fn other_users(file: &str, app: &AppManifest, all: &[AppManifest]) -> Vec<String> {
    if file == app.file {
        return Vec::new();
    }
    all.iter()
        .filter(|other| other.name() != app.name())
        .filter(|other| {
            let foreign = foreign_value_files(other, all);
            let in_path = other.source_paths().iter().any(|p| under(file, p));
            let is_value = other.value_files().iter().any(|f| f == file);
            // A folder of Application manifests (app of apps) renders this app's
            // manifest; that is no other use of the app's chart.
            (is_value || (in_path && !foreign.contains(file)))
                && !all.iter().any(|a| a.file == file)
        })
        .map(|other| other.name().to_string())
        .collect()
}

/// Says so when the app follows another branch than the one the commit goes to.
pub fn warn_other_branch(app: &AppManifest, branch: &str) {
    for source in app.app.spec.all_sources() {
        let target = source.target_revision.trim();
        let target = target.strip_prefix("refs/heads/").unwrap_or(target);
        if !target.is_empty() && target != "HEAD" && target != branch && source.chart.is_none() {
            eprintln!(
                "warning: {} follows revision {target:?}, but this commit goes to branch {branch:?}; pass --branch {target} if that is where it should land",
                app.name()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Editing one scalar of a YAML file in place

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    /// `|` or `>`: found so a lookup can name it, never edited.
    Block,
    /// `{ }` or `[ ]`: likewise.
    Flow,
    /// An anchor, alias or tag: likewise.
    Decorated,
    /// A quoted value going on over several lines: likewise.
    MultiLine,
}

/// Where one scalar value sits in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The dotted key path (`[]` for a list item).
    pub path: Vec<String>,
    /// 1-based line number.
    pub line: usize,
    /// Byte range of the value as written (quotes included).
    pub start: usize,
    pub end: usize,
    /// The value (quotes removed, escapes decoded).
    pub value: String,
    pub style: Style,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error(
        "line {line}: the value of {key} is {what}, which berth edits only as a one-line scalar"
    )]
    NotAScalar {
        key: String,
        line: usize,
        what: &'static str,
    },
}

/// One line split into a key and the text after its colon.
fn split_key(content: &str) -> Option<(String, usize)> {
    let bytes = content.as_bytes();
    let first = *bytes.first()?;
    if first == b'#' {
        return None;
    }
    if first == b'"' || first == b'\'' {
        let close = content[1..].find(first as char)? + 1;
        let after = &content[close + 1..];
        let rest = after.strip_prefix(':')?;
        if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
            return None;
        }
        return Some((content[1..close].to_string(), close + 2));
    }
    let mut search = 0;
    while let Some(pos) = content[search..].find(':') {
        let at = search + pos;
        let rest = &content[at + 1..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
            let key = content[..at].trim_end();
            if key.is_empty() || key.contains(" #") {
                return None;
            }
            return Some((key.to_string(), at + 1));
        }
        search = at + 1;
    }
    None
}

/// Every one-line scalar of block mappings in `text`, with its key path.
pub fn scalars(text: &str) -> Result<Vec<Scalar>, EditError> {
    let mut out = Vec::new();
    // (indent, key) of the mappings the current line sits in.
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut block_indent: Option<usize> = None;
    let mut offset = 0;
    for (index, raw_line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start_matches(' ');
        let mut indent = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(block) = block_indent {
            if indent > block {
                continue;
            }
            block_indent = None;
        }
        if indent == 0 && (trimmed.starts_with("---") || trimmed.starts_with("...")) {
            stack.clear();
            continue;
        }
        let mut content = trimmed;
        while let Some(rest) =
            content
                .strip_prefix("- ")
                .or(if content == "-" { Some("") } else { None })
        {
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, "[]".to_string()));
            let inner = rest.trim_start_matches(' ');
            indent += content.len() - inner.len();
            content = inner;
        }
        let Some((key, colon_end)) = split_key(content) else {
            continue;
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let mut path: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
        path.push(key.clone());
        let after = &content[colon_end..];
        let value_text = after.trim_start_matches([' ', '\t']);
        let value_offset = line_start
            + (line.len() - content.len())
            + colon_end
            + (after.len() - value_text.len());
        let line_no = index + 1;
        // An anchor or tag alone (`base: &base`) introduces a nested collection.
        let only_decoration = (value_text.starts_with('&') || value_text.starts_with('!'))
            && value_text
                .split_once(char::is_whitespace)
                .is_none_or(|(_, rest)| rest.trim().is_empty() || rest.trim().starts_with('#'));
        if value_text.is_empty() || value_text.starts_with('#') || only_decoration {
            stack.push((indent, key));
            continue;
        }
        let first = value_text.as_bytes()[0];
        let (len, value, style) = match first {
            b'"' => {
                let mut end = None;
                let mut escaped = false;
                for (i, c) in value_text.char_indices().skip(1) {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let decoded = end.and_then(|end| {
                    serde_yaml::from_str::<String>(&value_text[..=end])
                        .ok()
                        .map(|d| (end, d))
                });
                match decoded {
                    Some((end, decoded)) => (end + 1, decoded, Style::Double),
                    None => (0, String::new(), Style::MultiLine),
                }
            }
            b'\'' => {
                let bytes = value_text.as_bytes();
                let mut i = 1;
                let mut end = None;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        end = Some(i);
                        break;
                    }
                    i += 1;
                }
                match end {
                    Some(end) => (
                        end + 1,
                        value_text[1..end].replace("''", "'"),
                        Style::Single,
                    ),
                    None => (0, String::new(), Style::MultiLine),
                }
            }
            b'|' | b'>' => {
                block_indent = Some(indent);
                (0, String::new(), Style::Block)
            }
            b'{' | b'[' => (0, String::new(), Style::Flow),
            b'&' | b'*' | b'!' => (0, String::new(), Style::Decorated),
            _ => {
                let end = value_text.find(" #").unwrap_or(value_text.len());
                let plain = value_text[..end].trim_end();
                (plain.len(), plain.to_string(), Style::Plain)
            }
        };
        out.push(Scalar {
            path,
            line: line_no,
            start: value_offset,
            end: value_offset + len,
            value,
            style,
        });
    }
    Ok(out)
}

fn checked(scalar: Scalar) -> Result<Scalar, EditError> {
    let what = match scalar.style {
        Style::Block => "a block scalar (| or >)",
        Style::Flow => "a flow collection ({ } or [ ])",
        Style::Decorated => "an anchor, alias or tag",
        Style::MultiLine => "a quoted value over several lines",
        Style::Plain | Style::Single | Style::Double => return Ok(scalar),
    };
    Err(EditError::NotAScalar {
        key: scalar.path.join("."),
        line: scalar.line,
        what,
    })
}

/// The scalar at dotted `key`, `None` if the file has no such key.
pub fn find_key(text: &str, key: &str) -> Result<Option<Scalar>, EditError> {
    let wanted: Vec<&str> = key.split('.').collect();
    scalars(text)?
        .into_iter()
        .find(|s| s.path.iter().map(String::as_str).eq(wanted.iter().copied()))
        .map(checked)
        .transpose()
}

/// The scalar on the line carrying [`TAG_MARKER`].
pub fn find_marked(text: &str) -> Result<Option<Scalar>, EditError> {
    let mut marked_lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.contains(TAG_MARKER) {
            marked_lines.push(i + 1);
        }
    }
    let Some(line) = marked_lines.first().copied() else {
        return Ok(None);
    };
    scalars(text)?
        .into_iter()
        .find(|s| s.line == line)
        .map(checked)
        .transpose()
}

/// The image tag of a values file: the marked line, else `image.tag`.
pub fn find_tag(text: &str) -> Result<Option<Scalar>, EditError> {
    match find_marked(text)? {
        Some(s) => Ok(Some(s)),
        None => find_key(text, "image.tag"),
    }
}

fn yaml_kind(plain: &str) -> &'static str {
    match serde_yaml::from_str::<serde_yaml::Value>(plain) {
        Ok(serde_yaml::Value::String(_)) => "string",
        Ok(serde_yaml::Value::Number(_)) => "number",
        Ok(serde_yaml::Value::Bool(_)) => "bool",
        Ok(serde_yaml::Value::Null) => "null",
        _ => "other",
    }
}

fn safe_plain(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && value.trim() == value
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.chars().any(char::is_control)
}

/// How `new` is written in place of `old`, keeping its quoting and its type (a string
/// stays a string: `1.10` replacing `latest` is quoted).
pub fn render_value(old: &Scalar, new: &str) -> String {
    match old.style {
        Style::Single => format!("'{}'", new.replace('\'', "''")),
        Style::Double | Style::Block | Style::Flow | Style::Decorated | Style::MultiLine => {
            double_quoted(new)
        }
        Style::Plain => {
            let keeps_type = yaml_kind(&old.value) != "string" || yaml_kind(new) == "string";
            if safe_plain(new) && keeps_type {
                new.to_string()
            } else {
                double_quoted(new)
            }
        }
    }
}

fn double_quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with the scalar replaced by `new`; every other byte stays. The result is parsed
/// again to make sure exactly that value changed.
pub fn replace_scalar(text: &str, scalar: &Scalar, new: &str) -> anyhow::Result<String> {
    let rendered = render_value(scalar, new);
    let mut out = String::with_capacity(text.len() + rendered.len());
    out.push_str(&text[..scalar.start]);
    out.push_str(&rendered);
    out.push_str(&text[scalar.end..]);
    let before: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or(serde_yaml::Value::Null);
    let after: serde_yaml::Value = serde_yaml::from_str(&out)
        .context("the edited file is not valid YAML; nothing was written")?;
    if !scalar.path.iter().any(|p| p == "[]") {
        let mut expected = before;
        let new_value: serde_yaml::Value = if scalar.style == Style::Plain && rendered == new {
            serde_yaml::from_str(new).unwrap_or_else(|_| serde_yaml::Value::String(new.into()))
        } else {
            serde_yaml::Value::String(new.into())
        };
        let mut slot = Some(&mut expected);
        for key in &scalar.path {
            slot = slot.and_then(|v| v.get_mut(key.as_str()));
        }
        match slot {
            Some(slot) => *slot = new_value,
            None => bail!(
                "cannot check the edit of {} (the key is not where it was found); nothing was written",
                scalar.path.join(".")
            ),
        }
        if expected != after {
            bail!(
                "editing {} in place would change more than that value; nothing was written",
                scalar.path.join(".")
            );
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The command

/// What one attempt is going to change.
struct Plan {
    file: String,
    new_text: String,
    message: String,
}

enum Target<'a> {
    App {
        app: &'a str,
        env: &'a str,
        tag: &'a str,
    },
    Key {
        file: &'a str,
        key: &'a str,
        value: &'a str,
    },
}

/// Reads the working tree and works out the edit; `None` when the value is already set.
fn plan(workdir: &Workdir, target: &Target) -> anyhow::Result<Option<Plan>> {
    let (file, scalar, new, describe) = match target {
        Target::App { app, env, tag } => {
            let apps = find_applications(workdir.dir());
            let manifest = find_app(&apps, app, Some(env))?;
            let files = manifest.value_files();
            if files.is_empty() {
                bail!(
                    "Application {} ({}) has no Helm source with values files in this repository",
                    manifest.name(),
                    manifest.file
                );
            }
            let mut marked = None;
            let mut keyed = None;
            for file in files.iter().rev() {
                let Some(bytes) = workdir.read_file(file)? else {
                    continue;
                };
                let text = String::from_utf8(bytes)
                    .with_context(|| format!("{file} is not UTF-8 text"))?;
                let in_file = |e: EditError| anyhow::anyhow!("{file}: {e}");
                if marked.is_none()
                    && let Some(s) = find_marked(&text).map_err(in_file)?
                {
                    marked = Some((file.clone(), s));
                }
                if keyed.is_none()
                    && let Some(s) = find_key(&text, "image.tag").map_err(in_file)?
                {
                    keyed = Some((file.clone(), s));
                }
            }
            let Some((file, scalar)) = marked.or(keyed) else {
                bail!(
                    "no image tag in the values files of {} ({}): mark the tag line with `{TAG_MARKER}` or set image.tag, or use --file/--key/--value",
                    manifest.name(),
                    files.join(", ")
                );
            };
            let shared: Vec<String> = apps
                .iter()
                .filter(|a| a.name() != manifest.name() && a.value_files().contains(&file))
                .map(|a| a.name().to_string())
                .collect();
            if !shared.is_empty() {
                bail!(
                    "the image tag of {} is set in {file}, which {} also read: bumping it would deploy there too; set the tag in an environment's own values file, or use --file {file} --key {} --value {tag} to change it for all",
                    manifest.name(),
                    shared.join(", "),
                    scalar.path.join(".")
                );
            }
            warn_other_branch(manifest, workdir.branch());
            let describe = format!("{app} in {env}: image tag");
            (file, scalar, tag.to_string(), describe)
        }
        Target::Key { file, key, value } => {
            let file = normalize(file);
            let Some(bytes) = workdir.read_file(&file)? else {
                bail!("{file} does not exist in the repository");
            };
            let text =
                String::from_utf8(bytes).with_context(|| format!("{file} is not UTF-8 text"))?;
            let Some(scalar) = find_key(&text, key).map_err(|e| anyhow::anyhow!("{file}: {e}"))?
            else {
                bail!("{file} has no key {key} (give the full dotted path, e.g. image.tag)");
            };
            let describe = format!("{file}: {key}");
            (file, scalar, value.to_string(), describe)
        }
    };
    if scalar.value == new {
        return Ok(None);
    }
    let text = workdir
        .read_file(&file)?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let new_text = replace_scalar(&text, &scalar, &new).with_context(|| file.to_string())?;
    let key = scalar.path.join(".");
    let message = format!(
        "bump {describe} {} -> {new}\n\nFile: {file}\nKey: {key}\n",
        scalar.value
    );
    Ok(Some(Plan {
        file,
        new_text,
        message,
    }))
}

pub fn run(args: BumpArgs) -> anyhow::Result<()> {
    let target = match (
        &args.app,
        &args.env,
        &args.tag,
        &args.file,
        &args.key,
        &args.value,
    ) {
        (Some(app), Some(env), Some(tag), None, None, None) => Target::App { app, env, tag },
        (None, None, None, Some(file), Some(key), Some(value)) => Target::Key { file, key, value },
        _ => bail!(
            "say what to bump: --app APP --env ENV --tag TAG, or --file FILE --key a.b.c --value V"
        ),
    };
    if let Target::App { tag, .. } = &target
        && (tag.trim().is_empty() || tag.contains(char::is_whitespace))
    {
        bail!("--tag {tag:?} is not an image tag");
    }
    let write = &args.write;
    if looks_like_url(&write.repo) && !write.push {
        bail!(
            "--repo is a URL: the change would only land in a temporary clone; add --push (or run in a working clone)"
        );
    }
    let checkout = open_repo(&write.repo, write.branch.as_deref())?;
    let workdir = &checkout.workdir;
    if !checkout.temporary {
        require_clean(workdir)?;
    }
    let author = author(write.author.as_deref(), workdir)?;
    let creds = credentials()?;
    let attempts = write.attempts.max(1);
    for attempt in 1..=attempts {
        let Some(plan) = plan(workdir, &target)? else {
            let what = match &target {
                Target::App { app, env, tag } => format!("{app} in {env} is already at {tag}"),
                Target::Key { file, key, value } => format!("{key} in {file} is already {value}"),
            };
            println!("{what}; nothing to commit");
            return Ok(());
        };
        workdir.write_file(&plan.file, plan.new_text.as_bytes())?;
        let Some(commit) = workdir.commit(&author, &plan.message)? else {
            println!("{} is unchanged; nothing to commit", plan.file);
            return Ok(());
        };
        let summary = plan.message.lines().next().unwrap_or_default().to_string();
        if !write.push {
            println!(
                "{summary}\ncommitted {} on {} ({}); not pushed (add --push)",
                commit.short(),
                workdir.branch(),
                plan.file,
            );
            return Ok(());
        }
        match workdir.push(&creds) {
            Ok(()) => {
                println!(
                    "{summary}\npushed {} to {} {} ({})",
                    commit.short(),
                    berth_engine::controller::redact_url(workdir.url()),
                    workdir.branch(),
                    plan.file
                );
                return Ok(());
            }
            Err(PushError::NonFastForward { .. }) if attempt < attempts => {
                eprintln!("the remote branch moved; reapplying the change on its new head");
                restart_on_remote(workdir, &creds, &author)?;
            }
            Err(e) => return Err(push_error(e)),
        }
    }
    Err(push_error(PushError::NonFastForward {
        url: workdir.url().to_string(),
        message: String::new(),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const VALUES: &str = "# orders-api in staging\nreplicaCount: 2\n\nimage:\n  repository: ghcr.io/x/orders\n  tag: \"1.8.3\" # berth:image-tag\n\nlist:\n  - name: a\n    tag: keep\nnote: 'it''s'\nplain: latest   # trailing\n";

    #[test]
    fn finds_the_marked_tag_and_replaces_only_it() {
        let s = find_tag(VALUES).unwrap().unwrap();
        assert_eq!(s.path, ["image", "tag"]);
        assert_eq!(s.value, "1.8.3");
        assert_eq!(s.style, Style::Double);
        let out = replace_scalar(VALUES, &s, "1.9.0").unwrap();
        assert_eq!(out, VALUES.replace("\"1.8.3\"", "\"1.9.0\""));
    }

    #[test]
    fn image_tag_without_marker() {
        let text = "image:\n  tag: 1.2.3\nother:\n  tag: x\n";
        let s = find_tag(text).unwrap().unwrap();
        assert_eq!(s.value, "1.2.3");
        assert_eq!(
            replace_scalar(text, &s, "1.2.4").unwrap(),
            "image:\n  tag: 1.2.4\nother:\n  tag: x\n"
        );
    }

    #[test]
    fn keys_inside_lists_and_quotes() {
        let list = find_key(VALUES, "list.[].tag").unwrap().unwrap();
        assert_eq!(list.value, "keep");
        let single = find_key(VALUES, "note").unwrap().unwrap();
        assert_eq!(single.value, "it's");
        let out = replace_scalar(VALUES, &single, "o'k").unwrap();
        assert!(out.contains("note: 'o''k'\n"), "{out}");
        let plain = find_key(VALUES, "plain").unwrap().unwrap();
        assert_eq!(plain.value, "latest");
        // A string stays a string.
        let out = replace_scalar(VALUES, &plain, "1.10").unwrap();
        assert!(out.contains("plain: \"1.10\"   # trailing\n"), "{out}");
        assert!(find_key(VALUES, "image.missing").unwrap().is_none());
        assert!(find_key(VALUES, "tag").unwrap().is_none());
    }

    #[test]
    fn numbers_stay_plain_and_odd_values_are_quoted() {
        let text = "replicas: 2\n";
        let s = find_key(text, "replicas").unwrap().unwrap();
        assert_eq!(replace_scalar(text, &s, "3").unwrap(), "replicas: 3\n");
        let out = replace_scalar(text, &s, "a: b").unwrap();
        assert_eq!(out, "replicas: \"a: b\"\n");
    }

    #[test]
    fn block_and_flow_values_are_refused() {
        let text = "a:\n  b: |\n    x: 1\n  c: {d: 1}\ne: 1\n";
        assert!(matches!(
            find_key(text, "a.b"),
            Err(EditError::NotAScalar { .. })
        ));
        assert!(
            find_key(text, "x").unwrap().is_none(),
            "inside a block scalar"
        );
        assert!(matches!(
            find_key(text, "a.c"),
            Err(EditError::NotAScalar { .. })
        ));
        assert_eq!(find_key(text, "e").unwrap().unwrap().value, "1");
    }

    #[test]
    fn odd_values_elsewhere_do_not_block_an_edit() {
        let text =
            "base: &base\n  a: 1\nother: *base\nlong: \"first\n  second\"\nimage:\n  tag: v1\n";
        let s = find_tag(text).unwrap().unwrap();
        assert_eq!(
            replace_scalar(text, &s, "v2").unwrap(),
            text.replace("tag: v1", "tag: v2")
        );
        assert!(matches!(
            find_key(text, "other"),
            Err(EditError::NotAScalar { .. })
        ));
        assert!(matches!(
            find_key(text, "long"),
            Err(EditError::NotAScalar { .. })
        ));
        assert_eq!(find_key(text, "base.a").unwrap().unwrap().value, "1");
        assert!(find_key(text, "a").unwrap().is_none());
    }

    #[test]
    fn crlf_files_keep_their_line_ends() {
        let text = "image:\r\n  tag: v1\r\n";
        let s = find_tag(text).unwrap().unwrap();
        assert_eq!(
            replace_scalar(text, &s, "v2").unwrap(),
            "image:\r\n  tag: v2\r\n"
        );
    }

    #[test]
    fn authors() {
        let s = parse_author("CI Bot <ci@example.com>").unwrap();
        assert_eq!(
            (s.name.as_str(), s.email.as_str()),
            ("CI Bot", "ci@example.com")
        );
        assert!(parse_author("nobody").is_none());
        assert!(parse_author("<a@b>").is_none());
    }

    fn example() -> Vec<AppManifest> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gitops-config");
        find_applications(&root)
    }

    #[test]
    fn the_example_apps_and_their_inputs() {
        let apps = example();
        let stg = find_app(&apps, "orders-api", Some("stg")).unwrap();
        assert_eq!(stg.file, "applications/stg/orders-api.yaml");
        assert_eq!(
            find_app(&apps, "orders-api-stg", None).unwrap().file,
            stg.file
        );
        assert!(find_app(&apps, "billing", Some("stg")).is_err());
        assert_eq!(
            stg.value_files(),
            [
                "charts/orders-api/values.yaml",
                "charts/orders-api/values-stg.yaml"
            ]
        );
        let foreign = foreign_value_files(stg, &apps);
        assert!(foreign.contains("charts/orders-api/values-prod.yaml"));
        assert!(foreign.contains("charts/orders-api/values-dev.yaml"));
        assert!(!foreign.contains("charts/orders-api/values-stg.yaml"));
        let specs = input_pathspecs(stg, &apps);
        assert!(specs.contains(&":(literal)applications/stg/orders-api.yaml".to_string()));
        assert!(specs.contains(&":(literal)charts/orders-api".to_string()));
        assert!(
            specs.contains(&":(exclude,literal)charts/orders-api/values-prod.yaml".to_string())
        );
        // Shared files name the other apps; the app's own files and manifest do not.
        assert_eq!(
            other_users("charts/orders-api/templates/deployment.yaml", stg, &apps),
            ["orders-api-dev", "orders-api-prod"]
        );
        assert!(other_users("charts/orders-api/values-stg.yaml", stg, &apps).is_empty());
        assert!(other_users("applications/stg/orders-api.yaml", stg, &apps).is_empty());
    }

    #[test]
    fn paths() {
        assert_eq!(join_path("charts/a", "values.yaml"), "charts/a/values.yaml");
        assert_eq!(
            join_path("charts/a", "../common/v.yaml"),
            "charts/common/v.yaml"
        );
        assert!(under("charts/a/values.yaml", "charts/a"));
        assert!(!under("charts/ab/values.yaml", "charts/a"));
    }
}
