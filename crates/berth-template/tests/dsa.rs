//! genPrivateKey "dsa" is random, so its structure is checked: the PEM block
//! Sprig writes (`DSA PRIVATE KEY`, DER `SEQUENCE { 0, p, q, g, y, x }`),
//! Sprig's L2048N256 sizes (crypto/dsa GenerateParameters) and the DSA
//! relations between the numbers.

use base64::Engine;
use berth_template::{TemplateSet, Value};
use num_bigint_dig::BigUint;
use num_bigint_dig::prime::probably_prime;

/// One DER element: (tag, contents, rest).
fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = b[0];
    let (len, hdr) = if b[1] < 0x80 {
        (b[1] as usize, 2)
    } else {
        let n = (b[1] & 0x7f) as usize;
        let len = b[2..2 + n].iter().fold(0usize, |a, &x| a << 8 | x as usize);
        (len, 2 + n)
    };
    (tag, &b[hdr..hdr + len], &b[hdr + len..])
}

#[test]
fn dsa_private_key_has_sprigs_structure_and_dsa_relations() {
    let mut set = TemplateSet::new();
    set.parse("main", r#"{{ genPrivateKey "dsa" }}"#)
        .expect("parses");
    let pem = set.execute("main", &Value::Nil).expect("renders");
    assert!(
        pem.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"),
        "{pem}"
    );
    assert!(pem.ends_with("-----END DSA PRIVATE KEY-----\n"), "{pem}");
    let lines: Vec<&str> = pem.lines().collect();
    let body = &lines[1..lines.len() - 1];
    assert!(body.iter().all(|l| l.len() <= 64));
    assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.concat())
        .expect("base64 body");

    let (tag, seq, rest) = tlv(&der);
    assert_eq!(tag, 0x30);
    assert!(rest.is_empty());
    let mut ints = Vec::new();
    let mut cur = seq;
    while !cur.is_empty() {
        let (tag, content, rest) = tlv(cur);
        assert_eq!(tag, 0x02, "INTEGER");
        // DER: minimal, non-negative.
        assert!(content[0] & 0x80 == 0);
        assert!(content.len() == 1 || content[0] != 0 || content[1] & 0x80 != 0);
        ints.push(BigUint::from_bytes_be(content));
        cur = rest;
    }
    assert_eq!(ints.len(), 6, "version, p, q, g, y, x");
    let (version, p, q, g, y, x) = (&ints[0], &ints[1], &ints[2], &ints[3], &ints[4], &ints[5]);
    let one = BigUint::from(1u32);
    assert_eq!(*version, BigUint::from(0u32));
    assert_eq!(p.bits(), 2048);
    assert_eq!(q.bits(), 256);
    assert!(probably_prime(p, 20));
    assert!(probably_prime(q, 20));
    assert_eq!((p - &one) % q, BigUint::from(0u32), "q divides p-1");
    assert!(*g > one && g < p);
    assert_eq!(g.modpow(q, p), one, "g^q mod p == 1");
    assert!(*x > BigUint::from(0u32) && x < q);
    assert_eq!(g.modpow(x, p), *y, "y == g^x mod p");
}
