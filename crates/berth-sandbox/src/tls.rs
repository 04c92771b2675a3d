//! A certificate authority and a serving certificate for `--tls`, generated at start.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("configuring TLS: {0}")]
    Config(#[from] rustls::Error),
    #[error("reading the generated key: {0}")]
    Key(String),
    #[error("reading or writing the CA key {path}: {source}")]
    KeyFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The CA (for the kubeconfig) and the server's TLS configuration.
pub struct ServingCerts {
    pub ca_pem: String,
    pub config: Arc<rustls::ServerConfig>,
}

/// Generates the serving certificate, signed by the CA whose key is kept in `dir` (created on
/// first use). The CA keeps its name and key across restarts, so a kubeconfig written by an
/// earlier run still verifies the server.
pub fn generate(ip: IpAddr, dir: &Path) -> Result<ServingCerts, TlsError> {
    let ca_key = load_or_create_ca_key(&dir.join("ca.key"))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "berth-sandbox-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_string(),
        "kubernetes".to_string(),
        "kubernetes.default.svc".to_string(),
    ])?;
    params.subject_alt_names.push(SanType::IpAddress(ip));
    params
        .distinguished_name
        .push(DnType::CommonName, "berth-sandbox");
    let server_cert = params.signed_by(&server_key, &ca_issuer)?;

    let key_der = rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der())
        .map_err(|e| TlsError::Key(e.to_string()))?;
    let chain = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(ServingCerts {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

fn load_or_create_ca_key(path: &Path) -> Result<KeyPair, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(pem) => return KeyPair::from_pem(&pem).map_err(TlsError::from),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(TlsError::KeyFile {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    let key = KeyPair::generate()?;
    crate::kubeconfig::write_private(path, &key.serialize_pem()).map_err(|source| {
        TlsError::KeyFile {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(key)
}
