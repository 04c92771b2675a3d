//! Parses arbitrary YAML and emits what was parsed: nothing may panic, and
//! emitting then parsing again must give the same data.
#![no_main]

use berth_template::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(v) = yaml::from_yaml(text) else { return };
    let Ok(out) = yaml::to_yaml(&v) else { return };
    let again = yaml::from_yaml(&out);
    // A "<<" key is written plain and reads back as a merge key, in Go too.
    assert!(
        again.is_ok() || out.contains("<<"),
        "toYaml output does not parse: {out:?}"
    );
});
