//! Bundles (IORING_RECVSEND_BUNDLE): one request over consecutive provided buffers.

use super::*;

/// RECV bundles on `fd` from group `bgid` (buffers of `size` bytes, ids
/// from 0) until `total` bytes came, one request after another: each CQE
/// must name the next buffer id and carry no other flag than
/// F_SOCK_NONEMPTY, which is a hint (6.12 and 6.16 leave it clear with data
/// left) but never set once nothing is left. How many buffers one pass
/// maps is the kernel's choice (io_ring_buffers_peek; 6.12 and 6.16 map
/// one per pass on a fresh socket, 6.18 two); what a bundle promises
/// (consecutive ids from the CQE's, the total) is checked.
fn recv_bundles(r: &mut CheckedRing, fd: i32, bgid: u16, total: usize, size: usize) -> CaseResult {
    let (mut got, mut bid) = (0usize, 0u16);
    // Each request takes at least one buffer.
    for ud in 1..=total.div_ceil(size) as u64 {
        if got == total {
            break;
        }
        r.submit_all(&[Sqe::recv_select(fd, 0, bgid).bundle().user_data(ud)])?;
        let c = r.wait_for(1, oracle::prompt())?;
        check!(c.len() == 1 && c[0].user_data == ud && c[0].res > 0, "bundle recv {ud}: {c:?}");
        let n = c[0].res as usize;
        let left = total.saturating_sub(got + n);
        check_eq!(c[0].flags & !IORING_CQE_F_SOCK_NONEMPTY, buf_flags(bid), "flags of bundle recv {ud} ({n} bytes, {left} left)");
        check!(left > 0 || c[0].flags & IORING_CQE_F_SOCK_NONEMPTY == 0, "F_SOCK_NONEMPTY set with nothing left");
        got += n;
        bid += n.div_ceil(size) as u16;
    }
    check_eq!(got, total, "bytes received");
    Ok(())
}

case! {
    id: "pbuf/bundle-recv",
    summary: "RECV bundles fill consecutive ring buffers: each CQE names its first id and the next one runs on from there, 20 bytes in all",
    requires: [RegPbufRing, OpRecv, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv(3): IORING_RECVSEND_BUNDLE (the buffers used are consecutive ids starting with the one in the CQE)", "io_uring.h: IORING_CQE_F_SOCK_NONEMPTY"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        let data = pattern(20, 6);
        send_all(&s.b, &data)?;
        recv_bundles(&mut r, s.a(), 1, 20, 8)?;
        check_eq!(&b.mem.read(..20), &data[..], "bytes across consecutive buffers");
        r.expect_none()
    },
}

case! {
    id: "pbuf/bundle-send",
    summary: "a SEND bundle sends the published ring buffers in order; res is the total and the peer gets the concatenation",
    requires: [RegPbufRing, OpSend, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_bundle(3)", "claim:prep.send-bundle"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(3, 8);
        b.mem.write(0, &pattern(24, 8));
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 3, 1, 4, 0)?;
        let sqe = Sqe::send_select(s.a(), 1).bundle().user_data(1);
        r.run_expect(&[sqe], &[cqe(1, 24).flags(buf_flags(0))])?;
        let mut got = [0u8; 24];
        let n = rustix::net::recv(&s.b, &mut got, rustix::net::RecvFlags::WAITALL).map(|(n, _)| n);
        check_eq!(n, Ok(24), "bytes the peer received");
        check_eq!(got.to_vec(), pattern(24, 8), "the peer's bytes");
        Ok(())
    },
}

case! {
    id: "pbuf/bundle-multishot-recv-tcp",
    summary: "a multishot RECV bundle over TCP posts each arrival (one buffer's worth) with F_MORE in the next ring buffer",
    requires: [RegPbufRing, OpRecv, SqeBufferSelect, FeatRecvsendBundle, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv_multishot(3) with IORING_RECVSEND_BUNDLE", "io_uring/net.c io_recv_buf_select: bundles with multishot"],
    run: |cx| {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        let c = std::net::TcpStream::connect(l.local_addr()?)?;
        let (s, _) = l.accept()?;
        let b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.as_raw_fd(), 1).bundle().user_data(1)])?;
        // Each arrival fits one buffer: how many buffers one pass maps (and
        // whether a pass that leaves data behind is retried) stays out of it.
        let (one, two) = (pattern(5, 1), pattern(8, 2));
        std::io::Write::write_all(&mut &c, &one)?;
        r.expect(&[cqe(1, 5).flags(buf_flags(0) | IORING_CQE_F_MORE)])?;
        std::io::Write::write_all(&mut &c, &two)?;
        r.expect(&[cqe(1, 8).flags(buf_flags(1) | IORING_CQE_F_MORE)])?;
        check_eq!((b.mem.read(..5), b.mem.read(8..16)), (one.to_vec(), two.to_vec()), "bytes in buffers 0 and 1");
        Ok(())
    },
}

case! {
    id: "pbuf/bundle-recv-more-buffers-than-fast-iovecs",
    summary: "a RECV bundle over 16 four-byte ring buffers (more than UIO_FASTIOV, 8) receives 64 bytes into consecutive ids",
    requires: [RegPbufRing, OpRecv, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv(3): IORING_RECVSEND_BUNDLE", "io_uring/kbuf.c io_ring_buffers_peek: iovecs beyond the inline UIO_FASTIOV are allocated"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(16, 4);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 16, 1, 16, 0)?;
        let data = pattern(64, 3);
        send_all(&s.b, &data)?;
        recv_bundles(&mut r, s.a(), 1, 64, 4)?;
        check_eq!(&b.mem.read(..), &data[..], "bytes across the 16 buffers");
        Ok(())
    },
}

case! {
    id: "pbuf/bundle-recv-classic-buffers",
    summary: "a RECV bundle selects from classic provided buffers too: consecutive ids from the one in the CQE, 20 bytes in all",
    requires: [OpProvideBuffers, OpRecv, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv(3): IORING_RECVSEND_BUNDLE (ring or classic provided buffers)", "io_uring/kbuf.c io_buffers_select: legacy lists are peeked as well"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 4, 2, 0)?;
        let data = pattern(20, 6);
        send_all(&s.b, &data)?;
        recv_bundles(&mut r, s.a(), 2, 20, 8)?;
        check_eq!(&b.mem.read(..20), &data[..], "bytes across consecutive buffers");
        Ok(())
    },
}

case! {
    id: "pbuf/bundle-recv-eagain-keeps-buffer-lengths",
    summary: "a RECV bundle armed on an empty socket (it waits, -EAGAIN inside) leaves the ring entries' lengths as given; the data that comes later fills whole buffers",
    requires: [RegPbufRing, OpRecv, SqeBufferSelect, FeatRecvsendBundle, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring/kbuf.c io_ring_buffers_peek: a bundle that does not complete must not shrink the entries it looked at", "liburing test/recvsend_bundle.c"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_select(s.a(), 0, 1).bundle().user_data(1)])?;
        r.expect_none()?;
        let lens: Vec<u32> = (0..4).map(|i| br.entry_len(i)).collect();
        check_eq!(lens, vec![8u32; 4], "ring entry lengths after the recv waited");
        let data = pattern(16, 9);
        send_all(&s.b, &data)?;
        let c = r.wait_for(1, oracle::prompt())?;
        check!(c.len() == 1 && c[0].user_data == 1 && c[0].res > 0, "the armed bundle recv: {c:?}");
        check_eq!(c[0].flags & !IORING_CQE_F_SOCK_NONEMPTY, buf_flags(0), "flags of the armed bundle recv");
        let n = c[0].res as usize;
        check_eq!(n % 8, 0, "the bundle took whole 8-byte buffers ({n} bytes)");
        check_eq!(&b.mem.read(..n), &data[..n], "bytes in the buffers");
        Ok(())
    },
}

/// Sets or clears O_NONBLOCK on `fd`.
fn nonblocking(fd: impl std::os::fd::AsFd, on: bool) -> CaseResult {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let fixture = |e| CaseError::Error(format!("fixture: fcntl O_NONBLOCK: {e}"));
    let mut fl = fcntl_getfl(&fd).map_err(fixture)?;
    fl.set(OFlags::NONBLOCK, on);
    fcntl_setfl(&fd, fl).map_err(fixture)
}

case! {
    id: "pbuf/bundle-send-into-full-socket",
    summary: "a SEND bundle into a socket whose peer's queue is full waits (no CQE) and, once the peer reads, sends all its buffers: one CQE with the total and the first id",
    requires: [RegPbufRing, OpSend, SqeBufferSelect, FeatRecvsendBundle, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_bundle(3)", "io_uring/net.c io_send: a short send on a stream socket is retried, the bundle completes with the bytes of every buffer it took", "claim:prep.send-bundle"],
    run: |cx| {
        let s = SocketPair::stream()?;
        // Fill the peer's queue: nonblocking writes until EAGAIN.
        nonblocking(&s.a, true)?;
        let chunk = [0x55u8; 4096];
        let mut filled = 0usize;
        // Until EAGAIN (the queue is full).
        while let Ok(n) = rustix::io::write(&s.a, &chunk) {
            filled += n;
        }
        // io_uring answers -EAGAIN itself on an O_NONBLOCK file.
        nonblocking(&s.a, false)?;
        let b = Bufs::new(4, 8);
        b.mem.write(0, &pattern(32, 3));
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::send_select(s.a(), 1).bundle().user_data(1)])?;
        r.expect_none()?;
        // Drain what filled the queue (already there: no wait), then reap
        // the send (this task must not block outside io_uring meanwhile:
        // its task work sends), then read the bundle's bytes.
        let recv_exact = |len: usize| -> Result<Vec<u8>, CaseError> {
            let mut got = vec![0u8; len];
            let n = rustix::net::recv(&s.b, &mut got, rustix::net::RecvFlags::WAITALL).map(|(n, _)| n);
            if n != Ok(len) {
                return Err(CaseError::Error(format!("fixture: recv of {len} bytes gave {n:?}")));
            }
            Ok(got)
        };
        recv_exact(filled)?;
        r.expect(&[cqe(1, 32).flags(buf_flags(0))])?;
        let got = recv_exact(32)?;
        check_eq!(&got[..], &pattern(32, 3)[..], "the bundle's bytes after the filler");
        Ok(())
    },
}
