//! The ring mesh: batches from ingest shards to sink shards, and back for reuse.
//!
//! Every (ingest shard, sink shard) pair has one rtrb SPSC ring carrying full batches forward
//! and one carrying emptied batches back, so a steady flow allocates nothing. A sink shard
//! that finds all its rings empty parks on a [`Bell`]: it raises its `parked` flag, checks the
//! rings once more, and sleeps in the reactor until a producer rings. Producers only make a
//! syscall when the consumer is actually parked, so a busy mesh runs without any. A producer
//! on the consumer's own thread (a shard that is both ingest and sink) makes none at all: it
//! wakes the parked task directly.

use std::future::Future;
use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use rtrb::{Consumer, Producer, RingBuffer};

/// Where one frame ends inside a batch, and what it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeta {
    /// End offset in `Batch::data` (the frame starts where the previous one ended).
    pub end: u32,
    /// Pipeline the event came through (for per-pipeline latency).
    pub pipeline: u16,
    /// `true` on the last frame of an event (postprocessors may split an event in several).
    pub event_end: bool,
    /// When the bytes of the event were read ([`crate::signal::mono_ns`]: monotonic ns, not
    /// wall-clock time; only differences of it mean anything).
    pub ingest_ns: u64,
}

/// Encoded, framed events for one sink, moved between shards as a unit.
#[derive(Debug, Default)]
pub struct Batch {
    /// The sink's index on its sink shard.
    pub sink: u16,
    /// Holds events from a source that must not lose data (`on_full = "block"`).
    pub lossless: bool,
    /// Frame bytes, back to back.
    pub data: Vec<u8>,
    /// Frame boundaries.
    pub frames: Vec<FrameMeta>,
    /// The source positions its events hold (see [`crate::ack`]): released by the ingest
    /// shard when the batch comes back written. Empty for sources that do not commit.
    pub marks: Vec<crate::ack::Mark>,
    /// Frames the sink gave up on, with why (the ingest shard routes them to `err`).
    pub failures: Vec<Failure>,
    /// The sink gave up on the whole batch (shutdown cut short, a broken file): its
    /// positions stay unacknowledged, so a committing source reads them again.
    pub gave_up: bool,
    /// Per-frame destination settings taken from the event's metadata, for sinks that use
    /// them (Kafka: `$kafka`); only frames whose event set any have an entry.
    pub attrs: Vec<FrameAttrs>,
}

/// Where one frame should go, as its event's metadata says (`$kafka.topic`, `.key`,
/// `.partition`, `.headers`).
#[derive(Debug, Clone, Default)]
pub struct FrameAttrs {
    /// Index into [`Batch::frames`].
    pub frame: u32,
    /// Topic instead of the sink's.
    pub topic: Option<String>,
    /// Message key.
    pub key: Option<Vec<u8>>,
    /// Partition instead of the partitioner's choice.
    pub partition: Option<i32>,
    /// Message headers.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// A frame of a batch that its sink could not deliver.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Index into [`Batch::frames`] of the frame's last part.
    pub frame: u32,
    /// The sink's (or broker's) error.
    pub error: String,
}

impl Batch {
    /// An empty batch with room for `bytes`.
    #[must_use]
    pub fn with_capacity(bytes: usize) -> Self {
        Batch {
            sink: 0,
            lossless: false,
            data: Vec::with_capacity(bytes),
            frames: Vec::with_capacity(bytes / 128),
            marks: Vec::new(),
            failures: Vec::new(),
            gave_up: false,
            attrs: Vec::new(),
        }
    }

    /// Empties the batch, keeping its allocations. Only the ingest shard calls this, after
    /// it has released the batch's marks: a sink returns batches as they are.
    pub fn clear(&mut self) {
        self.lossless = false;
        self.data.clear();
        self.frames.clear();
        self.marks.clear();
        self.failures.clear();
        self.gave_up = false;
        self.attrs.clear();
    }

    /// The bytes of frame `i` (one part of an event).
    #[must_use]
    pub fn frame_bytes(&self, i: usize) -> &[u8] {
        let start = if i == 0 {
            0
        } else {
            self.frames.get(i - 1).map_or(0, |f| f.end as usize)
        };
        let end = self.frames.get(i).map_or(start, |f| f.end as usize);
        self.data.get(start.min(end)..end).unwrap_or(&[])
    }

    /// Number of whole events.
    #[must_use]
    pub fn events(&self) -> u64 {
        self.frames.iter().filter(|f| f.event_end).count() as u64
    }

    /// Frames with their bytes.
    pub fn frames(&self) -> impl Iterator<Item = (&FrameMeta, &[u8])> {
        let mut start = 0usize;
        self.frames.iter().map(move |f| {
            let end = f.end as usize;
            let s = &self.data[start.min(end)..end];
            start = end;
            (f, s)
        })
    }
}

/// What a bell and its parking spot share.
#[derive(Debug, Default)]
struct Parked {
    /// The consumer is asleep (or about to be) and wants a wake-up.
    flag: AtomicBool,
    /// [`thread_token`] of the consumer's thread, once it lives in a reactor (0 before).
    owner: AtomicUsize,
    /// The sleeping consumer's task, for producers on its own thread.
    waker: Mutex<Option<Waker>>,
}

impl Parked {
    fn take_waker(&self) -> Option<Waker> {
        self.waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// A number that tells this thread from every other thread alive: the address of one of its
/// thread-locals (never 0).
fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// The waking side of a parked consumer; one clone per producer.
#[derive(Debug)]
pub struct Bell {
    parked: Arc<Parked>,
    tx: UnixStream,
}

impl Bell {
    /// Wakes the consumer if (and only if) it is parked.
    pub fn ring(&self) {
        // Pairs with the fence in `Waiter::park`: either the consumer sees what we pushed
        // before it sleeps, or we see its flag and wake it.
        fence(Ordering::SeqCst);
        let p = &*self.parked;
        if p.flag.load(Ordering::Relaxed) && p.flag.swap(false, Ordering::AcqRel) {
            // On the consumer's own thread its task is suspended, not the reactor: wake it
            // in place, without a byte through the socket and a trip through the reactor.
            if p.owner.load(Ordering::Relaxed) == thread_token() {
                if let Some(w) = p.take_waker() {
                    w.wake();
                    return;
                }
            }
            // A full socket buffer (EAGAIN) means a wake-up is already pending.
            let _ = (&self.tx).write(&[1]);
        }
    }

    /// Wakes the consumer unconditionally (shutdown, producer gone).
    pub fn ring_always(&self) {
        self.parked.flag.store(false, Ordering::SeqCst);
        let _ = (&self.tx).write(&[1]);
    }
}

impl Bell {
    /// Another handle on the same bell (for another producer).
    ///
    /// # Errors
    /// When the process is out of file descriptors.
    pub fn try_clone(&self) -> std::io::Result<Bell> {
        Ok(Bell {
            parked: Arc::clone(&self.parked),
            tx: self.tx.try_clone()?,
        })
    }
}

/// The parked side: a flag and the socket a [`Bell`] writes to.
#[derive(Debug)]
pub struct Parking {
    parked: Arc<Parked>,
    /// The read end; the shard wraps it in its reactor.
    pub rx: UnixStream,
}

impl Parking {
    /// Moves the parking spot into the current shard's reactor. Call inside the executor:
    /// bells rung on this thread from now on wake the waiter without a syscall.
    #[must_use]
    pub fn into_waiter(self) -> Waiter {
        use std::os::fd::{FromRawFd as _, IntoRawFd as _};
        let fd = self.rx.into_raw_fd();
        // SAFETY: `fd` was just released by a connected, non-blocking UnixStream that we own;
        // glommio's UnixStream takes over that ownership and closes it on drop.
        let stream = unsafe { glommio::net::UnixStream::from_raw_fd(fd) };
        self.parked.owner.store(thread_token(), Ordering::Relaxed);
        Waiter {
            parked: self.parked,
            stream,
        }
    }
}

/// A [`Parking`] living in a shard's reactor: sleeps until a [`Bell`] rings.
#[derive(Debug)]
pub struct Waiter {
    parked: Arc<Parked>,
    stream: glommio::net::UnixStream,
}

/// Resolves once a bell on the waiter's own thread has taken the waker it left (which that
/// bell does only while the flag is up). A sleep without [`Waiter::park`] never resolves
/// here: only the socket wakes it.
struct LocalRing<'a> {
    parked: &'a Parked,
    waiting: bool,
}

impl Future for LocalRing<'_> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let p = self.parked;
        let mut w = p.waker.lock().unwrap_or_else(PoisonError::into_inner);
        if self.waiting {
            match &mut *w {
                // Taken by a ring: that was the wake-up.
                None => return Poll::Ready(1),
                Some(old) if !old.will_wake(cx.waker()) => *old = cx.waker().clone(),
                Some(_) => {}
            }
        } else if p.flag.load(Ordering::Acquire) {
            *w = Some(cx.waker().clone());
            self.waiting = true;
        }
        Poll::Pending
    }
}

impl Waiter {
    /// Raises the parked flag; re-check for work afterwards, then [`Waiter::sleep`] or
    /// [`Waiter::unpark`].
    pub fn park(&self) {
        self.parked.flag.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Lowers the parked flag.
    pub fn unpark(&self) {
        self.parked.flag.store(false, Ordering::SeqCst);
    }

    /// Sleeps until rung; consumes the pending rings and returns how many there were
    /// (0 if the bell's other end is gone). A ring from this thread ends the sleep without
    /// touching the socket; one from another thread arrives as a byte on it. The socket's
    /// pending read survives a sleep that a local ring ended (glommio keeps its poll), so
    /// the next sleep waits on it again without a syscall.
    pub async fn sleep(&mut self) -> usize {
        use futures_lite::AsyncReadExt as _;
        let mut buf = [0u8; 256];
        let stream = &mut self.stream;
        let local = LocalRing {
            parked: &self.parked,
            waiting: false,
        };
        let n = futures_lite::future::or(local, async { stream.read(&mut buf).await.unwrap_or(0) })
            .await;
        self.unpark();
        self.parked.take_waker();
        n
    }
}

/// A new bell and its parking spot.
///
/// # Errors
/// If the socket pair cannot be created.
pub fn bell() -> std::io::Result<(Bell, Parking)> {
    let (tx, rx) = UnixStream::pair()?;
    tx.set_nonblocking(true)?;
    rx.set_nonblocking(true)?;
    let parked = Arc::new(Parked::default());
    Ok((
        Bell {
            parked: Arc::clone(&parked),
            tx,
        },
        Parking { parked, rx },
    ))
}

/// An ingest shard's end of the link to one sink shard.
#[derive(Debug)]
pub struct IngestLink {
    /// Full batches out.
    pub tx: Producer<Batch>,
    /// Emptied batches back.
    pub recycled: Consumer<Batch>,
    /// Wakes the sink shard.
    pub bell: Bell,
}

impl Drop for IngestLink {
    fn drop(&mut self) {
        // Release the producer first so the woken consumer already sees the ring abandoned.
        drop(std::mem::replace(&mut self.tx, RingBuffer::new(1).0));
        self.bell.ring_always();
    }
}

/// A sink shard's end of the link from one ingest shard.
#[derive(Debug)]
pub struct SinkLink {
    /// Full batches in.
    pub rx: Consumer<Batch>,
    /// Emptied batches back.
    pub recycle: Producer<Batch>,
}

/// Builds the mesh: `links[i][j]` joins ingest shard `i` to sink shard `j`.
/// Returns the ingest ends per ingest shard, and per sink shard its link ends and parking.
///
/// # Errors
/// If a socket pair cannot be created.
#[allow(clippy::type_complexity)]
pub fn mesh(
    ingest: usize,
    sinks: usize,
    capacity: usize,
) -> std::io::Result<(Vec<Vec<IngestLink>>, Vec<(Vec<SinkLink>, Parking)>)> {
    let mut bells = Vec::with_capacity(sinks);
    let mut sink_side = Vec::with_capacity(sinks);
    for _ in 0..sinks {
        let (b, p) = bell()?;
        bells.push(b);
        sink_side.push((Vec::with_capacity(ingest), p));
    }
    let mut ingest_side = Vec::with_capacity(ingest);
    for _ in 0..ingest {
        let mut links = Vec::with_capacity(sinks);
        for (j, bell) in bells.iter().enumerate() {
            let (tx, rx) = RingBuffer::new(capacity);
            // Room for every batch that can be in flight, so recycling never fails.
            let (recycle, recycled) = RingBuffer::new(capacity + 4);
            links.push(IngestLink {
                tx,
                recycled,
                bell: bell.try_clone()?,
            });
            sink_side[j].0.push(SinkLink { rx, recycle });
        }
        ingest_side.push(links);
    }
    Ok((ingest_side, sink_side))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn batches_flow_and_come_back() {
        let (mut ing, mut snk) = mesh(2, 1, 4).unwrap();
        let mut b = Batch::with_capacity(64);
        b.data.extend_from_slice(b"ab");
        b.frames.push(FrameMeta {
            end: 1,
            pipeline: 0,
            event_end: true,
            ingest_ns: 1,
        });
        b.frames.push(FrameMeta {
            end: 2,
            pipeline: 0,
            event_end: true,
            ingest_ns: 2,
        });
        ing[1][0].tx.push(b).unwrap();
        let link = &mut snk[0].0[1];
        let mut got = link.rx.pop().unwrap();
        let frames: Vec<&[u8]> = got.frames().map(|(_, f)| f).collect();
        assert_eq!(frames, vec![b"a".as_slice(), b"b".as_slice()]);
        assert_eq!(got.events(), 2);
        got.clear();
        link.recycle.push(got).unwrap();
        assert!(ing[1][0].recycled.pop().is_ok());
        assert!(snk[0].0[0].rx.pop().is_err());
    }

    #[test]
    fn bell_writes_only_when_parked() {
        let (bell, mut parking) = bell().unwrap();
        let mut buf = [0u8; 8];
        bell.ring();
        assert!(
            parking.rx.read(&mut buf).is_err(),
            "not parked: no wake-up byte"
        );
        parking.parked.flag.store(true, Ordering::SeqCst);
        bell.ring();
        assert_eq!(parking.rx.read(&mut buf).unwrap(), 1);
        bell.ring();
        assert!(
            parking.rx.read(&mut buf).is_err(),
            "flag was cleared by the first ring"
        );
    }

    #[test]
    fn a_ring_on_the_waiters_own_thread_writes_no_byte() {
        let (bell, parking) = bell().unwrap();
        let remote = bell.try_clone().unwrap();
        let ex = glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            .make()
            .unwrap();
        ex.run(async move {
            let mut w = parking.into_waiter();
            // Rung by another task of this executor while the waiter sleeps.
            w.park();
            let local = glommio::spawn_local(async move {
                glommio::timer::sleep(std::time::Duration::from_millis(5)).await;
                bell.ring();
            })
            .detach();
            assert_eq!(w.sleep().await, 1);
            local.await;
            assert!(!w.parked.flag.load(Ordering::SeqCst));
            // Rung from another thread: that one comes as a byte. Had the local ring left
            // a byte in the socket, this sleep would end on it before the ring.
            w.park();
            let rung = Arc::new(AtomicBool::new(false));
            let r = Arc::clone(&rung);
            let t = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                r.store(true, Ordering::SeqCst);
                remote.ring();
            });
            assert_eq!(w.sleep().await, 1);
            assert!(rung.load(Ordering::SeqCst), "woken by a stale byte");
            t.join().unwrap();
        });
    }
}
