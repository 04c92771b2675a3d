//! Label and field selectors: parsing the query forms and matching objects.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

/// A parsed label selector (`app=web,tier in (a,b),!legacy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {}

impl LabelSelector {
    pub fn parse(_text: &str) -> Result<Self, SelectorError> {
        Ok(Self {})
    }
    pub fn matches(&self, _labels: Option<&Map<String, Value>>) -> bool {
        true
    }
}

/// A parsed field selector (`metadata.name=web,status.phase!=Running`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {}

impl FieldSelector {
    pub fn parse(_text: &str) -> Result<Self, SelectorError> {
        Ok(Self {})
    }
    pub fn matches(&self, _obj: &Value) -> bool {
        true
    }
}
