//! Every SQE encoding the suite submits: one named builder per request,
//! so a case says what it asks for and the field layout lives here once.
//!
//! # Buffer lifetimes: SQEs borrow their memory
//! A builder records the addresses of the buffers, paths, timespecs and
//! structs it is given; the kernel reads or writes them when it issues the
//! request, which can be long after the submit returned (io-wq, a poll
//! that fires later, an SQPOLL thread that reads the SQE later), and only
//! stops at the request's last CQE. So an `Sqe<'buf>` borrows everything
//! it points to for `'buf`, and a [`crate::Ring<'buf>`] only takes SQEs of
//! its own `'buf`: the borrow checker keeps that memory alive (and, for
//! memory the kernel writes, shared and interior-mutable:
//! [`crate::IoBuf`], [`crate::IoCell`]) until the ring is dropped, and the
//! ring's drop waits until no request is in flight.
//!
//! # Leaked rings: lent memory is tracked
//! The borrow ends even if the ring's drop never runs (`std::mem::forget`,
//! an `Rc` cycle). So every [`crate::IoBuf`] and [`crate::IoCell`] a
//! builder is handed, safe builder or unsafe, also travels with the SQE as
//! a [`Lent`] range (at most [`LENT_MAX`] per SQE); the ring records the
//! ranges of each SQE it writes in the registry of lent memory
//! ([`crate::lent`]) and releases them only when its drop finds nothing in
//! flight, and freeing such memory while a range is recorded aborts the
//! process. Raw addresses (`*mut u8`, iovecs, msghdrs, [`Sqe::raw_mut`],
//! [`Sqe::prep`]) are not tracked: they stay the unsafe caller's contract.
//! Plain borrows the kernel only reads (`&[u8]`, paths, timespecs) are not
//! tracked either: a leaked ring can only make the kernel read them after
//! they are freed, never write them.
//!
//! # Raw addresses
//! What cannot be expressed as a borrow (an address inside registered or
//! lent memory, a struct that holds pointers itself: iovecs, msghdrs, a
//! futex_waitv array; an address a case makes invalid on purpose) goes
//! through `unsafe` builders whose `# Safety` section states the contract;
//! [`Sqe::prep`] and [`Sqe::raw_mut`] are the escape hatches for SQEs a case
//! builds wrong on purpose (a reserved field set, a flag an op refuses).
//!
//! # References
//! - io_uring_enter(2) (the SQE layout, IOSQE_* flags, per-op fields)
//! - include/uapi/linux/io_uring.h (`struct io_uring_sqe` unions)
//! - liburing's io_uring_prep_* (the same field assignments; names follow
//!   them where they exist)

use crate::buf::{IoBuf, IoCell};
pub use crate::lent::Lent;
use crate::sys::*;
use std::marker::PhantomData;

mod cancel;
mod cmd;
mod fs;
mod net;

pub use cancel::CancelKey;

/// The most [`IoBuf`]s and [`IoCell`]s one SQE is handed (ACCEPT's address
/// and length).
pub const LENT_MAX: usize = 2;

/// An SQE under construction: the 64-byte entry plus the second half
/// used by 128-byte SQEs. Named constructors fill what an op needs
/// (buffers: see the module's lifetime contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sqe<'buf> {
    raw: io_uring_sqe,
    /// Bytes 64..128 (only submitted on SQE128 rings).
    ext: [u8; 64],
    /// The IoBufs and IoCells the SQE points into (empty ranges unused),
    /// for the registry of lent memory (see the module docs).
    lent: [Lent; LENT_MAX],
    /// Built or changed through an unsafe path: its addresses are the
    /// caller's word, not ranges the registry knows (the ring then treats
    /// its memory as lent: see `Ring`'s drop).
    untracked: bool,
    /// The memory the SQE's addresses point into, borrowed for `'buf`.
    _buf: PhantomData<&'buf ()>,
}

impl<'buf> Sqe<'buf> {
    /// An SQE with only the opcode set (fd -1, everything else zero).
    pub fn op(opcode: u8) -> Self {
        let raw = io_uring_sqe { opcode, fd: -1, ..Default::default() };
        Sqe { raw, ext: [0; 64], lent: [Lent::default(); LENT_MAX], untracked: false, _buf: PhantomData }
    }
    /// The 64-byte entry as it will be submitted.
    pub fn raw(&self) -> &io_uring_sqe {
        &self.raw
    }
    /// The IoBuf and IoCell ranges this SQE was handed (what the ring
    /// records as lent to the kernel when it writes the SQE).
    pub fn lent(&self) -> impl Iterator<Item = Lent> + '_ {
        self.lent.iter().copied().filter(|r| r.len > 0)
    }
    /// Whether an unsafe path built or changed it (addresses the registry
    /// does not know).
    pub fn is_untracked(&self) -> bool {
        self.untracked
    }
    /// Marks an SQE an unsafe builder made.
    fn untracked(mut self) -> Self {
        self.untracked = true;
        self
    }
    /// Records `r` as memory this SQE lends to the kernel.
    fn lend(mut self, r: Lent) -> Self {
        if r.len > 0 && !self.lent.contains(&r) {
            // A builder that takes more than LENT_MAX buffers is a bug here,
            // caught by the builders' own use (never a case's input).
            let slot = self.lent.iter_mut().find(|l| l.len == 0).expect("an SQE lends at most LENT_MAX ranges");
            *slot = r;
        }
        self
    }
    /// Bytes 64..128 (the second half on SQE128 rings).
    pub fn ext(&self) -> &[u8; 64] {
        &self.ext
    }
    /// The entry, to change any field (a reserved field set on purpose).
    ///
    /// # Safety
    /// Every address the changed entry gives the kernel (addr, addr2/off,
    /// addr3, and what they point to) is valid for what the op does with
    /// it for `'buf`, or deliberately invalid (the kernel answers EFAULT
    /// without touching memory it cannot reach).
    pub unsafe fn raw_mut(&mut self) -> &mut io_uring_sqe {
        self.untracked = true;
        &mut self.raw
    }
    /// Bytes 64..128, to change.
    ///
    /// # Safety
    /// As [`Sqe::raw_mut`], for any address the op reads from there.
    pub unsafe fn ext_mut(&mut self) -> &mut [u8; 64] {
        self.untracked = true;
        &mut self.ext
    }
    pub fn nop() -> Self {
        Sqe::op(IORING_OP_NOP)
    }
    /// NOP whose CQE carries `res` (IORING_NOP_INJECT_RESULT, the value in
    /// `len`: io_uring/nop.c).
    pub fn nop_inject(res: i32) -> Self {
        let mut s = Sqe::nop();
        s.raw.op_flags = IORING_NOP_INJECT_RESULT;
        s.raw.len = res as u32;
        s
    }
    /// The common layout (io_uring_prep_rw in liburing's terms): `fd`,
    /// `addr`, `len` and `off` (addr2). Only for SQEs a case builds wrong
    /// on purpose (say why at the call); every real request has a named
    /// builder.
    ///
    /// # Safety
    /// `addr` and `off`, where the op reads them as addresses, point to
    /// memory valid for what the op does with it for `'buf`, or are
    /// deliberately invalid.
    pub unsafe fn prep(opcode: u8, fd: i32, addr: u64, len: u32, off: u64) -> Self {
        Sqe::untracked(Sqe::rw(opcode, fd, addr, len, off))
    }
    fn rw(opcode: u8, fd: i32, addr: u64, len: u32, off: u64) -> Self {
        let mut s = Sqe::op(opcode);
        s.raw.fd = fd;
        s.raw.addr = addr;
        s.raw.len = len;
        s.raw.off = off;
        s
    }
    pub fn read(fd: i32, buf: &'buf IoBuf, off: u64) -> Self {
        Sqe::rw(IORING_OP_READ, fd, buf.as_ptr() as u64, buf.len() as u32, off).lend(buf.lent())
    }
    pub fn write(fd: i32, buf: &'buf [u8], off: u64) -> Self {
        Sqe::rw(IORING_OP_WRITE, fd, buf.as_ptr() as u64, buf.len() as u32, off)
    }
    /// WRITE from an [`IoBuf`] (memory a request may also write: an
    /// O_DIRECT block read back into the same buffer type).
    pub fn write_io(fd: i32, buf: &'buf IoBuf, off: u64) -> Self {
        Sqe::rw(IORING_OP_WRITE, fd, buf.as_ptr() as u64, buf.len() as u32, off).lend(buf.lent())
    }
    /// READV into the buffers `iov` describes.
    ///
    /// # Safety
    /// Every iovec's memory is valid for writes for `'buf` and only read
    /// through raw pointers or [`IoBuf`]s meanwhile (or deliberately
    /// invalid).
    pub unsafe fn readv(fd: i32, iov: &'buf [libc::iovec], off: u64) -> Self {
        Sqe::untracked(Sqe::rw(IORING_OP_READV, fd, iov.as_ptr() as u64, iov.len() as u32, off))
    }
    /// WRITEV from the buffers `iov` describes.
    ///
    /// # Safety
    /// Every iovec's memory is valid for reads for `'buf` (or deliberately
    /// invalid).
    pub unsafe fn writev(fd: i32, iov: &'buf [libc::iovec], off: u64) -> Self {
        Sqe::untracked(Sqe::rw(IORING_OP_WRITEV, fd, iov.as_ptr() as u64, iov.len() as u32, off))
    }
    pub fn fsync(fd: i32, fsync_flags: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_FSYNC);
        s.raw.fd = fd;
        s.raw.op_flags = fsync_flags;
        s
    }
    /// POLL_ADD for `events` (poll32_events, little-endian layout).
    pub fn poll_add(fd: i32, events: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_POLL_ADD);
        s.raw.fd = fd;
        s.raw.op_flags = events;
        s
    }
    /// TIMEOUT: fires after `ts` or after `count` other completions.
    pub fn timeout(ts: &'buf __kernel_timespec, count: u64, flags: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_TIMEOUT);
        s.raw.addr = ts as *const _ as u64;
        s.raw.len = 1;
        s.raw.off = count;
        s.raw.op_flags = flags;
        s
    }
    pub fn link_timeout(ts: &'buf __kernel_timespec, flags: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_LINK_TIMEOUT);
        s.raw.addr = ts as *const _ as u64;
        s.raw.len = 1;
        s.raw.op_flags = flags;
        s
    }
    /// ASYNC_CANCEL of the request with `target` user_data (or by the
    /// key `flags` select; [`CancelKey`] names the keys).
    pub fn cancel(target: u64, flags: u32) -> Self {
        CancelKey::user_data(target).with_flags(flags).sqe()
    }

    /// TIMEOUT_REMOVE of the timeout with `target` user_data.
    pub fn timeout_remove(target: u64) -> Self {
        let mut s = Sqe::op(IORING_OP_TIMEOUT_REMOVE);
        s.raw.addr = target;
        s
    }
    /// TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE: re-arms the timeout with
    /// `target` user_data to `ts` (`flags` adds ABS, a clock, or
    /// IORING_LINK_TIMEOUT_UPDATE for a linked timeout).
    pub fn timeout_update(target: u64, ts: &'buf __kernel_timespec, flags: u32) -> Self {
        let mut s = Sqe::timeout_remove(target);
        s.raw.off = ts as *const _ as u64;
        s.raw.op_flags = IORING_TIMEOUT_UPDATE | flags;
        s
    }
    /// POLL_ADD with IORING_POLL_ADD_MULTI (multishot, in `len`).
    pub fn poll_multi(fd: i32, events: u32) -> Self {
        let mut s = Sqe::poll_add(fd, events);
        s.raw.len = IORING_POLL_ADD_MULTI;
        s
    }
    /// POLL_REMOVE of the poll with `target` user_data.
    pub fn poll_remove(target: u64) -> Self {
        let mut s = Sqe::op(IORING_OP_POLL_REMOVE);
        s.raw.addr = target;
        s
    }
    /// ASYNC_CANCEL keyed by file descriptor (IORING_ASYNC_CANCEL_FD plus
    /// `flags`).
    pub fn cancel_fd(fd: i32, flags: u32) -> Self {
        CancelKey::fd(fd).with_flags(flags).sqe()
    }
    /// ASYNC_CANCEL keyed by opcode (IORING_ASYNC_CANCEL_OP, the opcode in
    /// `len`) plus `flags`; `target` is matched too with
    /// IORING_ASYNC_CANCEL_USERDATA.
    pub fn cancel_op(opcode: u8, target: u64, flags: u32) -> Self {
        CancelKey { user_data: target, ..CancelKey::opcode(opcode) }.with_flags(flags).sqe()
    }
    /// ACCEPT on a listening socket (no peer address wanted).
    pub fn accept(fd: i32, flags: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_ACCEPT);
        s.raw.fd = fd;
        s.raw.op_flags = flags;
        s
    }
    pub fn recv(fd: i32, buf: &'buf IoBuf, msg_flags: u32) -> Self {
        let mut s = Sqe::rw(IORING_OP_RECV, fd, buf.as_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s.lend(buf.lent())
    }
    pub fn send(fd: i32, buf: &'buf [u8], msg_flags: u32) -> Self {
        let mut s = Sqe::rw(IORING_OP_SEND, fd, buf.as_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s
    }
    /// FUTEX_WAIT on a 32-bit private futex holding `val`
    /// (io_uring/futex.c: flags in `fd`, value in `addr2`, mask in `addr3`).
    pub fn futex_wait(word: &'buf std::sync::atomic::AtomicU32, val: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_FUTEX_WAIT);
        s.raw.fd = (FUTEX2_SIZE_U32 | FUTEX2_PRIVATE) as i32;
        s.raw.addr = word as *const _ as u64;
        s.raw.off = val as u64;
        s.raw.addr3 = FUTEX_BITSET_MATCH_ANY;
        s
    }
    /// FUTEX_WAKE of up to `n` waiters on a 32-bit private futex.
    pub fn futex_wake(word: &'buf std::sync::atomic::AtomicU32, n: u64) -> Self {
        let mut s = Sqe::futex_wait(word, 0);
        s.raw.opcode = IORING_OP_FUTEX_WAKE;
        s.raw.off = n;
        s
    }
    /// WAITID for the child `pid` (io_uring/waitid.c: idtype in `len`,
    /// id in `fd`, options in `file_index`, siginfo at `addr2`).
    pub fn waitid(pid: i32, options: u32, info: &'buf IoCell<libc::siginfo_t>) -> Self {
        let mut s = Sqe::op(IORING_OP_WAITID);
        s.raw.len = libc::P_PID;
        s.raw.fd = pid;
        s.raw.file_index = options;
        s.raw.off = info.as_ptr() as u64;
        s.lend(info.lent())
    }
    /// MSG_RING posting a CQE with `res` and `user_data` on the ring `fd`.
    pub fn msg_ring_data(fd: i32, res: u32, user_data: u64) -> Self {
        let mut s = Sqe::op(IORING_OP_MSG_RING);
        s.raw.fd = fd;
        s.raw.addr = IORING_MSG_DATA;
        s.raw.len = res;
        s.raw.off = user_data;
        s
    }

    /// OPENAT of `path` (NUL-terminated, kept alive by the caller)
    /// relative to `dirfd`.
    pub fn openat(dirfd: i32, path: &'buf std::ffi::CStr, flags: i32, mode: u32) -> Self {
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
    pub fn direct(mut self, slot: u32) -> Self {
        self.raw.file_index = if slot == IORING_FILE_INDEX_ALLOC { slot } else { slot + 1 };
        self
    }
    /// CLOSE of the direct descriptor in `slot`.
    pub fn close_direct(slot: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_CLOSE);
        s.raw.fd = 0;
        s.raw.file_index = slot + 1;
        s
    }
    /// SOCKET(domain, type, protocol).
    pub fn socket(domain: i32, ty: i32, protocol: i32) -> Self {
        let mut s = Sqe::op(IORING_OP_SOCKET);
        s.raw.fd = domain;
        s.raw.off = ty as u64;
        s.raw.len = protocol as u32;
        s
    }
    /// FIXED_FD_INSTALL of registered slot `slot` as a normal fd
    /// (IOSQE_FIXED_FILE is part of the op).
    pub fn fixed_fd_install(slot: u32, flags: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_FIXED_FD_INSTALL).fixed_file();
        s.raw.fd = slot as i32;
        s.raw.op_flags = flags;
        s
    }
    /// FILES_UPDATE: `fds` into the registered table from `offset` (with
    /// IORING_FILE_INDEX_ALLOC the kernel writes the slots it chose back
    /// into `fds`). One cell holding the array: the kernel reads the fds
    /// contiguously.
    pub fn files_update<const N: usize>(fds: &'buf IoCell<[i32; N]>, offset: u32) -> Self {
        let mut s = Sqe::op(IORING_OP_FILES_UPDATE);
        s.raw.addr = fds.as_ptr() as u64;
        s.raw.len = N as u32;
        s.raw.off = offset as u64;
        s.lend(fds.lent())
    }

    /// READ_FIXED of `len` bytes at `addr` (inside registered buffer
    /// `index`), from file offset `off`. Safe with any `addr`: the kernel
    /// only touches the registered buffer (io_import_fixed: a range
    /// outside it is -EFAULT), and registered buffers borrow the ring's
    /// `'buf` ([`crate::Ring::register_buffers`]).
    pub fn read_fixed(fd: i32, addr: *mut u8, len: u32, off: u64, index: u16) -> Self {
        Sqe::rw(IORING_OP_READ_FIXED, fd, addr as u64, len, off).buf_index(index)
    }
    /// WRITE_FIXED of `len` bytes at `addr` (inside registered buffer
    /// `index`), to file offset `off`.
    pub fn write_fixed(fd: i32, addr: *const u8, len: u32, off: u64, index: u16) -> Self {
        Sqe::rw(IORING_OP_WRITE_FIXED, fd, addr as u64, len, off).buf_index(index)
    }
    /// READV_FIXED: `iov` entries inside registered buffer `index` (only
    /// offsets into it, as for [`Sqe::read_fixed`]; the array itself is
    /// read at prep, which under SQPOLL is after the submit).
    pub fn readv_fixed(fd: i32, iov: &'buf [libc::iovec], off: u64, index: u16) -> Self {
        Sqe::rw(IORING_OP_READV_FIXED, fd, iov.as_ptr() as u64, iov.len() as u32, off).buf_index(index)
    }
    /// WRITEV_FIXED: `iov` entries inside registered buffer `index`.
    pub fn writev_fixed(fd: i32, iov: &'buf [libc::iovec], off: u64, index: u16) -> Self {
        Sqe::rw(IORING_OP_WRITEV_FIXED, fd, iov.as_ptr() as u64, iov.len() as u32, off).buf_index(index)
    }
    /// SEND_ZC of `buf`; its CQE has IORING_CQE_F_MORE and a notification
    /// CQE (IORING_CQE_F_NOTIF) follows once the buffer is released.
    pub fn send_zc(fd: i32, buf: &'buf [u8], msg_flags: u32) -> Self {
        let mut s = Sqe::rw(IORING_OP_SEND_ZC, fd, buf.as_ptr() as u64, buf.len() as u32, 0);
        s.raw.op_flags = msg_flags;
        s
    }

    /// SEND_ZC of `len` bytes at `addr` inside registered buffer `index`
    /// (IORING_RECVSEND_FIXED_BUF). Safe with any `addr`, as
    /// [`Sqe::read_fixed`]: the kernel reads only the registered buffer.
    pub fn send_zc_fixed(fd: i32, addr: *const u8, len: u32, msg_flags: u32, index: u16) -> Self {
        let mut s = Sqe::rw(IORING_OP_SEND_ZC, fd, addr as u64, len, 0);
        s.raw.op_flags = msg_flags;
        s.fixed_buf(index)
    }

    /// PROVIDE_BUFFERS: `nr` buffers of `len` bytes each from the start of
    /// `mem`, ids `bid..bid+nr`, into group `bgid`. The kernel may write
    /// them until they are used or removed, so they borrow the ring's
    /// `'buf`. `nr * len` may exceed `mem` only through
    /// [`Sqe::provide_buffers_raw`].
    pub fn provide_buffers(mem: &'buf IoBuf, len: u32, nr: u32, bgid: u16, bid: u16) -> Self {
        assert!(nr as usize * len as usize <= mem.len(), "{nr} buffers of {len} bytes outside {} bytes", mem.len());
        // SAFETY: the buffers lie inside mem, borrowed for 'buf.
        unsafe { Sqe::provide_buffers_raw(mem.as_ptr(), len, nr, bgid, bid) }.lend(mem.range(..nr as usize * len as usize).lent())
    }
    /// PROVIDE_BUFFERS from a raw address.
    ///
    /// # Safety
    /// `nr` buffers of `len` bytes from `addr` are valid for writes for
    /// `'buf` and only read through raw pointers or [`IoBuf`]s meanwhile
    /// (or deliberately invalid: the kernel checks the range at prep).
    pub unsafe fn provide_buffers_raw(addr: *mut u8, len: u32, nr: u32, bgid: u16, bid: u16) -> Self {
        Sqe::untracked({
            let mut s = Sqe::op(IORING_OP_PROVIDE_BUFFERS);
            s.raw.fd = nr as i32;
            s.raw.addr = addr as u64;
            s.raw.len = len;
            s.raw.off = bid as u64;
            s.raw.buf_index = bgid;
            s
        })
    }
    /// REMOVE_BUFFERS: up to `nr` buffers from group `bgid`.
    pub fn remove_buffers(nr: u32, bgid: u16) -> Self {
        let mut s = Sqe::op(IORING_OP_REMOVE_BUFFERS);
        s.raw.fd = nr as i32;
        s.raw.buf_index = bgid;
        s
    }
    /// A READ of up to `len` bytes into a buffer the kernel selects from
    /// group `bgid` (IOSQE_BUFFER_SELECT; no address).
    pub fn read_select(fd: i32, len: u32, off: u64, bgid: u16) -> Self {
        Sqe::rw(IORING_OP_READ, fd, 0, len, off).buffer_select(bgid)
    }
    /// A RECV into a buffer the kernel selects from group `bgid`.
    pub fn recv_select(fd: i32, len: u32, bgid: u16) -> Self {
        Sqe::rw(IORING_OP_RECV, fd, 0, len, 0).buffer_select(bgid)
    }
    /// Adds IOSQE_BUFFER_SELECT with buffer group `bgid`.
    pub fn buffer_select(mut self, bgid: u16) -> Self {
        self.raw.flags |= IOSQE_BUFFER_SELECT;
        self.raw.buf_index = bgid;
        self
    }

    /// POLL_REMOVE that updates the poll with `target` user_data instead
    /// of removing it: `flags` of IORING_POLL_UPDATE_EVENTS (new `events`)
    /// and IORING_POLL_UPDATE_USER_DATA (`new_ud`), plus
    /// IORING_POLL_ADD_MULTI to keep it multishot.
    pub fn poll_update(target: u64, new_ud: u64, events: u32, flags: u32) -> Self {
        let mut s = Sqe::poll_remove(target);
        s.raw.off = new_ud;
        s.raw.len = flags;
        s.raw.op_flags = events;
        s
    }
    /// Multishot ACCEPT (IORING_ACCEPT_MULTISHOT): a CQE per connection.
    pub fn accept_multi(fd: i32, flags: u32) -> Self {
        let mut s = Sqe::accept(fd, flags);
        s.raw.ioprio = IORING_ACCEPT_MULTISHOT;
        s
    }
    /// Multishot RECV (IORING_RECV_MULTISHOT) into buffers of group `bgid`.
    pub fn recv_multi(fd: i32, bgid: u16) -> Self {
        let mut s = Sqe::recv_select(fd, 0, bgid);
        s.raw.ioprio = IORING_RECV_MULTISHOT;
        s
    }
    /// Multishot RECVMSG into buffers of group `bgid`; `msg` gives the
    /// name and control lengths to reserve (io_uring_recvmsg_out layout).
    ///
    /// # Safety
    /// `msg`'s own pointers (name, iov, control), where set, are valid as
    /// for [`Sqe::recvmsg`] (multishot reads only the lengths).
    pub unsafe fn recvmsg_multi(fd: i32, msg: &'buf libc::msghdr, bgid: u16) -> Self {
        Sqe::untracked({
            let mut s = Sqe::rw(IORING_OP_RECVMSG, fd, msg as *const _ as u64, 1, 0).buffer_select(bgid);
            s.raw.ioprio = IORING_RECV_MULTISHOT;
            s
        })
    }
    /// READ_MULTISHOT of a pollable file into buffers of group `bgid`.
    pub fn read_multi(fd: i32, bgid: u16) -> Self {
        Sqe::read_multi_len(fd, 0, bgid)
    }
    /// READ_MULTISHOT reading at most `len` bytes into each buffer (0: the
    /// buffer's length).
    pub fn read_multi_len(fd: i32, len: u32, bgid: u16) -> Self {
        Sqe::rw(IORING_OP_READ_MULTISHOT, fd, 0, len, 0).buffer_select(bgid)
    }

    pub fn user_data(mut self, ud: u64) -> Self {
        self.raw.user_data = ud;
        self
    }
    /// Adds IOSQE_* bits (to those a builder set: FIXED_FILE, BUFFER_SELECT).
    pub fn with(mut self, f: u8) -> Self {
        self.raw.flags |= f;
        self
    }
    /// Clears IOSQE_* bits a builder set (a request built without a flag
    /// its op needs, on purpose).
    pub fn without(mut self, f: u8) -> Self {
        self.raw.flags &= !f;
        self
    }
    pub fn link(self) -> Self {
        self.with(IOSQE_IO_LINK)
    }
    pub fn hardlink(self) -> Self {
        self.with(IOSQE_IO_HARDLINK)
    }
    pub fn drain(self) -> Self {
        self.with(IOSQE_IO_DRAIN)
    }
    pub fn skip_success(self) -> Self {
        self.with(IOSQE_CQE_SKIP_SUCCESS)
    }
    pub fn async_(self) -> Self {
        self.with(IOSQE_ASYNC)
    }
    pub fn fixed_file(self) -> Self {
        self.with(IOSQE_FIXED_FILE)
    }
    pub fn personality(mut self, p: u16) -> Self {
        self.raw.personality = p;
        self
    }
    pub fn buf_index(mut self, i: u16) -> Self {
        self.raw.buf_index = i;
        self
    }
    pub fn ioprio(mut self, p: u16) -> Self {
        self.raw.ioprio = p;
        self
    }
    /// The per-op flags word (rw_flags, fsync_flags, statx_flags, ...).
    pub fn op_flags(mut self, f: u32) -> Self {
        self.raw.op_flags = f;
        self
    }
    /// The file_index union (splice_fd_in, optlen, file_index, ...),
    /// raw: [`Sqe::direct`] is the slot-numbered form.
    pub fn file_index(mut self, v: u32) -> Self {
        self.raw.file_index = v;
        self
    }
    /// The addr3 union (xattr path, optval, futex mask, ...).
    ///
    /// # Safety
    /// Where the op reads addr3 as an address, `v` points to memory valid
    /// for what the op does with it for `'buf` (or is deliberately invalid).
    pub unsafe fn addr3(mut self, v: u64) -> Self {
        self.raw.addr3 = v;
        self.untracked = true;
        self
    }

    // ------------------------------------------------- recv/send options

    /// IORING_RECVSEND_BUNDLE: one request over several provided buffers.
    pub fn bundle(mut self) -> Self {
        self.raw.ioprio |= IORING_RECVSEND_BUNDLE;
        self
    }
    /// IORING_RECV_MULTISHOT on a RECV/RECVMSG.
    pub fn recv_multishot(mut self) -> Self {
        self.raw.ioprio |= IORING_RECV_MULTISHOT;
        self
    }
    /// IORING_RECVSEND_FIXED_BUF: `buf_index` names a registered buffer.
    pub fn fixed_buf(mut self, index: u16) -> Self {
        self.raw.ioprio |= IORING_RECVSEND_FIXED_BUF;
        self.raw.buf_index = index;
        self
    }
    /// SEND from a provided buffer of group `bgid` (IOSQE_BUFFER_SELECT).
    pub fn send_select(fd: i32, bgid: u16) -> Self {
        Sqe::rw(IORING_OP_SEND, fd, 0, 0, 0).buffer_select(bgid)
    }
    /// The peer address out-parameters of an ACCEPT.
    pub fn accept_addr(mut self, addr: &'buf IoCell<libc::sockaddr_in>, len: &'buf IoCell<libc::socklen_t>) -> Self {
        self.raw.addr = addr.as_ptr() as u64;
        self.raw.off = len.as_ptr() as u64;
        self.lend(addr.lent()).lend(len.lent())
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
