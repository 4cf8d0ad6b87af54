//! The line parser on hand-made lines (the spec's examples and corpus tables live in
//! codecs/tests).

use super::*;

fn one(s: &str) -> Result<Value<'_>, Error> {
    let mut p = Parser::new(s.as_bytes(), Precision::Nanoseconds, 7);
    p.next_entry().expect("an entry")
}

#[test]
fn reference_example() {
    let v = one("weather,location=us-midwest temperature=82 1465839830100400200").unwrap();
    assert_eq!(
        v.to_json(),
        r#"{"measurement":"weather","tags":{"location":"us-midwest"},"fields":{"temperature":82.0},"timestamp":1465839830100400200}"#
    );
}

#[test]
fn escapes_borrow_only_when_clean() {
    let v = one(r#"my\ m,t\=k=v\,1 f\ k="a\"b\\c\nd",g=1i,h=2u,b=TRUE"#).unwrap();
    assert_eq!(v.get("measurement").and_then(Value::as_str), Some("my m"));
    let tags = v.get("tags").unwrap();
    assert_eq!(tags.get("t=k").and_then(Value::as_str), Some("v,1"));
    let f = v.get("fields").unwrap();
    assert_eq!(f.get("f k").and_then(Value::as_str), Some("a\"b\\c\nd"));
    assert!(matches!(f.get("g"), Some(Value::I64(1))));
    assert!(matches!(f.get("h"), Some(Value::U64(2))));
    assert!(matches!(f.get("b"), Some(Value::Bool(true))));
    assert!(matches!(v.get("timestamp"), Some(Value::I64(7))));
    assert!(matches!(
        v.get("measurement"),
        Some(Value::String(Cow::Owned(_)))
    ));
    let v = one("cpu v=1").unwrap();
    assert!(matches!(
        v.get("measurement"),
        Some(Value::String(Cow::Borrowed(_)))
    ));
}

#[test]
fn errors_carry_position() {
    let e = one("cpu,host=a value").unwrap_err();
    assert!(e.to_string().contains("at line 1:17"), "{e}");
    let e = one("cpu v=9223372036854775808i").unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
}

#[test]
fn precision_scales_and_checks_overflow() {
    let mut p = Parser::new(b"c v=1 1600000000", Precision::Seconds, 0);
    let v = p.next_entry().unwrap().unwrap();
    assert!(matches!(
        v.get("timestamp"),
        Some(Value::I64(1_600_000_000_000_000_000))
    ));
    let mut p = Parser::new(b"c v=1 9223372037", Precision::Seconds, 0);
    assert!(p.next_entry().unwrap().is_err());
    // The default time is truncated to the precision.
    let mut p = Parser::new(b"c v=1", Precision::Milliseconds, 1_234_567_891);
    let v = p.next_entry().unwrap().unwrap();
    assert!(matches!(
        v.get("timestamp"),
        Some(Value::I64(1_234_000_000))
    ));
}
