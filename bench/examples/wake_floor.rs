//! The machine's floor for Sluice's cross-core hand-off: how long a timestamped item takes
//! from one CPU to a consumer on another, with nothing else in the way.
//!
//! A producer thread pinned to `--from` pushes the current monotonic time into an rtrb SPSC
//! ring `--rate` times a second (evenly spaced, sleeping in between as an ingest shard does
//! between reads) and rings a bell built exactly like Sluice's (`shards/src/ring.rs`: a
//! `parked` flag, and one byte on a non-blocking Unix socket pair only when the consumer is
//! parked). The consumer, pinned to `--to`, records `now - stamp` into an HDR histogram:
//!
//! - `block`:   a plain thread that parks in `read(2)` on the socket (the kernel's floor);
//! - `spin`:    a plain thread that never sleeps (the floor with no wake-up at all);
//! - `glommio`: a glommio executor whose task parks on the socket through the reactor, as
//!   a sink shard does (`Waiter::sleep`); `--spin-us N` sets `spin_before_park(N µs)`;
//! - `poll`:    as `glommio` with `--spin-us N`, and for N µs after the last item the task
//!   looks at the ring every 2 µs on a glommio timer instead of parking on the socket, as a
//!   sink shard does with `[shards] park_spin` (`shards/src/park_spin.rs`).
//!
//! Prints p50/p99/p99.9/max, the consumer's CPU seconds and the steal time over the run
//! (/proc/stat), and with `--hgrm FILE` writes the histogram (ms, HdrHistogram text).
//!
//!     cargo run --release -p sluice-bench --example wake_floor -- --mode glommio --rate 10000

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice_shards::metrics::Latency;

struct Args {
    mode: String,
    rate: u64,
    seconds: u64,
    from: usize,
    to: usize,
    spin_us: u64,
    hgrm: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        mode: "glommio".into(),
        rate: 10_000,
        seconds: 5,
        from: 0,
        to: 1,
        spin_us: 0,
        hgrm: None,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let x = v[i + 1].clone();
        match v[i].as_str() {
            "--mode" => a.mode = x,
            "--rate" => a.rate = x.parse().expect("--rate N"),
            "--duration" => a.seconds = x.parse().expect("--duration S"),
            "--from" => a.from = x.parse().expect("--from CPU"),
            "--to" => a.to = x.parse().expect("--to CPU"),
            "--spin-us" => a.spin_us = x.parse().expect("--spin-us N"),
            "--hgrm" => a.hgrm = Some(x),
            o => panic!("unknown option {o}"),
        }
        i += 2;
    }
    a
}

fn pin(cpu: usize) {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu });
}

fn mono(base: Instant) -> u64 {
    base.elapsed().as_nanos() as u64
}

/// (steal, total) jiffies over all CPUs.
fn steal() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = s
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    (f.get(7).copied().unwrap_or(0), f.iter().sum())
}

/// CPU seconds of the calling thread so far.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// The consumer's side of one run: pops every stamp there is, records it, parks per mode.
struct Consumer {
    rx: rtrb::Consumer<u64>,
    parked: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    base: Instant,
    hist: Latency,
}

impl Consumer {
    fn drain(&mut self) -> usize {
        let mut n = 0;
        while let Ok(t) = self.rx.pop() {
            self.hist.record(mono(self.base).saturating_sub(t));
            n += 1;
        }
        n
    }

    /// Raises the flag and checks once more, as `Waiter::park` and `drain` do.
    fn may_sleep(&mut self) -> bool {
        self.parked.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if !self.rx.is_empty() || self.done.load(Ordering::SeqCst) {
            self.parked.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }
}

fn main() {
    let a = args();
    let base = Instant::now();
    let (mut tx, rx) = rtrb::RingBuffer::<u64>::new(4096);
    let (bell, sleeper) = UnixStream::pair().expect("socket pair");
    bell.set_nonblocking(true).expect("nonblocking");
    let parked = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let c = Consumer {
        rx,
        parked: Arc::clone(&parked),
        done: Arc::clone(&done),
        base,
        hist: Latency::default(),
    };
    let (mode, to, spin_us) = (a.mode.clone(), a.to, a.spin_us);
    let consumer = std::thread::spawn(move || {
        let mut c = c;
        let cpu0 = thread_cpu();
        match mode.as_str() {
            "spin" => {
                pin(to);
                while !c.done.load(Ordering::SeqCst) {
                    c.drain();
                    std::hint::spin_loop();
                }
            }
            "block" => {
                pin(to);
                let mut s = sleeper;
                let mut buf = [0u8; 256];
                while !c.done.load(Ordering::SeqCst) || !c.rx.is_empty() {
                    c.drain();
                    if c.may_sleep() {
                        let _ = s.read(&mut buf);
                        c.parked.store(false, Ordering::SeqCst);
                    }
                }
            }
            "glommio" | "poll" => {
                let poll = mode == "poll";
                let mut b = glommio::LocalExecutorBuilder::new(glommio::Placement::Fixed(to))
                    .io_memory(64 << 10)
                    .preempt_timer(Duration::from_millis(50));
                if spin_us > 0 {
                    // `poll` keeps its window in the task and spins the executor only long
                    // enough to serve the 2 µs timers, as `shards/src/park_spin.rs` does.
                    let exec_spin = if poll { 10 } else { spin_us };
                    b = b.spin_before_park(Duration::from_micros(exec_spin));
                }
                let ex = b.make().expect("executor");
                c = ex.run(async move {
                    use futures_lite::AsyncReadExt as _;
                    use std::os::fd::{FromRawFd as _, IntoRawFd as _};
                    sleeper.set_nonblocking(true).expect("nonblocking");
                    // SAFETY: a connected, non-blocking socket we own, handed over whole.
                    let mut s =
                        unsafe { glommio::net::UnixStream::from_raw_fd(sleeper.into_raw_fd()) };
                    let mut buf = [0u8; 256];
                    let window = Duration::from_micros(spin_us);
                    let mut last = Instant::now();
                    while !c.done.load(Ordering::SeqCst) || !c.rx.is_empty() {
                        if c.drain() > 0 {
                            last = Instant::now();
                        }
                        if poll && last.elapsed() < window {
                            glommio::timer::sleep(Duration::from_micros(2)).await;
                            continue;
                        }
                        if c.may_sleep() {
                            let _ = s.read(&mut buf).await;
                            c.parked.store(false, Ordering::SeqCst);
                        }
                    }
                    c
                });
            }
            m => panic!("unknown mode {m}"),
        }
        (c.hist, thread_cpu() - cpu0)
    });

    pin(a.from);
    std::thread::sleep(Duration::from_millis(200));
    let period = Duration::from_nanos(1_000_000_000 / a.rate.max(1));
    let (steal0, total0) = steal();
    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    let mut next = start;
    let mut sent = 0u64;
    while next < end {
        // Sleep until the next item is due, as a paced source leaves its shard idle.
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        let _ = tx.push(mono(base));
        sent += 1;
        fence(Ordering::SeqCst);
        if parked.load(Ordering::Relaxed) && parked.swap(false, Ordering::AcqRel) {
            let _ = (&bell).write(&[1]);
        }
        next += period;
    }
    let (steal1, total1) = steal();
    done.store(true, Ordering::SeqCst);
    let _ = (&bell).write(&[1]);
    let (hist, cpu) = consumer.join().expect("consumer");
    let wall = start.elapsed().as_secs_f64();
    let us = |q: f64| hist.quantile(q) as f64 / 1000.0;
    println!(
        "mode {} spin {} µs, {} -> CPU {}, {} items/s, {} sent, {} recorded",
        a.mode,
        a.spin_us,
        a.from,
        a.to,
        a.rate,
        sent,
        hist.count()
    );
    println!(
        "latency: p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
        us(0.5),
        us(0.99),
        us(0.999),
        hist.max() as f64 / 1000.0
    );
    println!(
        "consumer CPU: {:.2} s of {:.2} s wall ({:.0}%); steal {:.2}% of all CPU time",
        cpu,
        wall,
        100.0 * cpu / wall,
        100.0 * (steal1 - steal0) as f64 / (total1 - total0).max(1) as f64
    );
    if let Some(p) = a.hgrm {
        let mut f = std::fs::File::create(&p).expect("hgrm file");
        hist.write_hgrm(&mut f).expect("write hgrm");
    }
}
