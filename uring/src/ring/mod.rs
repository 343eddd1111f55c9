//! A small io_uring over [`crate::sys`]: the mapped (or user-provided)
//! SQ/CQ rings with acquire/release ordering, SQE128/CQE32, NO_SQARRAY,
//! SQPOLL wakeups, DEFER_TASKRUN, a registered ring fd and EXT_ARG waits.
//!
//! The ring never interprets completions: it hands every CQE back exactly
//! as the kernel wrote it, so cases can assert on all of it.
//!
//! # References
//! - io_uring_setup(2) (ring layout, NO_MMAP, NO_SQARRAY, SQPOLL idle)
//! - io_uring_enter(2) (GETEVENTS, SQ_WAKEUP, EXT_ARG, REGISTERED_RING)

mod register;
mod setup;

use crate::mmap::Mapping;
use crate::sqe::{posts_several_cqes, Sqe};
use crate::sys::*;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One completion, owned, exactly as the kernel posted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cqe {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
    /// The second 16 bytes of a 32-byte CQE (CQE32 rings, or a CQE with
    /// IORING_CQE_F_32 on a CQE_MIXED ring).
    pub big: Option<[u64; 2]>,
}

impl std::fmt::Display for Cqe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{user_data: {}, res: {}, flags: {:#x}", self.user_data, res_name(self.res), self.flags)?;
        if let Some(b) = self.big {
            write!(f, ", big: [{:#x}, {:#x}]", b[0], b[1])?;
        }
        write!(f, "}}")
    }
}

/// SQEs that do not fit in the SQ: the harness's own limit, never an answer
/// from the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqFull {
    pub wanted: usize,
    pub free: u32,
}

impl std::fmt::Display for SqFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} SQEs do not fit in the SQ ({} free)", self.wanted, self.free)
    }
}

/// How to build a ring: entries plus the raw params the kernel reads.
#[derive(Clone, Copy, Debug)]
pub struct RingBuilder {
    pub entries: u32,
    pub params: io_uring_params,
    /// Setup bits passed to the kernel that the harness does not read as
    /// upstream's (see [`RingBuilder::series_flags`]).
    series: u32,
}

impl RingBuilder {
    pub fn new(entries: u32) -> RingBuilder {
        RingBuilder { entries, params: io_uring_params::default(), series: 0 }
    }
    /// Setup flags of an unmerged series whose numbers upstream gave to
    /// something else (the fused-command series' IORING_SETUP_FUSED_REQ is
    /// upstream's NO_MMAP bit): passed to the kernel, but the ring's layout
    /// is built as if they were not set.
    pub fn series_flags(mut self, f: u32) -> RingBuilder {
        self.params.flags |= f;
        self.series |= f;
        self
    }
    pub fn flags(mut self, f: u32) -> RingBuilder {
        self.params.flags |= f;
        self
    }
    pub fn cq_entries(mut self, n: u32) -> RingBuilder {
        self.params.flags |= IORING_SETUP_CQSIZE;
        self.params.cq_entries = n;
        self
    }
    pub fn sq_thread_idle(mut self, ms: u32) -> RingBuilder {
        self.params.sq_thread_idle = ms;
        self
    }
    pub fn build<'buf>(self) -> Result<Ring<'buf>, SetupError> {
        Ring::setup_layout(self.entries, self.params, self.params.flags & !self.series)
    }
}

/// Why a ring could not be set up: the kernel refused (an errno), or it
/// described rings that cannot be used as documented (offsets, sizes or
/// entries that do not fit: a patched kernel whose setup bit means
/// something else), named in the detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    Errno(Errno),
    Layout(String),
}

impl SetupError {
    /// The kernel's errno, if that is what this is.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            SetupError::Errno(e) => Some(*e),
            SetupError::Layout(_) => None,
        }
    }
}

impl From<Errno> for SetupError {
    fn from(e: Errno) -> SetupError {
        SetupError::Errno(e)
    }
}

impl From<std::io::Error> for SetupError {
    fn from(e: std::io::Error) -> SetupError {
        SetupError::Errno(e.into())
    }
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Errno(e) => write!(f, "{e}"),
            SetupError::Layout(d) => write!(f, "unusable ring layout from the kernel: {d}"),
        }
    }
}

impl std::error::Error for SetupError {}

/// A setup refused with this errno (what cases compare against).
impl PartialEq<Errno> for SetupError {
    fn eq(&self, other: &Errno) -> bool {
        matches!(self, SetupError::Errno(e) if e == other)
    }
}

/// An io_uring instance whose requests may use memory borrowed for `'buf`
/// (see [`crate::sqe`]: every SQE it takes is an `Sqe<'buf>`).
///
/// # Drop
/// Dropping a ring that lent the kernel memory it writes (an IoBuf or
/// IoCell, a buffer registered or provided, or any address an unsafe
/// builder took: [`crate::lent`]) first makes sure the kernel is done with
/// `'buf`: while its count says a request may be in flight ([`Ring::maybe_in_flight`]),
/// it cancels everything (IORING_OP_ASYNC_CANCEL with
/// IORING_ASYNC_CANCEL_ANY | ALL, and by user_data on kernels before 5.19)
/// and reaps, for at most [`DROP_BOUND`]. If requests remain, it aborts the
/// process rather than let the kernel write into memory that is about to
/// be freed: every ring here lives in a trial or probe child process, so an
/// abort is that trial's crash, reported as such. Then it unmaps the rings
/// and closes the fd.
///
/// Only a drop that gets this far (nothing in flight) releases the ring's
/// entries in the registry of lent memory ([`crate::lent`]).
///
/// # Leaks
/// `std::mem::forget` (or an `Rc` cycle) skips that drop: the ring stays
/// open, its requests keep their memory's addresses, and the `'buf` borrow
/// ends anyway, so safe code could free memory the kernel still writes.
/// That is caught where the memory is freed: every [`crate::IoBuf`] and
/// [`crate::IoCell`] an SQE was handed, every buffer pushed on a
/// [`crate::BufRing`] and every buffer registered through the safe calls
/// ([`Ring::register_buffers`], [`Ring::register_buffers_tagged`],
/// [`Ring::update_buffers`]) is recorded under the ring's id when the SQE
/// is written into the SQ (or the buffer pushed or registered), and the
/// drop of an `IoBuf`, an `IoCell` or a [`crate::Mapping`] whose memory
/// overlaps a range still recorded (or a `&mut [u8]` of such memory:
/// [`crate::Mapping::bytes`]) aborts the process, naming the ring:
/// the same policy as an abort here, rather than let the kernel write
/// freed memory. Leaking a ring is therefore safe, and so is leaking its
/// memory with it (`Box::leak`, [`crate::IoBufBox::leak`]); freeing the
/// memory afterwards is that trial's crash. Raw addresses (the unsafe
/// builders and register calls) are not tracked: their callers keep the
/// memory valid for `'buf` themselves.
///
/// A buffer must outlive the ring that was handed it:
/// ```compile_fail
/// let mut ring = uring::Ring::new(4).unwrap();
/// {
///     let buf = uring::IoBuf::new(8);
///     ring.push(&uring::Sqe::read(0, &buf, 0)); // error: `buf` does not live long enough
/// }
/// ```
/// ```
/// let buf = uring::IoBuf::new(8);
/// let mut ring = uring::Ring::new(4).unwrap();
/// ring.push(&uring::Sqe::read(0, &buf, 0));
/// ```
///
/// The ring is invariant in `'buf`: were it covariant, a `&Ring<'long>`
/// would coerce to `&Ring<'short>`, and the `&self` calls that lend
/// memory (registering buffers, a [`crate::BufRing`]) would take buffers
/// that are freed while the ring, and the kernel's registration, live on:
/// ```compile_fail,E0597
/// let ring = uring::Ring::new(4).unwrap();
/// {
///     let buf = uring::IoBuf::new(4096);
///     ring.register_buffers(&[&buf]).unwrap(); // error: `buf` does not live long enough
/// }
/// ```
/// ```compile_fail,E0597
/// let ring = uring::Ring::new(4).unwrap();
/// let buf = uring::IoBuf::new(4096);
/// let mut br = uring::BufRing::register(&ring, 0, 4, 0).unwrap();
/// br.push(&buf, 0); // error: `buf` does not live long enough (dropped before the ring)
/// ```
pub struct Ring<'buf> {
    /// None for a REGISTERED_FD_ONLY ring.
    fd: Option<OwnedFd>,
    /// With IORING_SETUP_REGISTERED_FD_ONLY or after `register_ring_fd`,
    /// the index used with IORING_ENTER_REGISTERED_RING.
    reg_index: Option<u32>,
    pub params: io_uring_params,
    sq_head: *const AtomicU32,
    sq_tail: *const AtomicU32,
    sq_flags: *const AtomicU32,
    sq_dropped: *const AtomicU32,
    sq_array: Option<*mut u32>,
    sq_mask: u32,
    sq_entries: u32,
    sqes: *mut u8,
    sqe_size: usize,
    /// Our copy of the tail: SQEs written but not yet published.
    sq_local_tail: u32,
    /// The tail as last published to the kernel.
    sq_published: u32,
    /// IORING_SETUP_SQ_REWIND: the kernel takes each submission from SQE 0
    /// and leaves the shared head and tail alone (0), so the ring counts
    /// what the kernel consumed here instead of reading the head, writes
    /// the next SQE at slot `sq_pending()`, and never stores the tail.
    rewind: bool,
    rewind_consumed: u32,
    cq_head: *const AtomicU32,
    cq_tail: *const AtomicU32,
    cq_overflow: *const AtomicU32,
    cq_flags: Option<*const AtomicU32>,
    cq_mask: u32,
    cq_entries: u32,
    cqes: *const u8,
    cqe_size: usize,
    _maps: Vec<Mapping>,
    /// Final CQEs taken (those without IORING_CQE_F_MORE; see
    /// [`Ring::maybe_in_flight`]).
    finals: u32,
    /// User_data of SQEs pushed (for cancelling by key on kernels without
    /// IORING_ASYNC_CANCEL_ANY), and SQEs pushed with
    /// IOSQE_CQE_SKIP_SUCCESS (their success posts no CQE, so the count
    /// may stay above the truth by that many).
    pushed_ud: std::collections::BTreeSet<u64>,
    skip_success: u32,
    /// Closed without cancelling ([`Ring::close_leaving_requests`]).
    leave_requests: bool,
    /// This ring's key in the registry of lent memory ([`crate::lent`]).
    lent_id: u64,
    /// Invariant in `'buf` (see the type's docs).
    _buf: PhantomData<fn(&'buf ()) -> &'buf ()>,
    /// A drained request can no longer be relied on here (see
    /// [`Ring::drain_usable`]).
    drain_unusable: bool,
}

// SAFETY: the ring's pointers point into mappings it owns; it is used
// from one thread at a time (&mut self for every change), so moving it to
// another thread is fine.
unsafe impl Send for Ring<'_> {}

/// How long a ring's drop cancels and reaps before it gives up (and aborts).
pub const DROP_BOUND: Duration = Duration::from_secs(20);

/// The user_data of the cancellations a ring's drop submits.
pub const DROP_CANCEL_UD: u64 = 0x6472_6f70_5f63_616e;

const PAGE: usize = 4096;

fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

impl<'buf> Ring<'buf> {
    /// The ring's file descriptor as a number, for an SQE field or a
    /// register argument that encodes it (-1 for a REGISTERED_FD_ONLY ring).
    pub fn fd(&self) -> i32 {
        self.fd.as_ref().map_or(-1, |f| f.as_raw_fd())
    }
    /// The ring's file descriptor (None for a REGISTERED_FD_ONLY ring).
    pub fn borrow_fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(|f| f.as_fd())
    }
    pub fn flags(&self) -> u32 {
        self.params.flags
    }
    pub fn features(&self) -> u32 {
        self.params.features
    }
    pub fn sq_entries(&self) -> u32 {
        self.sq_entries
    }
    pub fn cq_entries(&self) -> u32 {
        self.cq_entries
    }
    /// The registered-ring index, if enter uses one.
    pub fn registered_index(&self) -> Option<u32> {
        self.reg_index
    }
    /// This ring's key in the registry of lent memory ([`crate::lent`]):
    /// what the abort on freeing memory a leaked ring lent names.
    pub fn lent_id(&self) -> u64 {
        self.lent_id
    }

    // ------------------------------------------------------------ SQ

    fn sq_head(&self) -> u32 {
        if self.rewind {
            return self.rewind_consumed;
        }
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.sq_head).load(Ordering::Acquire) }
    }
    /// The SQ head and tail as the shared ring holds them (what the kernel
    /// wrote, what this ring published).
    pub fn sq_shared_head_tail(&self) -> (u32, u32) {
        // SAFETY: pointers into the live mapping.
        unsafe { ((*self.sq_head).load(Ordering::Acquire), (*self.sq_tail).load(Ordering::Acquire)) }
    }
    /// Writes `sqe` into SQ slot `slot` (masked), leaving the ring's own
    /// accounting alone: for cases that lay out the SQ themselves
    /// (IORING_SETUP_SQ_REWIND, where the kernel reads from slot 0) and
    /// then enter with a raw `to_submit`.
    pub fn write_sqe_at(&mut self, slot: u32, sqe: &Sqe<'buf>) {
        // Before the kernel can see the SQE: from here until the drop finds
        // nothing in flight, freeing this memory aborts (a leaked ring).
        crate::lent::record(self.lent_id, sqe.lent());
        if sqe.is_untracked() {
            crate::lent::record_untracked(self.lent_id);
        }
        let idx = slot & self.sq_mask;
        // SAFETY: idx < sq_entries; sqes holds sq_entries * sqe_size bytes.
        unsafe {
            let dst = self.sqes.add(idx as usize * self.sqe_size);
            std::ptr::copy_nonoverlapping(sqe.raw() as *const io_uring_sqe as *const u8, dst, 64);
            if self.sqe_size == 128 {
                std::ptr::copy_nonoverlapping(sqe.ext().as_ptr(), dst.add(64), 64);
            }
            if let Some(arr) = self.sq_array {
                *arr.add(idx as usize) = idx;
            }
        }
    }
    /// On an SQ_REWIND ring, counts `n` SQEs as consumed by a submission
    /// the case made itself with [`Ring::write_sqe_at`] and a raw enter
    /// (the quiet check's accounting: SQEs consumed minus final CQEs).
    pub fn rewind_consumed_by_hand(&mut self, n: u32) {
        if self.rewind {
            self.rewind_consumed = self.rewind_consumed.wrapping_add(n);
            self.sq_local_tail = self.sq_local_tail.wrapping_add(n);
            self.sq_published = self.sq_local_tail;
        }
    }
    /// Requests that may still be in flight, as far as the ring can tell:
    /// SQEs the kernel consumed minus final CQEs (those without
    /// IORING_CQE_F_MORE) taken. Completions that answer no SQE (MSG_RING
    /// targets, resource tags) make it undercount.
    pub fn maybe_in_flight(&self) -> i64 {
        self.sq_head().wrapping_sub(self.finals) as i32 as i64
    }

    /// Tells the ring that none of its requests is in flight any more,
    /// when it cannot see that itself (its CQEs were posted into rings
    /// that IORING_REGISTER_RESIZE_RINGS put in place of the ones it maps).
    ///
    /// # Safety
    /// Every request submitted on this ring has posted its last CQE (the
    /// caller saw them), so the kernel uses none of the ring's `'buf`
    /// memory any more: the drop will not wait.
    pub unsafe fn assume_nothing_in_flight(&mut self) {
        self.finals = self.sq_head();
        self.skip_success = 0;
    }

    /// SQ ring flags (IORING_SQ_NEED_WAKEUP, _CQ_OVERFLOW, _TASKRUN).
    pub fn sq_flags(&self) -> u32 {
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.sq_flags).load(Ordering::Acquire) }
    }
    /// Entries the kernel dropped as invalid (sq_off.dropped).
    pub fn sq_dropped(&self) -> u32 {
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.sq_dropped).load(Ordering::Acquire) }
    }
    /// SQEs written and not yet consumed by the kernel.
    pub fn sq_pending(&self) -> u32 {
        self.sq_local_tail.wrapping_sub(self.sq_head())
    }
    /// Free SQ slots.
    pub fn sq_space(&self) -> u32 {
        self.sq_entries - self.sq_pending()
    }

    /// Writes one SQE at the local tail (not yet visible to the kernel).
    /// Returns false when the SQ is full.
    pub fn push(&mut self, sqe: &Sqe<'buf>) -> bool {
        if self.sq_space() == 0 {
            return false;
        }
        // Under SQ_REWIND the pending SQEs sit at slots 0.. in order.
        let idx = if self.rewind { self.sq_pending() } else { self.sq_local_tail };
        self.write_sqe_at(idx, sqe);
        self.sq_local_tail = self.sq_local_tail.wrapping_add(1);
        self.pushed_ud.insert(sqe.raw().user_data);
        if posts_several_cqes(sqe.raw()) {
            // Drain accounting with requests that post more than one CQE
            // was wrong on older kernels (6.1 never starts a drained NOP
            // after a zero-copy send or a multishot poll): the quiet check
            // must not depend on it.
            self.drain_unusable = true;
        }
        if sqe.raw().flags & IOSQE_CQE_SKIP_SUCCESS != 0 {
            self.skip_success = self.skip_success.wrapping_add(1);
            // The kernel refuses IOSQE_IO_DRAIN on a ring that has used
            // CQE_SKIP_SUCCESS (io_init_req: ctx->drain_disabled), so the
            // ring cannot use a drained request here any more.
            self.drain_unusable = true;
        }
        true
    }

    /// Whether an IOSQE_IO_DRAIN request can still be relied on to start
    /// only after every earlier one completed: not after the kernel refused
    /// one, after CQE_SKIP_SUCCESS was used (the kernel's drain_disabled),
    /// or after a request that posts several CQEs or a CQ overflow, where
    /// older kernels' drain accounting is wrong
    /// ([`crate::sqe::posts_several_cqes`]).
    pub fn drain_usable(&self) -> bool {
        !self.drain_unusable
    }
    /// Records that drains cannot be relied on here any more (a drained
    /// request was refused, or the CQ overflowed).
    pub fn mark_drain_unusable(&mut self) {
        self.drain_unusable = true;
    }

    /// Takes back the last pushed SQE, if the kernel has not consumed it
    /// (a harness request whose submission was refused).
    pub fn unpush(&mut self) {
        if self.sq_pending() > 0 {
            self.sq_local_tail = self.sq_local_tail.wrapping_sub(1);
            self.publish();
            self.sq_published = self.sq_local_tail;
        }
    }

    /// Takes back every SQE the kernel has not consumed.
    fn unpush_all(&mut self) {
        let n = self.sq_pending();
        if n > self.sq_entries {
            // The shared head moved past our tail: another process sharing
            // the ring (forked) submitted; nothing of ours is pending.
            return;
        }
        for _ in 0..n {
            self.unpush();
        }
    }

    /// Pushes all of `sqes`, or none if they do not fit.
    pub fn push_all(&mut self, sqes: &[Sqe<'buf>]) -> Result<(), SqFull> {
        if (self.sq_space() as usize) < sqes.len() {
            return Err(SqFull { wanted: sqes.len(), free: self.sq_space() });
        }
        for s in sqes {
            self.push(s);
        }
        Ok(())
    }

    /// Publishes written SQEs to the kernel (release store of the tail)
    /// and returns how many this call published.
    pub fn publish(&mut self) -> u32 {
        if self.rewind {
            // The kernel ignores the tail, which must stay 0 (io_uring.h:
            // IORING_SETUP_SQ_REWIND); SQE writes are ordered before the
            // enter by the syscall itself.
            std::sync::atomic::fence(Ordering::Release);
        } else {
            // SAFETY: pointer into the live mapping.
            unsafe { (*self.sq_tail).store(self.sq_local_tail, Ordering::Release) };
        }
        let n = self.sq_local_tail.wrapping_sub(self.sq_published);
        self.sq_published = self.sq_local_tail;
        n
    }

    /// Raw `io_uring_enter` on this ring, adding REGISTERED_RING when the
    /// ring is used through its registered index.
    ///
    /// # Safety
    /// `arg` is null, or points to `argsz` bytes that the kernel may read
    /// (and, for the flags given, write) as the argument `flags` describe
    /// (a sigset, an `io_uring_getevents_arg`, a registered wait region
    /// offset), and that stay valid for the call; or it is an address the
    /// caller wants the kernel to reject (EFAULT), which nothing in user
    /// space dereferences.
    pub unsafe fn enter(&self, to_submit: u32, min_complete: u32, flags: u32, arg: *const libc::c_void, argsz: usize) -> Result<u32, Errno> {
        let (fd, extra) = match self.reg_index {
            Some(i) => (i as i32, IORING_ENTER_REGISTERED_RING),
            None => (self.fd(), 0),
        };
        // SAFETY: the caller's contract above.
        unsafe { io_uring_enter(fd, to_submit, min_complete, flags | extra, arg, argsz) }
    }

    /// `io_uring_enter` without an argument (flags that take none).
    pub fn enter_flags(&self, to_submit: u32, min_complete: u32, flags: u32) -> Result<u32, Errno> {
        // SAFETY: a null argument of size 0.
        unsafe { self.enter(to_submit, min_complete, flags, std::ptr::null(), 0) }
    }

    fn is_sqpoll(&self) -> bool {
        self.params.flags & IORING_SETUP_SQPOLL != 0
    }

    /// Submits what was pushed. Returns what io_uring_enter returned
    /// (the number of SQEs consumed), or the number published under SQPOLL
    /// when no syscall was needed.
    pub fn submit(&mut self) -> Result<u32, Errno> {
        self.submit_and_wait(0)
    }

    /// Submits and waits until at least `want` CQEs are in the CQ (no
    /// timeout: use [`Ring::wait_for`] where a bound is needed).
    pub fn submit_and_wait(&mut self, want: u32) -> Result<u32, Errno> {
        let new = self.publish();
        let mut flags = if want > 0 { IORING_ENTER_GETEVENTS } else { 0 };
        if self.is_sqpoll() {
            // The poller consumes the SQ; wake it if it went idle
            // (io_uring_setup(2), IORING_SETUP_SQPOLL).
            std::sync::atomic::fence(Ordering::SeqCst);
            if self.sq_flags() & IORING_SQ_NEED_WAKEUP != 0 {
                flags |= IORING_ENTER_SQ_WAKEUP;
            }
            if flags == 0 {
                return Ok(new);
            }
            // Under SQPOLL enter returns to_submit without submitting.
            return self.enter_flags(new, want, flags);
        }
        // Everything not yet consumed, including SQEs an earlier enter left
        // in the SQ after a submission error.
        let n = self.sq_pending();
        // DEFER_TASKRUN rings only post completions while the task waits
        // in GETEVENTS, so a plain submit also asks for them.
        if self.params.flags & IORING_SETUP_DEFER_TASKRUN != 0 {
            flags |= IORING_ENTER_GETEVENTS;
        }
        let consumed = self.enter_flags(n, want, flags)?;
        if self.rewind {
            self.rewound(consumed.min(n), n);
        }
        Ok(consumed)
    }

    /// After an SQ_REWIND submission consumed `c` of the `n` pending SQEs
    /// (slots 0..n): the kernel starts again at slot 0, so the SQEs it
    /// left move down to slot 0.
    fn rewound(&mut self, c: u32, n: u32) {
        if c > 0 && c < n {
            // SAFETY: slots c..n and 0..n-c lie inside the SQE array
            // (n <= sq_entries); copy handles the overlap.
            unsafe { std::ptr::copy(self.sqes.add(c as usize * self.sqe_size), self.sqes, (n - c) as usize * self.sqe_size) };
        }
        self.rewind_consumed = self.rewind_consumed.wrapping_add(c);
    }

    // ------------------------------------------------------------ CQ

    fn cq_head(&self) -> u32 {
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.cq_head).load(Ordering::Relaxed) }
    }
    fn cq_tail(&self) -> u32 {
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.cq_tail).load(Ordering::Acquire) }
    }
    /// CQEs ready in the CQ ring now.
    pub fn cq_ready(&self) -> u32 {
        self.cq_tail().wrapping_sub(self.cq_head())
    }
    /// The kernel's cq_off.overflow counter.
    pub fn cq_overflow(&self) -> u32 {
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.cq_overflow).load(Ordering::Acquire) }
    }
    /// cq_off.flags (IORING_CQ_EVENTFD_DISABLED), if the kernel has it.
    pub fn cq_flags(&self) -> Option<u32> {
        // SAFETY: pointer into the live mapping.
        self.cq_flags.map(|p| unsafe { (*p).load(Ordering::Acquire) })
    }
    pub fn set_cq_flags(&self, v: u32) {
        if let Some(p) = self.cq_flags {
            // SAFETY: pointer into the live mapping.
            unsafe { (*p).store(v, Ordering::Release) };
        }
    }

    /// Takes the next CQE if one is ready (no syscall). On a CQE_MIXED
    /// ring a 32-byte CQE (IORING_CQE_F_32) takes two slots.
    pub fn pop(&mut self) -> Option<Cqe> {
        let mut head = self.cq_head();
        if self.cq_tail() == head {
            return None;
        }
        let mut idx = (head & self.cq_mask) as usize;
        // On a CQE_MIXED ring a 32-byte CQE never wraps: the kernel pads
        // the last slot with a CQE flagged IORING_CQE_F_SKIP, which is ring
        // framing, not a completion (io_uring.h: "the application must
        // ignore this CQE").
        if self.params.flags & IORING_SETUP_CQE_MIXED != 0 {
            // SAFETY: idx < cq_entries; the CQ holds cq_entries * cqe_size bytes.
            let flags = unsafe { std::ptr::read_volatile(self.cqes.add(idx * self.cqe_size) as *const io_uring_cqe).flags };
            if flags & IORING_CQE_F_SKIP != 0 {
                head = head.wrapping_add(1);
                // SAFETY: pointer into the live mapping.
                unsafe { (*self.cq_head).store(head, Ordering::Release) };
                if self.cq_tail() == head {
                    return None;
                }
                idx = (head & self.cq_mask) as usize;
            }
        }
        // SAFETY: idx < cq_entries; the CQ holds cq_entries * cqe_size bytes.
        let (cqe, slots) = unsafe {
            let p = self.cqes.add(idx * self.cqe_size);
            let c = std::ptr::read_volatile(p as *const io_uring_cqe);
            let mixed_big = self.params.flags & IORING_SETUP_CQE_MIXED != 0 && c.flags & IORING_CQE_F_32 != 0;
            let big = if self.cqe_size == 32 || mixed_big { Some(std::ptr::read_volatile(p.add(16) as *const [u64; 2])) } else { None };
            (Cqe { user_data: c.user_data, res: c.res, flags: c.flags, big }, if mixed_big { 2 } else { 1 })
        };
        // SAFETY: pointer into the live mapping.
        unsafe { (*self.cq_head).store(head.wrapping_add(slots), Ordering::Release) };
        if cqe.flags & IORING_CQE_F_MORE == 0 {
            self.finals = self.finals.wrapping_add(1);
        }
        Some(cqe)
    }

    /// Waits until at least `want` CQEs are ready or `timeout` passes, then
    /// takes everything ready (possibly more than `want`, possibly fewer on
    /// timeout). Uses EXT_ARG timeouts where the kernel has them, else
    /// poll(2) on the ring fd.
    pub fn wait_for(&mut self, want: u32, timeout: Duration) -> Result<Vec<Cqe>, Errno> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        loop {
            while let Some(c) = self.pop() {
                out.push(c);
            }
            if out.len() as u32 >= want {
                return Ok(out);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(out);
            }
            let left = deadline - now;
            let need = want - out.len() as u32;
            match self.wait_raw(need, left) {
                Ok(()) | Err(Errno(libc::ETIME)) | Err(Errno(libc::EINTR)) | Err(Errno(libc::EAGAIN)) | Err(Errno(libc::EBUSY)) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes what is ready after flushing deferred work (a GETEVENTS enter
    /// with min_complete 0), without waiting.
    pub fn drain_ready(&mut self) -> Result<Vec<Cqe>, Errno> {
        let flags = IORING_ENTER_GETEVENTS | if self.is_sqpoll() && self.sq_flags() & IORING_SQ_NEED_WAKEUP != 0 { IORING_ENTER_SQ_WAKEUP } else { 0 };
        match self.enter_flags(0, 0, flags) {
            Ok(_) | Err(Errno(libc::EINTR)) | Err(Errno(libc::EBUSY)) | Err(Errno(libc::EAGAIN)) => {}
            Err(e) => return Err(e),
        }
        let mut out = Vec::new();
        while let Some(c) = self.pop() {
            out.push(c);
        }
        Ok(out)
    }

    /// One blocking wait for `need` more CQEs, bounded by `left`.
    fn wait_raw(&mut self, need: u32, left: Duration) -> Result<(), Errno> {
        let min = need;
        let sqpoll_wake = if self.is_sqpoll() && self.sq_flags() & IORING_SQ_NEED_WAKEUP != 0 { IORING_ENTER_SQ_WAKEUP } else { 0 };
        if self.params.features & IORING_FEAT_EXT_ARG != 0 {
            let ts = __kernel_timespec::from_duration(left);
            let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
            // SAFETY: arg and the timespec it points to live through the call.
            unsafe {
                self.enter(
                    0,
                    min,
                    IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | sqpoll_wake,
                    &arg as *const _ as *const libc::c_void,
                    std::mem::size_of::<io_uring_getevents_arg>(),
                )
            }?;
            return Ok(());
        }
        // Kernels before 5.11: poll the ring fd, then reap (a real fd:
        // registered-fd-only rings come with 6.5, which has EXT_ARG).
        if let Some(fd) = self.borrow_fd() {
            crate::poll::poll_in(fd, left.max(Duration::from_millis(1)))?;
        }
        self.enter_flags(0, 0, IORING_ENTER_GETEVENTS | sqpoll_wake)?;
        Ok(())
    }

    /// A GETEVENTS|EXT_ARG enter waiting for `min_complete` CQEs under
    /// `arg` (its timeout and min-wait); `extra` adds enter flags such as
    /// IORING_ENTER_ABS_TIMER. Returns what io_uring_enter returned.
    /// The pointers inside `arg` (its timespec) must be valid or null.
    pub fn enter_wait(&self, min_complete: u32, extra: u32, arg: &io_uring_getevents_arg) -> Result<u32, Errno> {
        // SAFETY: arg is a live reference of the size given; the kernel
        // checks the addresses inside it (EFAULT).
        unsafe {
            self.enter(
                0,
                min_complete,
                IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | extra,
                arg as *const _ as *const libc::c_void,
                std::mem::size_of::<io_uring_getevents_arg>(),
            )
        }
    }
}

impl Ring<'_> {
    /// Whether the ring's count may be above the truth: a success of an
    /// IOSQE_CQE_SKIP_SUCCESS request posts nothing, the kernel dropped
    /// CQEs (a CQ overflow without NODROP) or invalid SQ entries.
    fn count_slack(&self) -> i64 {
        self.skip_success as i64 + self.cq_overflow() as i64 + self.sq_dropped() as i64
    }

    /// The drop's wait: cancels every request and reaps until the ring's
    /// count says none is in flight. Returns false if it could not tell
    /// within [`DROP_BOUND`].
    fn cancel_and_reap(&mut self) -> bool {
        let deadline = Instant::now() + DROP_BOUND;
        let mut next_cancel = Instant::now();
        // Whether the kernel has IORING_ASYNC_CANCEL_ANY (5.19): assumed
        // until a cancellation with it is refused.
        let mut any = true;
        // Whether IORING_REGISTER_SYNC_CANCEL works here: assumed until
        // refused.
        let mut sync = true;
        // The kernel found nothing left to cancel (every cancellation of
        // the last round answered -ENOENT): with the count's slack only,
        // that is all there is.
        let mut nothing_found = false;
        let (mut outstanding, mut found) = (0usize, false);
        // CQEs the last wait took, looked at with the next flush's.
        let mut waited: Vec<Cqe> = Vec::new();
        // Where the next round of cancellations by user_data starts: a
        // small SQ takes only some keys per round, and every round must
        // not cancel the same first ones (the one still in flight may be
        // the last pushed).
        let mut cursor = 0usize;
        loop {
            match self.drain_ready() {
                // A disabled ring (R_DISABLED, never enabled) runs nothing.
                Err(Errno(libc::EBADFD)) => return true,
                Ok(cqes) => {
                    for c in std::mem::take(&mut waited).into_iter().chain(cqes) {
                        if c.user_data == DROP_CANCEL_UD {
                            if c.res == -libc::EINVAL && any {
                                any = false;
                                next_cancel = Instant::now();
                            }
                            // With IORING_ASYNC_CANCEL_ALL the result is the
                            // count (0 or -ENOENT: none); by key, 0 is one
                            // cancelled.
                            found |= if any { c.res > 0 || c.res == -libc::EALREADY } else { c.res != -libc::ENOENT };
                            outstanding = outstanding.saturating_sub(1);
                            if outstanding == 0 {
                                nothing_found = !found;
                            }
                        }
                    }
                }
                Err(_) => {}
            }
            let pending = if self.is_sqpoll() { self.sq_pending() as i64 } else { 0 };
            let left = self.maybe_in_flight() + pending;
            if left <= 0 || (nothing_found && left <= self.count_slack()) {
                return true;
            }
            if Instant::now() >= deadline {
                eprintln!(
                    "uring: drop: {left} in flight by the count (slack {}), last cancellation round found {}, ASYNC_CANCEL_ANY {}, {} SQEs pending, flags {:#x}",
                    self.count_slack(),
                    if nothing_found { "nothing" } else { "something or is unanswered" },
                    if any { "used" } else { "refused" },
                    self.sq_pending(),
                    self.params.flags
                );
                return false;
            }
            if Instant::now() >= next_cancel && sync {
                // IORING_REGISTER_SYNC_CANCEL (6.0) first: a register call,
                // so it is not queued behind a drained request the way an
                // ASYNC_CANCEL SQE is (a drain waiting for a pending read
                // holds every later SQE back).
                let reg = crate::sqe::CancelKey::any().all().sync_reg(__kernel_timespec { tv_sec: 0, tv_nsec: 50_000_000 });
                match self.sync_cancel(&reg) {
                    Ok(n) => nothing_found = n == 0,
                    Err(Errno(libc::ENOENT)) => nothing_found = true,
                    Err(Errno(libc::ETIME)) | Err(Errno(libc::EALREADY)) | Err(Errno(libc::EINTR)) => nothing_found = false,
                    // Not there (before 6.0), or refused here: the SQE.
                    Err(_) => sync = false,
                }
                next_cancel = Instant::now() + Duration::from_millis(50);
            }
            if Instant::now() >= next_cancel && !sync && self.sq_pending() == 0 {
                nothing_found = false;
                let keys: Vec<Sqe<'static>> = if any {
                    vec![crate::sqe::CancelKey::any().all().sqe()]
                } else {
                    self.pushed_ud.iter().filter(|&&ud| ud != DROP_CANCEL_UD).map(|&ud| Sqe::cancel(ud, 0)).collect()
                };
                let n = keys.len().min(self.sq_space() as usize);
                for i in 0..n {
                    self.push(&keys[(cursor + i) % keys.len()].user_data(DROP_CANCEL_UD));
                }
                cursor = cursor.wrapping_add(n);
                (outstanding, found) = (n, false);
                if self.submit().is_err() {
                    self.unpush_all();
                    outstanding = 0;
                }
                next_cancel = Instant::now() + Duration::from_millis(50);
            }
            waited = self.wait_for(1, Duration::from_millis(10)).unwrap_or_default();
        }
    }
}

impl Ring<'static> {
    /// Closes the ring without cancelling its requests first: the kernel
    /// cancels them itself in its ring teardown, asynchronously (what cases
    /// about closing a ring with requests in flight test). Only for a ring
    /// whose memory lives for the rest of the process (`'static`: leaked
    /// or static), since the kernel may use it after this returns.
    pub fn close_leaving_requests(mut self) {
        self.leave_requests = true;
    }
}

impl Drop for Ring<'_> {
    fn drop(&mut self) {
        if self.leave_requests {
            // 'static memory only (close_leaving_requests).
        } else if !self.is_sqpoll() {
            // Never submitted: the kernel will not see them.
            self.unpush_all();
        }
        // Only memory the kernel may write makes the drop wait: a ring
        // that lent none (NOPs, timeouts, polls, WRITEs and SENDs of
        // borrowed bytes) is closed with whatever is in flight, and the
        // kernel's own ring exit ends it. A request the kernel holds and
        // cannot cancel (a leaked one, on a deviating kernel) then costs
        // nothing; on a ring that lent writable memory it costs the abort.
        let writable = crate::lent::holds_writable(self.lent_id);
        if !self.leave_requests && writable && (self.maybe_in_flight() > 0 || (self.is_sqpoll() && self.sq_pending() > 0)) {
            // Unpublished SQEs never reach the kernel of a plain ring once
            // it is closed; under SQPOLL the poller may still take them.
            if !self.cancel_and_reap() {
                eprintln!(
                    "uring: a ring dropped with {} request(s) still in flight after cancelling for {DROP_BOUND:?}: aborting rather than let the kernel use freed memory\n{}",
                    self.maybe_in_flight(),
                    std::backtrace::Backtrace::force_capture()
                );
                std::process::abort();
            }
        }
        // Nothing of this ring is in flight (or, closed leaving requests,
        // its memory is 'static and never freed): its memory may be freed.
        crate::lent::release(self.lent_id);
        if self.fd.is_none() {
            if let Some(i) = self.reg_index {
                // A REGISTERED_FD_ONLY ring lives until its index is unregistered.
                let up = io_uring_rsrc_update { offset: i, resv: 0, data: 0 };
                // SAFETY: one valid rsrc_update; the fd argument is the index.
                unsafe {
                    let _ = io_uring_register(i as i32, IORING_UNREGISTER_RING_FDS | IORING_REGISTER_USE_REGISTERED_RING, &up as *const _ as *mut _, 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel that takes setup bit 14 but does not build its rings in
    /// the memory given (the fused-command series V6 has FUSED_REQ there)
    /// leaves that memory zeroed: the ring is refused, naming the field,
    /// instead of being used with a zero mask.
    #[test]
    fn rings_not_built_in_the_given_memory_are_refused() {
        let mut p = io_uring_params { sq_entries: 4, cq_entries: 8, flags: IORING_SETUP_NO_MMAP, ..Default::default() };
        p.sq_off = io_sqring_offsets { head: 0, tail: 4, ring_mask: 16, ring_entries: 24, flags: 36, dropped: 32, array: 256, ..Default::default() };
        p.cq_off = io_cqring_offsets { head: 8, tail: 12, ring_mask: 20, ring_entries: 28, overflow: 44, cqes: 64, flags: 40, ..Default::default() };
        let maps = vec![Mapping::anon(8192).unwrap(), Mapping::anon(4096).unwrap()];
        let e = Ring::map(None, None, p, p.flags, maps).err().expect("refused");
        let msg = e.to_string();
        assert!(msg.contains("ring_entries/ring_mask read 0/0") && msg.contains("IORING_SETUP_NO_MMAP"), "{msg}");
    }

    /// A ring dropped with a read pending on a pipe cancels it and waits
    /// for its CQE: data written to the pipe afterwards never reaches the
    /// buffer, which outlives the ring.
    #[test]
    fn drop_cancels_what_is_in_flight() {
        let (rx, tx) = rustix::pipe::pipe().unwrap();
        let buf = crate::IoBuf::new(4);
        {
            let mut ring = Ring::new(4).unwrap();
            ring.push(&Sqe::read(std::os::fd::AsRawFd::as_raw_fd(&rx), &buf, u64::MAX).user_data(1));
            assert_eq!(ring.submit(), Ok(1));
            assert_eq!(ring.maybe_in_flight(), 1);
        }
        rustix::io::write(&tx, b"late").unwrap();
        assert_eq!(buf.to_vec(), [0; 4]);
        let mut back = [0u8; 4];
        assert_eq!(rustix::io::read(&rx, &mut back).unwrap(), 4, "the bytes stayed in the pipe");
    }

    /// What makes a drop wait: memory the kernel writes, lent through an
    /// IoBuf or IoCell, or any SQE an unsafe path built. A poll lends
    /// nothing, so a ring with only a poll in flight is closed as it is
    /// (a request the kernel cannot cancel costs no abort there).
    #[test]
    fn only_writable_memory_makes_the_drop_wait() {
        let (rx, _tx) = rustix::pipe::pipe().unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&rx);
        let buf = crate::IoBuf::new(4);
        let mut ring = Ring::new(4).unwrap();
        ring.push(&Sqe::poll_add(fd, libc::POLLIN as u32).user_data(1));
        assert_eq!(ring.submit(), Ok(1));
        assert!(!crate::lent::holds_writable(ring.lent_id()), "a poll lends nothing");
        drop(ring);

        let mut ring = Ring::new(4).unwrap();
        ring.push(&Sqe::read(fd, &buf, u64::MAX).user_data(1));
        assert!(crate::lent::holds_writable(ring.lent_id()), "a READ lends its buffer");
        drop(ring);

        let mut ring = Ring::new(4).unwrap();
        let mut s = Sqe::nop();
        // SAFETY: nothing is changed; only marks the SQE as built unsafely.
        let _ = unsafe { s.raw_mut() };
        ring.push(&s);
        assert!(crate::lent::holds_writable(ring.lent_id()), "an SQE an unsafe path touched");
        drop(ring);
    }

    /// Offsets past the region given are refused before any pointer is
    /// formed from them.
    #[test]
    fn offsets_outside_the_region_are_refused() {
        let mut p = io_uring_params { sq_entries: 4, cq_entries: 8, flags: IORING_SETUP_NO_MMAP, ..Default::default() };
        p.cq_off.cqes = 1 << 20;
        let maps = vec![Mapping::anon(8192).unwrap(), Mapping::anon(4096).unwrap()];
        let msg = Ring::map(None, None, p, p.flags, maps).err().expect("refused").to_string();
        assert!(msg.contains("the region given has 8192"), "{msg}");
    }
}
