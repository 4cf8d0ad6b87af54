//! `grok`: the first byte picks one of a set of built-in patterns (compiled once; grok
//! compiles are too slow to fuzz per input) and the rest is the input; with the top bit set,
//! the first line after it is compiled as a pattern instead. Forms must agree, nothing
//! may panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sluice_script::extractor::{Extractor, ExtractorConfig};

#[path = "extract_common.rs"]
mod common;

const PATTERNS: &[&str] = &[
    "%{COMBINEDAPACHELOG}",
    "%{SYSLOGLINE}",
    "%{HAPROXYHTTP}",
    "%{CISCOFW106001}",
    "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
    "^%{IP:ip} %{NUMBER:n:int} %{NUMBER:f:float} %{WORD:w}$",
    "%{URI:uri}",
    "(?<a>x+)?%{INT:i}(?:%{QS:q}|-)",
];

fn compiled() -> &'static [Extractor] {
    static C: OnceLock<Vec<Extractor>> = OnceLock::new();
    C.get_or_init(|| {
        PATTERNS
            .iter()
            .map(|p| {
                Extractor::compile("grok", p, &ExtractorConfig::default())
                    .unwrap_or_else(|e| panic!("{p}: {e}"))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel & 0x80 != 0 {
        let Some((pattern, input)) = common::split(rest) else {
            return;
        };
        if pattern.len() > 64 {
            return;
        }
        if let Ok(e) = Extractor::compile("grok", pattern, &ExtractorConfig::default()) {
            common::check(&e, input);
        }
        return;
    }
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let all = compiled();
    common::check(&all[usize::from(sel) % all.len()], input);
});
