//! Linked timeouts (LINK_TIMEOUT) and -ETIME in links.

use super::*;

case! {
    id: "timeouts/link-timeout-fires",
    summary: "a linked timeout that expires cancels its poll: the poll gets -ECANCELED, the timeout -ETIME",
    requires: [OpPollAdd, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3): -ETIME for the timeout, -ECANCELED for the request it cancelled", "claim:enter.op.link-timeout.etime", "claim:prep.link-timeout.ETIME"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        r.run_expect_unordered(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        check_elapsed(&t0, Duration::from_millis(100), "linked timeout")
    },
}

case! {
    id: "timeouts/link-timeout-not-fired",
    summary: "a request completing before its linked timeout: the request's result, the timeout -ECANCELED",
    requires: [OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3): a timeout whose request completes first completes with -ECANCELED", "claim:enter.op.link-timeout.ecanceled", "claim:prep.link-timeout.ECANCELED"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10_000);
        r.run_expect_unordered(&[Sqe::nop().user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, 0), cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-read-completes-first",
    summary: "a pipe read with data waiting beats its linked timeout: the byte count, then the timeout -ECANCELED",
    requires: [OpRead, OpLinkTimeout, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout(3)", "claim:enter.op.link-timeout.ecanceled"],
    run: |cx| {
        let p = Pipe::new()?;
        p.put(b"hello")?;
        let ts;
        let buf;
        let mut r = cx.ring()?;
        ts = ms(10_000);
        buf = IoBuf::new(5);
        r.run_expect_unordered(&[Sqe::read(p.rx(), &buf, u64::MAX).user_data(1).link(), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, 5), cqe(2, -libc::ECANCELED)])?;
        check_eq!(&buf.to_vec(), b"hello", "bytes read");
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-alone-einval",
    summary: "a LINK_TIMEOUT not preceded by a linked request is rejected with -EINVAL",
    requires: [OpLinkTimeout],
    variants: variants::DEFAULT,
    refs: ["io_uring/timeout.c __io_timeout_prep: a link timeout with no link head is -EINVAL"],
    run: |cx| {
        let ts = ms(10);
        expect_timeout_einval(cx, Sqe::link_timeout(&ts, 0))
    },
}

case! {
    id: "timeouts/link-timeout-with-count-einval",
    summary: "a LINK_TIMEOUT with a count fails with -EINVAL and fails its head with -ECANCELED",
    requires: [OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c __io_timeout_prep: off && is_timeout_link is -EINVAL", "io_uring/io_uring.c io_submit_fail_init: the head of a failed link gets -ECANCELED", "claim:prep.link-timeout.EINVAL"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10);
        let mut lt = Sqe::link_timeout(&ts, 0).user_data(2);
        // Deliberately malformed: a linked timeout with a completion count.
        // SAFETY: a field set wrong on purpose; 1 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { lt.raw_mut().off = 1 };
        r.run_expect_unordered(&[Sqe::nop().user_data(1).link(), lt], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-update",
    summary: "IORING_LINK_TIMEOUT_UPDATE shortens a linked timeout: update 0, then poll -ECANCELED and timeout -ETIME",
    requires: [OpPollAdd, OpLinkTimeout, OpTimeoutRemove, OpflagLinkTimeoutUpdate, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout_update(3)"],
    run: |cx| {
        let p = Pipe::new()?;
        let (long, short);
        let mut r = cx.ring()?;
        (long, short) = (ms(10_000), ms(100));
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1).link(), Sqe::link_timeout(&long, 0).user_data(2)])?;
        let t0 = Stopwatch::start();
        // On a slow machine the 100 ms may pass before we reap the update's
        // CQE: expect all three, the update's first.
        let got = r.run_expect_unordered(&[Sqe::timeout_update(2, &short, IORING_LINK_TIMEOUT_UPDATE).user_data(3)], &[cqe(3, 0), cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        check_order(&got, &[3, 2])?;
        check_order(&got, &[3, 1])?;
        check_elapsed(&t0, Duration::from_millis(100), "updated linked timeout")
    },
}

case! {
    id: "timeouts/etime-breaks-link",
    summary: "an expiring timeout is a failure for links: the next linked request gets -ECANCELED",
    requires: [OpTimeout, OpNop, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c io_timeout_fn: req_set_fail unless IORING_TIMEOUT_ETIME_SUCCESS"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(1);
        r.run_expect(&[Sqe::timeout(&ts, 0, 0).user_data(1).link(), Sqe::nop().user_data(2)], &[cqe(1, -libc::ETIME), cqe(2, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/etime-success-keeps-link",
    summary: "with IORING_TIMEOUT_ETIME_SUCCESS an expiring timeout still reports -ETIME but lets its link run",
    requires: [OpTimeout, OpNop, SqeIoLink, OpflagTimeoutEtimeSuccess],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_ETIME_SUCCESS", "claim:enter.op.timeout.etime-success"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(1);
        r.run_expect(&[Sqe::timeout(&ts, 0, IORING_TIMEOUT_ETIME_SUCCESS).user_data(1).link(), Sqe::nop().user_data(2)], &[cqe(1, -libc::ETIME), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-firing-cancels-later-members",
    summary: "a linked timeout in a longer chain that fires cancels its request (-ECANCELED) and every member after the timeout (-ECANCELED); the timeout gets -ETIME",
    requires: [OpPollAdd, OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3)", "io_uring/timeout.c io_req_task_link_timeout: the cancelled request fails, and io_fail_links cancels its remaining links"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        let sqes = [Sqe::poll_add(p.rx(), POLLIN as u32).link().user_data(1), Sqe::link_timeout(&ts, 0).link().user_data(2), Sqe::nop().link().user_data(3), Sqe::nop().user_data(4)];
        r.run_expect_unordered(&sqes, &[cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME), cqe(3, -libc::ECANCELED), cqe(4, -libc::ECANCELED)])?;
        check_elapsed(&t0, Duration::from_millis(100), "the linked timeout")
    },
}

case! {
    id: "timeouts/link-timeout-on-non-head-member",
    summary: "a linked timeout after the second member of a chain times that member: the head completes, the member is cancelled when the timeout fires",
    requires: [OpPollAdd, OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::ALL,
    refs: ["io_uring_prep_link_timeout(3): the timeout applies to the request it is linked after", "io_uring/timeout.c io_prep_linked_timeout: armed when that request is issued"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        ts = ms(100);
        let t0 = Stopwatch::start();
        let sqes = [Sqe::nop().link().user_data(1), Sqe::poll_add(p.rx(), POLLIN as u32).link().user_data(2), Sqe::link_timeout(&ts, 0).user_data(3)];
        let got = r.run_expect_unordered(&sqes, &[cqe(1, 0), cqe(2, -libc::ECANCELED), cqe(3, -libc::ETIME)])?;
        // The head completes before its link starts.
        check_order(&got, &[1, 2])?;
        check_elapsed(&t0, Duration::from_millis(100), "the linked timeout")
    },
}

case! {
    id: "timeouts/second-link-timeout-einval",
    summary: "a second LINK_TIMEOUT right after a linked timeout is refused at submission with -EINVAL, and the chain is failed whole (-ECANCELED)",
    requires: [OpPollAdd, OpLinkTimeout, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring/timeout.c __io_timeout_prep: a LINK_TIMEOUT whose previous link is a LINK_TIMEOUT is -EINVAL", "io_uring/io_uring.c io_submit_fail_init"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        ts = __kernel_timespec::from_duration(Duration::from_secs(10));
        let sqes = [Sqe::poll_add(p.rx(), POLLIN as u32).link().user_data(1), Sqe::link_timeout(&ts, 0).link().user_data(2), Sqe::link_timeout(&ts, 0).user_data(3)];
        r.run_expect_unordered(&sqes, &[cqe(1, -libc::ECANCELED), cqe(2, -libc::ECANCELED), cqe(3, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-update-unknown-enoent",
    summary: "TIMEOUT_REMOVE with IORING_LINK_TIMEOUT_UPDATE of a user_data no linked timeout has completes with -ENOENT",
    requires: [OpTimeoutRemove, OpflagLinkTimeoutUpdate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_link_timeout_update(3)", "io_uring/timeout.c io_linked_timeout_update: no match is -ENOENT"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10);
        r.run_expect(&[Sqe::timeout_update(0x99, &ts, IORING_LINK_TIMEOUT_UPDATE).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "timeouts/link-timeout-bad-timespec-efault",
    summary: "a LINK_TIMEOUT whose timespec cannot be read fails with -EFAULT and fails its head with -ECANCELED",
    requires: [OpNop, OpLinkTimeout, SqeIoLink],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_link_timeout(3) ERRORS: -EFAULT",
        "io_uring/timeout.c __io_timeout_prep: get_timespec64 fails -> -EFAULT",
        "io_uring/io_uring.c io_submit_fail_init: the head of a failed link gets -ECANCELED",
        "claim:prep.link-timeout.EFAULT",
    ],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(10);
        let mut lt = Sqe::link_timeout(&ts, 0).user_data(2);
        // Deliberately malformed: address 8 is never mapped.
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { lt.raw_mut().addr = 8 };
        r.run_expect_unordered(&[Sqe::nop().user_data(1).link(), lt], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::EFAULT)])?;
        Ok(())
    },
}
