//! NOP and the 128-byte opcodes (NOP128, URING_CMD128), which need an
//! SQE128 ring (or a mixed one): io_uring/io_uring.c io_init_req refuses
//! an is_128 op on a 64-byte SQ that is not IORING_SETUP_SQE_MIXED.

use crate::prelude::*;
use std::os::fd::AsRawFd;

case! {
    id: "ops/nop/completes",
    summary: "NOP completes with res 0, flags 0 and its user_data",
    requires: [OpNop],
    variants: variants::ALL,
    refs: ["io_uring_prep_nop(3)", "claim:enter.op.nop", "claim:prep.nop"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().user_data(0xfeed_f00d_dead_beef)], &[cqe(0xfeed_f00d_dead_beef, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/nop/error-buffer-select-eopnotsupp",
    summary: "NOP with IOSQE_BUFFER_SELECT (an op that selects no buffer) completes with -EOPNOTSUPP",
    requires: [OpNop, SqeBufferSelect],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: IOSQE_BUFFER_SELECT on an op without buffer_select -> -EOPNOTSUPP", "claim:enter.cqe.EOPNOTSUPP-buffer-select"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().with(IOSQE_BUFFER_SELECT).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

case! {
    id: "ops/nop/error-unknown-flag-einval",
    summary: "NOP with an unknown nop_flags bit completes with -EINVAL",
    requires: [OpNop, OpflagNopInjectResult],
    variants: variants::DEFAULT,
    refs: ["io_uring/nop.c io_nop_prep: nop_flags & ~NOP_FLAGS -> -EINVAL (since NOP flags exist, 6.10)"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().op_flags(1 << 30).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/nop128/completes-on-sqe128-ring",
    summary: "NOP128 on an SQE128 ring completes with res 0",
    requires: [OpNop128, SetupSqe128],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_nop128(3)", "io_uring/io_uring.c io_init_req: is_128 ops run on SQE128 rings", "claim:enter.op.nop128"],
    run: |cx| {
        let mut r = cx.build(cx.builder(8).flags(IORING_SETUP_SQE128))?;
        r.run_expect(&[Sqe::op(IORING_OP_NOP128).user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/nop128/error-64-byte-ring-einval",
    summary: "NOP128 on a 64-byte SQ that is not SQE_MIXED completes with -EINVAL",
    requires: [OpNop128],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: is_128 op without SQE128 or SQE_MIXED -> -EINVAL"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::op(IORING_OP_NOP128).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd128/sock-siocinq-on-sqe128-ring",
    summary: "URING_CMD128 on an SQE128 ring runs a socket command like URING_CMD (SIOCINQ of an empty socket: 0)",
    requires: [OpUringCmd128, SetupSqe128, OpflagUringCmdSiocinq],
    variants: variants::DEFAULT,
    refs: ["io_uring/opdef.c: IORING_OP_URING_CMD128 shares URING_CMD's prep and issue", "claim:enter.op.uring-cmd128"],
    run: |cx| {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        let c = std::net::TcpStream::connect(l.local_addr()?)?;
        let mut r = cx.build(cx.builder(8).flags(IORING_SETUP_SQE128))?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD128, c.as_raw_fd(), SOCKET_URING_OP_SIOCINQ, 0, 0, std::ptr::null_mut()) }.user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd128/error-64-byte-ring-einval",
    summary: "URING_CMD128 on a 64-byte SQ that is not SQE_MIXED completes with -EINVAL",
    requires: [OpUringCmd128],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: is_128 op without SQE128 or SQE_MIXED -> -EINVAL"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        // Deliberately malformed: a 128-byte command on a ring of 64-byte SQEs.
        r.run_expect(&[Sqe::uring_cmd(IORING_OP_URING_CMD128, f.fd(), 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}
