//! What io_uring_register(2) ERRORS promises about limits and callers: a
//! buffer over 1 GiB, more restrictions or files than allowed, a file
//! table over RLIMIT_NOFILE, buffers over RLIMIT_MEMLOCK without
//! CAP_IPC_LOCK, a caller that is not a SINGLE_ISSUER ring's owner; and
//! the two unregister calls that undo per-task state (registered ring
//! fds, io-wq affinity). io_uring/register.c, rsrc.c, tctx.c.

use super::*;

/// Sets the soft limit `res` of this (trial) process, returning the old limits.
fn set_rlimit(res: rustix::process::Resource, soft: u64) -> Result<rustix::process::Rlimit, CaseError> {
    let old = rustix::process::getrlimit(res);
    rustix::process::setrlimit(res, rustix::process::Rlimit { current: Some(soft), maximum: old.maximum }).map_err(std::io::Error::from)?;
    Ok(old)
}

/// Puts back the limits [`set_rlimit`] returned.
fn restore_rlimit(res: rustix::process::Resource, old: rustix::process::Rlimit) -> Result<(), CaseError> {
    Ok(rustix::process::setrlimit(res, old).map_err(std::io::Error::from)?)
}

case! {
    id: "register/buffer-over-1g-efault",
    summary: "REGISTER_BUFFERS of an iovec longer than 1 GiB fails with EFAULT",
    requires: [RegBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EFAULT (a buffer larger than 1 GiB)", "io_uring/rsrc.c io_buffer_validate: iov_len > SZ_1G -> -EFAULT", "claim:register.errors.EFAULT-iov-len-over-1g"],
    run: |cx| {
        let buf = IoBuf::new(64);
        let r = cx.ring()?;
        // Deliberately malformed: the length runs past the buffer; the kernel refuses it by length first.
        let big = libc::iovec { iov_base: buf.as_ptr() as *mut _, iov_len: (1 << 30) + 1 };
        // SAFETY: refused by its length (EFAULT) before anything is pinned.
        check_errno!(unsafe { r.register_buffers_raw(&[big]) }, libc::EFAULT, "REGISTER_BUFFERS of 1 GiB + 1");
        check_eq!(r.register_buffers(&[&buf]), Ok(()), "a 64-byte buffer afterwards");
        Ok(())
    },
}

case! {
    id: "register/restrictions-too-many-einval",
    summary: "REGISTER_RESTRICTIONS with more entries than the kernel allows fails with EINVAL, and a valid registration still works afterwards",
    requires: [SetupRDisabled, RegRestrictions, RegEnableRings, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EINVAL (too many restrictions)", "io_uring/register.c io_parse_restrictions: nr_args > IORING_MAX_RESTRICTIONS -> -EINVAL", "claim:register.errors.EINVAL-restrictions-too-many"],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_R_DISABLED).build()?);
        let allow_nop = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)];
        // The count is refused before the array is read.
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, &allow_nop, 1 << 20), libc::EINVAL, "RESTRICTIONS with nr_args 1 << 20");
        check_eq!(register_in(&r, IORING_REGISTER_RESTRICTIONS, &allow_nop, 1), Ok(0), "RESTRICTIONS with one entry afterwards");
        r.enable()?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "register/files-over-max-emfile",
    summary: "REGISTER_FILES with more slots than a fixed table may hold (over IORING_MAX_FIXED_FILES) fails with EMFILE",
    requires: [RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EMFILE (too many files for a fixed table)", "io_uring/rsrc.c io_sqe_files_register: nr_args > IORING_MAX_FIXED_FILES (1 << 20; 1 << 15 before 5.13) -> -EMFILE", "claim:register.errors.EMFILE-files-over-max"],
    run: |cx| {
        let r = cx.ring()?;
        let fds = [-1i32];
        // The count is refused before the array is read.
        check_errno!(register_in(&r, IORING_REGISTER_FILES, &fds, (1 << 20) + 1), libc::EMFILE, "REGISTER_FILES of 1 << 20 + 1 slots");
        check_eq!(r.register_files(&fds), Ok(()), "a one-slot table afterwards");
        Ok(())
    },
}

case! {
    id: "register/files-over-rlimit-emfile",
    summary: "with RLIMIT_NOFILE at 16, REGISTER_FILES of 17 slots fails with EMFILE and of 16 succeeds",
    // The RLIMIT_NOFILE bound came with 5.13's table rework; 5.10 had only
    // IORING_MAX_FIXED_FILES. FILES2 came in the same release.
    requires: [RegFiles, RegFiles2],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EMFILE (more files than RLIMIT_NOFILE allows)", "io_uring/rsrc.c io_sqe_files_register: nr_args > rlimit(RLIMIT_NOFILE) -> -EMFILE", "claim:register.errors.EMFILE-files-rlimit"],
    run: |cx| {
        let r = cx.ring()?;
        let sparse = [-1i32; 17];
        let old = set_rlimit(rustix::process::Resource::Nofile, 16)?;
        let over = r.register_files(&sparse);
        let at = r.register_files(&sparse[..16]);
        restore_rlimit(rustix::process::Resource::Nofile, old)?;
        check_errno!(over, libc::EMFILE, "REGISTER_FILES of 17 slots with RLIMIT_NOFILE 16");
        check_eq!(at, Ok(()), "REGISTER_FILES of 16 slots");
        Ok(())
    },
}

case! {
    id: "register/single-issuer-other-thread-eexist",
    summary: "on a SINGLE_ISSUER ring, io_uring_register from a thread other than the owner fails with EEXIST; the owner's call works",
    requires: [SetupSingleIssuer, RegFiles, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EEXIST (SINGLE_ISSUER ring, caller is not its submitter task)", "io_uring/register.c __io_uring_register: submitter_task != current -> -EEXIST", "claim:register.errors.EEXIST-thread"],
    run: |_| {
        let p = Pipe::new()?;
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_SINGLE_ISSUER).build()?);
        // A submission makes this task the owner on every kernel (6.0 set it at the first submit).
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        let (fd, fds) = (r.fd(), [p.rx()]);
        // SAFETY: fds is a live array of one int; the kernel only reads it.
        let other = std::thread::scope(|s| s.spawn(|| unsafe { io_uring_register(fd, IORING_REGISTER_FILES, fds.as_ptr() as *mut _, 1) }).join().expect("thread"));
        check_errno!(other, libc::EEXIST, "REGISTER_FILES from another thread");
        check_eq!(r.register_files(&fds), Ok(()), "REGISTER_FILES from the owner");
        Ok(())
    },
}

case! {
    id: "register/buffers-over-memlock-enomem",
    summary: "a ring set up without CAP_IPC_LOCK charges registered buffers to RLIMIT_MEMLOCK: at a limit of 0, REGISTER_BUFFERS fails with ENOMEM",
    requires: [RegBuffers, EnvRoot, EnvMemlock],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: ENOMEM (buffers exceed RLIMIT_MEMLOCK without CAP_IPC_LOCK)", "io_uring/rsrc.c io_buffer_account_pin -> __io_account_mem: over rlimit(RLIMIT_MEMLOCK) -> -ENOMEM", "io_uring/io_uring.c io_uring_create: ctx->user only without CAP_IPC_LOCK", "claim:register.errors.ENOMEM"],
    run: |_| {
        // Effective uid nobody drops CAP_IPC_LOCK for the setup only: the
        // ring then accounts its pinned pages (the limit is read at each
        // registration).
        // The buffers outlive the ring they are registered on.
        let b = fixtures::Bufs::new(1, 4096);
        let r = as_nobody(|| CheckedRing::new(4))??;
        let old = set_rlimit(rustix::process::Resource::Memlock, 0)?;
        let got = r.register_buffers(&[b.iov(0, 4096)]);
        restore_rlimit(rustix::process::Resource::Memlock, old)?;
        check_errno!(got, libc::ENOMEM, "REGISTER_BUFFERS of one page with RLIMIT_MEMLOCK 0");
        check_eq!(r.register_buffers(&[b.iov(0, 4096)]), Ok(()), "the same registration under the old limit");
        Ok(())
    },
}

case! {
    id: "register/unregister-ring-fds-empties-slot",
    summary: "UNREGISTER_RING_FDS empties the slot (res 1): an enter through it then fails with EBADF, and the next registration gets the same slot",
    requires: [RegRingFds, RegUnregisterRingFds, EnterRegisteredRing, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_UNREGISTER_RING_FDS", "io_uring/tctx.c io_ringfd_unregister: returns the number of entries handled", "io_uring/io_uring.c io_uring_enter: empty registered slot -> -EBADF", "claim:register.op.unregister-ring-fds"],
    run: |_| {
        let mut r = CheckedRing::new(4)?;
        let fd = r.fd();
        let slot = {
            let mut up = io_uring_rsrc_update { offset: u32::MAX, resv: 0, data: fd as u64 };
            // SAFETY: one valid rsrc_update, written back by the kernel.
            unsafe { io_uring_register(fd, IORING_REGISTER_RING_FDS, &mut up as *mut _ as *mut _, 1)? };
            up.offset
        };
        // SAFETY: no argument pointer is passed.
        let through = |flags| unsafe { io_uring_enter(slot as i32, 0, 0, flags, std::ptr::null(), 0) };
        check_eq!(through(IORING_ENTER_REGISTERED_RING), Ok(0), "enter through slot {slot} while registered");
        let up = io_uring_rsrc_update { offset: slot, resv: 0, data: 0 };
        check_eq!(register_in(&r, IORING_UNREGISTER_RING_FDS, &up, 1), Ok(1), "UNREGISTER_RING_FDS of slot {slot}");
        check_errno!(through(IORING_ENTER_REGISTERED_RING), libc::EBADF, "enter through the emptied slot {slot}");
        check_eq!(r.register_ring_fd(), Ok(slot), "the slot a new registration gets");
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "register/unregister-iowq-aff-restores-default",
    summary: "after IOWQ_AFF to CPU 0 and UNREGISTER_IOWQ_AFF, io-wq workers start with the task's own CPU set again, not CPU 0",
    requires: [RegIowqAff, RegUnregisterIowqAff, SqeAsync, EnvMultiCpu],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_UNREGISTER_IOWQ_AFF (restore the default affinity)", "io_uring/io-wq.c io_wq_cpu_affinity: a NULL mask copies the task's cpuset CPUs into the io-wq mask new workers take", "claim:register.op.unregister-iowq-aff"],
    run: |cx| {
        let mut r = cx.ring()?;
        let mask: u64 = 1;
        register_in(&r, IORING_REGISTER_IOWQ_AFF, &mask, 8)?;
        check_eq!(register_none(&r, IORING_UNREGISTER_IOWQ_AFF, 0), Ok(0), "UNREGISTER_IOWQ_AFF");
        // Workers take the io-wq's mask when they start (io-wq.c
        // io_init_new_worker); the first one starts now.
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let own = fixtures::thread_status(std::process::id(), "Cpus_allowed_list")?.trim().to_string();
        let workers = fixtures::threads_named("iou-wrk")?;
        check!(!workers.is_empty(), "no iou-wrk thread after an async NOP");
        let mut other = Vec::new();
        for (tid, _) in workers {
            let cpus = fixtures::thread_status(tid, "Cpus_allowed_list")?;
            if cpus.trim() != own {
                other.push(format!("{tid}: {}", cpus.trim()));
            }
        }
        check_eq!(other, Vec::<String>::new(), "iou-wrk threads whose Cpus_allowed_list is not the task's ({own})");
        Ok(())
    },
}
