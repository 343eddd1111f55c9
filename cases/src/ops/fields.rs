//! What ops refuse at prep for what the SQE carries beyond their own
//! fields (a reserved field set, a ring kind they cannot run on,
//! IOSQE_FIXED_FILE on an op that takes a path), and RWF_NOWAIT on a read
//! with nothing to read. io_uring_enter(2) CQE ERRORS; io_uring/sync.c,
//! openclose.c, rw.c.

use crate::prelude::*;
use oracle::CheckedRing;

case! {
    id: "ops/fsync/error-fields-einval",
    summary: "FSYNC with addr set, or with buf_index set, completes with -EINVAL",
    requires: [OpFsync],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) CQE ERRORS: EINVAL (FSYNC with addr, ioprio or buf_index set)",
        "io_uring/sync.c io_fsync_prep: addr || buf_index || splice_fd_in -> -EINVAL",
        "claim:enter.cqe.EINVAL-fsync-fields",
    ],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        // Deliberately malformed: a field FSYNC does not take.
        let mut with_addr = Sqe::fsync(f.fd(), 0).user_data(1);
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { with_addr.raw_mut().addr = 8 };
        let with_index = Sqe::fsync(f.fd(), 0).buf_index(1).user_data(2);
        r.run_expect(&[with_addr], &[cqe(1, -libc::EINVAL)])?;
        r.run_expect(&[with_index], &[cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/fsync/error-iopoll-ring-einval",
    summary: "FSYNC on an IOPOLL ring completes with -EINVAL",
    requires: [OpFsync, SetupIopoll],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) CQE ERRORS: EINVAL (an op that is not a read or write, FSYNC, on an IOPOLL ring)",
        "io_uring/io_uring.c io_init_req: an op without ->iopoll on an IORING_SETUP_IOPOLL ring -> -EINVAL",
        "claim:enter.cqe.EINVAL-rw-on-iopoll",
    ],
    run: |_| {
        let f = TempFile::with_content(b"x")?;
        let mut r = CheckedRing::from(RingBuilder::new(8).flags(IORING_SETUP_IOPOLL).build()?);
        r.run_expect(&[Sqe::fsync(f.fd(), 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/openat/error-fixed-file-ebadf",
    summary: "OPENAT with IOSQE_FIXED_FILE (an op that takes a path, not a file) completes with -EBADF, even with a file table registered",
    requires: [OpOpenat, RegFiles, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) IOSQE_FIXED_FILE: an op that does not take fixed files fails with -EBADF",
        "io_uring/openclose.c io_openat_prep: REQ_F_FIXED_FILE -> -EBADF",
        "claim:enter.sqe.fixed-file.unsupported",
    ],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let path = cpath(&f.path())?;
        let mut r = cx.ring()?;
        r.register_files(&[f.fd()])?;
        r.run_expect(&[Sqe::openat(libc::AT_FDCWD, &path, libc::O_RDONLY, 0).fixed_file().user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/readv/nowait-empty-pipe-eagain",
    summary: "READV with RWF_NOWAIT on an empty pipe completes with -EAGAIN at once instead of waiting",
    // Pipes take IOCB_NOWAIT from afed6271f5b0 (pipe: set FMODE_NOWAIT on
    // pipes, 6.4); before it RWF_NOWAIT on a pipe is -EOPNOTSUPP. No probe
    // sees FMODE_NOWAIT; IOU_PBUF_RING_MMAP came in the same release.
    requires: [OpReadv, OpflagPbufRingMmap],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_prep_readv2(3): RWF_NOWAIT (preadv2(2): EAGAIN if no data is available)",
        "io_uring/rw.c io_read: -EAGAIN with REQ_F_NOWAIT completes the request",
        "commit afed6271f5b0 (pipe: set FMODE_NOWAIT on pipes)",
        "claim:prep.readv2.nowait",
    ],
    run: |cx| {
        let p = Pipe::new()?;
        let buf = IoBuf::new(8);
        let v = [iov(&buf)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.run_expect(&[unsafe { Sqe::readv(p.rx(), &v, 0) }.op_flags(libc::RWF_NOWAIT as u32).user_data(1)], &[cqe(1, -libc::EAGAIN)])?;
        // Without the flag the same read waits for data.
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.submit_all(&[unsafe { Sqe::readv(p.rx(), &v, 0) }.user_data(2)])?;
        r.expect_none()?;
        p.put(b"abc")?;
        r.expect(&[cqe(2, 3)])?;
        Ok(())
    },
}
