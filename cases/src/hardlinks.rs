//! IOSQE_IO_HARDLINK: like IO_LINK, but the chain is not broken by a
//! member's failure. io_uring_enter(2): "IOSQE_IO_HARDLINK: Like
//! IOSQE_IO_LINK, except the links aren't severed if an error or unexpected
//! result occurs."

use crate::prelude::*;

case! {
    id: "hardlinks/chain-continues-after-error",
    summary: "after a hardlinked member fails, the next members still run and succeed, in order",
    requires: [OpNop, OpRead, SqeIoHardlink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_HARDLINK", "claim:enter.sqe.hardlink.survives"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [failing_read(&f).user_data(1).hardlink(), Sqe::nop().user_data(2).hardlink(), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, -libc::EFAULT), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/short-read-does-not-break",
    summary: "a short read in a hardlinked chain completes with its count and the next member runs",
    requires: [OpRead, OpWrite, SqeIoHardlink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_HARDLINK", "claim:enter.sqe.hardlink.survives"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(10, 0))?;
        let buf;
        let data;
        let mut r = cx.ring()?;
        buf = IoBuf::new(20);
        data = [5u8; 6];
        r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1).hardlink(), Sqe::write(f.fd(), &data, 10).user_data(2)], &[cqe(1, 10), cqe(2, 6)])?;
        check_eq!(f.content()?.len(), 16, "file size after the write");
        Ok(())
    },
}

case! {
    id: "hardlinks/soft-link-after-hard-still-breaks",
    summary: "a soft-linked member that fails after a hard link cancels what follows it",
    requires: [OpNop, OpRead, SqeIoHardlink, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_HARDLINK, IOSQE_IO_LINK"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [failing_read(&f).user_data(1).hardlink(), failing_read(&f).user_data(2).link(), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, -libc::EFAULT), cqe(2, -libc::EFAULT), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/hard-member-after-soft-failure-cancelled",
    summary: "a failure on a soft link cancels later members even if they are hardlinked",
    requires: [OpNop, OpRead, SqeIoHardlink, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_HARDLINK, IOSQE_IO_LINK"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [failing_read(&f).user_data(1).link(), Sqe::nop().user_data(2).hardlink(), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, -libc::EFAULT), cqe(2, -libc::ECANCELED), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/expired-timeout-continues",
    summary: "a hardlinked TIMEOUT that expires (-ETIME) does not stop the next member",
    requires: [OpTimeout, OpNop, SqeIoHardlink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_HARDLINK", "io_uring_prep_timeout(3): -ETIME on expiry"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = __kernel_timespec::from_duration(Duration::from_millis(1));
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1).hardlink(), Sqe::nop().user_data(2)], &[cqe(1, -libc::ETIME), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/cqe-skip-member",
    summary: "a successful hardlinked member with CQE_SKIP_SUCCESS posts nothing; the chain goes on",
    requires: [OpNop, SqeIoHardlink, SqeCqeSkipSuccess],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_HARDLINK"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().user_data(1).hardlink().skip_success(), Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/submit-failure-cancels-every-member",
    summary: "a hardlinked member failing at submission (unknown opcode) gets -EINVAL and every other member -ECANCELED: hardlinks do not survive a chain that failed to form",
    requires: [OpNop, SqeIoHardlink],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_submit_fail_init: keep assembling the link, fail the head; io_fail_links completes the rest with -ECANCELED", "claim:enter.sqe.hardlink.submit-failure"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().hardlink().user_data(1), Sqe::op(BAD_OPCODE).hardlink().user_data(2), Sqe::nop().user_data(3)];
        r.submit_all(&sqes)?;
        r.expect_unordered(&[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "hardlinks/submit-failure-behind-drain-cancels-every-member",
    summary: "a drained hardlinked chain whose member fails at submission is cancelled whole too, and nothing is left waiting",
    requires: [OpNop, SqeIoHardlink, SqeIoDrain],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_submit_fail_init, io_queue_sqe_fallback: a failed (REQ_F_FAIL) head is completed even when drained"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().drain().hardlink().user_data(1), Sqe::op(BAD_OPCODE).hardlink().user_data(2), Sqe::nop().user_data(3)];
        r.submit_all(&sqes)?;
        r.expect_unordered(&[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}
