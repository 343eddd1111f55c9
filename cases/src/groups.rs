//! SQE groups: the unmerged IOSQE_SQE_GROUP series (Ming Lei, "io_uring:
//! support SQE group", v1-v8, 2024), detected by behaviour only
//! (proposal.sqe_group). Semantics as the last version (V8 4/7, Oct 2024)
//! defines them:
//! - a group runs from the first SQE with the flag through the next SQE
//!   without it; the first is the leader, the rest are members;
//! - members "can be submitted in parallel" (V8 queues them once the leader
//!   completes, and says that may change: cases do not depend on it);
//! - the leader's CQE is posted last;
//! - IO_LINK and IO_DRAIN come from the leader; a member carrying IO_LINK,
//!   IO_DRAIN or CQE_SKIP_SUCCESS fails the group's leader with -EINVAL;
//!   LINK_TIMEOUT is refused in a group;
//! - a failed member marks a *linked* leader failed so the chain after the
//!   group is cancelled; the leader's own CQE keeps its own result
//!   (__io_complete_group_req: req_set_fail(lead), no res change);
//! - a failed leader fails its members with -ECANCELED
//!   (io_queue_group_members).
//!
//! An earlier draft of this module assumed the leader's CQE became
//! -ECANCELED on a member failure; V8's code says otherwise.
//!
//! On kernels without the series every case but the first skips naming
//! proposal.sqe_group, and the first checks the clean rejection instead.

use crate::prelude::*;
use oracle::Feature;

const GROUP: u8 = IOSQE_BIT7;

case! {
    id: "groups/group-flag-rejected-cleanly-or-grouped",
    summary: "without the series, bit 7 fails the SQE with -EINVAL, ends the batch and loses no CQE; with it, the group completes leader last",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring/io_uring.c io_init_req: unknown sqe flags -> -EINVAL", "IOSQE_SQE_GROUP series (Ming Lei, 2024)", "claim:enter.cqe.EINVAL-flags-or-opcode"],
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
    id: "groups/member-failure-leader-keeps-result",
    summary: "a failing member posts its error; the leader still posts its own result (0), last",
    requires: [OpNop, OpflagNopInjectResult, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP V8 4/7: __io_complete_group_req only marks a linked leader failed; the leader's CQE keeps its res"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().with(GROUP).user_data(1), Sqe::nop_inject(-libc::EIO).user_data(2)];
        r.run_expect(&sqes, &[cqe(2, -libc::EIO), cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "groups/member-failure-breaks-link",
    summary: "a failing member of a linked group cancels the request linked after the group (-ECANCELED)",
    requires: [OpNop, OpflagNopInjectResult, SqeIoLink, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP V8 4/7: 'Failure from any group member will fail the group leader, then the link chain can be terminated'"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().with(GROUP).link().user_data(1), Sqe::nop_inject(-libc::EIO).user_data(2), Sqe::nop().user_data(3)];
        r.run_expect(&sqes, &[cqe(2, -libc::EIO), cqe(1, 0), cqe(3, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "groups/leader-failure-cancels-members",
    summary: "a failing leader fails every member with -ECANCELED and posts its own error last",
    requires: [OpNop, OpflagNopInjectResult, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_queue_group_members: a failed leader queues members failed with -ECANCELED"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop_inject(-libc::EIO).with(GROUP).user_data(1), Sqe::nop().with(GROUP).user_data(2), Sqe::nop().user_data(3)];
        let got = r.run_expect_unordered(&sqes, &[cqe(2, -libc::ECANCELED), cqe(3, -libc::ECANCELED), cqe(1, -libc::EIO)])?;
        check_order(&got, &[2, 1])?;
        check_order(&got, &[3, 1])?;
        Ok(())
    },
}

/// A group whose member (user_data 2) carries `flag`, which members may
/// not: the leader fails with -EINVAL, the members with -ECANCELED.
fn member_flag_fails_group(cx: &oracle::Ctx, flag: u8) -> CaseResult {
    let mut r = cx.ring()?;
    let sqes = [Sqe::nop().with(GROUP).user_data(1), Sqe::nop().with(GROUP).with(flag).user_data(2), Sqe::nop().user_data(3)];
    let got = r.run_expect_unordered(&sqes, &[cqe(2, -libc::ECANCELED), cqe(3, -libc::ECANCELED), cqe(1, -libc::EINVAL)])?;
    check_order(&got, &[2, 1])?;
    check_order(&got, &[3, 1])
}

case! {
    id: "groups/member-link-flag-fails-group",
    summary: "a member with IOSQE_IO_LINK fails the group: leader -EINVAL, members -ECANCELED",
    requires: [OpNop, SqeIoLink, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_group_sqe: IO_REQ_LINK_FLAGS on a member -> req_fail_link_node(lead, -EINVAL)"],
    run: |cx| member_flag_fails_group(cx, IOSQE_IO_LINK),
}

case! {
    id: "groups/member-drain-flag-fails-group",
    summary: "a member with IOSQE_IO_DRAIN fails the group: leader -EINVAL, members -ECANCELED",
    requires: [OpNop, SqeIoDrain, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_group_sqe: REQ_F_IO_DRAIN on a member -> req_fail_link_node(lead, -EINVAL)"],
    run: |cx| member_flag_fails_group(cx, IOSQE_IO_DRAIN),
}

case! {
    id: "groups/member-cqe-skip-fails-group",
    summary: "a member with IOSQE_CQE_SKIP_SUCCESS fails the group: leader -EINVAL, members -ECANCELED",
    requires: [OpNop, SqeCqeSkipSuccess, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_group_sqe: REQ_F_CQE_SKIP on a member -> req_fail_link_node(lead, -EINVAL)"],
    run: |cx| member_flag_fails_group(cx, IOSQE_CQE_SKIP_SUCCESS),
}

case! {
    id: "groups/link-timeout-refused",
    summary: "a LINK_TIMEOUT inside a group is refused with -EINVAL",
    requires: [OpNop, OpLinkTimeout, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: ["IOSQE_SQE_GROUP V8 4/7 __io_timeout_prep: 'so far disallow IO group link timeout'"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(1000);
        let sqes = [Sqe::nop().with(GROUP).user_data(1), Sqe::link_timeout(&ts, 0).user_data(2)];
        r.submit_all(&sqes)?;
        let got = r.wait_for(2, oracle::prompt())?;
        check!(got.iter().any(|c| c.user_data == 2 && c.res == -libc::EINVAL), "the group's LINK_TIMEOUT: {got:?}");
        Ok(())
    },
}

case! {
    id: "groups/leader-cqe-skip",
    summary: "a leader with CQE_SKIP_SUCCESS that succeeds posts nothing; its members post",
    requires: [OpNop, SqeCqeSkipSuccess, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_complete_group_req: the leader's CQE unless REQ_F_CQE_SKIP"],
    run: |cx| {
        let mut r = cx.ring()?;
        let sqes = [Sqe::nop().with(GROUP).skip_success().user_data(1), Sqe::nop().with(GROUP).user_data(2), Sqe::nop().user_data(3)];
        r.run_expect_unordered(&sqes, &[cqe(2, 0), cqe(3, 0)])?;
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

case! {
    id: "groups/group-inside-link-chain",
    summary: "a group in the middle of a chain starts after the request before it and holds back the one after it",
    requires: [OpNop, OpPollAdd, SqeIoLink, ProposalSqeGroup],
    variants: variants::ALL,
    refs: ["IOSQE_SQE_GROUP V8 4/7: 'When the group is in one link chain, this group isn't submitted until the previous SQE or group is completed. And the following SQE or group can't be started if this group isn't completed.'"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let sqes = [
            Sqe::poll_add(p.rx(), libc::POLLIN as u32).link().user_data(1),
            Sqe::nop().with(GROUP).link().user_data(2),
            Sqe::nop().user_data(3),
            Sqe::nop().user_data(4),
        ];
        r.submit_all(&sqes)?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(3, 0), cqe(2, 0), cqe(4, 0)])?;
        Ok(())
    },
}

case! {
    id: "groups/lone-leader-at-end-of-submission",
    summary: "a leader with no member before the submission ends is failed with -EINVAL, and its CQE is posted",
    requires: [OpNop, ProposalSqeGroup],
    variants: variants::DELIVERY,
    refs: [
        "IOSQE_SQE_GROUP V8 4/7 io_submit_state_end: 'fail group with single leader' -> req_fail_link_node(lead, -EINVAL), then queued",
        "io_uring_enter(2): every consumed SQE posts a CQE unless IOSQE_CQE_SKIP_SUCCESS (mainline fails the unknown flag with -EINVAL the same way)",
    ],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().with(GROUP).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "groups/group-split-across-submissions",
    summary: "a group is bounded by its submission: a leader whose member comes in the next io_uring_enter is a lone leader (-EINVAL), the member a plain request",
    requires: [OpNop, ProposalSqeGroup],
    variants: variants::DEFAULT,
    refs: ["IOSQE_SQE_GROUP V8 4/7 io_submit_state_end: the group state ends with the submission; a leader alone is failed with -EINVAL"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.push_all(&[Sqe::nop().with(GROUP).user_data(1)])?;
        check_eq!(r.submit()?, 1, "SQEs consumed by the first enter");
        r.push_all(&[Sqe::nop().user_data(2)])?;
        check_eq!(r.submit()?, 1, "SQEs consumed by the second enter");
        r.expect_unordered(&[cqe(1, -libc::EINVAL), cqe(2, 0)])?;
        Ok(())
    },
}
