//! No input makes the engine panic: pseudo-random objects, configurations and managedFields
//! through apply and update, under the built-in table, a CRD schema and no schema.

use serde_json::{Map, Value, json};

use super::kubernetes::scope;
use crate::managed::{
    BuiltinTypes, Deduced, ManagedFields, TypeInfo, WriteScope, apply, from_fields_v1, update,
};
use crate::schema::StructuralSchema;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const KEYS: &[&str] = &[
    "spec",
    "template",
    "containers",
    "name",
    "image",
    "ports",
    "containerPort",
    "protocol",
    "env",
    "value",
    "replicas",
    "selector",
    "metadata",
    "labels",
    "status",
    "conditions",
    "type",
    "list",
    "finalizers",
    "a",
    "b",
];

fn value(rng: &mut Rng, depth: u32) -> Value {
    let pick = if depth == 0 {
        rng.below(5)
    } else {
        rng.below(9)
    };
    match pick {
        0 => Value::Null,
        1 => json!(rng.below(3) == 0),
        2 => json!(rng.below(100)),
        3 => json!(["web", "TCP", "a", "b"][rng.below(4) as usize]),
        4 => json!(rng.below(5) as f64 + 0.5),
        5 | 6 => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(
                    KEYS[rng.below(KEYS.len() as u64) as usize].into(),
                    value(rng, depth - 1),
                );
            }
            Value::Object(m)
        }
        _ => Value::Array((0..rng.below(4)).map(|_| value(rng, depth - 1)).collect()),
    }
}

fn object(rng: &mut Rng, api_version: &str, kind: &str) -> Value {
    let mut obj = match value(rng, 6) {
        Value::Object(m) => Value::Object(m),
        _ => json!({}),
    };
    obj["apiVersion"] = json!(api_version);
    obj["kind"] = json!(kind);
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({"name": "x"});
    }
    obj
}

fn crd_schema() -> StructuralSchema {
    StructuralSchema::new(
        json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-preserve-unknown-fields": true, "properties": {
            "list": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                     "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "finalizers": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "selector": {"type": "object", "x-kubernetes-map-type": "atomic"}}}}}),
    )
}

fn exercise(types: &dyn TypeInfo, api_version: &str, kind: &str, seed: u64) {
    let mut rng = Rng(seed);
    let builtin = BuiltinTypes::for_kind(kind);
    let base: WriteScope<'_> = scope(&builtin, api_version, kind, "2026-11-26T10:00:00Z");
    let s = WriteScope {
        types,
        has_status_subresource: rng.below(2) == 0,
        ..base
    };
    let mut live: Option<Value> = None;
    for step in 0..6 {
        let managed = live
            .as_ref()
            .and_then(|l| ManagedFields::from_object(l).ok())
            .unwrap_or_default();
        let config = object(&mut rng, api_version, kind);
        let manager = ["kubectl", "helm", "berth", ""][rng.below(4) as usize];
        if step % 3 == 2 {
            let (out, _) = update(live.as_ref(), &config, manager, &managed, &s);
            live = Some(out);
            continue;
        }
        match apply(
            live.as_ref(),
            &config,
            manager,
            rng.below(2) == 0,
            &managed,
            &s,
        ) {
            Ok((out, mf)) => {
                // Re-applying the same configuration is a no-op for the object's content.
                if let Ok((again, _)) = apply(Some(&out), &config, manager, false, &mf, &s) {
                    let strip = |v: &Value| {
                        let mut v = v.clone();
                        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                            m.remove("managedFields");
                        }
                        v
                    };
                    assert_eq!(
                        strip(&again),
                        strip(&out),
                        "seed {seed} step {step}: reapply changed the object"
                    );
                }
                live = Some(out);
            }
            Err(e) => {
                let _ = e.to_status();
            }
        }
    }
}

#[test]
fn random_objects_never_panic() {
    let crd = crd_schema();
    let deployment = BuiltinTypes::for_kind("Deployment");
    for seed in 1..std::env::var("SSA_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150u64)
    {
        exercise(&deployment, "apps/v1", "Deployment", seed);
        exercise(&crd, "example.com/v1", "Widget", seed.wrapping_mul(31));
        exercise(&Deduced, "v1", "Thing", seed.wrapping_mul(131));
    }
}

#[test]
fn random_fields_v1_never_panics() {
    let mut rng = Rng(7);
    for _ in 0..500 {
        let v = value(&mut rng, 5);
        let _ = from_fields_v1(&v);
        let _ = ManagedFields::decode(
            &json!([{"manager": "m", "operation": "Apply", "apiVersion": "v1",
            "fieldsType": "FieldsV1", "fieldsV1": v}]),
        );
    }
    let broken = [
        r#"{"k:{\"a\":1":{}}"#,
        r#"{"v:":{}}"#,
        r#"{"i:-1":{}}"#,
        r#"{"f:a":{".":{"x":1}}}"#,
    ];
    for text in broken {
        let _ = from_fields_v1(&serde_json::from_str(text).expect("json"));
    }
}

/// Objects deeper than the walkers' bound are handled as leaves, not recursed without end.
#[test]
fn deep_objects_are_bounded() {
    let mut deep = json!("leaf");
    for _ in 0..120 {
        deep = json!({"a": deep});
    }
    let config =
        json!({"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "x"}, "spec": deep});
    let builtin = BuiltinTypes::for_kind("Thing");
    let s = WriteScope {
        types: &Deduced,
        ..scope(&builtin, "v1", "Thing", "2026-11-26T10:00:00Z")
    };
    let (out, _) =
        apply(None, &config, "m", false, &ManagedFields::default(), &s).expect("applies");
    let (_, mf) = apply(
        Some(&out),
        &config,
        "m",
        false,
        &ManagedFields::from_object(&out).expect("decodes"),
        &s,
    )
    .expect("reapplies");
    assert_eq!(mf.entries.len(), 1);
}
