//! Extractor throughput: dissect on syslog-like lines, grok `%{COMBINEDAPACHELOG}` on a fixed
//! corpus of Apache access lines (`bench/data/apache_combined.log`), kv on a 10-pair line,
//! and the predicate form (`~`) against the extraction form (`~=`).
//!
//! Run: `taskset -c 1 cargo bench -p sluice-bench --bench extractors -- --warm-up-time 1 --measurement-time 3`
//!
//! Every benchmark runs twice: with criterion's wall clock (`<name>`), and with the bench
//! thread's CPU time (`<name>_cpu`), which stays meaningful when other processes share the
//! cores (CLOCK_THREAD_CPUTIME_ID; on a shared 2-vCPU box the wall clock counts the time
//! the thread waited for a core).

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
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

/// The calling thread's CPU time, in nanoseconds.
#[derive(Clone, Copy)]
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, i: u64) -> u64 {
        thread_cpu_ns().saturating_sub(i)
    }
    fn add(&self, v1: &u64, v2: &u64) -> u64 {
        v1 + v2
    }
    fn zero(&self) -> u64 {
        0
    }
    #[allow(clippy::cast_precision_loss)]
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

fn bench_set<M: Measurement>(
    c: &mut Criterion<M>,
    group: &str,
    name: &str,
    pattern: &str,
    input: &[String],
) {
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

fn dissect<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    bench_set(
        c,
        &format!("dissect_syslog{suffix}"),
        "dissect",
        "<%{pri}>%{+ts->} %{+ts} %{+ts} %{host} %{program}[%{pid}]: %{message}",
        &lines(SYSLOG_LINES),
    );
}

fn kv<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    let line = "ts=1700000000 level=info host=web01 svc=api method=GET path=/v1/items status=200 bytes=5120 dur_ms=12 trace=4bf92f3577b34da6";
    bench_set(
        c,
        &format!("kv_10_pairs{suffix}"),
        "kv",
        "%{key}=%{val}",
        &[line.to_string()],
    );
}

fn grok<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    bench_set(
        c,
        &format!("grok_combinedapachelog{suffix}"),
        "grok",
        "%{COMBINEDAPACHELOG}",
        &apache_corpus(),
    );
}

fn wall(c: &mut Criterion) {
    dissect(c, "");
    kv(c, "");
    grok(c, "");
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    dissect(c, "_cpu");
    kv(c, "_cpu");
    grok(c, "_cpu");
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = cpu
}
criterion_main!(wall_clock, cpu_time);
