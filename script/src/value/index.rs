//! The key index a [`super::Record`] grows once it holds more than a handful of fields.
//!
//! Small records scan their entries (cheaper than hashing at the sizes events have), but a
//! record's size is decided by its input: an 80,000-field Influx line or msgpack map would
//! make every insert scan every key before it, quadratic in the input. Above [`SCAN_MAX`]
//! fields a record keeps this open-addressing table of entry positions beside its entries,
//! so lookups and inserts cost O(1) expected and decoding stays linear.
//!
//! Keys are hashed with std's `RandomState` (SipHash with a per-table random key): the keys
//! come from untrusted input, and a fixed hash would let a sender pick colliding keys and
//! bring the quadratic cost back. Each slot holds the entry's position and 32 bits of its
//! key's hash, so a probe that meets another key rejects it without reading the entry (on
//! large records, that read is a cache miss).

use std::borrow::Cow;
use std::hash::BuildHasher;

use super::Value;

/// Records with at most this many fields are scanned; larger ones are indexed.
pub(crate) const SCAN_MAX: usize = 32;

/// An empty slot. A full slot is `tag << 32 | position`; positions stay below `u32::MAX`
/// (a record that large would need hundreds of gigabytes).
const EMPTY: u64 = u64::MAX;

type Entry<'a> = (Cow<'a, str>, Value<'a>);

/// Positions of a record's entries by key hash: linear probing, at most half full.
#[derive(Clone)]
pub(super) struct Index {
    slots: Vec<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Index {
    /// An index over `entries` (the first of equal keys is the one found, as a scan would).
    pub(super) fn build(entries: &[Entry<'_>]) -> Index {
        let mut ix = Index {
            slots: Vec::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        };
        ix.rebuild(entries);
        ix
    }

    /// Re-indexes every entry (after a removal shifted positions, or to grow).
    pub(super) fn rebuild(&mut self, entries: &[Entry<'_>]) {
        let want = (entries.len().max(SCAN_MAX) * 2).next_power_of_two();
        self.slots.clear();
        self.slots.resize(want, EMPTY);
        for i in 0..entries.len() {
            self.place(entries, i);
        }
    }

    /// The slot to start probing at and the tag of `key`.
    fn hash(&self, key: &str) -> (usize, u64) {
        let h = self.hasher.hash_one(key);
        // Low bits pick the slot (the table is a power of two), high bits are the tag.
        let mask = self.slots.len() - 1;
        ((h as usize) & mask, h >> 32)
    }

    /// Where `key` is in `entries`, if anywhere.
    pub(super) fn find(&self, entries: &[Entry<'_>], key: &str) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let (mut s, tag) = self.hash(key);
        loop {
            match self.slots[s] {
                EMPTY => return None,
                slot if slot >> 32 == tag => {
                    let i = (slot & 0xffff_ffff) as usize;
                    if entries[i].0.as_ref() == key {
                        return Some(i);
                    }
                }
                _ => {}
            }
            s = (s + 1) & mask;
        }
    }

    /// Records that the last of `entries` (just pushed) is under its key.
    pub(super) fn pushed(&mut self, entries: &[Entry<'_>]) {
        if entries.len() * 2 > self.slots.len() {
            self.rebuild(entries);
        } else {
            self.place(entries, entries.len() - 1);
        }
    }

    fn place(&mut self, entries: &[Entry<'_>], i: usize) {
        let key = entries[i].0.as_ref();
        let mask = self.slots.len() - 1;
        let (mut s, tag) = self.hash(key);
        loop {
            match self.slots[s] {
                EMPTY => {
                    self.slots[s] = (tag << 32) | (i as u64 & 0xffff_ffff);
                    return;
                }
                // An equal key is already indexed: lookups find the first, as a scan does.
                slot if slot >> 32 == tag
                    && entries[(slot & 0xffff_ffff) as usize].0.as_ref() == key =>
                {
                    return
                }
                _ => s = (s + 1) & mask,
            }
        }
    }
}
