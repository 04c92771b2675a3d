//! Behaviour the Go oracle (Go 1.19) cannot record: newer Go syntax, host
//! objects with methods, the lookup hook and the engine's options. Expected
//! outputs are reasoned from Go's and Helm's sources, as noted per test.

use std::collections::BTreeMap;
use std::rc::Rc;

use berth_template::{MissingKey, Object, TemplateSet, Value, yaml};

fn render(text: &str, data: &Value) -> Result<String, String> {
    let mut set = TemplateSet::new();
    set.parse("main", text).map_err(|e| e.to_string())?;
    set.execute("main", data).map_err(|e| e.to_string())
}

fn values(y: &str) -> Value {
    yaml::from_yaml(y).unwrap_or_default()
}

#[test]
fn else_with_chains_as_in_go_1_23() {
    let v = values("a: null\nb: 2\nc: 3");
    assert_eq!(
        render(
            "{{ with .a }}A{{ else with .b }}B{{ . }}{{ else }}C{{ end }}",
            &v
        )
        .as_deref(),
        Ok("B2")
    );
    assert_eq!(
        render("{{ with .a }}A{{ else with .z }}B{{ else }}C{{ end }}", &v).as_deref(),
        Ok("C")
    );
}

#[test]
fn range_over_integers_as_in_go_1_22() {
    let v = values("num: 3");
    assert_eq!(
        render("{{ range 3 }}{{ . }}{{ end }}", &v).as_deref(),
        Ok("012")
    );
    assert_eq!(
        render("{{ range $i := 3 }}{{ $i }}{{ end }}", &v).as_deref(),
        Ok("012")
    );
    assert_eq!(
        render("{{ range 0 }}x{{ else }}none{{ end }}", &v).as_deref(),
        Ok("none")
    );
    // Values from YAML are float64: Go cannot range over them. (A key `n:`
    // would be the boolean false in YAML 1.1.)
    assert!(render("{{ range .num }}{{ end }}", &v).is_err());
}

/// Helm's `.Files` (pkg/engine/files.go), reduced to Get and Glob.
#[derive(Debug)]
struct Files(BTreeMap<String, String>);

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "Glob")
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = args
            .first()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match name {
            "Get" if arg == "files/crds.bin" => {
                Some(Ok(Value::from_bytes(vec![0xff, 0x00, 0x80, b'B'])))
            }
            "Get" => Some(Ok(Value::from(
                self.0.get(&arg).cloned().unwrap_or_default(),
            ))),
            "Glob" => {
                let prefix = arg.trim_end_matches('*').to_string();
                let m = self
                    .0
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(k, v)| (k.clone(), v.clone()));
                Some(Ok(Value::Object(Rc::new(Files(m.collect())))))
            }
            _ => None,
        }
    }
}

/// Helm's `.Capabilities` with `APIVersions.Has` and `KubeVersion.GitVersion`.
#[derive(Debug)]
struct ApiVersions(Vec<String>);

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
        (name == "Has").then(|| {
            let want = args.first().and_then(Value::as_str).unwrap_or("");
            Ok(Value::Bool(self.0.iter().any(|v| v == want)))
        })
    }
}

#[derive(Debug)]
struct KubeVersion;

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" => Some(Value::str("v1.33.4-gke.1245000")),
            "Major" => Some(Value::str("1")),
            "Minor" => Some(Value::str("33")),
            _ => None,
        }
    }
}

fn helm_root() -> Value {
    let mut files = BTreeMap::new();
    files.insert("files/a.txt".to_string(), "alpha\n".to_string());
    files.insert("files/b.txt".to_string(), "beta\n".to_string());
    files.insert("README.md".to_string(), "readme".to_string());
    let mut caps = BTreeMap::new();
    caps.insert(
        "APIVersions".to_string(),
        Value::Object(Rc::new(ApiVersions(vec!["apps/v1".into(), "v1".into()]))),
    );
    caps.insert(
        "KubeVersion".to_string(),
        Value::Object(Rc::new(KubeVersion)),
    );
    let mut root = BTreeMap::new();
    root.insert("Files".to_string(), Value::Object(Rc::new(Files(files))));
    root.insert("Capabilities".to_string(), Value::map(caps));
    root.insert("Values".to_string(), values("x: 1"));
    Value::map(root)
}

#[test]
fn host_objects_fields_and_methods() {
    let root = helm_root();
    let cases = [
        (r#"{{ .Files.Get "files/a.txt" }}"#, "alpha\n"),
        (r#"{{ .Files.Get "files/a.txt" | b64enc }}"#, "YWxwaGEK"),
        (r#"{{ .Files.Get "missing" | quote }}"#, "\"\""),
        (
            r#"{{ (.Files.Glob "files/*").Get "files/b.txt" }}"#,
            "beta\n",
        ),
        (r#"{{ typeOf .Files }}"#, "engine.files"),
        // Binary contents stay bytes for encodings and hashes (Go strings are bytes).
        (r#"{{ .Files.Get "files/crds.bin" | b64enc }}"#, "/wCAQg=="),
        (r#"{{ .Files.Get "files/crds.bin" | len }}"#, "4"),
        (r#"{{ .Files.Get "files/crds.bin" | typeOf }}"#, "string"),
        (
            r#"{{ .Files.Get "files/crds.bin" | b64enc | b64dec | b64enc }}"#,
            "/wCAQg==",
        ),
        (
            r#"{{ .Files.Get "files/crds.bin" | adler32sum }}"#,
            "88211906",
        ),
        (
            r#"{{ printf "%x" (.Files.Get "files/crds.bin") }}"#,
            "ff008042",
        ),
        (r#"{{ .Capabilities.APIVersions.Has "apps/v1" }}"#, "true"),
        (r#"{{ .Capabilities.APIVersions.Has "batch/v2" }}"#, "false"),
        (
            r#"{{ if .Capabilities.APIVersions.Has "v1" }}yes{{ end }}"#,
            "yes",
        ),
        (
            r#"{{ .Capabilities.KubeVersion.GitVersion }}"#,
            "v1.33.4-gke.1245000",
        ),
        (
            r#"{{ semverCompare ">=1.27.0-0" .Capabilities.KubeVersion.Version }}"#,
            "true",
        ),
        (
            r#"{{ semverCompare ">=1.27.0" .Capabilities.KubeVersion.Version }}"#,
            "false",
        ),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl, &root).as_deref(), Ok(want), "{tpl}");
    }
    let err = render("{{ .Capabilities.KubeVersion.Nope }}", &root)
        .err()
        .unwrap_or_default();
    assert!(
        err.ends_with("can't evaluate field Nope in type common.KubeVersion"),
        "{err}"
    );
}

#[test]
fn lookup_hook_and_missing_key_modes() {
    let mut set = TemplateSet::new();
    set.set_lookup(Rc::new(|api: &str, kind: &str, ns: &str, name: &str| {
        Ok(Value::from(format!("{api}/{kind}/{ns}/{name}")))
    }));
    set.parse(
        "main",
        r#"{{ lookup "v1" "Secret" "ns" "s" }}|{{ .missing }}"#,
    )
    .unwrap_or_default();
    assert_eq!(
        set.execute("main", &Value::empty_map()).as_deref(),
        Ok("v1/Secret/ns/s|<no value>")
    );

    let mut strict = TemplateSet::new();
    strict.set_missing_key(MissingKey::Error);
    strict.parse("main", "{{ .missing }}").unwrap_or_default();
    let err = strict
        .execute("main", &Value::empty_map())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        r#"template: main:1:3: executing "main" at <.missing>: map has no entry for key "missing""#
    );
}

#[test]
fn custom_delimiters_and_shared_defines() {
    let mut set = TemplateSet::new();
    set.set_delims("[[", "]]");
    set.parse("_helpers.tpl", r#"[[ define "h" ]]H[[ . ]][[ end ]]"#)
        .unwrap_or_default();
    set.parse("main", r#"{{ not an action }} [[- include "h" 1 -]] !"#)
        .unwrap_or_default();
    assert_eq!(
        set.execute("main", &Value::Nil).as_deref(),
        Ok("{{ not an action }}H1!")
    );
    assert!(set.contains("h"));
    let err = set
        .execute("nope", &Value::Nil)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        r#"template: no template "nope" associated with template "gotpl""#
    );
}
