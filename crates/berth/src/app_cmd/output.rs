//! Output shared by the subcommands: aligned tables, JSON and YAML documents, times.

use anyhow::Context;
use serde_json::Value;

/// A document format for `-o`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    Json,
    Yaml,
}

/// Prints a value as pretty JSON or YAML.
pub fn print_doc(value: &Value, format: DocFormat) -> anyhow::Result<()> {
    let text = match format {
        DocFormat::Json => {
            serde_json::to_string_pretty(value).context("encoding the output as JSON")? + "\n"
        }
        DocFormat::Yaml => serde_yaml::to_string(value).context("encoding the output as YAML")?,
    };
    super::print(&text);
    Ok(())
}

/// An Application as printed by `-o json|yaml`: the object without managedFields (as kubectl
/// shows it).
pub fn for_output(app: &Value) -> Value {
    let mut app = app.clone();
    if let Some(meta) = app.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    app
}

/// Columns padded to their widest cell, two spaces apart, like kubectl and argocd.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A string field, or `fallback` when it is absent or empty.
pub fn text_or<'a>(value: &'a Value, fallback: &'a str) -> &'a str {
    match value.as_str() {
        Some(s) if !s.is_empty() => s,
        _ => fallback,
    }
}

/// The first seven characters of a commit id, as git abbreviates.
pub fn short_revision(revision: &str) -> &str {
    if revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit()) {
        &revision[..7]
    } else {
        revision
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time (`2026-11-26T16:40:01Z`, fractions and
/// offsets allowed).
/// Seconds since the epoch of an RFC 3339 time as the API server writes it.
pub use berth_kube::unix_from_rfc3339 as unix_seconds;

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A duration the way kubectl prints ages: `45s`, `3m12s`, `42m`, `5h3m`, `3d`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..120 => format!("{s}s"),
        120..600 => format!("{}m{}s", s / 60, s % 60),
        600..3600 => format!("{}m", s / 60),
        3600..28_800 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        28_800..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// `3m12s ago` for an RFC 3339 time, the text itself when it cannot be read.
pub fn ago(time: &str) -> String {
    match unix_seconds(time) {
        Some(t) => format!("{} ago", human_duration(now_unix() - t)),
        None => time.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_times() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-11-26T16:40:01Z"), Some(1_795_711_201));
        assert_eq!(
            unix_seconds("2026-11-26T16:40:01.123456Z"),
            Some(1_795_711_201)
        );
        assert_eq!(
            unix_seconds("2026-11-26T17:40:01+01:00"),
            Some(1_795_711_201)
        );
        assert_eq!(unix_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(unix_seconds("yesterday"), None);
        assert_eq!(unix_seconds("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn prints_ages_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(2520), "42m");
        assert_eq!(human_duration(5 * 3600 + 180), "5h3m");
        assert_eq!(human_duration(3 * 86_400), "3d");
        assert_eq!(human_duration(-4), "0s");
    }

    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["orders-api-prod".to_string(), "Synced".to_string()],
            vec!["a".to_string(), String::new()],
        ];
        assert_eq!(
            table(&["NAME", "SYNC"], &rows),
            "NAME             SYNC\norders-api-prod  Synced\na\n"
        );
    }

    #[test]
    fn abbreviates_commit_ids_only() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(short_revision(sha), "0123456");
        assert_eq!(short_revision("main"), "main");
        assert_eq!(short_revision(""), "");
    }
}
