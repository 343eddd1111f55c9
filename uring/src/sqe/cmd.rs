//! Requests that carry commands: big-CQE NOPs, ublk driver commands, and the fused-command proposal's pair.

use super::Sqe;
use crate::sys::*;

impl<'buf> Sqe<'buf> {
    // ------------------------------------------------- big CQEs

    /// A NOP whose CQE carries big words [`big0`, `big1`]
    /// (IORING_NOP_CQE32: the words come from `off` and `addr`).
    pub fn nop_cqe32(big0: u64, big1: u64) -> Self {
        let mut s = Sqe::nop();
        s.raw.op_flags = IORING_NOP_CQE32;
        s.raw.off = big0;
        s.raw.addr = big1;
        s
    }

    // ------------------------------------------------- ublk (driver commands)

    /// A uring_cmd SQE carrying `struct ublksrv_io_cmd` {q_id, tag, result,
    /// addr} in its command area (bytes 48..64).
    ///
    /// # Safety
    /// `fd` and `cmd_op` may name any driver's command, whose addr3 could
    /// be an address: the caller makes sure `fd` is the ublk char device
    /// (or a file that refuses the command).
    pub unsafe fn ublk_io_cmd(opcode: u8, fd: i32, cmd_op: u32, tag: u16, result: i32) -> Self {
        Sqe::untracked({
            let mut s = Sqe::uring_cmd(opcode, fd, cmd_op);
            s.raw.addr3 = (tag as u64) << 16 | (result as u32 as u64) << 32;
            s
        })
    }
    /// A ublk control command on an SQE128 ring: `struct ublksrv_ctrl_cmd`
    /// {dev_id u32, queue_id u16 (all), len u16 | addr | data[0] | ...} in
    /// the command area, which runs into the second 64 bytes.
    ///
    /// # Safety
    /// `addr` (`len` bytes) is valid for what `cmd_op` does with it for
    /// `'buf`, and `fd` is the ublk control device (or refuses `cmd_op`).
    pub unsafe fn ublk_ctrl_cmd(fd: i32, cmd_op: u32, dev_id: u32, addr: u64, len: u16, data0: u64) -> Self {
        Sqe::untracked({
            let mut s = Sqe::uring_cmd(IORING_OP_URING_CMD, fd, cmd_op);
            s.raw.addr3 = dev_id as u64 | (u16::MAX as u64) << 32 | (len as u64) << 48;
            s.raw.pad2 = addr;
            s.ext[..8].copy_from_slice(&data0.to_ne_bytes());
            s
        })
    }

    // ------------------------------------------------- fused commands (proposal)

    /// The primary of a fused pair (fused command V6, unmerged):
    /// UBLK_IO_FUSED_SUBMIT_IO for `tag` on the ublk char device, lending the
    /// request's buffer (IORING_FUSED_CMD_BUF) to the `nr_secondary` SQEs
    /// that follow it (in the buf_index slot).
    ///
    /// # Safety
    /// As [`Sqe::ublk_io_cmd`].
    pub unsafe fn fused_primary(cdev: i32, tag: u16, nr_secondary: u16) -> Self {
        Sqe::untracked({
            use fused_v6::{IORING_FUSED_CMD_BUF, IORING_OP_FUSED_CMD, UBLK_IO_FUSED_SUBMIT_IO};
            // SAFETY: the caller's contract.
            let mut s = unsafe { Sqe::ublk_io_cmd(IORING_OP_FUSED_CMD, cdev, UBLK_IO_FUSED_SUBMIT_IO, tag, 0) };
            s.raw.op_flags = IORING_FUSED_CMD_BUF;
            s.raw.buf_index = nr_secondary;
            s
        })
    }
    /// A secondary of a fused pair moving `len` bytes between `fd` at `off`
    /// and the lent buffer at `buf_off`.
    ///
    /// # Safety
    /// `opcode` may be any op: on a kernel without the fused series (or
    /// outside a fused pair) `buf_off` is read as a plain address, so it is
    /// valid for what `opcode` does with it for `'buf` (or invalid).
    pub unsafe fn fused_secondary(opcode: u8, fd: i32, buf_off: u64, len: u32, off: u64) -> Self {
        Sqe::untracked(Sqe::rw(opcode, fd, buf_off, len, off))
    }
}
