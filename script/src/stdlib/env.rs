//! What functions may read besides their arguments: the shard's environment and the event.

use std::collections::HashMap;

use regex::Regex;

use crate::{JsonDecoder, Value};

/// Per-shard environment the functions may read: clock, host identity, randomness, and
/// scratch space reused across calls. One per shard (it is `!Sync` by intent); tests build
/// one with a fixed clock.
#[derive(Debug, Clone)]
pub struct Env {
    /// Where "now" comes from.
    pub clock: Clock,
    /// `tremor::system::hostname()`.
    pub hostname: String,
    /// `tremor::system::instance()`.
    pub instance: String,
    /// Where `std::random` draws from (seeded from each event's ingest time).
    pub random: RandomState,
    /// Regular expressions compiled by `std::re` calls whose pattern is not a literal.
    pub regex_cache: RegexCache,
    /// A JSON decoder reused by `std::json::decode`.
    pub json: JsonScratch,
}

/// A clock that tests can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system's real-time clock.
    System,
    /// Always this many nanoseconds since the epoch.
    Fixed(u64),
}

impl Clock {
    /// Nanoseconds since the Unix epoch.
    #[must_use]
    pub fn now_ns(self) -> u64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                .unwrap_or(0),
            Clock::Fixed(n) => n,
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Env {
            clock: Clock::System,
            hostname: system_hostname(),
            instance: "sluice".to_string(),
            random: RandomState::default(),
            regex_cache: RegexCache::default(),
            json: JsonScratch::default(),
        }
    }
}

/// The kernel's host name; empty when it cannot be read.
fn system_hostname() -> String {
    if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let s = s.trim();
        if !s.is_empty() {
            return s.to_string();
        }
    }
    std::env::var("HOSTNAME").unwrap_or_default()
}

/// What a function sees besides its arguments.
pub struct FnCtx<'c> {
    /// The shard's environment.
    pub env: &'c mut Env,
    /// The current event's ingest timestamp (ns since the epoch).
    pub ingest_ns: u64,
    /// The current event's origin: a record `{"scheme": string, "host": string,
    /// "port": integer or null, "path": [string], "query": string or null}` (`path` may also
    /// be one string, which is split at `/`; `query` may be absent), if known.
    pub origin: Option<&'c Value<'static>>,
}

impl<'c> FnCtx<'c> {
    /// A context for one call.
    pub fn new(env: &'c mut Env, ingest_ns: u64, origin: Option<&'c Value<'static>>) -> Self {
        FnCtx {
            env,
            ingest_ns,
            origin,
        }
    }
}

/// The random source behind `std::random`.
///
/// Tremor seeds its generator from the event's ingest time so that replaying the same events
/// gives the same values. Sluice does the same, and also counts the calls made for one event
/// so that two calls within an event differ (tremor returns the same value twice).
#[derive(Debug, Clone, Default)]
pub struct RandomState {
    event_ns: u64,
    calls: u64,
}

impl RandomState {
    /// A generator for the next call made while handling the event ingested at `ingest_ns`.
    pub fn next_rng(&mut self, ingest_ns: u64) -> fastrand::Rng {
        if self.event_ns != ingest_ns {
            self.event_ns = ingest_ns;
            self.calls = 0;
        }
        let seed = splitmix64(ingest_ns ^ splitmix64(self.calls));
        self.calls = self.calls.wrapping_add(1);
        fastrand::Rng::with_seed(seed)
    }
}

// Spreads nearby inputs (consecutive timestamps, call counts) over the whole seed space.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Patterns at most this long are cached; longer ones are compiled per call.
const REGEX_CACHE_MAX_PATTERN: usize = 1024;
/// Distinct patterns kept; the cache is emptied when it fills (scripts use a handful).
const REGEX_CACHE_ENTRIES: usize = 64;
/// Compiled-program size limit, so a hostile pattern from an event cannot eat memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A small per-shard cache of compiled regular expressions.
#[derive(Debug, Clone, Default)]
pub struct RegexCache {
    map: HashMap<String, Regex>,
}

impl RegexCache {
    /// The compiled form of `pattern`.
    ///
    /// # Errors
    /// The pattern's syntax error, or that it compiles to too large a program.
    pub fn get(&mut self, pattern: &str) -> Result<Regex, regex::Error> {
        if let Some(re) = self.map.get(pattern) {
            return Ok(re.clone());
        }
        let re = regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()?;
        if pattern.len() <= REGEX_CACHE_MAX_PATTERN {
            if self.map.len() >= REGEX_CACHE_ENTRIES {
                self.map.clear();
            }
            self.map.insert(pattern.to_string(), re.clone());
        }
        Ok(re)
    }
}

/// A JSON decoder kept between calls; cloning an environment gives the clone a fresh one.
#[derive(Debug, Default)]
pub struct JsonScratch {
    /// The decoder.
    pub decoder: JsonDecoder,
}

impl Clone for JsonScratch {
    fn clone(&self) -> Self {
        JsonScratch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_is_deterministic_per_event_and_varies_per_call() {
        let mut a = RandomState::default();
        let mut b = RandomState::default();
        let x1 = a.next_rng(7).u64(..);
        let x2 = a.next_rng(7).u64(..);
        assert_ne!(x1, x2, "two calls in one event differ");
        assert_eq!(b.next_rng(7).u64(..), x1, "same event, same first value");
        assert_eq!(b.next_rng(7).u64(..), x2);
        // A new event restarts the sequence from its own seed.
        let y = a.next_rng(8).u64(..);
        assert_eq!(b.next_rng(8).u64(..), y);
        assert_eq!(a.next_rng(7).u64(..), x1, "back to event 7 replays it");
    }

    #[test]
    fn regex_cache_compiles_once_and_rejects_bad_patterns() {
        let mut c = RegexCache::default();
        assert!(c.get("a+").is_ok_and(|r| r.is_match("caab")));
        assert_eq!(c.map.len(), 1);
        assert!(c.get("a+").is_ok());
        assert_eq!(c.map.len(), 1);
        assert!(c.get("(").is_err());
        // A pattern that compiles to a huge program is refused rather than built.
        assert!(c.get(r"\w{1000}\w{1000}\w{1000}").is_err());
        for i in 0..(REGEX_CACHE_ENTRIES + 5) {
            assert!(c.get(&format!("x{i}")).is_ok());
        }
        assert!(c.map.len() <= REGEX_CACHE_ENTRIES);
    }
}
