//! What a Go caller still sees of a list after `mergeSlice` changed it.
//!
//! Upstream deletes list elements with `append(s[:i], s[i+1:]...)` and appends merged
//! elements to the same slice, in place while capacity lasts. `$setElementOrder` then orders
//! items by the caller's (unchanged-length) header over that shared array, and the expected
//! results of the upstream tests depend on it. Slices decoded from JSON grow by appending one
//! element at a time, so their capacity is the next power of two.

use serde_json::Value;

/// The capacity `append` gives a slice grown from empty to `len` elements of 16 bytes.
pub(crate) fn go_cap(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    if len <= 256 {
        return len.next_power_of_two();
    }
    let mut cap = 256usize;
    while cap < len {
        cap = cap.saturating_add((cap + 768) / 4);
    }
    cap
}

/// The first `view.len()` slots of a backing array shared with the caller, and the length
/// and capacity of the callee's header over it.
pub(crate) struct Shared {
    pub view: Vec<Value>,
    len: usize,
    cap: usize,
    shared: bool,
}

impl Shared {
    pub fn new(original: &[Value]) -> Self {
        Shared {
            view: original.to_vec(),
            len: original.len(),
            cap: go_cap(original.len()),
            shared: true,
        }
    }

    /// `s = append(s[:i], s[i+1:]...)`: the tail moves left, the old last slot keeps its value.
    pub fn delete(&mut self, i: usize) {
        if !self.shared || i >= self.len {
            return;
        }
        if let Some(tail) = self.view.get_mut(i..self.len) {
            let last = tail.last().cloned();
            tail.rotate_left(1);
            if let (Some(slot), Some(v)) = (tail.last_mut(), last) {
                *slot = v;
            }
        }
        self.len -= 1;
    }

    /// `s = append(s, v)`: in place while capacity lasts, then the callee's slice moves away.
    pub fn append(&mut self, v: &Value) {
        if !self.shared {
            return;
        }
        if self.len >= self.cap {
            self.shared = false;
            return;
        }
        if let Some(slot) = self.view.get_mut(self.len) {
            *slot = v.clone();
        }
        self.len += 1;
    }

    /// The callee's slice is replaced by a new one: later changes are not shared.
    pub fn detach(&mut self) {
        self.shared = false;
    }
}

/// `deduplicateScalars` on a buffer, leaving stale values past the new length as Go does;
/// returns the new length.
pub(crate) fn go_dedupe_in_place(s: &mut [Value]) -> usize {
    if s.is_empty() {
        return 0;
    }
    let mut last = s.len() - 1;
    let mut i = 0;
    while i < last {
        let mut j = i + 1;
        while j <= last {
            let dup =
                matches!((s.get(i), s.get(j)), (Some(a), Some(b)) if super::values::same(a, b));
            if dup {
                if let Some(v) = s.get(last).cloned()
                    && let Some(slot) = s.get_mut(j)
                {
                    *slot = v;
                }
                last -= 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    last + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn capacities_follow_append_growth() {
        assert_eq!([0, 1, 2, 3, 5, 256].map(go_cap), [0, 1, 2, 4, 8, 256]);
        assert_eq!(go_cap(257), 512);
    }

    #[test]
    fn deleting_then_appending_shows_through_the_callers_header() {
        let mut s = Shared::new(&[json!(1), json!(2), json!(4)]);
        s.delete(0);
        s.append(&json!(3));
        assert_eq!(s.view, [json!(2), json!(4), json!(3)]);
        let mut full = Shared::new(&[json!(1), json!(2)]);
        full.append(&json!(3));
        assert_eq!(full.view, [json!(1), json!(2)]);
    }

    #[test]
    fn dedupe_moves_the_last_element_into_each_hole() {
        let mut s = [json!(1), json!(2), json!(1), json!(3)];
        let n = go_dedupe_in_place(&mut s);
        assert_eq!(n, 3);
        assert_eq!(s, [json!(1), json!(2), json!(3), json!(3)]);
    }
}
