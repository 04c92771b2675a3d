//! What `helm template` prints (pkg/cmd/template.go and `renderResources` in
//! pkg/action/action.go, Helm 4.3): CRDs (with `--include-crds`), then the manifests,
//! the whole trimmed and ended with one newline, then each hook; `--show-only` re-splits
//! that text and keeps the documents whose source matches; `--output-dir` writes files.

use std::fmt::Write as _;
use std::path::Path;

use super::split_manifests;
use crate::render::Rendered;

/// `helm template`'s output flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// `--include-crds`: print the raw files of `crds/` (chart and subcharts) first.
    /// (`--skip-crds` has no effect on `helm template`'s output: it only stops CRDs from
    /// being installed, which a client-side render never does.)
    pub include_crds: bool,
    /// `--no-hooks`: leave hooks out.
    pub no_hooks: bool,
    /// `--skip-tests`: leave out hooks with the `test` event.
    pub skip_tests: bool,
    /// `--show-only` patterns (Go `filepath.Match` globs over the path after the chart's
    /// name, e.g. `templates/*.yaml` or `charts/sub/templates/x.yaml`).
    pub show_only: Vec<String>,
    /// `--hide-secret`: print v1 Secrets as a placeholder.
    pub hide_secret: bool,
    /// `--release-name` with `--output-dir`: write manifests under `<dir>/<release>/`.
    pub use_release_name: bool,
    /// The release name (only used with `use_release_name`).
    pub release_name: String,
}

/// `helm template` refusing to print.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// A `--show-only` pattern matched nothing: `could not find template X in chart`.
    #[error("could not find template {0} in chart")]
    NotFound(String),
    /// Writing `--output-dir` failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A CRD file, read only when printed, could not be read.
    #[error("{0}")]
    Read(String),
}

fn source_block(out: &mut String, source: &str, body: &str) {
    let _ = write!(out, "---\n# Source: {source}\n{body}\n");
}

/// The release manifest as `renderResources` builds it: CRDs, then manifests.
fn release_manifest(r: &Rendered, o: &PrintOptions) -> Result<String, PrintError> {
    // Room for everything `print` writes, hooks included, so the buffer never regrows.
    let mut b = String::with_capacity(
        r.manifests
            .iter()
            .map(|m| m.source.len() + m.raw.len() + 16)
            .sum::<usize>()
            + 1,
    );
    if o.include_crds {
        for c in &r.crds {
            source_block(&mut b, &c.source, &c.text().map_err(PrintError::Read)?);
        }
    }
    for m in r.manifests.iter().filter(|m| m.hook.is_none()) {
        if o.hide_secret && m.kind == "Secret" && m.api_version == "v1" {
            let _ = write!(
                b,
                "---\n# Source: {}\n# HIDDEN: The Secret output has been suppressed\n",
                m.source
            );
        } else {
            source_block(&mut b, &m.source, &m.raw);
        }
    }
    Ok(b)
}

/// Exactly what `helm template` writes to stdout for this render (without `--output-dir`).
pub fn print(r: &Rendered, o: &PrintOptions) -> Result<String, PrintError> {
    let mut out = release_manifest(r, o)?;
    out.truncate(out.trim_end().len());
    let leading = out.len() - out.trim_start().len();
    out.drain(..leading);
    out.push('\n');
    if !o.no_hooks {
        for h in r.hooks() {
            if o.skip_tests && h.hook.as_ref().is_some_and(|h| h.is_test()) {
                continue;
            }
            source_block(&mut out, &h.source, &h.raw);
        }
    }
    if o.show_only.is_empty() {
        return Ok(out);
    }
    show_only(&out, &o.show_only)
}

/// `--show-only`: the output re-split into documents; for each pattern in turn, every
/// document whose `# Source: <chart>/<path>` path matches, printed as `---\n<doc>\n`.
fn show_only(out: &str, patterns: &[String]) -> Result<String, PrintError> {
    let docs = split_manifests(out);
    let mut shown = String::new();
    for p in patterns {
        let mut missing = true;
        for d in &docs {
            let Some(path) = source_path(d) else {
                continue;
            };
            if !go_match(p, path) {
                continue;
            }
            let _ = write!(shown, "---\n{d}\n");
            missing = false;
        }
        if missing {
            return Err(PrintError::NotFound(p.clone()));
        }
    }
    Ok(shown)
}

/// The first match of `# Source: [^/]+/(.+)` in a document: the path after the chart name.
fn source_path(doc: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = doc[from..].find("# Source: ") {
        let at = from + i + "# Source: ".len();
        let rest = &doc[at..];
        if let Some(slash) = rest.find('/').filter(|&i| i > 0) {
            let line = rest[slash + 1..].split('\n').next().unwrap_or("");
            if !line.is_empty() {
                return Some(line);
            }
        }
        from = at;
    }
    None
}

/// Go's `path/filepath.Match` on Unix: `*` (no `/`), `?`, `[...]` / `[^...]` classes with
/// ranges, `\` escapes. A malformed pattern matches nothing.
pub(crate) fn go_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_at(&p, &n).unwrap_or(false)
}

fn match_at(p: &[char], n: &[char]) -> Option<bool> {
    let Some(&c) = p.first() else {
        return Some(n.is_empty());
    };
    match c {
        '*' => {
            // A star matches any run of non-separators; validate the rest of the pattern
            // once even when the name is exhausted (Go reports bad patterns).
            let rest = &p[1..];
            let mut i = 0;
            loop {
                if match_at(rest, &n[i..])? {
                    return Some(true);
                }
                if i >= n.len() || n[i] == '/' {
                    return Some(false);
                }
                i += 1;
            }
        }
        '?' => match n.first() {
            Some(&ch) if ch != '/' => match_at(&p[1..], &n[1..]),
            _ => check_rest(&p[1..]),
        },
        '[' => {
            let (ok, used) = match_class(&p[1..], n.first().copied())?;
            if n.is_empty() || n[0] == '/' || !ok {
                return check_rest(&p[1 + used..]);
            }
            match_at(&p[1 + used..], &n[1..])
        }
        '\\' => {
            let &lit = p.get(1)?;
            if n.first() == Some(&lit) {
                match_at(&p[2..], &n[1..])
            } else {
                check_rest(&p[2..])
            }
        }
        lit => {
            if n.first() == Some(&lit) {
                match_at(&p[1..], &n[1..])
            } else {
                check_rest(&p[1..])
            }
        }
    }
}

/// A failed match still reports a malformed remainder as an error (`None`).
fn check_rest(p: &[char]) -> Option<bool> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => {
                let (_, used) = match_class(&p[i + 1..], None)?;
                i += 1 + used;
            }
            '\\' => {
                p.get(i + 1)?;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Some(false)
}

/// A character class after `[`: whether `ch` is in it, and how many pattern chars it used
/// (through the closing `]`). `None` for a malformed class.
fn match_class(p: &[char], ch: Option<char>) -> Option<(bool, usize)> {
    let mut i = 0;
    let negated = p.first() == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &c = p.get(i)?;
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = class_char(p, &mut i)?;
        let mut hi = lo;
        if p.get(i) == Some(&'-') {
            i += 1;
            hi = class_char(p, &mut i)?;
        }
        if ch.is_some_and(|ch| lo <= ch && ch <= hi) {
            matched = true;
        }
    }
    Some((matched != negated, i))
}

fn class_char(p: &[char], i: &mut usize) -> Option<char> {
    let &c = p.get(*i)?;
    if c == '-' || c == ']' {
        return None;
    }
    if c == '\\' {
        let &e = p.get(*i + 1)?;
        *i += 2;
        return Some(e);
    }
    *i += 1;
    Some(c)
}

/// `helm template --output-dir DIR`: writes each CRD (with `--include-crds`), manifest and
/// hook to `DIR/<source path>` (`---\n# Source: PATH\n<doc>\n`, later documents of the
/// same file appended) and returns what Helm prints to stdout: a `wrote <file>` line per
/// write, then an empty line. As in Helm, a hook whose file already exists on disk (from
/// the manifests, or from an earlier run) is appended to it.
pub fn write_output_dir(r: &Rendered, o: &PrintOptions, dir: &str) -> Result<String, PrintError> {
    let mut stdout = String::new();
    let mut written = std::collections::HashSet::new();
    let mut write = |base: &str, name: &str, data: &str, append: bool| -> std::io::Result<()> {
        let file = format!("{base}/{name}");
        if let Some(parent) = Path::new(&file).parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = if append {
            std::fs::OpenOptions::new().append(true).open(&file)?
        } else {
            std::fs::File::create(&file)?
        };
        std::io::Write::write_all(
            &mut f,
            format!("---\n# Source: {name}\n{data}\n").as_bytes(),
        )?;
        let _ = writeln!(stdout, "wrote {file}");
        Ok(())
    };
    if o.include_crds {
        for c in &r.crds {
            let append = !written.insert(c.source.clone());
            write(dir, &c.source, &c.text().map_err(PrintError::Read)?, append)?;
        }
    }
    let new_dir = if o.use_release_name {
        clean_join(dir, &o.release_name)
    } else {
        dir.to_string()
    };
    for m in r.manifests.iter().filter(|m| m.hook.is_none()) {
        let append = !written.insert(m.source.clone());
        write(&new_dir, &m.source, &m.raw, append)?;
    }
    if !o.no_hooks {
        for h in r.hooks() {
            if o.skip_tests && h.hook.as_ref().is_some_and(|h| h.is_test()) {
                continue;
            }
            let exists = Path::new(&clean_join(&new_dir, &h.source)).exists();
            write(&new_dir, &h.source, &h.raw, exists)?;
        }
    }
    stdout.push('\n');
    if !o.show_only.is_empty() {
        // The printed manifest is empty, so no pattern can match.
        return Err(PrintError::NotFound(o.show_only[0].clone()));
    }
    Ok(stdout)
}

/// Go's `filepath.Join` of two parts: joined with `/` and cleaned.
fn clean_join(a: &str, b: &str) -> String {
    let joined = match (a.is_empty(), b.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => b.to_string(),
        (false, true) => a.to_string(),
        (false, false) => format!("{a}/{b}"),
    };
    let rooted = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Hook, Manifest};
    use crate::render::{Crd, Rendered};

    fn m(source: &str, kind: &str, raw: &str, hook: Option<Hook>) -> Manifest {
        Manifest {
            source: source.into(),
            raw: raw.into(),
            api_version: "v1".into(),
            kind: kind.into(),
            name: "n".into(),
            hook,
        }
    }

    fn sample() -> Rendered {
        let test = Hook {
            events: vec!["test".into()],
            ..Hook::default()
        };
        let pre = Hook {
            events: vec!["pre-install".into()],
            ..Hook::default()
        };
        Rendered {
            crds: vec![Crd {
                source: "c/crds/a.yaml".into(),
                raw: "kind: CustomResourceDefinition\n".into(),
            }],
            manifests: vec![
                m(
                    "c/templates/a.yaml",
                    "ConfigMap",
                    "kind: ConfigMap\n\n",
                    None,
                ),
                m("c/templates/s.yaml", "Secret", "kind: Secret\n", None),
                m("c/templates/h.yaml", "Job", "kind: Job\n", Some(pre)),
                m("c/templates/tests/t.yaml", "Pod", "kind: Pod\n", Some(test)),
            ],
            notes: None,
        }
    }

    #[test]
    fn prints_like_helm_template() {
        let r = sample();
        let out = print(&r, &PrintOptions::default()).unwrap();
        assert_eq!(
            out,
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n\n---\n# Source: c/templates/s.yaml\nkind: Secret\n---\n# Source: c/templates/h.yaml\nkind: Job\n\n---\n# Source: c/templates/tests/t.yaml\nkind: Pod\n\n"
        );
        let out = print(
            &r,
            &PrintOptions {
                include_crds: true,
                skip_tests: true,
                hide_secret: true,
                ..PrintOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            out,
            "---\n# Source: c/crds/a.yaml\nkind: CustomResourceDefinition\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n\n---\n# Source: c/templates/s.yaml\n# HIDDEN: The Secret output has been suppressed\n---\n# Source: c/templates/h.yaml\nkind: Job\n\n"
        );
        let out = print(
            &r,
            &PrintOptions {
                no_hooks: true,
                ..PrintOptions::default()
            },
        )
        .unwrap();
        assert!(out.ends_with("kind: Secret\n"));
    }

    #[test]
    fn show_only_filters_by_path_glob() {
        let r = sample();
        let o = PrintOptions {
            show_only: vec!["templates/s.yaml".into(), "templates/*.yaml".into()],
            ..PrintOptions::default()
        };
        assert_eq!(
            print(&r, &o).unwrap(),
            "---\n# Source: c/templates/s.yaml\nkind: Secret\n\n---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n\n\n---\n# Source: c/templates/s.yaml\nkind: Secret\n\n---\n# Source: c/templates/h.yaml\nkind: Job\n\n\n"
        );
        let o = PrintOptions {
            show_only: vec!["templates/nope.yaml".into()],
            ..PrintOptions::default()
        };
        assert_eq!(
            print(&r, &o).unwrap_err().to_string(),
            "could not find template templates/nope.yaml in chart"
        );
    }

    #[test]
    fn go_filepath_match() {
        assert!(go_match("templates/*.yaml", "templates/a.yaml"));
        assert!(!go_match("templates/*.yaml", "templates/tests/a.yaml"));
        assert!(go_match("templates/*/*", "templates/tests/a.yaml"));
        assert!(go_match("t?mplates/[a-c].yaml", "templates/b.yaml"));
        assert!(go_match("templates/[^a].yaml", "templates/b.yaml"));
        assert!(!go_match("templates/[^a].yaml", "templates/a.yaml"));
        assert!(go_match("templates/\\*.yaml", "templates/*.yaml"));
        assert!(!go_match("templates/[a", "templates/a"));
        assert!(!go_match("templates", "templates/a.yaml"));
    }

    #[test]
    fn joins_like_go() {
        assert_eq!(clean_join("out/", "rel"), "out/rel");
        assert_eq!(clean_join("./out", "../x"), "x");
        assert_eq!(clean_join("/a", "b/./c"), "/a/b/c");
    }

    #[test]
    fn output_dir_writes_files() {
        let dir = std::env::temp_dir().join(format!("berth-chart-outdir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = dir.to_str().unwrap();
        let r = sample();
        let out = write_output_dir(&r, &PrintOptions::default(), d).unwrap();
        assert_eq!(
            out,
            format!(
                "wrote {d}/c/templates/a.yaml\nwrote {d}/c/templates/s.yaml\nwrote {d}/c/templates/h.yaml\nwrote {d}/c/templates/tests/t.yaml\n\n"
            )
        );
        let a = std::fs::read_to_string(dir.join("c/templates/a.yaml")).unwrap();
        assert_eq!(
            a,
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n\n\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
