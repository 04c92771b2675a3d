//! Robustness: every prefix and every single-byte deletion of every conformance
//! template must parse and execute (or fail) without panicking.

use berth_template::{TemplateSet, Value, yaml};

fn cases() -> Vec<serde_json::Value> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn run(text: &str, data: &Value) {
    let mut set = TemplateSet::new();
    if set.parse("main", text).is_ok() {
        let _ = set.execute("main", data);
    }
}

#[test]
fn mutated_templates_never_panic() {
    let data = yaml::from_yaml("a: {b: [1, x, null]}\ns: str\nn: 1.5").unwrap_or_default();
    for case in cases() {
        let Some(text) = case["templates"]["main"].as_str() else {
            continue;
        };
        // Random cases add time, not coverage; crypto cases generate RSA keys.
        let skip = ["fuzz-", "yfuzz-", "crypto-"];
        if case["name"]
            .as_str()
            .is_some_and(|n| skip.iter().any(|p| n.starts_with(p)))
        {
            continue;
        }
        for mutated in damaged(text, 1) {
            run(&mutated, &data);
        }
    }
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let data = Value::Nil;
    let _ = yaml::from_yaml(&"- ".repeat(50_000));
    let _ = yaml::from_yaml(&"[".repeat(100_000));
    let _ = yaml::from_yaml(&"{a: ".repeat(100_000));
    // Unbounded include and template recursion, in a default-sized test thread.
    for text in [
        r#"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#,
        r#"{{ define "r" }}x{{ template "r" . }}{{ end }}{{ template "r" . }}"#,
        r#"{{ define "r" }}{{ tpl "{{ include \"r\" . }}" . }}{{ end }}{{ include "r" . }}"#,
    ] {
        let mut set = TemplateSet::new();
        set.parse("main", text).unwrap_or_default();
        let r = set.execute("main", &data);
        assert!(r.is_err(), "{text}: {r:?}");
    }
    // Deeply nested parentheses and control structures.
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    let ifs = format!(
        "{}x{}",
        "{{ if true }}".repeat(5000),
        "{{ end }}".repeat(5000)
    );
    let nested =
        r#"{{ $x := list }}{{ range until 100000 }}{{ $x = list $x }}{{ end }}{{ len $x }}"#
            .to_string();
    let cyclic = r#"{{ $m := dict }}{{ $_ := set $m "s" $m }}{{ toJson $m }}{{ toYaml $m }}{{ deepCopy $m | len }}{{ deepEqual $m (dict "s" $m) }}{{ len (printf "%v" $m) }}{{ merge $m $m | len }}"#.to_string();
    let yaml_deep = format!("{{{{ fromYaml {:?} }}}}", "[".repeat(100_000));
    let json_deep = format!("{{{{ fromJson {:?} }}}}", "[".repeat(100_000));
    for text in [parens, ifs, yaml_deep, json_deep, nested, cyclic] {
        let mut set = TemplateSet::new();
        if set.parse("main", &text).is_ok() {
            let _ = set.execute("main", &data);
        }
    }
}

/// Found by the yaml fuzz target: numeric keys on which yaml.v2's key order is
/// not a total order (Rust's sort_by panics on such comparators).
#[test]
fn inconsistent_key_order_does_not_panic() {
    let text = "{\"6\": 5,51850,507255,-95815189.607255,51851,1855,5079335255,5815189.607255,51851,1855,50793355,5815188.6,51851,07255,58,1855,50793355,58ba0s15144.607255,51851,n0151855,507935,5807594.6,51851,07255,58,1855,50793355,5DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD8ba0s15144.607255,51851,0151855,507933,555,57}";
    let v = yaml::from_yaml(text).unwrap_or_default();
    let _ = yaml::to_yaml(&v);
    let _ = yaml::to_yaml_pretty(&v);
}

/// The YAML documents of the conformance suite: values files, and the string
/// literal given to `fromYaml` (written as JSON, which Go reads the same).
fn yaml_docs() -> Vec<String> {
    let mut docs = Vec::new();
    for case in cases() {
        if let Some(v) = case["values"].as_str() {
            docs.push(v.to_string());
        }
        let Some(t) = case["templates"]["main"].as_str() else {
            continue;
        };
        let Some(rest) = t.strip_prefix("{{ fromYaml ") else {
            continue;
        };
        let Some((lit, _)) = rest.split_once(" | toJson }}") else {
            continue;
        };
        if let Ok(serde_json::Value::String(doc)) = serde_json::from_str(lit) {
            docs.push(doc);
        }
    }
    docs.sort();
    docs.dedup();
    docs
}

/// `text` cut short at every `step`-th character boundary, then with the text between
/// neighbouring cut points removed.
fn damaged(text: &str, step: usize) -> Vec<String> {
    let bounds: Vec<usize> = (0..=text.len())
        .filter(|i| text.is_char_boundary(*i))
        .step_by(step)
        .collect();
    let mut variants: Vec<String> = bounds.iter().map(|&i| text[..i].to_string()).collect();
    for w in bounds.windows(2) {
        variants.push(format!("{}{}", &text[..w[0]], &text[w[1]..]));
    }
    variants
}

#[test]
fn mutated_yaml_never_panics() {
    let docs = yaml_docs();
    assert!(docs.len() > 200, "only {} YAML documents", docs.len());
    for doc in docs {
        for text in damaged(&doc, 1) {
            let _ = yaml::from_yaml(&text);
            let _ = yaml::from_yaml_all(&text);
        }
    }
}

/// What `from_yaml_all_keys` builds has `from_yaml_all`'s values for the keys, and it
/// fails exactly when and as that fails, on intact and damaged documents alike.
#[test]
fn reading_a_few_keys_agrees_with_converting_everything() {
    const KEYS: [&str; 3] = ["apiVersion", "kind", "metadata"];
    let keep_keys = |v: &Value| match v {
        Value::Map(m, _) => Value::map(
            m.borrow()
                .iter()
                .filter(|(k, _)| KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    let mut compared = 0;
    for doc in yaml_docs() {
        let doc = format!("apiVersion: v1\nkind: K\nmetadata:\n  name: n\n{doc}");
        for text in damaged(&doc, 3) {
            let full = yaml::from_yaml_all(&text);
            let keys = yaml::from_yaml_all_keys(&text, &KEYS);
            match (full, keys) {
                (Ok(full), Ok(keys)) => {
                    let full: Vec<String> =
                        full.iter().map(|v| format!("{:?}", keep_keys(v))).collect();
                    let keys: Vec<String> =
                        keys.iter().map(|v| format!("{:?}", keep_keys(v))).collect();
                    assert_eq!(full, keys, "{text:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{text:?}"),
                (a, b) => panic!("{text:?}: {:?} vs {:?}", a.map(|_| ()), b.map(|_| ())),
            }
            compared += 1;
        }
    }
    assert!(compared > 10_000, "only {compared} documents compared");
}
