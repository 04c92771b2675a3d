use super::*;

fn write(root: &Path, name: &str, data: &[u8]) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

const CHART: &[u8] = b"apiVersion: v2\nname: top\nversion: 1.0.0\n";

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        {
            let gnu = h.as_gnu_mut().expect("gnu header");
            gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        }
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(if name.ends_with('/') {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        h.set_cksum();
        builder.append(&h, *data).expect("append");
    }
    let tar = builder.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).expect("gzip");
    gz.finish().expect("gzip")
}

fn names(files: &[ChartFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn directory_walk_sorts_classifies_and_ignores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Chart.yaml", CHART);
    write(root, "values.yaml", b"\xEF\xBB\xBFa: 1\n");
    write(root, "values.schema.json", b"{}");
    write(root, ".helmignore", b"# comment\n*.bak\nignored/\n");
    write(root, "templates/b.yaml", b"b");
    write(root, "templates/a.yaml", b"a");
    write(root, "templates/.hidden", b"h");
    write(root, "templates/sub/.kept", b"k");
    write(root, "crds/crd.yaml", b"kind: CustomResourceDefinition");
    write(root, "README.md", b"readme");
    write(root, "a.bak", b"ignored");
    write(root, "ignored/x.txt", b"ignored");
    write(root, "files/a-b/x", b"1");
    write(root, "files/a/x", b"2");
    write(root, "files/bin.dat", &[0xff, 0x00, 0xfe, 0xEF, 0xBB, 0xBF]);
    write(
        root,
        "charts/sub/Chart.yaml",
        b"name: sub\nversion: 0.1.0\n",
    );
    write(root, "charts/sub/templates/t.yaml", b"t");
    write(root, "charts/_skip/Chart.yaml", b"not: a chart");
    write(
        root,
        "charts/arch-0.1.0.tgz",
        &tgz(&[
            (
                "arch/Chart.yaml",
                b"apiVersion: v2\nname: arch\nversion: 0.1.0\n",
            ),
            ("arch/templates/x.yaml", b"x"),
        ]),
    );
    write(root, "charts/arch-0.1.0.tgz.prov", b"signature");

    let c = load(root).expect("loads");
    assert_eq!(c.metadata.name, "top");
    assert_eq!(c.values.as_deref(), Some(&b"a: 1\n"[..]));
    assert_eq!(c.schema.as_deref(), Some(&b"{}"[..]));
    assert_eq!(
        names(&c.templates),
        [
            "templates/a.yaml",
            "templates/b.yaml",
            "templates/sub/.kept"
        ]
    );
    assert_eq!(
        names(&c.files),
        [
            ".helmignore",
            "README.md",
            "charts/arch-0.1.0.tgz.prov",
            "crds/crd.yaml",
            "files/a/x",
            "files/a-b/x",
            "files/bin.dat",
        ]
    );
    let bin = c
        .files
        .iter()
        .find(|f| f.name == "files/bin.dat")
        .expect("bin");
    assert_eq!(
        bin.data.get_or_empty(),
        [0xff, 0x00, 0xfe, 0xEF, 0xBB, 0xBF]
    );
    assert_eq!(
        names(&c.crds().cloned().collect::<Vec<_>>()),
        ["crds/crd.yaml"]
    );
    let subs: Vec<&str> = c
        .dependencies
        .iter()
        .map(|d| d.metadata.name.as_str())
        .collect();
    assert_eq!(subs, ["arch", "sub"]);
    // A v1 chart without apiVersion gets "v1".
    assert_eq!(c.dependencies[1].metadata.api_version, "v1");
    assert_eq!(names(&c.dependencies[0].templates), ["templates/x.yaml"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("chart");
    write(&root, "Chart.yaml", CHART);
    write(dir.path(), "outside/shared.txt", b"shared");
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("linked")).expect("symlink");
    std::os::unix::fs::symlink("Chart.yaml", root.join("alias.yaml")).expect("symlink");
    let c = load(&root).expect("loads");
    assert_eq!(names(&c.files), ["alias.yaml", "linked/shared.txt"]);
    std::os::unix::fs::symlink(root.join("missing"), root.join("dangling")).expect("symlink");
    let e = load(&root).expect_err("dangling link");
    assert!(e.0.starts_with("error evaluating symlink "), "{e}");
}

/// Archive entries: (path, contents).
type Entries<'a> = &'a [(&'a str, &'a [u8])];

#[test]
fn archive_checks() {
    let cases: &[(Entries, &str)] = &[
        (
            &[("top/Chart.yaml", CHART), ("top/../../etc/passwd", b"x")],
            "chart illegally references parent directory",
        ),
        (
            &[("top/Chart.yaml", CHART), ("top//etc/passwd", b"x")],
            "chart illegally contains absolute paths",
        ),
        (
            &[("Chart.yaml", CHART)],
            "chart illegally contains content outside the base directory: \"Chart.yaml\"",
        ),
        (&[("top/", b"")], "no files in chart archive"),
        (
            &[("top/Chart.yaml", CHART), ("top/C:/x", b"x")],
            "chart contains illegally named files",
        ),
        (
            &[("top/Chart.yaml", b"name: [x]")],
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Metadata.name of type string",
        ),
        (
            &[("top/Chart.yaml", b"apiVersion: v2\nversion: 1.0.0")],
            "validation: chart.metadata.name is required",
        ),
        (
            &[("top/values.yaml", b"a: 1")],
            "Chart.yaml file is missing",
        ),
        (
            &[("top/Chart.yaml", CHART), ("top/values.yaml", b"- a")],
            "cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        (
            &[
                ("top/Chart.yaml", CHART),
                ("top/charts/sub/Chart.yaml", b"version: 1.0.0"),
            ],
            "error unpacking subchart sub in top: validation: chart.metadata.name is required",
        ),
    ];
    for (entries, want) in cases {
        let got = load_archive(&tgz(entries));
        assert_eq!(
            got.err().map(|e| e.0).as_deref(),
            Some(*want),
            "{entries:?}"
        );
    }
}

#[test]
fn archive_size_limits() {
    let big = vec![0u8; (MAX_DECOMPRESSED_FILE_SIZE + 1) as usize];
    let got = load_archive(&tgz(&[("top/Chart.yaml", CHART), ("top/big.bin", &big)]));
    assert_eq!(
        got.err().map(|e| e.0).as_deref(),
        Some(
            "decompressed chart file \"top/big.bin\" is larger than the maximum file size 5242880"
        )
    );
}

#[test]
fn archive_files_and_not_archives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("top-1.0.0.tgz");
    std::fs::write(
        &good,
        tgz(&[("top/Chart.yaml", CHART), ("top/templates/a.yaml", b"a")]),
    )
    .expect("write");
    let c = load(&good).expect("archive loads");
    assert_eq!(names(&c.templates), ["templates/a.yaml"]);

    let yaml = dir.path().join("values.yaml");
    std::fs::write(&yaml, "a: 1").expect("write");
    assert_eq!(
        load(&yaml).err().map(|e| e.0),
        Some(format!(
            "file '{}' seems to be a YAML file, but expected a gzipped archive",
            yaml.display()
        ))
    );
    let text = dir.path().join("notes");
    std::fs::write(&text, "hello").expect("write");
    assert_eq!(
        load(&text).err().map(|e| e.0),
        Some(format!(
            "file '{}' does not appear to be a gzipped archive; got 'text/plain; charset=utf-8'",
            text.display()
        ))
    );
    let v3 = dir.path().join("v3.tgz");
    std::fs::write(
        &v3,
        tgz(&[("top/Chart.yaml", b"apiVersion: v9\nname: x\nversion: 1.0.0")]),
    )
    .expect("write");
    assert_eq!(
        load(&v3).err().map(|e| e.0).as_deref(),
        Some("unsupported chart version")
    );
    assert_eq!(
        load(dir.path().join("nope")).err().map(|e| e.0),
        Some(format!(
            "path {:?} not found",
            dir.path().join("nope").display().to_string()
        ))
    );
}

#[test]
fn missing_chart_yaml_in_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let want = format!(
        "unable to detect chart at {0}/Chart.yaml: open {0}/Chart.yaml: no such file or directory",
        dir.path().display()
    );
    assert_eq!(load(dir.path()).err().map(|e| e.0), Some(want));
}

#[test]
fn v1_requirements() {
    let v1 = load_archive(&tgz(&[
        (
            "top/Chart.yaml",
            b"apiVersion: v1\nname: top\nversion: 1.0.0\n",
        ),
        (
            "top/requirements.yaml",
            b"dependencies:\n- name: sub\n  version: 0.1.0\n  condition: sub.on\n",
        ),
        ("top/requirements.lock", b"dependencies: []\n"),
    ]))
    .expect("v1 loads");
    assert_eq!(v1.metadata.dependencies[0].condition, "sub.on");
    assert_eq!(names(&v1.files), ["requirements.yaml", "requirements.lock"]);
    assert!(v1.lock.is_some());
    let v2 = load_archive(&tgz(&[
        ("top/Chart.yaml", CHART),
        ("top/requirements.yaml", b"dependencies:\n- name: sub\n"),
    ]))
    .expect("v2 loads");
    assert_eq!(v2.metadata.dependencies[0].name, "sub");
    assert!(v2.files.is_empty());
}

#[test]
fn helmignore_errors_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Chart.yaml", CHART);
    write(dir.path(), ".helmignore", b"a/**/b\n");
    assert_eq!(
        load(dir.path()).err().map(|e| e.0).as_deref(),
        Some("double-star (**) syntax is not supported")
    );
}

#[test]
fn clean_paths_like_go() {
    for (i, o) in [
        ("", "."),
        ("a/b/../c", "a/c"),
        ("../a", "../a"),
        ("a/../..", ".."),
        ("/../a", "/a"),
        ("a//b/./c/", "a/b/c"),
    ] {
        assert_eq!(clean_path(i), o, "{i}");
    }
}

#[test]
fn negated_helmignore_rule_ignores_everything_else() {
    // Helm's quirk (checked with Helm 4.3): `!keep.txt` ignores every path it does not
    // match, Chart.yaml included.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Chart.yaml", CHART);
    write(dir.path(), ".helmignore", b"*.txt\n!keep.txt\n");
    write(dir.path(), "keep.txt", b"k");
    assert_eq!(
        load(dir.path()).err().map(|e| e.0).as_deref(),
        Some("Chart.yaml file is missing")
    );
}

#[test]
fn templates_can_be_ignored_too() {
    // Checked with Helm 4.3: nothing protects templates/ from .helmignore.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Chart.yaml", CHART);
    write(dir.path(), ".helmignore", b"templates/skip.yaml\n");
    write(dir.path(), "templates/skip.yaml", b"s");
    write(dir.path(), "templates/keep.yaml", b"k");
    let c = load(dir.path()).expect("loads");
    assert_eq!(names(&c.templates), ["templates/keep.yaml"]);
}

#[test]
fn files_only_templates_read_are_read_when_first_needed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Chart.yaml", CHART);
    write(root, "values.yaml", b"a: 1\n");
    write(root, "templates/t.yaml", b"t");
    write(
        root,
        "crds/crd.yaml",
        b"\xEF\xBB\xBFkind: CustomResourceDefinition\n",
    );
    write(
        root,
        "charts/sub/Chart.yaml",
        b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    );
    write(root, "charts/sub/templates/t.yaml", b"sub");
    write(root, "charts/sub/files/f.txt", b"before");
    let c = load(root).expect("loads");
    // What the loader and renderer need was read; the rest is read on first use.
    write(root, "values.yaml", b"a: 2\n");
    write(root, "templates/t.yaml", b"changed");
    write(root, "charts/sub/files/f.txt", b"after");
    assert_eq!(c.values.as_deref(), Some(&b"a: 1\n"[..]));
    assert_eq!(c.templates[0].data.get_or_empty(), b"t");
    let sub = &c.dependencies[0];
    assert_eq!(sub.templates[0].data.get_or_empty(), b"sub");
    assert_eq!(sub.files[0].data.get_or_empty(), b"after");
    // A deferred read trims the BOM as the loader does.
    let crd = c.crds().next().expect("crd");
    assert_eq!(crd.data.get_or_empty(), b"kind: CustomResourceDefinition\n");
}

#[test]
fn only_files_that_nothing_but_templates_read_are_deferred() {
    for name in [
        "README.md",
        "crds/crd.yaml",
        "files/Chart.yaml",
        "charts/sub/crds/x.yaml",
        "charts/sub/charts/inner/files/a",
        "charts/sub/README.md",
    ] {
        assert!(only_for_files(name), "{name}");
    }
    for name in [
        "Chart.yaml",
        "Chart.lock",
        "values.yaml",
        "values.schema.json",
        "requirements.yaml",
        "requirements.lock",
        "templates/NOTES.txt",
        "charts/sub-0.1.0.tgz",
        "charts/sub.tgz/Chart.yaml",
        "charts/sub/values.yaml",
        "charts/sub/templates/x.yaml",
        "charts/sub/charts/inner/Chart.yaml",
    ] {
        assert!(!only_for_files(name), "{name}");
    }
}

fn buffered(files: &[(&str, &[u8])]) -> Vec<BufferedFile> {
    files
        .iter()
        .map(|(name, data)| BufferedFile {
            name: name.to_string(),
            data: Bytes::copy_from_slice(data).into(),
        })
        .collect()
}

/// Large values files are checked on another thread; the result must not depend on it.
#[test]
fn large_values_are_checked_in_order_and_kept() {
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(&format!("key{i}: value {i}\n"));
    }
    assert!(big.len() > BACKGROUND_VALUES_BYTES);
    let chart = load_files(buffered(&[
        ("Chart.yaml", CHART),
        ("values.yaml", big.as_bytes()),
    ]))
    .expect("loads");
    assert!(chart.values_parsed.is_some());
    let prepared = crate::prepare(&chart, &berth_template::Value::empty_map()).expect("prepares");
    let berth_template::Value::Map(m, _) = &prepared.values else {
        panic!("values are a map");
    };
    let last = m.borrow().get("key1999").cloned();
    assert_eq!(last.as_ref().and_then(|v| v.as_str()), Some("value 1999"));

    // Broken at the very end, and a broken subchart after it: values.yaml's error wins,
    // as when it was checked before the subcharts were loaded.
    let broken = format!("{big}- not a map entry\n");
    let err = load_files(buffered(&[
        ("Chart.yaml", CHART),
        ("values.yaml", broken.as_bytes()),
        ("charts/sub/Chart.yaml", b"version: 1.0.0"),
    ]))
    .expect_err("fails");
    assert!(
        err.0
            .starts_with("cannot load values.yaml: cannot unmarshal yaml document:"),
        "{err}"
    );
}

/// Subcharts load on several threads; the error is still the first in name order, and the
/// dependencies keep that order.
#[test]
fn subcharts_load_in_parallel_but_report_in_order() {
    let sub = |name: &str| format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n");
    let (a, d) = (sub("a"), sub("d"));
    let ok = load_files(buffered(&[
        ("Chart.yaml", CHART),
        ("charts/a/Chart.yaml", a.as_bytes()),
        ("charts/b/Chart.yaml", sub("b").as_bytes()),
        ("charts/c/Chart.yaml", sub("c").as_bytes()),
        ("charts/d/Chart.yaml", d.as_bytes()),
    ]))
    .expect("loads");
    let names: Vec<&str> = ok
        .dependencies
        .iter()
        .map(|c| c.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c", "d"]);

    let err = load_files(buffered(&[
        ("Chart.yaml", CHART),
        ("charts/a/Chart.yaml", a.as_bytes()),
        ("charts/b/Chart.yaml", b"version: 1.0.0"),
        ("charts/c/Chart.yaml", b"name: [x]"),
        ("charts/d/Chart.yaml", d.as_bytes()),
    ]))
    .expect_err("fails");
    assert_eq!(
        err.0,
        "error unpacking subchart b in top: validation: chart.metadata.name is required"
    );
}
