use super::*;
use crate::chart::{ChartFile, Metadata};
use crate::manifest::{PrintOptions, print};

fn file(name: &str, data: &str) -> ChartFile {
    ChartFile {
        name: name.into(),
        data: data.as_bytes().to_vec().into(),
    }
}

fn chart(name: &str, templates: &[(&str, &str)]) -> Chart {
    Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: name.into(),
            version: "0.1.0".into(),
            ..Metadata::default()
        },
        templates: templates.iter().map(|(n, d)| file(n, d)).collect(),
        ..Chart::default()
    }
}

fn values(y: &str) -> Value {
    berth_template::yaml::from_yaml(y).unwrap()
}

fn run(c: &Chart, v: &str) -> Result<Rendered, RenderError> {
    render(&RenderInput {
        chart: c,
        values: values(v),
        release: ReleaseOptions::default(),
        capabilities: CapabilityOptions::default(),
    })
}

fn out(c: &Chart, v: &str) -> String {
    print(&run(c, v).unwrap(), &PrintOptions::default()).unwrap()
}

#[test]
fn parse_order_is_deepest_first_then_reverse_alphabetical() {
    let keys = helm_order(
        [
            "p/templates/a.yaml",
            "p/templates/b.yaml",
            "p/charts/s/templates/x.yaml",
            "p/templates/sub/c.yaml",
        ]
        .into_iter()
        .map(String::from),
    );
    assert_eq!(
        keys,
        [
            "p/charts/s/templates/x.yaml",
            "p/templates/sub/c.yaml",
            "p/templates/b.yaml",
            "p/templates/a.yaml",
        ]
    );
}

#[test]
fn builtin_objects() {
    let c = chart(
        "demo",
        &[(
            "templates/cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  ns: {{ .Release.Namespace }}\n  rev: {{ .Release.Revision | quote }}\n  inst: {{ .Release.IsInstall | quote }}\n  svc: {{ .Release.Service }}\n  chart: {{ .Chart.Name }}-{{ .Chart.Version }}\n  root: {{ .Chart.IsRoot | quote }}\n  tpl: {{ .Template.Name }} {{ .Template.BasePath }}\n  kube: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}\n  has: {{ .Capabilities.APIVersions.Has \"apps/v1\" | quote }}\n  missing: [{{ .Values.nope }}]\n",
        )],
    );
    assert_eq!(
        out(&c, ""),
        "---\n# Source: demo/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: release-name\ndata:\n  ns: default\n  rev: \"1\"\n  inst: \"true\"\n  svc: Helm\n  chart: demo-0.1.0\n  root: \"true\"\n  tpl: demo/templates/cm.yaml demo/templates\n  kube: v1.37.0 1.37\n  has: \"true\"\n  missing: []\n"
    );
}

#[test]
fn partials_define_and_notes_are_not_output() {
    let c = chart(
        "demo",
        &[
            (
                "templates/_helpers.tpl",
                "{{ define \"n\" }}x-{{ .Values.a }}{{ end }}",
            ),
            ("templates/NOTES.txt", "Hello {{ include \"n\" . }}"),
            (
                "templates/cm.yaml",
                "kind: ConfigMap\nmetadata:\n  name: {{ include \"n\" . }}\n",
            ),
        ],
    );
    let r = run(&c, "a: 1").unwrap();
    assert_eq!(r.notes.as_deref(), Some("Hello x-1"));
    assert_eq!(r.manifests.len(), 1);
    assert_eq!(r.manifests[0].name, "x-1");
}

#[test]
fn subcharts_see_their_own_values_and_names() {
    let mut sub = chart(
        "sub",
        &[(
            "templates/cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ .Values.nm }}-{{ .Values.global.g }}-{{ .Chart.Name }}-{{ .Chart.IsRoot }}\n",
        )],
    );
    sub.files
        .push(file("crds/c.yaml", "kind: CustomResourceDefinition\n"));
    let mut parent = chart(
        "top",
        &[(
            "templates/cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ .Subcharts.sub.Values.nm }}\n",
        )],
    );
    parent.dependencies.push(sub);
    let r = run(
        &parent,
        "sub:\n  nm: s\n  global:\n    g: G\nglobal:\n  g: G\n",
    )
    .unwrap();
    let names: Vec<(&str, &str)> = r
        .manifests
        .iter()
        .map(|m| (m.source.as_str(), m.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("top/charts/sub/templates/cm.yaml", "s-G-sub-false"),
            ("top/templates/cm.yaml", "s")
        ]
    );
    assert_eq!(r.crds[0].source, "top/charts/sub/crds/c.yaml");
}

#[test]
fn errors_are_helms() {
    let c = chart(
        "demo",
        &[("templates/a.yaml", "x: {{ fail \"no: way\" }}\n")],
    );
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "execution error at (demo/templates/a.yaml:1:6): no: way"
    );
    let c = chart(
        "demo",
        &[(
            "templates/a.yaml",
            "x: {{ required \"need x\" .Values.x }}\n",
        )],
    );
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "execution error at (demo/templates/a.yaml:1:6): need x"
    );
    let c = chart("demo", &[("templates/a.yaml", "x: {{ nope }}\n")]);
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "parse error at (demo/templates/a.yaml:1): function \"nope\" not defined"
    );
    let c = chart("demo", &[("templates/a.yaml", "x: {{ .Values.a.b.c }}\n")]);
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "demo/templates/a.yaml:1:13\n  executing \"demo/templates/a.yaml\" at <.Values.a.b.c>:\n    nil pointer evaluating interface {}.b"
    );
    // The next three were checked against Helm 4.3 (shared/tools/helm-oracle).
    let c = chart(
        "demo",
        &[(
            "templates/a.yaml",
            "{{ define \"x\" }}{{ .a.b }}{{ end }}x: {{ include \"x\" .Values }}\n",
        )],
    );
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "demo/templates/a.yaml:1:41\n  executing \"demo/templates/a.yaml\" at <include \"x\" .Values>:\n    error calling include:\ndemo/templates/a.yaml:1:21\n  executing \"x\" at <.a.b>:\n    nil pointer evaluating interface {}.b"
    );
    let c = chart(
        "demo",
        &[("templates/a.yaml", "x: {{ index .Values.l 5 }}\n")],
    );
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "template: demo/templates/a.yaml:1:6: executing \"demo/templates/a.yaml\" at <index .Values.l 5>: error calling index: index of untyped nil"
    );
}

#[test]
fn kube_version_constraint_and_library_charts() {
    let mut c = chart("demo", &[]);
    c.metadata.kube_version = ">=1.40.0".into();
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "chart requires kubeVersion: >=1.40.0 which is incompatible with Kubernetes v1.37.0"
    );
    c.metadata.kube_version = ">=1.20.0-0".into();
    assert!(run(&c, "").is_ok());
    c.metadata.chart_type = "library".into();
    assert_eq!(
        run(&c, "").unwrap_err().to_string(),
        "library charts are not installable"
    );
}

#[test]
fn no_value_is_removed_and_empty_documents_dropped() {
    let c = chart(
        "demo",
        &[(
            "templates/a.yaml",
            "---\n# {{ .Values.x }}\n---\n\n---\nkind: Service\nmetadata:\n  name: s<no value>\n",
        )],
    );
    assert_eq!(
        out(&c, ""),
        "---\n# Source: demo/templates/a.yaml\nkind: Service\nmetadata:\n  name: s\n\n---\n# Source: demo/templates/a.yaml\n#\n"
    );
}

/// Error texts recorded from Helm 4.3 (shared/tools/helm-oracle, 2026-11-26), without
/// the oracle's own `helm install failed: install failed: ` prefix.
#[test]
fn error_texts_match_helm() {
    let table: &[(&str, &str)] = &[
        (
            "x: {{ nope }}\n",
            "parse error at (demo/templates/a.yaml:1): function \"nope\" not defined",
        ),
        (
            "{{ if }}\n",
            "parse error at (demo/templates/a.yaml:1): missing value for if",
        ),
        (
            "x: {{ .Values.x | required \"need x\" }}\n",
            "execution error at (demo/templates/a.yaml:1:18): need x",
        ),
        (
            "x: {{ tpl \"{{ fail \\\"inner\\\" }}\" . }}\n",
            "execution error at (demo/templates/a.yaml:1:6): inner",
        ),
        (
            "x: {{ tpl \"{{ .a.b }}\" .Values }}\n",
            "template: demo/templates/a.yaml:1:6: executing \"demo/templates/a.yaml\" at <tpl \"{{ .a.b }}\" .Values>: error calling tpl: error during tpl function execution for \"{{ .a.b }}\": template: gotpl:1:5: executing \"gotpl\" at <.a.b>: nil pointer evaluating interface {}.b",
        ),
        (
            "{{ define \"x\" }}{{ fail \"deep\" }}{{ end }}x: {{ include \"x\" . | indent 2 }}\n",
            "execution error at (demo/templates/a.yaml:1:48): deep",
        ),
        (
            "x: {{ include \"nope\" . }}\n",
            "demo/templates/a.yaml:1:6\n  executing \"demo/templates/a.yaml\" at <include \"nope\" .>:\n    error calling include:\ntemplate: no template \"nope\" associated with template \"gotpl\"",
        ),
        (
            "a: [\n",
            "YAML parse error on demo/templates/a.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        ),
    ];
    for (tpl, want) in table {
        let c = chart("demo", &[("templates/a.yaml", tpl)]);
        assert_eq!(run(&c, "").unwrap_err().to_string(), *want, "{tpl}");
    }
}

#[test]
fn heads_read_scalars_as_strings_like_sigs_yaml() {
    // sigs.k8s.io/yaml converts scalars to strings when the target field is a string.
    let c = chart(
        "demo",
        &[(
            "templates/a.yaml",
            "kind: Job\nmetadata:\n  name: 7\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: 5\n    other: true\n",
        )],
    );
    let r = run(&c, "").unwrap();
    assert_eq!(r.manifests[0].name, "7");
    assert_eq!(r.manifests[0].hook.as_ref().unwrap().weight, 5);
}

/// With many files the documents are read on another thread; the output and the error
/// (the first broken file in path order, as Helm's sorter walks them) must not change.
#[test]
fn many_files_read_in_the_background_keep_order_and_first_error() {
    let n = LARGE_CHART_FILES * 2;
    let names: Vec<String> = (0..n).map(|i| format!("templates/f{i:02}.yaml")).collect();
    let good: Vec<String> = (0..n)
        .map(|i| format!("kind: ConfigMap\nmetadata:\n  name: c{i}\n"))
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(good.iter().map(String::as_str))
        .collect();
    let c = chart("demo", &files);
    let r = run(&c, "").unwrap();
    let got: Vec<&str> = r.manifests.iter().map(|m| m.name.as_str()).collect();
    let want: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    assert_eq!(got, want, "path order within one kind");

    let mut broken = files.clone();
    broken[3].1 = "a: [\n";
    broken[n - 2].1 = "b: {\n";
    let c = chart("demo", &broken);
    let err = run(&c, "").unwrap_err().to_string();
    assert!(
        err.starts_with("YAML parse error on demo/templates/f03.yaml:"),
        "{err}"
    );
}

#[test]
fn a_file_that_cannot_be_read_when_needed_fails_the_render_by_name() {
    let unreadable = || ChartFile {
        name: "files/gone.txt".into(),
        data: berth_template::FileData::deferred(|| Err("no such file or directory".into())),
    };
    let mut c = chart(
        "top",
        &[(
            "templates/cm.yaml",
            "data: {{ .Files.Get \"files/gone.txt\" | quote }}\n",
        )],
    );
    c.files.push(unreadable());
    let e = run(&c, "").unwrap_err();
    assert_eq!(
        e.to_string(),
        "error reading top/files/gone.txt: no such file or directory"
    );
    // Unused, it costs nothing; a CRD is read when printed, and its error names it.
    let mut c = chart("top", &[("templates/cm.yaml", "kind: ConfigMap\n")]);
    c.files.push(unreadable());
    c.files.push(ChartFile {
        name: "crds/crd.yaml".into(),
        data: berth_template::FileData::deferred(|| Err("permission denied".into())),
    });
    let r = run(&c, "").expect("renders");
    assert!(print(&r, &PrintOptions::default()).is_ok());
    let with_crds = PrintOptions {
        include_crds: true,
        ..PrintOptions::default()
    };
    assert_eq!(
        print(&r, &with_crds).unwrap_err().to_string(),
        "error reading top/crds/crd.yaml: permission denied"
    );
}

/// Templates parsed ahead are found again only under the names rendering gives them.
#[test]
fn templates_parsed_ahead_are_named_and_rendered_as_parsed_here() {
    let mut top = chart(
        "top",
        &[
            ("templates/a.yaml", "name: {{ .Template.Name }}\n"),
            ("templates/_h.tpl", "{{ define \"h\" }}h{{ end }}"),
        ],
    );
    top.dependencies.push(chart(
        "sub",
        &[("templates/b.yaml", "name: {{ .Template.Name }}\n")],
    ));
    let sources = template_sources(&top);
    let names: Vec<&str> = sources.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "top/templates/a.yaml",
            "top/templates/_h.tpl",
            "top/charts/sub/templates/b.yaml"
        ]
    );
    let plain = run(&top, "").expect("renders");
    let rendered: Vec<&str> = plain
        .manifests
        .iter()
        .map(|m| m.raw.trim().trim_start_matches("name: "))
        .collect();
    assert_eq!(
        rendered,
        ["top/charts/sub/templates/b.yaml", "top/templates/a.yaml"]
    );

    let files: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), &**t)).collect();
    let ahead = berth_template::ParseAhead::new(&files);
    ahead.help();
    let parsed = render_parsed(
        &RenderInput {
            chart: &top,
            values: values(""),
            release: ReleaseOptions::default(),
            capabilities: CapabilityOptions::default(),
        },
        ahead.finish(),
    )
    .expect("renders");
    assert_eq!(parsed, plain);
}
