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
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for &i in &bounds {
            run(&text[..i], &data);
        }
        for w in bounds.windows(2) {
            let mutated = format!("{}{}", &text[..w[0]], &text[w[1]..]);
            run(&mutated, &data);
        }
    }
}
