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
use harness::{CaseError, Ctx};

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
    summary: "a 20 ms relative timeout with no count completes with -ETIME, not before 20 ms",
    requires: [OpTimeout],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout(3): completes with -ETIME when the timeout expires"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(20);
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "timeout")
    },
}

case! {
    id: "timeouts/zero-fires-at-once",
    summary: "a zero relative timeout completes promptly with -ETIME",
    requires: [OpTimeout],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3)"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(0);
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/count-completes-with-zero",
    summary: "a timeout with count 2 completes with res 0 right after the second other completion",
    requires: [OpTimeout, OpNop],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout(3): count: completes with 0 once that many events completed", "io_uring/timeout.c io_flush_timeouts"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10_000);
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
        let mut r = cx.ring()?;
        let ts = ms(20);
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout(&ts, 2, 0).user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0), cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "count timeout")
    },
}

case! {
    id: "timeouts/count-ignores-timeout-cqes",
    summary: "another timeout's -ETIME completion does not count towards a count timeout; the next NOP does",
    requires: [OpTimeout, OpNop],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c io_flush_timeouts: seq = cached_cq_tail - cq_timeouts (timeout CQEs are not events)"],
    run: |cx| {
        let mut r = cx.ring()?;
        let (long, zero) = (ms(10_000), ms(0));
        r.run_expect(&[Sqe::timeout(&long, 1, 0).user_data(1), Sqe::timeout(&zero, 0, 0).user_data(2)], &[cqe(2, -libc::ETIME)])?;
        r.expect_none()?;
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0), cqe(1, 0)])?;
        Ok(())
    },
}

/// An absolute timeout on `clock` 20 ms ahead.
fn abs_fires(cx: &Ctx, flag: u32, clock: libc::clockid_t, slack: Duration) -> CaseResult {
    let mut r = cx.ring()?;
    let t0 = Instant::now();
    let ts = deadline(clock, Duration::from_millis(20));
    r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS | flag).user_data(1)], &[cqe(1, -libc::ETIME)])?;
    check_elapsed(t0, Duration::from_millis(20) - slack, "absolute timeout")
}

case! {
    id: "timeouts/abs-monotonic",
    summary: "IORING_TIMEOUT_ABS 20 ms ahead on CLOCK_MONOTONIC completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ABS (CLOCK_MONOTONIC by default)"],
    run: |cx| abs_fires(cx, 0, libc::CLOCK_MONOTONIC, Duration::ZERO),
}

case! {
    id: "timeouts/abs-boottime",
    summary: "IORING_TIMEOUT_ABS|BOOTTIME 20 ms ahead on CLOCK_BOOTTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutBoottime],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_BOOTTIME"],
    run: |cx| abs_fires(cx, IORING_TIMEOUT_BOOTTIME, libc::CLOCK_BOOTTIME, Duration::ZERO),
}

case! {
    id: "timeouts/abs-realtime",
    summary: "IORING_TIMEOUT_ABS|REALTIME 20 ms ahead on CLOCK_REALTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutRealtime],
    variants: variants::DELIVERY,
    // The wall clock may be slewed while we measure on the monotonic one.
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_REALTIME"],
    run: |cx| abs_fires(cx, IORING_TIMEOUT_REALTIME, libc::CLOCK_REALTIME, Duration::from_millis(2)),
}

case! {
    id: "timeouts/abs-past-fires-at-once",
    summary: "an absolute deadline in the past (1 s after boot) completes promptly with -ETIME",
    requires: [OpTimeout, OpflagTimeoutAbs],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ABS"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = __kernel_timespec { tv_sec: 1, tv_nsec: 0 };
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/relative-boottime",
    summary: "a 20 ms relative timeout on CLOCK_BOOTTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutBoottime],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_BOOTTIME"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(20);
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_BOOTTIME).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "boottime timeout")
    },
}

case! {
    id: "timeouts/relative-realtime",
    summary: "a 20 ms relative timeout on CLOCK_REALTIME completes with -ETIME, not before",
    requires: [OpTimeout, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_REALTIME"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(20);
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_REALTIME).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "realtime timeout")
    },
}

case! {
    id: "timeouts/two-clocks-einval",
    summary: "BOOTTIME and REALTIME together are rejected with -EINVAL",
    requires: [OpTimeout, OpflagTimeoutBoottime, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: more than one clock is -EINVAL"],
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
    refs: ["io_uring/timeout.c __io_timeout_prep: sqe->len != 1 is -EINVAL"],
    run: |cx| {
        let ts = ms(10);
        let mut s = Sqe::timeout(&ts, 0, 0);
        // Deliberately malformed: a TIMEOUT with two timespecs.
        s.raw.len = 2;
        expect_timeout_einval(cx, s)
    },
}

case! {
    id: "timeouts/negative-einval",
    summary: "a timespec with a negative field is rejected with -EINVAL",
    requires: [OpTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: tv_sec < 0 || tv_nsec < 0 is -EINVAL"],
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
    refs: ["io_uring/timeout.c __io_timeout_prep: get_timespec64 failure is -EFAULT"],
    run: |cx| {
        let mut r = cx.ring()?;
        let mut s = Sqe::op(IORING_OP_TIMEOUT).user_data(1);
        // Deliberately malformed: a timespec at an unmapped address.
        s.raw.addr = 8;
        s.raw.len = 1;
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
        let mut r = cx.ring()?;
        let (long, short) = (ms(200), ms(10));
        r.run_expect(&[Sqe::timeout(&long, 0, 0).user_data(1), Sqe::timeout(&short, 0, 0).user_data(2)], &[cqe(2, -libc::ETIME), cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/remove-cancels",
    summary: "TIMEOUT_REMOVE of a pending timeout completes with 0 and the timeout with -ECANCELED",
    requires: [OpTimeout, OpTimeoutRemove],
    variants: variants::ALL,
    refs: ["io_uring_prep_timeout_remove(3): 0 on success; the removed timeout completes with -ECANCELED"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10_000);
        r.run_expect_unordered(&[Sqe::timeout(&ts, 0, 0).user_data(1), Sqe::timeout_remove(1).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/remove-unknown-enoent",
    summary: "TIMEOUT_REMOVE of a user_data no timeout has completes with -ENOENT",
    requires: [OpTimeoutRemove],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout_remove(3): -ENOENT if not found"],
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
    refs: ["io_uring_prep_timeout_remove(3): -ENOENT if not found"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(0);
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
    refs: ["io_uring/timeout.c io_timeout_remove_prep: removal doesn't support flags"],
    run: |cx| {
        let mut s = Sqe::timeout_remove(1);
        // Deliberately malformed: a removal with a flag only updates take.
        s.raw.op_flags = IORING_TIMEOUT_ABS;
        expect_timeout_einval(cx, s)
    },
}

case! {
    id: "timeouts/update-rearms",
    summary: "IORING_TIMEOUT_UPDATE re-arms a 10 s timeout to 20 ms: the update completes with 0, the timeout with -ETIME",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout_update(3)"],
    run: |cx| {
        let mut r = cx.ring()?;
        let (long, short) = (ms(10_000), ms(20));
        r.submit_all(&[Sqe::timeout(&long, 0, 0).user_data(1)])?;
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout_update(1, &short, 0).user_data(2)], &[cqe(2, 0), cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "updated timeout")
    },
}

case! {
    id: "timeouts/update-unknown-enoent",
    summary: "updating a user_data no timeout has completes with -ENOENT",
    requires: [OpTimeoutRemove, OpflagTimeoutUpdate],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_timeout_update(3): -ENOENT if not found"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10);
        r.run_expect(&[Sqe::timeout_update(77, &ts, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/update-two-clocks-einval",
    summary: "an update naming two clocks is rejected with -EINVAL",
    requires: [OpTimeoutRemove, OpflagTimeoutUpdate, OpflagTimeoutBoottime, OpflagTimeoutRealtime],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c io_timeout_remove_prep: hweight32(clock flags) > 1 is -EINVAL"],
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
    refs: ["io_uring/timeout.c io_timeout_remove_prep: tv_sec < 0 || tv_nsec < 0 is -EINVAL"],
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
        let mut r = cx.ring()?;
        let long = ms(10_000);
        r.submit_all(&[Sqe::timeout(&long, 1, 0).user_data(1)])?;
        r.run_expect(&[Sqe::timeout_update(1, &long, 0).user_data(2)], &[cqe(2, 0)])?;
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0)])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(1).user_data(4)], &[cqe(4, 0), cqe(1, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-fires",
    summary: "a linked timeout that expires cancels its poll: the poll gets -ECANCELED, the timeout -ETIME",
    requires: [OpPollAdd, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3): -ETIME for the timeout, -ECANCELED for the request it cancelled"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let ts = ms(20);
        let t0 = Instant::now();
        r.run_expect_unordered(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(20), "linked timeout")
    },
}

case! {
    id: "timeouts/link-timeout-not-fired",
    summary: "a request completing before its linked timeout: the request's result, the timeout -ECANCELED",
    requires: [OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3): a timeout whose request completes first completes with -ECANCELED"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10_000);
        r.run_expect_unordered(&[Sqe::nop().user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, 0), cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-read-completes-first",
    summary: "a pipe read with data waiting beats its linked timeout: the byte count, then the timeout -ECANCELED",
    requires: [OpRead, OpLinkTimeout, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout(3)"],
    run: |cx| {
        let p = Pipe::new()?;
        p.put(b"hello")?;
        let mut r = cx.ring()?;
        let ts = ms(10_000);
        let mut buf = [0u8; 5];
        r.run_expect_unordered(&[Sqe::read(p.rx(), &mut buf, u64::MAX).user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, 5), cqe(2, -libc::ECANCELED)])?;
        check_eq!(&buf, b"hello", "bytes read");
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-alone-einval",
    summary: "a LINK_TIMEOUT not preceded by a linked request is rejected with -EINVAL",
    requires: [OpLinkTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: a link timeout with no link head is -EINVAL"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::link_timeout(&ts, 0))
    },
}

case! {
    id: "timeouts/link-timeout-with-count-einval",
    summary: "a LINK_TIMEOUT with a count fails with -EINVAL and fails its head with -ECANCELED",
    requires: [OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c __io_timeout_prep: off && is_timeout_link is -EINVAL", "io_uring/io_uring.c io_submit_fail_init: the head of a failed link gets -ECANCELED"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10);
        let mut lt = Sqe::link_timeout(&ts, 0).user_data(2);
        // Deliberately malformed: a linked timeout with a completion count.
        lt.raw.off = 1;
        r.run_expect_unordered(&[Sqe::nop().user_data(1).link(), lt], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-update",
    summary: "IORING_LINK_TIMEOUT_UPDATE shortens a linked timeout: update 0, then poll -ECANCELED and timeout -ETIME",
    requires: [OpPollAdd, OpLinkTimeout, OpTimeoutRemove, OpflagLinkTimeoutUpdate, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout_update(3)"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let (long, short) = (ms(10_000), ms(20));
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1).link(), Sqe::link_timeout(&long, 0).user_data(2)])?;
        let t0 = Instant::now();
        // On a slow machine the 20 ms may pass before we reap the update's
        // CQE: expect all three, the update's first.
        let got = r.run_expect_unordered(&[Sqe::timeout_update(2, &short, IORING_LINK_TIMEOUT_UPDATE).user_data(3)], &[cqe(3, 0), cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        check_order(&got, &[3, 2])?;
        check_order(&got, &[3, 1])?;
        check_elapsed(t0, Duration::from_millis(20), "updated linked timeout")
    },
}

case! {
    id: "timeouts/etime-breaks-link",
    summary: "an expiring timeout is a failure for links: the next linked request gets -ECANCELED",
    requires: [OpTimeout, OpNop, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c io_timeout_fn: req_set_fail unless IORING_TIMEOUT_ETIME_SUCCESS"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(1);
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1).link(), Sqe::nop().user_data(2)], &[cqe(1, -libc::ETIME), cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/etime-success-keeps-link",
    summary: "with IORING_TIMEOUT_ETIME_SUCCESS an expiring timeout still reports -ETIME but lets its link run",
    requires: [OpTimeout, OpNop, SqeIoLink, OpflagTimeoutEtimeSuccess],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ETIME_SUCCESS"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(1);
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ETIME_SUCCESS).user_data(1).link(), Sqe::nop().user_data(2)], &[cqe(1, -libc::ETIME), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/multishot-count",
    summary: "a multishot timeout with count 3 fires three times: -ETIME with F_MORE twice, then -ETIME without",
    requires: [OpTimeout, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT (count = number of expirations)"],
    run: |cx| {
        let mut r = cx.ring()?;
        let ts = ms(10);
        let t0 = Instant::now();
        let more = cqe(1, -libc::ETIME).flags(IORING_CQE_F_MORE);
        r.run_expect(&[Sqe::timeout(&ts, 3, IORING_TIMEOUT_MULTISHOT).user_data(1)], &[more, more, cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(30), "three 10 ms expirations")
    },
}

case! {
    id: "timeouts/multishot-until-removed",
    summary: "a multishot timeout with no count keeps firing with F_MORE until removed, then ends with -ECANCELED",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT with count 0 repeats until cancelled", "io_uring/timeout.c io_timeout_complete: posts the F_MORE CQE, then re-arms"],
    run: |cx| {
        let mut r = cx.ring()?;
        // Between an expiry and its re-arm the timeout is off the list and
        // a removal finds nothing (-ENOENT). The period is long enough that
        // the removal, sent right after an expiry was reaped (so after its
        // re-arm), lands inside an armed interval, and that no third expiry
        // comes while the second is checked: scaled with the run's timeouts
        // (a loaded VM under TCG saw a third expiry, and a removal racing
        // it, with a fixed 100 ms).
        let period = harness::scaled(Duration::from_millis(100));
        let ts = __kernel_timespec::from_duration(period);
        let more = cqe(1, -libc::ETIME).flags(IORING_CQE_F_MORE);
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_MULTISHOT).user_data(1)], &[more, more])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(1).user_data(2)], &[cqe(2, 0), cqe(1, -libc::ECANCELED)])?;
        r.expect_none_within(period + period / 2)
    },
}

case! {
    id: "timeouts/multishot-abs-einval",
    summary: "MULTISHOT with ABS is rejected with -EINVAL (multishot takes relative times only)",
    requires: [OpTimeout, OpflagTimeoutMultishot, OpflagTimeoutAbs],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: multishot requests only make sense with rel values"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::timeout(&ts, 0, IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS))
    },
}

case! {
    id: "timeouts/enter-timeout-etime",
    summary: "a GETEVENTS enter with a 20 ms EXT_ARG timeout and nothing to reap fails with ETIME, not before 20 ms",
    requires: [EnterExtArg],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_EXT_ARG; ETIME when the timeout expires"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(20);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Instant::now();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "enter with a 20 ms timeout");
        check_elapsed(t0, Duration::from_millis(20), "enter timeout")
    },
}

case! {
    id: "timeouts/enter-timeout-returns-on-cqe",
    summary: "a GETEVENTS enter with a 5 s timeout returns as soon as the CQE it waits for is posted",
    requires: [EnterExtArg, OpNop],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_EXT_ARG"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(5_000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Instant::now();
        r.enter_wait(1, 0, &arg)?;
        check_elapsed(t0, Duration::ZERO, "enter waiting for a CQE already due")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/enter-ext-arg-size-einval",
    summary: "EXT_ARG with an argument size other than sizeof(io_uring_getevents_arg) fails with EINVAL",
    requires: [EnterExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): EXT_ARG; io_uring/io_uring.c io_get_ext_arg: argsz != sizeof is -EINVAL"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(10);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        // SAFETY: arg lives through the call.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg as *const _ as *const libc::c_void, 16) };
        check_errno!(res, libc::EINVAL, "EXT_ARG with argsz 16");
        Ok(())
    },
}

case! {
    id: "timeouts/enter-abs-timer",
    summary: "IORING_ENTER_ABS_TIMER: a CLOCK_MONOTONIC deadline 20 ms ahead ends the wait with ETIME, not before",
    requires: [EnterExtArg, EnterAbsTimer],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_ABS_TIMER"],
    run: |cx| {
        let r = cx.ring()?;
        let t0 = Instant::now();
        let ts = deadline(libc::CLOCK_MONOTONIC, Duration::from_millis(20));
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with an absolute deadline");
        check_elapsed(t0, Duration::from_millis(20), "absolute enter timeout")
    },
}

case! {
    id: "timeouts/enter-abs-timer-registered-boottime",
    summary: "after IORING_REGISTER_CLOCK(CLOCK_BOOTTIME), ABS_TIMER deadlines are read on CLOCK_BOOTTIME",
    requires: [EnterExtArg, EnterAbsTimer, RegClock],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_CLOCK", "io_uring_enter(2): IORING_ENTER_ABS_TIMER"],
    run: |cx| {
        let r = cx.ring()?;
        let reg = io_uring_clock_register { clockid: libc::CLOCK_BOOTTIME as u32, ..Default::default() };
        // SAFETY: one valid io_uring_clock_register.
        unsafe { r.register_raw(IORING_REGISTER_CLOCK, &reg as *const _ as *const _, 0)? };
        let t0 = Instant::now();
        let ts = deadline(libc::CLOCK_BOOTTIME, Duration::from_millis(20));
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with a boottime deadline");
        check_elapsed(t0, Duration::from_millis(20), "boottime enter deadline")
    },
}

case! {
    id: "timeouts/min-wait-returns-with-fewer",
    summary: "with min_wait_usec 20 ms and one CQE ready of two wanted, enter returns after the min wait, before the 2 s timeout",
    requires: [EnterExtArg, FeatMinTimeout, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): min_wait_usec (return after the min wait if any CQE is available)", "io_uring/io_uring.c io_cqring_min_timer_wakeup"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(2_000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 20_000, ..Default::default() };
        let t0 = Instant::now();
        let res = r.enter_wait(2, 0, &arg);
        // A CQE is there when the min wait ends, so the wait ends with
        // success (0 SQEs submitted), not ETIME: not before 20 ms, and
        // long before the 2 s timeout.
        check_eq!(res, Ok(0), "enter with min_wait and one CQE ready");
        check_elapsed(t0, Duration::from_millis(20), "enter with min_wait_usec 20 ms and one CQE ready")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/min-wait-nothing-waits-full",
    summary: "with min_wait_usec 10 ms and no CQE at all, enter waits the whole 40 ms timeout and fails with ETIME",
    requires: [EnterExtArg, FeatMinTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): min_wait_usec"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(40);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 10_000, ..Default::default() };
        let t0 = Instant::now();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "enter with min_wait and nothing posted");
        check_elapsed(t0, Duration::from_millis(40), "enter timeout after min wait")
    },
}

// ------------------------------------------------------------ time namespaces

/// The namespace's clocks run 1 s behind the host's. A deadline read on
/// the host's clock is then in the past and fires at once: the bounds
/// below tell the two readings apart.
const TIMENS_OFFSET_SECS: i64 = -1;

/// How far ahead the namespace deadlines are: 500 ms, scaled in slow
/// emulated VMs (where "at once" was measured at up to 245 ms, and an
/// SQPOLL poller took longer still), but kept short of the 1 s offset so a
/// deadline read on the host's clock is always in the past.
fn timens_ahead() -> Duration {
    harness::expect::scaled(Duration::from_millis(500)).min(Duration::from_millis(900))
}

/// Enters a fresh time namespace (offset [`TIMENS_OFFSET_SECS`]) for the
/// rest of this trial process.
fn enter_timens() -> CaseResult {
    if fixtures::clock_now(libc::CLOCK_MONOTONIC).tv_sec < 2 * -TIMENS_OFFSET_SECS {
        return Err(CaseError::Error("fixture: uptime too short for a negative time-namespace offset".into()));
    }
    fixtures::enter_time_namespace(TIMENS_OFFSET_SECS).map_err(|e| CaseError::Error(format!("fixture: entering a time namespace: {e}")))
}

/// An absolute timeout [`timens_ahead`] ahead on `clock` as the namespace
/// reads it. The time is taken once the kernel has the SQE (under SQPOLL
/// the poller may take it late in a slow VM), and the deadline must not
/// fire before half of it from then: a deadline read on the
/// host's clock fires at once, a correct one about 500 ms later.
fn timens_abs(cx: &Ctx, flag: u32, clock: libc::clockid_t) -> CaseResult {
    enter_timens()?;
    let mut r = cx.ring()?;
    let ahead = timens_ahead();
    let ts = deadline(clock, ahead);
    r.submit_all(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS | flag).user_data(1)])?;
    let t0 = Instant::now();
    r.expect(&[cqe(1, -libc::ETIME)])?;
    check_elapsed(t0, ahead / 2, "absolute timeout inside a time namespace (a deadline read on the host's clock fires at once)")
}

const TIMENS_VARIANTS: &[Variant] = &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll];

case! {
    id: "timeouts/timens-abs-monotonic",
    summary: "in a time namespace with an offset, an ABS CLOCK_MONOTONIC deadline (500 ms ahead) is read on the namespace's clock",
    requires: [OpTimeout, OpflagTimeoutAbs, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7): absolute timers take the namespace's view", "commit 9cc6bac1bebf (io_uring/timeout: honour caller's time namespace for IORING_TIMEOUT_ABS, 7.1)"],
    run: |cx| timens_abs(cx, 0, libc::CLOCK_MONOTONIC),
}

case! {
    id: "timeouts/timens-abs-boottime",
    summary: "in a time namespace with an offset, an ABS CLOCK_BOOTTIME deadline is read on the namespace's clock",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutBoottime, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7)", "commit 9cc6bac1bebf (io_uring/timeout: honour caller's time namespace for IORING_TIMEOUT_ABS, 7.1)"],
    run: |cx| timens_abs(cx, IORING_TIMEOUT_BOOTTIME, libc::CLOCK_BOOTTIME),
}

case! {
    id: "timeouts/timens-abs-realtime",
    summary: "in a time namespace, an ABS CLOCK_REALTIME deadline behaves as outside (namespaces do not offset REALTIME)",
    requires: [OpTimeout, OpflagTimeoutAbs, OpflagTimeoutRealtime, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7): only CLOCK_MONOTONIC and CLOCK_BOOTTIME are offset"],
    run: |cx| timens_abs(cx, IORING_TIMEOUT_REALTIME, libc::CLOCK_REALTIME),
}

case! {
    id: "timeouts/timens-relative",
    summary: "in a time namespace, a relative 50 ms timeout still waits 50 ms",
    requires: [OpTimeout, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7): offsets do not change intervals"],
    run: |cx| {
        enter_timens()?;
        let mut r = cx.ring()?;
        let ts = ms(50);
        let t0 = Instant::now();
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(t0, Duration::from_millis(50), "relative timeout inside a time namespace")
    },
}

case! {
    id: "timeouts/timens-enter-abs-timer",
    summary: "in a time namespace with an offset, an IORING_ENTER_ABS_TIMER deadline is read on the namespace's clock",
    requires: [EnterExtArg, EnterAbsTimer, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7)", "commit 45d2b37a37ab (io_uring/wait: honour caller's time namespace for IORING_ENTER_ABS_TIMER, 7.1)"],
    run: |cx| {
        enter_timens()?;
        let r = cx.ring()?;
        let t0 = Instant::now();
        let ahead = timens_ahead();
        let ts = deadline(libc::CLOCK_MONOTONIC, ahead);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with an absolute deadline in a time namespace");
        check_elapsed(t0, ahead, "absolute enter deadline inside a time namespace (a deadline read on the host's clock returns at once)")
    },
}
