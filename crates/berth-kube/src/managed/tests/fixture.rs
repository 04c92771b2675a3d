//! A small counterpart of SMD's internal/fixture: a live object, its managers, and Apply /
//! Update operations against the updater.

use serde_json::{Value, json};

use crate::managed::path::{Path, PathElement};
use crate::managed::set::FieldSet;
use crate::managed::types::TypeInfo;
use crate::managed::updater::{Conflict, FieldFilter, Managers, Refusal, Updater};
use crate::schema::StructuralSchema;

pub(super) fn yaml(text: &str) -> Value {
    let text = dedent(text);
    serde_yaml::from_str::<Value>(&text).unwrap_or_else(|e| panic!("yaml {text}: {e}"))
}

fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A path from its parts: `k:{...}` and `v:...` are keys and values, anything else a field.
pub(super) fn p(parts: &[&str]) -> Path {
    parts
        .iter()
        .map(|s| {
            if s.starts_with("k:") || s.starts_with("v:") {
                PathElement::decode(s).unwrap_or_else(|| panic!("bad element {s}"))
            } else {
                PathElement::Field(s.to_string())
            }
        })
        .collect()
}

/// `_NS(...)`.
pub(super) fn ns(paths: &[&[&str]]) -> FieldSet {
    let owned: Vec<Path> = paths.iter().map(|x| p(x)).collect();
    FieldSet::from_paths(owned.iter().map(Vec::as_slice))
}

/// A schema from the JSON of an OpenAPI v3 object schema.
pub(super) fn schema(v: Value) -> StructuralSchema {
    StructuralSchema::new(v)
}

pub(super) struct State<'t> {
    pub types: &'t dyn TypeInfo,
    pub live: Value,
    pub managers: Managers,
}

impl<'t> State<'t> {
    pub fn new(types: &'t dyn TypeInfo) -> Self {
        Self {
            types,
            live: json!({}),
            managers: Managers::new(),
        }
    }

    fn updater<'a>(&'a self, filter: &'a FieldFilter) -> Updater<'a> {
        Updater {
            types: self.types,
            filter,
        }
    }

    pub fn try_apply(
        &mut self,
        manager: &str,
        version: &str,
        object: &str,
        force: bool,
    ) -> Result<(), Vec<Conflict>> {
        let config = yaml(object);
        let filter = FieldFilter::All;
        let mut managers = self.managers.clone();
        let out = self.updater(&filter).apply(
            &self.live,
            &config,
            version,
            &mut managers,
            manager,
            force,
        );
        match out {
            Ok(new) => {
                if let Some(new) = new {
                    self.live = new;
                }
                self.managers = managers;
                Ok(())
            }
            Err(Refusal::Conflicts(c)) => Err(c),
            Err(other) => panic!("apply refused: {other:?}"),
        }
    }

    pub fn apply(&mut self, manager: &str, version: &str, object: &str) {
        if let Err(c) = self.try_apply(manager, version, object, false) {
            panic!("unexpected conflicts: {c:?}");
        }
    }

    pub fn force_apply(&mut self, manager: &str, version: &str, object: &str) {
        self.try_apply(manager, version, object, true)
            .expect("force never conflicts");
    }

    /// An apply that must fail with exactly these (manager, path) conflicts.
    pub fn apply_conflicts(
        &mut self,
        manager: &str,
        version: &str,
        object: &str,
        expected: &[(&str, Path)],
    ) {
        let got = self
            .try_apply(manager, version, object, false)
            .expect_err("conflicts expected");
        let mut got: Vec<(String, Path)> = got.into_iter().map(|c| (c.manager, c.path)).collect();
        let mut want: Vec<(String, Path)> = expected
            .iter()
            .map(|(m, p)| (m.to_string(), p.clone()))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        want.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(got, want);
    }

    pub fn update(&mut self, manager: &str, version: &str, object: &str) {
        let new = yaml(object);
        let filter = FieldFilter::All;
        let mut managers = self.managers.clone();
        self.updater(&filter)
            .update(&self.live, &new, version, &mut managers, manager);
        self.managers = managers;
        self.live = new;
    }

    /// The live object; an empty document stands for the empty object.
    pub fn assert_object(&self, expected: &str) {
        let want = yaml(expected);
        let norm = |v: &Value| if v.is_null() { json!({}) } else { v.clone() };
        assert_eq!(norm(&self.live), norm(&want), "live object");
    }

    /// The managers' sets and versions (SMD's fixture does not compare the applied flag).
    pub fn assert_managed(&self, expected: &[(&str, &str, FieldSet)]) {
        let got: Vec<(String, String, FieldSet)> = self
            .managers
            .iter()
            .map(|(m, vs)| (m.clone(), vs.api_version.clone(), vs.set.clone()))
            .collect();
        let mut want: Vec<(String, String, FieldSet)> = expected
            .iter()
            .map(|(m, v, s)| (m.to_string(), v.to_string(), s.clone()))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want);
    }
}
