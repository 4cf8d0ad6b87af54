//! `kafka`: one librdkafka producer per Kafka sink, on the sink shard that owns the sink.
//!
//! How librdkafka's threads meet the shard:
//! - The shard's sink task calls `send` for every frame of a batch (librdkafka copies the
//!   bytes into its own queue and never blocks; a full queue answers `QueueFull`, and the
//!   task then waits for delivery reports before it tries again, so librdkafka's memory is
//!   bounded by `max_buffered` and ours by the ingest shards' credits).
//! - librdkafka's broker threads batch, compress, send and retry.
//! - librdkafka's polling thread (rdkafka's `ThreadedProducer`) runs the delivery callback,
//!   which pushes one 16-byte report per message onto an SPSC ring (rtrb) to this task and
//!   rings the task's bell. That thread is the ring's only producer; the shard side pops
//!   without locks.
//! - The task holds every batch until each of its frames has a report. Then the batch goes
//!   back to its ingest shard, which is the acknowledgement (see [`crate::ack`]); frames
//!   that failed for good (after librdkafka's retries within `delivery_timeout`) ride back
//!   with it as [`Failure`]s and the ingest shard routes them to `err`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_lite::future;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryResult, Producer as _, ProducerContext, ThreadedProducer,
};
use rdkafka::ClientContext;
use rtrb::{Consumer, Producer, RingBuffer};

use super::Tally;
use crate::metrics::bump;
use crate::plan::KafkaSinkPlan;
use crate::ring::{bell, Batch, Bell, Failure, Waiter};
use crate::signal::Signal;

/// Frames per batch the delivery token can name (the rest of the token is the batch's
/// sequence number).
const FRAME_BITS: u32 = 24;
/// Delivery reports that can wait on the ring; a full ring makes librdkafka's polling
/// thread wait (never the shard).
const REPORT_RING: usize = 64 * 1024;

/// One delivery report: which frame of which batch, and the broker's error if it failed.
struct Report {
    token: usize,
    error: Option<Box<str>>,
}

/// What librdkafka's threads see of the sink.
struct Ctx {
    id: String,
    /// Only librdkafka's polling thread locks it (the shard holds the other end), so it is
    /// never contended; rdkafka requires the context to be `Sync`.
    reports: Mutex<Producer<Report>>,
    bell: Bell,
    /// Client errors (a broker that cannot be reached, a failed TLS handshake, refused
    /// credentials): counted here by librdkafka's thread, added to the sink's counters by
    /// the shard when it takes in reports. Not per message, so an atomic is no cost.
    client_errors: Arc<ClientErrors>,
    /// Only librdkafka's threads take it, one error at a time.
    log_gate: Mutex<LogGate>,
    /// The same for librdkafka's own log lines, by facility.
    lib_log_gate: Mutex<LogGate>,
}

#[derive(Default)]
struct ClientErrors {
    all: AtomicU64,
    tls: AtomicU64,
    /// Errors that mean the sink cannot deliver ([`means_down`]).
    down: AtomicU64,
}

/// What kind of client error librdkafka reported: `tls` (handshake, certificate), `auth`
/// (SASL) or `kafka` (anything else: a broker down, a timeout).
pub(crate) fn error_kind(e: &KafkaError) -> &'static str {
    match e.rdkafka_error_code() {
        Some(RDKafkaErrorCode::SSL) => "tls",
        Some(
            RDKafkaErrorCode::Authentication
            | RDKafkaErrorCode::SaslAuthenticationFailed
            | RDKafkaErrorCode::UnsupportedSASLMechanism
            | RDKafkaErrorCode::IllegalSASLState,
        ) => "auth",
        _ => "kafka",
    }
}

/// How often one connector logs client errors: librdkafka retries a refused login or
/// handshake several times a second at first, and a log line per attempt would bury the
/// rest (the counters still count every one).
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Lets a log line of each kind (an error kind such as `tls`, `auth`, `kafka`, or one of
/// librdkafka's log facilities such as `FAIL`) through at most once per [`LOG_EVERY`], and
/// says how many of that kind it held back. The kinds are few (a handful of error kinds
/// and facilities), so a short list is all the lookup needs.
#[derive(Default)]
pub(crate) struct LogGate {
    kinds: Vec<(String, std::time::Instant, u64)>,
}

impl LogGate {
    /// `Some(lines of this kind held back since the last one)` if this one may be logged.
    pub(crate) fn allow(&mut self, kind: &str) -> Option<u64> {
        let now = std::time::Instant::now();
        match self.kinds.iter_mut().find(|(k, _, _)| k == kind) {
            Some((_, last, held)) if now.duration_since(*last) < LOG_EVERY => {
                *held += 1;
                None
            }
            Some((_, last, held)) => {
                *last = now;
                Some(std::mem::take(held))
            }
            None => {
                self.kinds.push((kind.to_string(), now, 0));
                Some(0)
            }
        }
    }
}

/// librdkafka's own log lines for connector `id` (`who` is `sink` or `source`): warnings
/// and errors pass the gate per facility, so a login that keeps failing (librdkafka retries
/// it several times a second, each with a `FAIL` line) logs once per [`LOG_EVERY`] with the
/// count held back; the rest keep their level. Replaces rdkafka's default, which logs
/// every line.
pub(crate) fn client_log(
    who: &'static str,
    id: &str,
    gate: &Mutex<LogGate>,
    level: RDKafkaLogLevel,
    fac: &str,
    line: &str,
) {
    use RDKafkaLogLevel as L;
    match level {
        L::Emerg | L::Alert | L::Critical | L::Error | L::Warning => {
            if let Some(held) = gate.lock().ok().and_then(|mut g| g.allow(fac)) {
                tracing::warn!(
                    connector = who,
                    id,
                    facility = fac,
                    held_back = held,
                    "librdkafka: {line}"
                );
            }
        }
        L::Notice | L::Info => {
            tracing::info!(connector = who, id, facility = fac, "librdkafka: {line}")
        }
        L::Debug => tracing::debug!(connector = who, id, facility = fac, "librdkafka: {line}"),
    }
}

/// Whether a client error means the sink cannot deliver right now (its `up` gauge goes to
/// 0 until a delivery succeeds): refused TLS or login, or no broker reachable.
fn means_down(e: &KafkaError) -> bool {
    error_kind(e) != "kafka"
        || matches!(
            e.rdkafka_error_code(),
            Some(RDKafkaErrorCode::AllBrokersDown)
        )
}

impl ClientContext for Ctx {
    fn error(&self, error: KafkaError, reason: &str) {
        let kind = error_kind(&error);
        // `reason` is librdkafka's sentence (which broker, what failed: "SSL handshake
        // failed: ... certificate verify failed", "SASL authentication error: ..."); it
        // never carries a password.
        if let Some(held) = self.log_gate.lock().ok().and_then(|mut g| g.allow(kind)) {
            tracing::warn!(sink = %self.id, kind, %error, reason, held_back = held, "kafka client error");
        }
        self.client_errors.all.fetch_add(1, Ordering::Relaxed);
        if kind == "tls" {
            self.client_errors.tls.fetch_add(1, Ordering::Relaxed);
        }
        if means_down(&error) {
            self.client_errors.down.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn log(&self, level: RDKafkaLogLevel, fac: &str, line: &str) {
        client_log("sink", &self.id, &self.lib_log_gate, level, fac, line);
    }
}

impl ProducerContext for Ctx {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, token: usize) {
        let error = result
            .as_ref()
            .err()
            .map(|(e, _)| e.to_string().into_boxed_str());
        let mut report = Report { token, error };
        let Ok(mut tx) = self.reports.lock() else {
            return;
        };
        loop {
            match tx.push(report) {
                Ok(()) => break,
                Err(rtrb::PushError::Full(r)) => {
                    // The shard is behind: wake it and give it a moment (this is
                    // librdkafka's thread, not the shard's).
                    report = r;
                    self.bell.ring();
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
        self.bell.ring();
    }
}

/// A batch waiting for its delivery reports.
struct Held {
    link: usize,
    batch: Batch,
    outstanding: u32,
}

pub(crate) struct KafkaSink {
    id: String,
    topic: String,
    producer: ThreadedProducer<Ctx>,
    reports: Consumer<Report>,
    waiter: Waiter,
    /// Batches in the order they were sent; `held[0]` has sequence number `base`.
    held: VecDeque<Held>,
    base: u64,
    client_errors: Arc<ClientErrors>,
    /// `client_errors` already added to the sink's counters: (all, tls).
    counted: (u64, u64),
    /// `client_errors.down` as last seen: a new one sets the `up` gauge to 0.
    downs_seen: u64,
}

/// The librdkafka configuration for a sink.
pub(crate) fn producer_config(plan: &KafkaSinkPlan) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", plan.brokers.join(","))
        .set("compression.type", &plan.compression)
        .set("linger.ms", plan.linger.as_millis().to_string())
        .set("batch.size", plan.batch_bytes.to_string())
        .set("enable.idempotence", plan.idempotence.to_string())
        .set(
            "message.timeout.ms",
            plan.delivery_timeout.as_millis().to_string(),
        )
        .set(
            "queue.buffering.max.kbytes",
            (plan.max_buffered / 1024).max(1).to_string(),
        )
        .set("queue.buffering.max.messages", "1000000");
    for (k, v) in &plan.options.0 {
        c.set(k, v);
    }
    c
}

/// Checks a sink's librdkafka properties (ours and the operator's `options`) without
/// connecting anywhere.
///
/// # Errors
/// librdkafka's message for the first property it refuses.
pub fn check_kafka_sink(plan: &KafkaSinkPlan) -> Result<(), String> {
    let mut c = producer_config(plan);
    c.create_native_config()
        .map(drop)
        .map_err(|e| format!("librdkafka refuses the producer settings: {e}"))?;
    if !plan.options.is_secured() {
        return Ok(());
    }
    // librdkafka checks the SASL mechanism and its settings, and loads the CA, certificate
    // and key, only when a client is created. One without brokers connects nowhere.
    c.remove("bootstrap.servers");
    c.create::<BaseProducer>()
        .map(drop)
        .map_err(|e| format!("librdkafka refuses the producer settings: {e}"))
}

impl KafkaSink {
    /// Creates the producer (inside the shard's executor: the bell's waiting end joins its
    /// reactor). Bad librdkafka properties fail here.
    pub(crate) fn open(id: &str, plan: &KafkaSinkPlan) -> std::io::Result<Self> {
        let (ring_bell, parking) = bell()?;
        let (tx, rx) = RingBuffer::new(REPORT_RING);
        let client_errors = Arc::new(ClientErrors::default());
        let ctx = Ctx {
            id: id.to_string(),
            reports: Mutex::new(tx),
            bell: ring_bell,
            client_errors: Arc::clone(&client_errors),
            log_gate: Mutex::new(LogGate::default()),
            lib_log_gate: Mutex::new(LogGate::default()),
        };
        let producer: ThreadedProducer<Ctx> = producer_config(plan)
            .create_with_context(ctx)
            .map_err(|e| std::io::Error::other(format!("kafka producer: {e}")))?;
        Ok(KafkaSink {
            id: id.to_string(),
            topic: plan.topic.clone(),
            producer,
            reports: rx,
            waiter: parking.into_waiter(),
            held: VecDeque::new(),
            base: 0,
            client_errors,
            counted: (0, 0),
            downs_seen: 0,
        })
    }

    /// Sends every frame of `batch` (from ingest link `link`) and keeps the batch until its
    /// reports are in. Waits only while librdkafka's queue is full; `hard` gives up on the
    /// rest of the batch (not acknowledged: its positions are not committed).
    pub(crate) async fn write(
        &mut self,
        link: usize,
        mut batch: Batch,
        c: &mut Tally,
        hard: &Signal,
    ) {
        let seq = self.base + self.held.len() as u64;
        let mut outstanding = 0u32;
        let mut start = 0usize;
        let frames = batch.frames.len().min(1 << FRAME_BITS);
        let mut next_attr = 0usize;
        // The messages' create time: when the batch was handed over (librdkafka would read
        // the wall clock once per message for the same figure, to the millisecond).
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        for i in 0..frames {
            let end = batch.frames[i].end as usize;
            let token = ((seq as usize) << FRAME_BITS) | i;
            let attr = match batch.attrs.get(next_attr) {
                Some(a) if a.frame as usize == i => {
                    next_attr += 1;
                    Some(a)
                }
                _ => None,
            };
            loop {
                let payload = batch.data.get(start.min(end)..end).unwrap_or(&[]);
                let topic = attr.and_then(|a| a.topic.as_deref()).unwrap_or(&self.topic);
                let mut rec: BaseRecord<'_, [u8], [u8], usize> =
                    BaseRecord::with_opaque_to(topic, token)
                        .payload(payload)
                        .timestamp(created);
                if let Some(a) = attr {
                    if let Some(k) = &a.key {
                        rec = rec.key(k.as_slice());
                    }
                    if let Some(p) = a.partition {
                        rec = rec.partition(p);
                    }
                    if !a.headers.is_empty() {
                        let mut h = OwnedHeaders::new_with_capacity(a.headers.len());
                        for (k, v) in &a.headers {
                            h = h.insert(Header {
                                key: k,
                                value: Some(v.as_slice()),
                            });
                        }
                        rec = rec.headers(h);
                    }
                }
                match self.producer.send(rec) {
                    Ok(()) => {
                        outstanding += 1;
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        if hard.is_fired() {
                            // Given up: never returned, so never acknowledged.
                            batch.gave_up = true;
                            break;
                        }
                        self.absorb(c);
                        self.wait(Duration::from_millis(10), hard).await;
                    }
                    Err((e, _)) => {
                        // Too large, unknown topic (when auto-creation is off) and the like:
                        // this frame goes to `err` with the client's error.
                        c.errors += 1;
                        batch.failures.push(Failure {
                            frame: i as u32,
                            error: format!("kafka sink `{}`: {e}", self.id),
                        });
                        break;
                    }
                }
            }
            start = end;
            if batch.gave_up {
                break;
            }
        }
        c.bytes += batch.data.len() as u64;
        self.held.push_back(Held {
            link,
            batch,
            outstanding,
        });
        self.absorb(c);
    }

    /// Takes in the delivery reports that have arrived (and the client errors since the
    /// last call).
    pub(crate) fn absorb(&mut self, c: &mut Tally) {
        let all = self.client_errors.all.load(Ordering::Relaxed);
        let tls = self.client_errors.tls.load(Ordering::Relaxed);
        c.errors += all.saturating_sub(self.counted.0);
        c.tls_errors += tls.saturating_sub(self.counted.1);
        self.counted = (all, tls);
        let downs = self.client_errors.down.load(Ordering::Relaxed);
        if downs != self.downs_seen {
            self.downs_seen = downs;
            c.set_up(false);
        }
        while let Ok(r) = self.reports.pop() {
            let seq = (r.token >> FRAME_BITS) as u64;
            let frame = r.token & ((1 << FRAME_BITS) - 1);
            let Some(h) = seq
                .checked_sub(self.base)
                .and_then(|i| self.held.get_mut(i as usize))
            else {
                continue;
            };
            h.outstanding = h.outstanding.saturating_sub(1);
            if r.error.is_none() {
                // The broker took a record: whatever was refused before works now.
                c.set_up(true);
            }
            if let Some(e) = r.error {
                c.errors += 1;
                h.batch.failures.push(Failure {
                    frame: frame as u32,
                    error: format!("kafka sink `{}`: {e}", self.id),
                });
            }
        }
    }

    /// The oldest batch if all its reports are in (batches go back in the order they came).
    pub(crate) fn take_done(&mut self, c: &mut Tally) -> Option<(usize, Batch)> {
        if self.held.front()?.outstanding > 0 {
            return None;
        }
        let h = self.held.pop_front()?;
        self.base += 1;
        let failed = h.batch.failures.len() as u64;
        c.events += h.batch.events().saturating_sub(failed);
        Some((h.link, h.batch))
    }

    /// Batches still waiting for reports.
    pub(crate) fn waiting(&self) -> usize {
        self.held.len()
    }

    /// Sleeps until a report arrives, at most `max` (or until `hard`).
    pub(crate) async fn wait(&mut self, max: Duration, hard: &Signal) {
        self.waiter.park();
        if !self.reports.is_empty() {
            self.waiter.unpark();
            return;
        }
        future::or(
            async {
                self.waiter.sleep().await;
            },
            future::or(glommio::timer::sleep(max), async {
                hard.wait().await;
            }),
        )
        .await;
        self.waiter.unpark();
    }

    /// At shutdown: waits for the reports of everything sent (until `hard`), then lets the
    /// producer go. Batches still without reports are not returned (not acknowledged).
    pub(crate) async fn close(&mut self, c: &mut Tally, hard: &Signal) -> Vec<(usize, Batch)> {
        let mut done = Vec::new();
        while !self.held.is_empty() && !hard.is_fired() {
            self.absorb(c);
            while let Some(d) = self.take_done(c) {
                done.push(d);
            }
            if !self.held.is_empty() {
                self.wait(Duration::from_millis(50), hard).await;
            }
        }
        let left: u64 = self.held.iter().map(|h| h.batch.events()).sum();
        if left > 0 {
            tracing::warn!(sink = %self.id, events = left, "shutting down with events the broker has not confirmed; they were not acknowledged and will be read again");
            bump(&mut c.dropped, "shutdown", left);
        }
        self.held.clear();
        let _ = self.producer.flush(Duration::from_millis(100));
        done
    }
}

#[cfg(test)]
mod tests {
    use super::LogGate;

    #[test]
    fn the_log_gate_lets_one_line_per_kind_through_and_counts_the_rest() {
        let mut g = LogGate::default();
        assert_eq!(g.allow("tls"), Some(0));
        assert_eq!(g.allow("tls"), None);
        assert_eq!(g.allow("tls"), None);
        // Another kind has its own turn, a librdkafka facility too.
        assert_eq!(g.allow("auth"), Some(0));
        assert_eq!(g.allow("FAIL"), Some(0));
        assert_eq!(g.allow("FAIL"), None);
        let held: Vec<u64> = g.kinds.iter().map(|k| k.2).collect();
        assert_eq!(held, [2, 0, 1]);
        // Once the period is over, the next line goes out with the count held back.
        g.kinds[0].1 -= super::LOG_EVERY;
        assert_eq!(g.allow("tls"), Some(2));
        assert_eq!(g.allow("tls"), None);
    }
}
