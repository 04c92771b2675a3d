//! The conformance suite: every case in tests/conformance/cases.jsonl is rendered
//! and compared byte for byte with the output the real Go oracle recorded in
//! expected.jsonl (see record.sh). Cases listed in known_failures.txt are known
//! not to match yet, each with its reason; the test fails if any other case
//! differs, and reports known failures that now pass.

use std::collections::HashMap;

#[path = "support/oracle_case.rs"]
mod oracle_case;

use oracle_case::render;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn read_jsonl(name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir().join(name)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn known_failures() -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir().join("known_failures.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, r)) => (n.to_string(), r.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn conformance_with_go_oracle() {
    let cases = read_jsonl("cases.jsonl");
    let expected = read_jsonl("expected.jsonl");
    assert!(
        expected
            .first()
            .is_some_and(|h| h.get("provenance").is_some()),
        "expected.jsonl lacks its provenance header"
    );
    let expected: HashMap<String, &serde_json::Value> = expected
        .iter()
        .skip(1)
        .map(|e| (e["name"].as_str().unwrap_or("").to_string(), e))
        .collect();
    assert!(cases.len() >= 600, "only {} cases", cases.len());
    let known = known_failures();
    let (mut pass, mut fail, mut unexpected, mut fixed) = (0, 0, Vec::new(), Vec::new());
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("").to_string();
        let Some(exp) = expected.get(&name) else {
            panic!("no expected output for {name}")
        };
        let want_err = exp["error"].as_str().unwrap_or("");
        let want_out = exp["output"].as_str().unwrap_or("");
        let got = render(case);
        let ok = match &got {
            Ok(out) => want_err.is_empty() && out == want_out,
            Err(e) => !want_err.is_empty() && e == want_err,
        };
        if ok {
            pass += 1;
            if known.contains_key(&name) {
                fixed.push(name);
            }
        } else {
            fail += 1;
            if !known.contains_key(&name) {
                unexpected.push(format!(
                    "{name}:\n  template: {:?}\n  want: {:?} err {:?}\n  got:  {:?}",
                    case["templates"]["main"], want_out, want_err, got
                ));
            }
        }
    }
    eprintln!(
        "conformance: {pass} passed, {fail} failed ({} known), of {}",
        known.len(),
        cases.len()
    );
    if !fixed.is_empty() {
        eprintln!("known failures that now pass (remove them from known_failures.txt): {fixed:?}");
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

/// Cases the gotemplate-oracle cannot record (fromToml, Helm 4's toToml) are
/// recorded from the real Helm 4.3 library by conformance/record_helm.py.
/// Outputs are compared byte for byte; for failing cases only the presence of
/// an error (Helm wraps template errors in its own text).
#[test]
fn conformance_with_helm_4_3() {
    let cases = read_jsonl("helm_cases.jsonl");
    let expected = read_jsonl("helm_expected.jsonl");
    assert!(
        expected
            .first()
            .is_some_and(|h| h.get("provenance").is_some()),
        "helm_expected.jsonl lacks its provenance header"
    );
    let expected: HashMap<String, &serde_json::Value> = expected
        .iter()
        .skip(1)
        .map(|e| (e["name"].as_str().unwrap_or("").to_string(), e))
        .collect();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let known = known_failures();
    let mut unexpected = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("").to_string();
        let Some(exp) = expected.get(&name) else {
            panic!("no expected output for {name}")
        };
        let want_err = !exp["error"].as_str().unwrap_or("").is_empty();
        let want_out = exp["output"].as_str().unwrap_or("");
        let got = render(case);
        let ok = match &got {
            Ok(out) => !want_err && out == want_out,
            Err(_) => want_err,
        };
        if !ok && !known.contains_key(&name) {
            unexpected.push(format!(
                "{name}:\n  template: {:?}\n  want: {:?} (error: {want_err})\n  got:  {:?}",
                case["templates"]["main"], want_out, got
            ));
        }
    }
    eprintln!(
        "helm conformance: {} cases, {} unexpected failures",
        cases.len(),
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
