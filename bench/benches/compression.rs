//! Compression and decompression of a realistic log batch (64 KiB of JSON lines,
//! `bench/data/logs-64k.ndjson`) for every algorithm and a spread of levels, through the same
//! code the `compress` postprocessor and `decompress` preprocessor run. Deflate is measured on
//! two backends, flate2 on zlib-rs (what sluice-codecs uses) and miniz_oxide (flate2's
//! default backend), in the zlib format at levels 1, 6 and 9, so the backend choice is shown
//! by numbers. Run: `cargo bench -p sluice-bench --bench compression`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sluice_codecs::{decompress_into, Algorithm, Compressor};

const DATA: &[u8] = include_bytes!("../data/logs-64k.ndjson");

const CASES: &[(&str, Option<i64>)] = &[
    ("gzip", Some(1)),
    ("gzip", Some(6)),
    ("gzip", Some(9)),
    ("zlib", Some(1)),
    ("zlib", Some(6)),
    ("zlib", Some(9)),
    ("zstd", Some(1)),
    ("zstd", Some(3)),
    ("zstd", Some(9)),
    ("zstd", Some(19)),
    ("lz4", None),
    ("snappy", None),
    ("xz", Some(0)),
    ("xz", Some(6)),
];

fn label(alg: &str, level: Option<i64>) -> String {
    match level {
        Some(l) => format!("{alg}-{l}"),
        None => alg.to_string(),
    }
}

fn compressed(alg: &str, level: Option<i64>) -> Vec<u8> {
    let mut c = Compressor::new(Algorithm::from_name(alg).unwrap(), level);
    let mut out = Vec::new();
    c.compress_into(DATA, &mut out).unwrap();
    out
}

fn compress(c: &mut Criterion) {
    for (alg, level) in CASES {
        let z = compressed(alg, *level);
        eprintln!(
            "ratio {}: {} -> {} bytes ({:.2}x)",
            label(alg, *level),
            DATA.len(),
            z.len(),
            DATA.len() as f64 / z.len() as f64
        );
    }
    for level in [1u8, 6, 9] {
        let z = miniz_oxide::deflate::compress_to_vec_zlib(DATA, level);
        eprintln!("ratio miniz_oxide-zlib-{level}: {} bytes", z.len());
    }
    let mut g = c.benchmark_group("compress");
    g.throughput(Throughput::Bytes(DATA.len() as u64));
    for (alg, level) in CASES {
        let mut comp = Compressor::new(Algorithm::from_name(alg).unwrap(), *level);
        let mut out = Vec::with_capacity(DATA.len());
        g.bench_function(BenchmarkId::from_parameter(label(alg, *level)), |b| {
            b.iter(|| {
                out.clear();
                comp.compress_into(black_box(DATA), &mut out).unwrap();
                out.len()
            })
        });
    }
    for level in [1u8, 6, 9] {
        g.bench_function(
            BenchmarkId::from_parameter(format!("miniz_oxide-zlib-{level}")),
            |b| b.iter(|| miniz_oxide::deflate::compress_to_vec_zlib(black_box(DATA), level)),
        );
    }
    g.finish();
}

fn decompress(c: &mut Criterion) {
    let mut g = c.benchmark_group("decompress");
    // Throughput in decompressed bytes, the unit of the `max_size` budget.
    g.throughput(Throughput::Bytes(DATA.len() as u64));
    for (alg, level) in CASES {
        let z = compressed(alg, *level);
        let algorithm = Algorithm::from_name(alg).unwrap();
        let mut out = Vec::with_capacity(2 * DATA.len());
        g.bench_function(BenchmarkId::from_parameter(label(alg, *level)), |b| {
            b.iter(|| {
                decompress_into(algorithm, black_box(&z), 16 << 20, &mut out).unwrap();
                out.len()
            })
        });
    }
    for level in [1u8, 6, 9] {
        let z = miniz_oxide::deflate::compress_to_vec_zlib(DATA, level);
        g.bench_function(
            BenchmarkId::from_parameter(format!("miniz_oxide-zlib-{level}")),
            |b| {
                b.iter(|| {
                    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(black_box(&z), 16 << 20)
                        .unwrap()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, compress, decompress);
criterion_main!(benches);
