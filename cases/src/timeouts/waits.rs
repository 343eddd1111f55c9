//! Multishot timeouts, and the waits io_uring_enter(2) bounds: EXT_ARG timeouts, ABS_TIMER, min_wait.

use super::*;

case! {
    id: "timeouts/multishot-count",
    summary: "a multishot timeout with count 3 fires three times: -ETIME with F_MORE twice, then -ETIME without",
    requires: [OpTimeout, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT (count = number of expirations)", "claim:enter.op.timeout.multishot"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(50);
        let t0 = Stopwatch::start();
        let more = cqe(1, -libc::ETIME).flags(IORING_CQE_F_MORE);
        r.run_expect(&[Sqe::timeout(&ts, 3, IORING_TIMEOUT_MULTISHOT).user_data(1)], &[more, more, cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(150), "three 50 ms expirations")
    },
}

case! {
    id: "timeouts/multishot-until-removed",
    summary: "a multishot timeout with no count keeps firing with F_MORE until removed, then ends with -ECANCELED",
    requires: [OpTimeout, OpTimeoutRemove, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT with count 0 repeats until cancelled", "io_uring/timeout.c io_timeout_complete: posts the F_MORE CQE, then re-arms"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        // Between an expiry and its re-arm the timeout is off the list and
        // a removal finds nothing (-ENOENT); a removal issued a period after
        // the last expiry meets the next one. The case needs the removal to
        // land inside an armed interval: right after the second expiry was
        // reaped (so after its re-arm, which the same task work did before
        // the CQE could be seen). It measures that it did: a window in
        // which the thread stalled (run delay), a third expiry already
        // there when the second was reaped, or a removal that took half a
        // period, is the machine's doing, and the trial is run again
        // instead of judged (oracle::timing).
        let period = oracle::scaled(Duration::from_millis(100));
        ts = __kernel_timespec::from_duration(period);
        let more = cqe(1, -libc::ETIME).flags(IORING_CQE_F_MORE);
        let sw = Stopwatch::start();
        r.submit_all(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_MULTISHOT).user_data(1)])?;
        let fired = r.wait_for(2, oracle::prompt() + 2 * period).map_err(|e| CaseError::Fail(format!("waiting for two expiries: {e}")))?;
        let reaped = sw.elapsed();
        r.submit_all(&[Sqe::timeout_remove(1).user_data(2)])?;
        let mut removed = r.wait_for(2, oracle::prompt()).map_err(|e| CaseError::Fail(format!("waiting for the removal: {e}")))?;
        let took = sw.elapsed().saturating_sub(reaped);
        if fired.len() > 2 || took >= period / 2 {
            return Err(CaseError::Disturbed(format!(
                "the removal was not issued inside an armed interval ({} CQEs at the reap, removal {} ms after it, period {} ms)",
                fired.len(),
                took.as_millis(),
                period.as_millis()
            )));
        }
        sw.undisturbed(period, "the multishot timeout's window")?;
        check_cqes(&fired, &[more, more])?;
        // The removal and the cancelled timeout in no defined order:
        // compared by user_data.
        removed.sort_by_key(|c| c.user_data);
        r.check_reaped(&removed, &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        r.expect_none_within(period + period / 2)
    },
}

case! {
    id: "timeouts/multishot-abs-einval",
    summary: "MULTISHOT with ABS is rejected with -EINVAL (multishot takes relative times only)",
    requires: [OpTimeout, OpflagTimeoutMultishot, OpflagTimeoutAbs],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: multishot requests only make sense with rel values", "claim:enter.cqe.EINVAL-timeout-multishot-abs"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::timeout(&ts, 0, IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS))
    },
}

case! {
    id: "timeouts/enter-timeout-etime",
    summary: "a GETEVENTS enter with a 100 ms EXT_ARG timeout and nothing to reap fails with ETIME, not before 100 ms",
    requires: [EnterExtArg],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_EXT_ARG; ETIME when the timeout expires", "claim:enter.ext-arg.timeout"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(100);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "enter with a 100 ms timeout");
        check_elapsed(&t0, Duration::from_millis(100), "enter timeout")
    },
}

case! {
    id: "timeouts/enter-timeout-returns-on-cqe",
    summary: "a GETEVENTS enter with a 5 s timeout returns as soon as the CQE it waits for is posted",
    requires: [EnterExtArg, OpNop],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_EXT_ARG", "claim:enter.ext-arg.timeout"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(5_000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        r.enter_wait(1, 0, &arg)?;
        check_elapsed(&t0, Duration::ZERO, "enter waiting for a CQE already due")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/enter-ext-arg-size-einval",
    summary: "EXT_ARG with an argument size other than sizeof(io_uring_getevents_arg) fails with EINVAL",
    requires: [EnterExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): EXT_ARG; io_uring/io_uring.c io_get_ext_arg: argsz != sizeof is -EINVAL", "claim:enter.ext-arg.argsz"],
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
    summary: "IORING_ENTER_ABS_TIMER: a CLOCK_MONOTONIC deadline 100 ms ahead ends the wait with ETIME, not before",
    requires: [EnterExtArg, EnterAbsTimer],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_ENTER_ABS_TIMER", "claim:enter.abs-timer"],
    run: |cx| {
        let r = cx.ring()?;
        let t0 = Stopwatch::start();
        let ts = deadline(libc::CLOCK_MONOTONIC, Duration::from_millis(100));
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with an absolute deadline");
        check_elapsed(&t0, Duration::from_millis(100), "absolute enter timeout")
    },
}

case! {
    id: "timeouts/enter-abs-timer-registered-boottime",
    summary: "after IORING_REGISTER_CLOCK(CLOCK_BOOTTIME), ABS_TIMER deadlines are read on CLOCK_BOOTTIME",
    requires: [EnterExtArg, EnterAbsTimer, RegClock],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_CLOCK", "io_uring_enter(2): IORING_ENTER_ABS_TIMER", "claim:enter.abs-timer"],
    run: |cx| {
        let r = cx.ring()?;
        let reg = io_uring_clock_register { clockid: libc::CLOCK_BOOTTIME as u32, ..Default::default() };
        // SAFETY: one valid io_uring_clock_register.
        unsafe { r.register_raw(IORING_REGISTER_CLOCK, &reg as *const _ as *const _, 0)? };
        let t0 = Stopwatch::start();
        let ts = deadline(libc::CLOCK_BOOTTIME, Duration::from_millis(100));
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with a boottime deadline");
        check_elapsed(&t0, Duration::from_millis(100), "boottime enter deadline")
    },
}

case! {
    id: "timeouts/min-wait-returns-with-fewer",
    summary: "with min_wait_usec 100 ms and one CQE ready of two wanted, enter returns after the min wait, before the 2 s timeout",
    requires: [EnterExtArg, FeatMinTimeout, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): min_wait_usec (return after the min wait if any CQE is available)", "io_uring/io_uring.c io_cqring_min_timer_wakeup"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(2_000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 100_000, ..Default::default() };
        let t0 = Stopwatch::start();
        let res = r.enter_wait(2, 0, &arg);
        // A CQE is there when the min wait ends, so the wait ends with
        // success (0 SQEs submitted), not ETIME: not before 100 ms, and
        // long before the 2 s timeout.
        check_eq!(res, Ok(0), "enter with min_wait and one CQE ready");
        check_elapsed(&t0, Duration::from_millis(100), "enter with min_wait_usec 100 ms and one CQE ready")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/min-wait-nothing-waits-full",
    summary: "with min_wait_usec 50 ms and no CQE at all, enter waits the whole 200 ms timeout and fails with ETIME",
    requires: [EnterExtArg, FeatMinTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): min_wait_usec"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(200);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 50_000, ..Default::default() };
        let t0 = Stopwatch::start();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "enter with min_wait and nothing posted");
        check_elapsed(&t0, Duration::from_millis(200), "enter timeout after min wait")
    },
}

case! {
    id: "timeouts/expiring-timeout-ends-a-longer-wait",
    summary: "a TIMEOUT that expires ends a GETEVENTS wait for more CQEs than will ever come: enter returns after the timeout, with its -ETIME CQE",
    requires: [OpTimeout],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): the timeout wakes waiters", "io_uring/wait.c io_should_wake: a timeout that fired while the task waits (cq_timeouts moved since the wait began) ends the wait"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        // The wait must begin before the timeout fires (a wait counts the
        // timeouts that fire while it waits): submit and wait in one
        // io_uring_enter, with a timeout far longer than that call's start.
        ts = __kernel_timespec::from_duration(oracle::scaled(Duration::from_millis(100)));
        r.push_all(&[Sqe::timeout(&ts, 0, 0).user_data(1)])?;
        // Before publishing: an SQPOLL thread may take the SQE (and start
        // the timer) the moment the tail moves (5.10 under TCG fired 4 ms
        // "early" against a stopwatch started after it).
        let t0 = Stopwatch::start();
        let n = r.publish();
        // SQ_WAKEUP: an SQPOLL thread gone idle takes the SQE (ignored otherwise).
        let wake = if r.flags() & IORING_SETUP_SQPOLL != 0 { IORING_ENTER_SQ_WAKEUP } else { 0 };
        r.enter_flags(n, 2, IORING_ENTER_GETEVENTS | wake)?;
        check_elapsed(&t0, oracle::scaled(Duration::from_millis(100)), "the wait for 2 CQEs")?;
        r.expect(&[cqe(1, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/defer-taskrun-timed-out-wait-runs-task-work",
    summary: "on a DEFER_TASKRUN ring, a wait for 2 CQEs that times out still runs the pending task work: the ready poll's CQE is there, so the wait returns 0 (not ETIME) after the timeout",
    requires: [SetupDeferTaskrun, SetupSingleIssuer, EnterExtArg, OpPollAdd],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_setup(2): IORING_SETUP_DEFER_TASKRUN (work runs when the task waits for completions)",
        "io_uring/wait.c io_cqring_wait: local work runs before the timeout check ('If the timeout hits, we could have some requests ready to process'), and a wait that ends with CQEs in the ring returns 0", "claim:setup.defer-taskrun.runs-on-wait"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
        r.push_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1)])?;
        // Submit only: no GETEVENTS, so no task work runs here.
        r.submit()?;
        // The wakeup queues the completion as local task work.
        p.put(b"x")?;
        let ts = ms(100);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        check_eq!(r.enter_wait(2, 0, &arg), Ok(0), "a wait for 2 CQEs with a 100 ms timeout, one CQE due");
        check_elapsed(&t0, Duration::from_millis(100), "the wait")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

/// The configurations min_wait is documented for.
const MIN_WAIT_VARIANTS: &[Variant] = &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll];

case! {
    id: "timeouts/min-wait-then-first-cqe-ends-wait",
    summary: "with min_wait_usec 50 ms, a 5 s timeout and 4 CQEs wanted, nothing before the min wait: the first CQEs after it (a linked timeout firing at 150 ms) end the wait",
    requires: [EnterExtArg, FeatMinTimeout, OpPollAdd, OpLinkTimeout, SqeIoLink],
    variants: MIN_WAIT_VARIANTS,
    refs: ["io_uring_enter(2): min_wait_usec (after the min wait, any CQE ends the wait)", "liburing test/min-timeout.c: no writes within min timeout, expect 1 cqe"],
    run: |cx| {
        let p = Pipe::new()?;
        let lt;
        let mut r = cx.ring()?;
        lt = ms(150);
        let t0 = Stopwatch::start();
        // A linked timeout does not count as a TIMEOUT for the wait (only
        // TIMEOUT requests end waits on their own).
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).link().user_data(1), Sqe::link_timeout(&lt, 0).user_data(2)])?;
        let ts = ms(5_000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 50_000, ..Default::default() };
        check_eq!(r.enter_wait(4, 0, &arg), Ok(0), "the wait for 4 CQEs");
        check_elapsed(&t0, Duration::from_millis(150), "the wait ended by the first CQEs")?;
        check!(t0.elapsed() < oracle::scaled(Duration::from_millis(2_500)), "the wait lasted {:?}: it ran towards its 5 s timeout", t0.elapsed());
        r.expect_unordered(&[cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/min-wait-longer-than-timeout",
    summary: "a min_wait_usec (200 ms) longer than the timeout (50 ms) is waited in full: with one CQE ready of two wanted, enter returns 0 after 200 ms",
    requires: [EnterExtArg, FeatMinTimeout, OpNop],
    variants: MIN_WAIT_VARIANTS,
    refs: ["io_uring_enter(2): min_wait_usec", "liburing test/min-timeout.c: min_wait 500 ms over a 250 ms timeout returns after 500 ms"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(50);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 200_000, ..Default::default() };
        let t0 = Stopwatch::start();
        check_eq!(r.enter_wait(2, 0, &arg), Ok(0), "the wait for 2 CQEs, one ready");
        check_elapsed(&t0, Duration::from_millis(200), "the min wait")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}
