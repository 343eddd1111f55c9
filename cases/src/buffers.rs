//! Registered buffers: REGISTER_BUFFERS / BUFFERS2 (tags, sparse),
//! BUFFERS_UPDATE, READ_FIXED / WRITE_FIXED and READV_FIXED /
//! WRITEV_FIXED at and across every edge of a buffer, out-of-range
//! indexes, CLONE_BUFFERS between rings, and fixed buffers with SEND_ZC.
//!
//! References: io_uring_register(2) (IORING_REGISTER_BUFFERS, _BUFFERS2,
//! _BUFFERS_UPDATE, _CLONE_BUFFERS), io_uring_prep_read_fixed(3)
//! ("the range must lie within the registered buffer"),
//! io_uring_prep_send_zc_fixed(3), io_uring/rsrc.c (io_import_fixed:
//! a range outside the buffer is -EFAULT).

use crate::prelude::*;
use fixtures::{Bufs, Listener};
use oracle::CaseError;

/// A 4096-byte source file with a known pattern.
fn source() -> Result<TempFile, CaseError> {
    Ok(TempFile::with_content(&pattern(4096, 7))?)
}

/// A READ_FIXED of `len` bytes into `mem[at..]` from offset 0, buffer
/// `index`, expecting `res`; on success the bytes must match the file.
fn read_fixed_at(r: &mut CheckedRing, f: &TempFile, mem: &Bufs, at: isize, len: u32, index: u16, res: i32) -> CaseResult {
    // Only an address (possibly outside mem, on purpose): the kernel checks
    // it against the registered buffer.
    let addr = mem.ptr(0).wrapping_offset(at);
    r.run_expect(&[Sqe::read_fixed(f.fd(), addr, len, 0, index).user_data(1)], &[cqe(1, res)])?;
    if res > 0 {
        let a = at as usize;
        check_eq!(&mem.mem.read(a..a + res as usize), &pattern(4096, 7)[..res as usize], "bytes read into the registered buffer");
    }
    Ok(())
}

case! {
    id: "buffers/read-fixed",
    summary: "READ_FIXED into a registered buffer reads the file into it",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::ALL,
    refs: ["io_uring_prep_read_fixed(3)", "io_uring_register(2): IORING_REGISTER_BUFFERS", "claim:enter.op.read-write-fixed", "claim:register.op.buffers", "claim:prep.read-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 8192);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 8192)])?;
        read_fixed_at(&mut r, &f, &mem, 0, 4096, 0, 4096)
    },
}

case! {
    id: "buffers/write-fixed",
    summary: "WRITE_FIXED from a registered buffer writes its bytes to the file",
    requires: [OpWriteFixed, RegBuffers],
    variants: variants::LAYOUT,
    refs: ["io_uring_prep_write_fixed(3)", "claim:enter.op.read-write-fixed", "claim:prep.write-fixed"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mem = Bufs::new(1, 4096);
        mem.mem.write(0, &pattern(4096, 9));
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        let p = mem.ptr(0);
        // SAFETY: bytes 100..1100 of the buffer.
        r.run_expect(&[Sqe::write_fixed(f.fd(), unsafe { p.add(100) }, 1000, 0, 0).user_data(1)], &[cqe(1, 1000)])?;
        check_eq!(f.content()?, pattern(4096, 9)[100..1100].to_vec(), "file content");
        Ok(())
    },
}

case! {
    id: "buffers/range-inside",
    summary: "a READ_FIXED range strictly inside the buffer (offset 100, 50 bytes) lands exactly there",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_read_fixed(3)", "claim:enter.op.read-write-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        read_fixed_at(&mut r, &f, &mem, 100, 50, 0, 50)?;
        check!(mem.mem.read(..100).iter().all(|&b| b == 0) && mem.mem.read(150..).iter().all(|&b| b == 0), "bytes outside 100..150 were written");
        Ok(())
    },
}

case! {
    id: "buffers/range-ends-at-end",
    summary: "a READ_FIXED range ending exactly at the buffer's last byte is accepted",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/rsrc.c validate_fixed_range: buf_end <= ubuf + len", "claim:enter.op.read-write-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 2048)])?;
        read_fixed_at(&mut r, &f, &mem, 1024, 1024, 0, 1024)
    },
}

case! {
    id: "buffers/range-past-end-efault",
    summary: "a READ_FIXED range one byte past the end of the registered buffer completes with -EFAULT",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/rsrc.c io_import_fixed: a range outside the buffer is -EFAULT", "claim:enter.cqe.EFAULT-fixed-range", "claim:prep.read-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 2048)])?;
        read_fixed_at(&mut r, &f, &mem, 1024, 1025, 0, -libc::EFAULT)
    },
}

case! {
    id: "buffers/range-before-start-efault",
    summary: "a READ_FIXED range starting one byte before the registered buffer completes with -EFAULT",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/rsrc.c io_import_fixed: a range outside the buffer is -EFAULT", "claim:enter.cqe.EFAULT-fixed-range"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(1024, 2048)])?;
        read_fixed_at(&mut r, &f, &mem, 1023, 16, 0, -libc::EFAULT)
    },
}

case! {
    id: "buffers/range-across-two-buffers-efault",
    summary: "a range starting in buffer 0 and running into the adjacent buffer 1 completes with -EFAULT",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_read_fixed(3): the range must be within buffer buf_index", "claim:enter.cqe.EFAULT-fixed-range"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        // Two buffers that are neighbours in memory.
        r.register_buffers(&[mem.iov(0, 2048), mem.iov(2048, 4096)])?;
        read_fixed_at(&mut r, &f, &mem, 2000, 100, 0, -libc::EFAULT)?;
        // The same range is fine in buffer 1 once it starts there.
        read_fixed_at(&mut r, &f, &mem, 2048, 100, 1, 100)
    },
}

case! {
    id: "buffers/index-out-of-range-efault",
    summary: "READ_FIXED with buf_index past the registered buffers completes with -EFAULT",
    requires: [OpReadFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/rsrc.c io_find_buf_node: no node for the index -> -EFAULT", "claim:enter.cqe.EINVAL-buf-index", "claim:enter.cqe.EINVAL-fixed-buf-index"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        read_fixed_at(&mut r, &f, &mem, 0, 16, 1, -libc::EFAULT)
    },
}

case! {
    id: "buffers/no-buffers-efault",
    summary: "READ_FIXED on a ring with no registered buffers completes with -EFAULT",
    requires: [OpReadFixed],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_find_buf_node", "claim:enter.cqe.EFAULT-fixed-no-buffers"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        read_fixed_at(&mut r, &f, &mem, 0, 16, 0, -libc::EFAULT)
    },
}

case! {
    id: "buffers/register-twice-ebusy",
    summary: "registering buffers while buffers are registered fails with EBUSY",
    requires: [RegBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBUSY", "claim:register.errors.EBUSY-buffers"],
    run: |cx| {
        let mem = Bufs::new(1, 4096);
        let r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        check_errno!(r.register_buffers(&[mem.iov(0, 4096)]), libc::EBUSY, "second REGISTER_BUFFERS");
        Ok(())
    },
}

case! {
    id: "buffers/unregister-none-enxio",
    summary: "UNREGISTER_BUFFERS with none registered fails with ENXIO",
    requires: [RegUnregisterBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: ENXIO", "claim:register.errors.ENXIO-unregister-buffers-none"],
    run: |cx| {
        let r = cx.ring()?;
        check_errno!(r.unregister_buffers(), libc::ENXIO, "UNREGISTER_BUFFERS with nothing registered");
        Ok(())
    },
}

case! {
    id: "buffers/unregister-then-efault",
    summary: "after UNREGISTER_BUFFERS, READ_FIXED with the old index completes with -EFAULT",
    requires: [OpReadFixed, RegBuffers, RegUnregisterBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_UNREGISTER_BUFFERS", "claim:register.op.unregister-buffers"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        r.unregister_buffers()?;
        read_fixed_at(&mut r, &f, &mem, 0, 16, 0, -libc::EFAULT)
    },
}

case! {
    id: "buffers/sparse-then-update",
    summary: "BUFFERS2 with SPARSE leaves slots empty (-EFAULT) until BUFFERS_UPDATE fills one",
    requires: [OpReadFixed, RegBuffers2, RegBuffersUpdate, OpflagRsrcSparse],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_RSRC_REGISTER_SPARSE, IORING_REGISTER_BUFFERS_UPDATE", "claim:register.op.buffers2-sparse", "claim:register.op.buffers-update"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[], &[], 4)?;
        read_fixed_at(&mut r, &f, &mem, 0, 16, 2, -libc::EFAULT)?;
        check_eq!(r.update_buffers(2, &[mem.iov(0, 4096)], &[])?, 1, "slots updated");
        read_fixed_at(&mut r, &f, &mem, 0, 4096, 2, 4096)
    },
}

case! {
    id: "buffers/update-tag-cqe",
    summary: "replacing a tagged buffer posts a CQE with the tag as user_data (res 0, flags 0)",
    requires: [RegBuffers2, RegBuffersUpdate, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_BUFFERS2 tags", "claim:register.op.buffers2-tags"],
    run: |cx| {
        let (a, b) = (Bufs::new(1, 4096), Bufs::new(1, 4096));
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[a.iov(0, 4096), a.iov(0, 1024)], &[0x55, 0], 0)?;
        check_eq!(r.update_buffers(0, &[b.iov(0, 4096), b.iov(0, 1024)], &[])?, 2, "slots updated");
        r.expect(&[cqe(0x55, 0)])?;
        Ok(())
    },
}

case! {
    id: "buffers/unregister-tag-cqes",
    summary: "unregistering tagged buffers posts one tag CQE per tagged buffer",
    requires: [RegBuffers2, RegUnregisterBuffers, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_BUFFERS2 tags", "claim:register.op.buffers2-tags"],
    run: |cx| {
        let a = Bufs::new(1, 8192);
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[a.iov(0, 4096), a.iov(4096, 8192)], &[0x61, 0x62], 0)?;
        r.unregister_buffers()?;
        r.expect_unordered(&[cqe(0x61, 0), cqe(0x62, 0)])?;
        Ok(())
    },
}

case! {
    id: "buffers/too-many-einval",
    summary: "registering more than IORING_MAX_REG_BUFFERS (16384) buffers fails with EINVAL",
    requires: [RegBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c: nr_args > IORING_MAX_REG_BUFFERS is -EINVAL"],
    run: |cx| {
        let a = Bufs::new(1, 64);
        let iovs = vec![a.iov(0, 64); 16385];
        let r = cx.ring()?;
        check_errno!(r.register_buffers(&iovs), libc::EINVAL, "16385 buffers");
        Ok(())
    },
}

case! {
    id: "buffers/readv-fixed",
    summary: "READV_FIXED scatters into iovecs that lie inside registered buffer 0",
    requires: [OpReadvFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_readv_fixed(3)", "claim:enter.op.rw-fixed-vec", "claim:prep.readv-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let iov = [mem.raw_iov(100, 200), mem.raw_iov(1000, 1300)];
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        r.run_expect(&[Sqe::readv_fixed(f.fd(), &iov, 0, 0).user_data(1)], &[cqe(1, 400)])?;
        let p = pattern(4096, 7);
        check_eq!(&mem.mem.read(100..200), &p[..100], "first iovec");
        check_eq!(&mem.mem.read(1000..1300), &p[100..400], "second iovec");
        Ok(())
    },
}

case! {
    id: "buffers/writev-fixed",
    summary: "WRITEV_FIXED gathers from iovecs inside registered buffer 0",
    requires: [OpWritevFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_writev_fixed(3)", "claim:enter.op.rw-fixed-vec", "claim:prep.writev-fixed"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mem = Bufs::new(1, 4096);
        mem.mem.write(0, &pattern(4096, 3));
        let iov = [mem.raw_iov(10, 20), mem.raw_iov(3000, 3005)];
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        r.run_expect(&[Sqe::writev_fixed(f.fd(), &iov, 0, 0).user_data(1)], &[cqe(1, 15)])?;
        let p = pattern(4096, 3);
        check_eq!(f.content()?, [&p[10..20], &p[3000..3005]].concat(), "file content");
        Ok(())
    },
}

case! {
    id: "buffers/readv-fixed-iovec-outside-efault",
    summary: "READV_FIXED with an iovec reaching past the registered buffer completes with -EFAULT",
    requires: [OpReadvFixed, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring/rsrc.c io_import_reg_vec: each iovec must lie in the buffer (-EFAULT)", "claim:prep.readv-fixed"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let iov = [mem.raw_iov(0, 10), mem.raw_iov(2040, 2060)];
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 2048)])?;
        r.run_expect(&[Sqe::readv_fixed(f.fd(), &iov, 0, 0).user_data(1)], &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

case! {
    id: "buffers/clone-between-rings",
    summary: "CLONE_BUFFERS gives a second ring the first ring's buffers: READ_FIXED on it fills the same memory",
    requires: [OpReadFixed, RegBuffers, RegCloneBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_CLONE_BUFFERS", "claim:register.op.clone-buffers"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let src = CheckedRing::new(4)?;
        src.register_buffers(&[mem.iov(0, 4096)])?;
        let mut r = cx.ring()?;
        let clone = io_uring_clone_buffers { src_fd: src.fd() as u32, ..Default::default() };
        // SAFETY: one valid io_uring_clone_buffers.
        unsafe { r.register_raw(IORING_REGISTER_CLONE_BUFFERS, &clone as *const _ as *const _, 1)? };
        read_fixed_at(&mut r, &f, &mem, 0, 4096, 0, 4096)
    },
}

case! {
    id: "buffers/clone-into-registered-ebusy",
    summary: "CLONE_BUFFERS into a ring that has buffers, without IORING_REGISTER_DST_REPLACE, fails with EBUSY",
    requires: [RegBuffers, RegCloneBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_CLONE_BUFFERS (IORING_REGISTER_DST_REPLACE to replace)", "claim:register.op.clone-buffers"],
    run: |cx| {
        let mem = Bufs::new(1, 4096);
        let src = CheckedRing::new(4)?;
        src.register_buffers(&[mem.iov(0, 4096)])?;
        let r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 1024)])?;
        let clone = io_uring_clone_buffers { src_fd: src.fd() as u32, ..Default::default() };
        // SAFETY: one valid io_uring_clone_buffers.
        check_errno!(unsafe { r.register_raw(IORING_REGISTER_CLONE_BUFFERS, &clone as *const _ as *const _, 1) }, libc::EBUSY, "clone into a ring with buffers");
        Ok(())
    },
}

case! {
    id: "buffers/send-zc-fixed",
    summary: "SEND_ZC from a registered buffer: a CQE with the byte count and F_MORE, then a notification CQE (F_NOTIF, res 0); the peer gets the bytes",
    requires: [OpSendZc, RegBuffers],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_send_zc_fixed(3): IORING_RECVSEND_FIXED_BUF", "io_uring_prep_send_zc(3): the notification CQE has IORING_CQE_F_NOTIF", "claim:enter.op.send-zc.fixed-buf"],
    run: |cx| {
        let l = Listener::new()?;
        let client = l.connect()?;
        let (mut server, _) = l.listener.accept()?;
        let mem = Bufs::new(1, 4096);
        mem.mem.write(0, b"hello");
        let mut r = cx.ring()?;
        r.register_buffers(&[mem.iov(0, 4096)])?;
        let s = Sqe::send_zc_fixed(std::os::fd::AsRawFd::as_raw_fd(&client), mem.ptr(0), 5, 0, 0).user_data(1);
        r.run_expect(&[s], &[cqe(1, 5).flags(IORING_CQE_F_MORE), cqe(1, 0).flags(IORING_CQE_F_NOTIF)])?;
        let mut got = [0u8; 5];
        std::io::Read::read_exact(&mut server, &mut got)?;
        check_eq!(&got, b"hello", "bytes the peer received");
        Ok(())
    },
}

case! {
    id: "buffers/tag-waits-for-inflight-read-fixed",
    summary: "a tagged buffer replaced while a READ_FIXED into it is pending posts its tag only after that read completes",
    requires: [OpReadFixed, RegBuffers2, RegBuffersUpdate, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): tags are posted when the resource is no longer in use", "io_uring/rsrc.c: a request holds its buffer node until it completes"],
    run: |cx| {
        let p = Pipe::new()?;
        let (a, b) = (Bufs::new(1, 4096), Bufs::new(1, 4096));
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[a.iov(0, 4096)], &[0x77], 0)?;
        r.submit_all(&[Sqe::read_fixed(p.rx(), a.ptr(0), 8, 0, 0).user_data(1)])?;
        check_eq!(r.update_buffers(0, &[b.iov(0, 4096)], &[])?, 1, "slots updated");
        r.expect_none()?;
        p.put(b"abc")?;
        r.expect(&[cqe(1, 3), cqe(0x77, 0)])?;
        check_eq!(&a.buf(0)[..3], b"abc", "the read's bytes, in the replaced buffer");
        Ok(())
    },
}

case! {
    id: "buffers/null-buffer-with-tag-einval",
    summary: "BUFFERS_UPDATE that empties a slot (NULL buffer) with a non-zero tag is refused with EINVAL: only a real buffer can carry a tag",
    requires: [RegBuffers2, RegBuffersUpdate, FeatRsrcTags],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c __io_sqe_buffers_update: !iov_base && tag -> -EINVAL"],
    run: |cx| {
        let mem = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[mem.iov(0, 4096)], &[0], 0)?;
        let empty = libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 };
        // SAFETY: an empty slot (NULL, 0) names no memory.
        check_errno!(unsafe { r.update_buffers_raw(0, &[empty], &[5]) }, libc::EINVAL, "emptying a slot with tag 5");
        r.expect_none()?;
        Ok(())
    },
}

case! {
    id: "buffers/null-buffer-with-length-efault",
    summary: "registering a NULL buffer with a non-zero length is refused with EFAULT",
    requires: [RegBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_buffer_validate: !iov_base with iov_len -> -EFAULT (a NULL base of length 0 is an empty slot)", "claim:register.errors.EFAULT-buffer"],
    run: |cx| {
        let r = cx.ring()?;
        let bad = libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 4096 };
        // SAFETY: NULL is never mapped: the kernel refuses it (EFAULT).
        check_errno!(unsafe { r.register_buffers_raw(&[bad]) }, libc::EFAULT, "REGISTER_BUFFERS of NULL, 4096");
        Ok(())
    },
}

case! {
    id: "buffers/file-backed-shared-mapping-efault",
    summary: "registering a buffer that is a shared writable mapping of a file on a block-device file system (ext4, xfs: not shmem) is refused with EFAULT, and nothing is registered",
    // FOLL_LONGTERM pins of writable shared file mappings that need dirty
    // tracking are refused by GUP since 6.5 (EFAULT); io_uring's own
    // file-backed check before that answered EOPNOTSUPP. A tmpfs or
    // memfd mapping is shmem and may be pinned, so the file lives in the
    // run's O_DIRECT directory, which env.odirect_bdev says is on a block
    // device.
    requires: [RegBuffers, EnvODirect, EnvODirectBdev],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_register(2) ERRORS: EFAULT for buffers backed by a file mapping (newer kernels; EOPNOTSUPP before)",
        "io_uring/rsrc.c io_sqe_buffer_register -> io_pin_pages: pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)",
        "mm/gup.c check_vma_flags: writable_file_mapping_allowed() refuses a long-term writable pin of a file mapping that needs dirty tracking (-EFAULT)",
    ],
    run: |cx| {
        let f = fixtures::DirectFile::create()?;
        rustix::fs::ftruncate(&f, 8192).map_err(std::io::Error::from)?;
        let map = fixtures::Mapping::shared(&f, 0, 8192)?;
        let r = cx.ring()?;
        check_errno!(r.register_buffers(&[map.as_io_buf()]), libc::EFAULT, "REGISTER_BUFFERS of a MAP_SHARED file mapping");
        check_errno!(r.unregister_buffers(), libc::ENXIO, "UNREGISTER_BUFFERS after the refused registration (nothing registered)");
        Ok(())
    },
}

/// CLONE_BUFFERS into `dst` from `src` with a range and flags.
fn clone_range(dst: &CheckedRing, src: &CheckedRing, src_off: u32, dst_off: u32, nr: u32, flags: u32) -> Result<i32, Errno> {
    let arg = io_uring_clone_buffers { src_fd: src.fd() as u32, flags, src_off, dst_off, nr, ..Default::default() };
    // SAFETY: one io_uring_clone_buffers, read during the call.
    unsafe { dst.register_raw(IORING_REGISTER_CLONE_BUFFERS, &arg as *const _ as *const _, 1) }
}

/// A ring with `n` 1024-byte buffers of `mem` registered (buffer i at
/// mem[i * 1024..]).
fn ring_with_buffers(mem: &Bufs, n: usize) -> Result<CheckedRing<'_>, CaseError> {
    let r = CheckedRing::new(4)?;
    let iovs: Vec<&IoBuf> = (0..n).map(|i| mem.iov(i * 1024, (i + 1) * 1024)).collect();
    r.register_buffers(&iovs)?;
    Ok(r)
}

case! {
    id: "buffers/clone-range",
    summary: "CLONE_BUFFERS of src buffers 1..3 (src_off 1, nr 2) gives the destination exactly those two, at slots 0 and 1",
    requires: [OpReadFixed, RegBuffers, RegCloneBuffers, OpflagCloneBuffersRange],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clone_buffers_offset(3): src_off, dst_off, nr", "io_uring/rsrc.c io_clone_buffers", "claim:register.op.clone-buffers"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let src = ring_with_buffers(&mem, 4)?;
        let mut r = cx.ring()?;
        check_eq!(clone_range(&r, &src, 1, 0, 2, 0), Ok(0), "CLONE_BUFFERS src_off 1 nr 2");
        // Slot 0 is src buffer 1 (mem[1024..2048]), slot 1 src buffer 2.
        read_fixed_at(&mut r, &f, &mem, 1024, 1024, 0, 1024)?;
        read_fixed_at(&mut r, &f, &mem, 2048, 1024, 1, 1024)?;
        read_fixed_at(&mut r, &f, &mem, 0, 1024, 0, -libc::EFAULT)?;
        read_fixed_at(&mut r, &f, &mem, 3072, 1024, 2, -libc::EFAULT)
    },
}

case! {
    id: "buffers/clone-range-errors",
    summary: "CLONE_BUFFERS of more buffers than the source has is EINVAL; a range that runs past the source's end, or an offset + nr that wraps, is EOVERFLOW",
    requires: [RegBuffers, RegCloneBuffers, OpflagCloneBuffersRange],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_clone_buffers: nr > the source's buffers -> -EINVAL; check_add_overflow, or src_off + nr past the source -> -EOVERFLOW"],
    run: |cx| {
        let mem = Bufs::new(1, 4096);
        let src = ring_with_buffers(&mem, 4)?;
        let r = cx.ring()?;
        check_errno!(clone_range(&r, &src, 0, 0, 5, 0), libc::EINVAL, "nr 5 of 4 buffers");
        check_errno!(clone_range(&r, &src, 3, 0, 2, 0), libc::EOVERFLOW, "src_off 3 nr 2 of 4 buffers");
        check_errno!(clone_range(&r, &src, u32::MAX, 0, 2, 0), libc::EOVERFLOW, "src_off u32::MAX nr 2");
        check_errno!(clone_range(&r, &src, 0, u32::MAX, 2, 0), libc::EOVERFLOW, "dst_off u32::MAX nr 2");
        Ok(())
    },
}

case! {
    id: "buffers/clone-replace-into-sparse",
    summary: "CLONE_BUFFERS with IORING_REGISTER_DST_REPLACE puts src buffer 0 at slot 2 of a sparse 4-slot table; the other slots stay empty",
    requires: [OpReadFixed, RegBuffers, RegBuffers2, OpflagRsrcSparse, RegCloneBuffers, OpflagCloneBuffersRange],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clone_buffers_offset(3): IORING_REGISTER_DST_REPLACE"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let src = ring_with_buffers(&mem, 1)?;
        let mut r = cx.ring()?;
        r.register_buffers_tagged(&[], &[], 4)?;
        check_eq!(clone_range(&r, &src, 0, 2, 1, IORING_REGISTER_DST_REPLACE), Ok(0), "CLONE_BUFFERS into slot 2");
        read_fixed_at(&mut r, &f, &mem, 0, 1024, 2, 1024)?;
        read_fixed_at(&mut r, &f, &mem, 0, 1024, 0, -libc::EFAULT)
    },
}

case! {
    id: "buffers/clone-grows-the-table",
    summary: "CLONE_BUFFERS with DST_REPLACE past the end of a 2-slot table grows it: src buffer 0 lands at slot 3, slots 0 and 1 keep theirs",
    requires: [OpReadFixed, RegBuffers, RegCloneBuffers, OpflagCloneBuffersRange],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_clone_buffers: the new table has max(dst_off + nr, the old size) slots"],
    run: |cx| {
        let f = source()?;
        let mem = Bufs::new(1, 4096);
        let src = ring_with_buffers(&mem, 1)?;
        let own = Bufs::new(1, 4096);
        let mut r = cx.ring()?;
        r.register_buffers(&[own.iov(0, 1024), own.iov(1024, 2048)])?;
        check_eq!(clone_range(&r, &src, 0, 3, 1, IORING_REGISTER_DST_REPLACE), Ok(0), "CLONE_BUFFERS into slot 3 of 2");
        read_fixed_at(&mut r, &f, &mem, 0, 1024, 3, 1024)?;
        read_fixed_at(&mut r, &f, &own, 1024, 1024, 1, 1024)?;
        read_fixed_at(&mut r, &f, &mem, 0, 1024, 2, -libc::EFAULT)
    },
}

case! {
    id: "buffers/readv-with-registered-buffers-works",
    summary: "READV and WRITEV on a ring with buffers registered complete normally (the kernel has no rule against it)",
    requires: [RegBuffers, OpReadv, OpWritev],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) CQE ERRORS: EINVAL 'READV or WRITEV ... but the io_uring instance has fixed buffers registered' (stale: see expectations/doc-errata.toml)",
        "io_uring/rw.c io_prep_rw / io_prep_rwv: no check of ctx->buf_table",
        "claim:enter.cqe.EINVAL-readv-with-fixed-buffers",
    ],
    run: |cx| {
        let f = TempFile::with_content(&pattern(32, 7))?;
        let a = Bufs::new(1, 64);
        let r0 = a.iov(0, 64);
        let out = IoBuf::new(32);
        let v = [iov(&out)];
        let more = b"tail".to_vec();
        let w = [iov_ro(&more)];
        let mut r = cx.ring()?;
        r.register_buffers(&[r0])?;
        // SAFETY: v's one iovec is `out`, an IoBuf that outlives the ring.
        r.run_expect(&[unsafe { Sqe::readv(f.fd(), &v, 0) }.user_data(1)], &[cqe(1, 32)])?;
        check_eq!(out.to_vec(), pattern(32, 7), "bytes read by READV");
        // SAFETY: w's one iovec is `more`, which outlives the ring.
        r.run_expect(&[unsafe { Sqe::writev(f.fd(), &w, 32) }.user_data(2)], &[cqe(2, 4)])?;
        Ok(())
    },
}

case! {
    id: "buffers/more-than-uio-maxiov-accepted",
    summary: "REGISTER_BUFFERS of 1025 buffers (more than UIO_MAXIOV) succeeds: the limit is IORING_MAX_REG_BUFFERS (16384)",
    // 5.13 raised the limit from UIO_MAXIOV to IORING_MAX_REG_BUFFERS in
    // the same series that added IORING_REGISTER_BUFFERS2.
    requires: [RegBuffers, RegBuffers2],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_register(2) ERRORS: EINVAL 'more than UIO_MAXIOV buffers' (stale since 5.13: see expectations/doc-errata.toml)",
        "io_uring/rsrc.c io_sqe_buffers_register: nr_args > IORING_MAX_REG_BUFFERS -> -EINVAL",
        "claim:register.errors.EINVAL-buffers-over-uio-maxiov",
    ],
    run: |cx| {
        let a = Bufs::new(1, 64);
        let iovs = vec![a.iov(0, 64); 1025];
        let r = cx.ring()?;
        check_eq!(r.register_buffers(&iovs), Ok(()), "REGISTER_BUFFERS of 1025 buffers");
        Ok(())
    },
}
