//! io_uring_enter(2) and NOP: user_data round trips, batches, CQE32
//! content, result injection, submission errors (stop vs SUBMIT_ALL),
//! unknown opcodes and flags, GETEVENTS and EXT_ARG timeouts, and the
//! registered ring fd.

use crate::prelude::*;
use oracle::CheckedRing;

case! {
    id: "nop/user-data-round-trip",
    summary: "NOP CQEs carry each SQE's user_data unchanged (0, 1, u64::MAX, a pattern), res 0, flags 0",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): user_data is copied to the CQE", "io_uring_enter(2): IORING_OP_NOP", "claim:enter.cqe.user-data"],
    run: |cx| {
        let mut r = cx.ring()?;
        let uds = [0u64, 1, u64::MAX, 0xdead_beef_cafe_f00d];
        let sqes: Vec<Sqe> = uds.iter().map(|u| Sqe::nop().user_data(*u)).collect();
        let want: Vec<Want> = uds.iter().map(|u| cqe(*u, 0)).collect();
        r.run_expect_unordered(&sqes, &want)?;
        Ok(())
    },
}

case! {
    id: "nop/full-sq-batch",
    summary: "a batch filling the whole SQ is consumed in one enter and completes one CQE each",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): to_submit", "claim:enter.return.consumed"],
    run: |cx| {
        let mut r = cx.ring_sized(16)?;
        let n = r.sq_entries();
        let sqes: Vec<Sqe> = (0..n as u64).map(|u| Sqe::nop().user_data(100 + u)).collect();
        let want: Vec<Want> = (0..n as u64).map(|u| cqe(100 + u, 0)).collect();
        r.run_expect_unordered(&sqes, &want)?;
        check_eq!(r.sq_pending(), 0, "SQEs left in the SQ");
        Ok(())
    },
}

case! {
    id: "nop/cqe32-big-words-zero",
    summary: "on a CQE32 ring a NOP's CQE has both extra 64-bit words zero",
    requires: [OpNop, SetupCqe32],
    variants: &[Variant::Cqe32],
    refs: ["io_uring_setup(2): IORING_SETUP_CQE32", "io_uring/nop.c (extra1 = extra2 = 0 unless NOP_CQE32 data)", "claim:setup.cqe32"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().user_data(9)], &[cqe(9, 0).big([0, 0])])?;
        Ok(())
    },
}

case! {
    id: "nop/inject-result",
    summary: "NOP with IORING_NOP_INJECT_RESULT completes with the res given in len (errors and counts)",
    requires: [OpNop, OpflagNopInjectResult],
    variants: variants::ALL,
    refs: ["io_uring/nop.c: IORING_NOP_INJECT_RESULT", "liburing io_uring.h: sqe->len holds the result"],
    run: |cx| {
        let mut r = cx.ring()?;
        let vals = [-libc::EIO, -libc::ECANCELED, 17, i32::MAX];
        let sqes: Vec<Sqe> = vals.iter().enumerate().map(|(i, v)| Sqe::nop_inject(*v).user_data(i as u64)).collect();
        let want: Vec<Want> = vals.iter().enumerate().map(|(i, v)| cqe(i as u64, *v)).collect();
        r.run_expect_unordered(&sqes, &want)?;
        Ok(())
    },
}

case! {
    id: "enter/unknown-opcode-cqe-einval",
    summary: "an SQE with an unknown opcode completes with -EINVAL and its user_data",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): EINVAL in cqe res for an invalid opcode", "io_uring/io_uring.c io_init_req: opcode >= IORING_OP_LAST", "claim:enter.cqe.EINVAL-flags-or-opcode", "claim:enter.return.sqe-errors-in-cqe"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::op(BAD_OPCODE).user_data(42)], &[cqe(42, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "enter/submission-error-stops-batch",
    summary: "without SUBMIT_ALL, an SQE failing at submission ends the batch: enter counts it, the rest stay in the SQ",
    requires: [OpNop],
    variants: &[Variant::Default, Variant::Sqe128, Variant::Cqe32, Variant::DeferTaskrun, Variant::NoSqarray, Variant::CoopTaskrun, Variant::NoMmap, Variant::RegisteredRing],
    refs: ["io_uring_setup(2): IORING_SETUP_SUBMIT_ALL (default: stop on the first error)", "io_uring/io_uring.c io_submit_sqes", "claim:setup.submit-all"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.push_all(&[Sqe::nop().user_data(1), Sqe::op(BAD_OPCODE).user_data(2), Sqe::nop().user_data(3)])?;
        check_eq!(r.submit()?, 2, "SQEs consumed by enter");
        // The two are independent: their CQE order is not defined (older
        // kernels post the failure first).
        r.expect_unordered(&[cqe(1, 0), cqe(2, -libc::EINVAL)])?;
        check_eq!(r.sq_pending(), 1, "SQEs left in the SQ");
        check_eq!(r.submit()?, 1, "second enter consumes the rest");
        r.expect(&[cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "enter/submit-all-continues-after-error",
    summary: "with SUBMIT_ALL, a failing SQE does not end the batch: every SQE is consumed and completes",
    requires: [OpNop, SetupSubmitAll],
    variants: variants::ALL,
    refs: ["io_uring_setup(2): IORING_SETUP_SUBMIT_ALL", "claim:setup.submit-all"],
    run: |cx| {
        let mut r = cx.build(cx.builder(8).flags(IORING_SETUP_SUBMIT_ALL))?;
        r.run_expect_unordered(&[Sqe::nop().user_data(1), Sqe::op(BAD_OPCODE).user_data(2), Sqe::nop().user_data(3)], &[cqe(1, 0), cqe(2, -libc::EINVAL), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "enter/getevents-waits-for-min-complete",
    summary: "GETEVENTS with min_complete N returns with at least N CQEs ready",
    requires: [OpNop],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::Sqpoll, Variant::RegisteredRing],
    refs: ["io_uring_enter(2): IORING_ENTER_GETEVENTS, min_complete", "claim:enter.getevents.min-complete"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.push_all(&[Sqe::nop().user_data(1), Sqe::nop().user_data(2), Sqe::nop().user_data(3)])?;
        r.submit_and_wait(3)?;
        check!(r.cq_ready() >= 3, "only {} CQEs ready after waiting for 3", r.cq_ready());
        r.expect_unordered(&[cqe(1, 0), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "enter/getevents-waits-for-pending-completions",
    summary: "GETEVENTS with min_complete 5 while three pipe reads with link timeouts (50, 100, 300 ms) are pending returns only once the third pair fires",
    requires: [OpRead, OpLinkTimeout, SqeIoLink],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::Sqpoll, Variant::RegisteredRing],
    refs: ["io_uring_enter(2): IORING_ENTER_GETEVENTS, min_complete", "claim:enter.getevents.min-complete"],
    run: |cx| {
        // None of the completions exists when the wait starts: each read
        // waits on an empty pipe until its link timeout cancels it (read
        // -ECANCELED, timeout -ETIME). Link timeouts, not TIMEOUTs: a TIMEOUT
        // expiry ends any wait whatever min_complete says (see
        // enter/timeout-expiry-ends-a-longer-wait). The fifth CQE is the
        // first of the third pair, at 300 ms; a wait that returned one
        // short would return at 100 ms, a third of the way, which reads
        // early unless a run delay far above the margin hid it (then no
        // verdict).
        let (p1, p2, p3) = (Pipe::new()?, Pipe::new()?, Pipe::new()?);
        let (b1, b2, b3) = (IoBuf::new(8), IoBuf::new(8), IoBuf::new(8));
        let ts = [50u64, 100, 300].map(|n| __kernel_timespec::from_duration(Duration::from_millis(n)));
        let mut r = cx.ring()?;
        r.push_all(&[
            Sqe::read(p1.rx(), &b1, 0).user_data(1).link(),
            Sqe::link_timeout(&ts[0], 0).user_data(2),
            Sqe::read(p2.rx(), &b2, 0).user_data(3).link(),
            Sqe::link_timeout(&ts[1], 0).user_data(4),
            Sqe::read(p3.rx(), &b3, 0).user_data(5).link(),
            Sqe::link_timeout(&ts[2], 0).user_data(6),
        ])?;
        let t0 = Stopwatch::start();
        r.submit_and_wait(5).map_err(|e| oracle::CaseError::Fail(format!("io_uring_enter: {e}")))?;
        check_elapsed(&t0, Duration::from_millis(300), "a wait for 5 completions, the fifth due at 300 ms")?;
        check!(r.cq_ready() >= 5, "only {} CQEs ready after waiting for 5", r.cq_ready());
        let want: Vec<Want> = (0..3).flat_map(|i| [cqe(2 * i + 1, -libc::ECANCELED), cqe(2 * i + 2, -libc::ETIME)]).collect();
        r.expect_unordered(&want)?;
        Ok(())
    },
}

case! {
    id: "enter/timeout-expiry-ends-a-longer-wait",
    summary: "a TIMEOUT that expires ends a GETEVENTS wait for more CQEs than are ready: the wait returns with only the timeout's CQE",
    requires: [OpTimeout, OpRead, OpAsyncCancel],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::Sqpoll, Variant::RegisteredRing],
    refs: ["io_uring/io_uring.h io_should_wake: 'For timeouts, we always want to return to userspace, regardless of event count' (ctx->cq_timeouts)", "io_uring_prep_timeout(3)"],
    run: |cx| {
        let p = Pipe::new()?;
        let buf = IoBuf::new(8);
        let ts = __kernel_timespec::from_duration(Duration::from_millis(100));
        let mut r = cx.ring()?;
        r.push_all(&[Sqe::timeout(&ts, 0, 0).user_data(1), Sqe::read(p.rx(), &buf, 0).user_data(2)])?;
        let t0 = Stopwatch::start();
        // Two wanted; the read never completes on its own.
        r.submit_and_wait(2).map_err(|e| oracle::CaseError::Fail(format!("io_uring_enter: {e}")))?;
        check_elapsed(&t0, Duration::from_millis(100), "the wait the timeout ended")?;
        check_eq!(r.cq_ready(), 1, "CQEs ready when the wait returned");
        r.run_expect_unordered(&[Sqe::cancel(2, 0).user_data(3)], &[cqe(1, -libc::ETIME), cqe(2, -libc::ECANCELED), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "enter/ext-arg-timeout-etime",
    summary: "GETEVENTS with an EXT_ARG timeout and nothing to complete returns ETIME after the timeout",
    requires: [EnterExtArg, FeatExtArg],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::RegisteredRing],
    refs: ["io_uring_enter(2): IORING_ENTER_EXT_ARG, struct io_uring_getevents_arg", "claim:enter.ext-arg.timeout"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = __kernel_timespec::from_duration(Duration::from_millis(100));
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        // SAFETY: arg lives through the call.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg as *const _ as *const _, std::mem::size_of_val(&arg)) };
        check_errno!(res, libc::ETIME, "enter with a 100 ms timeout");
        check_elapsed(&t0, Duration::from_millis(100), "enter with a 100 ms timeout")?;
        Ok(())
    },
}

case! {
    id: "enter/ext-arg-bad-size-einval",
    summary: "EXT_ARG with an argument size other than sizeof(io_uring_getevents_arg) fails with EINVAL",
    requires: [EnterExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_get_ext_arg: argsz != sizeof(arg) -> -EINVAL", "claim:enter.ext-arg.argsz"],
    run: |cx| {
        let r = cx.ring()?;
        let arg = io_uring_getevents_arg::default();
        for sz in [8usize, 23, 25] {
            // SAFETY: arg lives through the call; a wrong argsz is refused before it is read.
            check_errno!(unsafe { r.enter(0, 0, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg as *const _ as *const _, sz) }, libc::EINVAL, "argsz {sz}");
        }
        Ok(())
    },
}

case! {
    id: "enter/unknown-flag-einval",
    summary: "io_uring_enter with an unknown flag bit fails with EINVAL",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): EINVAL: invalid flags", "claim:enter.errors.EINVAL-flags"],
    run: |cx| {
        let r = cx.ring()?;
        for bit in [1u32 << 31, 1 << 20] {
            check_errno!(r.enter_flags(0, 0, bit), libc::EINVAL, "flag {bit:#x}");
        }
        Ok(())
    },
}

case! {
    id: "enter/registered-ring-unregistered-index",
    summary: "ENTER_REGISTERED_RING with an empty slot gives EBADF, with a slot past the table EINVAL",
    requires: [EnterRegisteredRing, RegRingFds],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_uring_enter: fd >= IO_RINGFD_REG_MAX -> -EINVAL; empty slot -> -EBADF", "claim:enter.registered-ring", "claim:register.op.ring-fds"],
    run: |cx| {
        let mut r = cx.ring()?;
        let idx = r.register_ring_fd()?;
        let empty = (idx + 1) % 16;
        // SAFETY: no argument.
        unsafe {
            check_errno!(io_uring_enter(empty as i32, 0, 0, IORING_ENTER_REGISTERED_RING, std::ptr::null(), 0), libc::EBADF, "empty slot {empty}");
            check_errno!(io_uring_enter(16, 0, 0, IORING_ENTER_REGISTERED_RING, std::ptr::null(), 0), libc::EINVAL, "slot 16");
        }
        Ok(())
    },
}

case! {
    id: "enter/to-submit-beyond-pending",
    summary: "to_submit larger than the SQEs published submits only those published",
    requires: [OpNop],
    variants: &[Variant::Default, Variant::NoSqarray, Variant::DeferTaskrun],
    refs: ["io_uring_enter(2): to_submit (at most the entries available)", "claim:enter.return.consumed"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.push_all(&[Sqe::nop().user_data(1), Sqe::nop().user_data(2)])?;
        r.publish();
        check_eq!(r.enter_flags(8, 0, 0)?, 2, "SQEs consumed by enter(to_submit 8) with 2 published");
        r.expect_unordered(&[cqe(1, 0), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "enter/not-a-ring-eopnotsupp",
    summary: "io_uring_enter on an open descriptor that is not an io_uring (a pipe) fails with EOPNOTSUPP",
    requires: [OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) ERRORS: EOPNOTSUPP (fd does not refer to an io_uring instance)", "claim:enter.errors.EOPNOTSUPP-not-a-ring"],
    run: |_| {
        let p = Pipe::new()?;
        // SAFETY: no argument pointer is passed.
        let got = unsafe { io_uring_enter(std::os::fd::AsRawFd::as_raw_fd(&p.rx), 0, 0, 0, std::ptr::null(), 0) };
        check_errno!(got, libc::EOPNOTSUPP, "enter on a pipe");
        // SAFETY: as above.
        let got = unsafe { io_uring_enter(std::os::fd::AsRawFd::as_raw_fd(&p.rx), 0, 1, IORING_ENTER_GETEVENTS, std::ptr::null(), 0) };
        check_errno!(got, libc::EOPNOTSUPP, "GETEVENTS enter on a pipe");
        Ok(())
    },
}

case! {
    id: "enter/closed-fd-ebadf",
    summary: "io_uring_enter on a descriptor that is not open fails with EBADF",
    requires: [OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) ERRORS: EBADF (fd is not a valid file descriptor)", "claim:enter.errors.EBADF"],
    run: |_| {
        let fd = closed_fd();
        // SAFETY: no argument pointer is passed.
        let got = unsafe { io_uring_enter(fd, 0, 1, IORING_ENTER_GETEVENTS, std::ptr::null(), 0) };
        check_errno!(got, libc::EBADF, "enter on closed fd {fd}");
        Ok(())
    },
}

case! {
    id: "enter/wait-unreadable-sigmask-efault",
    summary: "a GETEVENTS wait whose sig pointer cannot be read fails with EFAULT",
    requires: [OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) ERRORS: EFAULT (sig outside the accessible address space)", "io_uring/wait.c io_cqring_wait: set_user_sigmask fails -> -EFAULT", "claim:enter.errors.EFAULT-sig"],
    run: |cx| {
        let r = cx.ring()?;
        // SAFETY: deliberately malformed: address 8 is never mapped; the kernel checks it.
        let got = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS, 8 as *const libc::c_void, 8) };
        check_errno!(got, libc::EFAULT, "GETEVENTS with sig at address 8");
        Ok(())
    },
}

static SIGUSR1_SEEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn note_sigusr1(_: libc::c_int) {
    SIGUSR1_SEEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether SIGUSR1 is blocked in this thread's signal mask now.
///
/// Signal masks, handlers and raise(3) stay libc here and below: rustix
/// offers them only in its unstable runtime module.
fn sigusr1_blocked() -> bool {
    // SAFETY: reads the current mask into a local set.
    unsafe {
        let mut cur: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut cur);
        libc::sigismember(&cur, libc::SIGUSR1) == 1
    }
}

case! {
    id: "enter/sigmask-unblocks-pending-signal-eintr",
    summary: "a GETEVENTS wait whose sig mask unblocks a pending SIGUSR1 fails at once with EINTR and the handler runs; afterwards SIGUSR1 is blocked again, so a wait without sig times out with it pending",
    requires: [OpNop, EnterExtArg],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) ERRORS: EINTR (interrupted by a signal before any events were available)",
        "io_uring_enter(2): sig, like pselect(2): the mask is replaced for the wait and restored on return",
        "io_uring/wait.c io_cqring_wait: set_user_sigmask, task_sigpending -> -EINTR, restore_saved_sigmask_unless",
        "claim:enter.errors.EINTR",
        "claim:enter.sig.mask-during-wait",
    ],
    run: |cx| {
        let r = cx.ring()?;
        // SAFETY: a handler that only stores an atomic; this trial process is
        // single-threaded and changes only its own signal state.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = note_sigusr1 as *const () as usize;
            libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
            let mut block: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGUSR1);
            libc::pthread_sigmask(libc::SIG_BLOCK, &block, std::ptr::null_mut());
            libc::raise(libc::SIGUSR1);
        }
        check!(!SIGUSR1_SEEN.load(std::sync::atomic::Ordering::SeqCst), "fixture: SIGUSR1 delivered while blocked");
        // SAFETY: an empty set, as io_uring_enter reads it (_NSIG / 8 bytes).
        let mut open: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        unsafe { libc::sigemptyset(&mut open) };
        let sw = Stopwatch::start();
        // SAFETY: open is a live sigset; the kernel reads 8 bytes of it.
        let got = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS, &open as *const _ as *const libc::c_void, 8) };
        check_errno!(got, libc::EINTR, "GETEVENTS with a mask that unblocks the pending SIGUSR1");
        check_elapsed(&sw, Duration::ZERO, "EINTR at once, not after a wait")?;
        check!(SIGUSR1_SEEN.load(std::sync::atomic::Ordering::SeqCst), "the SIGUSR1 handler did not run");
        check!(sigusr1_blocked(), "SIGUSR1 is not blocked after the wait: the old mask was not restored");
        // With the old mask back, a pending SIGUSR1 does not end a wait.
        // SAFETY: raising a signal this process handles (and blocks).
        unsafe { libc::raise(libc::SIGUSR1) };
        let ts = ms(20);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "a wait without sig, SIGUSR1 pending and blocked");
        Ok(())
    },
}

case! {
    id: "enter/defer-taskrun-wait-other-thread-eexist",
    summary: "on a DEFER_TASKRUN ring, a GETEVENTS enter from a thread other than the owner fails with EEXIST; the owner's wait works",
    requires: [OpNop, SetupDeferTaskrun],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) ERRORS: EEXIST (DEFER_TASKRUN and the caller is not the ring's submitter task)",
        "io_uring/wait.c io_cqring_wait: !io_allowed_run_tw -> -EEXIST",
        "claim:enter.errors.EEXIST-defer-taskrun",
    ],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER).build()?);
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        let fd = r.fd();
        // SAFETY: no argument pointer is passed.
        let other = std::thread::scope(|s| s.spawn(|| unsafe { io_uring_enter(fd, 0, 1, IORING_ENTER_GETEVENTS, std::ptr::null(), 0) }).join().expect("thread"));
        check_errno!(other, libc::EEXIST, "GETEVENTS from another thread");
        r.run_expect(&[Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}
