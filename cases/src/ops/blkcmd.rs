//! URING_CMD on a block device (block/ioctl.c blkdev_uring_cmd, 6.12):
//! BLOCK_URING_CMD_DISCARD, on the run's memory-backed null_blk device
//! that takes discard (made through configfs, env.nullblk_discard).
//!
//! References: io_uring_prep_cmd_discard(3) (success is res 0, an error a
//! negative errno); block/ioctl.c blkdev_cmd_discard (no discard support
//! -EOPNOTSUPP, a file not open for writing -EBADF, a range off the
//! logical block size or past the end -EINVAL);
//! drivers/block/null_blk/main.c (a discarded sector of a memory-backed
//! device is freed and reads back as zeroes).

use crate::prelude::*;
use fixtures::AlignedBuf;
use std::os::fd::{AsRawFd, OwnedFd};

const BLK: usize = 4096;

/// The run's null_blk device that takes discard, opened O_DIRECT with `mode`.
fn discard_dev(mode: i32) -> Result<OwnedFd, oracle::CaseError> {
    let dev = std::env::var(oracle::envsetup::NULLB_DISCARD_ENV)
        .map_err(|_| oracle::CaseError::Error(format!("{} is not set", oracle::envsetup::NULLB_DISCARD_ENV)))?;
    Ok(fixtures::open(std::path::Path::new(&dev), mode | libc::O_DIRECT)?)
}

case! {
    id: "ops/uring_cmd/blk-discard",
    summary: "URING_CMD BLOCK_URING_CMD_DISCARD of one 4 KiB block completes with 0; that block reads back as zeroes, the next one is untouched",
    requires: [OpUringCmd, OpflagUringCmdBlkDiscard, OpRead, OpWrite, EnvNullBlkDiscard],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_prep_cmd_discard(3): res 0 on success",
        "block/ioctl.c blkdev_cmd_discard",
        "drivers/block/null_blk/main.c: null_handle_discard frees the sectors of a memory-backed device; a missing page reads as zeroes",
        "claim:prep.cmd-discard",
    ],
    // One device for the whole run: the variants write, discard and read
    // the same blocks, so they must not overlap (a sibling's write landing
    // between this discard and this read reads back as its pattern).
    serial: true,
    run: |cx| {
        let fd = discard_dev(libc::O_RDWR)?;
        let fd = fd.as_raw_fd();
        let off = 8 * BLK as u64;
        let w = AlignedBuf::new(2 * BLK);
        w.io().write(0, &pattern(2 * BLK, 5));
        let rd = AlignedBuf::new(2 * BLK);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write_io(fd, w.io(), off).user_data(1)], &[cqe(1, 2 * BLK as i32)])?;
        r.run_expect(&[Sqe::blk_discard(fd, off, BLK as u64).user_data(2)], &[cqe(2, 0)])?;
        r.run_expect(&[Sqe::read(fd, rd.io(), off).user_data(3)], &[cqe(3, 2 * BLK as i32)])?;
        check!(rd.io().read(..BLK).iter().all(|&b| b == 0), "the discarded block does not read back as zeroes");
        check!(rd.io().read(BLK..) == w.io().read(BLK..), "the block after the discarded range changed");
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/blk-discard-readonly-ebadf",
    summary: "BLOCK_URING_CMD_DISCARD on a block device opened read-only completes with -EBADF",
    requires: [OpUringCmd, OpflagUringCmdBlkDiscard, EnvNullBlkDiscard],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_cmd_discard(3): a negative errno on error", "block/ioctl.c blkdev_cmd_discard: not BLK_OPEN_WRITE -> -EBADF"],
    run: |cx| {
        let fd = discard_dev(libc::O_RDONLY)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::blk_discard(fd.as_raw_fd(), 0, BLK as u64).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/uring_cmd/blk-discard-misaligned-einval",
    summary: "BLOCK_URING_CMD_DISCARD at an offset (512) or of a length (512) off the 4 KiB logical block size, or past the end of the device, completes with -EINVAL",
    requires: [OpUringCmd, OpflagUringCmdBlkDiscard, EnvNullBlkDiscard],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_cmd_discard(3): a negative errno on error", "block/ioctl.c blkdev_cmd_discard -> blk_validate_byte_range: (start | len) off the logical block size, or start + len past the end -> -EINVAL"],
    run: |cx| {
        let dev = discard_dev(libc::O_RDWR)?;
        let fd = dev.as_raw_fd();
        // The device's size: lseek(2) to its end (what BLKGETSIZE64 says).
        let size = rustix::fs::seek(&dev, rustix::fs::SeekFrom::End(0)).map_err(|e| oracle::CaseError::Error(format!("fixture: lseek to the end: {e}")))?;
        let mut r = cx.ring()?;
        r.run_expect(
            &[
                Sqe::blk_discard(fd, 512, BLK as u64).user_data(1),
                Sqe::blk_discard(fd, 0, 512).user_data(2),
                Sqe::blk_discard(fd, size - BLK as u64, 2 * BLK as u64).user_data(3),
            ],
            &[cqe(1, -libc::EINVAL), cqe(2, -libc::EINVAL), cqe(3, -libc::EINVAL)],
        )?;
        Ok(())
    },
}
