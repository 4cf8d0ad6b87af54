//! # Acknowledgements: which source positions every sink has confirmed
//!
//! A source that can commit (a Kafka consumer, a file tail, an HTTP request waiting for its
//! response) must not commit a position before every sink that the events read there went
//! to has confirmed them. This module is the bookkeeping for that, on the ingest shard that
//! read the events. It is generic over what a position means: a [`Position`] is a `u64`
//! (a Kafka offset, a byte offset in a file, an HTTP request id), ordered within a
//! [`Stream`] (a Kafka partition, a file, a connection).
//!
//! ## How a position travels
//!
//! 1. The source reads a unit (a run of Kafka messages of one partition, a chunk of a file,
//!    a request) and opens a *group* for it: [`Ledger::begin`] returns a [`Mark`].
//! 2. Every event of the unit that is put into a sink's batch *holds* the mark once per
//!    batch ([`Ledger::hold`]; the batch carries the marks it holds in `Batch::marks`).
//!    Events that are dropped hold nothing; events routed to `err` hold it through the
//!    `err` sinks' batches like any other.
//! 3. When the unit is fully processed, the source *seals* the group ([`Ledger::seal`]):
//!    no more holds will come.
//! 4. A sink that has written a batch (file: written and flushed; TCP: written; Kafka:
//!    delivery report; stdout/blackhole: at once) returns it; the ingest shard then
//!    releases every mark the batch carries ([`Ledger::release`]). A batch dropped on a
//!    full ring releases its marks as well (the drop is counted: it is handled).
//! 5. A sealed group with nothing held is *settled*. Groups settle in order per stream:
//!    [`Ledger::take_settled`] hands a source the highest position of each of its streams
//!    whose group, and every earlier group of that stream, has settled; that is the
//!    position it may commit.
//!
//! A stream can be closed while groups are still in flight ([`Ledger::close_stream`], e.g.
//! a Kafka partition revoked by a rebalance): its groups are still released as batches
//! come back, but nothing of it is reported any more, so nothing of it is committed.
//!
//! Everything here is plain per-shard state (`!Send`), touched only by the shard's own
//! tasks: no atomics, no locks. Holding a mark is one comparison and, once per batch and
//! group, one counter increment.
//!
//! ```
//! use sluice_shards::ack::{Ledger, Position};
//!
//! let mut ledger = Ledger::default();
//! let partition = ledger.open_stream(0); // for source 0
//! let m = ledger.begin(partition, Position(41));
//! ledger.hold(m); // one event in the `file` sink's batch
//! ledger.hold(m); // ... and one in the `archive` sink's batch
//! ledger.seal(m);
//! let mut done = Vec::new();
//! ledger.take_settled(0, &mut done);
//! assert!(done.is_empty(), "both sinks still have it");
//! ledger.release(m);
//! ledger.release(m);
//! ledger.take_settled(0, &mut done);
//! assert_eq!(done, vec![(partition, Position(41))]);
//! ```

mod ledger;
#[cfg(test)]
mod tests;

pub use ledger::{Ledger, Mark, Position, Stream};
