//! TLS for TCP listeners: server certificates and client verification.
//!
//! Mirrors moby `cmd/dockerd/daemon.go` (`newAPIServerTLSConfig`) and
//! go-connections `tlsconfig.Server` (v20.10.24): `--tlscert`/`--tlskey`
//! are the server's identity; with `--tlsverify` every client must present
//! a certificate signed by `--tlscacert` (Go's
//! `tls.RequireAndVerifyClientCert`). The client certificate's common name
//! is the user identity the authorization middleware sees.
//!
//! Lesson: `walkthroughs/02-listeners.md`.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, ServerConnection};
use tokio_rustls::TlsAcceptor;

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let data =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    rustls_pemfile::certs(&mut data.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("could not parse {}: {e}", path.display()))
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let data =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|e| format!("could not parse {}: {e}", path.display()))?
        .ok_or_else(|| format!("no private key in {}", path.display()))
}

/// moby `newAPIServerTLSConfig`: a TLS acceptor, or `None` without `--tls`.
pub fn server_acceptor(
    tls: bool,
    verify: bool,
    ca: Option<&Path>,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<Option<TlsAcceptor>, String> {
    if !tls {
        return Ok(None);
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let (Some(cert), Some(key)) = (cert, key) else {
        return Err("--tls needs --tlscert and --tlskey".into());
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if verify {
        let ca = ca.ok_or("--tlsverify needs --tlscacert")?;
        let mut roots = RootCertStore::empty();
        for c in load_certs(ca)? {
            roots
                .add(c)
                .map_err(|e| format!("bad CA certificate: {e}"))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder
        .with_single_cert(load_certs(cert)?, load_key(key)?)
        .map_err(|e| format!("bad server certificate or key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

/// The common name of the client certificate a TLS connection presented.
pub fn peer_common_name(conn: &ServerConnection) -> Option<String> {
    let cert = conn.peer_certificates()?.first()?;
    common_name(cert.as_ref())
}

/// The subject's common name from a DER certificate.
///
/// A full X.509 parser would be one more dependency; we only need the CN.
/// The CN attribute is the OID 2.5.4.3 (bytes `06 03 55 04 03`) followed
/// by a string. The issuer's name comes before the subject's in the
/// certificate, so the *last* CN is the subject's.
pub fn common_name(der: &[u8]) -> Option<String> {
    const OID_CN: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    let mut found = None;
    let mut i = 0;
    while i + OID_CN.len() + 2 <= der.len() {
        if der[i..i + OID_CN.len()] == OID_CN {
            let tag = der[i + 5];
            let len = der[i + 6] as usize;
            let start = i + 7;
            // UTF8String, PrintableString, IA5String; short-form lengths.
            if matches!(tag, 0x0c | 0x13 | 0x16) && len < 0x80 && start + len <= der.len() {
                found = std::str::from_utf8(&der[start..start + len])
                    .ok()
                    .map(String::from);
            }
            i += OID_CN.len();
        } else {
            i += 1;
        }
    }
    found
}
