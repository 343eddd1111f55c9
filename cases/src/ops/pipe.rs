//! Pipes: SPLICE, TEE and PIPE. Results and errors are splice(2),
//! tee(2) and pipe2(2)'s; io_uring/splice.c and openclose.c (io_pipe)
//! pass them through.

use crate::prelude::*;
use std::os::fd::{FromRawFd, OwnedFd};

/// Reads what is in a pipe now (its write end stays open: non-blocking).
fn pipe_content(p: &Pipe) -> Result<Vec<u8>, oracle::CaseError> {
    rustix::fs::fcntl_setfl(&p.rx, rustix::fs::OFlags::NONBLOCK).map_err(std::io::Error::from)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match rustix::io::read(&p.rx, &mut buf) {
            Ok(0) | Err(rustix::io::Errno::AGAIN) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
    }
}

case! {
    id: "ops/splice/file-to-pipe",
    summary: "SPLICE moves bytes from a file offset into a pipe and returns the count",
    requires: [OpSplice],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_splice(3)", "splice(2)", "claim:enter.op.splice", "claim:prep.splice"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(64, 5))?;
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::splice(f.fd(), 16, p.tx(), -1, 32, 0).user_data(1)], &[cqe(1, 32)])?;
        check_eq!(pipe_content(&p)?, pattern(64, 5)[16..48].to_vec(), "bytes in the pipe");
        Ok(())
    },
}

case! {
    id: "ops/splice/pipe-to-file",
    summary: "SPLICE moves bytes from a pipe to a file offset",
    requires: [OpSplice],
    variants: variants::DEFAULT,
    refs: ["splice(2)", "claim:enter.op.splice"],
    run: |cx| {
        let f = TempFile::with_content(&[0u8; 4])?;
        let p = Pipe::new()?;
        p.put(b"spliced")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::splice(p.rx(), -1, f.fd(), 2, 7, 0).user_data(1)], &[cqe(1, 7)])?;
        check_eq!(read_all(&f.file)?, b"\0\0spliced".to_vec(), "file content");
        Ok(())
    },
}

case! {
    id: "ops/splice/error-no-pipe-einval",
    summary: "SPLICE between two regular files completes with -EINVAL",
    requires: [OpSplice],
    variants: variants::DEFAULT,
    refs: ["splice(2) ERRORS: EINVAL (neither of the file descriptors refers to a pipe)", "claim:enter.op.splice.needs-pipe", "claim:prep.splice"],
    run: |cx| {
        let (a, b) = (TempFile::with_content(b"abc")?, TempFile::empty()?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::splice(a.fd(), 0, b.fd(), 0, 3, 0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/splice/error-unknown-flag-einval",
    summary: "SPLICE with a flag outside SPLICE_F_ALL|SPLICE_F_FD_IN_FIXED completes with -EINVAL",
    requires: [OpSplice],
    variants: variants::DEFAULT,
    refs: ["io_uring/splice.c __io_splice_prep: flags & ~valid_flags -> -EINVAL"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::splice(f.fd(), 0, p.tx(), -1, 3, 0x100).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/tee/duplicates",
    summary: "TEE copies pipe bytes to another pipe without consuming them",
    requires: [OpTee],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_tee(3)", "tee(2)", "claim:enter.op.tee", "claim:prep.tee"],
    run: |cx| {
        let (a, b) = (Pipe::new()?, Pipe::new()?);
        a.put(b"teed!")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::tee(a.rx(), b.tx(), 5).user_data(1)], &[cqe(1, 5)])?;
        check_eq!(pipe_content(&b)?, b"teed!".to_vec(), "bytes in the second pipe");
        check_eq!(pipe_content(&a)?, b"teed!".to_vec(), "bytes still in the first pipe");
        Ok(())
    },
}

case! {
    id: "ops/tee/error-same-pipe-einval",
    summary: "TEE from a pipe to itself completes with -EINVAL",
    requires: [OpTee],
    variants: variants::DEFAULT,
    refs: ["tee(2) ERRORS: EINVAL (fd_in and fd_out refer to the same pipe)", "claim:prep.tee"],
    run: |cx| {
        let a = Pipe::new()?;
        a.put(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::tee(a.rx(), a.tx(), 1).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/tee/error-file-input-einval",
    summary: "TEE from a regular file completes with -EINVAL",
    requires: [OpTee],
    variants: variants::DEFAULT,
    refs: ["tee(2) ERRORS: EINVAL (fd_in or fd_out does not refer to a pipe)", "claim:enter.op.tee.needs-pipes"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let b = Pipe::new()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::tee(f.fd(), b.tx(), 3).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/pipe/creates-pipe",
    summary: "PIPE completes with 0 and fills two fds: bytes written to [1] read back from [0]",
    requires: [OpPipe],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_pipe(3)", "pipe2(2)", "claim:enter.op.pipe", "claim:prep.pipe"],
    run: |cx| {
        let fds = IoCell::new([-1i32; 2]);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::pipe(&fds, libc::O_CLOEXEC as u32).user_data(1)], &[cqe(1, 0)])?;
        let fds = fds.get();
        check!(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1], "fds {fds:?}");
        // Stays unsafe: owning descriptors the kernel installed has no safe
        // constructor.
        // SAFETY: the kernel installed both for us.
        let (rx, tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let p = Pipe { rx, tx };
        p.put(b"through")?;
        check_eq!(pipe_content(&p)?, b"through".to_vec(), "bytes through the new pipe");
        check!(rustix::io::fcntl_getfd(&p.rx).map_err(std::io::Error::from)?.contains(rustix::io::FdFlags::CLOEXEC), "O_CLOEXEC not applied");
        Ok(())
    },
}

case! {
    id: "ops/pipe/error-unknown-flag-einval",
    summary: "PIPE with a flag pipe2 does not take completes with -EINVAL and installs nothing",
    requires: [OpPipe],
    variants: variants::DEFAULT,
    refs: ["pipe2(2) ERRORS: EINVAL (invalid value in flags)", "claim:prep.pipe"],
    run: |cx| {
        let fds = IoCell::new([-1i32; 2]);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::pipe(&fds, libc::O_APPEND as u32).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        check_eq!(fds.get(), [-1, -1], "fds");
        Ok(())
    },
}
