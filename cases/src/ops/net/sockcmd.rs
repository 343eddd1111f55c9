//! URING_CMD on sockets (io_uring/cmd_net.c: SIOCINQ, SIOCOUTQ, getsockopt, setsockopt), and RECV_ZC's prep-time errors.

use super::*;

// ------------------------------------------------------------ uring_cmd on sockets

case! {
    id: "ops/uring_cmd/sock-siocinq",
    summary: "URING_CMD SOCKET_URING_OP_SIOCINQ on a TCP socket returns the unread byte count",
    requires: [OpUringCmd, OpflagUringCmdSiocinq],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cmd_sock(3): SOCKET_URING_OP_SIOCINQ", "io_uring/cmd_net.c", "claim:prep.cmd-sock.siocinq"],
    run: |cx| {
        let (c, s) = tcp_pair()?;
        std::io::Write::write_all(&mut &c, b"12345")?;
        // Wait until the bytes are queued at the receiver (loopback
        // delivers them before write returns; poll to be sure).
        fixtures::poll_in(&s, harness::prompt())?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_SIOCINQ, 0, 0, std::ptr::null_mut()).user_data(1)], &[cqe(1, 5)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/sock-siocoutq",
    summary: "URING_CMD SOCKET_URING_OP_SIOCOUTQ on a TCP socket returns the bytes not yet acknowledged: 10 queued in TCP_REPAIR mode (kept, never transmitted)",
    // SIOCOUTQ came in the same commit as SIOCINQ (6.7). TCP_REPAIR needs
    // CAP_NET_ADMIN: in its send-queue mode data is queued as sent without
    // being transmitted, so nothing can acknowledge it.
    requires: [OpUringCmd, OpflagUringCmdSiocinq, EnvRoot],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_cmd_sock(3): SOCKET_URING_OP_SIOCOUTQ",
        "io_uring/cmd_net.c io_uring_cmd_sock: prot->ioctl(sk, SIOCOUTQ)",
        "net/ipv4/tcp.c tcp_ioctl SIOCOUTQ: write_seq - snd_una",
        "tcp(7): TCP_REPAIR, TCP_REPAIR_QUEUE (TCP_SEND_QUEUE)",
        "claim:prep.cmd-sock.siocoutq",
    ],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let fd = c.as_raw_fd();
        let (on, send_queue) = (1i32, 2i32);
        // SAFETY: setsockopt with local ints on our socket.
        let ok = unsafe {
            libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_REPAIR, &on as *const _ as *const _, 4) == 0
                && libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_REPAIR_QUEUE, &send_queue as *const _ as *const _, 4) == 0
        };
        if !ok {
            return Err(harness::CaseError::Error(format!("fixture: TCP_REPAIR: {}", std::io::Error::last_os_error())));
        }
        send_all(fd, b"0123456789")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sock_cmd(IORING_OP_URING_CMD, fd, SOCKET_URING_OP_SIOCOUTQ, 0, 0, std::ptr::null_mut()).user_data(1)], &[cqe(1, 10)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/sock-getsockopt",
    summary: "URING_CMD SOCKET_URING_OP_GETSOCKOPT reads SO_TYPE and returns the option length (4)",
    requires: [OpUringCmd, OpflagUringCmdSockopt],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_cmd_sock(3): SOCKET_URING_OP_GETSOCKOPT", "io_uring/cmd_net.c io_uring_cmd_getsockopt: returns optlen", "claim:prep.cmd-sock.getsockopt"],
    run: |cx| {
        let s = socket(libc::SOCK_DGRAM)?;
        let mut v = 0i32;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_GETSOCKOPT, libc::SOL_SOCKET, libc::SO_TYPE, &mut v).user_data(1)], &[cqe(1, 4)])?;
        check_eq!(v, libc::SOCK_DGRAM, "SO_TYPE read through the ring");
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/sock-setsockopt",
    summary: "URING_CMD SOCKET_URING_OP_SETSOCKOPT sets SO_REUSEADDR (res 0), visible to getsockopt(2)",
    requires: [OpUringCmd, OpflagUringCmdSockopt],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_cmd_sock(3): SOCKET_URING_OP_SETSOCKOPT", "claim:prep.cmd-sock.setsockopt"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let mut v = 1i32;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_SETSOCKOPT, libc::SOL_SOCKET, libc::SO_REUSEADDR, &mut v).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(getsockopt_int(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR), 1, "SO_REUSEADDR");
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/error-regular-file-eopnotsupp",
    summary: "URING_CMD on a regular file (no ->uring_cmd) completes with -EOPNOTSUPP",
    requires: [OpUringCmd],
    variants: variants::DEFAULT,
    refs: ["io_uring/uring_cmd.c io_uring_cmd: !file->f_op->uring_cmd -> -EOPNOTSUPP"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::uring_cmd(IORING_OP_URING_CMD, f.fd(), 0).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/error-getsockopt-not-sol-socket-eopnotsupp",
    summary: "URING_CMD GETSOCKOPT at a level other than SOL_SOCKET completes with -EOPNOTSUPP",
    requires: [OpUringCmd, OpflagUringCmdSockopt],
    variants: variants::DEFAULT,
    refs: ["io_uring/cmd_net.c io_uring_cmd_getsockopt: level != SOL_SOCKET -> -EOPNOTSUPP"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let mut v = 0i32;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_GETSOCKOPT, libc::IPPROTO_TCP, libc::TCP_NODELAY, &mut v).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ recv_zc

case! {
    id: "ops/recv_zc/error-no-ifq-einval",
    summary: "RECV_ZC on a ring with no zero-copy receive queue registered completes with -EINVAL",
    requires: [OpRecvZc],
    variants: variants::DEFAULT,
    refs: ["io_uring/net.c io_recvzc_prep: no ifq at zcrx_ifq_idx -> -EINVAL", "claim:enter.op.recv-zc.needs-ifq"],
    run: |cx| {
        let (_c, s) = tcp_pair()?;
        let mut r = cx.ring()?;
        // Deliberately malformed: RECV_ZC naming zcrx ifq 0, which this ring never registered.
        r.run_expect(&[Sqe::prep(IORING_OP_RECV_ZC, s.as_raw_fd(), 0, 0, 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}
