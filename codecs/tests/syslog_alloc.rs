//! Allocations per message of syslog into JSON, counted with a counting global allocator:
//! the one-pass path (`Codec::transcode`) allocates nothing per message once its output
//! buffer has grown (messages with structured data still build that record), where the
//! reference path (decode into a record, encode it) allocates the record's entries.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use sluice_codecs::Codec;
use sluice_script::{Record, Value};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarding to the system allocator with the caller's layout.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `alloc` above with the same layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarding a realloc of a block we handed out.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn codec(name: &str) -> Codec {
    Codec::from_spec(name, Some(&Record::new())).expect("codec")
}

/// A message as the bench's sender (loggen) writes it.
const LOGGEN: &[u8] = b"<38>1 2026-12-03T06:48:02+00:00 localhost prg00000 1234 - - \xef\xbb\xbfseq: 0000000001, thread: 0000, runid: 1796280482, stamp: 2026-12-03T06:48:02 PADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADDPADD\n";
const ESCAPES: &[u8] =
    b"<13>1 2003-10-11T22:14:15.003Z h\"st app - ID - tab\there \"quoted\" \\ caf\xc3\xa9";

/// Allocations per message over `n` messages after a warm-up.
fn per_message(frame: &[u8], n: u64, mut one: impl FnMut(&[u8], &mut Vec<u8>)) -> f64 {
    let mut out = Vec::new();
    for _ in 0..100 {
        out.clear();
        one(frame, &mut out);
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..n {
        out.clear();
        one(frame, &mut out);
    }
    (ALLOCS.load(Ordering::Relaxed) - before) as f64 / n as f64
}

#[test]
fn transcode_allocates_nothing_per_message() {
    let mut syslog = codec("syslog");
    let mut json = codec("json");
    let mut scratch = Vec::new();
    for frame in [LOGGEN, ESCAPES] {
        let fast = per_message(frame, 1000, |f, out| {
            assert!(syslog.transcode(f, 1, out));
        });
        let reference = per_message(frame, 1000, |f, out| {
            scratch.clear();
            scratch.extend_from_slice(f);
            let v = syslog
                .decode(&mut scratch, 1)
                .expect("good")
                .expect("event");
            json.encode(&v, &Value::Null, out).expect("encodes");
        });
        assert_eq!(fast, 0.0, "{}", String::from_utf8_lossy(frame));
        // The record's entries: the allocation the one-pass path exists to avoid.
        assert!(reference >= 1.0, "reference {reference}");
    }
}
