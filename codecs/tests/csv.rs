//! CSV: RFC 4180's examples, tremor's example, header and column modes, encoding.

mod common;

use common::{codec, decode, encode, json};

#[test]
fn rfc4180_and_tremor_examples() {
    let mut c = codec("csv", "{}");
    for (line, want) in [
        ("aaa,bbb,ccc\r\n", r#"["aaa","bbb","ccc"]"#),
        ("zzz,yyy,xxx", r#"["zzz","yyy","xxx"]"#),
        ("\"aaa\",\"bbb\",\"ccc\"", r#"["aaa","bbb","ccc"]"#),
        ("\"aaa\",\"b\r\nbb\",\"ccc\"", r#"["aaa","b\r\nbb","ccc"]"#),
        ("\"aaa\",\"b\"\"bb\",\"ccc\"", r#"["aaa","b\"bb","ccc"]"#),
        (
            r#""some "" field",1234567,other_text,"2020-01-01 00:00:00""#,
            r#"["some \" field","1234567","other_text","2020-01-01 00:00:00"]"#,
        ),
        ("a,,", r#"["a","",""]"#),
        (" spaced , kept ", r#"[" spaced "," kept "]"#),
    ] {
        let got = decode(&mut c, line.as_bytes(), 0).unwrap().unwrap();
        assert_eq!(got, json(want), "{line:?}");
    }
    assert!(decode(&mut c, b"\r\n", 0).unwrap().is_none());
}

#[test]
fn header_and_columns() {
    let mut c = codec("csv", r#"{"header":true}"#);
    assert!(decode(&mut c, b"name,age\n", 0).unwrap().is_none());
    let v = decode(&mut c, b"bob,42\n", 0).unwrap().unwrap();
    assert_eq!(v.to_json(), r#"{"name":"bob","age":"42"}"#);
    assert!(decode(&mut c, b"bob,42,extra", 0).is_err());

    let mut c = codec("csv", r#"{"columns":["a","b"],"separator":";"}"#);
    let v = decode(&mut c, b"1;\"x;y\"", 0).unwrap().unwrap();
    assert_eq!(v.to_json(), r#"{"a":"1","b":"x;y"}"#);
    let out = encode(&mut c, &json(r#"{"b":"x;y","a":1,"z":0}"#)).unwrap();
    assert_eq!(out, b"1;\"x;y\"");

    let mut c = codec("csv", r#"{"header":true,"separator":"\t"}"#);
    let out = encode(&mut c, &json(r#"{"k":"v","n":1.5}"#)).unwrap();
    assert_eq!(out, b"k\tn\nv\t1.5");
    let out = encode(&mut c, &json(r#"{"n":2,"k":"w"}"#)).unwrap();
    assert_eq!(out, b"w\t2");
}

#[test]
fn encodes_rows() {
    let mut c = codec("csv", "{}");
    for (value, want) in [
        (r#"["a","b","c",123]"#, "a,b,c,123"),
        (
            r#"["some \" field",1234567,"x,y","line\nbreak"]"#,
            "\"some \"\" field\",1234567,\"x,y\",\"line\nbreak\"",
        ),
        (
            r#"[null,true,1.5,[1,2],{"k":"v"}]"#,
            ",true,1.5,\"[1,2]\",\"{\"\"k\"\":\"\"v\"\"}\"",
        ),
        (r#"{"x":1,"y":"z"}"#, "1,z"),
    ] {
        let out = encode(&mut c, &json(value)).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), want, "{value}");
    }
    assert!(encode(&mut c, &json("42")).is_err());
}

#[test]
fn options_are_checked() {
    for bad in [
        r#"{"separator":"ab"}"#,
        r#"{"separator":"\""}"#,
        r#"{"separator":"é"}"#,
        r#"{"columns":[]}"#,
        r#"{"columns":"a,b"}"#,
        r#"{"headers":true}"#,
    ] {
        let opts = json(bad);
        assert!(
            sluice_codecs::Codec::from_spec("csv", opts.as_record()).is_err(),
            "{bad}"
        );
    }
}
