//! Syslog tables: the RFC 5424 section 6.5 examples, the RFC 3164 section 5.4 examples, the
//! variants real senders emit, tremor's documented examples, and encoding to both formats.
//! Expected fields are read off the RFCs (facility = PRI / 8, severity = PRI % 8, ...).

mod common;

use common::{codec, decode, encode, json};

/// 2021-06-01T00:00:00Z, the ingest clock for year-less RFC 3164 timestamps.
const NOW: u64 = 1_622_505_600_000_000_000;

fn check(rows: &[(&str, &str)], options: &str) {
    let mut c = codec("syslog", options);
    for (input, want) in rows {
        let got = decode(&mut c, input.as_bytes(), NOW)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .unwrap_or_else(|| panic!("{input:?}: no event"));
        let want = json(want);
        assert_eq!(got, want, "{input:?}\n got: {got}\nwant: {want}");
    }
}

#[test]
fn rfc5424_section_6_5_examples() {
    check(
        &[
            (
                "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8",
                r#"{"facility":"auth","severity":"crit","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1065910455003000000,"hostname":"mymachine.example.com","appname":"su",
                    "msgid":"ID47","msg":"'su root' failed for lonvick on /dev/pts/8"}"#,
            ),
            (
                "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
                r#"{"facility":"local4","severity":"notice","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1061727255000003000,"hostname":"192.0.2.1","appname":"myproc",
                    "procid":"8710","msg":"%% It's time to make the do-nuts."}"#,
            ),
            (
                "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \u{feff}An application event log entry...",
                r#"{"facility":"local4","severity":"notice","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1065910455003000000,"hostname":"mymachine.example.com","appname":"evntslog",
                    "msgid":"ID47","msg":"An application event log entry...",
                    "structured_data":{"exampleSDID@32473":[{"iut":"3"},{"eventSource":"Application"},{"eventID":"1011"}]}}"#,
            ),
            (
                "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
                r#"{"facility":"local4","severity":"notice","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1065910455003000000,"hostname":"mymachine.example.com","appname":"evntslog",
                    "msgid":"ID47",
                    "structured_data":{"exampleSDID@32473":[{"iut":"3"},{"eventSource":"Application"},{"eventID":"1011"}],
                                       "examplePriority@32473":[{"class":"high"}]}}"#,
            ),
            // Tremor's documented IETF example.
            (
                "<165>1 2021-03-18T20:30:00.123Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] An application event log entry...",
                r#"{"facility":"local4","severity":"notice","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1616099400123000000,"hostname":"mymachine.example.com","appname":"evntslog",
                    "msgid":"ID47","msg":"An application event log entry...",
                    "structured_data":{"exampleSDID@32473":[{"iut":"3"},{"eventSource":"Application"},{"eventID":"1011"}]}}"#,
            ),
            (
                "<191>1 2021-03-18T20:30:00.123Z - - - - - message",
                r#"{"facility":"local7","severity":"debug","protocol":"RFC5424","protocol_version":1,
                    "timestamp":1616099400123000000,"msg":"message"}"#,
            ),
        ],
        "{}",
    );
}

#[test]
fn rfc5424_section_6_2_3_1_timestamps() {
    let mut c = codec("syslog", "{}");
    for (ts, ns) in [
        ("1985-04-12T23:20:50.52Z", 482_196_050_520_000_000_i64),
        ("1985-04-12T19:20:50.52-04:00", 482_196_050_520_000_000),
        ("2003-10-11T22:14:15.003Z", 1_065_910_455_003_000_000),
        (
            "2003-08-24T05:14:15.000003-07:00",
            1_061_727_255_000_003_000,
        ),
    ] {
        let v = decode(&mut c, format!("<13>1 {ts} - - - - -").as_bytes(), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            v.get("timestamp").and_then(|t| t.as_i64()),
            Some(ns),
            "{ts}"
        );
    }
    // "not valid": more than six digits of fractional seconds.
    let bad = "<13>1 2003-08-24T05:14:15.000000003-07:00 - - - - -";
    assert!(decode(&mut c, bad.as_bytes(), NOW).is_err());
}

#[test]
fn rfc3164_section_5_4_examples() {
    check(
        &[
            (
                "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                // Oct 11 read on 2021-06-01 is last October.
                r#"{"facility":"auth","severity":"crit","protocol":"RFC3164","timestamp":1602454455000000000,
                    "hostname":"mymachine","appname":"su","msg":"'su root' failed for lonvick on /dev/pts/8"}"#,
            ),
            (
                "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1612546338000000000,
                    "hostname":"10.0.0.99","msg":"Use the BFG!"}"#,
            ),
            (
                // The RFC's reading: "CST" sits where the HOSTNAME goes.
                "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
                r#"{"facility":"local4","severity":"notice","protocol":"RFC3164","timestamp":1598247240000000000,
                    "hostname":"CST","msg":"1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%"}"#,
            ),
            (
                // Not a valid TIMESTAMP, so (4.3.2) everything after the PRI is the message.
                "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
                r#"{"facility":"kern","severity":"emerg","protocol":"RFC3164",
                    "msg":"1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!"}"#,
            ),
            (
                // 4.3.3: no PRI at all, so PRI 13 and the whole text as the message.
                "Use the BFG!",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","msg":"Use the BFG!"}"#,
            ),
        ],
        "{}",
    );
}

#[test]
fn rfc3164_real_world_variants() {
    check(
        &[
            // Tremor's documented BSD example.
            (
                "<13>Jan  5 15:33:03 74794bfb6795 root[8539]: i am foobar",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1609860783000000000,
                    "hostname":"74794bfb6795","appname":"root","procid":"8539","msg":"i am foobar"}"#,
            ),
            // Without hostname.
            (
                "<13>Oct 11 22:14:15 su: hi",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1602454455000000000,
                    "appname":"su","msg":"hi"}"#,
            ),
            (
                "<86>May 31 23:59:59 sshd[1234]: Accepted publickey",
                r#"{"facility":"authpriv","severity":"info","protocol":"RFC3164","timestamp":1622505599000000000,
                    "appname":"sshd","procid":"1234","msg":"Accepted publickey"}"#,
            ),
            // Missing tag.
            (
                "<13>Oct 11 22:14:15 host just a message",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1602454455000000000,
                    "hostname":"host","msg":"just a message"}"#,
            ),
            // Zero-padded day, tag with a slash.
            (
                "<22>Jun 01 00:00:10 mail postfix/smtpd[77]: connect from x",
                r#"{"facility":"mail","severity":"info","protocol":"RFC3164","timestamp":1622505610000000000,
                    "hostname":"mail","appname":"postfix/smtpd","procid":"77","msg":"connect from x"}"#,
            ),
            // With a year (Cisco `service timestamps log datetime year`).
            (
                "<189>Mar  1 2019 00:06:12 router1 %SYS-5-CONFIG_I: Configured from console",
                r#"{"facility":"local7","severity":"notice","protocol":"RFC3164","timestamp":1551398772000000000,
                    "hostname":"router1","appname":"%SYS-5-CONFIG_I","msg":"Configured from console"}"#,
            ),
            // Cisco IOS: sequence number, `*` (clock not set), milliseconds, trailing colon.
            (
                "<189>52: *Mar  1 00:06:12.535: %SYS-5-CONFIG_I: Configured from console by console",
                r#"{"facility":"local7","severity":"notice","protocol":"RFC3164","timestamp":1614557172535000000,
                    "appname":"%SYS-5-CONFIG_I","msg":"Configured from console by console"}"#,
            ),
            // Cisco with origin hostname and time zone.
            (
                "<187>1234: core-sw1: Mar  1 00:06:12.535 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
                r#"{"facility":"local7","severity":"err","protocol":"RFC3164","timestamp":1614557172535000000,
                    "hostname":"core-sw1","appname":"%LINK-3-UPDOWN","msg":"Interface Gi0/1, changed state to down"}"#,
            ),
            // rsyslog's forwarding format: RFC 3339 timestamp in an RFC 3164 header.
            (
                "<13>2021-05-31T22:00:00.123456+02:00 web1 app[1]: hello",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1622491200123456000,
                    "hostname":"web1","appname":"app","procid":"1","msg":"hello"}"#,
            ),
            // Python's SysLogHandler: no timestamp, no hostname, NUL terminated.
            (
                "<14>myapp: hello\u{0}",
                r#"{"facility":"user","severity":"info","protocol":"RFC3164","appname":"myapp","msg":"hello"}"#,
            ),
            // December read in June is last December.
            (
                "<13>Dec 31 23:59:59 h a: b",
                r#"{"facility":"user","severity":"notice","protocol":"RFC3164","timestamp":1609459199000000000,
                    "hostname":"h","appname":"a","msg":"b"}"#,
            ),
        ],
        "{}",
    );
}

#[test]
fn forced_protocol_and_bom() {
    let mut c = codec("syslog", r#"{"protocol":"rfc3164"}"#);
    let v = decode(&mut c, b"<13>1 2003-10-11T22:14:15Z h a - - - m", NOW)
        .unwrap()
        .unwrap();
    assert_eq!(v.get("protocol").and_then(|p| p.as_str()), Some("RFC3164"));
    let mut c = codec("syslog", r#"{"protocol":"rfc5424"}"#);
    assert!(decode(&mut c, b"<13>Oct 11 22:14:15 h a: m", NOW).is_err());
    let mut c = codec("syslog", r#"{"strip_bom":false}"#);
    let v = decode(&mut c, "<13>1 - - - - - - \u{feff}x".as_bytes(), NOW)
        .unwrap()
        .unwrap();
    assert_eq!(v.get("msg").and_then(|p| p.as_str()), Some("\u{feff}x"));
}

#[test]
fn encodes_both_formats() {
    let mut c = codec("syslog", "{}");
    for (value, want) in [
        (
            r#"{"severity":"notice","facility":"local4","msg":"test message","protocol":"RFC5424","protocol_version":1,"timestamp":0}"#,
            "<165>1 1970-01-01T00:00:00Z - - - - - test message",
        ),
        (
            r#"{"severity":"crit","facility":"auth","protocol":"RFC5424","protocol_version":1,"timestamp":1065910455003000000,
               "hostname":"mymachine.example.com","appname":"su","msgid":"ID47","msg":"'su root' failed"}"#,
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed",
        ),
        (
            r#"{"severity":"notice","facility":"local4","timestamp":1061727255000003000,"hostname":"192.0.2.1",
               "appname":"myproc","procid":"8710","structured_data":{"ex@1":[{"a":"q\"b\\c]"}],"p@2":{"class":"high"}}}"#,
            r#"<165>1 2003-08-24T12:14:15.000003Z 192.0.2.1 myproc 8710 - [ex@1 a="q\"b\\c\]"][p@2 class="high"]"#,
        ),
        (
            r#"{"severity":"crit","facility":"auth","protocol":"RFC3164","timestamp":1602454455000000000,
               "hostname":"mymachine","appname":"su","msg":"'su root' failed for lonvick on /dev/pts/8"}"#,
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        ),
        (
            r#"{"severity":"notice","facility":"user","protocol":"RFC3164","timestamp":1612546338000000000,
               "hostname":"h","appname":"sshd","procid":1234,"msg":"x"}"#,
            "<13>Feb  5 17:32:18 h sshd[1234]: x",
        ),
        (
            r#"{"severity":"notice","facility":"local4","msg":"test message","protocol":"RFC3164"}"#,
            "<165>test message",
        ),
        (
            r#"{"msg":"no priority given"}"#,
            "<13>1 - - - - - - no priority given",
        ),
    ] {
        let out = encode(&mut c, &json(value)).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(String::from_utf8_lossy(&out), want);
    }
    let mut forced = codec("syslog", r#"{"protocol":"rfc3164"}"#);
    let out = encode(
        &mut forced,
        &json(r#"{"protocol":"RFC5424","appname":"a","msg":"m"}"#),
    )
    .unwrap();
    assert_eq!(out, b"<13>a: m");
    for bad in [
        r#"{"facility":"snot"}"#,
        r#"{"severity":"snot"}"#,
        r#"{"protocol":"RFC9999"}"#,
        r#"{"hostname":"has space"}"#,
        r#"{"protocol_version":1000}"#,
        r#"{"structured_data":"sd"}"#,
        r#"{"structured_data":{"bad id":[]}}"#,
        r#"{"timestamp":"yesterday"}"#,
        r#"[1,2]"#,
    ] {
        assert!(encode(&mut c, &json(bad)).is_err(), "{bad}");
    }
}

#[test]
fn syslog_non_utf8() {
    // RFC 5424 6.4: MSG without a BOM may hold any octets; RFC 3164 senders write Latin-1.
    let latin1 = b"<13>Oct 11 22:14:15 host app: caf\xe9 cr\xe8me";
    let bytes = b"<13>1 2003-10-11T22:14:15Z host app - - - \xff\xfe \xc3\xa9";
    let mut c = codec("syslog", "{}");
    let v = decode(&mut c, latin1, 0).unwrap().unwrap();
    assert_eq!(v.get("msg").and_then(|m| m.as_str()), Some("café crème"));
    // Valid UTF-8 ("é") stays as it is next to the bytes read as Latin-1.
    let v = decode(&mut c, bytes, 0).unwrap().unwrap();
    assert_eq!(v.get("msg").and_then(|m| m.as_str()), Some("ÿþ é"));
    assert_eq!(v.get("hostname").and_then(|m| m.as_str()), Some("host"));

    // Only MSG may hold them in RFC 5424, and only without a BOM (then it must be UTF-8).
    for bad in [
        &b"<13>1 2003-10-11T22:14:15Z host app - - - \xef\xbb\xbfbom then \xff"[..],
        b"<13>1 2003-10-11T22:14:15Z h\xffst app - - - msg",
        b"<13>1 2003-10-11T22:14:15Z host app - - [id a=\"\xff\"] msg",
    ] {
        assert!(
            decode(&mut c, bad, 0).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }

    let mut c = codec("syslog", r#"{"non_utf8":"replace"}"#);
    let v = decode(&mut c, latin1, 0).unwrap().unwrap();
    assert_eq!(
        v.get("msg").and_then(|m| m.as_str()),
        Some("caf\u{fffd} cr\u{fffd}me")
    );

    let mut c = codec("syslog", r#"{"non_utf8":"reject"}"#);
    assert!(decode(&mut c, latin1, 0).is_err());

    let opts = json(r#"{"non_utf8":"ascii"}"#);
    assert!(sluice_codecs::Codec::from_spec("syslog", opts.as_record()).is_err());
}
