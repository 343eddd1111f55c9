//! Reads, writes and the sync and advice ops on regular files: READV,
//! WRITEV, READ and WRITE with offset -1 (the file position) and RWF
//! flags, the fixed-buffer forms' errors, FSYNC, SYNC_FILE_RANGE,
//! FALLOCATE, FADVISE and MADVISE. Results and errors are the
//! syscalls' (preadv2(2), pwritev2(2), fsync(2), sync_file_range(2),
//! fallocate(2), posix_fadvise(2), madvise(2)).

use crate::prelude::*;
use fixtures::{Bufs, Mapping};
use std::os::fd::AsRawFd;

/// IORING_OP_* offset -1: use (and advance) the file position.
const CUR_POS: u64 = u64::MAX;

fn file_pos(fd: impl std::os::fd::AsFd) -> i64 {
    rustix::fs::seek(fd, rustix::fs::SeekFrom::Current(0)).map_or(-1, |p| p as i64)
}

// ------------------------------------------------------------ readv / writev

case! {
    id: "ops/readv/scatters",
    summary: "READV fills the iovecs in order and returns the total",
    requires: [OpReadv],
    variants: variants::ALL,
    refs: ["io_uring_prep_readv(3)", "readv(2)", "claim:enter.op.readv-writev", "claim:prep.readv"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(30, 7))?;
        let (a, b) = (IoBuf::new(10), IoBuf::new(20));
        let v = [iov(&a), iov(&b)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.run_expect(&[unsafe { Sqe::readv(f.fd(), &v, 0) }.user_data(1)], &[cqe(1, 30)])?;
        check_eq!([a.to_vec(), b.to_vec()].concat(), pattern(30, 7), "bytes in the iovecs");
        Ok(())
    },
}

case! {
    id: "ops/readv/file-position",
    summary: "READV with offset -1 reads from the file position and advances it",
    requires: [OpReadv, FeatRwCurPos],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): offset -1 uses the current file position (IORING_FEAT_RW_CUR_POS)"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(30, 7))?;
        rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Start(5)).map_err(std::io::Error::from)?;
        let a = IoBuf::new(10);
        let v = [iov(&a)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.run_expect(&[unsafe { Sqe::readv(f.fd(), &v, CUR_POS) }.user_data(1)], &[cqe(1, 10)])?;
        check_eq!(a.to_vec(), pattern(30, 7)[5..15].to_vec(), "bytes read");
        check_eq!(file_pos(&f.file), 15, "file position after the read");
        Ok(())
    },
}

case! {
    id: "ops/readv/error-bad-fd-ebadf",
    summary: "READV on a closed fd completes with -EBADF",
    requires: [OpReadv],
    variants: variants::DEFAULT,
    refs: ["readv(2) ERRORS: EBADF", "claim:enter.cqe.EBADF-fd", "claim:enter.op.readv-writev"],
    run: |cx| {
        let a = IoBuf::new(4);
        let v = [iov(&a)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.run_expect(&[unsafe { Sqe::readv(closed_fd(), &v, 0) }.user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/readv/error-too-many-iovecs-einval",
    summary: "READV with more than UIO_MAXIOV (1024) iovecs completes with -EINVAL",
    requires: [OpReadv],
    variants: variants::DEFAULT,
    refs: ["readv(2) ERRORS: EINVAL (iovcnt greater than the permitted maximum)", "claim:prep.readv"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(16, 1))?;
        let byte = IoBuf::new(1);
        let v = vec![iov(&byte); 1025];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs are IoBufs declared before the ring, so they outlive it.
        r.run_expect(&[unsafe { Sqe::readv(f.fd(), &v, 0) }.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/writev/gathers",
    summary: "WRITEV writes the iovecs in order at the offset and returns the total",
    requires: [OpWritev],
    variants: variants::ALL,
    refs: ["io_uring_prep_writev(3)", "writev(2)", "claim:enter.op.readv-writev", "claim:prep.writev"],
    run: |cx| {
        let f = TempFile::with_content(&[0u8; 4])?;
        let (a, b) = (pattern(6, 1), pattern(9, 2));
        let v = [iov_ro(&a), iov_ro(&b)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs point into buffers declared before the ring, which outlive it; the kernel only reads them.
        r.run_expect(&[unsafe { Sqe::writev(f.fd(), &v, 2) }.user_data(1)], &[cqe(1, 15)])?;
        check_eq!(f.content()?, [&[0u8, 0][..], &a[..], &b[..]].concat(), "file content");
        Ok(())
    },
}

case! {
    id: "ops/writev/rwf-append",
    summary: "WRITEV with RWF_APPEND writes at the end whatever the offset",
    requires: [OpWritev],
    variants: variants::DEFAULT,
    refs: ["pwritev2(2): RWF_APPEND (the offset is ignored)", "claim:prep.writev2"],
    run: |cx| {
        let f = TempFile::with_content(b"head")?;
        let a = IoBuf::from_bytes(b"tail");
        let v = [iov(&a)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs point into buffers declared before the ring, which outlive it; the kernel only reads them.
        r.run_expect(&[unsafe { Sqe::writev(f.fd(), &v, 0) }.op_flags(libc::RWF_APPEND as u32).user_data(1)], &[cqe(1, 4)])?;
        check_eq!(f.content()?, b"headtail".to_vec(), "file content");
        Ok(())
    },
}

case! {
    id: "ops/writev/error-read-only-ebadf",
    summary: "WRITEV to an fd open only for reading completes with -EBADF",
    requires: [OpWritev],
    variants: variants::DEFAULT,
    refs: ["writev(2) ERRORS: EBADF (fd not open for writing)", "claim:enter.op.readv-writev", "claim:prep.writev"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let ro = fixtures::open(&f.path(), libc::O_RDONLY | libc::O_CLOEXEC)?;
        let a = IoBuf::from_bytes(b"x");
        let v = [iov(&a)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs point into buffers declared before the ring, which outlive it; the kernel only reads them.
        r.run_expect(&[unsafe { Sqe::writev(ro.as_raw_fd(), &v, 0) }.user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/writev/error-unknown-rwf-eopnotsupp",
    summary: "WRITEV with an unknown RWF_* bit completes with -EOPNOTSUPP and writes nothing",
    requires: [OpWritev],
    variants: variants::DEFAULT,
    refs: ["pwritev2(2) ERRORS: EOPNOTSUPP (an unknown flag is specified in flags)", "include/linux/fs.h kiocb_set_rw_flags", "claim:prep.writev2"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let a = IoBuf::from_bytes(b"x");
        let v = [iov(&a)];
        let mut r = cx.ring()?;
        // SAFETY: v's iovecs point into buffers declared before the ring, which outlive it; the kernel only reads them.
        r.run_expect(&[unsafe { Sqe::writev(f.fd(), &v, 0) }.op_flags(0x8000_0000).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        check_eq!(f.content()?, b"abc".to_vec(), "file content");
        Ok(())
    },
}

// ------------------------------------------------------------ read / write

case! {
    id: "ops/read/file-position-advances",
    summary: "two READs with offset -1 read consecutive bytes from the file position",
    requires: [OpRead, FeatRwCurPos],
    variants: variants::DELIVERY,
    refs: ["io_uring_enter(2): IORING_OP_READ, offset -1 (IORING_FEAT_RW_CUR_POS)", "claim:setup.feat.rw-cur-pos", "claim:enter.op.read-write.pos"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(20, 3))?;
        // The fixture wrote through this fd: start from 0.
        rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Start(0)).map_err(std::io::Error::from)?;
        let (a, b) = (IoBuf::new(8), IoBuf::new(8));
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(f.fd(), &a, CUR_POS).user_data(1)], &[cqe(1, 8)])?;
        r.run_expect(&[Sqe::read(f.fd(), &b, CUR_POS).user_data(2)], &[cqe(2, 8)])?;
        check_eq!([a.to_vec(), b.to_vec()].concat(), pattern(20, 3)[..16].to_vec(), "bytes read");
        check_eq!(file_pos(&f.file), 16, "file position");
        Ok(())
    },
}

case! {
    id: "ops/read/short-at-end-of-file",
    summary: "READ past the end of the file returns what is there, and 0 at the end",
    requires: [OpRead],
    variants: variants::DEFAULT,
    refs: ["read(2): fewer bytes at end of file; 0 at end of file", "claim:enter.op.read-write", "claim:prep.read"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(10, 3))?;
        let a = IoBuf::new(32);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(f.fd(), &a, 4).user_data(1)], &[cqe(1, 6)])?;
        r.run_expect(&[Sqe::read(f.fd(), &a, 10).user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/read/error-directory-eisdir",
    summary: "READ of a directory fd completes with -EISDIR",
    requires: [OpRead],
    variants: variants::DEFAULT,
    refs: ["read(2) ERRORS: EISDIR", "claim:prep.read"],
    run: |cx| {
        let d = fixtures::TempDir::new()?;
        let dfd = fixtures::open(d.path(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC)?;
        let a = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(dfd.as_raw_fd(), &a, 0).user_data(1)], &[cqe(1, -libc::EISDIR)])?;
        Ok(())
    },
}

case! {
    id: "ops/write/file-position-advances",
    summary: "WRITE with offset -1 writes at the file position and advances it",
    requires: [OpWrite, FeatRwCurPos],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2): IORING_OP_WRITE, offset -1 (IORING_FEAT_RW_CUR_POS)", "claim:setup.feat.rw-cur-pos", "claim:enter.op.read-write.pos", "claim:prep.write"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write(f.fd(), b"one", CUR_POS).user_data(1)], &[cqe(1, 3)])?;
        r.run_expect(&[Sqe::write(f.fd(), b"two", CUR_POS).user_data(2)], &[cqe(2, 3)])?;
        check_eq!(f.content()?, b"onetwo".to_vec(), "file content");
        check_eq!(file_pos(&f.file), 6, "file position");
        Ok(())
    },
}

case! {
    id: "ops/write/error-read-only-ebadf",
    summary: "WRITE to an fd open only for reading completes with -EBADF",
    requires: [OpWrite],
    variants: variants::DEFAULT,
    refs: ["write(2) ERRORS: EBADF (fd not open for writing)", "claim:prep.write"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let ro = fixtures::open(&f.path(), libc::O_RDONLY | libc::O_CLOEXEC)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write(ro.as_raw_fd(), b"x", 0).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "ops/write_fixed/error-no-buffers-efault",
    summary: "WRITE_FIXED on a ring with no registered buffers completes with -EFAULT",
    requires: [OpWriteFixed],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_find_buf_node: no buffer at buf_index -> -EFAULT", "claim:enter.cqe.EFAULT-fixed-no-buffers", "claim:prep.write-fixed"],
    run: |cx| {
        let f = TempFile::empty()?;
        let data = pattern(16, 1);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write_fixed(f.fd(), data.as_ptr(), 16, 0, 0).user_data(1)], &[cqe(1, -libc::EFAULT)])?;
        check_eq!(f.content()?, Vec::<u8>::new(), "file content");
        Ok(())
    },
}

case! {
    id: "ops/writev_fixed/error-no-buffers-efault",
    summary: "WRITEV_FIXED on a ring with no registered buffers completes with -EFAULT",
    requires: [OpWritevFixed],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_find_buf_node: no buffer at buf_index -> -EFAULT", "claim:prep.writev-fixed"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mem = Bufs::new(1, 64);
        let v = [mem.raw_iov(0, 16)];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::writev_fixed(f.fd(), &v, 0, 0).user_data(1)], &[cqe(1, -libc::EFAULT)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ fsync

case! {
    id: "ops/fsync/after-write",
    summary: "FSYNC linked after a WRITE completes with 0 after it",
    requires: [OpFsync, OpWrite, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_fsync(3)", "fsync(2)", "claim:enter.op.fsync", "claim:prep.fsync"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::write(f.fd(), b"data", 0).link().user_data(1), Sqe::fsync(f.fd(), 0).user_data(2)], &[cqe(1, 4), cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/fsync/datasync",
    summary: "FSYNC with IORING_FSYNC_DATASYNC completes with 0",
    requires: [OpFsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fsync(3): IORING_FSYNC_DATASYNC (fdatasync(2))", "claim:enter.op.fsync.datasync"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsync(f.fd(), IORING_FSYNC_DATASYNC).user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/fsync/error-unknown-flag-einval",
    summary: "FSYNC with a flag other than IORING_FSYNC_DATASYNC completes with -EINVAL",
    requires: [OpFsync],
    variants: variants::DEFAULT,
    refs: ["io_uring/sync.c io_fsync_prep: fsync_flags & ~IORING_FSYNC_DATASYNC -> -EINVAL"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsync(f.fd(), 2).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/fsync/error-bad-fd-ebadf",
    summary: "FSYNC of a closed fd completes with -EBADF",
    requires: [OpFsync],
    variants: variants::DEFAULT,
    refs: ["fsync(2) ERRORS: EBADF", "claim:enter.cqe.EBADF-fd", "claim:prep.fsync"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsync(closed_fd(), 0).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ sync_file_range

case! {
    id: "ops/sync_file_range/completes",
    summary: "SYNC_FILE_RANGE of written data with WAIT_BEFORE|WRITE|WAIT_AFTER completes with 0",
    requires: [OpSyncFileRange],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_sync_file_range(3)", "sync_file_range(2)", "claim:enter.op.sync-file-range", "claim:prep.sync-file-range"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(8192, 1))?;
        let all = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sync_file_range(f.fd(), 0, 8192, all).user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/sync_file_range/error-bad-flags-einval",
    summary: "SYNC_FILE_RANGE with an undefined flag bit completes with -EINVAL",
    requires: [OpSyncFileRange],
    variants: variants::DEFAULT,
    refs: ["sync_file_range(2) ERRORS: EINVAL (flags specifies an invalid bit)", "claim:prep.sync-file-range"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::sync_file_range(f.fd(), 0, 1, 0x10).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ fallocate

case! {
    id: "ops/fallocate/extends",
    summary: "FALLOCATE (mode 0) past the end extends the file to offset + len",
    requires: [OpFallocate, EnvTmpFallocate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_fallocate(3)", "fallocate(2)", "claim:enter.op.fallocate", "claim:prep.fallocate"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fallocate(f.fd(), 0, 4096, 4096).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(f.file.metadata()?.len(), 8192, "file size");
        Ok(())
    },
}

case! {
    id: "ops/fallocate/keep-size",
    summary: "FALLOCATE with FALLOC_FL_KEEP_SIZE allocates without changing the size",
    requires: [OpFallocate, EnvTmpFallocate],
    variants: variants::DEFAULT,
    refs: ["fallocate(2): FALLOC_FL_KEEP_SIZE", "claim:enter.op.fallocate"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fallocate(f.fd(), libc::FALLOC_FL_KEEP_SIZE, 0, 65536).user_data(1)], &[cqe(1, 0)])?;
        let m = f.file.metadata()?;
        check_eq!(m.len(), 3, "file size");
        check!(std::os::unix::fs::MetadataExt::blocks(&m) * 512 >= 65536, "only {} blocks allocated", std::os::unix::fs::MetadataExt::blocks(&m));
        Ok(())
    },
}

case! {
    id: "ops/fallocate/error-zero-length-einval",
    summary: "FALLOCATE with len 0 completes with -EINVAL",
    requires: [OpFallocate],
    variants: variants::DEFAULT,
    refs: ["fallocate(2) ERRORS: EINVAL (len was less than or equal to 0)", "claim:prep.fallocate"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fallocate(f.fd(), 0, 0, 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/fallocate/error-pipe-espipe",
    summary: "FALLOCATE on a pipe completes with -ESPIPE",
    requires: [OpFallocate],
    variants: variants::DEFAULT,
    refs: ["fallocate(2) ERRORS: ESPIPE (fd refers to a pipe or FIFO)"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fallocate(p.tx(), 0, 0, 4096).user_data(1)], &[cqe(1, -libc::ESPIPE)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ fadvise / madvise

case! {
    id: "ops/fadvise/willneed",
    summary: "FADVISE with POSIX_FADV_WILLNEED on a file completes with 0",
    requires: [OpFadvise],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fadvise(3)", "posix_fadvise(2)", "claim:enter.op.fadvise", "claim:prep.fadvise"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(8192, 1))?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fadvise(f.fd(), 0, 8192, libc::POSIX_FADV_WILLNEED).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(read_all(&f.file)?, pattern(8192, 1), "content unchanged");
        Ok(())
    },
}

case! {
    id: "ops/fadvise/error-bad-advice-einval",
    summary: "FADVISE with an undefined advice completes with -EINVAL",
    requires: [OpFadvise],
    variants: variants::DEFAULT,
    refs: ["posix_fadvise(2) ERRORS: EINVAL (an invalid value was specified for advice)", "claim:prep.fadvise"],
    run: |cx| {
        let f = TempFile::with_content(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fadvise(f.fd(), 0, 1, 99).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/fadvise/error-pipe-espipe",
    summary: "FADVISE on a pipe completes with -ESPIPE",
    requires: [OpFadvise],
    variants: variants::DEFAULT,
    refs: ["posix_fadvise(2) ERRORS: ESPIPE (fd refers to a pipe or FIFO)"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fadvise(p.rx(), 0, 1, libc::POSIX_FADV_NORMAL).user_data(1)], &[cqe(1, -libc::ESPIPE)])?;
        Ok(())
    },
}

case! {
    id: "ops/madvise/dontneed-zeroes",
    summary: "MADVISE with MADV_DONTNEED on private anonymous memory completes with 0 and the pages read back as zero",
    requires: [OpMadvise],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_madvise(3)", "madvise(2): MADV_DONTNEED (private anonymous pages are zero-fill-on-demand afterwards)", "claim:enter.op.madvise", "claim:prep.madvise"],
    run: |cx| {
        let mut m = Mapping::anon_pages(2)?;
        m.bytes().fill(0xaa);
        let mut r = cx.ring()?;
        // SAFETY: the range is memory of this case that nothing else relies on (or deliberately invalid).
        r.run_expect(&[unsafe { Sqe::madvise(m.as_ptr(), 8192, libc::MADV_DONTNEED) }.user_data(1)], &[cqe(1, 0)])?;
        check!(m.bytes().iter().all(|&b| b == 0), "memory not zero after MADV_DONTNEED");
        Ok(())
    },
}

case! {
    id: "ops/madvise/error-unaligned-einval",
    summary: "MADVISE of an address that is not page-aligned completes with -EINVAL",
    requires: [OpMadvise],
    variants: variants::DEFAULT,
    refs: ["madvise(2) ERRORS: EINVAL (addr is not page-aligned)"],
    run: |cx| {
        let m = Mapping::anon_pages(2)?;
        let mut r = cx.ring()?;
        // An address inside the mapping, off the page boundary.
        // SAFETY: the range is memory of this case that nothing else relies on (or deliberately invalid).
        r.run_expect(&[unsafe { Sqe::madvise(m.as_ptr().wrapping_add(1), 4096, libc::MADV_NORMAL) }.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/madvise/error-bad-advice-einval",
    summary: "MADVISE with an undefined advice completes with -EINVAL",
    requires: [OpMadvise],
    variants: variants::DEFAULT,
    refs: ["madvise(2) ERRORS: EINVAL (advice is not valid)", "claim:prep.madvise"],
    run: |cx| {
        let m = Mapping::anon_pages(1)?;
        let mut r = cx.ring()?;
        // SAFETY: the range is memory of this case that nothing else relies on (or deliberately invalid).
        r.run_expect(&[unsafe { Sqe::madvise(m.as_ptr(), 4096, 999) }.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/write/error-past-fsize-limit-efbig",
    summary: "a WRITE that starts at RLIMIT_FSIZE fails with -EFBIG (in a child with the limit set and SIGXFSZ ignored)",
    requires: [OpWrite],
    variants: variants::DEFAULT,
    refs: ["write(2) ERRORS: EFBIG (write past the process's file size limit)", "setrlimit(2) RLIMIT_FSIZE: SIGXFSZ, then EFBIG"],
    run: |cx| {
        let _ = cx;
        let f = TempFile::empty()?;
        let fd = f.fd();
        let got = cqes_from_child(oracle::scaled(Duration::from_secs(10)), move || {
            // A lower soft limit, and SIGXFSZ ignored so the write answers
            // instead of the signal killing the child.
            let lim = rustix::process::Rlimit { current: Some(16), maximum: None };
            rustix::process::setrlimit(rustix::process::Resource::Fsize, lim).map_err(|e| format!("setrlimit: {e}"))?;
            // Stays libc: rustix sets no signal dispositions outside its
            // unstable runtime module.
            // SAFETY: SIG_IGN in the forked child.
            if unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) } == libc::SIG_ERR {
                return Err(format!("signal(SIGXFSZ): {}", std::io::Error::last_os_error()));
            }
            let data = [7u8; 4];
            let mut r = CheckedRing::new(4).map_err(|e| format!("ring: {e}"))?;
            r.submit_all(&[Sqe::write(fd, &data, 16).user_data(1)]).map_err(|e| e.to_string())?;
            r.wait_for(1, oracle::prompt()).map_err(|e| e.to_string())
        })?;
        oracle::check_cqes(&got, &[cqe(1, -libc::EFBIG)])?;
        check_eq!(f.content()?.len(), 0, "file size after the refused write");
        Ok(())
    },
}
