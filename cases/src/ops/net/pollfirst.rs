//! IORING_RECVSEND_POLL_FIRST (in sqe->ioprio): the request arms a poll
//! first and transfers once the socket is ready. A receive on an empty
//! socket stays pending until data comes; a send into a full socket stays
//! pending until the peer makes room, then sends all of its bytes.
//! io_uring_enter(2) IORING_OP_SEND/RECV/SENDMSG/RECVMSG/SEND_ZC;
//! io_uring/net.c (io_sendmsg_prep, io_recvmsg_prep: sr->flags from ioprio;
//! POLL_FIRST returns -EAGAIN before trying, so the poll is armed).
//!
//! RECVSEND_POLL_FIRST came in 5.19 and has no probe of its own; SEND_ZC
//! (6.0) takes it from its first version, so cases require OpSendZc.

use super::*;

/// A loopback TCP pair whose client side is full: small buffers, then
/// nonblocking writes until EAGAIN. Returns the pair and how many bytes
/// are queued.
fn full_tcp_pair() -> Result<(TcpStream, TcpStream, usize), oracle::CaseError> {
    let (c, s) = tcp_pair()?;
    let small = 4096;
    rustix::net::sockopt::set_socket_send_buffer_size(&c, small).map_err(std::io::Error::from)?;
    rustix::net::sockopt::set_socket_recv_buffer_size(&s, small).map_err(std::io::Error::from)?;
    let chunk = [0x55u8; 4096];
    let mut queued = 0;
    loop {
        match rustix::net::send(&c, &chunk, rustix::net::SendFlags::DONTWAIT) {
            Ok(n) => queued += n,
            Err(rustix::io::Errno::AGAIN) => return Ok((c, s, queued)),
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
    }
}

/// Reads exactly `n` bytes from `s` (blocking): the filler, in stream order.
fn read_exactly(s: &TcpStream, n: usize) -> Result<Vec<u8>, oracle::CaseError> {
    let mut out = vec![0u8; n];
    std::io::Read::read_exact(&mut &*s, &mut out)?;
    Ok(out)
}

/// Submits `send` (POLL_FIRST, on the full client side of a pair), checks
/// that it waits, makes room by reading the filler, and expects `want`;
/// the peer then reads `data`.
fn send_waits_for_room<'b>(cx: &oracle::Ctx, send: impl FnOnce(i32) -> Sqe<'b>, data: &[u8], want: &[Want]) -> CaseResult {
    let (c, s, queued) = full_tcp_pair()?;
    let mut r = cx.ring()?;
    r.submit_all(&[send(c.as_raw_fd()).ioprio(IORING_RECVSEND_POLL_FIRST)])?;
    r.expect_none()?;
    read_exactly(&s, queued)?;
    r.expect(want)?;
    check_eq!(read_exactly(&s, data.len())?, data.to_vec(), "bytes at the peer");
    Ok(())
}

case! {
    id: "ops/send/poll-first-waits-for-room",
    summary: "SEND with IORING_RECVSEND_POLL_FIRST into a full socket stays pending, then sends all its bytes once the peer made room",
    requires: [OpSend, OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_SEND: IORING_RECVSEND_POLL_FIRST", "io_uring_prep_send(3)", "claim:enter.op.send.poll-first"],
    run: |cx| {
        let data = pattern(16, 1);
        send_waits_for_room(cx, |fd| Sqe::send(fd, &data, 0).user_data(1), &data, &[cqe(1, 16)])
    },
}

case! {
    id: "ops/sendmsg/poll-first-waits-for-room",
    summary: "SENDMSG with IORING_RECVSEND_POLL_FIRST into a full socket stays pending, then sends all its bytes once the peer made room",
    requires: [OpSendmsg, OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_SENDMSG: IORING_RECVSEND_POLL_FIRST", "claim:enter.op.sendmsg.poll-first"],
    run: |cx| {
        let data = pattern(16, 2);
        let mut v = [iov_ro(&data)];
        let m = msghdr(&mut v);
        // SAFETY: m, v and data are declared before the ring (made in
        // send_waits_for_room), so they outlive it; the kernel only reads them.
        send_waits_for_room(cx, |fd| unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG, fd, &m) }.user_data(1), &data, &[cqe(1, 16)])
    },
}

case! {
    id: "ops/send_zc/poll-first-waits-for-room",
    summary: "SEND_ZC with IORING_RECVSEND_POLL_FIRST into a full socket stays pending, then sends all its bytes (and its notification follows) once the peer made room",
    requires: [OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_SEND_ZC: IORING_RECVSEND_POLL_FIRST", "io_uring_prep_send_zc(3)", "claim:enter.op.send-zc.poll-first"],
    run: |cx| {
        let data = pattern(16, 3);
        send_waits_for_room(cx, |fd| Sqe::send_zc(fd, &data, 0).user_data(1), &data, &[cqe(1, 16).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])
    },
}

case! {
    id: "ops/recv/poll-first-waits-for-data",
    summary: "RECV with IORING_RECVSEND_POLL_FIRST on an empty socket stays pending, then receives what the peer sends",
    requires: [OpRecv, OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_RECV: IORING_RECVSEND_POLL_FIRST", "io_uring_prep_recv(3)", "claim:enter.op.recv.poll-first"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let buf = IoBuf::new(16);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::recv(sp.a(), &buf, 0).ioprio(IORING_RECVSEND_POLL_FIRST).user_data(1)])?;
        r.expect_none()?;
        send_all(&sp.b, b"later")?;
        r.expect(&[cqe(1, 5)])?;
        check_eq!(&buf.read(..5), b"later", "bytes received");
        Ok(())
    },
}

case! {
    id: "ops/recvmsg/poll-first-waits-for-data",
    summary: "RECVMSG with IORING_RECVSEND_POLL_FIRST on an empty socket stays pending, then receives what the peer sends",
    requires: [OpRecvmsg, OpSendZc],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_RECVMSG: IORING_RECVSEND_POLL_FIRST", "claim:enter.op.recvmsg.poll-first"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let buf = IoBuf::new(16);
        let mut v = [iov(&buf)];
        let m = IoCell::new(msghdr(&mut v));
        let mut r = cx.ring()?;
        // SAFETY: m's one iovec is buf, an IoBuf; both are declared before the ring.
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.submit_all(&[unsafe { Sqe::recvmsg(sp.a(), &m) }.ioprio(IORING_RECVSEND_POLL_FIRST).user_data(1)])?;
        r.expect_none()?;
        send_all(&sp.b, b"later")?;
        r.expect(&[cqe(1, 5)])?;
        check_eq!(&buf.read(..5), b"later", "bytes received");
        Ok(())
    },
}
