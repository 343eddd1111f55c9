//! Readiness: POLL_ADD (its cancel and update forms live in cancel and
//! multishot), EPOLL_CTL and EPOLL_WAIT. Results are poll(2)'s revents
//! and epoll_ctl(2)/epoll_wait(2)'s; io_uring/poll.c and epoll.c.

use crate::prelude::*;
use fixtures::EventFd;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

case! {
    id: "ops/poll_add/readable-pipe",
    summary: "POLL_ADD for POLLIN on a pipe with data completes with POLLIN in res",
    requires: [OpPollAdd],
    variants: variants::ALL,
    refs: ["io_uring_prep_poll_add(3): res is the mask of events that triggered", "claim:enter.op.poll-add.mask", "claim:prep.poll-add"],
    run: |cx| {
        let p = Pipe::new()?;
        p.put(b"x")?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1)], &[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_add/waits-for-event",
    summary: "POLL_ADD on an empty pipe completes only once data arrives",
    requires: [OpPollAdd],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_poll_add(3)", "claim:enter.op.poll-add.oneshot"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), libc::POLLIN as u32).user_data(1)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_add/error-unknown-flag-einval",
    summary: "POLL_ADD with an unknown flag in len completes with -EINVAL",
    requires: [OpPollAdd],
    variants: variants::DEFAULT,
    refs: ["io_uring/poll.c io_poll_add_prep: flags (sqe->len) beyond IORING_POLL_ADD_MULTI|LEVEL -> -EINVAL"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut s = Sqe::poll_add(p.rx(), libc::POLLIN as u32);
        // Deliberately malformed: a POLL_ADD flag bit no kernel defines.
        s.raw.len = 1 << 6;
        let mut r = cx.ring()?;
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

/// A fresh epoll instance.
fn epoll() -> Result<OwnedFd, harness::CaseError> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // SAFETY: fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn event(data: u64) -> libc::epoll_event {
    libc::epoll_event { events: libc::EPOLLIN as u32, u64: data }
}

case! {
    id: "ops/epoll_ctl/add-then-ready",
    summary: "EPOLL_CTL_ADD through the ring completes with 0 and epoll_wait(2) then reports the fd with its data",
    requires: [OpEpollCtl],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_epoll_ctl(3)", "epoll_ctl(2)", "claim:enter.op.epoll-ctl", "claim:prep.epoll-ctl"],
    run: |cx| {
        let ep = epoll()?;
        let efd = EventFd::new(1)?;
        let ev = event(0x5555);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, efd.raw(), &ev).user_data(1)], &[cqe(1, 0)])?;
        let mut out = [event(0); 4];
        // SAFETY: out has room for 4 events.
        let n = unsafe { libc::epoll_wait(ep.as_raw_fd(), out.as_mut_ptr(), 4, 0) };
        check_eq!(n, 1, "epoll_wait(2) count");
        let data = out[0].u64;
        check_eq!(data, 0x5555, "event data");
        Ok(())
    },
}

case! {
    id: "ops/epoll_ctl/error-add-twice-eexist",
    summary: "EPOLL_CTL_ADD of an fd already in the set completes with -EEXIST",
    requires: [OpEpollCtl],
    variants: variants::DEFAULT,
    refs: ["epoll_ctl(2) ERRORS: EEXIST", "claim:prep.epoll-ctl"],
    run: |cx| {
        let ep = epoll()?;
        let efd = EventFd::new(0)?;
        let ev = event(1);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, efd.raw(), &ev).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, efd.raw(), &ev).user_data(2)], &[cqe(2, -libc::EEXIST)])?;
        Ok(())
    },
}

case! {
    id: "ops/epoll_ctl/error-del-missing-enoent",
    summary: "EPOLL_CTL_DEL of an fd not in the set completes with -ENOENT",
    requires: [OpEpollCtl],
    variants: variants::DEFAULT,
    refs: ["epoll_ctl(2) ERRORS: ENOENT", "claim:prep.epoll-ctl"],
    run: |cx| {
        let ep = epoll()?;
        let efd = EventFd::new(0)?;
        let ev = event(1);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_DEL, efd.raw(), &ev).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}

case! {
    id: "ops/epoll_wait/reports-ready",
    summary: "EPOLL_WAIT completes with the number of ready fds and fills their events",
    requires: [OpEpollWait],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_epoll_wait(3)", "epoll_wait(2)", "claim:enter.op.epoll-wait", "claim:prep.epoll-wait"],
    run: |cx| {
        let ep = epoll()?;
        let (e1, e2) = (EventFd::new(1)?, EventFd::new(0)?);
        for (fd, data) in [(e1.raw(), 11u64), (e2.raw(), 22)] {
            let mut ev = event(data);
            // SAFETY: valid epoll and eventfd descriptors.
            check!(unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) } == 0, "fixture epoll_ctl(2)");
        }
        let mut out = [event(0); 4];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_wait(ep.as_raw_fd(), &mut out).user_data(1)], &[cqe(1, 1)])?;
        let data = out[0].u64;
        check_eq!(data, 11, "data of the ready fd");
        Ok(())
    },
}

case! {
    id: "ops/epoll_wait/waits-for-event",
    summary: "EPOLL_WAIT with nothing ready completes once an fd becomes ready",
    requires: [OpEpollWait],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_epoll_wait(3)", "claim:enter.op.epoll-wait"],
    run: |cx| {
        let ep = epoll()?;
        let e = EventFd::new(0)?;
        let mut ev = event(33);
        // SAFETY: valid epoll and eventfd descriptors.
        check!(unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, e.raw(), &mut ev) } == 0, "fixture epoll_ctl(2)");
        let mut out = [event(0); 2];
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::epoll_wait(ep.as_raw_fd(), &mut out).user_data(1)])?;
        r.expect_none()?;
        rustix::io::write(&e.fd, &1u64.to_ne_bytes()).map_err(std::io::Error::from)?;
        r.expect(&[cqe(1, 1)])?;
        let data = out[0].u64;
        check_eq!(data, 33, "event data");
        Ok(())
    },
}

case! {
    id: "ops/epoll_wait/error-not-epoll-einval",
    summary: "EPOLL_WAIT on an fd that is not an epoll instance completes with -EINVAL",
    requires: [OpEpollWait],
    variants: variants::DEFAULT,
    refs: ["epoll_wait(2) ERRORS: EINVAL (epfd is not an epoll file descriptor)", "claim:prep.epoll-wait"],
    run: |cx| {
        let e = EventFd::new(1)?;
        let mut out = [event(0); 2];
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_wait(e.raw(), &mut out).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_remove/unknown-enoent",
    summary: "POLL_REMOVE of a user_data no poll has completes with -ENOENT, and a pending poll with another user_data stays armed",
    requires: [OpPollAdd, OpPollRemove],
    variants: variants::ALL,
    refs: ["io_uring_enter(2): IORING_OP_POLL_REMOVE (-ENOENT if not found)", "io_uring_prep_poll_remove(3) ERRORS: -ENOENT", "claim:enter.op.poll-remove.ENOENT", "claim:prep.poll-remove.ENOENT"],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx.as_raw_fd(), POLLIN as u32).user_data(1)])?;
        r.run_expect(&[Sqe::poll_remove(99).user_data(2)], &[cqe(2, -libc::ENOENT)])?;
        send_all(p.tx.as_raw_fd(), b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}
