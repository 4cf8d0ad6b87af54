use super::*;

/// A trivial pattern per extractor and an input it must accept.
fn trivial(name: &str) -> (&'static str, &'static str) {
    match name {
        "re" | "rerg" => ("(?P<a>x)", "x"),
        "glob" => ("x*", "xyz"),
        "dissect" => ("%{a} %{b}", "x y"),
        "grok" => ("%{WORD:w}", "hello"),
        "kv" => ("", "a:1"),
        "json" => ("", "{}"),
        "base64" => ("", "eA=="),
        "cidr" => ("", "127.0.0.1"),
        "influx" => ("", "m f=1"),
        "datetime" => ("%Y-%m-%d %H:%M", "2019-01-01 09:42"),
        other => panic!("EXTRACTOR_NAMES lists `{other}` but this test does not know it"),
    }
}

#[test]
fn every_listed_name_compiles_and_matches() {
    let config = ExtractorConfig::default();
    for name in EXTRACTOR_NAMES {
        let (pattern, input) = trivial(name);
        let e =
            Extractor::compile(name, pattern, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(e.name(), *name);
        assert!(e.is_match(&Value::from(input)), "{name}");
        assert!(e.extract(&Value::from(input)).is_some(), "{name}");
        // Non-strings never match.
        assert!(!e.is_match(&Value::I64(1)), "{name}");
        assert!(e.extract(&Value::I64(1)).is_none(), "{name}");
    }
}

#[test]
fn unknown_names_are_errors() {
    let e = Extractor::compile("nope", "", &ExtractorConfig::default()).unwrap_err();
    assert!(e.message.contains("unknown extractor `nope`"));
    assert!(e.message.contains("dissect"));
}

#[test]
fn owned_inputs_give_owned_results() {
    let e = Extractor::compile("dissect", "%{a} %{b}", &ExtractorConfig::default()).unwrap();
    let input = Value::String(Cow::Owned("left right".to_string()));
    let out: Value<'static> = e.extract(&input).unwrap();
    drop(input);
    assert_eq!(out.get("a").and_then(Value::as_str), Some("left"));
}

#[test]
fn borrowed_extraction_agrees_with_owned() {
    let config = ExtractorConfig::default();
    for (name, pattern, input) in [
        ("dissect", "%{a} %{b}", "x y"),
        ("grok", "%{IP:ip} %{NUMBER:n:int}", "10.0.0.1 42"),
        ("re", "(?P<a>[a-z]+)", "abc"),
        ("rerg", "(?P<a>[a-z])", "a1b2"),
    ] {
        let e = Extractor::compile(name, pattern, &config).unwrap();
        let owned = e.extract_str(input).map(|v| v.to_json());
        let borrowed = e.extract_borrowed(input).map(|v| v.to_json());
        assert!(owned.is_some(), "{name}");
        assert_eq!(owned, borrowed, "{name}");
    }
}

#[test]
fn grok_config_files_are_read() {
    let dir = std::env::temp_dir().join(format!("sluice-grok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("custom.patterns");
    std::fs::write(&path, "# site patterns\nORDERID ORD-[0-9]{6}\nORDERLINE order %{ORDERID:order} by %{USERNAME:user}\n").unwrap();
    let mut config = ExtractorConfig::default();
    config.load_grok_file(&path).unwrap();
    let e = Extractor::compile("grok", "^%{ORDERLINE}$", &config).unwrap();
    let v = e.extract_str("order ORD-123456 by alice").unwrap();
    assert_eq!(v.to_json(), r#"{"order":"ORD-123456","user":"alice"}"#);
    assert!(e.extract_str("order ORD-12 by alice").is_none());
    // Without the file the name is unknown: a compile error at the reference.
    let err =
        Extractor::compile("grok", "^%{ORDERLINE}$", &ExtractorConfig::default()).unwrap_err();
    assert_eq!(err.offset, Some(1));
    std::fs::write(&path, "BROKEN\n").unwrap();
    assert!(ExtractorConfig::default().load_grok_file(&path).is_err());
    assert!(ExtractorConfig::default()
        .load_grok_file(dir.join("missing"))
        .is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn compiled() -> Vec<Extractor> {
        let c = ExtractorConfig::default();
        [
            ("re", "(?P<a>[a-z]+)=(?P<b>\\d+)"),
            ("rerg", "(?P<k>\\w+)=(?P<v>\\w+)"),
            ("glob", "a*[!x]?"),
            ("dissect", "%{a} %{+a} [%{?s}] %{&s}: %{n:int}%{_}"),
            ("dissect", "%{a->}|%{_(-)}%{b}"),
            ("grok", "%{SYSLOGLINE}"),
            ("grok", "%{IP:ip} %{NUMBER:n:float} %{DATA:d}$"),
            ("kv", ""),
            ("kv", "%{key}=%{val}&%{key}:%{val};"),
            ("json", ""),
            ("base64", ""),
            ("cidr", ""),
            ("cidr", "10.0.0.0/8, ::1/128"),
            ("influx", ""),
            ("datetime", "%Y-%m-%dT%H:%M:%S%.f%z"),
        ]
        .iter()
        .map(|(n, p)| Extractor::compile(n, p, &c).unwrap())
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Arbitrary input never panics, and the predicate agrees with the extraction.
        #[test]
        fn arbitrary_input_is_safe(s in "(?s).{0,120}", t in "[ -~]{0,80}") {
            for e in compiled() {
                for input in [s.as_str(), t.as_str()] {
                    let got = e.extract_str(input);
                    prop_assert_eq!(e.is_match_str(input), got.is_some(), "{} on {:?}", e.name(), input);
                }
            }
        }

        /// Arbitrary patterns either compile or give an error whose offset lies in the pattern.
        #[test]
        fn arbitrary_patterns_are_safe(p in "[-%{}:?+&_()\\[\\]a-zA-Z0-9 .*|\\\\=,/^$]{0,40}") {
            for name in EXTRACTOR_NAMES {
                if let Err(e) = Extractor::compile(name, &p, &ExtractorConfig::default()) {
                    if let Some(o) = e.offset {
                        prop_assert!(o <= p.len(), "{}: offset {} past {:?}", name, o, p);
                    }
                }
            }
        }
    }
}
