//! Timeouts: IORING_OP_TIMEOUT (relative, absolute, count-based, each
//! clock, multishot), TIMEOUT_REMOVE and its updates, LINK_TIMEOUT, the
//! enter-side timeouts (EXT_ARG, ABS_TIMER, min-wait), and absolute
//! deadlines inside a time namespace.
//!
//! Every timing check is a bound: an hrtimer never fires before its time,
//! so "not before" is exact; "promptly" is bounded by the harness's
//! generous PROMPT. Durations are milliseconds.
//!
//! References: io_uring_prep_timeout(3), io_uring_prep_timeout_remove(3),
//! io_uring_prep_timeout_update(3), io_uring_prep_link_timeout(3),
//! io_uring_enter(2) (IORING_OP_TIMEOUT, IORING_ENTER_EXT_ARG,
//! IORING_ENTER_ABS_TIMER, min_wait_usec), io_uring/timeout.c.

use crate::prelude::*;
use oracle::{CaseError, Ctx};

mod linked;
mod remove;
mod timens;
mod waits;

/// The absolute time `d` from now on `clock`, as a timeout wants it.
fn deadline(clock: libc::clockid_t, d: Duration) -> __kernel_timespec {
    let now = fixtures::clock_now(clock);
    let ns = now.tv_nsec as u64 + d.subsec_nanos() as u64;
    __kernel_timespec { tv_sec: now.tv_sec + d.as_secs() as i64 + (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
}

/// A timeout SQE whose prep must fail with -EINVAL, alone on a ring.
fn expect_timeout_einval(cx: &Ctx, sqe: Sqe) -> CaseResult {
    let mut r = cx.ring()?;
    r.run_expect(&[sqe.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
    Ok(())
}

case! {
    id: "timeouts/relative-fires-etime",
    summary: "a 100 ms relative timeout with no count completes with -ETIME, not before 100 ms",
    requires: [OpTimeout],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout(3): completes with -ETIME when the timeout expires", "claim:enter.op.timeout.etime", "claim:prep.timeout.ETIME"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "timeout")
    },
}

case! {
    id: "timeouts/zero-fires-at-once",
    summary: "a zero relative timeout completes promptly with -ETIME",
    requires: [OpTimeout],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3)", "claim:prep.timeout.ETIME"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(0);
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/immediate-arg-nanoseconds-in-addr",
    summary: "IORING_TIMEOUT_IMMEDIATE_ARG: a TIMEOUT whose addr holds 100 ms in nanoseconds (no timespec anywhere) completes with -ETIME, not before 100 ms",
    requires: [OpTimeout, OpflagTimeoutImmediateArg],
    variants: variants::ALL,
    refs: [
        "io_uring_enter(2): IORING_OP_TIMEOUT, IORING_TIMEOUT_IMMEDIATE_ARG (since 7.1): addr is the timeout in nanoseconds",
        "include/uapi/linux/io_uring.h: IORING_TIMEOUT_IMMEDIATE_ARG",
        "io_uring/timeout.c __io_timeout_prep",
        "claim:enter.op.timeout.immediate-arg",
    ],
    run: |cx| {
        let unused;
        let mut r = cx.ring()?;
        unused = ms(0);
        let mut s = Sqe::timeout(&unused, 0, IORING_TIMEOUT_IMMEDIATE_ARG);
        // 100 ms as a number, not the address of a timespec (the one
        // Sqe::timeout pointed at, 0 s, would fire at once).
        // SAFETY: the op reads addr as a value here (nanoseconds), not as an address.
        unsafe { s.raw_mut().addr = 100_000_000 };
        let t0 = Stopwatch::start();
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "IMMEDIATE_ARG timeout of 100 ms")
    },
}

case! {
    id: "timeouts/count-completes-with-zero",
    summary: "a timeout with count 2 completes with res 0 right after the second other completion",
    requires: [OpTimeout, OpNop],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout(3): count: completes with 0 once that many events completed", "io_uring/timeout.c io_flush_timeouts", "claim:enter.op.timeout.count", "claim:prep.timeout.zero"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10_000);
        r.run_expect(&[Sqe::timeout(&ts, 2, 0).user_data(1), Sqe::nop().user_data(2), Sqe::nop().user_data(3)], &[cqe(2, 0), cqe(3, 0), cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/count-not-reached-fires",
    summary: "a count timeout whose count is not reached in time completes with -ETIME after the one completion",
    requires: [OpTimeout, OpNop],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3)"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout(&ts, 2, 0).user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0), cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "count timeout")
    },
}

case! {
    id: "timeouts/count-ignores-timeout-cqes",
    summary: "another timeout's -ETIME completion does not count towards a count timeout; the next NOP does",
    requires: [OpTimeout, OpNop],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c io_flush_timeouts: seq = cached_cq_tail - cq_timeouts (timeout CQEs are not events)"],
    run: |cx| {
        let (long, zero);
        let mut r = cx.ring()?;
        (long, zero) = (ms(10_000), ms(0));
        r.run_expect(&[Sqe::timeout(&long, 1, 0).user_data(1), Sqe::timeout(&zero, 0, 0).user_data(2)], &[cqe(2, -libc::ETIME)])?;
        r.expect_none()?;
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0), cqe(1, 0)])?;
        Ok(())
    },
}

/// An absolute timeout on `clock` 100 ms ahead.
fn abs_fires(cx: &Ctx, flag: u32, clock: libc::clockid_t, slack: Duration) -> CaseResult {
    let ts;
    let mut r = cx.ring()?;
    let t0 = Stopwatch::start();
    ts = deadline(clock, Duration::from_millis(100));
    r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS | flag).user_data(1)], &[cqe(1, -libc::ETIME)])?;
    check_elapsed(&t0, Duration::from_millis(100) - slack, "absolute timeout")
}

case! {
    id: "timeouts/abs-monotonic",
    summary: "IORING_TIMEOUT_ABS 100 ms ahead on CLOCK_MONOTONIC completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ABS (CLOCK_MONOTONIC by default)", "claim:enter.op.timeout.abs"],
    run: |cx| abs_fires(cx, 0, libc::CLOCK_MONOTONIC, Duration::ZERO),
}

case! {
    id: "timeouts/abs-boottime",
    summary: "IORING_TIMEOUT_ABS|BOOTTIME 100 ms ahead on CLOCK_BOOTTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutBoottime],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_BOOTTIME", "claim:enter.op.timeout.boottime"],
    run: |cx| abs_fires(cx, IORING_TIMEOUT_BOOTTIME, libc::CLOCK_BOOTTIME, Duration::ZERO),
}

case! {
    id: "timeouts/abs-realtime",
    summary: "IORING_TIMEOUT_ABS|REALTIME 100 ms ahead on CLOCK_REALTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutRealtime],
    variants: variants::DELIVERY,
    // The wall clock may be slewed while we measure on the monotonic one.
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_REALTIME", "claim:enter.op.timeout.realtime"],
    run: |cx| abs_fires(cx, IORING_TIMEOUT_REALTIME, libc::CLOCK_REALTIME, Duration::from_millis(2)),
}

case! {
    id: "timeouts/abs-past-fires-at-once",
    summary: "an absolute deadline in the past (1 s after boot) completes promptly with -ETIME",
    requires: [OpTimeout, OpflagTimeoutAbs],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ABS"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = __kernel_timespec { tv_sec: 1, tv_nsec: 0 };
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/relative-boottime",
    summary: "a 100 ms relative timeout on CLOCK_BOOTTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutBoottime],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_BOOTTIME", "claim:enter.op.timeout.boottime"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_BOOTTIME).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "boottime timeout")
    },
}

case! {
    id: "timeouts/relative-realtime",
    summary: "a 100 ms relative timeout on CLOCK_REALTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_REALTIME", "claim:enter.op.timeout.realtime"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_REALTIME).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "realtime timeout")
    },
}

case! {
    id: "timeouts/two-clocks-einval",
    summary: "BOOTTIME and REALTIME together are rejected with -EINVAL",
    requires: [OpTimeout, OpflagTimeoutBoottime, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: more than one clock is -EINVAL", "claim:enter.cqe.EINVAL-timeout-clocks", "claim:prep.timeout.EINVAL"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::timeout(&ts, 0, IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME))
    },
}

case! {
    id: "timeouts/unknown-flag-einval",
    summary: "an unknown timeout flag (bit 31) is rejected with -EINVAL",
    requires: [OpTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: flags outside the known set are -EINVAL"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::timeout(&ts, 0, 1 << 31))
    },
}

case! {
    id: "timeouts/len-not-one-einval",
    summary: "a timeout whose len is not 1 (one timespec) is rejected with -EINVAL",
    requires: [OpTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: sqe->len != 1 is -EINVAL", "claim:prep.timeout.EINVAL"],
    run: |cx| {
        let ts = ms(10);
        let mut s = Sqe::timeout(&ts, 0, 0);
        // Deliberately malformed: a TIMEOUT with two timespecs.
        // SAFETY: a non-address field (len here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().len = 2 };
        expect_timeout_einval(cx, s)
    },
}

case! {
    id: "timeouts/negative-einval",
    summary: "a timespec with a negative field is rejected with -EINVAL",
    requires: [OpTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: tv_sec < 0 || tv_nsec < 0 is -EINVAL", "claim:prep.timeout.EINVAL"],
    run: |cx| {
        let ts = __kernel_timespec { tv_sec: 0, tv_nsec: -1 };
        expect_timeout_einval(cx, Sqe::timeout(&ts, 0, 0))
    },
}

case! {
    id: "timeouts/bad-address-efault",
    summary: "a timespec address that is not mapped completes with -EFAULT",
    requires: [OpTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: get_timespec64 failure is -EFAULT", "claim:prep.timeout.EFAULT"],
    run: |cx| {
        let mut r = cx.ring()?;
        let mut s = Sqe::op(IORING_OP_TIMEOUT).user_data(1);
        // Deliberately malformed: a timespec at an unmapped address.
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { s.raw_mut().addr = 8 };
        // SAFETY: a non-address field (len here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().len = 1 };
        r.run_expect(&[s], &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/earlier-fires-first",
    summary: "of a 200 ms and a 10 ms timeout submitted in that order, the 10 ms one completes first",
    requires: [OpTimeout],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3)"],
    run: |cx| {
        let (long, short);
        let mut r = cx.ring()?;
        (long, short) = (ms(200), ms(10));
        r.run_expect(&[Sqe::timeout(&long, 0, 0).user_data(1), Sqe::timeout(&short, 0, 0).user_data(2)], &[cqe(2, -libc::ETIME), cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}
