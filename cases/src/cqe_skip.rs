//! IOSQE_CQE_SKIP_SUCCESS: a request that succeeds posts no CQE; one that
//! fails still does. io_uring_enter(2): "IOSQE_CQE_SKIP_SUCCESS: Don't
//! generate a CQE if the request completes successfully. If the request
//! fails, an appropriate CQE will be posted" (5.17, commit 04c76b41ca97
//! "io_uring: add option to skip CQE posting").

use crate::prelude::*;

case! {
    id: "cqe_skip/success-posts-nothing",
    summary: "a successful NOP with CQE_SKIP_SUCCESS posts no CQE; the next NOP's CQE is the only one",
    requires: [OpNop, SqeCqeSkipSuccess, FeatCqeSkip],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS", "claim:enter.sqe.cqe-skip.success"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().skip_success().user_data(1), Sqe::nop().skip_success().user_data(2), Sqe::nop().user_data(3)], &[cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/failure-still-posts",
    summary: "a failing request with CQE_SKIP_SUCCESS still posts its CQE",
    requires: [OpRead, SqeCqeSkipSuccess],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS (failures are posted)", "claim:enter.sqe.cqe-skip.failure"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        r.run_expect(&[failing_read(&f).skip_success().user_data(1)], &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/unknown-opcode-still-posts",
    summary: "an SQE failing at submission with CQE_SKIP_SUCCESS posts its -EINVAL",
    requires: [SqeCqeSkipSuccess],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS", "claim:enter.sqe.cqe-skip.failure"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::op(BAD_OPCODE).skip_success().user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/link-head",
    summary: "a successful chain head with CQE_SKIP_SUCCESS posts nothing; the next member posts",
    requires: [OpNop, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_LINK"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().skip_success().link().user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/last-link",
    summary: "a successful last member with CQE_SKIP_SUCCESS posts nothing; earlier members post",
    requires: [OpNop, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_LINK"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().link().user_data(1), Sqe::nop().skip_success().user_data(2)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/cancelled-member-posts",
    summary: "a member cancelled by an earlier failure posts -ECANCELED despite CQE_SKIP_SUCCESS",
    requires: [OpNop, OpRead, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS (only success is skipped)"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        r.run_expect(&[failing_read(&f).link().user_data(1), Sqe::nop().skip_success().user_data(2)], &[cqe(1, -libc::EFAULT), cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/all-skipped-leaves-cq-empty",
    summary: "eight successful skipped NOPs leave the CQ tail unmoved and post nothing",
    requires: [OpNop, SqeCqeSkipSuccess],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS", "claim:enter.sqe.cqe-skip.success"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes: Vec<Sqe> = (0..8).map(|i| Sqe::nop().skip_success().user_data(i)).collect();
        r.submit_all(&sqes)?;
        r.expect_none()?;
        check_eq!(r.cq_ready(), 0, "CQEs in the ring");
        check_eq!(r.cq_overflow(), 0, "overflow counter");
        // The ring still works and posts the next CQE normally.
        r.run_expect(&[Sqe::nop().user_data(99)], &[cqe(99, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/drain-after-skip-rejected",
    summary: "once a CQE_SKIP_SUCCESS request was submitted, a drained request completes with -EOPNOTSUPP",
    requires: [OpNop, SqeCqeSkipSuccess, SqeIoDrain],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS (not compatible with IOSQE_IO_DRAIN)", "io_uring/io_uring.c io_init_req: ctx->drain_disabled -> -EOPNOTSUPP", "claim:enter.sqe.cqe-skip.drain"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().skip_success().user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        r.run_expect(&[Sqe::nop().drain().user_data(3)], &[cqe(3, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/linked-timeout-still-posts",
    summary: "a skipped chain head that completes in time still gets its linked timeout's -ECANCELED CQE",
    requires: [OpNop, OpLinkTimeout, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3)", "io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS", "claim:enter.sqe.cqe-skip.linked-timeout"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = __kernel_timespec::from_duration(Duration::from_secs(10));
        r.run_expect(&[Sqe::nop().skip_success().link().user_data(1), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/hardlinked-failure-posts-and-continues",
    summary: "in a hardlinked chain of skipped members, only the failing one posts and the rest still run",
    requires: [OpNop, OpRead, SqeCqeSkipSuccess, SqeIoHardlink],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_HARDLINK"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().skip_success().hardlink().user_data(1), failing_read(&f).skip_success().hardlink().user_data(2), Sqe::nop().skip_success().hardlink().user_data(3), Sqe::nop().user_data(4)];
        r.run_expect(&sqes, &[cqe(2, -libc::EFAULT), cqe(4, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/failing-skipped-member-hides-cancelled-links",
    summary: "a chain member with CQE_SKIP_SUCCESS that fails posts its error, and the members it cancels post nothing, with or without the flag",
    requires: [OpNop, OpRead, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: [
        "commit 04c76b41ca97 (io_uring: add option to skip CQE posting): 'When fails, it produces an CQE, but all following linked requests will be CQE-less, regardless whether they have IOSQE_CQE_SKIP_SUCCESS or not'",
        "io_uring/io_uring.h req_set_fail: REQ_F_CQE_SKIP becomes REQ_F_SKIP_LINK_CQES; io_fail_links skips the links' CQEs",
        "liburing test/skip-cqe.c test_link_fail: one CQE", "claim:enter.sqe.cqe-skip.link-omits"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let mut r = cx.ring()?;
        let sqes = [failing_read(&f).skip_success().link().user_data(1), Sqe::nop().skip_success().link().user_data(2), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/cancelled-skipped-link-timeout-posts-nothing",
    summary: "a linked timeout with CQE_SKIP_SUCCESS whose request completes in time posts no CQE (its -ECANCELED is not a failure)",
    requires: [OpNop, OpLinkTimeout, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["commit 04c76b41ca97: 'whether a linked timeout will post a completion or not solely depends on IOSQE_CQE_SKIP_SUCCESS of that linked timeout request. Linked timeout never \"fail\" during execution'", "liburing test/skip-cqe.c test_ltimeout_cancel", "claim:enter.sqe.cqe-skip.linked-timeout"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = __kernel_timespec::from_duration(Duration::from_secs(10));
        r.run_expect(&[Sqe::nop().link().user_data(1), Sqe::link_timeout(&ts, 0).skip_success().user_data(2)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "cqe_skip/fired-skipped-link-timeout-posts-nothing",
    summary: "a linked timeout with CQE_SKIP_SUCCESS that fires posts no CQE; the request it cancelled posts -ECANCELED",
    requires: [OpPollAdd, OpLinkTimeout, SqeCqeSkipSuccess, SqeIoLink],
    variants: variants::ALL,
    refs: ["commit 04c76b41ca97: a linked timeout's CQE depends solely on its own IOSQE_CQE_SKIP_SUCCESS, unconditionally", "liburing test/skip-cqe.c test_ltimeout_fire", "claim:enter.sqe.cqe-skip.linked-timeout"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect(&[Sqe::poll_add(p.rx(), POLLIN as u32).link().user_data(1), Sqe::link_timeout(&ts, 0).skip_success().user_data(2)], &[cqe(1, -libc::ECANCELED)])?;
        check_elapsed(&t0, Duration::from_millis(100), "the linked timeout")
    },
}
