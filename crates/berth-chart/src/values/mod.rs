//! Values: values files (multi-document, merged as Helm's `loader.LoadValues`), the user's
//! `-f`/`--set*` flags merged as `helm template` merges them (`pkg/cli/values`), and
//! Helm's coalescing of user values over chart defaults ([`coalesce`]).

pub mod coalesce;
pub mod convert;
pub mod strvals;

use std::collections::BTreeMap;
use std::path::PathBuf;

use berth_template::Value;
use berth_template::yaml::{MapDocument, YamlError, parse_map_document};

/// An error from the user's values, with Helm's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValuesError(pub String);

/// Splits a YAML stream into documents as `k8s.io/apimachinery`'s `YAMLReader` does: at
/// lines that start with `---` followed only by spaces or a comment. Empty leading
/// documents are skipped.
fn split_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// Helm's `loader.LoadValues`: every document of a values file parsed into a map and
/// merged in order ([`merge_maps`]). The error is Helm's text (without the file name).
pub fn load_values(data: &[u8]) -> Result<Value, String> {
    ValuesFile::parse(data)?.to_value()
}

/// A values file [`load_values`] accepts, parsed but not yet turned into template values:
/// plain data, so a chart can be parsed on one thread and rendered on another.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesFile(Vec<MapDocument>);

impl ValuesFile {
    /// Parses and checks every document; the error is [`load_values`]'s.
    pub fn parse(data: &[u8]) -> Result<ValuesFile, String> {
        let mut text = berth_template::utf8_lossy(data);
        if !text.is_empty() && !text.ends_with('\n') {
            text.to_mut().push('\n');
        }
        split_documents(&text)?
            .iter()
            .map(|doc| parse_map_document(doc).map_err(|e| unmarshal_error(&e)))
            .collect::<Result<_, _>>()
            .map(ValuesFile)
    }

    /// The documents merged in order, as [`load_values`] returns them.
    pub fn to_value(&self) -> Result<Value, String> {
        let mut values = Value::empty_map();
        for doc in &self.0 {
            values = merge_maps(&values, &doc.to_value().map_err(|e| unmarshal_error(&e))?);
        }
        Ok(values)
    }
}

fn unmarshal_error(e: &YamlError) -> String {
    format!("cannot unmarshal yaml document: {}", e.0)
}

/// Helm's `loader.MergeMaps`: `b` over `a`, maps merged recursively into new maps, anything
/// else (including `null`) replacing.
pub fn merge_maps(a: &Value, b: &Value) -> Value {
    let mut out: BTreeMap<String, Value> = match a {
        Value::Map(m, _) => m.borrow().0.clone(),
        _ => BTreeMap::new(),
    };
    if let Value::Map(bm, _) = b {
        let entries: Vec<(String, Value)> = bm
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in entries {
            if matches!(v, Value::Map(..)) {
                if let Some(existing @ Value::Map(..)) = out.get(&k) {
                    let merged = merge_maps(existing, &v);
                    out.insert(k, merged);
                    continue;
                }
            }
            out.insert(k, v);
        }
    }
    Value::map(out)
}

/// The user's values as `helm template` takes them (`pkg/cli/values.Options`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f/--values`, in order.
    pub values_files: Vec<PathBuf>,
    /// `--set`
    pub set: Vec<String>,
    /// `--set-string`
    pub set_string: Vec<String>,
    /// `--set-json`
    pub set_json: Vec<String>,
    /// `--set-file` (`key=path`: the file's contents become the value)
    pub set_file: Vec<String>,
    /// `--set-literal`
    pub set_literal: Vec<String>,
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    if path.trim() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| format!("read /dev/stdin: {e}"))?;
        return Ok(buf);
    }
    if path.starts_with("http://") || path.starts_with("https://") || path.starts_with("oci://") {
        return Err(format!(
            "{path}: remote values files are not supported; download the file and pass its path"
        ));
    }
    std::fs::read(path).map_err(|e| format!("open {path}: {}", io_text(&e)))
}

/// Go's text for common I/O errors.
pub(crate) fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

impl ValueOptions {
    /// Helm's `Options.MergeValues`: `-f` files in order, then `--set-json`, `--set`,
    /// `--set-string`, `--set-file`, `--set-literal`. Integers from `--set` are int64,
    /// numbers from files and JSON float64. The error is Helm's text.
    pub fn merge_user_values(&self) -> Result<Value, ValuesError> {
        let mut base = Value::empty_map();
        for path in &self.values_files {
            let p = path.to_string_lossy();
            let raw = read_file(&p).map_err(ValuesError)?;
            let current =
                load_values(&raw).map_err(|e| ValuesError(format!("failed to parse {p}: {e}")))?;
            base = merge_maps(&base, &current);
        }
        for value in &self.set_json {
            let trimmed = value.trim();
            if trimmed.starts_with('{') {
                let parsed: Result<serde_json::Value, _> = serde_json::from_str(trimmed);
                match parsed {
                    Ok(j @ serde_json::Value::Object(_)) => {
                        base = merge_maps(&base, &convert::from_json(&j));
                    }
                    _ => {
                        return Err(ValuesError(format!(
                            "failed parsing --set-json data JSON: {value}"
                        )));
                    }
                }
            } else if strvals::parse_json(value, &base).is_err() {
                return Err(ValuesError(format!(
                    "failed parsing --set-json data {value}"
                )));
            }
        }
        for value in &self.set {
            strvals::parse_into(value, &base)
                .map_err(|e| ValuesError(format!("failed parsing --set data: {e}")))?;
        }
        for value in &self.set_string {
            strvals::parse_into_string(value, &base)
                .map_err(|e| ValuesError(format!("failed parsing --set-string data: {e}")))?;
        }
        let reader =
            |path: &str| -> Result<Value, String> { read_file(path).map(Value::from_bytes) };
        for value in &self.set_file {
            strvals::parse_into_file(value, &base, &reader)
                .map_err(|e| ValuesError(format!("failed parsing --set-file data: {e}")))?;
        }
        for value in &self.set_literal {
            strvals::parse_literal_into(value, &base)
                .map_err(|e| ValuesError(format!("failed parsing --set-literal data: {e}")))?;
        }
        Ok(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_template::yaml::{from_yaml, to_yaml};

    fn y(v: &Value) -> String {
        to_yaml(v).expect("to_yaml")
    }

    #[test]
    fn multi_document_values_merge_in_order() {
        let v = load_values(b"a: 1\nm: {x: 1, z: 2}\n---\nb: 2\nm: {z: 3}\n--- # c\n---\na: null")
            .expect("loads");
        assert_eq!(y(&v), "a: null\nb: 2\nm:\n  x: 1\n  z: 3\n");
        assert_eq!(y(&load_values(b"").expect("empty")), "{}\n");
        assert_eq!(
            y(&load_values(b"# only a comment").expect("comment")),
            "{}\n"
        );
    }

    #[test]
    fn values_errors() {
        assert_eq!(
            load_values(b"- a\n- b\n").err().as_deref(),
            Some(
                "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
            )
        );
        assert_eq!(
            load_values(b"a: 1\n---x\n").err().as_deref(),
            Some("error reading yaml document: invalid Yaml document separator: x")
        );
    }

    #[test]
    fn merge_maps_replaces_non_maps() {
        let a = from_yaml("a: {b: 1, c: [1]}\nd: 1").expect("a");
        let b = from_yaml("a: {c: [2], e: {f: 1}}\nd: {g: 1}").expect("b");
        assert_eq!(
            y(&merge_maps(&a, &b)),
            "a:\n  b: 1\n  c:\n  - 2\n  e:\n    f: 1\nd:\n  g: 1\n"
        );
    }

    #[test]
    fn user_values_merge_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f1 = dir.path().join("one.yaml");
        let f2 = dir.path().join("two.yaml");
        let file = dir.path().join("file.txt");
        std::fs::write(&f1, "a: 1\nlist: [1, 2]\nnested: {x: 1}\n").expect("write");
        std::fs::write(&f2, "a: 2\nnested: {z: 2}\n").expect("write");
        std::fs::write(&file, "from file\n").expect("write");
        let opts = ValueOptions {
            values_files: vec![f1, f2],
            set_json: vec!["j={\"k\":[1,2]}".into(), "{\"a\": 3}".into()],
            set: vec!["a=4,s=5".into()],
            set_string: vec!["s=6".into()],
            set_file: vec![format!("f={}", file.display())],
            set_literal: vec!["lit=a,b=c".into()],
        };
        let v = opts.merge_user_values().expect("merges");
        assert_eq!(
            y(&v),
            "a: 4\nf: |\n  from file\nj:\n  k:\n  - 1\n  - 2\nlist:\n- 1\n- 2\nlit: a,b=c\nnested:\n  x: 1\n  z: 2\ns: \"6\"\n"
        );
    }

    #[test]
    fn user_values_errors() {
        let missing = ValueOptions {
            values_files: vec!["/nonexistent/values.yaml".into()],
            ..Default::default()
        };
        assert_eq!(
            missing.merge_user_values().err().map(|e| e.0).as_deref(),
            Some("open /nonexistent/values.yaml: no such file or directory")
        );
        let bad_set = ValueOptions {
            set: vec!["a".into()],
            ..Default::default()
        };
        assert_eq!(
            bad_set.merge_user_values().err().map(|e| e.0).as_deref(),
            Some("failed parsing --set data: key \"a\" has no value")
        );
        let bad_json = ValueOptions {
            set_json: vec!["{bad".into()],
            ..Default::default()
        };
        assert_eq!(
            bad_json.merge_user_values().err().map(|e| e.0).as_deref(),
            Some("failed parsing --set-json data JSON: {bad")
        );
    }
}
