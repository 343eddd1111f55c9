//! Registered files: the ring's file table (REGISTER_FILES, FILES2 with
//! tags and sparse tables, updates by register call and by
//! IORING_OP_FILES_UPDATE), IOSQE_FIXED_FILE, direct descriptors (open,
//! accept and socket into a slot, close of a slot, FILE_ALLOC_RANGE,
//! IORING_FILE_INDEX_ALLOC), FIXED_FD_INSTALL, and unregistering while a
//! request still uses a file.
//!
//! References: io_uring_register(2) (IORING_REGISTER_FILES, _FILES2,
//! _FILES_UPDATE(2), _FILE_ALLOC_RANGE; tags: "a CQE is posted with the
//! tag as user_data once the file is no longer in use"),
//! io_uring_prep_openat_direct(3), io_uring_prep_close_direct(3),
//! io_uring_prep_fixed_fd_install(3), io_uring/filetable.c, rsrc.c.

use crate::prelude::*;
use fixtures::{Listener, SocketPair};
use oracle::CaseError;
use std::ffi::CString;

mod direct_slots;
mod tags;
mod update_errors;

/// Two files with distinct content, for telling slots apart.
fn two_files() -> Result<(TempFile, TempFile), CaseError> {
    Ok((TempFile::with_content(&pattern(32, 1))?, TempFile::with_content(&pattern(32, 2))?))
}

/// Reads 32 bytes through registered slot `slot`, expecting `res`.
fn read_slot(r: &mut CheckedRing, slot: i32, res: i32) -> Result<Vec<u8>, CaseError> {
    // Leaked: the ring outlives this call (a read through a slot cannot be
    // left in flight here, but the type cannot tell).
    let buf: &'static IoBuf = IoBuf::new(32).leak();
    r.run_expect(&[Sqe::read(slot, buf, 0).fixed_file().user_data(50)], &[cqe(50, res)])?;
    Ok(buf.to_vec())
}

fn path_of(f: &TempFile) -> Result<CString, CaseError> {
    CString::new(f.path().as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(e.to_string()))
}

case! {
    id: "files/read-fixed-file",
    summary: "a read with IOSQE_FIXED_FILE uses the registered file at that index",
    requires: [OpRead, RegFiles, SqeFixedFile],
    variants: variants::ALL,
    refs: ["io_uring_register(2): IORING_REGISTER_FILES", "io_uring_enter(2): IOSQE_FIXED_FILE", "claim:enter.sqe.fixed-file", "claim:register.op.files"],
    run: |cx| {
        let (a, b) = two_files()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd(), b.fd()])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 2), "bytes read through slot 1");
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "bytes read through slot 0");
        Ok(())
    },
}

case! {
    id: "files/write-fixed-file",
    summary: "a write with IOSQE_FIXED_FILE writes to the registered file",
    requires: [OpWrite, RegFiles, SqeFixedFile],
    variants: variants::LAYOUT,
    refs: ["io_uring_enter(2): IOSQE_FIXED_FILE", "claim:enter.sqe.fixed-file"],
    run: |cx| {
        let f = TempFile::empty()?;
        let data;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd()])?;
        data = pattern(40, 5);
        r.run_expect(&[Sqe::write(0, &data, 0).fixed_file().user_data(1)], &[cqe(1, 40)])?;
        check_eq!(f.content()?, data, "file content");
        Ok(())
    },
}

case! {
    id: "files/sparse-slot-ebadf",
    summary: "a fixed-file request naming an empty (-1) slot completes with -EBADF",
    requires: [OpRead, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): -1 entries are empty slots", "io_uring/filetable.c: an empty slot has no file -> -EBADF", "claim:register.op.files-sparse"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let mut r = cx.ring()?;
        r.register_files(&[-1, a.fd()])?;
        read_slot(&mut r, 0, -libc::EBADF)?;
        Ok(())
    },
}

case! {
    id: "files/index-past-table-ebadf",
    summary: "a fixed-file request with an index past the table completes with -EBADF",
    requires: [OpRead, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring/io_uring.c io_file_get_fixed: fd >= nr -> -EBADF"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        read_slot(&mut r, 5, -libc::EBADF)?;
        Ok(())
    },
}

case! {
    id: "files/fixed-file-without-table-ebadf",
    summary: "IOSQE_FIXED_FILE on a ring with no registered files completes with -EBADF",
    requires: [OpRead, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_file_get_fixed", "claim:enter.cqe.EBADF-fixed-without-table"],
    run: |cx| {
        let mut r = cx.ring()?;
        read_slot(&mut r, 0, -libc::EBADF)?;
        Ok(())
    },
}

case! {
    id: "files/register-twice-ebusy",
    summary: "registering files while a table is registered fails with EBUSY",
    requires: [RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBUSY (already registered)", "claim:register.errors.EBUSY-files"],
    run: |cx| {
        let a = TempFile::empty()?;
        let r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        check_errno!(r.register_files(&[a.fd()]), libc::EBUSY, "second REGISTER_FILES");
        Ok(())
    },
}

case! {
    id: "files/unregister-none-enxio",
    summary: "UNREGISTER_FILES with no table fails with ENXIO",
    requires: [RegUnregisterFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: ENXIO (nothing registered)", "claim:register.errors.ENXIO-unregister-files-none"],
    run: |cx| {
        let r = cx.ring()?;
        check_errno!(r.unregister_files(), libc::ENXIO, "UNREGISTER_FILES with nothing registered");
        Ok(())
    },
}

case! {
    id: "files/register-ring-fd-ebadf",
    summary: "an io_uring fd cannot be a registered file: EBADF",
    requires: [RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_sqe_files_register: io_uring fds are refused (-EBADF)", "claim:register.errors.EBADF-fd-array"],
    run: |cx| {
        let r = cx.ring()?;
        let other = CheckedRing::new(2)?;
        check_errno!(r.register_files(&[other.fd()]), libc::EBADF, "registering an io_uring fd");
        Ok(())
    },
}

case! {
    id: "files/register-update-replaces",
    summary: "REGISTER_FILES_UPDATE2 replaces a slot (returns 1) and later reads use the new file",
    requires: [OpRead, RegFiles, RegFilesUpdate2, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_FILES_UPDATE2 (returns the number updated)", "claim:register.op.files-update"],
    run: |cx| {
        let (a, b) = two_files()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        check_eq!(r.update_files(0, &[b.fd()], &[])?, 1, "slots updated");
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 2), "bytes read through the updated slot");
        Ok(())
    },
}

case! {
    id: "files/update-skip-keeps-slot",
    summary: "an update entry of IORING_REGISTER_FILES_SKIP (-2) leaves that slot as it was",
    requires: [OpRead, RegFiles, RegFilesUpdate2, SqeFixedFile],
    variants: variants::ALL,
    refs: ["io_uring_register(2): IORING_REGISTER_FILES_SKIP", "claim:register.op.files-skip"],
    run: |cx| {
        let (a, b) = two_files()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd(), a.fd()])?;
        check_eq!(r.update_files(0, &[IORING_REGISTER_FILES_SKIP, b.fd()], &[])?, 2, "entries processed");
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 (skipped)");
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 2), "slot 1 (updated)");
        Ok(())
    },
}

case! {
    id: "files/update-past-table-einval",
    summary: "an update past the end of the table fails with EINVAL",
    requires: [RegFiles, RegFilesUpdate2],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c __io_sqe_files_update: offset + nr > table size is -EINVAL"],
    run: |cx| {
        let a = TempFile::empty()?;
        let r = cx.ring()?;
        r.register_files(&[a.fd(), a.fd()])?;
        check_errno!(r.update_files(2, &[a.fd()], &[]), libc::EINVAL, "update of slot 2 in a 2-slot table");
        Ok(())
    },
}

case! {
    id: "files/files-update-op",
    summary: "IORING_OP_FILES_UPDATE replaces slots from an offset; its CQE res is the number updated",
    requires: [OpRead, OpFilesUpdate, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_files_update(3): res is the number of files updated", "claim:enter.op.files-update", "claim:prep.files-update.count"],
    run: |cx| {
        let (a, b) = two_files()?;
        let fds;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd(), a.fd()])?;
        fds = cells(&[b.fd()]);
        r.run_expect(&[Sqe::files_update(&fds, 1).user_data(1)], &[cqe(1, 1)])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 2), "slot 1 after FILES_UPDATE");
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 untouched");
        Ok(())
    },
}

case! {
    id: "files/files-update-op-skip-keeps-slot",
    summary: "IORING_OP_FILES_UPDATE with an IORING_REGISTER_FILES_SKIP entry leaves that slot as it was and counts it as updated",
    requires: [OpRead, OpFilesUpdate, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_register(2): IORING_REGISTER_FILES_SKIP",
        "io_uring/rsrc.c __io_sqe_files_update: a SKIP entry is passed over and counted in done",
        "claim:register.op.files-skip",
    ],
    run: |cx| {
        let (a, b) = two_files()?;
        let fds;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd(), a.fd(), a.fd()])?;
        fds = cells(&[IORING_REGISTER_FILES_SKIP, b.fd()]);
        r.run_expect(&[Sqe::files_update(&fds, 1).user_data(1)], &[cqe(1, 2)])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 1), "slot 1 (skipped)");
        check_eq!(read_slot(&mut r, 2, 32)?, pattern(32, 2), "slot 2 (updated)");
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 (not in the update)");
        Ok(())
    },
}

case! {
    id: "files/files-update-op-no-table-enxio",
    summary: "IORING_OP_FILES_UPDATE on a ring with no table completes with -ENXIO",
    requires: [OpFilesUpdate],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_files_update: no file table -> -ENXIO"],
    run: |cx| {
        let a = TempFile::empty()?;
        let fds;
        let mut r = cx.ring()?;
        fds = cells(&[a.fd()]);
        r.run_expect(&[Sqe::files_update(&fds, 0).user_data(1)], &[cqe(1, -libc::ENXIO)])?;
        Ok(())
    },
}

case! {
    id: "files/sparse-table",
    summary: "FILES2 with IORING_RSRC_REGISTER_SPARSE makes empty slots (-EBADF) that updates fill",
    requires: [OpRead, RegFiles2, RegFilesUpdate2, SqeFixedFile, OpflagRsrcSparse],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_RSRC_REGISTER_SPARSE", "claim:register.op.files-sparse"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[], &[], 4)?;
        read_slot(&mut r, 2, -libc::EBADF)?;
        check_eq!(r.update_files(2, &[a.fd()], &[])?, 1, "slots updated");
        check_eq!(read_slot(&mut r, 2, 32)?, pattern(32, 1), "slot 2 after the update");
        Ok(())
    },
}

case! {
    id: "files/unregister-while-in-flight",
    summary: "unregistering the table while a poll uses a registered pipe succeeds (0), and the poll still completes normally",
    requires: [OpPollAdd, RegFiles, RegUnregisterFiles, SqeFixedFile],
    // Unregistering runs on a helper thread: kernels before the rsrc rework
    // wait in it for the poll to finish. SINGLE_ISSUER rings refuse register
    // calls from another thread, so DEFER_TASKRUN is left out.
    variants: &[Variant::Default, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_register(2): IORING_UNREGISTER_FILES", "io_uring/rsrc.c: requests hold their file node (older kernels quiesce instead)", "claim:register.op.unregister-files"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.register_files(&[p.rx()])?;
        r.submit_all(&[Sqe::poll_add(0, POLLIN as u32).fixed_file().user_data(1)])?;
        let fd = r.fd();
        // SAFETY: UNREGISTER_FILES takes no argument; the fd outlives the thread (joined below).
        let h = std::thread::spawn(move || unsafe { io_uring_register(fd, IORING_UNREGISTER_FILES, std::ptr::null_mut(), 0) });
        // Give a non-waiting kernel the time to return first; a waiting one
        // returns once the poll below completes. Both are fine.
        fixtures::wait_until(oracle::scaled(Duration::from_millis(100)), || h.is_finished());
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        let res = h.join().map_err(|_| CaseError::Error("the unregister thread panicked".into()))?;
        check_eq!(res, Ok(0), "IORING_UNREGISTER_FILES with a request in flight");
        Ok(())
    },
}

case! {
    id: "files/openat-direct-slot",
    summary: "OPENAT into a chosen slot completes with res 0 and the slot reads the file",
    requires: [OpOpenat, OpRead, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_openat_direct(3): res 0 on success with a given slot", "claim:enter.op.openat.direct-slot"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let path = path_of(&a)?;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY, 0).direct(1).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 1), "bytes read through the opened slot");
        Ok(())
    },
}

case! {
    id: "files/openat-direct-replaces",
    summary: "OPENAT into an occupied slot replaces its file",
    requires: [OpOpenat, OpRead, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_openat_direct(3): an occupied slot is replaced", "claim:enter.op.openat.direct-replaces"],
    run: |cx| {
        let (a, b) = two_files()?;
        let path = path_of(&b)?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY, 0).direct(0).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 2), "slot 0 after the direct open");
        Ok(())
    },
}

case! {
    id: "files/openat-direct-cloexec-einval",
    summary: "a direct OPENAT with O_CLOEXEC is rejected with -EINVAL",
    requires: [OpOpenat, RegFiles, OpflagOpenatDirect],
    variants: variants::DEFAULT,
    refs: ["io_uring/openclose.c io_openat_prep: file_slot with O_CLOEXEC is -EINVAL"],
    run: |cx| {
        let a = TempFile::empty()?;
        let path = path_of(&a)?;
        let mut r = cx.ring()?;
        r.register_files(&[-1])?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY | libc::O_CLOEXEC, 0).direct(0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "files/openat-alloc",
    summary: "OPENAT with IORING_FILE_INDEX_ALLOC completes with the slot it picked (the free one)",
    requires: [OpOpenat, OpRead, RegFiles, OpflagFileIndexAlloc, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_openat_direct(3): IORING_FILE_INDEX_ALLOC, res is the allocated index", "claim:prep.openat.direct-alloc"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let path = path_of(&a)?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd(), -1, a.fd()])?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY, 0).direct(IORING_FILE_INDEX_ALLOC).user_data(1)], &[cqe(1, 1)])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 1), "bytes read through the allocated slot");
        Ok(())
    },
}

case! {
    id: "files/alloc-range",
    summary: "after FILE_ALLOC_RANGE(4, 2), allocations get slots 4 and 5, then -ENFILE",
    requires: [OpOpenat, RegFiles2, RegFileAllocRange, OpflagFileIndexAlloc, OpflagRsrcSparse],
    variants: variants::ALL,
    refs: ["io_uring_register(2): IORING_REGISTER_FILE_ALLOC_RANGE", "io_uring/filetable.c io_file_bitmap_get: no free slot in range -> -ENFILE", "claim:register.op.file-alloc-range"],
    run: |cx| {
        let a = TempFile::empty()?;
        let path = path_of(&a)?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[], &[], 8)?;
        let range = io_uring_file_index_range { off: 4, len: 2, resv: 0 };
        // SAFETY: one valid io_uring_file_index_range.
        unsafe { r.register_raw(IORING_REGISTER_FILE_ALLOC_RANGE, &range as *const _ as *const _, 0)? };
        let open = |ud| Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY, 0).direct(IORING_FILE_INDEX_ALLOC).user_data(ud);
        r.run_expect(&[open(1), open(2), open(3)], &[cqe(1, 4), cqe(2, 5), cqe(3, -libc::ENFILE)])?;
        Ok(())
    },
}

case! {
    id: "files/close-direct",
    summary: "CLOSE of a direct descriptor empties the slot (res 0); a read then gets -EBADF, and a second close -EBADF",
    requires: [OpClose, OpRead, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_close_direct(3)", "io_uring/filetable.c io_fixed_fd_remove: an empty slot is -EBADF", "claim:enter.op.close.direct", "claim:prep.close.direct-invalid"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        r.run_expect(&[Sqe::close_direct(0).user_data(1)], &[cqe(1, 0)])?;
        read_slot(&mut r, 0, -libc::EBADF)?;
        r.run_expect(&[Sqe::close_direct(0).user_data(2)], &[cqe(2, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "files/accept-direct",
    summary: "ACCEPT into an allocated slot completes with the slot; data sent by the peer is received through it",
    requires: [OpAccept, OpRecv, RegFiles, OpflagFileIndexAlloc, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_accept_direct(3)", "claim:prep.accept.direct-alloc"],
    run: |cx| {
        let l = Listener::new()?;
        let buf;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        let mut peer = l.connect()?;
        r.run_expect(&[Sqe::accept(l.fd(), 0).direct(IORING_FILE_INDEX_ALLOC).user_data(1)], &[cqe(1, 0)])?;
        std::io::Write::write_all(&mut peer, b"hello")?;
        buf = IoBuf::new(5);
        r.run_expect(&[Sqe::recv(0, &buf, libc::MSG_WAITALL as u32).fixed_file().user_data(2)], &[cqe(2, 5)])?;
        check_eq!(&buf.to_vec(), b"hello", "bytes received through the accepted slot");
        Ok(())
    },
}

case! {
    id: "files/socket-direct",
    summary: "SOCKET into an allocated slot completes with the slot, which then works as a socket",
    requires: [OpSocket, OpSend, RegFiles, OpflagFileIndexAlloc, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_socket_direct_alloc(3)", "claim:prep.socket-direct-alloc"],
    run: |cx| {
        let data;
        let mut r = cx.ring()?;
        r.register_files(&[-1])?;
        r.run_expect(&[Sqe::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).direct(IORING_FILE_INDEX_ALLOC).user_data(1)], &[cqe(1, 0)])?;
        // An unconnected UDP socket answers a send without address with -EDESTADDRREQ:
        // the slot holds a socket of the right kind.
        data = [1u8; 4];
        r.run_expect(&[Sqe::send(0, &data, 0).fixed_file().user_data(2)], &[cqe(2, -libc::EDESTADDRREQ)])?;
        Ok(())
    },
}

case! {
    id: "files/fixed-fd-install",
    summary: "FIXED_FD_INSTALL turns a registered slot into a normal fd (res), close-on-exec by default, reading the same file",
    requires: [OpFixedFdInstall, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_fixed_fd_install(3): res is the new fd; O_CLOEXEC unless IORING_FIXED_FD_NO_CLOEXEC", "claim:enter.op.fixed-fd-install", "claim:prep.fixed-fd-install"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 3))?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        // The new fd is the lowest free one (see fixed-fd-install-no-cloexec).
        let next = closed_fd();
        let got = r.run_expect(&[Sqe::fixed_fd_install(0, 0).user_data(1)], &[cqe(1, next)])?;
        // Stays unsafe: owning a descriptor the kernel installed.
        // SAFETY: the kernel gave us this fd; OwnedFd closes it.
        let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(got[0].res) };
        let fl = rustix::io::fcntl_getfd(&fd).map_err(std::io::Error::from)?;
        check!(fl.contains(rustix::io::FdFlags::CLOEXEC), "the installed fd lacks FD_CLOEXEC (F_GETFD {fl:?})");
        let mut buf = [0u8; 32];
        check_eq!(rustix::io::pread(&fd, &mut buf, 0), Ok(32), "pread on the installed fd");
        check_eq!(buf.to_vec(), pattern(32, 3), "bytes read through the installed fd");
        r.expect_none()
    },
}

case! {
    id: "files/fixed-fd-install-no-cloexec",
    summary: "FIXED_FD_INSTALL with IORING_FIXED_FD_NO_CLOEXEC installs an fd without FD_CLOEXEC",
    requires: [OpFixedFdInstall, RegFiles, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fixed_fd_install(3): IORING_FIXED_FD_NO_CLOEXEC", "claim:enter.op.fixed-fd-install.no-cloexec"],
    run: |cx| {
        let a = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        // The new fd is the lowest free one (receive_fd ->
        // get_unused_fd_flags), and nothing else opens fds in the trial.
        let next = closed_fd();
        let got = r.run_expect(&[Sqe::fixed_fd_install(0, IORING_FIXED_FD_NO_CLOEXEC).user_data(1)], &[cqe(1, next)])?;
        // Stays unsafe: owning a descriptor the kernel installed.
        // SAFETY: the kernel gave us this fd; OwnedFd closes it.
        let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(got[0].res) };
        let fl = rustix::io::fcntl_getfd(&fd).map_err(std::io::Error::from)?;
        check!(!fl.contains(rustix::io::FdFlags::CLOEXEC), "the installed fd has FD_CLOEXEC despite NO_CLOEXEC");
        Ok(())
    },
}

case! {
    id: "files/fixed-fd-install-needs-fixed-ebadf",
    summary: "FIXED_FD_INSTALL without IOSQE_FIXED_FILE is rejected with -EBADF",
    requires: [OpFixedFdInstall, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring/openclose.c io_install_fixed_fd_prep: !REQ_F_FIXED_FILE -> -EBADF", "claim:enter.op.fixed-fd-install.needs-fixed"],
    run: |cx| {
        let a = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        let s = Sqe::fixed_fd_install(0, 0).without(IOSQE_FIXED_FILE).user_data(1);
        r.run_expect(&[s], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "files/fixed-recv-on-socketpair",
    summary: "a registered socket works for recv with IOSQE_FIXED_FILE",
    requires: [OpRecv, RegFiles, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IOSQE_FIXED_FILE", "claim:enter.sqe.fixed-file"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let buf;
        let mut r = cx.ring()?;
        r.register_files(&[s.a()])?;
        send_all(&s.b, b"ping")?;
        buf = IoBuf::new(4);
        r.run_expect(&[Sqe::recv(0, &buf, 0).fixed_file().user_data(1)], &[cqe(1, 4)])?;
        check_eq!(&buf.to_vec(), b"ping", "bytes received");
        Ok(())
    },
}
