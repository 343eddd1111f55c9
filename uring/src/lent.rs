//! The process-wide registry of memory lent to the kernel, which closes the
//! one hole the borrow-based lifetime contract ([`crate::sqe`]) leaves:
//! a ring that is leaked (`std::mem::forget`, an `Rc` cycle) never runs its
//! drop, so its `'buf` borrow ends while requests may still write that
//! memory, and safe code could then free it.
//!
//! # How
//! - Every [`crate::IoBuf`] and [`crate::IoCell`] handed to a builder is
//!   recorded in the [`crate::Sqe`] as a [`Lent`] range; the ring records
//!   those ranges here, under its own id, when it writes the SQE into the
//!   SQ. [`crate::BufRing::push`] and the safe buffer registrations
//!   ([`crate::Ring::register_buffers`] and friends) record theirs directly.
//! - A ring's drop forgets its ranges only once it knows that nothing of
//!   it is in flight, i.e. at the point where its drop succeeds; a drop
//!   that aborts never gets there, and a leaked ring's drop never runs.
//! - Freeing memory the kernel may write checks this registry first: the
//!   drop of an [`crate::IoBuf`]'s owner ([`crate::buf::IoBufBox`]), of an
//!   [`crate::IoCell`] and of a [`crate::Mapping`]. Memory still recorded
//!   can only belong to a ring that was leaked (the borrow checker keeps a
//!   lent buffer alive until its ring's drop has run), so the process
//!   aborts, naming the memory and the ring, rather than let the kernel
//!   write freed memory: the policy of the ring's own drop (every ring
//!   lives in a trial or probe child process, so this is that trial's
//!   crash). Owners that take `&mut self` to mean that no request holds
//!   their memory and hand out a `&mut [u8]` of it
//!   ([`crate::Mapping::bytes`], the fixtures' `AlignedBuf`) check the same
//!   way ([`check_exclusive`]).
//!
//! The check needs memory that cannot be freed without its drop running:
//! an `IoBuf` is only ever owned through an `IoBufBox`, which hands out no
//! `Box` (a `Box<IoBuf>` could be moved into an `Arc`, freeing the old
//! allocation without a drop), and an `IoCell` keeps its value on the heap
//! (moving the cell moves only the pointer), so a move after a leak cannot
//! free lent memory behind the check's back.
//!
//! # Not tracked
//! Raw addresses (the unsafe builders, [`crate::Sqe::raw_mut`], iovecs,
//! msghdrs, `IoBuf::from_raw` over memory that is not a `Mapping`) stay
//! the caller's contract. Plain borrows the kernel only reads (`&[u8]`
//! for a WRITE or SEND, paths, timespecs) are not tracked either: a leaked
//! ring can make the kernel read such memory after it is freed (the bytes
//! go out, or the kernel answers EFAULT), but never write it.
//!
//! # Cost
//! One uncontended mutex per SQE written that carries lent memory, per
//! buffer registered and per drop of lent-capable memory; ranges are kept
//! per ring as a coalesced interval map, so a buffer lent a thousand times
//! is one entry, and an overlap check is a lookup per live ring. Drops
//! skip the lock while nothing is recorded at all.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A range of bytes lent to the kernel: `start..start + len`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lent {
    pub start: usize,
    pub len: usize,
}

impl Lent {
    pub fn new(start: *const u8, len: usize) -> Lent {
        Lent { start: start as usize, len }
    }
}

/// Per owner (a ring's id): disjoint, coalesced intervals, start -> end.
type Intervals = BTreeMap<usize, usize>;

static REGISTRY: Mutex<BTreeMap<u64, Intervals>> = Mutex::new(BTreeMap::new());
/// Owners with at least one range (the drops' lock-free fast path).
static OWNERS: AtomicUsize = AtomicUsize::new(0);
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

fn registry() -> std::sync::MutexGuard<'static, BTreeMap<u64, Intervals>> {
    // A panic while holding the lock leaves the map consistent (every
    // change is a single insert or remove): keep using it.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh owner id (one per ring).
pub(crate) fn new_owner() -> u64 {
    NEXT_OWNER.fetch_add(1, Ordering::Relaxed)
}

/// Records that `owner` lent `ranges` to the kernel.
pub(crate) fn record(owner: u64, ranges: impl IntoIterator<Item = Lent>) {
    let mut ranges = ranges.into_iter().filter(|r| r.len > 0).peekable();
    if ranges.peek().is_none() {
        return;
    }
    let mut reg = registry();
    let m = reg.entry(owner).or_insert_with(|| {
        OWNERS.fetch_add(1, Ordering::SeqCst);
        Intervals::new()
    });
    for r in ranges {
        let (mut s, mut e) = (r.start, r.start.saturating_add(r.len));
        // Merge with an interval that starts before and reaches s...
        if let Some((&ps, &pe)) = m.range(..s).next_back() {
            if pe >= s {
                s = ps;
                e = e.max(pe);
            }
        }
        // ...and with every one that starts inside s..=e.
        while let Some((&k, &ke)) = m.range(s..=e).next() {
            m.remove(&k);
            e = e.max(ke);
        }
        m.insert(s, e);
    }
}

/// Owners that handed the kernel memory through a raw, untracked path
/// (an unsafe builder, a raw registration): what they lent is unknown.
static UNTRACKED: Mutex<std::collections::BTreeSet<u64>> = Mutex::new(std::collections::BTreeSet::new());

fn untracked() -> std::sync::MutexGuard<'static, std::collections::BTreeSet<u64>> {
    UNTRACKED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records that `owner` handed the kernel addresses this registry cannot
/// see (the caller of an unsafe builder vouched for them).
pub(crate) fn record_untracked(owner: u64) {
    untracked().insert(owner);
}

/// Whether `owner` may have lent the kernel memory it writes: a range
/// recorded, or an untracked address. A ring that has not can be closed
/// with requests in flight: nothing of this program's memory is theirs
/// to write (what they read, a WRITE's or SEND's borrowed bytes, can at
/// worst be read after it is freed, which corrupts nothing here).
pub fn holds_writable(owner: u64) -> bool {
    untracked().contains(&owner) || (OWNERS.load(Ordering::SeqCst) > 0 && registry().contains_key(&owner))
}

/// Forgets everything `owner` lent: its ring knows that nothing of it is
/// in flight any more.
pub(crate) fn release(owner: u64) {
    untracked().remove(&owner);
    if OWNERS.load(Ordering::SeqCst) == 0 {
        return;
    }
    if registry().remove(&owner).is_some() {
        OWNERS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The first recorded range that overlaps `start..start + len`: its owner
/// and bounds.
pub fn overlapping(start: usize, len: usize) -> Option<(u64, usize, usize)> {
    if len == 0 || OWNERS.load(Ordering::SeqCst) == 0 {
        return None;
    }
    let end = start.saturating_add(len);
    let reg = registry();
    reg.iter().find_map(|(&owner, m)| {
        // Intervals are disjoint and sorted: only the last one starting
        // before `end` can reach past `start`.
        let (&s, &e) = m.range(..end).next_back()?;
        (e > start).then_some((owner, s, e))
    })
}

/// Called before `len` bytes at `start` are freed: aborts the process if
/// a ring that was never dropped lent any of them to the kernel. Owners of
/// memory the kernel may write call it from their drop: [`crate::IoBuf`],
/// [`crate::IoCell`], [`crate::Mapping`], and any type that hands out
/// safe `&IoBuf` views of its own allocation ([`crate::IoBuf::from_raw`]).
pub fn check_free(start: *const u8, len: usize, what: &str) {
    check_not_lent(start, len, what, "freed");
}

/// Called before a `&mut [u8]` of `len` bytes at `start` is made (an owner
/// whose `&mut self` is taken to mean that no request holds the memory:
/// [`crate::Mapping::bytes`]): aborts as [`check_free`] does, since a
/// leaked ring's requests may write it under that reference.
pub fn check_exclusive(start: *const u8, len: usize, what: &str) {
    check_not_lent(start, len, what, "borrowed exclusively");
}

fn check_not_lent(start: *const u8, len: usize, what: &str, doing: &str) {
    if let Some((owner, s, e)) = overlapping(start as usize, len) {
        eprintln!(
            "uring: {what} ({len} bytes at {start:#x}) is being {doing} while ring #{owner} still has {s:#x}..{e:#x} lent to the kernel: \
             that ring was leaked (std::mem::forget, an Rc cycle) instead of dropped, so its requests may still write this memory; \
             aborting rather than let the kernel write it\n{}",
            std::backtrace::Backtrace::force_capture(),
            start = start as usize
        );
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_coalesce_and_overlap_by_owner() {
        let o = new_owner();
        // Addresses no allocation of this test process uses.
        let base = usize::MAX - (1 << 20);
        record(o, [Lent { start: base + 100, len: 10 }, Lent { start: base + 110, len: 10 }, Lent { start: base + 100, len: 10 }]);
        record(o, [Lent { start: base + 200, len: 0 }, Lent { start: base + 300, len: 50 }, Lent { start: base + 90, len: 15 }]);
        let m = registry().get(&o).cloned().unwrap();
        assert_eq!(m.into_iter().collect::<Vec<_>>(), [(base + 90, base + 120), (base + 300, base + 350)]);
        assert_eq!(overlapping(base + 119, 1).map(|x| x.0), Some(o));
        assert_eq!(overlapping(base + 120, 180), None);
        assert_eq!(overlapping(base + 200, 1), None, "an empty range lends nothing");
        assert_eq!(overlapping(base, 1000).map(|x| x.0), Some(o), "a whole allocation over a lent sub-range");
        release(o);
        assert_eq!(overlapping(base, 1000), None);
    }
}
