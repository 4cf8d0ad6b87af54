//! A Kafka connector's `tls` and `sasl` tables, turned into the librdkafka properties they
//! stand for (`security.protocol`, `ssl.*`, `sasl.*`). `options` stays the raw escape hatch,
//! but may not set a property these tables already set (one place for each setting).

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::super::build::path_of;
use super::super::raw::{RawSinkTls, RawTls};
use super::super::{ConfigError, Source};

/// SASL mechanisms this build of librdkafka has (OpenSSL gives SCRAM; no GSSAPI/Kerberos,
/// no OAUTHBEARER token refresh wired up).
const MECHANISMS: [&str; 3] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/// `sasl = { mechanism = "SCRAM-SHA-256", username = "...", password = "..." }`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSasl {
    pub mechanism: String,
    pub username: String,
    pub password: String,
}

/// Never shows the password (the raw config may be printed while debugging).
impl std::fmt::Debug for RawSasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A client's TLS settings, from a sink's `tls` table or a kafka source's.
pub(super) struct ClientTls<'a> {
    ca: Option<&'a str>,
    cert: Option<&'a str>,
    key: Option<&'a str>,
    insecure_skip_verify: bool,
    span: Range<usize>,
}

/// Settings the other TLS connectors take that librdkafka has no property for.
fn unsupported(
    src: &Source<'_>,
    key: &dyn Fn(&str) -> String,
    span: &Range<usize>,
    name: &str,
    set: bool,
    why: &str,
) -> Result<(), ConfigError> {
    if set {
        return Err(src.error(
            span.clone(),
            key(&format!("tls.{name}")),
            format!("a kafka connector takes no `tls.{name}`: {why}"),
        ));
    }
    Ok(())
}

const NO_SERVER_NAME: &str = "librdkafka checks each broker's certificate against that \
     broker's own address (ssl.endpoint.identification.algorithm)";
const NO_MIN_VERSION: &str = "librdkafka has no setting for it (OpenSSL's own minimum applies)";

impl<'a> ClientTls<'a> {
    pub(super) fn of_sink(
        src: &Source<'_>,
        key: &dyn Fn(&str) -> String,
        t: &'a Spanned<RawSinkTls>,
    ) -> Result<Self, ConfigError> {
        let r = t.get_ref();
        let span = t.span();
        unsupported(
            src,
            key,
            &span,
            "server_name",
            r.server_name.is_some(),
            NO_SERVER_NAME,
        )?;
        unsupported(
            src,
            key,
            &span,
            "min_version",
            r.min_version.is_some(),
            NO_MIN_VERSION,
        )?;
        Ok(ClientTls {
            ca: r.ca.as_deref(),
            cert: r.cert.as_deref(),
            key: r.key.as_deref(),
            insecure_skip_verify: r.insecure_skip_verify,
            span,
        })
    }

    pub(super) fn of_source(
        src: &Source<'_>,
        key: &dyn Fn(&str) -> String,
        t: &'a Spanned<RawTls>,
    ) -> Result<Self, ConfigError> {
        let r = t.get_ref();
        let span = t.span();
        unsupported(
            src,
            key,
            &span,
            "client_ca",
            r.client_ca.is_some(),
            "a kafka source is a client; `ca` is the CA that signed the brokers' certificates",
        )?;
        unsupported(
            src,
            key,
            &span,
            "min_version",
            r.min_version.is_some(),
            NO_MIN_VERSION,
        )?;
        Ok(ClientTls {
            ca: r.ca.as_deref(),
            cert: r.cert.as_deref(),
            key: r.key.as_deref(),
            insecure_skip_verify: r.insecure_skip_verify.unwrap_or(false),
            span,
        })
    }
}

/// The librdkafka properties `tls` and `sasl` stand for (empty when neither is set), and
/// where a librdkafka complaint about them should point.
pub(super) struct Security {
    pub(super) props: Vec<(String, String)>,
    pub(super) tls_span: Option<Range<usize>>,
    pub(super) sasl_span: Option<Range<usize>>,
}

impl Security {
    /// The span a librdkafka message about the settings most likely concerns.
    pub(super) fn span_for(&self, message: &str) -> Option<Range<usize>> {
        let m = message.to_ascii_lowercase();
        if m.contains("sasl") {
            if let Some(s) = &self.sasl_span {
                return Some(s.clone());
            }
        }
        if m.contains("ssl") || m.contains("certificate") || m.contains("key") {
            if let Some(s) = &self.tls_span {
                return Some(s.clone());
            }
        }
        None
    }
}

pub(super) fn security(
    src: &Source<'_>,
    key: &dyn Fn(&str) -> String,
    tls: Option<ClientTls<'_>>,
    sasl: Option<&Spanned<RawSasl>>,
    base: Option<&Path>,
) -> Result<Security, ConfigError> {
    let mut props: Vec<(String, String)> = Vec::new();
    let protocol = match (&tls, sasl) {
        (None, None) => None,
        (Some(_), None) => Some("ssl"),
        (None, Some(_)) => Some("sasl_plaintext"),
        (Some(_), Some(_)) => Some("sasl_ssl"),
    };
    if let Some(p) = protocol {
        props.push(("security.protocol".into(), p.into()));
    }
    if let Some(t) = &tls {
        let mut file = |prop: &str, name: &str, v: Option<&str>| -> Result<(), ConfigError> {
            let Some(v) = v else { return Ok(()) };
            let p = path_of(base, v);
            if !p.is_file() {
                return Err(src.error(
                    t.span.clone(),
                    key(&format!("tls.{name}")),
                    format!("`{}` is not a readable file", p.display()),
                ));
            }
            props.push((prop.into(), p.display().to_string()));
            Ok(())
        };
        file("ssl.ca.location", "ca", t.ca)?;
        match (t.cert, t.key) {
            (Some(_), Some(_)) | (None, None) => {}
            _ => {
                return Err(src.error(
                    t.span.clone(),
                    key("tls"),
                    "a client certificate needs both `cert` and `key`",
                ))
            }
        }
        file("ssl.certificate.location", "cert", t.cert)?;
        file("ssl.key.location", "key", t.key)?;
        if t.insecure_skip_verify {
            props.push(("enable.ssl.certificate.verification".into(), "false".into()));
            props.push((
                "ssl.endpoint.identification.algorithm".into(),
                "none".into(),
            ));
        }
    }
    if let Some(s) = sasl {
        let r = s.get_ref();
        if !MECHANISMS.contains(&r.mechanism.as_str()) {
            let hint = sluice_codecs::did_you_mean(&r.mechanism, &MECHANISMS);
            let kerberos = if r.mechanism.eq_ignore_ascii_case("GSSAPI") {
                " (this build has no Kerberos)"
            } else {
                ""
            };
            return Err(src.error(
                s.span(),
                key("sasl.mechanism"),
                format!(
                    "unknown SASL mechanism `{}`{hint}{kerberos} (known: {})",
                    r.mechanism,
                    MECHANISMS.join(", ")
                ),
            ));
        }
        if r.username.is_empty() {
            return Err(src.error(s.span(), key("sasl.username"), "the username is empty"));
        }
        props.push(("sasl.mechanism".into(), r.mechanism.clone()));
        props.push(("sasl.username".into(), r.username.clone()));
        props.push(("sasl.password".into(), r.password.clone()));
    }
    Ok(Security {
        props,
        tls_span: tls.map(|t| t.span),
        sasl_span: sasl.map(Spanned::span),
    })
}

/// `options` may not repeat a property `tls` or `sasl` set: which one would win is not
/// something an operator should have to know.
pub(super) fn no_overlap(
    src: &Source<'_>,
    key: &dyn Fn(&str) -> String,
    sec: &Security,
    options: &[(String, String)],
    options_span: Option<Range<usize>>,
) -> Result<(), ConfigError> {
    for (k, _) in options {
        if sec.props.iter().any(|(p, _)| p == k) {
            return Err(src.error(
                options_span.clone().unwrap_or(0..0),
                key(&format!("options.{k}")),
                format!("`{k}` is already set by the connector's `tls` or `sasl` table; set it in one place"),
            ));
        }
    }
    Ok(())
}
