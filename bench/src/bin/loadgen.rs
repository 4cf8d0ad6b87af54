//! loadgen: replays a file of lines over N TCP connections or over UDP, at full speed or a
//! fixed rate, for a duration or a count, and reports what it sent (one JSON line on
//! stdout, a human line on stderr).
//!
//! ```text
//! loadgen --file bench/data/json600.jsonl --tcp 127.0.0.1:4242 --connections 4 --duration 10
//! loadgen --file lines.txt --udp 127.0.0.1:4242 --rate 50000 --count 1000000
//! loadgen --file bench/data/json600.jsonl --tcp 127.0.0.1:6514 --tls-ca ca.pem --duration 10
//! ```
//!
//! `--tls-ca` sends over TLS (rustls, ring provider, the same stack the sources use),
//! trusting that CA and checking `--tls-server-name` (default: the address's IP).

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Replays a file of lines over TCP or UDP and reports what it sent")]
struct Args {
    /// File of lines to replay (cycled).
    #[arg(long)]
    file: PathBuf,
    /// Send over TCP to this address.
    #[arg(long, conflicts_with = "udp")]
    tcp: Option<SocketAddr>,
    /// Send over UDP to this address (one line per datagram).
    #[arg(long)]
    udp: Option<SocketAddr>,
    /// Parallel TCP connections (or UDP sockets).
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Total lines per second over all connections (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Stop after this many lines in total.
    #[arg(long)]
    count: Option<u64>,
    /// Pin sender threads to these CPUs (round-robin).
    #[arg(long, value_delimiter = ',')]
    cpus: Vec<usize>,
    /// TCP only: speak TLS, trusting the CA certificates in this PEM file.
    #[arg(long, requires = "tcp")]
    tls_ca: Option<PathBuf>,
    /// The name the server's certificate must carry (default: the --tcp IP address).
    #[arg(long, requires = "tls_ca")]
    tls_server_name: Option<String>,
}

struct Sent {
    lines: u64,
    bytes: u64,
}

fn main() {
    let args = Args::parse();
    let lines = load(&args.file);
    if args.tcp.is_none() && args.udp.is_none() {
        eprintln!("loadgen: give --tcp or --udp");
        std::process::exit(2);
    }
    if args.duration.is_none() && args.count.is_none() {
        eprintln!("loadgen: give --duration or --count");
        std::process::exit(2);
    }
    let tls = args.tls_ca.as_ref().map(|ca| {
        let name = args
            .tls_server_name
            .clone()
            .or_else(|| args.tcp.map(|a| a.ip().to_string()))
            .unwrap_or_default();
        tls_client(ca, &name).unwrap_or_else(|e| {
            eprintln!("loadgen: TLS: {e}");
            std::process::exit(2)
        })
    });
    let n = args.connections.max(1);
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = args
        .duration
        .map(|d| Instant::now() + Duration::from_secs_f64(d));
    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let lines = lines.clone();
            let stop = Arc::clone(&stop);
            let quota = args
                .count
                .map(|c| c / n as u64 + u64::from((i as u64) < c % n as u64));
            let rate = if args.rate == 0 {
                0.0
            } else {
                args.rate as f64 / n as f64
            };
            let cpu = (!args.cpus.is_empty()).then(|| args.cpus[i % args.cpus.len()]);
            let (tcp, udp, tls) = (args.tcp, args.udp, tls.clone());
            std::thread::spawn(move || {
                if let Some(c) = cpu {
                    sluice_bench::pin(c);
                }
                let offset = i * lines.len() / n;
                match (tcp, udp) {
                    (Some(a), _) => {
                        let go = |w: &mut dyn Write| {
                            send_tcp(w, &lines, offset, quota, rate, deadline, &stop)
                        };
                        connect(a, tls.as_ref(), go)
                    }
                    (_, Some(a)) => send_udp(a, &lines, offset, quota, rate, deadline, &stop),
                    _ => Sent { lines: 0, bytes: 0 },
                }
            })
        })
        .collect();
    let mut total = Sent { lines: 0, bytes: 0 };
    for h in handles {
        if let Ok(s) = h.join() {
            total.lines += s.lines;
            total.bytes += s.bytes;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"lines\":{},\"bytes\":{},\"seconds\":{secs:.3},\"lines_per_sec\":{:.0},\"mb_per_sec\":{:.1}}}",
        total.lines,
        total.bytes,
        total.lines as f64 / secs,
        total.bytes as f64 / secs / 1e6
    );
    eprintln!(
        "loadgen: sent {} lines, {} bytes in {secs:.2}s: {:.0} lines/s, {:.1} MB/s",
        total.lines,
        total.bytes,
        total.lines as f64 / secs,
        total.bytes as f64 / secs / 1e6
    );
}

fn load(path: &PathBuf) -> Arc<Vec<Vec<u8>>> {
    let text = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("loadgen: {}: {e}", path.display());
        std::process::exit(2)
    });
    let lines: Vec<Vec<u8>> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        eprintln!("loadgen: {} has no lines", path.display());
        std::process::exit(2);
    }
    Arc::new(lines)
}

/// Paces to `rate` lines/s (0: no pacing); returns false when it is time to stop.
struct Pace {
    rate: f64,
    start: Instant,
    deadline: Option<Instant>,
}

impl Pace {
    fn wait(&self, sent: u64) -> bool {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        if self.rate > 0.0 {
            let due = self.start + Duration::from_secs_f64(sent as f64 / self.rate);
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        }
        true
    }
}

/// A client configuration and the server name to ask for.
type Tls = (
    Arc<rustls::ClientConfig>,
    rustls_pki_types::ServerName<'static>,
);

fn tls_client(ca: &PathBuf, name: &str) -> Result<Tls, String> {
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_file_iter(ca).map_err(|e| e.to_string())? {
        roots
            .add(c.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from(name.to_string())
        .map_err(|e| format!("server name `{name}`: {e}"))?;
    Ok((Arc::new(config), name))
}

/// Connects (and with `tls` runs the handshake), hands the stream to `go`, then closes the
/// sending side (a TLS close_notify first).
fn connect(addr: SocketAddr, tls: Option<&Tls>, go: impl FnOnce(&mut dyn Write) -> Sent) -> Sent {
    let s = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loadgen: connect {addr}: {e}");
            return Sent { lines: 0, bytes: 0 };
        }
    };
    let _ = s.set_nodelay(true);
    match tls {
        None => {
            let mut s = s;
            let sent = go(&mut s);
            let _ = s.shutdown(std::net::Shutdown::Write);
            sent
        }
        Some((config, name)) => {
            let conn = match rustls::ClientConnection::new(Arc::clone(config), name.clone()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("loadgen: TLS: {e}");
                    return Sent { lines: 0, bytes: 0 };
                }
            };
            let mut t = rustls::StreamOwned::new(conn, s);
            let sent = go(&mut t);
            let _ = t.flush();
            t.conn.send_close_notify();
            let _ = t.conn.complete_io(&mut t.sock);
            let _ = t.sock.shutdown(std::net::Shutdown::Write);
            sent
        }
    }
}

fn send_tcp(
    s: &mut dyn Write,
    lines: &[Vec<u8>],
    offset: usize,
    quota: Option<u64>,
    rate: f64,
    deadline: Option<Instant>,
    stop: &AtomicBool,
) -> Sent {
    let pace = Pace {
        rate,
        start: Instant::now(),
        deadline,
    };
    // Full speed writes big buffers; paced sends go in small groups.
    let group = if rate > 0.0 {
        ((rate / 1000.0) as usize).clamp(1, 256)
    } else {
        4096
    };
    let mut buf = Vec::with_capacity(group * 700);
    let mut sent = Sent { lines: 0, bytes: 0 };
    let mut k = offset;
    'outer: loop {
        if stop.load(Ordering::Relaxed) || !pace.wait(sent.lines) {
            break;
        }
        buf.clear();
        let mut in_buf = 0u64;
        for _ in 0..group {
            if quota.is_some_and(|q| sent.lines + in_buf >= q) {
                break;
            }
            let l = &lines[k % lines.len()];
            k += 1;
            buf.extend_from_slice(l);
            buf.push(b'\n');
            in_buf += 1;
        }
        if in_buf == 0 {
            break 'outer;
        }
        if s.write_all(&buf).is_err() {
            break;
        }
        sent.lines += in_buf;
        sent.bytes += buf.len() as u64;
    }
    let _ = s.flush();
    sent
}

fn send_udp(
    addr: SocketAddr,
    lines: &[Vec<u8>],
    offset: usize,
    quota: Option<u64>,
    rate: f64,
    deadline: Option<Instant>,
    stop: &AtomicBool,
) -> Sent {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = match UdpSocket::bind(local) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loadgen: udp socket: {e}");
            return Sent { lines: 0, bytes: 0 };
        }
    };
    let pace = Pace {
        rate,
        start: Instant::now(),
        deadline,
    };
    let mut sent = Sent { lines: 0, bytes: 0 };
    let mut k = offset;
    loop {
        if quota.is_some_and(|q| sent.lines >= q) || stop.load(Ordering::Relaxed) {
            break;
        }
        if sent.lines % 64 == 0 && !pace.wait(sent.lines) {
            break;
        }
        let l = &lines[k % lines.len()];
        k += 1;
        if sock.send_to(l, addr).is_ok() {
            sent.lines += 1;
            sent.bytes += l.len() as u64;
        }
    }
    sent
}
