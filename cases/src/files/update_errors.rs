//! IORING_OP_FILES_UPDATE's documented errors (io_uring_prep_files_update(3)
//! ERRORS): a field it does not take, an fd array it cannot read, an fd
//! that is not open or is an io_uring, a range that wraps. The table is
//! left as it was each time. io_uring/rsrc.c io_files_update_prep,
//! __io_register_rsrc_update, __io_sqe_files_update.

use super::*;

case! {
    id: "files/files-update-op-fields-einval",
    summary: "FILES_UPDATE with rw_flags set, or with a count of 0, completes with -EINVAL",
    requires: [OpFilesUpdate, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_files_update(3) ERRORS: -EINVAL", "io_uring/rsrc.c io_files_update_prep: rw_flags or splice_fd_in set, nr_args 0 -> -EINVAL", "claim:prep.files-update.EINVAL"],
    run: |cx| {
        let (a, b) = two_files()?;
        let (fds, none);
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        (fds, none) = (cells(&[b.fd()]), cells(&[]));
        let flagged = Sqe::files_update(&fds, 0).op_flags(1).user_data(1);
        let empty = Sqe::files_update(&none, 0).user_data(2);
        r.run_expect(&[flagged], &[cqe(1, -libc::EINVAL)])?;
        r.run_expect(&[empty], &[cqe(2, -libc::EINVAL)])?;
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 untouched");
        Ok(())
    },
}

case! {
    id: "files/files-update-op-bad-array-efault",
    summary: "FILES_UPDATE whose fd array cannot be read completes with -EFAULT",
    requires: [OpFilesUpdate, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_files_update(3) ERRORS: -EFAULT", "io_uring/rsrc.c __io_sqe_files_update: copy_from_user of an fd fails -> -EFAULT (nothing updated)", "claim:prep.files-update.EFAULT"],
    run: |cx| {
        let (a, b) = two_files()?;
        let fds;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        fds = cells(&[b.fd()]);
        let mut s = Sqe::files_update(&fds, 0).user_data(1);
        // Deliberately malformed: address 8 is never mapped.
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { s.raw_mut().addr = 8 };
        r.run_expect(&[s], &[cqe(1, -libc::EFAULT)])?;
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 untouched");
        Ok(())
    },
}

case! {
    id: "files/files-update-op-bad-fd-ebadf",
    summary: "FILES_UPDATE with an fd that is not open, or with an io_uring fd, completes with -EBADF",
    requires: [OpFilesUpdate, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_files_update(3) ERRORS: -EBADF (invalid fd, or an io_uring fd)", "io_uring/rsrc.c __io_sqe_files_update: fget fails or io_is_uring_fops -> -EBADF", "claim:prep.files-update.EBADF"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let closed;
        let ring;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        closed = cells(&[closed_fd()]);
        ring = cells(&[r.fd()]);
        r.run_expect(&[Sqe::files_update(&closed, 0).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        r.run_expect(&[Sqe::files_update(&ring, 0).user_data(2)], &[cqe(2, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "files/files-update-op-wrapping-range-eoverflow",
    summary: "FILES_UPDATE whose offset plus count wraps the 32-bit slot space completes with -EOVERFLOW",
    requires: [OpFilesUpdate, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_files_update(3) ERRORS: -EOVERFLOW", "io_uring/rsrc.c: check_add_overflow(up->offset, nr_args) -> -EOVERFLOW", "claim:prep.files-update.EOVERFLOW"],
    run: |cx| {
        let (a, b) = two_files()?;
        let fds;
        let mut r = cx.ring()?;
        r.register_files(&[a.fd()])?;
        fds = cells(&[b.fd(), b.fd()]);
        // 0xffff_ffff is IORING_FILE_INDEX_ALLOC; one below it plus 2 wraps.
        r.run_expect(&[Sqe::files_update(&fds, u32::MAX - 1).user_data(1)], &[cqe(1, -libc::EOVERFLOW)])?;
        check_eq!(read_slot(&mut r, 0, 32)?, pattern(32, 1), "slot 0 untouched");
        Ok(())
    },
}
