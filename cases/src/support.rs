//! Helpers more than one area uses, in one place, so that an area module
//! never imports from another: paths and descriptors, provided-buffer
//! rings, credentials, a view of the ring memory. The prelude re-exports
//! them.

use fixtures::{Bufs, Mapping, TempDir};
use oracle::sys::*;
use oracle::{cqe, BufRing, CaseError, CheckedRing};
use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use uring::IoBuf;

/// `path` as a C string for SQE path arguments.
pub fn cpath(path: &Path) -> Result<CString, CaseError> {
    CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(format!("path: {e}")))
}

/// Expects exactly one CQE, for `user_data`, with flags 0 and a new file
/// descriptor `fd` as its result, and nothing else once the ring is quiet;
/// returns the descriptor, owned. A new descriptor is the lowest free one
/// (the kernel's get_unused_fd_flags) and a trial process opens none of
/// its own meanwhile, so callers know `fd` exactly: `fixtures::closed_fd()`
/// taken before the submission.
pub fn expect_fd(r: &mut CheckedRing, user_data: u64, fd: i32) -> Result<OwnedFd, CaseError> {
    let got = r.expect(&[cqe(user_data, fd)])?;
    // Stays unsafe: taking ownership of a descriptor the kernel installed
    // (a CQE's res) has no safe constructor.
    // SAFETY: the kernel installed this descriptor for us.
    Ok(unsafe { OwnedFd::from_raw_fd(got[0].res) })
}

/// An fd array for FILES_UPDATE, which the kernel may write back into
/// (IORING_FILE_INDEX_ALLOC).
pub fn cells<const N: usize>(fds: &[i32; N]) -> uring::IoCell<[i32; N]> {
    uring::IoCell::new(*fds)
}

/// An iovec over `buf` (memory the kernel may write: a READV's, RECVMSG's).
pub fn iov(buf: &IoBuf) -> libc::iovec {
    libc::iovec { iov_base: buf.as_ptr() as *mut _, iov_len: buf.len() }
}

/// An iovec over `buf`, which the kernel only reads (a WRITEV's,
/// SENDMSG's): the pointer is `*mut` only because `struct iovec` says so.
pub fn iov_ro(buf: &[u8]) -> libc::iovec {
    libc::iovec { iov_base: buf.as_ptr() as *mut _, iov_len: buf.len() }
}

/// Whether `fd` is an open descriptor in this process.
pub fn fd_is_open(fd: i32) -> bool {
    // Stays libc: the number may name no open descriptor, so no BorrowedFd
    // (what rustix's fcntl_getfd takes) may be made for it.
    // SAFETY: F_GETFD only reads descriptor flags.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// Reads all of `fd` from offset 0 (a fixture read, outside io_uring).
pub fn read_all(fd: impl std::os::fd::AsFd) -> Result<Vec<u8>, CaseError> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let mut off = 0;
    loop {
        let n = rustix::io::pread(&fd, &mut buf, off).map_err(std::io::Error::from)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        off += n as u64;
    }
}

/// CQE flags of a completion that used buffer `bid`.
pub fn buf_flags(bid: u16) -> u32 {
    IORING_CQE_F_BUFFER | ((bid as u32) << IORING_CQE_BUFFER_SHIFT)
}

/// A registered buffer ring for group `bgid` with `n` buffers of `size`
/// bytes (ids 0..n) pushed and published.
pub fn buf_ring<'b>(r: &CheckedRing<'b>, b: &'b Bufs, n: usize, bgid: u16, entries: u32, flags: u16) -> Result<BufRing<'b>, CaseError> {
    let mut br = BufRing::register(r, bgid, entries, flags)?;
    for i in 0..n {
        br.push(b.at(i), i as u16);
    }
    br.publish();
    Ok(br)
}

/// Runs `f` with the effective uid (and gid) of nobody (65534), then
/// restores root. Effective capabilities go with euid 0 (capabilities(7):
/// "If the effective user ID is changed from 0 to nonzero, then all
/// capabilities are cleared from the effective set") and come back.
pub fn as_nobody<T>(f: impl FnOnce() -> T) -> Result<T, CaseError> {
    // Stays libc: seteuid(3) changes the credentials of every thread of the
    // process (glibc's setxid broadcast); rustix has only the per-thread
    // syscalls (set_thread_*).
    // SAFETY: plain syscalls on this (single-threaded) trial process.
    unsafe {
        if libc::setegid(65534) != 0 || libc::seteuid(65534) != 0 {
            return Err(CaseError::Error(format!("seteuid(65534): {}", std::io::Error::last_os_error())));
        }
    }
    let out = f();
    // SAFETY: the saved set-user-ID is still 0.
    unsafe {
        if libc::seteuid(0) != 0 || libc::setegid(0) != 0 {
            return Err(CaseError::Error(format!("seteuid(0): {}", std::io::Error::last_os_error())));
        }
    }
    Ok(out)
}

/// Makes `d` searchable by everyone (0755), whatever the umask made it,
/// so that only a file's own mode decides whether nobody may open it.
pub fn world_searchable(d: &TempDir) -> Result<(), CaseError> {
    std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(())
}

/// A file only root can read (mode 0600, owned by root), in a directory
/// anyone may search.
pub fn root_only_file(d: &TempDir) -> Result<std::ffi::CString, CaseError> {
    world_searchable(d)?;
    let p = d.join("secret");
    std::fs::write(&p, b"secret")?;
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    cpath(&p)
}

/// A fresh read-only view of the ring memory at IORING_OFF_SQ_RING
/// (SINGLE_MMAP: SQ and CQ rings in one mapping), to read what the kernel
/// put there after a resize; reads outside what `p` describes panic.
pub fn ring_view(fd: i32, p: &io_uring_params) -> Result<Mapping, CaseError> {
    let len = (p.cq_off.cqes as usize + p.cq_entries as usize * 16).max(p.sq_off.array as usize + p.sq_entries as usize * 4);
    // Stays unsafe: the ring hands out its fd as a raw i32 (Ring::fd).
    // SAFETY: the ring's fd, open for as long as this call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    Mapping::shared_read_only(fd, IORING_OFF_SQ_RING, len).map_err(|e| CaseError::Fail(format!("mmap of the rings at IORING_OFF_SQ_RING: {e}")))
}

/// A request that fails when it runs, on every kernel io_uring has: a
/// READ of `f` into an unmapped address completes with -EFAULT (the copy to
/// user memory fails; read(2) ERRORS: EFAULT). Chains, hardlinks and
/// CQE_SKIP need a failure at execution, not at submission: a request that
/// fails while being submitted fails its chain differently (before 5.15 a
/// bad fd failed at submission too), and NOP result injection is only 6.10's.
pub fn failing_read(f: &fixtures::TempFile) -> oracle::Sqe<'static> {
    // Deliberately malformed: address 8 is never mapped.
    // SAFETY: the kernel cannot write to address 8 (never mapped): EFAULT.
    unsafe { oracle::Sqe::prep(IORING_OP_READ, std::os::fd::AsRawFd::as_raw_fd(&f.file), 8, 4, 0) }
}

/// Runs `f` in a forked child (for what must not touch the trial process:
/// a resource limit, a network namespace) and returns the CQEs it reaped.
/// A fixture failure in the child comes back as the harness's error; a
/// child that does not finish within `limit` (a bound the caller scaled:
/// `oracle::scaled`) is killed and is an error too.
pub fn cqes_from_child(limit: std::time::Duration, f: impl FnOnce() -> Result<Vec<oracle::Cqe>, String>) -> Result<Vec<oracle::Cqe>, CaseError> {
    let out = fixtures::Pipe::new()?;
    let mut child = fixtures::Child::fork(|| {
        let text = match f() {
            Ok(cqes) => cqes.iter().map(|c| format!("{} {} {}\n", c.user_data, c.res, c.flags)).collect::<String>(),
            Err(e) => format!("error {e}\n"),
        };
        i32::from(rustix::io::write(&out.tx, text.as_bytes()).ok() != Some(text.len()))
    })?;
    let status = child.wait_timeout(limit)?;
    drop(out.tx);
    let Some(status) = status else { return Err(CaseError::Error(format!("fixture: the child did not finish within {limit:?}"))) };
    let text = String::from_utf8_lossy(&read_all_pipe(&out.rx)?).into_owned();
    if status != 0 {
        return Err(CaseError::Error(format!("fixture: the child exited with status {status:#x}: {text}")));
    }
    let mut cqes = Vec::new();
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("error ") {
            return Err(CaseError::Error(format!("fixture (child): {e}")));
        }
        let v: Vec<&str> = line.split(' ').collect();
        let bad = || CaseError::Error(format!("fixture: bad line from the child: {line:?}"));
        let [ud, res, flags] = v.as_slice() else { return Err(bad()) };
        cqes.push(oracle::Cqe {
            user_data: ud.parse().map_err(|_| bad())?,
            res: res.parse().map_err(|_| bad())?,
            flags: flags.parse().map_err(|_| bad())?,
            big: None,
        });
    }
    Ok(cqes)
}

/// What is in a pipe whose write end is closed.
fn read_all_pipe(rx: &OwnedFd) -> Result<Vec<u8>, CaseError> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = rustix::io::read(rx, &mut buf).map_err(std::io::Error::from)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}
