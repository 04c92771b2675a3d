//! Patch metadata: which fields merge lists by key, which replace, which retain keys.
//!
//! A [`Registry`] is a set of named struct types parsed from a compact text table, the same
//! facts the Go struct tags `patchStrategy` and `patchMergeKey` carry. A [`Schema`] is a
//! position in that tree. Fields and types the table does not know behave like a Go struct
//! field without tags: maps merge recursively, lists are replaced.

use std::collections::HashMap;

/// The strategy a field's tag names, besides `retainKeys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Strategy {
    #[default]
    Default,
    Merge,
    Replace,
}

/// The tags of one field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PatchMeta {
    pub strategy: Strategy,
    pub retain_keys: bool,
    /// Empty when the list has no merge key (lists of scalars, or untagged lists).
    pub merge_key: String,
}

#[derive(Debug, Clone)]
enum TypeExpr {
    Named(String),
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>),
}

#[derive(Debug)]
struct Field {
    ty: TypeExpr,
    meta: PatchMeta,
}

/// Named struct types and their tagged fields.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    structs: HashMap<String, HashMap<String, Field>>,
    /// `Named(name)` for every struct, so a root schema can borrow its type from here.
    roots: HashMap<String, TypeExpr>,
}

/// A position in a registry's type tree; `ty: None` is a type the table does not describe.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schema<'a> {
    registry: &'a Registry,
    ty: Option<&'a TypeExpr>,
}

impl Registry {
    /// Parses the table: a line without indentation names a struct, each indented line under
    /// it is `field type [strategy] [mergeKey]`, where type is `Name`, `[]Type` or
    /// `map[Type]` and strategy is `merge`, `replace`, `retainKeys` or `merge,retainKeys`.
    /// `#` starts a comment. Malformed lines are programming errors caught by the tests.
    pub fn parse(table: &str) -> Result<Registry, String> {
        let mut registry = Registry::default();
        let mut current: Option<String> = None;
        for (n, raw) in table.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("");
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(char::is_whitespace) {
                let name = line.trim().to_string();
                registry.structs.entry(name.clone()).or_default();
                registry
                    .roots
                    .insert(name.clone(), TypeExpr::Named(name.clone()));
                current = Some(name);
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let (Some(name), Some(ty)) = (words.first(), words.get(1)) else {
                return Err(format!(
                    "line {}: want `field type [strategy] [key]`",
                    n + 1
                ));
            };
            let mut meta = PatchMeta::default();
            if let Some(strategies) = words.get(2) {
                for s in strategies.split(',') {
                    match s {
                        "merge" => meta.strategy = Strategy::Merge,
                        "replace" => meta.strategy = Strategy::Replace,
                        "retainKeys" => meta.retain_keys = true,
                        other => return Err(format!("line {}: unknown strategy {other}", n + 1)),
                    }
                }
            }
            meta.merge_key = words.get(3).map(|k| k.to_string()).unwrap_or_default();
            let Some(owner) = current.as_ref() else {
                return Err(format!("line {}: field outside a struct", n + 1));
            };
            let field = Field {
                ty: parse_type(ty),
                meta,
            };
            registry
                .structs
                .entry(owner.clone())
                .or_default()
                .insert(name.to_string(), field);
        }
        Ok(registry)
    }

    /// Whether the table names this struct.
    pub fn has(&self, name: &str) -> bool {
        self.structs.contains_key(name)
    }

    /// The type names fields refer to that the table does not define (untagged leaf types),
    /// sorted; a test checks them so a misspelt struct name cannot hide.
    #[cfg(test)]
    pub fn leaf_types(&self) -> Vec<String> {
        fn named(ty: &TypeExpr) -> &str {
            match ty {
                TypeExpr::Named(n) => n,
                TypeExpr::List(t) | TypeExpr::Map(t) => named(t),
            }
        }
        let mut out: Vec<String> = self
            .structs
            .values()
            .flat_map(|fields| fields.values().map(|f| named(&f.ty).to_string()))
            .filter(|n| !self.structs.contains_key(n))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The schema of the named struct (an unknown name gives the untyped schema).
    pub fn root<'a>(&'a self, name: &str) -> Schema<'a> {
        Schema {
            registry: self,
            ty: self.roots.get(name),
        }
    }
}

fn parse_type(s: &str) -> TypeExpr {
    if let Some(rest) = s.strip_prefix("[]") {
        TypeExpr::List(Box::new(parse_type(rest)))
    } else if let Some(rest) = s.strip_prefix("map[").and_then(|r| r.strip_suffix(']')) {
        TypeExpr::Map(Box::new(parse_type(rest)))
    } else {
        TypeExpr::Named(s.to_string())
    }
}

impl<'a> Schema<'a> {
    /// The schema of a map field's value and the field's tags (LookupPatchMetadataForStruct).
    pub fn field(&self, key: &str) -> (Schema<'a>, PatchMeta) {
        match self.ty {
            Some(TypeExpr::Named(name)) => {
                match self.registry.structs.get(name).and_then(|s| s.get(key)) {
                    Some(field) => (self.at(Some(&field.ty)), field.meta.clone()),
                    None => (self.at(None), PatchMeta::default()),
                }
            }
            // The values of a Go map share one type and carry no tags.
            Some(TypeExpr::Map(value)) => (self.at(Some(value)), PatchMeta::default()),
            _ => (self.at(None), PatchMeta::default()),
        }
    }

    /// The schema of a list field's elements and the field's tags (LookupPatchMetadataForSlice).
    pub fn list(&self, key: &str) -> (Schema<'a>, PatchMeta) {
        let (sub, meta) = self.field(key);
        match sub.ty {
            Some(TypeExpr::List(elem)) => (self.at(Some(elem)), meta),
            _ => (sub, meta),
        }
    }

    fn at(&self, ty: Option<&'a TypeExpr>) -> Schema<'a> {
        Schema {
            registry: self.registry,
            ty,
        }
    }
}
