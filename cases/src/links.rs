//! IOSQE_IO_LINK: a chain's members start only after the previous one
//! completes; a failure (error or short read/write) completes the rest
//! with -ECANCELED; chains end at the end of a submission.
//!
//! io_uring_enter(2), IOSQE_IO_LINK: "the next SQE will not be started
//! before the previous request completes ... If a request in a chain
//! fails, the remaining requests are cancelled with -ECANCELED. ... a
//! short read or write also breaks the chain."

use crate::prelude::*;

/// `n` NOPs linked into one chain, user_data base..base+n.
pub(crate) fn nop_chain(base: u64, n: u64) -> Vec<Sqe<'static>> {
    (0..n).map(|i| if i + 1 < n { Sqe::nop().user_data(base + i).link() } else { Sqe::nop().user_data(base + i) }).collect()
}

case! {
    id: "links/chain-completes-in-order",
    summary: "a chain of four NOPs completes in chain order, each with res 0",
    requires: [OpNop, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK", "claim:enter.sqe.link.order"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&nop_chain(1, 4), &[cqe(1, 0), cqe(2, 0), cqe(3, 0), cqe(4, 0)])?;
        Ok(())
    },
}

case! {
    id: "links/error-cancels-rest",
    summary: "a member completing with an error completes every later member with -ECANCELED, in order",
    requires: [OpNop, OpRead, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK (failure cancels the rest with -ECANCELED)", "read(2) ERRORS: EFAULT", "claim:enter.cqe.EFAULT-buffer", "claim:enter.sqe.link.failure-cancels"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().user_data(1).link(), failing_read(&f).user_data(2).link(), Sqe::nop().user_data(3).link(), Sqe::nop().user_data(4)];
        r.run_expect(&sqes, &[cqe(1, 0), cqe(2, -libc::EFAULT), cqe(3, -libc::ECANCELED), cqe(4, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "links/short-read-breaks-chain",
    summary: "a read returning fewer bytes than asked (EOF) completes with the count and cancels the rest",
    requires: [OpRead, OpWrite, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK (a short read breaks the chain)", "io_uring/rw.c __io_complete_rw_common: res != cqe.res -> req_set_fail", "claim:enter.sqe.link.short-read"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(10, 0))?;
        let buf;
        let data;
        let mut r = cx.ring()?;
        buf = IoBuf::new(20);
        data = [7u8; 4];
        let sqes = [Sqe::read(f.fd(), &buf, 0).user_data(1).link(), Sqe::write(f.fd(), &data, 100).user_data(2).link(), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, 10), cqe(2, -libc::ECANCELED), cqe(3, -libc::ECANCELED)])?;
        check_eq!(&buf.read(..10), &pattern(10, 0)[..], "bytes read");
        check_eq!(f.content()?.len(), 10, "file size (the cancelled write must not have run)");
        Ok(())
    },
}

case! {
    id: "links/full-read-continues-chain",
    summary: "a read returning exactly what was asked lets the chain go on",
    requires: [OpRead, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(32, 3))?;
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(32);
        r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1).link(), Sqe::nop().user_data(2)], &[cqe(1, 32), cqe(2, 0)])?;
        check_eq!(&buf.read(..), &pattern(32, 3)[..], "bytes read");
        Ok(())
    },
}

case! {
    id: "links/bad-fd-breaks-chain",
    summary: "a member on a closed fd completes with -EBADF and cancels the rest",
    requires: [OpRead, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK", "read(2): EBADF", "claim:enter.cqe.EBADF-fd"],
    run: |cx| {
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(8);
        let sqes = [Sqe::read(closed_fd(), &buf, 0).user_data(1).link(), Sqe::nop().user_data(2).link(), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, -libc::EBADF), cqe(2, -libc::ECANCELED), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "links/write-then-read-sees-data",
    summary: "a linked write then read of the same range: the read starts after the write and sees its data",
    requires: [OpRead, OpWrite, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_IO_LINK (ordering)", "claim:enter.sqe.link.order"],
    run: |cx| {
        let f = TempFile::empty()?;
        let data;
        let back;
        let mut r = cx.ring()?;
        data = pattern(4096, 9);
        back = IoBuf::new(4096);
        r.run_expect(&[Sqe::write(f.fd(), &data, 0).user_data(1).link(), Sqe::read(f.fd(), &back, 0).user_data(2)], &[cqe(1, 4096), cqe(2, 4096)])?;
        check!(back.to_vec() == data, "read-back differs from what the linked write wrote");
        Ok(())
    },
}

case! {
    id: "links/chain-open-at-end-of-submit",
    summary: "a chain whose last SQE still has IO_LINK is ended by the submission and completes",
    requires: [OpNop, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_submit_state_end: an open link is queued at the end of a submission", "claim:enter.sqe.link.per-submission"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().user_data(1).link(), Sqe::nop().user_data(2).link()], &[cqe(1, 0), cqe(2, 0)])?;
        // The next submission starts a new chain: a failure there cancels nothing before it.
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "links/chain-does-not-cross-enters",
    summary: "IO_LINK on the last SQE of one enter does not link it to the first SQE of the next",
    requires: [OpNop, OpRead, SqeIoLink],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun, Variant::NoSqarray],
    refs: ["io_uring/io_uring.c io_submit_state_end", "claim:enter.sqe.link.per-submission"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        r.run_expect(&[failing_read(&f).user_data(1).link()], &[cqe(1, -libc::EFAULT)])?;
        r.run_expect(&[Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "links/long-chain-in-order",
    summary: "a chain of 256 NOPs completes in chain order",
    requires: [OpNop, SqeIoLink],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll, Variant::NoSqarray],
    refs: ["io_uring_enter(2): IOSQE_IO_LINK"],
    run: |cx| {
        let mut r = cx.ring_sized(256)?;
        let want: Vec<Want> = (0..256).map(|i| cqe(1000 + i, 0)).collect();
        r.run_expect(&nop_chain(1000, 256), &want)?;
        Ok(())
    },
}

case! {
    id: "links/failure-mid-long-chain",
    summary: "in a chain of 100, member 50 failing leaves 0..49 done and cancels 51..99, in order",
    requires: [OpNop, OpRead, SqeIoLink],
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_enter(2): IOSQE_IO_LINK", "claim:enter.sqe.link.failure-cancels"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring_sized(128)?;
        let mut sqes = nop_chain(0, 100);
        sqes[50] = failing_read(&f).user_data(50).link();
        let want: Vec<Want> = (0..100).map(|i| cqe(i, if i < 50 { 0 } else if i == 50 { -libc::EFAULT } else { -libc::ECANCELED })).collect();
        r.run_expect(&sqes, &want)?;
        Ok(())
    },
}

case! {
    id: "links/async-members-keep-order",
    summary: "members forced async (IOSQE_ASYNC) still run and complete in chain order",
    requires: [OpNop, SqeIoLink, SqeAsync],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_ASYNC, IOSQE_IO_LINK", "claim:enter.sqe.async"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().user_data(1).link().async_(), Sqe::nop().user_data(2).link(), Sqe::nop().user_data(3).async_()];
        r.run_expect(&sqes, &[cqe(1, 0), cqe(2, 0), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "links/invalid-member-fails-whole-chain",
    summary: "a member failing at submission (unknown opcode) gets -EINVAL and every other member -ECANCELED",
    requires: [OpNop, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_submit_fail_init: keep assembling the link, fail it as a whole"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().user_data(1).link(), Sqe::op(BAD_OPCODE).user_data(2).link(), Sqe::nop().user_data(3)];
        r.submit_all(&sqes)?;
        r.expect_unordered(&[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}
