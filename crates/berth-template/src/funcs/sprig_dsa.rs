//! Sprig's `genPrivateKey "dsa"`: Go's crypto/dsa GenerateParameters with
//! L2048N256 (what Sprig 3.2 and 3.3 ask for), GenerateKey, and the PEM block
//! Sprig writes: `DSA PRIVATE KEY` holding the DER of
//! `SEQUENCE { version INTEGER (0), p, q, g, y, x INTEGER }`.

use num_bigint_dig::BigUint;
use num_bigint_dig::prime::probably_prime;
use rsa::rand_core::{OsRng, RngCore};

const L: usize = 2048;
const N: usize = 256;
/// crypto/dsa's numMRTests.
const MR_TESTS: usize = 64;

/// A DSA key: domain parameters, public and private values.
pub(crate) struct DsaKey {
    pub p: BigUint,
    pub q: BigUint,
    pub g: BigUint,
    pub y: BigUint,
    pub x: BigUint,
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    b
}

/// crypto/dsa.GenerateParameters and GenerateKey, step for step.
pub(crate) fn generate() -> DsaKey {
    let one = BigUint::from(1u32);
    let (p, q) = 'primes: loop {
        let mut qb = random_bytes(N / 8);
        qb[N / 8 - 1] |= 1;
        qb[0] |= 0x80;
        let q = BigUint::from_bytes_be(&qb);
        if !probably_prime(&q, MR_TESTS) {
            continue;
        }
        for _ in 0..4 * L {
            let mut pb = random_bytes(L / 8);
            pb[L / 8 - 1] |= 1;
            pb[0] |= 0x80;
            let mut p = BigUint::from_bytes_be(&pb);
            // p = p - (p mod q - 1): p ≡ 1 (mod q).
            let rem = &p % &q;
            p = p + &one - rem;
            if p.bits() < L {
                continue;
            }
            if !probably_prime(&p, MR_TESTS) {
                continue;
            }
            break 'primes (p, q);
        }
    };
    let e = (&p - &one) / &q;
    let mut h = BigUint::from(2u32);
    let g = loop {
        let g = h.modpow(&e, &p);
        if g != one {
            break g;
        }
        h += &one;
    };
    let x = loop {
        let x = BigUint::from_bytes_be(&random_bytes(q.bits() / 8));
        if x != BigUint::from(0u32) && x < q {
            break x;
        }
    };
    let y = g.modpow(&x, &p);
    DsaKey { p, q, g, y, x }
}

fn der_len(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
        return;
    }
    let bytes: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|&b| b == 0)
        .collect();
    out.push(0x80 | bytes.len() as u8);
    out.extend(bytes);
}

fn der_int(out: &mut Vec<u8>, v: &BigUint) {
    let mut b = v.to_bytes_be();
    if b.is_empty() {
        b.push(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    out.push(0x02);
    der_len(out, b.len());
    out.extend(b);
}

/// The DER of Sprig's DSAKeyFormat (encoding/asn1's Marshal of the struct).
pub(crate) fn der(k: &DsaKey) -> Vec<u8> {
    let mut body = Vec::new();
    der_int(&mut body, &BigUint::from(0u32));
    for v in [&k.p, &k.q, &k.g, &k.y, &k.x] {
        der_int(&mut body, v);
    }
    let mut out = vec![0x30];
    der_len(&mut out, body.len());
    out.extend(body);
    out
}
