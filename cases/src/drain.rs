//! IOSQE_IO_DRAIN: a drained request starts only after every request
//! submitted before it has completed, and requests after it wait for it.
//! io_uring_enter(2): "IOSQE_IO_DRAIN: When this flag is specified, the SQE
//! will not be started before previously submitted SQEs have completed, and
//! new SQEs will not be started before this one completes."
//!
//! The request "before" is a READ of an empty pipe: it completes only when
//! the case writes, so the case decides when the drain may lift. A drained
//! NOP is not completed at submission (6.18 punts it to io-wq even with
//! nothing in flight, and posts it 30 us to 3 ms later), so "not yet" is a
//! bounded wait ([`HELD`]) long past that, not one look after submit.

/// How long a held request is watched for a completion it must not make.
const HELD: Duration = Duration::from_millis(30);

/// A READ of one byte from the empty pipe `p` into `buf`: pending until
/// the case writes.
fn read_pipe<'b>(p: &Pipe, buf: &'b IoBuf, ud: u64) -> Sqe<'b> {
    Sqe::read(p.rx(), buf, u64::MAX).user_data(ud)
}

use crate::prelude::*;

case! {
    id: "drain/waits-for-earlier-requests",
    summary: "a drained NOP does not complete while an earlier read is pending, and completes after it",
    requires: [OpRead, OpNop, SqeIoDrain, FeatFastPoll],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN", "claim:enter.sqe.drain"],
    run: |cx| {
        let p = Pipe::new()?;
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(1);
        r.submit_all(&[read_pipe(&p, &buf, 1), Sqe::nop().drain().user_data(2)])?;
        r.expect_none_within(HELD)?;
        p.put(b"x")?;
        r.expect(&[cqe(1, 1), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/later-requests-wait-for-drain",
    summary: "requests submitted after a drained one wait for it",
    requires: [OpRead, OpNop, SqeIoDrain, FeatFastPoll],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN (new SQEs will not be started before this one completes)", "claim:enter.sqe.drain"],
    run: |cx| {
        let p = Pipe::new()?;
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(1);
        r.submit_all(&[read_pipe(&p, &buf, 1), Sqe::nop().drain().user_data(2), Sqe::nop().user_data(3)])?;
        r.expect_none_within(HELD)?;
        p.put(b"x")?;
        r.expect(&[cqe(1, 1), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/nothing-in-flight-runs-at-once",
    summary: "a drained NOP with nothing in flight completes, and nothing else arrives before the ring is quiet",
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
    requires: [OpRead, OpNop, SqeIoDrain, SqeIoLink, FeatFastPoll],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_enter(2): IOSQE_IO_DRAIN, IOSQE_IO_LINK"],
    run: |cx| {
        let p = Pipe::new()?;
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(1);
        r.submit_all(&[read_pipe(&p, &buf, 1), Sqe::nop().drain().link().user_data(2), Sqe::nop().user_data(3)])?;
        r.expect_none_within(HELD)?;
        p.put(b"x")?;
        r.expect(&[cqe(1, 1), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "drain/non-head-member-drains-whole-chain",
    summary: "IOSQE_IO_DRAIN on the second member of a chain holds the whole chain, head included, until an earlier pending poll completes",
    requires: [OpNop, OpPollAdd, SqeIoDrain, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_init_req_drain: a drained member marks the link head REQ_F_IO_DRAIN", "io_uring_enter(2): IOSQE_IO_DRAIN"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1), Sqe::nop().link().user_data(2), Sqe::nop().drain().user_data(3)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}
