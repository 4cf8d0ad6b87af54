//! Small typed values of the config: sizes, addresses, components with options.

use std::net::{SocketAddr, ToSocketAddrs};

use sluice_script::{Record, Value};
use sluice_shards::ComponentSpec;
use toml::Spanned;

use super::raw::{ComponentField, SizeField};
use super::{ConfigError, Source};

pub(crate) fn size(
    src: &Source<'_>,
    key: &str,
    f: &Spanned<SizeField>,
) -> Result<usize, ConfigError> {
    let bad = || {
        src.error(
            f.span(),
            key,
            "expected a size: bytes, or text like \"64KiB\", \"16MiB\"",
        )
    };
    match f.get_ref() {
        SizeField::Bytes(b) => usize::try_from(*b).map_err(|_| bad()),
        SizeField::Text(t) => sluice_codecs::parse_size(t).ok_or_else(bad),
    }
}

pub(crate) fn addr(
    src: &Source<'_>,
    key: &str,
    f: &Spanned<String>,
) -> Result<SocketAddr, ConfigError> {
    let s = f.get_ref();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    match s.to_socket_addrs() {
        Ok(mut it) => it
            .next()
            .ok_or_else(|| src.error(f.span(), key, format!("`{s}` resolves to no address"))),
        Err(e) => Err(src.error(
            f.span(),
            key,
            format!("`{s}` is not an address like \"127.0.0.1:4242\" ({e})"),
        )),
    }
}

pub(crate) fn duration(
    src: &Source<'_>,
    key: &str,
    f: &Spanned<String>,
) -> Result<std::time::Duration, ConfigError> {
    super::parse_duration(f.get_ref()).map_err(|m| src.error(f.span(), key, m))
}

pub(crate) fn toml_to_value(v: &toml::Value) -> Value<'static> {
    match v {
        toml::Value::String(s) => Value::from(s.clone()),
        toml::Value::Integer(i) => Value::I64(*i),
        toml::Value::Float(f) => Value::F64(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_value).collect()),
        toml::Value::Table(t) => Value::Record(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_value(v)))
                .collect(),
        ),
    }
}

/// A codec/processor spec, checked by building it once with `build`.
pub(crate) fn component<T>(
    src: &Source<'_>,
    key: &str,
    f: &Spanned<ComponentField>,
    build: impl Fn(&ComponentSpec) -> Result<T, sluice_codecs::Error>,
) -> Result<ComponentSpec, ConfigError> {
    let spec = match f.get_ref() {
        ComponentField::Name(n) => ComponentSpec::named(n),
        ComponentField::Table(t) => {
            let Some(toml::Value::String(name)) = t.get("name") else {
                return Err(src.error(f.span(), key, "a component table needs `name = \"...\"`"));
            };
            let options: Record<'static> = t
                .iter()
                .filter(|(k, _)| k.as_str() != "name")
                .map(|(k, v)| (k.clone(), toml_to_value(v)))
                .collect();
            ComponentSpec {
                name: name.clone(),
                options: (!options.is_empty()).then_some(options),
            }
        }
    };
    build(&spec).map_err(|e| src.error(f.span(), key, e.to_string()))?;
    Ok(spec)
}
