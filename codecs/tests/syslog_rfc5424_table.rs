//! RFC 5424 cases transcribed from influxdata/go-syslog's parser tests
//! (`tests/data/rfc5424_cases.json`, see `gen_rfc5424_cases.py` for where they come from):
//! valid messages must decode to the same fields, invalid ones must be errors.

mod common;

use base64::Engine as _;
use sluice_script::Value;

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clockd", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// Cases where we deliberately differ from go-syslog, with the reason.
const DIVERGENCES: &[(&str, &str)] = &[
    (
        "",
        "an empty frame is no event rather than an error: streams carry blank lines between \
         messages and they are not decode failures",
    ),
    (
        r#"<29>8 2016-01-15T01:00:43Z hn S - - [meta escape="\n"] 127.0.0.1 - - 1452819643 "GET""#,
        "RFC 5424 6.3.3: a backslash before anything but `\"`, `\\` or `]` is an ordinary \
         character and MUST NOT be altered; go-syslog rejects it",
    ),
];

/// Our record for go-syslog's expected message, structured data kept as go-syslog's
/// `{id: {param: value}}` for comparison.
fn expected(e: &Value<'_>) -> Value<'static> {
    let mut r = Value::record();
    let fac = e.get("facility").and_then(Value::as_u64).unwrap_or(0) as usize;
    let sev = e.get("severity").and_then(Value::as_u64).unwrap_or(0) as usize;
    r.insert("facility", Value::from(FACILITIES[fac]));
    r.insert("severity", Value::from(SEVERITIES[sev]));
    r.insert("protocol", Value::from("RFC5424"));
    r.insert(
        "protocol_version",
        e.get("version").cloned().unwrap_or_default().into_static(),
    );
    for k in [
        "timestamp",
        "hostname",
        "appname",
        "procid",
        "msgid",
        "structured_data",
    ] {
        if let Some(v) = e.get(k) {
            r.insert(k, v.clone_static());
        }
    }
    if let Some(m) = e.get("msg").filter(|m| m.as_str() != Some("")) {
        r.insert("msg", m.clone_static());
    }
    r
}

/// Folds `{id: [{k: v}, ...]}` into `{id: {k: v}}`.
fn fold_sd(mut v: Value<'static>) -> Value<'static> {
    if let Some(Value::Record(sd)) = v.get("structured_data").cloned() {
        let mut folded = Value::record();
        for (id, params) in sd.iter() {
            let mut m = Value::record();
            for p in params.as_array().into_iter().flatten() {
                for (k, x) in p.as_record().into_iter().flat_map(|r| r.iter()) {
                    m.insert(k.to_string(), x.clone());
                }
            }
            folded.insert(id.to_string(), m);
        }
        v.insert("structured_data", folded);
    }
    v
}

#[test]
fn go_syslog_rfc5424_cases() {
    let table = common::json(include_str!("data/rfc5424_cases.json"));
    let cases = table.as_array().expect("array of cases");
    // go-syslog rejects any MSG that is not UTF-8; RFC 5424 allows other octets in a MSG
    // without BOM, and so do we by default (see `syslog_non_utf8` in syslog_examples.rs).
    // `non_utf8 = "reject"` is go-syslog's behaviour, which this table checks.
    let mut codec = common::codec(
        "syslog",
        r#"{"protocol":"rfc5424","strip_bom":false,"non_utf8":"reject"}"#,
    );
    let mut failures = Vec::new();
    let (mut valid, mut invalid, mut diverged) = (0, 0, 0);
    for case in cases {
        let input = match (case.get("text"), case.get("base64")) {
            (Some(t), _) => t.as_str().unwrap_or_default().as_bytes().to_vec(),
            (_, Some(b)) => base64::engine::general_purpose::STANDARD
                .decode(b.as_str().unwrap_or_default())
                .expect("base64"),
            _ => panic!("case without input"),
        };
        let shown = String::from_utf8_lossy(&input).into_owned();
        let got = common::decode(&mut codec, &input, 0);
        if DIVERGENCES
            .iter()
            .any(|(i, _)| i.as_bytes() == input.as_slice())
        {
            diverged += 1;
            continue;
        }
        if case.get("valid").and_then(Value::as_bool) == Some(true) {
            valid += 1;
            let want = expected(case.get("expect").expect("expected fields"));
            match got {
                Ok(Some(v)) => {
                    let v = fold_sd(v);
                    if v != want {
                        failures.push(format!("{shown:?}: got {v}, want {want}"));
                    }
                }
                other => failures.push(format!("{shown:?}: got {other:?}, want {want}")),
            }
        } else {
            invalid += 1;
            if let Ok(v) = got {
                failures.push(format!("{shown:?}: expected an error, got {v:?}"));
            }
        }
    }
    eprintln!(
        "go-syslog RFC 5424 table: {valid} valid and {invalid} invalid cases agree, \
         {diverged} deliberate divergences"
    );
    assert_eq!(diverged, DIVERGENCES.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
