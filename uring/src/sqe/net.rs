//! Socket requests, socket commands and MSG_RING.

use super::Sqe;
use crate::buf::IoCell;
use crate::sys::*;

impl<'buf> Sqe<'buf> {
    // ------------------------------------------------- sockets

    pub fn bind(fd: i32, sa: &'buf libc::sockaddr_in) -> Self {
        Sqe::rw(IORING_OP_BIND, fd, sa as *const _ as u64, 0, std::mem::size_of::<libc::sockaddr_in>() as u64)
    }
    pub fn listen(fd: i32, backlog: u32) -> Self {
        Sqe::rw(IORING_OP_LISTEN, fd, 0, backlog, 0)
    }
    pub fn connect(fd: i32, sa: &'buf libc::sockaddr_in) -> Self {
        Sqe::rw(IORING_OP_CONNECT, fd, sa as *const _ as u64, 0, std::mem::size_of::<libc::sockaddr_in>() as u64)
    }
    /// SENDMSG (or SENDMSG_ZC: `op`) of one msghdr.
    ///
    /// # Safety
    /// The memory `m` points to (name, iovecs and their buffers, control)
    /// is valid for reads for `'buf` (or deliberately invalid).
    pub unsafe fn sendmsg_op(op: u8, fd: i32, m: &'buf libc::msghdr) -> Self {
        Sqe::untracked(Sqe::rw(op, fd, m as *const _ as u64, 1, 0))
    }
    /// RECVMSG of one msghdr (the kernel writes its lengths and flags).
    ///
    /// # Safety
    /// `m` and the memory it points to (name, iovecs' buffers, control)
    /// are valid for writes for `'buf` and only read through raw pointers,
    /// [`crate::IoBuf`]s or [`IoCell`]s meanwhile.
    pub unsafe fn recvmsg(fd: i32, m: &'buf IoCell<libc::msghdr>) -> Self {
        Sqe::untracked(Sqe::rw(IORING_OP_RECVMSG, fd, m.as_ptr() as u64, 1, 0).lend(m.lent()))
    }
    pub fn shutdown(fd: i32, how: i32) -> Self {
        Sqe::rw(IORING_OP_SHUTDOWN, fd, 0, how as u32, 0)
    }
    /// URING_CMD (or URING_CMD128: `opcode`) `cmd_op` on `fd`, with an
    /// empty command area.
    pub fn uring_cmd(opcode: u8, fd: i32, cmd_op: u32) -> Self {
        Sqe::rw(opcode, fd, 0, 0, cmd_op as u64)
    }
    /// URING_CMD BLOCK_URING_CMD_DISCARD on a block device
    /// (io_uring_prep_cmd_discard(3)): `nbytes` at `offset`, in `addr` and
    /// `addr3`.
    pub fn blk_discard(fd: i32, offset: u64, nbytes: u64) -> Self {
        let s = Sqe::rw(IORING_OP_URING_CMD, fd, offset, 0, BLOCK_URING_CMD_DISCARD as u64);
        // SAFETY: a length, not an address, for BLOCK_URING_CMD_DISCARD
        // (no other driver's uring_cmd takes that command number).
        unsafe { s.addr3(nbytes) }
    }
    /// URING_CMD `cmd_op` on a socket (io_uring/cmd_net.c): level and
    /// optname share `addr`, optlen is in `file_index`, optval in `addr3`.
    ///
    /// # Safety
    /// `cmd_op` and `fd` may be any command and file, so `optval` is valid
    /// for reads and writes of 4 bytes for `'buf` (or deliberately
    /// invalid), and `addr` is not read as an address by that command.
    pub unsafe fn sock_cmd(opcode: u8, fd: i32, cmd_op: u32, level: i32, optname: i32, optval: *mut i32) -> Self {
        Sqe::untracked({
            let addr = (level as u32 as u64) | ((optname as u32 as u64) << 32);
            // SAFETY: the caller's contract.
            unsafe { Sqe::rw(opcode, fd, addr, 0, cmd_op as u64).file_index(4).addr3(optval as u64) }
        })
    }

    /// URING_CMD SOCKET_URING_OP_GETSOCKNAME (io_uring_prep_cmd_getsockname(3)):
    /// the address goes to `addr`, its length in and out through `len`
    /// (addr3); `peer` asks for the peer's address (the optlen field).
    ///
    /// # Safety
    /// `addr` (as many bytes as `*len` says) and `len` are valid for
    /// writes for `'buf` and only read through raw pointers or
    /// [`IoCell`]s meanwhile (or deliberately invalid).
    pub unsafe fn cmd_getsockname(opcode: u8, fd: i32, addr: *mut libc::sockaddr, len: *mut libc::socklen_t, peer: bool) -> Self {
        Sqe::untracked({
            // SAFETY: the caller's contract.
            unsafe { Sqe::rw(opcode, fd, addr as u64, 0, SOCKET_URING_OP_GETSOCKNAME as u64).file_index(peer as u32).addr3(len as u64) }
        })
    }

    // ------------------------------------------------- msg_ring

    /// MSG_RING IORING_MSG_SEND_FD: registered slot `src` of this ring into
    /// slot `dst` of ring `fd`, posting `user_data` there.
    pub fn msg_ring_send_fd(fd: i32, src: u32, dst: u32, user_data: u64) -> Self {
        // SAFETY: a slot number, not an address, for MSG_RING.
        let mut s = unsafe { Sqe::msg_ring_data(fd, 0, user_data).addr3(src as u64) }.file_index(dst + 1);
        s.raw.addr = IORING_MSG_SEND_FD;
        s
    }
    /// The destination of a SEND or SEND_ZC on an unconnected socket
    /// (io_uring_prep_send_set_addr(3): the address in addr2, its length in
    /// addr_len, the low half of the file_index union).
    /// [`Sqe::dest`] from an [`IoCell`], for a case that rewrites the
    /// address after the submit.
    pub fn dest_cell(mut self, to: &'buf IoCell<libc::sockaddr_in>) -> Self {
        self.raw.off = to.as_ptr() as u64;
        self.raw.file_index = std::mem::size_of::<libc::sockaddr_in>() as u32;
        self.lend(to.lent())
    }
    pub fn dest(mut self, to: &'buf libc::sockaddr_in) -> Self {
        self.raw.off = to as *const _ as u64;
        self.raw.file_index = std::mem::size_of::<libc::sockaddr_in>() as u32;
        self
    }
}
