//! IORING_SETUP_SQPOLL: a kernel thread consumes the SQ, so submissions
//! need no io_uring_enter while it is awake; it sleeps after sq_thread_idle
//! ms (setting IORING_SQ_NEED_WAKEUP) until IORING_ENTER_SQ_WAKEUP; it can
//! be pinned (SQ_AFF), shared (ATTACH_WQ), and it exits with its last ring.
//!
//! References: io_uring_setup(2) (IORING_SETUP_SQPOLL, SQ_AFF, ATTACH_WQ,
//! sq_thread_idle, privileges by version), io_uring_enter(2)
//! (IORING_ENTER_SQ_WAKEUP, IORING_ENTER_SQ_WAIT, "the return value will
//! generally be the same as to_submit"), io_uring/sqpoll.c.
//!
//! The link and CQE-skip areas run their cases under the `sqpoll` variant
//! too (variants::ALL); this area checks the thread itself.

use crate::prelude::*;
use fixtures::{threads_named, wait_until, Child};
use oracle::{check_cqes, CaseError, Ctx};

/// Idle long enough that the poller stays awake through a case, even on a
/// loaded machine.
const AWAKE_MS: u32 = 10_000;

/// The variant's ring with SQPOLL added.
fn sqpoll_ring<'buf>(cx: &Ctx, entries: u32, idle_ms: u32) -> Result<CheckedRing<'buf>, CaseError> {
    cx.build(cx.builder(entries).flags(IORING_SETUP_SQPOLL).sq_thread_idle(idle_ms))
}

/// The variant's SQPOLL ring with its poller known to be awake: a first
/// NOP goes through the documented protocol (publish, then SQ_WAKEUP if
/// IORING_SQ_NEED_WAKEUP is set) and is reaped. From then on the poller
/// stays awake for `AWAKE_MS` without work. (A new poller sleeps at once
/// when it starts with nothing to do: see `sqpoll/awake-after-setup`.)
fn awake_sqpoll_ring<'buf>(cx: &Ctx, entries: u32) -> Result<CheckedRing<'buf>, CaseError> {
    let mut r = sqpoll_ring(cx, entries, AWAKE_MS)?;
    r.push_all(&[Sqe::nop().user_data(u64::MAX)])?;
    r.submit()?;
    check_cqes(&reap_without_enter(&mut r, 1)?, &[cqe(u64::MAX, 0)])?;
    // The poller posts a batch's CQEs before it moves the SQ head past the
    // batch (io_submit_sqes: io_submit_state_end, then io_commit_sqring), so
    // the NOP's CQE can be seen while its SQ entry still counts as taken
    // (a 4-entry ring then had 3 free, 7.2.13 in TCG, 2026-12-07).
    if !wait_until(oracle::prompt(), || r.sq_pending() == 0) {
        return Err(CaseError::Fail(format!("the poller posted the NOP's CQE but left {} SQEs in the SQ for {:?}", r.sq_pending(), oracle::prompt())));
    }
    Ok(r)
}

/// Waits, without any syscall on the ring, until `n` CQEs are in the CQ,
/// and takes them.
fn reap_without_enter(r: &mut CheckedRing, n: u32) -> Result<Vec<oracle::Cqe>, CaseError> {
    if !wait_until(oracle::prompt(), || r.cq_ready() >= n) {
        return Err(CaseError::Fail(format!("only {} of {n} CQEs appeared within {:?} without io_uring_enter", r.cq_ready(), oracle::prompt())));
    }
    let mut got = Vec::new();
    while let Some(c) = r.pop() {
        got.push(c);
    }
    Ok(got)
}

/// The process's SQPOLL threads.
fn sq_threads() -> Result<Vec<(u32, String)>, CaseError> {
    threads_named("iou-sqp-").map_err(|e| CaseError::Error(format!("fixture: /proc/self/task: {e}")))
}

/// The SQPOLL threads once there are `n`: a new poller names itself
/// (set_task_comm in io_sq_thread) only when it first runs, so it may
/// still carry our name right after io_uring_setup returns.
fn sq_threads_settled(n: usize) -> Result<Vec<(u32, String)>, CaseError> {
    wait_until(oracle::prompt(), || sq_threads().map(|t| t.len() >= n).unwrap_or(true));
    sq_threads()
}

case! {
    id: "sqpoll/submits-without-enter",
    summary: "with the poller awake, published SQEs complete without any io_uring_enter",
    requires: [SetupSqpoll, OpNop],
    variants: variants::LAYOUT,
    refs: ["io_uring_setup(2): IORING_SETUP_SQPOLL (no system call needed to submit while the thread is awake)", "claim:setup.sqpoll.no-syscall"],
    run: |cx| {
        let mut r = awake_sqpoll_ring(cx, 8)?;
        r.push_all(&(1..5u64).map(|u| Sqe::nop().user_data(u)).collect::<Vec<_>>())?;
        r.publish();
        let got = reap_without_enter(&mut r, 4)?;
        check_cqes(&got, &[cqe(1, 0), cqe(2, 0), cqe(3, 0), cqe(4, 0)])
    },
}

case! {
    id: "sqpoll/many-in-order",
    summary: "64 NOPs fed 16 at a time through a 16-entry SQ without enter all complete, in order",
    requires: [SetupSqpoll, OpNop],
    variants: &[Variant::Default, Variant::NoSqarray],
    refs: ["io_uring_setup(2): IORING_SETUP_SQPOLL"],
    run: |cx| {
        let mut r = awake_sqpoll_ring(cx, 16)?;
        let mut got = Vec::new();
        for batch in 0..4u64 {
            r.push_all(&(1..17u64).map(|u| Sqe::nop().user_data(batch * 16 + u)).collect::<Vec<_>>())?;
            r.publish();
            got.extend(reap_without_enter(&mut r, 16)?);
        }
        let want: Vec<Want> = (1..65u64).map(|u| cqe(u, 0)).collect();
        check_cqes(&got, &want)
    },
}

case! {
    id: "sqpoll/need-wakeup-after-idle",
    summary: "after sq_thread_idle (10 ms) without work the poller sets IORING_SQ_NEED_WAKEUP; ENTER_SQ_WAKEUP gets a new SQE done",
    requires: [SetupSqpoll, EnterSqWakeup, OpNop],
    variants: &[Variant::Default, Variant::RegisteredRing],
    refs: ["io_uring_setup(2): sq_thread_idle, IORING_SQ_NEED_WAKEUP", "io_uring_enter(2): IORING_ENTER_SQ_WAKEUP", "claim:setup.sqpoll.need-wakeup", "claim:enter.sq-wakeup"],
    run: |cx| {
        let mut r = sqpoll_ring(cx, 8, 10)?;
        r.push_all(&[Sqe::nop().user_data(1)])?;
        r.submit()?;
        check_cqes(&reap_without_enter(&mut r, 1)?, &[cqe(1, 0)])?;
        check!(wait_until(oracle::prompt(), || r.sq_flags() & IORING_SQ_NEED_WAKEUP != 0), "IORING_SQ_NEED_WAKEUP not set {:?} after the last submission (idle 10 ms)", oracle::prompt());
        r.push_all(&[Sqe::nop().user_data(2)])?;
        r.publish();
        check_eq!(r.enter_flags(1, 0, IORING_ENTER_SQ_WAKEUP)?, 1, "enter(to_submit 1, SQ_WAKEUP) result");
        check_cqes(&reap_without_enter(&mut r, 1)?, &[cqe(2, 0)])
    },
}

case! {
    id: "sqpoll/no-need-wakeup-before-idle",
    summary: "the poller keeps running for sq_thread_idle after its last work: IORING_SQ_NEED_WAKEUP stays clear for the first 500 ms of a 10 s idle",
    requires: [SetupSqpoll, OpNop],
    variants: &[Variant::Default, Variant::RegisteredRing],
    refs: [
        "io_uring_setup(2): sq_thread_idle: 'the kernel thread will spin ... for sq_thread_idle milliseconds' before it sets IORING_SQ_NEED_WAKEUP and sleeps",
        "io_uring/sqpoll.c io_sq_thread: timeout = jiffies + sq_thread_idle after each round with work", "claim:setup.sqpoll.need-wakeup"],
    run: |cx| {
        // The window is far inside the idle time (500 ms of 10 s, not
        // scaled): a correct poller set the flag no earlier than 10 s after
        // its last work, which came before the CQE was seen here.
        let mut r = awake_sqpoll_ring(cx, 8)?;
        let early = wait_until(Duration::from_millis(500), || r.sq_flags() & IORING_SQ_NEED_WAKEUP != 0);
        check!(!early, "IORING_SQ_NEED_WAKEUP set within 500 ms of the poller's last work (sq_thread_idle {AWAKE_MS} ms)");
        // And the poller is still running: a new SQE is done without enter.
        r.push_all(&[Sqe::nop().user_data(1)])?;
        r.publish();
        check_cqes(&reap_without_enter(&mut r, 1)?, &[cqe(1, 0)])
    },
}

case! {
    id: "sqpoll/enter-returns-to-submit",
    summary: "io_uring_enter on an SQPOLL ring returns to_submit, whatever the thread has consumed",
    requires: [SetupSqpoll, OpNop],
    variants: &[Variant::Default, Variant::RegisteredRing],
    refs: ["io_uring_enter(2) RETURN VALUE: with SQPOLL 'the return value will generally be the same as to_submit'", "claim:enter.return.sqpoll"],
    run: |cx| {
        let mut r = awake_sqpoll_ring(cx, 8)?;
        r.push_all(&[Sqe::nop().user_data(1), Sqe::nop().user_data(2), Sqe::nop().user_data(3)])?;
        r.publish();
        check_eq!(r.enter_flags(3, 0, 0)?, 3, "enter(to_submit 3) result");
        check_cqes(&reap_without_enter(&mut r, 3)?, &[cqe(1, 0), cqe(2, 0), cqe(3, 0)])?;
        // Nothing left to submit: still to_submit.
        check_eq!(r.enter_flags(5, 0, 0)?, 5, "enter(to_submit 5) with an empty SQ");
        Ok(())
    },
}

case! {
    id: "sqpoll/sq-wait-returns-with-space",
    summary: "IORING_ENTER_SQ_WAIT on a full SQ returns once the poller has freed at least one entry",
    requires: [SetupSqpoll, EnterSqWait, OpNop],
    variants: &[Variant::Default, Variant::NoSqarray],
    refs: ["io_uring_enter(2): IORING_ENTER_SQ_WAIT ('it will wait until at least one entry is free in the SQ ring')", "claim:enter.sq-wait"],
    run: |cx| {
        let mut r = awake_sqpoll_ring(cx, 4)?;
        r.push_all(&(1..5u64).map(|u| Sqe::nop().user_data(u)).collect::<Vec<_>>())?;
        r.publish();
        let wake = if r.sq_flags() & IORING_SQ_NEED_WAKEUP != 0 { IORING_ENTER_SQ_WAKEUP } else { 0 };
        r.enter_flags(0, 0, IORING_ENTER_SQ_WAIT | wake)?;
        check!(r.sq_space() > 0, "SQ_WAIT returned with the SQ still full");
        check_cqes(&reap_without_enter(&mut r, 4)?, &[cqe(1, 0), cqe(2, 0), cqe(3, 0), cqe(4, 0)])
    },
}

case! {
    id: "sqpoll/submission-error-keeps-polling",
    summary: "an SQE the kernel rejects posts a CQE (-EINVAL) and the poller goes on with the SQEs after it",
    requires: [SetupSqpoll, OpNop],
    variants: &[Variant::Default, Variant::NoSqarray, Variant::Sqe128],
    refs: ["io_uring_enter(2): with SQPOLL, errors related to an SQE are returned through a CQE", "io_uring/io_uring.c io_submit_fail_init", "claim:enter.return.sqe-errors-in-cqe"],
    run: |cx| {
        let mut r = awake_sqpoll_ring(cx, 8)?;
        r.push_all(&[Sqe::nop().user_data(1), Sqe::op(BAD_OPCODE).user_data(2), Sqe::nop().user_data(3)])?;
        r.publish();
        // Independent requests: CQE order is not defined (older kernels
        // post the failure first).
        let mut got = reap_without_enter(&mut r, 3)?;
        got.sort_by_key(|c| c.user_data);
        check_cqes(&got, &[cqe(1, 0), cqe(2, -libc::EINVAL), cqe(3, 0)])
    },
}

case! {
    id: "sqpoll/nonfixed-file-read",
    summary: "the poller reads through a plain (unregistered) fd",
    requires: [SetupSqpoll, FeatSqpollNonfixed, OpRead],
    variants: variants::LAYOUT,
    refs: ["io_uring_setup(2): IORING_FEAT_SQPOLL_NONFIXED (since 5.11 no registered files needed)", "claim:setup.feat.sqpoll-nonfixed"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(64, 9))?;
        let buf;
        let mut r = sqpoll_ring(cx, 8, AWAKE_MS)?;
        buf = IoBuf::new(64);
        r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1)], &[cqe(1, 64)])?;
        check_eq!(&buf.read(..), &pattern(64, 9)[..], "bytes read by the poller");
        Ok(())
    },
}

case! {
    id: "sqpoll/thread-exits-with-ring",
    summary: "an SQPOLL ring adds one iou-sqp thread to the process, which exits after the ring is closed",
    requires: [SetupSqpoll, FeatNativeWorkers],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_SQPOLL", "io_uring/sqpoll.c io_sq_thread (named iou-sqp-<pid>, an io thread of the process since 5.12)"],
    run: |cx| {
        check_eq!(sq_threads()?.len(), 0, "iou-sqp threads before setup");
        let r = sqpoll_ring(cx, 4, AWAKE_MS)?;
        let me = std::process::id();
        let t = sq_threads_settled(1)?;
        check_eq!(t.len(), 1, "iou-sqp threads with one SQPOLL ring ({t:?})");
        check_eq!(t[0].1, format!("iou-sqp-{me}"), "the poller's name");
        drop(r);
        check!(wait_until(oracle::prompt(), || sq_threads().map(|t| t.is_empty()).unwrap_or(false)), "the iou-sqp thread was still there {:?} after the ring was closed", oracle::prompt());
        Ok(())
    },
}

case! {
    id: "sqpoll/sq-aff-pins-thread",
    summary: "SQ_AFF with sq_thread_cpu pins the poller to that CPU (its Cpus_allowed_list)",
    requires: [SetupSqpoll, SetupSqAff, FeatNativeWorkers],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_SQ_AFF, sq_thread_cpu", "claim:setup.sq-aff.pins"],
    run: |cx| {
        let cpu = last_allowed_cpu()?;
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF).sq_thread_idle(AWAKE_MS);
        b.params.sq_thread_cpu = cpu;
        let _r = cx.build(b)?;
        let t = sq_threads_settled(1)?;
        check_eq!(t.len(), 1, "iou-sqp threads ({t:?})");
        let allowed = fixtures::thread_status(t[0].0, "Cpus_allowed_list").map_err(|e| CaseError::Error(format!("fixture: {e}")))?;
        check_eq!(allowed, cpu.to_string(), "the poller's Cpus_allowed_list");
        Ok(())
    },
}

/// The highest CPU this process may run on.
fn last_allowed_cpu() -> Result<u32, CaseError> {
    let set = rustix::thread::sched_getaffinity(None).map_err(std::io::Error::from)?;
    (0..rustix::thread::CpuSet::MAX_CPU).rev().find(|&c| set.is_set(c)).map(|c| c as u32).ok_or_else(|| CaseError::Error("fixture: empty affinity mask".into()))
}

case! {
    id: "sqpoll/sq-aff-bad-cpu-einval",
    summary: "SQ_AFF with sq_thread_cpu beyond the possible CPUs fails with EINVAL",
    requires: [SetupSqpoll, SetupSqAff],
    variants: variants::DEFAULT,
    refs: ["io_uring/sqpoll.c io_sq_offload_create: cpu >= nr_cpu_ids is -EINVAL"],
    run: |cx| {
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF);
        b.params.sq_thread_cpu = 1 << 20;
        check_errno!(b.build().map(|_| ()), libc::EINVAL, "SQ_AFF on CPU 2^20");
        Ok(())
    },
}

case! {
    id: "sqpoll/sq-aff-without-sqpoll-einval",
    summary: "SQ_AFF without SQPOLL fails with EINVAL",
    requires: [SetupSqAff],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2) ERRORS: EINVAL ... IORING_SETUP_SQ_AFF was specified, but IORING_SETUP_SQPOLL was not", "claim:setup.errors.EINVAL-sq-aff-without-sqpoll"],
    run: |cx| {
        check_errno!(cx.builder(4).flags(IORING_SETUP_SQ_AFF).build().map(|_| ()), libc::EINVAL, "SQ_AFF alone");
        Ok(())
    },
}

case! {
    id: "sqpoll/attach-wq-shares-thread",
    summary: "a second SQPOLL ring set up with ATTACH_WQ to the first shares its poller: one thread serves both",
    requires: [SetupSqpoll, SetupAttachWq, FeatNativeWorkers, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_ATTACH_WQ (with SQPOLL the SQ thread is shared)", "claim:setup.attach-wq.shares"],
    run: |cx| {
        let mut a = sqpoll_ring(cx, 4, AWAKE_MS)?;
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ).sq_thread_idle(AWAKE_MS);
        b.params.wq_fd = a.fd() as u32;
        let mut b = cx.build(b)?;
        // A poller is created inside io_uring_setup, so a second one would
        // already be a thread now (named or not yet): count them all.
        let all = threads_named("").map_err(|e| CaseError::Error(format!("fixture: {e}")))?;
        check_eq!(all.len(), 2, "threads in the process with two attached SQPOLL rings: main + one poller ({all:?})");
        check_eq!(sq_threads_settled(1)?.len(), 1, "iou-sqp threads");
        for (r, ud) in [(&mut a, 1u64), (&mut b, 2)] {
            r.push_all(&[Sqe::nop().user_data(ud)])?;
            r.submit()?;
            check_cqes(&reap_without_enter(r, 1)?, &[cqe(ud, 0)])?;
        }
        Ok(())
    },
}

case! {
    id: "sqpoll/attached-ring-outlives-first",
    summary: "closing the first of two rings sharing a poller leaves the second working; closing it too ends the thread",
    requires: [SetupSqpoll, SetupAttachWq, FeatNativeWorkers, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_SETUP_ATTACH_WQ", "io_uring/sqpoll.c io_put_sq_data (the thread ends with its last ring)"],
    run: |cx| {
        let a = sqpoll_ring(cx, 4, AWAKE_MS)?;
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ).sq_thread_idle(AWAKE_MS);
        b.params.wq_fd = a.fd() as u32;
        let mut b = cx.build(b)?;
        drop(a);
        b.push_all(&[Sqe::nop().user_data(1)])?;
        b.submit()?;
        check_cqes(&reap_without_enter(&mut b, 1)?, &[cqe(1, 0)])?;
        check_eq!(sq_threads()?.len(), 1, "iou-sqp threads with the second ring still open");
        drop(b);
        check!(wait_until(oracle::prompt(), || sq_threads().map(|t| t.is_empty()).unwrap_or(false)), "the shared iou-sqp thread outlived both rings by {:?}", oracle::prompt());
        Ok(())
    },
}

case! {
    id: "sqpoll/attach-wq-non-ring-fd-einval",
    summary: "ATTACH_WQ naming an fd that is not an io_uring (a pipe) fails with EINVAL",
    requires: [SetupSqpoll, SetupAttachWq],
    variants: variants::DEFAULT,
    refs: ["io_uring/sqpoll.c io_attach_sq_data: not io_uring fops is -EINVAL", "claim:setup.errors.ENXIO-attach-wq-not-a-ring"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ);
        b.params.wq_fd = p.rx() as u32;
        check_errno!(b.build().map(|_| ()), libc::EINVAL, "ATTACH_WQ to a pipe");
        Ok(())
    },
}

case! {
    id: "sqpoll/attach-wq-closed-fd-enxio",
    summary: "ATTACH_WQ naming a descriptor that is not open fails with ENXIO",
    requires: [SetupSqpoll, SetupAttachWq],
    variants: variants::DEFAULT,
    refs: ["io_uring/sqpoll.c io_attach_sq_data: no file is -ENXIO", "claim:setup.errors.ENXIO-attach-wq-closed-fd"],
    run: |cx| {
        let mut b = cx.builder(4).flags(IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ);
        b.params.wq_fd = closed_fd() as u32;
        check_errno!(b.build().map(|_| ()), libc::ENXIO, "ATTACH_WQ to a closed fd");
        Ok(())
    },
}

/// Reads one i32 a child (or the helper it exec'd) wrote to `p`, waiting
/// at most the prompt bound; None when nothing came (the writer died).
fn read_i32(p: &Pipe) -> Result<Option<i32>, CaseError> {
    if fixtures::poll_in(&p.rx, oracle::prompt())?.is_empty() {
        return Ok(None);
    }
    let mut b = [0u8; 4];
    Ok((rustix::io::read(&p.rx, &mut b) == Ok(4)).then(|| i32::from_ne_bytes(b)))
}

case! {
    id: "sqpoll/attach-wq-after-exec-enxio",
    summary: "after an exec that keeps an SQPOLL ring's fd (the exec killed its poller, the process lives on), ATTACH_WQ to that ring fails with ENXIO; the same attach before the exec succeeds",
    // The poller is a thread of its creator's process since 5.12
    // (IORING_FEAT_NATIVE_WORKERS): before it, a kernel thread that an
    // exec did not touch.
    requires: [SetupSqpoll, SetupAttachWq, FeatNativeWorkers],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_setup(2) ERRORS: ENXIO (wq_fd refers to an instance that is in the process of shutting down)",
        "fs/exec.c begin_new_exec: de_thread kills every other thread, the io threads included, and waits until they are released",
        "io_uring/sqpoll.c io_sq_thread: a fatal signal ends the loop; sqd->thread = NULL before do_exit",
        "io_uring/sqpoll.c io_attach_sq_data: same tgid (an exec keeps it) -> attaches; io_sq_offload_create: attached && !sqd->thread -> -ENXIO",
        "claim:setup.errors.ENXIO-attach-wq-dying",
    ],
    run: |_| {
        let out = Pipe::new()?;
        let tx = out.tx();
        // Everything the exec needs is made before the fork.
        let exe = std::ffi::CString::new("/proc/self/exe").expect("no NUL");
        let argv0 = std::ffi::CString::new("uring-conform-exec-helper").expect("no NUL");
        let mut child = Child::fork(|| {
            let put = |v: i32| {
                // A failed write shows in the parent: read_i32 gives None.
                let _ = rustix::io::write(&out.tx, &v.to_ne_bytes());
            };
            let mut p = io_uring_params { flags: IORING_SETUP_SQPOLL, sq_thread_idle: AWAKE_MS, ..Default::default() };
            // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is handed to the kernel.
            let fd = match unsafe { io_uring_setup(4, &mut p) } {
                Ok(fd) => fd,
                Err(e) => {
                    put(-1000 - e.0);
                    return 10;
                }
            };
            // The control: the same attach, from this process, before the exec.
            let mut a = io_uring_params { flags: IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, wq_fd: fd as u32, ..Default::default() };
            // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is handed to the kernel.
            match unsafe { io_uring_setup(4, &mut a) } {
                Ok(afd) => {
                    put(0);
                    // Stays libc: io_uring_setup hands out a raw fd.
                    // SAFETY: our descriptor.
                    unsafe { libc::close(afd) };
                }
                Err(e) => put(-e.0),
            }
            let env = std::ffi::CString::new(format!("{}={}:{fd}:{tx}", oracle::exec_helper::HELPER_ENV, oracle::exec_helper::ATTACH_SQPOLL)).expect("no NUL");
            if rustix::io::fcntl_setfd(&out.tx, rustix::io::FdFlags::empty()).is_err() {
                return 12;
            }
            // Stays libc: rustix has no execve outside its unstable runtime
            // module, and io_uring_setup hands out the ring fd raw.
            // SAFETY: the ring fd and the pipe's write end survive the
            // exec; the argument and environment arrays are NULL-ended.
            unsafe {
                libc::fcntl(fd, libc::F_SETFD, 0);
                let argv = [argv0.as_ptr(), std::ptr::null()];
                let envp = [env.as_ptr(), std::ptr::null()];
                libc::execve(exe.as_ptr(), argv.as_ptr(), envp.as_ptr());
            }
            11
        })?;
        let before = read_i32(&out)?;
        let after = read_i32(&out)?;
        let status = child.wait_timeout(oracle::prompt())?;
        if let Some(v) = before.filter(|v| *v <= -1000) {
            return Err(CaseError::Error(format!("fixture: the child's SQPOLL ring: setup failed with {}", Errno(-1000 - v))));
        }
        check_eq!(before, Some(0), "ATTACH_WQ (with SQPOLL) to the ring from its own process before the exec (0 = success, else -errno)");
        check_eq!(after, Some(-libc::ENXIO), "ATTACH_WQ (with SQPOLL) to the same ring after the exec, whose poller the exec killed (the new fd, else -errno)");
        check_eq!(status, Some(0), "the exec'd helper's wait status");
        Ok(())
    },
}

case! {
    id: "sqpoll/unprivileged-setup",
    summary: "an unprivileged process (uid 65534, no capabilities) may set up SQPOLL where the kernel has SQPOLL_NONFIXED, else EPERM",
    requires: [SetupSqpoll, EnvRoot, EnvMemlock],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): before 5.11 SQPOLL needs CAP_SYS_ADMIN; 5.11 CAP_SYS_NICE; since 5.13 no privilege (5.11 is also when IORING_FEAT_SQPOLL_NONFIXED appeared)", "claim:setup.errors.EPERM-sqpoll"],
    run: |cx| {
        let b = cx.builder(4).flags(IORING_SETUP_SQPOLL);
        let mut child = Child::fork(|| {
            // Dropping to nobody in this (single-threaded) child only, so
            // the per-thread calls change the whole process.
            use rustix::thread::{set_thread_gid, set_thread_groups, set_thread_uid};
            let nobody = (rustix::process::Gid::from_raw(65534), rustix::process::Uid::from_raw(65534));
            if set_thread_groups(&[]).is_err() || set_thread_gid(nobody.0).is_err() || set_thread_uid(nobody.1).is_err() {
                return 10;
            }
            match b.build() {
                Ok(_) => 0,
                Err(e) => e.errno().map_or(99, |Errno(e)| e.min(99)),
            }
        })?;
        let Some(status) = child.wait_timeout(oracle::prompt())? else {
            return Err(CaseError::Fail("the unprivileged child did not finish".into()));
        };
        check!(libc::WIFEXITED(status), "child wait status {status:#x}");
        let code = libc::WEXITSTATUS(status);
        check!(code != 10, "fixture: could not drop privileges");
        let want = if cx.has(oracle::Feature::FeatSqpollNonfixed) { 0 } else { libc::EPERM };
        check_eq!(code, want, "unprivileged SQPOLL setup (0 = success, else the errno)");
        Ok(())
    },
}

case! {
    id: "sqpoll/awake-after-setup",
    summary: "a new poller (sq_thread_idle 10 s) does not set IORING_SQ_NEED_WAKEUP within 100 ms of starting",
    requires: [SetupSqpoll, FeatNativeWorkers],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): 'If the kernel thread is idle for more than sq_thread_idle milliseconds, it will set the IORING_SQ_NEED_WAKEUP bit'"],
    run: |cx| {
        let r = sqpoll_ring(cx, 4, AWAKE_MS)?;
        // The poller has started once it has named itself.
        check_eq!(sq_threads_settled(1)?.len(), 1, "iou-sqp threads");
        // The 100 ms window is what the case checks, not a wait bound (not
        // scaled): far inside the 10 s idle time.
        let set = wait_until(Duration::from_millis(100), || r.sq_flags() & IORING_SQ_NEED_WAKEUP != 0);
        check!(!set, "IORING_SQ_NEED_WAKEUP was set within 100 ms of the poller starting, with sq_thread_idle 10 s (the thread slept at once)");
        Ok(())
    },
}

case! {
    id: "sqpoll/poller-gone-eownerdead",
    summary: "an SQPOLL ring whose creating process exited (its poller went with it) and whose fd lives on in another process: io_uring_enter fails with EOWNERDEAD",
    // The poller is a thread of its creator's process since the io-thread
    // rework of 5.12 (IORING_FEAT_NATIVE_WORKERS); before it, a kernel
    // thread that outlived the process.
    requires: [SetupSqpoll, FeatNativeWorkers],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) ERRORS: EOWNERDEAD (the SQPOLL thread of the ring has been killed)",
        "io_uring/sqpoll.c io_sq_thread: sqd->thread = NULL before do_exit",
        "io_uring/io_uring.c io_uring_enter: SQPOLL with sq_data->thread == NULL -> -EOWNERDEAD",
        "pidfd_getfd(2): takes the ring fd out of the child (io_uring fds cannot be sent with SCM_RIGHTS since 6.7)",
        "claim:enter.errors.EOWNERDEAD",
    ],
    run: |_| {
        let ready = Pipe::new()?;
        let go = Pipe::new()?;
        let mut child = Child::fork(|| {
            let mut p = io_uring_params { flags: IORING_SETUP_SQPOLL, sq_thread_idle: 10, ..Default::default() };
            // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is handed to the kernel.
            let Ok(fd) = (unsafe { io_uring_setup(4, &mut p) }) else { return 2 };
            let mut byte = [0u8; 1];
            if rustix::io::write(&ready.tx, &fd.to_ne_bytes()) != Ok(4) {
                return 3;
            }
            // Held until the parent has taken the ring fd.
            if rustix::io::read(&go.rx, &mut byte) != Ok(1) {
                return 4;
            }
            0
        })?;
        let mut num = [0u8; 4];
        let n = rustix::io::read(&ready.rx, &mut num);
        if n != Ok(4) {
            return Err(CaseError::Error(format!("fixture: the child set up no SQPOLL ring ({n:?})")));
        }
        let child_fd = i32::from_ne_bytes(num);
        let fixture = |e: rustix::io::Errno| CaseError::Error(format!("fixture: pidfd_getfd: {e}"));
        let pid = rustix::process::Pid::from_raw(child.pid).ok_or_else(|| fixture(rustix::io::Errno::SRCH))?;
        let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).map_err(fixture)?;
        let ring = rustix::process::pidfd_getfd(&pidfd, child_fd, rustix::process::PidfdGetfdFlags::empty()).map_err(fixture)?;
        drop(pidfd);
        go.put(b"x")?;
        let status = child.wait_timeout(oracle::prompt())?;
        check_eq!(status, Some(0), "the child's wait status");
        // The poller was a thread of the child: the child is reaped only
        // once all its threads are gone, and the poller cleared
        // sqd->thread before it exited.
        // SAFETY: no argument pointer is passed.
        let got = unsafe { io_uring_enter(std::os::fd::AsRawFd::as_raw_fd(&ring), 0, 0, 0, std::ptr::null(), 0) };
        check_errno!(got, libc::EOWNERDEAD, "enter on the ring whose poller is gone");
        // SAFETY: as above.
        let got = unsafe { io_uring_enter(std::os::fd::AsRawFd::as_raw_fd(&ring), 0, 1, IORING_ENTER_GETEVENTS, std::ptr::null(), 0) };
        check_errno!(got, libc::EOWNERDEAD, "a GETEVENTS enter on it");
        Ok(())
    },
}
