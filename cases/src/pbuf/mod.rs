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
use oracle::{BufRing, CaseError};
use std::os::fd::AsRawFd;

mod bundles;

/// Provides `n` buffers (ids `bid..`) to group `bgid`: the CQE's res is
/// 0 ([`PROVIDED_INTO_NEW_GROUP`]: every case provides into a new group).
fn provide<'b>(r: &mut CheckedRing<'b>, b: &'b Bufs, n: u32, bgid: u16, bid: u16) -> CaseResult {
    let size = (b.mem.len() / n as usize) as u32;
    r.run_expect(&[Sqe::provide_buffers(b.from(0), size, n, bgid, bid).user_data(900)], &[cqe(900, PROVIDED_INTO_NEW_GROUP)])?;
    Ok(())
}

/// The buffer ids of a group of `n` provided from `bid`, in the order the
/// kernel selects them ([`ordered_provided_buffers`]: FIFO, else LIFO).
fn selection_order(cx: &oracle::Ctx, bid: u16, n: u16) -> Vec<u16> {
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
    refs: ["io_uring_prep_provide_buffers(3)", "io_uring_enter(2): IOSQE_BUFFER_SELECT, IORING_CQE_F_BUFFER", "claim:enter.op.provide-buffers", "claim:enter.sqe.buffer-select", "claim:prep.provide-buffers.res"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 4, 1, 10)?;
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
    refs: ["io_uring_prep_provide_buffers(3)", "commit dbc7d452e7cf (io_uring: manage provided buffers strictly ordered): FIFO; LIFO before it", "claim:enter.op.provide-buffers"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(3, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 3, 1, 10)?;
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
    refs: ["io_uring_enter(2): IOSQE_BUFFER_SELECT (-ENOBUFS when none is available)", "claim:enter.sqe.buffer-select.ENOBUFS"],
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
    refs: ["io_uring_prep_provide_buffers(3): each buffer is used once", "claim:enter.sqe.buffer-select.ENOBUFS"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 1, 2, 5)?;
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
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 1, 1, 0)?;
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
    refs: ["io_uring_prep_remove_buffers(3): res is the number removed; -ENOENT 'No buffers exist at the specified bgid'", "claim:enter.op.remove-buffers", "claim:prep.remove-buffers.count"],
    run: |cx| {
        let b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 4, 3, 0)?;
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
    refs: ["io_uring_prep_remove_buffers(3): -ENOENT 'No buffers exist at the specified bgid'", "claim:prep.remove-buffers.ENOENT"],
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
        let b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 2, 3, 0)?;
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
    refs: ["io_uring_prep_provide_buffers(3) ERRORS: -E2BIG", "io_uring/kbuf.c io_provide_buffers_prep: nbufs > MAX_BIDS_PER_BGID is -E2BIG", "claim:prep.provide-buffers.E2BIG-count"],
    run: |cx| {
        let b = Bufs::new(1, 8);
        let mut r = cx.ring()?;
        // SAFETY: 65537 buffers do not fit b: the kernel refuses the count
        // at prep (E2BIG), before it records any address.
        r.run_expect(&[unsafe { Sqe::provide_buffers_raw(b.ptr(0), 8, 65537, 1, 0) }.user_data(1)], &[cqe(1, -libc::E2BIG)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/ring-read-selects",
    summary: "a buffer ring in user memory: selecting reads take ids in ring order (0 then 1) with F_BUFFER",
    requires: [RegPbufRing, OpRead, SqeBufferSelect],
    variants: variants::ALL,
    refs: ["io_uring_register_buf_ring(3)", "io_uring_buf_ring_add(3)", "claim:enter.sqe.buffer-select", "claim:register.op.pbuf-ring"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 8, 0)?;
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
    refs: ["io_uring_register_buf_ring(3): IOU_PBUF_RING_MMAP, mmap at IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT", "claim:register.op.pbuf-ring"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 2, 4, 4, IOU_PBUF_RING_MMAP)?;
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
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let mut br = BufRing::register(&r, 1, 4, 0)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 1).user_data(1)], &[cqe(1, -libc::ENOBUFS)])?;
        br.push(b.span(0, 64), 9);
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
    refs: ["io_uring_register(2): IORING_REGISTER_PBUF_STATUS", "claim:register.op.pbuf-status"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(4, 64);
        let mut r = cx.ring()?;
        let br = buf_ring(&r, &b, 4, 1, 4, 0)?;
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
    refs: ["io_uring_unregister_buf_ring(3)", "claim:register.op.unregister-pbuf-ring"],
    run: |cx| {
        let f = file32()?;
        let b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        let mut br = buf_ring(&r, &b, 2, 1, 4, 0)?;
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
    refs: ["io_uring_register_buf_ring(3): ring_entries must be a power of 2", "claim:register.op.pbuf-ring"],
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
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 1, 1, 4, IOU_PBUF_RING_INC)?;
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
    id: "pbuf/classic-into-ring-group-einval",
    summary: "PROVIDE_BUFFERS into a group that is a registered buffer ring is refused with -EINVAL",
    requires: [RegPbufRing, OpProvideBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/kbuf.c io_provide_buffers: can't add buffers via this command for a mapped buffer ring -> -EINVAL", "claim:prep.provide-buffers.EINVAL"],
    run: |cx| {
        let (a, b) = (Bufs::new(2, 64), Bufs::new(2, 64));
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &a, 2, 3, 4, 0)?;
        r.run_expect(&[Sqe::provide_buffers(b.from(0), 64, 2, 3, 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
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
        let b = Bufs::new(2, 64);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 2, 3, 0)?;
        match oracle::BufRing::register(&r, 3, 4, 0) {
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
        let b = Bufs::new(6, 64);
        let mut r = cx.ring()?;
        let mut br = buf_ring(&r, &b, 4, 5, 4, 0)?;
        for ud in 0..3u64 {
            r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 5).user_data(ud)], &[cqe(ud, 32).flags(buf_flags(ud as u16))])?;
        }
        // Two more entries land in ring slots 0 and 1 (the tail wrapped).
        br.push(b.span(4, 64), 4);
        br.push(b.span(5, 64), 5);
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
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 1, 6, 4, IOU_PBUF_RING_INC)?;
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
        let b = Bufs::new(2, 64);
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_NO_MMAP))?;
        let _br = buf_ring(&r, &b, 2, 4, 4, IOU_PBUF_RING_MMAP)?;
        r.run_expect(&[Sqe::read_select(f.fd(), 64, 0, 4).user_data(1)], &[cqe(1, 32).flags(buf_flags(0))])?;
        check_eq!(&b.buf(0)[..32], &pattern(32, 4)[..], "buffer 0's bytes");
        Ok(())
    },
}

case! {
    id: "pbuf/provide-bid-over-ushrt-max-e2big",
    summary: "PROVIDE_BUFFERS whose first buffer id is above 65535 completes with -E2BIG",
    requires: [OpProvideBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_provide_buffers(3) ERRORS: -E2BIG (bid above USHRT_MAX)", "io_uring/kbuf.c io_provide_buffers_prep: off > USHRT_MAX -> -E2BIG", "claim:prep.provide-buffers.E2BIG-bid"],
    run: |cx| {
        let b = Bufs::new(1, 8);
        let mut r = cx.ring()?;
        let mut s = Sqe::provide_buffers(b.from(0), 8, 1, 1, 0).user_data(1);
        // Deliberately malformed: a buffer id the 16-bit CQE field cannot carry.
        // SAFETY: a non-address field (off here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().off = 65536 };
        r.run_expect(&[s], &[cqe(1, -libc::E2BIG)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/provide-kernel-address-efault",
    summary: "PROVIDE_BUFFERS of an address outside user space completes with -EFAULT",
    requires: [OpProvideBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_provide_buffers(3) ERRORS: -EFAULT", "io_uring/kbuf.c io_provide_buffers_prep: !access_ok(addr, len * nbufs) -> -EFAULT", "claim:prep.provide-buffers.EFAULT"],
    run: |cx| {
        let mut r = cx.ring()?;
        // Deliberately malformed: the start of the kernel half of the address space.
        // SAFETY: a kernel address, refused at prep (EFAULT): never written.
        r.run_expect(&[unsafe { Sqe::provide_buffers_raw(0xffff_8000_0000_0000usize as *mut u8, 8, 1, 1, 0) }.user_data(1)], &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/provide-range-wraps-eoverflow",
    summary: "PROVIDE_BUFFERS whose address plus len times count wraps past the end of the address space completes with -EOVERFLOW",
    requires: [OpProvideBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_provide_buffers(3) ERRORS: -EOVERFLOW", "io_uring/kbuf.c io_provide_buffers_prep: check_add_overflow(addr, len * nbufs) -> -EOVERFLOW", "claim:prep.provide-buffers.EOVERFLOW"],
    run: |cx| {
        let mut r = cx.ring()?;
        // Deliberately malformed: 4 buffers of 16 bytes from 32 bytes below the top.
        // SAFETY: a range that wraps, refused at prep (EOVERFLOW): never written.
        r.run_expect(&[unsafe { Sqe::provide_buffers_raw((u64::MAX - 31) as usize as *mut u8, 16, 4, 1, 0) }.user_data(1)], &[cqe(1, -libc::EOVERFLOW)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/remove-buffers-fields-einval",
    summary: "REMOVE_BUFFERS of 0 buffers, or with addr set, completes with -EINVAL and removes nothing",
    requires: [OpProvideBuffers, OpRemoveBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_remove_buffers(3) ERRORS: -EINVAL", "io_uring/kbuf.c io_remove_buffers_prep: addr, len, off or rw_flags set, or nbufs 0 -> -EINVAL", "claim:prep.remove-buffers.EINVAL"],
    run: |cx| {
        let b = Bufs::new(2, 8);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 2, 1, 0)?;
        let mut with_addr = Sqe::remove_buffers(1, 1).user_data(2);
        // Deliberately malformed: a field REMOVE_BUFFERS does not take.
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { with_addr.raw_mut().addr = 8 };
        r.run_expect(&[Sqe::remove_buffers(0, 1).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        r.run_expect(&[with_addr], &[cqe(2, -libc::EINVAL)])?;
        r.run_expect(&[Sqe::remove_buffers(4, 1).user_data(3)], &[cqe(3, 2)])?;
        Ok(())
    },
}

case! {
    id: "pbuf/status-errors",
    summary: "PBUF_STATUS of a group that does not exist fails with ENOENT, and of a classic provided group (not a ring) with EINVAL",
    requires: [OpProvideBuffers, RegPbufStatus],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_register(2) ERRORS: ENOENT, EINVAL (IORING_REGISTER_PBUF_STATUS)",
        "io_uring/kbuf.c io_register_pbuf_status: no list -> -ENOENT; not IOBL_BUF_RING -> -EINVAL",
        "claim:register.errors.ENOENT-pbuf-status",
        "claim:register.errors.EINVAL-pbuf-status-classic",
    ],
    run: |cx| {
        let b = Bufs::new(2, 8);
        let mut r = cx.ring()?;
        provide(&mut r, &b, 2, 1, 0)?;
        let status = |bgid: u32| {
            let mut st = io_uring_buf_status { buf_group: bgid, ..Default::default() };
            // SAFETY: one valid io_uring_buf_status, written by the kernel.
            unsafe { r.register_raw_out(IORING_REGISTER_PBUF_STATUS, &mut st as *mut _ as *mut _, 1) }
        };
        check_errno!(status(7), libc::ENOENT, "PBUF_STATUS of group 7 (none)");
        check_errno!(status(1), libc::EINVAL, "PBUF_STATUS of classic group 1");
        Ok(())
    },
}
