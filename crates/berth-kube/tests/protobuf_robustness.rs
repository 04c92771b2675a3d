//! Hostile protobuf bodies: every truncation and many pseudo-random mutations of real bodies, and
//! random typed payloads for many kinds, must give a value or an error, never a panic; nesting
//! far deeper than any object must stop at the depth limit, not at the end of the stack.

use berth_kube::{ProtobufError, decode_kubernetes_protobuf};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_field(tag: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint(tag << 3 | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut meta = Vec::new();
    len_field(1, api_version.as_bytes(), &mut meta);
    len_field(2, kind.as_bytes(), &mut meta);
    let mut out = b"k8s\0".to_vec();
    len_field(1, &meta, &mut out);
    len_field(2, raw, &mut out);
    out
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protobuf");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("fixtures")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pb"))
        .map(|e| std::fs::read(e.path()).expect("fixture"))
        .collect();
    out.sort();
    assert!(out.len() >= 6);
    out
}

const KINDS: &[(&str, &str)] = &[
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ControllerRevision"),
    ("batch/v1", "Job"),
    ("events.k8s.io/v1", "Event"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1", "JSONSchemaProps"),
    ("metrics.k8s.io/v1beta1", "NodeMetrics"),
];

#[test]
fn protobuf_truncated_bodies_never_panic() {
    for body in corpus() {
        assert!(decode_kubernetes_protobuf(&body).is_ok());
        for end in 0..body.len() {
            let _ = decode_kubernetes_protobuf(&body[..end]);
        }
    }
}

#[test]
fn protobuf_mutated_bodies_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for body in corpus() {
        for _ in 0..3000 {
            let mut b = body.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(b.len());
                match rng.below(4) {
                    0 => b[at] = rng.next() as u8,
                    1 => b.insert(at, rng.next() as u8),
                    2 => {
                        b.remove(at);
                    }
                    _ => b[at] ^= 1 << rng.below(8),
                }
                if b.is_empty() {
                    break;
                }
            }
            let _ = decode_kubernetes_protobuf(&b);
        }
    }
}

#[test]
fn protobuf_random_payloads_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..20_000 {
        let (api_version, kind) = KINDS[rng.below(KINDS.len())];
        let len = rng.below(200);
        let mut raw: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Bias towards well-formed keys so decoding gets past the first byte.
        if !raw.is_empty() && rng.below(2) == 0 {
            raw[0] = ((rng.below(12) as u8 + 1) << 3) | 2;
        }
        let _ = decode_kubernetes_protobuf(&envelope(api_version, kind, &raw));
    }
    for _ in 0..5_000 {
        let len = rng.below(64);
        let mut b = b"k8s\0".to_vec();
        b.extend((0..len).map(|_| rng.next() as u8));
        let _ = decode_kubernetes_protobuf(&b);
    }
}

/// Runs `f` on a thread with a small stack, as a server's worker threads have.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic");
}

#[test]
fn protobuf_deep_nesting_stops_at_the_limit() {
    on_small_stack(|| {
        // JSONSchemaProps.not (field 28), 5000 levels deep.
        let mut nested = Vec::new();
        for _ in 0..5000 {
            let mut outer = Vec::new();
            len_field(28, &nested, &mut outer);
            nested = outer;
        }
        let body = envelope("apiextensions.k8s.io/v1", "JSONSchemaProps", &nested);
        assert_eq!(
            decode_kubernetes_protobuf(&body),
            Err(ProtobufError::TooDeep)
        );

        // RawExtension (ControllerRevision.data, field 2) holding enveloped revisions, 2000 deep.
        let mut inner = envelope("apps/v1", "ControllerRevision", &[]);
        for _ in 0..2000 {
            let mut ext = Vec::new();
            len_field(1, &inner, &mut ext);
            let mut rev = Vec::new();
            len_field(2, &ext, &mut rev);
            inner = envelope("apps/v1", "ControllerRevision", &rev);
        }
        assert_eq!(
            decode_kubernetes_protobuf(&inner),
            Err(ProtobufError::TooDeep)
        );

        // Just inside the limit still decodes.
        let mut nested = Vec::new();
        for _ in 0..90 {
            let mut outer = Vec::new();
            len_field(28, &nested, &mut outer);
            nested = outer;
        }
        let body = envelope("apiextensions.k8s.io/v1", "JSONSchemaProps", &nested);
        assert!(decode_kubernetes_protobuf(&body).is_ok());
    });
}

#[test]
fn protobuf_huge_lengths_are_truncation_not_allocation() {
    let mut raw = Vec::new();
    varint(1 << 3 | 2, &mut raw);
    varint(u64::MAX >> 1, &mut raw);
    let body = envelope("v1", "ConfigMap", &raw);
    assert_eq!(
        decode_kubernetes_protobuf(&body),
        Err(ProtobufError::Truncated)
    );
}

#[test]
fn protobuf_random_quantities_never_panic() {
    const ALPHABET: &[u8] = b"0123456789.eEimkMGTPKin+-";
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..20_000 {
        let text: Vec<u8> = (0..rng.below(24))
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let mut quantity = Vec::new();
        len_field(1, &text, &mut quantity);
        let mut entry = Vec::new();
        len_field(1, b"cpu", &mut entry);
        len_field(2, &quantity, &mut entry);
        let mut raw = Vec::new();
        len_field(4, &entry, &mut raw);
        let body = envelope("metrics.k8s.io/v1beta1", "NodeMetrics", &raw);
        let decoded = decode_kubernetes_protobuf(&body).expect("any text is a value");
        assert!(decoded["usage"]["cpu"].is_string());
    }
}
