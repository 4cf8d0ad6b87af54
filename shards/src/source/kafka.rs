//! `kafka`: a consumer group member on every ingest shard, so the group spreads the
//! topics' partitions over the shards (and over every Sluice process in the group).
//!
//! How librdkafka's threads meet the shard:
//! - librdkafka's broker threads fetch into the consumer's queue, at most
//!   `queued.max.messages.kbytes` ahead (that is the bound on what is buffered).
//! - When that queue turns non-empty, librdkafka's thread calls our callback, which rings
//!   this task's bell (a byte on a socket pair, written only while the task is parked).
//! - This task alone polls, always with a zero timeout, on the shard: messages go through
//!   the source's preprocessors, codec and pipeline without being copied, rebalance
//!   callbacks run here too. While the rings to the sinks are full it stops polling
//!   (backpressure: librdkafka stops fetching once its queue bound is reached).
//! - Offsets are committed from here, asynchronously, every `commit_interval`: for each
//!   partition, the offset after the newest message whose events every sink has
//!   acknowledged ([`crate::ack`]). Nothing is committed automatically.
//!
//! A rebalance that revokes a partition closes its ledger stream: events of it still in
//! flight are not committed (the new owner reads them again: at least once).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::future;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use sluice_script::{Record, Value};

use super::flush;
use crate::ack::{Position, Stream};
use crate::ingest::{Ingest, Read};
use crate::metrics::bump;
use crate::plan::{KafkaSourcePlan, OnFull, SourcePlan};
use crate::ring::bell;
use crate::signal::{now_ns, Signal};

/// What librdkafka's threads see: a counter of rebalances (read by the shard after each
/// poll round, never per message).
struct Ctx {
    id: String,
    rebalances: Arc<AtomicU64>,
    /// See [`crate::sink::KafkaLogGate`]; uncontended (the shard's poll runs the callback).
    log_gate: std::sync::Mutex<crate::sink::KafkaLogGate>,
    /// The same for librdkafka's own log lines, by facility.
    lib_log_gate: std::sync::Mutex<crate::sink::KafkaLogGate>,
}

impl ClientContext for Ctx {
    fn error(&self, error: KafkaError, reason: &str) {
        // Counted where the consumer's poll returns the same error (on the shard).
        let kind = crate::sink::kafka_error_kind(&error);
        if let Some(held) = self.log_gate.lock().ok().and_then(|mut g| g.allow(kind)) {
            tracing::warn!(source = %self.id, kind, %error, reason, held_back = held, "kafka client error");
        }
    }

    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, line: &str) {
        crate::sink::kafka_client_log("source", &self.id, &self.lib_log_gate, level, fac, line);
    }
}

impl ConsumerContext for Ctx {
    fn post_rebalance(&self, _c: &BaseConsumer<Self>, r: &Rebalance<'_>) {
        match r {
            Rebalance::Assign(tpl) => {
                tracing::info!(source = %self.id, partitions = tpl.count(), "partitions assigned");
            }
            Rebalance::Revoke(tpl) => {
                tracing::info!(source = %self.id, partitions = tpl.count(), "partitions revoked");
            }
            Rebalance::Error(e) => {
                tracing::warn!(source = %self.id, error = %e, "rebalance failed")
            }
        }
        self.rebalances.fetch_add(1, Ordering::Release);
    }

    fn commit_callback(&self, result: rdkafka::error::KafkaResult<()>, _o: &TopicPartitionList) {
        if let Err(e) = result {
            tracing::warn!(source = %self.id, error = %e, "offset commit failed; it is retried with the next one");
        }
    }
}

/// The librdkafka configuration for a source.
pub(crate) fn consumer_config(plan: &KafkaSourcePlan) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", plan.brokers.join(","))
        .set("group.id", &plan.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", &plan.offset_reset)
        .set("queued.max.messages.kbytes", "16384")
        // Kafka answers a fetch as soon as it has data; this bounds how long an idle
        // partition's fetch is held (10 round trips a second when idle). Brokers that hold
        // every fetch this long (tansu 0.6 does) are read at most 5 MB per wait, so the
        // default is well below librdkafka's 500 ms.
        .set("fetch.wait.max.ms", "100")
        // When the 16 MiB above are queued, librdkafka postpones a partition's next fetch
        // by this much (default 1 s, which stalls a consumer that drains 16 MiB in 50 ms).
        .set("fetch.queue.backoff.ms", "10");
    for (k, v) in &plan.options.0 {
        c.set(k, v);
    }
    c
}

/// Checks a source's librdkafka properties without connecting anywhere.
///
/// # Errors
/// librdkafka's message for the first property it refuses.
pub fn check_kafka_source(plan: &KafkaSourcePlan) -> Result<(), String> {
    let mut c = consumer_config(plan);
    c.create_native_config()
        .map(drop)
        .map_err(|e| format!("librdkafka refuses the consumer settings: {e}"))?;
    if !plan.options.is_secured() {
        return Ok(());
    }
    // As for the sink: the SASL settings, CA, certificate and key are checked only when a
    // client is created; one without brokers connects nowhere.
    c.remove("bootstrap.servers");
    c.create::<BaseConsumer>()
        .map(drop)
        .map_err(|e| format!("librdkafka refuses the consumer settings: {e}"))
}

/// Partition -> ledger stream, per (topic, partition).
#[derive(Default)]
struct Partitions {
    map: HashMap<(Rc<str>, i32), Stream>,
    /// Stream index -> (topic, partition), for commits.
    back: Vec<Option<(Rc<str>, i32)>>,
    /// The last message's (librdkafka topic handle, partition) and its stream: messages come
    /// in runs of one partition, so most need neither the topic's name nor a hash lookup.
    /// Cleared at every rebalance (a handle's address is only trusted while it is assigned).
    last: Option<(usize, i32, Stream)>,
}

impl Partitions {
    /// The stream of a message's partition (`rkt`: its topic handle, a cache key only).
    fn stream_of<M: Message>(
        &mut self,
        ing: &mut Ingest,
        src: usize,
        msg: &M,
        rkt: usize,
    ) -> Stream {
        let partition = msg.partition();
        if let Some((t, p, s)) = self.last {
            if t == rkt && p == partition {
                return s;
            }
        }
        let s = self.stream(ing, src, msg.topic(), partition);
        self.last = Some((rkt, partition, s));
        s
    }

    fn stream(&mut self, ing: &mut Ingest, src: usize, topic: &str, partition: i32) -> Stream {
        if let Some(s) = self.map.get(&(Rc::from(topic), partition)) {
            return *s;
        }
        let s = ing.ledger.open_stream(src);
        let t: Rc<str> = Rc::from(topic);
        self.map.insert((Rc::clone(&t), partition), s);
        if self.back.len() <= s.index() {
            self.back.resize(s.index() + 1, None);
        }
        self.back[s.index()] = Some((t, partition));
        s
    }

    /// Closes the streams of partitions no longer assigned.
    fn retain(&mut self, ing: &mut Ingest, assigned: &TopicPartitionList) {
        self.last = None;
        let keep: Vec<(String, i32)> = assigned
            .elements()
            .iter()
            .map(|e| (e.topic().to_string(), e.partition()))
            .collect();
        let gone: Vec<(Rc<str>, i32)> = self
            .map
            .keys()
            .filter(|(t, p)| !keep.iter().any(|(kt, kp)| **kt == **t && kp == p))
            .cloned()
            .collect();
        for k in gone {
            if let Some(s) = self.map.remove(&k) {
                ing.ledger.close_stream(s);
                if let Some(b) = self.back.get_mut(s.index()) {
                    *b = None;
                }
            }
        }
    }
}

/// Runs the source on this shard until `stop`, then waits (until `hard`) for what it read
/// to be acknowledged and commits it.
pub(crate) async fn kafka_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    kp: KafkaSourcePlan,
    stop: Rc<Signal>,
    hard: Rc<Signal>,
) {
    let rebalances = Arc::new(AtomicU64::new(0));
    let c = Ctx {
        id: plan.id.clone(),
        rebalances: Arc::clone(&rebalances),
        log_gate: std::sync::Mutex::new(crate::sink::KafkaLogGate::default()),
        lib_log_gate: std::sync::Mutex::new(crate::sink::KafkaLogGate::default()),
    };
    let consumer: Result<BaseConsumer<Ctx>, _> = consumer_config(&kp).create_with_context(c);
    let mut consumer = match consumer {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(source = %plan.id, error = %e, "cannot create the kafka consumer");
            return;
        }
    };
    let topics: Vec<&str> = kp.topics.iter().map(String::as_str).collect();
    if let Err(e) = consumer.subscribe(&topics) {
        tracing::error!(source = %plan.id, error = %e, "cannot subscribe");
        return;
    }
    let (ring, parking) = match bell() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(source = %plan.id, error = %e, "cannot create the wake-up socket");
            return;
        }
    };
    consumer.set_nonempty_callback(move || ring.ring());
    let mut waiter = parking.into_waiter();

    let wants_meta = ctx.borrow().builds_values(src);
    let stream_id = ctx.borrow_mut().open_stream(src);
    let mut parts = Partitions::default();
    let mut seen_rebalances = 0u64;
    let mut settled = Vec::new();
    let mut last_commit = Instant::now();
    let lossless = plan.on_full == OnFull::Block;
    let mut poll_gate = crate::sink::KafkaLogGate::default();

    while !stop.is_fired() {
        let mut n = 0usize;
        {
            let mut ing = ctx.borrow_mut();
            // The group being filled: consecutive messages of one partition share it.
            let mut cur: Option<(Stream, crate::ack::Mark)> = None;
            // One read time per round, as a socket source has one per read.
            let read = Read {
                now_ns: now_ns(),
                lossless,
                origin: None,
            };
            while n < kp.poll_batch {
                let msg = match consumer.poll(Duration::ZERO) {
                    None => break,
                    Some(Err(e)) => {
                        // A failed TLS handshake or refused credentials come here too
                        // (librdkafka retries them); librdkafka's log has its sentence.
                        let kind = crate::sink::kafka_error_kind(&e);
                        bump(&mut ing.source_counters(src).errors, kind, 1);
                        if let Some(held) = poll_gate.allow(kind) {
                            tracing::warn!(source = %plan.id, kind, error = %e, held_back = held, "kafka consumer error");
                        }
                        break;
                    }
                    Some(Ok(m)) => m,
                };
                n += 1;
                let stream = parts.stream_of(&mut ing, src, &msg, msg.topic_ptr() as usize);
                let pos = Position(u64::try_from(msg.offset()).unwrap_or(0));
                let mark = match cur {
                    Some((s, m)) if s == stream => {
                        ing.ledger.advance(m, pos);
                        m
                    }
                    other => {
                        if let Some((_, m)) = other {
                            ing.ledger.seal(m);
                        }
                        let m = ing.ledger.begin(stream, pos);
                        cur = Some((stream, m));
                        m
                    }
                };
                ing.set_mark(Some(mark));
                if wants_meta {
                    ing.set_meta(Some(kafka_meta(&msg)));
                }
                ing.datagram(&stream_id, msg.payload().unwrap_or(&[]), &read);
            }
            if let Some((_, m)) = cur {
                ing.ledger.seal(m);
            }
            ing.set_mark(None);
            ing.set_meta(None);
        }
        if n > 0 {
            flush(&ctx, plan.on_full, src).await;
        }
        let r = rebalances.load(Ordering::Acquire);
        if r != seen_rebalances {
            seen_rebalances = r;
            if let Ok(a) = consumer.assignment() {
                let mut ing = ctx.borrow_mut();
                parts.retain(&mut ing, &a);
                ing.source_counters(src).partitions = a.count() as u64;
            }
        }
        if last_commit.elapsed() >= kp.commit_interval {
            commit(
                &ctx,
                src,
                &consumer,
                &parts,
                &mut settled,
                CommitMode::Async,
            );
            last_commit = Instant::now();
        }
        if n == kp.poll_batch {
            glommio::yield_if_needed().await;
            continue;
        }
        // Nothing (more) to read: sleep until librdkafka rings, the next commit, or stop.
        waiter.park();
        let wait = kp.commit_interval.min(Duration::from_millis(100));
        future::or(
            async {
                waiter.sleep().await;
            },
            future::or(glommio::timer::sleep(wait), async {
                stop.wait().await;
            }),
        )
        .await;
        waiter.unpark();
    }

    // Drain: what was read is processed; wait for the sinks to acknowledge it, then commit.
    ctx.borrow_mut().end_of_stream(
        stream_id,
        &Read {
            now_ns: now_ns(),
            lossless,
            origin: None,
        },
    );
    flush(&ctx, plan.on_full, src).await;
    let mut wait = Duration::from_millis(1);
    loop {
        ctx.borrow_mut().reap();
        commit(
            &ctx,
            src,
            &consumer,
            &parts,
            &mut settled,
            CommitMode::Async,
        );
        if ctx.borrow().ledger.in_flight() == 0 || hard.is_fired() {
            break;
        }
        future::or(glommio::timer::sleep(wait), async {
            hard.wait().await;
        })
        .await;
        wait = (wait * 2).min(Duration::from_millis(50));
    }
    let left = ctx.borrow().ledger.in_flight();
    if left > 0 {
        tracing::warn!(source = %plan.id, groups = left, "stopping with events not yet acknowledged; they will be read again");
    }
    commit(&ctx, src, &consumer, &parts, &mut settled, CommitMode::Sync);
    consumer.unsubscribe();
    ctx.borrow_mut().source_counters(src).partitions = 0;
}

/// Commits the settled offsets of `src`'s partitions (the offset after each).
fn commit(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    consumer: &BaseConsumer<Ctx>,
    parts: &Partitions,
    settled: &mut Vec<(Stream, Position)>,
    mode: CommitMode,
) {
    settled.clear();
    {
        let mut ing = ctx.borrow_mut();
        ing.reap();
        ing.ledger.take_settled(src, settled);
    }
    if settled.is_empty() {
        return;
    }
    let mut tpl = TopicPartitionList::with_capacity(settled.len());
    for (s, pos) in settled.iter() {
        if let Some(Some((topic, p))) = parts.back.get(s.index()) {
            let next = i64::try_from(pos.0).unwrap_or(i64::MAX).saturating_add(1);
            let _ = tpl.add_partition_offset(topic, *p, Offset::Offset(next));
        }
    }
    if tpl.count() == 0 {
        return;
    }
    ctx.borrow_mut().source_counters(src).commits += 1;
    if let Err(e) = consumer.commit(&tpl, mode) {
        tracing::warn!(error = %e, "offset commit failed; it is retried with the next one");
        // Keep the positions: a later settle of the same stream supersedes them anyway.
    }
}

/// `$kafka`: `{topic, partition, offset, key, headers, timestamp}` of a message.
fn kafka_meta<M: Message>(m: &M) -> Value<'static> {
    let mut k = Record::with_capacity(6);
    k.push_unique("topic", Value::from(m.topic().to_string()));
    k.push_unique("partition", Value::I64(i64::from(m.partition())));
    k.push_unique("offset", Value::I64(m.offset()));
    k.push_unique(
        "key",
        m.key().map_or(Value::Null, |b| {
            Value::from(String::from_utf8_lossy(b).into_owned())
        }),
    );
    let mut h = Record::new();
    if let Some(hs) = m.headers() {
        for hd in hs.iter() {
            let v = hd.value.map_or(Value::Null, |b| {
                Value::from(String::from_utf8_lossy(b).into_owned())
            });
            h.insert(hd.key.to_string(), v);
        }
    }
    k.push_unique("headers", Value::Record(h));
    k.push_unique(
        "timestamp",
        m.timestamp()
            .to_millis()
            .map_or(Value::Null, |t| Value::I64(t.saturating_mul(1_000_000))),
    );
    let mut meta = Record::with_capacity(1);
    meta.push_unique("kafka", Value::Record(k));
    Value::Record(meta)
}
