//! Helm's engine (pkg/engine/engine.go) and the render half of `renderResources`
//! (pkg/action/action.go), Helm 4.3: every template of the chart tree parsed into one
//! set in Helm's order, each non-partial file executed with its chart's built-in objects,
//! `<no value>` removed, NOTES.txt pulled out, documents split, hooks separated and both
//! sorted by kind.

mod error;
mod objects;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use berth_template::helm::{ApiVersions, Files};
use berth_template::{FileData, ParsedAhead, TemplateSet, Value};

use crate::chart::Chart;
use crate::manifest::{Manifest, file_documents, sort_documents};

pub use error::RenderError;
pub use objects::{DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, HelmVersion, KubeVersion};

/// `.Release`: what `helm template` passes (`--is-upgrade`, `-n`, the release name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseOptions {
    /// `.Release.Name` (`helm template`'s default is `release-name`).
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision` (1 for `helm template`).
    pub revision: i64,
    /// `--is-upgrade`: `.Release.IsUpgrade` true and `.Release.IsInstall` false.
    pub is_upgrade: bool,
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
        }
    }
}

/// `.Capabilities`: explicit, so a render never depends on the build or a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapabilityOptions {
    /// `--kube-version` as given (`v1.33.4`, `1.30`); `None` is Helm 4.3's default,
    /// [`DEFAULT_KUBE_VERSION`].
    pub kube_version: Option<String>,
    /// The whole API version set; `None` is Helm's default set ([`DEFAULT_API_VERSIONS`]).
    /// A cluster's discovery gives group/versions and group/version/kinds.
    pub api_versions: Option<Vec<String>>,
    /// `--api-versions`: appended to the set.
    pub extra_api_versions: Vec<String>,
    /// `.Capabilities.HelmVersion`.
    pub helm_version: HelmVersion,
}

/// What to render: a chart whose dependencies are already processed (disabled subcharts
/// removed from `Chart::dependencies`, aliases applied to their names, subcharts in the
/// order Helm leaves them, which `--include-crds` output shows) and its coalesced values
/// (the top-level `.Values` map; a subchart's `.Values` is the section of its name, shared,
/// so `set` in one template is seen by later ones as in Helm). Values schema validation is
/// the values side's job and is not done here.
#[derive(Clone, Debug)]
pub struct RenderInput<'a> {
    pub chart: &'a Chart,
    pub values: Value,
    pub release: ReleaseOptions,
    pub capabilities: CapabilityOptions,
}

/// A raw file from a `crds/` folder (chart or subchart), as `--include-crds` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crd {
    /// `<chart full path>/crds/<file>`.
    pub source: String,
    /// The file as written (not templated), shared with the chart: most renders never
    /// print CRDs, so they are not read or decoded unless asked.
    pub raw: FileData,
}

impl Crd {
    /// The file as text (invalid UTF-8 replaced, as Go's string conversion prints it); the
    /// error names the file if it could not be read.
    pub fn text(&self) -> Result<Cow<'_, str>, String> {
        let raw = self
            .raw
            .get()
            .map_err(|e| format!("error reading {}: {e}", self.source))?;
        Ok(String::from_utf8_lossy(raw))
    }
}

/// A render's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The manifests in install order, then the hooks (`hook` set) in kind order.
    pub manifests: Vec<Manifest>,
    /// The charts' CRD files, chart first, then each subchart's, recursively.
    pub crds: Vec<Crd>,
    /// The root chart's rendered `templates/NOTES.txt`, if it has one.
    pub notes: Option<String>,
}

impl Rendered {
    /// The hooks, in the order `helm template` prints them.
    pub fn hooks(&self) -> impl Iterator<Item = &Manifest> {
        self.manifests.iter().filter(|m| m.hook.is_some())
    }
}

/// One template file with the context it runs in.
struct Renderable<'a> {
    text: Cow<'a, str>,
    ctx: Value,
    base_path: String,
}

fn set(map: &Value, key: &str, v: Value) {
    if let Value::Map(m, _) = map {
        m.borrow_mut().insert(key.to_string(), v);
    }
}

/// Helm's `values.Table("Values.<name>")`: the path split on dots; the parent's map
/// itself (shared), or a new empty map when any step is not a table.
fn sub_values(parent_ctx: &Value, name: &str) -> Value {
    let mut cur = parent_ctx.clone();
    for part in std::iter::once("Values").chain(name.split('.')) {
        let next = match &cur {
            Value::Map(m, _) => m.borrow().get(part).cloned(),
            _ => None,
        };
        match next {
            Some(v @ Value::Map(..)) => cur = v,
            _ => return Value::empty_map(),
        }
    }
    cur
}

struct Shared {
    release: Value,
    capabilities: Value,
}

/// Helm's `recAllTpls`: the chart's context map, its subcharts' first.
fn collect<'a>(
    chart: &'a Chart,
    parent: Option<(&str, &Value)>,
    shared: &Shared,
    root_values: &Value,
    out: &mut BTreeMap<String, Renderable<'a>>,
) -> Value {
    let name = &chart.metadata.name;
    let full_path = match parent {
        Some((p, _)) => subchart_path(p, chart),
        None => name.clone(),
    };
    let values = match parent {
        None => root_values.clone(),
        Some((_, pctx)) => sub_values(pctx, name),
    };
    let files = Files::new(chart.files.iter().map(|f| (f.name.clone(), f.data.clone())));
    let subcharts = Value::empty_map();
    let ctx = Value::map(BTreeMap::from([
        (
            "Chart".to_string(),
            objects::chart_map(&chart.metadata, parent.is_none()),
        ),
        ("Files".to_string(), files.into_value()),
        ("Release".to_string(), shared.release.clone()),
        ("Capabilities".to_string(), shared.capabilities.clone()),
        ("Values".to_string(), values),
        ("Subcharts".to_string(), subcharts.clone()),
    ]));
    for child in &chart.dependencies {
        let child_ctx = collect(child, Some((&full_path, &ctx)), shared, root_values, out);
        set(&subcharts, &child.metadata.name, child_ctx);
    }
    for (name, text) in set_templates(chart, &full_path) {
        out.insert(
            name,
            Renderable {
                text,
                ctx: ctx.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    ctx
}

/// The templates of `chart` (at `full_path` in the chart tree) that join the template set,
/// by the names rendering gives them: a library chart contributes its partials only.
fn set_templates<'a>(
    chart: &'a Chart,
    full_path: &str,
) -> impl Iterator<Item = (String, Cow<'a, str>)> + use<'a> {
    let library = chart.metadata.chart_type.eq_ignore_ascii_case("library");
    let full_path = full_path.to_string();
    chart
        .templates
        .iter()
        .filter(move |t| {
            !library
                || t.name
                    .rsplit('/')
                    .next()
                    .unwrap_or(&t.name)
                    .starts_with('_')
        })
        .map(move |t| {
            let name = clean_path(&format!("{full_path}/{}", t.name));
            (name, berth_template::utf8_lossy(t.data.get_or_empty()))
        })
}

/// A subchart's path in the chart tree (`top/charts/sub`), as sources and names show it.
fn subchart_path(parent: &str, sub: &Chart) -> String {
    format!("{parent}/charts/{}", sub.metadata.name)
}

/// Go's `path.Clean` for the relative paths charts produce (no `..` expected).
fn clean_path(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    parts.join("/")
}

/// Helm's parse and execution order: more `/` first, then reverse lexicographic.
fn helm_order(keys: impl Iterator<Item = String>) -> Vec<String> {
    let mut keys: Vec<String> = keys.collect();
    keys.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.as_bytes().cmp(a.as_bytes()))
    });
    keys
}

fn crds(chart: &Chart, full_path: &str, out: &mut Vec<Crd>) {
    for f in &chart.files {
        if !f.name.starts_with("crds/") {
            continue;
        }
        let ext = f
            .name
            .rsplit('/')
            .next()
            .and_then(|b| b.rfind('.').map(|i| &b[i..]))
            .unwrap_or("");
        if [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
        {
            out.push(Crd {
                source: format!("{full_path}/{}", f.name),
                raw: f.data.clone(),
            });
        }
    }
    for d in &chart.dependencies {
        crds(d, &subchart_path(full_path, d), out);
    }
}

/// Masterminds' constraint check through the template engine's `semverCompare`
/// (Helm's `IsCompatibleRange`: false when either side does not parse).
fn compatible(constraint: &str, version: &str) -> bool {
    let mut set = TemplateSet::new();
    if set.parse("c", "{{ semverCompare .c .v }}").is_err() {
        return false;
    }
    let data = Value::map(BTreeMap::from([
        ("c".to_string(), Value::str(constraint)),
        ("v".to_string(), Value::str(version)),
    ]));
    matches!(set.execute("c", &data).as_deref(), Ok("true"))
}

/// The template files of a loaded chart and all its subcharts, named as rendering names
/// them (unless dependency processing renames a subchart with its alias): parsing them
/// needs nothing else, so a caller can parse them (`berth_template::ParseAhead`) while
/// the values and dependencies are processed, and hand the trees to [`render_parsed`].
pub fn template_sources(chart: &Chart) -> Vec<(String, Cow<'_, str>)> {
    fn walk<'a>(chart: &'a Chart, path: &str, out: &mut Vec<(String, Cow<'a, str>)>) {
        out.extend(set_templates(chart, path));
        for d in &chart.dependencies {
            walk(d, &subchart_path(path, d), out);
        }
    }
    let mut out = Vec::new();
    walk(chart, &chart.metadata.name, &mut out);
    out
}

/// Renders a chart as `helm template` does, up to (not including) printing.
pub fn render(input: &RenderInput<'_>) -> Result<Rendered, RenderError> {
    render_with(input, None)
}

/// [`render`], with templates already parsed from [`template_sources`]; those whose name
/// or text differ in the prepared chart are parsed again.
pub fn render_parsed(input: &RenderInput<'_>, ahead: ParsedAhead) -> Result<Rendered, RenderError> {
    render_with(input, Some(ahead))
}

fn render_with(
    input: &RenderInput<'_>,
    ahead: Option<ParsedAhead>,
) -> Result<Rendered, RenderError> {
    let chart = input.chart;
    let ty = &chart.metadata.chart_type;
    if !(ty.is_empty() || ty == "application") {
        return Err(RenderError::NotInstallable(ty.clone()));
    }
    let caps = &input.capabilities;
    let kube_text = caps
        .kube_version
        .clone()
        .unwrap_or_else(|| DEFAULT_KUBE_VERSION.to_string());
    let kube = KubeVersion::parse(&kube_text).ok_or_else(|| {
        RenderError::InvalidKubeVersion(
            kube_text.clone(),
            format!("could not parse {kube_text:?} as version"),
        )
    })?;
    if !chart.metadata.kube_version.is_empty()
        && !compatible(&chart.metadata.kube_version, &kube.normalized)
    {
        return Err(RenderError::KubeVersion {
            constraint: chart.metadata.kube_version.clone(),
            version: kube.version.clone(),
        });
    }
    let mut api: Vec<String> = match &caps.api_versions {
        Some(v) => v.clone(),
        None => DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
    };
    api.extend(caps.extra_api_versions.iter().cloned());
    let capabilities = Value::Object(Rc::new(objects::Capabilities {
        kube: Rc::new(kube),
        api: Rc::new(ApiVersions(api)),
        helm: Rc::new(caps.helm_version.clone()),
    }));
    let r = &input.release;
    let release = Value::map(BTreeMap::from([
        ("Name".to_string(), Value::str(&r.name)),
        ("Namespace".to_string(), Value::str(&r.namespace)),
        ("IsUpgrade".to_string(), Value::Bool(r.is_upgrade)),
        ("IsInstall".to_string(), Value::Bool(!r.is_upgrade)),
        ("Revision".to_string(), Value::Int(r.revision)),
        ("Service".to_string(), Value::str("Helm")),
    ]));
    let shared = Shared {
        release,
        capabilities,
    };
    let root_values = match &input.values {
        Value::Nil => Value::empty_map(),
        v => v.clone(),
    };

    let mut tpls = BTreeMap::new();
    collect(chart, None, &shared, &root_values, &mut tpls);
    let order = helm_order(tpls.keys().cloned());

    let mut set = TemplateSet::new();
    let sources: Vec<(&str, &str)> = order
        .iter()
        .map(|name| (name.as_str(), &*tpls[name].text))
        .collect();
    let parsed = set.parse_files_ahead(&sources, ahead);
    // Templates that could not be read parsed as empty: that, not what followed, is the error.
    if let Some(e) = unread_file(chart) {
        return Err(e);
    }
    parsed.map_err(|(i, e)| {
        let name = sources.get(i).map_or("", |s| s.0);
        error::parse_error(name, &e.to_string())
    })?;
    let root_notes = format!("{}/templates/NOTES.txt", chart.metadata.name);
    let mut notes = None;
    // Reading the documents' heads (a YAML parse of the whole output) needs nothing but the
    // file, so for larger charts it runs on another thread while later files execute.
    let (to_reader, rendered) = std::sync::mpsc::channel::<(String, String)>();
    let mut rendered = Some(rendered);
    let large = order.len() >= LARGE_CHART_FILES;
    let documents = std::thread::scope(|s| {
        let reader = large
            .then(|| rendered.take().map(|r| s.spawn(move || read_documents(r))))
            .flatten();
        for name in &order {
            let base = name.rsplit('/').next().unwrap_or(name);
            if base.starts_with('_') {
                continue;
            }
            let t = &tpls[name];
            let template = Value::map(BTreeMap::from([
                ("Name".to_string(), Value::str(name)),
                ("BasePath".to_string(), Value::str(&t.base_path)),
            ]));
            set_template(&t.ctx, template);
            let mut out = set
                .execute(name, &t.ctx)
                .map_err(|e| error::exec_error(name, &e.to_string()))?;
            if out.contains("<no value>") {
                out = out.replace("<no value>", "");
            }
            if name.ends_with("NOTES.txt") {
                if *name == root_notes {
                    notes = Some(out);
                }
                continue;
            }
            // The receiver lives until this scope ends.
            let _ = to_reader.send((name.clone(), out));
        }
        drop(to_reader);
        Ok(match reader {
            Some(r) => r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            None => rendered.take().map(read_documents).unwrap_or_default(),
        })
    });
    // So did files templates read; the executions that saw them are not to be trusted.
    if let Some(e) = unread_file(chart) {
        return Err(e);
    }
    let documents = documents?;

    if large {
        set.drop_in_background();
    }
    let (mut manifests, hooks) =
        sort_documents(documents.into_values()).map_err(RenderError::Yaml)?;
    manifests.extend(hooks);
    let mut crd_list = Vec::new();
    crds(chart, &chart.metadata.name, &mut crd_list);
    Ok(Rendered {
        manifests,
        crds: crd_list,
        notes,
    })
}

/// The first chart file (templates, then files, chart before subcharts) whose deferred read
/// failed. Templates saw it as empty, so this, not what followed from that, is the error.
fn unread_file(chart: &Chart) -> Option<RenderError> {
    fn find(chart: &Chart, full_path: &str) -> Option<RenderError> {
        let own = chart.templates.iter().chain(&chart.files).find_map(|f| {
            let e = f.data.read_error()?;
            Some(RenderError::Read(format!(
                "error reading {full_path}/{}: {e}",
                f.name
            )))
        });
        own.or_else(|| {
            chart
                .dependencies
                .iter()
                .find_map(|d| find(d, &subchart_path(full_path, d)))
        })
    }
    find(chart, &chart.metadata.name)
}

/// Charts with at least this many template files use helper threads (reading documents,
/// freeing parse trees); smaller ones do everything on the rendering thread.
const LARGE_CHART_FILES: usize = 16;

/// Each rendered file's documents, by file path (Helm's sorter walks files in path order).
fn read_documents(
    rendered: std::sync::mpsc::Receiver<(String, String)>,
) -> BTreeMap<String, Result<Vec<Manifest>, String>> {
    rendered
        .into_iter()
        .map(|(name, out)| {
            let docs = file_documents(&name, &out);
            (name, docs)
        })
        .collect()
}

fn set_template(ctx: &Value, template: Value) {
    set(ctx, "Template", template);
}

#[cfg(test)]
mod tests;
