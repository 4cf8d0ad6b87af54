//! Module constants: `std::time::nanos::NANOS_PER_SECOND`, `std::datetime::formats::RFC3339`,
//! `std::datetime::timezones::EUROPE_BERLIN`, ...

use std::sync::OnceLock;

use super::def::{ConstDef, ConstValue};
use super::{datetime, nanos};
use crate::Value;

/// Every module path that defines constants.
pub const CONST_MODULES: &[&str] = &[
    "std::datetime::formats",
    "std::datetime::timezones",
    "std::integer::signed",
    "std::integer::unsigned",
    "std::time::nanos",
];

// Tremor's library spells them `MIN` and `MAX`; the lower-case names are kept as well.
static SIGNED: &[ConstDef] = &[
    ConstDef {
        name: "MIN",
        value: ConstValue::Int(i64::MIN),
        doc: "The smallest signed integer.",
    },
    ConstDef {
        name: "MAX",
        value: ConstValue::Int(i64::MAX),
        doc: "The largest signed integer.",
    },
    ConstDef {
        name: "min",
        value: ConstValue::Int(i64::MIN),
        doc: "The smallest signed integer.",
    },
    ConstDef {
        name: "max",
        value: ConstValue::Int(i64::MAX),
        doc: "The largest signed integer.",
    },
];

static UNSIGNED: &[ConstDef] = &[
    ConstDef {
        name: "MIN",
        value: ConstValue::Int(0),
        doc: "The smallest unsigned integer.",
    },
    ConstDef {
        name: "MAX",
        value: ConstValue::Uint(u64::MAX),
        doc: "The largest unsigned integer.",
    },
    ConstDef {
        name: "min",
        value: ConstValue::Int(0),
        doc: "The smallest unsigned integer.",
    },
    ConstDef {
        name: "max",
        value: ConstValue::Uint(u64::MAX),
        doc: "The largest unsigned integer.",
    },
];

/// The constants of module `path`.
#[must_use]
pub fn constants(path: &str) -> Option<&'static [ConstDef]> {
    match path {
        "std::datetime::formats" => Some(datetime::FORMATS),
        "std::datetime::timezones" => Some(timezones()),
        "std::integer::signed" => Some(SIGNED),
        "std::integer::unsigned" => Some(UNSIGNED),
        "std::time::nanos" => Some(nanos::CONSTANTS),
        _ => None,
    }
}

/// The value of constant `module_path::name`.
#[must_use]
pub fn constant(module_path: &str, name: &str) -> Option<Value<'static>> {
    constants(module_path)?
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.value.to_value())
}

/// One constant per IANA time zone, valued by its index in the zone table, as tremor does;
/// `std::datetime::with_timezone` turns the index back into the zone. Built on first use.
fn timezones() -> &'static [ConstDef] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    static DEFS: OnceLock<Vec<ConstDef>> = OnceLock::new();
    DEFS.get_or_init(|| {
        let zones = super::datetime_arg::tzdb::names();
        let names = NAMES.get_or_init(|| zones.iter().map(|tz| constant_name(tz)).collect());
        zones
            .iter()
            .zip(names)
            .enumerate()
            .map(|(i, (tz, name))| ConstDef {
                name: name.as_str(),
                value: ConstValue::Int(i64::try_from(i).unwrap_or(i64::MAX)),
                doc: tz,
            })
            .collect()
    })
}

/// `Etc/GMT+1` -> `ETC_GMT_PLUS_1`, `Etc/GMT-1` -> `ETC_GMT_MINUS_1`, `Asia/Ust-Nera` ->
/// `ASIA_UST_NERA`: tremor's spelling of zone names as identifiers.
fn constant_name(zone: &str) -> String {
    let mut out = String::with_capacity(zone.len() + 8);
    let mut chars = zone.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' => out.push('_'),
            '+' => out.push_str("_PLUS_"),
            '-' if chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("_MINUS_"),
            '-' => out.push('_'),
            c => out.push(c.to_ascii_uppercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_follow_tremor() {
        assert_eq!(constant_name("Europe/Berlin"), "EUROPE_BERLIN");
        assert_eq!(constant_name("Etc/GMT+10"), "ETC_GMT_PLUS_10");
        assert_eq!(constant_name("Etc/GMT-0"), "ETC_GMT_MINUS_0");
        assert_eq!(
            constant_name("America/Port-au-Prince"),
            "AMERICA_PORT_AU_PRINCE"
        );
        assert_eq!(constant_name("GB-Eire"), "GB_EIRE");
    }

    #[test]
    fn every_constant_module_resolves() {
        for m in CONST_MODULES {
            let cs = constants(m).unwrap_or_else(|| panic!("{m} resolves"));
            assert!(!cs.is_empty(), "{m} has constants");
            for c in cs {
                assert!(!c.doc.is_empty(), "{m}::{} is documented", c.name);
                assert_eq!(constant(m, c.name), Some(c.value.to_value()));
            }
            let mut names: Vec<&str> = cs.iter().map(|c| c.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), cs.len(), "{m} names are unique");
        }
        assert_eq!(constant("std::nope", "x"), None);
        assert_eq!(constant("std::time::nanos", "NOPE"), None);
    }

    #[test]
    fn known_values() {
        assert_eq!(
            constant("std::time::nanos", "NANOS_PER_SECOND"),
            Some(Value::I64(1_000_000_000))
        );
        assert_eq!(
            constant("std::integer::unsigned", "max"),
            Some(Value::U64(u64::MAX))
        );
        assert_eq!(
            constant("std::integer::signed", "min"),
            Some(Value::I64(i64::MIN))
        );
        assert_eq!(
            constant("std::datetime::formats", "RFC3339"),
            Some(Value::str("%Y-%m-%dT%H:%M:%S%.f%:z"))
        );
        let berlin = constant("std::datetime::timezones", "EUROPE_BERLIN")
            .and_then(|v| v.as_u64())
            .and_then(|i| usize::try_from(i).ok());
        assert_eq!(
            berlin.map(|i| super::super::datetime_arg::tzdb::names()[i]),
            Some("Europe/Berlin")
        );
    }
}
