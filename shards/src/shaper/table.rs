//! The buckets of one shard's shaper: classes by name, and within each class one bucket per
//! distinct `$dimensions` value, at most `cardinality` of them, the least recently used
//! evicted first.
//!
//! Buckets live in a slab; two hash tables (hashbrown's `HashTable`, foldhash with a fixed
//! seed) index classes by name and buckets by (class, dimension bytes). Each class threads
//! its buckets on an intrusive doubly linked list in use order, so a hit, a new bucket and
//! an eviction are all O(1) and nothing is allocated on a hit. The hash of a bucket is the
//! same on every shard (class *name* and dimension bytes, fixed seed): it is the bucket's
//! name in the host-wide share exchange.

use std::hash::BuildHasher as _;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use super::bucket::{Bucket, Rate};

const NONE: u32 = u32::MAX;

/// Byte equality that never hands `memcmp` an empty slice: an empty slice's pointer is
/// dangling, and glibc's AVX-512 `memcmp` does a masked load from it, which costs a
/// fault-suppression assist of a few hundred cycles (measured: 300 ns per lookup).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (a.is_empty() || a == b)
}
const SEED: u64 = 0x51_u64 << 56 | 0x00c1_a55e;

/// Dimension bytes: up to 32 inline (in the entry's own cache lines), longer on the heap.
#[derive(Debug)]
enum Key {
    Inline(u8, [u8; 32]),
    Heap(Box<[u8]>),
}

impl Key {
    fn new(b: &[u8]) -> Key {
        if b.len() <= 32 {
            let mut a = [0u8; 32];
            a[..b.len()].copy_from_slice(b);
            Key::Inline(u8::try_from(b.len()).unwrap_or(32), a)
        } else {
            Key::Heap(b.into())
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(n, a) => &a[..usize::from(*n)],
            Key::Heap(b) => b,
        }
    }
}

/// A class: its name, its bucket list in use order, and what it resolved to at creation.
#[derive(Debug)]
pub struct Class {
    /// Its name, as the script set it.
    pub name: Box<str>,
    hash: u64,
    live: usize,
    /// Most recently used bucket.
    head: u32,
    /// Least recently used bucket (evicted first).
    tail: u32,
    /// Its priority from the config's table (or the default).
    pub priority: u8,
    /// Its metrics slot (classes past the label cap share the `other` slot).
    pub stats: usize,
}

/// A bucket and its bookkeeping.
#[derive(Debug)]
pub struct Entry {
    class: u32,
    /// Host-wide name of the bucket.
    pub hash: u64,
    key: Key,
    /// The token bucket.
    pub bucket: Bucket,
    /// Events seen since the last share tick.
    pub arrivals: u32,
    /// Smoothed arrivals per tick (what the shard reports to its peers).
    pub smoothed: f64,
}

/// Where an event's bucket is.
pub struct Found {
    /// Its class index.
    pub class: usize,
    /// Its slot.
    pub slot: usize,
    /// A bucket of the class was evicted to make room.
    pub evicted: bool,
}

/// Too many classes: the table refuses to grow past `max_classes`.
#[derive(Debug, Clone, Copy)]
pub struct TooManyClasses(pub usize);

/// One shard's classes and buckets.
pub struct Table {
    classes: Vec<Class>,
    class_index: HashTable<u32>,
    entries: Vec<Entry>,
    /// Per slot: (previous, next) in its class's use order; apart from the entries so the
    /// list updates of a hit touch a small, cache-resident array.
    links: Vec<[u32; 2]>,
    free: Vec<u32>,
    index: HashTable<u32>,
    cardinality: usize,
    max_classes: usize,
    hasher: FixedState,
}

impl Table {
    /// An empty table: at most `cardinality` buckets per class, `max_classes` classes.
    #[must_use]
    pub fn new(cardinality: usize, max_classes: usize) -> Table {
        Table {
            classes: Vec::new(),
            class_index: HashTable::new(),
            entries: Vec::new(),
            links: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            cardinality: cardinality.max(1),
            max_classes: max_classes.max(1),
            hasher: FixedState::with_seed(SEED),
        }
    }

    /// The classes seen so far, in order of first appearance.
    #[must_use]
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// Live buckets of class `c`.
    #[must_use]
    pub fn live(&self, c: usize) -> usize {
        self.classes[c].live
    }

    /// The class named `name`, created with `make(name) -> (priority, stats slot)` if new.
    ///
    /// # Errors
    /// A new class when `max_classes` exist already.
    #[inline]
    pub fn class(
        &mut self,
        name: &str,
        make: impl FnOnce(&str) -> (u8, usize),
    ) -> Result<usize, TooManyClasses> {
        let hash = self.hasher.hash_one(name);
        let classes = &self.classes;
        if let Some(&c) = self
            .class_index
            .find(hash, |&c| &*classes[c as usize].name == name)
        {
            return Ok(c as usize);
        }
        if self.classes.len() >= self.max_classes {
            return Err(TooManyClasses(self.max_classes));
        }
        let (priority, stats) = make(name);
        let c = u32::try_from(self.classes.len()).map_err(|_| TooManyClasses(self.max_classes))?;
        self.classes.push(Class {
            name: name.into(),
            hash,
            live: 0,
            head: NONE,
            tail: NONE,
            priority,
            stats,
        });
        let classes = &self.classes;
        self.class_index
            .insert_unique(hash, c, |&c| classes[c as usize].hash);
        Ok(c as usize)
    }

    /// The bucket of class `c` for dimension bytes `key`, made at `rate` with `share` at
    /// `now_ns` if new (evicting the class's least recently used one when it is full).
    #[inline]
    pub fn bucket(&mut self, c: usize, key: &[u8], rate: Rate, share: f64, now_ns: u64) -> Found {
        let hash = self.hasher.hash_one((self.classes[c].hash, key));
        let entries = &self.entries;
        let cu = c as u32;
        if let Some(&slot) = self.index.find(hash, |&s| {
            let e = &entries[s as usize];
            e.class == cu && same_bytes(e.key.bytes(), key)
        }) {
            self.touch(slot);
            return Found {
                class: c,
                slot: slot as usize,
                evicted: false,
            };
        }
        let mut evicted = false;
        if self.classes[c].live >= self.cardinality {
            let victim = self.classes[c].tail;
            self.remove(victim);
            evicted = true;
        }
        let entry = Entry {
            class: cu,
            hash,
            key: Key::new(key),
            bucket: Bucket::new(rate, share, now_ns),
            arrivals: 0,
            smoothed: 0.0,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.entries[s as usize] = entry;
                self.links[s as usize] = [NONE, NONE];
                s
            }
            None => {
                self.entries.push(entry);
                self.links.push([NONE, NONE]);
                u32::try_from(self.entries.len() - 1).unwrap_or(NONE)
            }
        };
        let entries = &self.entries;
        self.index
            .insert_unique(hash, slot, |&s| entries[s as usize].hash);
        self.classes[c].live += 1;
        self.link_front(slot);
        Found {
            class: c,
            slot: slot as usize,
            evicted,
        }
    }

    /// The entry in `slot`.
    #[inline]
    pub fn entry(&mut self, slot: usize) -> &mut Entry {
        &mut self.entries[slot]
    }

    /// Every live bucket.
    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.entries.iter_mut().filter(|e| e.class != NONE)
    }

    fn remove(&mut self, slot: u32) {
        if slot == NONE {
            return;
        }
        self.unlink(slot);
        let hash = self.entries[slot as usize].hash;
        if let Ok(e) = self.index.find_entry(hash, |&s| s == slot) {
            e.remove();
        }
        let e = &mut self.entries[slot as usize];
        let c = e.class as usize;
        e.class = NONE;
        e.key = Key::Inline(0, [0; 32]);
        self.classes[c].live -= 1;
        self.free.push(slot);
    }

    #[inline]
    fn touch(&mut self, slot: u32) {
        let c = self.entries[slot as usize].class as usize;
        if self.classes[c].head != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    fn unlink(&mut self, slot: u32) {
        let [prev, next] = self.links[slot as usize];
        let c = self.entries[slot as usize].class as usize;
        if prev == NONE {
            self.classes[c].head = next;
        } else {
            self.links[prev as usize][1] = next;
        }
        if next == NONE {
            self.classes[c].tail = prev;
        } else {
            self.links[next as usize][0] = prev;
        }
        self.links[slot as usize] = [NONE, NONE];
    }

    fn link_front(&mut self, slot: u32) {
        let c = self.entries[slot as usize].class as usize;
        let old = self.classes[c].head;
        self.links[slot as usize] = [NONE, old];
        if old == NONE {
            self.classes[c].tail = slot;
        } else {
            self.links[old as usize][0] = slot;
        }
        self.classes[c].head = slot;
    }

    /// The dimension bytes of every live bucket of class `c`, most recently used first.
    #[must_use]
    pub fn keys_in_use_order(&self, c: usize) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut s = self.classes[c].head;
        while s != NONE {
            out.push(self.entries[s as usize].key.bytes());
            s = self.links[s as usize][1];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> Rate {
        Rate::per_second(10.0)
    }

    #[test]
    fn classes_by_name() {
        let mut t = Table::new(10, 2);
        let a = t.class("a", |_| (1, 0)).unwrap();
        let b = t.class("b", |_| (2, 1)).unwrap();
        assert_eq!(t.class("a", |_| unreachable!()).unwrap(), a);
        assert_ne!(a, b);
        assert!(t.class("c", |_| (0, 0)).is_err());
        assert_eq!(t.classes()[b].priority, 2);
    }

    #[test]
    fn the_least_recently_used_bucket_is_evicted_at_cardinality() {
        let mut t = Table::new(3, 10);
        let c = t.class("a", |_| (0, 0)).unwrap();
        for k in [b"1", b"2", b"3"] {
            assert!(!t.bucket(c, k, rate(), 1.0, 0).evicted);
        }
        // Use 1 again: 2 is now the least recently used.
        let s1 = t.bucket(c, b"1", rate(), 1.0, 0).slot;
        let f = t.bucket(c, b"4", rate(), 1.0, 0);
        assert!(f.evicted);
        assert_eq!(t.live(c), 3);
        assert_eq!(t.keys_in_use_order(c), vec![&b"4"[..], b"1", b"3"]);
        // 1 kept its bucket (and slot); 2 comes back as a new, full bucket.
        assert_eq!(t.bucket(c, b"1", rate(), 1.0, 0).slot, s1);
        assert!(t.bucket(c, b"2", rate(), 1.0, 0).evicted);
        assert_eq!(t.keys_in_use_order(c), vec![&b"2"[..], b"1", b"4"]);
    }

    #[test]
    fn classes_do_not_evict_each_other() {
        let mut t = Table::new(2, 10);
        let a = t.class("a", |_| (0, 0)).unwrap();
        let b = t.class("b", |_| (0, 0)).unwrap();
        t.bucket(a, b"x", rate(), 1.0, 0);
        t.bucket(a, b"y", rate(), 1.0, 0);
        // The same dimension in another class is another bucket.
        assert!(!t.bucket(b, b"x", rate(), 1.0, 0).evicted);
        assert!(!t.bucket(b, b"y", rate(), 1.0, 0).evicted);
        assert_eq!((t.live(a), t.live(b)), (2, 2));
        assert_eq!(t.entries_mut().count(), 4);
    }

    #[test]
    fn a_bucket_keeps_its_tokens_between_events() {
        let mut t = Table::new(10, 10);
        let c = t.class("a", |_| (0, 0)).unwrap();
        for _ in 0..10 {
            let s = t.bucket(c, b"k", rate(), 1.0, 0).slot;
            assert!(t.entry(s).bucket.take(0));
        }
        let s = t.bucket(c, b"k", rate(), 1.0, 0).slot;
        assert!(!t.entry(s).bucket.take(0));
    }

    #[test]
    fn bucket_names_agree_across_tables() {
        let mut t1 = Table::new(10, 10);
        let mut t2 = Table::new(10, 10);
        t2.class("other", |_| (0, 0)).unwrap();
        let c1 = t1.class("a", |_| (0, 0)).unwrap();
        let c2 = t2.class("a", |_| (0, 0)).unwrap();
        let s1 = t1.bucket(c1, b"k", rate(), 1.0, 0).slot;
        let s2 = t2.bucket(c2, b"k", rate(), 1.0, 0).slot;
        assert_eq!(t1.entry(s1).hash, t2.entry(s2).hash);
    }
}
