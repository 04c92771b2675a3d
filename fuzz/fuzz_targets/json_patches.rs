//! JSON patch (RFC 6902) and JSON merge patch (RFC 7386) on arbitrary documents: the input
//! is two JSON texts separated by a newline, the document and the patch. Neither engine may
//! panic; a failed JSON patch must leave the document as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|b| *b == b'\n') else { return };
    let (Ok(doc), Ok(patch)) = (
        serde_json::from_slice::<Value>(&data[..split]),
        serde_json::from_slice::<Value>(&data[split + 1..]),
    ) else {
        return;
    };
    let mut merged = doc.clone();
    berth_kube::apply_merge_patch(&mut merged, &patch);
    let mut patched = doc.clone();
    if berth_kube::apply_json_patch(&mut patched, &patch).is_err() {
        assert_eq!(patched, doc, "a failed JSON patch changed the document");
    }
});
