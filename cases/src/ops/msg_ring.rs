//! MSG_RING: posting a CQE on another ring (data), passing the
//! target CQE's flags (IORING_MSG_RING_FLAGS_PASS), and passing a
//! registered file between rings (IORING_MSG_SEND_FD).
//!
//! References: io_uring_prep_msg_ring(3), io_uring_prep_msg_ring_fd(3),
//! io_uring_prep_msg_ring_cqe_flags(3), io_uring/msg_ring.c.

use crate::prelude::*;

case! {
    id: "ops/msg_ring/data-to-other-ring",
    summary: "MSG_RING posts a CQE with the given res and user_data on the target ring; the sender's CQE has res 0",
    requires: [OpMsgRing],
    variants: variants::ALL,
    refs: ["io_uring_prep_msg_ring(3)", "claim:enter.op.msg-ring", "claim:prep.msg-ring.target-cqe"],
    run: |cx| {
        let mut target = CheckedRing::new(4)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::msg_ring_data(target.fd(), 42, 0x77).user_data(1)], &[cqe(1, 0)])?;
        target.expect(&[cqe(0x77, 42)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/to-defer-taskrun-target",
    summary: "MSG_RING to a DEFER_TASKRUN ring is delivered once the target's task waits",
    requires: [OpMsgRing, SetupDeferTaskrun, SetupSingleIssuer],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_msg_ring(3)", "io_uring/msg_ring.c io_msg_remote_post (task work for DEFER_TASKRUN targets)", "claim:setup.defer-taskrun.runs-on-wait"],
    run: |cx| {
        let mut target = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER).build()?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::msg_ring_data(target.fd(), 7, 0x78).user_data(1)], &[cqe(1, 0)])?;
        target.expect(&[cqe(0x78, 7)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/flags-pass",
    summary: "MSG_RING with IORING_MSG_RING_FLAGS_PASS sets the target CQE's flags to the value in file_index",
    requires: [OpMsgRing, OpflagMsgRingFlagsPass],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_msg_ring_cqe_flags(3)", "claim:prep.msg-ring-cqe-flags"],
    run: |cx| {
        let mut target = CheckedRing::new(4)?;
        let mut r = cx.ring()?;
        let s = Sqe::msg_ring_data(target.fd(), 5, 0x79).op_flags(IORING_MSG_RING_FLAGS_PASS).file_index(0x0123_0000);
        r.run_expect(&[s.user_data(1)], &[cqe(1, 0)])?;
        target.expect(&[cqe(0x79, 5).flags(0x0123_0000)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/send-fd",
    summary: "MSG_RING IORING_MSG_SEND_FD installs a registered file in the target's slot; the target reads through it",
    requires: [OpMsgRing, OpflagMsgRingSendFd, RegFiles, OpRead, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_msg_ring_fd(3)", "claim:prep.msg-ring-fd.send"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(16, 9))?;
        let buf;
        let mut target = CheckedRing::new(4)?;
        target.register_files(&[-1, -1])?;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd()])?;
        r.run_expect(&[Sqe::msg_ring_send_fd(target.fd(), 0, 1, 0x99).user_data(1)], &[cqe(1, 0)])?;
        target.expect(&[cqe(0x99, 0)])?;
        buf = IoBuf::new(16);
        target.run_expect(&[Sqe::read(1, &buf, 0).fixed_file().user_data(2)], &[cqe(2, 16)])?;
        check_eq!(buf.to_vec(), pattern(16, 9), "bytes read through the passed slot");
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/error-not-a-ring-ebadfd",
    summary: "MSG_RING to an fd that is not an io_uring completes with -EBADFD",
    requires: [OpMsgRing],
    variants: variants::DEFAULT,
    refs: ["io_uring/msg_ring.c io_msg_ring: !io_is_uring_fops(file) -> -EBADFD", "claim:prep.msg-ring.EBADFD-not-a-ring"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::msg_ring_data(f.fd(), 0, 1).user_data(1)], &[cqe(1, -libc::EBADFD)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/error-unknown-command-einval",
    summary: "MSG_RING with an unknown command in addr completes with -EINVAL and posts nothing on the target",
    requires: [OpMsgRing],
    variants: variants::DEFAULT,
    refs: ["io_uring/msg_ring.c __io_msg_ring: unknown msg->cmd -> -EINVAL", "claim:prep.msg-ring.EINVAL"],
    run: |cx| {
        let mut target = CheckedRing::new(4)?;
        let mut s = Sqe::msg_ring_data(target.fd(), 0, 1);
        // Deliberately malformed: a MSG_RING command no kernel defines.
        // SAFETY: a field set wrong on purpose; 7 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { s.raw_mut().addr = 7 };
        let mut r = cx.ring()?;
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        target.expect_none()?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/error-send-fd-empty-slot-ebadf",
    summary: "MSG_RING IORING_MSG_SEND_FD of an empty source slot completes with -EBADF",
    requires: [OpMsgRing, OpflagMsgRingSendFd, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring/msg_ring.c io_msg_grab_file: no file in the slot -> -EBADF"],
    run: |cx| {
        let mut target = CheckedRing::new(4)?;
        target.register_files(&[-1])?;
        let mut r = cx.ring()?;
        r.register_files(&[-1])?;
        r.run_expect(&[Sqe::msg_ring_send_fd(target.fd(), 0, 0, 0x99).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        target.expect_none()?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/to-own-ring",
    summary: "MSG_RING whose target is the submitting ring posts both CQEs there: the sender's (res 0) and the message (res and user_data given)",
    requires: [OpMsgRing],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_msg_ring(3)", "io_uring/msg_ring.c io_msg_ring_data: the target may be the source ring", "claim:enter.op.msg-ring"],
    run: |cx| {
        let mut r = cx.ring()?;
        let fd = r.fd();
        r.run_expect_unordered(&[Sqe::msg_ring_data(fd, 42, 0x77).user_data(1)], &[cqe(1, 0), cqe(0x77, 42)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/error-fixed-file-target-not-a-ring-ebadfd",
    summary: "MSG_RING with IOSQE_FIXED_FILE takes its target from the sender's file table; a slot holding a file that is not a ring fails with -EBADFD",
    requires: [OpMsgRing, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_prep_msg_ring(3): ERRORS -EBADFD (the target is not an io_uring)",
        "io_uring/msg_ring.c io_msg_ring: fixed files resolve through the table, then !io_is_uring_fops -> -EBADFD",
        "liburing test/msg-ring.c test_invalid (fixed)", "claim:prep.msg-ring.EBADFD-not-a-ring"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        // A ring fd cannot be put in a file table (files/register-ring-fd-ebadf).
        r.register_files(&[p.rx()])?;
        r.run_expect(&[Sqe::msg_ring_data(0, 9, 0x79).fixed_file().user_data(1)], &[cqe(1, -libc::EBADFD)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/sent-without-a-source-ring",
    summary: "IORING_REGISTER_SEND_MSG_RING with fd -1 sends a MSG_RING SQE to its target ring with no source ring at all: returns 0, the target gets the CQE",
    requires: [RegSendMsgRing, OpMsgRing],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_SEND_MSG_RING", "io_uring/msg_ring.c io_uring_sync_msg_ring: only IORING_MSG_DATA", "claim:register.op.send-msg-ring"],
    run: |cx| {
        let _ = cx;
        let mut target = CheckedRing::new(4)?;
        let mut sqe = *Sqe::msg_ring_data(target.fd(), 5, 0x7a).raw();
        // SAFETY: one SQE, read by the kernel during the call.
        let res = unsafe { io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &mut sqe as *mut _ as *mut libc::c_void, 1) };
        check_eq!(res, Ok(0), "IORING_REGISTER_SEND_MSG_RING");
        target.expect(&[cqe(0x7a, 5)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/send-fd-cqe-skip",
    summary: "MSG_RING IORING_MSG_SEND_FD with IORING_MSG_RING_CQE_SKIP installs the file in the target's slot without posting a CQE there; the sender gets res 0",
    // CQE_SKIP has no probe of its own; FLAGS_PASS (6.3) came after it,
    // so a kernel with FLAGS_PASS has CQE_SKIP.
    requires: [OpMsgRing, OpflagMsgRingSendFd, OpflagMsgRingFlagsPass, RegFiles, OpRead, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring.h: IORING_MSG_RING_CQE_SKIP (don't post a CQE to the target ring)", "io_uring/msg_ring.c io_msg_install_complete: no target CQE with CQE_SKIP"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(16, 4))?;
        let buf;
        let mut target = CheckedRing::new(4)?;
        target.register_files(&[-1, -1])?;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd()])?;
        r.run_expect(&[Sqe::msg_ring_send_fd(target.fd(), 0, 1, 0x99).op_flags(IORING_MSG_RING_CQE_SKIP).user_data(1)], &[cqe(1, 0)])?;
        buf = IoBuf::new(16);
        // The read's CQE is the target's only one: the install posted none.
        target.run_expect(&[Sqe::read(1, &buf, 0).fixed_file().user_data(2)], &[cqe(2, 16)])?;
        check_eq!(buf.to_vec(), pattern(16, 4), "bytes read through the passed slot");
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/data-cqe-skip-einval",
    summary: "MSG_RING IORING_MSG_DATA with IORING_MSG_RING_CQE_SKIP (a message that posts nothing) completes with -EINVAL and posts nothing on the target",
    requires: [OpMsgRing, OpflagMsgRingFlagsPass],
    variants: variants::DEFAULT,
    refs: ["io_uring.h: IORING_MSG_RING_CQE_SKIP 'Not applicable for IORING_MSG_DATA'", "io_uring/msg_ring.c io_msg_ring_data: CQE_SKIP -> -EINVAL"],
    run: |cx| {
        let mut target = CheckedRing::new(4)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::msg_ring_data(target.fd(), 42, 0x77).op_flags(IORING_MSG_RING_CQE_SKIP).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        r.run_expect(&[Sqe::msg_ring_data(target.fd(), 43, 0x78).user_data(2)], &[cqe(2, 0)])?;
        target.expect(&[cqe(0x78, 43)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/send-fd-to-self-einval",
    summary: "MSG_RING IORING_MSG_SEND_FD to the sending ring itself completes with -EINVAL",
    requires: [OpMsgRing, OpflagMsgRingSendFd, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_msg_ring_fd(3) ERRORS: -EINVAL (target ring is the source ring)", "io_uring/msg_ring.c io_msg_send_fd: target_ctx == ctx -> -EINVAL", "claim:prep.msg-ring-fd.EINVAL-same-ring"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd(), -1])?;
        let me = r.fd();
        r.run_expect(&[Sqe::msg_ring_send_fd(me, 0, 1, 0x99).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/msg_ring/send-fd-full-table-enfile",
    summary: "MSG_RING IORING_MSG_SEND_FD with IORING_FILE_INDEX_ALLOC into a target whose table has no free slot completes with -ENFILE and posts nothing on the target",
    requires: [OpMsgRing, OpflagMsgRingSendFd, OpflagFileIndexAlloc, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_msg_ring_fd(3) ERRORS: -ENFILE", "io_uring/filetable.c io_file_bitmap_get: no free slot -> -ENFILE", "claim:prep.msg-ring-fd.ENFILE"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut target = CheckedRing::new(4)?;
        target.register_files(&[f.fd()])?;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd()])?;
        // dst + 1 is the SQE's file_index: IORING_FILE_INDEX_ALLOC asks for a free slot.
        r.run_expect(&[Sqe::msg_ring_send_fd(target.fd(), 0, IORING_FILE_INDEX_ALLOC - 1, 0x99).user_data(1)], &[cqe(1, -libc::ENFILE)])?;
        target.expect_none()?;
        Ok(())
    },
}
