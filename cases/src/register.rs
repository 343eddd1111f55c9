//! Registration and restrictions: REGISTER_PROBE content, personalities
//! (a request run with another user's credentials), RESTRICTIONS on an
//! R_DISABLED ring (allowed and refused opcodes, SQE flags and register
//! opcodes), eventfd (plain, async-only, IORING_CQ_EVENTFD_DISABLED),
//! io-wq worker limits and affinity, ring resize, NAPI, clock
//! registration and registered wait regions.
//!
//! References: io_uring_register(2), io_uring_register_restrictions(3),
//! io_uring_register_eventfd(3), io_uring_register_iowq_max_workers(3),
//! io_uring_register_iowq_aff(3), io_uring_resize_rings(3),
//! io_uring_register_napi(3), io_uring_register_clock(3),
//! io_uring_register_reg_wait(3); io_uring/register.c, eventfd.c,
//! napi.c, memmap.c.

use crate::prelude::*;
use fixtures::{EventFd, Mapping, TempDir};
use harness::CaseError;
use std::os::fd::AsRawFd;

/// A register call whose argument the kernel only reads (`nr` as the
/// opcode counts it). Any `T` is sound here: the kernel reads memory a
/// reference keeps valid, and answers EFAULT for any address inside it
/// that is not.
fn register_in<T: ?Sized>(r: &Ring, op: u32, arg: &T, nr: u32) -> Result<i32, Errno> {
    // SAFETY: arg is valid for reads of its whole size; op only reads it.
    unsafe { r.register_raw(op, arg as *const T as *const libc::c_void, nr) }
}

/// A register call whose argument the kernel writes into (PROBE and
/// IOWQ_MAX_WORKERS write their answers, RESIZE_RINGS the new offsets,
/// NAPI the old settings).
fn register_out<T: ?Sized>(r: &Ring, op: u32, arg: &mut T, nr: u32) -> Result<i32, Errno> {
    // SAFETY: arg is valid for reads and writes of its whole size.
    unsafe { r.register_raw_out(op, arg as *mut T as *mut libc::c_void, nr) }
}

/// A register call without an argument.
fn register_none(r: &Ring, op: u32, nr: u32) -> Result<i32, Errno> {
    // SAFETY: a null argument is never dereferenced as valid memory (the
    // kernel answers EFAULT where it wants one).
    unsafe { r.register_raw(op, std::ptr::null(), nr) }
}

// ------------------------------------------------------------ probe

/// IORING_REGISTER_PROBE into a zeroed buffer for 256 ops: (header
/// bytes, ops as (op, flags)).
fn probe(r: &Ring) -> Result<(io_uring_probe, Vec<(u8, u16)>), CaseError> {
    const N: usize = 256;
    let hdr = std::mem::size_of::<io_uring_probe>();
    let mut buf = vec![0u8; hdr + N * std::mem::size_of::<io_uring_probe_op>()];
    register_out(r, IORING_REGISTER_PROBE, buf.as_mut_slice(), N as u32)?;
    // SAFETY: buf starts with the header.
    let h: io_uring_probe = unsafe { std::ptr::read_unaligned(buf.as_ptr() as *const io_uring_probe) };
    let ops = (0..N).map(|i| (buf[hdr + i * 8], u16::from_ne_bytes([buf[hdr + i * 8 + 2], buf[hdr + i * 8 + 3]]))).collect();
    Ok((h, ops))
}

case! {
    id: "register/probe-layout",
    summary: "REGISTER_PROBE fills ops_len = last_op + 1 entries, entry i names opcode i, NOP is supported, and nothing past ops_len is written",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_PROBE", "io_uring/register.c io_probe"],
    run: |cx| {
        let r = cx.ring()?;
        let (h, ops) = probe(&r)?;
        check_eq!(h.ops_len as usize, h.last_op as usize + 1, "ops_len against last_op");
        for (i, (op, flags)) in ops.iter().enumerate() {
            if i < h.ops_len as usize {
                check_eq!(*op as usize, i, "ops[{i}].op");
                check!(flags & !IO_URING_OP_SUPPORTED == 0, "ops[{i}].flags {flags:#x} has unknown bits");
            } else {
                check!(*op == 0 && *flags == 0, "ops[{i}] past ops_len was written: op {op}, flags {flags:#x}");
            }
        }
        check!(ops[IORING_OP_NOP as usize].1 & IO_URING_OP_SUPPORTED != 0, "NOP not marked supported");
        Ok(())
    },
}

case! {
    id: "register/probe-past-last-op-einval",
    summary: "an opcode past the probe's last_op completes with -EINVAL when submitted",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: opcode >= IORING_OP_LAST -> -EINVAL", "io_uring/register.c io_probe: last_op = IORING_OP_LAST - 1"],
    run: |cx| {
        let mut r = cx.ring()?;
        let (h, _) = probe(&r)?;
        let op = h.last_op.wrapping_add(1);
        check!(op != 0, "last_op is 255");
        r.run_expect(&[Sqe::op(op).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "register/probe-dirty-buffer-einval",
    summary: "REGISTER_PROBE into a buffer that is not zeroed fails with EINVAL",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_probe: memchr_inv(p, 0, size) -> -EINVAL (the probe must be zeroed)"],
    run: |cx| {
        let r = cx.ring()?;
        let mut buf = vec![0u8; 16 + 8 * 8];
        buf[20] = 1;
        check_errno!(register_out(&r, IORING_REGISTER_PROBE, buf.as_mut_slice(), 8), libc::EINVAL, "REGISTER_PROBE with a dirty buffer");
        Ok(())
    },
}

// ------------------------------------------------------------ personalities

/// Runs `f` with the effective uid (and gid) of nobody (65534), then
/// restores root. Effective capabilities go with euid 0 (capabilities(7):
/// "If the effective user ID is changed from 0 to nonzero, then all
/// capabilities are cleared from the effective set") and come back.
pub(crate) fn as_nobody<T>(f: impl FnOnce() -> T) -> Result<T, CaseError> {
    // SAFETY: plain syscalls on this (single-threaded) trial process.
    unsafe {
        if libc::setegid(65534) != 0 || libc::seteuid(65534) != 0 {
            return Err(CaseError::Error(format!("seteuid(65534): {}", std::io::Error::last_os_error())));
        }
    }
    let out = f();
    // SAFETY: the saved set-user-ID is still 0.
    unsafe {
        if libc::seteuid(0) != 0 || libc::setegid(0) != 0 {
            return Err(CaseError::Error(format!("seteuid(0): {}", std::io::Error::last_os_error())));
        }
    }
    Ok(out)
}

/// Makes `d` searchable by everyone (0755), whatever the umask made it,
/// so that only a file's own mode decides whether nobody may open it.
pub(crate) fn world_searchable(d: &TempDir) -> Result<(), CaseError> {
    std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(())
}

/// A file only root can read (mode 0600, owned by root), in a directory
/// anyone may search.
pub(crate) fn root_only_file(d: &TempDir) -> Result<std::ffi::CString, CaseError> {
    world_searchable(d)?;
    let p = d.join("secret");
    std::fs::write(&p, b"secret")?;
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    crate::ops::cpath(&p)
}

case! {
    id: "register/personality-runs-with-its-credentials",
    summary: "a request with a personality registered by nobody runs as nobody: opening a root-only file fails with -EACCES, while the same open without it succeeds",
    requires: [RegPersonality, OpOpenat, EnvRoot],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_PERSONALITY (the current credentials, used by requests naming the id)"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = root_only_file(&d)?;
        let mut r = cx.ring()?;
        let id = as_nobody(|| register_none(&r, IORING_REGISTER_PERSONALITY, 0))??;
        check!(id > 0 && id <= u16::MAX as i32, "personality id {id}");
        let open = Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0);
        r.run_expect(&[open.personality(id as u16).user_data(1)], &[cqe(1, -libc::EACCES)])?;
        let next = fixtures::closed_fd();
        r.submit_all(&[open.user_data(2)])?;
        crate::ops::expect_fd(&mut r, 2, next)?;
        Ok(())
    },
}

case! {
    id: "register/personality-unregistered-einval",
    summary: "after UNREGISTER_PERSONALITY, a request naming the id completes with -EINVAL",
    requires: [RegPersonality, RegUnregisterPersonality],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: unknown personality -> -EINVAL", "io_uring_register(2): IORING_UNREGISTER_PERSONALITY"],
    run: |cx| {
        let mut r = cx.ring()?;
        let id = register_none(&r, IORING_REGISTER_PERSONALITY, 0)?;
        r.run_expect(&[Sqe::nop().personality(id as u16).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(register_none(&r, IORING_UNREGISTER_PERSONALITY, id as u32)?, 0, "UNREGISTER_PERSONALITY");
        r.run_expect(&[Sqe::nop().personality(id as u16).user_data(2)], &[cqe(2, -libc::EINVAL)])?;
        check_errno!(register_none(&r, IORING_UNREGISTER_PERSONALITY, id as u32), libc::EINVAL, "unregistering it again");
        Ok(())
    },
}

// ------------------------------------------------------------ restrictions

fn restriction(opcode: u16, arg: u8) -> io_uring_restriction {
    io_uring_restriction { opcode, arg, ..Default::default() }
}

/// An R_DISABLED ring with `res` registered, then enabled.
fn restricted(cx: &harness::Ctx, res: &[io_uring_restriction]) -> Result<Ring, CaseError> {
    let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
    register_in(&r, IORING_REGISTER_RESTRICTIONS, res, res.len() as u32)?;
    r.enable()?;
    Ok(r)
}

case! {
    id: "register/restrictions-refuse-other-opcodes",
    summary: "with only NOP allowed, NOP runs and READ completes with -EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, OpRead],
    variants: &[Variant::Default, Variant::Sqpoll, Variant::DeferTaskrun],
    refs: ["io_uring_register_restrictions(3)", "io_uring/io_uring.c io_init_req: !io_check_restriction -> -EACCES"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let mut r = restricted(cx, &[restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)])?;
        let mut buf = [0u8; 3];
        // Two independent requests: their CQE order is not defined (6.1
        // posts the refused one first).
        r.run_expect_unordered(&[Sqe::nop().user_data(1), Sqe::read(f.fd(), &mut buf, 0).user_data(2)], &[cqe(1, 0), cqe(2, -libc::EACCES)])?;
        check_eq!(buf, [0u8; 3], "buffer untouched");
        Ok(())
    },
}

case! {
    id: "register/restrictions-sqe-flags-allowed",
    summary: "with IOSQE_IO_LINK the only allowed flag, a linked NOP runs and an IOSQE_ASYNC NOP completes with -EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, SqeIoLink, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_SQE_FLAGS_ALLOWED"],
    run: |cx| {
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP), restriction(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK)];
        let mut r = restricted(cx, &res)?;
        r.run_expect(&[Sqe::nop().link().user_data(1), Sqe::nop().user_data(2)], &[cqe(1, 0), cqe(2, 0)])?;
        r.run_expect(&[Sqe::nop().async_().user_data(3)], &[cqe(3, -libc::EACCES)])?;
        Ok(())
    },
}

case! {
    id: "register/restrictions-sqe-flags-required",
    summary: "with IOSQE_ASYNC required, a NOP without it completes with -EACCES and one with it runs",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_SQE_FLAGS_REQUIRED"],
    run: |cx| {
        let res = [
            restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP),
            restriction(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_ASYNC),
            restriction(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_ASYNC),
        ];
        let mut r = restricted(cx, &res)?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, -libc::EACCES)])?;
        r.run_expect(&[Sqe::nop().async_().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "register/restrictions-register-op",
    summary: "with only REGISTER_PROBE allowed among register opcodes, PROBE works and REGISTER_FILES fails with EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, RegProbe, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_REGISTER_OP", "io_uring/register.c __io_uring_register: restricted ring -> -EACCES"],
    run: |cx| {
        let f = TempFile::empty()?;
        let r = restricted(cx, &[restriction(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_PROBE as u8)])?;
        probe(&r)?;
        check_errno!(r.register_files(&[f.fd()]), libc::EACCES, "REGISTER_FILES on the restricted ring");
        Ok(())
    },
}

case! {
    id: "register/restrictions-on-enabled-ring-ebadfd",
    summary: "REGISTER_RESTRICTIONS on a ring that is not R_DISABLED fails with EBADFD",
    requires: [RegRestrictions],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBADFD (restrictions on a ring not created disabled)"],
    run: |cx| {
        let r = cx.ring()?;
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)];
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EBADFD, "REGISTER_RESTRICTIONS");
        Ok(())
    },
}

case! {
    id: "register/restrictions-twice-ebusy",
    summary: "a second REGISTER_RESTRICTIONS fails with EBUSY",
    requires: [RegRestrictions, SetupRDisabled],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBUSY (restrictions already registered)"],
    run: |cx| {
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)];
        register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1)?;
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EBUSY, "second REGISTER_RESTRICTIONS");
        Ok(())
    },
}

case! {
    id: "register/restrictions-unknown-kind-einval",
    summary: "a restriction of an unknown kind fails REGISTER_RESTRICTIONS with EINVAL",
    requires: [RegRestrictions, SetupRDisabled],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_parse_restrictions: unknown opcode -> -EINVAL"],
    run: |cx| {
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        let res = [restriction(99, 0)];
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EINVAL, "REGISTER_RESTRICTIONS");
        Ok(())
    },
}

// ------------------------------------------------------------ eventfd

/// The eventfd's counter, read (and so reset) without blocking: 0 when it
/// was not signalled (EAGAIN). Any other read error is the fixture's. Cases
/// read it after the ring's quiet check, so a late signal is counted, and
/// use the grace wait there: a barrier's CQE would signal it too.
fn eventfd_count(e: &EventFd) -> Result<u64, harness::CaseError> {
    let mut v = 0u64;
    // SAFETY: reading 8 bytes from a non-blocking read of our eventfd.
    let n = unsafe {
        libc::fcntl(e.raw(), libc::F_SETFL, libc::O_NONBLOCK);
        libc::read(e.raw(), &mut v as *mut u64 as *mut _, 8)
    };
    match n {
        8 => Ok(v),
        _ if Errno::last() == Errno(libc::EAGAIN) => Ok(0),
        _ => Err(harness::CaseError::Error(format!("fixture: reading the eventfd: {}", Errno::last()))),
    }
}

case! {
    id: "register/eventfd-signals-completions",
    summary: "with an eventfd registered, posting a CQE signals it (counter > 0 after a NOP; 0 before)",
    requires: [RegEventfd],
    variants: variants::DELIVERY,
    refs: ["io_uring_register_eventfd(3)"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        register_in(&r, IORING_REGISTER_EVENTFD, &e.raw(), 1)?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd before any completion");
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        // One CQE, one flush of the CQ, one signal (io_eventfd_signal).
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one CQE");
        Ok(())
    },
}

case! {
    id: "register/eventfd-cq-disabled-flag",
    summary: "IORING_CQ_EVENTFD_DISABLED in the CQ ring flags stops the signal; clearing it restores it",
    requires: [RegEventfd],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_eventfd(3)", "io_uring_setup(2): cq_off.flags, IORING_CQ_EVENTFD_DISABLED"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        check!(r.cq_flags().is_some(), "the kernel gave no cq_off.flags");
        register_in(&r, IORING_REGISTER_EVENTFD, &e.raw(), 1)?;
        r.set_cq_flags(IORING_CQ_EVENTFD_DISABLED);
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd while disabled");
        r.set_cq_flags(0);
        r.run_expect(&[Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one CQE after re-enabling");
        Ok(())
    },
}

case! {
    id: "register/eventfd-async-only-worker-completions",
    summary: "EVENTFD_ASYNC signals only completions posted from io-wq: an inline NOP does not, an IOSQE_ASYNC NOP does",
    requires: [RegEventfdAsync, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_eventfd_async(3): only for completions of requests that went async", "io_uring/eventfd.c: eventfd_async && !io_wq_current_is_worker() -> no signal"],
    run: |cx| {
        let e = EventFd::new(0)?;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        register_in(&r, IORING_REGISTER_EVENTFD_ASYNC, &e.raw(), 1)?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, 0)])?;
        check_eq!(eventfd_count(&e)?, 0, "eventfd after an inline completion");
        r.run_expect(&[Sqe::nop().async_().user_data(2)], &[cqe(2, 0)])?;
        check_eq!(eventfd_count(&e)?, 1, "eventfd signals for one io-wq completion");
        Ok(())
    },
}

case! {
    id: "register/eventfd-twice-ebusy",
    summary: "registering a second eventfd fails with EBUSY; unregistering twice fails with ENXIO",
    requires: [RegEventfd, RegUnregisterEventfd],
    variants: variants::DEFAULT,
    refs: ["io_uring/eventfd.c io_eventfd_register: already set -> -EBUSY; io_eventfd_unregister: none -> -ENXIO"],
    run: |cx| {
        let (a, b) = (EventFd::new(0)?, EventFd::new(0)?);
        let r = cx.ring()?;
        register_in(&r, IORING_REGISTER_EVENTFD, &a.raw(), 1)?;
        check_errno!(register_in(&r, IORING_REGISTER_EVENTFD, &b.raw(), 1), libc::EBUSY, "second REGISTER_EVENTFD");
        register_none(&r, IORING_UNREGISTER_EVENTFD, 0)?;
        check_errno!(register_none(&r, IORING_UNREGISTER_EVENTFD, 0), libc::ENXIO, "second UNREGISTER_EVENTFD");
        Ok(())
    },
}

// ------------------------------------------------------------ io-wq

case! {
    id: "register/iowq-max-workers-set-and-get",
    summary: "IOWQ_MAX_WORKERS returns the previous limits and [0, 0] reads the current ones back",
    requires: [RegIowqMaxWorkers, SqeAsync],
    variants: &[Variant::Default, Variant::Sqpoll],
    refs: ["io_uring_register_iowq_max_workers(3): returns the old values; 0 leaves a value unchanged"],
    run: |cx| {
        let mut r = cx.ring()?;
        // An async NOP makes sure this task's io-wq exists.
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let mut v = [0u32; 2];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, v.as_mut_slice(), 2)?;
        let before = v;
        check!(before[0] > 0 && before[1] > 0, "current limits {before:?}");
        let mut set = [2u32, 3];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, set.as_mut_slice(), 2)?;
        check_eq!(set, before, "values returned by the set (the old limits)");
        let mut get = [0u32; 2];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, get.as_mut_slice(), 2)?;
        check_eq!(get, [2, 3], "limits read back");
        Ok(())
    },
}

case! {
    id: "register/iowq-max-workers-bad-count-einval",
    summary: "IOWQ_MAX_WORKERS with nr_args other than 2 fails with EINVAL",
    requires: [RegIowqMaxWorkers],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c: IORING_REGISTER_IOWQ_MAX_WORKERS needs nr_args == 2"],
    run: |cx| {
        let r = cx.ring()?;
        let mut v = [0u32; 3];
        check_errno!(register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, v.as_mut_slice(), 3), libc::EINVAL, "nr_args 3");
        Ok(())
    },
}

case! {
    id: "register/iowq-aff-pins-workers",
    summary: "IOWQ_AFF to CPU 0 pins the ring's io-wq workers to CPU 0",
    requires: [RegIowqAff, SqeAsync, EnvMultiCpu],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_iowq_aff(3)"],
    run: |cx| {
        let mut r = cx.ring()?;
        let mask: u64 = 1;
        register_in(&r, IORING_REGISTER_IOWQ_AFF, &mask, 8)?;
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let workers = fixtures::threads_named("iou-wrk")?;
        check!(!workers.is_empty(), "no iou-wrk thread after an async NOP");
        // One comparison over all workers: io-wq starts one or more, and a
        // per-worker check would make the number of comparisons vary from
        // run to run (the mutation mode counts them).
        let mut unpinned = Vec::new();
        for (tid, _) in workers {
            let cpus = fixtures::thread_status(tid, "Cpus_allowed_list")?;
            if cpus.trim() != "0" {
                unpinned.push(format!("{tid}: {}", cpus.trim()));
            }
        }
        check_eq!(unpinned, Vec::<String>::new(), "iou-wrk threads whose Cpus_allowed_list is not 0");
        Ok(())
    },
}

case! {
    id: "register/iowq-aff-empty-einval",
    summary: "IOWQ_AFF with a zero-length mask fails with EINVAL",
    requires: [RegIowqAff],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c: IORING_REGISTER_IOWQ_AFF with !arg or !nr_args -> -EINVAL"],
    run: |cx| {
        let r = cx.ring()?;
        let mask: u64 = 1;
        check_errno!(register_in(&r, IORING_REGISTER_IOWQ_AFF, &mask, 0), libc::EINVAL, "IOWQ_AFF with length 0");
        Ok(())
    },
}

// ------------------------------------------------------------ resize

/// A fresh read-only view of the ring memory at IORING_OFF_SQ_RING
/// (SINGLE_MMAP: SQ and CQ rings in one mapping), to read what the kernel
/// put there after a resize; reads outside what `p` describes panic.
pub(crate) fn ring_view(fd: i32, p: &io_uring_params) -> Result<Mapping, CaseError> {
    let len = (p.cq_off.cqes as usize + p.cq_entries as usize * 16).max(p.sq_off.array as usize + p.sq_entries as usize * 4);
    // SAFETY: the ring's fd, open for as long as this call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    Mapping::shared_read_only(fd, IORING_OFF_SQ_RING, len).map_err(|e| CaseError::Fail(format!("mmap of the rings at IORING_OFF_SQ_RING: {e}")))
}

case! {
    id: "register/resize-rings-keeps-pending-cqes",
    summary: "RESIZE_RINGS of a DEFER_TASKRUN ring to 16/64 entries returns the new params; the new CQ ring holds the CQE pending before",
    requires: [RegResizeRings, SetupDeferTaskrun, SetupSingleIssuer, SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_resize_rings(3): pending CQEs and SQEs are copied to the new rings", "io_uring/register.c io_register_resize_rings"],
    run: |cx| {
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
        r.submit_all(&[Sqe::nop().user_data(0x42)])?;
        // Run the deferred completion without reaping it.
        r.enter_flags(0, 1, IORING_ENTER_GETEVENTS)?;
        check_eq!(r.cq_ready(), 1, "CQEs pending before the resize");
        let mut p = io_uring_params { sq_entries: 16, cq_entries: 64, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        check_eq!(register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1)?, 0, "RESIZE_RINGS");
        check_eq!((p.sq_entries, p.cq_entries), (16, 64), "entries in the returned params");
        let v = ring_view(r.fd(), &p)?;
        check_eq!(v.read_u32(p.sq_off.ring_entries as usize), 16, "sq ring_entries in the new rings");
        check_eq!(v.read_u32(p.cq_off.ring_entries as usize), 64, "cq ring_entries in the new rings");
        let (head, tail) = (v.read_u32(p.cq_off.head as usize), v.read_u32(p.cq_off.tail as usize));
        check_eq!(tail.wrapping_sub(head), 1, "CQEs in the new CQ ring");
        let slot = (head & v.read_u32(p.cq_off.ring_mask as usize)) as usize;
        check_eq!(v.read_u64(p.cq_off.cqes as usize + slot * 16), 0x42, "user_data of the carried CQE");
        Ok(())
    },
}

case! {
    id: "register/resize-rings-needs-defer-taskrun-einval",
    summary: "RESIZE_RINGS of a ring without DEFER_TASKRUN fails with EINVAL",
    requires: [RegResizeRings],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_register_resize_rings: limited to DEFER_TASKRUN -> -EINVAL"],
    run: |cx| {
        let r = cx.ring()?;
        let mut p = io_uring_params { sq_entries: 64, cq_entries: 128, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        check_errno!(register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1), libc::EINVAL, "RESIZE_RINGS");
        Ok(())
    },
}

// ------------------------------------------------------------ napi, clock

case! {
    id: "register/napi-register-then-unregister-returns-settings",
    summary: "REGISTER_NAPI takes a busy-poll timeout; UNREGISTER_NAPI returns the settings in force",
    requires: [RegNapi, RegUnregisterNapi],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_napi(3), io_uring_unregister_napi(3)", "io_uring/napi.c io_unregister_napi: copies the current settings back"],
    run: |cx| {
        let r = cx.ring()?;
        let mut n = io_uring_napi { busy_poll_to: 100, prefer_busy_poll: 1, ..Default::default() };
        check_eq!(register_out(&r, IORING_REGISTER_NAPI, &mut n, 1)?, 0, "REGISTER_NAPI");
        let mut out = io_uring_napi::default();
        check_eq!(register_out(&r, IORING_UNREGISTER_NAPI, &mut out, 1)?, 0, "UNREGISTER_NAPI");
        check_eq!((out.busy_poll_to, out.prefer_busy_poll), (100, 1), "settings returned by UNREGISTER_NAPI");
        Ok(())
    },
}

case! {
    id: "register/napi-reserved-einval",
    summary: "REGISTER_NAPI with a reserved field set fails with EINVAL",
    requires: [RegNapi],
    variants: variants::DEFAULT,
    refs: ["io_uring/napi.c io_register_napi: pad/resv must be zero -> -EINVAL"],
    run: |cx| {
        let r = cx.ring()?;
        // The last u32 (resv in every layout since 6.9; op_param sits before it from 6.13).
        let mut n = io_uring_napi { busy_poll_to: 100, resv: 1 << 32, ..Default::default() };
        check_errno!(register_out(&r, IORING_REGISTER_NAPI, &mut n, 1), libc::EINVAL, "REGISTER_NAPI");
        Ok(())
    },
}

case! {
    id: "register/clock-boottime-accepted",
    summary: "REGISTER_CLOCK with CLOCK_BOOTTIME succeeds, and a wait timeout then still fires",
    requires: [RegClock, FeatExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clock(3): CLOCK_MONOTONIC or CLOCK_BOOTTIME for wait timeouts"],
    run: |cx| {
        let r = cx.ring()?;
        let c = io_uring_clock_register { clockid: libc::CLOCK_BOOTTIME as u32, ..Default::default() };
        check_eq!(register_in(&r, IORING_REGISTER_CLOCK, &c, 0)?, 0, "REGISTER_CLOCK");
        let ts = ms(10);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Instant::now();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "waiting 10 ms for a CQE that never comes");
        check_elapsed(t0, Duration::from_millis(10), "the wait")?;
        Ok(())
    },
}

case! {
    id: "register/clock-realtime-einval",
    summary: "REGISTER_CLOCK with CLOCK_REALTIME (neither MONOTONIC nor BOOTTIME) fails with EINVAL",
    requires: [RegClock],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clock(3): only CLOCK_MONOTONIC and CLOCK_BOOTTIME", "io_uring/register.c io_register_clock"],
    run: |cx| {
        let r = cx.ring()?;
        let c = io_uring_clock_register { clockid: libc::CLOCK_REALTIME as u32, ..Default::default() };
        check_errno!(register_in(&r, IORING_REGISTER_CLOCK, &c, 0), libc::EINVAL, "REGISTER_CLOCK");
        Ok(())
    },
}

// ------------------------------------------------------------ registered wait regions

const IORING_MEM_REGION_TYPE_USER: u32 = 1;
const IORING_MEM_REGION_REG_WAIT_ARG: u64 = 1;
/// io_uring_reg_wait.flags: the ts field holds a timeout.
const IORING_REG_WAIT_TS: u32 = 1;

fn register_wait_region(r: &Ring, page: &Mapping) -> Result<i32, Errno> {
    let rd = io_uring_region_desc { user_addr: page.as_ptr() as u64, size: 4096, flags: IORING_MEM_REGION_TYPE_USER, ..Default::default() };
    let mr = io_uring_mem_region_reg { region_uptr: &rd as *const _ as u64, flags: IORING_MEM_REGION_REG_WAIT_ARG, ..Default::default() };
    register_in(r, IORING_REGISTER_MEM_REGION, &mr, 1)
}

case! {
    id: "register/reg-wait-timeout-from-region",
    summary: "a wait with IORING_ENTER_EXT_ARG_REG takes its timeout from the registered region: -ETIME after 10 ms",
    requires: [RegMemRegion, EnterExtArgReg, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_region(3): IORING_MEM_REGION_REG_WAIT_ARG", "io_uring_enter(2): IORING_ENTER_EXT_ARG_REG (arg is an offset into the region)"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        check_eq!(register_wait_region(&r, &page)?, 0, "REGISTER_MEM_REGION");
        r.enable()?;
        // Slot 1 of the region: offset 64.
        let w = io_uring_reg_wait { ts: ms(10), flags: IORING_REG_WAIT_TS, ..Default::default() };
        page.write_value(64, w);
        let t0 = Instant::now();
        // SAFETY: an offset into the registered wait region, not a pointer: the kernel bounds-checks it.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG, 64 as *const libc::c_void, std::mem::size_of::<io_uring_reg_wait>()) };
        check_errno!(res, libc::ETIME, "wait with the region's 10 ms timeout");
        check_elapsed(t0, Duration::from_millis(10), "the wait")?;
        Ok(())
    },
}

case! {
    id: "register/reg-wait-region-on-enabled-ring-einval",
    summary: "registering a wait-argument region on a ring that is already enabled fails with EINVAL",
    requires: [RegMemRegion, EnterExtArgReg],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_register_mem_region: REG_WAIT_ARG needs an R_DISABLED ring -> -EINVAL"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.ring()?;
        check_errno!(register_wait_region(&r, &page), libc::EINVAL, "REGISTER_MEM_REGION on an enabled ring");
        Ok(())
    },
}

case! {
    id: "register/reg-wait-bad-offset-efault",
    summary: "an EXT_ARG_REG wait whose offset is past the region fails with EFAULT",
    requires: [RegMemRegion, EnterExtArgReg, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_get_ext_arg_reg: offset outside the region -> -EFAULT"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        register_wait_region(&r, &page)?;
        r.enable()?;
        // SAFETY: an offset into the registered wait region, not a pointer: the kernel bounds-checks it.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG, 8192 as *const libc::c_void, std::mem::size_of::<io_uring_reg_wait>()) };
        check_errno!(res, libc::EFAULT, "wait with offset 8192");
        Ok(())
    },
}

case! {
    id: "register/personality-allows-what-its-user-may",
    summary: "the nobody personality reads a file it may read: a world-readable file opens with it",
    requires: [RegPersonality, OpOpenat, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_PERSONALITY"],
    run: |cx| {
        let d = TempDir::new()?;
        world_searchable(&d)?;
        let path = d.join("public");
        std::fs::write(&path, b"public")?;
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
        let p = crate::ops::cpath(&path)?;
        let mut r = cx.ring()?;
        let id = as_nobody(|| register_none(&r, IORING_REGISTER_PERSONALITY, 0))??;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).personality(id as u16).user_data(1)])?;
        let fd = crate::ops::expect_fd(&mut r, 1, next)?;
        check_eq!(crate::ops::read_all(fd.as_raw_fd())?, b"public".to_vec(), "content");
        Ok(())
    },
}
