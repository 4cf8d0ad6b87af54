//! `std::re`: regular expressions (Rust `regex` syntax, as in tremor).
//!
//! Patterns are compiled through the shard's [`RegexCache`](super::RegexCache), so a script
//! that calls these with the same pattern for every event compiles it once.

use regex::Regex;

use super::args::{str_arg, str_pieces};
use super::string::MAX_BUILT_STRING;
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn compile(ctx: &mut FnCtx<'_>, args: &[Value<'_>]) -> Result<Regex, FnError> {
    let pattern = str_arg(args, 0)?;
    ctx.env
        .regex_cache
        .get(pattern)
        .map_err(|e| FnError::new(format!("invalid regular expression: {e}")))
}

/// Replaces the first `limit` matches (all when `None`), expanding `$1` / `${name}` in `to`.
fn replace_matches<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>], limit: Option<usize>) -> R<'v> {
    let re = compile(ctx, args)?;
    let (input, to) = (str_arg(args, 1)?, str_arg(args, 2)?);
    let mut out = String::new();
    let mut last = 0;
    let mut replaced = false;
    for caps in re.captures_iter(input).take(limit.unwrap_or(usize::MAX)) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&input[last..m.start()]);
        caps.expand(to, &mut out);
        last = m.end();
        replaced = true;
        // `to` may repeat a capture many times: bound what one call can build.
        if out.len() > MAX_BUILT_STRING {
            return Err(FnError::new(format!(
                "the result would exceed {MAX_BUILT_STRING} bytes"
            )));
        }
    }
    if !replaced {
        return Ok(args[1].clone());
    }
    out.push_str(&input[last..]);
    Ok(Value::from(out))
}

fn replace<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    replace_matches(ctx, args, Some(1))
}

fn replace_all<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    replace_matches(ctx, args, None)
}

fn is_match<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let re = compile(ctx, args)?;
    Ok(Value::Bool(re.is_match(str_arg(args, 1)?)))
}

fn split<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let re = compile(ctx, args)?;
    Ok(Value::Array(str_pieces(args, 1, |s| {
        re.split(s).collect()
    })?))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "replace",
        params: &["regex", "input", "to"],
        arity: Arity::Exact(3),
        pure: true,
        f: replace,
        doc: "Replaces the first match of `regex` in `input` by `to`, where `$1` or `${name}` insert captures.",
        examples: &[
            (r#"std::re::replace("t...", "this is a test", "cake")"#, r#""cake is a test""#),
            (r#"std::re::replace("(\\w+)@(\\w+)", "ann@home", "$2:$1")"#, r#""home:ann""#),
        ],
    },
    FnDef {
        name: "replace_all",
        params: &["regex", "input", "to"],
        arity: Arity::Exact(3),
        pure: true,
        f: replace_all,
        doc: "Replaces every match of `regex` in `input` by `to`, where `$1` or `${name}` insert captures.",
        examples: &[(
            r#"std::re::replace_all("t...", "this is a test", "cake")"#,
            r#""cake is a cake""#,
        )],
    },
    FnDef {
        name: "is_match",
        params: &["regex", "input"],
        arity: Arity::Exact(2),
        pure: true,
        f: is_match,
        doc: "Whether `regex` matches anywhere in `input`.",
        examples: &[(r#"std::re::is_match("^t.*t$", "this is a test")"#, "true")],
    },
    FnDef {
        name: "split",
        params: &["regex", "input"],
        arity: Arity::Exact(2),
        pure: true,
        f: split,
        doc: "Splits `input` at every match of `regex`.",
        examples: &[(
            r#"std::re::split(" +", "this is  a test")"#,
            r#"["this","is","a","test"]"#,
        )],
    },
];

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::testing::{call, call_in, check, check_err, test_env};
    use crate::Value;

    const M: &str = "std::re";

    #[test]
    fn replacing() {
        check(M, "replace", &[r#""x""#, r#""abc""#, r#""y""#], r#""abc""#);
        check(
            M,
            "replace_all",
            &[r#""""#, r#""ab""#, r#""-""#],
            r#""-a-b-""#,
        );
        check(
            M,
            "replace_all",
            &[
                r#""(?P<k>\\w+)=(?P<v>\\w+)""#,
                r#""a=1 b=2""#,
                r#""${v}=${k}""#,
            ],
            r#""1=a 2=b""#,
        );
        check(M, "replace", &[r#""(a)""#, r#""aa""#, r#""$9""#], r#""a""#);
    }

    #[test]
    fn unchanged_input_is_not_copied() {
        let buf = String::from("nothing here");
        let r = call(
            M,
            "replace_all",
            &[Value::str("\\d"), Value::str(&buf), Value::str("#")],
        );
        assert!(matches!(r, Ok(Value::String(Cow::Borrowed(_)))));
    }

    #[test]
    fn huge_expansions_are_refused() {
        let input = Value::from("a".repeat(1 << 20));
        let to = Value::from("$0".repeat(100));
        let r = call(M, "replace_all", &[Value::str(".+"), input, to]);
        assert!(r.is_err_and(|e| e.message.contains("exceed")));
    }

    #[test]
    fn matching_and_splitting() {
        check(
            M,
            "is_match",
            &[r#""x...""#, r#""this is a test""#],
            "false",
        );
        check(M, "is_match", &[r#""(?i)TEST""#, r#""a test""#], "true");
        check(
            M,
            "split",
            &[r#""\\s*,\\s*""#, r#""a , b,c""#],
            r#"["a","b","c"]"#,
        );
        check(M, "split", &[r#""x""#, r#""""#], r#"[""]"#);
        // tremor-cli/tests/stdlib/std/all.tremor
        check(
            M,
            "split",
            &[r#""a[abc]""#, r#""snotabsnotacsnotacsnotacsnotaabadger""#],
            r#"["snot","snot","snot","snot","snot","badger"]"#,
        );
        check(
            M,
            "replace",
            &[r#""c""#, r#""abacacaca""#, r#""b""#],
            r#""ababacaca""#,
        );
        check(M, "is_match", &[r#""(a?)+a?""#, r#""abacacaca""#], "true");
    }

    #[test]
    fn bad_patterns_and_types_are_errors() {
        check_err(
            M,
            "is_match",
            &[r#""(""#, r#""x""#],
            "invalid regular expression",
        );
        check_err(
            M,
            "split",
            &[r#""[z-a]""#, r#""x""#],
            "invalid regular expression",
        );
        check_err(
            M,
            "replace",
            &["1", r#""x""#, r#""y""#],
            "expected a string for argument 1",
        );
        check_err(M, "replace", &[r#""x""#, r#""x""#, "null"], "argument 3");
        check_err(M, "is_match", &[r#""x""#, "[]"], "argument 2");
    }

    #[test]
    fn patterns_are_compiled_once_per_environment() {
        let mut env = test_env();
        let args = [Value::str("a+"), Value::str("caab")];
        for _ in 0..3 {
            let r = call_in(&mut env, 1, None, M, "is_match", &args);
            assert_eq!(r, Ok(Value::Bool(true)));
        }
        let cached = env.regex_cache.get("a+");
        assert!(cached.is_ok());
    }
}
