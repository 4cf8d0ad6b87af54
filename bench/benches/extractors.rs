//! Extractor throughput: dissect on syslog-like lines, grok `%{COMBINEDAPACHELOG}` on a fixed
//! corpus of Apache access lines (`bench/data/apache_combined.log`), kv on a 10-pair line,
//! and the predicate form (`~`) against the extraction form (`~=`).
//!
//! Run: `taskset -c 1 cargo bench -p sluice-bench --bench extractors -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sluice_script::extractor::{Extractor, ExtractorConfig};

const SYSLOG_LINES: &[&str] = &[
    "<34>Oct 11 22:14:15 mymachine su[2412]: 'su root' failed for lonvick on /dev/pts/8",
    "<13>Mar  7 04:02:16 web01 sshd[2124]: Accepted publickey for root from 192.168.1.10 port 50122 ssh2",
    "<86>Jan 15 10:30:00 db-primary postgres[31337]: LOG:  checkpoint complete: wrote 1342 buffers (8.2%)",
    "<30>Dec 31 23:59:59 lb-3 haproxy[998]: 10.0.0.1:51234 [31/Dec/2023:23:59:59.001] fe be/srv1 0/0/1/2/3 200 512",
];

fn lines(group: &[&str]) -> Vec<String> {
    group.iter().map(|s| (*s).to_string()).collect()
}

fn apache_corpus() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/apache_combined.log");
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

fn bench_set(c: &mut Criterion, group: &str, name: &str, pattern: &str, input: &[String]) {
    let e =
        Extractor::compile(name, pattern, &ExtractorConfig::default()).expect("pattern compiles");
    for line in input {
        assert!(e.extract_str(line).is_some(), "{name} must match {line}");
    }
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(input.len() as u64));
    g.bench_function(BenchmarkId::new("extract_str", input.len()), |b| {
        b.iter(|| {
            for line in input {
                black_box(e.extract_str(black_box(line)));
            }
        });
    });
    g.bench_function(BenchmarkId::new("extract_borrowed", input.len()), |b| {
        b.iter(|| {
            for line in input {
                black_box(e.extract_borrowed(black_box(line)));
            }
        });
    });
    g.bench_function(BenchmarkId::new("is_match", input.len()), |b| {
        b.iter(|| {
            for line in input {
                black_box(e.is_match_str(black_box(line)));
            }
        });
    });
    g.finish();
}

fn dissect(c: &mut Criterion) {
    bench_set(
        c,
        "dissect_syslog",
        "dissect",
        "<%{pri}>%{+ts->} %{+ts} %{+ts} %{host} %{program}[%{pid}]: %{message}",
        &lines(SYSLOG_LINES),
    );
}

fn kv(c: &mut Criterion) {
    let line = "ts=1700000000 level=info host=web01 svc=api method=GET path=/v1/items status=200 bytes=5120 dur_ms=12 trace=4bf92f3577b34da6";
    bench_set(c, "kv_10_pairs", "kv", "%{key}=%{val}", &[line.to_string()]);
}

fn grok(c: &mut Criterion) {
    bench_set(
        c,
        "grok_combinedapachelog",
        "grok",
        "%{COMBINEDAPACHELOG}",
        &apache_corpus(),
    );
}

criterion_group!(benches, dissect, kv, grok);
criterion_main!(benches);
