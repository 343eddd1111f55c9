//! Allocation failures, injected: the ENOMEM, EAGAIN, EOVERFLOW and EBADR
//! results the pages document for "the kernel could not allocate", reached
//! deterministically with the kernel's fault injection
//! (Documentation/fault-injection/fault-injection.rst).
//!
//! A thread that writes N to `/proc/thread-self/fail-nth` makes the N-th
//! fault-injection check of its own thread fail, once (failslab for slab
//! allocations, fail_page_alloc for pages; the VM's init lets both fail
//! sleeping allocations, `ignore-gfp-wait` N). Each case sweeps N = 1, 2, ...
//! over one syscall (io_uring_setup or io_uring_enter), armed right before
//! it and read back right after it: a counter left nonzero means the
//! syscall made fewer than N checks, and the sweep ends with that run,
//! which must then be the plain success. Every injected run must give
//! exactly a documented result: the claim's error, or success where the
//! kernel absorbs the failure with a fallback. The requests complete
//! inline in the submitting thread (no io-wq, no SQPOLL), so which
//! allocation the N-th check is does not depend on timing. After each run
//! the ring must be consistent: exactly the CQEs the outcome implies,
//! nothing extra, and a next request that works.
//!
//! Fallbacks that absorb a single failure (io_uring/ in 6.12):
//! - requests: `__io_alloc_req_refill` tries `kmem_cache_alloc_bulk`, then
//!   one `kmem_cache_alloc`; only both failing gives EAGAIN at enter, which
//!   fail-nth (one failure) cannot do, so `enter-eagain-no-request` uses
//!   failslab's task-filtered `times` knob instead (two failures);
//! - setup: `io_alloc_hash_table` retries with fewer hash bits,
//!   `io_pages_map` falls back from one compound allocation to single
//!   pages, `kvmalloc` falls back from kmalloc to vmalloc;
//! - provided buffers: `io_add_buffers` answers ENOMEM only when no buffer
//!   was added (a single buffer here, so never partial).
//!
//! The trials are serial: run alone, other processes do not change the
//! slab state between two runs of a sweep (see [`RETRIES`]).
//!
//! Requires env.fault_inject (a kernel with CONFIG_FAULT_INJECTION and
//! CONFIG_FAILSLAB, debugfs, root): an environment skip elsewhere.

use crate::prelude::*;
use oracle::{CaseError, Ctx};
use std::fs::File;
use std::os::unix::fs::FileExt;

/// More runs than any of these syscalls makes allocation checks.
const MAX_SWEEP: u32 = 400;

/// The calling thread's `/proc/thread-self/fail-nth`, opened once before
/// any run (opening it inside the window would allocate). Used only from
/// the thread that opened it (the kernel refuses other threads: EPERM).
struct FailNth {
    file: File,
    armed: std::cell::Cell<u32>,
    /// Whether a run that gave the case's result was judged counted.
    hit_judged: std::cell::Cell<bool>,
}

impl FailNth {
    fn open() -> Result<FailNth, CaseError> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .map_err(|e| CaseError::Error(format!("fixture: /proc/thread-self/fail-nth: {e}")))?;
        Ok(FailNth { file, armed: std::cell::Cell::new(0), hit_judged: std::cell::Cell::new(false) })
    }

    fn write(&self, n: u32) -> CaseResult {
        let s = n.to_string();
        match self.file.write_at(s.as_bytes(), 0) {
            Ok(k) if k == s.len() => Ok(()),
            r => Err(CaseError::Error(format!("fixture: writing {n} to fail-nth: {r:?}"))),
        }
    }

    /// The `n`-th fault-injection check of this thread from now fails (0:
    /// none does: a warm-up run).
    fn arm(&self, n: u32) -> CaseResult {
        self.armed.set(n);
        self.write(n)
    }

    /// From here to the guard's drop, the run's checks are counted by the
    /// mutation mode if this is the warm-up or the first run that gave the
    /// case's result (`hit`), and made uncounted otherwise: a trial makes
    /// the same number of counted comparisons however long its sweeps are
    /// (see [`oracle::mutation::counting`]).
    fn judge(&self, hit: bool) -> oracle::mutation::Counting {
        let first_hit = hit && !self.hit_judged.replace(true);
        oracle::mutation::count(self.armed.get() == 0 || first_hit)
    }

    /// Disarms; whether the armed failure happened (the counter ran out).
    fn disarm(&self) -> Result<bool, CaseError> {
        let mut buf = [0u8; 24];
        let k = self.file.read_at(&mut buf, 0).map_err(|e| CaseError::Error(format!("fixture: reading fail-nth: {e}")))?;
        self.write(0)?;
        let left: u32 = std::str::from_utf8(&buf[..k])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| CaseError::Error(format!("fixture: fail-nth reads {:?}", String::from_utf8_lossy(&buf[..k]))))?;
        Ok(self.armed.get() > 0 && left == 0)
    }
}

/// One injected run: whether its armed failure happened, and whether it
/// gave the result the case is after (the claim's error).
struct Run {
    reached: bool,
    hit: bool,
}

/// Sweeps over the end of the allocations this many times when a run does
/// not reach its armed failure: how many checks a syscall makes varies by
/// one or two between runs (an allocation that finds its slab empty also
/// allocates a page, which fail_page_alloc counts), so one short run does
/// not end the sweep.
const RETRIES: u32 = 3;

/// Whole sweeps made until one gives the case's result (the check counts
/// vary between runs, so one sweep can step over the allocation whose
/// failure gives it).
const PASSES: u32 = 4;

/// Runs `one(n, fail)` for a warm-up (n = 0: nothing fails; the code and
/// stack pages of the window are then resident, so no page fault inside a
/// later window allocates), then for n = 1, 2, ... until the armed failure
/// is not reached in [`RETRIES`] runs in a row; again, up to [`PASSES`]
/// sweeps, until a run gave the case's result. `one` prepares, arms right
/// before its syscall, disarms right after, judges every outcome, and says
/// what happened. Returns how many runs gave the case's result.
fn sweep(mut one: impl FnMut(u32, &FailNth) -> Result<Run, CaseError>) -> Result<u32, CaseError> {
    let fail = FailNth::open()?;
    one(0, &fail)?;
    let mut hits = 0;
    for _ in 0..PASSES {
        let (mut n, mut misses) = (1, 0);
        while misses < RETRIES {
            if n > MAX_SWEEP {
                return Err(CaseError::Error(format!("fault injection: the syscall still reached its {MAX_SWEEP}th allocation check")));
            }
            let r = oracle::mutation::counting(false, || one(n, &fail))?;
            hits += r.hit as u32;
            if r.reached {
                (n, misses) = (n + 1, 0);
            } else {
                note(n, "not reached");
                misses += 1;
            }
        }
        note(n, "end of sweep");
        if hits > 0 {
            break;
        }
    }
    Ok(hits)
}

/// What each run of the sweep gave, for the messages (and, with
/// URING_CONFORM_FAULTS_TRACE=1 in the environment, e.g. on the VM's
/// kernel command line, as the failure of every sweep: how a kernel's
/// allocations answered, run by run).
static TRACE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn note(n: u32, what: &str) {
    if n > 0 {
        TRACE.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{n}: {what}"));
    }
}

fn traced() -> String {
    TRACE.lock().unwrap_or_else(|e| e.into_inner()).join(", ")
}

/// The end of a sweep case: its trace as a failure where asked for.
fn done() -> CaseResult {
    if std::env::var("URING_CONFORM_FAULTS_TRACE").is_ok_and(|v| v == "1") {
        return Err(CaseError::Fail(format!("trace (URING_CONFORM_FAULTS_TRACE=1): {}", traced())));
    }
    Ok(())
}

/// Submits what is pushed with fail-nth armed at `n`: exactly the
/// io_uring_enter syscall inside the window. Returns enter's result and
/// whether the failure was reached.
fn enter_armed(r: &mut CheckedRing, fail: &FailNth, n: u32) -> Result<(Result<u32, Errno>, bool), CaseError> {
    let k = r.publish();
    let pending = r.sq_pending();
    check_eq!(k, pending, "SQEs published for the armed enter");
    fail.arm(n)?;
    let got = r.enter_flags(pending, 0, 0);
    let reached = fail.disarm()?;
    Ok((got, reached))
}

/// `want` CQEs already in the CQ, taken without a syscall (a wait would
/// answer EBADR while a dropped CQE is unreported), compared in order.
fn pop_expect(r: &mut CheckedRing, want: &[Want]) -> CaseResult {
    let mut got = Vec::new();
    while let Some(c) = r.pop() {
        got.push(c);
    }
    check_cqes(&got, want)
}

/// A NOP on `r` completes with 0 and nothing else arrives: the ring works.
fn still_works(r: &mut CheckedRing, ud: u64) -> CaseResult {
    r.run_expect(&[Sqe::nop().user_data(ud)], &[cqe(ud, 0)])?;
    Ok(())
}

/// A CQ with 8 slots (a 4-entry ring) filled by NOPs 1..=8, nothing reaped.
fn full_ring<'buf>(b: RingBuilder, cx: &Ctx) -> Result<CheckedRing<'buf>, CaseError> {
    let mut r = cx.build(b)?;
    check_eq!(r.cq_entries(), 8, "CQ slots of a 4-entry ring");
    for chunk in [[1u64, 2, 3, 4], [5, 6, 7, 8]] {
        let sqes: Vec<Sqe> = chunk.iter().map(|&u| Sqe::nop().user_data(u)).collect();
        r.submit_all(&sqes)?;
    }
    if r.flags() & IORING_SETUP_DEFER_TASKRUN != 0 {
        // NOP completions were posted inline by the submit itself.
        r.enter_flags(0, 0, IORING_ENTER_GETEVENTS).map_err(|e| CaseError::Fail(format!("GETEVENTS on a full CQ: {e}")))?;
    }
    check_eq!(r.cq_ready(), 8, "CQEs in the filled CQ");
    Ok(r)
}

fn nop_cqes(from: u64, to: u64) -> Vec<Want> {
    (from..=to).map(|u| cqe(u, 0)).collect()
}

/// After a CQE was dropped (the overflow entry could not be allocated) and
/// the CQ was emptied: a wait answers EBADR once (io_cqring_wait:
/// IO_CHECK_CQ_DROPPED_BIT; io_uring_enter clears the bit after
/// reporting it), then the ring is quiet and works.
fn ebadr_once(r: &mut CheckedRing, ud: u64) -> CaseResult {
    let ts = __kernel_timespec::from_duration(oracle::prompt());
    let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
    check_errno!(r.enter_wait(1, 0, &arg), libc::EBADR, "a wait with a dropped CQE unreported and none ready");
    r.expect_none()?;
    still_works(r, ud)
}

case! {
    id: "faults/setup-enomem-sweep",
    summary: "io_uring_setup with any one of its allocations failed (fail-nth 1, 2, ...) fails with ENOMEM or, where the kernel falls back, succeeds with a working ring; at least one gives ENOMEM; a ring made afterwards works",
    requires: [OpNop, EnvFaultInject],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_setup(2) ERRORS: ENOMEM",
        "io_uring/io_uring.c io_uring_create, io_ring_ctx_alloc, io_allocate_scq_urings; io_uring/memmap.c io_pages_map (single-page fallback)",
        "claim:setup.errors.ENOMEM"
    ],
    serial: true,
    run: |_cx| {
        // The task context (tctx, io-wq) comes with the first ring of a
        // thread: made here, so every run of the sweep allocates the same.
        let mut first = CheckedRing::new(4)?;
        still_works(&mut first, 1)?;
        let mut absorbed = Vec::new();
        let enomem = sweep(|n, fail| {
            let mut p = io_uring_params::default();
            fail.arm(n)?;
            // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is handed to the kernel.
            let got = unsafe { io_uring_setup(4, &mut p) };
            let reached = fail.disarm()?;
            check!(reached || got.is_ok(), "io_uring_setup with no allocation failed (fail-nth {n} not reached): {got:?}");
            let hit = got.is_err();
            let _judge = fail.judge(hit);
            match got {
                Ok(fd) => {
                    note(n, "fd");
                    if reached {
                        absorbed.push(n);
                    }
                    let mut r = CheckedRing::adopt(
                        // SAFETY: io_uring_setup just returned fd; nothing else owns it.
                        unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) },
                        p,
                    ).map_err(|e| CaseError::Fail(format!("mapping the ring set up with check {n} failed: {e}")))?;
                    still_works(&mut r, 2)?;
                }
                Err(e) => {
                    check_eq!(e, Errno(libc::ENOMEM), "io_uring_setup with its allocation check {n} failed");
                    note(n, "ENOMEM");
                    let mut r = CheckedRing::new(4)?;
                    still_works(&mut r, 3)?;
                }
            }
            Ok(Run { reached, hit })
        })?;
        check!(enomem > 0, "no injected allocation failure made io_uring_setup fail with ENOMEM (absorbed: {absorbed:?}; runs: {})", traced());
        still_works(&mut first, 4)?;
        done()
    },
}

case! {
    id: "faults/enter-request-alloc-absorbed",
    summary: "an enter submitting a NOP on a fresh ring with any one allocation failed (fail-nth) still submits it: the request allocation falls back from the bulk to a single allocation, so one failure never gives EAGAIN",
    requires: [OpNop, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_enter(2) ERRORS: EAGAIN",
        "io_uring/io_uring.c __io_alloc_req_refill: kmem_cache_alloc_bulk, then one kmem_cache_alloc (\"retry single alloc to be on the safe side\")"
    ],
    serial: true,
    run: |cx| {
        let hit = sweep(|n, fail| {
            // A fresh ring: its request cache is empty, so the enter allocates.
            let mut r = cx.ring_sized(4)?;
            r.push(&Sqe::nop().user_data(1));
            let (got, reached) = enter_armed(&mut r, fail, n)?;
            let _judge = fail.judge(reached);
            check!(matches!(got, Ok(1)), "enter submitting one NOP with allocation check {n} failed: {got:?} (want 1)");
            note(n, &format!("{got:?}"));
            r.expect(&[cqe(1, 0)])?;
            still_works(&mut r, 2)?;
            Ok(Run { reached, hit: reached })
        })?;
        check!(hit > 0, "the enter reached no allocation check (runs: {})", traced());
        done()
    },
}

/// failslab's global knobs, set so that the next `times` slab allocations
/// of a task with make-it-fail fail (task-filter Y: no other task is
/// touched), and restored when dropped. The case that uses it is serial;
/// an flock on the failslab directory also keeps two mutation runs apart.
struct FailslabBurst {
    _lock: File,
    saved: Vec<(&'static str, String)>,
}

const FAILSLAB: &str = "/sys/kernel/debug/failslab";

fn knob_write(name: &str, v: &str) -> CaseResult {
    std::fs::write(format!("{FAILSLAB}/{name}"), v).map_err(|e| CaseError::Error(format!("fixture: {FAILSLAB}/{name} = {v}: {e}")))
}

fn knob_read(name: &str) -> Result<String, CaseError> {
    std::fs::read_to_string(format!("{FAILSLAB}/{name}"))
        .map(|s| s.trim().to_string())
        .map_err(|e| CaseError::Error(format!("fixture: reading {FAILSLAB}/{name}: {e}")))
}

impl FailslabBurst {
    fn arm(times: u32) -> Result<FailslabBurst, CaseError> {
        let lock = File::open(FAILSLAB).map_err(|e| CaseError::Error(format!("fixture: {FAILSLAB}: {e}")))?;
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).map_err(|e| CaseError::Error(format!("fixture: flock {FAILSLAB}: {e}")))?;
        // The filter first, the probability last: no moment where every
        // task's allocations could fail.
        let order = ["task-filter", "verbose", "space", "interval", "times", "probability"];
        let mut saved = Vec::new();
        for k in order {
            saved.push((k, knob_read(k)?));
        }
        let b = FailslabBurst { _lock: lock, saved };
        let times = times.to_string();
        for (k, v) in [("task-filter", "Y"), ("verbose", "0"), ("space", "0"), ("interval", "1"), ("times", times.as_str()), ("probability", "100")] {
            knob_write(k, v)?;
        }
        Ok(b)
    }
}

impl Drop for FailslabBurst {
    fn drop(&mut self) {
        for (k, v) in self.saved.iter().rev() {
            let _ = knob_write(k, v);
        }
    }
}

case! {
    id: "faults/enter-eagain-no-request",
    summary: "when both request allocations of an enter fail (bulk, then single: failslab times 2 for this thread), enter fails with EAGAIN, consumes no SQE and posts nothing; the same SQE submits once memory is back",
    requires: [OpNop, EnvFaultInject, EnvRoot],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_enter(2) ERRORS: EAGAIN",
        "io_uring/io_uring.c io_submit_sqes: nothing submitted and the request cache empty gives -EAGAIN; __io_alloc_req_refill",
        "Documentation/fault-injection/fault-injection.rst: task-filter, times, /proc/<pid>/make-it-fail",
        "claim:enter.errors.EAGAIN"
    ],
    serial: true,
    run: |cx| {
        let mut r = cx.ring_sized(4)?;
        r.push(&Sqe::nop().user_data(1));
        r.publish();
        let make_it_fail = std::fs::OpenOptions::new()
            .write(true)
            .open("/proc/thread-self/make-it-fail")
            .map_err(|e| CaseError::Error(format!("fixture: /proc/thread-self/make-it-fail: {e}")))?;
        let (got, left) = {
            let burst = FailslabBurst::arm(2)?;
            make_it_fail.write_at(b"1", 0).map_err(|e| CaseError::Error(format!("fixture: make-it-fail: {e}")))?;
            let got = r.enter_flags(1, 0, 0);
            let off = make_it_fail.write_at(b"0", 0);
            let left = knob_read("times");
            drop(burst);
            off.map_err(|e| CaseError::Error(format!("fixture: make-it-fail back to 0: {e}")))?;
            (got, left?)
        };
        check_errno!(got, libc::EAGAIN, "enter whose two request allocations failed");
        check_eq!(left.as_str(), "0", "failslab failures left unused (both were to be the request allocations)");
        check_eq!(r.sq_pending(), 1, "SQEs left in the SQ after EAGAIN");
        r.expect_none()?;
        check!(matches!(r.enter_flags(1, 0, 0), Ok(1)), "the same SQE submitted again");
        r.expect(&[cqe(1, 0)])?;
        still_works(&mut r, 2)
    },
}

case! {
    id: "faults/overflow-entry-dropped-ebadr",
    summary: "a NOP completing into a full CQ whose overflow entry cannot be allocated (fail-nth) is dropped: cq overflow counts 1, no backlog flag, and with the CQ emptied a wait fails with EBADR once; other injected runs keep the CQE in the backlog",
    requires: [OpNop, FeatNodrop, FeatExtArg, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_enter(2) ERRORS: EBADR",
        "io_uring_setup(2) IORING_FEAT_NODROP: an increase in the overflow value when the kernel has no memory for the backlog",
        "io_uring/io_uring.c io_cqring_event_overflow: kmalloc failure sets IO_CHECK_CQ_DROPPED_BIT; io_cqring_wait; io_uring_enter clears it after -EBADR",
        "claim:enter.errors.EBADR-dropped"
    ],
    serial: true,
    run: |cx| {
        let dropped = sweep(|n, fail| {
            let mut r = full_ring(cx.builder(4), cx)?;
            r.push(&Sqe::nop().user_data(100));
            let (got, reached) = enter_armed(&mut r, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting a NOP into a full CQ, allocation check {n} failed: {got:?}");
            let hit = r.cq_overflow() != 0;
            let _judge = fail.judge(hit);
            if hit {
                note(n, "dropped");
                check!(reached, "a CQE was dropped with no allocation failed (check {n} not reached)");
                check_eq!(r.cq_overflow(), 1, "cq overflow counter after one dropped CQE");
                check_eq!(r.sq_flags() & IORING_SQ_CQ_OVERFLOW, 0, "IORING_SQ_CQ_OVERFLOW with the only overflowing CQE dropped");
                pop_expect(&mut r, &nop_cqes(1, 8))?;
                ebadr_once(&mut r, 101)?;
            } else {
                note(n, "kept");
                let mut want = nop_cqes(1, 8);
                want.push(cqe(100, 0));
                r.expect(&want)?;
                still_works(&mut r, 101)?;
            }
            Ok(Run { reached, hit })
        })?;
        check!(dropped > 0, "no injected allocation failure dropped the overflowing CQE (runs: {})", traced());
        done()
    },
}

case! {
    id: "faults/msg-ring-target-overflow-eoverflow",
    summary: "MSG_RING into a full CQ whose overflow entry cannot be allocated (fail-nth) completes with -EOVERFLOW and the target drops the message (its overflow counter 1, EBADR once); other injected runs deliver it after the target's backlog",
    requires: [OpNop, OpMsgRing, FeatNodrop, FeatExtArg, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_prep_msg_ring(3) ERRORS: EOVERFLOW",
        "io_uring/msg_ring.c io_msg_ring_data: io_post_aux_cqe failing gives -EOVERFLOW; io_uring/io_uring.c io_cqring_event_overflow",
        "claim:prep.msg-ring.EOVERFLOW"
    ],
    serial: true,
    run: |cx| {
        let eoverflow = sweep(|n, fail| {
            // The target posts from the sender's task: a plain ring.
            let mut target = full_ring(RingBuilder::new(4), cx)?;
            let mut src = cx.ring_sized(4)?;
            src.push(&Sqe::msg_ring_data(target.fd(), 0x77, 0x99).user_data(1));
            let (got, reached) = enter_armed(&mut src, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting MSG_RING, allocation check {n} failed: {got:?}");
            let hit = target.cq_overflow() != 0;
            let _judge = fail.judge(hit);
            if hit {
                note(n, "EOVERFLOW");
                check!(reached, "a message dropped with no allocation failed (check {n} not reached)");
                src.expect(&[cqe(1, -libc::EOVERFLOW)])?;
                check_eq!(target.cq_overflow(), 1, "target's overflow counter");
                pop_expect(&mut target, &nop_cqes(1, 8))?;
                ebadr_once(&mut target, 101)?;
            } else {
                note(n, "delivered");
                src.expect(&[cqe(1, 0)])?;
                let mut want = nop_cqes(1, 8);
                want.push(cqe(0x99, 0x77));
                target.expect(&want)?;
                still_works(&mut target, 101)?;
            }
            still_works(&mut src, 2)?;
            Ok(Run { reached, hit })
        })?;
        check!(eoverflow > 0, "no injected allocation failure gave -EOVERFLOW (runs: {})", traced());
        done()
    },
}

case! {
    id: "faults/msg-ring-remote-enomem",
    summary: "MSG_RING to a DEFER_TASKRUN ring, which needs a request allocated for the target, completes with -ENOMEM when that allocation fails (fail-nth) and the target gets nothing; other injected runs deliver the message",
    requires: [OpNop, OpMsgRing, SetupDeferTaskrun, SetupSingleIssuer, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_prep_msg_ring(3) ERRORS: ENOMEM",
        "io_uring/msg_ring.c io_msg_data_remote: kmem_cache_alloc of the target's request, -ENOMEM",
        "claim:prep.msg-ring.ENOMEM"
    ],
    serial: true,
    run: |cx| {
        let enomem = sweep(|n, fail| {
            let mut target = cx.build(RingBuilder::new(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
            let mut src = cx.ring_sized(4)?;
            src.push(&Sqe::msg_ring_data(target.fd(), 0x77, 0x99).user_data(1));
            let (got, reached) = enter_armed(&mut src, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting MSG_RING, allocation check {n} failed: {got:?}");
            let c = src.wait_for(1, oracle::prompt()).map_err(|e| CaseError::Fail(format!("waiting for the MSG_RING CQE: {e}")))?;
            let res = c.first().map(|c| c.res);
            check!(matches!(res, Some(r) if r == 0 || r == -libc::ENOMEM), "MSG_RING with allocation check {n} failed: {c:?} (want res 0 or -ENOMEM)");
            let res = res.unwrap_or(0);
            note(n, &format!("res {res}"));
            let hit = res == -libc::ENOMEM;
            let _judge = fail.judge(hit);
            src.check_reaped(&c, &[cqe(1, res)])?;
            if hit {
                check!(reached, "-ENOMEM with no allocation failed (check {n} not reached)");
                target.expect_none()?;
            } else {
                target.expect(&[cqe(0x99, 0x77)])?;
            }
            still_works(&mut target, 101)?;
            still_works(&mut src, 2)?;
            Ok(Run { reached, hit })
        })?;
        check!(enomem > 0, "no injected allocation failure gave -ENOMEM (runs: {})", traced());
        done()
    },
}

/// A pipe holding one byte.
fn pipe_with(b: u8) -> Result<Pipe, CaseError> {
    let p = Pipe::new().map_err(|e| CaseError::Error(format!("fixture: pipe: {e}")))?;
    send_all(&p.tx, &[b])?;
    Ok(p)
}

case! {
    id: "faults/files-update-enomem",
    summary: "FILES_UPDATE replacing a registered file completes with -ENOMEM when its resource node cannot be allocated (fail-nth), leaving the old file in the slot; other injected runs replace it (res 1)",
    requires: [OpNop, OpFilesUpdate, OpRead, RegFiles, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_prep_files_update(3) ERRORS: ENOMEM",
        "io_uring/rsrc.c __io_sqe_files_update: io_queue_rsrc_removal / io_rsrc_node_alloc failing gives -ENOMEM before the slot changes",
        "claim:prep.files-update.ENOMEM"
    ],
    serial: true,
    run: |cx| {
        let enomem = sweep(|n, fail| {
            let (old, new) = (pipe_with(b'o')?, pipe_with(b'n')?);
            let fds;
            let b;
            let mut r = cx.ring_sized(4)?;
            r.register_files(&[old.rx()]).map_err(|e| CaseError::Fail(format!("IORING_REGISTER_FILES: {e}")))?;
            fds = cells(&[new.rx()]);
            r.push(&Sqe::files_update(&fds, 0).user_data(1));
            let (got, reached) = enter_armed(&mut r, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting FILES_UPDATE, allocation check {n} failed: {got:?}");
            let c = r.wait_for(1, oracle::prompt()).map_err(|e| CaseError::Fail(format!("waiting for FILES_UPDATE: {e}")))?;
            let res = c.first().map(|c| c.res);
            check!(matches!(res, Some(r) if r == 1 || r == -libc::ENOMEM), "FILES_UPDATE with allocation check {n} failed: {c:?} (want res 1 or -ENOMEM)");
            let res = res.unwrap_or(1);
            note(n, &format!("res {res}"));
            let hit = res == -libc::ENOMEM;
            let _judge = fail.judge(hit);
            r.check_reaped(&c, &[cqe(1, res)])?;
            if hit {
                check!(reached, "-ENOMEM with no allocation failed (check {n} not reached)");
            }
            b = IoBuf::new(1);
            r.run_expect(&[Sqe::read(0, &b, 0).fixed_file().user_data(2)], &[cqe(2, 1)])?;
            check_eq!(b.get(0), if hit { b'o' } else { b'n' }, "the byte read through slot 0 (o: the old file, n: the new one)");
            Ok(Run { reached, hit })
        })?;
        check!(enomem > 0, "no injected allocation failure gave -ENOMEM (runs: {})", traced());
        done()
    },
}

case! {
    id: "faults/provide-buffers-enomem",
    summary: "PROVIDE_BUFFERS of one buffer into an existing group completes with -ENOMEM when the buffer entry cannot be allocated (fail-nth) and adds nothing; other injected runs add it",
    requires: [OpNop, OpProvideBuffers, OpRemoveBuffers, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_prep_provide_buffers(3) ERRORS: ENOMEM",
        "io_uring/kbuf.c io_add_buffers: no buffer allocated gives -ENOMEM; io_provide_buffers",
        "claim:prep.provide-buffers.ENOMEM"
    ],
    serial: true,
    run: |cx| {
        let ok = if ordered_provided_buffers(cx) { 0 } else { 1 };
        let mem = IoBuf::new(128);
        let enomem = sweep(|n, fail| {
            let mut r = cx.ring_sized(4)?;
            r.run_expect(&[Sqe::provide_buffers(&mem, 64, 1, 7, 0).user_data(1)], &[cqe(1, PROVIDED_INTO_NEW_GROUP)])?;
            r.push(&Sqe::provide_buffers(mem.range(64..), 64, 1, 7, 1).user_data(2));
            let (got, reached) = enter_armed(&mut r, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting PROVIDE_BUFFERS, allocation check {n} failed: {got:?}");
            let c = r.wait_for(1, oracle::prompt()).map_err(|e| CaseError::Fail(format!("waiting for PROVIDE_BUFFERS: {e}")))?;
            let res = c.first().map(|c| c.res);
            check!(matches!(res, Some(r) if r == ok || r == -libc::ENOMEM), "PROVIDE_BUFFERS with allocation check {n} failed: {c:?} (want res {ok} or -ENOMEM)");
            let res = res.unwrap_or(ok);
            note(n, &format!("res {res}"));
            let hit = res == -libc::ENOMEM;
            let _judge = fail.judge(hit);
            r.check_reaped(&c, &[cqe(2, res)])?;
            if hit {
                check!(reached, "-ENOMEM with no allocation failed (check {n} not reached)");
            }
            r.run_expect(&[Sqe::remove_buffers(8, 7).user_data(3)], &[cqe(3, if hit { 1 } else { 2 })])?;
            Ok(Run { reached, hit })
        })?;
        check!(enomem > 0, "no injected allocation failure gave -ENOMEM (runs: {})", traced());
        done()
    },
}

case! {
    id: "faults/remove-buffers-allocates-nothing",
    summary: "REMOVE_BUFFERS with any one allocation of its enter failed (fail-nth) still removes every buffer (res 2): the remove path allocates nothing, and the request allocation falls back",
    requires: [OpNop, OpProvideBuffers, OpRemoveBuffers, EnvFaultInject],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_prep_remove_buffers(3) ERRORS: ENOMEM",
        "expectations/doc-errata.toml: io_uring_prep_remove_buffers(3) ENOMEM",
        "claim:prep.remove-buffers.ENOMEM",
        "io_uring/kbuf.c io_remove_buffers, __io_remove_buffers: frees only"
    ],
    serial: true,
    run: |cx| {
        let mem = IoBuf::new(128);
        sweep(|n, fail| {
            let mut r = cx.ring_sized(4)?;
            r.run_expect(&[Sqe::provide_buffers(&mem, 64, 2, 7, 0).user_data(1)], &[cqe(1, PROVIDED_INTO_NEW_GROUP)])?;
            r.push(&Sqe::remove_buffers(8, 7).user_data(2));
            let (got, reached) = enter_armed(&mut r, fail, n)?;
            check!(matches!(got, Ok(1)), "enter submitting REMOVE_BUFFERS, allocation check {n} failed: {got:?}");
            r.expect(&[cqe(2, 2)])?;
            note(n, "res 2");
            still_works(&mut r, 3)?;
            Ok(Run { reached, hit: false })
        })?;
        done()
    },
}
