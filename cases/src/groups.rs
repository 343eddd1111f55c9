//! SQE groups: the unmerged IOSQE_SQE_GROUP series (Ming Lei, "io_uring:
//! support SQE group", 2024), detected by behaviour only
//! (proposal.sqe_group). The semantics checked are those of
//! ../shared/CASES.md: a group runs from the first SQE with the flag
//! through the next SQE without it; members are issued in parallel; the
//! leader completes last; a member failure fails the leader; link and drain
//! come from the leader only.
//!
//! On kernels without the series every case but the first skips naming
//! proposal.sqe_group, and the first checks the clean rejection instead.

use crate::prelude::*;
use harness::Feature;

const GROUP: u8 = IOSQE_BIT7;

case! {
    id: "groups/group-flag-rejected-cleanly-or-grouped",
    summary: "without the series, bit 7 fails the SQE with -EINVAL, ends the batch and loses no CQE; with it, the group completes leader last",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_init_req: unknown sqe flags -> -EINVAL", "IOSQE_SQE_GROUP series (Ming Lei, 2024)"],
    run: |cx| {
        let mut r = cx.ring()?;
        if cx.has(Feature::ProposalSqeGroup) {
            r.run_expect(&[Sqe::nop().with(GROUP).user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0), cqe(1, 0)])?;
            return Ok(());
        }
        r.push_all(&[Sqe::nop().with(GROUP).user_data(1), Sqe::nop().user_data(2)])?;
        if cx.variant == Variant::Sqpoll {
            // The poller ends its batch at the error and takes the next
            // SQE on its next pass, with no enter from us.
            r.submit()?;
            r.expect(&[cqe(1, -libc::EINVAL), cqe(2, 0)])?;
            return Ok(());
        }
        check_eq!(r.submit()?, 1, "SQEs consumed (the rejected one ends the batch)");
        r.expect(&[cqe(1, -libc::EINVAL)])?;
        // The SQE after the rejected one is still there and completes when submitted.
        check_eq!(r.sq_pending(), 1, "SQEs left in the SQ");
        check_eq!(r.submit()?, 1, "second enter");
        r.expect(&[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "groups/leader-completes-last",
    summary: "the leader's CQE comes after every member's",
    requires: [OpNop, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP series: the leader completes after all members"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().with(GROUP).user_data(1), Sqe::nop().with(GROUP).user_data(2), Sqe::nop().user_data(3)];
        let got = r.run_expect_unordered(&sqes, &[cqe(1, 0), cqe(2, 0), cqe(3, 0)])?;
        check_order(&got, &[2, 1])?;
        check_order(&got, &[3, 1])?;
        Ok(())
    },
}

case! {
    id: "groups/members-issued-in-parallel",
    summary: "a member waiting on a pipe does not hold back another member",
    requires: [OpNop, OpPollAdd, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP series: members are issued in parallel"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().with(GROUP).user_data(1), Sqe::poll_add(p.rx(), libc::POLLIN as u32).with(GROUP).user_data(2), Sqe::nop().user_data(3)])?;
        r.expect(&[cqe(3, 0)])?;
        p.put(b"x")?;
        r.expect(&[cqe(2, POLLIN), cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "groups/member-failure-fails-leader",
    summary: "a failing member posts its error and the leader completes with -ECANCELED",
    requires: [OpNop, OpflagNopInjectResult, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP series: a member failure fails the leader"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().with(GROUP).user_data(1), Sqe::nop_inject(-libc::EIO).user_data(2)];
        r.run_expect(&sqes, &[cqe(2, -libc::EIO), cqe(1, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "groups/linked-groups-n-to-m",
    summary: "group A linked to group B: every member of B starts after all of A completes",
    requires: [OpNop, OpPollAdd, SqeIoLink, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP series: IO_LINK is taken from the leader, giving N:M dependencies"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let sqes = [
            Sqe::nop().with(GROUP).link().user_data(1),
            Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(2),
            Sqe::nop().with(GROUP).user_data(3),
            Sqe::nop().user_data(4),
        ];
        r.submit_all(&sqes)?;
        r.expect_none()?;
        p.put(b"x")?;
        let got = r.expect_unordered(&[cqe(1, 0), cqe(2, POLLIN), cqe(3, 0), cqe(4, 0)])?;
        check_order(&got, &[2, 1, 4, 3])?;
        Ok(())
    },
}

case! {
    id: "groups/drain-on-leader",
    summary: "a drained leader's group waits for earlier requests",
    requires: [OpNop, OpPollAdd, SqeIoDrain, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP series: IO_DRAIN is taken from the leader"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1), Sqe::nop().with(GROUP).drain().user_data(2), Sqe::nop().user_data(3)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(3, 0), cqe(2, 0)])?;
        Ok(())
    },
}
