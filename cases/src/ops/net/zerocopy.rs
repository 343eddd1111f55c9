//! SEND_ZC and SENDMSG_ZC with their notification CQE.

use super::*;

// ------------------------------------------------------------ zero-copy send

case! {
    id: "ops/send_zc/result-then-notification",
    summary: "SEND_ZC on TCP posts the byte count with IORING_CQE_F_MORE, then a notification (res 0, IORING_CQE_F_NOTIF) with the same user_data",
    requires: [OpSendZc],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_zc(3): the first CQE has IORING_CQE_F_MORE; the notification has IORING_CQE_F_NOTIF", "claim:enter.op.send-zc.notif"],
    run: |cx| {
        let (c, s) = tcp_pair()?;
        let data = pattern(1000, 4);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::send_zc(c.as_raw_fd(), &data, 0).user_data(1)], &[cqe(1, 1000).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        let mut got = Vec::new();
        while got.len() < 1000 {
            let mut buf = [0u8; 1000];
            let n = std::io::Read::read(&mut &s, &mut buf)?;
            check!(n > 0, "end of stream after {} bytes", got.len());
            got.extend_from_slice(&buf[..n]);
        }
        check_eq!(got, data, "bytes at the peer");
        Ok(())
    },
}

case! {
    id: "ops/send_zc/report-usage-copied",
    summary: "SEND_ZC with IORING_SEND_ZC_REPORT_USAGE over loopback reports IORING_NOTIF_USAGE_ZC_COPIED in the notification",
    requires: [OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_send_zc(3): IORING_SEND_ZC_REPORT_USAGE", "net/core/skbuff.c skb_orphan_frags_rx: loopback delivery copies the pages (the send was not zero-copy)"],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let data = pattern(4096, 4);
        let mut r = cx.ring()?;
        let s = Sqe::send_zc(c.as_raw_fd(), &data, 0).ioprio(IORING_SEND_ZC_REPORT_USAGE).user_data(1);
        r.run_expect(&[s], &[cqe(1, 4096).flags(IORING_CQE_F_MORE), cqe(1, IORING_NOTIF_USAGE_ZC_COPIED as i32).flags(IORING_CQE_F_NOTIF)])?;
        Ok(())
    },
}

case! {
    id: "ops/send_zc/error-unix-socket-eopnotsupp",
    summary: "SEND_ZC on an AF_UNIX socket (no SOCK_SUPPORT_ZC) fails with -EOPNOTSUPP, and the notification still follows",
    requires: [OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring/net.c io_send_zc: !SOCK_SUPPORT_ZC -> -EOPNOTSUPP; io_sendrecv_fail keeps IORING_CQE_F_MORE for the notification", "claim:enter.op.send-zc.eopnotsupp"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::send_zc(sp.a(), b"abc", 0).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        Ok(())
    },
}

case! {
    id: "ops/send_zc/error-skip-success-einval",
    summary: "SEND_ZC with IOSQE_CQE_SKIP_SUCCESS is refused with -EINVAL (one CQE, no notification)",
    requires: [OpSendZc, SqeCqeSkipSuccess],
    variants: variants::DEFAULT,
    refs: ["io_uring/net.c io_send_zc_prep: REQ_F_CQE_SKIP -> -EINVAL (\"we don't support IOSQE_CQE_SKIP_SUCCESS just yet\")"],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::send_zc(c.as_raw_fd(), b"abc", 0).skip_success().user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/sendmsg_zc/result-then-notification",
    summary: "SENDMSG_ZC posts the byte count with IORING_CQE_F_MORE, then the notification",
    requires: [OpSendmsgZc],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_sendmsg_zc(3)", "claim:enter.op.sendmsg-zc"],
    run: |cx| {
        let (c, s) = tcp_pair()?;
        let (a, b) = (pattern(300, 1), pattern(200, 2));
        let mut v = [iov_ro(&a), iov_ro(&b)];
        let m = msghdr(&mut v);
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG_ZC, c.as_raw_fd(), &m) }.user_data(1)], &[cqe(1, 500).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        let mut got = Vec::new();
        while got.len() < 500 {
            let mut buf = [0u8; 500];
            let n = std::io::Read::read(&mut &s, &mut buf)?;
            check!(n > 0, "end of stream after {} bytes", got.len());
            got.extend_from_slice(&buf[..n]);
        }
        check_eq!(got, [a, b].concat(), "bytes at the peer");
        Ok(())
    },
}

/// Reads exactly `n` bytes from a connected TCP socket.
fn read_exactly(s: &TcpStream, n: usize) -> Result<Vec<u8>, oracle::CaseError> {
    let mut got = vec![0u8; n];
    std::io::Read::read_exact(&mut &*s, &mut got)?;
    Ok(got)
}

case! {
    id: "ops/sendmsg_zc/fixed-buf",
    summary: "SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF sends two iovecs lying inside registered buffer 0: res 500 with IORING_CQE_F_MORE, then the notification; the peer gets both pieces in order",
    requires: [OpSendmsgZc, RegBuffers, OpflagSendmsgZcFixed],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_prep_sendmsg_zc_fixed(3): the iovecs of msg lie in the registered buffer buf_index; res is the bytes sent",
        "io_uring_enter(2): IORING_OP_SENDMSG_ZC takes IORING_RECVSEND_FIXED_BUF",
        "io_uring/net.c io_sendmsg_zc_setup (vectored registered buffers, 6.15)",
        "claim:enter.op.sendmsg-zc.fixed-buf",
        "claim:prep.sendmsg-zc-fixed",
    ],
    run: |cx| {
        let (c, s) = tcp_pair()?;
        let mem = fixtures::Bufs::new(1, 4096);
        mem.mem.write(0, &pattern(300, 5));
        mem.mem.write(1000, &pattern(200, 6));
        let want = [mem.mem.read(..300), mem.mem.read(1000..1200)].concat();
        let m;
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        let mut v = [mem.raw_iov(0, 300), mem.raw_iov(1000, 1200)];
        m = msghdr(&mut v);
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        let sqe = unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG_ZC, c.as_raw_fd(), &m) }.fixed_buf(0).user_data(1);
        r.run_expect(&[sqe], &[cqe(1, 500).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        check_eq!(read_exactly(&s, 500)?, want, "bytes at the peer");
        Ok(())
    },
}

case! {
    id: "ops/sendmsg_zc/error-fixed-iov-outside-buffer-efault",
    summary: "SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF whose iovec lies outside registered buffer 0 completes with -EFAULT and F_MORE, its notification still follows, and nothing is sent",
    requires: [OpSendmsgZc, RegBuffers, OpflagSendmsgZcFixed],
    variants: variants::DEFAULT,
    refs: [
        "io_uring/rsrc.c io_import_reg_vec: an iovec outside the registered buffer -> -EFAULT",
        "io_uring_prep_send_zc(3): a notification follows every first CQE that has IORING_CQE_F_MORE",
        "claim:enter.op.sendmsg-zc.fixed-buf",
    ],
    run: |cx| {
        let (c, s) = tcp_pair()?;
        let mem = fixtures::Bufs::new(2, 4096);
        let m;
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        // Deliberately wrong: the iovec is the second, unregistered page.
        let mut v = [mem.raw_iov(4096, 4196)];
        m = msghdr(&mut v);
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        let sqe = unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG_ZC, c.as_raw_fd(), &m) }.fixed_buf(0).user_data(1);
        r.run_expect(&[sqe], &[cqe(1, -libc::EFAULT).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        s.set_nonblocking(true)?;
        let mut buf = [0u8; 16];
        let n = std::io::Read::read(&mut &s, &mut buf);
        check!(matches!(&n, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock), "the peer got something: {n:?}");
        Ok(())
    },
}

case! {
    id: "ops/sendmsg_zc/error-skip-success-einval",
    summary: "SENDMSG_ZC with IOSQE_CQE_SKIP_SUCCESS is refused with -EINVAL",
    requires: [OpSendmsgZc, SqeCqeSkipSuccess],
    variants: variants::DEFAULT,
    refs: ["io_uring/net.c io_send_zc_prep: REQ_F_CQE_SKIP -> -EINVAL"],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let a = IoBuf::from_bytes(b"abc");
        let mut v = [iov(&a)];
        let m = msghdr(&mut v);
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG_ZC, c.as_raw_fd(), &m) }.skip_success().user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/send_zc/efault-still-notifies",
    summary: "SEND_ZC from an unmapped buffer fails with -EFAULT and F_MORE, and its notification (res 0, F_NOTIF) still follows",
    requires: [OpSendZc],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_zc(3): a notification follows every first CQE that has IORING_CQE_F_MORE", "liburing test/send-zerocopy.c test_send_faults", "claim:enter.cqe.EFAULT-buffer", "claim:enter.op.send-zc.error-notifies"],
    run: |cx| {
        let (c, _s) = tcp_pair()?;
        let mut r = cx.ring()?;
        // Deliberately malformed: address 8 is never mapped.
        // SAFETY: the kernel cannot read address 8 (never mapped): EFAULT.
        let s = unsafe { Sqe::prep(IORING_OP_SEND_ZC, c.as_raw_fd(), 8, 16, 0) }.user_data(1);
        r.run_expect(&[s], &[cqe(1, -libc::EFAULT).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        Ok(())
    },
}

case! {
    id: "ops/send_zc/udp-destination-copied-at-submit",
    summary: "SEND_ZC on an unconnected UDP socket sends to the destination given, read when the request is submitted: rewriting the address after submit changes nothing (result, then notification)",
    requires: [OpSendZc],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_set_addr(3)", "io_uring/net.c io_send_setup: move_addr_to_kernel at prep, so the application may reuse the sockaddr", "claim:enter.op.send-zc.sendto", "claim:prep.send-set-addr"],
    run: |cx| {
        let (a, b) = (std::net::UdpSocket::bind("127.0.0.1:0")?, std::net::UdpSocket::bind("127.0.0.1:0")?);
        b.set_nonblocking(true)?;
        let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let data = pattern(64, 5);
        let to = IoCell::new(sockaddr_v4(a.local_addr()?.port()));
        let mut r = cx.ring()?;
        // Issued from io-wq, after the submit has returned.
        r.submit_all(&[Sqe::send_zc(tx.as_raw_fd(), &data, 0).dest_cell(&to).async_().user_data(1)])?;
        let elsewhere = sockaddr_v4(b.local_addr()?.port());
        // A volatile write (IoCell::set), so the rewrite is not elided
        // although nothing in Rust reads it again.
        to.set(elsewhere);
        r.expect(&[cqe(1, 64).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        std::hint::black_box(&to);
        let mut buf = [0u8; 128];
        let n = a.recv(&mut buf)?;
        check_eq!(&buf[..n], &data[..], "the datagram at the destination given at submit");
        check!(b.recv(&mut buf).is_err(), "the datagram also reached the address written after submit");
        Ok(())
    },
}

case! {
    id: "ops/send_zc/memlock-exceeded-enomem",
    summary: "on a ring set up without CAP_IPC_LOCK, SEND_ZC with RLIMIT_MEMLOCK at 0 completes with -ENOMEM (its notification still follows) and sends nothing",
    requires: [OpSendZc, EnvRoot, EnvMemlock],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_send_zc(3) ERRORS: -ENOMEM (RLIMIT_MEMLOCK too low for the buffer)",
        "io_uring/notif.c io_notif_account_mem -> __io_account_mem: over rlimit(RLIMIT_MEMLOCK) -> -ENOMEM",
        "claim:prep.send-zc.ENOMEM-memlock",
    ],
    run: |_| {
        let (c, s) = tcp_pair()?;
        let data = pattern(1000, 5);
        // Effective uid nobody drops CAP_IPC_LOCK for the setup only: the
        // ring then accounts zero-copy pages against the limit.
        let mut r = as_nobody(|| CheckedRing::new(4))??;
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let fixture = |e: rustix::io::Errno| oracle::CaseError::Error(format!("fixture: setrlimit(RLIMIT_MEMLOCK): {e}"));
        // This trial process's own limit, restored below.
        let old = getrlimit(Resource::Memlock);
        setrlimit(Resource::Memlock, Rlimit { current: Some(0), maximum: old.maximum }).map_err(fixture)?;
        let got = r.run_expect(&[Sqe::send_zc(c.as_raw_fd(), &data, 0).user_data(1)], &[cqe(1, -libc::ENOMEM).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)]);
        let restored = setrlimit(Resource::Memlock, old);
        got?;
        restored.map_err(fixture)?;
        check_eq!(read_some(&s, 64).map_err(|_| ()), Err(()), "the peer has nothing to read (EAGAIN)");
        Ok(())
    },
}
