//! O_DIRECT and polled I/O: reads and writes on a file opened with
//! O_DIRECT (in the directory the runner prepared: $TMPDIR, or a
//! loop-mounted ext4), alignment errors, and IORING_SETUP_IOPOLL (and
//! HYBRID_IOPOLL) rings on a null_blk device with poll queues. (A file
//! system's O_DIRECT file polls only if its disk's queue does: on this
//! machine's virtio disk a polled read answers -EOPNOTSUPP, so polled
//! success is checked on null_blk, whose poll queues are known.)
//!
//! References: open(2) O_DIRECT ("EINVAL ... alignment"), io_uring_setup(2)
//! IORING_SETUP_IOPOLL ("only for O_DIRECT files on storage that supports
//! polling"; otherwise -EOPNOTSUPP), IORING_SETUP_HYBRID_IOPOLL;
//! io_uring/rw.c io_rw_init_file.

use crate::prelude::*;
use fixtures::{AlignedBuf, DirectFile};
use std::os::fd::{AsRawFd, OwnedFd};

const BLK: usize = 4096;

/// The run's null_blk device, opened O_DIRECT.
fn nullb() -> Result<OwnedFd, oracle::CaseError> {
    let dev = std::env::var("URING_CONFORM_NULLB").map_err(|_| oracle::CaseError::Error("URING_CONFORM_NULLB is not set".into()))?;
    Ok(fixtures::open(std::path::Path::new(&dev), libc::O_RDWR | libc::O_DIRECT)?)
}

/// An IOPOLL ring (with `extra` setup flags) in the variant's delivery mode.
fn iopoll_ring<'buf>(cx: &oracle::Ctx, extra: u32) -> Result<CheckedRing<'buf>, oracle::CaseError> {
    cx.build(cx.builder(8).flags(IORING_SETUP_IOPOLL | extra))
}

/// Writes one aligned block of `seed` at `off` and reads it back through
/// `r`, checking the bytes.
fn write_read_block(r: &mut CheckedRing, fd: i32, off: u64, seed: u8) -> CaseResult {
    // Leaked: the ring outlives this call.
    let w: &'static AlignedBuf = Box::leak(Box::new(AlignedBuf::new(BLK)));
    w.io().write(0, &pattern(BLK, seed));
    let rd: &'static AlignedBuf = Box::leak(Box::new(AlignedBuf::new(BLK)));
    r.run_expect(&[Sqe::write_io(fd, w.io(), off).user_data(1)], &[cqe(1, BLK as i32)])?;
    r.run_expect(&[Sqe::read(fd, rd.io(), off).user_data(2)], &[cqe(2, BLK as i32)])?;
    check!(rd.io().to_vec() == w.io().to_vec(), "the block read back differs from the one written");
    Ok(())
}

const POLL_VARIANTS: &[Variant] = &[Variant::Default, Variant::Sqpoll, Variant::DeferTaskrun];

case! {
    id: "direct/odirect-write-then-read",
    summary: "WRITE then READ of an aligned 4 KiB block on an O_DIRECT file return 4096 each and the bytes match",
    requires: [OpRead, OpWrite, EnvODirect],
    variants: variants::DELIVERY,
    refs: ["open(2): O_DIRECT", "io_uring_enter(2): IORING_OP_READ, IORING_OP_WRITE", "claim:enter.op.read-write"],
    run: |cx| {
        let f = DirectFile::create()?;
        let mut r = cx.ring()?;
        write_read_block(&mut r, f.fd(), 0, 3)?;
        check_eq!(f.content()?, pattern(BLK, 3), "file content read back without O_DIRECT");
        Ok(())
    },
}

case! {
    id: "direct/odirect-read-fixed",
    summary: "READ_FIXED into a registered aligned buffer from an O_DIRECT file returns the block",
    requires: [OpReadFixed, OpWrite, RegBuffers, EnvODirect],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_read_fixed(3)", "open(2): O_DIRECT"],
    run: |cx| {
        let f = DirectFile::create()?;
        let w = AlignedBuf::new(BLK);
        w.io().write(0, &pattern(BLK, 8));
        let rd = AlignedBuf::new(BLK);
        let mut r = cx.ring()?;
        r.register_buffers(&[rd.io()])?;
        r.run_expect(&[Sqe::write_io(f.fd(), w.io(), 0).user_data(1)], &[cqe(1, BLK as i32)])?;
        r.run_expect(&[Sqe::read_fixed(f.fd(), rd.io().as_ptr(), BLK as u32, 0, 0).user_data(2)], &[cqe(2, BLK as i32)])?;
        check!(rd.io().to_vec() == w.io().to_vec(), "the block read back differs");
        Ok(())
    },
}

case! {
    id: "direct/odirect-misaligned-buffer-einval",
    summary: "an O_DIRECT READ into a buffer off the logical-block alignment completes with -EINVAL (block file system)",
    requires: [OpRead, EnvODirect, EnvODirectBdev],
    variants: variants::DEFAULT,
    refs: ["open(2) O_DIRECT: misaligned user buffer -> EINVAL (file-system specific; ext4/xfs via iomap)"],
    run: |cx| {
        let f = DirectFile::create()?;
        let w = AlignedBuf::new(BLK);
        let b;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write_io(f.fd(), w.io(), 0).user_data(1)], &[cqe(1, BLK as i32)])?;
        b = AlignedBuf::new(2 * BLK);
        r.run_expect(&[Sqe::read(f.fd(), b.io().range(1..BLK + 1), 0).user_data(2)], &[cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "direct/iopoll-buffered-file-eopnotsupp",
    summary: "on an IOPOLL ring, a READ of a file not opened with O_DIRECT completes with -EOPNOTSUPP",
    requires: [SetupIopoll, OpRead],
    variants: POLL_VARIANTS,
    refs: ["io_uring_setup(2) IORING_SETUP_IOPOLL: 'only for file descriptors opened using O_DIRECT'", "io_uring/rw.c io_rw_init_file: IOPOLL without IOCB_DIRECT or ->iopoll -> -EOPNOTSUPP", "claim:setup.iopoll.odirect-only"],
    run: |cx| {
        let f = TempFile::with_content(b"buffered")?;
        let buf = IoBuf::new(8);
        let mut r = iopoll_ring(cx, 0)?;
        r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

case! {
    id: "direct/iopoll-nullb-write-read",
    summary: "on an IOPOLL ring, WRITE then READ of a block on a polled null_blk device return 4096 and the bytes match",
    requires: [SetupIopoll, OpRead, OpWrite, EnvNullBlkPoll],
    variants: POLL_VARIANTS,
    refs: ["io_uring_setup(2): IORING_SETUP_IOPOLL", "Documentation/block/null_blk.rst: poll_queues, memory_backed", "claim:setup.iopoll.polled-io"],
    run: |cx| {
        let fd = nullb()?;
        let mut r = iopoll_ring(cx, 0)?;
        write_read_block(&mut r, fd.as_raw_fd(), 8 * BLK as u64, 6)
    },
}

case! {
    id: "direct/nullb-misaligned-buffer-einval",
    summary: "an O_DIRECT READ of the block device into a misaligned buffer completes with -EINVAL",
    requires: [OpRead, EnvNullBlkPoll],
    variants: variants::DEFAULT,
    refs: ["open(2) O_DIRECT: EINVAL on misalignment", "block/fops.c blkdev_direct_IO: buffer not aligned to the logical block size -> -EINVAL"],
    run: |cx| {
        let fd = nullb()?;
        let b = AlignedBuf::new(2 * BLK);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(fd.as_raw_fd(), b.io().range(1..BLK + 1), 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "direct/hybrid-iopoll-nullb",
    summary: "on a HYBRID_IOPOLL ring, WRITE then READ of a polled null_blk device complete with 4096 and the bytes match",
    requires: [SetupIopoll, SetupHybridIopoll, OpRead, OpWrite, EnvNullBlkPoll],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_HYBRID_IOPOLL (sleep first, then poll)", "claim:setup.iopoll.polled-io"],
    run: |cx| {
        let fd = nullb()?;
        let mut r = iopoll_ring(cx, IORING_SETUP_HYBRID_IOPOLL)?;
        write_read_block(&mut r, fd.as_raw_fd(), 16 * BLK as u64, 7)
    },
}

case! {
    id: "direct/iopoll-min-complete-zero-polls-once",
    summary: "on an IOPOLL ring, a GETEVENTS enter with min_complete 0 returns 0 and reaps a polled null_blk READ in flight (one non-spinning pass); with a CQE already pending it returns 0 without polling, the second READ staying in flight until the next such enter",
    requires: [SetupIopoll, OpRead, OpWrite, EnvNullBlkPoll],
    // Under SQPOLL the poller thread reaps and enter only waits.
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: [
        "io_uring_enter(2) IORING_SETUP_IOPOLL: min_complete 0 returns the events already complete, without blocking",
        "io_uring/io_uring.c io_iopoll_check: events already in the CQ -> return 0 before polling; else io_do_iopoll(ctx, !min_events) at least once (force_nonspin with min 0)",
        "drivers/block/null_blk/main.c: a poll-queue request completes only in null_poll, all pending at once",
        "claim:enter.iopoll.min-complete-zero",
    ],
    run: |cx| {
        let fd = nullb()?;
        let fd = fd.as_raw_fd();
        let w;
        let (a, b);
        let mut r = iopoll_ring(cx, 0)?;
        let off = 24 * BLK as u64;
        w = AlignedBuf::new(BLK);
        w.io().write(0, &pattern(BLK, 9));
        r.run_expect(&[Sqe::write_io(fd, w.io(), off).user_data(1)], &[cqe(1, BLK as i32)])?;
        (a, b) = (AlignedBuf::new(BLK), AlignedBuf::new(BLK));
        r.push_all(&[Sqe::read(fd, a.io(), off).user_data(2)])?;
        r.publish();
        check_eq!(r.enter_flags(1, 0, 0), Ok(1), "a submit-only enter of READ 2");
        check_eq!(r.cq_ready(), 0, "CQEs after the submit-only enter (a polled READ completes only when polled)");
        check_eq!(r.enter_flags(0, 0, IORING_ENTER_GETEVENTS), Ok(0), "GETEVENTS enter, min_complete 0, READ 2 in flight");
        check_eq!(r.cq_ready(), 1, "CQEs after it (its one poll pass reaped READ 2)");
        // READ 2's CQE stays in the CQ, unconsumed.
        r.push_all(&[Sqe::read(fd, b.io(), off).user_data(3)])?;
        r.publish();
        check_eq!(r.enter_flags(1, 0, 0), Ok(1), "a submit-only enter of READ 3");
        check_eq!(r.enter_flags(0, 0, IORING_ENTER_GETEVENTS), Ok(0), "GETEVENTS enter, min_complete 0, a CQE pending and READ 3 in flight");
        check_eq!(r.cq_ready(), 1, "CQEs after it (a pending CQE: no poll, READ 3 still in flight)");
        let first: Vec<_> = std::iter::from_fn(|| r.pop()).collect();
        check_cqes(&first, &[cqe(2, BLK as i32)])?;
        check_eq!(r.enter_flags(0, 0, IORING_ENTER_GETEVENTS), Ok(0), "GETEVENTS enter, min_complete 0, CQ empty and READ 3 in flight");
        check_eq!(r.cq_ready(), 1, "CQEs after it (its poll pass reaped READ 3)");
        r.expect(&[cqe(3, BLK as i32)])?;
        check!(a.io().to_vec() == w.io().to_vec() && b.io().to_vec() == w.io().to_vec(), "the blocks read back differ from the one written");
        Ok(())
    },
}
