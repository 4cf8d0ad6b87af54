//! `std::binary`.

use std::borrow::Cow;

use super::args::{array_arg, bytes_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn len<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(bytes_arg(args, 0)?.len()))
}

fn from_bytes<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    let mut out = Vec::with_capacity(a.len());
    for (i, v) in a.iter().enumerate() {
        match v.as_u64().and_then(|n| u8::try_from(n).ok()) {
            Some(b) => out.push(b),
            None => {
                return Err(FnError::new(format!(
                    "element {i} is not a byte (an integer from 0 to 255): {}",
                    v.to_json()
                )))
            }
        }
    }
    Ok(Value::Bytes(Cow::Owned(out)))
}

fn into_bytes<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Array(
        bytes_arg(args, 0)?
            .iter()
            .map(|b| Value::I64(i64::from(*b)))
            .collect(),
    ))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "len",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: len,
        doc: "The number of bytes in a binary.",
        examples: &[(r#"std::binary::len(std::string::into_binary("snot"))"#, "4")],
    },
    FnDef {
        name: "from_bytes",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_bytes,
        doc: "A binary from an array of integers from 0 to 255.",
        examples: &[(
            "std::binary::from_bytes([115, 110, 111, 116])",
            r#""c25vdA==""#,
        )],
    },
    FnDef {
        name: "into_bytes",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: into_bytes,
        doc: "The bytes of a binary as an array of integers.",
        examples: &[(
            r#"std::binary::into_bytes(std::string::into_binary("snot"))"#,
            "[115,110,111,116]",
        )],
    },
];

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::testing::{call, check_err};
    use crate::Value;

    const M: &str = "std::binary";

    #[test]
    fn round_trip() {
        let bytes = Value::Bytes(Cow::Borrowed(&[0, 1, 255]));
        assert_eq!(
            call(M, "len", std::slice::from_ref(&bytes)),
            Ok(Value::I64(3))
        );
        let arr = call(M, "into_bytes", std::slice::from_ref(&bytes)).expect("array");
        assert_eq!(arr.to_json(), "[0,1,255]");
        assert_eq!(call(M, "from_bytes", &[arr]), Ok(bytes));
        assert_eq!(
            call(M, "from_bytes", &[Value::array()]),
            Ok(Value::Bytes(Cow::Borrowed(&[])))
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        check_err(M, "from_bytes", &["[1, 256]"], "element 1 is not a byte");
        check_err(M, "from_bytes", &["[-1]"], "element 0");
        check_err(M, "from_bytes", &["[1.0]"], "element 0");
        check_err(M, "from_bytes", &["\"abc\""], "expected an array");
        check_err(
            M,
            "len",
            &["\"abc\""],
            "expected a binary for argument 1, got string",
        );
        check_err(M, "into_bytes", &["[1]"], "expected a binary");
    }
}
