//! Go's text/template with Sprig and Helm's functions, exact to the byte.
//!
//! A [`TemplateSet`] holds parsed templates sharing one namespace of `define`s, as
//! Helm's engine does; [`Value`] mirrors Go's dynamic types (float64 from YAML,
//! int from literals, `[]interface {}`, `map[string]interface {}`, host objects).
//! The [`yaml`] module parses and emits YAML the way `sigs.k8s.io/yaml` does;
//! [`helm`] has Helm's `.Files` and `.Capabilities` objects.
//!
//! What the chart renderer does around it, as Helm's engine does: parse every
//! file of the chart tree into one set in Helm's order, execute each
//! non-partial file with its own `.Template`, and delete `<no value>` from the
//! output (missing keys print `<no value>` under `missingkey=zero`). Errors
//! carry Go's text (`template: NAME:LINE:COL: executing "NAME" at <...>: ...`)
//! for the renderer to reformat as Helm does. Values are reference-counted, not
//! `Send`: build and render a set on one thread.
//!
//! Semantics follow Helm 4.3 (its newer Go): `range` over integers, `else
//! with`, tpl's error wrapping. Local time is UTC; `getHostByName` returns "".
//! `fromToml` decodes TOML 1.1 as Helm 4.3's BurntSushi/toml 1.6 does;
//! `genPrivateKey "dsa"` makes L2048N256 keys as Sprig does (certificates
//! cannot be made with them, as in Go). Not provided: raw U+2028 and
//! U+2029 in parsed YAML are ordinary characters, where yaml.v2 reads them as
//! line breaks (NEL is handled; all three are quoted and escaped as Go does).
//!
//! ```
//! use berth_template::{TemplateSet, Value, yaml};
//! let mut set = TemplateSet::new();
//! set.parse("main", "{{ .x | quote }}").unwrap();
//! let data = yaml::from_yaml("x: 3").unwrap();
//! assert_eq!(set.execute("main", &data).unwrap(), "\"3\"");
//! ```

// Nested `if let` reads better than let-chains in the Go-mirroring code.
#![allow(clippy::collapsible_if)]

mod exec;
mod file_data;
mod fmt;
mod funcs;
mod go_unicode;
pub mod goregexp;
pub mod helm;
mod json;
mod lexer;
pub mod parallel;
mod parser;
mod value;
pub mod yaml;

pub use exec::{LookupFn, MissingKey, ParseAhead, ParsedAhead, TemplateSet};
pub use file_data::FileData;
pub use value::{Elem, Entries, Items, MapRef, Object, Value};

/// Bytes as text, invalid UTF-8 replaced as Go's string conversion shows it. Valid text
/// (nearly all of it) is borrowed after the fast standard check; `from_utf8_lossy` alone
/// walks it byte by byte.
pub fn utf8_lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Runs `f` with enough stack for one more level of recursion: deep templates
/// and data grow the stack on the heap instead of overflowing it.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

/// Errors from parsing or executing templates; the message is Go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The template text does not parse.
    #[error("{0}")]
    Parse(String),
    /// Execution failed.
    #[error("{0}")]
    Exec(String),
}
