//! File-system opcodes: OPENAT, OPENAT2, CLOSE, STATX, RENAMEAT,
//! UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT, the four xattr ops and
//! FTRUNCATE. Each does what its syscall does (the man page of the
//! syscall is the reference for results and errors; io_uring/fs.c,
//! openclose.c, statx.c, xattr.c and truncate.c pass them through).

use super::{cpath, expect_fd, fd_is_open, read_all};
use crate::prelude::*;
use fixtures::TempDir;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

/// A directory for path ops, and an O_PATH-free fd on it for *at calls.
fn dir_fd(d: &TempDir) -> Result<std::os::fd::OwnedFd, harness::CaseError> {
    Ok(fixtures::open(d.path(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC)?)
}

// ------------------------------------------------------------ openat

case! {
    id: "ops/openat/open-and-read",
    summary: "OPENAT returns a new fd for the path, open on the file's content",
    requires: [OpOpenat],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_openat(3)", "openat(2)"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(100, 4))?;
        let p = cpath(&f.path())?;
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(read_all(fd.as_raw_fd())?, pattern(100, 4), "content read through the new fd");
        Ok(())
    },
}

case! {
    id: "ops/openat/error-missing-enoent",
    summary: "OPENAT of a missing path without O_CREAT completes with -ENOENT",
    requires: [OpOpenat],
    variants: variants::DEFAULT,
    refs: ["openat(2) ERRORS: ENOENT"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "ops/openat/create-with-mode",
    summary: "OPENAT with O_CREAT|O_EXCL creates the file with the mode (less umask)",
    requires: [OpOpenat],
    variants: variants::DEFAULT,
    refs: ["openat(2): O_CREAT, O_EXCL, mode"],
    run: |cx| {
        let d = TempDir::new()?;
        let path = d.join("new");
        let p = cpath(&path)?;
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC, 0o600).user_data(1)])?;
        let _fd = expect_fd(&mut r, 1, next)?;
        let m = std::fs::metadata(&path)?;
        check_eq!(m.mode() & 0o777, 0o600, "mode of the created file");
        // O_EXCL on the now existing file.
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC, 0o600).user_data(2)], &[cqe(2, -libc::EEXIST)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ openat2

case! {
    id: "ops/openat2/open-and-read",
    summary: "OPENAT2 with an open_how returns an fd open on the file",
    requires: [OpOpenat2],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_openat2(3)", "openat2(2)"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(64, 6))?;
        let p = cpath(&f.path())?;
        let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, ..Default::default() };
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat2(libc::AT_FDCWD, &p, &how).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(read_all(fd.as_raw_fd())?, pattern(64, 6), "content read through the new fd");
        Ok(())
    },
}

case! {
    id: "ops/openat2/error-resolve-beneath-exdev",
    summary: "OPENAT2 with RESOLVE_BENEATH of a path escaping the directory completes with -EXDEV",
    requires: [OpOpenat2],
    variants: variants::DEFAULT,
    refs: ["openat2(2): RESOLVE_BENEATH; ERRORS: EXDEV (escaping the dirfd)"],
    run: |cx| {
        let d = TempDir::new()?;
        let dfd = dir_fd(&d)?;
        let p = c"../escape";
        let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, resolve: RESOLVE_BENEATH, ..Default::default() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::openat2(dfd.as_raw_fd(), p, &how).user_data(1)], &[cqe(1, -libc::EXDEV)])?;
        Ok(())
    },
}

case! {
    id: "ops/openat2/error-unknown-resolve-einval",
    summary: "OPENAT2 with an unknown RESOLVE_* bit completes with -EINVAL",
    requires: [OpOpenat2],
    variants: variants::DEFAULT,
    refs: ["openat2(2) ERRORS: EINVAL (an unknown flag in resolve)"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, resolve: 1 << 40, ..Default::default() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::openat2(libc::AT_FDCWD, &p, &how).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/openat2/error-small-how-einval",
    summary: "OPENAT2 with an open_how size below OPEN_HOW_SIZE_VER0 (24) completes with -EINVAL",
    requires: [OpOpenat2],
    variants: variants::DEFAULT,
    refs: ["openat2(2) ERRORS: EINVAL (size < OPEN_HOW_SIZE_VER0)", "io_uring/openclose.c io_openat2_prep"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let how = open_how::default();
        let mut s = Sqe::openat2(libc::AT_FDCWD, &p, &how);
        // Deliberately malformed: a `struct open_how` size that is not the kernel's.
        s.raw.len = 16;
        let mut r = cx.ring()?;
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ close

case! {
    id: "ops/close/closes-fd",
    summary: "CLOSE of a normal fd completes with 0 and the fd is closed",
    requires: [OpClose],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_close(3)", "close(2)"],
    run: |cx| {
        let f = TempFile::empty()?;
        // SAFETY: dup of our own fd; io_uring closes it.
        let fd = unsafe { libc::dup(f.fd()) };
        check!(fd >= 0, "dup failed");
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::close(fd).user_data(1)], &[cqe(1, 0)])?;
        check!(!fd_is_open(fd), "fd {fd} is still open after CLOSE completed");
        Ok(())
    },
}

case! {
    id: "ops/close/error-closed-fd-ebadf",
    summary: "CLOSE of a descriptor that is not open completes with -EBADF",
    requires: [OpClose],
    variants: variants::DEFAULT,
    refs: ["close(2) ERRORS: EBADF"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::close(closed_fd()).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/close/error-ring-fd-ebadf",
    summary: "CLOSE of an io_uring fd is refused with -EBADF and the fd stays open",
    requires: [OpClose],
    variants: variants::DEFAULT,
    refs: ["io_uring/openclose.c __io_close_fixed/io_close: a file with io_uring_fops -> -EBADF"],
    run: |cx| {
        let other = Ring::new(4)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::close(other.fd()).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        check!(fd_is_open(other.fd()), "the ring fd was closed");
        Ok(())
    },
}

// ------------------------------------------------------------ statx

case! {
    id: "ops/statx/size-and-mode",
    summary: "STATX fills statx with the file's size and type for the mask asked",
    requires: [OpStatx],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_statx(3)", "statx(2)"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(1234, 1))?;
        let p = cpath(&f.path())?;
        // SAFETY: statx is plain old data.
        let mut st: libc::statx = unsafe { std::mem::zeroed() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, libc::STATX_SIZE | libc::STATX_TYPE, &mut st).user_data(1)], &[cqe(1, 0)])?;
        check!(st.stx_mask & libc::STATX_SIZE != 0, "stx_mask {:#x} lacks STATX_SIZE", st.stx_mask);
        check_eq!(st.stx_size, 1234, "stx_size");
        check_eq!(st.stx_mode as u32 & libc::S_IFMT, libc::S_IFREG, "file type");
        Ok(())
    },
}

case! {
    id: "ops/statx/empty-path-fd",
    summary: "STATX with AT_EMPTY_PATH describes the file open on dirfd",
    requires: [OpStatx],
    variants: variants::DEFAULT,
    refs: ["statx(2): AT_EMPTY_PATH"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(77, 1))?;
        // SAFETY: statx is plain old data.
        let mut st: libc::statx = unsafe { std::mem::zeroed() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(f.fd(), c"", libc::AT_EMPTY_PATH as u32, libc::STATX_SIZE, &mut st).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(st.stx_size, 77, "stx_size");
        Ok(())
    },
}

case! {
    id: "ops/statx/error-missing-enoent",
    summary: "STATX of a missing path completes with -ENOENT",
    requires: [OpStatx],
    variants: variants::DEFAULT,
    refs: ["statx(2) ERRORS: ENOENT"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        // SAFETY: statx is plain old data.
        let mut st: libc::statx = unsafe { std::mem::zeroed() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, libc::STATX_SIZE, &mut st).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "ops/statx/error-reserved-mask-einval",
    summary: "STATX with STATX__RESERVED in the mask completes with -EINVAL",
    requires: [OpStatx],
    variants: variants::DEFAULT,
    refs: ["statx(2) ERRORS: EINVAL (reserved flag specified in mask)"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        // SAFETY: statx is plain old data.
        let mut st: libc::statx = unsafe { std::mem::zeroed() };
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, 0x8000_0000, &mut st).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ renameat

case! {
    id: "ops/renameat/renames",
    summary: "RENAMEAT moves the file: the old name is gone, the new one has its content",
    requires: [OpRenameat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_renameat(3)", "rename(2)"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::write(d.join("a"), b"moved")?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::renameat(&a, &b, 0).user_data(1)], &[cqe(1, 0)])?;
        check!(!d.join("a").exists(), "the old name still exists");
        check_eq!(std::fs::read(d.join("b"))?, b"moved".to_vec(), "content under the new name");
        Ok(())
    },
}

case! {
    id: "ops/renameat/error-noreplace-eexist",
    summary: "RENAMEAT with RENAME_NOREPLACE onto an existing name completes with -EEXIST and changes nothing",
    requires: [OpRenameat],
    variants: variants::DEFAULT,
    refs: ["rename(2): RENAME_NOREPLACE; ERRORS: EEXIST"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::write(d.join("a"), b"a")?;
        std::fs::write(d.join("b"), b"b")?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::renameat(&a, &b, libc::RENAME_NOREPLACE).user_data(1)], &[cqe(1, -libc::EEXIST)])?;
        check_eq!(std::fs::read(d.join("b"))?, b"b".to_vec(), "the target is untouched");
        Ok(())
    },
}

case! {
    id: "ops/renameat/error-missing-enoent",
    summary: "RENAMEAT of a missing source completes with -ENOENT",
    requires: [OpRenameat],
    variants: variants::DEFAULT,
    refs: ["rename(2) ERRORS: ENOENT"],
    run: |cx| {
        let d = TempDir::new()?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::renameat(&a, &b, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ unlinkat

case! {
    id: "ops/unlinkat/removes-file",
    summary: "UNLINKAT removes the name",
    requires: [OpUnlinkat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_unlinkat(3)", "unlink(2)"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::write(d.join("f"), b"x")?;
        let p = cpath(&d.join("f"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::unlinkat(&p, 0).user_data(1)], &[cqe(1, 0)])?;
        check!(!d.join("f").exists(), "the file still exists");
        Ok(())
    },
}

case! {
    id: "ops/unlinkat/removedir",
    summary: "UNLINKAT with AT_REMOVEDIR removes an empty directory",
    requires: [OpUnlinkat],
    variants: variants::DEFAULT,
    refs: ["unlinkat(2): AT_REMOVEDIR"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::create_dir(d.join("sub"))?;
        let p = cpath(&d.join("sub"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::unlinkat(&p, libc::AT_REMOVEDIR as u32).user_data(1)], &[cqe(1, 0)])?;
        check!(!d.join("sub").exists(), "the directory still exists");
        Ok(())
    },
}

case! {
    id: "ops/unlinkat/error-missing-enoent",
    summary: "UNLINKAT of a missing name completes with -ENOENT",
    requires: [OpUnlinkat],
    variants: variants::DEFAULT,
    refs: ["unlink(2) ERRORS: ENOENT"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::unlinkat(&p, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "ops/unlinkat/error-directory-eisdir",
    summary: "UNLINKAT of a directory without AT_REMOVEDIR completes with -EISDIR",
    requires: [OpUnlinkat],
    variants: variants::DEFAULT,
    refs: ["unlink(2) ERRORS: EISDIR (Linux, pathname refers to a directory)"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::create_dir(d.join("sub"))?;
        let p = cpath(&d.join("sub"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::unlinkat(&p, 0).user_data(1)], &[cqe(1, -libc::EISDIR)])?;
        check!(d.join("sub").is_dir(), "the directory was removed");
        Ok(())
    },
}

// ------------------------------------------------------------ mkdirat

case! {
    id: "ops/mkdirat/creates-directory",
    summary: "MKDIRAT creates a directory with the mode (less umask)",
    requires: [OpMkdirat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_mkdirat(3)", "mkdir(2)"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("sub"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::mkdirat(&p, 0o700).user_data(1)], &[cqe(1, 0)])?;
        let m = std::fs::metadata(d.join("sub"))?;
        check!(m.is_dir(), "not a directory");
        check_eq!(m.mode() & 0o777, 0o700, "mode");
        Ok(())
    },
}

case! {
    id: "ops/mkdirat/error-exists-eexist",
    summary: "MKDIRAT of an existing name completes with -EEXIST",
    requires: [OpMkdirat],
    variants: variants::DEFAULT,
    refs: ["mkdir(2) ERRORS: EEXIST"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(d.path())?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::mkdirat(&p, 0o700).user_data(1)], &[cqe(1, -libc::EEXIST)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ symlinkat

case! {
    id: "ops/symlinkat/creates-link",
    summary: "SYMLINKAT creates a symbolic link whose target reads back",
    requires: [OpSymlinkat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_symlinkat(3)", "symlink(2)"],
    run: |cx| {
        let d = TempDir::new()?;
        let l = cpath(&d.join("l"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::symlinkat(c"some/target", &l).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(std::fs::read_link(d.join("l"))?, std::path::PathBuf::from("some/target"), "link target");
        Ok(())
    },
}

case! {
    id: "ops/symlinkat/error-exists-eexist",
    summary: "SYMLINKAT onto an existing name completes with -EEXIST",
    requires: [OpSymlinkat],
    variants: variants::DEFAULT,
    refs: ["symlink(2) ERRORS: EEXIST"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::write(d.join("l"), b"")?;
        let l = cpath(&d.join("l"))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::symlinkat(c"t", &l).user_data(1)], &[cqe(1, -libc::EEXIST)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ linkat

case! {
    id: "ops/linkat/creates-hard-link",
    summary: "LINKAT adds a second name for the inode (st_nlink 2, same inode)",
    requires: [OpLinkat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_linkat(3)", "link(2)"],
    run: |cx| {
        let d = TempDir::new()?;
        std::fs::write(d.join("a"), b"x")?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::linkat(&a, &b, 0).user_data(1)], &[cqe(1, 0)])?;
        let (ma, mb) = (std::fs::metadata(d.join("a"))?, std::fs::metadata(d.join("b"))?);
        check_eq!(ma.ino(), mb.ino(), "inode of both names");
        check_eq!(ma.nlink(), 2, "st_nlink");
        Ok(())
    },
}

case! {
    id: "ops/linkat/error-missing-enoent",
    summary: "LINKAT of a missing source completes with -ENOENT",
    requires: [OpLinkat],
    variants: variants::DEFAULT,
    refs: ["link(2) ERRORS: ENOENT"],
    run: |cx| {
        let d = TempDir::new()?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::linkat(&a, &b, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ xattr
//
// trusted.* names: every file system with xattrs takes them from root
// (tmpfs included, where user.* only came in 6.6), so the cases run in
// the VM matrix's initramfs too.

const XNAME: &std::ffi::CStr = c"trusted.uring_conform";

case! {
    id: "ops/fsetxattr/set-then-read",
    summary: "FSETXATTR sets the value (res 0); FGETXATTR reads it back (res = its length)",
    requires: [OpFsetxattr, OpFgetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fsetxattr(3)", "setxattr(2), getxattr(2): the size of the value on success"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut buf = [0u8; 32];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"value-1", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &mut buf).user_data(2)], &[cqe(2, 7)])?;
        check_eq!(&buf[..7], b"value-1", "value read back");
        Ok(())
    },
}

case! {
    id: "ops/fsetxattr/error-create-existing-eexist",
    summary: "FSETXATTR with XATTR_CREATE of an existing name completes with -EEXIST",
    requires: [OpFsetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["setxattr(2): XATTR_CREATE; ERRORS: EEXIST"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"a", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"b", libc::XATTR_CREATE as u32).user_data(2)], &[cqe(2, -libc::EEXIST)])?;
        Ok(())
    },
}

case! {
    id: "ops/fgetxattr/reads-value",
    summary: "FGETXATTR of a value set by setxattr(2) returns its length and bytes",
    requires: [OpFgetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fgetxattr(3)", "getxattr(2)"],
    run: |cx| {
        let f = TempFile::empty()?;
        // SAFETY: valid name and value.
        let rc = unsafe { libc::fsetxattr(f.fd(), XNAME.as_ptr(), b"abc".as_ptr() as *const _, 3, 0) };
        check!(rc == 0, "fixture fsetxattr(2): {}", std::io::Error::last_os_error());
        let mut buf = [0u8; 8];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &mut buf).user_data(1)], &[cqe(1, 3)])?;
        check_eq!(&buf[..3], b"abc", "value");
        Ok(())
    },
}

case! {
    id: "ops/fgetxattr/error-missing-enodata",
    summary: "FGETXATTR of a name the file does not have completes with -ENODATA",
    requires: [OpFgetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ENODATA"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut buf = [0u8; 8];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &mut buf).user_data(1)], &[cqe(1, -libc::ENODATA)])?;
        Ok(())
    },
}

case! {
    id: "ops/setxattr/set-by-path",
    summary: "SETXATTR by path sets the value; GETXATTR by path reads it back",
    requires: [OpSetxattr, OpGetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_setxattr(3)", "io_uring_prep_getxattr(3)"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let mut buf = [0u8; 16];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::setxattr(&p, XNAME, b"by-path", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &mut buf).user_data(2)], &[cqe(2, 7)])?;
        check_eq!(&buf[..7], b"by-path", "value");
        Ok(())
    },
}

case! {
    id: "ops/setxattr/error-replace-missing-enodata",
    summary: "SETXATTR with XATTR_REPLACE of a missing name completes with -ENODATA",
    requires: [OpSetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["setxattr(2): XATTR_REPLACE; ERRORS: ENODATA"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::setxattr(&p, XNAME, b"x", libc::XATTR_REPLACE as u32).user_data(1)], &[cqe(1, -libc::ENODATA)])?;
        Ok(())
    },
}

case! {
    id: "ops/getxattr/reads-value",
    summary: "GETXATTR by path of a value set by setxattr(2) returns its length and bytes",
    requires: [OpGetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_getxattr(3)", "getxattr(2)"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        // SAFETY: valid path, name and value.
        let rc = unsafe { libc::setxattr(p.as_ptr(), XNAME.as_ptr(), b"wxyz".as_ptr() as *const _, 4, 0) };
        check!(rc == 0, "fixture setxattr(2): {}", std::io::Error::last_os_error());
        let mut buf = [0u8; 8];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &mut buf).user_data(1)], &[cqe(1, 4)])?;
        check_eq!(&buf[..4], b"wxyz", "value");
        Ok(())
    },
}

case! {
    id: "ops/getxattr/error-size-too-small-erange",
    summary: "GETXATTR into a buffer smaller than the value completes with -ERANGE",
    requires: [OpGetxattr, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ERANGE (size too small)"],
    run: |cx| {
        let f = TempFile::empty()?;
        // SAFETY: valid name and value.
        let rc = unsafe { libc::fsetxattr(f.fd(), XNAME.as_ptr(), b"abcdef".as_ptr() as *const _, 6, 0) };
        check!(rc == 0, "fixture fsetxattr(2): {}", std::io::Error::last_os_error());
        let p = cpath(&f.path())?;
        let mut buf = [0u8; 2];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &mut buf).user_data(1)], &[cqe(1, -libc::ERANGE)])?;
        Ok(())
    },
}

case! {
    id: "ops/getxattr/error-missing-path-enoent",
    summary: "GETXATTR on a missing path completes with -ENOENT",
    requires: [OpGetxattr],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ENOENT (path_resolution(7))"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        let mut buf = [0u8; 8];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &mut buf).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ ftruncate

case! {
    id: "ops/ftruncate/shrinks-and-extends",
    summary: "FTRUNCATE sets the size: shorter cuts the content, longer reads back zeros",
    requires: [OpFtruncate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_ftruncate(3)", "ftruncate(2)"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(100, 2))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::ftruncate(f.fd(), 10).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(f.content()?, pattern(100, 2)[..10].to_vec(), "content after shrinking");
        r.run_expect(&[Sqe::ftruncate(f.fd(), 20).user_data(2)], &[cqe(2, 0)])?;
        check_eq!(f.content()?, [&pattern(100, 2)[..10], &[0u8; 10][..]].concat(), "content after extending");
        Ok(())
    },
}

case! {
    id: "ops/ftruncate/error-negative-einval",
    summary: "FTRUNCATE to a negative length completes with -EINVAL",
    requires: [OpFtruncate],
    variants: variants::DEFAULT,
    refs: ["ftruncate(2) ERRORS: EINVAL (length negative)"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::ftruncate(f.fd(), (-1i64) as u64).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        check_eq!(f.content()?, b"abc".to_vec(), "content");
        Ok(())
    },
}

case! {
    id: "ops/ftruncate/error-read-only-einval",
    summary: "FTRUNCATE of an fd not open for writing completes with -EINVAL",
    requires: [OpFtruncate],
    variants: variants::DEFAULT,
    refs: ["ftruncate(2) ERRORS: EBADF or EINVAL (fd not open for writing); fs/open.c do_ftruncate: !FMODE_WRITE -> -EINVAL"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let ro = fixtures::open(&f.path(), libc::O_RDONLY | libc::O_CLOEXEC)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::ftruncate(ro.as_raw_fd(), 1).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}
