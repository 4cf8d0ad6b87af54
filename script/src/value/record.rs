//! An insertion-ordered record.
//!
//! Events carry a handful to a few dozen fields, so entries live in one `Vec` and lookups
//! scan it comparing lengths first; that beats hashing for the sizes that dominate and keeps
//! a decoded record at one allocation. The representation is private so that an index for
//! very large records can be added without touching callers.

use std::borrow::Cow;

use super::Value;

/// A record: string keys to values, keys unique, insertion order kept.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> Record<'a> {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Record {
            entries: Vec::new(),
        }
    }

    /// An empty record with room for `n` fields.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Record {
            entries: Vec::with_capacity(n),
        }
    }

    /// Number of fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    // Inlined into every lookup: the scan is a handful of instructions per field and a
    // call would cost as much as the scan of a typical event's leading keys.
    #[inline(always)]
    fn position(&self, key: &str) -> Option<usize> {
        let kb = key.as_bytes();
        self.entries
            .iter()
            .position(|(k, _)| short_eq(k.as_bytes(), kb))
    }

    /// The value under `key`.
    #[must_use]
    #[inline(always)]
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value under `key`, mutably.
    #[inline]
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        match self.position(key) {
            Some(i) => Some(&mut self.entries[i].1),
            None => None,
        }
    }

    /// `true` if `key` is present.
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`; an existing key keeps its position. Returns the old value.
    #[inline]
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) -> Option<Value<'a>> {
        let key = key.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Appends without checking for an existing key. The caller guarantees `key` is new
    /// (decoders that already checked, builders with literal distinct keys).
    #[inline]
    pub fn push_unique(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.entries.push((key.into(), value));
    }

    /// A record of `entries` as they are, in order. The caller guarantees the keys are
    /// distinct. Built with `vec![...]`, a fixed-shape record has its entries written straight
    /// into the allocation instead of each being staged on the stack and copied by a push.
    #[must_use]
    pub fn from_unique(entries: Vec<(Cow<'a, str>, Value<'a>)>) -> Self {
        Record { entries }
    }

    /// Appends the entry `f` returns, without checking for an existing key (as
    /// [`Record::push_unique`]). `f` runs once room has been made, so the entry is built in
    /// its slot instead of being staged on the stack and copied.
    #[inline(always)]
    pub fn push_unique_with(&mut self, f: impl FnOnce() -> (Cow<'a, str>, Value<'a>)) {
        let mut f = Some(f);
        let n = self.entries.len() + 1;
        self.entries.resize_with(n, || match f.take() {
            Some(f) => f(),
            None => (Cow::Borrowed(""), Value::Null),
        });
    }

    /// The value under `key`, inserting `default()` first if it is missing.
    pub fn entry_or_insert_with(
        &mut self,
        key: impl Into<Cow<'a, str>>,
        default: impl FnOnce() -> Value<'a>,
    ) -> &mut Value<'a> {
        let key = key.into();
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                self.entries.push((key, default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Cow<'a, str>, &Value<'a>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Fields in order, values mutable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Cow<'a, str>, &mut Value<'a>)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Cow<'a, str>> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value<'a>> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Keeps the fields for which `f` returns true.
    pub fn retain(&mut self, mut f: impl FnMut(&str, &mut Value<'a>) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }

    /// Detaches keys and values from borrowed buffers.
    #[must_use]
    pub fn into_static(self) -> Record<'static> {
        Record {
            entries: self
                .entries
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_static()))
                .collect(),
        }
    }
}

/// Byte equality tuned for the short strings of keys and field values: lengths up to 16
/// compare as two overlapping words instead of a call to `memcmp`.
#[inline(always)]
pub(crate) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |s: &[u8], i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let word4 = |s: &[u8], i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[i..i + 4]);
        u32::from_le_bytes(w)
    };
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

impl<'a> IntoIterator for Record<'a> {
    type Item = (Cow<'a, str>, Value<'a>);
    type IntoIter = std::vec::IntoIter<(Cow<'a, str>, Value<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K: Into<Cow<'a, str>>> FromIterator<(K, Value<'a>)> for Record<'a> {
    fn from_iter<T: IntoIterator<Item = (K, Value<'a>)>>(iter: T) -> Self {
        let mut r = Record::new();
        for (k, v) in iter {
            r.insert(k, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_first_position_and_replaces_value() {
        let mut r = Record::new();
        r.insert("b", Value::I64(1));
        r.insert("a", Value::I64(2));
        assert_eq!(
            r.insert("b", Value::I64(3)).and_then(|v| v.as_i64()),
            Some(1)
        );
        let keys: Vec<&str> = r.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(r.get("b").and_then(Value::as_i64), Some(3));
    }

    #[test]
    fn from_unique_keeps_the_given_order_and_is_searchable() {
        let mut r = Record::from_unique(vec![
            (Cow::Borrowed("z"), Value::I64(1)),
            (Cow::Borrowed("a"), Value::str("x")),
        ]);
        let keys: Vec<&str> = r.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["z", "a"]);
        assert_eq!(r.get("a").and_then(Value::as_str), Some("x"));
        assert_eq!(
            r.insert("z", Value::I64(2)).and_then(|v| v.as_i64()),
            Some(1)
        );
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn push_unique_with_appends_in_order_past_capacity() {
        let mut r = Record::with_capacity(1);
        for (i, k) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            r.push_unique_with(|| (Cow::Borrowed(k), Value::I64(i as i64)));
        }
        let keys: Vec<&str> = r.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e"]);
        assert_eq!(r.get("d").and_then(Value::as_i64), Some(3));
    }

    #[test]
    fn short_eq_matches_slice_eq() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "level",
            "levem",
            "service",
            "servicE",
            "abcdefgh",
            "abcdefgi",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "xbcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "é",
            "ée",
        ];
        for a in words {
            for b in words {
                assert_eq!(short_eq(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn remove_keeps_order() {
        let mut r: Record<'_> = [
            ("x", Value::I64(1)),
            ("y", Value::I64(2)),
            ("z", Value::I64(3)),
        ]
        .into_iter()
        .collect();
        assert!(r.remove("y").is_some());
        assert!(r.remove("y").is_none());
        let keys: Vec<&str> = r.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["x", "z"]);
    }
}
