//! Table columns for `kubectl get`, per kind.

use crate::resource::ResourceInfo;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumn {
    pub name: String,
}

pub fn table_for(_info: &ResourceInfo) -> Vec<TableColumn> {
    Vec::new()
}
