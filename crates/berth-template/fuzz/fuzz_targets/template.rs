//! Parses and executes arbitrary template text over arbitrary values: nothing
//! may panic or overflow the stack. Run with `cargo +nightly fuzz run template`.
#![no_main]

use berth_template::{TemplateSet, yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // An optional values document after a NUL byte.
    let (tpl, values) = text
        .split_once('\0')
        .unwrap_or((text, "a: {b: [1, x, null]}\ns: str\nn: 1.5"));
    let data = yaml::from_yaml(values).unwrap_or_default();
    let mut set = TemplateSet::new();
    if set.parse("main", tpl).is_ok() {
        let _ = set.execute("main", &data);
    }
});
