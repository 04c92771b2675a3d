//! `status.completedIndexes` of an Indexed Job: a set of indexes written as ranges
//! (`1,3-5,7`), as `job.Status.CompletedIndexes` is.

use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexSet(BTreeSet<i64>);

impl IndexSet {
    /// Reads the ranges; malformed parts are skipped rather than trusted.
    pub fn parse(text: &str) -> Self {
        let mut set = BTreeSet::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (low, high) = part.split_once('-').unwrap_or((part, part));
            let (Ok(low), Ok(high)) = (low.trim().parse::<i64>(), high.trim().parse::<i64>())
            else {
                continue;
            };
            // A range wider than any real Job (completions are at most 10^5 when Indexed).
            if low < 0 || high < low || high - low > 1_000_000 {
                continue;
            }
            set.extend(low..=high);
        }
        Self(set)
    }

    pub fn insert(&mut self, index: i64) {
        self.0.insert(index);
    }

    pub fn contains(&self, index: i64) -> bool {
        self.0.contains(&index)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for IndexSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for &i in &self.0 {
            match ranges.last_mut() {
                Some((_, high)) if *high + 1 == i => *high = i,
                _ => ranges.push((i, i)),
            }
        }
        let parts: Vec<String> = ranges
            .into_iter()
            .map(|(low, high)| {
                if low == high {
                    low.to_string()
                } else {
                    format!("{low}-{high}")
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip() {
        let set = IndexSet::parse("0,2-4,7");
        assert_eq!(set.len(), 5);
        assert!(set.contains(3) && !set.contains(5));
        assert_eq!(set.to_string(), "0,2-4,7");
        let mut more = set.clone();
        more.insert(1);
        more.insert(5);
        assert_eq!(more.to_string(), "0-5,7");
    }

    #[test]
    fn malformed_parts_are_skipped() {
        assert_eq!(IndexSet::parse("x,3,5-2,-1,1-a").to_string(), "3");
        assert!(IndexSet::parse("").is_empty());
    }
}
