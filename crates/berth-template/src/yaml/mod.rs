//! YAML that behaves like Go's `sigs.k8s.io/yaml` over `gopkg.in/yaml.v2`.
//!
//! The text is read by `scanner` and `events`, which follow libyaml's scanner
//! and parser state machines as yaml.v2 carries them: the same documents are
//! accepted and rejected, with the same error messages and line numbers.
//! Parsing follows YAML 1.1 resolution (`yes`/`on` are booleans, `0755` is
//! octal, timestamps stay strings) and then the YAML→JSON→Go step, so every
//! number becomes a float64 and every key a string. Emitting is `toYaml`'s:
//! through JSON (sorted keys, numbers as encoding/json writes them), then
//! yaml.v2's block style with its quoting, literal blocks and 80-column folding.

mod emit;
mod events;
mod parse;
mod resolve;
mod scanner;

pub use emit::{to_yaml, to_yaml_pretty};
pub use parse::{
    MapDocument, from_yaml, from_yaml_all, from_yaml_all_keys, from_yaml_array, parse_map_document,
};

/// A YAML error, with the message Go's libraries give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(pub String);
