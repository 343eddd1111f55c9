//! FTRUNCATE: ftruncate(2)'s results and errors.

use super::*;

// ------------------------------------------------------------ ftruncate

case! {
    id: "ops/ftruncate/shrinks-and-extends",
    summary: "FTRUNCATE sets the size: shorter cuts the content, longer reads back zeros",
    requires: [OpFtruncate],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_ftruncate(3)", "ftruncate(2)", "claim:enter.op.ftruncate", "claim:prep.ftruncate"],
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
    refs: ["ftruncate(2) ERRORS: EINVAL (length negative)", "claim:prep.ftruncate"],
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
