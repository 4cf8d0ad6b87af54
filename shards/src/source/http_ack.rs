//! `ack = "written"` on the HTTP source: a request is answered only once every sink its
//! events went to has written them, through the same acknowledgement ledger the Kafka and
//! tail sources commit by (see [`crate::ack`]).
//!
//! Each request gets a stream of its own in the shard's ledger and one group in it: every
//! batch that takes one of its events holds the group, and the group settles when the last
//! of those batches comes back written. The request's task then answers 204 (or 400 for a
//! partial write). If the sinks do not confirm within `ack_timeout`, or shutdown gives up
//! (`shutdown_timeout`), it answers 503: the events may still be written later, so a client
//! that sends again may duplicate them (at least once, never a false success). A batch a
//! sink gave up on never settles, so it ends the same way.
//!
//! Requests waiting for their sinks are counted per shard and bounded by `max_unacked`:
//! past it a new request waits `busy_timeout` for room, then gets 429 like a full ring.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future;

use crate::ack::{Mark, Position, Stream};
use crate::ingest::Ingest;
use crate::signal::Signal;

/// Longest pause between two looks at the ledger: bounds the extra latency of an answer
/// and, with many requests waiting on a stalled sink, the cost of looking.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// A request's place in the ledger.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket {
    stream: Stream,
    pub(super) mark: Mark,
}

/// Why a request could not be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unconfirmed {
    /// `ack_timeout` passed.
    TimedOut,
    /// Shutdown gave up waiting (`shutdown_timeout`).
    Stopped,
}

impl Unconfirmed {
    pub(super) fn message(self, timeout: Duration) -> String {
        match self {
            Unconfirmed::TimedOut => format!(
                "the sinks did not confirm the write within {timeout:?} (ack_timeout); it may still be delivered, so retrying may duplicate it"
            ),
            Unconfirmed::Stopped => "shutting down before the sinks confirmed the write; it may still be delivered, so retrying may duplicate it".to_string(),
        }
    }
}

/// Requests of one source on one shard waiting for their sinks.
#[derive(Debug, Default)]
pub(super) struct Unacked(Cell<usize>);

/// A request's place among those waiting for their sinks, taken before its body is read
/// (so requests reading bodies at once cannot overshoot the bound) and given back when
/// it is dropped, on every path.
pub(super) struct Slot(Rc<Unacked>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0 .0.set(self.0 .0.get().saturating_sub(1));
    }
}

impl Unacked {
    /// Waits up to `busy` for fewer than `max` requests to be waiting, and takes a place.
    pub(super) async fn room(self: &Rc<Self>, max: usize, busy: Duration) -> Option<Slot> {
        let start = Instant::now();
        let mut pause = Duration::from_micros(100);
        while self.0.get() >= max {
            if start.elapsed() >= busy {
                return None;
            }
            glommio::timer::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
        self.0.set(self.0.get() + 1);
        Some(Slot(Rc::clone(self)))
    }
}

/// Opens a request's group; set its mark on the ingest path while its body is processed,
/// then seal it.
pub(super) fn begin(ing: &mut Ingest, src: usize) -> Ticket {
    let stream = ing.ledger.open_stream(src);
    let mark = ing.ledger.begin(stream, Position(0));
    Ticket { stream, mark }
}

/// Waits until every batch holding the request's events has come back written, `timeout`
/// passes, or `hard` fires.
pub(super) async fn written(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    t: Ticket,
    timeout: Duration,
    hard: &Signal,
) -> Result<(), Unconfirmed> {
    let start = Instant::now();
    let mut pause = Duration::from_micros(20);
    // Other requests' settled positions land here too: nobody commits them, each request
    // looks at its own stream only.
    let mut settled = Vec::new();
    let outcome = loop {
        {
            let mut ing = ctx.borrow_mut();
            ing.reap();
            ing.ledger.take_settled(src, &mut settled);
            settled.clear();
            if ing.ledger.in_flight_of(t.stream) == 0 {
                break Ok(());
            }
        }
        if hard.is_fired() {
            break Err(Unconfirmed::Stopped);
        }
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            break Err(Unconfirmed::TimedOut);
        }
        future::or(glommio::timer::sleep(pause.min(left)), async {
            hard.wait().await;
        })
        .await;
        pause = (pause * 2).min(MAX_PAUSE);
    };
    // A group still in flight becomes an orphan: released silently when its batches return.
    ctx.borrow_mut().ledger.close_stream(t.stream);
    outcome
}
