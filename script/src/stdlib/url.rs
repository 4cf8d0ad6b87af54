//! `std::url`: percent-encoding.

use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

use super::args::str_arg;
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn encode<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    // Like tremor: everything but ASCII letters and digits is escaped.
    Ok(Value::from(
        utf8_percent_encode(str_arg(args, 0)?, NON_ALPHANUMERIC).to_string(),
    ))
}

fn decode<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    match percent_decode_str(s).decode_utf8() {
        Ok(d) => Ok(Value::from(d.into_owned())),
        Err(_) => Err(FnError::new(format!("{s:?} does not decode to UTF-8 text"))),
    }
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "encode",
        params: &["str"],
        arity: Arity::Exact(1),
        pure: true,
        f: encode,
        doc: "Percent-encodes every byte of the string that is not an ASCII letter or digit.",
        examples: &[(
            r#"std::url::encode("beep:snot/foobar")"#,
            r#""beep%3Asnot%2Ffoobar""#,
        )],
    },
    FnDef {
        name: "decode",
        params: &["str"],
        arity: Arity::Exact(1),
        pure: true,
        f: decode,
        doc: "Decodes `%XX` escapes (`+` stays a plus); a result that is not UTF-8 is an error.",
        examples: &[(
            r#"std::url::decode("beep%3Asnot%2Ffoobar")"#,
            r#""beep:snot/foobar""#,
        )],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::url";

    #[test]
    fn round_trip() {
        check(M, "encode", &[r#""snot badger""#], r#""snot%20badger""#);
        check(M, "encode", &[r#""é-_.~""#], r#""%C3%A9%2D%5F%2E%7E""#);
        check(
            M,
            "decode",
            &[r#""%22snot%20badger%22""#],
            r#""\"snot badger\"""#,
        );
        check(M, "decode", &[r#""a+b%2""#], r#""a+b%2""#);
        check(M, "decode", &[r#""%C3%A9""#], r#""é""#);
    }

    #[test]
    fn reserved_characters_as_tremor_escapes_them() {
        // tremor-cli/tests/stdlib/std/all.tremor
        let plain = r#""!*'();:@&=+$,/?#[]""#;
        let enc = r#""%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D""#;
        check(M, "encode", &[plain], enc);
        check(M, "decode", &[enc], plain);
    }

    #[test]
    fn malformed_input_is_an_error() {
        check_err(M, "decode", &[r#""%FF""#], "does not decode to UTF-8");
        check_err(M, "decode", &["7"], "expected a string");
        check_err(M, "encode", &["null"], "expected a string");
    }
}
