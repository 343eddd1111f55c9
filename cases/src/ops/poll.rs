//! Readiness: POLL_ADD (its cancel and update forms live in cancel and
//! multishot), EPOLL_CTL and EPOLL_WAIT. Results are poll(2)'s revents
//! and epoll_ctl(2)/epoll_wait(2)'s; io_uring/poll.c and epoll.c.

use crate::prelude::*;
use fixtures::EventFd;
use oracle::CheckedRing;
use std::os::fd::{AsRawFd, OwnedFd};

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
        // SAFETY: a non-address field (len here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().len = 1 << 6 };
        let mut r = cx.ring()?;
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

/// A fresh epoll instance.
fn epoll() -> Result<OwnedFd, oracle::CaseError> {
    Ok(rustix::event::epoll::create(rustix::event::epoll::CreateFlags::CLOEXEC).map_err(std::io::Error::from)?)
}

/// EPOLL_CTL_ADD of `fd` for EPOLLIN with `data` (what [`event`] says).
fn epoll_add(ep: &OwnedFd, fd: &OwnedFd, data: u64) -> rustix::io::Result<()> {
    use rustix::event::epoll::{add, EventData, EventFlags};
    add(ep, fd, EventData::new_u64(data), EventFlags::IN)
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
        let mut out = Vec::with_capacity(4);
        let zero = rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 };
        let n = rustix::event::epoll::wait(&ep, rustix::buffer::spare_capacity(&mut out), Some(&zero)).map_err(std::io::Error::from)?;
        check_eq!(n, 1, "epoll_wait(2) count");
        check_eq!(out[0].data.u64(), 0x5555, "event data");
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
        for (fd, data) in [(&e1.fd, 11u64), (&e2.fd, 22)] {
            check!(epoll_add(&ep, fd, data).is_ok(), "fixture epoll_ctl(2)");
        }
        let out = IoCell::new([event(0); 4]);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_wait(ep.as_raw_fd(), &out).user_data(1)], &[cqe(1, 1)])?;
        let data = out.get()[0].u64;
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
        check!(epoll_add(&ep, &e.fd, 33).is_ok(), "fixture epoll_ctl(2)");
        let out = IoCell::new([event(0); 2]);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::epoll_wait(ep.as_raw_fd(), &out).user_data(1)])?;
        r.expect_none()?;
        rustix::io::write(&e.fd, &1u64.to_ne_bytes()).map_err(std::io::Error::from)?;
        r.expect(&[cqe(1, 1)])?;
        let data = out.get()[0].u64;
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
        let out = IoCell::new([event(0); 2]);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::epoll_wait(e.raw(), &out).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
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
        send_all(&p.tx, b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_add/error-fields-einval",
    summary: "POLL_ADD with addr, off, buf_index or ioprio set completes with -EINVAL and arms nothing",
    requires: [OpPollAdd],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) CQE ERRORS: EINVAL (POLL_ADD with off, buf_index or addr set)",
        "io_uring/poll.c io_poll_add_prep: buf_index || off || addr -> -EINVAL",
        "io_uring/io_uring.c io_init_req: ioprio on an op whose opdef has no .ioprio -> -EINVAL",
        "claim:enter.cqe.EINVAL-poll-fields",
        "claim:enter.cqe.EINVAL-poll-add-addr",
    ],
    run: |cx| {
        let p = Pipe::new()?;
        // Readable: a poll that got armed would complete with POLLIN.
        p.put(b"x")?;
        let mut r = cx.ring()?;
        // Deliberately malformed: one reserved field set on each.
        let mut with_addr = Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1);
        // SAFETY: a field set wrong on purpose; 8 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { with_addr.raw_mut().addr = 8 };
        let mut with_off = Sqe::poll_add(p.rx(), POLLIN as u32).user_data(2);
        // SAFETY: a field set wrong on purpose; 1 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { with_off.raw_mut().off = 1 };
        let with_index = Sqe::poll_add(p.rx(), POLLIN as u32).buf_index(1).user_data(3);
        let with_ioprio = Sqe::poll_add(p.rx(), POLLIN as u32).ioprio(1).user_data(4);
        // A prep failure ends the submission: one SQE per enter.
        for (s, ud) in [(with_addr, 1), (with_off, 2), (with_index, 3), (with_ioprio, 4)] {
            r.run_expect(&[s], &[cqe(ud, -libc::EINVAL)])?;
        }
        Ok(())
    },
}

case! {
    id: "ops/poll_remove/error-fields-einval",
    summary: "POLL_REMOVE with buf_index or ioprio, with off (a new user_data) but no update flag, or with an unknown flag in len completes with -EINVAL; the poll stays armed",
    requires: [OpPollAdd, OpPollRemove],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_poll_remove(3) ERRORS: -EINVAL",
        "io_uring_enter(2) CQE ERRORS: EINVAL (POLL_REMOVE with off or buf_index set)",
        "io_uring/poll.c io_poll_remove_prep: buf_index, new_user_data without IORING_POLL_UPDATE_USER_DATA, unknown len bits -> -EINVAL",
        "claim:prep.poll-remove.EINVAL",
        "claim:enter.cqe.EINVAL-poll-fields",
    ],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1)])?;
        let with_index = Sqe::poll_remove(1).buf_index(1).user_data(2);
        // Deliberately malformed: a new user_data without the flag that takes it,
        // and a len bit no kernel defines.
        let mut with_off = Sqe::poll_remove(1).user_data(3);
        // SAFETY: a field set wrong on purpose; 9 is no mapped address, so the kernel can only refuse it (EFAULT) or read it as the integer it is.
        unsafe { with_off.raw_mut().off = 9 };
        let mut with_len = Sqe::poll_remove(1).user_data(4);
        // SAFETY: a non-address field (len here), set to what the case asks the kernel about.
        unsafe { with_len.raw_mut().len = 1 << 7 };
        let with_ioprio = Sqe::poll_remove(1).ioprio(1).user_data(5);
        for (s, ud) in [(with_index, 2), (with_off, 3), (with_len, 4), (with_ioprio, 5)] {
            r.run_expect(&[s], &[cqe(ud, -libc::EINVAL)])?;
        }
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_remove/error-update-fields-einval",
    summary: "a poll update with an unknown flag, or with events but without IORING_POLL_UPDATE_EVENTS, completes with -EINVAL; the poll stays armed",
    requires: [OpPollAdd, OpPollRemove, OpflagPollAddMulti],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_prep_poll_update(3) ERRORS: -EINVAL",
        "io_uring/poll.c io_poll_remove_prep: unknown len bits, poll32_events without IORING_POLL_UPDATE_EVENTS -> -EINVAL",
        "claim:prep.poll-update.EINVAL",
    ],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1)])?;
        let unknown = Sqe::poll_update(1, 5, 0, IORING_POLL_UPDATE_USER_DATA | 1 << 7).user_data(2);
        let events_without_flag = Sqe::poll_update(1, 6, libc::POLLOUT as u32, IORING_POLL_UPDATE_USER_DATA).user_data(3);
        for (s, ud) in [(unknown, 2), (events_without_flag, 3)] {
            r.run_expect(&[s], &[cqe(ud, -libc::EINVAL)])?;
        }
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_add/error-iopoll-ring-einval",
    summary: "POLL_ADD and POLL_REMOVE on an IOPOLL ring complete with -EINVAL",
    requires: [OpPollAdd, OpPollRemove, SetupIopoll],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_enter(2) CQE ERRORS: EINVAL (POLL_ADD or POLL_REMOVE on an IOPOLL ring)",
        "io_uring/io_uring.c io_init_req: an op without ->iopoll on an IORING_SETUP_IOPOLL ring -> -EINVAL",
        "claim:enter.cqe.EINVAL-poll-on-iopoll",
    ],
    run: |_| {
        let p = Pipe::new()?;
        p.put(b"x")?;
        let mut r = CheckedRing::from(RingBuilder::new(8).flags(IORING_SETUP_IOPOLL).build()?);
        r.run_expect(&[Sqe::poll_add(p.rx(), POLLIN as u32).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        r.run_expect(&[Sqe::poll_remove(1).user_data(2)], &[cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/poll_add/multishot-edge-triggered",
    summary: "a multishot POLL_ADD posts one CQE per new event: data left unread triggers nothing more, a second write triggers a second CQE",
    requires: [OpPollAdd, OpflagPollAddMulti],
    variants: variants::DELIVERY,
    refs: [
        "io_uring_enter(2) IORING_OP_POLL_ADD: multishot polls are edge triggered (IORING_POLL_ADD_MULTI)",
        "io_uring/poll.c io_poll_check_events: a multishot poll posts per wakeup, then re-arms",
        "claim:enter.op.poll-add.multi-edge",
    ],
    run: |cx| {
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::poll_multi(p.rx(), POLLIN as u32).user_data(1)])?;
        p.put(b"a")?;
        // The byte stays unread: a level-triggered poll would fire again.
        r.expect(&[cqe(1, POLLIN).flags(IORING_CQE_F_MORE)])?;
        p.put(b"b")?;
        r.expect(&[cqe(1, POLLIN).flags(IORING_CQE_F_MORE)])?;
        Ok(())
    },
}
