//! Equality and ordering between values.
//!
//! Numbers compare by numeric value across `I64`, `U64` and `F64` (so `1 == 1.0`), records
//! compare as sets of fields (order does not matter), arrays element by element. Values of
//! different kinds are unequal and unordered, as in tremor-script, except binaries and
//! strings, which compare by their bytes (as tremor's do).

use std::cmp::Ordering;

use super::{Record, Value};

#[allow(clippy::cast_precision_loss)]
fn num_cmp(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::I64(x), Value::I64(y)) => Some(x.cmp(y)),
        (Value::U64(x), Value::U64(y)) => Some(x.cmp(y)),
        (Value::I64(x), Value::U64(y)) => Some(if *x < 0 {
            Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Value::U64(x), Value::I64(y)) => Some(if *y < 0 {
            Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn is_num(v: &Value<'_>) -> bool {
    matches!(v, Value::I64(_) | Value::U64(_) | Value::F64(_))
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::String(a), Value::String(b)) => super::short_eq(a.as_bytes(), b.as_bytes()),
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            // As in tremor, a binary equals the string with the same bytes.
            (Value::Bytes(a), Value::String(b)) | (Value::String(b), Value::Bytes(a)) => {
                a.as_ref() == b.as_bytes()
            }
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Record(a), Value::Record(b)) => a == b,
            (a, b) if is_num(a) && is_num(b) => num_cmp(a, b) == Some(Ordering::Equal),
            _ => false,
        }
    }
}

impl PartialEq for Record<'_> {
    /// Same keys with equal values, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl PartialOrd for Value<'_> {
    /// Numbers, strings, binaries, booleans and arrays (lexicographically) are ordered;
    /// anything else, or values of different kinds, gives `None`.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Value::Null, Value::Null) => Some(Ordering::Equal),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
            (Value::Bytes(a), Value::String(b)) => Some(a.as_ref().cmp(b.as_bytes())),
            (Value::String(a), Value::Bytes(b)) => Some(a.as_bytes().cmp(b.as_ref())),
            (Value::Array(a), Value::Array(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.partial_cmp(y)? {
                        Ordering::Equal => {}
                        o => return Some(o),
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            (a, b) if is_num(a) && is_num(b) => num_cmp(a, b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Record;

    #[test]
    fn numbers_compare_across_kinds() {
        assert_eq!(Value::I64(1), Value::F64(1.0));
        assert_eq!(Value::I64(7), Value::U64(7));
        assert!(Value::I64(-1) < Value::U64(u64::MAX));
        assert!(Value::U64(u64::MAX) > Value::I64(i64::MAX));
        assert_ne!(Value::I64(1), Value::str("1"));
        assert_eq!(Value::F64(f64::NAN).partial_cmp(&Value::F64(1.0)), None);
    }

    #[test]
    fn records_ignore_order() {
        let a: Record<'_> = [("x", Value::I64(1)), ("y", Value::I64(2))]
            .into_iter()
            .collect();
        let b: Record<'_> = [("y", Value::I64(2)), ("x", Value::I64(1))]
            .into_iter()
            .collect();
        assert_eq!(Value::Record(a.clone()), Value::Record(b));
        let c: Record<'_> = [("x", Value::I64(1))].into_iter().collect();
        assert_ne!(Value::Record(a), Value::Record(c));
    }

    #[test]
    fn arrays_order_lexicographically() {
        let a = Value::Array(vec![Value::I64(1), Value::I64(2)]);
        let b = Value::Array(vec![Value::I64(1), Value::I64(3)]);
        let c = Value::Array(vec![Value::I64(1)]);
        assert!(a < b);
        assert!(c < a);
    }
}
