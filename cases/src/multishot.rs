//! Multishot requests: one SQE, many CQEs. Every CQE but the last carries
//! IORING_CQE_F_MORE; the last one (without it) ends the request, whether
//! by cancel, error, -ENOBUFS, end of file or overflow (the overflow ends
//! are in the overflow area). Poll (and its update), accept (plain and
//! direct), recv and recvmsg with provided buffers (the recvmsg_out
//! layout), read multishot, and multishot timeouts.
//!
//! References: io_uring_prep_poll_multishot(3), io_uring_prep_poll_update(3),
//! io_uring_prep_multishot_accept(3), io_uring_prep_recv_multishot(3),
//! io_uring_prep_recvmsg_multishot(3) (struct io_uring_recvmsg_out),
//! io_uring_prep_read_multishot(3), io_uring_prep_timeout(3).

use crate::prelude::*;
use fixtures::{Bufs, Listener, SocketPair};
use std::os::fd::AsRawFd;

const MORE: u32 = IORING_CQE_F_MORE;

case! {
    id: "multishot/poll-more-on-each",
    summary: "a multishot poll posts POLLIN with F_MORE for each new input, and ends with -ECANCELED (no F_MORE) when cancelled",
    requires: [OpPollAdd, OpRead, OpAsyncCancel, OpflagPollAddMulti],
    variants: variants::ALL,
    refs: ["io_uring_prep_poll_multishot(3): IORING_CQE_F_MORE while the request stays armed", "claim:enter.op.poll-add.multi", "claim:prep.poll-multishot"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_multi(p.rx(), POLLIN as u32).user_data(1)])?;
        r.expect_none()?;
        let mut buf = [0u8; 8];
        for _ in 0..3 {
            p.put(b"x")?;
            r.expect(&[cqe(1, POLLIN).flags(MORE)])?;
            // Empty the pipe so the next write is a new edge.
            check_eq!(rustix::io::read(&p.rx, &mut buf), Ok(1), "fixture: emptying the pipe (read(2) of its one byte)");
        }
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        r.expect_none()
    },
}

case! {
    id: "multishot/poll-update-user-data",
    summary: "a poll update changes a live multishot poll's user_data: the update completes with 0, later events carry the new user_data",
    requires: [OpPollAdd, OpPollRemove, OpflagPollAddMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_poll_update(3): IORING_POLL_UPDATE_USER_DATA", "claim:enter.op.poll-update.user-data", "claim:prep.poll-update.zero"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_multi(p.rx(), POLLIN as u32).user_data(1)])?;
        r.run_expect(&[Sqe::poll_update(1, 2, 0, IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI).user_data(9)], &[cqe(9, 0)])?;
        p.put(b"x")?;
        r.expect(&[cqe(2, POLLIN).flags(MORE)])?;
        r.run_expect_unordered(&[Sqe::poll_remove(2).user_data(3)], &[cqe(2, -libc::ECANCELED), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "multishot/poll-update-events",
    summary: "a poll update from POLLIN to POLLOUT on a writable pipe end posts POLLOUT with F_MORE at once",
    requires: [OpPollAdd, OpPollRemove, OpflagPollAddMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_poll_update(3): IORING_POLL_UPDATE_EVENTS", "claim:enter.op.poll-update.events", "claim:prep.poll-update.zero"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        // POLLIN on the write end never fires.
        r.submit_all(&[Sqe::poll_multi(p.tx(), POLLIN as u32).user_data(1)])?;
        r.expect_none()?;
        let pollout = libc::POLLOUT as u32;
        r.run_expect_unordered(&[Sqe::poll_update(1, 0, pollout, IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_MULTI).user_data(9)], &[cqe(9, 0), cqe(1, pollout as i32).flags(MORE)])?;
        r.run_expect_unordered(&[Sqe::poll_remove(1).user_data(3)], &[cqe(1, -libc::ECANCELED), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "multishot/poll-update-unknown-enoent",
    summary: "a poll update of a user_data no poll has completes with -ENOENT",
    requires: [OpPollRemove, OpflagPollAddMulti],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_poll_update(3): -ENOENT", "claim:prep.poll-update.ENOENT"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::poll_update(77, 78, 0, IORING_POLL_UPDATE_USER_DATA).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "multishot/poll-remove-ends",
    summary: "POLL_REMOVE of a multishot poll: remove 0, the poll's last CQE -ECANCELED without F_MORE",
    requires: [OpPollAdd, OpPollRemove, OpflagPollAddMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_poll_remove(3)", "claim:enter.op.poll-remove.found", "claim:prep.poll-remove.zero"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_multi(p.rx(), POLLIN as u32).user_data(1)])?;
        r.run_expect_unordered(&[Sqe::poll_remove(1).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        p.put(b"x")?;
        r.expect_none_within(Duration::from_millis(20))
    },
}

case! {
    id: "multishot/accept",
    summary: "a multishot accept posts one CQE per connection (a new fd, F_MORE) and ends with -ECANCELED when cancelled",
    requires: [OpAccept, OpAsyncCancel, FeatFastPoll, OpflagAcceptMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_multishot_accept(3)", "claim:prep.accept.multishot"],
    run: |cx| {
        let l = Listener::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::accept_multi(l.fd(), libc::SOCK_CLOEXEC as u32).user_data(1)])?;
        let mut peers = Vec::new();
        for _ in 0..3 {
            // New fds are the lowest free ones: the client socket of
            // connect() takes `next`, the accepted one `next + 1`.
            let next = fixtures::closed_fd();
            peers.push(l.connect()?);
            let c = r.expect(&[cqe(1, next + 1).flags(MORE)])?;
            // Stays unsafe: the CQE's fd is raw, and closing a raw fd (libc
            // or rustix) is unsafe.
            // SAFETY: the accepted fd is ours to close.
            unsafe { libc::close(c[0].res) };
        }
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "multishot/accept-direct",
    summary: "a multishot accept into allocated slots posts slots 0 and 1 with F_MORE, then -ENFILE without F_MORE when the table is full",
    requires: [OpAccept, RegFiles, OpflagFileIndexAlloc, FeatFastPoll, OpflagAcceptMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_multishot_accept_direct(3)", "io_uring/net.c io_accept: an error ends the multishot", "claim:prep.accept.multishot-direct"],
    run: |cx| {
        let l = Listener::new()?;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        r.submit_all(&[Sqe::accept_multi(l.fd(), 0).direct(IORING_FILE_INDEX_ALLOC).user_data(1)])?;
        let mut peers = Vec::new();
        for want in [cqe(1, 0).flags(MORE), cqe(1, 1).flags(MORE), cqe(1, -libc::ENFILE)] {
            peers.push(l.connect()?);
            r.expect(&[want])?;
        }
        Ok(())
    },
}

case! {
    id: "multishot/recv",
    summary: "a multishot recv posts each arrival into the next ring buffer: (3 bytes, buffer 0, F_MORE), (4 bytes, buffer 1, F_MORE)",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect, FeatFastPoll],
    variants: variants::ALL,
    refs: ["io_uring_prep_recv_multishot(3)", "claim:prep.recv-multishot"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.a(), 1).user_data(1)])?;
        r.expect_none()?;
        send_all(&s.b, b"abc")?;
        r.expect(&[cqe(1, 3).flags(buf_flags(0) | MORE)])?;
        send_all(&s.b, b"defg")?;
        r.expect(&[cqe(1, 4).flags(buf_flags(1) | MORE)])?;
        check_eq!(&b.buf(0)[..3], b"abc", "buffer 0");
        check_eq!(&b.buf(1)[..4], b"defg", "buffer 1");
        Ok(())
    },
}

case! {
    id: "multishot/recv-enobufs-ends",
    summary: "a multishot recv that runs out of ring buffers ends with -ENOBUFS and no F_MORE",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv_multishot(3): the request terminates when no buffers are left (-ENOBUFS)", "claim:prep.recv-multishot"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(1, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 1, 1, 2, 0)?;
        // 16 bytes fill the one 16-byte buffer (nothing left, so no
        // IORING_CQE_F_SOCK_NONEMPTY); the pool is then empty. When the recv
        // ends is the kernel's choice (at once on 6.1, with the next data on
        // 6.18), so 4 more bytes are sent after the first CQE and only the
        // whole stream of CQEs is compared: one buffer, then -ENOBUFS.
        send_all(&s.b, &[7u8; 16])?;
        r.submit_all(&[Sqe::recv_multi(s.a(), 1).user_data(1)])?;
        let mut got = r.wait_for(1, oracle::prompt())?;
        send_all(&s.b, &[8u8; 4])?;
        if got.len() < 2 {
            got.extend(r.wait_for(2 - got.len() as u32, oracle::prompt())?);
        }
        r.check_reaped(&got, &[cqe(1, 16).flags(buf_flags(0) | MORE), cqe(1, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "multishot/recv-eof-ends",
    summary: "a multishot recv ends with res 0 and no F_MORE when the peer closes",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv_multishot(3)", "claim:prep.recv-multishot"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(2, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 2, 1, 2, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.a(), 1).user_data(1)])?;
        send_all(&s.b, b"hi")?;
        r.expect(&[cqe(1, 2).flags(buf_flags(0) | MORE)])?;
        let SocketPair { a, b: peer } = s;
        drop(peer);
        r.expect(&[cqe(1, 0)])?;
        drop(a);
        Ok(())
    },
}

case! {
    id: "multishot/recv-without-buffer-select-einval",
    summary: "a multishot recv without IOSQE_BUFFER_SELECT is rejected with -EINVAL",
    requires: [OpRecv],
    variants: variants::DEFAULT,
    refs: ["io_uring/net.c io_recvmsg_prep: multishot needs provided buffers (-EINVAL)"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let buf;
        let mut r = cx.ring()?;
        buf = IoBuf::new(8);
        // Multishot without provided buffers, which it needs.
        let sqe = Sqe::recv(s.a(), &buf, 0).recv_multishot().user_data(1);
        r.run_expect(&[sqe], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "multishot/recvmsg-out-layout",
    summary: "a multishot recvmsg on UDP fills each buffer as io_uring_recvmsg_out, then the 16-byte name, then the payload; res is their total",
    requires: [OpRecvmsg, RegPbufRing, SqeBufferSelect, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recvmsg_multishot(3): struct io_uring_recvmsg_out {namelen, controllen, payloadlen, flags}, then name, control, payload", "claim:prep.recvmsg-multishot.layout"],
    run: |cx| {
        let rx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let b = Bufs::new(2, 128);
        let mut msg: libc::msghdr;
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 2, 1, 2, 0)?;
        // SAFETY: msghdr is plain data; only the name and control lengths matter.
        msg = unsafe { std::mem::zeroed() };
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
        // SAFETY: msg holds no pointers (name, iov and control are null): multishot RECVMSG reads only its lengths.
        r.submit_all(&[unsafe { Sqe::recvmsg_multi(rx.as_raw_fd(), &msg, 1) }.user_data(1)])?;
        tx.send_to(b"hello", rx.local_addr()?)?;
        let hdr = std::mem::size_of::<io_uring_recvmsg_out>();
        r.expect(&[cqe(1, (hdr + 16 + 5) as i32).flags(buf_flags(0) | MORE)])?;
        let buf = b.buf(0);
        let word = |i: usize| u32::from_ne_bytes(buf[i * 4..i * 4 + 4].try_into().unwrap());
        check_eq!((word(0), word(1), word(2), word(3)), (16, 0, 5, 0), "recvmsg_out {{namelen, controllen, payloadlen, flags}}");
        // The name: AF_INET, the sender's port (network order) and address.
        let family = u16::from_ne_bytes([buf[hdr], buf[hdr + 1]]);
        let port = u16::from_be_bytes([buf[hdr + 2], buf[hdr + 3]]);
        check_eq!(family, libc::AF_INET as u16, "sin_family");
        check_eq!(port, tx.local_addr()?.port(), "sin_port");
        check_eq!(&buf[hdr + 4..hdr + 8], &[127, 0, 0, 1], "sin_addr");
        check_eq!(&buf[hdr + 16..hdr + 21], b"hello", "payload");
        Ok(())
    },
}

case! {
    id: "multishot/read-multishot",
    summary: "READ_MULTISHOT on a pipe posts each write into the next buffer with F_MORE and ends with res 0 when the writer closes",
    requires: [OpReadMultishot, RegPbufRing, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_read_multishot(3)", "claim:enter.op.read-multishot"],
    run: |cx| {
        let p = Pipe::new()?;
        let b = Bufs::new(4, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::read_multi(p.rx(), 1).user_data(1)])?;
        r.expect_none()?;
        p.put(b"ab")?;
        r.expect(&[cqe(1, 2).flags(buf_flags(0) | MORE)])?;
        p.put(b"cde")?;
        r.expect(&[cqe(1, 3).flags(buf_flags(1) | MORE)])?;
        check_eq!(&b.buf(1)[..3], b"cde", "buffer 1");
        let Pipe { rx, tx } = p;
        drop(tx);
        r.expect(&[cqe(1, 0)])?;
        drop(rx);
        Ok(())
    },
}

case! {
    id: "multishot/read-multishot-needs-buffer-select-einval",
    summary: "READ_MULTISHOT without IOSQE_BUFFER_SELECT is rejected with -EINVAL",
    requires: [OpReadMultishot],
    variants: variants::DEFAULT,
    refs: ["io_uring/rw.c io_read_mshot_prep: must be used with provided buffers"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let s = Sqe::read_multi(p.rx(), 1).without(IOSQE_BUFFER_SELECT).user_data(1);
        r.run_expect(&[s], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "multishot/timeout-count",
    summary: "a multishot timeout with count 2 posts -ETIME with F_MORE, then -ETIME without",
    requires: [OpTimeout, OpflagTimeoutMultishot],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT", "claim:enter.op.timeout.multishot"],
    run: |cx| {
        let ts;
        let mut r = cx.ring()?;
        ts = ms(5);
        r.run_expect(&[Sqe::timeout(&ts, 2, IORING_TIMEOUT_MULTISHOT).user_data(1)], &[cqe(1, -libc::ETIME).flags(MORE), cqe(1, -libc::ETIME)])?;
        r.expect_none_within(Duration::from_millis(20))
    },
}

case! {
    id: "multishot/accept-closed-listener-ends",
    summary: "shutting down the listening socket ends a multishot accept with -EINVAL and no F_MORE",
    requires: [OpAccept, FeatFastPoll, OpflagAcceptMulti],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_multishot_accept(3): the request ends on error"],
    run: |cx| {
        let l = Listener::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::accept_multi(l.fd(), 0).user_data(1)])?;
        r.expect_none()?;
        rustix::net::shutdown(&l.listener, rustix::net::Shutdown::Both).map_err(std::io::Error::from)?;
        // accept(2) on a socket that no longer listens: EINVAL
        // (inet_accept: sk_state != TCP_LISTEN).
        r.expect(&[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "multishot/read-multishot-regular-file-ebadfd",
    summary: "READ_MULTISHOT of a regular file (not pollable) fails with -EBADFD",
    requires: [OpReadMultishot, RegPbufRing, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring/rw.c io_read_mshot: 'Multishot MUST be used on a pollable file' -> -EBADFD", "claim:enter.op.read-multishot.pollable"],
    run: |cx| {
        let f = TempFile::with_content(b"data")?;
        let b = Bufs::new(2, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 2, 1, 2, 0)?;
        r.run_expect(&[Sqe::read_multi(f.fd(), 1).user_data(1)], &[cqe(1, -libc::EBADFD)])?;
        Ok(())
    },
}

case! {
    id: "multishot/read-multishot-enobufs-ends",
    summary: "READ_MULTISHOT whose buffers run out ends with -ENOBUFS and no F_MORE",
    requires: [OpReadMultishot, RegPbufRing, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_read_multishot(3): the request terminates when no buffers are left (-ENOBUFS)", "claim:prep.read-multishot.ends"],
    run: |cx| {
        let p = Pipe::new()?;
        let b = Bufs::new(1, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 1, 1, 2, 0)?;
        r.submit_all(&[Sqe::read_multi(p.rx(), 1).user_data(1)])?;
        p.put(b"ab")?;
        // When the read sees the empty pool is the kernel's choice (at once,
        // or with the next data): the whole stream of CQEs is compared.
        let mut got = r.wait_for(1, oracle::prompt())?;
        p.put(b"cd")?;
        if got.len() < 2 {
            got.extend(r.wait_for(2 - got.len() as u32, oracle::prompt())?);
        }
        r.check_reaped(&got, &[cqe(1, 2).flags(buf_flags(0) | MORE), cqe(1, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "multishot/read-multishot-each-buffer-its-length",
    summary: "READ_MULTISHOT reads at most each selected buffer's own length (8, 16, 4, 16 bytes in the ring): two 16-byte writes come as 8, 8, then 4, 12",
    requires: [OpReadMultishot, RegPbufRing, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_read_multishot(3): with nbytes 0 each read uses the provided buffer's length", "liburing test/read-mshot.c test_clamp"],
    run: |cx| {
        let p = Pipe::new()?;
        let b = Bufs::new(4, 16);
        let mut r = cx.ring()?;
        let mut br = oracle::BufRing::register(&r, 1, 4, 0)?;
        for (bid, len) in [(0u16, 8u32), (1, 16), (2, 4), (3, 16)] {
            br.push(b.span(bid as usize, len as usize), bid);
        }
        br.publish();
        p.put(&pattern(16, 1))?;
        r.run_expect(&[Sqe::read_multi(p.rx(), 1).user_data(1)], &[cqe(1, 8).flags(buf_flags(0) | MORE), cqe(1, 8).flags(buf_flags(1) | MORE)])?;
        p.put(&pattern(16, 2))?;
        // The pool is empty after these: whether the read ends with
        // -ENOBUFS at once or when the writer goes away is the kernel's
        // choice, so the whole rest of the stream is compared.
        let mut got = r.wait_for(2, oracle::prompt())?;
        let Pipe { rx, tx } = p;
        drop(tx);
        if got.len() < 3 {
            got.extend(r.wait_for(3 - got.len() as u32, oracle::prompt())?);
        }
        r.check_reaped(&got, &[cqe(1, 4).flags(buf_flags(2) | MORE), cqe(1, 12).flags(buf_flags(3) | MORE), cqe(1, -libc::ENOBUFS)])?;
        drop(rx);
        check_eq!((&b.buf(0)[..8], &b.buf(1)[..8]), (&pattern(16, 1)[..8], &pattern(16, 1)[8..]), "the first write across buffers 0 and 1");
        check_eq!((&b.buf(2)[..4], &b.buf(3)[..12]), (&pattern(16, 2)[..4], &pattern(16, 2)[4..]), "the second write across buffers 2 and 3");
        Ok(())
    },
}

case! {
    id: "multishot/recv-ends-on-cq-overflow",
    summary: "a multishot recv on a ring whose CQ (2 entries) is full ends: the third arrival's CQE has no F_MORE and comes through the overflow list",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect, FeatFastPoll, FeatNodrop],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_recv_multishot(3): a multishot request terminates when the CQ ring overflows", "io_uring/net.c io_recv_finish: a CQE that cannot be posted with F_MORE ends the request"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 16);
        let mut r = cx.ring_sized(1)?;
        r.quiet_by_grace(true);
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.a(), 1).user_data(1)])?;
        for (i, byte) in [b"a", b"b", b"c"].iter().enumerate() {
            send_all(&s.b, *byte)?;
            // One arrival at a time: wait until the kernel took it.
            let posted = fixtures::wait_until(oracle::prompt(), || r.cq_ready() as usize > i || r.sq_flags() & IORING_SQ_CQ_OVERFLOW != 0);
            check!(posted, "arrival {} was not posted", i + 1);
        }
        let got = r.wait_for(3, oracle::prompt())?;
        r.check_reaped(&got, &[cqe(1, 1).flags(buf_flags(0) | MORE), cqe(1, 1).flags(buf_flags(1) | MORE), cqe(1, 1).flags(buf_flags(2))])?;
        Ok(())
    },
}

case! {
    id: "multishot/recvmsg-reports-truncation",
    summary: "a multishot recvmsg whose buffer cannot hold the datagram fills it; io_uring_recvmsg_out says MSG_TRUNC, and its payloadlen is the bytes copied (what recvmsg(2) returns without MSG_TRUNC)",
    requires: [OpRecvmsg, RegPbufRing, SqeBufferSelect, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_recvmsg_out(3): payloadlen 'as would have been returned by recvmsg(2)', flags 'as would have been populated by recvmsg(2)'", "recvmsg(2): MSG_TRUNC in msg_flags when a datagram was truncated", "claim:prep.recvmsg-multishot.layout"],
    run: |cx| {
        let rx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let b = Bufs::new(2, 48);
        let mut msg: libc::msghdr;
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 2, 1, 2, 0)?;
        // SAFETY: msghdr is plain data; only the name and control lengths matter.
        msg = unsafe { std::mem::zeroed() };
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
        // SAFETY: msg holds no pointers (name, iov and control are null): multishot RECVMSG reads only its lengths.
        r.submit_all(&[unsafe { Sqe::recvmsg_multi(rx.as_raw_fd(), &msg, 1) }.user_data(1)])?;
        // 48 = 16 (recvmsg_out) + 16 (name) + 16 of the 40-byte payload.
        tx.send_to(&pattern(40, 1), rx.local_addr()?)?;
        r.expect(&[cqe(1, 48).flags(buf_flags(0) | MORE)])?;
        let buf = b.buf(0);
        let word = |i: usize| u32::from_ne_bytes(buf[i * 4..i * 4 + 4].try_into().unwrap());
        // payloadlen is "as would have been returned by recvmsg(2)": the
        // bytes copied, since the request did not ask for MSG_TRUNC.
        check_eq!((word(0), word(1), word(2), word(3)), (16, 0, 16, libc::MSG_TRUNC as u32), "recvmsg_out {{namelen, controllen, payloadlen, flags}}");
        check_eq!(&buf[32..48], &pattern(40, 1)[..16], "the payload's first 16 bytes");
        Ok(())
    },
}
