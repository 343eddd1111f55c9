//! IORING_REGISTER_SYNC_CANCEL: the synchronous form and its timeout.

use super::*;

// ------------------------------------------------------------ sync cancel

case! {
    id: "cancel/sync-poll",
    summary: "IORING_REGISTER_SYNC_CANCEL of a pending poll returns 0 and the poll completes with -ECANCELED",
    requires: [OpPollAdd, RegSyncCancel],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_sync_cancel(3): returns 0 on success", "claim:register.op.sync-cancel"],
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
    refs: ["io_uring_register_sync_cancel(3): -ENOENT", "claim:register.op.sync-cancel"],
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

case! {
    id: "cancel/sync-by-opcode",
    summary: "SYNC_CANCEL keyed by opcode with ALL cancels every pending POLL_ADD and returns their count, leaving other requests alone",
    requires: [OpPollAdd, OpTimeout, RegSyncCancel, OpflagCancelOp, OpflagCancelAll],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_sync_cancel(3)", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_OP, IORING_ASYNC_CANCEL_ALL (the result counts the cancelled requests)"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        let ts = __kernel_timespec::from_duration(Duration::from_secs(10));
        let mut r = cx.ring()?;
        r.submit_all(&[poll_in(&a, 1), poll_in(&b, 2), Sqe::timeout(&ts, 0, 0).user_data(3)])?;
        let reg = CancelKey::opcode(IORING_OP_POLL_ADD).all().sync_reg(__kernel_timespec { tv_sec: -1, tv_nsec: -1 });
        check_eq!(r.sync_cancel(&reg)?, 2, "sync cancel of every POLL_ADD");
        r.expect_unordered(&[cqe(1, ECANCELED), cqe(2, ECANCELED)])?;
        r.run_expect_unordered(&[Sqe::timeout_remove(3).user_data(4)], &[cqe(3, ECANCELED), cqe(4, 0)])?;
        Ok(())
    },
}
