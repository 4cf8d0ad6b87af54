//! The syslog -> JSON fast path (`Codec::transcode`, one pass from the frame to JSON) against
//! the reference (`Codec::decode`, then the `json` codec's `encode`): on the bench's loggen
//! corpus, the captured real senders, every RFC 5424 case of `rfc5424_cases.json`, tricky
//! hand-written frames and generated ones, under every option set, the bytes must be
//! identical; and where the reference gives an error or no event, the fast path must write
//! nothing and say so.

mod common;

use base64::Engine as _;
use common::{codec, data_dir, json};
use proptest::prelude::*;
use sluice_codecs::Codec;
use sluice_script::Value;

/// 2026-12-03T06:48:02Z: year-less RFC 3164 timestamps resolve against this.
const NOW: u64 = 1_796_280_482_000_000_000;

/// The option sets the comparison runs under.
const OPTIONS: &[&str] = &[
    "{}",
    r#"{"strip_bom": false}"#,
    r#"{"non_utf8": "replace"}"#,
    r#"{"non_utf8": "reject"}"#,
    r#"{"protocol": "rfc5424"}"#,
    r#"{"protocol": "rfc3164"}"#,
];

/// Compares both paths on one frame; returns whether it made an event.
fn same(options: &str, frame: &[u8]) -> bool {
    same_on(&mut codec("syslog", options), options, frame)
}

/// [`same`] with the fast path taken by `fast`, a codec that may have read other frames
/// before (it remembers the last timestamp): the reference is always a fresh codec.
fn same_on(fast: &mut Codec, options: &str, frame: &[u8]) -> bool {
    let mut dec = codec("syslog", options);
    let mut enc = codec("json", "{}");
    let mut buf = frame.to_vec();
    let reference = match dec.decode(&mut buf, NOW) {
        Ok(Some(v)) => {
            let mut out = b"prefix".to_vec();
            enc.encode(&v, &Value::Null, &mut out)
                .expect("json encodes");
            Some(out)
        }
        Ok(None) | Err(_) => None,
    };
    assert!(dec.transcodes_to(&enc));
    let mut out = b"prefix".to_vec();
    let made = fast.transcode(frame, NOW, &mut out);
    let shown = String::from_utf8_lossy(frame);
    match reference {
        Some(r) => {
            assert!(
                made,
                "fast path refused a good frame ({options}): {shown:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&r),
                "({options}) {shown:?}"
            );
            assert_eq!(out, r, "({options}) {shown:?}");
            true
        }
        None => {
            assert!(!made, "fast path took a bad frame ({options}): {shown:?}");
            assert_eq!(out, b"prefix", "wrote for a bad frame: {shown:?}");
            false
        }
    }
}

fn all_options(frame: &[u8]) -> usize {
    OPTIONS.iter().filter(|o| same(o, frame)).count()
}

/// Frames as `bench/syslog_vs_rsyslog.sh`'s sender writes them (syslog-ng's `loggen
/// --syslog-proto --size 300`, captured): BOM, then a sequence number and padding, with
/// the newline loggen ends every message with.
fn loggen(seq: u32) -> Vec<u8> {
    let head = format!(
        "<38>1 2026-12-03T06:48:{:02}+00:00 localhost prg00000 1234 - - \u{feff}seq: {seq:010}, thread: 0000, runid: 1796280482, stamp: 2026-12-03T06:48:02 ",
        seq % 60
    );
    let mut m = head.into_bytes();
    while m.len() < 299 {
        m.extend_from_slice(b"PADD");
    }
    m.truncate(299);
    m.push(b'\n');
    m
}

#[test]
fn bench_corpus() {
    for seq in 0..200 {
        assert_eq!(all_options(&loggen(seq)), OPTIONS.len(), "seq {seq}");
    }
}

/// One codec for a whole stream, as a shard has: what it remembers between frames (the
/// last timestamp) must not change any frame's output. Frames whose timestamps repeat,
/// differ in one place, or are prefixes of each other, between bad frames.
#[test]
fn one_codec_for_a_stream() {
    let stamps = [
        "2026-12-03T06:48:02+00:00",
        "2026-12-03T06:48:02+00:00",
        "2026-12-03T06:48:02+01:00",
        "2026-12-03T06:48:02.5+01:00",
        "2026-12-03T06:48:02.50+01:00",
        "2026-12-03T06:48:02.5+01:00",
        "2026-12-03T06:48:02.5+01:00x",
        "2026-12-03T06:48:02.5Z",
        "2026-12-03T06:48:02.5",
        "2026-12-03T06:48:02Z",
        "2026-02-29T06:48:02Z",
        "2024-02-29T06:48:02Z",
        "2024-02-29T06:48:02Z",
        "-",
        "2024-02-29T06:48:02Z",
    ];
    let mut stamps: Vec<String> = stamps.iter().map(|s| s.to_string()).collect();
    // A stamp, then the same with one digit changed (each place in turn), then it again.
    let base = "2026-12-03T06:48:02.123456+01:30";
    for (i, c) in base.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
        let d = char::from(b'0' + (c as u8 - b'0' + 1) % 10);
        stamps.push(base.to_string());
        stamps.push(format!("{}{d}{}", &base[..i], &base[i + 1..]));
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for (i, t) in stamps.iter().enumerate() {
        frames.push(format!("<13>1 {t} host app - - - message {i}").into_bytes());
        frames.push(format!("<13>1 {t}host app - - - glued").into_bytes());
    }
    frames.extend((0..90).map(loggen));
    for options in OPTIONS {
        let mut fast = codec("syslog", options);
        let good = frames
            .iter()
            .filter(|f| same_on(&mut fast, options, f))
            .count();
        assert!(good >= 15, "{options}: {good}");
    }
}

#[test]
fn real_senders() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "logger_0.bin",
        "logger_1.bin",
        "python_sysloghandler_0.bin",
        "python_sysloghandler_1.bin",
    ] {
        let frame = std::fs::read(dir.join(name)).expect("fixture");
        assert!(all_options(&frame) >= 4, "{name}");
    }
}

#[test]
fn rfc5424_cases() {
    let text = std::fs::read_to_string(data_dir().join("rfc5424_cases.json")).expect("cases");
    let cases = json(&text);
    let cases = cases.as_array().expect("an array");
    assert!(cases.len() > 200);
    let mut good = 0;
    for c in cases {
        let frame = match (c.get("text"), c.get("base64")) {
            (Some(t), _) => t.as_str().expect("text").as_bytes().to_vec(),
            (None, Some(b)) => base64::engine::general_purpose::STANDARD
                .decode(b.as_str().expect("base64"))
                .expect("base64"),
            (None, None) => panic!("a case without input"),
        };
        good += all_options(&frame);
    }
    assert!(good > 100, "only {good} cases made events");
}

#[test]
fn tricky_frames() {
    let frames: &[&[u8]] = &[
        // Escapes and control characters in MSG, in header fields, in structured data.
        b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' \"failed\" for lonvick on /dev/pts/8\\x",
        b"<34>1 2003-10-11T22:14:15.003Z host app - - - tab\there\x01\x1f\x7f nul\x00mid",
        b"<34>1 2003-10-11T22:14:15.003Z h\"o\\st a\\pp p\"id m\\id - msg",
        br#"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [exampleSDID@32473 iut="3" eventSource="Appl\"ic\]at\\ion" eventID="1011"][examplePriority@32473 class="high"] BOMless"#,
        br#"<165>1 2003-10-11T22:14:15Z host app 1 ID [a b="\q\n" c=""][d] "#,
        b"<165>1 2003-10-11T22:14:15Z host app 1 ID [a b=\"\xc3\xa9\x01\"]",
        // BOM: stripped or kept, alone, with and without a message after it.
        b"<13>1 - - - - - - \xef\xbb\xbfhello",
        b"<13>1 - - - - - - \xef\xbb\xbf",
        b"<13>1 - - - - - - \xef\xbb\xbf\xef\xbb\xbftwice",
        // Nil values everywhere, empty MSG, a lone space after the structured data.
        b"<0>1 - - - - - -",
        b"<0>1 - - - - - - ",
        b"<191>999 - - - - - -",
        // Non-UTF-8: Latin-1 in MSG (allowed without BOM), elsewhere (an error), after a BOM.
        b"<13>1 2003-10-11T22:14:15Z host app - - - caf\xe9 cr\xe8me \xc3\xa9",
        b"<13>1 2003-10-11T22:14:15Z host app - - - \xef\xbb\xbfbom then \xff",
        b"<13>1 2003-10-11T22:14:15Z h\xffst app - - - msg",
        b"<13>1 2003-10-11T22:14:15Z host app - - [id a=\"\xff\"] msg",
        b"<13>Oct 11 22:14:15 host app: caf\xe9 cr\xe8me",
        // Timestamps: offsets, fractions, leap day, impossible dates, too many digits.
        b"<13>1 2003-08-24T05:14:15.000003-07:00 host app - - - m",
        b"<13>1 2024-02-29T23:59:59.999999+14:00 host app - - - m",
        b"<13>1 2023-02-29T00:00:00Z host app - - - m",
        b"<13>1 2003-08-24T05:14:15.0000003-07:00 host app - - - m",
        b"<13>1 1969-12-31T23:59:59Z host app - - - m",
        // RFC 3164 and its variants, framing leftovers, nothing at all.
        b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        b"<13>Feb  5 17:32:18 10.0.0.99 myapp[123]: Use the BFG!\r\n",
        b"Use the BFG! no PRI at all\"\\",
        b"<13>2003-10-11T22:14:15Z host app[9]: iso stamp\0",
        b"<999>1 - - - - - -",
        b"<13>01 - - - - - -",
        b"\n\r\0",
        b"",
    ];
    let mut good = 0;
    for f in frames {
        good += all_options(f);
    }
    assert!(good > 80, "only {good} made events");
    // Header fields long and short, clean and not, around the one-pass writer's cut-off.
    for len in [1, 63, 64, 65, 200, 255] {
        for fill in ["h", "\"", "\\"] {
            let h = format!("{}x", fill.repeat(len - 1));
            let f = format!("<13>1 - {h} {} - - - m", &h[..len.min(48)]);
            assert!(all_options(f.as_bytes()) >= 5, "{f}");
        }
    }
}

/// Pieces generated frames are made of: good and bad variants of every part.
fn part(choices: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    proptest::sample::select(choices).prop_map(<[u8]>::to_vec)
}

fn frame() -> impl Strategy<Value = Vec<u8>> {
    (
        part(&[b"<13>", b"<0>", b"<191>", b"<192>", b"<01>", b"", b"<34>"]),
        part(&[b"1 ", b"2 ", b"", b"0 "]),
        part(&[
            b"- ",
            b"2003-10-11T22:14:15.003Z ",
            b"2003-10-11T22:14:15+01:30 ",
            b"Oct 11 22:14:15 ",
            b"2003-13-11T22:14:15Z ",
        ]),
        part(&[b"host ", b"- ", b"h\"o ", b"\xff ", b""]),
        part(&[b"app ", b"- ", b"a\\p ", b"app[12]: "]),
        part(&[b"12 ", b"- ", b""]),
        part(&[b"ID47 ", b"- "]),
        part(&[
            b"-",
            br#"[id a="1"]"#,
            br#"[id a="x\"y\]z\\" b="\q"][id2]"#,
            br#"[id a="1"][id b="2"]"#,
            br#"[id a="]"]"#,
        ]),
        proptest::collection::vec(
            part(&[
                b" ",
                b"msg",
                b"\xef\xbb\xbf",
                b"\"",
                b"\\",
                b"\n",
                b"\x01",
                b"\t",
                b"\xe9",
                b"\xc3\xa9",
                b"\xe2\x80\xa8",
                b"\0",
                b"]",
                b"PADDPADD",
            ]),
            0..12,
        ),
    )
        .prop_map(|(pri, v, ts, h, a, p, m, sd, msg)| {
            let mut f = [pri, v, ts, h, a, p, m, sd].concat();
            f.extend(msg.concat());
            f
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn generated_frames(f in frame()) {
        all_options(&f);
    }

    #[test]
    fn random_bytes(f in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut with_pri = b"<13>1 - h a - - ".to_vec();
        with_pri.extend_from_slice(&f);
        all_options(&with_pri);
        all_options(&f);
    }
}

#[test]
fn only_syslog_into_unsorted_json() {
    let syslog = codec("syslog", "{}");
    assert!(syslog.transcodes_to(&codec("json", "{}")));
    assert!(!syslog.transcodes_to(&codec("json", r#"{"sorted": true}"#)));
    assert!(!syslog.transcodes_to(&codec("syslog", "{}")));
    assert!(!codec("json", "{}").transcodes_to(&codec("json", "{}")));
    let mut s = codec("string", "{}");
    let mut out = Vec::new();
    assert!(!Codec::transcode(&mut s, b"x", 0, &mut out));
    assert!(out.is_empty());
}
