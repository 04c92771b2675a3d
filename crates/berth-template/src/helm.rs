//! Helm's host objects for templates: `.Files` and `.Capabilities`, as Helm's
//! engine exposes them (pkg/engine/files.go, pkg/chart/common/capabilities.go).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::FileData;
use crate::value::{Elem, Object, Value};
use base64::Engine;

/// `.Files`: the chart's non-template files by path (Helm's `engine.files`).
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// Shared with the loaded chart: a render copies a file only when a template reads it.
    /// A deferred file that cannot be read looks empty here; the renderer reports it.
    files: BTreeMap<String, FileData>,
}

impl Files {
    /// Files from (path, contents) pairs.
    pub fn new(files: impl IntoIterator<Item = (String, FileData)>) -> Files {
        Files {
            files: files.into_iter().collect(),
        }
    }

    /// The object as a template value.
    pub fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    fn get_bytes(&self, name: &str) -> &[u8] {
        self.files.get(name).map_or(&[], FileData::get_or_empty)
    }

    fn glob(&self, pattern: &str) -> Files {
        let re = glob_regex(pattern).or_else(|| glob_regex("**"));
        let files = self
            .files
            .iter()
            .filter(|(k, _)| re.as_ref().is_some_and(|r| r.is_match(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Files { files }
    }

    fn by_basename(&self, encode: bool) -> String {
        let m: BTreeMap<String, Value> = self
            .files
            .iter()
            .map(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k).to_string();
                let text = if encode {
                    Value::from(base64::engine::general_purpose::STANDARD.encode(v.get_or_empty()))
                } else {
                    Value::from_bytes(v.get_or_empty().to_vec())
                };
                (base, text)
            })
            .collect();
        let y = crate::yaml::to_yaml(&Value::typed_map(m, Elem::String)).unwrap_or_default();
        y.strip_suffix('\n').unwrap_or(&y).to_string()
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Get" | "GetBytes" | "Glob" | "AsConfig" | "AsSecrets" | "Lines"
        )
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = || {
            args.first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let want = match name {
            "AsConfig" | "AsSecrets" => 0,
            _ => 1,
        };
        if args.len() != want {
            return Some(Err(format!(
                "wrong number of args for {name}: want {want} got {}",
                args.len()
            )));
        }
        Some(Ok(match name {
            "Get" => Value::from_bytes(self.get_bytes(&arg()).to_vec()),
            "GetBytes" => Value::Bytes(Rc::from(self.get_bytes(&arg()))),
            "Glob" => Value::Object(Rc::new(self.glob(&arg()))),
            "AsConfig" => Value::from(self.by_basename(false)),
            "AsSecrets" => Value::from(self.by_basename(true)),
            "Lines" => {
                let b = self.get_bytes(&arg());
                if b.is_empty() {
                    return Some(Ok(Value::typed_list(Vec::new(), Elem::String)));
                }
                let s = crate::utf8_lossy(b);
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Value::typed_list(s.split('\n').map(Value::str).collect(), Elem::String)
            }
            _ => return None,
        }))
    }
    fn range_entries(&self) -> Option<Vec<(String, Value)>> {
        // A map[string][]byte: sorted paths, each file's bytes.
        Some(
            self.files
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(Rc::from(v.get_or_empty()))))
                .collect(),
        )
    }
    fn format_v(&self) -> String {
        let parts: Vec<String> = self
            .files
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.get_or_empty().iter().map(u8::to_string).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::map(
            self.files
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::from(
                            base64::engine::general_purpose::STANDARD.encode(v.get_or_empty()),
                        ),
                    )
                })
                .collect(),
        )
    }
}

/// A gobwas/glob pattern with `/` as separator, as a regular expression:
/// `*` and `?` stop at `/`, `**` does not, `[...]`/`[!...]` classes, `{a,b}`
/// alternatives and `\` escapes. `None` when the pattern does not compile.
pub(crate) fn glob_regex(pattern: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                re.push_str(".*");
                i += 1;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = chars[i + 1..].iter().position(|&x| x == ']')? + i + 1;
                let mut body: String = chars[i + 1..end].iter().collect();
                if body.is_empty() {
                    return None;
                }
                let neg = body.starts_with('!');
                if neg {
                    body.remove(0);
                }
                re.push('[');
                if neg {
                    re.push('^');
                }
                for ch in body.chars() {
                    if ch == '\\' || ch == '[' || ch == ']' || ch == '^' {
                        re.push('\\');
                    }
                    re.push(ch);
                }
                re.push(']');
                i = end;
            }
            '{' => {
                depth += 1;
                re.push_str("(?:");
            }
            '}' if depth > 0 => {
                depth -= 1;
                re.push(')');
            }
            ',' if depth > 0 => re.push('|'),
            '\\' => {
                i += 1;
                let n = *chars.get(i)?;
                re.push_str(&regex::escape(&n.to_string()));
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    // gobwas closes alternatives left open at the end of the pattern.
    for _ in 0..depth {
        re.push(')');
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

/// `.Capabilities.APIVersions`: a set of group/version (and version/kind) strings.
#[derive(Debug, Clone, Default)]
pub struct ApiVersions(pub Vec<String>);

impl Object for ApiVersions {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (name == "Has").then(|| match args {
            [Value::String(s)] => Ok(Value::Bool(self.0.iter().any(|v| v == &**s))),
            [v] => Err(format!(
                "wrong type for value; expected string; got {}",
                v.type_name()
            )),
            _ => Err(format!(
                "wrong number of args for Has: want 1 got {}",
                args.len()
            )),
        })
    }
    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::typed_list(self.0.iter().map(|s| Value::str(s)).collect(), Elem::String)
    }
}

/// `.Capabilities.KubeVersion`: Version, Major, Minor and the GitVersion method.
#[derive(Debug, Clone, Default)]
pub struct KubeVersion {
    /// As given, e.g. `v1.33.4-gke.1245000` (Helm 4 keeps the original text).
    pub version: String,
    /// Major version, e.g. `1`.
    pub major: String,
    /// Minor version, e.g. `33`.
    pub minor: String,
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::from(match name {
            "Version" | "GitVersion" | "String" => self.version.clone(),
            "Major" => self.major.clone(),
            "Minor" => self.minor.clone(),
            _ => return None,
        }))
    }
    fn format_v(&self) -> String {
        self.version.clone()
    }
    fn to_data(&self) -> Value {
        Value::map(BTreeMap::from([
            ("version".to_string(), Value::from(self.version.clone())),
            ("major".to_string(), Value::from(self.major.clone())),
            ("minor".to_string(), Value::from(self.minor.clone())),
        ]))
    }
}

/// `.Capabilities` as a map of its parts (APIVersions, KubeVersion, HelmVersion).
pub fn capabilities(api_versions: Vec<String>, kube: KubeVersion, helm_version: Value) -> Value {
    Value::map(BTreeMap::from([
        (
            "APIVersions".to_string(),
            Value::Object(Rc::new(ApiVersions(api_versions))),
        ),
        ("KubeVersion".to_string(), Value::Object(Rc::new(kube))),
        ("HelmVersion".to_string(), helm_version),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_gobwas() {
        let m = |p: &str, s: &str| glob_regex(p).is_some_and(|r| r.is_match(s));
        assert!(m("files/*.yaml", "files/a.yaml"));
        assert!(!m("files/*.yaml", "files/sub/a.yaml"));
        assert!(m("files/**.yaml", "files/sub/a.yaml"));
        assert!(m("crds/*.{yaml,json}", "crds/x.json"));
        assert!(m("a?c", "abc") && !m("a?c", "a/c"));
        assert!(m("[!x]*", "abc") && !m("[!x]*", "xbc"));
    }

    /// The table was produced by gobwas/glob (Debian's package) with `/` as separator.
    #[test]
    fn glob_table_from_gobwas() {
        let names = [
            "files/a.yaml",
            "files/sub/a.yaml",
            "crds/x.json",
            "abc",
            "a/c",
            "xbc",
            "a",
            "files",
            "b.txt",
            "dir/b.txt",
            "x*y",
            "c",
        ];
        let table = [
            ("files/*.yaml", "100000000000"),
            ("files/**.yaml", "110000000000"),
            ("crds/*.{yaml,json}", "001000000000"),
            ("a?c", "000100000000"),
            ("[!x]*", "000100111001"),
            ("{a", "000000100000"),
            ("**", "111111111111"),
            ("*", "000101111011"),
            ("files/**", "110000000000"),
            ("[a-c]*", "000100101001"),
            ("x\\*y", "000000000010"),
            ("*.txt", "000000001000"),
        ];
        for (pattern, want) in table {
            let re = glob_regex(pattern);
            let got: String = names
                .iter()
                .map(|n| {
                    if re.as_ref().is_some_and(|r| r.is_match(n)) {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect();
            assert_eq!(got, want, "{pattern}");
        }
    }

    #[test]
    fn files_methods() {
        let f = Files::new([
            ("files/a.txt".to_string(), FileData::from("one\ntwo\n")),
            ("files/b.bin".to_string(), FileData::from(vec![0xff, 0x00])),
            ("other/a.txt".to_string(), FileData::from("x")),
        ]);
        let call = |n: &str, a: &[Value]| f.call(n, a).and_then(Result::ok).unwrap_or_default();
        assert_eq!(
            call("Get", &[Value::str("files/a.txt")]).as_str(),
            Some("one\ntwo\n")
        );
        assert_eq!(
            crate::fmt::sprint_value(&call("Lines", &[Value::str("files/a.txt")])),
            "[one two]"
        );
        assert_eq!(
            call("AsConfig", &[]).as_str(),
            Some("a.txt: x\nb.bin: \"\u{fffd}\\0\"")
        );
        assert_eq!(
            call("AsSecrets", &[]).as_str(),
            Some("a.txt: eA==\nb.bin: /wA=")
        );
        let g = call("Glob", &[Value::str("files/*.txt")]);
        let Value::Object(g) = g else {
            panic!("Glob returns files")
        };
        assert_eq!(
            g.call("AsConfig", &[])
                .and_then(Result::ok)
                .unwrap_or_default()
                .as_str(),
            Some("a.txt: |\n  one\n  two")
        );
    }
}
