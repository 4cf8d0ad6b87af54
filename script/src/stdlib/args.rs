//! Typed access to a call's arguments, with the error messages every module shares.

use std::borrow::Cow;

use super::FnError;
use crate::{Record, Value};

/// Argument `i` of any type.
pub(super) fn arg<'a, 'v>(args: &'a [Value<'v>], i: usize) -> Result<&'a Value<'v>, FnError> {
    args.get(i)
        .ok_or_else(|| FnError::new(format!("missing argument {}", i + 1)))
}

/// Argument `i` as a string.
pub(super) fn str_arg<'a>(args: &'a [Value<'_>], i: usize) -> Result<&'a str, FnError> {
    match arg(args, i)? {
        Value::String(s) => Ok(s),
        other => Err(FnError::bad_arg(i, "a string", other)),
    }
}

/// Argument `i` as an integer that fits `i64`.
pub(super) fn int_arg(args: &[Value<'_>], i: usize) -> Result<i64, FnError> {
    match arg(args, i)? {
        Value::I64(n) => Ok(*n),
        Value::U64(_) => Err(FnError::bad_value(i, "is too large")),
        other => Err(FnError::bad_arg(i, "an integer", other)),
    }
}

/// Argument `i` as a non-negative integer.
pub(super) fn uint_arg(args: &[Value<'_>], i: usize) -> Result<u64, FnError> {
    match arg(args, i)? {
        Value::I64(n) => {
            u64::try_from(*n).map_err(|_| FnError::bad_value(i, "must not be negative"))
        }
        Value::U64(n) => Ok(*n),
        other => Err(FnError::bad_arg(i, "an integer", other)),
    }
}

/// Argument `i` as an index or count.
pub(super) fn usize_arg(args: &[Value<'_>], i: usize) -> Result<usize, FnError> {
    usize::try_from(uint_arg(args, i)?).map_err(|_| FnError::bad_value(i, "is too large"))
}

/// Argument `i` as a number (integers are converted).
pub(super) fn num_arg(args: &[Value<'_>], i: usize) -> Result<f64, FnError> {
    let v = arg(args, i)?;
    v.as_f64().ok_or_else(|| FnError::bad_arg(i, "a number", v))
}

/// Argument `i` as an array.
pub(super) fn array_arg<'a, 'v>(
    args: &'a [Value<'v>],
    i: usize,
) -> Result<&'a Vec<Value<'v>>, FnError> {
    match arg(args, i)? {
        Value::Array(a) => Ok(a),
        other => Err(FnError::bad_arg(i, "an array", other)),
    }
}

/// Argument `i` as a record.
pub(super) fn record_arg<'a, 'v>(
    args: &'a [Value<'v>],
    i: usize,
) -> Result<&'a Record<'v>, FnError> {
    match arg(args, i)? {
        Value::Record(r) => Ok(r),
        other => Err(FnError::bad_arg(i, "a record", other)),
    }
}

/// Argument `i` as binary data.
pub(super) fn bytes_arg<'a>(args: &'a [Value<'_>], i: usize) -> Result<&'a [u8], FnError> {
    match arg(args, i)? {
        Value::Bytes(b) => Ok(b),
        other => Err(FnError::bad_arg(i, "a binary", other)),
    }
}

/// A slice of string argument `i` as a value. When the argument borrows from the event, so
/// does the result: trimming or splitting a decoded field copies nothing.
pub(super) fn sub_str<'v>(
    args: &[Value<'v>],
    i: usize,
    f: impl FnOnce(&str) -> &str,
) -> Result<Value<'v>, FnError> {
    match arg(args, i)? {
        Value::String(Cow::Borrowed(s)) => Ok(Value::String(Cow::Borrowed(f(s)))),
        Value::String(Cow::Owned(s)) => Ok(Value::String(Cow::Owned(f(s).to_owned()))),
        other => Err(FnError::bad_arg(i, "a string", other)),
    }
}

/// Every `pieces` slice of string argument `i` as values, borrowing like [`sub_str`].
pub(super) fn str_pieces<'v, 's>(
    args: &'s [Value<'v>],
    i: usize,
    pieces: impl for<'x> FnOnce(&'x str) -> Vec<&'x str>,
) -> Result<Vec<Value<'v>>, FnError> {
    match arg(args, i)? {
        Value::String(Cow::Borrowed(s)) => Ok(pieces(s)
            .into_iter()
            .map(|p| Value::String(Cow::Borrowed(p)))
            .collect()),
        Value::String(Cow::Owned(s)) => Ok(pieces(s)
            .into_iter()
            .map(|p| Value::String(Cow::Owned(p.to_owned())))
            .collect()),
        other => Err(FnError::bad_arg(i, "a string", other)),
    }
}

/// Converts an `i128` result back to an integer value, or fails when it fits neither `i64`
/// nor `u64`.
pub(super) fn int_result<'v>(n: i128, what: &str) -> Result<Value<'v>, FnError> {
    if let Ok(i) = i64::try_from(n) {
        Ok(Value::I64(i))
    } else if let Ok(u) = u64::try_from(n) {
        Ok(Value::U64(u))
    } else {
        Err(FnError::new(format!("{what} overflows a 64-bit integer")))
    }
}

/// An integer argument widened, so that `I64` and `U64` mix without overflow.
pub(super) fn wide_int(args: &[Value<'_>], i: usize) -> Result<i128, FnError> {
    match arg(args, i)? {
        Value::I64(n) => Ok(i128::from(*n)),
        Value::U64(n) => Ok(i128::from(*n)),
        other => Err(FnError::bad_arg(i, "an integer", other)),
    }
}

/// How a value reads when spliced into text: strings as they are, anything else as JSON.
pub(super) fn push_display(out: &mut String, v: &Value<'_>) {
    match v {
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_json()),
    }
}

/// Values nested deeper than this are refused by functions that walk them recursively (the
/// JSON decoder's limit, so anything decoded from JSON passes).
const MAX_DEPTH: usize = 512;

fn deeper_than(v: &Value<'_>, limit: usize) -> bool {
    match v {
        Value::Array(a) => limit == 0 || a.iter().any(|x| deeper_than(x, limit - 1)),
        Value::Record(r) => limit == 0 || r.values().any(|x| deeper_than(x, limit - 1)),
        _ => false,
    }
}

/// Argument `i`, refused when nested too deeply to serialise safely.
pub(super) fn shallow_arg<'a, 'v>(
    args: &'a [Value<'v>],
    i: usize,
) -> Result<&'a Value<'v>, FnError> {
    let v = arg(args, i)?;
    if deeper_than(v, MAX_DEPTH) {
        return Err(FnError::bad_value(
            i,
            format!("is nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    Ok(v)
}
