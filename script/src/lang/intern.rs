//! Literal strings of compiled scripts, as `&'static str`.
//!
//! A script's literals (metadata keys, constant strings, record keys) end up inside event
//! values of any lifetime. Making them `'static` lets the interpreter put them into an
//! event without copying, which is what keeps "set `$class` to a literal" free of
//! allocation. Strings are leaked once and deduplicated, so reloading the same script
//! costs nothing new; the total is capped, and past the cap literals fall back to owned
//! copies (correct, just slower). Only compilation touches this table, never the hot path.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Longest literal worth interning.
const MAX_LEN: usize = 4096;
/// Total bytes the table may hold.
const MAX_TOTAL: usize = 64 << 20;

struct Table {
    set: HashSet<&'static str>,
    bytes: usize,
}

fn table() -> &'static Mutex<Table> {
    static T: OnceLock<Mutex<Table>> = OnceLock::new();
    T.get_or_init(|| {
        Mutex::new(Table {
            set: HashSet::new(),
            bytes: 0,
        })
    })
}

/// A `'static` copy of `s` when possible, else an owned copy.
pub(crate) fn intern(s: &str) -> Cow<'static, str> {
    if s.len() > MAX_LEN {
        return Cow::Owned(s.to_string());
    }
    let Ok(mut t) = table().lock() else {
        return Cow::Owned(s.to_string());
    };
    if let Some(found) = t.set.get(s) {
        return Cow::Borrowed(found);
    }
    if t.bytes + s.len() > MAX_TOTAL {
        return Cow::Owned(s.to_string());
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    t.bytes += s.len();
    t.set.insert(leaked);
    Cow::Borrowed(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_dedupes() {
        let a = intern("class");
        let b = intern(&String::from("class"));
        match (a, b) {
            (Cow::Borrowed(x), Cow::Borrowed(y)) => assert!(std::ptr::eq(x, y)),
            _ => panic!("short strings are interned"),
        }
        assert!(matches!(intern(&"x".repeat(MAX_LEN + 1)), Cow::Owned(_)));
    }
}
