//! File, path, pipe, sync and futex requests.

use super::Sqe;
use crate::buf::{IoBuf, IoCell};
use crate::sys::*;
use std::ffi::CStr;

impl<'buf> Sqe<'buf> {
    // ------------------------------------------------- sync and space

    pub fn sync_file_range(fd: i32, off: u64, len: u32, flags: u32) -> Self {
        Sqe::rw(IORING_OP_SYNC_FILE_RANGE, fd, 0, len, off).op_flags(flags)
    }
    /// FALLOCATE: mode in `len`, offset in `off`, length in `addr`.
    pub fn fallocate(fd: i32, mode: i32, off: u64, len: u64) -> Self {
        Sqe::rw(IORING_OP_FALLOCATE, fd, len, mode as u32, off)
    }
    pub fn fadvise(fd: i32, off: u64, len: u32, advice: i32) -> Self {
        Sqe::rw(IORING_OP_FADVISE, fd, 0, len, off).op_flags(advice as u32)
    }
    /// MADVISE of `len` bytes at `addr`.
    ///
    /// # Safety
    /// The advice may discard the range's contents (MADV_DONTNEED): the
    /// range is memory nothing else relies on for `'buf` (or deliberately
    /// invalid).
    pub unsafe fn madvise(addr: *mut u8, len: u32, advice: i32) -> Self {
        Sqe::untracked(Sqe::rw(IORING_OP_MADVISE, -1, addr as u64, len, 0).op_flags(advice as u32))
    }
    /// FTRUNCATE to `len` (in `off`).
    pub fn ftruncate(fd: i32, len: u64) -> Self {
        Sqe::rw(IORING_OP_FTRUNCATE, fd, 0, 0, len)
    }

    // ------------------------------------------------- epoll

    /// EPOLL_CTL: op in `len`, target fd in `off`, event at `addr`.
    pub fn epoll_ctl(epfd: i32, op: i32, fd: i32, ev: &'buf libc::epoll_event) -> Self {
        Sqe::rw(IORING_OP_EPOLL_CTL, epfd, ev as *const _ as u64, op as u32, fd as u64)
    }
    pub fn epoll_wait<const N: usize>(epfd: i32, out: &'buf IoCell<[libc::epoll_event; N]>) -> Self {
        Sqe::rw(IORING_OP_EPOLL_WAIT, epfd, out.as_ptr() as u64, N as u32, 0).lend(out.lent())
    }

    // ------------------------------------------------- files and paths

    /// CLOSE of a plain fd ([`Sqe::close_direct`] for a slot).
    pub fn close(fd: i32) -> Self {
        Sqe::rw(IORING_OP_CLOSE, fd, 0, 0, 0)
    }
    /// OPENAT2 with a `struct open_how`.
    pub fn openat2(dirfd: i32, path: &'buf CStr, how: &'buf open_how) -> Self {
        Sqe::rw(IORING_OP_OPENAT2, dirfd, path.as_ptr() as u64, std::mem::size_of::<open_how>() as u32, how as *const _ as u64)
    }
    pub fn statx(dirfd: i32, path: &'buf CStr, flags: u32, mask: u32, buf: &'buf IoCell<libc::statx>) -> Self {
        Sqe::rw(IORING_OP_STATX, dirfd, path.as_ptr() as u64, mask, buf.as_ptr() as u64).op_flags(flags).lend(buf.lent())
    }
    /// RENAMEAT relative to the cwd.
    pub fn renameat(old: &'buf CStr, new: &'buf CStr, flags: u32) -> Self {
        Sqe::rw(IORING_OP_RENAMEAT, libc::AT_FDCWD, old.as_ptr() as u64, libc::AT_FDCWD as u32, new.as_ptr() as u64).op_flags(flags)
    }
    pub fn unlinkat(path: &'buf CStr, flags: u32) -> Self {
        Sqe::rw(IORING_OP_UNLINKAT, libc::AT_FDCWD, path.as_ptr() as u64, 0, 0).op_flags(flags)
    }
    pub fn mkdirat(path: &'buf CStr, mode: u32) -> Self {
        Sqe::rw(IORING_OP_MKDIRAT, libc::AT_FDCWD, path.as_ptr() as u64, mode, 0)
    }
    pub fn symlinkat(target: &'buf CStr, link: &'buf CStr) -> Self {
        Sqe::rw(IORING_OP_SYMLINKAT, libc::AT_FDCWD, target.as_ptr() as u64, 0, link.as_ptr() as u64)
    }
    pub fn linkat(old: &'buf CStr, new: &'buf CStr, flags: u32) -> Self {
        Sqe::rw(IORING_OP_LINKAT, libc::AT_FDCWD, old.as_ptr() as u64, libc::AT_FDCWD as u32, new.as_ptr() as u64).op_flags(flags)
    }
    /// FSETXATTR `name` = `value` on `fd`.
    pub fn fsetxattr(fd: i32, name: &'buf CStr, value: &'buf [u8], flags: u32) -> Self {
        Sqe::rw(IORING_OP_FSETXATTR, fd, name.as_ptr() as u64, value.len() as u32, value.as_ptr() as u64).op_flags(flags)
    }
    pub fn fgetxattr(fd: i32, name: &'buf CStr, buf: &'buf IoBuf) -> Self {
        Sqe::rw(IORING_OP_FGETXATTR, fd, name.as_ptr() as u64, buf.len() as u32, buf.as_ptr() as u64).lend(buf.lent())
    }
    /// SETXATTR on a path (in `addr3`).
    pub fn setxattr(path: &'buf CStr, name: &'buf CStr, value: &'buf [u8], flags: u32) -> Self {
        let s = Sqe::rw(IORING_OP_SETXATTR, 0, name.as_ptr() as u64, value.len() as u32, value.as_ptr() as u64).op_flags(flags);
        // SAFETY: the path is borrowed for 'buf; the kernel only reads it.
        unsafe { s.addr3(path.as_ptr() as u64) }
    }
    pub fn getxattr(path: &'buf CStr, name: &'buf CStr, buf: &'buf IoBuf) -> Self {
        let s = Sqe::rw(IORING_OP_GETXATTR, 0, name.as_ptr() as u64, buf.len() as u32, buf.as_ptr() as u64).lend(buf.lent());
        // SAFETY: the path is borrowed for 'buf; the kernel only reads it.
        unsafe { s.addr3(path.as_ptr() as u64) }
    }

    // ------------------------------------------------- pipes

    /// SPLICE from `fd_in` at `off_in` to `fd_out` at `off_out` (-1: no
    /// offset, for pipes); `fd_in` goes in splice_fd_in.
    pub fn splice(fd_in: i32, off_in: i64, fd_out: i32, off_out: i64, len: u32, flags: u32) -> Self {
        Sqe::rw(IORING_OP_SPLICE, fd_out, off_in as u64, len, off_out as u64).op_flags(flags).file_index(fd_in as u32)
    }
    pub fn tee(fd_in: i32, fd_out: i32, len: u32) -> Self {
        Sqe::rw(IORING_OP_TEE, fd_out, 0, len, 0).file_index(fd_in as u32)
    }
    /// PIPE into `fds` (pipe2 flags).
    pub fn pipe(fds: &'buf IoCell<[i32; 2]>, flags: u32) -> Self {
        Sqe::rw(IORING_OP_PIPE, 0, fds.as_ptr() as u64, 0, 0).op_flags(flags).lend(fds.lent())
    }

    // ------------------------------------------------- futexes

    /// FUTEX_WAITV on the futexes `v` names.
    ///
    /// # Safety
    /// Every entry's `uaddr` points to a futex word valid for reads for
    /// `'buf` (or is deliberately invalid).
    pub unsafe fn futex_waitv(v: &'buf [futex_waitv]) -> Self {
        Sqe::untracked(Sqe::rw(IORING_OP_FUTEX_WAITV, 0, v.as_ptr() as u64, v.len() as u32, 0))
    }
}
