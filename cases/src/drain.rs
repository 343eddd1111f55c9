//! IOSQE_IO_DRAIN: a drained request starts only after every request
//! submitted before it has completed, and requests after it wait for it.
//! io_uring_enter(2): "IOSQE_IO_DRAIN: When this flag is specified, the SQE
//! will not be started before previously submitted SQEs have completed, and
//! new SQEs will not be started before this one completes."
//!
//! A pending POLL_ADD on an empty pipe is the request "before"; a NOP
//! would complete at submission, so its absence right after submit shows
//! the drain holding it (no waiting needed).

use crate::prelude::*;

case! {
    id: "drain/waits-for-earlier-requests",
    summary: "a drained NOP does not complete while an earlier poll is pending, and completes after it",
    requires: [OpPollAdd, OpNop, SqeIoDrain],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1), Sqe::nop().drain().user_data(2)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/later-requests-wait-for-drain",
    summary: "requests submitted after a drained one wait for it",
    requires: [OpPollAdd, OpNop, SqeIoDrain],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN (new SQEs will not be started before this one completes)"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1), Sqe::nop().drain().user_data(2), Sqe::nop().user_data(3)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/nothing-in-flight-runs-at-once",
    summary: "a drained NOP with nothing in flight completes at once",
    requires: [OpNop, SqeIoDrain],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().drain().user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/drained-link-chain-waits",
    summary: "a chain whose head is drained waits for earlier requests, then runs in order",
    requires: [OpPollAdd, OpNop, SqeIoDrain, SqeIoLink],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN, IOSQE_IO_LINK"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1), Sqe::nop().drain().link().user_data(2), Sqe::nop().user_data(3)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}
