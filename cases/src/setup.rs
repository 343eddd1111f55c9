//! io_uring_setup(2): flags alone and with their prerequisites, entry
//! counts and rounding, reserved fields, returned params and offsets, ring
//! enabling, and SINGLE_ISSUER ownership.

use crate::prelude::*;

/// io_uring_setup with raw params, returning the errno (or the fd).
fn setup_raw(entries: u32, p: &mut io_uring_params) -> Result<i32, Errno> {
    assert!(p.sq_off.user_addr == 0 && p.cq_off.user_addr == 0, "setup_raw names no user memory");
    // SAFETY: no user memory is named (user_addr 0, checked above), so
    // whatever the flags the kernel builds no ring in ours.
    let r = unsafe { io_uring_setup(entries, p) };
    if let Ok(fd) = r {
        // Stays libc: io_uring_setup hands out a raw fd.
        // SAFETY: our fd.
        unsafe { libc::close(fd) };
    }
    r
}

fn params(flags: u32) -> io_uring_params {
    io_uring_params { flags, ..Default::default() }
}

/// Setup with 8 SQ entries and CQSIZE `cq_entries` must fail with EINVAL.
fn check_cqsize_einval(cq_entries: u32) -> CaseResult {
    let mut p = params(IORING_SETUP_CQSIZE);
    p.cq_entries = cq_entries;
    check_errno!(setup_raw(8, &mut p), libc::EINVAL, "entries 8, CQSIZE cq_entries {cq_entries}");
    Ok(())
}

case! {
    id: "setup/entries-zero-einval",
    summary: "io_uring_setup with 0 entries fails with EINVAL",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): EINVAL: entries is 0 or out of range", "claim:setup.errors.EINVAL-entries"],
    run: |_| {
        check_errno!(setup_raw(0, &mut params(0)), libc::EINVAL, "entries 0");
        Ok(())
    },
}

case! {
    id: "setup/entries-over-max-einval",
    summary: "more than IORING_MAX_ENTRIES (32768) entries without CLAMP fails with EINVAL",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): EINVAL", "io_uring/io_uring.c: IORING_MAX_ENTRIES 32768", "claim:setup.errors.EINVAL-entries"],
    run: |_| {
        check_errno!(setup_raw(32769, &mut params(0)), libc::EINVAL, "entries 32769");
        Ok(())
    },
}

case! {
    id: "setup/entries-rounded-to-power-of-two",
    summary: "sq_entries is rounded up to a power of two and cq_entries is twice that",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): the CQ ring is twice the SQ ring by default", "io_uring/io_uring.c io_uring_fill_params: roundup_pow_of_two", "claim:setup.cq-twice-sq"],
    run: |_| {
        for (asked, sq) in [(1u32, 1u32), (5, 8), (8, 8), (100, 128), (4097, 8192)] {
            let r = CheckedRing::new(asked)?;
            check_eq!((r.params.sq_entries, r.params.cq_entries), (sq, 2 * sq), "params for {asked} entries");
            check_eq!((r.sq_entries(), r.cq_entries()), (sq, 2 * sq), "ring_entries in the mapped rings for {asked}");
        }
        Ok(())
    },
}

case! {
    id: "setup/clamp-caps-entries",
    summary: "with CLAMP, oversized SQ and CQ sizes are clamped to the maxima instead of failing",
    requires: [SetupClamp, SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_CLAMP", "claim:setup.clamp"],
    run: |_| {
        let r = CheckedRing::from(RingBuilder::new(1 << 20).flags(IORING_SETUP_CLAMP).build()?);
        check_eq!((r.params.sq_entries, r.params.cq_entries), (32768, 65536), "clamped entries");
        let r = CheckedRing::from(RingBuilder::new(8).cq_entries(1 << 24).flags(IORING_SETUP_CLAMP).build()?);
        check_eq!(r.params.cq_entries, 65536, "clamped cq_entries");
        Ok(())
    },
}

case! {
    id: "setup/cqsize-rounds-up",
    summary: "CQSIZE rounds cq_entries up to a power of two",
    requires: [SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_CQSIZE", "claim:setup.cqsize.rounds-up"],
    run: |_| {
        let r = CheckedRing::from(RingBuilder::new(8).cq_entries(100).build()?);
        check_eq!((r.params.sq_entries, r.params.cq_entries), (8, 128), "entries");
        check_eq!(r.cq_entries(), 128, "mapped cq ring_entries");
        Ok(())
    },
}

case! {
    id: "setup/cqsize-smaller-than-sq-einval",
    summary: "CQSIZE with fewer CQ entries than SQ entries fails with EINVAL",
    requires: [SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_CQSIZE: cq_entries must be at least entries", "claim:setup.errors.EINVAL-cqsize"],
    run: |_| {
        check_cqsize_einval(4)
    },
}

case! {
    id: "setup/cqsize-zero-einval",
    summary: "CQSIZE with cq_entries 0 fails with EINVAL",
    requires: [SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_uring_fill_params: !p->cq_entries -> -EINVAL", "claim:setup.errors.EINVAL-cqsize"],
    run: |_| {
        check_cqsize_einval(0)
    },
}

case! {
    id: "setup/cqsize-over-max-einval",
    summary: "CQSIZE above IORING_MAX_CQ_ENTRIES without CLAMP fails with EINVAL",
    requires: [SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c: IORING_MAX_CQ_ENTRIES (2 * IORING_MAX_ENTRIES)", "claim:setup.errors.EINVAL-cqsize"],
    run: |_| {
        check_cqsize_einval(65537)
    },
}

case! {
    id: "setup/unknown-flag-einval",
    summary: "an unknown setup flag fails with EINVAL",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): EINVAL: flags has unknown bits", "claim:setup.errors.EINVAL-unknown-flag"],
    run: |_| {
        for bit in [1u32 << 31, 1 << 30, 1 << 25] {
            check_errno!(setup_raw(4, &mut params(bit)), libc::EINVAL, "flag {bit:#x}");
        }
        Ok(())
    },
}

case! {
    id: "setup/reserved-fields-einval",
    summary: "non-zero reserved words in io_uring_params fail with EINVAL",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): EINVAL: resv fields non-zero", "io_uring/io_uring.c io_uring_setup: mem_is_zero(p.resv)", "claim:setup.errors.EINVAL-resv"],
    run: |_| {
        for i in 0..3 {
            let mut p = params(0);
            p.resv[i] = 1;
            check_errno!(setup_raw(4, &mut p), libc::EINVAL, "resv[{i}] = 1");
        }
        Ok(())
    },
}

/// Cases of the form "flag F without its prerequisite fails with EINVAL".
macro_rules! needs_prerequisite {
    ($id:literal, $summary:literal, [$($req:ident),*], $flags:expr, $($reference:literal),+ $(,)?) => {
        case! {
            id: $id,
            summary: $summary,
            requires: [$($req),*],
            variants: variants::DEFAULT,
            refs: [$($reference),+],
            run: |_| {
                check_errno!(setup_raw(4, &mut params($flags)), libc::EINVAL, "flags {:#x}", $flags);
                Ok(())
            },
        }
    };
}

needs_prerequisite!(
    "setup/sq-aff-without-sqpoll-einval",
    "SQ_AFF without SQPOLL fails with EINVAL",
    [SetupSqAff],
    IORING_SETUP_SQ_AFF,
    "io_uring_setup(2): IORING_SETUP_SQ_AFF (only with SQPOLL)",
    "claim:setup.errors.EINVAL-sq-aff-without-sqpoll"
);
needs_prerequisite!(
    "setup/taskrun-flag-without-coop-einval",
    "TASKRUN_FLAG without COOP_TASKRUN or DEFER_TASKRUN fails with EINVAL",
    [SetupTaskrunFlag],
    IORING_SETUP_TASKRUN_FLAG,
    "io_uring_setup(2): IORING_SETUP_TASKRUN_FLAG",
    "claim:setup.taskrun-flag.needs-coop-or-defer"
);
needs_prerequisite!(
    "setup/defer-taskrun-without-single-issuer-einval",
    "DEFER_TASKRUN without SINGLE_ISSUER fails with EINVAL",
    [SetupDeferTaskrun],
    IORING_SETUP_DEFER_TASKRUN,
    "io_uring_setup(2): IORING_SETUP_DEFER_TASKRUN requires SINGLE_ISSUER",
    "claim:setup.defer-taskrun.needs-single-issuer"
);
needs_prerequisite!(
    "setup/registered-fd-only-without-no-mmap-einval",
    "REGISTERED_FD_ONLY without NO_MMAP fails with EINVAL",
    [SetupRegisteredFdOnly],
    IORING_SETUP_REGISTERED_FD_ONLY,
    "io_uring_setup(2): IORING_SETUP_REGISTERED_FD_ONLY (requires NO_MMAP)",
    "claim:setup.errors.EINVAL-registered-fd-only-without-no-mmap"
);
needs_prerequisite!(
    "setup/hybrid-iopoll-without-iopoll-einval",
    "HYBRID_IOPOLL without IOPOLL fails with EINVAL",
    [SetupHybridIopoll],
    IORING_SETUP_HYBRID_IOPOLL,
    "io_uring_setup(2): IORING_SETUP_HYBRID_IOPOLL",
    "claim:setup.hybrid-iopoll.needs-iopoll"
);
needs_prerequisite!(
    "setup/defer-taskrun-with-sqpoll-einval",
    "DEFER_TASKRUN with SQPOLL fails with EINVAL",
    [SetupDeferTaskrun, SetupSqpoll],
    IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_SQPOLL,
    "io_uring_setup(2): IORING_SETUP_DEFER_TASKRUN (not with SQPOLL)"
);
needs_prerequisite!(
    "setup/coop-taskrun-with-sqpoll-einval",
    "COOP_TASKRUN with SQPOLL fails with EINVAL (IPI flags make no sense with a poller)",
    [SetupCoopTaskrun, SetupSqpoll],
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SQPOLL,
    "io_uring/io_uring.c io_uring_create: IPI related flags don't make sense with SQPOLL"
);
needs_prerequisite!(
    "setup/cqe-mixed-with-cqe32-einval",
    "CQE_MIXED together with CQE32 fails with EINVAL",
    [SetupCqeMixed, SetupCqe32],
    IORING_SETUP_CQE_MIXED | IORING_SETUP_CQE32,
    "io_uring_setup(2): IORING_SETUP_CQE_MIXED (exclusive with CQE32)"
);
needs_prerequisite!(
    "setup/sq-rewind-without-no-sqarray-einval",
    "SQ_REWIND without NO_SQARRAY fails with EINVAL",
    [SetupSqRewind],
    IORING_SETUP_SQ_REWIND,
    "io_uring_setup(2): IORING_SETUP_SQ_REWIND (requires IORING_SETUP_NO_SQARRAY)",
    "io_uring/io_uring.c io_uring_sanitise_params",
    "claim:setup.sq-rewind.needs-no-sqarray"
);
needs_prerequisite!(
    "setup/sq-rewind-with-sqpoll-einval",
    "SQ_REWIND (with NO_SQARRAY) together with SQPOLL fails with EINVAL",
    [SetupSqRewind, SetupSqpoll],
    IORING_SETUP_SQ_REWIND | IORING_SETUP_NO_SQARRAY | IORING_SETUP_SQPOLL,
    "io_uring_setup(2): IORING_SETUP_SQ_REWIND (not compatible with IORING_SETUP_SQPOLL)",
    "io_uring/io_uring.c io_uring_sanitise_params",
    "claim:setup.sq-rewind.not-with-sqpoll"
);

case! {
    id: "setup/sq-rewind-submits-from-slot-zero",
    summary: "with SQ_REWIND each enter takes to_submit SQEs from slot 0 whatever the SQ head and tail say (both stay 0): slots 0-1 with the tail at 0 give CQEs 1, 2; then slot 0 alone gives CQE 3, never a later slot",
    requires: [SetupSqRewind, SetupNoSqarray],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_setup(2): IORING_SETUP_SQ_REWIND",
        "include/uapi/linux/io_uring.h: SQ_REWIND ignores SQ head and tail, fetches from index 0; head and tail stay 0",
        "io_uring/io_uring.c io_submit_sqes (entries = sq_entries), io_commit_sqring (cached_sq_head = 0, head not written)",
        "claim:setup.sq-rewind.ignores-head-tail",
    ],
    run: |_| {
        let flags = IORING_SETUP_SQ_REWIND | IORING_SETUP_NO_SQARRAY;
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(flags).build()?);
        check_eq!(r.params.flags, flags, "params.flags echoed");
        check_eq!(r.sq_entries(), 4, "SQ entries");
        // Stale NOPs in every slot: a kernel reading past what this
        // submission wrote completes one of them (user_data 100 + slot).
        for slot in 0..4 {
            r.write_sqe_at(slot, &Sqe::nop().user_data(100 + slot as u64));
        }
        r.write_sqe_at(0, &Sqe::nop().user_data(1));
        r.write_sqe_at(1, &Sqe::nop().user_data(2));
        check_eq!(r.sq_shared_head_tail(), (0, 0), "SQ head and tail before the first enter");
        // The tail says the SQ is empty; to_submit says two.
        check_eq!(r.enter_flags(2, 0, 0)?, 2, "SQEs the first enter consumed (tail 0, to_submit 2)");
        r.rewind_consumed_by_hand(2);
        check_eq!(r.sq_shared_head_tail(), (0, 0), "SQ head and tail after consuming two SQEs");
        r.expect(&[cqe(1, 0), cqe(2, 0)])?;
        // The next submission starts at slot 0 again, not at slot 2.
        r.write_sqe_at(0, &Sqe::nop().user_data(3));
        check_eq!(r.enter_flags(1, 0, 0)?, 1, "SQEs the second enter consumed");
        r.rewind_consumed_by_hand(1);
        r.expect(&[cqe(3, 0)])?;
        check_eq!(r.sq_shared_head_tail(), (0, 0), "SQ head and tail after every submission");
        Ok(())
    },
}

/// Cases of the form "flag F with its prerequisites gives a working ring".
macro_rules! accepted {
    ($id:literal, $summary:literal, [$($req:ident),*], $flags:expr, $($reference:literal),+ $(,)?) => {
        case! {
            id: $id,
            summary: $summary,
            requires: [$($req),*],
            variants: variants::DEFAULT,
            refs: [$($reference),+],
            run: |_| {
                let mut b = RingBuilder::new(4).flags($flags);
                b.params.sq_thread_idle = 1000;
                let mut r = CheckedRing::from(b.build()?);
                check_eq!(r.params.flags, $flags, "params.flags echoed");
                r.run_expect(&[Sqe::nop().user_data(7)], &[cqe(7, 0)])?;
                Ok(())
            },
        }
    };
}

accepted!(
    "setup/sqpoll-ring-works",
    "an SQPOLL ring accepts and completes a NOP",
    [SetupSqpoll],
    IORING_SETUP_SQPOLL,
    "io_uring_setup(2): IORING_SETUP_SQPOLL"
);
accepted!(
    "setup/submit-all-ring-works",
    "a SUBMIT_ALL ring completes a NOP",
    [SetupSubmitAll],
    IORING_SETUP_SUBMIT_ALL,
    "io_uring_setup(2): IORING_SETUP_SUBMIT_ALL"
);
accepted!(
    "setup/coop-taskrun-ring-works",
    "a COOP_TASKRUN ring completes a NOP",
    [SetupCoopTaskrun],
    IORING_SETUP_COOP_TASKRUN,
    "io_uring_setup(2): IORING_SETUP_COOP_TASKRUN",
    "claim:setup.coop-taskrun"
);
accepted!(
    "setup/taskrun-flag-with-defer-works",
    "TASKRUN_FLAG is accepted with DEFER_TASKRUN",
    [SetupTaskrunFlag, SetupDeferTaskrun],
    IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
    "io_uring_setup(2): IORING_SETUP_TASKRUN_FLAG",
    "claim:setup.taskrun-flag.needs-coop-or-defer"
);
accepted!(
    "setup/sqe128-ring-works",
    "an SQE128 ring completes a NOP",
    [SetupSqe128],
    IORING_SETUP_SQE128,
    "io_uring_setup(2): IORING_SETUP_SQE128",
    "claim:setup.sqe128"
);
accepted!(
    "setup/cqe32-ring-works",
    "a CQE32 ring completes a NOP",
    [SetupCqe32],
    IORING_SETUP_CQE32,
    "io_uring_setup(2): IORING_SETUP_CQE32",
    "claim:setup.cqe32"
);
accepted!(
    "setup/cqe-mixed-ring-works",
    "a CQE_MIXED ring completes a plain NOP with a 16-byte CQE",
    [SetupCqeMixed],
    IORING_SETUP_CQE_MIXED,
    "io_uring_setup(2): IORING_SETUP_CQE_MIXED",
    "claim:setup.cqe-mixed.sizes"
);
accepted!(
    "setup/no-sqarray-ring-works",
    "a NO_SQARRAY ring completes a NOP",
    [SetupNoSqarray],
    IORING_SETUP_NO_SQARRAY,
    "io_uring_setup(2): IORING_SETUP_NO_SQARRAY",
    "claim:setup.no-sqarray"
);
accepted!(
    "setup/no-mmap-ring-works",
    "a NO_MMAP ring in user memory completes a NOP",
    [SetupNoMmap],
    IORING_SETUP_NO_MMAP,
    "io_uring_setup(2): IORING_SETUP_NO_MMAP",
    "claim:setup.no-mmap"
);
accepted!(
    "setup/iopoll-ring-completes-nop",
    "an IOPOLL ring completes a NOP",
    [SetupIopoll, OpflagNopIopoll],
    IORING_SETUP_IOPOLL,
    "io_uring_setup(2): IORING_SETUP_IOPOLL"
);

case! {
    id: "setup/registered-fd-only-returns-index",
    summary: "REGISTERED_FD_ONLY returns a registered-ring index that works with ENTER_REGISTERED_RING",
    requires: [SetupRegisteredFdOnly, SetupNoMmap, EnterRegisteredRing],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_REGISTERED_FD_ONLY", "commit 03d89a2de25b (io_uring: support for user allocated memory for rings/sqes)", "claim:setup.registered-fd-only", "claim:enter.registered-ring"],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_REGISTERED_FD_ONLY | IORING_SETUP_NO_MMAP).build()?);
        let idx = r.registered_index().expect("registered index");
        check!(idx < 16, "index {idx} is not a registered-ring slot (0..16)");
        check_eq!(r.fd(), -1, "no fd in the file table");
        r.run_expect(&[Sqe::nop().user_data(3)], &[cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "setup/sq-aff-bad-cpu-einval",
    summary: "SQPOLL|SQ_AFF with a CPU beyond nr_cpu_ids fails with EINVAL",
    requires: [SetupSqpoll, SetupSqAff],
    variants: variants::DEFAULT,
    refs: ["io_uring/sqpoll.c io_sq_offload_create: cpu >= nr_cpu_ids -> -EINVAL"],
    run: |_| {
        let mut p = params(IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF);
        p.sq_thread_cpu = 1 << 20;
        check_errno!(setup_raw(4, &mut p), libc::EINVAL, "sq_thread_cpu 1<<20");
        Ok(())
    },
}

case! {
    id: "setup/r-disabled-submit-ebadfd",
    summary: "submitting on an R_DISABLED ring fails with EBADFD until ENABLE_RINGS",
    requires: [SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_R_DISABLED", "io_uring_register(2): IORING_REGISTER_ENABLE_RINGS", "claim:setup.r-disabled", "claim:enter.errors.EBADFD-disabled", "claim:register.op.enable-rings"],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_R_DISABLED).build()?);
        r.push(&Sqe::nop().user_data(1));
        check_errno!(r.submit(), libc::EBADFD, "submit on a disabled ring");
        r.enable()?;
        check_eq!(r.submit()?, 1, "submit after enabling");
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "setup/enable-rings-twice-ebadfd",
    summary: "ENABLE_RINGS on a ring that is already enabled fails with EBADFD",
    requires: [SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_register_enable_rings: !R_DISABLED -> -EBADFD", "claim:register.errors.EBADFD-not-disabled"],
    run: |_| {
        let r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_R_DISABLED).build()?);
        r.enable()?;
        check_errno!(r.enable(), libc::EBADFD, "second ENABLE_RINGS");
        let plain = CheckedRing::new(4)?;
        check_errno!(plain.enable(), libc::EBADFD, "ENABLE_RINGS on a ring never disabled");
        Ok(())
    },
}

case! {
    id: "setup/offsets-consistent",
    summary: "the returned sq_off/cq_off describe rings whose entries and masks match params",
    requires: [],
    variants: variants::LAYOUT,
    refs: ["io_uring_setup(2): struct io_sqring_offsets, struct io_cqring_offsets", "claim:setup.offsets"],
    run: |cx| {
        let r = cx.ring_sized(16)?;
        let p = r.params;
        check_eq!((r.sq_entries(), r.cq_entries()), (p.sq_entries, p.cq_entries), "mapped ring_entries vs params");
        check!(p.sq_off.head != p.sq_off.tail && p.cq_off.head != p.cq_off.tail, "head and tail share an offset: {:?} {:?}", p.sq_off, p.cq_off);
        check!(p.cq_off.cqes % 16 == 0, "cqes offset {} not 16-byte aligned", p.cq_off.cqes);
        if p.flags & IORING_SETUP_NO_SQARRAY == 0 {
            check!(p.sq_off.array != 0, "sq_off.array is 0 on a ring with an SQ array");
        }
        check_eq!(r.sq_dropped(), 0, "sq dropped on a new ring");
        check_eq!(r.cq_overflow(), 0, "cq overflow on a new ring");
        Ok(())
    },
}

case! {
    id: "setup/features-are-reported",
    summary: "params.features has every bit the kernel documents for its features, the same on every ring",
    requires: [FeatSingleMmap],
    variants: variants::LAYOUT,
    refs: ["io_uring_setup(2): features", "claim:setup.features"],
    run: |cx| {
        let r = cx.ring_sized(4)?;
        let base = CheckedRing::new(4)?;
        check_eq!(r.features(), base.features(), "features of a {} ring vs a default ring", cx.variant.name());
        Ok(())
    },
}

case! {
    id: "setup/single-issuer-other-thread-eexist",
    summary: "on a SINGLE_ISSUER ring, submitting from another thread fails with EEXIST",
    requires: [SetupSingleIssuer],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_SINGLE_ISSUER", "io_uring/io_uring.c io_uring_enter: submitter_task != current -> -EEXIST", "claim:setup.single-issuer.other-task"],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_SINGLE_ISSUER).build()?);
        r.push(&Sqe::nop().user_data(1));
        let res = std::thread::scope(|s| s.spawn(|| r.submit()).join().expect("thread"));
        check_errno!(res, libc::EEXIST, "submit from a second thread");
        check_eq!(r.submit()?, 1, "submit from the creating thread");
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "setup/single-issuer-disabled-ring-owned-by-enabler",
    summary: "an R_DISABLED SINGLE_ISSUER ring belongs to the task that enables it",
    requires: [SetupSingleIssuer, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_SINGLE_ISSUER (with R_DISABLED, the task that enables the ring)", "claim:setup.single-issuer.enabler-owns"],
    run: |_| {
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED).build()?);
        r.push(&Sqe::nop().user_data(1));
        let res = std::thread::scope(|s| {
            s.spawn(|| {
                r.enable()?;
                r.submit()
            })
            .join()
            .expect("thread")
        });
        check_eq!(res, Ok(1), "enable and submit from the second thread");
        r.push(&Sqe::nop().user_data(2));
        check_errno!(r.submit(), libc::EEXIST, "submit from the creating thread after another enabled it");
        Ok(())
    },
}

case! {
    id: "setup/iopoll-buffered-read-eopnotsupp",
    summary: "on an IOPOLL ring, a read from a file not opened O_DIRECT completes with -EOPNOTSUPP",
    requires: [SetupIopoll, OpRead],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_IOPOLL (O_DIRECT files only)", "io_uring/rw.c io_rw_init_file: -EOPNOTSUPP", "claim:setup.iopoll.odirect-only"],
    run: |_| {
        let f = TempFile::with_content(&pattern(64, 1))?;
        let buf;
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_IOPOLL).build()?);
        buf = IoBuf::new(64);
        r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

case! {
    id: "setup/attach-wq-shares-with-ring",
    summary: "ATTACH_WQ with another ring's fd is accepted and the ring works",
    requires: [SetupAttachWq],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_ATTACH_WQ", "claim:setup.attach-wq.shares"],
    run: |_| {
        let base = CheckedRing::new(4)?;
        let mut b = RingBuilder::new(4).flags(IORING_SETUP_ATTACH_WQ);
        b.params.wq_fd = base.fd() as u32;
        let mut r = CheckedRing::from(b.build()?);
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "setup/params-unreadable-efault",
    summary: "io_uring_setup with a params pointer that cannot be read fails with EFAULT",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2) ERRORS: EFAULT (params outside the accessible address space)", "io_uring/io_uring.c io_uring_setup: copy_from_user of the params fails -> -EFAULT", "claim:setup.errors.EFAULT-params"],
    run: |_| {
        // SAFETY: deliberately malformed: address 8 is never mapped; the kernel only reads it.
        let r = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4 as libc::c_long, 8usize) };
        let got = if r < 0 { Err(Errno::last()) } else { Ok(r) };
        check_errno!(got, libc::EFAULT, "params at address 8");
        Ok(())
    },
}

/// Sets the soft RLIMIT_NOFILE of this (trial) process, returning the old limits.
fn set_nofile(soft: u64) -> Result<rustix::process::Rlimit, oracle::CaseError> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let old = getrlimit(Resource::Nofile);
    setrlimit(Resource::Nofile, Rlimit { current: Some(soft), maximum: old.maximum }).map_err(std::io::Error::from)?;
    Ok(old)
}

case! {
    id: "setup/rlimit-nofile-emfile",
    summary: "with RLIMIT_NOFILE at the lowest free descriptor, io_uring_setup fails with EMFILE; one more allowed descriptor and it succeeds",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2) ERRORS: EMFILE (the per-process limit on open file descriptors has been reached)", "io_uring/io_uring.c io_uring_install_fd: get_unused_fd_flags -> -EMFILE", "claim:setup.errors.EMFILE"],
    run: |_| {
        // Every descriptor below the lowest free one is open (the kernel
        // allocates the lowest free), so a limit there leaves none.
        let free = closed_fd();
        let old = set_nofile(free as u64)?;
        let full = setup_raw(4, &mut params(0));
        set_nofile(free as u64 + 1)?;
        let one_free = setup_raw(4, &mut params(0));
        rustix::process::setrlimit(rustix::process::Resource::Nofile, old).map_err(std::io::Error::from)?;
        check_errno!(full, libc::EMFILE, "setup with RLIMIT_NOFILE {free} and fds 0..{free} open");
        check_eq!(one_free, Ok(free), "setup with one descriptor free");
        Ok(())
    },
}

case! {
    id: "setup/taskrun-flag-sets-sq-taskrun",
    summary: "with TASKRUN_FLAG (on a DEFER_TASKRUN ring), IORING_SQ_TASKRUN is set in the SQ flags while a completion waits for the task to run it, and cleared once a wait ran it",
    requires: [SetupTaskrunFlag, SetupDeferTaskrun, OpPollAdd],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_setup(2): IORING_SETUP_TASKRUN_FLAG (IORING_SQ_TASKRUN set when task work is pending)",
        "io_uring/io_uring.c io_req_local_work_add: atomic_or(IORING_SQ_TASKRUN) with TASKRUN_FLAG; io_run_local_work clears it",
        "claim:setup.taskrun-flag.sq-taskrun",
    ],
    run: |_| {
        let poll = |p: &Pipe| Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1);
        // DEFER_TASKRUN: the wakeup queues local work that only a wait runs,
        // so the owner itself sees the flag between the event and its wait.
        // (On a COOP_TASKRUN ring the work runs at the owner's next return to
        // user space: only another thread could look, and only racing it.)
        let p = Pipe::new()?;
        let mut r = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_TASKRUN_FLAG).build()?);
        r.push(&poll(&p));
        r.publish();
        check_eq!(r.enter_flags(1, 0, 0)?, 1, "submitted");
        check_eq!(r.sq_flags() & IORING_SQ_TASKRUN, 0, "DEFER_TASKRUN: SQ_TASKRUN before the event");
        p.put(b"x")?;
        check_eq!(r.sq_flags() & IORING_SQ_TASKRUN, IORING_SQ_TASKRUN, "DEFER_TASKRUN: SQ_TASKRUN with the completion pending");
        // The flag is read right after the wait that ran the poll's task
        // work, before the quiet check: its barrier (a drained NOP, then a
        // NOP the kernel issues from task work to leave drain mode) queues
        // local task work of its own, which sets the flag again (seen once
        // on 7.3.4 and once on 7.2.13 in TCG, 2026-12-07).
        let got = r.wait_for(1, oracle::prompt()).map_err(|e| oracle::case::CaseError::Fail(format!("waiting for the poll's CQE: {e}")))?;
        check_eq!(r.sq_flags() & IORING_SQ_TASKRUN, 0, "DEFER_TASKRUN: SQ_TASKRUN after the wait ran it");
        r.check_reaped(&got, &[cqe(1, POLLIN)])?;
        Ok(())
    },
}
