//! `tremor::chash`: jump consistent hashing (Lamping and Veach, 2014) over SipHash-1-3 of the
//! key, with tremor's default keys, so that keys land on the same slots as in tremor.

use std::hash::{Hash, Hasher};

use siphasher::sip::SipHasher13;

use super::args::{shallow_arg, str_arg, uint_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::{write_json_sorted, Value};

type R<'v> = Result<Value<'v>, FnError>;

/// `"tremor\0\0"` and `"\0\0tremor"` read as integers: tremor's keys for `jump`.
const TREMOR_K1: u64 = 8_390_880_576_440_238_080;
const TREMOR_K2: u64 = 128_034_676_764_530;

/// The slot in `0..slots` for `key`: jump consistent hash of SipHash-1-3(`key`).
fn jump_slot(k1: u64, k2: u64, key: &str, slots: u32) -> u32 {
    let mut hasher = SipHasher13::new_with_keys(k1, k2);
    // `str`'s `Hash` (bytes then 0xff), as tremor hashes its key.
    key.hash(&mut hasher);
    let mut h = hasher.finish();
    let (mut b, mut j) = (-1_i64, 0_i64);
    while j < i64::from(slots) {
        b = j;
        h = h.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        // The published algorithm's float step; b + 1 <= 2^32 and the quotient is at most
        // 2^31, so the product stays far below 2^63.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        {
            j = ((b + 1) as f64 * ((1_u64 << 31) as f64 / ((h >> 33) + 1) as f64)) as i64;
        }
    }
    u32::try_from(b).unwrap_or(0)
}

fn slot_count(args: &[Value<'_>], i: usize) -> Result<u32, FnError> {
    match uint_arg(args, i)? {
        0 => Err(FnError::bad_value(i, "must be at least 1 slot")),
        n => {
            u32::try_from(n).map_err(|_| FnError::bad_value(i, "must be at most 4294967295 slots"))
        }
    }
}

fn jump<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let key = str_arg(args, 0)?;
    let slots = slot_count(args, 1)?;
    Ok(Value::I64(i64::from(jump_slot(
        TREMOR_K1, TREMOR_K2, key, slots,
    ))))
}

fn jump_with_keys<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (k1, k2) = (uint_arg(args, 0)?, uint_arg(args, 1)?);
    let key = str_arg(args, 2)?;
    let slots = slot_count(args, 3)?;
    Ok(Value::I64(i64::from(jump_slot(k1, k2, key, slots))))
}

fn sorted_serialize<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let mut out = Vec::with_capacity(64);
    write_json_sorted(shallow_arg(args, 0)?, &mut out);
    String::from_utf8(out)
        .map(Value::from)
        .map_err(|_| FnError::new("serialiser produced invalid UTF-8"))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "jump",
        params: &["key", "slot_count"],
        arity: Arity::Exact(2),
        pure: true,
        f: jump,
        doc: "The slot (0 to slot_count - 1) for a string key by jump consistent hashing, stable as slots are added.",
        examples: &[
            (r#"tremor::chash::jump("snot", 9)"#, "8"),
            (r#"tremor::chash::jump("anything", 1)"#, "0"),
        ],
    },
    FnDef {
        name: "jump_with_keys",
        params: &["k1", "k2", "key", "slot_count"],
        arity: Arity::Exact(4),
        pure: true,
        f: jump_with_keys,
        doc: "Like `jump`, with the two 64-bit hashing keys given instead of tremor's defaults.",
        examples: &[(r#"tremor::chash::jump_with_keys(8, 2, "badger", 9)"#, "3")],
    },
    FnDef {
        name: "sorted_serialize",
        params: &["any"],
        arity: Arity::Exact(1),
        pure: true,
        f: sorted_serialize,
        doc: "Compact JSON with record fields sorted by name at every level: equal values give equal text.",
        examples: &[(
            r#"tremor::chash::sorted_serialize({"snot": "badger", "badger": [2, 1]})"#,
            r#""{\"badger\":[2,1],\"snot\":\"badger\"}""#,
        )],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, check_err};
    use super::*;

    const M: &str = "tremor::chash";

    #[test]
    fn matches_published_jump_vectors() {
        // The vectors of the `jumphash` crate that tremor uses (SipHash-1-3, keys 0 and 0).
        for (key, slots, want) in [
            ("test1", 10_000_000, 8_970_050),
            ("test2", 1000, 10),
            ("test3", 1000, 76),
            ("test4", 1000, 161),
            ("test5", 50, 33),
            ("", 1000, 392),
            ("testz", 1, 0),
        ] {
            assert_eq!(jump_slot(0, 0, key, slots), want, "{key} in {slots}");
        }
    }

    #[test]
    fn matches_tremor_test_suite() {
        // tremor-cli/tests/stdlib/tremor/all.tremor
        check(M, "jump", &[r#""snot""#, "9"], "8");
        check(M, "jump", &[r#""badger""#, "9"], "2");
        check(M, "jump_with_keys", &["8", "2", r#""badger""#, "9"], "3");
        check(
            M,
            "sorted_serialize",
            &[r#"[8, "snot", 2, "badger"]"#],
            r#""[8,\"snot\",2,\"badger\"]""#,
        );
    }

    #[test]
    fn jump_is_consistent() {
        // Growing from n to n + 1 slots moves a key only to the new slot.
        for i in 0..200 {
            let key = format!("key{i}");
            for n in 1..20_u32 {
                let (a, b) = (
                    jump_slot(TREMOR_K1, TREMOR_K2, &key, n),
                    jump_slot(TREMOR_K1, TREMOR_K2, &key, n + 1),
                );
                assert!(a < n);
                assert!(b == a || b == n, "{key}: {a} -> {b} at {n}");
            }
        }
        let a = call(M, "jump", &[Value::str("key1"), Value::I64(5)]);
        let b = call(
            M,
            "jump_with_keys",
            &[
                Value::U64(TREMOR_K1),
                Value::I64(128_034_676_764_530),
                Value::str("key1"),
                Value::I64(5),
            ],
        );
        assert_eq!(a, b, "jump uses tremor's keys");
    }

    #[test]
    fn bad_arguments_are_errors() {
        check_err(M, "jump", &[r#""k""#, "0"], "at least 1 slot");
        check_err(M, "jump", &[r#""k""#, "4294967296"], "at most");
        check_err(M, "jump", &[r#""k""#, "-1"], "must not be negative");
        check_err(M, "jump", &["1", "5"], "expected a string");
        check_err(
            M,
            "jump_with_keys",
            &["-1", "0", r#""k""#, "5"],
            "argument 1",
        );
        check(
            M,
            "jump",
            &[r#""k""#, "4294967295"],
            &jump_slot(TREMOR_K1, TREMOR_K2, "k", u32::MAX).to_string(),
        );
    }

    #[test]
    fn sorted_serialize_refuses_absurd_depth() {
        let mut v = Value::Null;
        for _ in 0..1_000 {
            v = Value::Array(vec![v]);
        }
        let r = call(M, "sorted_serialize", &[v]);
        assert!(r.is_err_and(|e| e.message.contains("deeper than 512")));
    }

    #[test]
    fn sorted_serialize_normalises_records() {
        check(
            M,
            "sorted_serialize",
            &[r#"{"1": [2, 1], "0": {"5": 0, "3": 4}}"#],
            r#""{\"0\":{\"3\":4,\"5\":0},\"1\":[2,1]}""#,
        );
        check(M, "sorted_serialize", &[r#""snot""#], r#""\"snot\"""#);
        check(
            M,
            "sorted_serialize",
            &[r#"["snot", "badger"]"#],
            r#""[\"snot\",\"badger\"]""#,
        );
    }
}
