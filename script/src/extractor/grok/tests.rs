use super::*;

/// Runs `pattern` on `input` through every path (extraction, predicate, the regex crate's
/// own captures) and checks they agree; returns the JSON of the extraction.
pub(super) fn run(pattern: &str, input: &str) -> Option<String> {
    run_with(pattern, input, &[])
}

pub(super) fn run_with(pattern: &str, input: &str, custom: &[(String, String)]) -> Option<String> {
    let g = Grok::compile(pattern, custom).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let v = g
        .extract(input, |k| Cow::Owned(k.to_owned()))
        .map(|v| v.to_json());
    assert_eq!(g.is_match(input), v.is_some(), "{pattern} on {input:?}");
    if v.is_some() && g.full.is_none() {
        // The DFA solver and the regex crate's capture engines agree.
        let mut locs = g.fast.capture_locations();
        g.fast.captures_read(&mut locs, input).unwrap();
        let slow: Spans = (0..g.fast.captures_len()).map(|i| locs.get(i)).collect();
        let fast = Grok::regex_spans(&g.fast, Some(&g.half), g.solver.as_deref(), input).unwrap();
        assert_eq!(fast, slow, "{pattern} on {input:?}");
    }
    v
}

#[test]
fn fields_and_types() {
    let cases: &[(&str, &str, &str)] = &[
        // tremor's documented example.
        (
            "%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes} %{NUMBER:duration}",
            "55.3.244.1 GET /index.html 15824 0.043",
            r#"{"client":"55.3.244.1","method":"GET","request":"/index.html","bytes":"15824","duration":"0.043"}"#,
        ),
        (
            "%{IP:client} %{WORD:method} %{URIPATHPARAM:request} %{NUMBER:bytes:int} %{NUMBER:duration:float}",
            "55.3.244.1 GET /index.html 15824 0.043",
            r#"{"client":"55.3.244.1","method":"GET","request":"/index.html","bytes":15824,"duration":0.043}"#,
        ),
        // Logstash's int conversion truncates a decimal.
        ("%{NUMBER:n:int}", "12.9", r#"{"n":12}"#),
        ("%{USERNAME:username}", "foobar", r#"{"username":"foobar"}"#),
        // Unnamed patterns capture nothing.
        ("%{USERNAME}", "foobar", "{}"),
        // Regex named groups capture too.
        ("(?<word>[a-z]+)-(?P<num>[0-9]+)", "abc-42", r#"{"word":"abc","num":"42"}"#),
        // Unmatched groups: "" for strings (tremor), null when typed.
        ("%{WORD:a}(?: %{INT:b})?(?: %{INT:c:int})?$", "x", r#"{"a":"x","b":"","c":null}"#),
        // A name used twice: the first group that matched.
        ("(?:%{INT:v}|%{WORD:v})!", "abc!", r#"{"v":"abc"}"#),
        // Searches anywhere unless anchored.
        ("%{INT:n}", "abc 123 def", r#"{"n":"123"}"#),
        // tremor's grok test: syslog with an optional version and alternative timestamps.
        (
            r"^<%%{POSINT:syslog_pri}>(?:(?<syslog_version>\d{1,3}) )?(?:%{SYSLOGTIMESTAMP:syslog_timestamp0}|%{TIMESTAMP_ISO8601:syslog_timestamp1}) %{SYSLOGHOST:syslog_hostname}  ?(?:%{TIMESTAMP_ISO8601:syslog_ingest_timestamp} )?(%{WORD:wf_pod} %{WORD:wf_datacenter} )?%{GREEDYDATA:syslog_message}",
            "<%1>123 Jul   7 10:51:24 hostname 2019-04-01T09:59:19+0010 pod dc foo bar baz",
            r#"{"syslog_pri":"1","syslog_version":"123","syslog_timestamp0":"Jul   7 10:51:24","syslog_timestamp1":"","syslog_hostname":"hostname","syslog_ingest_timestamp":"2019-04-01T09:59:19+0010","wf_pod":"pod","wf_datacenter":"dc","syslog_message":"foo bar baz"}"#,
        ),
        // Nested references.
        ("%{IP:[source][ip]}:%{INT:[source][port]:int}", "10.1.2.3:443", r#"{"source":{"ip":"10.1.2.3","port":443}}"#),
        // Oniguruma spellings: atomic groups, possessive quantifiers, \h, (?m), comments.
        (r"(?>a+)(?#c)\h++(?m:.)", "aaf\n", "{}"),
    ];
    for (pattern, input, want) in cases {
        assert_eq!(
            run(pattern, input).as_deref(),
            Some(*want),
            "{pattern} on {input:?}"
        );
    }
}

#[test]
fn look_arounds_hold() {
    // BASE10NUM refuses to start after a digit, `.`, `+` or `-`: the marker check fails on
    // the regex crate's first match, and the backtracking engine finds the real one.
    assert_eq!(run("%{NUMBER:n}", "..5 7").as_deref(), Some(r#"{"n":"7"}"#));
    assert_eq!(
        run("%{NUMBER:n}", "x.5 7").as_deref(),
        Some(r#"{"n":".5"}"#)
    );
    assert_eq!(run("%{NUMBER:n}", "12").as_deref(), Some(r#"{"n":"12"}"#));
    // IPV4 is not followed by a digit and not preceded by one.
    assert_eq!(
        run("%{IPV4:ip}", "1.2.3.4").as_deref(),
        Some(r#"{"ip":"1.2.3.4"}"#)
    );
    assert_eq!(
        run("%{IPV4:ip}", "9 1.2.3.45 x").as_deref(),
        Some(r#"{"ip":"1.2.3.45"}"#)
    );
    assert_eq!(run("^%{IPV4:ip}", "1.2.3.456"), None);
    // A look-around with a capture inside (SYSLOGPAMSESSION's idiom).
    assert_eq!(
        run("(?=%{WORD:w})%{WORD:again}", "hi").as_deref(),
        Some(r#"{"w":"hi","again":"hi"}"#)
    );
    // Inside a repetition (iptables' fragment flags).
    assert_eq!(run("x(?:(?<= )(?:DF|MF))*", "x").as_deref(), Some("{}"));
    assert_eq!(
        run("^ (%{IPTABLES4_FRAG:f})$", " DF").as_deref(),
        Some(r#"{"f":"DF"}"#)
    );
    assert_eq!(run("^a(%{IPTABLES4_FRAG:f})$", "aDF"), None);
}

#[test]
fn malformed_input_does_not_match() {
    let cases: &[(&str, &str)] = &[
        ("%{COMBINEDAPACHELOG}", ""),
        ("%{COMBINEDAPACHELOG}", "not an access log"),
        (
            "%{COMBINEDAPACHELOG}",
            r#"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200"#,
        ),
        ("^%{IP:ip}$", "300.1.1.1.1"),
        ("^%{IP:ip}$", "::g"),
        ("%{NUMBER:n:int}", "no digits"),
        ("^%{SYSLOGLINE}$", "\u{1F600}"),
        ("%{WORD:w:int}", "abc"),
        ("^%{DATA:d}:%{INT:i}$", "a:b"),
    ];
    for (pattern, input) in cases {
        assert_eq!(run(pattern, input), None, "{pattern} on {input:?}");
    }
}

#[test]
fn bad_patterns_are_compile_errors_with_offsets() {
    let custom = vec![
        ("LOOP".to_string(), "a%{LOOP}".to_string()),
        ("BROKEN".to_string(), "(unclosed".to_string()),
    ];
    let cases: &[(&str, usize, &str)] = &[
        (
            "%{NOSUCHPATTERN}",
            0,
            "unknown grok pattern `NOSUCHPATTERN`",
        ),
        ("x %{IP:ip} %{NOPE:n}", 11, "unknown grok pattern `NOPE`"),
        ("%{IP:ip:bool}", 0, "unknown type"),
        ("%{IP", 0, "unterminated"),
        ("ab(c", 4, "unclosed"),
        ("ab)c", 2, "unbalanced"),
        ("[a-", 0, "unclosed `[`"),
        ("x{2,1}", 1, "invalid regex"),
        ("%{LOOP}", 0, "refers to itself"),
        ("z %{BROKEN}", 2, "unclosed"),
        (r"(a)\1", 3, "backreferences"),
        ("%{}", 0, "does not name a pattern"),
        (r"a\Gb", 1, "not supported"),
    ];
    for (pattern, offset, msg) in cases {
        let e = Grok::compile(pattern, &custom).expect_err(pattern);
        assert_eq!(e.extractor, "grok");
        assert!(e.message.contains(msg), "{pattern}: {}", e.message);
        assert_eq!(e.offset, Some(*offset), "{pattern}: {}", e.message);
    }
}

#[test]
fn every_builtin_pattern_compiles() {
    let mut names: Vec<&str> = patterns::builtin().keys().copied().collect();
    names.sort_unstable();
    for name in names {
        let p = format!("%{{{name}}}");
        Grok::compile(&p, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// On the bench corpus, the DFA solver decides every line by itself, and its captures are
/// the regex crate's.
#[test]
fn solver_covers_the_bench_corpus() {
    let g = Grok::compile("%{COMBINEDAPACHELOG}", &[]).unwrap();
    let Ok(text) = std::fs::read_to_string("../bench/data/apache_combined.log") else {
        eprintln!("skipping: ../bench/data/apache_combined.log not found");
        return;
    };
    for line in text.lines() {
        let m = g.fast.find(line).unwrap();
        let mut spans = vec![None; g.fast.captures_len()];
        spans[0] = Some((m.start(), m.end()));
        let solver = g.solver.as_ref().unwrap();
        assert!(
            solver
                .solve(line, m.start(), m.end(), &mut spans, true)
                .is_ok(),
            "{line}"
        );
        let mut locs = g.fast.capture_locations();
        g.fast.captures_read(&mut locs, line).unwrap();
        let slow: Spans = (0..g.fast.captures_len()).map(|i| locs.get(i)).collect();
        assert_eq!(spans, slow, "{line}");
        assert!(g.verify(line, &spans, false), "{line}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]
    /// Access lines with quotes, spaces and escapes inserted where the solver's literal
    /// candidates and ambiguity checks decide: its captures stay the regex crate's.
    #[test]
    fn solver_agrees_on_mangled_lines(
        line in proptest::sample::select(vec![
            r#"163.18.86.44 - - [26/Jun/2020:15:44:26 +0100] "GET /index.html HTTP/1.0" 200 14717 "http://semicomplete.com/x" "curl/8.5.0""#,
            r#"::1 user@example.com frank [10/Oct/2000:13:55:36 -0700] "GET /a b HTTP/1.1" 404 - "-" "Mozilla/5.0 (X11; Linux)""#,
            r#"host-1.example.org - - [01/Jan/2021:00:00:00 +0000] "-" 400 0 "-" "-""#,
        ]),
        at in 0usize..200,
        insert in proptest::sample::select(vec![r#"" "#, r#"""#, " ", r#"" ""#, r#"\""#, "] \"", "\" 200 1 \""]),
    ) {
        static G: std::sync::OnceLock<Grok> = std::sync::OnceLock::new();
        let g = G.get_or_init(|| Grok::compile("%{COMBINEDAPACHELOG}", &[]).unwrap());
        let mut at = at.min(line.len());
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        let input = format!("{}{insert}{}", &line[..at], &line[at..]);
        let slow = {
            let mut locs = g.fast.capture_locations();
            g.fast
                .captures_read(&mut locs, &input)
                .map(|_| (0..g.fast.captures_len()).map(|i| locs.get(i)).collect::<Spans>())
        };
        let fast = Grok::regex_spans(&g.fast, Some(&g.half), g.solver.as_deref(), &input);
        proptest::prop_assert_eq!(fast, slow, "{}", input);
    }
}

/// A pattern that makes the backtracking engine explode on its input stops at the engine's
/// step limit: the line does not match, and the call returns (no hang, no stack overflow).
#[test]
fn pathological_backtracking_is_bounded() {
    // The regex crate finds `x...x` at once; the look-behind then fails, so the match goes
    // to the backtracking engine, which would try 2^40 ways to split the run of `x`.
    let line = "x".repeat(40);
    assert_eq!(run(r"^(?:x+x+)+(?<!x)", &line), None);
    assert_eq!(run(r"^(?:x+x+)+(?<!x)", "y"), None);
}
