//! Sprig's crypto helpers with real cryptography: RSA/ECDSA/Ed25519 keys,
//! CA, self-signed and signed certificates (rcgen), bcrypt and htpasswd,
//! derivePassword (scrypt + HMAC-SHA256, the Master Password algorithm) and
//! AES-256-CBC. Randomness comes from the operating system.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::rc::Rc;

use base64::Engine;
use hmac::Mac;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::rand_core::{OsRng, RngCore};

use super::{FuncMap, P, add, arg, arg_int, arg_str};
use crate::value::{Object, Value};

type R = Result<Value, String>;

/// Sprig's `certificate` struct: PEM certificate and key.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    cert: String,
    key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::from(self.cert.clone())),
            "Key" => Some(Value::from(self.key.clone())),
            _ => None,
        }
    }
    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("Cert".to_string(), Value::from(self.cert.clone()));
        m.insert("Key".to_string(), Value::from(self.key.clone()));
        Value::map(m)
    }
}

/// A private key as Sprig handles them.
enum Priv {
    Rsa(Box<rsa::RsaPrivateKey>),
    /// PKCS#8 DER of a P-256 key.
    Ecdsa(Vec<u8>),
    /// PKCS#8 DER (v1) of an Ed25519 key.
    Ed25519(Vec<u8>),
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    let end = rest.find(&end_marker)?;
    let body: String = rest
        .get(body_start..end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    Some((label, der))
}

// Minimal DER helpers for converting between PKCS#8 and SEC1 EC keys.
fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else if n < 0x100 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(body.len()));
    out.extend_from_slice(body);
    out
}

/// Splits DER into (tag, body, rest).
fn der_next(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *d.first()?;
    let first = *d.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *d.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let body = d.get(hdr..hdr + len)?;
    Some((tag, body, d.get(hdr + len..)?))
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// PKCS#8 P-256 key to SEC1 ECPrivateKey with the curve parameters, as Go's
/// x509.MarshalECPrivateKey writes it.
fn pkcs8_to_sec1(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (_, seq, _) = der_next(pkcs8)?;
    let (_, _version, rest) = der_next(seq)?;
    let (_, _alg, rest) = der_next(rest)?;
    let (_, inner, _) = der_next(rest)?;
    let (_, ec, _) = der_next(inner)?;
    let (_, ver, rest) = der_next(ec)?;
    let (_, privkey, rest) = der_next(rest)?;
    let mut body = der_tlv(0x02, ver);
    body.extend(der_tlv(0x04, privkey));
    body.extend(der_tlv(0xa0, OID_P256));
    let mut rest = rest;
    while let Some((tag, b, r)) = der_next(rest) {
        if tag == 0xa1 {
            body.extend(der_tlv(0xa1, b));
        }
        rest = r;
    }
    Some(der_tlv(0x30, &body))
}

/// SEC1 ECPrivateKey (P-256) to PKCS#8, without the curve inside (as ring wants).
fn sec1_to_pkcs8(sec1: &[u8]) -> Option<Vec<u8>> {
    let (_, ec, _) = der_next(sec1)?;
    let (_, ver, rest) = der_next(ec)?;
    let (_, privkey, rest) = der_next(rest)?;
    let mut inner = der_tlv(0x02, ver);
    inner.extend(der_tlv(0x04, privkey));
    let mut rest = rest;
    while let Some((tag, b, r)) = der_next(rest) {
        if tag == 0xa1 {
            inner.extend(der_tlv(0xa1, b));
        }
        rest = r;
    }
    let mut alg = OID_EC_PUBLIC_KEY.to_vec();
    alg.extend_from_slice(OID_P256);
    let mut body = der_tlv(0x02, &[0]);
    body.extend(der_tlv(0x30, &alg));
    body.extend(der_tlv(0x04, &der_tlv(0x30, &inner)));
    Some(der_tlv(0x30, &body))
}

fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut body = der_tlv(0x02, &[0]);
    body.extend(der_tlv(0x30, OID_ED25519));
    body.extend(der_tlv(0x04, &der_tlv(0x04, seed)));
    der_tlv(0x30, &body)
}

fn gen_rsa(bits: usize) -> Result<Priv, String> {
    rsa::RsaPrivateKey::new(&mut OsRng, bits)
        .map(|k| Priv::Rsa(Box::new(k)))
        .map_err(|e| format!("error generating rsa key: {e}"))
}

impl Priv {
    fn pem(&self) -> Result<String, String> {
        match self {
            Priv::Rsa(k) => {
                let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
                Ok(pem("RSA PRIVATE KEY", der.as_bytes()))
            }
            Priv::Ecdsa(p8) => Ok(pem(
                "EC PRIVATE KEY",
                &pkcs8_to_sec1(p8).ok_or("invalid EC key")?,
            )),
            Priv::Ed25519(p8) => Ok(pem("PRIVATE KEY", p8)),
        }
    }

    fn key_pair(&self) -> Result<KeyPair, String> {
        let (der, alg) = match self {
            Priv::Rsa(k) => (
                k.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
                &rcgen::PKCS_RSA_SHA256,
            ),
            Priv::Ecdsa(p8) => (p8.clone(), &rcgen::PKCS_ECDSA_P256_SHA256),
            Priv::Ed25519(p8) => (p8.clone(), &rcgen::PKCS_ED25519),
        };
        KeyPair::from_pkcs8_der_and_sign_algo(&der.into(), alg).map_err(|e| e.to_string())
    }

    /// Sprig's parsePrivateKeyPEM.
    fn parse(text: &str) -> Result<Priv, String> {
        let Some((label, der)) = pem_decode(text) else {
            return Err("no PEM data in input".into());
        };
        if label == "PRIVATE KEY" {
            let (_, seq, _) = der_next(&der).ok_or("decoding PEM as PKCS#8: malformed")?;
            let (_, _, rest) = der_next(seq).ok_or("decoding PEM as PKCS#8: malformed")?;
            let (_, alg, _) = der_next(rest).ok_or("decoding PEM as PKCS#8: malformed")?;
            if alg.starts_with(OID_RSA) {
                let k = rsa::RsaPrivateKey::from_pkcs8_der(&der)
                    .map_err(|e| format!("decoding PEM as PKCS#8: {e}"))?;
                return Ok(Priv::Rsa(Box::new(k)));
            }
            if alg.starts_with(OID_ED25519) {
                return Ok(Priv::Ed25519(der));
            }
            if alg.starts_with(OID_EC_PUBLIC_KEY) {
                return Ok(Priv::Ecdsa(der));
            }
            return Err("decoding PEM as PKCS#8: x509: PKCS#8 wrapping contained private key with unknown algorithm".into());
        }
        let Some(kind) = label.strip_suffix(" PRIVATE KEY") else {
            return Err(format!("no private key data in PEM block of type {label}"));
        };
        match kind {
            "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| Priv::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
            "EC" => sec1_to_pkcs8(&der)
                .map(Priv::Ecdsa)
                .ok_or_else(|| "parsing EC private key from PEM: malformed".to_string()),
            _ => Err(format!("invalid private key type {label}")),
        }
    }
}

fn list_strings(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::List(items, _) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.to_string()),
                other => Err(format!(
                    "{what}: {} is not a string",
                    crate::fmt::sprint_value(other)
                )),
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

fn base_params(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    ca: bool,
) -> Result<CertificateParams, String> {
    let ips = list_strings(ips, "error parsing ip")?;
    let dns = list_strings(dns, "error processing alternate dns name")?;
    let mut params = CertificateParams::default();
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    serial[0] &= 0x7f;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    for ip in ips {
        let addr: IpAddr = ip.parse().map_err(|_| format!("error parsing ip: {ip}"))?;
        params.subject_alt_names.push(SanType::IpAddress(addr));
    }
    for d in dns {
        let name = d
            .clone()
            .try_into()
            .map_err(|_| format!("error processing alternate dns name: {d}"))?;
        params.subject_alt_names.push(SanType::DnsName(name));
    }
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now;
    params.not_after = now.saturating_add(time::Duration::hours(24 * days));
    params.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    if ca {
        params.key_usages.push(KeyUsagePurpose::KeyCertSign);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    } else {
        params.is_ca = IsCa::ExplicitNoCa;
    }
    Ok(params)
}

fn cert_value(cert: String, key: String) -> Value {
    Value::Object(Rc::new(Certificate { cert, key }))
}

fn self_signed(cn: &str, ips: &Value, dns: &Value, days: i64, ca: bool, key: Priv) -> R {
    let params = base_params(cn, ips, dns, days, ca)?;
    let kp = key.key_pair()?;
    let cert = params
        .self_signed(&kp)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    Ok(cert_value(cert.pem(), key.pem()?))
}

fn ca_of(v: &Value) -> Result<(String, String), String> {
    match v {
        Value::Object(o) if o.type_name() == "sprig.certificate" => {
            let get = |f: &str| {
                o.field(f)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            Ok((get("Cert"), get("Key")))
        }
        v => Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            v.type_name()
        )),
    }
}

fn signed(a: &[Value], key: Priv) -> R {
    let (ca_cert, ca_key) = ca_of(&arg(a, 4))?;
    if pem_decode(&ca_cert).is_none() {
        return Err("unable to decode certificate".into());
    }
    let signer = Priv::parse(&ca_key).map_err(|e| format!("error parsing private key: {e}"))?;
    let issuer = Issuer::from_ca_cert_pem(&ca_cert, signer.key_pair()?)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let mut params = base_params(&arg_str(a, 0), &arg(a, 1), &arg(a, 2), arg_int(a, 3), false)?;
    params.use_authority_key_identifier_extension = true;
    let kp = key.key_pair()?;
    let cert = params
        .signed_by(&kp, &issuer)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    Ok(cert_value(cert.pem(), key.pem()?))
}

fn with_key(pem_text: &str) -> Result<Priv, String> {
    Priv::parse(pem_text).map_err(|e| format!("parsing private key: {e}"))
}

const SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static str {
    match c {
        b'V' => "AEIOU",
        b'C' => "BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => "aeiou",
        b'c' => "bcdfghjklmnpqrstvwxyz",
        b'A' => "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => "0123456789",
        b'o' => "@&%?,=[]_:-+*$#!'^~;()/.",
        _ => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// The Master Password algorithm, as Sprig's derivePassword.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(tpls) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = SEED.as_bytes().to_vec();
    salt.extend((user.len() as u32).to_be_bytes());
    salt.extend(user.as_bytes());
    let mut key = [0u8; 64];
    let Ok(params) = scrypt::Params::new(15, 8, 2, 64) else {
        return "failed to derive password".into();
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = SEED.as_bytes().to_vec();
    msg.extend((site.len() as u32).to_be_bytes());
    msg.extend(site.as_bytes());
    msg.extend(counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let tpl = tpls[seed[0] as usize % tpls.len()].as_bytes();
    let mut out = String::new();
    for (i, &c) in tpl.iter().enumerate() {
        let chars = template_chars(c).as_bytes();
        out.push(chars[seed[i + 1] as usize % chars.len()] as char);
    }
    out
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let b = password.as_bytes();
    let n = b.len().min(32);
    key[..n].copy_from_slice(&b[..n]);
    key
}

fn encrypt_aes(password: &str, plaintext: &str) -> String {
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    if plaintext.is_empty() {
        return String::new();
    }
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut iv);
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    let mut blocks: Vec<aes::Block> = content
        .chunks(16)
        .map(|c| *aes::Block::from_slice(c))
        .collect();
    enc.encrypt_blocks_mut(&mut blocks);
    let mut out = iv.to_vec();
    for b in blocks {
        out.extend_from_slice(&b);
    }
    base64::engine::general_purpose::STANDARD.encode(out)
}

fn decrypt_aes(password: &str, crypt64: &str) -> R {
    use aes::cipher::{BlockDecryptMut, KeyIvInit};
    if crypt64.is_empty() {
        return Ok(Value::str(""));
    }
    let crypt = base64::engine::general_purpose::STANDARD
        .decode(crypt64)
        .map_err(|_| "illegal base64 data at input byte 0".to_string())?;
    if crypt.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt.len()
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut iv_arr = [0u8; 16];
    iv_arr.copy_from_slice(iv);
    let mut dec = cbc::Decryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv_arr.into());
    let mut blocks: Vec<aes::Block> = body
        .chunks(16)
        .map(|c| *aes::Block::from_slice(c))
        .collect();
    dec.decrypt_blocks_mut(&mut blocks);
    let plain: Vec<u8> = blocks.iter().flat_map(|b| b.iter().copied()).collect();
    let Some(&last) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = plain.len() as i64 - last as i64;
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    Ok(Value::from_bytes(plain[..end as usize].to_vec()))
}

fn bcrypt_hash(input: &str) -> String {
    match bcrypt::hash_with_result(input, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "genPrivateKey", &[P::Str], None, |_, a| {
        let kind = arg_str(&a, 0);
        let key = match kind.as_str() {
            "" | "rsa" => gen_rsa(4096).map_err(|e| {
                e.replace("error generating rsa key", "failed to generate private key")
            }),
            "ecdsa" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .map(|k| Priv::Ecdsa(k.serialize_der()))
                .map_err(|e| format!("failed to generate private key: {e}")),
            "ed25519" => {
                let mut seed = [0u8; 32];
                OsRng.fill_bytes(&mut seed);
                Ok(Priv::Ed25519(ed25519_pkcs8(&seed)))
            }
            "dsa" => {
                let k = super::sprig_dsa::generate();
                return Ok(Value::from(pem(
                    "DSA PRIVATE KEY",
                    &super::sprig_dsa::der(&k),
                )));
            }
            other => Err(format!("Unknown type {other}")),
        };
        Ok(Value::from(match key.and_then(|k| k.pem()) {
            Ok(p) => p,
            Err(e) => e,
        }))
    });
    add(m, "genCA", &[P::Str, P::Int], None, |_, a| {
        self_signed(
            &arg_str(&a, 0),
            &Value::Nil,
            &Value::Nil,
            arg_int(&a, 1),
            true,
            gen_rsa(2048)?,
        )
    });
    add(
        m,
        "genCAWithKey",
        &[P::Str, P::Int, P::Str],
        None,
        |_, a| {
            self_signed(
                &arg_str(&a, 0),
                &Value::Nil,
                &Value::Nil,
                arg_int(&a, 1),
                true,
                with_key(&arg_str(&a, 2))?,
            )
        },
    );
    add(
        m,
        "genSelfSignedCert",
        &[P::Str, P::List, P::List, P::Int],
        None,
        |_, a| {
            self_signed(
                &arg_str(&a, 0),
                &arg(&a, 1),
                &arg(&a, 2),
                arg_int(&a, 3),
                false,
                gen_rsa(2048)?,
            )
        },
    );
    add(
        m,
        "genSelfSignedCertWithKey",
        &[P::Str, P::List, P::List, P::Int, P::Str],
        None,
        |_, a| {
            self_signed(
                &arg_str(&a, 0),
                &arg(&a, 1),
                &arg(&a, 2),
                arg_int(&a, 3),
                false,
                with_key(&arg_str(&a, 4))?,
            )
        },
    );
    add(
        m,
        "genSignedCert",
        &[P::Str, P::List, P::List, P::Int, P::Cert],
        None,
        |_, a| signed(&a, gen_rsa(2048)?),
    );
    add(
        m,
        "genSignedCertWithKey",
        &[P::Str, P::List, P::List, P::Int, P::Cert, P::Str],
        None,
        |_, a| signed(&a, with_key(&arg_str(&a, 5))?),
    );
    add(m, "buildCustomCert", &[P::Str, P::Str], None, |_, a| {
        let std = base64::engine::general_purpose::STANDARD;
        let cert = std
            .decode(arg_str(&a, 0))
            .map_err(|_| "unable to decode base64 certificate".to_string())?;
        let key = std
            .decode(arg_str(&a, 1))
            .map_err(|_| "unable to decode base64 private key".to_string())?;
        let cert = String::from_utf8_lossy(&cert).into_owned();
        let key = String::from_utf8_lossy(&key).into_owned();
        match pem_decode(&cert) {
            Some((label, _)) if label == "CERTIFICATE" || !label.is_empty() => {}
            _ => return Err("unable to decode certificate".into()),
        }
        Priv::parse(&key).map_err(|e| format!("error parsing private key: {e}"))?;
        Ok(cert_value(cert, key))
    });
    add(m, "bcrypt", &[P::Str], None, |_, a| {
        Ok(Value::from(bcrypt_hash(&arg_str(&a, 0))))
    });
    add(m, "htpasswd", &[P::Str, P::Str], None, |_, a| {
        let user = arg_str(&a, 0);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        Ok(Value::from(format!(
            "{user}:{}",
            bcrypt_hash(&arg_str(&a, 1))
        )))
    });
    add(
        m,
        "derivePassword",
        &[P::Int, P::Str, P::Str, P::Str, P::Str],
        None,
        |_, a| {
            Ok(Value::from(derive_password(
                arg_int(&a, 0) as u32,
                &arg_str(&a, 1),
                &arg_str(&a, 2),
                &arg_str(&a, 3),
                &arg_str(&a, 4),
            )))
        },
    );
    add(m, "encryptAES", &[P::Str, P::Str], None, |_, a| {
        Ok(Value::from(encrypt_aes(&arg_str(&a, 0), &arg_str(&a, 1))))
    });
    add(m, "decryptAES", &[P::Str, P::Str], None, |_, a| {
        decrypt_aes(&arg_str(&a, 0), &arg_str(&a, 1))
    });
}
