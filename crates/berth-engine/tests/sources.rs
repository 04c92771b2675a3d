//! Sources rendered from real git repositories: Helm value-file order and globs, `$ref`
//! values from another source, Argo CD's value precedence, directories with recurse,
//! include and exclude, Kustomize, and the errors a user sees.

use std::path::Path;
use std::process::Command;

use berth_engine::git::GitRepos;
use berth_engine::model::{DirectorySource, HelmParameter, HelmSource, Source};
use berth_engine::source::{GitSource, RenderContext, RepoReader, SourceError, render_sources};
use serde_json::Value;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@localhost"])
        .args(args)
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

struct Repo {
    _dir: tempfile::TempDir,
    url: String,
    repos: GitRepos,
}

fn repo(files: &[(&str, &str)]) -> Repo {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work");
    for (path, text) in files {
        let p = work.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "files"]);
    let repos =
        GitRepos::open(dir.path().join("cache"), berth_git::Credentials::none()).expect("cache");
    let url = format!("file://{}", work.display());
    repos.fetch(&url).expect("fetch");
    Repo {
        _dir: dir,
        url,
        repos,
    }
}

fn render(r: &Repo, sources: &[Source]) -> Result<Vec<Value>, SourceError> {
    let commits: Vec<String> = sources
        .iter()
        .map(|s| {
            r.repos
                .resolve(&s.repo_url, &s.target_revision)
                .expect("resolve")
        })
        .collect();
    let refs: Vec<&Source> = sources.iter().collect();
    let ctx = RenderContext {
        app_name: "demo",
        namespace: "apps",
        commits: &commits,
    };
    render_sources(&r.repos, &refs, &ctx)
        .map(|(objs, _)| objs.into_iter().map(|o| o.object).collect())
}

const CHART: &str = "apiVersion: v2\nname: demo\nversion: 0.1.0\n";
const TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\ndata:\n  color: {{ .Values.color | quote }}\n  size: {{ .Values.size | quote }}\n  from: {{ .Values.from | quote }}\n";

fn chart_repo(extra: &[(&'static str, &'static str)]) -> Repo {
    let mut files = vec![
        ("chart/Chart.yaml", CHART),
        ("chart/templates/cm.yaml", TEMPLATE),
        (
            "chart/values.yaml",
            "color: red\nsize: small\nfrom: chart\n",
        ),
        ("chart/values-stg.yaml", "color: blue\nfrom: stg\n"),
        ("chart/env/a.yaml", "size: a\n"),
        ("chart/env/b.yaml", "size: b\n"),
    ];
    files.extend_from_slice(extra);
    repo(&files)
}

fn helm_source(r: &Repo, helm: HelmSource) -> Source {
    Source {
        repo_url: r.url.clone(),
        path: "chart".into(),
        target_revision: "main".into(),
        helm: Some(helm),
        ..Source::default()
    }
}

#[test]
fn helm_values_follow_argo_cd_precedence() {
    let r = chart_repo(&[]);
    let objs = render(
        &r,
        &[helm_source(
            &r,
            HelmSource {
                value_files: vec!["values-stg.yaml".into(), "env/*.yaml".into()],
                values: Some("from: values-string\nsize: string\n".into()),
                values_object: Some(serde_json::json!({"from": "values-object"})),
                parameters: vec![HelmParameter {
                    name: "color".into(),
                    value: "green".into(),
                    force_string: false,
                }],
                release_name: Some("rel".into()),
                ..HelmSource::default()
            },
        )],
    )
    .expect("renders");
    assert_eq!(objs.len(), 1);
    let data = &objs[0]["data"];
    // parameters > valuesObject > values > valueFiles (later files win; globs in order).
    assert_eq!(data["color"], "green");
    assert_eq!(data["from"], "values-object");
    assert_eq!(data["size"], "string");
    assert_eq!(objs[0]["metadata"]["name"], "rel");
    assert_eq!(objs[0]["metadata"]["namespace"], "apps");

    let globbed = render(
        &r,
        &[helm_source(
            &r,
            HelmSource {
                value_files: vec!["env/*.yaml".into()],
                ..HelmSource::default()
            },
        )],
    )
    .expect("renders");
    assert_eq!(
        globbed[0]["data"]["size"], "b",
        "globs expand in lexical order; the last wins"
    );
    assert_eq!(
        globbed[0]["metadata"]["name"], "demo",
        "release name defaults to the app name"
    );
}

#[test]
fn values_from_another_source_by_ref() {
    let r = chart_repo(&[("config/prod.yaml", "color: black\n")]);
    let chart = helm_source(
        &r,
        HelmSource {
            value_files: vec!["$values/config/prod.yaml".into()],
            ..HelmSource::default()
        },
    );
    let values = Source {
        repo_url: r.url.clone(),
        target_revision: "main".into(),
        reference: Some("values".into()),
        ..Source::default()
    };
    let objs = render(&r, &[chart, values]).expect("renders");
    assert_eq!(objs[0]["data"]["color"], "black");
}

#[test]
fn a_missing_values_file_names_the_file_unless_ignored() {
    let r = chart_repo(&[]);
    let err = render(
        &r,
        &[helm_source(
            &r,
            HelmSource {
                value_files: vec!["values-nope.yaml".into()],
                ..HelmSource::default()
            },
        )],
    )
    .expect_err("missing file");
    assert!(err.to_string().contains("chart/values-nope.yaml"), "{err}");
    assert!(err.to_string().contains("ignoreMissingValueFiles"), "{err}");
    let ok = render(
        &r,
        &[helm_source(
            &r,
            HelmSource {
                value_files: vec!["values-nope.yaml".into()],
                ignore_missing_value_files: true,
                ..HelmSource::default()
            },
        )],
    );
    assert!(ok.is_ok());
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let r = repo(&[
        ("chart/Chart.yaml", CHART),
        (
            "chart/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.missing.deeper }}\n",
        ),
    ]);
    let err = render(&r, &[helm_source(&r, HelmSource::default())]).expect_err("fails");
    let text = err.to_string();
    assert!(text.contains("demo/templates/cm.yaml:6:"), "{text}");
    assert!(
        text.contains("nil pointer evaluating interface {}.deeper"),
        "{text}"
    );
}

#[test]
fn directories_honour_recurse_include_and_exclude() {
    let cm = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
    let files: Vec<(String, String)> = vec![
        ("manifests/a.yaml".into(), cm("a")),
        (
            "manifests/b.yml".into(),
            format!("{}---\n{}", cm("b1"), cm("b2")),
        ),
        (
            "manifests/c.json".into(),
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}"#.into(),
        ),
        ("manifests/notes.txt".into(), "not yaml: [".into()),
        ("manifests/sub/d.yaml".into(), cm("d")),
        (
            "manifests/list.yaml".into(),
            format!(
                "apiVersion: v1\nkind: List\nitems:\n- {}",
                cm("in-list").replace('\n', "\n  ")
            ),
        ),
    ];
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = repo(&borrowed);
    let dir = |directory: DirectorySource| Source {
        repo_url: r.url.clone(),
        path: "manifests".into(),
        target_revision: "main".into(),
        directory: Some(directory),
        ..Source::default()
    };
    let names = |objs: Vec<Value>| -> Vec<String> {
        let mut n: Vec<String> = objs
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect();
        n.sort();
        n
    };
    let flat = render(&r, &[dir(DirectorySource::default())]).expect("renders");
    assert_eq!(names(flat), ["a", "b1", "b2", "c", "in-list"]);
    let deep = render(
        &r,
        &[dir(DirectorySource {
            recurse: true,
            ..Default::default()
        })],
    )
    .expect("renders");
    assert_eq!(names(deep), ["a", "b1", "b2", "c", "d", "in-list"]);
    let included = render(
        &r,
        &[dir(DirectorySource {
            recurse: true,
            include: "{a.yaml,*.json}".into(),
            ..Default::default()
        })],
    )
    .expect("renders");
    assert_eq!(names(included), ["a", "c"]);
    let excluded = render(
        &r,
        &[dir(DirectorySource {
            recurse: true,
            exclude: "sub/*".into(),
            ..Default::default()
        })],
    )
    .expect("renders");
    assert_eq!(names(excluded), ["a", "b1", "b2", "c", "in-list"]);
}

#[test]
fn broken_yaml_in_a_directory_names_the_file() {
    let r = repo(&[(
        "m/bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n",
    )]);
    let err = render(
        &r,
        &[Source {
            repo_url: r.url.clone(),
            path: "m".into(),
            target_revision: "main".into(),
            ..Source::default()
        }],
    )
    .expect_err("fails");
    assert!(err.to_string().starts_with("m/bad.yaml:"), "{err}");
}

#[test]
fn a_missing_path_says_which() {
    let r = repo(&[(
        "x/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )]);
    let err = render(
        &r,
        &[Source {
            repo_url: r.url.clone(),
            path: "nope".into(),
            target_revision: "main".into(),
            ..Source::default()
        }],
    )
    .expect_err("fails");
    assert!(matches!(err, SourceError::MissingPath { .. }), "{err}");
    assert!(err.to_string().contains("\"nope\""), "{err}");
}

#[test]
fn kustomize_directories_build_with_kubectl() {
    let r = repo(&[
        (
            "k/kustomization.yaml",
            "namePrefix: dev-\ncommonLabels:\n  team: shop\nresources:\n- cm.yaml\n",
        ),
        (
            "k/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
        ),
    ]);
    let objs = render(
        &r,
        &[Source {
            repo_url: r.url.clone(),
            path: "k".into(),
            target_revision: "main".into(),
            ..Source::default()
        }],
    )
    .expect("kubectl kustomize builds it");
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0]["metadata"]["name"], "dev-settings");
    assert_eq!(objs[0]["metadata"]["labels"]["team"], "shop");
}

#[test]
fn file_parameters_read_files_from_the_source() {
    let r = chart_repo(&[("chart/files/color.txt", "purple")]);
    let objs = render(
        &r,
        &[helm_source(
            &r,
            HelmSource {
                file_parameters: vec![berth_engine::model::HelmFileParameter {
                    name: "color".into(),
                    path: "files/color.txt".into(),
                }],
                ..HelmSource::default()
            },
        )],
    )
    .expect("renders");
    assert_eq!(objs[0]["data"]["color"], "purple");
}
