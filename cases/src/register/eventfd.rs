//! IORING_REGISTER_EVENTFD and _ASYNC: when the eventfd is signalled.

use super::*;

// ------------------------------------------------------------ eventfd

/// The eventfd's counter, read (and so reset) without blocking: 0 when it
/// was not signalled (EAGAIN). Any other read error is the fixture's. Cases
/// read it after the ring's quiet check, so a late signal is counted, and
/// use the grace wait there: a barrier's CQE would signal it too.
fn eventfd_count(e: &EventFd) -> Result<u64, oracle::CaseError> {
    let fixture = |e: String| oracle::CaseError::Error(format!("fixture: reading the eventfd: {e}"));
    rustix::fs::fcntl_setfl(&e.fd, rustix::fs::OFlags::NONBLOCK).map_err(|e| fixture(e.to_string()))?;
    let mut v = [0u8; 8];
    match rustix::io::read(&e.fd, &mut v) {
        Ok(8) => Ok(u64::from_ne_bytes(v)),
        Err(rustix::io::Errno::AGAIN) => Ok(0),
        got => Err(fixture(format!("{got:?}"))),
    }
}

case! {
    id: "register/eventfd-signals-completions",
    summary: "with an eventfd registered, posting a CQE signals it (counter > 0 after a NOP; 0 before)",
    requires: [RegEventfd],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_eventfd(3)", "claim:register.op.eventfd"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        register_in(&r, IORING_REGISTER_EVENTFD, &e.raw(), 1)?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd before any completion");
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        // One CQE, one flush of the CQ, one signal (io_eventfd_signal).
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one CQE");
        Ok(())
    },
}

case! {
    id: "register/eventfd-cq-disabled-flag",
    summary: "IORING_CQ_EVENTFD_DISABLED in the CQ ring flags stops the signal; clearing it restores it",
    requires: [RegEventfd],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_eventfd(3)", "io_uring_setup(2): cq_off.flags, IORING_CQ_EVENTFD_DISABLED", "claim:register.op.eventfd-disabled"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        check!(r.cq_flags().is_some(), "the kernel gave no cq_off.flags");
        register_in(&r, IORING_REGISTER_EVENTFD, &e.raw(), 1)?;
        r.set_cq_flags(IORING_CQ_EVENTFD_DISABLED);
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd while disabled");
        r.set_cq_flags(0);
        r.run_expect(&[Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one CQE after re-enabling");
        Ok(())
    },
}

case! {
    id: "register/eventfd-async-only-worker-completions",
    summary: "EVENTFD_ASYNC signals only completions posted from io-wq: an inline NOP does not, an IOSQE_ASYNC NOP does",
    requires: [RegEventfdAsync, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_eventfd_async(3): only for completions of requests that went async", "io_uring/eventfd.c: eventfd_async && !io_wq_current_is_worker() -> no signal", "claim:enter.sqe.async", "claim:register.op.eventfd-async"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        register_in(&r, IORING_REGISTER_EVENTFD_ASYNC, &e.raw(), 1)?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd after an inline completion");
        r.run_expect(&[Sqe::nop().async_().user_data(2)], &[cqe(2, 0)])?;
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one io-wq completion");
        Ok(())
    },
}

case! {
    id: "register/eventfd-twice-ebusy",
    summary: "registering a second eventfd fails with EBUSY; unregistering twice fails with ENXIO",
    requires: [RegEventfd, RegUnregisterEventfd],
    variants: variants::DEFAULT,
    refs: ["io_uring/eventfd.c io_eventfd_register: already set -> -EBUSY; io_eventfd_unregister: none -> -ENXIO", "claim:register.op.eventfd-twice"],
    run: |cx| {
        let (a, b) = (EventFd::new(0)?, EventFd::new(0)?);
        let r = cx.ring()?;
        register_in(&r, IORING_REGISTER_EVENTFD, &a.raw(), 1)?;
        check_errno!(register_in(&r, IORING_REGISTER_EVENTFD, &b.raw(), 1), libc::EBUSY, "second REGISTER_EVENTFD");
        register_none(&r, IORING_UNREGISTER_EVENTFD, 0)?;
        check_errno!(register_none(&r, IORING_UNREGISTER_EVENTFD, 0), libc::ENXIO, "second UNREGISTER_EVENTFD");
        Ok(())
    },
}
