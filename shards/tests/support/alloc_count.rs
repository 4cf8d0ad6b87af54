//! A counting global allocator and the steady-state loop the allocation tests share: a
//! chunk of frames through the in-memory ingest path, batches through the ring and
//! recycled back, allocations counted over 200 rounds after 50 rounds of warm-up.
//! Each test binary that includes this module counts every allocation of its process, so
//! it holds one test (tests in one binary run in parallel).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use sluice_shards::{Ingest, OnFull, Read, SinkLink};

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

/// Allocations per frame of `chunk` (holding `frames` frames) from source 0 of `ing` to
/// the sink side of `links[0]`. `last` gets the data of the last batch that came through.
pub fn per_frame(
    ing: &mut Ingest,
    links: &mut [SinkLink],
    chunk: &[u8],
    frames: usize,
    last: &mut Vec<u8>,
) -> f64 {
    let stream = ing.open_stream(0);
    let mut run = |rounds: usize| {
        for _ in 0..rounds {
            ing.chunk(
                &stream,
                chunk,
                &Read {
                    now_ns: 1,
                    lossless: true,
                    origin: None,
                },
            );
            assert!(!ing.try_flush(OnFull::Block, 0));
            while let Ok(mut b) = links[0].rx.pop() {
                last.clear();
                last.extend_from_slice(&b.data);
                b.clear();
                links[0].recycle.push(b).unwrap();
            }
        }
    };
    run(50);
    let before = ALLOCS.load(Ordering::Relaxed);
    run(200);
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    n as f64 / (200.0 * frames as f64)
}
