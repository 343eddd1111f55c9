//! Timeouts inside a time namespace (time_namespaces(7)): absolute deadlines are read in the namespace's clocks.

use super::*;

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
    oracle::expect::scaled(Duration::from_millis(500)).min(Duration::from_millis(900))
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
/// reads it. The stopwatch starts before the clock is read, so a correct
/// deadline fires no sooner than `ahead` after it, however late an SQPOLL
/// poller takes the SQE (the deadline is absolute); a deadline read on
/// the host's clock fires at once, and one read twice too far fires at
/// double.
fn timens_abs(cx: &Ctx, flag: u32, clock: libc::clockid_t) -> CaseResult {
    enter_timens()?;
    let ts;
    let mut r = cx.ring()?;
    let ahead = timens_ahead();
    let t0 = Stopwatch::start();
    ts = deadline(clock, ahead);
    r.submit_all(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ABS | flag).user_data(1)])?;
    r.expect(&[cqe(1, -libc::ETIME)])?;
    check_elapsed(&t0, ahead, "absolute timeout inside a time namespace (a deadline read on the host's clock fires at once)")
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
    summary: "in a time namespace, a relative 150 ms timeout still waits 150 ms",
    requires: [OpTimeout, EnvTimeNs],
    variants: TIMENS_VARIANTS,
    refs: ["time_namespaces(7): offsets do not change intervals"],
    run: |cx| {
        enter_timens()?;
        let ts;
        let mut r = cx.ring()?;
        // 150 ms: an SQPOLL poller in a TCG guest took the SQE about 50 ms
        // late (6.18.15, every start), more than a 50 ms timer's bound.
        ts = ms(150);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1)], &[cqe(1, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(150), "relative timeout inside a time namespace")
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
        let t0 = Stopwatch::start();
        let ahead = timens_ahead();
        let ts = deadline(libc::CLOCK_MONOTONIC, ahead);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        check_errno!(r.enter_wait(1, IORING_ENTER_ABS_TIMER, &arg), libc::ETIME, "enter with an absolute deadline in a time namespace");
        check_elapsed(&t0, ahead, "absolute enter deadline inside a time namespace (a deadline read on the host's clock returns at once)")
    },
}
