//! Field sets: a trie of path elements with SMD's set algebra (fieldpath/set.go).
//!
//! A set holds `members` (paths that end here) and `children` (paths that continue); a node
//! may be both, which `fieldsV1` writes as `.`. Children are never empty.

use std::collections::{BTreeMap, BTreeSet};

use super::path::{Path, PathElement};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of the given paths.
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a [PathElement]>) -> Self {
        let mut set = Self::new();
        for p in paths {
            set.insert(p);
        }
        set
    }

    /// Adds a path; the empty path (the whole object) is never tracked.
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// The number of paths in the set.
    pub fn len(&self) -> usize {
        self.members.len() + self.children.values().map(FieldSet::len).sum::<usize>()
    }

    pub(crate) fn members(&self) -> &BTreeSet<PathElement> {
        &self.members
    }

    pub(crate) fn children(&self) -> &BTreeMap<PathElement, FieldSet> {
        &self.children
    }

    /// The paths below `pe` (SMD WithPrefix), empty when there are none.
    pub fn with_prefix(&self, pe: &PathElement) -> FieldSet {
        self.children.get(pe).cloned().unwrap_or_default()
    }

    pub(crate) fn child(&self, pe: &PathElement) -> Option<&FieldSet> {
        self.children.get(pe)
    }

    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (pe, set) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(set),
                None => set.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| {
                let both = set.intersection(other.children.get(pe)?);
                (!both.is_empty()).then(|| (pe.clone(), both))
            })
            .collect();
        FieldSet { members, children }
    }

    /// Leaf-wise difference: removing a parent keeps its children (`parent - child = parent`,
    /// `child - parent = child`), as SMD's Difference.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| match other.children.get(pe) {
                None => Some((pe.clone(), set.clone())),
                Some(theirs) => {
                    let rest = set.difference(theirs);
                    (!rest.is_empty()).then(|| (pe.clone(), rest))
                }
            })
            .collect();
        FieldSet { members, children }
    }

    /// Removes every path of `other` together with everything below it.
    pub fn recursive_difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter(|(pe, _)| !other.members.contains(*pe))
            .filter_map(|(pe, set)| match other.children.get(pe) {
                None => Some((pe.clone(), set.clone())),
                Some(theirs) => {
                    let rest = set.recursive_difference(theirs);
                    (!rest.is_empty()).then(|| (pe.clone(), rest))
                }
            })
            .collect();
        FieldSet { members, children }
    }

    /// The members that have no children: the fields owned as values, not as containers.
    pub fn leaves(&self) -> FieldSet {
        let members = self
            .members
            .iter()
            .filter(|m| !self.children.contains_key(*m))
            .cloned()
            .collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, set)| {
                let l = set.leaves();
                (!l.is_empty()).then(|| (pe.clone(), l))
            })
            .collect();
        FieldSet { members, children }
    }

    /// Every path, members of a node before its children (SMD Iterate order).
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(p);
        }
        for (pe, set) in &self.children {
            prefix.push(pe.clone());
            set.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// Adds every path of `sub` below `pe`.
    pub(crate) fn add_child(&mut self, pe: PathElement, sub: FieldSet) {
        if sub.is_empty() {
            return;
        }
        let merged = match self.children.remove(&pe) {
            Some(mine) => mine.union(&sub),
            None => sub,
        };
        self.children.insert(pe, merged);
    }

    /// Builds a set from a member list and children, dropping empty children.
    pub(crate) fn from_parts(
        members: BTreeSet<PathElement>,
        children: BTreeMap<PathElement, FieldSet>,
    ) -> Self {
        let children = children
            .into_iter()
            .filter(|(_, s)| !s.is_empty())
            .collect();
        FieldSet { members, children }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str) -> PathElement {
        PathElement::Field(name.into())
    }

    fn set(paths: &[&[&str]]) -> FieldSet {
        let owned: Vec<Path> = paths
            .iter()
            .map(|p| p.iter().map(|n| f(n)).collect())
            .collect();
        FieldSet::from_paths(owned.iter().map(Vec::as_slice))
    }

    /// set_test.go TestSetUnion / TestSetIntersectionDifference, on a small example.
    #[test]
    fn union_intersection_difference() {
        let a = set(&[&["a"], &["b", "c"], &["b", "d"]]);
        let b = set(&[&["b", "c"], &["e"]]);
        assert_eq!(
            a.union(&b),
            set(&[&["a"], &["b", "c"], &["b", "d"], &["e"]])
        );
        assert_eq!(a.intersection(&b), set(&[&["b", "c"]]));
        assert_eq!(a.difference(&b), set(&[&["a"], &["b", "d"]]));
        // Intersection is (a ∪ b) − (a − b) − (b − a).
        assert_eq!(
            a.union(&b)
                .difference(&a.difference(&b))
                .difference(&b.difference(&a)),
            a.intersection(&b)
        );
    }

    /// set_test.go TestSetDifference: parent − child = parent; child − parent = child.
    #[test]
    fn difference_is_leaf_wise_and_recursive_difference_is_not() {
        let parent = set(&[&["a"]]);
        let child = set(&[&["a", "b"]]);
        assert_eq!(parent.difference(&child), parent);
        assert_eq!(child.difference(&parent), child);
        assert!(child.recursive_difference(&parent).is_empty());
    }

    /// set_test.go TestLeaves.
    #[test]
    fn leaves_drop_members_that_have_children() {
        let s = set(&[&["a"], &["a", "b"], &["c"]]);
        assert_eq!(s.leaves(), set(&[&["a", "b"], &["c"]]));
        assert_eq!(s.len(), 3);
        assert!(s.has(&[f("a"), f("b")]) && !s.has(&[f("b")]));
        assert!(!s.has(&[]));
    }
}
