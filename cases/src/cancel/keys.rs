//! Cancellation keys: by fd, by opcode, ANY, ALL, USERDATA combined, and the errors.

use super::*;

// ------------------------------------------------------------ keys

case! {
    id: "cancel/all-by-user-data",
    summary: "IORING_ASYNC_CANCEL_ALL cancels every request with the user_data and returns their number (3)",
    requires: [OpPollAdd, OpAsyncCancel, OpflagCancelAll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ALL; a positive value ... how many requests were found and canceled", "claim:prep.cancel.count"],
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
    refs: ["io_uring/cancel.c __io_async_cancel: return all ? nr : ret", "claim:prep.cancel.count"],
    run: |cx| cancel_expect(cx, &[], Sqe::cancel(7, IORING_ASYNC_CANCEL_ALL), &[cqe(100, 0)]),
}

case! {
    id: "cancel/any-cancels-every-kind",
    summary: "IORING_ASYNC_CANCEL_ANY cancels every pending request (poll, read, timeout) and returns their number",
    requires: [OpPollAdd, OpRead, OpTimeout, OpAsyncCancel, OpflagCancelAny, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ANY", "io_uring/cancel.c __io_async_cancel: ANY, like ALL, keeps cancelling and counts", "claim:prep.cancel.count"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = ms(10_000);
        let buf = IoBuf::new(4);
        cancel_expect(
            cx,
            &[poll_in(&p, 1), Sqe::read(p.rx(), &buf, u64::MAX).user_data(2), Sqe::timeout(&ts, 0, 0).user_data(3)],
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
    refs: ["io_uring_prep_cancel_fd(3)", "claim:prep.cancel.zero", "claim:prep.cancel-fd.fd"],
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
    refs: ["io_uring_prep_cancel_fd(3)", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ALL", "claim:prep.cancel.count", "claim:prep.cancel-fd.fd"],
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
    refs: ["io_uring_prep_cancel_fd(3): IORING_ASYNC_CANCEL_FD_FIXED", "claim:prep.cancel-fd.fixed"],
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
    refs: ["io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_OP (opcode in len)", "claim:prep.cancel.count"],
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
    refs: ["io_uring/cancel.c io_async_cancel_prep: FD with ANY is -EINVAL", "claim:prep.cancel.EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel_fd(0, IORING_ASYNC_CANCEL_ANY)),
}

case! {
    id: "cancel/op-with-any-einval",
    summary: "CANCEL_OP together with CANCEL_ANY is rejected with -EINVAL",
    requires: [OpAsyncCancel, OpflagCancelOp, OpflagCancelAny],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: OP with ANY is -EINVAL", "claim:prep.cancel.EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel_op(IORING_OP_NOP, 0, IORING_ASYNC_CANCEL_ANY)),
}

case! {
    id: "cancel/unknown-flag-einval",
    summary: "an unknown cancel flag (bit 31) is rejected with -EINVAL",
    requires: [OpAsyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: flags outside CANCEL_FLAGS are -EINVAL", "claim:prep.cancel.EINVAL"],
    run: |cx| cancel_einval(cx, Sqe::cancel(1, 1 << 31)),
}

case! {
    id: "cancel/off-set-einval",
    summary: "an ASYNC_CANCEL with a non-zero off field is rejected with -EINVAL",
    requires: [OpAsyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring/cancel.c io_async_cancel_prep: sqe->off is -EINVAL", "claim:prep.cancel.EINVAL"],
    run: |cx| {
        let mut s = Sqe::cancel(1, 0);
        // Deliberately malformed: a cancel with `off` set, which it reserves.
        // SAFETY: a field set wrong on purpose; 1 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { s.raw_mut().off = 1 };
        cancel_einval(cx, s)
    },
}
