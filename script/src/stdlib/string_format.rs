//! `std::string::format`: `{}` placeholders filled from the arguments in order.

use std::borrow::Cow;

use super::args::push_display;
use super::{FnCtx, FnError};
use crate::Value;

/// Fills each `{}` in the format string (argument 1) with the next argument. `{{` and `}}`
/// are literal braces, and `\{` / `\}` too; strings are spliced as they are and other values
/// as JSON. Too few or too many arguments for the placeholders is an error, as in tremor.
pub(super) fn format<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    let fmt = match args.first() {
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(FnError::new(format!(
                "expected a format string for argument 1, got {} (to print a value use \
                 string::format(\"{{}}\", value))",
                other.value_type()
            )))
        }
        None => return Err(FnError::new("missing the format string")),
    };
    let mut rest = args[1..].iter();
    let mut out = String::with_capacity(fmt.len() + 16 * (args.len() - 1));
    let mut chars = fmt.chars().enumerate();
    while let Some((pos, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, c @ ('{' | '}'))) => out.push(c),
                Some((_, c)) => {
                    out.push('\\');
                    out.push(c);
                }
                None => return Err(FnError::new(format!("bad escape sequence at {pos}"))),
            },
            '{' => match chars.next() {
                Some((_, '}')) => match rest.next() {
                    Some(v) => push_display(&mut out, v),
                    None => {
                        return Err(FnError::new(format!(
                            "fewer arguments than `{{}}` placeholders: the placeholder at \
                             {pos} cannot be filled"
                        )))
                    }
                },
                Some((_, '{')) => out.push('{'),
                _ => {
                    return Err(FnError::new(format!(
                        "invalid format specifier at {pos}: write `{{{{` for a literal `{{`"
                    )))
                }
            },
            '}' => match chars.next() {
                Some((_, '}')) => out.push('}'),
                _ => {
                    return Err(FnError::new(format!(
                        "invalid format specifier at {pos}: write `}}}}` for a literal `}}`"
                    )))
                }
            },
            c => out.push(c),
        }
    }
    if rest.next().is_some() {
        return Err(FnError::new(
            "more arguments than `{}` placeholders in the format string",
        ));
    }
    Ok(Value::String(Cow::Owned(out)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call_json, check, check_err};

    #[test]
    fn fills_placeholders_in_order() {
        check(
            "std::string",
            "format",
            &[r#""the {} is {}.""#, r#""meaning of life""#, "42"],
            r#""the meaning of life is 42.""#,
        );
        check(
            "std::string",
            "format",
            &[r#""{}""#, "[1,{\"a\":null}]"],
            r#""[1,{\"a\":null}]""#,
        );
        check("std::string", "format", &[r#""{}""#, "1.5"], r#""1.5""#);
        check("std::string", "format", &[r#""plain""#], r#""plain""#);
        check(
            "std::string",
            "format",
            &[r#""é{}é""#, r#""ü""#],
            r#""éüé""#,
        );
    }

    #[test]
    fn escapes_braces() {
        check(
            "std::string",
            "format",
            &[r#""{{ this is a string format in parenthesis }}""#],
            r#""{ this is a string format in parenthesis }""#,
        );
        check("std::string", "format", &[r#""\\{\\}""#], r#""{}""#);
        check("std::string", "format", &[r#""a\\nb""#], r#""a\\nb""#);
    }

    #[test]
    fn placeholder_count_must_match() {
        check_err("std::string", "format", &[r#""a {}""#], "cannot be filled");
        check_err("std::string", "format", &[r#""a""#, "1"], "more arguments");
        check_err(
            "std::string",
            "format",
            &[r#""a { b""#],
            "invalid format specifier at 2",
        );
        check_err(
            "std::string",
            "format",
            &[r#""a } b""#],
            "invalid format specifier at 2",
        );
        check_err("std::string", "format", &[r#""trailing \\""#], "bad escape");
        check_err("std::string", "format", &["1"], "format string");
        assert!(call_json("std::string", "format", &[r#""{}{}""#, "1", "2"]).is_ok());
    }
}
