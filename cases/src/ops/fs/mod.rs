//! File-system opcodes: OPENAT, OPENAT2, CLOSE, STATX, RENAMEAT,
//! UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT, the four xattr ops and
//! FTRUNCATE. Each does what its syscall does (the man page of the
//! syscall is the reference for results and errors; io_uring/fs.c,
//! openclose.c, statx.c, xattr.c and truncate.c pass them through).

use crate::prelude::*;
use fixtures::TempDir;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

mod ftruncate;
mod xattr;

/// A directory for path ops, and an O_PATH-free fd on it for *at calls.
fn dir_fd(d: &TempDir) -> Result<std::os::fd::OwnedFd, oracle::CaseError> {
    Ok(fixtures::open(d.path(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC)?)
}

// ------------------------------------------------------------ openat

case! {
    id: "ops/openat/open-and-read",
    summary: "OPENAT returns a new fd for the path, open on the file's content",
    requires: [OpOpenat],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_openat(3)", "openat(2)", "claim:enter.op.openat", "claim:prep.openat"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(100, 4))?;
        let p = cpath(&f.path())?;
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(read_all(&fd)?, pattern(100, 4), "content read through the new fd");
        Ok(())
    },
}

case! {
    id: "ops/openat/error-missing-enoent",
    summary: "OPENAT of a missing path without O_CREAT completes with -ENOENT",
    requires: [OpOpenat],
    variants: variants::DEFAULT,
    refs: ["openat(2) ERRORS: ENOENT", "claim:prep.openat"],
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
    refs: ["openat(2): O_CREAT, O_EXCL, mode", "claim:enter.op.openat"],
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
    refs: ["io_uring_prep_openat2(3)", "openat2(2)", "claim:enter.op.openat2", "claim:prep.openat2"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(64, 6))?;
        let p = cpath(&f.path())?;
        let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, ..Default::default() };
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat2(libc::AT_FDCWD, &p, &how).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(read_all(&fd)?, pattern(64, 6), "content read through the new fd");
        Ok(())
    },
}

case! {
    id: "ops/openat2/error-resolve-beneath-exdev",
    summary: "OPENAT2 with RESOLVE_BENEATH of a path escaping the directory completes with -EXDEV",
    requires: [OpOpenat2],
    variants: variants::DEFAULT,
    refs: ["openat2(2): RESOLVE_BENEATH; ERRORS: EXDEV (escaping the dirfd)", "claim:prep.openat2"],
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
        // SAFETY: a non-address field (len here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().len = 16 };
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
    refs: ["io_uring_prep_close(3)", "close(2)", "claim:enter.op.close", "claim:prep.close.errno"],
    run: |cx| {
        let f = TempFile::empty()?;
        // A dup of our own fd, handed over: io_uring closes it.
        let fd = std::os::fd::IntoRawFd::into_raw_fd(rustix::io::dup(&f.file).map_err(std::io::Error::from)?);
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
    refs: ["close(2) ERRORS: EBADF", "claim:prep.close.errno"],
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
        let other = CheckedRing::new(4)?;
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
    refs: ["io_uring_prep_statx(3)", "statx(2)", "claim:enter.op.statx", "claim:prep.statx"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(1234, 1))?;
        let p = cpath(&f.path())?;
        let st = IoCell::<libc::statx>::zeroed();
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, libc::STATX_SIZE | libc::STATX_TYPE, &st).user_data(1)], &[cqe(1, 0)])?;
        let st = st.get();
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
        let st = IoCell::<libc::statx>::zeroed();
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(f.fd(), c"", libc::AT_EMPTY_PATH as u32, libc::STATX_SIZE, &st).user_data(1)], &[cqe(1, 0)])?;
        let st = st.get();
        check_eq!(st.stx_size, 77, "stx_size");
        Ok(())
    },
}

case! {
    id: "ops/statx/error-missing-enoent",
    summary: "STATX of a missing path completes with -ENOENT",
    requires: [OpStatx],
    variants: variants::DEFAULT,
    refs: ["statx(2) ERRORS: ENOENT", "claim:prep.statx"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        let st = IoCell::<libc::statx>::zeroed();
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, libc::STATX_SIZE, &st).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
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
        let st = IoCell::<libc::statx>::zeroed();
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::statx(libc::AT_FDCWD, &p, 0, 0x8000_0000, &st).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ renameat

case! {
    id: "ops/renameat/renames",
    summary: "RENAMEAT moves the file: the old name is gone, the new one has its content",
    requires: [OpRenameat],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_renameat(3)", "rename(2)", "claim:enter.op.renameat", "claim:prep.renameat"],
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
    refs: ["rename(2): RENAME_NOREPLACE; ERRORS: EEXIST", "claim:enter.op.renameat"],
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
    refs: ["rename(2) ERRORS: ENOENT", "claim:prep.renameat"],
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
    refs: ["io_uring_prep_unlinkat(3)", "unlink(2)", "claim:enter.op.unlinkat", "claim:prep.unlinkat"],
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
    refs: ["unlinkat(2): AT_REMOVEDIR", "claim:enter.op.unlinkat"],
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
    refs: ["unlink(2) ERRORS: ENOENT", "claim:prep.unlinkat"],
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
    refs: ["io_uring_prep_mkdirat(3)", "mkdir(2)", "claim:enter.op.mkdirat", "claim:prep.mkdirat"],
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
    refs: ["mkdir(2) ERRORS: EEXIST", "claim:prep.mkdirat"],
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
    refs: ["io_uring_prep_symlinkat(3)", "symlink(2)", "claim:enter.op.symlinkat", "claim:prep.symlinkat"],
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
    refs: ["symlink(2) ERRORS: EEXIST", "claim:prep.symlinkat"],
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
    refs: ["io_uring_prep_linkat(3)", "link(2)", "claim:enter.op.linkat", "claim:prep.linkat"],
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
    refs: ["link(2) ERRORS: ENOENT", "claim:prep.linkat"],
    run: |cx| {
        let d = TempDir::new()?;
        let (a, b) = (cpath(&d.join("a"))?, cpath(&d.join("b"))?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::linkat(&a, &b, 0).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}
