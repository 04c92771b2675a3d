//! Renders gotemplate-oracle input (JSON lines on stdin) with berth-template and
//! writes the oracle's output format, so the two can be compared line by line
//! (see tests/conformance/difffuzz.py).

use std::io::{BufRead, Write};

#[path = "../tests/support/oracle_case.rs"]
mod oracle_case;

use oracle_case::render;

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(case) = serde_json::from_str::<serde_json::Value>(&line) else {
            eprintln!("bad input line");
            std::process::exit(2);
        };
        let (output, error) = match render(&case) {
            Ok(o) => (o, String::new()),
            Err(e) => (String::new(), e),
        };
        let r = serde_json::json!({"name": case["name"], "output": output, "error": error});
        if writeln!(out, "{r}").is_err() {
            std::process::exit(1);
        }
    }
}
