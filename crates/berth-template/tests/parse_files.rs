//! `TemplateSet::parse_files` (several threads) must build the same set as `parse` called
//! on each file in order: later non-empty definitions win, empty ones never replace, and a
//! failure names the first broken file in order.

use berth_template::{ParseAhead, ParsedAhead, TemplateSet, Value};

/// Enough files and text to take the threaded path (over 64 KiB in all).
fn files() -> Vec<(String, String)> {
    (0..300)
        .map(|i| {
            let name = format!("chart/templates/f{i:03}.yaml");
            // Every file redefines "shared": the last non-empty one in order must win.
            let body = if i % 7 == 0 {
                "{{- define \"shared\" }}{{ end }}".to_string()
            } else {
                format!("{{{{- define \"shared\" }}}}from {i}{{{{ end }}}}")
            };
            let filler = "# padding to make the file a realistic size\n".repeat(8);
            let text = format!(
                "{body}\n{{{{- define \"own.{i}\" }}}}{i}{{{{ end }}}}\n{filler}value: {{{{ include \"own.{i}\" . }}}}-{{{{ template \"shared\" }}}}\n"
            );
            (name, text)
        })
        .collect()
}

fn sequential(files: &[(String, String)]) -> Result<TemplateSet, (usize, String)> {
    let mut set = TemplateSet::new();
    for (i, (name, text)) in files.iter().enumerate() {
        set.parse(name, text).map_err(|e| (i, e.to_string()))?;
    }
    Ok(set)
}

fn parallel(files: &[(String, String)]) -> Result<TemplateSet, (usize, String)> {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut set = TemplateSet::new();
    set.parse_files(&refs)
        .map_err(|(i, e)| (i, e.to_string()))?;
    Ok(set)
}

#[test]
fn threaded_parse_builds_the_same_set() {
    let files = files();
    let (Ok(a), Ok(b)) = (sequential(&files), parallel(&files)) else {
        panic!("both must parse");
    };
    for (name, _) in &files {
        let x = a
            .execute(name, &Value::empty_map())
            .expect("sequential executes");
        let y = b
            .execute(name, &Value::empty_map())
            .expect("threaded executes");
        assert_eq!(x, y, "{name}");
    }
    let shared = b.execute("shared", &Value::Nil).expect("shared");
    assert_eq!(shared, "from 299");
}

#[test]
fn threaded_parse_reports_the_first_broken_file() {
    let mut files = files();
    files[40].1.push_str("{{ if }}");
    files[250].1.push_str("{{ nosuchfunction }}");
    let a = sequential(&files).err();
    let b = parallel(&files).err();
    assert_eq!(a, b);
    let (index, message) = b.expect("an error");
    assert_eq!(index, 40);
    assert!(message.contains("f040.yaml"), "{message}");
}

fn refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect()
}

fn parsed_ahead(files: &[(&str, &str)]) -> ParsedAhead {
    let ahead = ParseAhead::new(files);
    std::thread::scope(|s| {
        s.spawn(|| ahead.help());
        ahead.help();
    });
    ahead.finish()
}

/// Files parsed ahead (on other threads, before the set exists) join the set as if parsed
/// there; a file whose name or text changed since, or that did not parse, is parsed again.
#[test]
fn files_parsed_ahead_build_the_same_set() {
    let before = files();
    let before_refs = refs(&before);
    let mut after = before.clone();
    after[10].1 = "changed: {{ template \"shared\" }}\n".into();
    after[20].0 = "chart/templates/renamed.yaml".into();
    after[30].1.push_str("{{ if }}");
    let mut set = TemplateSet::new();
    let error = set
        .parse_files_ahead(&refs(&after), Some(parsed_ahead(&before_refs)))
        .expect_err("file 30 is broken");
    let expected = parallel(&after).expect_err("file 30 is broken");
    assert_eq!((error.0, error.1.to_string()), expected);

    after[30] = before[30].clone();
    let mut set = TemplateSet::new();
    set.parse_files_ahead(&refs(&after), Some(parsed_ahead(&before_refs)))
        .expect("parses");
    let reference = sequential(&after).expect("parses");
    for (name, _) in &after {
        let got = set.execute(name, &Value::empty_map()).expect("executes");
        let want = reference
            .execute(name, &Value::empty_map())
            .expect("executes");
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(
        set.execute("chart/templates/f010.yaml", &Value::empty_map())
            .expect("executes"),
        "changed: from 299\n"
    );

    // A set with other functions parses everything itself (`include` is Helm's).
    let mut plain = TemplateSet::plain();
    let ahead = parsed_ahead(&before_refs);
    assert!(plain.parse_files_ahead(&before_refs, Some(ahead)).is_err());
}

/// Stopped work leaves the rest to the set, which still builds the whole set.
#[test]
fn stopped_parsing_ahead_leaves_the_rest_to_the_set() {
    let files = files();
    let files_refs = refs(&files);
    let ahead = ParseAhead::new(&files_refs);
    ahead.stop();
    ahead.help();
    let mut set = TemplateSet::new();
    set.parse_files_ahead(&files_refs, Some(ahead.finish()))
        .expect("parses");
    let reference = sequential(&files).expect("parses");
    for (name, _) in &files {
        assert_eq!(
            set.execute(name, &Value::empty_map()).expect("executes"),
            reference
                .execute(name, &Value::empty_map())
                .expect("executes")
        );
    }
}
