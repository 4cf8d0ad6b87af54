//! `kv`: key/value pairs, after Logstash's kv filter as tremor implements it.
//!
//! The pattern names separators: each `%{key}SEP%{val}` adds `SEP` as a key/value separator,
//! any other text adds a field separator. With none given the field separator is a space and
//! the key/value separator a colon, so `kv||` reads `a:1 b:2`. Several separators of each
//! kind may be given (`kv|%{key}=%{val}&%{key}:%{val};|`); a field and a key/value separator
//! may not overlap. `\n`, `\t`, `\r`, `\\` are escapes.
//!
//! The input is split on every field separator; a field that splits into exactly one key and
//! one value becomes a string entry (the last duplicate wins), anything else is skipped. The
//! input matches when at least one pair was found. Values are kept as strings, as in tremor.

use std::borrow::Cow;

use memchr::memmem::Finder;

use super::ExtractorError;
use crate::{Record, Value};

/// A set of separators, with a fast path for the common one-byte case.
#[derive(Debug, Clone)]
enum Seps {
    Byte(u8),
    Bytes2(u8, u8),
    Bytes3(u8, u8, u8),
    Many(Vec<Finder<'static>>),
}

impl Seps {
    fn new(seps: &[String]) -> Self {
        let bytes: Vec<u8> = seps
            .iter()
            .filter(|s| s.len() == 1)
            .map(|s| s.as_bytes()[0])
            .collect();
        if bytes.len() == seps.len() {
            match bytes[..] {
                [a] => return Seps::Byte(a),
                [a, b] => return Seps::Bytes2(a, b),
                [a, b, c] => return Seps::Bytes3(a, b, c),
                _ => {}
            }
        }
        Seps::Many(
            seps.iter()
                .map(|s| Finder::new(s.as_bytes()).into_owned())
                .collect(),
        )
    }

    /// The first separator in `s`: (start, length).
    fn find(&self, s: &[u8]) -> Option<(usize, usize)> {
        match self {
            Seps::Byte(a) => memchr::memchr(*a, s).map(|i| (i, 1)),
            Seps::Bytes2(a, b) => memchr::memchr2(*a, *b, s).map(|i| (i, 1)),
            Seps::Bytes3(a, b, c) => memchr::memchr3(*a, *b, *c, s).map(|i| (i, 1)),
            Seps::Many(fs) => fs
                .iter()
                .filter_map(|f| f.find(s).map(|i| (i, f.needle().len())))
                .min_by_key(|(i, l)| (*i, usize::MAX - l)),
        }
    }
}

/// What a byte is when every separator is a single byte.
const OTHER: u8 = 0;
const FIELD: u8 = 1;
const PAIR: u8 = 2;

/// A compiled `kv` pattern.
#[derive(Debug, Clone)]
pub struct Kv {
    fields: Seps,
    pairs: Seps,
    /// When every separator is one byte: each byte's class (`OTHER`, `FIELD`, `PAIR`), so
    /// one pass over the input finds every pair. Fields are short, so per-field searches
    /// would spend more on their setup than on scanning.
    classes: Option<Box<[u8; 256]>>,
}

fn err(offset: usize, msg: impl Into<String>) -> ExtractorError {
    ExtractorError::at("kv", offset, msg)
}

fn unescape(s: &str, at: usize) -> Result<String, ExtractorError> {
    super::unescape_delimiter("kv", s, at)
}

impl Kv {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        const KEY: &str = "%{key}";
        const VAL: &str = "%{val}";
        let mut field_seps: Vec<(String, usize)> = Vec::new();
        let mut pair_seps: Vec<(String, usize)> = Vec::new();
        let mut pos = 0;
        while pos < pattern.len() {
            let rest = &pattern[pos..];
            if let Some(after) = rest.strip_prefix(KEY) {
                let at = pos + KEY.len();
                let v = after
                    .find(VAL)
                    .ok_or_else(|| err(pos, "`%{key}` without a following `%{val}`"))?;
                if v == 0 {
                    return Err(err(at, "empty separator between `%{key}` and `%{val}`"));
                }
                pair_seps.push((unescape(&after[..v], at)?, at));
                pos = at + v + VAL.len();
            } else {
                let end = rest.find(KEY).unwrap_or(rest.len());
                if rest[..end].contains(VAL) {
                    return Err(err(
                        pos + rest.find(VAL).unwrap_or(0),
                        "`%{val}` without a preceding `%{key}`",
                    ));
                }
                field_seps.push((unescape(&rest[..end], pos)?, pos));
                pos += end;
            }
        }
        if field_seps.is_empty() {
            field_seps.push((" ".into(), 0));
        }
        if pair_seps.is_empty() {
            pair_seps.push((":".into(), 0));
        }
        field_seps.sort();
        field_seps.dedup_by(|a, b| a.0 == b.0);
        pair_seps.sort();
        pair_seps.dedup_by(|a, b| a.0 == b.0);
        for (f, at) in &field_seps {
            if let Some((p, _)) = pair_seps
                .iter()
                .find(|(p, _)| p.contains(f.as_str()) || f.contains(p.as_str()))
            {
                return Err(err(
                    *at,
                    format!("separator `{f}` overlaps the key/value separator `{p}`"),
                ));
            }
        }
        for set in [&field_seps, &pair_seps] {
            for (a, at) in set {
                if set.iter().any(|(b, _)| b != a && b.contains(a.as_str())) {
                    return Err(err(
                        *at,
                        format!("separator `{a}` is part of another separator"),
                    ));
                }
            }
        }
        let fields: Vec<String> = field_seps.into_iter().map(|(s, _)| s).collect();
        let pairs: Vec<String> = pair_seps.into_iter().map(|(s, _)| s).collect();
        let classes = if fields.iter().chain(&pairs).all(|s| s.len() == 1) {
            let mut t = Box::new([OTHER; 256]);
            for f in &fields {
                t[usize::from(f.as_bytes()[0])] = FIELD;
            }
            for p in &pairs {
                t[usize::from(p.as_bytes()[0])] = PAIR;
            }
            Some(t)
        } else {
            None
        };
        Ok(Kv {
            fields: Seps::new(&fields),
            pairs: Seps::new(&pairs),
            classes,
        })
    }

    /// Splits `field` into a key and a value if it holds exactly one pair separator.
    fn pair<'i>(&self, field: &'i str) -> Option<(&'i str, &'i str)> {
        let (i, l) = self.pairs.find(field.as_bytes())?;
        let v = &field[i + l..];
        if self.pairs.find(v.as_bytes()).is_some() {
            return None;
        }
        Some((&field[..i], v))
    }

    /// Calls `f` on every pair in order until it returns `false`.
    fn for_each_pair<'i>(&self, s: &'i str, f: impl FnMut(&'i str, &'i str) -> bool) {
        match &self.classes {
            Some(classes) => Self::pairs_by_class(classes, s, f),
            None => self.pairs_by_search(s, f),
        }
    }

    /// One pass, one byte at a time: a field is a pair when it holds exactly one pair
    /// separator. Separators are ASCII, so every cut is on a character boundary.
    fn pairs_by_class<'i>(
        classes: &[u8; 256],
        s: &'i str,
        mut f: impl FnMut(&'i str, &'i str) -> bool,
    ) {
        let b = s.as_bytes();
        let mut start = 0;
        let mut sep = 0;
        let mut seps = 0u32;
        for (i, &c) in b.iter().enumerate() {
            match classes[usize::from(c)] {
                OTHER => {}
                PAIR => {
                    if seps == 0 {
                        sep = i;
                    }
                    seps += 1;
                }
                _ => {
                    if seps == 1 && !f(&s[start..sep], &s[sep + 1..i]) {
                        return;
                    }
                    start = i + 1;
                    seps = 0;
                }
            }
        }
        if seps == 1 {
            f(&s[start..sep], &s[sep + 1..]);
        }
    }

    fn pairs_by_search<'i>(&self, s: &'i str, mut f: impl FnMut(&'i str, &'i str) -> bool) {
        let mut rest = s;
        loop {
            let (field, next) = match self.fields.find(rest.as_bytes()) {
                Some((i, l)) => (&rest[..i], Some(&rest[i + l..])),
                None => (rest, None),
            };
            if let Some((k, v)) = self.pair(field) {
                if !f(k, v) {
                    return;
                }
            }
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        let mut any = false;
        // One pair is enough.
        self.for_each_pair(s, |_, _| {
            any = true;
            false
        });
        any
    }

    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        let mut b = Builder {
            r: Record::with_capacity(16),
            seen: 0,
        };
        // One closure per scan, so each is called from one place and inlined there.
        match &self.classes {
            Some(classes) => Self::pairs_by_class(classes, s, |k, v| b.add(k, v)),
            None => self.pairs_by_search(s, |k, v| b.add(k, v)),
        }
        (!b.r.is_empty()).then_some(Value::Record(b.r))
    }
}

/// The record being built, with a filter of the keys seen so far.
struct Builder<'i> {
    r: Record<'i>,
    /// Keys seen, by a one-word filter on (length, first and last byte): a key that misses
    /// it is new and is appended without scanning the record.
    seen: u128,
}

impl<'i> Builder<'i> {
    #[inline(always)]
    fn add(&mut self, k: &'i str, v: &'i str) -> bool {
        let kb = k.as_bytes();
        let h = kb
            .len()
            .wrapping_mul(31)
            .wrapping_add(usize::from(kb.first().copied().unwrap_or(0)) * 7)
            .wrapping_add(usize::from(kb.last().copied().unwrap_or(0)));
        let bit = 1u128 << (h % 128);
        if self.seen & bit == 0 {
            self.seen |= bit;
            // Built in the push itself: a value built apart and then moved costs a
            // store-forwarding stall per pair.
            self.r
                .push_unique_with(|| (Cow::Borrowed(k), Value::String(Cow::Borrowed(v))));
        } else {
            self.replace(k, v);
        }
        true
    }

    /// Later duplicates overwrite earlier ones, as a JSON object insert would.
    #[cold]
    #[inline(never)]
    fn replace(&mut self, k: &'i str, v: &'i str) {
        self.r
            .insert(Cow::Borrowed(k), Value::String(Cow::Borrowed(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pattern: &str, input: &str) -> Option<String> {
        let kv = Kv::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let v = kv.extract(input).map(|v| v.to_json());
        assert_eq!(kv.is_match(input), v.is_some());
        v
    }

    #[test]
    fn separators_table() {
        // Expectations from tremor's kv docs and the tremor-kv crate's documented examples.
        let ab = Some(r#"{"foo":"bar","snot":"badger"}"#);
        for p in [
            "",
            " ",
            "%{key}:%{val}",
            "%{key}:%{val} ",
            " %{key}:%{val}",
            "%{key}:%{val} %{key}:%{val} %{key}:%{val}",
        ] {
            assert_eq!(
                run(p, "foo:bar snot:badger").as_deref(),
                ab,
                "pattern {p:?}"
            );
        }
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "%{key}=%{val}",
                "this=is a=test",
                Some(r#"{"this":"is","a":"test"}"#),
            ),
            (
                "&%{key}=%{val}",
                "this=is&a=test",
                Some(r#"{"this":"is","a":"test"}"#),
            ),
            (
                "%{key}=%{val}&",
                "this=is&a=test",
                Some(r#"{"this":"is","a":"test"}"#),
            ),
            (
                r"\n%{key}=%{val}",
                "this=is\na=test",
                Some(r#"{"this":"is","a":"test"}"#),
            ),
            ("&", "this:is&a:test", Some(r#"{"this":"is","a":"test"}"#)),
            (
                "%{key}%{%{val}",
                "this%{is a%{test",
                Some(r#"{"this":"is","a":"test"}"#),
            ),
            (
                "%{key}=%{val};%{key}:%{val} %{key}:%{val}",
                "this=is;a=test for:separators",
                Some(r#"{"this":"is","a":"test","for":"separators"}"#),
            ),
            ("%{key}=%{val}", "this=is", Some(r#"{"this":"is"}"#)),
            // Fields without exactly one separator are skipped; duplicates: last wins.
            ("%{key}=%{val}", "a=1 junk b=2=3 a=4", Some(r#"{"a":"4"}"#)),
            ("", "a:1  b:2", Some(r#"{"a":"1","b":"2"}"#)),
            ("", "a: b:2", Some(r#"{"a":"","b":"2"}"#)),
            // Multi-byte separators.
            (
                "%{key}=>%{val}, ",
                "x=>1, y=>2",
                Some(r#"{"x":"1","y":"2"}"#),
            ),
            (
                "%{key}:%{val}|%{key}:%{val};",
                "a:1|b:2;c:3",
                Some(r#"{"a":"1","b":"2","c":"3"}"#),
            ),
            // Non-ASCII keys and values.
            (
                "%{key}=%{val}",
                "größe=groß ünï=ç",
                Some(r#"{"größe":"groß","ünï":"ç"}"#),
            ),
        ];
        for (p, input, want) in cases {
            assert_eq!(run(p, input).as_deref(), *want, "{p} on {input:?}");
        }
    }

    fn collect(kv: &Kv, s: &str, by_class: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let f = |k: &str, v: &str| {
            out.push((k.to_string(), v.to_string()));
            true
        };
        match (&kv.classes, by_class) {
            (Some(c), true) => Kv::pairs_by_class(c, s, f),
            _ => kv.pairs_by_search(s, f),
        }
        out
    }

    proptest::proptest! {
        // The one-pass scan finds exactly the pairs the per-field searches find.
        #[test]
        fn one_pass_agrees_with_search(
            pattern in proptest::sample::select(vec!["", "%{key}=%{val}", "%{key}=%{val}&", "%{key}:%{val};%{key}=%{val} "]),
            input in "[a-c=:;& é]{0,40}",
        ) {
            let kv = Kv::compile(pattern).unwrap();
            proptest::prop_assert!(kv.classes.is_some());
            proptest::prop_assert_eq!(collect(&kv, &input, true), collect(&kv, &input, false));
        }
    }

    #[test]
    fn malformed_input_does_not_match() {
        for (p, input) in [
            ("%{key}=%{val}", "this is a test"),
            ("", ""),
            ("", "no pairs here"),
            ("%{key}=%{val}", "a=b=c"),
            ("&", "a:b:c&d"),
        ] {
            assert_eq!(run(p, input), None, "{p} on {input:?}");
        }
    }

    #[test]
    fn bad_patterns_are_compile_errors_with_offsets() {
        let cases: &[(&str, usize)] = &[
            ("%{key} %{val} ", 13),
            ("%{key}=%{val}; %{key}:%{val} %{key}:%{val}", 28),
            ("%{key}=%{val};%{key}:%{val} :%{key}:%{val}", 27),
            ("%{key}=", 0),
            ("%{key}%{val}", 6),
            ("x%{val}", 1),
            (r"%{key}\q%{val}", 6),
        ];
        for (p, offset) in cases {
            let e = Kv::compile(p).expect_err(p);
            assert_eq!(e.extractor, "kv");
            assert_eq!(e.offset, Some(*offset), "{p}: {}", e.message);
        }
    }
}
