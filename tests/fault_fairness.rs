//! Fault suite: a TCP sender that is always ahead must not starve the rest of its shard. Its
//! reads never wait, so without yielding the connection's task would keep the shard to
//! itself: the metrics reporter and the other sources would not run until it paused.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{cpus, free_port, metric, Sluice};

#[test]
fn a_sender_that_is_always_ahead_does_not_starve_the_shard() {
    assert!(
        cpus() >= 2,
        "this test needs 2 CPUs (ingest and sink shards apart)"
    );
    let (tcp, udp) = (free_port(), free_port());
    let s = Sluice::start(&format!(
        r#"
[shards]
ingest = [0]
sink = [1]

[[source]]
id = "t"
type = "tcp"
listen = "127.0.0.1:{tcp}"
preprocessors = ["separate"]
pipeline = "p"

[[source]]
id = "u"
type = "udp"
listen = "127.0.0.1:{udp}"
pipeline = "p"

[[pipeline]]
id = "p"
out = ["hole"]

[[sink]]
id = "hole"
type = "blackhole"
"#
    ));
    let done = Arc::new(AtomicBool::new(false));
    let blaster = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut c = TcpStream::connect(("127.0.0.1", tcp)).unwrap();
            let mut buf = Vec::new();
            for i in 0..2000 {
                writeln!(buf, "{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(100)).unwrap();
            }
            let deadline = Instant::now() + Duration::from_secs(60);
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                if c.write_all(&buf).is_err() {
                    break;
                }
            }
        })
    };
    // While the blast goes on: the counters move, and a UDP datagram gets through.
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut tcp_seen, mut udp_seen) = (0.0, 0.0);
    while Instant::now() < deadline && (tcp_seen == 0.0 || udp_seen == 0.0) {
        u.send_to(b"{\"udp\":1}", ("127.0.0.1", udp)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let m = s.metrics();
        tcp_seen = metric(&m, "sluice_source_events_total{source=\"t\"}").unwrap_or(0.0);
        udp_seen = metric(&m, "sluice_source_events_total{source=\"u\"}").unwrap_or(0.0);
    }
    let still_sending = !blaster.is_finished();
    done.store(true, Ordering::Relaxed);
    blaster.join().unwrap();
    assert!(
        still_sending,
        "the sender stopped early; the test proves nothing"
    );
    assert!(tcp_seen > 0.0, "the counters never moved during the blast");
    assert!(
        udp_seen > 0.0,
        "the UDP source was starved during the blast"
    );
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
