//! What the `http` and `elasticsearch` sinks share. `write` cuts the events of the batches
//! its task gathered (see `http_task`, which also lingers for more) into requests (at most
//! `batch_events` events and about `batch_bytes` bytes each), sends up to
//! `concurrency` of them at once, each from its own task with its own kept-alive connection,
//! and returns only when every one is finished: delivered, refused for good (and accounted
//! for), or given up at the hard stop. The batches then go back to their ingest shards, and
//! that return is the acknowledgement, so nothing is acknowledged before the peer took it.
//! A request that fails on the connection, a timeout, 429 or 5xx is sent again after a
//! backoff (doubling, ±25% jitter, `Retry-After` honoured) until it succeeds or the hard stop.
//! What a 2xx means beyond that is the [`Kind`]'s business: Elasticsearch reads it item by
//! item.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;

use super::elastic::{self, DeadLetter};
use super::http_client::{Client, Response};
use super::Tally;
use crate::metrics::bump;
use crate::plan::HttpClientPlan;
use crate::ring::Batch;
use crate::signal::Signal;

/// Events gathered for one request: their bytes back to back, and where each ends.
#[derive(Debug, Default)]
pub(crate) struct Req {
    pub(crate) body: Vec<u8>,
    pub(crate) ends: Vec<usize>,
    /// How many times its items were already refused one by one.
    pub(crate) attempt: u32,
}

impl Req {
    pub(crate) fn event(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.body[start..self.ends[i]]
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.body.extend_from_slice(bytes);
        self.ends.push(self.body.len());
    }

    fn clear(&mut self) {
        self.body.clear();
        self.ends.clear();
        self.attempt = 0;
    }

    /// Splits in two halves by events (for a 413).
    fn halves(self) -> (Req, Req) {
        let mid = self.ends.len() / 2;
        let mut a = Req {
            attempt: self.attempt,
            ..Req::default()
        };
        let mut b = Req {
            attempt: self.attempt,
            ..Req::default()
        };
        for i in 0..self.ends.len() {
            if i < mid {
                a.push(self.event(i));
            } else {
                b.push(self.event(i));
            }
        }
        (a, b)
    }
}

/// How a sink reads responses.
pub(crate) enum Kind {
    /// Any 2xx accepts the whole request.
    Plain { content_type: String },
    /// Elasticsearch `_bulk`: items are checked one by one.
    Elastic { dead: DeadLetter },
}

/// What to do after a response.
pub(crate) enum Verdict {
    /// Finished (delivered, or refused for good and accounted for).
    Done,
    /// Send it all again after a backoff (or the delay given).
    RetryAll(Option<Duration>),
    /// Send these events again after a backoff.
    Retry(Req),
    /// Too large for the peer: send each half on its own.
    Split,
}

struct Shared {
    id: String,
    cfg: HttpClientPlan,
    kind: Kind,
    tally: RefCell<Tally>,
    pool: RefCell<Vec<Client>>,
    /// TLS for `https://` URLs, built once per sink.
    tls: Option<crate::tls::Connector>,
    free: RefCell<Vec<Req>>,
    /// Shutdown gave up: in-flight requests stop retrying.
    give_up: Signal,
    /// Requests of the current write not yet taken by a task.
    queue: RefCell<Vec<Req>>,
    /// Did the last request get an answer that was not a refusal to retry?
    up: std::cell::Cell<bool>,
    /// Workers of the current write still running, and their last one's call.
    running: std::cell::Cell<usize>,
    done: crate::signal::Notify,
}

/// The sink instance.
pub(crate) struct HttpBatcher {
    shared: Rc<Shared>,
}

impl HttpBatcher {
    pub(crate) fn new(id: String, cfg: HttpClientPlan, kind: Kind) -> std::io::Result<Self> {
        let tls = crate::tls::sink_connector(cfg.tls.as_ref())?;
        Ok(HttpBatcher {
            shared: Rc::new(Shared {
                tls,
                id,
                cfg,
                kind,
                tally: RefCell::new(Tally::default()),
                pool: RefCell::new(Vec::new()),
                free: RefCell::new(Vec::new()),
                give_up: Signal::default(),
                queue: RefCell::new(Vec::new()),
                up: std::cell::Cell::new(true),
                running: std::cell::Cell::new(0),
                done: crate::signal::Notify::default(),
            }),
        })
    }

    /// Moves what the requests counted into the caller's tally.
    fn collect(&self, c: &mut Tally) {
        let mut t = self.shared.tally.borrow_mut();
        c.events += std::mem::take(&mut t.events);
        c.bytes += std::mem::take(&mut t.bytes);
        c.errors += std::mem::take(&mut t.errors);
        c.tls_errors += std::mem::take(&mut t.tls_errors);
        c.connects += std::mem::take(&mut t.connects);
        c.dropped.append(&mut t.dropped);
    }

    /// A request's bounds: (events, bytes).
    pub(crate) fn request_bounds(&self) -> (usize, usize) {
        (self.shared.cfg.batch_events, self.shared.cfg.batch_bytes)
    }

    /// How long a round waits for more events while it holds less than a request's worth.
    pub(crate) fn linger(&self) -> Duration {
        self.shared.cfg.linger
    }

    /// Delivers the batches' events, cut into requests across batch boundaries (a request
    /// takes events from several batches); returns once every request is finished.
    pub(crate) async fn write<'a>(
        &mut self,
        batches: impl Iterator<Item = &'a Batch>,
        c: &mut Tally,
        hard: &Signal,
    ) {
        let sh = &self.shared;
        if hard.is_fired() {
            sh.give_up.fire();
        }
        let mut cur = sh.free.borrow_mut().pop().unwrap_or_default();
        for batch in batches {
            let mut start = 0usize;
            for f in &batch.frames {
                if !f.event_end {
                    continue;
                }
                let end = f.end as usize;
                cur.push(&batch.data[start.min(end)..end]);
                start = end;
                if cur.ends.len() >= sh.cfg.batch_events || cur.body.len() >= sh.cfg.batch_bytes {
                    let next = sh.free.borrow_mut().pop().unwrap_or_default();
                    sh.queue
                        .borrow_mut()
                        .push(std::mem::replace(&mut cur, next));
                }
            }
        }
        if cur.ends.is_empty() {
            recycle(sh, cur);
        } else {
            sh.queue.borrow_mut().push(cur);
        }
        let n = sh.queue.borrow().len().min(sh.cfg.concurrency);
        sh.running.set(n);
        for _ in 0..n {
            let shared = Rc::clone(sh);
            glommio::spawn_local(async move {
                worker(&shared).await;
                shared.running.set(shared.running.get() - 1);
                if shared.running.get() == 0 {
                    shared.done.notify();
                }
            })
            .detach();
        }
        // Wait for the workers, publishing what they count meanwhile (a peer that is down
        // keeps this write busy, and its errors must show).
        while sh.running.get() > 0 {
            let finished = async {
                future::or(
                    sh.done.wait(),
                    glommio::timer::sleep(Duration::from_millis(100)),
                )
                .await;
                false
            };
            // Once given up, only wait for the workers: a fired `hard` is always ready, and
            // racing it again would spin here without ever letting them run.
            let stopped = if sh.give_up.is_fired() {
                finished.await
            } else {
                future::or(finished, async {
                    hard.wait().await;
                    true
                })
                .await
            };
            if stopped {
                // The hard stop: requests stop retrying and count what they give up on.
                sh.give_up.fire();
            }
            let up = self.shared.up.get();
            self.collect(c);
            c.set_up(up);
            c.publish();
        }
        self.collect(c);
    }

    pub(crate) async fn close(&mut self, c: &mut Tally) {
        self.collect(c);
    }
}

/// Takes requests off the write's queue until it is empty.
async fn worker(sh: &Shared) {
    loop {
        let req = sh.queue.borrow_mut().pop();
        match req {
            Some(r) => run(sh, r).await,
            None => return,
        }
    }
}

fn jittered(d: Duration) -> Duration {
    d.mul_f64(0.75 + fastrand::f64() * 0.5)
}

/// Sends `req` until it is done, splitting and retrying as the responses say.
async fn run(sh: &Shared, req: Req) {
    let mut client = sh
        .pool
        .borrow_mut()
        .pop()
        .unwrap_or_else(|| Client::new(sh.cfg.addr, sh.tls.clone()));
    let mut work = vec![req];
    let mut backoff = sh.cfg.backoff_min;
    let mut zipped = Vec::new();
    let mut gz = sh
        .cfg
        .gzip
        .then(|| sluice_codecs::Compressor::new(sluice_codecs::Algorithm::Gzip, None));
    while let Some(mut req) = work.pop() {
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(3);
        match &sh.kind {
            Kind::Plain { content_type } => headers.push(("Content-Type", content_type)),
            Kind::Elastic { .. } => headers.push(("Content-Type", "application/x-ndjson")),
        }
        let body: &[u8] = match gz.as_mut() {
            Some(z) => {
                zipped.clear();
                match z.compress_into(&req.body, &mut zipped) {
                    Ok(()) => {
                        headers.push(("Content-Encoding", "gzip"));
                        &zipped
                    }
                    Err(_) => &req.body,
                }
            }
            None => &req.body,
        };
        let sent = future::or(
            async {
                Some(
                    client
                        .request(
                            &sh.cfg.host,
                            &sh.cfg.target,
                            &headers,
                            &sh.cfg.headers,
                            body,
                            sh.cfg.timeout,
                        )
                        .await,
                )
            },
            async {
                sh.give_up.wait().await;
                None
            },
        )
        .await;
        let Some(sent) = sent else {
            let n = req.ends.len() + work.iter().map(|r| r.ends.len()).sum::<usize>();
            tracing::error!(sink = %sh.id, url = %sh.cfg.url, events = n, "giving up on undelivered events at the hard stop");
            bump(&mut sh.tally.borrow_mut().dropped, "peer_down", n as u64);
            break;
        };
        let verdict = match sent {
            Ok((connected, resp)) => {
                if connected {
                    sh.tally.borrow_mut().connects += 1;
                }
                sh.up.set(resp.status != 429 && resp.status < 500);
                judge(sh, &mut req, resp)
            }
            Err(e) => {
                sh.up.set(false);
                sh.tally.borrow_mut().error(&e);
                tracing::warn!(sink = %sh.id, url = %sh.cfg.url, error = %e, "request failed; will retry");
                Verdict::RetryAll(None)
            }
        };
        let delay = match verdict {
            Verdict::Done => {
                backoff = sh.cfg.backoff_min;
                recycle(sh, req);
                continue;
            }
            Verdict::Split => {
                let (a, b) = req.halves();
                work.push(b);
                work.push(a);
                continue;
            }
            Verdict::RetryAll(after) => {
                work.push(req);
                after
            }
            Verdict::Retry(sub) => {
                recycle(sh, req);
                work.push(sub);
                None
            }
        };
        let wait = delay.unwrap_or_else(|| jittered(backoff));
        backoff = (backoff * 2).min(sh.cfg.backoff_max);
        let slept = !sh.give_up.is_fired()
            && future::or(
                async {
                    glommio::timer::sleep(wait).await;
                    true
                },
                async {
                    sh.give_up.wait().await;
                    false
                },
            )
            .await;
        if !slept {
            let n: usize = work.iter().map(|r| r.ends.len()).sum();
            tracing::error!(sink = %sh.id, url = %sh.cfg.url, events = n, "giving up on undelivered events at the hard stop");
            bump(&mut sh.tally.borrow_mut().dropped, "peer_down", n as u64);
            break;
        }
    }
    sh.pool.borrow_mut().push(client);
}

fn recycle(sh: &Shared, mut req: Req) {
    req.clear();
    let mut free = sh.free.borrow_mut();
    if free.len() < sh.cfg.concurrency + 1 {
        free.push(req);
    }
}

/// Reads a response: the whole-request statuses here, item by item in `elastic`.
fn judge(sh: &Shared, req: &mut Req, resp: Response) -> Verdict {
    let status = resp.status;
    let mut t = sh.tally.borrow_mut();
    if status == 429 || status >= 500 {
        t.errors += 1;
        tracing::warn!(sink = %sh.id, url = %sh.cfg.url, status, "request refused; will retry");
        return Verdict::RetryAll(resp.retry_after);
    }
    if status == 413 && req.ends.len() > 1 {
        tracing::warn!(sink = %sh.id, url = %sh.cfg.url, events = req.ends.len(), "request too large; splitting it");
        return Verdict::Split;
    }
    match &sh.kind {
        Kind::Plain { .. } if (200..300).contains(&status) => {
            t.events += req.ends.len() as u64;
            t.bytes += req.body.len() as u64;
            Verdict::Done
        }
        Kind::Plain { .. } => {
            t.errors += 1;
            tracing::error!(sink = %sh.id, url = %sh.cfg.url, status, body = %String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)]), "request rejected; its events are dropped");
            bump(&mut t.dropped, "rejected", req.ends.len() as u64);
            Verdict::Done
        }
        Kind::Elastic { dead } => {
            elastic::judge(&sh.id, dead, sh.cfg.max_retries, req, &resp, &mut t)
        }
    }
}
