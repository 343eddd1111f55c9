//! Cancellation: IORING_OP_ASYNC_CANCEL by user_data, fd (plain and
//! fixed), opcode, any and all, with their result counts and errors;
//! cancelling each kind of pending request; IORING_REGISTER_SYNC_CANCEL;
//! and closing a ring or exiting with requests in flight.
//!
//! References: io_uring_prep_cancel(3) (flags; "0 on success ... a
//! positive value ... how many requests were found and canceled";
//! -ENOENT, -EINVAL, -EALREADY; "the completion for the request targeted
//! for cancelation will have been posted by the time submission
//! returns"), io_uring_register_sync_cancel(3), io_uring/cancel.c.

use crate::prelude::*;
use fixtures::{Child, Listener, SocketPair};
use oracle::{CaseError, Ctx};
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicU32;

mod keys;
mod running;
mod sync;

const ECANCELED: i32 = -libc::ECANCELED;

/// A poll for input on the empty pipe `p`: pending until cancelled.
fn poll_in(p: &Pipe, ud: u64) -> Sqe<'_> {
    Sqe::poll_add(p.rx(), POLLIN as u32).user_data(ud)
}

/// Arms `pending` (which must not complete), then submits `cancel` with
/// user_data 100 and expects exactly `want` (any order) and nothing more.
fn cancel_expect(cx: &Ctx, pending: &[Sqe], cancel: Sqe, want: &[Want]) -> CaseResult {
    let mut r = cx.ring()?;
    r.submit_all(pending)?;
    r.expect_none()?;
    r.run_expect_unordered(&[cancel.user_data(100)], want)?;
    r.expect_none()
}

case! {
    id: "cancel/poll-by-user-data",
    summary: "cancelling a pending poll by user_data: the poll completes with -ECANCELED, the cancel with 0",
    requires: [OpPollAdd, OpAsyncCancel],
    variants: variants::ALL,
    refs: ["io_uring_prep_cancel(3): 0 on success", "claim:enter.op.async-cancel.found", "claim:prep.cancel.zero"],
    run: |cx| {
        let p = Pipe::new()?;
        cancel_expect(cx, &[poll_in(&p, 1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/unknown-enoent",
    summary: "cancelling a user_data no request has completes with -ENOENT",
    requires: [OpAsyncCancel],
    variants: variants::ALL,
    refs: ["io_uring_prep_cancel(3): -ENOENT", "claim:enter.op.async-cancel.ENOENT", "claim:prep.cancel.ENOENT"],
    run: |cx| cancel_expect(cx, &[], Sqe::cancel(99, 0), &[cqe(100, -libc::ENOENT)]),
}

case! {
    id: "cancel/completed-enoent",
    summary: "cancelling a request that already completed gives -ENOENT",
    requires: [OpNop, OpAsyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -ENOENT ... it completed before the cancelation request was issued", "claim:enter.op.async-cancel.ENOENT", "claim:prep.cancel.ENOENT"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(2, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "cancel/twice-one-target-cqe",
    summary: "a poll cancelled once completes exactly once with -ECANCELED (the cancel gets 0); a second cancel after that finds nothing (-ENOENT)",
    requires: [OpPollAdd, OpAsyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): 0 on success, -ENOENT when the request could not be located"],
    run: |cx| {
        // Two cancels in one submission race with the poll's removal in
        // task work (the second may still find it); one after the other
        // there is one answer: the first removed it, the second finds none.
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1)])?;
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(1, ECANCELED), cqe(2, 0)])?;
        r.run_expect(&[Sqe::cancel(1, 0).user_data(3)], &[cqe(3, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "cancel/target-posted-when-submit-returns",
    summary: "after the enter that submitted a successful cancel returns, both CQEs are already in the CQ",
    requires: [OpPollAdd, OpAsyncCancel],
    // Under SQPOLL the poller submits, so there is no submitting enter.
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::RegisteredRing],
    refs: ["io_uring_prep_cancel(3) NOTES: the completion for the request targeted for cancelation will have been posted by the time submission returns", "claim:prep.cancel.posted-at-submit"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1)])?;
        r.submit_all(&[Sqe::cancel(1, 0).user_data(2)])?;
        // Taken from the CQ with no syscall: both must be there already.
        let mut got = Vec::new();
        while let Some(c) = r.pop() {
            got.push(c);
        }
        got.sort_by_key(|c| c.user_data);
        r.check_reaped(&got, &[cqe(1, ECANCELED), cqe(2, 0)])
    },
}

case! {
    id: "cancel/read-empty-pipe",
    summary: "a read waiting on an empty pipe is cancelled with -ECANCELED",
    requires: [OpRead, OpAsyncCancel, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3)", "io_uring_setup(2): IORING_FEAT_FAST_POLL (the read waits on poll, not in a worker)"],
    run: |cx| {
        let p = Pipe::new()?;
        let buf = IoBuf::new(8);
        cancel_expect(cx, &[Sqe::read(p.rx(), &buf, u64::MAX).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/recv",
    summary: "a recv on a socket with no data is cancelled with -ECANCELED",
    requires: [OpRecv, OpAsyncCancel, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3)"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let buf = IoBuf::new(8);
        cancel_expect(cx, &[Sqe::recv(s.a(), &buf, 0).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/accept",
    summary: "an accept on a listener nobody connects to is cancelled with -ECANCELED",
    requires: [OpAccept, OpAsyncCancel, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3)"],
    run: |cx| {
        let l = Listener::new()?;
        cancel_expect(cx, &[Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/timeout",
    summary: "ASYNC_CANCEL finds a pending timeout too: the timeout completes with -ECANCELED",
    requires: [OpTimeout, OpAsyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c io_try_cancel: falls back to io_timeout_cancel"],
    run: |cx| {
        let ts = ms(10_000);
        cancel_expect(cx, &[Sqe::timeout(&ts, 0, 0).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/linked-chain",
    summary: "cancelling the pending head of a chain cancels the rest of the chain with -ECANCELED",
    requires: [OpPollAdd, OpNop, OpAsyncCancel, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK (a failed member cancels the rest)"],
    run: |cx| {
        let p = Pipe::new()?;
        cancel_expect(cx, &[poll_in(&p, 1).link(), Sqe::nop().user_data(2)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(2, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/request-with-linked-timeout",
    summary: "cancelling a request that has a linked timeout completes both with -ECANCELED",
    requires: [OpPollAdd, OpLinkTimeout, OpAsyncCancel, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout(3)", "io_uring/timeout.c io_disarm_next"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = ms(10_000);
        cancel_expect(cx, &[poll_in(&p, 1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(2, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/multishot-poll",
    summary: "a multishot poll that posted POLLIN with F_MORE ends, when cancelled, with -ECANCELED and no F_MORE",
    requires: [OpPollAdd, OpAsyncCancel, OpflagPollAddMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_poll_multishot(3): IORING_CQE_F_MORE until the last CQE", "claim:prep.poll-multishot"],
    run: |cx| {
        let p = Pipe::new()?;
        p.put(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::poll_multi(p.rx(), POLLIN as u32).user_data(1)], &[cqe(1, POLLIN).flags(IORING_CQE_F_MORE)])?;
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(1, ECANCELED), cqe(2, 0)])?;
        r.expect_none()
    },
}

case! {
    id: "cancel/multishot-timeout",
    summary: "a pending multishot timeout is cancelled with -ECANCELED and no F_MORE",
    requires: [OpTimeout, OpAsyncCancel, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT"],
    run: |cx| {
        let ts = ms(10_000);
        cancel_expect(cx, &[Sqe::timeout(&ts, 0, IORING_TIMEOUT_MULTISHOT).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
    },
}

case! {
    id: "cancel/futex-wait",
    summary: "a FUTEX_WAIT nobody wakes is cancelled with -ECANCELED; the cancel answers 1 (the count)",
    requires: [OpFutexWait, OpAsyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring/futex.c io_futex_cancel", "io_uring/cancel.c io_cancel_remove: return nr ?: -ENOENT", "expectations/doc-errata.toml: io_uring_prep_cancel(3) says 0; liburing test/futex.c asserts 1", "claim:prep.cancel.futex-count"],
    run: |cx| {
        let word = AtomicU32::new(0);
        cancel_expect(cx, &[Sqe::futex_wait(&word, 0).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 1)])
    },
}

case! {
    id: "cancel/waitid",
    summary: "a WAITID for a child that does not exit is cancelled with -ECANCELED; the cancel answers 1 (the count)",
    requires: [OpWaitid, OpAsyncCancel],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun],
    refs: ["io_uring/waitid.c io_waitid_cancel", "io_uring/cancel.c io_cancel_remove: return nr ?: -ENOENT", "expectations/doc-errata.toml: io_uring_prep_cancel(3) says 0; liburing test/waitid.c test_cancel asserts 1", "claim:prep.cancel.waitid-count"],
    run: |cx| {
        let gate = Pipe::new()?;
        // The child waits on the gate until it is killed on drop.
        let child = Child::fork(|| {
            let mut b = [0u8; 1];
            i32::from(rustix::io::read(&gate.rx, &mut b).is_err())
        })?;
        let info = IoCell::<libc::siginfo_t>::zeroed();
        cancel_expect(cx, &[Sqe::waitid(child.pid, libc::WEXITED as u32, &info).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 1)])
    },
}

/// A sync-cancel registration for `addr` with `flags` and no timeout
/// (-1, -1: wait as long as it takes).
fn sync_reg(addr: u64, flags: u32) -> io_uring_sync_cancel_reg {
    io_uring_sync_cancel_reg { addr, flags, timeout: __kernel_timespec { tv_sec: -1, tv_nsec: -1 }, ..Default::default() }
}

case! {
    id: "cancel/other-ring-request-enoent",
    summary: "ASYNC_CANCEL on one ring never finds a request of another ring: -ENOENT, and that request stays pending",
    requires: [OpAsyncCancel, OpPollAdd],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -ENOENT (no request with that user_data on this ring)", "io_uring/cancel.c io_async_cancel_one: looks in this ring's io-wq and lists only", "claim:prep.cancel.ENOENT"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut other = CheckedRing::new(4)?;
        other.submit_all(&[poll_in(&p, 1)])?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::cancel(1, 0).user_data(100)], &[cqe(100, -libc::ENOENT)])?;
        other.expect_none()?;
        p.put(b"x")?;
        other.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}
