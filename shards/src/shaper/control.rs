//! The share tick: a task on each ingest shard that has a shaper, waking every
//! `share_interval` to swap arrival reports with the other shards, reset shares and
//! re-read the pressure on the rings. It is its own task so the event path never waits
//! for it and the shard's other periodic work (metrics reports) is untouched.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use futures_lite::future;

use crate::ingest::Ingest;
use crate::signal::{now_ns, Signal};

/// Ticks `ctx`'s shapers every `interval` until `done` fires or the shard lets go of it.
pub(crate) async fn run(ctx: Weak<RefCell<Ingest>>, interval: Duration, done: Rc<Signal>) {
    while !done.is_fired() {
        future::or(glommio::timer::sleep(interval), async {
            done.wait().await;
        })
        .await;
        let Some(ctx) = ctx.upgrade() else {
            break;
        };
        ctx.borrow_mut().shaper_tick(now_ns());
    }
}
