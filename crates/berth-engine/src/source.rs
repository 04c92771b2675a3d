//! Source → manifests: a Helm chart directory, a directory of YAML/JSON files, or a
//! Kustomize directory, read from one commit of a git repository.

use std::collections::BTreeMap;

use berth_chart::load::{BufferedFile, load_files};
use berth_chart::values::{load_values, merge_maps};
use berth_chart::{CapabilityOptions, PrepareOptions, ReleaseOptions, RenderInput, prepare_with};
use berth_template::Value as TemplateValue;
use serde_json::Value;

use crate::model::{DirectorySource, HelmSource, Source};

/// Read access to git repositories at a commit. The controller backs it with `berth-git`'s
/// shared fetcher; every call names the repository URL as written in the Application.
pub trait RepoReader: Send + Sync {
    /// The commit a revision (branch, tag, SHA, `HEAD` or empty) points at now.
    fn resolve(&self, url: &str, revision: &str) -> Result<String, SourceError>;
    /// The tree id of `path` at `commit`, None when the path does not exist.
    fn tree_id(&self, url: &str, commit: &str, path: &str) -> Result<Option<String>, SourceError>;
    /// Every file under `path` (recursively), with paths relative to it.
    fn files_under(
        &self,
        url: &str,
        commit: &str,
        path: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, SourceError>;
    /// One file, None when absent.
    fn read(&self, url: &str, commit: &str, path: &str) -> Result<Option<Vec<u8>>, SourceError>;
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SourceError {
    #[error("repository {url}: {message}")]
    Repository { url: String, message: String },
    #[error("path {path:?} does not exist in {url} at {revision}")]
    MissingPath {
        url: String,
        path: String,
        revision: String,
    },
    #[error("{file}: {message}")]
    Values { file: String, message: String },
    #[error("{0}")]
    Render(String),
    #[error("{file}: {message}")]
    Manifest { file: String, message: String },
    #[error("kustomize build {path}: {message}")]
    Kustomize { path: String, message: String },
    #[error("source {index}: {message}")]
    Invalid { index: usize, message: String },
}

/// What the rendering of one Application needs besides the repository.
#[derive(Debug, Clone)]
pub struct RenderContext<'a> {
    pub app_name: &'a str,
    /// `spec.destination.namespace`: the Helm release namespace and the default namespace.
    pub namespace: &'a str,
    /// Commits already resolved for every source, by index.
    pub commits: &'a [String],
}

/// One object to manage, with where it came from (for error messages and diffs).
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredObject {
    pub source_file: String,
    pub object: Value,
}

/// The kind of a source, as `status.sourceType` spells it.
pub fn source_type(files: &[(String, Vec<u8>)], source: &Source) -> &'static str {
    if source.helm.is_some() || files.iter().any(|(p, _)| p == "Chart.yaml") {
        "Helm"
    } else if source.kustomize.is_some()
        || files.iter().any(|(p, _)| {
            matches!(
                p.as_str(),
                "kustomization.yaml" | "kustomization.yml" | "Kustomization"
            )
        })
    {
        "Kustomize"
    } else {
        "Directory"
    }
}

/// Renders every source of an Application (sources with only `ref` contribute values files).
pub fn render_sources(
    repo: &dyn RepoReader,
    sources: &[&Source],
    ctx: &RenderContext<'_>,
) -> Result<(Vec<DesiredObject>, &'static str), SourceError> {
    let mut out = Vec::new();
    let mut kind = "Directory";
    for (index, source) in sources.iter().enumerate() {
        let commit = ctx.commits.get(index).ok_or_else(|| SourceError::Invalid {
            index,
            message: "revision not resolved".into(),
        })?;
        if source.chart.is_some() {
            return Err(SourceError::Invalid {
                index,
                message: "Helm repository charts (spec.source.chart) are not supported yet; \
                          point the source at a chart directory in git with `path`"
                    .into(),
            });
        }
        if source.reference.is_some() && source.path.is_empty() {
            continue;
        }
        let path = normalize(&source.path);
        let files = repo.files_under(&source.repo_url, commit, &path)?;
        if files.is_empty() && repo.tree_id(&source.repo_url, commit, &path)?.is_none() {
            return Err(SourceError::MissingPath {
                url: source.repo_url.clone(),
                path,
                revision: commit.clone(),
            });
        }
        kind = source_type(&files, source);
        let objects = match kind {
            "Helm" => render_helm(repo, sources, source, &path, files, ctx)?,
            "Kustomize" => render_kustomize(&path, files)?,
            _ => read_directory(&path, files, source.directory.as_ref())?,
        };
        out.extend(objects);
    }
    Ok((out, kind))
}

fn normalize(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed == "." {
        String::new()
    } else {
        trimmed.to_string()
    }
}

fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if base.is_empty() {
        vec![]
    } else {
        base.split('/').collect()
    };
    for part in rel.split('/') {
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

/// The values files of a Helm source in Argo CD's order: entries as listed, globs expanded
/// in lexical order, `$ref/path` read from the source with that `ref`.
fn value_files(
    repo: &dyn RepoReader,
    sources: &[&Source],
    helm: &HelmSource,
    chart_path: &str,
    chart_files: &[(String, Vec<u8>)],
    ctx: &RenderContext<'_>,
    (url, commit): (&str, &str),
) -> Result<Vec<(String, Vec<u8>)>, SourceError> {
    let mut out = Vec::new();
    for entry in &helm.value_files {
        if let Some(rest) = entry.strip_prefix('$') {
            let (name, rel) = rest.split_once('/').unwrap_or((rest, ""));
            let Some((i, src)) = sources
                .iter()
                .enumerate()
                .find(|(_, s)| s.reference.as_deref() == Some(name))
            else {
                return Err(SourceError::Values {
                    file: entry.clone(),
                    message: format!("no source has ref: {name}"),
                });
            };
            let ref_commit = ctx.commits.get(i).cloned().unwrap_or_default();
            match repo.read(&src.repo_url, &ref_commit, &join("", rel))? {
                Some(data) => out.push((entry.clone(), data)),
                None if helm.ignore_missing_value_files => {}
                None => {
                    return Err(SourceError::Values {
                        file: entry.clone(),
                        message: format!("values file not found in {}", src.repo_url),
                    });
                }
            }
            continue;
        }
        if entry.contains(['*', '?', '[']) {
            let mut matched: Vec<&(String, Vec<u8>)> = chart_files
                .iter()
                .filter(|(p, _)| {
                    berth_chart::load::ignore::glob_match(entry.trim_start_matches("./"), p)
                        .unwrap_or(false)
                })
                .collect();
            matched.sort_by(|a, b| a.0.cmp(&b.0));
            if matched.is_empty() && !helm.ignore_missing_value_files {
                return Err(SourceError::Values {
                    file: entry.clone(),
                    message: "the glob matches no values file".into(),
                });
            }
            out.extend(matched.into_iter().cloned());
            continue;
        }
        let full = join(chart_path, entry);
        let rel = full
            .strip_prefix(chart_path)
            .map(|r| r.trim_start_matches('/'));
        let local = rel.and_then(|r| chart_files.iter().find(|(p, _)| p == r));
        let data = match local {
            Some((_, data)) => Some(data.clone()),
            None => repo.read(url, commit, &full)?,
        };
        match data {
            Some(data) => out.push((entry.clone(), data)),
            None if helm.ignore_missing_value_files => {}
            None => {
                return Err(SourceError::Values {
                    file: full,
                    message: "values file not found (set helm.ignoreMissingValueFiles to skip it)"
                        .into(),
                });
            }
        }
    }
    Ok(out)
}

/// Reads a file of the source by its path relative to the source.
type FileSource<'a> = dyn Fn(&str) -> Result<Option<Vec<u8>>, SourceError> + 'a;

/// User values with Argo CD's precedence: parameters > valuesObject > values > valueFiles.
fn user_values(
    files: &[(String, Vec<u8>)],
    helm: &HelmSource,
    read_file: &FileSource<'_>,
) -> Result<TemplateValue, SourceError> {
    let mut base = TemplateValue::empty_map();
    for (name, data) in files {
        let parsed = load_values(data).map_err(|e| SourceError::Values {
            file: name.clone(),
            message: e,
        })?;
        base = merge_maps(&base, &parsed);
    }
    if let Some(text) = &helm.values {
        let parsed = load_values(text.as_bytes()).map_err(|e| SourceError::Values {
            file: "spec.source.helm.values".into(),
            message: e,
        })?;
        base = merge_maps(&base, &parsed);
    }
    if let Some(obj) = &helm.values_object {
        let parsed = berth_chart::values::convert::from_json(obj);
        base = merge_maps(&base, &parsed);
    }
    for p in &helm.parameters {
        let assignment = format!("{}={}", p.name, p.value);
        let result = if p.force_string {
            berth_chart::values::strvals::parse_into_string(&assignment, &base)
        } else {
            berth_chart::values::strvals::parse_into(&assignment, &base)
        };
        result.map_err(|e| SourceError::Values {
            file: format!("spec.source.helm.parameters[{}]", p.name),
            message: e,
        })?;
    }
    // fileParameters: `--set-file name=path`, the path relative to the source.
    for p in &helm.file_parameters {
        let label = format!("spec.source.helm.fileParameters[{}]", p.name);
        let data = read_file(&p.path)?.ok_or_else(|| SourceError::Values {
            file: label.clone(),
            message: format!("file {} not found", p.path),
        })?;
        let reader = |_: &str| -> Result<TemplateValue, String> {
            Ok(TemplateValue::from_bytes(data.clone()))
        };
        berth_chart::values::strvals::parse_into_file(
            &format!("{}={}", p.name, p.path),
            &base,
            &reader,
        )
        .map_err(|e| SourceError::Values {
            file: label,
            message: e,
        })?;
    }
    Ok(base)
}

fn render_helm(
    repo: &dyn RepoReader,
    sources: &[&Source],
    source: &Source,
    path: &str,
    files: Vec<(String, Vec<u8>)>,
    ctx: &RenderContext<'_>,
) -> Result<Vec<DesiredObject>, SourceError> {
    let helm = source.helm.clone().unwrap_or_default();
    let index = sources
        .iter()
        .position(|s| std::ptr::eq(*s, source))
        .unwrap_or(0);
    let commit = ctx.commits.get(index).cloned().unwrap_or_default();
    let values_files = value_files(
        repo,
        sources,
        &helm,
        path,
        &files,
        ctx,
        (&source.repo_url, &commit),
    )?;
    let read_file = |rel: &str| repo.read(&source.repo_url, &commit, &join(path, rel));
    let user = user_values(&values_files, &helm, &read_file)?;
    let buffered = files
        .into_iter()
        .map(|(name, data)| BufferedFile {
            name,
            data: data.into(),
        })
        .collect();
    let prefix = |e: String| {
        SourceError::Render(format!("{}: {e}", if path.is_empty() { "." } else { path }))
    };
    let path_label = if path.is_empty() { "." } else { path };
    let chart = load_files(buffered).map_err(|e| prefix(e.to_string()))?;
    let prepared = prepare_with(
        &chart,
        &user,
        &PrepareOptions {
            skip_schema_validation: helm.skip_schema_validation,
        },
    )
    .map_err(|e| prefix(e.to_string()))?;
    let namespace = helm.namespace.as_deref().unwrap_or(ctx.namespace);
    let rendered = berth_chart::render(&RenderInput {
        chart: &prepared.chart,
        values: prepared.values,
        release: ReleaseOptions {
            name: helm
                .release_name
                .clone()
                .unwrap_or_else(|| ctx.app_name.to_string()),
            namespace: if namespace.is_empty() {
                "default".into()
            } else {
                namespace.into()
            },
            ..ReleaseOptions::default()
        },
        capabilities: CapabilityOptions {
            kube_version: helm.kube_version.clone(),
            extra_api_versions: helm.api_versions.clone(),
            ..CapabilityOptions::default()
        },
    })
    .map_err(|e| SourceError::Render(format!("{path_label}: {e}")))?;
    let mut out = Vec::new();
    if !helm.skip_crds {
        for crd in &rendered.crds {
            let raw = crd.raw.get().map_err(|e| {
                SourceError::Render(format!("{path_label}: error reading {}: {e}", crd.source))
            })?;
            out.extend(parse_documents(&crd.source, raw)?);
        }
    }
    for m in &rendered.manifests {
        out.extend(parse_documents(&m.source, m.raw.as_bytes())?);
    }
    Ok(out)
}

fn read_directory(
    base: &str,
    files: Vec<(String, Vec<u8>)>,
    options: Option<&DirectorySource>,
) -> Result<Vec<DesiredObject>, SourceError> {
    let default = DirectorySource::default();
    let options = options.unwrap_or(&default);
    let mut out = Vec::new();
    let mut files = files;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, data) in files {
        if !options.recurse && name.contains('/') {
            continue;
        }
        if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) {
            continue;
        }
        if !options.include.is_empty() && !glob_list_matches(&options.include, &name) {
            continue;
        }
        if !options.exclude.is_empty() && glob_list_matches(&options.exclude, &name) {
            continue;
        }
        let display = join(base, &name);
        out.extend(parse_documents(&display, &data)?);
    }
    Ok(out)
}

/// Argo CD's include/exclude: one glob or `{a,b}` alternatives, matched on the relative path.
fn glob_list_matches(patterns: &str, name: &str) -> bool {
    let inner = patterns
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(patterns);
    let base = name.rsplit('/').next().unwrap_or(name);
    inner.split(',').map(str::trim).any(|p| {
        berth_chart::load::ignore::glob_match(p, name).unwrap_or(false)
            || berth_chart::load::ignore::glob_match(p, base).unwrap_or(false)
    })
}

fn render_kustomize(
    path: &str,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Vec<DesiredObject>, SourceError> {
    let err = |message: String| SourceError::Kustomize {
        path: path.to_string(),
        message,
    };
    let dir = tempfile::tempdir().map_err(|e| err(e.to_string()))?;
    for (name, data) in &files {
        let target = dir.path().join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
        }
        std::fs::write(&target, data).map_err(|e| err(e.to_string()))?;
    }
    let output = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .map_err(|e| err(format!("cannot run kubectl kustomize: {e}")))?;
    if !output.status.success() {
        return Err(err(String::from_utf8_lossy(&output.stderr)
            .trim()
            .to_string()));
    }
    parse_documents(&format!("{path}/kustomization.yaml"), &output.stdout)
}

/// Splits a YAML stream into objects, parsing as Kubernetes clients do (YAML 1.1 scalars);
/// `List` kinds are unrolled.
pub fn parse_documents(file: &str, data: &[u8]) -> Result<Vec<DesiredObject>, SourceError> {
    let text = String::from_utf8_lossy(data);
    let err = |message: String| SourceError::Manifest {
        file: file.to_string(),
        message,
    };
    let values = if file.ends_with(".json") {
        let v: Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        vec![v]
    } else {
        berth_template::yaml::from_yaml_all(&text)
            .map_err(|e| err(e.to_string()))?
            .iter()
            .map(to_kube_json)
            .collect()
    };
    let mut out = Vec::new();
    for value in values {
        match value {
            Value::Null => {}
            Value::Object(ref map) if map.is_empty() => {}
            Value::Object(ref map) => {
                if map
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List"))
                    && map.get("items").is_some_and(Value::is_array)
                {
                    for item in map["items"].as_array().into_iter().flatten() {
                        out.push(DesiredObject {
                            source_file: file.to_string(),
                            object: item.clone(),
                        });
                    }
                    continue;
                }
                if map.get("apiVersion").and_then(Value::as_str).is_none()
                    || map.get("kind").and_then(Value::as_str).is_none()
                {
                    return Err(err("object has no apiVersion or kind".into()));
                }
                out.push(DesiredObject {
                    source_file: file.to_string(),
                    object: value,
                });
            }
            other => return Err(err(format!("expected an object, found {other}"))),
        }
    }
    Ok(out)
}

/// A parsed YAML value as the JSON a Kubernetes client sends: whole numbers as integers.
fn to_kube_json(v: &TemplateValue) -> Value {
    integralize(berth_chart::values::convert::to_json(v))
}

fn integralize(j: Value) -> Value {
    match j {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(integralize).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, integralize(v))).collect())
        }
        other => other,
    }
}

/// A hash of every input of a render besides the tree: the cache key's second half.
pub fn inputs_key(sources: &[&Source], app_name: &str, namespace: &str) -> String {
    let mut map = BTreeMap::new();
    map.insert("app", Value::from(app_name));
    map.insert("namespace", Value::from(namespace));
    map.insert(
        "sources",
        serde_json::to_value(sources).unwrap_or(Value::Null),
    );
    serde_json::to_string(&map).unwrap_or_default()
}

/// A repository reader that can also fetch: the controller's one fetcher per URL.
pub trait GitSource: RepoReader {
    /// Fetches the repository (cloning it the first time); true when any ref moved.
    fn fetch(&self, url: &str) -> Result<bool, SourceError>;
    /// How many fetches of this URL have run (for the metric and the one-fetch-per-poll rule).
    fn fetch_count(&self, url: &str) -> u64;
    /// Credentials per repository URL (or URL prefix), from repository Secrets.
    fn set_repository_credentials(&self, _entries: Vec<RepoCredential>) {}
}

/// One repository Secret (`argocd.argoproj.io/secret-type: repository` or `repo-creds`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RepoCredential {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ssh_private_key: Option<String>,
}

impl std::fmt::Debug for RepoCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoCredential")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "ssh_private_key",
                &self.ssh_private_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
