//! io_uring_enter(2) and NOP: user_data round trips, batches, CQE32
//! content, result injection, submission errors (stop vs SUBMIT_ALL),
//! unknown opcodes and flags, GETEVENTS and EXT_ARG timeouts, and the
//! registered ring fd.

use crate::prelude::*;

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
