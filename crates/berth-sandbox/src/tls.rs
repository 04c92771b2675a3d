//! A certificate authority and a serving certificate for `--tls`, generated at start.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("configuring TLS: {0}")]
    Config(#[from] rustls::Error),
    #[error("reading the generated key: {0}")]
    Key(String),
}

/// The CA (for the kubeconfig) and the server's TLS configuration.
pub struct ServingCerts {
    pub ca_pem: String,
    pub config: Arc<rustls::ServerConfig>,
}

pub fn generate(ip: IpAddr) -> Result<ServingCerts, TlsError> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name.push(DnType::CommonName, "berth-sandbox-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "kubernetes".to_string(), "kubernetes.default.svc".to_string()])?;
    params.subject_alt_names.push(SanType::IpAddress(ip));
    params.distinguished_name.push(DnType::CommonName, "berth-sandbox");
    let server_cert = params.signed_by(&server_key, &ca_issuer)?;

    let key_der = rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der()).map_err(|e| TlsError::Key(e.to_string()))?;
    let chain = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(ServingCerts { ca_pem: ca_cert.pem(), config: Arc::new(config) })
}
