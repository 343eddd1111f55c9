//! Every SQE encoding the suite submits: one named builder per request,
//! so a case says what it asks for and the field layout lives here once.
//!
//! # Buffer lifetimes
//! A builder records the addresses of the buffers, paths, iovecs, msghdrs,
//! timespecs and structs it is given; the kernel reads or writes them when
//! it issues the request, which can be after the builder and the submit
//! have returned. The caller keeps every such object alive and unmoved
//! until the request's (last) CQE has been reaped, or until the ring is
//! dropped. Builders take references so the borrow at least covers the
//! build; the rest of the contract is the caller's, as in liburing.
//!
//! # Deliberately malformed SQEs
//! [`Sqe::prep`] and the public `raw`/`ext` fields stay for SQEs a case
//! builds wrong on purpose (a reserved field set, a flag an op refuses);
//! each such use says so where it is written.
//!
//! # References
//! - io_uring_enter(2) (the SQE layout, IOSQE_* flags, per-op fields)
//! - include/uapi/linux/io_uring.h (`struct io_uring_sqe` unions)
//! - liburing's io_uring_prep_* (the same field assignments; names follow
//!   them where they exist)

use crate::sys::*;

/// An SQE under construction: the 64-byte entry plus the second half
/// used by 128-byte SQEs. Named constructors fill what an op needs
/// (buffers: see the module's lifetime contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sqe {
    pub raw: io_uring_sqe,
    /// Bytes 64..128 (only submitted on SQE128 rings).
    pub ext: [u8; 64],
}

impl Sqe {
    /// An SQE with only the opcode set (fd -1, everything else zero).
    pub fn op(opcode: u8) -> Sqe {
        let raw = io_uring_sqe { opcode, fd: -1, ..Default::default() };
        Sqe { raw, ext: [0; 64] }
    }
    pub fn nop() -> Sqe {
        Sqe::op(IORING_OP_NOP)
    }
    /// NOP whose CQE carries `res` (IORING_NOP_INJECT_RESULT, the value in
    /// `len`: io_uring/nop.c).
    pub fn nop_inject(res: i32) -> Sqe {
        let mut s = Sqe::nop();
        s.raw.op_flags = IORING_NOP_INJECT_RESULT;
        s.raw.len = res as u32;
        s
    }
    /// The common layout (io_uring_prep_rw in liburing's terms): `fd`,
    /// `addr`, `len` and `off` (addr2). Only for SQEs a case builds wrong
    /// on purpose (say why at the call); every real request has a named
    /// builder.
    pub fn prep(opcode: u8, fd: i32, addr: u64, len: u32, off: u64) -> Sqe {
        Sqe::rw(opcode, fd, addr, len, off)
    }
    fn rw(opcode: u8, fd: i32, addr: u64, len: u32, off: u64) -> Sqe {
        let mut s = Sqe::op(opcode);
        s.raw.fd = fd;
        s.raw.addr = addr;
        s.raw.len = len;
        s.raw.off = off;
        s
    }
    pub fn read(fd: i32, buf: &mut [u8], off: u64) -> Sqe {
        Sqe::rw(IORING_OP_READ, fd, buf.as_mut_ptr() as u64, buf.len() as u32, off)
    }
    pub fn write(fd: i32, buf: &[u8], off: u64) -> Sqe {
        Sqe::rw(IORING_OP_WRITE, fd, buf.as_ptr() as u64, buf.len() as u32, off)
    }
    pub fn readv(fd: i32, iov: &[libc::iovec], off: u64) -> Sqe {
        Sqe::rw(IORING_OP_READV, fd, iov.as_ptr() as u64, iov.len() as u32, off)
    }
    pub fn writev(fd: i32, iov: &[libc::iovec], off: u64) -> Sqe {
        Sqe::rw(IORING_OP_WRITEV, fd, iov.as_ptr() as u64, iov.len() as u32, off)
    }
    pub fn fsync(fd: i32, fsync_flags: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_FSYNC);
        s.raw.fd = fd;
        s.raw.op_flags = fsync_flags;
        s
    }
    /// POLL_ADD for `events` (poll32_events, little-endian layout).
    pub fn poll_add(fd: i32, events: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_POLL_ADD);
        s.raw.fd = fd;
        s.raw.op_flags = events;
        s
    }
    /// TIMEOUT: fires after `ts` or after `count` other completions.
    pub fn timeout(ts: &__kernel_timespec, count: u64, flags: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_TIMEOUT);
        s.raw.addr = ts as *const _ as u64;
        s.raw.len = 1;
        s.raw.off = count;
        s.raw.op_flags = flags;
        s
    }
    pub fn link_timeout(ts: &__kernel_timespec, flags: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_LINK_TIMEOUT);
        s.raw.addr = ts as *const _ as u64;
        s.raw.len = 1;
        s.raw.op_flags = flags;
        s
    }
    /// ASYNC_CANCEL of the request with `target` user_data (or by the
    /// key `flags` select; [`CancelKey`] names the keys).
    pub fn cancel(target: u64, flags: u32) -> Sqe {
        CancelKey::user_data(target).with_flags(flags).sqe()
    }

    /// TIMEOUT_REMOVE of the timeout with `target` user_data.
    pub fn timeout_remove(target: u64) -> Sqe {
        let mut s = Sqe::op(IORING_OP_TIMEOUT_REMOVE);
        s.raw.addr = target;
        s
    }
    /// TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE: re-arms the timeout with
    /// `target` user_data to `ts` (`flags` adds ABS, a clock, or
    /// IORING_LINK_TIMEOUT_UPDATE for a linked timeout).
    pub fn timeout_update(target: u64, ts: &__kernel_timespec, flags: u32) -> Sqe {
        let mut s = Sqe::timeout_remove(target);
        s.raw.off = ts as *const _ as u64;
        s.raw.op_flags = IORING_TIMEOUT_UPDATE | flags;
        s
    }
    /// POLL_ADD with IORING_POLL_ADD_MULTI (multishot, in `len`).
    pub fn poll_multi(fd: i32, events: u32) -> Sqe {
        let mut s = Sqe::poll_add(fd, events);
        s.raw.len = IORING_POLL_ADD_MULTI;
        s
    }
    /// POLL_REMOVE of the poll with `target` user_data.
    pub fn poll_remove(target: u64) -> Sqe {
        let mut s = Sqe::op(IORING_OP_POLL_REMOVE);
        s.raw.addr = target;
        s
    }
    /// ASYNC_CANCEL keyed by file descriptor (IORING_ASYNC_CANCEL_FD plus
    /// `flags`).
    pub fn cancel_fd(fd: i32, flags: u32) -> Sqe {
        CancelKey::fd(fd).with_flags(flags).sqe()
    }
    /// ASYNC_CANCEL keyed by opcode (IORING_ASYNC_CANCEL_OP, the opcode in
    /// `len`) plus `flags`; `target` is matched too with
    /// IORING_ASYNC_CANCEL_USERDATA.
    pub fn cancel_op(opcode: u8, target: u64, flags: u32) -> Sqe {
        CancelKey { user_data: target, ..CancelKey::opcode(opcode) }.with_flags(flags).sqe()
    }
    /// ACCEPT on a listening socket (no peer address wanted).
    pub fn accept(fd: i32, flags: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_ACCEPT);
        s.raw.fd = fd;
        s.raw.op_flags = flags;
        s
    }
    pub fn recv(fd: i32, buf: &mut [u8], msg_flags: u32) -> Sqe {
        let mut s = Sqe::rw(IORING_OP_RECV, fd, buf.as_mut_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s
    }
    pub fn send(fd: i32, buf: &[u8], msg_flags: u32) -> Sqe {
        let mut s = Sqe::rw(IORING_OP_SEND, fd, buf.as_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s
    }
    /// FUTEX_WAIT on a 32-bit private futex holding `val`
    /// (io_uring/futex.c: flags in `fd`, value in `addr2`, mask in `addr3`).
    pub fn futex_wait(word: &std::sync::atomic::AtomicU32, val: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_FUTEX_WAIT);
        s.raw.fd = (FUTEX2_SIZE_U32 | FUTEX2_PRIVATE) as i32;
        s.raw.addr = word as *const _ as u64;
        s.raw.off = val as u64;
        s.raw.addr3 = FUTEX_BITSET_MATCH_ANY;
        s
    }
    /// FUTEX_WAKE of up to `n` waiters on a 32-bit private futex.
    pub fn futex_wake(word: &std::sync::atomic::AtomicU32, n: u64) -> Sqe {
        let mut s = Sqe::futex_wait(word, 0);
        s.raw.opcode = IORING_OP_FUTEX_WAKE;
        s.raw.off = n;
        s
    }
    /// WAITID for the child `pid` (io_uring/waitid.c: idtype in `len`,
    /// id in `fd`, options in `file_index`, siginfo at `addr2`).
    pub fn waitid(pid: i32, options: u32, info: &mut libc::siginfo_t) -> Sqe {
        let mut s = Sqe::op(IORING_OP_WAITID);
        s.raw.len = libc::P_PID;
        s.raw.fd = pid;
        s.raw.file_index = options;
        s.raw.off = info as *mut _ as u64;
        s
    }
    /// MSG_RING posting a CQE with `res` and `user_data` on the ring `fd`.
    pub fn msg_ring_data(fd: i32, res: u32, user_data: u64) -> Sqe {
        let mut s = Sqe::op(IORING_OP_MSG_RING);
        s.raw.fd = fd;
        s.raw.addr = IORING_MSG_DATA;
        s.raw.len = res;
        s.raw.off = user_data;
        s
    }

    /// OPENAT of `path` (NUL-terminated, kept alive by the caller)
    /// relative to `dirfd`.
    pub fn openat(dirfd: i32, path: &std::ffi::CStr, flags: i32, mode: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_OPENAT);
        s.raw.fd = dirfd;
        s.raw.addr = path.as_ptr() as u64;
        s.raw.op_flags = flags as u32;
        s.raw.len = mode;
        s
    }
    /// Makes an open/accept/socket install a direct descriptor: into
    /// registered slot `slot`, or any free one with IORING_FILE_INDEX_ALLOC
    /// (sqe->file_index holds slot + 1).
    pub fn direct(mut self, slot: u32) -> Sqe {
        self.raw.file_index = if slot == IORING_FILE_INDEX_ALLOC { slot } else { slot + 1 };
        self
    }
    /// CLOSE of the direct descriptor in `slot`.
    pub fn close_direct(slot: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_CLOSE);
        s.raw.fd = 0;
        s.raw.file_index = slot + 1;
        s
    }
    /// SOCKET(domain, type, protocol).
    pub fn socket(domain: i32, ty: i32, protocol: i32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_SOCKET);
        s.raw.fd = domain;
        s.raw.off = ty as u64;
        s.raw.len = protocol as u32;
        s
    }
    /// FIXED_FD_INSTALL of registered slot `slot` as a normal fd
    /// (IOSQE_FIXED_FILE is part of the op).
    pub fn fixed_fd_install(slot: u32, flags: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_FIXED_FD_INSTALL).fixed_file();
        s.raw.fd = slot as i32;
        s.raw.op_flags = flags;
        s
    }
    /// FILES_UPDATE: `fds` into the registered table from `offset`.
    pub fn files_update(fds: &[i32], offset: u32) -> Sqe {
        let mut s = Sqe::op(IORING_OP_FILES_UPDATE);
        s.raw.addr = fds.as_ptr() as u64;
        s.raw.len = fds.len() as u32;
        s.raw.off = offset as u64;
        s
    }

    /// READ_FIXED of `len` bytes at `addr` (inside registered buffer
    /// `index`), from file offset `off`.
    pub fn read_fixed(fd: i32, addr: *mut u8, len: u32, off: u64, index: u16) -> Sqe {
        Sqe::rw(IORING_OP_READ_FIXED, fd, addr as u64, len, off).buf_index(index)
    }
    /// WRITE_FIXED of `len` bytes at `addr` (inside registered buffer
    /// `index`), to file offset `off`.
    pub fn write_fixed(fd: i32, addr: *const u8, len: u32, off: u64, index: u16) -> Sqe {
        Sqe::rw(IORING_OP_WRITE_FIXED, fd, addr as u64, len, off).buf_index(index)
    }
    /// READV_FIXED: `iov` entries inside registered buffer `index`.
    pub fn readv_fixed(fd: i32, iov: &[libc::iovec], off: u64, index: u16) -> Sqe {
        Sqe::rw(IORING_OP_READV_FIXED, fd, iov.as_ptr() as u64, iov.len() as u32, off).buf_index(index)
    }
    /// WRITEV_FIXED: `iov` entries inside registered buffer `index`.
    pub fn writev_fixed(fd: i32, iov: &[libc::iovec], off: u64, index: u16) -> Sqe {
        Sqe::rw(IORING_OP_WRITEV_FIXED, fd, iov.as_ptr() as u64, iov.len() as u32, off).buf_index(index)
    }
    /// SEND_ZC of `buf`; its CQE has IORING_CQE_F_MORE and a notification
    /// CQE (IORING_CQE_F_NOTIF) follows once the buffer is released.
    pub fn send_zc(fd: i32, buf: &[u8], msg_flags: u32) -> Sqe {
        let mut s = Sqe::rw(IORING_OP_SEND_ZC, fd, buf.as_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s
    }

    /// PROVIDE_BUFFERS: `nr` buffers of `len` bytes each from `addr`, ids
    /// `bid..bid+nr`, into group `bgid`.
    pub fn provide_buffers(addr: *mut u8, len: u32, nr: u32, bgid: u16, bid: u16) -> Sqe {
        let mut s = Sqe::op(IORING_OP_PROVIDE_BUFFERS);
        s.raw.fd = nr as i32;
        s.raw.addr = addr as u64;
        s.raw.len = len;
        s.raw.off = bid as u64;
        s.raw.buf_index = bgid;
        s
    }
    /// REMOVE_BUFFERS: up to `nr` buffers from group `bgid`.
    pub fn remove_buffers(nr: u32, bgid: u16) -> Sqe {
        let mut s = Sqe::op(IORING_OP_REMOVE_BUFFERS);
        s.raw.fd = nr as i32;
        s.raw.buf_index = bgid;
        s
    }
    /// A READ of up to `len` bytes into a buffer the kernel selects from
    /// group `bgid` (IOSQE_BUFFER_SELECT; no address).
    pub fn read_select(fd: i32, len: u32, off: u64, bgid: u16) -> Sqe {
        Sqe::rw(IORING_OP_READ, fd, 0, len, off).buffer_select(bgid)
    }
    /// A RECV into a buffer the kernel selects from group `bgid`.
    pub fn recv_select(fd: i32, len: u32, bgid: u16) -> Sqe {
        Sqe::rw(IORING_OP_RECV, fd, 0, len, 0).buffer_select(bgid)
    }
    /// Adds IOSQE_BUFFER_SELECT with buffer group `bgid`.
    pub fn buffer_select(mut self, bgid: u16) -> Sqe {
        self.raw.flags |= IOSQE_BUFFER_SELECT;
        self.raw.buf_index = bgid;
        self
    }

    /// POLL_REMOVE that updates the poll with `target` user_data instead
    /// of removing it: `flags` of IORING_POLL_UPDATE_EVENTS (new `events`)
    /// and IORING_POLL_UPDATE_USER_DATA (`new_ud`), plus
    /// IORING_POLL_ADD_MULTI to keep it multishot.
    pub fn poll_update(target: u64, new_ud: u64, events: u32, flags: u32) -> Sqe {
        let mut s = Sqe::poll_remove(target);
        s.raw.off = new_ud;
        s.raw.len = flags;
        s.raw.op_flags = events;
        s
    }
    /// Multishot ACCEPT (IORING_ACCEPT_MULTISHOT): a CQE per connection.
    pub fn accept_multi(fd: i32, flags: u32) -> Sqe {
        let mut s = Sqe::accept(fd, flags);
        s.raw.ioprio = IORING_ACCEPT_MULTISHOT;
        s
    }
    /// Multishot RECV (IORING_RECV_MULTISHOT) into buffers of group `bgid`.
    pub fn recv_multi(fd: i32, bgid: u16) -> Sqe {
        let mut s = Sqe::recv_select(fd, 0, bgid);
        s.raw.ioprio = IORING_RECV_MULTISHOT;
        s
    }
    /// Multishot RECVMSG into buffers of group `bgid`; `msg` gives the
    /// name and control lengths to reserve (io_uring_recvmsg_out layout).
    pub fn recvmsg_multi(fd: i32, msg: &libc::msghdr, bgid: u16) -> Sqe {
        let mut s = Sqe::rw(IORING_OP_RECVMSG, fd, msg as *const _ as u64, 1, 0).buffer_select(bgid);
        s.raw.ioprio = IORING_RECV_MULTISHOT;
        s
    }
    /// READ_MULTISHOT of a pollable file into buffers of group `bgid`.
    pub fn read_multi(fd: i32, bgid: u16) -> Sqe {
        Sqe::rw(IORING_OP_READ_MULTISHOT, fd, 0, 0, 0).buffer_select(bgid)
    }

    pub fn user_data(mut self, ud: u64) -> Sqe {
        self.raw.user_data = ud;
        self
    }
    /// Adds IOSQE_* bits (to those a builder set: FIXED_FILE, BUFFER_SELECT).
    pub fn with(mut self, f: u8) -> Sqe {
        self.raw.flags |= f;
        self
    }
    /// Clears IOSQE_* bits a builder set (a request built without a flag
    /// its op needs, on purpose).
    pub fn without(mut self, f: u8) -> Sqe {
        self.raw.flags &= !f;
        self
    }
    pub fn link(self) -> Sqe {
        self.with(IOSQE_IO_LINK)
    }
    pub fn hardlink(self) -> Sqe {
        self.with(IOSQE_IO_HARDLINK)
    }
    pub fn drain(self) -> Sqe {
        self.with(IOSQE_IO_DRAIN)
    }
    pub fn skip_success(self) -> Sqe {
        self.with(IOSQE_CQE_SKIP_SUCCESS)
    }
    pub fn async_(self) -> Sqe {
        self.with(IOSQE_ASYNC)
    }
    pub fn fixed_file(self) -> Sqe {
        self.with(IOSQE_FIXED_FILE)
    }
    pub fn personality(mut self, p: u16) -> Sqe {
        self.raw.personality = p;
        self
    }
    pub fn buf_index(mut self, i: u16) -> Sqe {
        self.raw.buf_index = i;
        self
    }
    pub fn ioprio(mut self, p: u16) -> Sqe {
        self.raw.ioprio = p;
        self
    }
    /// The per-op flags word (rw_flags, fsync_flags, statx_flags, ...).
    pub fn op_flags(mut self, f: u32) -> Sqe {
        self.raw.op_flags = f;
        self
    }
    /// The file_index union (splice_fd_in, optlen, file_index, ...),
    /// raw: [`Sqe::direct`] is the slot-numbered form.
    pub fn file_index(mut self, v: u32) -> Sqe {
        self.raw.file_index = v;
        self
    }
    /// The addr3 union (xattr path, optval, futex mask, ...).
    pub fn addr3(mut self, v: u64) -> Sqe {
        self.raw.addr3 = v;
        self
    }

    // ------------------------------------------------- recv/send options

    /// IORING_RECVSEND_BUNDLE: one request over several provided buffers.
    pub fn bundle(mut self) -> Sqe {
        self.raw.ioprio |= IORING_RECVSEND_BUNDLE;
        self
    }
    /// IORING_RECV_MULTISHOT on a RECV/RECVMSG.
    pub fn recv_multishot(mut self) -> Sqe {
        self.raw.ioprio |= IORING_RECV_MULTISHOT;
        self
    }
    /// IORING_RECVSEND_FIXED_BUF: `buf_index` names a registered buffer.
    pub fn fixed_buf(mut self, index: u16) -> Sqe {
        self.raw.ioprio |= IORING_RECVSEND_FIXED_BUF;
        self.raw.buf_index = index;
        self
    }
    /// SEND from a provided buffer of group `bgid` (IOSQE_BUFFER_SELECT).
    pub fn send_select(fd: i32, bgid: u16) -> Sqe {
        Sqe::rw(IORING_OP_SEND, fd, 0, 0, 0).buffer_select(bgid)
    }
    /// The peer address out-parameters of an ACCEPT.
    pub fn accept_addr(mut self, addr: &mut libc::sockaddr_in, len: &mut libc::socklen_t) -> Sqe {
        self.raw.addr = addr as *mut _ as u64;
        self.raw.off = len as *mut _ as u64;
        self
    }

    // ------------------------------------------------- sync and space

    pub fn sync_file_range(fd: i32, off: u64, len: u32, flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_SYNC_FILE_RANGE, fd, 0, len, off).op_flags(flags)
    }
    /// FALLOCATE: mode in `len`, offset in `off`, length in `addr`.
    pub fn fallocate(fd: i32, mode: i32, off: u64, len: u64) -> Sqe {
        Sqe::rw(IORING_OP_FALLOCATE, fd, len, mode as u32, off)
    }
    pub fn fadvise(fd: i32, off: u64, len: u32, advice: i32) -> Sqe {
        Sqe::rw(IORING_OP_FADVISE, fd, 0, len, off).op_flags(advice as u32)
    }
    pub fn madvise(addr: *mut u8, len: u32, advice: i32) -> Sqe {
        Sqe::rw(IORING_OP_MADVISE, -1, addr as u64, len, 0).op_flags(advice as u32)
    }
    /// FTRUNCATE to `len` (in `off`).
    pub fn ftruncate(fd: i32, len: u64) -> Sqe {
        Sqe::rw(IORING_OP_FTRUNCATE, fd, 0, 0, len)
    }

    // ------------------------------------------------- epoll

    /// EPOLL_CTL: op in `len`, target fd in `off`, event at `addr`.
    pub fn epoll_ctl(epfd: i32, op: i32, fd: i32, ev: &libc::epoll_event) -> Sqe {
        Sqe::rw(IORING_OP_EPOLL_CTL, epfd, ev as *const _ as u64, op as u32, fd as u64)
    }
    pub fn epoll_wait(epfd: i32, out: &mut [libc::epoll_event]) -> Sqe {
        Sqe::rw(IORING_OP_EPOLL_WAIT, epfd, out.as_mut_ptr() as u64, out.len() as u32, 0)
    }

    // ------------------------------------------------- files and paths

    /// CLOSE of a plain fd ([`Sqe::close_direct`] for a slot).
    pub fn close(fd: i32) -> Sqe {
        Sqe::rw(IORING_OP_CLOSE, fd, 0, 0, 0)
    }
    /// OPENAT2 with a `struct open_how`.
    pub fn openat2(dirfd: i32, path: &std::ffi::CStr, how: &open_how) -> Sqe {
        Sqe::rw(IORING_OP_OPENAT2, dirfd, path.as_ptr() as u64, std::mem::size_of::<open_how>() as u32, how as *const _ as u64)
    }
    pub fn statx(dirfd: i32, path: &std::ffi::CStr, flags: u32, mask: u32, buf: &mut libc::statx) -> Sqe {
        Sqe::rw(IORING_OP_STATX, dirfd, path.as_ptr() as u64, mask, buf as *mut _ as u64).op_flags(flags)
    }
    /// RENAMEAT relative to the cwd.
    pub fn renameat(old: &std::ffi::CStr, new: &std::ffi::CStr, flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_RENAMEAT, libc::AT_FDCWD, old.as_ptr() as u64, libc::AT_FDCWD as u32, new.as_ptr() as u64).op_flags(flags)
    }
    pub fn unlinkat(path: &std::ffi::CStr, flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_UNLINKAT, libc::AT_FDCWD, path.as_ptr() as u64, 0, 0).op_flags(flags)
    }
    pub fn mkdirat(path: &std::ffi::CStr, mode: u32) -> Sqe {
        Sqe::rw(IORING_OP_MKDIRAT, libc::AT_FDCWD, path.as_ptr() as u64, mode, 0)
    }
    pub fn symlinkat(target: &std::ffi::CStr, link: &std::ffi::CStr) -> Sqe {
        Sqe::rw(IORING_OP_SYMLINKAT, libc::AT_FDCWD, target.as_ptr() as u64, 0, link.as_ptr() as u64)
    }
    pub fn linkat(old: &std::ffi::CStr, new: &std::ffi::CStr, flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_LINKAT, libc::AT_FDCWD, old.as_ptr() as u64, libc::AT_FDCWD as u32, new.as_ptr() as u64).op_flags(flags)
    }
    /// FSETXATTR `name` = `value` on `fd`.
    pub fn fsetxattr(fd: i32, name: &std::ffi::CStr, value: &[u8], flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_FSETXATTR, fd, name.as_ptr() as u64, value.len() as u32, value.as_ptr() as u64).op_flags(flags)
    }
    pub fn fgetxattr(fd: i32, name: &std::ffi::CStr, buf: &mut [u8]) -> Sqe {
        Sqe::rw(IORING_OP_FGETXATTR, fd, name.as_ptr() as u64, buf.len() as u32, buf.as_mut_ptr() as u64)
    }
    /// SETXATTR on a path (in `addr3`).
    pub fn setxattr(path: &std::ffi::CStr, name: &std::ffi::CStr, value: &[u8], flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_SETXATTR, 0, name.as_ptr() as u64, value.len() as u32, value.as_ptr() as u64).op_flags(flags).addr3(path.as_ptr() as u64)
    }
    pub fn getxattr(path: &std::ffi::CStr, name: &std::ffi::CStr, buf: &mut [u8]) -> Sqe {
        Sqe::rw(IORING_OP_GETXATTR, 0, name.as_ptr() as u64, buf.len() as u32, buf.as_mut_ptr() as u64).addr3(path.as_ptr() as u64)
    }

    // ------------------------------------------------- pipes

    /// SPLICE from `fd_in` at `off_in` to `fd_out` at `off_out` (-1: no
    /// offset, for pipes); `fd_in` goes in splice_fd_in.
    pub fn splice(fd_in: i32, off_in: i64, fd_out: i32, off_out: i64, len: u32, flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_SPLICE, fd_out, off_in as u64, len, off_out as u64).op_flags(flags).file_index(fd_in as u32)
    }
    pub fn tee(fd_in: i32, fd_out: i32, len: u32) -> Sqe {
        Sqe::rw(IORING_OP_TEE, fd_out, 0, len, 0).file_index(fd_in as u32)
    }
    /// PIPE into `fds` (pipe2 flags).
    pub fn pipe(fds: &mut [i32; 2], flags: u32) -> Sqe {
        Sqe::rw(IORING_OP_PIPE, 0, fds.as_mut_ptr() as u64, 0, 0).op_flags(flags)
    }

    // ------------------------------------------------- futexes

    pub fn futex_waitv(v: &[futex_waitv]) -> Sqe {
        Sqe::rw(IORING_OP_FUTEX_WAITV, 0, v.as_ptr() as u64, v.len() as u32, 0)
    }

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
    /// URING_CMD `cmd_op` on a socket (io_uring/cmd_net.c): level and
    /// optname share `addr`, optlen is in `file_index`, optval in `addr3`.
    pub fn sock_cmd(opcode: u8, fd: i32, cmd_op: u32, level: i32, optname: i32, optval: *mut i32) -> Sqe {
        let addr = (level as u32 as u64) | ((optname as u32 as u64) << 32);
        Sqe::rw(opcode, fd, addr, 0, cmd_op as u64).file_index(4).addr3(optval as u64)
    }

    // ------------------------------------------------- msg_ring

    /// MSG_RING IORING_MSG_SEND_FD: registered slot `src` of this ring into
    /// slot `dst` of ring `fd`, posting `user_data` there.
    pub fn msg_ring_send_fd(fd: i32, src: u32, dst: u32, user_data: u64) -> Sqe {
        let mut s = Sqe::msg_ring_data(fd, 0, user_data).addr3(src as u64).file_index(dst + 1);
        s.raw.addr = IORING_MSG_SEND_FD;
        s
    }

    // ------------------------------------------------- big CQEs

    /// A NOP whose CQE carries big words [`big0`, `big1`]
    /// (IORING_NOP_CQE32: the words come from `off` and `addr`).
    pub fn nop_cqe32(big0: u64, big1: u64) -> Sqe {
        let mut s = Sqe::nop();
        s.raw.op_flags = IORING_NOP_CQE32;
        s.raw.off = big0;
        s.raw.addr = big1;
        s
    }

    // ------------------------------------------------- ublk (driver commands)

    /// A uring_cmd SQE carrying `struct ublksrv_io_cmd` {q_id, tag, result,
    /// addr} in its command area (bytes 48..64).
    pub fn ublk_io_cmd(opcode: u8, fd: i32, cmd_op: u32, tag: u16, result: i32) -> Sqe {
        let mut s = Sqe::uring_cmd(opcode, fd, cmd_op);
        s.raw.addr3 = (tag as u64) << 16 | (result as u32 as u64) << 32;
        s
    }
    /// A ublk control command on an SQE128 ring: `struct ublksrv_ctrl_cmd`
    /// {dev_id u32, queue_id u16 (all), len u16 | addr | data[0] | ...} in
    /// the command area, which runs into the second 64 bytes.
    pub fn ublk_ctrl_cmd(fd: i32, cmd_op: u32, dev_id: u32, addr: u64, len: u16, data0: u64) -> Sqe {
        let mut s = Sqe::uring_cmd(IORING_OP_URING_CMD, fd, cmd_op);
        s.raw.addr3 = dev_id as u64 | (u16::MAX as u64) << 32 | (len as u64) << 48;
        s.raw.pad2 = addr;
        s.ext[..8].copy_from_slice(&data0.to_ne_bytes());
        s
    }

    // ------------------------------------------------- fused commands (proposal)

    /// The primary of a fused pair (fused command V6, unmerged):
    /// UBLK_IO_FUSED_SUBMIT_IO for `tag` on the ublk char device, lending the
    /// request's buffer (IORING_FUSED_CMD_BUF) to the `nr_secondary` SQEs
    /// that follow it (in the buf_index slot).
    pub fn fused_primary(cdev: i32, tag: u16, nr_secondary: u16) -> Sqe {
        use fused_v6::{IORING_FUSED_CMD_BUF, IORING_OP_FUSED_CMD, UBLK_IO_FUSED_SUBMIT_IO};
        let mut s = Sqe::ublk_io_cmd(IORING_OP_FUSED_CMD, cdev, UBLK_IO_FUSED_SUBMIT_IO, tag, 0);
        s.raw.op_flags = IORING_FUSED_CMD_BUF;
        s.raw.buf_index = nr_secondary;
        s
    }
    /// A secondary of a fused pair moving `len` bytes between `fd` at `off`
    /// and the lent buffer at `buf_off`.
    pub fn fused_secondary(opcode: u8, fd: i32, buf_off: u64, len: u32, off: u64) -> Sqe {
        Sqe::rw(opcode, fd, buf_off, len, off)
    }
}

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
    pub fn sqe(self) -> Sqe {
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

/// Whether a request may post more than one CQE: multishot poll, accept,
/// recv, recvmsg, read and timeout, and the zero-copy sends (a result and
/// a notification).
pub fn posts_several_cqes(s: &io_uring_sqe) -> bool {
    match s.opcode {
        IORING_OP_POLL_ADD => s.len & IORING_POLL_ADD_MULTI != 0,
        IORING_OP_TIMEOUT => s.op_flags & IORING_TIMEOUT_MULTISHOT != 0,
        IORING_OP_ACCEPT => s.ioprio & IORING_ACCEPT_MULTISHOT != 0,
        IORING_OP_RECV | IORING_OP_RECVMSG => s.ioprio & IORING_RECV_MULTISHOT != 0,
        IORING_OP_READ_MULTISHOT | IORING_OP_SEND_ZC | IORING_OP_SENDMSG_ZC => true,
        _ => false,
    }
}
