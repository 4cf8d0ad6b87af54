//! What the script asks of the shaper, read from an event's metadata in one pass, checked,
//! and the `$dimensions` value turned into the bytes that name its bucket.
//!
//! `$class` (string) picks the class; `$rate` (a positive number) is the events allowed per
//! `$time_range` (milliseconds, default 1000) refilled in `$windows` steps (default 100);
//! `$dimensions` (any value) splits the class into one bucket per distinct value;
//! `$priority` (0-255) overrides the class's priority for shedding. Anything else is an
//! error with a message that names the field and what it got.

use sluice_script::Value;

use super::bucket::Rate;

/// Deepest `$dimensions` nesting accepted.
const MAX_DEPTH: usize = 32;

/// Why an event's shaping metadata is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    /// `$class` is not a string.
    #[error("`$class` must be a string, got {0}")]
    Class(&'static str),
    /// `$class` without `$rate`.
    #[error("`$class` is set but `$rate` is missing (events per second, a positive number)")]
    NoRate,
    /// `$rate` not a positive finite number.
    #[error("`$rate` must be a positive number of events per time range, got {0}")]
    Rate(String),
    /// `$time_range` not a positive integer of milliseconds.
    #[error("`$time_range` must be a positive integer (milliseconds), got {0}")]
    TimeRange(String),
    /// `$windows` not an integer in range.
    #[error("`$windows` must be an integer from 1 to 1000000, got {0}")]
    Windows(String),
    /// `$priority` not an integer 0-255.
    #[error("`$priority` must be an integer from 0 to 255, got {0}")]
    Priority(String),
    /// `$dimensions` cannot name a bucket.
    #[error("`$dimensions` cannot be hashed: {0}")]
    Dimensions(String),
}

/// A checked request: which bucket, at which rate.
#[derive(Debug, Clone, Copy)]
pub struct Request<'m, 'v> {
    /// The class.
    pub class: &'m str,
    /// Its rate.
    pub rate: Rate,
    /// `$dimensions`, if set.
    pub dimensions: Option<&'m Value<'v>>,
    /// `$priority`, if set.
    pub priority: Option<u8>,
}

fn show(v: &Value<'_>) -> String {
    match v {
        Value::String(s) => format!("the string {:?}", truncate(s)),
        Value::I64(i) => i.to_string(),
        Value::U64(u) => u.to_string(),
        Value::F64(f) => f.to_string(),
        other => format!("a {}", other.value_type().name()),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Reads the shaping fields of `meta`. `Ok(None)`: no `$class`, the event passes unshaped.
///
/// # Errors
/// A field of the wrong type or out of range.
#[inline]
pub fn read<'m, 'v>(meta: &'m Value<'v>) -> Result<Option<Request<'m, 'v>>, Invalid> {
    let Some(rec) = meta.as_record() else {
        return Ok(None);
    };
    let (mut class, mut rate, mut dims, mut range, mut windows, mut prio) =
        (None, None, None, None, None, None);
    for (k, v) in rec.iter() {
        match k.as_ref() {
            "class" => class = Some(v),
            "rate" => rate = Some(v),
            "dimensions" => dims = Some(v),
            "time_range" => range = Some(v),
            "windows" => windows = Some(v),
            "priority" => prio = Some(v),
            _ => {}
        }
    }
    let Some(class) = class else {
        return Ok(None);
    };
    let Value::String(class) = class else {
        return Err(Invalid::Class(class.value_type().name()));
    };
    let rate = match rate.ok_or(Invalid::NoRate)? {
        #[allow(clippy::cast_precision_loss)]
        Value::I64(i) if *i > 0 => *i as f64,
        #[allow(clippy::cast_precision_loss)]
        Value::U64(u) if *u > 0 => *u as f64,
        Value::F64(f) if f.is_finite() && *f > 0.0 => *f,
        other => return Err(Invalid::Rate(show(other))),
    };
    let range_ns = match range {
        None => Rate::DEFAULT_RANGE_NS,
        Some(v) => match v.as_u64() {
            Some(ms) if ms > 0 && ms <= u64::MAX / 1_000_000 => ms * 1_000_000,
            _ => return Err(Invalid::TimeRange(show(v))),
        },
    };
    let windows = match windows {
        None => Rate::DEFAULT_WINDOWS,
        Some(v) => match v.as_u64() {
            Some(w @ 1..=1_000_000) => u32::try_from(w).unwrap_or(1),
            _ => return Err(Invalid::Windows(show(v))),
        },
    };
    let priority = match prio {
        None => None,
        Some(v) => match v.as_u64().and_then(|p| u8::try_from(p).ok()) {
            Some(p) => Some(p),
            None => return Err(Invalid::Priority(show(v))),
        },
    };
    Ok(Some(Request {
        class: class.as_ref(),
        rate: Rate {
            rate,
            range_ns,
            windows,
        },
        dimensions: dims,
        priority,
    }))
}

/// Writes `v` as bytes that are equal exactly when the values are: a type tag, then the
/// content (lengths first, records in their key order). At most `max_bytes`.
///
/// # Errors
/// A NaN (equal to nothing, not even itself), nesting deeper than 32, more than `max_bytes`.
pub fn encode_dimensions(
    v: &Value<'_>,
    out: &mut Vec<u8>,
    max_bytes: usize,
) -> Result<(), Invalid> {
    out.clear();
    encode(v, out, 0)?;
    if out.len() > max_bytes {
        return Err(Invalid::Dimensions(format!(
            "it takes {} bytes, more than the limit of {max_bytes} (`max_dimension_bytes`)",
            out.len()
        )));
    }
    Ok(())
}

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn encode(v: &Value<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), Invalid> {
    if depth > MAX_DEPTH {
        return Err(Invalid::Dimensions(format!(
            "nested deeper than {MAX_DEPTH} levels"
        )));
    }
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + u8::from(*b)),
        Value::I64(i) => {
            out.push(3);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::U64(u) => {
            out.push(4);
            out.extend_from_slice(&u.to_le_bytes());
        }
        Value::F64(f) => {
            if f.is_nan() {
                return Err(Invalid::Dimensions("it holds a NaN".into()));
            }
            out.push(5);
            // -0.0 and 0.0 are equal values: one bucket.
            let f = if *f == 0.0 { 0.0 } else { *f };
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::String(s) => {
            out.push(6);
            len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bytes(b) => {
            out.push(7);
            len(out, b.len());
            out.extend_from_slice(b);
        }
        Value::Array(a) => {
            out.push(8);
            len(out, a.len());
            for x in a {
                encode(x, out, depth + 1)?;
            }
        }
        Value::Record(r) => {
            out.push(9);
            len(out, r.len());
            for (k, x) in r.iter() {
                len(out, k.len());
                out.extend_from_slice(k.as_bytes());
                encode(x, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_script::Record;

    fn meta(pairs: Vec<(&'static str, Value<'static>)>) -> Value<'static> {
        let mut r = Record::new();
        for (k, v) in pairs {
            r.insert(k, v);
        }
        Value::Record(r)
    }

    #[test]
    fn no_class_passes_unshaped() {
        assert!(read(&meta(vec![("rate", Value::I64(5))]))
            .unwrap()
            .is_none());
        assert!(read(&Value::Null).unwrap().is_none());
    }

    #[test]
    fn a_full_request() {
        let m = meta(vec![
            ("class", Value::from("app")),
            ("rate", Value::F64(2.5)),
            ("time_range", Value::I64(60_000)),
            ("windows", Value::I64(6)),
            ("dimensions", Value::from("host-1")),
            ("priority", Value::I64(7)),
        ]);
        let r = read(&m).unwrap().unwrap();
        assert_eq!(r.class, "app");
        assert_eq!(r.rate.rate, 2.5);
        assert_eq!(r.rate.range_ns, 60_000_000_000);
        assert_eq!(r.rate.windows, 6);
        assert_eq!(r.priority, Some(7));
        assert!(r.dimensions.is_some());
    }

    #[test]
    fn bad_fields_say_what_is_wrong() {
        let cases: Vec<(Vec<(&'static str, Value<'static>)>, &str)> = vec![
            (
                vec![("class", Value::I64(3)), ("rate", Value::I64(1))],
                "`$class` must be a string, got integer",
            ),
            (vec![("class", Value::from("a"))], "`$rate` is missing"),
            (
                vec![("class", Value::from("a")), ("rate", Value::I64(0))],
                "`$rate` must be a positive number of events per time range, got 0",
            ),
            (
                vec![("class", Value::from("a")), ("rate", Value::I64(-5))],
                "got -5",
            ),
            (
                vec![("class", Value::from("a")), ("rate", Value::from("fast"))],
                "got the string \"fast\"",
            ),
            (
                vec![
                    ("class", Value::from("a")),
                    ("rate", Value::F64(f64::INFINITY)),
                ],
                "got inf",
            ),
            (
                vec![
                    ("class", Value::from("a")),
                    ("rate", Value::I64(1)),
                    ("time_range", Value::I64(0)),
                ],
                "`$time_range` must be a positive integer",
            ),
            (
                vec![
                    ("class", Value::from("a")),
                    ("rate", Value::I64(1)),
                    ("windows", Value::F64(1.5)),
                ],
                "`$windows` must be an integer",
            ),
            (
                vec![
                    ("class", Value::from("a")),
                    ("rate", Value::I64(1)),
                    ("priority", Value::I64(256)),
                ],
                "`$priority` must be an integer from 0 to 255, got 256",
            ),
        ];
        for (m, want) in cases {
            let e = read(&meta(m)).unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} does not contain {want:?}");
        }
    }

    #[test]
    fn dimensions_bytes_are_equal_exactly_when_values_are() {
        let enc = |v: &Value<'_>| {
            let mut o = Vec::new();
            encode_dimensions(v, &mut o, 4096).unwrap();
            o
        };
        assert_eq!(enc(&Value::from("a")), enc(&Value::from("a")));
        assert_ne!(enc(&Value::from("1")), enc(&Value::I64(1)));
        assert_ne!(enc(&Value::I64(1)), enc(&Value::F64(1.0)));
        assert_eq!(enc(&Value::F64(0.0)), enc(&Value::F64(-0.0)));
        let ab = Value::Array(vec![Value::from("ab"), Value::from("c")]);
        let a_bc = Value::Array(vec![Value::from("a"), Value::from("bc")]);
        assert_ne!(enc(&ab), enc(&a_bc));
    }

    #[test]
    fn unhashable_dimensions() {
        let mut o = Vec::new();
        let e = encode_dimensions(&Value::F64(f64::NAN), &mut o, 4096).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`$dimensions` cannot be hashed: it holds a NaN"
        );
        let mut deep = Value::Null;
        for _ in 0..40 {
            deep = Value::Array(vec![deep]);
        }
        let e = encode_dimensions(&deep, &mut o, 4096).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 32"), "{e}");
        let big = Value::from("x".repeat(5000));
        let e = encode_dimensions(&big, &mut o, 4096).unwrap_err();
        assert!(e.to_string().contains("more than the limit of 4096"), "{e}");
    }
}
