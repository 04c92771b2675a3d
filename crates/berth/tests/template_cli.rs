//! `berth template` as a process: stdout byte-identical to what Helm 4.3's `helm template`
//! printed for the berth-chart golden charts (recorded with shared/tools/helm-oracle; see
//! crates/berth-chart/tests/render-golden/README.md), and Helm's error form on bad input.
//! Cases whose output depends on the oracle's mock discovery (`.Capabilities`) are covered
//! by the library's golden test instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn charts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../berth-chart/tests/render-charts")
}

fn berth_template(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("template")
        .args(args)
        .current_dir(charts())
        .output()
        .expect("berth runs")
}

#[test]
fn prints_what_helm_template_prints() {
    let cases: [(&str, &[&str]); 7] = [
        ("hooks", &["hooks"]),
        ("hooks-skip-tests", &["hooks", "--skip-tests"]),
        ("hooks-no-hooks", &["hooks", "--no-hooks"]),
        ("files", &["files"]),
        ("parent", &["parent"]),
        ("oddities", &["oddities"]),
        ("order", &["order"]),
    ];
    for (golden, args) in cases {
        let out = berth_template(args);
        assert!(
            out.status.success(),
            "{golden}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want =
            std::fs::read(charts().join(format!("../render-golden/{golden}.txt"))).expect("golden");
        assert!(
            out.stdout == want,
            "{golden} differs:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn values_flags_reach_the_templates() {
    let out = berth_template(&[
        "rel",
        "parent",
        "--set",
        "child.message=from-set,child.port=8081",
        "--set-string",
        "child.extra=007",
        "--set-json",
        "global.env=\"staging\"",
        "-n",
        "team",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "childMessage: \"from-set\"",
        "message: from-set",
        "- port: 8081",
        "env: staging",
        "\\\"extra\\\":\\\"007\\\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let only = berth_template(&["parent", "--show-only", "templates/cm.yaml"]);
    let only = String::from_utf8_lossy(&only.stdout);
    assert!(
        only.starts_with("---\n# Source: parent/templates/cm.yaml\n"),
        "{only}"
    );
    assert!(!only.contains("# Source: parent/charts/"), "{only}");
}

#[test]
fn errors_read_like_helm() {
    let missing = berth_template(&["no-such-chart"]);
    assert!(!missing.status.success());
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "Error: path \"no-such-chart\" not found\n"
    );
    let nothing = berth_template(&["hooks", "--show-only", "templates/none.yaml"]);
    assert!(!nothing.status.success());
    assert!(
        String::from_utf8_lossy(&nothing.stderr)
            .contains("could not find template templates/none.yaml in chart"),
        "{}",
        String::from_utf8_lossy(&nothing.stderr)
    );
}
