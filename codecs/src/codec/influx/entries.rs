//! A tag set or field set while it is being parsed.
//!
//! The entries go into a plain vector, and a repeated key is found by scanning it while the
//! set is small; a set that grows past [`SCAN_MAX`] entries moves into a [`Record`], whose
//! index keeps the repeat check linear however many keys a line holds. `Record::push_unique`
//! per entry cost ~9% of an influx -> JSON run (perf): `Vec::push` inlines and writes the
//! entry in place.

use std::borrow::Cow;

use sluice_script::{Record, Value};

/// Past this many entries the scan gives way to the record's index (the record indexes
/// itself at the same size).
const SCAN_MAX: usize = 32;

pub(crate) struct Entries<'a> {
    small: Vec<(Cow<'a, str>, Value<'a>)>,
    big: Option<Record<'a>>,
}

impl<'a> Entries<'a> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Entries {
            small: Vec::with_capacity(n),
            big: None,
        }
    }

    /// The value under `key`, if the set has it.
    #[inline]
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        match &mut self.big {
            Some(r) => r.get_mut(key),
            None => self
                .small
                .iter_mut()
                .find(|(k, _)| k.as_ref() == key)
                .map(|(_, v)| v),
        }
    }

    /// Appends an entry whose key the caller checked is new.
    #[inline]
    pub(crate) fn push(&mut self, key: Cow<'a, str>, value: Value<'a>) {
        match &mut self.big {
            Some(r) => r.push_unique(key, value),
            None => {
                self.small.push((key, value));
                if self.small.len() > SCAN_MAX {
                    self.grow();
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        self.big = Some(Record::from_unique(std::mem::take(&mut self.small)));
    }

    pub(crate) fn into_record(self) -> Record<'a> {
        match self.big {
            Some(r) => r,
            None => Record::from_unique(self.small),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_found_before_and_after_the_set_grows() {
        let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let mut e = Entries::with_capacity(4);
        for (i, k) in keys.iter().enumerate() {
            assert!(e.get_mut(k).is_none());
            e.push(Cow::Borrowed(k.as_str()), Value::I64(i as i64));
            // Every key pushed so far is found, on either side of the switch.
            assert_eq!(e.get_mut("k0"), Some(&mut Value::I64(0)));
            assert_eq!(e.get_mut(k), Some(&mut Value::I64(i as i64)));
        }
        *e.get_mut("k40").unwrap() = Value::Bool(true);
        let r = e.into_record();
        assert_eq!(r.len(), 100);
        let got: Vec<&str> = r.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(got, keys.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(r.get("k40"), Some(&Value::Bool(true)));
    }
}
