//! Strategic merge patch on arbitrary documents: the input is up to three JSON documents
//! separated by NUL bytes (target, patch, live object). Applying and creating patches may
//! fail, never panic.
#![no_main]

use berth_kube::{
    GroupVersionKind, apply_strategic_merge_patch, create_three_way_merge_patch,
    create_two_way_merge_patch,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut docs = data
        .split(|b| *b == 0)
        .map(|d| serde_json::from_slice::<Value>(d).ok());
    let (Some(Some(a)), Some(Some(b))) = (docs.next(), docs.next()) else {
        return;
    };
    let c = docs.next().flatten().unwrap_or_else(|| a.clone());
    for gvk in [
        GroupVersionKind::new("apps", "v1", "Deployment"),
        GroupVersionKind::new("", "v1", "Service"),
    ] {
        let mut target = a.clone();
        let _ = apply_strategic_merge_patch(&gvk, &mut target, &b);
        if let Ok(patch) = create_two_way_merge_patch(&gvk, &a, &b) {
            let mut round_trip = a.clone();
            let _ = apply_strategic_merge_patch(&gvk, &mut round_trip, &patch);
        }
        let _ = create_three_way_merge_patch(&gvk, &a, &b, &c, false);
    }
});
