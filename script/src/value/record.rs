//! An insertion-ordered record.
//!
//! Events carry a handful to a few dozen fields, so entries live in one `Vec` and lookups
//! scan it comparing lengths first; that beats hashing for the sizes that dominate and keeps
//! a decoded record at one allocation. But the number of fields is the input's to choose
//! (an 80,000-field Influx line, a msgpack map, a JSON object), and a scan per insert would
//! make decoding quadratic; so a record that grows past [`SCAN_MAX`] fields moves its
//! entries behind a box together with a hash index of their positions (`index.rs`). The
//! small case pays one predictable branch per lookup and stays three words wide.

use std::borrow::Cow;

use super::index::{Index, SCAN_MAX};
use super::Value;

type Entry<'a> = (Cow<'a, str>, Value<'a>);

/// A record: string keys to values, keys unique, insertion order kept.
#[derive(Clone)]
pub struct Record<'a> {
    repr: Repr<'a>,
}

#[derive(Clone)]
enum Repr<'a> {
    /// Up to [`SCAN_MAX`] fields (or more while they are only being read): scanned.
    Scan(Vec<Entry<'a>>),
    /// More fields: entries with a hash index.
    Indexed(Box<Indexed<'a>>),
}

#[derive(Clone)]
struct Indexed<'a> {
    entries: Vec<Entry<'a>>,
    index: Index,
}

impl<'a> Indexed<'a> {
    // Kept out of line: the scanned case is the hot one and is inlined into every lookup.
    #[inline(never)]
    fn find(&self, key: &str) -> Option<usize> {
        self.index.find(&self.entries, key)
    }
}

impl Default for Record<'_> {
    fn default() -> Self {
        Record::new()
    }
}

impl std::fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("entries", self.entries())
            .finish()
    }
}

impl<'a> Record<'a> {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Record {
            repr: Repr::Scan(Vec::new()),
        }
    }

    /// An empty record with room for `n` fields.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Record {
            repr: Repr::Scan(Vec::with_capacity(n)),
        }
    }

    /// A record over `entries`, indexed when there are many.
    fn from_vec(entries: Vec<Entry<'a>>) -> Self {
        if entries.len() > SCAN_MAX {
            let index = Index::build(&entries);
            Record {
                repr: Repr::Indexed(Box::new(Indexed { entries, index })),
            }
        } else {
            Record {
                repr: Repr::Scan(entries),
            }
        }
    }

    #[inline(always)]
    fn entries(&self) -> &Vec<Entry<'a>> {
        match &self.repr {
            Repr::Scan(v) => v,
            Repr::Indexed(ix) => &ix.entries,
        }
    }

    /// The entries, for changes that keep every key where it is (values only).
    #[inline(always)]
    fn entries_mut(&mut self) -> &mut Vec<Entry<'a>> {
        match &mut self.repr {
            Repr::Scan(v) => v,
            Repr::Indexed(ix) => &mut ix.entries,
        }
    }

    /// Number of fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// `true` when there are no fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    // Inlined into every lookup: the scan is a handful of instructions per field and a
    // call would cost as much as the scan of a typical event's leading keys.
    #[inline(always)]
    fn position(&self, key: &str) -> Option<usize> {
        match &self.repr {
            Repr::Scan(v) => {
                let kb = key.as_bytes();
                v.iter().position(|(k, _)| short_eq(k.as_bytes(), kb))
            }
            Repr::Indexed(ix) => ix.find(key),
        }
    }

    /// Appends an entry whose key is new (or, against the callers' contract, a repeat that
    /// lookups will not see), indexing the record once it is past [`SCAN_MAX`].
    #[inline(always)]
    fn push(&mut self, entry: Entry<'a>) {
        match &mut self.repr {
            Repr::Scan(v) => {
                v.push(entry);
                if v.len() > SCAN_MAX {
                    self.promote();
                }
            }
            Repr::Indexed(ix) => {
                ix.entries.push(entry);
                ix.index.pushed(&ix.entries);
            }
        }
    }

    /// Moves a scanned record that just outgrew [`SCAN_MAX`] behind an index.
    #[cold]
    #[inline(never)]
    fn promote(&mut self) {
        if let Repr::Scan(v) = &mut self.repr {
            let entries = std::mem::take(v);
            *self = Record::from_vec(entries);
        }
    }

    /// The value under `key`.
    #[must_use]
    #[inline(always)]
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.position(key).map(|i| &self.entries()[i].1)
    }

    /// The value under `key`, mutably.
    #[inline]
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        match self.position(key) {
            Some(i) => Some(&mut self.entries_mut()[i].1),
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
            Some(i) => Some(std::mem::replace(&mut self.entries_mut()[i].1, value)),
            None => {
                self.push((key, value));
                None
            }
        }
    }

    /// Appends without checking for an existing key. The caller guarantees `key` is new
    /// (decoders that already checked, builders with literal distinct keys).
    #[inline]
    pub fn push_unique(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.push((key.into(), value));
    }

    /// A record of `entries` as they are, in order. The caller guarantees the keys are
    /// distinct. Built with `vec![...]`, a fixed-shape record has its entries written straight
    /// into the allocation instead of each being staged on the stack and copied by a push.
    #[must_use]
    pub fn from_unique(entries: Vec<(Cow<'a, str>, Value<'a>)>) -> Self {
        Record::from_vec(entries)
    }

    /// Appends the entry `f` returns, without checking for an existing key (as
    /// [`Record::push_unique`]). `f` runs once room has been made, so the entry is built in
    /// its slot instead of being staged on the stack and copied.
    #[inline(always)]
    pub fn push_unique_with(&mut self, f: impl FnOnce() -> (Cow<'a, str>, Value<'a>)) {
        let mut f = Some(f);
        let entries = self.entries_mut();
        let n = entries.len() + 1;
        entries.resize_with(n, || match f.take() {
            Some(f) => f(),
            None => (Cow::Borrowed(""), Value::Null),
        });
        match &mut self.repr {
            Repr::Scan(v) if v.len() > SCAN_MAX => self.promote(),
            Repr::Scan(_) => {}
            Repr::Indexed(ix) => ix.index.pushed(&ix.entries),
        }
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
                self.push((key, default()));
                self.len() - 1
            }
        };
        &mut self.entries_mut()[i].1
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        let i = self.position(key)?;
        Some(match &mut self.repr {
            Repr::Scan(v) => v.remove(i).1,
            Repr::Indexed(ix) => {
                let (_, v) = ix.entries.remove(i);
                // Positions after `i` moved; shifting the entries was O(n) already.
                ix.index.rebuild(&ix.entries);
                v
            }
        })
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        match &mut self.repr {
            Repr::Scan(v) => v.clear(),
            Repr::Indexed(ix) => {
                let mut v = std::mem::take(&mut ix.entries);
                v.clear();
                self.repr = Repr::Scan(v);
            }
        }
    }

    /// Fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Cow<'a, str>, &Value<'a>)> {
        self.entries().iter().map(|(k, v)| (k, v))
    }

    /// Fields in order, values mutable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Cow<'a, str>, &mut Value<'a>)> {
        self.entries_mut().iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Cow<'a, str>> {
        self.entries().iter().map(|(k, _)| k)
    }

    /// Values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value<'a>> {
        self.entries().iter().map(|(_, v)| v)
    }

    /// Keeps the fields for which `f` returns true.
    pub fn retain(&mut self, mut f: impl FnMut(&str, &mut Value<'a>) -> bool) {
        match &mut self.repr {
            Repr::Scan(v) => v.retain_mut(|(k, v)| f(k, v)),
            Repr::Indexed(ix) => {
                ix.entries.retain_mut(|(k, v)| f(k, v));
                ix.index.rebuild(&ix.entries);
            }
        }
    }

    /// Detaches keys and values from borrowed buffers.
    #[must_use]
    pub fn into_static(self) -> Record<'static> {
        Record::from_vec(
            self.into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_static()))
                .collect(),
        )
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
        match self.repr {
            Repr::Scan(v) => v.into_iter(),
            Repr::Indexed(ix) => ix.entries.into_iter(),
        }
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

    fn key(i: usize) -> Cow<'static, str> {
        Cow::Owned(format!("k{i}"))
    }

    #[test]
    fn a_large_record_behaves_like_a_small_one() {
        // Past SCAN_MAX the record is indexed; every operation must agree with the scan.
        let n = SCAN_MAX * 5;
        let mut r = Record::new();
        for i in 0..n {
            assert!(r.insert(key(i), Value::I64(i as i64)).is_none());
        }
        assert!(matches!(r.repr, Repr::Indexed(_)));
        assert_eq!(r.len(), n);
        for i in 0..n {
            assert_eq!(r.get(&key(i)).and_then(Value::as_i64), Some(i as i64));
        }
        assert!(r.get("absent").is_none());
        // Replacing keeps positions.
        assert_eq!(
            r.insert(key(3), Value::I64(-3)).and_then(|v| v.as_i64()),
            Some(3)
        );
        assert_eq!(r.keys().nth(3).map(|k| k.as_ref()), Some("k3"));
        // Removing shifts positions; lookups still find every key.
        assert_eq!(r.remove("k0").and_then(|v| v.as_i64()), Some(0));
        assert!(r.get("k0").is_none());
        assert_eq!(
            r.get(&key(n - 1)).and_then(Value::as_i64),
            Some(n as i64 - 1)
        );
        r.retain(|k, _| k != "k5");
        assert!(r.get("k5").is_none());
        assert_eq!(r.get("k6").and_then(Value::as_i64), Some(6));
        *r.entry_or_insert_with("new", || Value::I64(0)) = Value::I64(7);
        assert_eq!(r.get("new").and_then(Value::as_i64), Some(7));
        r.push_unique_with(|| (Cow::Borrowed("with"), Value::I64(8)));
        assert_eq!(r.get("with").and_then(Value::as_i64), Some(8));
        let s = r.clone().into_static();
        assert_eq!(s.get("with").and_then(Value::as_i64), Some(8));
        assert_eq!(s, r);
        r.clear();
        assert!(r.is_empty() && r.get("k6").is_none());
        r.insert("again", Value::Null);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn from_unique_of_many_is_indexed() {
        let n = SCAN_MAX * 3;
        let r = Record::from_unique((0..n).map(|i| (key(i), Value::I64(i as i64))).collect());
        assert!(matches!(r.repr, Repr::Indexed(_)));
        assert_eq!(
            r.get(&key(n - 1)).and_then(Value::as_i64),
            Some(n as i64 - 1)
        );
    }

    #[test]
    fn record_stays_three_words() {
        assert_eq!(std::mem::size_of::<Record<'_>>(), 24);
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
