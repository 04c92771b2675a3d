//! The resources the sandbox serves: the built-ins plus those of established CRDs. Discovery,
//! OpenAPI and request routing all read this one table.

use berth_kube::{GroupVersion, PrinterColumn, ResourceInfo, StructuralSchema, builtin_resources};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A resource as served: its description, its storage key, and for custom resources the CRD
/// version's schema and printer columns.
#[derive(Clone, Debug)]
pub struct Served {
    pub info: ResourceInfo,
    /// The storage key shared by every version of the resource: `group/plural`.
    pub storage: Arc<str>,
    pub custom: Option<Arc<CustomVersion>>,
}

/// What a CRD says about one served version.
#[derive(Debug)]
pub struct CustomVersion {
    pub crd_name: String,
    pub schema: Option<StructuralSchema>,
    pub raw_schema: Option<Value>,
    pub printer_columns: Vec<PrinterColumn>,
    /// The scale subresource's paths: spec replicas, status replicas, label selector.
    pub scale: Option<ScalePaths>,
}

#[derive(Clone, Debug)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// One group as discovery lists it: versions in preference order.
#[derive(Clone, Debug)]
pub struct GroupEntry {
    pub name: String,
    pub versions: Vec<String>,
}

#[derive(Default)]
struct Table {
    /// Keyed by (group, version, plural).
    resources: BTreeMap<(String, String, String), Served>,
    /// Groups in discovery order; custom groups follow the built-ins.
    groups: Vec<GroupEntry>,
}

/// The served-resource table. Cloning shares it.
#[derive(Clone, Default)]
pub struct Registry {
    table: Arc<RwLock<Table>>,
}

pub fn storage_key(group: &str, plural: &str) -> Arc<str> {
    Arc::from(format!("{group}/{plural}"))
}

impl Registry {
    pub fn with_builtins() -> Self {
        let registry = Registry::default();
        {
            let mut table = registry.write();
            for info in builtin_resources() {
                add_group_version(&mut table.groups, &info.group, &info.version);
                let storage = storage_key(&info.group, &info.plural);
                table.resources.insert(
                    (
                        info.group.clone(),
                        info.version.clone(),
                        info.plural.clone(),
                    ),
                    Served {
                        info,
                        storage,
                        custom: None,
                    },
                );
            }
        }
        registry
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Served> {
        self.read()
            .resources
            .get(&(group.into(), version.into(), plural.into()))
            .cloned()
    }

    /// Every served resource of a group-version, in a stable order.
    pub fn resources_of(&self, gv: &GroupVersion) -> Vec<Served> {
        self.read()
            .resources
            .iter()
            .filter(|((g, v, _), _)| *g == gv.group && *v == gv.version)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Every served resource with the given storage key (all versions of one resource).
    pub fn versions_of(&self, storage: &str) -> Vec<Served> {
        self.read()
            .resources
            .values()
            .filter(|s| &*s.storage == storage)
            .cloned()
            .collect()
    }

    pub fn groups(&self) -> Vec<GroupEntry> {
        self.read().groups.clone()
    }

    pub fn group(&self, name: &str) -> Option<GroupEntry> {
        self.read().groups.iter().find(|g| g.name == name).cloned()
    }

    /// Whether the group-version is served at all.
    pub fn serves(&self, group: &str, version: &str) -> bool {
        self.read()
            .groups
            .iter()
            .any(|g| g.name == group && g.versions.iter().any(|v| v == version))
    }

    /// Serves a resource that is computed, not stored (the metrics API): discovery lists it,
    /// requests for it are answered by its own handler.
    pub fn add_read_only(&self, info: ResourceInfo) {
        let mut table = self.write();
        add_group_version(&mut table.groups, &info.group, &info.version);
        let storage = storage_key(&info.group, &info.plural);
        table.resources.insert(
            (
                info.group.clone(),
                info.version.clone(),
                info.plural.clone(),
            ),
            Served {
                info,
                storage,
                custom: None,
            },
        );
    }

    /// Replaces everything a CRD serves (an empty list withdraws it).
    pub fn set_custom(
        &self,
        crd_name: &str,
        group: &str,
        served: Vec<Served>,
        version_order: Vec<String>,
    ) {
        let mut table = self.write();
        table
            .resources
            .retain(|_, s| s.custom.as_ref().is_none_or(|c| c.crd_name != crd_name));
        for s in served {
            table.resources.insert(
                (
                    s.info.group.clone(),
                    s.info.version.clone(),
                    s.info.plural.clone(),
                ),
                s,
            );
        }
        rebuild_custom_group(&mut table, group, version_order);
    }
}

fn add_group_version(groups: &mut Vec<GroupEntry>, group: &str, version: &str) {
    match groups.iter_mut().find(|g| g.name == group) {
        Some(entry) => {
            if !entry.versions.iter().any(|v| v == version) {
                entry.versions.push(version.to_string());
            }
        }
        None => groups.push(GroupEntry {
            name: group.to_string(),
            versions: vec![version.to_string()],
        }),
    }
}

/// Recomputes a custom group's versions from the resources still served in it, ordered the way
/// the real server sorts CRD versions (by Kubernetes version priority).
fn rebuild_custom_group(table: &mut Table, group: &str, mut preferred: Vec<String>) {
    let mut versions: Vec<String> = Vec::new();
    for ((g, v, _), _) in table.resources.iter() {
        if g == group && !versions.contains(v) {
            versions.push(v.clone());
        }
    }
    preferred.retain(|v| versions.contains(v));
    for v in versions {
        if !preferred.contains(&v) {
            preferred.push(v);
        }
    }
    preferred.sort_by(|a, b| compare_kube_versions(b, a));
    match table.groups.iter().position(|g| g.name == group) {
        Some(i) if preferred.is_empty() => {
            table.groups.remove(i);
        }
        Some(i) => table.groups[i].versions = preferred,
        None if !preferred.is_empty() => table.groups.push(GroupEntry {
            name: group.into(),
            versions: preferred,
        }),
        None => {}
    }
}

/// Orders Kubernetes API versions by priority: GA > beta > alpha, higher numbers first within a
/// level, then non-conforming names alphabetically. Returns `a`'s order relative to `b` by
/// priority, so sorting descending gives preference order.
pub fn compare_kube_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn parse(v: &str) -> Option<(u8, u64, u64)> {
        let rest = v.strip_prefix('v')?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let major: u64 = rest.get(..digits)?.parse().ok()?;
        let tail = &rest[digits..];
        if tail.is_empty() {
            return Some((3, major, 0));
        }
        let (level, num) = if let Some(n) = tail.strip_prefix("beta") {
            (2, n)
        } else if let Some(n) = tail.strip_prefix("alpha") {
            (1, n)
        } else {
            return None;
        };
        Some((level, major, num.parse().ok()?))
    }
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => b.cmp(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_priority() {
        let mut v = vec!["v1alpha1", "v2", "foo", "v1", "v1beta1", "v1beta2", "v10"];
        v.sort_by(|a, b| compare_kube_versions(b, a));
        assert_eq!(
            v,
            vec!["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
        );
    }
}
