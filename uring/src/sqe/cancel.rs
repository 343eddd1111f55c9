//! Cancellation keys.

use super::Sqe;
use crate::sys::*;

/// What an ASYNC_CANCEL or an IORING_REGISTER_SYNC_CANCEL matches, in the
/// style of the io-uring crate's CancelBuilder: one key to start with
/// (user_data, the default; an fd; an opcode; any), more keys ANDed with
/// the `and_` forms, and [`CancelKey::all`] for every match instead of the
/// first (io_uring_prep_cancel(3), io_uring/cancel.c io_cancel_req_match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelKey {
    /// IORING_ASYNC_CANCEL_* bits.
    pub flags: u32,
    pub user_data: u64,
    pub fd: i32,
    pub opcode: u8,
}

impl CancelKey {
    /// The request with `user_data` (the key without a flag).
    pub fn user_data(user_data: u64) -> CancelKey {
        CancelKey { flags: 0, user_data, fd: -1, opcode: 0 }
    }
    /// Any request (IORING_ASYNC_CANCEL_ANY).
    pub fn any() -> CancelKey {
        CancelKey { flags: IORING_ASYNC_CANCEL_ANY, ..CancelKey::user_data(0) }
    }
    /// Requests on file `fd` (IORING_ASYNC_CANCEL_FD).
    pub fn fd(fd: i32) -> CancelKey {
        CancelKey { flags: IORING_ASYNC_CANCEL_FD, fd, ..CancelKey::user_data(0) }
    }
    /// Requests on registered file `slot` (FD | FD_FIXED).
    pub fn fixed_fd(slot: u32) -> CancelKey {
        CancelKey { flags: IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED, fd: slot as i32, ..CancelKey::user_data(0) }
    }
    /// Requests with `opcode` (IORING_ASYNC_CANCEL_OP, the opcode in `len`).
    pub fn opcode(opcode: u8) -> CancelKey {
        CancelKey { flags: IORING_ASYNC_CANCEL_OP, opcode, ..CancelKey::user_data(0) }
    }
    /// And whose user_data is `user_data` (IORING_ASYNC_CANCEL_USERDATA).
    pub fn and_user_data(mut self, user_data: u64) -> CancelKey {
        self.flags |= IORING_ASYNC_CANCEL_USERDATA;
        self.user_data = user_data;
        self
    }
    /// Every match, not only the first; the result counts them.
    pub fn all(mut self) -> CancelKey {
        self.flags |= IORING_ASYNC_CANCEL_ALL;
        self
    }
    /// Flag bits as given (the probe's detections, bits a case sends on
    /// purpose as unknown).
    pub fn with_flags(mut self, flags: u32) -> CancelKey {
        self.flags |= flags;
        self
    }
    /// The ASYNC_CANCEL request.
    pub fn sqe<'buf>(self) -> Sqe<'buf> {
        let mut s = Sqe::rw(IORING_OP_ASYNC_CANCEL, self.fd, self.user_data, self.opcode as u32, 0);
        s.raw.op_flags = self.flags;
        s
    }
    /// The IORING_REGISTER_SYNC_CANCEL argument, waiting at most `timeout`
    /// ({-1, -1}: for ever).
    pub fn sync_reg(self, timeout: __kernel_timespec) -> io_uring_sync_cancel_reg {
        io_uring_sync_cancel_reg { addr: self.user_data, fd: self.fd, flags: self.flags, timeout, opcode: self.opcode, ..Default::default() }
    }
}
