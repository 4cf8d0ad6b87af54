// Sluice's patch (see SLUICE-PATCHES.md at the root of this crate): the barrier a reactor
// issues between announcing that it will sleep and its last look at the queues other
// threads fill is a sequentially consistent fence, paired with one in
// `SleepNotifier::notify` (sys/mod.rs), the notifiers' side.
//
// Upstream glommio 0.9.0 issued `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` here (or an
// mprotect-based TLB shootdown), so that notifiers needed no fence: that interrupts every
// CPU that runs another thread of the process, once per sleep. With one executor per core,
// a shard that parks between batches interrupted the busy shards on every park.

use core::sync::atomic;

/// Orders the sleeper's "I am going to sleep" store before its last look at the queues.
#[inline]
pub(crate) fn heavy() {
    atomic::fence(atomic::Ordering::SeqCst);
}
