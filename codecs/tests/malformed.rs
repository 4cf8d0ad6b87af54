//! A malformed-input table per decoder: truncated input, invalid UTF-8, wrong types, absurd
//! lengths and huge numbers. Every case must come back as `Error::Decode` for that codec
//! (kind `decode`, the label the engine counts errors under), never a panic, and the codec
//! must keep decoding good input afterwards.

mod common;

use sluice_codecs::Error;

fn big(prefix: &str, fill: char, n: usize, suffix: &str) -> Vec<u8> {
    let mut s = String::with_capacity(prefix.len() + n + suffix.len());
    s.push_str(prefix);
    s.extend(std::iter::repeat_n(fill, n));
    s.push_str(suffix);
    s.into_bytes()
}

fn check(name: &str, options: &str, good: &[u8], cases: &[Vec<u8>]) {
    let mut c = common::codec(name, options);
    let codec_name = c.name();
    for case in cases {
        let shown = String::from_utf8_lossy(&case[..case.len().min(80)]).into_owned();
        match common::decode(&mut c, case, 1_622_505_600_000_000_000) {
            Err(e @ Error::Decode { codec, .. }) => {
                assert_eq!(codec, codec_name, "{shown:?}");
                assert_eq!(e.kind(), "decode", "{shown:?}");
                assert!(!e.to_string().is_empty());
            }
            other => panic!("{name}: {shown:?} should be a decode error, got {other:?}"),
        }
        let mut buf = case.clone();
        assert!(c.validate(&mut buf).is_err(), "{name}: validate {shown:?}");
        assert!(
            matches!(common::decode(&mut c, good, 0), Ok(Some(_))),
            "{name}: good input after {shown:?}"
        );
    }
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

#[test]
fn influx() {
    check(
        "influx",
        "{}",
        b"cpu,host=a v=1i 1",
        &[
            // truncated
            b("cpu"),
            b("cpu,"),
            b("cpu,host"),
            b("cpu,host="),
            b("cpu v"),
            b("cpu v="),
            b("cpu v=\"unterminated"),
            b("cpu v=1 123abc"),
            b("cpu v=1,"),
            // invalid UTF-8
            b"cpu,h\xff=1 v=1".to_vec(),
            b"cpu v=\"\xc3\x28\"".to_vec(),
            b"\xfe v=1".to_vec(),
            // wrong types
            b("cpu v=abc"),
            b("cpu v=1.1.1"),
            b("cpu v=tru"),
            b("cpu v=1x"),
            b("cpu v=-5u"),
            b("cpu v=NaN"),
            b("cpu v=-inf"),
            b("cpu v=0x10"),
            // absurd lengths
            big("", 'x', 1 << 20, ""),
            big("cpu v=", '9', 100_000, ""),
            big("cpu v=", '9', 100_000, "i"),
            big("cpu v=1 ", '1', 10_000, ""),
            big("cpu,", 'k', 1 << 16, ""),
            // huge numbers
            b("cpu v=9223372036854775808i"),
            b("cpu v=-9223372036854775809i"),
            b("cpu v=18446744073709551616u"),
            b("cpu v=1e309"),
            b("cpu v=1 9223372036854775808"),
            // more than one line, duplicate tags
            b("cpu v=1\ncpu v=2"),
            b("cpu,a=1,a=2 v=1"),
        ],
    );
    // Timestamps that overflow once scaled to nanoseconds.
    check(
        "influx",
        r#"{"precision":"s"}"#,
        b"m v=1 1",
        &[b("m v=1 9223372037")],
    );
}

#[test]
fn syslog() {
    check(
        "syslog",
        "{}",
        b"<13>Oct 11 22:14:15 host app: ok",
        &[
            // truncated
            b("<"),
            b("<13"),
            b("<13>1 "),
            b("<13>1 2003-10-11T22:14:15.003Z"),
            b("<13>1 - - - -"),
            b("<13>1 - - - - - [id"),
            b("<13>1 - - - - - [id a=\"x"),
            b("<13>1 - - - - - [id a=\"x\""),
            // wrong types
            b("<abc>x"),
            b("<>x"),
            b("<13>1 notatime - - - - -"),
            b("<13>1 2003-13-11T22:14:15Z - - - - -"),
            b("<13>1 2003-02-29T22:14:15Z - - - - -"),
            b("<13>1 - - - - - x"),
            b("<13>1 - h\u{1}st - - - -"),
            b("<13>1 - - - - - [id a=x]"),
            b("<13>1 - - - - - [id a=\"x\"][id b=\"y\"]"),
            b("<13>1 - - - - - [id a=\"]\"]"),
            b("<13>1 - - - - -x"),
            // absurd lengths
            big("<13>1 - ", 'h', 300, " - - - -"),
            big("<13>1 - - ", 'a', 49, " - - -"),
            big("<13>1 - - - ", 'p', 129, " - -"),
            big("<13>1 - - - - ", 'm', 33, " -"),
            big("<13>1 - - - - - [", 'i', 33, "]"),
            b("<0000013>x"),
            // huge numbers
            b("<99999999999999999999>x"),
            b("<192>x"),
            b("<13>1 99999-10-11T22:14:15Z - - - - -"),
            b("<13>1 9999-12-31T23:59:59Z - - - - -"),
            b("<13>1 2003-10-11T22:14:15.1234567Z - - - - -"),
        ],
    );
    // Invalid UTF-8 is read as Latin-1 by default (see `syslog_non_utf8` in
    // syslog_examples.rs); with `non_utf8 = "reject"` it is a decode error.
    check(
        "syslog",
        r#"{"non_utf8":"reject"}"#,
        b"<13>Oct 11 22:14:15 host app: ok",
        &[
            b"<13>Oct 11 22:14:15 host app: \xff".to_vec(),
            b"<13>1 - - - - - - \xc3\x28".to_vec(),
            b"<13>1 - - - - - [id a=\"\xff\"]".to_vec(),
            b"\xff\xfe".to_vec(),
        ],
    );
    // In `auto`, `<13>1000 ...` is RFC 3164 text; read as RFC 5424 its version is too big.
    check(
        "syslog",
        r#"{"protocol":"rfc5424"}"#,
        b"<13>1 - - - - - -",
        &[
            b("<13>1000 - - - - - -"),
            b("<13>Oct 11 22:14:15 h a: m"),
            b("no pri"),
        ],
    );
}

#[test]
fn gelf() {
    let good = br#"{"version":"1.1","host":"h","short_message":"m"}"#;
    let mut deep = big(
        r#"{"version":"1.1","host":"h","short_message":"m","_x":"#,
        '[',
        10_000,
        "",
    );
    deep.extend(std::iter::repeat_n(b']', 10_000));
    deep.push(b'}');
    check(
        "gelf",
        "{}",
        good,
        &[
            // truncated
            b(""),
            b("{"),
            b(r#"{"version":"1.1","host":"h""#),
            b(r#"{"version":"1.1","host":"h","short_message":"m"#),
            // invalid UTF-8
            b"{\"version\":\"1.1\",\"host\":\"\xff\",\"short_message\":\"m\"}".to_vec(),
            // wrong types
            b("[]"),
            b("42"),
            b(r#"{"version":"1.1","host":"h","short_message":1}"#),
            b(r#"{"version":"1.1","host":"h","short_message":"m","level":"high"}"#),
            b(r#"{"version":"1.1","host":"h","short_message":"m","timestamp":true}"#),
            // absurd lengths
            deep,
            big(
                r#"{"version":"1.1","host":"h","short_message":"m","_"#,
                'k',
                1000,
                r#" ":1}"#,
            ),
            // huge numbers
            b(r#"{"version":"1.1","host":"h","short_message":"m","level":1e400}"#),
            b(r#"{"version":"1.1","host":"h","short_message":"m","level":99999999999999999999}"#),
        ],
    );
}

#[test]
fn statsd() {
    check(
        "statsd",
        "{}",
        b"gorets:1|c",
        &[
            // truncated
            b("gorets"),
            b("gorets:"),
            b("gorets:1"),
            b("gorets:1|"),
            b(":1|c"),
            b("gorets:|c"),
            // invalid UTF-8
            b"gor\xffets:1|c".to_vec(),
            // wrong types
            b("gorets:abc|c"),
            b("gorets:1|x"),
            b("gorets:1|c|@abc"),
            b("gorets:1|c|@2"),
            b("gorets:1|c|@0"),
            b("gorets:1|c|#tag:x"),
            b("gorets:--1|c"),
            // absurd lengths
            big("gorets:", '9', 100_000, "|ms"),
            big("gorets:1|c|@0.", '5', 100_000, "x"),
            // huge numbers
            b("gorets:1e999|h"),
            b("gorets:-99999999999999999999|c"),
            b("gorets:1\ngorets:2"),
        ],
    );
}

#[test]
fn dogstatsd() {
    check(
        "dogstatsd",
        "{}",
        b"page.views:1|c|#env:dev",
        &[
            // truncated
            b("page.views"),
            b("page.views:1"),
            b("_e{"),
            b("_e{5,5}:ab"),
            b("_e{5,5}:abcde"),
            b("_sc|"),
            b("_sc|name"),
            // invalid UTF-8
            b"page.views:1|c|#\xff".to_vec(),
            b"_e{2,1}:\xc3\xa9|\xff".to_vec(),
            // wrong types
            b("page.views:1|q"),
            b("page.views:1:abc|g"),
            b("page.views:1|c|Tabc"),
            b("page.views:1|c|@x"),
            b("_sc|name|9"),
            b("_sc|name|x"),
            b("_e{a,b}:x|y"),
            b("_e{1,1}:xyz"),
            b("_e{1,1}:x|yz"),
            "_e{2,1}:héllo|ü".as_bytes().to_vec(),
            // absurd lengths and huge numbers
            b("_e{99999999999999999999,1}:a|b"),
            b("_e{18446744073709551615,1}:a|b"),
            b("_e{1,18446744073709551615}:a|b"),
            b("_e{1000000,1}:a|b"),
            b("_sc|n|0|d:99999999999999999999"),
            big("m:", '9', 400, "|g"),
        ],
    );
}

#[test]
fn csv() {
    check(
        "csv",
        "{}",
        b"a,b",
        &[
            b("\"abc"),
            b("a,\"b"),
            b"a,\xff".to_vec(),
            b("\"a\"b,c"),
            b("a\nb"),
            big("\"", 'x', 1 << 20, ""),
        ],
    );
    check(
        "csv",
        r#"{"columns":["a","b"]}"#,
        b"1,2",
        &[b("1"), b("1,2,3"), big("", ',', 1000, "")],
    );
}
