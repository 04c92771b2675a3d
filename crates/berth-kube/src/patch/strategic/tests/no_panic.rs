//! Thousands of pseudo-random documents and patches through every entry point: errors are
//! fine, panics and runaway recursion are not.

use crate::gvk::GroupVersionKind;
use crate::patch::strategic::{
    apply_strategic_merge_patch, create_three_way_merge_patch, create_two_way_merge_patch,
};
use serde_json::{Map, Value, json};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

const KEYS: &[&str] = &[
    "metadata",
    "spec",
    "template",
    "containers",
    "name",
    "image",
    "env",
    "value",
    "ports",
    "containerPort",
    "volumes",
    "finalizers",
    "ownerReferences",
    "uid",
    "strategy",
    "type",
    "labels",
    "$patch",
    "$retainKeys",
    "$setElementOrder/containers",
    "$setElementOrder/env",
    "$setElementOrder/finalizers",
    "$deleteFromPrimitiveList/finalizers",
    "$deleteFromPrimitiveList/args",
    "$setElementOrder",
    "args",
    "status",
    "conditions",
    "selector",
    "x",
];
const STRINGS: &[&str] = &[
    "delete",
    "replace",
    "merge",
    "a",
    "b",
    "name",
    "type",
    "",
    "containers",
];

fn value(rng: &mut Rng, depth: usize) -> Value {
    let choice = if depth >= 5 {
        rng.below(4)
    } else {
        rng.below(8)
    };
    match choice {
        0 => Value::Null,
        1 => json!(rng.below(4)),
        2 => json!(rng.pick(STRINGS)),
        3 => json!(rng.below(2) == 0),
        4 | 5 => Value::Object(object(rng, depth + 1)),
        _ => {
            let n = rng.below(4);
            Value::Array((0..n).map(|_| element(rng, depth + 1)).collect())
        }
    }
}

/// List elements are mostly maps with a name, as merge lists hold.
fn element(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(6) {
        0 => value(rng, depth),
        1 => json!(rng.pick(STRINGS)),
        _ => {
            let mut m = object(rng, depth);
            for key in ["name", "uid", "containerPort", "type"] {
                if rng.below(3) > 0 {
                    m.insert(key.into(), json!(rng.pick(STRINGS)));
                }
            }
            Value::Object(m)
        }
    }
}

fn object(rng: &mut Rng, depth: usize) -> Map<String, Value> {
    let n = rng.below(5);
    (0..n)
        .map(|_| (rng.pick(KEYS).to_string(), value(rng, depth)))
        .collect()
}

#[test]
fn random_patches_never_panic() {
    let kinds = [
        GroupVersionKind::new("apps", "v1", "Deployment"),
        GroupVersionKind::new("", "v1", "Pod"),
        GroupVersionKind::new("", "v1", "ConfigMap"),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut applied = 0;
    for i in 0..4000 {
        let gvk = &kinds[i % kinds.len()];
        let a = Value::Object(object(&mut rng, 0));
        let b = Value::Object(object(&mut rng, 0));
        let c = Value::Object(object(&mut rng, 0));
        let mut target = a.clone();
        if apply_strategic_merge_patch(gvk, &mut target, &b).is_ok() {
            applied += 1;
        }
        if let Ok(patch) = create_two_way_merge_patch(gvk, &a, &b) {
            let mut t = a.clone();
            let _ = apply_strategic_merge_patch(gvk, &mut t, &patch);
        }
        let _ = create_three_way_merge_patch(gvk, &a, &b, &c, i % 2 == 0);
    }
    // The generator must reach the merge logic, not only its error paths.
    assert!(applied > 1000, "only {applied} patches applied");
}

#[test]
fn deep_documents_are_refused_not_overflowed() {
    let gvk = GroupVersionKind::new("", "v1", "ConfigMap");
    let mut deep = json!("leaf");
    for _ in 0..2000 {
        deep = json!({"data": deep});
    }
    let mut target = json!({});
    let err = apply_strategic_merge_patch(&gvk, &mut target, &deep);
    assert!(err.is_err());
    assert!(create_two_way_merge_patch(&gvk, &json!({}), &deep).is_err());
    assert!(create_three_way_merge_patch(&gvk, &deep, &deep, &deep, false).is_err());
}
