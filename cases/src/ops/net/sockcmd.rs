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
        fixtures::poll_in(&s, oracle::prompt())?;
        let mut r = cx.ring()?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_SIOCINQ, 0, 0, std::ptr::null_mut()) }.user_data(1)], &[cqe(1, 5)])?;
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
        // Stays libc: rustix has no TCP_REPAIR / TCP_REPAIR_QUEUE option.
        // SAFETY: setsockopt with local ints on our socket.
        let ok = unsafe {
            libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_REPAIR, &on as *const _ as *const _, 4) == 0
                && libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_REPAIR_QUEUE, &send_queue as *const _ as *const _, 4) == 0
        };
        if !ok {
            return Err(oracle::CaseError::Error(format!("fixture: TCP_REPAIR: {}", std::io::Error::last_os_error())));
        }
        send_all(&c, b"0123456789")?;
        let mut r = cx.ring()?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, fd, SOCKET_URING_OP_SIOCOUTQ, 0, 0, std::ptr::null_mut()) }.user_data(1)], &[cqe(1, 10)])?;
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
        let v = IoCell::new(0i32);
        let mut r = cx.ring()?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_GETSOCKOPT, libc::SOL_SOCKET, libc::SO_TYPE, v.as_ptr()) }.user_data(1)], &[cqe(1, 4)])?;
        check_eq!(v.get(), libc::SOCK_DGRAM, "SO_TYPE read through the ring");
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
        let v = IoCell::new(1i32);
        let mut r = cx.ring()?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_SETSOCKOPT, libc::SOL_SOCKET, libc::SO_REUSEADDR, v.as_ptr()) }.user_data(1)], &[cqe(1, 0)])?;
        check_eq!(rustix::net::sockopt::socket_reuseaddr(&s), Ok(true), "SO_REUSEADDR");
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
        let v = IoCell::new(0i32);
        let mut r = cx.ring()?;
        // SAFETY: optval is null or an IoCell declared before the ring, so it outlives it; fd is our socket, whose command reads addr as level/optname.
        r.run_expect(&[unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, s.as_raw_fd(), SOCKET_URING_OP_GETSOCKOPT, libc::IPPROTO_TCP, libc::TCP_NODELAY, v.as_ptr()) }.user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

/// An empty sockaddr_storage and its length, for GETSOCKNAME to fill.
fn sockaddr_out() -> (libc::sockaddr_storage, libc::socklen_t) {
    // Stays unsafe: libc's C structs have no Default.
    // SAFETY: all-zero bytes are a valid sockaddr_storage.
    (unsafe { std::mem::zeroed() }, std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t)
}

/// The bytes of the first `len` bytes of a sockaddr_storage.
fn sockaddr_bytes(a: &libc::sockaddr_storage, len: libc::socklen_t) -> Vec<u8> {
    // Stays unsafe: a view of a C struct's bytes (what the kernel wrote).
    // SAFETY: a is a live sockaddr_storage; len is clamped to its size.
    unsafe { std::slice::from_raw_parts(a as *const _ as *const u8, (len as usize).min(std::mem::size_of_val(a))).to_vec() }
}

/// getsockname(2) (`peer` false) or getpeername(2) (true) of an IPv4
/// socket, for comparison: the bytes of its struct sockaddr_in (family,
/// port in network order, address, 8 zero bytes).
fn sockname_sys(fd: impl std::os::fd::AsFd, peer: bool) -> Result<Vec<u8>, oracle::CaseError> {
    let got = if peer { rustix::net::getpeername(&fd).and_then(|a| a.ok_or(rustix::io::Errno::NOTCONN)) } else { rustix::net::getsockname(&fd) };
    let fixture = |e: String| oracle::CaseError::Error(format!("fixture: getsockname/getpeername: {e}"));
    let a = std::net::SocketAddrV4::try_from(got.map_err(|e| fixture(e.to_string()))?).map_err(|e| fixture(e.to_string()))?;
    let mut b = (libc::AF_INET as u16).to_ne_bytes().to_vec();
    b.extend(a.port().to_be_bytes());
    b.extend(a.ip().octets());
    b.extend([0u8; 8]);
    Ok(b)
}

case! {
    id: "ops/uring_cmd/sock-getsockname",
    summary: "URING_CMD SOCKET_URING_OP_GETSOCKNAME gives res 0 and writes the socket's own address (optlen 0) or its peer's (optlen 1) with its length, exactly as getsockname(2) and getpeername(2) do",
    requires: [OpUringCmd, OpflagUringCmdGetsockname],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_cmd_getsockname(3)",
        "io_uring/cmd_net.c io_uring_cmd_getsockname: addr, addr3 (length), optlen (peer 0 or 1) -> do_getsockname",
        "commit 5d24321e4c15 (io_uring: Introduce getsockname io_uring cmd, 6.19)",
        "claim:prep.cmd-getsockname",
    ],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let fd = c.as_raw_fd();
        let (own, own_len) = sockaddr_out();
        let (peer, peer_len) = sockaddr_out();
        let (own, own_len, peer, peer_len) = (IoCell::new(own), IoCell::new(own_len), IoCell::new(peer), IoCell::new(peer_len));
        let mut r = cx.ring()?;
        // SAFETY: the addresses and their lengths are IoCells declared before the ring, so they outlive it.
        let (a, b) = unsafe {
            (
                Sqe::cmd_getsockname(IORING_OP_URING_CMD, fd, own.as_ptr() as *mut libc::sockaddr, own_len.as_ptr(), false),
                Sqe::cmd_getsockname(IORING_OP_URING_CMD, fd, peer.as_ptr() as *mut libc::sockaddr, peer_len.as_ptr(), true),
            )
        };
        r.run_expect(&[a.user_data(1), b.user_data(2)], &[cqe(1, 0), cqe(2, 0)])?;
        let (own, own_len, peer, peer_len) = (own.get(), own_len.get(), peer.get(), peer_len.get());
        let sin = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        check_eq!(own_len, sin, "length written for the socket's own address");
        check_eq!(peer_len, sin, "length written for the peer's address");
        check_eq!(sockaddr_bytes(&own, own_len), sockname_sys(&c, false)?, "own address against getsockname(2)");
        check_eq!(sockaddr_bytes(&peer, peer_len), sockname_sys(&c, true)?, "peer address against getpeername(2)");
        check!(own_len > 0 && sockaddr_bytes(&own, own_len) != sockaddr_bytes(&peer, peer_len), "own and peer address are the same");
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/error-getsockname-not-socket-enotsup",
    summary: "URING_CMD GETSOCKNAME on a regular file completes with -ENOTSUP (EOPNOTSUPP), not -ENOTSOCK as getsockname(2) would",
    requires: [OpUringCmd, OpflagUringCmdGetsockname],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_cmd_getsockname(3) ERRORS: a non-socket descriptor gives ENOTSUP instead of ENOTSOCK",
        "io_uring/uring_cmd.c io_uring_cmd: no ->uring_cmd -> -EOPNOTSUPP (ENOTSUP and EOPNOTSUPP are one value on Linux)",
        "claim:prep.cmd-getsockname.enotsup",
    ],
    run: |cx| {
        let f = TempFile::empty()?;
        let (a, len) = sockaddr_out();
        let (a, len) = (IoCell::new(a), IoCell::new(len));
        let mut r = cx.ring()?;
        // SAFETY: the address and its length are IoCells declared before the ring, so they outlive it.
        let s = unsafe { Sqe::cmd_getsockname(IORING_OP_URING_CMD, f.fd(), a.as_ptr() as *mut libc::sockaddr, len.as_ptr(), false) };
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::ENOTSUP)])?;
        let len = len.get();
        check_eq!(len, std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t, "length left as given");
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/error-getsockname-peer-2-einval",
    summary: "URING_CMD GETSOCKNAME with optlen (peer) 2 completes with -EINVAL",
    requires: [OpUringCmd, OpflagUringCmdGetsockname],
    variants: variants::DEFAULT,
    refs: ["io_uring/cmd_net.c io_uring_cmd_getsockname: peer > 1 -> -EINVAL"],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let (mut a, mut len) = sockaddr_out();
        let mut r = cx.ring()?;
        // Deliberately malformed: optlen 2 is neither getsockname nor getpeername.
        // SAFETY: the address and its length are IoCells declared before the ring, so they outlive it.
        let s = unsafe { Sqe::cmd_getsockname(IORING_OP_URING_CMD, c.as_raw_fd(), &mut a as *mut _ as *mut libc::sockaddr, &mut len, false) }.file_index(2);
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
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
        // SAFETY: a deliberately malformed SQE: its addresses are unmapped (the kernel answers EFAULT) or point at memory declared before the ring.
        r.run_expect(&[unsafe { Sqe::prep(IORING_OP_RECV_ZC, s.as_raw_fd(), 0, 0, 0) }.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}
