//! Resource tags and registration failures: when tags are posted, which registrations are refused, and what a failed one leaves behind.

use super::*;

case! {
    id: "files/tag-cqe-on-update",
    summary: "replacing a tagged slot posts a CQE whose user_data is the tag (res 0, flags 0); an untagged slot posts none",
    requires: [RegFiles2, RegFilesUpdate2, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_FILES2 tags ('a CQE with the tag as user_data ... when the resource is removed')", "claim:register.op.files-tags"],
    run: |cx| {
        let (a, b) = two_files()?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[a.fd(), a.fd()], &[0x7a, 0], 0)?;
        check_eq!(r.update_files(0, &[b.fd(), b.fd()], &[])?, 2, "slots updated");
        r.expect(&[cqe(0x7a, 0)])?;
        Ok(())
    },
}

case! {
    id: "files/tag-cqes-on-unregister",
    summary: "unregistering a table posts one tag CQE per tagged slot and none for tag 0",
    requires: [RegFiles2, RegUnregisterFiles, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_FILES2 tags", "claim:register.op.files-tags"],
    run: |cx| {
        let (a, b) = two_files()?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[a.fd(), b.fd(), -1, a.fd()], &[0x71, 0x72, 0, 0], 0)?;
        r.unregister_files()?;
        r.expect_unordered(&[cqe(0x71, 0), cqe(0x72, 0)])?;
        Ok(())
    },
}

case! {
    id: "files/tag-waits-for-inflight-request",
    summary: "a tagged file replaced while a poll uses it posts its tag only after that poll completes",
    requires: [OpPollAdd, RegFiles2, RegFilesUpdate2, FeatRsrcTags, SqeFixedFile],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): tags are posted when the resource is no longer in use", "io_uring/rsrc.c: the node is freed when its last request drops it"],
    run: |cx| {
        let p = Pipe::new()?;
        let other = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[p.rx()], &[0x99], 0)?;
        r.submit_all(&[Sqe::poll_add(0, POLLIN as u32).fixed_file().user_data(1)])?;
        check_eq!(r.update_files(0, &[other.fd()], &[])?, 1, "slots updated");
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN), cqe(0x99, 0)])?;
        Ok(())
    },
}

case! {
    id: "files/failed-registration-drops-its-references",
    summary: "a file registration that fails part-way (EBADF at the second fd) keeps no reference to the first: closing it hangs up its pipe",
    requires: [RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBADF", "io_uring/rsrc.c io_sqe_files_register: on error every file taken so far is put back", "claim:register.errors.EBADF-fd-array"],
    run: |cx| {
        let Pipe { rx, tx } = Pipe::new()?;
        let r = cx.ring()?;
        check_errno!(r.register_files(&[std::os::fd::AsRawFd::as_raw_fd(&tx), closed_fd()]), libc::EBADF, "REGISTER_FILES of an open and a closed fd");
        drop(tx);
        let ev = fixtures::poll_in(&rx, oracle::scaled(Duration::from_secs(1)))?;
        check!(ev.contains(rustix::event::PollFlags::HUP), "the pipe's write end is still held after the failed registration (poll: {ev:?})");
        Ok(())
    },
}

case! {
    id: "files/failed-tagged-registration-posts-no-tags",
    summary: "a tagged file registration that fails posts none of its tags",
    requires: [RegFiles2, FeatRsrcTags],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): tags are posted when a registered resource is removed; a failed registration registered nothing"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        check_errno!(r.register_files_tagged(&[p.rx(), closed_fd()], &[0x11, 0x12], 0), libc::EBADF, "REGISTER_FILES2 with a closed fd");
        r.expect_none()?;
        Ok(())
    },
}

case! {
    id: "files/removal-with-tag-einval",
    summary: "FILES_UPDATE that empties a slot (-1) with a non-zero tag is refused with EINVAL",
    requires: [RegFiles2, RegFilesUpdate2, FeatRsrcTags],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c __io_sqe_files_update: (fd == -1 || fd == IORING_REGISTER_FILES_SKIP) && tag -> -EINVAL"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[p.rx()], &[0], 0)?;
        check_errno!(r.update_files(0, &[-1], &[7]), libc::EINVAL, "emptying slot 0 with tag 7");
        r.expect_none()?;
        Ok(())
    },
}

case! {
    id: "files/largest-table",
    summary: "a sparse file table as large as allowed (IORING_MAX_FIXED_FILES, 1 << 20, or RLIMIT_NOFILE if lower) registers, its last slot takes a file and serves a fixed-file poll, and it unregisters",
    requires: [RegFiles, RegUnregisterFiles, RegFilesUpdate2, OpPollAdd, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring/rsrc.c io_sqe_files_register: nr_args > IORING_MAX_FIXED_FILES or > rlimit(RLIMIT_NOFILE) is -EMFILE"],
    run: |cx| {
        let nofile = rustix::process::getrlimit(rustix::process::Resource::Nofile).current.unwrap_or(u64::MAX);
        let n = nofile.min(1 << 20) as usize;
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        check_eq!(r.register_files(&vec![-1; n]), Ok(()), "REGISTER_FILES of {n} empty slots");
        // The last slot is usable.
        check_eq!(r.update_files(n as u32 - 1, &[p.rx()], &[]), Ok(1), "FILES_UPDATE of slot {}", n - 1);
        p.put(b"x")?;
        r.run_expect(&[Sqe::poll_add(n as i32 - 1, POLLIN as u32).fixed_file().user_data(1)], &[cqe(1, POLLIN)])?;
        check_eq!(r.unregister_files(), Ok(()), "UNREGISTER_FILES");
        Ok(())
    },
}
