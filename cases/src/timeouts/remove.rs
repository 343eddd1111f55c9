//! TIMEOUT_REMOVE and its update form: cancelling, re-arming, the errors.

use super::*;

case! {
    id: "timeouts/remove-cancels",
    summary: "TIMEOUT_REMOVE of a pending timeout completes with 0 and the timeout with -ECANCELED",
    requires: [OpTimeout, OpTimeoutRemove],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout_remove(3): 0 on success; the removed timeout completes with -ECANCELED", "claim:enter.op.timeout.ecanceled", "claim:enter.op.timeout-remove.found", "claim:prep.timeout.ECANCELED", "claim:prep.timeout-update.zero"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10_000);
        r.run_expect_unordered(&[Sqe::timeout(&ts, 0, 0).user_data(1), Sqe::timeout_remove(1).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/remove-unknown-enoent",
    summary: "TIMEOUT_REMOVE of a user_data no timeout has completes with -ENOENT",
    requires: [OpTimeoutRemove],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout_remove(3): -ENOENT if not found", "claim:enter.op.timeout-remove.ENOENT", "claim:prep.timeout-update.ENOENT"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::timeout_remove(77).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/remove-completed-enoent",
    summary: "TIMEOUT_REMOVE of a timeout that already fired completes with -ENOENT",
    requires: [OpTimeout, OpTimeoutRemove],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout_remove(3): -ENOENT if not found", "claim:enter.op.timeout-remove.ENOENT"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(0);
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        r.run_expect(&[Sqe::timeout_remove(1).user_data(2)], &[cqe(2, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/remove-flags-einval",
    summary: "TIMEOUT_REMOVE with a flag but not UPDATE (here ABS) is rejected with -EINVAL",
    requires: [OpTimeoutRemove],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c io_timeout_remove_prep: removal doesn't support flags", "claim:prep.timeout-update.EINVAL"],
    run: |cx| {
        let mut s = Sqe::timeout_remove(1);
        // Deliberately malformed: a removal with a flag only updates take.
        // SAFETY: a non-address field (op_flags here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().op_flags = IORING_TIMEOUT_ABS };
        expect_timeout_einval(cx, s)
    },
}

case! {
    id: "timeouts/update-rearms",
    summary: "IORING_TIMEOUT_UPDATE re-arms a 10 s timeout to 100 ms: the update completes with 0, the timeout with -ETIME",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout_update(3)", "claim:enter.op.timeout-remove.update", "claim:prep.timeout-update.zero"],
    run: |cx| {
        let (long, short);
        let mut r = cx.ring()?;
        (long, short) = (ms(10_000), ms(100));
        r.submit_all(&[Sqe::timeout(&long, 0, 0).user_data(1)])?;
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout_update(1, &short, 0).user_data(2)], &[cqe(2, 0), cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "updated timeout")
    },
}

case! {
    id: "timeouts/update-unknown-enoent",
    summary: "updating a user_data no timeout has completes with -ENOENT",
    requires: [OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout_update(3): -ENOENT if not found", "claim:prep.timeout-update.ENOENT"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10);
        r.run_expect(&[Sqe::timeout_update(77, &ts, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/update-two-clocks-einval",
    summary: "an update naming two clocks is rejected with -EINVAL",
    requires: [OpTimeoutRemove, OpflagTimeoutUpdate, OpflagTimeoutBoottime, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c io_timeout_remove_prep: hweight32(clock flags) > 1 is -EINVAL", "claim:prep.timeout-update.EINVAL"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::timeout_update(1, &ts, IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME))
    },
}

case! {
    id: "timeouts/update-negative-einval",
    summary: "an update to a negative timespec is rejected with -EINVAL",
    requires: [OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c io_timeout_remove_prep: tv_sec < 0 || tv_nsec < 0 is -EINVAL", "claim:prep.timeout-update.EINVAL"],
    run: |cx| {
        let ts = __kernel_timespec { tv_sec: -1, tv_nsec: 0 };
        expect_timeout_einval(cx, Sqe::timeout_update(1, &ts, 0))
    },
}

case! {
    id: "timeouts/update-drops-count",
    summary: "an updated count timeout becomes a pure timer: later completions no longer complete it",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutUpdate, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c io_timeout_update: timeout->off = 0 /* noseq */"],
    run: |cx| {
        let long;
        let mut r = cx.ring()?;
        long = ms(10_000);
        r.submit_all(&[Sqe::timeout(&long, 1, 0).user_data(1)])?;
        r.run_expect(&[Sqe::timeout_update(1, &long, 0).user_data(2)], &[cqe(2, 0)])?;
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0)])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(1).user_data(4)], &[cqe(4, 0), cqe(1, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/update-bad-timespec-efault",
    summary: "a timeout update whose new timespec cannot be read completes with -EFAULT and leaves the timeout armed",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_timeout_update(3) ERRORS: -EFAULT",
        "io_uring/timeout.c io_timeout_remove_prep: get_timespec64 of addr2 fails -> -EFAULT",
        "claim:prep.timeout-update.EFAULT",
    ],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10_000);
        let mut up = Sqe::timeout_update(1, &ts, 0).user_data(2);
        // Deliberately malformed: address 8 is never mapped.
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { up.raw_mut().off = 8 };
        r.submit_all(&[Sqe::timeout(&ts, 0, 0).user_data(1)])?;
        r.run_expect(&[up], &[cqe(2, -libc::EFAULT)])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(1).user_data(3)], &[cqe(1, -libc::ECANCELED), cqe(3, 0)])?;
        Ok(())
    },
}
