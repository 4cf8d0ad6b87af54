//! TLS (rustls, ring provider) for the TCP and HTTP sources: certificate and key files,
//! optional client-certificate verification against a CA file, and a minimum version. The
//! configuration is built once at start-up (so a bad file is a start-up error); every
//! connection is then wrapped by a `futures_rustls` acceptor on its shard's reactor.
//! The sinks' side (connectors) is in [`client`].

mod client;

pub use client::TlsClientPlan;
pub(crate) use client::{connector, is_handshake_error, is_tls_error, Conn, Connector};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_rustls::rustls::{self, server::WebPkiClientVerifier, RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A server's TLS settings, as configured.
#[derive(Debug, Clone)]
pub struct TlsServerPlan {
    /// PEM certificate chain (leaf first).
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM CA certificates; when set, clients must present a certificate they signed.
    pub client_ca: Option<PathBuf>,
    /// `true`: TLS 1.3 only; `false`: TLS 1.2 and 1.3.
    pub tls13_only: bool,
}

pub(crate) fn err(what: &str, path: &Path, e: impl std::fmt::Display) -> crate::Error {
    crate::Error::Io {
        what: format!("TLS {what} `{}`", path.display()),
        error: std::io::Error::other(e.to_string()),
    }
}

pub(crate) fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, crate::Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err("certificate file", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err("certificate file", path, e))?;
    if certs.is_empty() {
        return Err(err("certificate file", path, "holds no certificate"));
    }
    Ok(certs)
}

/// ring's provider with AES-128-GCM first, then AES-256-GCM, then ChaCha20-Poly1305 (TLS 1.3
/// and 1.2 alike), as Go's TLS stack orders them on CPUs with AES instructions. AES-128 runs
/// 10 rounds per block against AES-256's 14, and decryption is most of what TLS costs on
/// the ingest path (bench/tls.sh); both are TLS 1.3's standard suites, and a peer that
/// offers only one of them still gets it.
pub(crate) fn provider() -> rustls::crypto::CryptoProvider {
    let mut p = rustls::crypto::ring::default_provider();
    let rank = |s: &rustls::SupportedCipherSuite| {
        let name = format!("{:?}", s.suite());
        if name.contains("AES_128_GCM") {
            0
        } else if name.contains("AES_256_GCM") {
            1
        } else {
            2
        }
    };
    // Stable: TLS 1.3 suites stay ahead of TLS 1.2 ones of the same rank.
    p.cipher_suites.sort_by_key(rank);
    p
}

/// The acceptor's configuration.
///
/// # Errors
/// Unreadable or invalid files, or a key that does not match the certificate.
pub(crate) fn server_config(plan: &TlsServerPlan) -> Result<Arc<ServerConfig>, crate::Error> {
    let provider = Arc::new(provider());
    let chain = certs(&plan.cert)?;
    let key = PrivateKeyDer::from_pem_file(&plan.key).map_err(|e| err("key file", &plan.key, e))?;
    let versions: &[&rustls::SupportedProtocolVersion] = if plan.tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    };
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(|e| err("settings for", &plan.cert, e))?;
    let builder = match &plan.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca)? {
                roots.add(c).map_err(|e| err("client CA file", ca, e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| err("client CA file", ca, e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| err("certificate and key", &plan.cert, e))?;
    // No TLS 1.3 session tickets: senders here hold long connections, and a client that
    // closes without reading tickets it never asked for makes its kernel reset the
    // connection, which throws away data it sent just before.
    config.send_tls13_tickets = 0;
    // Our order, not the client's: OpenSSL-based senders offer AES-256-GCM first.
    config.ignore_client_order = true;
    Ok(Arc::new(config))
}

/// A sink's connector, if it has TLS; an error here is an I/O error of the sink's opening
/// (the config check already built it once, so this only fails if a file changed since).
pub(crate) fn sink_connector(
    plan: Option<&TlsClientPlan>,
) -> Result<Option<Connector>, std::io::Error> {
    plan.map(connector)
        .transpose()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

impl TlsClientPlan {
    /// Builds the configuration once, so that a bad file or name fails the config check.
    ///
    /// # Errors
    /// What building the connector would fail with.
    pub fn check(&self) -> Result<(), crate::Error> {
        connector(self).map(|_| ())
    }
}
