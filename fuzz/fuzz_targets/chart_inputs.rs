//! The chart renderer's readers of user input: templates (parse, and execution of those
//! that cannot legitimately run for minutes or allocate gigabytes), YAML documents,
//! chart archives, `--set` strings, values schemas, and whole charts built from a
//! Chart.yaml, values.yaml and one template.
#![no_main]

use berth_chart::load::{BufferedFile, load_files};
use berth_chart::{Bytes, RenderInput, load_archive, prepare, render};
use berth_template::{TemplateSet, Value};
use libfuzzer_sys::fuzz_target;

/// Functions whose legitimate use can take unbounded time or memory (as in Go and Helm).
const EXPENSIVE: &[&str] = &[
    "range", "repeat", "until", "seq", "genPrivateKey", "genCA", "genSigned", "genSelfSigned",
    "bcrypt", "derivePassword", "htpasswd", "indent", "nindent", "trunc", "randAlpha",
    "randNumeric", "randAscii", "randAlphaNum", "randBytes", "printf", "template", "include",
    "tpl", "lookup", "getHostByName", "shuffle", "sortAlpha", "wrap",
];

fn safe_to_run(text: &str) -> bool {
    !EXPENSIVE.iter().any(|f| text.contains(f))
}

fn data() -> Value {
    berth_template::yaml::from_yaml("a: 1\nb: [x, y]\nc: {d: e}\ns: \"text\"\n")
        .unwrap_or(Value::Nil)
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match selector % 6 {
        0 => {
            let mut set = TemplateSet::new();
            if set.parse("t", &text).is_ok() && safe_to_run(&text) {
                let _ = set.execute("t", &data());
            }
            let mut files = TemplateSet::new();
            let mut mid = text.len() / 2;
            while !text.is_char_boundary(mid) {
                mid -= 1;
            }
            let (a, b) = text.split_at(mid);
            let _ = files.parse_files(&[("a", a), ("b", b)]);
        }
        1 => {
            if let Ok(v) = berth_template::yaml::from_yaml(&text) {
                let _ = berth_template::yaml::to_yaml(&v);
            }
            let _ = berth_template::yaml::from_yaml_all(&text);
            let _ = berth_template::yaml::from_yaml_all_keys(&text, &["kind", "metadata"]);
            let _ = berth_template::yaml::from_yaml_array(&text);
            let _ = berth_chart::values::load_values(rest);
        }
        2 => {
            let _ = load_archive(rest);
        }
        3 => {
            let _ = berth_chart::values::strvals::parse(&text);
            let _ = berth_chart::values::strvals::parse_string(&text);
            let _ = berth_chart::values::strvals::parse_literal(&text);
            let dest = Value::empty_map();
            let _ = berth_chart::values::strvals::parse_json(&text, &dest);
        }
        4 => {
            if let Ok(values) = berth_chart::schema::to_json(&data()) {
                let _ = berth_chart::schema::validate_single(&values, rest);
            }
        }
        _ => {
            // Chart.yaml, values.yaml and a template, split at NUL bytes.
            let mut parts = rest.splitn(3, |b| *b == 0);
            let chart_yaml = parts.next().unwrap_or_default();
            let values = parts.next().unwrap_or_default();
            let template = parts.next().unwrap_or_default();
            if !safe_to_run(&String::from_utf8_lossy(template)) {
                return;
            }
            let files = vec![
                BufferedFile {
                    name: "Chart.yaml".into(),
                    data: Bytes::copy_from_slice(chart_yaml).into(),
                },
                BufferedFile {
                    name: "values.yaml".into(),
                    data: Bytes::copy_from_slice(values).into(),
                },
                BufferedFile {
                    name: "templates/t.yaml".into(),
                    data: Bytes::copy_from_slice(template).into(),
                },
            ];
            let Ok(chart) = load_files(files) else { return };
            let Ok(prepared) = prepare(&chart, &Value::empty_map()) else {
                return;
            };
            let _ = render(&RenderInput {
                chart: &prepared.chart,
                values: prepared.values,
                release: Default::default(),
                capabilities: Default::default(),
            });
        }
    }
});
