//! `std::string`.

use std::borrow::Cow;

use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

fn str_arg<'a, 'v>(args: &'a [Value<'v>], i: usize) -> Result<&'a str, FnError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(FnError::bad_arg(i, "a string", other)),
        None => Err(FnError::new(format!("missing argument {}", i + 1))),
    }
}

fn len<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    Ok(Value::from(str_arg(args, 0)?.chars().count()))
}

fn uppercase<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    Ok(Value::String(Cow::Owned(str_arg(args, 0)?.to_uppercase())))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "len",
        arity: Arity::Exact(1),
        pure: true,
        f: len,
        doc: "The number of characters (not bytes) in a string.",
        examples: &[(r#"std::string::len("héllo")"#, "5")],
    },
    FnDef {
        name: "uppercase",
        arity: Arity::Exact(1),
        pure: true,
        f: uppercase,
        doc: "The string in upper case.",
        examples: &[(r#"std::string::uppercase("abc")"#, r#""ABC""#)],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::call;
    use crate::Value;

    #[test]
    fn len_counts_chars() {
        assert_eq!(
            call("std::string", "len", &[Value::from("héllo")]),
            Ok(Value::I64(5))
        );
        assert!(call("std::string", "len", &[Value::I64(1)]).is_err());
    }
}
