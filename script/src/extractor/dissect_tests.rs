use super::*;

fn run(pattern: &str, input: &str) -> Option<String> {
    let d = Dissect::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let owned = d
        .extract(input, |k| Cow::Owned(k.to_owned()))
        .map(|v| v.to_json());
    // The predicate form and the borrowed form agree with the owned extraction.
    assert_eq!(d.is_match(input), owned.is_some(), "{pattern} on {input:?}");
    let borrowed = d.extract(input, Cow::Borrowed).map(|v| v.to_json());
    assert_eq!(owned, borrowed);
    owned
}

#[test]
fn matches_table() {
    // (pattern, input, expected JSON or None). Expectations follow tremor's dissect docs
    // and the dissect crate's documented examples.
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("%{a} %{b}", "John Doe", Some(r#"{"a":"John","b":"Doe"}"#)),
        (
            "%{name}, %{age}",
            "John Doe, 22",
            Some(r#"{"name":"John Doe","age":"22"}"#),
        ),
        ("%{name}", "John", Some(r#"{"name":"John"}"#)),
        // Empty field.
        ("%{name}, %{age}", ", 22", Some(r#"{"name":"","age":"22"}"#)),
        // Append, with and without `+` on the first token.
        (
            "%{+name} %{+name}, %{age}",
            "John Doe, 22",
            Some(r#"{"name":"John Doe","age":"22"}"#),
        ),
        (
            "this is a %{arr} %{+arr}",
            "this is a test case",
            Some(r#"{"arr":"test case"}"#),
        ),
        (
            "this is a %{+arr} case named %{+arr}",
            "this is a test case named cake",
            Some(r#"{"arr":"test cake"}"#),
        ),
        // Skip and lookup.
        (
            "%{?first_name} %{last_name}, %{age}",
            "John Doe, 22",
            Some(r#"{"last_name":"Doe","age":"22"}"#),
        ),
        (
            "%{?name}, %{&name}",
            "John Doe, 22",
            Some(r#"{"John Doe":"22"}"#),
        ),
        ("%{?name}: %{&name:int}", "key: 42", Some(r#"{"key":42}"#)),
        (
            "this is a %{?name} %{what} named %{&name}",
            "this is a test case named cake",
            Some(r#"{"what":"case","test":"cake"}"#),
        ),
        // Types.
        (
            "%{name}, %{age:int}",
            "John Doe, 22",
            Some(r#"{"name":"John Doe","age":22}"#),
        ),
        ("%{x:float}", "1.5", Some(r#"{"x":1.5}"#)),
        ("%{x:string}", "12", Some(r#"{"x":"12"}"#)),
        // Padding.
        (
            "%{name}, %{_}%{age}",
            "John Doe,                22",
            Some(r#"{"name":"John Doe","age":"22"}"#),
        ),
        (
            "%{name}, %{_(-)}%{age}",
            "John Doe, -----------------------22",
            Some(r#"{"name":"John Doe","age":"22"}"#),
        ),
        (
            "%{a}%{_}%{b}",
            "this     works",
            Some(r#"{"a":"this","b":"works"}"#),
        ),
        ("%{a}%{_}", "this   ", Some(r#"{"a":"this"}"#)),
        ("%{a}%{_}", "this", Some(r#"{"a":"this"}"#)),
        ("%{_}%{b}", "     works", Some(r#"{"b":"works"}"#)),
        (
            "%{name}%{_}|%{age}",
            "John|22",
            Some(r#"{"name":"John","age":"22"}"#),
        ),
        ("|%{n}%{_}|", "|Jim |", Some(r#"{"n":"Jim"}"#)),
        (
            "%{_}this%{_}%{_(-)}works",
            "this     -----works",
            Some("{}"),
        ),
        (
            "this is a %{what}%{_( case)} named %{name}",
            "this is a test case named cake",
            Some(r#"{"what":"test","name":"cake"}"#),
        ),
        // tremor's docs example.
        (
            "%{date}%{_(-)} %{?priority} %{&priority} %{+snot} %{+snot}",
            // As tremor: appended parts join with the last padding seen (`-` here).
            "2019-04-20------------------- high 3 foo bar",
            Some(r#"{"date":"2019-04-20","high":"3","snot":"foo-bar"}"#),
        ),
        (
            "%{protocol}://%{host}.%{.tld}",
            "http://example.com/",
            Some(r#"{"protocol":"http","host":"example",".tld":"com/"}"#),
        ),
        // A trailing padding only trims the last field (tremor 0.12's dissect crate failed
        // this line, splitting at the first space; its docs' own padding example needs this).
        (
            "%{ts} %{host} %{prog}: %{msg}%{_}",
            "2019-04-26 host tremor: dissect is working fine  ",
            Some(
                r#"{"ts":"2019-04-26","host":"host","prog":"tremor","msg":"dissect is working fine"}"#,
            ),
        ),
        (
            "%{a}%{_}%{_(-)}|%{b}",
            "x - -- |y",
            Some(r#"{"a":"x","b":"y"}"#),
        ),
        // Anonymous skips.
        (
            "%{}, [%{log_timestamp} #%{pid}] %{log_level} -- %{}: %{message}",
            "foo, [12345 #12] high -- 1: log failed",
            Some(
                r#"{"log_timestamp":"12345","pid":"12","log_level":"high","message":"log failed"}"#,
            ),
        ),
        // Literal `%` and `}` delimiters.
        (
            "%{name}}%{age}",
            "John}22",
            Some(r#"{"name":"John","age":"22"}"#),
        ),
        (
            "%{name}%%{age}",
            "John%22",
            Some(r#"{"name":"John","age":"22"}"#),
        ),
        // Escapes in delimiters.
        (r"%{a}\t%{b}", "x\ty", Some(r#"{"a":"x","b":"y"}"#)),
        (r"%{a}\\%{b}", r"x\y", Some(r#"{"a":"x","b":"y"}"#)),
        // Logstash's right padding.
        ("%{a->} %{b}", "x     y", Some(r#"{"a":"x","b":"y"}"#)),
        ("%{?a->} %{b}", "x   y", Some(r#"{"b":"y"}"#)),
        // Non-ASCII input is split on char boundaries.
        ("%{a}·%{b}", "größe·ünï", Some(r#"{"a":"größe","b":"ünï"}"#)),
        // Empty pattern matches only the empty string.
        ("", "", Some("{}")),
    ];
    for (pattern, input, want) in cases {
        assert_eq!(
            run(pattern, input).as_deref(),
            *want,
            "{pattern} on {input:?}"
        );
    }
}

#[test]
fn malformed_input_does_not_match() {
    let cases: &[(&str, &str)] = &[
        ("%{name} cake", "John"),
        (".%{name}", "John"),
        ("%{name}%%{age}", "John}22"),
        ("%{a} %{b}", "nodelimiter"),
        // Data left over after the pattern.
        ("%{a} %{b} end", "x y end and more"),
        ("%{name}%{_}%{_(|)}%{age}", "John22"),
        ("%{age:int}", "twenty"),
        ("%{age:int}", "1.5"),
        ("%{x:float}", "abc"),
        // Lookup of an empty key.
        ("%{?k}:%{&k}", ":v"),
        ("", "x"),
        ("prefix%{a}", ""),
    ];
    for (pattern, input) in cases {
        assert_eq!(run(pattern, input), None, "{pattern} on {input:?}");
    }
}

#[test]
fn bad_patterns_are_compile_errors_with_offsets() {
    let cases: &[(&str, usize)] = &[
        ("%{test", 0),
        ("%{test %{case}", 0),
        ("this is %{test case", 8),
        ("%{test}%{pattern}", 7),
        ("%{a}%{_}%{b}%{c}", 12),
        ("%{?}", 0),
        ("%{+}", 0),
        ("x %{&}", 2),
        ("%{a} %{&b}", 5),
        ("%{a:bool}", 0),
        ("%{+a:int}", 0),
        ("%{a:int} %{+a}", 9),
        ("%{_x}", 0),
        ("%{_()}", 0),
        ("%{a}%{_} x", 8),
        (r"%{a}\q%{b}", 4),
        ("%{a}x\\", 5),
    ];
    for (pattern, offset) in cases {
        let e = Dissect::compile(pattern).expect_err(pattern);
        assert_eq!(e.extractor, "dissect");
        assert_eq!(e.offset, Some(*offset), "{pattern}: {}", e.message);
    }
}

#[test]
fn values_borrow_from_the_input() {
    let d = Dissect::compile("%{a} %{b}").unwrap();
    let v = d
        .extract("left right", |k| Cow::Owned(k.to_owned()))
        .unwrap();
    for (_, val) in v.as_record().unwrap().iter() {
        assert!(matches!(val, Value::String(Cow::Borrowed(_))));
    }
}
