//! A shard-local, one-shot signal (stop, drain) that any number of tasks can await.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Fires once; every waiter wakes. Single-threaded by design (`!Sync`), like a shard.
#[derive(Debug, Default)]
pub struct Signal {
    fired: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
}

impl Signal {
    /// Fires the signal and wakes every waiter.
    pub fn fire(&self) {
        self.fired.set(true);
        for w in self.waiters.borrow_mut().drain(..) {
            w.wake();
        }
    }

    /// Has it fired?
    pub fn is_fired(&self) -> bool {
        self.fired.get()
    }

    /// Resolves once the signal has fired.
    pub fn wait(&self) -> Wait<'_> {
        Wait { signal: self }
    }
}

/// The future returned by [`Signal::wait`].
#[derive(Debug)]
pub struct Wait<'a> {
    signal: &'a Signal,
}

impl Future for Wait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.signal.fired.get() {
            return Poll::Ready(());
        }
        let mut w = self.signal.waiters.borrow_mut();
        if !w.iter().any(|x| x.will_wake(cx.waker())) {
            w.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Nanoseconds on the process's monotonic clock (`CLOCK_MONOTONIC`, the same on every
/// thread): the clock of [`crate::FrameMeta::ingest_ns`] and so of the ingest-to-sink
/// latencies, which a wall-clock step (NTP, an operator) must not bend.
#[must_use]
pub fn mono_ns() -> u64 {
    static BASE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(std::time::Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Wall-clock nanoseconds since the Unix epoch (event time: what decoders stamp on events).
#[must_use]
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A wake-up for one waiting task that can be given any number of times: `notify` sets a
/// flag and wakes the waiter; `wait` resolves once the flag is set and clears it. Notifying
/// while nobody waits is remembered, so a wake-up between a check and the wait is not lost.
#[derive(Debug, Default)]
pub struct Notify {
    set: Cell<bool>,
    waiter: RefCell<Option<Waker>>,
}

impl Notify {
    /// Sets the flag and wakes the waiter, if any.
    pub fn notify(&self) {
        self.set.set(true);
        if let Some(w) = self.waiter.borrow_mut().take() {
            w.wake();
        }
    }

    /// Resolves once notified (at once if it already was), clearing the flag.
    pub fn wait(&self) -> NotifyWait<'_> {
        NotifyWait { notify: self }
    }
}

/// The future returned by [`Notify::wait`].
#[derive(Debug)]
pub struct NotifyWait<'a> {
    notify: &'a Notify,
}

impl Future for NotifyWait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.notify.set.replace(false) {
            return Poll::Ready(());
        }
        *self.notify.waiter.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}
