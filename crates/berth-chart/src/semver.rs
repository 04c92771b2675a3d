//! Masterminds semver checks, through `berth-template`'s own implementation (Sprig's
//! `semver` and `semverCompare`), so chart validation and dependency ranges agree with
//! what templates see.

use std::collections::BTreeMap;

use berth_template::{TemplateSet, Value};

thread_local! {
    static SET: Option<TemplateSet> = {
        let mut set = TemplateSet::new();
        let ok = set.parse("version", "{{ semver .v }}").is_ok()
            && set.parse("range", "{{ semverCompare .c .v }}").is_ok();
        ok.then_some(set)
    };
}

fn run(name: &str, data: &[(&str, &str)]) -> Option<String> {
    let map: BTreeMap<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), Value::str(v)))
        .collect();
    let data = Value::map(map);
    SET.with(|set| set.as_ref()?.execute(name, &data).ok())
}

/// Whether `v` is a version `semver.NewVersion` accepts.
pub fn is_valid_version(v: &str) -> bool {
    run("version", &[("v", v)]).is_some()
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either does not parse. An
/// empty constraint is Masterminds' `*` (any version without a pre-release).
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let constraint = if constraint.trim().is_empty() {
        "*"
    } else {
        constraint
    };
    run("range", &[("c", constraint), ("v", version)]).as_deref() == Some("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ranges() {
        assert!(is_valid_version("1.2.3"));
        assert!(is_valid_version("v1.2"));
        assert!(is_valid_version("1.0.0-rc.1+build"));
        assert!(!is_valid_version("one"));
        assert!(!is_valid_version(""));
        assert!(is_compatible_range("^1.0.0", "1.4.0"));
        assert!(!is_compatible_range("^1.0.0", "2.0.0"));
        assert!(is_compatible_range("", "0.1.0"));
        assert!(!is_compatible_range("", "0.1.0-rc1"));
        assert!(is_compatible_range("~0.1.0", "0.1.9"));
        assert!(!is_compatible_range("bogus", "0.1.0"));
        assert!(is_compatible_range("0.1.0", "0.1.0"));
    }
}
