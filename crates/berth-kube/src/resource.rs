//! What the API serves for one resource: names, scope, verbs, subresources.

use crate::gvk::{GroupVersion, GroupVersionKind};

/// Whether objects of a resource live in a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// A subresource such as `status` or `scale`, served under `.../{name}/{subresource}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subresource {
    pub name: String,
    /// The kind the subresource answers with (`Scale` in `autoscaling/v1` for `scale`).
    pub kind: GroupVersionKind,
    pub verbs: Vec<String>,
}

/// One served resource in one group-version, as discovery describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The lower-case plural used in URLs: `deployments`.
    pub plural: String,
    pub singular: String,
    pub list_kind: String,
    pub scope: Scope,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub verbs: Vec<String>,
    pub subresources: Vec<Subresource>,
}

/// The verbs of an ordinary read-write resource, in discovery's order.
pub const STANDARD_VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceInfo {
    /// A read-write resource with the standard verbs and no subresources.
    pub fn new(gv: &GroupVersion, kind: &str, plural: &str, scope: Scope) -> Self {
        Self {
            group: gv.group.clone(),
            version: gv.version.clone(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: kind.to_lowercase(),
            list_kind: format!("{kind}List"),
            scope,
            short_names: Vec::new(),
            categories: Vec::new(),
            verbs: STANDARD_VERBS.iter().map(|v| v.to_string()).collect(),
            subresources: Vec::new(),
        }
    }

    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(self.group.clone(), self.version.clone(), self.kind.clone())
    }

    pub fn api_version(&self) -> String {
        self.group_version().api_version()
    }

    pub fn namespaced(&self) -> bool {
        self.scope == Scope::Namespaced
    }

    /// `deployments.apps`, or `configmaps` for the core group: how error messages name it.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }

    pub fn with_short_names(mut self, names: &[&str]) -> Self {
        self.short_names = names.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn with_categories(mut self, names: &[&str]) -> Self {
        self.categories = names.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn with_verbs(mut self, verbs: &[&str]) -> Self {
        self.verbs = verbs.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Adds a `status` subresource answering with the resource's own kind.
    pub fn with_status(mut self) -> Self {
        let kind = self.gvk();
        self.subresources.push(Subresource {
            name: "status".into(),
            kind,
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
        self
    }

    /// Adds a `scale` subresource answering with `autoscaling/v1` Scale.
    pub fn with_scale(mut self) -> Self {
        self.subresources.push(Subresource {
            name: "scale".into(),
            kind: GroupVersionKind::new("autoscaling", "v1", "Scale"),
            verbs: vec!["get".into(), "patch".into(), "update".into()],
        });
        self
    }

    pub fn with_subresource(mut self, name: &str, kind: GroupVersionKind, verbs: &[&str]) -> Self {
        self.subresources.push(Subresource {
            name: name.into(),
            kind,
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
        });
        self
    }
}
