//! Kubernetes protobuf request bodies: any bytes, and any typed payload under a valid envelope
//! for a built-in kind, must decode to JSON or to an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const KINDS: [(&str, &str); 8] = [
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ControllerRevision"),
    ("batch/v1", "Job"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
];

fn len_field(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag << 3 | 2);
    let mut len = bytes.len();
    while len >= 0x80 {
        out.push((len as u8) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(bytes);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = berth_kube::decode_kubernetes_protobuf(data) {
        let _ = serde_json::to_vec(&value);
    }
    // The first byte picks a kind; the rest is that kind's typed message.
    let Some((&pick, raw)) = data.split_first() else {
        return;
    };
    let (api_version, kind) = KINDS[usize::from(pick) % KINDS.len()];
    let mut meta = Vec::new();
    len_field(1, api_version.as_bytes(), &mut meta);
    len_field(2, kind.as_bytes(), &mut meta);
    let mut body = b"k8s\0".to_vec();
    len_field(1, &meta, &mut body);
    len_field(2, raw, &mut body);
    if let Ok(value) = berth_kube::decode_kubernetes_protobuf(&body) {
        let _ = serde_json::to_vec(&value);
    }
});
