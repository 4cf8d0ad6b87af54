//! The one-pass Influx -> JSON transcoder (`Codec::transcode`) against the reference path
//! (`Codec::decode`, then the `json` codec's encoder): on every frame, either the transcoder
//! writes exactly the reference bytes, or it writes nothing and the frame takes the reference
//! path. Corpora: the bench's lines, InfluxData's conformance corpus (every decode case, whole
//! and line by line, at its precision), a table of tricky lines, and generated lines that mix
//! escapes, unicode, every value type, repeated keys and extreme numbers.

mod common;

use base64::Engine as _;
use sluice_codecs::Codec;
use sluice_script::Value;

struct Check {
    influx: Codec,
    json: Codec,
    fast: usize,
    fallback: usize,
}

impl Check {
    fn new(precision: &str) -> Check {
        Check {
            influx: common::codec("influx", &format!(r#"{{"precision":"{precision}"}}"#)),
            json: common::codec("json", "{}"),
            fast: 0,
            fallback: 0,
        }
    }

    /// Compares both paths on `frame`; true if the transcoder wrote it.
    fn frame(&mut self, frame: &[u8], ingest_ns: u64) -> bool {
        assert!(self.influx.transcodes_to(&self.json));
        let mut out = b"prefix".to_vec();
        let wrote = self.influx.transcode(frame, ingest_ns, &mut out);
        let reference = common::decode(&mut self.influx, frame, ingest_ns);
        let shown = String::from_utf8_lossy(frame);
        if wrote {
            self.fast += 1;
            let value = match reference {
                Ok(Some(v)) => v,
                other => panic!("transcoded {shown:?}, but the decoder gives {other:?}"),
            };
            let want = common::encode(&mut self.json, &value).expect("json encodes");
            assert_eq!(
                String::from_utf8_lossy(&out[6..]),
                String::from_utf8_lossy(&want),
                "{shown:?}"
            );
            assert_eq!(&out[..6], b"prefix");
        } else {
            self.fallback += 1;
            assert_eq!(out, b"prefix", "{shown:?}: declined but wrote");
        }
        wrote
    }
}

/// The lines `bench/connectors.sh` sends (both the TCP and the HTTP case).
fn bench_lines() -> Vec<String> {
    (0..50_000u64)
        .map(|i| {
            format!(
                "cpu,host=web-{:03},cpu=cpu{},dc=eu-west-1 usage_user={}.25,usage_system=3.125,usage_idle=84.5,n={}i {}",
                i % 100,
                i % 8,
                i % 90,
                i,
                1_700_000_000_000_000_000 + i
            )
        })
        .collect()
}

#[test]
fn bench_corpus_is_transcoded_identically() {
    let mut c = Check::new("ns");
    for line in bench_lines() {
        // Framed by `separate` (no newline) and as a whole line with its newline.
        assert!(c.frame(line.as_bytes(), 5), "{line}");
        assert!(c.frame(format!("{line}\n").as_bytes(), 5), "{line}");
    }
}

#[test]
fn tricky_lines() {
    // (line, whether the transcoder is expected to write it itself)
    let table: &[(&str, bool)] = &[
        ("cpu v=1", true),
        ("cpu v=1 ", true),
        ("cpu v=1\r\n", true),
        ("cpu  v=1", true),
        ("cpu v=1  123", true),
        ("cpu v=1 123 ", true),
        ("\n# comment\n  \ncpu v=1\n# after\n\n", true),
        ("# only a comment", false),
        ("", false),
        ("\n\n", false),
        ("cpu v=1\ncpu v=2", false),
        // Escapes in every token, a backslash that escapes nothing, a trailing backslash.
        (r"my\ m\,x,t\=k=v\,1\ \=2 f\ k=1", true),
        (r#"m s="a\"b\\c\nd\te\rf\x""#, true),
        (r"m\ f=1,g\ =2", false),
        (r"m f\ =1,g\ h=2", true),
        (r"m,t=a\ f=1", false),
        (r"m,t=a\  f=1", true),
        (r"m,t=a\\ f=1", false),
        (r"m\ ", false),
        (r"m,\=t=1 f=1", true),
        ("m s=\"tab\there\"", true),
        ("m s=\"ctl \u{1} \u{1f} \u{7f}\"", true),
        // JSON-significant characters in names.
        (r#"m"q,t"="v\" f\"="x""#, true),
        (r"m\\x,t=\\ f=1", false),
        (r"m\\x,t=\\  f=1", true),
        // Unicode.
        (
            "ünïcode,tag\\ ü=wert\\ ✓ text=\"grüße, \\\"welt\\\" = 1\",😀=1i",
            true,
        ),
        ("日本,地域=東京 温度=21.5 1", true),
        // Every value type and spelling.
        (
            "m a=1i,b=-1i,c=0u,d=18446744073709551615u,e=t,f=T,g=true,h=True,i=TRUE",
            true,
        ),
        ("m a=f,b=F,c=false,d=False,e=FALSE,s=\"\",z=-0", true),
        ("m a=9223372036854775807i,b=-9223372036854775808i", true),
        ("m a=9223372036854775808i", false),
        ("m a=18446744073709551616u", false),
        ("m a=-1u", false),
        ("m a=tru", false),
        ("m a=1x", false),
        ("m a=\"open", false),
        ("m a=", false),
        ("m =1", false),
        ("m a=1,", false),
        ("m,t= a=1", false),
        ("m,=v a=1", false),
        ("m, a=1", false),
        ("m,t=v", false),
        (",t=v a=1", false),
        ("m a=1 12x", false),
        ("m a=1 1 2", false),
        ("m a=1 9223372036854775808", false),
        ("m a=1 -9223372036854775808", true),
        ("m a=1 -", false),
        // Integers and timestamps are copied when the writer would print them the same.
        ("m a=007i,b=-0i,c=00u,d=0i,e=-05i,f=0u 007", true),
        ("m a=1 -0", true),
        ("m a=1 0", true),
        ("m a=1 -000000000000000000000001", true),
        ("m s=\"del \u{7f} and \u{80}\" 1", true),
        ("m a=1\x01", false),
        ("m\x01 a=1", false),
        // Floats: short, long, big, small, signed zero, exponents, no digits before the point.
        (
            "m a=0,b=-0,c=0.0,d=-0.0,e=.5,f=5.,g=-.5e1,h=1E+2,i=1e-0",
            true,
        ),
        (
            "m a=84.5,b=3.125,c=0.1,d=0.3,e=123456789012345,f=1234567890123456",
            true,
        ),
        (
            "m a=12345678901234567,b=9007199254740993,c=1.7976931348623157e308",
            true,
        ),
        (
            "m a=2.2250738585072014e-308,b=5e-324,c=4.9e-324,d=1e-400,e=1e22,f=1e23",
            true,
        ),
        (
            "m a=1e16,b=1e17,c=0.00001,d=0.000001,e=1234e-9,f=0000.1000,g=-1e-7",
            true,
        ),
        (
            "m a=0.00001,b=0.000001,c=0.10,d=10.0,e=007.5,f=-0.0,g=100000000000000",
            true,
        ),
        (
            "m a=1234567890123456,b=12345678.1234567,c=12345678.12345678,d=0.0000,e=10",
            true,
        ),
        (
            "m a=123456789012345i,b=1234567890123456789i,c=-0i,d=-00i,e=0u,f=-1.5",
            true,
        ),
        ("m a=1.,b=-.5,c=1.5e3,d=1.5i,e=1.5u,f=1-2", false),
        ("m a=1.,b=-.5,c=1.5e3", true),
        ("m a=1e400", false),
        ("m a=-1e309", false),
        ("m a=inf", false),
        ("m a=NaN", false),
        ("m a=0x10", false),
        ("m a=1.1.1", false),
        // Repeated keys: tags are an error, fields keep the first place and the last value.
        ("m,t=1,t=2 a=1", false),
        ("m,t=1,u=2 a=1,b=2,a=3", false),
        (r"m a=1,a\ =2", true),
        ("m,t=1 t=1", true),
    ];
    let mut c = Check::new("ns");
    let wrong: Vec<_> = table
        .iter()
        .filter(|(line, fast)| c.frame(line.as_bytes(), 1_700_000_000_123_456_789) != *fast)
        .collect();
    assert!(
        wrong.is_empty(),
        "transcoded other than expected: {wrong:?}"
    );
    // Many keys go to the decoder (its record indexes them); a few are written here.
    let many = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("f{i}={i}i")).collect();
        format!("m {}", fields.join(","))
    };
    assert!(c.frame(many(32).as_bytes(), 0));
    assert!(!c.frame(many(33).as_bytes(), 0));
    assert!(!c.frame(many(5000).as_bytes(), 0));
    // Invalid UTF-8 in a string field is an error; in a comment before the line the decoder
    // skips it. The transcoder copies bytes only from frames that are UTF-8 throughout.
    assert!(!c.frame(b"m s=\"\xff\"", 0));
    assert!(!c.frame(b"# \xff\xfe\nm s=\"x\"", 0));
}

#[test]
fn precisions_scale_timestamps_and_truncate_the_default() {
    for (p, fast) in [("ns", true), ("us", true), ("ms", true), ("s", true)] {
        let mut c = Check::new(p);
        assert_eq!(c.frame(b"m v=1 1600000000", 1_234_567_891_234), fast);
        assert_eq!(c.frame(b"m v=1", 1_234_567_891_234), fast);
        assert_eq!(c.frame(b"m v=1 -05", 0), fast);
        assert_eq!(c.frame(b"m v=1 0", 0), fast);
    }
    let mut c = Check::new("s");
    assert!(!c.frame(b"m v=1 9223372037", 0));
}

fn input_bytes(text: &Value<'_>) -> Vec<u8> {
    match text {
        Value::String(s) => s.as_bytes().to_vec(),
        other => base64::engine::general_purpose::STANDARD
            .decode(
                other
                    .get("binary")
                    .and_then(Value::as_str)
                    .expect("binary text"),
            )
            .expect("valid base64"),
    }
}

#[test]
fn conformance_corpus_frames() {
    let path = common::data_dir().join("influx-line-protocol/corpus.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (part of the repository)", path.display()));
    let corpus = common::json(&text);
    let decode = corpus
        .get("decode")
        .and_then(Value::as_record)
        .expect("decode cases");
    let mut checks: Vec<(&str, Check)> = ["ns", "us", "ms", "s"]
        .into_iter()
        .map(|p| (p, Check::new(p)))
        .collect();
    for (_, case) in decode.iter() {
        let input = case.get("input").expect("input");
        let text = input_bytes(input.get("text").expect("text"));
        let default_time = input
            .get("defaultTime")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let p = match input.get("precision").and_then(Value::as_str) {
            Some("1ns") => "ns",
            Some("1µs") => "us",
            Some("1ms") => "ms",
            Some("1s") => "s",
            other => panic!("unknown precision {other:?}"),
        };
        let c = &mut checks
            .iter_mut()
            .find(|(q, _)| *q == p)
            .expect("precision")
            .1;
        c.frame(&text, default_time);
        for line in text.split(|b| *b == b'\n') {
            c.frame(line, default_time);
        }
    }
    let fast: usize = checks.iter().map(|(_, c)| c.fast).sum();
    let fallback: usize = checks.iter().map(|(_, c)| c.fallback).sum();
    eprintln!("conformance corpus: {fast} frames transcoded, {fallback} left to the decoder");
    // The corpus is mostly fuzzed bad input; hundreds of its frames are valid lines.
    assert!(fast > 500, "{fast} transcoded");
}

/// Lines built from pieces that stress the escaping and number rules.
#[test]
fn generated_lines() {
    const NAMES: &[&str] = &[
        "a",
        "b",
        "host",
        r"sp\ ace",
        r"co\,mma",
        r"eq\=ual",
        "ü",
        "😀",
        r#"q"uote"#,
        r"back\\",
        r"b\x",
        "a",
        "日本",
    ];
    const VALUES: &[&str] = &[
        "1",
        "-1.5",
        "1e300",
        "1e-300",
        "0.1",
        "123456789.123456789",
        "-0",
        "1i",
        "-7i",
        "0u",
        "t",
        "FALSE",
        r#""s""#,
        r#""a\"b\\c\nd""#,
        r#""ü 😀""#,
        r#""""#,
        "3.125",
        "1E5",
        ".5",
        "9007199254740993",
        "2.5e-7",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let mut c = Check::new("ns");
    for _ in 0..50_000 {
        let mut line = String::from(["m", r"m\ x", "mü", r"m\,y", "m\"q"][next(5)]);
        for _ in 0..next(4) {
            line.push_str(&format!(
                ",{}={}",
                NAMES[next(NAMES.len())],
                NAMES[next(NAMES.len())]
            ));
        }
        line.push(' ');
        for f in 0..1 + next(5) {
            if f > 0 {
                line.push(',');
            }
            line.push_str(&format!(
                "{}={}",
                NAMES[next(NAMES.len())],
                VALUES[next(VALUES.len())]
            ));
        }
        match next(4) {
            0 => {}
            1 => line.push_str(" 1700000000000000000"),
            2 => line.push_str(" -5"),
            _ => line.push_str(" 1700000000000000000\n"),
        }
        c.frame(line.as_bytes(), 42);
    }
    assert!(
        c.fast > 10_000 && c.fallback > 1_000,
        "{} / {}",
        c.fast,
        c.fallback
    );
}

/// Field values written as random decimal text (the shapes copied as they are and the rest).
#[test]
fn random_numbers() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut c = Check::new("ns");
    for _ in 0..100_000 {
        let digits = 1 + next(17) as u32;
        let mut s = next(10u64.pow(digits)).to_string();
        if next(6) == 0 {
            s.insert_str(0, &"0".repeat(next(3) as usize));
        }
        let point = next(s.len() as u64 + 4) as usize;
        if point <= s.len() {
            s.insert(point, '.');
        }
        if next(4) == 0 {
            s.push_str(&"0".repeat(next(4) as usize));
        }
        match next(8) {
            0 => s.push('i'),
            1 => s.push('u'),
            2 => s.push_str(&format!("e{}", next(60) as i64 - 30)),
            _ => {}
        }
        if next(2) == 0 {
            s.insert(0, '-');
        }
        c.frame(format!("m v={s},w={s} 1").as_bytes(), 0);
    }
    assert!(c.fast > 50_000, "{} transcoded", c.fast);
}
