//! Regressions: each case pins a fixed io_uring bug, named after the fix
//! commit (or CVE), says what it reproduces and asserts the fixed
//! behaviour. A kernel that still has the bug fails the case; a case that
//! could oops such a kernel needs env.disposable (the VM matrix), so it
//! never runs where a crash would take the machine down.

use crate::prelude::*;
use fixtures::{Bufs, Listener, SocketPair};
use oracle::CheckedRing;
use std::os::fd::AsRawFd;

case! {
    id: "regress/978e5c19dfef-sigmask-restored-on-bad-timeout",
    summary: "a wait whose EXT_ARG has a sigmask and an unreadable timeout fails with EFAULT and leaves the thread's signal mask as it was",
    requires: [FeatExtArg],
    variants: variants::DEFAULT,
    refs: ["commit 978e5c19dfef (io_uring: Fix io_cqring_wait() not restoring sigmask on get_timespec64() failure), 6.9"],
    run: |cx| {
        let r = cx.ring()?;
        // Stays libc: rustix reads and sets signal masks only in its
        // unstable runtime module.
        // SAFETY: sigset_t is plain data; the libc calls fill it.
        let (mut before, mut after, mut block): (libc::sigset_t, libc::sigset_t, libc::sigset_t) = unsafe { (std::mem::zeroed(), std::mem::zeroed(), std::mem::zeroed()) };
        // SAFETY: valid sigset pointers.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, std::ptr::null(), &mut before);
            libc::sigemptyset(&mut block);
            libc::sigaddset(&mut block, libc::SIGUSR2);
        }
        // The kernel's sigset is 8 bytes (_NSIG / 8).
        let arg = io_uring_getevents_arg { sigmask: &block as *const _ as u64, sigmask_sz: 8, ts: 1, ..Default::default() };
        check_errno!(r.enter_wait(1, 0, &arg), libc::EFAULT, "wait with timeout pointer 0x1");
        // SAFETY: valid sigset pointers.
        let blocked = unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, std::ptr::null(), &mut after);
            (libc::sigismember(&before, libc::SIGUSR2), libc::sigismember(&after, libc::SIGUSR2))
        };
        check_eq!(blocked.1, blocked.0, "SIGUSR2 blocked after the failed wait (before: {})", blocked.0);
        Ok(())
    },
}

case! {
    id: "regress/47abea041f89-sync-cancel-fixed-fd-bound",
    summary: "REGISTER_SYNC_CANCEL by fixed fd equal to the table size is out of range: -EBADF (not a read past the table)",
    requires: [RegSyncCancel, OpflagCancelFdFixed, RegFiles],
    variants: variants::DEFAULT,
    refs: ["commit 47abea041f89 (io_uring: fix off-by-one in sync cancelation file check), 6.0"],
    run: |cx| {
        let f = TempFile::empty()?;
        let r = cx.ring()?;
        r.register_files(&[f.fd(), f.fd()])?;
        let reg = io_uring_sync_cancel_reg { fd: 2, flags: IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED, timeout: __kernel_timespec { tv_sec: -1, tv_nsec: -1 }, ..Default::default() };
        check_errno!(r.sync_cancel(&reg), libc::EBADF, "SYNC_CANCEL of fixed fd 2 in a 2-slot table");
        Ok(())
    },
}

case! {
    id: "regress/3851d25c75ed-provide-buffers-bid-rollover",
    summary: "PROVIDE_BUFFERS whose ids would run past 65535 (bid 65535, 2 buffers) is refused with -EINVAL instead of wrapping to id 0",
    requires: [OpProvideBuffers],
    variants: variants::DEFAULT,
    refs: ["commit 3851d25c75ed (io_uring: check for rollover of buffer ID when providing buffers), 6.1", "claim:prep.provide-buffers.EINVAL"],
    run: |cx| {
        let b = Bufs::new(2, 16);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::provide_buffers(b.from(0), 16, 2, 3, 0xffff).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "regress/ab69838e7c75-provide-buffers-last-bid",
    summary: "PROVIDE_BUFFERS of the last id (bid 65535, 1 buffer) is accepted, and a read then selects buffer 65535",
    requires: [OpProvideBuffers, OpRead, SqeBufferSelect],
    variants: variants::DEFAULT,
    refs: ["commit ab69838e7c75 (io_uring: fix check of BID wrapping in provided buffers): 3851d25c75ed was off by one, rejecting the last possible id"],
    run: |cx| {
        let f = TempFile::with_content(b"last")?;
        let b = Bufs::new(1, 16);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::provide_buffers(b.from(0), 16, 1, 3, 0xffff).user_data(1)], &[cqe(1, PROVIDED_INTO_NEW_GROUP)])?;
        r.run_expect(&[Sqe::read_select(f.fd(), 16, 0, 3).user_data(2)], &[cqe(2, 4).flags(buf_flags(0xffff))])?;
        check_eq!(&b.buf(0)[..4], b"last", "buffer 65535");
        Ok(())
    },
}

case! {
    id: "regress/f6223ff79966-negative-link-timeout-einval",
    summary: "a LINK_TIMEOUT with a negative tv_sec is refused with -EINVAL (and fails its target with -ECANCELED) instead of being armed",
    requires: [OpLinkTimeout, OpRead, SqeIoLink],
    variants: variants::DEFAULT,
    refs: ["commit f6223ff79966 (io_uring: Fix undefined-behaviour in io_issue_sqe): 'we must check if sec is negative' (__io_timeout_prep serves link timeouts too)", "claim:prep.link-timeout.EINVAL"],
    run: |cx| {
        let p = Pipe::new()?;
        let ts = __kernel_timespec { tv_sec: -1, tv_nsec: 0 };
        let buf = IoBuf::new(4);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(p.rx(), &buf, 0).link().user_data(1), Sqe::link_timeout(&ts, 0).user_data(2)], &[cqe(1, -libc::ECANCELED), cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "regress/8579538c89e3-msg-ring-to-disabled-ring",
    summary: "MSG_RING to a ring still R_DISABLED is refused with -EBADFD and posts nothing there",
    requires: [OpMsgRing, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["commit 8579538c89e3 (io_uring/msg_ring: fix remote queue to disabled ring), 6.2", "claim:prep.msg-ring.EBADFD-disabled"],
    run: |cx| {
        let mut target = CheckedRing::from(RingBuilder::new(4).flags(IORING_SETUP_R_DISABLED).build()?);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::msg_ring_data(target.fd(), 1, 0x55).user_data(1)], &[cqe(1, -libc::EBADFD)])?;
        target.enable()?;
        target.expect_none()?;
        Ok(())
    },
}

case! {
    id: "regress/b00c51ef8f72-multishot-recv-keeps-group-async",
    summary: "a multishot RECV issued through io-wq (IOSQE_ASYNC) keeps selecting from its buffer group: two arrivals take buffers 0 and 1 of group 7",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect, SqeAsync, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["commit b00c51ef8f72 (io_uring/net: cache provided buffer group value for multishot receives), 6.2: an io-wq issue lost the group"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 16);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 7, 4, 0)?;
        r.submit_all(&[Sqe::recv_multi(s.a(), 7).async_().user_data(1)])?;
        r.expect_none()?;
        send_all(&s.b, b"one")?;
        r.expect(&[cqe(1, 3).flags(buf_flags(0) | IORING_CQE_F_MORE)])?;
        send_all(&s.b, b"two!")?;
        r.expect(&[cqe(1, 4).flags(buf_flags(1) | IORING_CQE_F_MORE)])?;
        check_eq!((&b.buf(0)[..3], &b.buf(1)[..4]), (&b"one"[..], &b"two!"[..]), "buffers 0 and 1");
        Ok(())
    },
}

case! {
    id: "regress/a73825ba70c9-accept-on-nonblocking-listener-waits",
    summary: "ACCEPT on an O_NONBLOCK listener with nobody connecting waits (no -EAGAIN CQE) and completes when a client connects",
    requires: [OpAccept, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["commit a73825ba70c9 (io_uring: fix async accept on O_NONBLOCK sockets), 5.19"],
    run: |cx| {
        let l = Listener::new()?;
        l.listener.set_nonblocking(true)?;
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd() + 1 /* the client socket of l.connect() takes the lowest */;
        r.submit_all(&[Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).user_data(1)])?;
        r.expect_none()?;
        let _c = l.connect()?;
        expect_fd(&mut r, 1, next)?;
        Ok(())
    },
}

case! {
    id: "regress/5d329e1286b0-read-nonblocking-pipe-waits",
    summary: "READ of an empty O_NONBLOCK pipe waits for data (io_uring retries by poll) instead of completing with -EAGAIN",
    requires: [OpRead, FeatFastPoll],
    variants: variants::DELIVERY,
    refs: ["commit 5d329e1286b0 (io_uring: allow retry for O_NONBLOCK if async is supported), 5.15"],
    run: |cx| {
        let p = Pipe::new()?;
        rustix::fs::fcntl_setfl(&p.rx, rustix::fs::OFlags::NONBLOCK).map_err(std::io::Error::from)?;
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::read(p.rx(), &buf, 0).user_data(1)])?;
        r.expect_none()?;
        p.put(b"late")?;
        r.expect(&[cqe(1, 4)])?;
        check_eq!(&buf.read(..4), b"late", "bytes read");
        Ok(())
    },
}

case! {
    id: "regress/cve-2021-41073-loop-rw-iter-provided-buffer",
    summary: "READ with a provided buffer from a file without ->read_iter (inotify) fills the buffer and consumes it (CVE-2021-41073: the kernel freed the user address)",
    requires: [OpRead, OpProvideBuffers, SqeBufferSelect, EnvDisposable],
    variants: variants::DEFAULT,
    refs: ["CVE-2021-41073; commit 16c8d2df7ec0 (io_uring: ensure symmetry in handling iter types in loop_rw_iter()), 5.15", "fs/notify/inotify/inotify_user.c: inotify_fops has .read, no .read_iter"],
    run: |cx| {
        let d = fixtures::TempDir::new()?;
        use rustix::fs::inotify;
        let ifd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK);
        check!(ifd.is_ok(), "inotify_init1: {ifd:?}");
        let ifd = ifd.map_err(std::io::Error::from)?;
        let wd = inotify::add_watch(&ifd, d.path(), inotify::WatchFlags::CREATE);
        check!(wd.is_ok(), "inotify_add_watch: {wd:?}");
        let wd = wd.map_err(std::io::Error::from)?;
        std::fs::write(d.join("x"), b"")?;
        let b = Bufs::new(1, 64);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::provide_buffers(b.from(0), 64, 1, 5, 0).user_data(1)])?;
        r.wait_for(1, oracle::prompt())?;
        // One event: struct inotify_event (16 bytes) + "x" padded to 16.
        r.run_expect(&[Sqe::read_select(ifd.as_raw_fd(), 64, 0, 5).user_data(2)], &[cqe(2, 32).flags(buf_flags(0))])?;
        let ev_wd = i32::from_ne_bytes(b.buf(0)[..4].try_into().unwrap());
        check_eq!(ev_wd, wd, "wd of the event in the provided buffer");
        check_eq!(&b.buf(0)[16..17], b"x", "name in the event");
        Ok(())
    },
}
