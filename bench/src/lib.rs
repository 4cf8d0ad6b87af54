//! # sluice-bench
//!
//! Benchmarks and the tools they need:
//! - `loadgen`: replays a file of lines over N TCP connections or UDP, at full speed or a
//!   fixed rate, for a duration or a count, and reports what it sent.
//! - `benches/`: criterion benches on fixed corpora under `bench/data/`, pinned to one core.
//! - `e2e.sh`: Sluice with a blackhole sink on a chosen shard layout, driven by `loadgen`.
//!
//! ```
//! let lines = sluice_bench::corpus("json600.jsonl");
//! assert!(lines.len() >= 1000);
//! assert!(lines.iter().all(|l| !l.contains(&b'\n')));
//! ```

use std::path::PathBuf;

/// `bench/data/<name>`.
#[must_use]
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// The lines of `bench/data/<name>` (without their newlines). Panics if the corpus is
/// missing: benches cannot run without it.
#[must_use]
pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    let path = data_path(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus {}: {e}", path.display()));
    text.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Pins the calling thread to `cpu` if it exists; returns whether it did.
pub fn pin(cpu: usize) -> bool {
    core_affinity::get_core_ids()
        .and_then(|ids| ids.into_iter().find(|c| c.id == cpu))
        .is_some_and(core_affinity::set_for_current)
}
