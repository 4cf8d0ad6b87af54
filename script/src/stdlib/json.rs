//! `std::json`.

use super::args::{shallow_arg, str_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::{write_json, write_json_string, Value};

type R<'v> = Result<Value<'v>, FnError>;

fn decode<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    // simd-json unescapes in place, so it works on a copy; the result must own its strings.
    let mut buf = s.as_bytes().to_vec();
    ctx.env
        .json
        .decoder
        .decode(&mut buf)
        .map(Value::into_static)
        .map_err(|e| FnError::new(format!("cannot decode JSON: {e}")))
}

fn into_string<'v>(out: Vec<u8>) -> R<'v> {
    String::from_utf8(out)
        .map(Value::from)
        .map_err(|_| FnError::new("encoder produced invalid UTF-8"))
}

fn encode<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let mut out = Vec::with_capacity(64);
    write_json(shallow_arg(args, 0)?, &mut out);
    into_string(out)
}

fn encode_pretty<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let mut out = Vec::with_capacity(128);
    write_pretty(shallow_arg(args, 0)?, 0, &mut out);
    into_string(out)
}

/// Two-space indentation, `"key": value`, empty containers as `[]` and `{}`: the layout of
/// tremor's (simd-json's) pretty printer.
fn write_pretty(v: &Value<'_>, indent: usize, out: &mut Vec<u8>) {
    let newline = |out: &mut Vec<u8>, n: usize| {
        out.push(b'\n');
        out.resize(out.len() + 2 * n, b' ');
    };
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, indent + 1);
                write_pretty(x, indent + 1, out);
            }
            newline(out, indent);
            out.push(b']');
        }
        Value::Record(r) if !r.is_empty() => {
            out.push(b'{');
            for (i, (k, x)) in r.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, indent + 1);
                write_json_string(k, out);
                out.extend_from_slice(b": ");
                write_pretty(x, indent + 1, out);
            }
            newline(out, indent);
            out.push(b'}');
        }
        scalar_or_empty => write_json(scalar_or_empty, out),
    }
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "decode",
        params: &["string"],
        arity: Arity::Exact(1),
        pure: true,
        f: decode,
        doc: "Parses a string holding one JSON document; malformed JSON is an error.",
        examples: &[
            (r#"std::json::decode("[1, 2, 3, 4]")"#, "[1,2,3,4]"),
            (
                r#"std::json::decode("{\"a\": {\"b\": null}}")"#,
                r#"{"a":{"b":null}}"#,
            ),
        ],
    },
    FnDef {
        name: "encode",
        params: &["any"],
        arity: Arity::Exact(1),
        pure: true,
        f: encode,
        doc: "Serialises a value as compact JSON (record fields in order, binaries as base64).",
        examples: &[
            ("std::json::encode([1, 2, 3, 4])", r#""[1,2,3,4]""#),
            (r#"std::json::encode({"a": "b"})"#, r#""{\"a\":\"b\"}""#),
        ],
    },
    FnDef {
        name: "encode_pretty",
        params: &["any"],
        arity: Arity::Exact(1),
        pure: true,
        f: encode_pretty,
        doc: "Serialises a value as JSON indented by two spaces per level.",
        examples: &[
            ("std::json::encode_pretty([1, 2])", r#""[\n  1,\n  2\n]""#),
            (
                r#"std::json::encode_pretty({"a": []})"#,
                r#""{\n  \"a\": []\n}""#,
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::json";

    #[test]
    fn decode_keeps_types_and_order() {
        check(M, "decode", &[r#""\"snot\"""#], r#""snot""#);
        check(
            M,
            "decode",
            &[r#""18446744073709551615""#],
            "18446744073709551615",
        );
        check(M, "decode", &[r#""1.0""#], "1.0");
        let r = call(M, "decode", &[Value::str(r#"{"z":1,"a":2}"#)]).map(|v| v.to_json());
        assert_eq!(r.as_deref(), Ok(r#"{"z":1,"a":2}"#));
    }

    #[test]
    fn malformed_json_is_an_error() {
        for bad in [r#""""#, r#""{""#, r#""[1,]""#, r#""nul""#, r#""1 2""#] {
            check_err(M, "decode", &[bad], "cannot decode JSON");
        }
        let deep = format!("{}{}", "[".repeat(600), "]".repeat(600));
        assert!(call(M, "decode", &[Value::from(deep)]).is_err());
        check_err(M, "decode", &["[]"], "expected a string");
        // The decoder kept in the environment still works after failures.
        check(M, "decode", &[r#""[true]""#], "[true]");
    }

    #[test]
    fn encode_round_trips() {
        let doc = r#"{"a":[1,-2.5,"x\ny",null,true],"b":{},"c":[]}"#;
        let v = call(M, "decode", &[Value::str(doc)]).expect("decodes");
        assert_eq!(
            call(M, "encode", std::slice::from_ref(&v)),
            Ok(Value::str(doc))
        );
        let pretty = call(M, "encode_pretty", &[v]).expect("encodes");
        assert_eq!(
            pretty.as_str(),
            Some("{\n  \"a\": [\n    1,\n    -2.5,\n    \"x\\ny\",\n    null,\n    true\n  ],\n  \"b\": {},\n  \"c\": []\n}")
        );
        assert_eq!(
            call(M, "encode_pretty", &[Value::I64(1)]),
            Ok(Value::str("1"))
        );
        assert_eq!(
            call(M, "encode", &[Value::from(b"hi".to_vec())]),
            Ok(Value::str("\"aGk=\""))
        );
    }

    #[test]
    fn encode_refuses_absurd_depth() {
        let mut v = Value::Null;
        for _ in 0..1_000 {
            v = Value::Array(vec![v]);
        }
        assert!(call(M, "encode", std::slice::from_ref(&v))
            .is_err_and(|e| e.message.contains("deeper")));
        assert!(call(M, "encode_pretty", &[v]).is_err());
    }
}
