//! Postprocess then preprocess gives the original frames back, for every framing pair, every
//! compression algorithm and level, with the wire cut at arbitrary read boundaries.

use proptest::prelude::*;
use sluice_codecs::{Algorithm, PostprocessorChain, PreprocessorChain, ALGORITHM_NAMES};
use sluice_script::{Record, Value};

fn spec(name: &str, opts: &[(&str, Value<'static>)]) -> Value<'static> {
    let mut r: Record<'static> = Record::new();
    r.insert("name", Value::from(name.to_string()));
    for (k, v) in opts {
        r.insert(k.to_string(), v.clone());
    }
    Value::Record(r)
}

fn s(v: &str) -> Value<'static> {
    Value::from(v.to_string())
}

/// Encodes `frames` through `post` into one wire buffer and the datagram boundaries.
fn encode(post: &[Value<'static>], frames: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let mut chain = PostprocessorChain::from_specs(post).unwrap();
    let (mut buf, mut splits) = (Vec::new(), Vec::new());
    for f in frames {
        let start = buf.len();
        buf.extend_from_slice(f);
        chain.process(&mut buf, start, &mut splits).unwrap();
        splits.push(buf.len());
    }
    splits.pop();
    (buf, splits)
}

/// Feeds `wire` to `pre` in pieces ending at `cuts`, returns frames (errors fail the test).
fn decode(pre: &[Value<'static>], wire: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut chain = PreprocessorChain::from_specs(pre).unwrap();
    let mut out = Vec::new();
    let mut push = |f: Result<&[u8], sluice_codecs::Error>| out.push(f.unwrap().to_vec());
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&wire.len())) {
        let c = c.clamp(last, wire.len());
        chain.process(0, &wire[last..c], &mut push);
        last = c;
    }
    chain.finish(0, &mut push);
    out
}

fn stream_pairs() -> Vec<(Vec<Value<'static>>, Vec<Value<'static>>)> {
    vec![
        (vec![s("separate")], vec![s("separate")]),
        (vec![s("length-prefixed")], vec![s("length-prefixed")]),
        (
            vec![spec("length-prefixed", &[("prefix", s("u32"))])],
            vec![spec("length-prefixed", &[("prefix", s("u32"))])],
        ),
        (
            vec![s("textual-length-prefixed")],
            vec![s("textual-length-prefixed")],
        ),
        (
            vec![s("base64"), s("separate")],
            vec![s("separate"), s("base64")],
        ),
        (
            vec![
                spec("compress", &[("algorithm", s("zstd"))]),
                s("length-prefixed"),
            ],
            vec![s("length-prefixed"), s("decompress")],
        ),
    ]
}

/// Frames as the codecs produce them: non-empty, newline-free for `separate`.
fn frames_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(
            any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
            1..300,
        ),
        0..20,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn stream_framings_survive_any_read_boundaries(
        frames in frames_strategy(),
        cuts in prop::collection::vec(0usize..8000, 0..12),
    ) {
        for (post, pre) in stream_pairs() {
            let (wire, _) = encode(&post, &frames);
            let mut cuts = cuts.clone();
            cuts.sort_unstable();
            prop_assert_eq!(&decode(&pre, &wire, &cuts), &frames, "{:?}", post);
        }
    }

    #[test]
    fn gelf_chunks_reassemble_in_any_order(
        frame in prop::collection::vec(any::<u8>(), 1..20_000),
        chunk_size in 13usize..2000,
        seed in any::<u64>(),
    ) {
        let post = [spec("gelf-chunking", &[("chunk_size", Value::from(chunk_size))])];
        let per = chunk_size - 12;
        prop_assume!(frame.len().div_ceil(per) <= 128);
        let (wire, splits) = encode(&post, std::slice::from_ref(&frame));
        let mut dgrams: Vec<&[u8]> = Vec::new();
        let mut last = 0;
        for &c in splits.iter().chain(std::iter::once(&wire.len())) {
            dgrams.push(&wire[last..c]);
            last = c;
        }
        prop_assert!(dgrams.iter().all(|d| d.len() <= chunk_size));
        // Shuffle deterministically from the seed: UDP reorders.
        let mut x = seed | 1;
        for i in (1..dgrams.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            dgrams.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let mut chain = PreprocessorChain::from_specs(&[s("gelf-chunking")]).unwrap();
        let mut out = Vec::new();
        for d in dgrams {
            chain.process(0, d, &mut |f| out.push(f.unwrap().to_vec()));
        }
        prop_assert_eq!(out, vec![frame]);
    }
}

#[test]
fn every_algorithm_and_level_round_trips_with_autodetect() {
    let frames: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("{{\"n\":{i},\"msg\":\"{}\"}}", "log line ".repeat(i * 40)).into_bytes())
        .collect();
    for name in ALGORITHM_NAMES {
        let alg = Algorithm::from_name(name).unwrap();
        let levels: Vec<Option<i64>> = match alg.levels() {
            None => vec![None],
            Some(l) => std::iter::once(None)
                .chain((l.min..=l.max).map(Some))
                .collect(),
        };
        for level in levels {
            let mut opts = vec![("algorithm", s(name))];
            if let Some(l) = level {
                opts.push(("level", Value::I64(l)));
            }
            let post = vec![spec("compress", &opts)];
            for pre in [
                vec![s("decompress")],
                vec![spec("decompress", &[("algorithm", s(name))])],
            ] {
                // Datagram-style: every frame is one process call.
                let mut chain = PreprocessorChain::from_specs(&pre).unwrap();
                for f in &frames {
                    let (wire, _) = encode(&post, std::slice::from_ref(f));
                    assert_eq!(Algorithm::detect(&wire), Some(alg), "{name} {level:?}");
                    let mut got = Vec::new();
                    chain.process(0, &wire, &mut |r| got.push(r.unwrap().to_vec()));
                    assert_eq!(got, vec![f.clone()], "{name} {level:?}");
                }
            }
        }
    }
}

#[test]
fn autodetect_passes_plain_frames_through_and_counts_them() {
    let mut chain = PreprocessorChain::from_specs(&[s("decompress")]).unwrap();
    let mut got = Vec::new();
    chain.process(0, b"{\"plain\":true}", &mut |r| {
        got.push(r.unwrap().to_vec())
    });
    assert_eq!(got, vec![b"{\"plain\":true}".to_vec()]);
    let mut counters = Vec::new();
    chain.counters(&mut |stage, name, v| counters.push((stage, name, v)));
    assert!(
        counters.contains(&("decompress", "passed_through", 1)),
        "{counters:?}"
    );
}

#[test]
fn gelf_post_leaves_small_frames_whole_and_refuses_too_many_chunks() {
    let post = [spec("gelf-chunking", &[("chunk_size", Value::I64(20))])];
    let (wire, splits) = encode(&post, &[b"short".to_vec()]);
    assert_eq!((wire, splits), (b"short".to_vec(), vec![]));
    let mut chain = PostprocessorChain::from_specs(&post).unwrap();
    let mut buf = b"prefix".to_vec();
    buf.extend(std::iter::repeat_n(b'x', 8 * 128 + 1));
    let mut splits = vec![];
    let err = chain.process(&mut buf, 6, &mut splits).unwrap_err();
    assert_eq!(err.kind(), "postprocess");
    assert_eq!((buf, splits), (b"prefix".to_vec(), vec![]));
}

#[test]
fn gelf_post_wire_format_matches_the_spec() {
    let post = [spec("gelf-chunking", &[("chunk_size", Value::I64(16))])];
    let (wire, splits) = encode(&post, &[b"abcdefghijklmnopqrst".to_vec()]);
    // 20 bytes do not fit 16, so 4 payload bytes per chunk: 5 chunks.
    assert_eq!(splits, vec![16, 32, 48, 64]);
    assert_eq!(wire.len(), 20 + 5 * 12);
    let id = &wire[2..10];
    for (i, chunk) in wire.chunks(16).enumerate() {
        assert_eq!(&chunk[..2], &[0x1e, 0x0f]);
        assert_eq!(&chunk[2..10], id);
        assert_eq!((chunk[10], chunk[11]), (i as u8, 5));
    }
    assert_eq!(&wire[12..16], b"abcd");
    assert_eq!(&wire[76..], b"qrst");
}

#[test]
fn nothing_may_follow_gelf_chunking() {
    let err = PostprocessorChain::from_specs(&[s("gelf-chunking"), s("base64")]).unwrap_err();
    assert!(err.to_string().starts_with("postprocessors[1]:"), "{err}");
}

#[test]
fn config_errors_name_their_position() {
    let err = PreprocessorChain::from_specs(&[
        s("separate"),
        spec("decompress", &[("algorithm", s("gzp"))]),
    ])
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("preprocessors[1]: decompress: option `algorithm`"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `gzip`"), "{msg}");
    let err = PreprocessorChain::from_specs(&[s("remove-empty"), s("gelf-chunkin")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("[1]: unknown preprocessor `gelf-chunkin`, did you mean `gelf-chunking`"),
        "{err}"
    );
    let err = PostprocessorChain::from_specs(&[spec(
        "compress",
        &[("algorithm", s("lz4")), ("level", Value::I64(3))],
    )])
    .unwrap_err();
    assert!(
        err.to_string().contains("lz4 has no compression levels"),
        "{err}"
    );
    let err = PostprocessorChain::from_specs(&[spec(
        "compress",
        &[("algorithm", s("zstd")), ("level", Value::I64(23))],
    )])
    .unwrap_err();
    assert!(err.to_string().contains("-7..=22"), "{err}");
    let err =
        PreprocessorChain::from_specs(&[spec("gelf-chunking", &[("timeout", s("5 parsecs"))])])
            .unwrap_err();
    assert_eq!(err.kind(), "config");
    // The example config.
    PreprocessorChain::from_specs(&[
        spec(
            "decompress",
            &[("algorithm", s("autodetect")), ("max_size", s("16MiB"))],
        ),
        s("gelf-chunking"),
    ])
    .unwrap();
}
