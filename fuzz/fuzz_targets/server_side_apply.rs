//! Server-side apply: any live object, configuration and managedFields, under the built-in
//! table, a CRD schema or no schema, must give an object or an error, never a panic.
#![no_main]

use berth_kube::{
    BuiltinTypes, DeducedTypes, ManagedFields, StructuralSchema, TypeInfo, WriteScope,
    from_fields_v1, server_side_apply, update_managed_fields,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    // Three JSON documents separated by NUL bytes: live, config, managedFields.
    let mut parts = data.splitn(3, |b| *b == 0);
    let parse = |bytes: Option<&[u8]>| bytes.and_then(|b| serde_json::from_slice::<Value>(b).ok());
    let live = parse(parts.next());
    let config = parse(parts.next()).unwrap_or(Value::Null);
    let managed_raw = parse(parts.next());
    if let Some(raw) = &managed_raw {
        let _ = from_fields_v1(raw);
    }
    let pick = data.first().copied().unwrap_or(0);
    let (api_version, kind) = match pick % 3 {
        0 => ("apps/v1", "Deployment"),
        1 => ("example.com/v1", "Widget"),
        _ => ("v1", "Pod"),
    };
    let mut config = config;
    if let Value::Object(m) = &mut config {
        m.insert("apiVersion".into(), json!(api_version));
        m.insert("kind".into(), json!(kind));
    }
    let crd = StructuralSchema::new(
        json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-preserve-unknown-fields": true, "properties": {
            "list": {"type": "array", "x-kubernetes-list-type": "map",
                     "x-kubernetes-list-map-keys": ["name", "port"],
                     "items": {"type": "object", "properties": {"port": {"type": "integer", "default": 80}}}},
            "tags": {"type": "array", "x-kubernetes-list-type": "set"}}}}}),
    );
    let builtin = BuiltinTypes::for_kind(kind);
    let types: &dyn TypeInfo = match pick % 3 {
        0 | 2 => &builtin,
        _ if pick & 0x80 != 0 => &DeducedTypes,
        _ => &crd,
    };
    let scope = WriteScope {
        api_version,
        kind,
        subresource: if pick & 0x40 != 0 { "status" } else { "" },
        has_status_subresource: pick & 0x20 != 0,
        now: "2026-11-26T10:00:00Z",
        types,
    };
    let managed = match &managed_raw {
        Some(list) => ManagedFields::decode(list).unwrap_or_default(),
        None => live
            .as_ref()
            .and_then(|l| ManagedFields::from_object(l).ok())
            .unwrap_or_default(),
    };
    let force = pick & 0x10 != 0;
    for manager in ["kubectl", "helm"] {
        if let Ok((out, entries)) =
            server_side_apply(live.as_ref(), &config, manager, force, &managed, &scope)
        {
            let _ = serde_json::to_vec(&out);
            let _ = server_side_apply(Some(&out), &config, manager, false, &entries, &scope);
        }
    }
    let (out, _) = update_managed_fields(live.as_ref(), &config, "kubectl-edit", &managed, &scope);
    let _ = serde_json::to_vec(&out);
});
