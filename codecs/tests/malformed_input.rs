//! Hostile input to every preprocessor: each case ends in a clean error and a counter, never a
//! panic, and memory stays bounded (measured with a counting allocator in this test binary).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sluice_codecs::{gelf_chunk_header, Error, PreprocessorChain};
use sluice_script::{Record, Value};

/// Tracks live and peak heap bytes of this test binary.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Memory measurements need the process to themselves.
static SERIAL: Mutex<()> = Mutex::new(());

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(n, Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` with this layout.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap growth (bytes) while running `f`.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}

fn spec(name: &str, opts: &[(&str, Value<'static>)]) -> Value<'static> {
    let mut r: Record<'static> = Record::new();
    r.insert("name", Value::from(name.to_string()));
    for (k, v) in opts {
        r.insert(k.to_string(), v.clone());
    }
    Value::Record(r)
}

#[derive(Debug, Default)]
struct Seen {
    frames: Vec<Vec<u8>>,
    errors: Vec<&'static str>,
}

fn run(chain: &mut PreprocessorChain, now: u64, reads: &[&[u8]], finish: bool) -> Seen {
    let mut seen = Seen::default();
    let mut push = |f: Result<&[u8], Error>| match f {
        Ok(b) => seen.frames.push(b.to_vec()),
        Err(e) => match e.cause() {
            Error::Chunking { reason, .. } => seen.errors.push(reason),
            e => seen.errors.push(e.kind()),
        },
    };
    for r in reads {
        chain.process(now, r, &mut push);
    }
    if finish {
        chain.finish(now, &mut push);
    }
    seen
}

fn counter(chain: &PreprocessorChain, name: &str) -> u64 {
    let mut v = None;
    chain.counters(&mut |_, n, x| {
        if n == name {
            v = Some(x);
        }
    });
    v.unwrap_or_else(|| panic!("no counter {name}"))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn decompression_bombs_stop_at_max_size_with_bounded_memory() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 64 MiB of zeros in every format: a few hundred KiB compressed at most.
    let zeros = vec![0u8; 64 << 20];
    let mut bombs = vec![("gzip", gzip(&zeros))];
    for alg in ["zlib", "zstd", "lz4", "snappy", "xz"] {
        let mut c = sluice_codecs::Compressor::new(
            sluice_codecs::Algorithm::from_name(alg).unwrap(),
            Some(1).filter(|_| alg != "lz4" && alg != "snappy"),
        );
        let mut out = Vec::new();
        c.compress_into(&zeros, &mut out).unwrap();
        bombs.push((alg, out));
    }
    drop(zeros);
    for (alg, bomb) in &bombs {
        assert!(bomb.len() < 13 << 20, "{alg}: {}", bomb.len());
        let mut chain = PreprocessorChain::from_specs(&[spec(
            "decompress",
            &[("max_size", Value::from("1MiB".to_string()))],
        )])
        .unwrap();
        let mut seen = Seen::default();
        let peak = peak_during(|| seen = run(&mut chain, 0, &[bomb], true));
        assert_eq!(seen.errors, vec!["decompress_limit"], "{alg}");
        assert!(seen.frames.is_empty());
        assert_eq!(counter(&chain, "over_limit"), 1, "{alg}");
        // Output cap (1 MiB, buffer growth to 2 MiB) plus decoder state (xz/zstd windows).
        assert!(peak < 12 << 20, "{alg}: peak {peak} bytes");
    }
}

#[test]
fn corrupt_and_truncated_compressed_frames_are_errors() {
    let mut good = gzip(b"{\"hello\":\"world\"}");
    let mut chain = PreprocessorChain::from_specs(&[spec("decompress", &[])]).unwrap();
    let truncated = &good[..good.len() / 2];
    let seen = run(&mut chain, 0, &[truncated], true);
    assert_eq!(seen.errors, vec!["decompress"]);
    let n = good.len();
    good[n - 6] ^= 0xff; // breaks the CRC32 in the trailer
    let seen = run(&mut chain, 0, &[&good], true);
    assert_eq!(seen.errors, vec!["decompress"]);
    for bad in [
        &b"\x28\xb5\x2f\xfd garbage"[..],
        b"\x04\x22\x4d\x18\xff\xff\xff",
        b"\xff\x06\x00\x00sNaPpY\x00\xff\xff\xff",
        b"\xfd7zXZ\x00\x00\x00",
        b"\x78\x9c\xff\xff",
    ] {
        let seen = run(&mut chain, 0, &[bad], true);
        assert_eq!(seen.errors, vec!["decompress"], "{bad:?}");
    }
    assert_eq!(counter(&chain, "failed"), 7);
}

#[test]
fn gelf_chunk_floods_are_bounded_and_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut chain = PreprocessorChain::from_specs(&[spec(
        "gelf-chunking",
        &[
            ("max_in_flight", Value::I64(100)),
            ("max_buffered", Value::from("1MiB".to_string())),
            ("timeout", Value::from("5s".to_string())),
        ],
    )])
    .unwrap();
    let payload = vec![b'x'; 1000];
    let mut total_errors = 0usize;
    let peak = peak_during(|| {
        // 100k distinct messages that never complete.
        for id in 0..100_000u64 {
            let mut d = gelf_chunk_header(id, 0, 128).to_vec();
            d.extend_from_slice(&payload);
            let seen = run(&mut chain, id, &[&d], false);
            total_errors += seen.errors.len();
            assert!(seen.frames.is_empty());
        }
    });
    // Bounded by max_in_flight and max_buffered, not by the flood.
    assert!(peak < 4 << 20, "peak {peak}");
    assert_eq!(counter(&chain, "evicted") as usize, total_errors);
    assert!(counter(&chain, "evicted") >= 100_000 - 100);

    // More than 128 chunks, out-of-range and duplicate sequence numbers.
    let mut d = gelf_chunk_header(1 << 40, 0, 200).to_vec();
    d.push(b'x');
    assert_eq!(
        run(&mut chain, 0, &[&d], false).errors,
        vec!["invalid_chunks"]
    );
    let first = [gelf_chunk_header(7 << 40, 0, 2).as_slice(), b"a"].concat();
    let seen = run(&mut chain, 200_000, &[&first, &first], false);
    // The first chunk of a new message evicts the oldest (the table is full).
    assert_eq!(seen.errors, vec!["evicted", "duplicate_chunks"]);
    // Timeouts: everything in flight is older than 5 s at t = 10 s.
    let seen = run(&mut chain, 10_000_000_000, &[b"{\"plain\":1}"], false);
    assert!(seen.errors.iter().all(|e| *e == "timed_out") && !seen.errors.is_empty());
    assert_eq!(seen.frames, vec![b"{\"plain\":1}".to_vec()]);
    let mut flight = 0;
    chain.counters(&mut |_, _, _| flight += 1);
    assert!(flight > 0);
    assert!(counter(&chain, "timed_out") >= 1);
}

#[test]
fn absurd_and_truncated_length_prefixes() {
    let mut chain = PreprocessorChain::from_specs(&[spec("length-prefixed", &[])]).unwrap();
    let seen = run(&mut chain, 0, &[&[0xff; 8], &[0u8; 1000]], true);
    assert_eq!(seen.errors, vec!["frame_too_long"]);
    assert_eq!(counter(&chain, "skipped_bytes"), 1000);
    let mut chain = PreprocessorChain::from_specs(&[spec("length-prefixed", &[])]).unwrap();
    let seen = run(&mut chain, 0, &[&[0, 0, 0, 0, 0, 0, 0, 9, b'a']], true);
    assert_eq!(seen.errors, vec!["framing"]);
    assert_eq!(counter(&chain, "truncated"), 1);
    let mut chain = PreprocessorChain::from_specs(&[spec("textual-length-prefixed", &[])]).unwrap();
    let seen = run(&mut chain, 0, &[b"9999999999999999999 x", b"\n"], true);
    assert_eq!(seen.errors, vec!["frame_too_long"]);
    let seen = run(&mut chain, 0, &[b"18446744073709551615 x\n3 abc"], true);
    assert_eq!(
        (seen.errors, seen.frames),
        (vec!["framing"], vec![b"abc".to_vec()])
    );
    let seen = run(&mut chain, 0, &[b"12 short"], true);
    assert!(seen.errors.contains(&"framing"));
    let seen = run(&mut chain, 0, &[b"abc\n3 abc"], true);
    assert_eq!(
        (seen.errors, seen.frames),
        (vec!["framing"], vec![b"abc".to_vec()])
    );
}

#[test]
fn base64_garbage_is_an_error_and_remove_empty_counts() {
    let mut chain = PreprocessorChain::from_specs(&[
        Value::from("separate".to_string()),
        Value::from("base64".to_string()),
        Value::from("remove-empty".to_string()),
    ])
    .unwrap();
    let seen = run(
        &mut chain,
        0,
        &[b"aGVsbG8=\n!!!\n\xff\xfe\naGk\nAA==\r\n\n"],
        true,
    );
    assert_eq!(seen.frames, vec![b"hello".to_vec(), vec![0]]);
    assert_eq!(seen.errors, vec!["framing", "framing", "framing"]);
    assert_eq!(counter(&chain, "invalid"), 3);
    let mut chain = PreprocessorChain::from_specs(&[
        Value::from("length-prefixed".to_string()),
        Value::from("remove-empty".to_string()),
    ])
    .unwrap();
    let seen = run(&mut chain, 0, &[&[0u8; 16]], true);
    assert!(seen.frames.is_empty());
    assert_eq!(counter(&chain, "removed"), 2);
}
