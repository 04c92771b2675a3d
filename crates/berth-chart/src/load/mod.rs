//! Loading a chart as Helm's loader does (`pkg/chart/loader`, `pkg/chart/v2/loader`,
//! `pkg/chart/loader/archive`, `internal/sympath`): from a directory (walked in sorted
//! order, symlinks followed, `.helmignore` applied) or a gzipped tar archive (with Helm's
//! path and size checks), then the files sorted into their roles and the subcharts under
//! `charts/` loaded recursively. Error texts are Helm's.

pub mod ignore;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use std::sync::Arc;

use berth_template::FileData;
use bytes::Bytes;

use crate::chart::{Chart, ChartFile, Metadata};
use crate::metadata::{self, NullNodes};
use crate::values::{ValuesFile, io_text};

/// Helm's `MaxDecompressedChartSize` (100 MiB): the total of one archive.
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize` (5 MiB): one file.
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// Symbolic links followed in a row before giving up (the kernel's limit).
const MAX_SYMLINK_DEPTH: usize = 40;

/// Why a chart could not be loaded: Helm's text, which names the file at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, LoadError> {
    Err(LoadError(msg.into()))
}

/// One file of a chart before it is sorted into its role (Helm's `BufferedFile`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BufferedFile {
    pub name: String,
    pub data: FileData,
}

impl BufferedFile {
    /// The contents of a file the loader needs (Chart.yaml, values, archives), read now if
    /// they were deferred.
    fn contents(&self) -> Result<&Bytes, LoadError> {
        self.data
            .get()
            .map_err(|e| LoadError(format!("error reading {}: {e}", self.name)))
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn trim_bom(data: Vec<u8>) -> Bytes {
    let data = Bytes::from(data);
    if data.starts_with(UTF8_BOM) {
        data.slice(UTF8_BOM.len()..)
    } else {
        data
    }
}

/// Loads the chart at `path`, a directory or a `.tgz` archive, as `helm template` does.
pub fn load(path: impl AsRef<Path>) -> Result<Chart, LoadError> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return err(format!("path {shown:?} not found")),
    };
    if meta.is_dir() {
        load_dir(path)
    } else {
        load_file(path)
    }
}

fn api_version_of(chart_yaml: &[u8]) -> Result<String, String> {
    let mut md = Metadata::default();
    let mut nulls = NullNodes::default();
    metadata::decode_into(&mut md, chart_yaml, &mut nulls)
        .map_err(|e| format!("cannot load Chart.yaml: {e}"))?;
    Ok(md.api_version)
}

fn check_api_version(v: &str) -> Result<(), LoadError> {
    match v {
        "" | "v1" | "v2" => Ok(()),
        "v3" => err(
            "unsupported chart version: chart API v3 is experimental in Helm 4 (HELM_EXPERIMENTAL_CHART_V3) and not supported here",
        ),
        _ => err("unsupported chart version"),
    }
}

/// Loads a chart directory (Helm's `LoadDir`).
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    let top = std::path::absolute(dir).map_err(|e| LoadError(e.to_string()))?;
    let chart_yaml = top.join("Chart.yaml");
    let data = std::fs::read(&chart_yaml).map_err(|e| {
        LoadError(format!(
            "unable to detect chart at {}: open {}: {}",
            chart_yaml.display(),
            chart_yaml.display(),
            io_text(&e)
        ))
    })?;
    check_api_version(&api_version_of(&data).map_err(LoadError)?)?;

    let mut rules = ignore::Rules::empty();
    let ifile = top.join(".helmignore");
    if ifile.exists() {
        let data = std::fs::read(&ifile)
            .map_err(|e| LoadError(format!("open {}: {}", ifile.display(), io_text(&e))))?;
        rules = ignore::Rules::parse(&data).map_err(LoadError)?;
    }
    rules.add_defaults();

    let mut found = Vec::new();
    let walked = walk_dir(&top, "", &rules, &mut found, 0);
    // The walk stops at its first error, so every file found comes before it: a read
    // error among them is the one Helm (reading as it walks) would have reported.
    let threads = if found.len() >= PARALLEL_READ_FILES {
        berth_template::parallel::parallelism()
    } else {
        1
    };
    let contents =
        berth_template::parallel::map_in_order(&found, threads, || (), |_, f| read_found(f));
    let mut files = Vec::with_capacity(found.len());
    for (f, data) in found.into_iter().zip(contents) {
        let data =
            data.map_err(|e| LoadError(format!("error reading {}: {}", f.name, io_text(&e))))?;
        files.push(BufferedFile { name: f.name, data });
    }
    walked?;
    load_files(files)
}

/// A file the walk accepted, read once the walk is done.
struct FoundFile {
    name: String,
    path: std::path::PathBuf,
}

/// Reads a file the walk found; one that only `.Files` or the CRD list can use is opened
/// (so an unreadable file fails the load, as in Helm) but read only when first needed.
fn read_found(f: &FoundFile) -> std::io::Result<FileData> {
    if !only_for_files(&f.name) {
        return std::fs::read(&f.path).map(|d| trim_bom(d).into());
    }
    std::fs::File::open(&f.path)?;
    let path = f.path.clone();
    Ok(FileData::deferred(move || {
        std::fs::read(&path).map(trim_bom).map_err(|e| io_text(&e))
    }))
}

/// Whether `name` (relative to the top chart) lands in some chart's `files` and nothing
/// else: not Chart.yaml, values, schema, requirements or locks, not a template, not a
/// subchart archive. Subchart directories are looked through (`charts/<sub>/...`).
fn only_for_files(name: &str) -> bool {
    let mut rest = name;
    while let Some(in_charts) = rest.strip_prefix("charts/") {
        match in_charts.split_once('/') {
            Some((dir, inner)) if !dir.ends_with(".tgz") => rest = inner,
            _ => return false,
        }
    }
    !(rest.starts_with("templates/")
        || matches!(
            rest,
            "Chart.yaml"
                | "Chart.lock"
                | "values.yaml"
                | "values.schema.json"
                | "requirements.yaml"
                | "requirements.lock"
        ))
}

/// Charts with fewer files are read on one thread.
const PARALLEL_READ_FILES: usize = 64;

/// Walks `dir` (whose chart-relative name is `rel`) in sorted order, as `sympath.Walk`.
fn walk_dir(
    dir: &Path,
    rel: &str,
    rules: &ignore::Rules,
    files: &mut Vec<FoundFile>,
    link_depth: usize,
) -> Result<(), LoadError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| LoadError(format!("open {}: {}", dir.display(), io_text(&e))))?;
    let mut names: Vec<std::ffi::OsString> = rd
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(|e| LoadError(format!("readdirent {}: {}", dir.display(), io_text(&e))))?;
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let n = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        visit(&path, &n, rules, files, link_depth)?;
    }
    Ok(())
}

fn visit(
    path: &Path,
    n: &str,
    rules: &ignore::Rules,
    files: &mut Vec<FoundFile>,
    link_depth: usize,
) -> Result<(), LoadError> {
    let lmeta = std::fs::symlink_metadata(path)
        .map_err(|e| LoadError(format!("lstat {}: {}", path.display(), io_text(&e))))?;
    let (meta, link_depth) = if lmeta.file_type().is_symlink() {
        if link_depth >= MAX_SYMLINK_DEPTH {
            return err(format!(
                "error evaluating symlink {}: too many levels of symbolic links",
                path.display()
            ));
        }
        let resolved = std::fs::canonicalize(path).map_err(|e| {
            LoadError(format!(
                "error evaluating symlink {}: {}",
                path.display(),
                io_text(&e)
            ))
        })?;
        let m = std::fs::symlink_metadata(&resolved)
            .map_err(|e| LoadError(format!("lstat {}: {}", resolved.display(), io_text(&e))))?;
        (m, link_depth + 1)
    } else {
        (lmeta, link_depth)
    };
    if meta.is_dir() {
        if rules.ignore(n, true) {
            return Ok(());
        }
        return walk_dir(path, n, rules, files, link_depth);
    }
    if rules.ignore(n, false) {
        return Ok(());
    }
    if !meta.is_file() {
        return err(format!(
            "cannot load irregular file {} as it has file mode type bits set",
            path.display()
        ));
    }
    if meta.len() > MAX_DECOMPRESSED_FILE_SIZE {
        let base = path
            .file_name()
            .map(|b| b.to_string_lossy().into_owned())
            .unwrap_or_default();
        return err(format!(
            "chart file {base:?} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}"
        ));
    }
    files.push(FoundFile {
        name: n.to_string(),
        path: path.to_path_buf(),
    });
    Ok(())
}

/// Loads a chart archive file (Helm's `LoadFile`): the file must be gzip data.
pub fn load_file(path: &Path) -> Result<Chart, LoadError> {
    let shown = path.display().to_string();
    let raw =
        std::fs::read(path).map_err(|e| LoadError(format!("open {shown}: {}", io_text(&e))))?;
    ensure_archive(&shown, &raw)?;
    let files = match load_archive_files(&raw) {
        Ok(f) => f,
        Err(ArchiveError::Header(e)) => {
            return err(format!(
                "file '{shown}' does not appear to be a valid chart file (details: {e})"
            ));
        }
        // Helm says only "unable to load chart archive" here; the cause is kept.
        Err(ArchiveError::Other(e)) => {
            return err(format!("unable to load chart archive ({shown}: {e})"));
        }
    };
    match files.iter().find(|f| f.name == "Chart.yaml") {
        Some(f) => check_api_version(&api_version_of(f.contents()?).map_err(LoadError)?)?,
        None => return err("unable to detect chart version, no Chart.yaml found"),
    }
    load_files(files)
}

/// Loads a chart from the bytes of a `.tgz` (Helm's v2 `LoadArchive`, as for subcharts).
pub fn load_archive(raw: &[u8]) -> Result<Chart, LoadError> {
    match load_archive_files(raw) {
        Ok(files) => load_files(files),
        Err(ArchiveError::Header(e) | ArchiveError::Other(e)) => err(e),
    }
}

/// `EnsureArchive`: the first bytes must be gzip's signature.
fn ensure_archive(name: &str, raw: &[u8]) -> Result<(), LoadError> {
    if raw.starts_with(b"\x1F\x8B\x08") {
        return Ok(());
    }
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        return err(format!(
            "file '{name}' seems to be a YAML file, but expected a gzipped archive"
        ));
    }
    let head = &raw[..raw.len().min(512)];
    let text = std::str::from_utf8(head).is_ok()
        && !head
            .iter()
            .any(|b| matches!(b, 0..=8 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F));
    let kind = if text {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    err(format!(
        "file '{name}' does not appear to be a gzipped archive; got '{kind}'"
    ))
}

enum ArchiveError {
    /// gzip's header is wrong (Go's `gzip.ErrHeader`).
    Header(String),
    Other(String),
}

fn other<T>(msg: impl Into<String>) -> Result<T, ArchiveError> {
    Err(ArchiveError::Other(msg.into()))
}

/// Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn is_drive_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// `archive.LoadArchiveFiles`: the files of a gzipped tar, the top directory stripped.
fn load_archive_files(raw: &[u8]) -> Result<Vec<BufferedFile>, ArchiveError> {
    if raw.len() < 10 || raw[0] != 0x1F || raw[1] != 0x8B || raw[2] != 8 {
        return Err(ArchiveError::Header("gzip: invalid header".into()));
    }
    let gz = flate2::read::MultiGzDecoder::new(raw);
    let mut archive = tar::Archive::new(gz);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return other(e.to_string()),
    };
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return other(tar_error(&e)),
        };
        let header = entry.header();
        let kind = header.entry_type();
        let full = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mode = header.mode().unwrap_or(0);
        let is_dir = kind.is_dir()
            || (mode & 0o170000) == 0o040000
            || (header.as_bytes()[156] == 0 && full.ends_with('/'));
        if is_dir {
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let size = entry.size();
        let delimiter = if full.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = full.split(delimiter).collect();
        let n = parts[1..].join("/");
        if n.starts_with('/') {
            return other("chart illegally contains absolute paths");
        }
        let n = clean_path(&n);
        if n == "." {
            return other(format!(
                "chart illegally contains content outside the base directory: {}",
                crate::values::convert::go_quote(&full)
            ));
        }
        if n.starts_with("..") {
            return other("chart illegally references parent directory");
        }
        if is_drive_path(&n) {
            return other("chart contains illegally named files");
        }
        if parts[0] == "Chart.yaml" {
            return other("chart yaml not in base directory");
        }
        if size > remaining {
            return other(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            ));
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return other(format!(
                "decompressed chart file {} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}",
                crate::values::convert::go_quote(&full)
            ));
        }
        let mut data = Vec::with_capacity(size as usize);
        if let Err(e) = (&mut entry).take(remaining).read_to_end(&mut data) {
            return other(tar_error(&e));
        }
        let written = data.len() as u64;
        remaining -= written;
        if written < size || remaining == 0 {
            return other(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            ));
        }
        files.push(BufferedFile {
            name: n,
            data: trim_bom(data).into(),
        });
    }
    if files.is_empty() {
        return other("no files in chart archive");
    }
    Ok(files)
}

fn tar_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected EOF".into(),
        _ => e.to_string(),
    }
}

/// Sorts loaded files into a chart (Helm's v2 `LoadFiles`): Chart.yaml, the values, the
/// schema, v1 requirements, templates, `charts/` subcharts (directories and archives,
/// recursively; names starting with `_` or `.` skipped), everything else into `files`.
pub fn load_files(files: Vec<BufferedFile>) -> Result<Chart, LoadError> {
    std::thread::scope(|scope| {
        let mut values = ValuesCheck::NotSeen;
        let chart = sort_files(files, scope, &mut values);
        // values.yaml is checked where Helm checks it, so its error wins over any found
        // later (everything after it in `sort_files`); an earlier error never started it.
        match values.finish() {
            Some(Err(e)) => Err(LoadError(format!("cannot load values.yaml: {e}"))),
            Some(Ok(parsed)) => chart.map(|mut c| {
                c.values_parsed = Some(Arc::new(parsed));
                c
            }),
            None => chart,
        }
    })
}

/// Large values files are parsed beside the rest of the loading (subcharts, Chart.yaml
/// files); the parse is kept for [`crate::prepare`].
enum ValuesCheck<'scope> {
    NotSeen,
    Done(Result<ValuesFile, String>),
    Running(std::thread::ScopedJoinHandle<'scope, Result<ValuesFile, String>>),
}

/// Below this size a thread costs more than the parse.
const BACKGROUND_VALUES_BYTES: usize = 16 * 1024;

impl<'scope> ValuesCheck<'scope> {
    fn start(scope: &'scope std::thread::Scope<'scope, '_>, data: Bytes) -> Self {
        if data.len() < BACKGROUND_VALUES_BYTES {
            return ValuesCheck::Done(ValuesFile::parse(&data));
        }
        ValuesCheck::Running(scope.spawn(move || ValuesFile::parse(&data)))
    }

    fn finish(self) -> Option<Result<ValuesFile, String>> {
        match self {
            ValuesCheck::NotSeen => None,
            ValuesCheck::Done(r) => Some(r),
            ValuesCheck::Running(h) => {
                Some(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            }
        }
    }
}

fn sort_files<'scope>(
    files: Vec<BufferedFile>,
    scope: &'scope std::thread::Scope<'scope, '_>,
    values: &mut ValuesCheck<'scope>,
) -> Result<Chart, LoadError> {
    let mut c = Chart::default();
    let mut md: Option<Metadata> = None;
    let mut nulls = NullNodes::default();
    for f in &files {
        if f.name == "Chart.yaml" {
            let m = md.get_or_insert_with(Metadata::default);
            metadata::decode_into(m, f.contents()?, &mut nulls)
                .map_err(|e| LoadError(format!("cannot load Chart.yaml: {e}")))?;
            if m.api_version.is_empty() {
                m.api_version = "v1".into();
            }
        }
    }
    let mut subcharts: BTreeMap<String, Vec<BufferedFile>> = BTreeMap::new();
    for f in files {
        let name = f.name.as_str();
        match name {
            "Chart.yaml" => continue,
            "Chart.lock" => {
                let data = f.contents()?;
                check_lock(data).map_err(|e| LoadError(format!("cannot load Chart.lock: {e}")))?;
                c.lock = Some(data.clone());
            }
            "values.yaml" => {
                let data = f.contents()?;
                *values = ValuesCheck::start(scope, data.clone());
                c.values = Some(data.clone());
            }
            "values.schema.json" => c.schema = Some(f.contents()?.clone()),
            "requirements.yaml" => {
                let m = md.get_or_insert_with(Metadata::default);
                metadata::decode_into(m, f.contents()?, &mut nulls)
                    .map_err(|e| LoadError(format!("cannot load requirements.yaml: {e}")))?;
                if m.api_version == "v1" {
                    c.files.push(ChartFile {
                        name: f.name,
                        data: f.data,
                    });
                }
            }
            "requirements.lock" => {
                let data = f.contents()?;
                check_lock(data)
                    .map_err(|e| LoadError(format!("cannot load requirements.lock: {e}")))?;
                let m = md.get_or_insert_with(Metadata::default);
                c.lock = Some(data.clone());
                if m.api_version == "v1" {
                    c.files.push(ChartFile {
                        name: f.name,
                        data: f.data,
                    });
                }
            }
            _ if name.starts_with("templates/") => c.templates.push(ChartFile {
                name: f.name,
                data: f.data,
            }),
            _ if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    c.files.push(ChartFile {
                        name: f.name,
                        data: f.data,
                    });
                    continue;
                }
                let fname = &name["charts/".len()..];
                let cname = fname.split('/').next().unwrap_or_default().to_string();
                let fname = fname.to_string();
                subcharts.entry(cname).or_default().push(BufferedFile {
                    name: fname,
                    data: f.data,
                });
            }
            _ => c.files.push(ChartFile {
                name: f.name,
                data: f.data,
            }),
        }
    }
    let Some(mut md) = md else {
        return err("Chart.yaml file is missing");
    };
    metadata::validate(&mut md, &nulls).map_err(LoadError)?;
    c.metadata = md;

    // Subcharts load independently (each with its own values check), so they load on all
    // cores; the first failure in name order is the one reported, as when loaded in turn.
    let subcharts: Vec<(String, Vec<BufferedFile>)> = subcharts
        .into_iter()
        .filter(|(n, _)| !(n.starts_with('_') || n.starts_with('.')))
        .collect();
    let parent = c.metadata.name.clone();
    let load_subchart = |_: &mut (), (n, files): &(String, Vec<BufferedFile>)| {
        let sub = if n.ends_with(".tgz") {
            match files.first() {
                Some(file) if file.name == *n => load_archive(file.contents()?),
                other => {
                    return err(format!(
                        "error unpacking subchart tar in {parent}: expected {n}, got {}",
                        other.map_or("", |f| f.name.as_str())
                    ));
                }
            }
        } else {
            let buff = files
                .iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(BufferedFile {
                        name: rest.to_string(),
                        data: f.data.clone(),
                    })
                })
                .collect();
            load_files(buff)
        };
        sub.map_err(|e| LoadError(format!("error unpacking subchart {n} in {parent}: {}", e.0)))
    };
    let threads = if subcharts.len() > 1 {
        berth_template::parallel::parallelism()
    } else {
        1
    };
    for sub in berth_template::parallel::map_in_order(&subcharts, threads, || (), load_subchart) {
        c.dependencies.push(sub?);
    }
    Ok(c)
}

/// A lock file must at least parse as YAML into a map.
fn check_lock(data: &[u8]) -> Result<(), String> {
    berth_template::yaml::from_yaml(&String::from_utf8_lossy(data))
        .map(|_| ())
        .map_err(|e| e.0)
}

#[cfg(test)]
mod tests;
