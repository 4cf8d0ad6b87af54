//! TLS for the client side of the `tcp`, `http` and `elasticsearch` sinks: the CA to trust
//! (a file, or the system's bundle when none is given), an optional client certificate for
//! mutual TLS, the server name to check, a minimum version, and an explicit, logged opt-out
//! of verification for test rigs. Built once at start-up; every connection then runs its
//! handshake on the sink shard's reactor through a `futures_rustls` connector.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::{future, AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use futures_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use futures_rustls::rustls::crypto::{verify_tls12_signature, verify_tls13_signature};
use futures_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, RootCertStore};
use futures_rustls::TlsConnector;
use glommio::net::TcpStream;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use super::{certs, err};

/// How long a server has to finish the handshake.
pub(crate) const CONNECT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the system keeps its CA bundle (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine/BSD);
/// `SSL_CERT_FILE` wins over all of them, as it does for OpenSSL.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// A sink's TLS settings, as configured.
#[derive(Debug, Clone)]
pub struct TlsClientPlan {
    /// PEM CA certificates to trust; `None`: the system's bundle.
    pub ca: Option<PathBuf>,
    /// PEM client certificate chain and key, for servers that ask for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// The name the server's certificate must carry (a DNS name or an IP address).
    pub server_name: String,
    /// `true`: TLS 1.3 only; `false`: TLS 1.2 and 1.3.
    pub tls13_only: bool,
    /// Accept any server certificate (encryption without authentication).
    pub insecure_skip_verify: bool,
}

/// The system bundle's path, if there is one.
fn system_bundle() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SSL_CERT_FILE") {
        return Some(PathBuf::from(p));
    }
    SYSTEM_BUNDLES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn roots(plan: &TlsClientPlan) -> Result<RootCertStore, crate::Error> {
    let path = match &plan.ca {
        Some(p) => p.clone(),
        None => system_bundle().ok_or_else(|| {
            err(
                "CA bundle",
                Path::new(SYSTEM_BUNDLES[0]),
                "not found: set `tls.ca` (or SSL_CERT_FILE)",
            )
        })?,
    };
    let mut store = RootCertStore::empty();
    // A system bundle may hold a certificate webpki cannot parse; skip it, as browsers do,
    // but a bundle with no usable certificate at all is an error.
    let (_added, _skipped) = store.add_parsable_certificates(certs(&path)?);
    if store.is_empty() {
        return Err(err("CA file", &path, "holds no usable CA certificate"));
    }
    Ok(store)
}

/// The connector and the name to ask for.
///
/// # Errors
/// Unreadable or invalid files, a key that does not match its certificate, or a server
/// name that is neither a DNS name nor an IP address.
pub(crate) fn connector(plan: &TlsClientPlan) -> Result<Connector, crate::Error> {
    // The same suite order as the sources' (AES-128-GCM first): cheaper per byte.
    let provider = Arc::new(super::provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if plan.tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    };
    let name_path = Path::new(&plan.server_name);
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(|e| err("settings for", name_path, e))?;
    let builder = if plan.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
    } else {
        builder.with_root_certificates(roots(plan)?)
    };
    let config = match &plan.client_cert {
        Some((cert, key)) => {
            let chain = certs(cert)?;
            let k = PrivateKeyDer::from_pem_file(key).map_err(|e| err("key file", key, e))?;
            builder
                .with_client_auth_cert(chain, k)
                .map_err(|e| err("client certificate and key", cert, e))?
        }
        None => builder.with_no_client_auth(),
    };
    let name = ServerName::try_from(plan.server_name.clone())
        .map_err(|e| err("server name", name_path, e))?;
    Ok(Connector {
        inner: TlsConnector::from(Arc::new(config)),
        name,
    })
}

/// A ready connector: configuration and server name.
#[derive(Clone)]
pub(crate) struct Connector {
    inner: TlsConnector,
    name: ServerName<'static>,
}

impl Connector {
    /// Runs the handshake over `tcp`, bounded by [`CONNECT_HANDSHAKE_TIMEOUT`]. Errors say
    /// "TLS handshake" so that logs tell them from refused connections.
    pub(crate) async fn handshake(&self, tcp: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        let shake = self.inner.connect(self.name.clone(), tcp);
        let r = future::or(async { Some(shake.await) }, async {
            glommio::timer::sleep(CONNECT_HANDSHAKE_TIMEOUT).await;
            None
        })
        .await;
        match r {
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(io::Error::new(
                e.kind(),
                format!("TLS handshake failed: {e}"),
            )),
            None => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "TLS handshake not finished in time",
            )),
        }
    }
}

/// A sink's connection: plain TCP, or TLS over it.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Conn {
    /// Connects to `addr` and, with a connector, runs the handshake.
    pub(crate) async fn connect(
        addr: std::net::SocketAddr,
        tls: Option<&Connector>,
    ) -> io::Result<Conn> {
        let tcp = TcpStream::connect(addr).await?;
        let _ = tcp.set_nodelay(true);
        match tls {
            None => Ok(Conn::Plain(tcp)),
            Some(c) => Ok(Conn::Tls(Box::new(c.handshake(tcp).await?))),
        }
    }
}

/// Is this a failed handshake (as opposed to a refused or broken connection)?
pub(crate) fn is_handshake_error(e: &io::Error) -> bool {
    e.to_string().starts_with("TLS handshake")
}

/// Is this a TLS failure: a failed handshake, or an alert or bad record on an established
/// session (rustls reports those as I/O errors that carry its own error)? Refused and
/// reset connections are not.
pub(crate) fn is_tls_error(e: &io::Error) -> bool {
    is_handshake_error(e)
        || e.get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_close(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_close(cx),
        }
    }
}

/// `insecure_skip_verify`: any certificate is taken, but the handshake signatures are
/// still checked (so the peer at least holds the key of the certificate it shows).
#[derive(Debug)]
struct AnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
