//! `std::integer`.

use super::args::str_arg;
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

fn parse<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    let s = str_arg(args, 0)?;
    if let Ok(i) = s.parse::<i64>() {
        return Ok(Value::I64(i));
    }
    match s.parse::<u64>() {
        Ok(u) => Ok(Value::U64(u)),
        Err(e) => Err(FnError::new(format!(
            "cannot parse {s:?} as an integer: {e}"
        ))),
    }
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[FnDef {
    name: "parse",
    params: &["string"],
    arity: Arity::Exact(1),
    pure: true,
    f: parse,
    doc: "Parses a decimal integer (optional sign, no spaces); anything else is an error.",
    examples: &[
        (r#"std::integer::parse("42")"#, "42"),
        (r#"std::integer::parse("-17")"#, "-17"),
    ],
}];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::integer";

    #[test]
    fn parses_the_whole_range() {
        check(M, "parse", &[r#""+5""#], "5");
        check(
            M,
            "parse",
            &[r#""-9223372036854775808""#],
            "-9223372036854775808",
        );
        check(
            M,
            "parse",
            &[r#""18446744073709551615""#],
            "18446744073709551615",
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            r#""""#,
            r#"" 1""#,
            r#""1.0""#,
            r#""0x10""#,
            r#""18446744073709551616""#,
            r#""abc""#,
        ] {
            check_err(M, "parse", &[bad], "cannot parse");
        }
        check_err(M, "parse", &["1"], "expected a string");
    }
}
