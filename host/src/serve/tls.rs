//! HTTPS for `serve`: rustls with the ring provider (the one the webhook client already
//! uses), TLS 1.2 and 1.3 with rustls's default suites, HTTP/1.1 by ALPN.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::{ServeError, TlsFiles};

/// The server configuration from the PEM files, or what is wrong with them.
pub(super) fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, ServeError> {
    let bad = |what: &str, path: &std::path::Path, e: &dyn std::fmt::Display| {
        ServeError::Tls(format!("{what} {}: {e}", path.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| bad("cannot read the certificate", &files.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad("cannot read the certificate", &files.cert, &e))?;
    if certs.is_empty() {
        return Err(bad("no certificate in", &files.cert, &"expected -----BEGIN CERTIFICATE-----"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| bad("cannot read the private key", &files.key, &e))?;
    // ring, not aws-lc-rs: no cmake and C toolchain build, and the same provider ureq uses for
    // webhooks. rustls 0.23.48 deprecates it for lacking post-quantum key exchange; TLS 1.3
    // with X25519 is what a clinic's network gets from it.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(format!("the certificate and key do not fit together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
