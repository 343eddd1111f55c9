//! Cancelling requests already running in io-wq, and what a ring's exit cancels.

use super::*;

// ------------------------------------------------------------ running requests

/// Whether thread `tid` sleeps in a FIFO open: its wchan, or (where wchan
/// reads "0", as on Debian's 5.10) its kernel stack.
fn in_fifo_open(tid: u32) -> bool {
    let w = fixtures::thread_wchan(tid).unwrap_or_default();
    if w == "wait_for_partner" || w == "fifo_open" {
        return true;
    }
    w == "0" && fixtures::thread_stack(tid).is_ok_and(|s| s.contains("wait_for_partner"))
}

/// A FIFO in a fresh temp dir, and an OPENAT of it for reading forced into
/// an io-wq worker (IOSQE_ASYNC), where open(2) blocks until a writer
/// comes: a request that is running, not pending.
/// Made after the ring, so that it is dropped first: its drop opens the
/// FIFO for writing, which ends an open the case left blocked (a failed
/// check), so the ring's drop does not wait for it for ever.
struct BlockedOpen {
    _dir: fixtures::TempDir,
    /// Leaked: the OPENAT may outlive this struct by as long as the ring.
    path: &'static std::ffi::CStr,
}

impl Drop for BlockedOpen {
    fn drop(&mut self) {
        // O_NONBLOCK: succeeds only while a reader is blocked in open (and
        // then releases it); ENXIO when none is.
        // SAFETY: a NUL-terminated path; the fd, if any, is closed at once.
        unsafe {
            let fd = libc::open(self.path.as_ptr(), libc::O_WRONLY | libc::O_NONBLOCK | libc::O_CLOEXEC);
            if fd >= 0 {
                libc::close(fd);
            }
        }
    }
}

impl BlockedOpen {
    fn new() -> Result<BlockedOpen, CaseError> {
        let dir = fixtures::TempDir::new()?;
        let path = std::ffi::CString::new(dir.join("fifo").as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(e.to_string()))?;
        rustix::fs::mkfifoat(rustix::fs::CWD, path.as_c_str(), rustix::fs::Mode::from_raw_mode(0o600)).map_err(std::io::Error::from)?;
        Ok(BlockedOpen { _dir: dir, path: Box::leak(path.into_boxed_c_str()) })
    }

    fn sqe(&self, ud: u64) -> Sqe<'static> {
        Sqe::openat(libc::AT_FDCWD, self.path, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(ud).async_()
    }

    /// Submits the open and waits until a worker sleeps in the FIFO's
    /// open (wchan wait_for_partner, or fifo_open where it is inlined): from
    /// then on it is running.
    fn start(&self, r: &mut CheckedRing, ud: u64) -> CaseResult {
        r.submit_all(&[self.sqe(ud)])?;
        // A CQE before any worker blocks is the kernel's answer (a FIFO
        // open without a writer must sleep): stop waiting and show it.
        let blocked = fixtures::wait_until(oracle::prompt(), || {
            r.cq_ready() > 0 || fixtures::threads_named("iou-wrk-").map(|ts| ts.iter().any(|(tid, _)| in_fifo_open(*tid))).unwrap_or(false)
        });
        if r.cq_ready() > 0 {
            let early = r.drain_ready().map_err(|e| CaseError::Fail(format!("reaping: {e}")))?;
            return Err(CaseError::Fail(format!("the FIFO open (no writer) completed instead of sleeping in an io-wq worker: {early:?}")));
        }
        if !blocked {
            // Say what the workers were doing, so the next look starts there.
            let workers: Vec<String> = fixtures::threads_named("iou-wrk-")
                .unwrap_or_default()
                .iter()
                .map(|(tid, name)| format!("{name} ({tid}) wchan {:?}", fixtures::thread_wchan(*tid).unwrap_or_default()))
                .collect();
            return Err(CaseError::Error(format!(
                "fixture: no io-wq worker was seen blocked in the FIFO open within {:?}, and no CQE came; workers: [{}] (is /proc/<pid>/task/<tid>/wchan readable?)",
                oracle::prompt(),
                workers.join(", ")
            )));
        }
        Ok(())
    }
}

/// The io-wq WRITE of [`HeldInodeLock`]: 8 bytes at offset 4096, after
/// the helper thread's page.
const LOCKED_WRITE: &[u8] = b"io_uring";

/// A regular file whose inode lock (i_rwsem) a helper thread holds for as
/// long as the case wants: the thread write(2)s one page to it from a
/// [`fixtures::StalledPage`], so it sleeps in that page's fault inside the
/// write, after the file system took the lock (shmem, ext4 and
/// generic_file_write_iter take inode_lock before copying from the user).
/// A WRITE of the same file forced into io-wq then sleeps in inode_lock:
/// an uninterruptible sleep, which the notify signal a cancel sends does
/// not end (__set_notify_signal wakes only TASK_INTERRUPTIBLE sleepers).
/// That request stays running until [`HeldInodeLock::release_and_expect`].
struct HeldInodeLock {
    file: fixtures::TempFile,
    page: fixtures::StalledPage,
    writer: Option<std::thread::JoinHandle<isize>>,
}

impl HeldInodeLock {
    fn new() -> Result<HeldInodeLock, CaseError> {
        let file = fixtures::TempFile::empty()?;
        let page = fixtures::StalledPage::new()?;
        let (fd, hold) = (file.fd(), page.hold());
        // Stays libc: the source is a page the fault handler stalls, known
        // by its address only (no Rust slice may be made over it).
        // SAFETY: `hold` keeps the page mapped until the write returns; the
        // file outlives the thread (release_and_expect and drop join it).
        let writer = std::thread::spawn(move || unsafe { libc::pwrite(fd, hold.as_ptr() as *const libc::c_void, 4096, 0) });
        let held = HeldInodeLock { file, page, writer: Some(writer) };
        if !held.page.wait_for_fault(oracle::prompt())? {
            return Err(CaseError::Error("fixture: the helper's write(2) did not fault on its stalled page".into()));
        }
        Ok(held)
    }

    /// Submits the WRITE (IOSQE_ASYNC: straight to io-wq, where a regular
    /// file's write is issued blocking) and waits until an io-wq worker is
    /// in uninterruptible sleep, which here can only be the inode lock:
    /// from then on the request is running.
    fn start(&self, r: &mut CheckedRing, ud: u64) -> CaseResult {
        r.submit_all(&[Sqe::write(self.file.fd(), LOCKED_WRITE, 4096).user_data(ud).async_()])?;
        let blocked = fixtures::wait_until(oracle::prompt(), || {
            fixtures::threads_named("iou-wrk-")
                .is_ok_and(|ts| ts.iter().any(|(tid, _)| fixtures::thread_status(*tid, "State").is_ok_and(|s| s.starts_with('D'))))
        });
        if !blocked {
            return Err(CaseError::Error(format!("fixture: no io-wq worker was seen in uninterruptible sleep within {:?}", oracle::prompt())));
        }
        Ok(())
    }

    /// Lets the helper's write finish (its page filled with zeros), which
    /// releases the lock, then expects the end of both writes: the
    /// helper's write(2) returns 4096, the WRITE `ud` completes with its
    /// full length (and nothing else arrives), and the file holds the
    /// helper's zero page followed by LOCKED_WRITE.
    fn release_and_expect(&mut self, r: &mut CheckedRing, ud: u64) -> CaseResult {
        self.page.fill()?;
        let writer = self.writer.take().expect("released once");
        let helper = writer.join().map_err(|_| CaseError::Error("fixture: the helper thread panicked".into()))?;
        check_eq!(helper, 4096, "the helper's write(2) of its page");
        r.expect(&[cqe(ud, LOCKED_WRITE.len() as i32)])?;
        let mut want = vec![0u8; 4096];
        want.extend_from_slice(LOCKED_WRITE);
        check!(self.file.content()? == want, "the file does not hold the helper's 4096 zero bytes followed by the io-wq WRITE's {LOCKED_WRITE:?}");
        Ok(())
    }
}

impl Drop for HeldInodeLock {
    fn drop(&mut self) {
        // A case that failed before release: let the helper go, so that no
        // thread is left parked in the fault.
        if let Some(w) = self.writer.take() {
            let _ = self.page.fill();
            let _ = w.join();
        }
    }
}

case! {
    id: "cancel/running-ealready",
    summary: "cancelling a request running in an io-wq worker (a WRITE sleeping on the file's inode lock) completes with -EALREADY; the request is not interrupted and later completes with its full length",
    requires: [OpWrite, OpAsyncCancel, SqeAsync, EnvUserfaultfd],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_prep_cancel(3): -EALREADY 'the execution state of the request has progressed far enough that cancelation is no longer possible'",
        "io_uring/cancel.c io_async_cancel_one: IO_WQ_CANCEL_RUNNING -> -EALREADY",
        "io_uring/io-wq.c __io_wq_worker_cancel: a running request is only signalled (__set_notify_signal), which does not wake an uninterruptible sleep", "claim:enter.op.async-cancel.EALREADY", "claim:prep.cancel.EALREADY"],
    run: |cx| {
        let mut r = cx.ring()?;
        // After the ring: dropped first, so a failed check releases the
        // lock before the ring's drop waits for the WRITE it holds.
        let mut held = HeldInodeLock::new()?;
        held.start(&mut r, 1)?;
        // Only the cancel's CQE: the WRITE still waits for the lock.
        r.run_expect(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(2, -libc::EALREADY)])?;
        held.release_and_expect(&mut r, 1)
    },
}

case! {
    id: "cancel/running-interrupted-eintr",
    summary: "a running request interrupted by a cancel completes with -EINTR, never the kernel-internal -ERESTARTSYS",
    requires: [OpOpenat, OpAsyncCancel, SqeAsync],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_cancel(3): -EALREADY ... 'interrupted due to the cancelation'", "include/linux/errno.h: ERESTARTSYS 'should never be seen by user programs'", "commit 441cdbd5449b (io_uring: transform send/recvmsg() -ERESTARTSYS to -EINTR: 'We should never return -ERESTARTSYS to userspace')"],
    run: |cx| {
        let mut r = cx.ring()?;
        let b = BlockedOpen::new()?;
        b.start(&mut r, 1)?;
        r.run_expect_unordered(&[Sqe::cancel(1, 0).user_data(2)], &[cqe(2, -libc::EALREADY), cqe(1, -libc::EINTR)])?;
        Ok(())
    },
}

case! {
    id: "cancel/sync-running-timeout-etime",
    summary: "SYNC_CANCEL with a 50 ms timeout of a request that stays running (a WRITE sleeping on the file's inode lock) returns ETIME after the timeout; the request then completes with its full length",
    requires: [OpWrite, RegSyncCancel, SqeAsync, EnvUserfaultfd],
    // SQPOLL is left out: the request runs in the SQPOLL thread's io-wq,
    // where the sync cancel does not find it and fails with ENOENT at once,
    // the deviation recorded for cancel/sync-running-waits[sqpoll].
    variants: &[Variant::Default, Variant::DeferTaskrun, Variant::CoopTaskrun],
    refs: [
        "io_uring_register_sync_cancel(3): timeout",
        "io_uring/cancel.c io_sync_cancel: while the cancel answers -EALREADY it waits; schedule_hrtimeout running out -> -ETIME", "claim:register.op.sync-cancel"],
    run: |cx| {
        let mut r = cx.ring()?;
        // After the ring: dropped first, so a failed check releases the
        // lock before the ring's drop waits for the WRITE it holds.
        let mut held = HeldInodeLock::new()?;
        held.start(&mut r, 1)?;
        let mut reg = sync_reg(1, 0);
        reg.timeout = ms(50);
        let t0 = Stopwatch::start();
        check_errno!(r.sync_cancel(&reg), libc::ETIME, "IORING_REGISTER_SYNC_CANCEL of a request that stays running");
        check_elapsed(&t0, Duration::from_millis(50), "the sync cancel's 50 ms timeout")?;
        r.expect_none()?;
        held.release_and_expect(&mut r, 1)
    },
}

case! {
    id: "cancel/sync-running-waits",
    summary: "SYNC_CANCEL of a request running in a worker waits for it to end and returns 0; its CQE is then posted",
    requires: [OpOpenat, RegSyncCancel, SqeAsync],
    // DEFER_TASKRUN is left out: whether its sync cancel sees the request
    // end is a race in the kernel (see expectations/repro/cancel-running.c
    // sync-defer), so the outcome is not deterministic.
    variants: &[Variant::Default, Variant::Sqpoll, Variant::CoopTaskrun],
    refs: ["io_uring_register_sync_cancel(3)", "io_uring/cancel.c io_sync_cancel: on -EALREADY, wait until the request is gone (-ENOENT -> 0) or the timeout passes"],
    run: |cx| {
        let mut r = cx.ring()?;
        let b = BlockedOpen::new()?;
        b.start(&mut r, 1)?;
        // The worker is interrupted at once; the timeout only bounds a
        // kernel that never sees the request end.
        let mut reg = sync_reg(1, 0);
        reg.timeout = ms(1_000);
        check_eq!(r.sync_cancel(&reg), Ok(0), "IORING_REGISTER_SYNC_CANCEL of a running request");
        // The interrupted open: -EINTR, as for an async cancel.
        r.expect(&[cqe(1, -libc::EINTR)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ ring exit

/// Waits up to 5 s for `fd` to report POLLHUP: the last writer of its pipe
/// is gone.
fn hangs_up_within(fd: impl std::os::fd::AsFd, limit: Duration) -> bool {
    fixtures::poll_in(fd, limit).is_ok_and(|ev| ev.contains(rustix::event::PollFlags::HUP))
}

/// What [`arm_everything`]'s requests use: a read's and a recv's buffer,
/// the timeout's timespec (10 s).
struct Armed {
    buf: uring::IoBufBox,
    rbuf: uring::IoBufBox,
    ts: __kernel_timespec,
}

impl Armed {
    fn new() -> Armed {
        Armed { buf: IoBuf::new(8), rbuf: IoBuf::new(8), ts: ms(10_000) }
    }
}

/// Arms one of each pending kind on `r`: a poll and a read on `rx`, a
/// recv, an accept and a 10 s timeout.
fn arm_everything<'b>(r: &mut CheckedRing<'b>, rx: i32, s: &SocketPair, l: &Listener, mem: &'b Armed) -> CaseResult {
    r.submit_all(&[
        Sqe::poll_add(rx, POLLIN as u32).user_data(1),
        Sqe::read(rx, &mem.buf, u64::MAX).user_data(2),
        Sqe::recv(s.a(), &mem.rbuf, 0).user_data(3),
        Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).user_data(4),
        Sqe::timeout(&mem.ts, 0, 0).user_data(5),
    ])?;
    r.expect_none()
}

case! {
    id: "cancel/close-ring-in-flight",
    summary: "closing a ring with a poll, read, recv, accept and timeout in flight returns, releases its registered files and leaves no fd",
    requires: [OpPollAdd, OpRead, OpRecv, OpAccept, OpTimeout, RegFiles, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring_setup(2): closing the ring fd cancels its requests", "io_uring/io_uring.c io_ring_exit_work"],
    run: |cx| {
        let before = fixtures::open_fds()?;
        {
            let p = Pipe::new()?;
            let (s, l) = (SocketPair::stream()?, Listener::new()?);
            // The kernel cancels the requests itself once the fd is closed,
            // after this returns: their memory lives for the rest of the
            // trial process.
            let mem: &'static Armed = Box::leak(Box::new(Armed::new()));
            let mut r = cx.ring()?;
            // The ring's file table holds the pipe's only write end.
            r.register_files(&[p.tx()])?;
            let Pipe { rx, tx } = p;
            drop(tx);
            arm_everything(&mut r, rx.as_raw_fd(), &s, &l, mem)?;
            let t0 = Stopwatch::start();
            r.into_inner().close_leaving_requests();
            check_elapsed(&t0, Duration::ZERO, "closing the ring with requests in flight")?;
            // Teardown finishes asynchronously; the registered write end
            // must be released within a bound.
            check!(hangs_up_within(&rx, oracle::prompt()), "the pipe's registered write end was not released within {:?} of closing the ring", oracle::prompt());
        }
        check_eq!(fixtures::open_fds()?, before, "open fds after closing the ring and its fixtures");
        Ok(())
    },
}

case! {
    id: "cancel/exit-with-requests-in-flight",
    summary: "a process exiting with requests in flight on a ring it never closed exits at once, and the ring's files are released",
    requires: [OpPollAdd, OpRead, OpRecv, OpAccept, OpTimeout, RegFiles, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c io_uring_cancel_generic (task exit)"],
    run: |cx| {
        let p = Pipe::new()?;
        let Pipe { rx, tx } = p;
        let txfd = tx.as_raw_fd();
        // The ring is made in the child: a SINGLE_ISSUER ring belongs to the
        // task that set it up.
        let mut child = Child::fork(|| {
            // Leaked with the ring below: a leaked ring's memory must never
            // be freed (freeing it would abort: uring::lent).
            let mem: &'static Armed = Box::leak(Box::new(Armed::new()));
            let Ok(mut r) = cx.ring_sized(8) else { return 2 };
            let (Ok(s), Ok(l)) = (SocketPair::stream(), Listener::new()) else { return 3 };
            if r.register_files(&[txfd]).is_err() {
                return 4;
            }
            // The child's copy of the write end; the ring keeps its own.
            drop(tx);
            if arm_everything(&mut r, rx.as_raw_fd(), &s, &l, mem).is_err() {
                return 5;
            }
            // Exit without closing anything.
            std::mem::forget(r);
            0
        })?;
        // The closure owned tx: the parent's copy closed as fork returned.
        let status = child.wait_timeout(oracle::prompt())?;
        let Some(status) = status else {
            return Err(CaseError::Fail(format!("the child did not exit within {:?} with requests in flight", oracle::prompt())));
        };
        check!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child wait status {status:#x} (exit codes 2-5: its setup failed)");
        check!(hangs_up_within(&rx, oracle::prompt()), "the exited child's ring did not release its registered pipe end within {:?}", oracle::prompt());
        Ok(())
    },
}

case! {
    id: "cancel/exit-with-blocked-worker",
    summary: "a process exiting while an io-wq worker blocks in open(2) of a FIFO exits within 5 s",
    requires: [OpOpenat, SqeAsync],
    variants: variants::DELIVERY,
    refs: ["io_uring/cancel.c io_uring_cancel_generic: io-wq work is cancelled and workers are signalled on exit"],
    run: |cx| {
        let dir = fixtures::TempDir::new()?;
        let fifo = std::ffi::CString::new(dir.join("fifo").as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(e.to_string()))?;
        rustix::fs::mkfifoat(rustix::fs::CWD, fifo.as_c_str(), rustix::fs::Mode::from_raw_mode(0o600)).map_err(std::io::Error::from)?;
        let mut child = Child::fork(|| {
            let Ok(mut r) = cx.ring() else { return 2 };
            // open(O_RDONLY) of a FIFO blocks until a writer comes;
            // IOSQE_ASYNC makes it run, and block, in an io-wq worker (inline
            // it would be tried non-blocking, and succeed).
            let s = Sqe::openat(libc::AT_FDCWD, &fifo, libc::O_RDONLY | libc::O_CLOEXEC, 0).user_data(1).async_();
            if r.submit_all(&[s]).is_err() {
                return 3;
            }
            // Wait until a worker is blocked, so the exit has one to cancel.
            // Workers are named after the task that owns the io-wq: this
            // process, or its SQPOLL thread.
            let blocked = fixtures::wait_until(oracle::scaled(Duration::from_secs(2)), || fixtures::threads_named("iou-wrk-").map(|t| !t.is_empty()).unwrap_or(false));
            if !blocked {
                return 4;
            }
            std::mem::forget(r);
            0
        })?;
        let status = child.wait_timeout(oracle::prompt())?;
        let Some(status) = status else {
            return Err(CaseError::Fail(format!("the child did not exit within {:?} while its io-wq worker blocked in open(2)", oracle::prompt())));
        };
        check!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child wait status {status:#x} (exit code 4: no io-wq worker appeared)");
        Ok(())
    },
}

/// Forks a child that shares `r` (the ring fd and its memory), submits a
/// POLL_ADD (user_data 1) on `p` from there, and then exits or, with
/// `exec`, replaces itself with /bin/sh (io_uring_task_cancel at exec,
/// io_uring_files_cancel at exit). Returns the child's exit status.
fn share_then_leave(r: &mut CheckedRing, p: &Pipe, exec: bool) -> Result<i32, CaseError> {
    let poll = Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1);
    let mut child = Child::fork(|| {
        if r.submit_all(&[poll]).is_err() {
            return 3;
        }
        if exec {
            let (sh, arg0, arg1, arg2) = (c"/bin/sh", c"sh", c"-c", c":");
            let argv = [arg0.as_ptr(), arg1.as_ptr(), arg2.as_ptr(), std::ptr::null()];
            // Stays libc: rustix has no execv outside its unstable runtime.
            // SAFETY: NUL-terminated strings and a null-terminated argv.
            unsafe { libc::execv(sh.as_ptr(), argv.as_ptr()) };
            return 4;
        }
        0
    })?;
    match child.wait_timeout(oracle::scaled(Duration::from_secs(10)))? {
        Some(status) => Ok(status),
        None => Err(CaseError::Error("fixture: the child sharing the ring did not finish".into())),
    }
}

case! {
    id: "cancel/exit-of-sharing-task-cancels-its-requests",
    summary: "a process sharing the ring (forked) submits a poll and exits: the owner's TIMEOUT fires -ETIME meanwhile, and the poll, left armed by the exit, ends with -ECANCELED when it fires (its task is gone)",
    requires: [OpPollAdd, OpTimeout],
    variants: variants::DEFAULT,
    refs: [
        "include/linux/io_uring.h io_uring_files_cancel: at exit io_uring_cancel_generic(cancel_all = false) cancels only tracked (REQ_F_INFLIGHT) requests",
        "io_uring/io_uring.c io_should_terminate_tw: task work of a task that is gone completes its request with -ECANCELED",
        "liburing test/thread-exit.c (a thread's requests outlive it)"
    ],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        // The child moves the shared SQ on: from here on this process only
        // reaps, and the quiet checks use the grace wait, not a NOP.
        r.quiet_by_grace(true);
        ts = ms(100);
        r.submit_all(&[Sqe::timeout(&ts, 0, 0).user_data(2)])?;
        check_eq!(share_then_leave(&mut r, &p, false)?, 0, "the child's exit status");
        r.expect(&[cqe(2, -libc::ETIME)])?;
        p.put(b"x")?;
        r.expect(&[cqe(1, -libc::ECANCELED)])?;
        Ok(())
    },
}

case! {
    id: "cancel/exec-of-sharing-task-cancels-its-requests",
    summary: "a process sharing the ring (forked) submits a poll and calls exec(): the owner sees that poll end with -ECANCELED, while its own TIMEOUT still fires -ETIME",
    requires: [OpPollAdd, OpTimeout],
    variants: variants::DEFAULT,
    refs: ["include/linux/io_uring.h io_uring_task_cancel: called from begin_new_exec, cancels every request of the task"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts;
        let mut r = cx.ring()?;
        r.quiet_by_grace(true);
        ts = ms(100);
        r.submit_all(&[Sqe::timeout(&ts, 0, 0).user_data(2)])?;
        check_eq!(share_then_leave(&mut r, &p, true)?, 0, "the child's exit status");
        r.expect_unordered(&[cqe(1, -libc::ECANCELED), cqe(2, -libc::ETIME)])?;
        Ok(())
    },
}
