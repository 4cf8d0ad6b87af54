//! Wake-ups into a reactor that sleeps between them (the vendored glommio's patch 1,
//! `shards/vendor/glommio/SLUICE-PATCHES.md`): a sleeping reactor is woken by a fence-paired
//! flag and its eventfd instead of a process-wide `membarrier(2)`. A lost wake-up leaves the
//! reactor asleep for good, with nothing else to wake it, so each case runs on its own thread
//! under a deadline and fails if it does not finish. The last case is patch 5's: a task made
//! runnable just as the kept preempt timer (patch 2) fires must still run.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use glommio::{LocalExecutorBuilder, Placement};

/// Round trips per case: each one puts the reactor to sleep and needs one wake-up.
const ROUNDS: usize = 3000;
/// Far more than the cases need (well under a second each here); a lost wake-up never ends.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `f` in a fresh executor on its own thread; fails if it has not returned by the
/// deadline, and returns what it returned.
fn within_deadline<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> Pin<Box<dyn Future<Output = T>>> + Send + 'static,
) -> T {
    within_deadline_on(|| LocalExecutorBuilder::new(Placement::Unbound), name, f)
}

/// [`within_deadline`] on an executor that `builder` makes.
fn within_deadline_on<T: Send + 'static>(
    builder: impl FnOnce() -> LocalExecutorBuilder + Send + 'static,
    name: &str,
    f: impl FnOnce() -> Pin<Box<dyn Future<Output = T>>> + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let _t = std::thread::spawn(move || {
        let ex = builder().make().expect("an executor");
        let out = ex.run(f());
        let _ = tx.send(out);
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => v,
        Err(_) => panic!("{name}: the reactor was not woken within {DEADLINE:?} (lost wake-up)"),
    }
}

#[test]
fn blocking_results_wake_a_sleeping_reactor() {
    let (done, slept) = within_deadline("spawn_blocking", || {
        Box::pin(async {
            let mut done = 0usize;
            let mut slept = Duration::ZERO;
            for i in 0..ROUNDS {
                let t = Instant::now();
                // The blocking thread takes a while, so the reactor runs dry and sleeps
                // until the result's notification wakes it.
                let v = glommio::executor()
                    .spawn_blocking(move || {
                        std::thread::sleep(Duration::from_micros(50));
                        i * 2
                    })
                    .await;
                assert_eq!(v, i * 2);
                slept += t.elapsed();
                done += 1;
            }
            (done, slept)
        })
    });
    assert_eq!(done, ROUNDS);
    // Each round waited at least for the blocking thread's sleep.
    assert!(slept >= Duration::from_micros(50) * ROUNDS as u32);
}

/// A future that completes once another thread has set its flag and woken it.
struct Remote {
    set: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for Remote {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Register first, then look: a wake between the two is not lost.
        *self.waker.lock().expect("waker lock") = Some(cx.waker().clone());
        if self.set.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn wakers_woken_from_another_thread_wake_a_sleeping_reactor() {
    let done = within_deadline("foreign waker", || {
        Box::pin(async move {
            let mut done = 0usize;
            for _ in 0..ROUNDS {
                let set = Arc::new(AtomicBool::new(false));
                let waker: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
                let (s, w) = (Arc::clone(&set), Arc::clone(&waker));
                // The other thread waits until the task has parked (its waker is in), gives
                // the reactor time to go to sleep, then sets the flag and wakes the task.
                let t = std::thread::spawn(move || {
                    while w.lock().expect("waker lock").is_none() {
                        std::thread::yield_now();
                    }
                    std::thread::sleep(Duration::from_micros(30));
                    s.store(true, Ordering::SeqCst);
                    if let Some(k) = w.lock().expect("waker lock").take() {
                        k.wake();
                    }
                });
                Remote { set, waker }.await;
                t.join().expect("waker thread");
                done += 1;
            }
            done
        })
    });
    assert_eq!(done, ROUNDS);
}

#[test]
fn a_task_woken_as_the_preempt_timer_fires_still_runs() {
    // Sluice's `park_spin` shape (`shards/src/park_spin.rs`): a task polling on a 2 µs timer
    // and an executor that spins briefly before it parks. The kept preempt timer fires every
    // 20 µs here, so it often lands between the pass that fires the task's timer and the
    // run of its queue: that task must run then, not after the reactor's next event (here
    // there is none: it slept for good in one run of four with upstream's check and a 50 ms
    // preempt timer).
    const POLLS: usize = 100_000;
    let (n, took) = within_deadline_on(
        || {
            LocalExecutorBuilder::new(Placement::Unbound)
                .preempt_timer(Duration::from_micros(20))
                .spin_before_park(Duration::from_micros(10))
        },
        "short timers",
        || {
            Box::pin(async {
                let t = Instant::now();
                let mut n = 0usize;
                for _ in 0..POLLS {
                    glommio::timer::sleep(Duration::from_micros(2)).await;
                    n += 1;
                }
                (n, t.elapsed())
            })
        },
    );
    assert_eq!(n, POLLS);
    assert!(took >= Duration::from_micros(2) * POLLS as u32);
}
