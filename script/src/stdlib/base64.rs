//! `std::base64`: the standard alphabet with padding (RFC 4648 section 4).

use std::borrow::Cow;

use base64::Engine as _;

use super::args::{arg, str_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

const ENGINE: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn encode<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let bytes: &[u8] = match arg(args, 0)? {
        Value::Bytes(b) => b,
        // Tremor takes only binaries; a string is taken as its UTF-8 bytes, which is what
        // anyone passing one means.
        Value::String(s) => s.as_bytes(),
        other => return Err(FnError::bad_arg(0, "a binary or string", other)),
    };
    Ok(Value::from(ENGINE.encode(bytes)))
}

fn decode<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    ENGINE
        .decode(s.as_bytes())
        .map(|b| Value::Bytes(Cow::Owned(b)))
        .map_err(|e| FnError::new(format!("invalid base64: {e}")))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "encode",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: encode,
        doc: "Encodes a binary (or a string's UTF-8 bytes) as base64.",
        examples: &[(
            r#"std::base64::encode(std::string::into_binary("snot"))"#,
            r#""c25vdA==""#,
        )],
    },
    FnDef {
        name: "decode",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: decode,
        doc: "Decodes a padded base64 string into a binary; invalid input is an error.",
        examples: &[(
            r#"std::string::from_utf8_lossy(std::base64::decode("c25vdA=="))"#,
            r#""snot""#,
        )],
    },
];

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::base64";

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 section 10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let bin = Value::Bytes(Cow::Borrowed(plain.as_bytes()));
            assert_eq!(
                call(M, "encode", std::slice::from_ref(&bin)),
                Ok(Value::str(enc))
            );
            assert_eq!(call(M, "decode", &[Value::str(enc)]), Ok(bin));
        }
        check(M, "encode", &[r#""snot""#], r#""c25vdA==""#);
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            r#""c25vdA""#,
            r#""c25v dA==""#,
            r#""****""#,
            r#""c25vdA===""#,
        ] {
            check_err(M, "decode", &[bad], "invalid base64");
        }
        check_err(M, "decode", &["1"], "expected a string");
        check_err(M, "encode", &["1"], "expected a binary or string");
    }
}
