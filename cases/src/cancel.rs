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
use harness::{CaseError, Ctx};
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicU32;

const ECANCELED: i32 = -libc::ECANCELED;

/// A poll for input on the empty pipe `p`: pending until cancelled.
fn poll_in(p: &Pipe, ud: u64) -> Sqe {
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
    refs: ["io_uring_prep_cancel(3): 0 on success"],
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
    refs: ["io_uring_prep_cancel(3): -ENOENT"],
    run: |cx| cancel_expect(cx, &[], Sqe::cancel(99, 0), &[cqe(100, -libc::ENOENT)]),
}

case! {
    id: "cancel/completed-enoent",
    summary: "cancelling a request that already completed gives -ENOENT",
    requires: [OpNop, OpAsyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -ENOENT ... it completed before the cancelation request was issued"],
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
    refs: ["io_uring_prep_cancel(3) NOTES: the completion for the request targeted for cancelation will have been posted by the time submission returns"],
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
        let mut buf = [0u8; 8];
        cancel_expect(cx, &[Sqe::read(p.rx(), &mut buf, u64::MAX).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
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
        let mut buf = [0u8; 8];
        cancel_expect(cx, &[Sqe::recv(s.a(), &mut buf, 0).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 0)])
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
    refs: ["io_uring_prep_poll_multishot(3): IORING_CQE_F_MORE until the last CQE"],
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
    refs: ["io_uring/futex.c io_futex_cancel", "io_uring/cancel.c io_cancel_remove: return nr ?: -ENOENT", "expectations/doc-errata.toml: io_uring_prep_cancel(3) says 0; liburing test/futex.c asserts 1"],
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
    refs: ["io_uring/waitid.c io_waitid_cancel", "io_uring/cancel.c io_cancel_remove: return nr ?: -ENOENT", "expectations/doc-errata.toml: io_uring_prep_cancel(3) says 0; liburing test/waitid.c test_cancel asserts 1"],
    run: |cx| {
        let gate = Pipe::new()?;
        // The child waits on the gate until it is killed on drop.
        let rx = gate.rx();
        let child = Child::fork(move || {
            let mut b = [0u8; 1];
            // SAFETY: reading into a local buffer.
            unsafe { libc::read(rx, b.as_mut_ptr() as *mut _, 1) };
            0
        })?;
        // SAFETY: siginfo_t is plain data.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        cancel_expect(cx, &[Sqe::waitid(child.pid, libc::WEXITED as u32, &mut info).user_data(1)], Sqe::cancel(1, 0), &[cqe(1, ECANCELED), cqe(100, 1)])
    },
}

// ------------------------------------------------------------ keys

case! {
    id: "cancel/all-by-user-data",
    summary: "IORING_ASYNC_CANCEL_ALL cancels every request with the user_data and returns their number (3)",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ALL; a positive value ... how many requests were found and canceled"],
    run: |cx| {
        let p = Pipe::new()?;
        cancel_expect(cx, &[poll_in(&p, 7), poll_in(&p, 7), poll_in(&p, 7), poll_in(&p, 8)], Sqe::cancel(7, IORING_ASYNC_CANCEL_ALL), &[cqe(7, ECANCELED), cqe(7, ECANCELED), cqe(7, ECANCELED), cqe(100, 3)])
    },
}

case! {
    id: "cancel/all-none-found",
    summary: "IORING_ASYNC_CANCEL_ALL matching nothing completes with a count of 0",
    requires: [OpAsyncCancel, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c __io_async_cancel: return all ? nr : ret"],
    run: |cx| cancel_expect(cx, &[], Sqe::cancel(7, IORING_ASYNC_CANCEL_ALL), &[cqe(100, 0)]),
}

case! {
    id: "cancel/any-cancels-every-kind",
    summary: "IORING_ASYNC_CANCEL_ANY cancels every pending request (poll, read, timeout) and returns their number",
    requires: [OpPollAdd, OpRead, OpTimeout, OpAsyncCancel, OpflagCancelAny, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ANY", "io_uring/cancel.c __io_async_cancel: ANY, like ALL, keeps cancelling and counts"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = ms(10_000);
        let mut buf = [0u8; 4];
        cancel_expect(
            cx,
            &[poll_in(&p, 1), Sqe::read(p.rx(), &mut buf, u64::MAX).user_data(2), Sqe::timeout(&ts, 0, 0).user_data(3)],
            Sqe::cancel(0, IORING_ASYNC_CANCEL_ANY),
            &[cqe(1, ECANCELED), cqe(2, ECANCELED), cqe(3, ECANCELED), cqe(100, 3)],
        )
    },
}

case! {
    id: "cancel/any-nothing-pending",
    summary: "IORING_ASYNC_CANCEL_ANY on an idle ring completes with a count of 0",
    requires: [OpAsyncCancel, OpflagCancelAny],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c __io_async_cancel: return all ? nr : ret"],
    run: |cx| cancel_expect(cx, &[], Sqe::cancel(0, IORING_ASYNC_CANCEL_ANY), &[cqe(100, 0)]),
}

case! {
    id: "cancel/fd-first-match",
    summary: "IORING_ASYNC_CANCEL_FD cancels the request on that fd (res 0) and leaves one on another fd",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelFd],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel_fd(3)"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&a, 1), poll_in(&b, 2)])?;
        r.run_expect_unordered(&[Sqe::cancel_fd(a.rx(), 0).user_data(3)], &[cqe(1, ECANCELED), cqe(3, 0)])?;
        b.put(b"x")?;
        r.expect(&[cqe(2, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "cancel/fd-all",
    summary: "CANCEL_FD|CANCEL_ALL cancels both requests on the fd, returns 2, and leaves the other fd's",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelFd, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel_fd(3)", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ALL"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&a, 1), poll_in(&a, 2), poll_in(&b, 3)])?;
        r.run_expect_unordered(&[Sqe::cancel_fd(a.rx(), IORING_ASYNC_CANCEL_ALL).user_data(4)], &[cqe(1, ECANCELED), cqe(2, ECANCELED), cqe(4, 2)])?;
        b.put(b"x")?;
        r.expect(&[cqe(3, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "cancel/fd-closed-ebadf",
    summary: "CANCEL_FD naming a descriptor that is not open completes with -EBADF",
    requires: [OpAsyncCancel, OpflagCancelFd],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel: no file is -EBADF"],
    run: |cx| {
        // The ring first: it would take the lowest free number otherwise.
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::cancel_fd(closed_fd(), 0).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "cancel/fd-fixed",
    summary: "CANCEL_FD|FD_FIXED matches by registered-file index: slot 0's poll is cancelled, slot 1's stays",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelFdFixed, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel_fd(3): IORING_ASYNC_CANCEL_FD_FIXED"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let mut r = cx.ring()?;
        r.register_files(&[a.rx(), b.rx()])?;
        r.submit_all(&[Sqe::poll_add(0, POLLIN as u32).fixed_file().user_data(1), Sqe::poll_add(1, POLLIN as u32).fixed_file().user_data(2)])?;
        r.run_expect_unordered(&[Sqe::cancel_fd(0, IORING_ASYNC_CANCEL_FD_FIXED).user_data(3)], &[cqe(1, ECANCELED), cqe(3, 0)])?;
        b.put(b"x")?;
        r.expect(&[cqe(2, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "cancel/fd-fixed-bad-index-ebadf",
    summary: "CANCEL_FD|FD_FIXED with an index past the registered table completes with -EBADF",
    requires: [OpAsyncCancel, OpflagCancelFdFixed, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel: io_file_get_fixed fails -> -EBADF"],
    run: |cx| {
        let a = Pipe::new()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.rx()])?;
        r.run_expect(&[Sqe::cancel_fd(5, IORING_ASYNC_CANCEL_FD_FIXED).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "cancel/userdata-and-fd",
    summary: "CANCEL_FD|USERDATA|ALL cancels only the request matching both the fd and the user_data",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelFd, OpflagCancelUserdata, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_USERDATA", "io_uring/cancel.c io_cancel_req_match"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&a, 1), poll_in(&a, 2), poll_in(&b, 1)])?;
        let c = CancelKey::fd(a.rx()).and_user_data(1).all().sqe().user_data(4);
        r.run_expect_unordered(&[c], &[cqe(1, ECANCELED), cqe(4, 1)])?;
        // a's user_data 2 and b's user_data 1 are still armed.
        a.put(b"x")?;
        r.expect(&[cqe(2, POLLIN)])?;
        b.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "cancel/op",
    summary: "CANCEL_OP|ALL for POLL_ADD cancels the polls (count 2) and not the timeout",
    requires: [OpPollAdd, OpTimeout, OpAsyncCancel, OpflagCancelOp, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_OP (opcode in len)"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = ms(10_000);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1), Sqe::timeout(&ts, 0, 0).user_data(2), poll_in(&p, 3)])?;
        r.run_expect_unordered(&[Sqe::cancel_op(IORING_OP_POLL_ADD, 0, IORING_ASYNC_CANCEL_ALL).user_data(4)], &[cqe(1, ECANCELED), cqe(3, ECANCELED), cqe(4, 2)])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(2).user_data(5)], &[cqe(2, ECANCELED), cqe(5, 0)])?;
        Ok(())
    },
}

case! {
    id: "cancel/op-and-userdata",
    summary: "CANCEL_OP|USERDATA|ALL cancels only the poll with that user_data, not a timeout sharing it",
    requires: [OpPollAdd, OpTimeout, OpAsyncCancel, OpflagCancelOp, OpflagCancelUserdata, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_OP, IORING_ASYNC_CANCEL_USERDATA"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = ms(10_000);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1), poll_in(&p, 2), Sqe::timeout(&ts, 0, 0).user_data(1)])?;
        r.run_expect_unordered(&[Sqe::cancel_op(IORING_OP_POLL_ADD, 1, IORING_ASYNC_CANCEL_USERDATA | IORING_ASYNC_CANCEL_ALL).user_data(4)], &[cqe(1, ECANCELED), cqe(4, 1)])?;
        r.run_expect_unordered(&[Sqe::cancel(0, IORING_ASYNC_CANCEL_ANY).user_data(5)], &[cqe(1, ECANCELED), cqe(2, ECANCELED), cqe(5, 2)])?;
        Ok(())
    },
}

/// An ASYNC_CANCEL whose prep must fail with -EINVAL.
fn cancel_einval(cx: &Ctx, s: Sqe) -> CaseResult {
    cancel_expect(cx, &[], s, &[cqe(100, -libc::EINVAL)])
}

case! {
    id: "cancel/fd-with-any-einval",
    summary: "CANCEL_FD together with CANCEL_ANY is rejected with -EINVAL",
    requires: [OpAsyncCancel, OpflagCancelFd, OpflagCancelAny],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: FD with ANY is -EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel_fd(0, IORING_ASYNC_CANCEL_ANY)),
}

case! {
    id: "cancel/op-with-any-einval",
    summary: "CANCEL_OP together with CANCEL_ANY is rejected with -EINVAL",
    requires: [OpAsyncCancel, OpflagCancelOp, OpflagCancelAny],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: OP with ANY is -EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel_op(IORING_OP_NOP, 0, IORING_ASYNC_CANCEL_ANY)),
}

case! {
    id: "cancel/unknown-flag-einval",
    summary: "an unknown cancel flag (bit 31) is rejected with -EINVAL",
    requires: [OpAsyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: flags outside CANCEL_FLAGS are -EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel(1, 1 << 31)),
}

case! {
    id: "cancel/off-set-einval",
    summary: "an ASYNC_CANCEL with a non-zero off field is rejected with -EINVAL",
    requires: [OpAsyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: sqe->off is -EINVAL"],
    run: |cx| {
        let mut s = Sqe::cancel(1, 0);
        // Deliberately malformed: a cancel with `off` set, which it reserves.
        s.raw.off = 1;
        cancel_einval(cx, s)
    },
}

// ------------------------------------------------------------ sync cancel

/// A sync-cancel registration for `addr` with `flags` and no timeout
/// (-1, -1: wait as long as it takes).
fn sync_reg(addr: u64, flags: u32) -> io_uring_sync_cancel_reg {
    io_uring_sync_cancel_reg { addr, flags, timeout: __kernel_timespec { tv_sec: -1, tv_nsec: -1 }, ..Default::default() }
}

case! {
    id: "cancel/sync-poll",
    summary: "IORING_REGISTER_SYNC_CANCEL of a pending poll returns 0 and the poll completes with -ECANCELED",
    requires: [OpPollAdd, RegSyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_sync_cancel(3): returns 0 on success"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1)])?;
        r.expect_none()?;
        check_eq!(r.sync_cancel(&sync_reg(1, 0))?, 0, "sync cancel result");
        r.expect(&[cqe(1, ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cancel/sync-with-timeout",
    summary: "SYNC_CANCEL with a 10 ms timeout of a pending poll returns 0 (the timeout only bounds waiting for a running request)",
    requires: [OpPollAdd, RegSyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_sync_cancel(3): timeout", "io_uring/cancel.c io_sync_cancel: waits only on -EALREADY"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&p, 1)])?;
        let mut reg = sync_reg(1, 0);
        reg.timeout = ms(10);
        check_eq!(r.sync_cancel(&reg)?, 0, "sync cancel result");
        r.expect(&[cqe(1, ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cancel/sync-enoent",
    summary: "SYNC_CANCEL of a user_data no request has fails with ENOENT",
    requires: [RegSyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_sync_cancel(3): -ENOENT"],
    run: |cx| {
        let r = cx.ring()?;
        check_errno!(r.sync_cancel(&sync_reg(99, 0)), libc::ENOENT, "sync cancel of nothing");
        Ok(())
    },
}

case! {
    id: "cancel/sync-fd-all",
    summary: "SYNC_CANCEL with CANCEL_FD|ALL cancels both polls on the fd and returns their number (2)",
    requires: [OpPollAdd, RegSyncCancel, OpflagCancelFd, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_sync_cancel(3): return value as io_uring_prep_cancel(3) (a count when matching several)"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&a, 1), poll_in(&a, 2), poll_in(&b, 3)])?;
        let mut reg = sync_reg(0, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL);
        reg.fd = a.rx();
        check_eq!(r.sync_cancel(&reg)?, 2, "sync cancel result");
        r.expect_unordered(&[cqe(1, ECANCELED), cqe(2, ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cancel/sync-pad-einval",
    summary: "SYNC_CANCEL with a non-zero pad byte fails with EINVAL",
    requires: [RegSyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_sync_cancel: pad and pad2 must be zero"],
    run: |cx| {
        let r = cx.ring()?;
        let mut reg = sync_reg(1, 0);
        reg.pad[0] = 1;
        check_errno!(r.sync_cancel(&reg), libc::EINVAL, "sync cancel with pad set");
        Ok(())
    },
}

case! {
    id: "cancel/sync-unknown-flag-einval",
    summary: "SYNC_CANCEL with an unknown flag (bit 31) fails with EINVAL",
    requires: [RegSyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_sync_cancel: flags outside CANCEL_FLAGS are -EINVAL"],
    run: |cx| {
        let r = cx.ring()?;
        check_errno!(r.sync_cancel(&sync_reg(1, 1 << 31)), libc::EINVAL, "sync cancel with bit 31");
        Ok(())
    },
}

// ------------------------------------------------------------ running requests

/// Whether thread `tid` sleeps in a FIFO open: its wchan, or (where wchan
/// reads "0", as on Debian's 5.10) its kernel stack.
fn in_fifo_open(tid: u32) -> bool {
    let w = fixtures::thread_wchan(tid).unwrap_or_default();
    if w == "wait_for_partner" || w == "fifo_open" {
        return true;
    }
    w == "0" && fixtures::thread_stack(tid).is_ok_and(|s| s.contains("wait_for_partner"))
}

/// A FIFO in a fresh temp dir, and an OPENAT of it for reading forced into
/// an io-wq worker (IOSQE_ASYNC), where open(2) blocks until a writer
/// comes: a request that is running, not pending.
struct BlockedOpen {
    _dir: fixtures::TempDir,
    path: std::ffi::CString,
}

impl BlockedOpen {
    fn new() -> Result<BlockedOpen, CaseError> {
        let dir = fixtures::TempDir::new()?;
        let path = std::ffi::CString::new(dir.join("fifo").as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(e.to_string()))?;
        // SAFETY: a NUL-terminated path.
        if unsafe { libc::mkfifo(path.as_ptr(), 0o600) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(BlockedOpen { _dir: dir, path })
    }

    fn sqe(&self, ud: u64) -> Sqe {
        Sqe::openat(libc::AT_FDCWD, &self.path, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(ud).async_()
    }

    /// Submits the open and waits until a worker sleeps in the FIFO's
    /// open (wchan wait_for_partner, or fifo_open where it is inlined): from
    /// then on it is running.
    fn start(&self, r: &mut Ring, ud: u64) -> CaseResult {
        r.submit_all(&[self.sqe(ud)])?;
        let blocked = fixtures::wait_until(harness::PROMPT, || {
            fixtures::threads_named("iou-wrk-").map(|ts| ts.iter().any(|(tid, _)| in_fifo_open(*tid))).unwrap_or(false)
        });
        if !blocked {
            return Err(CaseError::Error(format!(
                "fixture: no io-wq worker was seen blocked in the FIFO open within {:?} (is /proc/<pid>/task/<tid>/wchan readable?)",
                harness::PROMPT
            )));
        }
        Ok(())
    }
}

case! {
    id: "cancel/running-ealready",
    summary: "cancelling a request that is running in an io-wq worker (blocked in open(2) of a FIFO) completes with -EALREADY",
    requires: [OpOpenat, OpAsyncCancel, SqeAsync],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -EALREADY 'the execution state of the request has progressed far enough that cancelation is no longer possible'", "io_uring/cancel.c io_async_cancel_one: IO_WQ_CANCEL_RUNNING -> -EALREADY"],
    run: |cx| {
        let b = BlockedOpen::new()?;
        let mut r = cx.ring()?;
        b.start(&mut r, 1)?;
        // The worker is signalled and the open ends, interrupted: exactly
        // one CQE for it, -EINTR (see cancel/running-interrupted-eintr).
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(2, -libc::EALREADY), cqe(1, -libc::EINTR)])?;
        Ok(())
    },
}

case! {
    id: "cancel/running-interrupted-eintr",
    summary: "a running request interrupted by a cancel completes with -EINTR, never the kernel-internal -ERESTARTSYS",
    requires: [OpOpenat, OpAsyncCancel, SqeAsync],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -EALREADY ... 'interrupted due to the cancelation'", "include/linux/errno.h: ERESTARTSYS 'should never be seen by user programs'", "commit 441cdbd5449b (io_uring: transform send/recvmsg() -ERESTARTSYS to -EINTR: 'We should never return -ERESTARTSYS to userspace')"],
    run: |cx| {
        let b = BlockedOpen::new()?;
        let mut r = cx.ring()?;
        b.start(&mut r, 1)?;
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(2, -libc::EALREADY), cqe(1, -libc::EINTR)])?;
        Ok(())
    },
}

case! {
    id: "cancel/sync-running-waits",
    summary: "SYNC_CANCEL of a request running in a worker waits for it to end and returns 0; its CQE is then posted",
    requires: [OpOpenat, RegSyncCancel, SqeAsync],
    // DEFER_TASKRUN is left out: whether its sync cancel sees the request
    // end is a race in the kernel (see expectations/repro/cancel-running.c
    // sync-defer), so the outcome is not deterministic.
    variants: &[Variant::Default, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_register_sync_cancel(3)", "io_uring/cancel.c io_sync_cancel: on -EALREADY, wait until the request is gone (-ENOENT -> 0) or the timeout passes"],
    run: |cx| {
        let b = BlockedOpen::new()?;
        let mut r = cx.ring()?;
        b.start(&mut r, 1)?;
        // The worker is interrupted at once; the timeout only bounds a
        // kernel that never sees the request end.
        let mut reg = sync_reg(1, 0);
        reg.timeout = ms(1_000);
        check_eq!(r.sync_cancel(&reg), Ok(0), "IORING_REGISTER_SYNC_CANCEL of a running request");
        // The interrupted open: -EINTR, as for an async cancel.
        r.expect(&[cqe(1, -libc::EINTR)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ ring exit

/// Waits up to 5 s for `fd` to report POLLHUP: the last writer of its pipe
/// is gone.
fn hangs_up_within(fd: impl std::os::fd::AsFd, limit: Duration) -> bool {
    fixtures::poll_in(fd, limit).is_ok_and(|ev| ev.contains(rustix::event::PollFlags::HUP))
}

/// Arms one of each pending kind on `r`: a poll and a read on `rx`, a
/// recv, an accept and a 10 s timeout.
fn arm_everything(r: &mut Ring, rx: i32, s: &SocketPair, l: &Listener, buf: &mut [u8], rbuf: &mut [u8]) -> CaseResult {
    let ts = ms(10_000);
    r.submit_all(&[
        Sqe::poll_add(rx, POLLIN as u32).user_data(1),
        Sqe::read(rx, buf, u64::MAX).user_data(2),
        Sqe::recv(s.a(), rbuf, 0).user_data(3),
        Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).user_data(4),
        Sqe::timeout(&ts, 0, 0).user_data(5),
    ])?;
    r.expect_none()
}

case! {
    id: "cancel/close-ring-in-flight",
    summary: "closing a ring with a poll, read, recv, accept and timeout in flight returns, releases its registered files and leaves no fd",
    requires: [OpPollAdd, OpRead, OpRecv, OpAccept, OpTimeout, RegFiles, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_setup(2): closing the ring fd cancels its requests", "io_uring/io_uring.c io_ring_exit_work"],
    run: |cx| {
        let before = fixtures::open_fds()?;
        {
            let p = Pipe::new()?;
            let (s, l) = (SocketPair::stream()?, Listener::new()?);
            let (mut buf, mut rbuf) = ([0u8; 8], [0u8; 8]);
            let mut r = cx.ring()?;
            // The ring's file table holds the pipe's only write end.
            r.register_files(&[p.tx()])?;
            let Pipe { rx, tx } = p;
            drop(tx);
            arm_everything(&mut r, rx.as_raw_fd(), &s, &l, &mut buf, &mut rbuf)?;
            let t0 = Instant::now();
            drop(r);
            check_elapsed(t0, Duration::ZERO, "closing the ring with requests in flight")?;
            // Teardown finishes asynchronously; the registered write end
            // must be released within a bound.
            check!(hangs_up_within(&rx, Duration::from_secs(5)), "the pipe's registered write end was not released within 5 s of closing the ring");
        }
        check_eq!(fixtures::open_fds()?, before, "open fds after closing the ring and its fixtures");
        Ok(())
    },
}

case! {
    id: "cancel/exit-with-requests-in-flight",
    summary: "a process exiting with requests in flight on a ring it never closed exits at once, and the ring's files are released",
    requires: [OpPollAdd, OpRead, OpRecv, OpAccept, OpTimeout, RegFiles, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c io_uring_cancel_generic (task exit)"],
    run: |cx| {
        let p = Pipe::new()?;
        let Pipe { rx, tx } = p;
        let txfd = tx.as_raw_fd();
        // The ring is made in the child: a SINGLE_ISSUER ring belongs to the
        // task that set it up.
        let mut child = Child::fork(|| {
            let Ok(mut r) = cx.ring_sized(8) else { return 2 };
            let (Ok(s), Ok(l)) = (SocketPair::stream(), Listener::new()) else { return 3 };
            if r.register_files(&[txfd]).is_err() {
                return 4;
            }
            // SAFETY: the child's copy of the write end; the ring keeps its own.
            unsafe { libc::close(txfd) };
            let (mut buf, mut rbuf) = ([0u8; 8], [0u8; 8]);
            if arm_everything(&mut r, rx.as_raw_fd(), &s, &l, &mut buf, &mut rbuf).is_err() {
                return 5;
            }
            // Exit without closing anything.
            std::mem::forget(r);
            0
        })?;
        drop(tx);
        let status = child.wait_timeout(Duration::from_secs(5))?;
        let Some(status) = status else {
            return Err(CaseError::Fail("the child did not exit within 5 s with requests in flight".into()));
        };
        check!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child wait status {status:#x} (exit codes 2-5: its setup failed)");
        check!(hangs_up_within(&rx, Duration::from_secs(5)), "the exited child's ring did not release its registered pipe end within 5 s");
        Ok(())
    },
}

case! {
    id: "cancel/exit-with-blocked-worker",
    summary: "a process exiting while an io-wq worker blocks in open(2) of a FIFO exits within 5 s",
    requires: [OpOpenat, SqeAsync],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c io_uring_cancel_generic: io-wq work is cancelled and workers are signalled on exit"],
    run: |cx| {
        let dir = fixtures::TempDir::new()?;
        let fifo = std::ffi::CString::new(dir.join("fifo").as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(e.to_string()))?;
        // SAFETY: a NUL-terminated path.
        if unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let mut child = Child::fork(|| {
            let Ok(mut r) = cx.ring() else { return 2 };
            // open(O_RDONLY) of a FIFO blocks until a writer comes;
            // IOSQE_ASYNC makes it run, and block, in an io-wq worker (inline
            // it would be tried non-blocking, and succeed).
            let s = Sqe::openat(libc::AT_FDCWD, &fifo, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(1).async_();
            if r.submit_all(&[s]).is_err() {
                return 3;
            }
            // Wait until a worker is blocked, so the exit has one to cancel.
            // Workers are named after the task that owns the io-wq: this
            // process, or its SQPOLL thread.
            let blocked = fixtures::wait_until(Duration::from_secs(2), || fixtures::threads_named("iou-wrk-").map(|t| !t.is_empty()).unwrap_or(false));
            if !blocked {
                return 4;
            }
            std::mem::forget(r);
            0
        })?;
        let status = child.wait_timeout(Duration::from_secs(5))?;
        let Some(status) = status else {
            return Err(CaseError::Fail("the child did not exit within 5 s while its io-wq worker blocked in open(2)".into()));
        };
        check!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child wait status {status:#x} (exit code 4: no io-wq worker appeared)");
        Ok(())
    },
}
