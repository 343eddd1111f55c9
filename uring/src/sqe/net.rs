//! Socket requests, socket commands and MSG_RING.

use super::Sqe;
use crate::sys::*;

impl Sqe {
    // ------------------------------------------------- sockets

    pub fn bind(fd: i32, sa: &libc::sockaddr_in) -> Sqe {
        Sqe::rw(IORING_OP_BIND, fd, sa as *const _ as u64, 0, std::mem::size_of::<libc::sockaddr_in>() as u64)
    }
    pub fn listen(fd: i32, backlog: u32) -> Sqe {
        Sqe::rw(IORING_OP_LISTEN, fd, 0, backlog, 0)
    }
    pub fn connect(fd: i32, sa: &libc::sockaddr_in) -> Sqe {
        Sqe::rw(IORING_OP_CONNECT, fd, sa as *const _ as u64, 0, std::mem::size_of::<libc::sockaddr_in>() as u64)
    }
    /// SENDMSG (or SENDMSG_ZC: `op`) of one msghdr.
    pub fn sendmsg_op(op: u8, fd: i32, m: &libc::msghdr) -> Sqe {
        Sqe::rw(op, fd, m as *const _ as u64, 1, 0)
    }
    pub fn recvmsg(fd: i32, m: &mut libc::msghdr) -> Sqe {
        Sqe::rw(IORING_OP_RECVMSG, fd, m as *mut _ as u64, 1, 0)
    }
    pub fn shutdown(fd: i32, how: i32) -> Sqe {
        Sqe::rw(IORING_OP_SHUTDOWN, fd, 0, how as u32, 0)
    }
    /// URING_CMD (or URING_CMD128: `opcode`) `cmd_op` on `fd`, with an
    /// empty command area.
    pub fn uring_cmd(opcode: u8, fd: i32, cmd_op: u32) -> Sqe {
        Sqe::rw(opcode, fd, 0, 0, cmd_op as u64)
    }
    /// URING_CMD BLOCK_URING_CMD_DISCARD on a block device
    /// (io_uring_prep_cmd_discard(3)): `nbytes` at `offset`, in `addr` and
    /// `addr3`.
    pub fn blk_discard(fd: i32, offset: u64, nbytes: u64) -> Sqe {
        Sqe::rw(IORING_OP_URING_CMD, fd, offset, 0, BLOCK_URING_CMD_DISCARD as u64).addr3(nbytes)
    }
    /// URING_CMD `cmd_op` on a socket (io_uring/cmd_net.c): level and
    /// optname share `addr`, optlen is in `file_index`, optval in `addr3`.
    pub fn sock_cmd(opcode: u8, fd: i32, cmd_op: u32, level: i32, optname: i32, optval: *mut i32) -> Sqe {
        let addr = (level as u32 as u64) | ((optname as u32 as u64) << 32);
        Sqe::rw(opcode, fd, addr, 0, cmd_op as u64).file_index(4).addr3(optval as u64)
    }

    /// URING_CMD SOCKET_URING_OP_GETSOCKNAME (io_uring_prep_cmd_getsockname(3)):
    /// the address goes to `addr`, its length in and out through `len`
    /// (addr3); `peer` asks for the peer's address (the optlen field).
    pub fn cmd_getsockname(opcode: u8, fd: i32, addr: *mut libc::sockaddr, len: *mut libc::socklen_t, peer: bool) -> Sqe {
        Sqe::rw(opcode, fd, addr as u64, 0, SOCKET_URING_OP_GETSOCKNAME as u64).file_index(peer as u32).addr3(len as u64)
    }

    // ------------------------------------------------- msg_ring

    /// MSG_RING IORING_MSG_SEND_FD: registered slot `src` of this ring into
    /// slot `dst` of ring `fd`, posting `user_data` there.
    pub fn msg_ring_send_fd(fd: i32, src: u32, dst: u32, user_data: u64) -> Sqe {
        let mut s = Sqe::msg_ring_data(fd, 0, user_data).addr3(src as u64).file_index(dst + 1);
        s.raw.addr = IORING_MSG_SEND_FD;
        s
    }
    /// The destination of a SEND or SEND_ZC on an unconnected socket
    /// (io_uring_prep_send_set_addr(3): the address in addr2, its length in
    /// addr_len, the low half of the file_index union).
    pub fn dest(mut self, to: &libc::sockaddr_in) -> Sqe {
        self.raw.off = to as *const _ as u64;
        self.raw.file_index = std::mem::size_of::<libc::sockaddr_in>() as u32;
        self
    }
}
