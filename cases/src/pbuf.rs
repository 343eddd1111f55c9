//! Provided buffers: the classic PROVIDE_BUFFERS / REMOVE_BUFFERS groups
//! and ring-mapped buffer rings (user memory and IOU_PBUF_RING_MMAP), with
//! IOSQE_BUFFER_SELECT picking a buffer at issue time: the CQE carries
//! IORING_CQE_F_BUFFER and the buffer id in its upper 16 bits; an empty
//! group gives -ENOBUFS. Also PBUF_STATUS, incremental consumption
//! (IOU_PBUF_RING_INC, IORING_CQE_F_BUF_MORE) and bundles.
//!
//! References: io_uring_prep_provide_buffers(3), io_uring_prep_remove_buffers(3),
//! io_uring_register_buf_ring(3), io_uring_buf_ring_add(3),
//! io_uring_register_buf_ring(3) IOU_PBUF_RING_INC, io_uring_prep_recv(3)
//! (IORING_RECVSEND_BUNDLE), io_uring/kbuf.c.

use crate::prelude::*;
use fixtures::{Bufs, SocketPair};
use harness::{BufRing, CaseError};
use std::os::fd::AsRawFd;

/// Provides `n` buffers (ids `bid..`) to group `bgid`: the CQE's res is
/// 0 ([`PROVIDED_INTO_NEW_GROUP`]: every case provides into a new group).
fn provide(r: &mut Ring, b: &mut Bufs, n: u32, bgid: u16, bid: u16) -> CaseResult {
    let size = (b.mem.len() / n as usize) as u32;
    r.run_expect(&[Sqe::provide_buffers(b.ptr(0), size, n, bgid, bid).user_data(900)], &[cqe(900, PROVIDED_INTO_NEW_GROUP)])?;
    Ok(())
}

/// The buffer ids of a group of `n` provided from `bid`, in the order the
/// kernel selects them ([`ordered_provided_buffers`]: FIFO, else LIFO).
fn selection_order(cx: &harness::Ctx, bid: u16, n: u16) -> Vec<u16> {
    let ids: Vec<u16> = (bid..bid + n).collect();
    if ordered_provided_buffers(cx) {
        ids
    } else {
        ids.into_iter().rev().collect()
    }
}

/// A 32-byte file with a known pattern.
fn file32() -> Result<TempFile, CaseError> {
    Ok(TempFile::with_content(&pattern(32, 4))?)
}

case! {
    id: "pbuf/provide-then-read-selects",
    summary: "a READ with BUFFER_SELECT takes the first provided buffer: res 32, F_BUFFER with its id, the data in that buffer",
    requires: [OpProvideBuffers, OpRead, SqeBufferSelect],
    variants: variants::ALL,
    refs: ["io_uring_prep_provide_buffers(3)", "io_uring_enter(2): IOSQE_BUFFER_SELECT, IORING_CQE_F_BUFFER"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 4, 1, 10)?;
        let bid = selection_order(cx, 10, 4)[0];
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(1)], &[cqe(1, 32).flags(buf_flags(bid))])?;
        check_eq!(&b.buf((bid - 10) as usize)[..32], &pattern(32, 4)[..], "bytes of buffer {bid}");
        Ok(())
    },
}

case! {
    id: "pbuf/classic-fifo-order",
    summary: "three reads from a group of three buffers get ids 10, 11, 12 in that order (FIFO), then -ENOBUFS",
    requires: [OpProvideBuffers, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_provide_buffers(3)", "commit dbc7d452e7cf (io_uring: manage provided buffers strictly ordered): FIFO; LIFO before it"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(3, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 3, 1, 10)?;
        for (ud, bid) in (1..4u64).zip(selection_order(cx, 10, 3)) {
            r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(ud)], &[cqe(ud, 32).flags(buf_flags(bid))])?;
        }
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(4)], &[cqe(4, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/empty-group-enobufs",
    summary: "BUFFER_SELECT from a group that has no buffers completes with -ENOBUFS and no F_BUFFER",
    requires: [OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IOSQE_BUFFER_SELECT (-ENOBUFS when none is available)"],
    run: |cx| {
        let f = file32()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 7).user_data(1)], &[cqe(1, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/exhausted-enobufs",
    summary: "one provided buffer serves one read; the next read gets -ENOBUFS",
    requires: [OpProvideBuffers, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_provide_buffers(3): each buffer is used once"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 1, 2, 5)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 2).user_data(1)], &[cqe(1, 32).flags(buf_flags(5))])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 2).user_data(2)], &[cqe(2, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/read-len-caps-buffer",
    summary: "a selecting READ with len 16 from 64-byte buffers reads 16 bytes",
    requires: [OpProvideBuffers, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IOSQE_BUFFER_SELECT (len bounds the read)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 1, 1, 0)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 16, 0, 1).user_data(1)], &[cqe(1, 16).flags(buf_flags(0))])?;
        check_eq!(&b.buf(0)[..16], &pattern(32, 4)[..16], "bytes read");
        check!(b.buf(0)[16..].iter().all(|&x| x == 0), "bytes past len were written");
        Ok(())
    },
}

case! {
    id: "pbuf/remove-buffers-counts",
    summary: "REMOVE_BUFFERS answers how many it removed (2 of 4, then the last 2), then -ENOENT once no buffers exist in the group",
    requires: [OpProvideBuffers, OpRemoveBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_remove_buffers(3): res is the number removed; -ENOENT 'No buffers exist at the specified bgid'"],
    run: |cx| {
        let mut b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 4, 3, 0)?;
        r.run_expect(&[Sqe::remove_buffers(2, 3).user_data(1)], &[cqe(1, 2)])?;
        r.run_expect(&[Sqe::remove_buffers(10, 3).user_data(2)], &[cqe(2, 2)])?;
        r.run_expect(&[Sqe::remove_buffers(1, 3).user_data(3)], &[cqe(3, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/remove-unknown-group-enoent",
    summary: "REMOVE_BUFFERS from a group never provided completes with -ENOENT",
    requires: [OpRemoveBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_remove_buffers(3): -ENOENT 'No buffers exist at the specified bgid'"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::remove_buffers(1, 77).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/removed-buffers-not-selected",
    summary: "after REMOVE_BUFFERS empties a group, a selecting read gets -ENOBUFS",
    requires: [OpProvideBuffers, OpRemoveBuffers, OpRead, SqeBufferSelect],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_remove_buffers(3)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 2, 3, 0)?;
        r.run_expect(&[Sqe::remove_buffers(2, 3).user_data(1)], &[cqe(1, 2)])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 3).user_data(2)], &[cqe(2, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/provide-too-many-e2big",
    summary: "PROVIDE_BUFFERS of 65537 buffers (more than one group can hold) completes with -E2BIG",
    requires: [OpProvideBuffers],
    variants: variants::DEFAULT,
    // The man page says at most USHRT_MAX; kbuf.c takes up to
    // MAX_BIDS_PER_BGID (65536), so 65537 is the first count both reject.
    refs: ["io_uring_prep_provide_buffers(3) ERRORS: -E2BIG", "io_uring/kbuf.c io_provide_buffers_prep: nbufs > MAX_BIDS_PER_BGID is -E2BIG"],
    run: |cx| {
        let mut b = Bufs::new(1, 8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::provide_buffers(b.ptr(0), 8, 65537, 1, 0).user_data(1)], &[cqe(1, -libc::E2BIG)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/ring-read-selects",
    summary: "a buffer ring in user memory: selecting reads take ids in ring order (0 then 1) with F_BUFFER",
    requires: [RegPbufRing, OpRead, SqeBufferSelect],
    variants: variants::ALL,
    refs: ["io_uring_register_buf_ring(3)", "io_uring_buf_ring_add(3)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 4, 1, 8, 0)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(1)], &[cqe(1, 32).flags(buf_flags(0))])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(2)], &[cqe(2, 32).flags(buf_flags(1))])?;
        check_eq!(&b.buf(1)[..32], &pattern(32, 4)[..], "buffer 1's bytes");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-mmap",
    summary: "a kernel-allocated buffer ring (IOU_PBUF_RING_MMAP), filled through its mmap, serves selecting reads",
    requires: [RegPbufRing, OpflagPbufRingMmap, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_buf_ring(3): IOU_PBUF_RING_MMAP, mmap at IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 2, 4, 4, IOU_PBUF_RING_MMAP)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 4).user_data(1)], &[cqe(1, 32).flags(buf_flags(0))])?;
        check_eq!(&b.buf(0)[..32], &pattern(32, 4)[..], "buffer 0's bytes");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-empty-enobufs",
    summary: "a buffer ring with nothing published gives -ENOBUFS; publishing one buffer makes the next read succeed",
    requires: [RegPbufRing, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_buf_ring(3)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let mut br = BufRing::register(&r, 1, 4, 0)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(1)], &[cqe(1, -libc::ENOBUFS)])?;
        br.push(b.ptr(0), 64, 9);
        br.publish();
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(2)], &[cqe(2, 32).flags(buf_flags(9))])?;
        Ok(())
    },
}

case! {
    id: "pbuf/ring-status-head",
    summary: "PBUF_STATUS reports the kernel's head: 0 before any read, 2 after two",
    requires: [RegPbufRing, RegPbufStatus, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_PBUF_STATUS"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        let br = buf_ring(&r, &mut b, 4, 1, 4, 0)?;
        check_eq!(br.head(&r)?, 0, "head before any read");
        for ud in 1..3u64 {
            r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(ud)], &[cqe(ud, 32).flags(buf_flags(ud as u16 - 1))])?;
        }
        check_eq!(br.head(&r)?, 2, "head after two reads");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-unregister",
    summary: "after UNREGISTER_PBUF_RING the group is gone: a selecting read gets -ENOBUFS",
    requires: [RegPbufRing, RegUnregisterPbufRing, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_unregister_buf_ring(3)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        let br = buf_ring(&r, &mut b, 2, 1, 4, 0)?;
        br.unregister(&r)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(1)], &[cqe(1, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/ring-entries-not-power-of-two-einval",
    summary: "registering a buffer ring of 3 entries fails with EINVAL",
    requires: [RegPbufRing],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_buf_ring(3): ring_entries must be a power of 2"],
    run: |cx| {
        let r = cx.ring()?;
        check_errno!(BufRing::register(&r, 1, 3, 0).map(|_| ()), libc::EINVAL, "3-entry buffer ring");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-unaligned-einval",
    summary: "registering a buffer ring at memory that is not page aligned fails with EINVAL",
    requires: [RegPbufRing],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_buf_ring(3): the memory must be page aligned"],
    run: |cx| {
        let r = cx.ring()?;
        let mut mem = vec![0u8; 8192];
        let addr = (mem.as_mut_ptr() as usize).next_multiple_of(4096) + 64;
        let reg = io_uring_buf_reg { ring_addr: addr as u64, ring_entries: 4, bgid: 1, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg.
        check_errno!(unsafe { r.register_raw(IORING_REGISTER_PBUF_RING, &reg as *const _ as *const _, 1) }, libc::EINVAL, "unaligned buffer ring");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-same-group-eexist",
    summary: "registering a second buffer ring for the same group fails with EEXIST",
    requires: [RegPbufRing],
    variants: variants::DEFAULT,
    refs: ["io_uring/kbuf.c io_register_pbuf_ring: an existing group is -EEXIST"],
    run: |cx| {
        let r = cx.ring()?;
        let _a = BufRing::register(&r, 5, 4, 0)?;
        check_errno!(BufRing::register(&r, 5, 4, 0).map(|_| ()), libc::EEXIST, "second ring for group 5");
        Ok(())
    },
}

case! {
    id: "pbuf/inc-partial-consumption",
    summary: "IOU_PBUF_RING_INC: 16-byte reads walk one 64-byte buffer; F_BUF_MORE on each but the one that uses it up",
    requires: [RegPbufRing, OpflagPbufRingInc, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_buf_ring(3): IOU_PBUF_RING_INC", "io_uring.h: IORING_CQE_F_BUF_MORE (the buffer will be used again)"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 1, 1, 4, IOU_PBUF_RING_INC)?;
        for i in 0..4u64 {
            let chunk = pattern(16, i as u8);
            p.put(&chunk)?;
            let more = if i < 3 { IORING_CQE_F_BUF_MORE } else { 0 };
            r.run_expect(&[Sqe::read_select(p.rx(), 16, u64::MAX, 1).user_data(i + 1)], &[cqe(i + 1, 16).flags(buf_flags(0) | more)])?;
            let at = i as usize * 16;
            check_eq!(&b.buf(0)[at..at + 16], &chunk[..], "bytes of read {} at offset {at} of buffer 0", i + 1);
        }
        Ok(())
    },
}

case! {
    id: "pbuf/bundle-recv",
    summary: "RECV bundles fill consecutive ring buffers: each CQE names its first id and the next one runs on from there, 20 bytes in all",
    requires: [RegPbufRing, OpRecv, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recv(3): IORING_RECVSEND_BUNDLE (the buffers used are consecutive ids starting with the one in the CQE)", "io_uring.h: IORING_CQE_F_SOCK_NONEMPTY"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let mut b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 4, 1, 4, 0)?;
        let data = pattern(20, 6);
        // SAFETY: writing a local buffer.
        unsafe { libc::write(s.b(), data.as_ptr() as *const _, data.len()) };
        // How many buffers one pass maps is the kernel's choice
        // (io_ring_buffers_peek); what a bundle promises is checked exactly.
        let (mut got, mut bid) = (0usize, 0u16);
        for ud in 1..4u64 {
            if got == 20 {
                break;
            }
            let sqe = Sqe::recv_select(s.a(), 0, 1).bundle().user_data(ud);
            r.submit_all(&[sqe])?;
            let c = r.wait_for(1, harness::PROMPT)?;
            check!(c.len() == 1 && c[0].user_data == ud && c[0].res > 0, "bundle recv {ud}: {c:?}");
            let n = c[0].res as usize;
            let left = 20 - got - n;
            // F_SOCK_NONEMPTY is a hint (6.12 and 6.16 leave it clear with
            // data left); never set once nothing is left.
            let flags = c[0].flags & !IORING_CQE_F_SOCK_NONEMPTY;
            check_eq!(flags, buf_flags(bid), "flags of bundle recv {ud} ({n} bytes, {left} left)");
            check!(left > 0 || c[0].flags & IORING_CQE_F_SOCK_NONEMPTY == 0, "F_SOCK_NONEMPTY set with nothing left");
            got += n;
            bid += n.div_ceil(8) as u16;
        }
        check_eq!(got, 20, "bytes received");
        // How many buffers one pass maps is the kernel's policy, not a
        // promise: 6.12 and 6.16 map one per pass on a fresh socket, 6.18
        // two. What is promised (consecutive ids from the CQE's, the total)
        // is checked above.
        check_eq!(&b.mem[..20], &data[..], "bytes across consecutive buffers");
        r.expect_none()
    },
}

case! {
    id: "pbuf/bundle-send",
    summary: "a SEND bundle sends the published ring buffers in order; res is the total and the peer gets the concatenation",
    requires: [RegPbufRing, OpSend, SqeBufferSelect, FeatRecvsendBundle],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_bundle(3)"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let mut b = Bufs::new(3, 8);
        b.mem.copy_from_slice(&pattern(24, 8));
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 3, 1, 4, 0)?;
        let sqe = Sqe::send_select(s.a(), 1).bundle().user_data(1);
        r.run_expect(&[sqe], &[cqe(1, 24).flags(buf_flags(0))])?;
        let mut got = [0u8; 24];
        // SAFETY: reading into a local buffer.
        let n = unsafe { libc::recv(s.b(), got.as_mut_ptr() as *mut _, 24, libc::MSG_WAITALL) };
        check_eq!(n, 24, "bytes the peer received");
        check_eq!(got.to_vec(), pattern(24, 8), "the peer's bytes");
        Ok(())
    },
}

case! {
    id: "pbuf/classic-into-ring-group-einval",
    summary: "PROVIDE_BUFFERS into a group that is a registered buffer ring is refused with -EINVAL",
    requires: [RegPbufRing, OpProvideBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/kbuf.c io_provide_buffers: can't add buffers via this command for a mapped buffer ring -> -EINVAL"],
    run: |cx| {
        let (mut a, mut b) = (Bufs::new(2, 64), Bufs::new(2, 64));
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut a, 2, 3, 4, 0)?;
        r.run_expect(&[Sqe::provide_buffers(b.ptr(0), 64, 2, 3, 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/ring-over-classic-group-eexist",
    summary: "registering a buffer ring for a group that holds classic provided buffers is refused with EEXIST",
    requires: [RegPbufRing, OpProvideBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/kbuf.c io_register_pbuf_ring: a group with classic buffers -> -EEXIST"],
    run: |cx| {
        let mut b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 2, 3, 0)?;
        match harness::BufRing::register(&r, 3, 4, 0) {
            Err(e) => check_eq!(e, Errno(libc::EEXIST), "PBUF_RING registration over classic group 3"),
            Ok(_) => check!(false, "PBUF_RING registration over classic group 3 succeeded"),
        }
        Ok(())
    },
}

case! {
    id: "pbuf/ring-selection-wraps",
    summary: "a 4-entry buffer ring refilled after three reads serves buffer ids in ring order across its wrap: 0, 1, 2, then 3, 4, 5",
    requires: [RegPbufRing, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_buf_ring_add(3): entries at tail & mask", "io_uring/kbuf.c io_ring_buffer_select: head & mask"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(6, 64);
        let mut r = cx.ring()?;
        let mut br = buf_ring(&r, &mut b, 4, 5, 4, 0)?;
        for ud in 0..3u64 {
            r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 5).user_data(ud)], &[cqe(ud, 32).flags(buf_flags(ud as u16))])?;
        }
        // Two more entries land in ring slots 0 and 1 (the tail wrapped).
        br.push(b.ptr(4), 64, 4);
        br.push(b.ptr(5), 64, 5);
        br.publish();
        for ud in 3..6u64 {
            r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 5).user_data(ud)], &[cqe(ud, 32).flags(buf_flags(ud as u16))])?;
        }
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 5).user_data(6)], &[cqe(6, -libc::ENOBUFS)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/inc-regular-file-buf-more",
    summary: "IOU_PBUF_RING_INC on a regular file: 16-byte reads of one 64-byte buffer set F_BUF_MORE, and so does the read at EOF (res 0), which consumes nothing",
    requires: [RegPbufRing, OpflagPbufRingInc, OpRead, SqeBufferSelect],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_buf_ring(3): IOU_PBUF_RING_INC", "io_uring/kbuf.c io_kbuf_inc_commit: a buffer with length left stays at the head (IORING_CQE_F_BUF_MORE)"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 1, 6, 4, IOU_PBUF_RING_INC)?;
        let more = buf_flags(0) | IORING_CQE_F_BUF_MORE;
        r.run_expect(&[Sqe::read_select(f.fd(), 16, 0, 6).user_data(1)], &[cqe(1, 16).flags(more)])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 16, 16, 6).user_data(2)], &[cqe(2, 16).flags(more)])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 16, 32, 6).user_data(3)], &[cqe(3, 0).flags(more)])?;
        check_eq!(&b.buf(0)[..32], &pattern(32, 4)[..], "the buffer holds both reads in order");
        Ok(())
    },
}

case! {
    id: "pbuf/ring-mmap-on-no-mmap-ring",
    summary: "a kernel-allocated buffer ring (IOU_PBUF_RING_MMAP) works on a ring whose own memory is the application's (IORING_SETUP_NO_MMAP): it is mapped from the ring fd and serves selecting reads",
    requires: [RegPbufRing, OpflagPbufRingMmap, SetupNoMmap, OpRead, SqeBufferSelect],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_buf_ring(3): IOU_PBUF_RING_MMAP", "io_uring_setup(2): IORING_SETUP_NO_MMAP covers the SQ/CQ rings only"],
    run: |cx| {
        let f = file32()?;
        let mut b = Bufs::new(2, 64);
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_NO_MMAP))?;
        let _br = buf_ring(&r, &mut b, 2, 4, 4, IOU_PBUF_RING_MMAP)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 4).user_data(1)], &[cqe(1, 32).flags(buf_flags(0))])?;
        check_eq!(&b.buf(0)[..32], &pattern(32, 4)[..], "buffer 0's bytes");
        Ok(())
    },
}

/// Reaps a bundle's CQEs until `total` bytes came (bounded by `max` CQEs):
/// each must name the next buffer id (from `bid`), with `more` set on every
/// one (multishot) or none. How many buffers one pass maps is the kernel's
/// choice; what a bundle promises (consecutive ids, the bytes) is checked.
fn reap_bundle(r: &mut Ring, ud: u64, total: usize, size: usize, mut bid: u16, more: u32) -> Result<usize, CaseError> {
    let mut got = 0usize;
    while got < total {
        let c = r.wait_for(1, harness::scaled(harness::PROMPT))?;
        let Some(c) = c.first() else { return Err(CaseError::Fail(format!("bundle stopped after {got} of {total} bytes"))) };
        if c.user_data != ud || c.res <= 0 || c.flags & !IORING_CQE_F_SOCK_NONEMPTY != buf_flags(bid) | more {
            return Err(CaseError::Fail(format!("bundle CQE after {got} bytes: {c}, expected buffer {bid} flags {:#x}", buf_flags(bid) | more)));
        }
        got += c.res as usize;
        bid += (c.res as usize).div_ceil(size) as u16;
    }
    Ok(got)
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
        let mut b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.as_raw_fd(), 1).bundle().user_data(1)])?;
        // Each arrival fits one buffer: how many buffers one pass maps (and
        // whether a pass that leaves data behind is retried) stays out of it.
        let (one, two) = (pattern(5, 1), pattern(8, 2));
        std::io::Write::write_all(&mut &c, &one)?;
        r.expect(&[cqe(1, 5).flags(buf_flags(0) | IORING_CQE_F_MORE)])?;
        std::io::Write::write_all(&mut &c, &two)?;
        r.expect(&[cqe(1, 8).flags(buf_flags(1) | IORING_CQE_F_MORE)])?;
        check_eq!((&b.mem[..5], &b.mem[8..16]), (&one[..], &two[..]), "bytes in buffers 0 and 1");
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
        let mut b = Bufs::new(16, 4);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &mut b, 16, 1, 16, 0)?;
        let data = pattern(64, 3);
        send_all(s.b(), &data)?;
        let mut got = 0usize;
        let mut bid = 0u16;
        for ud in 1..=16u64 {
            if got == 64 {
                break;
            }
            r.submit_all(&[Sqe::recv_select(s.a(), 0, 1).bundle().user_data(ud)])?;
            let n = reap_bundle(&mut r, ud, 1, 4, bid, 0)?;
            got += n;
            bid += n.div_ceil(4) as u16;
        }
        check_eq!(got, 64, "bytes received");
        check_eq!(&b.mem[..], &data[..], "bytes across the 16 buffers");
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
        let mut b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        provide(&mut r, &mut b, 4, 2, 0)?;
        let data = pattern(20, 6);
        send_all(s.b(), &data)?;
        let mut got = 0usize;
        let mut bid = 0u16;
        for ud in 1..=4u64 {
            if got == 20 {
                break;
            }
            r.submit_all(&[Sqe::recv_select(s.a(), 0, 2).bundle().user_data(ud)])?;
            let n = reap_bundle(&mut r, ud, 1, 8, bid, 0)?;
            got += n;
            bid += n.div_ceil(8) as u16;
        }
        check_eq!(got, 20, "bytes received");
        check_eq!(&b.mem[..20], &data[..], "bytes across consecutive buffers");
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
        let mut b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let br = buf_ring(&r, &mut b, 4, 1, 4, 0)?;
        r.submit_all(&[Sqe::recv_select(s.a(), 0, 1).bundle().user_data(1)])?;
        r.expect_none()?;
        let lens: Vec<u32> = (0..4).map(|i| br.entry_len(i)).collect();
        check_eq!(lens, vec![8u32; 4], "ring entry lengths after the recv waited");
        let data = pattern(16, 9);
        send_all(s.b(), &data)?;
        let n = reap_bundle(&mut r, 1, 1, 8, 0, 0)?;
        check_eq!(n % 8, 0, "the bundle took whole 8-byte buffers ({n} bytes)");
        check_eq!(&b.mem[..n], &data[..n], "bytes in the buffers");
        Ok(())
    },
}
