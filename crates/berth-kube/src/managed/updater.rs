//! Ownership bookkeeping of one write (SMD merge/update.go): who owns which field after an
//! apply or an update, the conflicts an apply meets, and the pruning of fields an applier
//! stopped applying.

use std::collections::BTreeMap;

use serde_json::Value;

use super::path::{Path, PathElement};
use super::reconcile::reconcile_with_schema;
use super::set::FieldSet;
use super::typed::{
    Comparison, compare, ensure_named_fields_are_members, merge, remove_items, to_field_set,
    values_equal,
};
use super::types::TypeInfo;

/// One manager's fields at the API version it wrote them.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionedSet {
    pub set: FieldSet,
    pub api_version: String,
    pub applied: bool,
}

/// Managers by identifier (the JSON of manager, operation, apiVersion, subresource).
pub type Managers = BTreeMap<String, VersionedSet>;

/// A field an apply would take from another manager.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub manager: String,
    pub path: Path,
}

/// Why an apply was refused before anything was written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refusal {
    Conflicts(Vec<Conflict>),
    /// The applied configuration is not of its type (bad list keys, duplicates).
    InvalidConfig(Vec<String>),
    /// The live object is not of its type.
    InvalidLive(Vec<String>),
}

/// Which fields a write may own: the others are reset by the server (status on the main
/// resource, everything but status on `/status`) and never tracked.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldFilter {
    All,
    Exclude(FieldSet),
    OnlyUnder(PathElement),
}

impl FieldFilter {
    pub fn filter(&self, set: &FieldSet) -> FieldSet {
        match self {
            FieldFilter::All => set.clone(),
            FieldFilter::Exclude(excluded) => set.recursive_difference(excluded),
            FieldFilter::OnlyUnder(pe) => {
                let mut out = FieldSet::new();
                if set.has(std::slice::from_ref(pe)) {
                    out.insert(std::slice::from_ref(pe));
                }
                out.add_child(pe.clone(), set.with_prefix(pe));
                out
            }
        }
    }

    fn filter_comparison(&self, c: Comparison) -> Comparison {
        Comparison {
            added: self.filter(&c.added),
            modified: self.filter(&c.modified),
            removed: self.filter(&c.removed),
        }
    }
}

pub(crate) struct Updater<'t> {
    pub types: &'t dyn TypeInfo,
    pub filter: &'t FieldFilter,
}

impl Updater<'_> {
    /// Moves changed fields away from other managers; with `force` off, a changed field owned
    /// by another manager is a conflict instead.
    fn update_managers(
        &self,
        old: &Value,
        new: &Value,
        managers: &mut Managers,
        workflow: &str,
        force: bool,
    ) -> Result<Comparison, Refusal> {
        let cmp = self
            .filter
            .filter_comparison(compare(Some(old), Some(new), self.types));
        let changed = cmp.modified.union(&cmp.added);
        let mut conflicts: Vec<(String, FieldSet)> = Vec::new();
        for (manager, vs) in managers.iter() {
            if manager == workflow {
                continue;
            }
            let taken = vs.set.intersection(&changed);
            if !taken.is_empty() {
                conflicts.push((manager.clone(), taken));
            }
        }
        if !force && !conflicts.is_empty() {
            let list = conflicts
                .iter()
                .flat_map(|(manager, set)| {
                    set.paths().into_iter().map(|path| Conflict {
                        manager: manager.clone(),
                        path,
                    })
                })
                .collect();
            return Err(Refusal::Conflicts(list));
        }
        for (manager, taken) in conflicts {
            if let Some(vs) = managers.get_mut(&manager) {
                vs.set = vs.set.difference(&taken);
            }
        }
        if !cmp.removed.is_empty() {
            for (manager, vs) in managers.iter_mut() {
                if manager != workflow {
                    vs.set = vs.set.difference(&cmp.removed);
                }
            }
        }
        managers.retain(|_, vs| !vs.set.is_empty());
        Ok(cmp)
    }

    /// Brings every manager's set in line with the current schema.
    fn reconcile(&self, managers: &mut Managers) {
        for vs in managers.values_mut() {
            if let Some(set) = reconcile_with_schema(&vs.set, self.types) {
                vs.set = set;
            }
        }
    }

    /// A non-apply write: the writer owns what it added or changed, nobody owns what it
    /// removed (SMD Updater.Update).
    pub fn update(
        &self,
        live: &Value,
        new: &Value,
        version: &str,
        managers: &mut Managers,
        manager: &str,
    ) {
        self.reconcile(managers);
        let Ok(cmp) = self.update_managers(live, new, managers, manager, true) else {
            return;
        };
        let previous = managers
            .get(manager)
            .map(|vs| vs.set.clone())
            .unwrap_or_default();
        let set = previous
            .difference(&cmp.removed)
            .union(&cmp.modified)
            .union(&cmp.added);
        let set = self.filter.filter(&set);
        if set.is_empty() {
            managers.remove(manager);
        } else {
            managers.insert(
                manager.to_string(),
                VersionedSet {
                    set,
                    api_version: version.into(),
                    applied: false,
                },
            );
        }
    }

    /// An apply: `None` when the object does not change (SMD Updater.Apply).
    pub fn apply(
        &self,
        live: &Value,
        config: &Value,
        version: &str,
        managers: &mut Managers,
        manager: &str,
        force: bool,
    ) -> Result<Option<Value>, Refusal> {
        let config_set = to_field_set(config, self.types, false).map_err(Refusal::InvalidConfig)?;
        to_field_set(live, self.types, true).map_err(Refusal::InvalidLive)?;
        let merged = merge(live, config, self.types);
        let mut next = managers.clone();
        self.reconcile(&mut next);
        let last = next.get(manager).map(|vs| vs.set.clone());
        next.insert(
            manager.to_string(),
            VersionedSet {
                set: self.filter.filter(&config_set),
                api_version: version.into(),
                applied: true,
            },
        );
        let pruned = match &last {
            Some(last) if !last.is_empty() => self.prune(&merged, &next, last),
            _ => merged,
        };
        self.update_managers(live, &pruned, &mut next, manager, force)?;
        *managers = next;
        Ok((!values_equal(live, &pruned)).then_some(pruned))
    }

    /// Removes what the applier applied last time and no longer applies, unless another
    /// manager (or the new config) owns it.
    fn prune(&self, merged: &Value, managers: &Managers, last: &FieldSet) -> Value {
        let ensure = |s: &FieldSet| ensure_named_fields_are_members(s, self.types);
        let set_of = |v: &Value| to_field_set(v, self.types, true).unwrap_or_default();
        let pruned = remove_items(merged, &ensure(last), self.types);
        // Add back owned items.
        let owned = managers
            .values()
            .fold(FieldSet::new(), |acc, vs| acc.union(&vs.set));
        let merged_set = ensure(&set_of(merged));
        let keep = ensure(&set_of(&pruned)).union(&ensure(&owned));
        let pruned = remove_items(merged, &merged_set.difference(&keep), self.types);
        // Add back dangling items: only what this applier owned last time goes.
        let gone = merged_set.difference(&ensure(&set_of(&pruned)));
        remove_items(merged, &gone.intersection(&ensure(last)), self.types)
    }
}
