//! `std::string`.

use std::borrow::Cow;

use super::args::{arg, bytes_arg, str_arg, str_pieces, sub_str, usize_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

/// Largest string `replace` may build; more is an error rather than an allocation.
pub(super) const MAX_BUILT_STRING: usize = 64 << 20;

type R<'v> = Result<Value<'v>, FnError>;

fn owned<'v>(s: String) -> Value<'v> {
    Value::String(Cow::Owned(s))
}

fn len<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(str_arg(args, 0)?.chars().count()))
}

fn bytes<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(str_arg(args, 0)?.len()))
}

fn is_empty<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(str_arg(args, 0)?.is_empty()))
}

fn replace<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (input, from, to) = (str_arg(args, 0)?, str_arg(args, 1)?, str_arg(args, 2)?);
    if to.len() > from.len() {
        // An empty `from` matches between every character: bound the result first.
        let hits = if from.is_empty() {
            input.chars().count() + 1
        } else {
            input.matches(from).count()
        };
        let grown = hits.saturating_mul(to.len() - from.len());
        if input.len().saturating_add(grown) > MAX_BUILT_STRING {
            return Err(FnError::new(format!(
                "the result would exceed {MAX_BUILT_STRING} bytes"
            )));
        }
    }
    if !from.is_empty() && !input.contains(from) {
        return Ok(args[0].clone());
    }
    Ok(owned(input.replace(from, to)))
}

fn trim<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    sub_str(args, 0, str::trim)
}

fn trim_start<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    sub_str(args, 0, str::trim_start)
}

fn trim_end<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    sub_str(args, 0, str::trim_end)
}

fn lowercase<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(owned(str_arg(args, 0)?.to_lowercase()))
}

fn uppercase<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(owned(str_arg(args, 0)?.to_uppercase()))
}

fn capitalize<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    let mut chars = s.chars();
    Ok(match chars.next() {
        None => Value::str(""),
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(chars.as_str());
            owned(out)
        }
    })
}

fn substr<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    let start = usize_arg(args, 1)?;
    let end = usize_arg(args, 2)?;
    // Indices count characters; past the end they clamp, and start >= end is empty.
    let byte_at = |n: usize| s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    let (b, e) = (byte_at(start), byte_at(end));
    sub_str(args, 0, |s| if b < e { &s[b..e] } else { "" })
}

fn split<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let sep = str_arg(args, 1)?.to_owned();
    Ok(Value::Array(str_pieces(args, 0, |s| {
        s.split(sep.as_str()).collect()
    })?))
}

fn contains<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(str_arg(args, 0)?.contains(str_arg(args, 1)?)))
}

fn starts_with<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(
        str_arg(args, 0)?.starts_with(str_arg(args, 1)?),
    ))
}

fn ends_with<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(str_arg(args, 0)?.ends_with(str_arg(args, 1)?)))
}

fn from_utf8_lossy<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    match arg(args, 0)? {
        Value::Bytes(Cow::Borrowed(b)) => Ok(Value::String(String::from_utf8_lossy(b))),
        _ => Ok(owned(
            String::from_utf8_lossy(bytes_arg(args, 0)?).into_owned(),
        )),
    }
}

fn into_binary<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    match arg(args, 0)? {
        Value::String(Cow::Borrowed(s)) => Ok(Value::Bytes(Cow::Borrowed(s.as_bytes()))),
        _ => Ok(Value::Bytes(Cow::Owned(
            str_arg(args, 0)?.as_bytes().to_vec(),
        ))),
    }
}

fn reverse<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(owned(str_arg(args, 0)?.chars().rev().collect()))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "len",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: len,
        doc: "The number of characters (Unicode code points, not bytes) in a string.",
        examples: &[(r#"std::string::len("héllo")"#, "5")],
    },
    FnDef {
        name: "bytes",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: bytes,
        doc: "The number of bytes of a string's UTF-8 encoding.",
        examples: &[(r#"std::string::bytes("héllo")"#, "6")],
    },
    FnDef {
        name: "is_empty",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_empty,
        doc: "Whether a string is empty.",
        examples: &[
            (r#"std::string::is_empty("")"#, "true"),
            (r#"std::string::is_empty(" ")"#, "false"),
        ],
    },
    FnDef {
        name: "replace",
        params: &["input", "from", "to"],
        arity: Arity::Exact(3),
        pure: true,
        f: replace,
        doc: "Replaces every occurrence of `from` in `input` by `to`.",
        examples: &[(
            r#"std::string::replace("this is a test", "test", "cake")"#,
            r#""this is a cake""#,
        )],
    },
    FnDef {
        name: "trim",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: trim,
        doc: "Removes Unicode white space from both ends of a string.",
        examples: &[(r#"std::string::trim("  snot  ")"#, r#""snot""#)],
    },
    FnDef {
        name: "trim_start",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: trim_start,
        doc: "Removes Unicode white space from the start of a string.",
        examples: &[(r#"std::string::trim_start("  snot  ")"#, r#""snot  ""#)],
    },
    FnDef {
        name: "trim_end",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: trim_end,
        doc: "Removes Unicode white space from the end of a string.",
        examples: &[(r#"std::string::trim_end("  snot  ")"#, r#""  snot""#)],
    },
    FnDef {
        name: "lowercase",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: lowercase,
        doc: "The string in lower case (Unicode `Lowercase` mapping).",
        examples: &[(r#"std::string::lowercase("SNOT Badger")"#, r#""snot badger""#)],
    },
    FnDef {
        name: "uppercase",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: uppercase,
        doc: "The string in upper case (Unicode `Uppercase` mapping).",
        examples: &[(r#"std::string::uppercase("abc")"#, r#""ABC""#)],
    },
    FnDef {
        name: "capitalize",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: capitalize,
        doc: "Upper-cases the first character (even when it is not a letter, nothing is skipped).",
        examples: &[(r#"std::string::capitalize("snot badger")"#, r#""Snot badger""#)],
    },
    FnDef {
        name: "substr",
        params: &["input", "start", "end"],
        arity: Arity::Exact(3),
        pure: true,
        f: substr,
        doc: "The characters from index `start` up to (not including) `end`; indices past the end clamp to it.",
        examples: &[
            (r#"std::string::substr("this is a test", 5, 7)"#, r#""is""#),
            (r#"std::string::substr("♥ utf8", 2, 100)"#, r#""utf8""#),
        ],
    },
    FnDef {
        name: "split",
        params: &["input", "separator"],
        arity: Arity::Exact(2),
        pure: true,
        f: split,
        doc: "Splits a string at every occurrence of the separator into an array of strings.",
        examples: &[(r#"std::string::split("a,b,,c", ",")"#, r#"["a","b","","c"]"#)],
    },
    FnDef {
        name: "contains",
        params: &["input", "string"],
        arity: Arity::Exact(2),
        pure: true,
        f: contains,
        doc: "Whether the string contains the other string.",
        examples: &[(r#"std::string::contains("hello snot badger", "snot")"#, "true")],
    },
    FnDef {
        name: "starts_with",
        params: &["input", "prefix"],
        arity: Arity::Exact(2),
        pure: true,
        f: starts_with,
        doc: "Whether the string begins with the prefix (a Sluice addition to tremor's module).",
        examples: &[(r#"std::string::starts_with("snot badger", "snot")"#, "true")],
    },
    FnDef {
        name: "ends_with",
        params: &["input", "suffix"],
        arity: Arity::Exact(2),
        pure: true,
        f: ends_with,
        doc: "Whether the string ends with the suffix (a Sluice addition to tremor's module).",
        examples: &[(r#"std::string::ends_with("snot badger", "snot")"#, "false")],
    },
    FnDef {
        name: "format",
        params: &["format", "..."],
        arity: Arity::AtLeast(1),
        pure: true,
        f: super::string_format::format,
        doc: "Fills each `{}` with the next argument (strings as is, other values as JSON); `{{` and `}}` are literal braces.",
        examples: &[
            (
                r#"std::string::format("the {} is {}.", "meaning of life", 42)"#,
                r#""the meaning of life is 42.""#,
            ),
            (r#"std::string::format("{{ {} }}", [1, 2])"#, r#""{ [1,2] }""#),
        ],
    },
    FnDef {
        name: "from_utf8_lossy",
        params: &["bytes"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_utf8_lossy,
        doc: "Turns a binary into a string, replacing invalid UTF-8 sequences by U+FFFD.",
        examples: &[(
            r#"std::string::from_utf8_lossy(std::string::into_binary("badger"))"#,
            r#""badger""#,
        )],
    },
    FnDef {
        name: "into_binary",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: into_binary,
        doc: "The UTF-8 bytes of a string as a binary (shown base64-encoded in JSON).",
        examples: &[(r#"std::string::into_binary("snot")"#, r#""c25vdA==""#)],
    },
    FnDef {
        name: "reverse",
        params: &["input"],
        arity: Arity::Exact(1),
        pure: true,
        f: reverse,
        doc: "The string with its characters in reverse order.",
        examples: &[(r#"std::string::reverse("badger")"#, r#""regdab""#)],
    },
];

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::string";

    #[test]
    fn lengths() {
        check(M, "len", &[r#""""#], "0");
        check(M, "len", &[r#""this is another test \u2665""#], "22");
        check(M, "bytes", &[r#""this is another test \u2665""#], "24");
        check(M, "is_empty", &[r#""x""#], "false");
        check_err(
            M,
            "len",
            &["1"],
            "expected a string for argument 1, got integer",
        );
        check_err(M, "bytes", &["null"], "got null");
        check_err(M, "is_empty", &["[]"], "got array");
    }

    #[test]
    fn replace_all_occurrences() {
        check(
            M,
            "replace",
            &[r#""test with test twice""#, r#""test""#, r#""cake""#],
            r#""cake with cake twice""#,
        );
        check(M, "replace", &[r#""abc""#, r#""x""#, r#""y""#], r#""abc""#);
        check(M, "replace", &[r#""ab""#, r#""""#, r#""-""#], r#""-a-b-""#);
        check_err(M, "replace", &[r#""ab""#, "1", r#""-""#], "argument 2");
    }

    #[test]
    fn replace_refuses_huge_results() {
        let input = Value::from("x".repeat(1 << 16));
        let to = Value::from("y".repeat(2048));
        let r = call(M, "replace", &[input, Value::str("x"), to]);
        assert!(r.is_err_and(|e| e.message.contains("exceed")));
    }

    #[test]
    fn trims_unicode_white_space() {
        check(
            M,
            "trim",
            &[r#""\u00a0\u00a0this is a test\u00a0""#],
            r#""this is a test""#,
        );
        check(M, "trim", &[r#""   ""#], r#""""#);
        check(M, "trim_start", &[r#"" a ""#], r#""a ""#);
        check(M, "trim_end", &[r#"" a ""#], r#"" a""#);
        check_err(M, "trim", &["{}"], "got record");
    }

    #[test]
    fn trimming_a_borrowed_string_borrows() {
        let buf = String::from("  snot ");
        let r = call(M, "trim", &[Value::str(&buf)]);
        assert!(matches!(r, Ok(Value::String(Cow::Borrowed("snot")))));
        let r = call(M, "split", &[Value::str(&buf), Value::str("n")]);
        assert!(
            matches!(&r, Ok(Value::Array(a)) if matches!(a[0], Value::String(Cow::Borrowed("  s")))),
            "{r:?}"
        );
    }

    #[test]
    fn case_mapping() {
        check(M, "lowercase", &[r#""ÀÉ""#], r#""àé""#);
        check(M, "uppercase", &[r#""straße""#], r#""STRASSE""#);
        check(M, "capitalize", &[r#""élan""#], r#""Élan""#);
        check(M, "capitalize", &[r#"" x""#], r#"" x""#);
        check(M, "capitalize", &[r#""""#], r#""""#);
    }

    #[test]
    fn substr_counts_characters() {
        check(M, "substr", &[r#""♥ utf8""#, "0", "1"], r#""♥""#);
        check(M, "substr", &[r#""♥ utf8""#, "2", "6"], r#""utf8""#);
        check(M, "substr", &[r#""abc""#, "5", "9"], r#""""#);
        check(M, "substr", &[r#""abc""#, "2", "1"], r#""""#);
        check(M, "substr", &[r#""abc""#, "0", "3"], r#""abc""#);
        check_err(
            M,
            "substr",
            &[r#""abc""#, "-1", "2"],
            "must not be negative",
        );
        check_err(
            M,
            "substr",
            &[r#""abc""#, "0", "1.5"],
            "expected an integer for argument 3",
        );
    }

    #[test]
    fn split_and_search() {
        check(
            M,
            "split",
            &[r#""this is a test""#, r#"" ""#],
            r#"["this","is","a","test"]"#,
        );
        check(M, "split", &[r#""""#, r#"",""#], r#"[""]"#);
        check(M, "split", &[r#""abc""#, r#""""#], r#"["","a","b","c",""]"#);
        check(
            M,
            "contains",
            &[r#""snot badger""#, r#""snot badger""#],
            "true",
        );
        check(M, "contains", &[r#""snot""#, r#""gnot""#], "false");
        check(M, "starts_with", &[r#""snot""#, r#""""#], "true");
        check(M, "ends_with", &[r#""snot""#, r#""ot""#], "true");
        check_err(M, "contains", &[r#""a""#, "null"], "argument 2");
    }

    #[test]
    fn binary_round_trip() {
        let r = call(M, "into_binary", &[Value::str("badger")]);
        assert_eq!(r, Ok(Value::Bytes(Cow::Borrowed(b"badger"))));
        let lossy = call(
            M,
            "from_utf8_lossy",
            &[Value::from(b"badger\xF0\x90\x80".to_vec())],
        );
        assert_eq!(lossy, Ok(Value::from("badger\u{fffd}")));
        check_err(M, "from_utf8_lossy", &[r#""text""#], "expected a binary");
        check_err(M, "into_binary", &["7"], "expected a string");
    }

    #[test]
    fn reverse_by_character() {
        check(M, "reverse", &[r#""añb""#], r#""bña""#);
        check(M, "reverse", &[r#""""#], r#""""#);
    }
}
