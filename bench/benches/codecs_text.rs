//! Throughput of the structured text codecs, one core: influx, syslog (RFC 5424 and RFC
//! 3164), GELF against plain JSON on the same payloads, statsd, dogstatsd and csv; decode
//! and encode.
//!
//! The payloads are generated deterministically (fixed seed) so every run measures the same
//! bytes. Time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall
//! time: the 2-vCPU box is shared, and time spent descheduled says nothing about the codec.
//! Throughputs are therefore per CPU-second of one core. Run with:
//!
//! ```text
//! taskset -c 1 cargo bench -p sluice-bench --bench codecs_text -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_codecs::Codec;
use sluice_script::{Record, Value};

const N: usize = 2_000;

// The allocator the sluice binary ships with; codecs allocate their records per event.
#[global_allocator]
static ALLOC: snmalloc_rs::SnMalloc = snmalloc_rs::SnMalloc;

/// The calling thread's CPU time.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant the kernel
    // knows; clock_gettime writes nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Criterion measurement: thread CPU time.
struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e3, "µs"),
            t if t < 1e9 => (1e6, "ms"),
            _ => (1e9, "s"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match t {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => {
                *n as f64
            }
        };
        let per_sec = n * 1e9 / typical;
        let (div, unit) = match per_sec {
            p if p < 1e3 => (1.0, "elem/cpu-s"),
            p if p < 1e6 => (1e3, "Kelem/cpu-s"),
            _ => (1e6, "Melem/cpu-s"),
        };
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v / div);
        unit
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// A small deterministic generator (xorshift) so payloads vary without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const HOSTS: &[&str] = &[
    "server01",
    "server02",
    "web-frontend-7",
    "db-primary",
    "cache3",
];
const REGIONS: &[&str] = &["us-west", "us-east", "eu-central", "ap-south"];
const APPS: &[&str] = &[
    "sshd",
    "nginx",
    "postgres",
    "kernel",
    "cron",
    "systemd-logind",
];
const WORDS: &[&str] = &[
    "connection",
    "accepted",
    "from",
    "user",
    "failed",
    "request",
    "completed",
    "in",
    "ms",
    "timeout",
    "retrying",
    "session",
    "opened",
    "closed",
    "for",
    "GET",
    "/api/v1/items",
];

fn sentence(r: &mut Rng, min_words: usize) -> String {
    let words = min_words + r.below(8) as usize;
    (0..words)
        .map(|_| r.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Telegraf-like lines: 2-3 tags, 3-5 fields of mixed types, a timestamp (~110 bytes).
fn influx_lines() -> Vec<Vec<u8>> {
    let mut r = Rng(0x1234_5678);
    (0..N)
        .map(|i| {
            let host = r.pick(HOSTS);
            let region = r.pick(REGIONS);
            let line = match i % 3 {
                0 => format!(
                    "cpu,cpu=cpu{},host={host},region={region} usage_idle={}.{},usage_system={}.{},usage_user={}.{} {}",
                    r.below(16), r.below(100), r.below(10), r.below(10), r.below(10), r.below(30), r.below(10),
                    1_700_000_000_000_000_000u64 + r.below(1_000_000_000)
                ),
                1 => format!(
                    "mem,host={host},region={region} used={}i,free={}i,cached={}i,used_percent={}.{} {}",
                    r.below(1 << 34), r.below(1 << 34), r.below(1 << 30), r.below(100), r.below(1000),
                    1_700_000_000_000_000_000u64 + r.below(1_000_000_000)
                ),
                _ => format!(
                    "http_requests,host={host},method=GET,status=200 count={}i,latency_ms={}.{},path=\"/api/v1/items/{}\" {}",
                    r.below(100_000), r.below(500), r.below(100), r.below(1000),
                    1_700_000_000_000_000_000u64 + r.below(1_000_000_000)
                ),
            };
            line.into_bytes()
        })
        .collect()
}

/// RFC 5424 messages, half with structured data, ~160-260 bytes.
fn rfc5424_messages() -> Vec<Vec<u8>> {
    let mut r = Rng(0xdead_beef);
    (0..N)
        .map(|i| {
            let sd = if i % 2 == 0 {
                format!(
                    "[exampleSDID@32473 iut=\"{}\" eventSource=\"Application\" eventID=\"{}\"]",
                    r.below(10),
                    r.below(10_000)
                )
            } else {
                "-".to_string()
            };
            format!(
                "<{}>1 2024-03-{:02}T{:02}:{:02}:{:02}.{:03}Z {}.example.com {} {} ID{} {sd} {}",
                r.below(192),
                1 + r.below(28),
                r.below(24),
                r.below(60),
                r.below(60),
                r.below(1000),
                r.pick(HOSTS),
                r.pick(APPS),
                r.below(65_536),
                r.below(100),
                sentence(&mut r, 8)
            )
            .into_bytes()
        })
        .collect()
}

/// RFC 3164 messages with hostname and `app[pid]:` tags, ~100-150 bytes.
fn rfc3164_messages() -> Vec<Vec<u8>> {
    let mut r = Rng(0xfeed_f00d);
    const MONTHS: &[&str] = &[
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    (0..N)
        .map(|_| {
            format!(
                "<{}>{} {:>2} {:02}:{:02}:{:02} {} {}[{}]: {}",
                r.below(192),
                r.pick(MONTHS),
                1 + r.below(28),
                r.below(24),
                r.below(60),
                r.below(60),
                r.pick(HOSTS),
                r.pick(APPS),
                r.below(65_536),
                sentence(&mut r, 8)
            )
            .into_bytes()
        })
        .collect()
}

/// GELF 1.1 payloads (valid JSON too), ~300-450 bytes, as graypy/pygelf send them.
fn gelf_messages() -> Vec<Vec<u8>> {
    let mut r = Rng(0x0bad_cafe);
    (0..N)
        .map(|_| {
            format!(
                concat!(
                    r#"{{"version":"1.1","host":"{}","short_message":"{}","full_message":"{}\n  at frame {}","#,
                    r#""timestamp":1700000000.{:03},"level":{},"_logger":"app.module.{}","_file":"/srv/app/{}.py","#,
                    r#""_line":{},"_thread_name":"MainThread","_process":{},"_request_id":"{:016x}","_user_id":{}}}"#
                ),
                r.pick(HOSTS),
                sentence(&mut r, 6),
                sentence(&mut r, 12),
                r.below(100),
                r.below(1000),
                r.below(8),
                r.pick(APPS),
                r.pick(WORDS),
                r.below(2000),
                r.below(65_536),
                r.next(),
                r.below(1_000_000)
            )
            .into_bytes()
        })
        .collect()
}

fn statsd_lines(dog: bool) -> Vec<Vec<u8>> {
    let mut r = Rng(0x5eed);
    const TYPES: &[&str] = &["c", "ms", "g", "h", "s"];
    (0..N)
        .map(|_| {
            let mut s = format!(
                "app.{}.{}:{}|{}",
                r.pick(APPS),
                r.pick(WORDS).trim_start_matches('/'),
                r.below(100_000),
                r.pick(TYPES)
            );
            if r.below(4) == 0 {
                s.push_str("|@0.5");
            }
            if dog {
                s.push_str(&format!(
                    "|#env:prod,host:{},region:{}",
                    r.pick(HOSTS),
                    r.pick(REGIONS)
                ));
            }
            s.into_bytes()
        })
        .collect()
}

fn csv_lines() -> Vec<Vec<u8>> {
    let mut r = Rng(0xc5f);
    (0..N)
        .map(|_| {
            format!(
                "{},{},\"{}, {}\",{}.{},2024-03-01T12:00:{:02}Z",
                r.below(1_000_000),
                r.pick(HOSTS),
                sentence(&mut r, 3),
                r.pick(WORDS),
                r.below(1000),
                r.below(100),
                r.below(60)
            )
            .into_bytes()
        })
        .collect()
}

fn codec(name: &str) -> Codec {
    Codec::from_spec(name, None).expect("codec")
}

fn total(msgs: &[Vec<u8>]) -> usize {
    msgs.iter().map(Vec::len).sum()
}

/// Decodes every message in place (these codecs do not write to the buffer).
fn bench_decode(c: &mut Criterion<CpuTime>, group: &str, name: &str, mut msgs: Vec<Vec<u8>>) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(msgs.len() as u64));
    let mut codec = codec(name);
    g.bench_function(
        format!("decode ({} B avg)", total(&msgs) / msgs.len()),
        |b| {
            b.iter(|| {
                for m in &mut msgs {
                    black_box(codec.decode(m, 1_700_000_000_000_000_000).expect("valid"));
                }
            });
        },
    );
    let values: Vec<Value<'static>> = msgs
        .iter_mut()
        .map(|m| {
            codec
                .decode(m, 1_700_000_000_000_000_000)
                .expect("valid")
                .expect("event")
                .into_static()
        })
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            for v in &values {
                codec.encode(v, &Value::Null, &mut out).expect("encodable");
            }
            black_box(out.len());
        });
    });
    g.finish();
}

/// GELF and JSON decode the same payloads; simd-json rewrites its input, so both copy each
/// message into a scratch buffer first.
fn gelf_vs_json(c: &mut Criterion<CpuTime>) {
    let msgs = gelf_messages();
    let mut g = c.benchmark_group("gelf_vs_json");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    let mut scratch = Vec::with_capacity(4096);
    for name in ["json", "gelf"] {
        let mut codec = codec(name);
        g.bench_function(
            format!("{name} decode ({} B avg)", total(&msgs) / msgs.len()),
            |b| {
                b.iter(|| {
                    for m in &msgs {
                        scratch.clear();
                        scratch.extend_from_slice(m);
                        black_box(
                            codec
                                .decode(&mut scratch, 1_700_000_000_000_000_000)
                                .expect("valid"),
                        );
                    }
                });
            },
        );
    }
    // The box is shared: two benchmarks run one after the other see different neighbours.
    // This one alternates a JSON pass and a GELF pass over the same payloads and times each,
    // so the ratio compares like with like; criterion reports the GELF side.
    let mut json = codec("json");
    let mut gelf = codec("gelf");
    let (mut json_ns, mut gelf_ns) = (0u128, 0u128);
    g.bench_function("gelf decode, paired with json", |b| {
        b.iter_custom(|iters| {
            let mut gelf_time = Duration::ZERO;
            for _ in 0..iters {
                for (name, codec, acc) in [
                    ("json", &mut json, &mut json_ns),
                    ("gelf", &mut gelf, &mut gelf_ns),
                ] {
                    let t0 = thread_cpu_time();
                    for m in &msgs {
                        scratch.clear();
                        scratch.extend_from_slice(m);
                        black_box(
                            codec
                                .decode(&mut scratch, 1_700_000_000_000_000_000)
                                .expect("valid"),
                        );
                    }
                    let dt = thread_cpu_time().saturating_sub(t0);
                    *acc += dt.as_nanos();
                    if name == "gelf" {
                        gelf_time += dt;
                    }
                }
            }
            gelf_time
        });
    });
    eprintln!(
        "gelf_vs_json/paired: GELF decode runs at {:.1}% of JSON decode speed ({} vs {} ns CPU over the same passes)",
        json_ns as f64 * 100.0 / gelf_ns.max(1) as f64,
        gelf_ns,
        json_ns
    );
    let values: Vec<Value<'static>> = msgs
        .iter()
        .map(|m| {
            let mut b = m.clone();
            gelf.decode(&mut b, 0)
                .expect("valid")
                .expect("event")
                .into_static()
        })
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    for name in ["json", "gelf"] {
        let mut codec = codec(name);
        g.bench_function(format!("{name} encode"), |b| {
            b.iter(|| {
                out.clear();
                for v in &values {
                    codec.encode(v, &Value::Null, &mut out).expect("encodable");
                }
                black_box(out.len());
            });
        });
    }
    g.finish();
}

fn syslog_3164(c: &mut Criterion<CpuTime>) {
    let mut r: Record<'static> = Record::new();
    r.insert("protocol", Value::from("rfc3164"));
    let mut msgs = rfc3164_messages();
    let mut g = c.benchmark_group("syslog_rfc3164");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    let mut codec = Codec::from_spec("syslog", None).expect("codec");
    g.bench_function(
        format!("decode ({} B avg)", total(&msgs) / msgs.len()),
        |b| {
            b.iter(|| {
                for m in &mut msgs {
                    black_box(codec.decode(m, 1_700_000_000_000_000_000).expect("valid"));
                }
            });
        },
    );
    let values: Vec<Value<'static>> = msgs
        .iter_mut()
        .map(|m| {
            codec
                .decode(m, 1_700_000_000_000_000_000)
                .expect("valid")
                .expect("event")
                .into_static()
        })
        .collect();
    let mut forced = Codec::from_spec("syslog", Some(&r)).expect("codec");
    let mut out = Vec::with_capacity(1 << 20);
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            for v in &values {
                forced.encode(v, &Value::Null, &mut out).expect("encodable");
            }
            black_box(out.len());
        });
    });
    g.finish();
}

fn all(c: &mut Criterion<CpuTime>) {
    bench_decode(c, "influx", "influx", influx_lines());
    bench_decode(c, "syslog_rfc5424", "syslog", rfc5424_messages());
    syslog_3164(c);
    gelf_vs_json(c);
    bench_decode(c, "statsd", "statsd", statsd_lines(false));
    bench_decode(c, "dogstatsd", "dogstatsd", statsd_lines(true));
    bench_decode(c, "csv", "csv", csv_lines());
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = all
}
criterion_main!(benches);
