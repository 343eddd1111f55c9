//! Feature bits: for every IORING_FEAT_* bit, what the bit promises,
//! checked when the kernel sets it; where io_uring_setup(2) documents the
//! older behaviour, the same case checks that behaviour when the bit is
//! clear, so these run (not skip) on old kernels in the VM matrix. Each
//! case branches on the probe's answer for its own bit, never on errors.
//!
//! References: io_uring_setup(2) "features" (each bit's paragraph), the
//! commits that added the bits, and io_uring/io_uring.c.

use crate::prelude::*;
use fixtures::{Bufs, SocketPair, TempDir};
use oracle::Feature;

case! {
    id: "feat/single-mmap",
    summary: "SINGLE_MMAP: one mapping at IORING_OFF_SQ_RING also holds the CQ ring (its ring_entries read cq_entries)",
    requires: [FeatSingleMmap],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_SINGLE_MMAP (the SQ and CQ rings can be mapped with a single mmap)", "claim:setup.feat.single-mmap"],
    run: |cx| {
        let r = cx.ring()?;
        let p = r.params;
        let v = ring_view(r.fd(), &p)?;
        let (sq, cq) = (v.read_u32(p.sq_off.ring_entries as usize), v.read_u32(p.cq_off.ring_entries as usize));
        check_eq!((sq, cq), (p.sq_entries, p.cq_entries), "ring_entries read through the one mapping");
        Ok(())
    },
}

case! {
    id: "feat/nodrop",
    summary: "NODROP: CQEs past a full CQ are kept and delivered later (IORING_SQ_CQ_OVERFLOW set); without it they are dropped and counted in cq overflow",
    requires: [OpNop, SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_NODROP (completions are never dropped; before 5.5 the overflow counter counted dropped CQEs)", "claim:setup.feat.nodrop"],
    run: |cx| {
        let mut r = cx.build(cx.builder(4).cq_entries(4))?;
        // Two batches (the SQ has 4 entries), nothing reaped in between.
        let nops: Vec<Sqe> = (1..=6).map(|i| Sqe::nop().user_data(i)).collect();
        r.submit_all(&nops[..4])?;
        r.submit_all(&nops[4..])?;
        if cx.has(Feature::FeatNodrop) {
            check!(r.sq_flags() & IORING_SQ_CQ_OVERFLOW != 0, "IORING_SQ_CQ_OVERFLOW not set with 6 CQEs for a 4-entry CQ");
            let want: Vec<_> = (1..=6).map(|i| cqe(i, 0)).collect();
            r.expect(&want)?;
        } else {
            let want: Vec<_> = (1..=4).map(|i| cqe(i, 0)).collect();
            r.expect(&want)?;
            check_eq!(r.cq_overflow(), 2, "cq overflow counter (dropped CQEs)");
        }
        Ok(())
    },
}

case! {
    id: "feat/submit-stable",
    summary: "SUBMIT_STABLE: what an SQE points to (here an iovec array) may be reused once submit returns; the request keeps the original",
    requires: [FeatSubmitStable, OpReadv],
    variants: variants::DELIVERY,
    refs: ["io_uring_setup(2): IORING_FEAT_SUBMIT_STABLE (data for async offload has been consumed when the submit returns)", "claim:setup.feat.submit-stable"],
    run: |cx| {
        let p = Pipe::new()?;
        let (a, b) = (IoBuf::new(4), IoBuf::new(4));
        let v = IoCell::new([iov(&a)]);
        let mut r = cx.ring()?;
        // SAFETY: v is an IoCell (changed below through it, never through a
        // reference) whose iovecs point at IoBufs declared before the ring.
        r.submit_all(&[unsafe { Sqe::prep(IORING_OP_READV, p.rx(), v.as_ptr() as u64, 1, 0) }.user_data(1)])?;
        // The read waits on the empty pipe; point the iovec elsewhere.
        v.set([iov(&b)]);
        p.put(b"good")?;
        r.expect(&[cqe(1, 4)])?;
        check_eq!(&a.to_vec(), b"good", "the original buffer");
        check_eq!(b.to_vec(), [0u8; 4], "the buffer the iovec was changed to");
        Ok(())
    },
}

case! {
    id: "feat/rw-cur-pos",
    summary: "RW_CUR_POS: offset -1 reads at (and advances) the file position",
    requires: [FeatRwCurPos, OpRead],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_RW_CUR_POS", "claim:setup.feat.rw-cur-pos"],
    run: |cx| {
        let f = TempFile::with_content(&pattern(12, 2))?;
        rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Start(4)).map_err(std::io::Error::from)?;
        let buf = IoBuf::new(4);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::read(f.fd(), &buf, u64::MAX).user_data(1)], &[cqe(1, 4)])?;
        check_eq!(buf.to_vec(), pattern(12, 2)[4..8].to_vec(), "bytes read");
        check_eq!(rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Current(0)), Ok(8), "file position");
        Ok(())
    },
}

case! {
    id: "feat/cur-personality",
    summary: "CUR_PERSONALITY: an async request runs with the submitter's credentials at submit time (nobody: -EACCES on a root-only file); without it, with the ring creator's (root: opens)",
    requires: [OpOpenat, SqeAsync, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_CUR_PERSONALITY (credentials of the submitting task at submission, not of the task that created the ring)", "claim:setup.feat.cur-personality"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = root_only_file(&d)?;
        let mut r = cx.ring()?;
        let open = Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).async_().user_data(1);
        let next = fixtures::closed_fd();
        as_nobody(|| r.submit_all(&[open]))??;
        if cx.has(Feature::FeatCurPersonality) {
            r.expect(&[cqe(1, -libc::EACCES)])?;
        } else {
            expect_fd(&mut r, 1, next)?;
        }
        Ok(())
    },
}

case! {
    id: "feat/fast-poll",
    summary: "FAST_POLL: a RECV on an empty socket waits by internal poll, not in an io-wq worker (no iou-wrk thread), and completes when data comes",
    requires: [FeatFastPoll, FeatNativeWorkers, OpRecv],
    variants: &[Variant::Default, Variant::DeferTaskrun],
    refs: ["io_uring_setup(2): IORING_FEAT_FAST_POLL (internal poll instead of an async worker for pollable files)", "claim:setup.feat.fast-poll"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::recv(s.a(), &buf, 0).user_data(1)])?;
        r.expect_none()?;
        let workers = fixtures::threads_named("iou-wrk")?;
        check!(workers.is_empty(), "io-wq workers while a recv waits: {workers:?}");
        send_all(&s.b, b"polled")?;
        r.expect(&[cqe(1, 6)])?;
        check_eq!(&buf.read(..6), b"polled", "bytes received");
        Ok(())
    },
}

case! {
    id: "feat/poll-32bits",
    summary: "POLL_32BITS: POLL_ADD reads 32-bit events, so EPOLLEXCLUSIVE (bit 28) is taken: of two exclusive polls on one pipe, a write wakes only the first",
    requires: [FeatPoll32bits, OpPollAdd, OpAsyncCancel],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_POLL_32BITS (the full 32-bit range of epoll flags, e.g. EPOLLEXCLUSIVE)", "io_uring/poll.c io_poll_parse_events; epoll_ctl(2) EPOLLEXCLUSIVE: one of the exclusive waiters is woken", "claim:setup.feat.poll-32bits"],
    run: |cx| {
        // A readable pipe completes a poll with POLLIN whether or not the
        // upper bits are read, so that proves nothing; exclusivity does: a
        // pipe write wakes one exclusive waiter (pipe_write:
        // wake_up_interruptible_sync_poll, nr_exclusive 1), the first
        // queued. A kernel that dropped bit 28 would wake both.
        let p = Pipe::new()?;
        let mut r = cx.ring()?;
        let ev = (libc::POLLIN as u32) | (libc::EPOLLEXCLUSIVE as u32);
        r.submit_all(&[Sqe::poll_add(p.rx(), ev).user_data(1), Sqe::poll_add(p.rx(), ev).user_data(2)])?;
        r.expect_none()?;
        p.put(b"x")?;
        r.expect(&[cqe(1, POLLIN)])?;
        r.run_expect_unordered(&[Sqe::cancel(2, 0).user_data(3)], &[cqe(2, -libc::ECANCELED), cqe(3, 0)])?;
        Ok(())
    },
}

case! {
    id: "feat/sqpoll-nonfixed",
    summary: "SQPOLL_NONFIXED: an SQPOLL ring reads through a normal fd; without it, a non-fixed fd completes with -EBADF",
    requires: [SetupSqpoll, OpRead],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_SQPOLL_NONFIXED (before 5.11, SQPOLL required registered files)", "claim:setup.feat.sqpoll-nonfixed"],
    run: |cx| {
        let f = TempFile::with_content(b"sqpoll")?;
        let mut b = RingBuilder::new(8).flags(IORING_SETUP_SQPOLL);
        b.params.sq_thread_idle = 1000;
        let buf;
        let mut r = cx.build(b)?;
        buf = IoBuf::new(6);
        if cx.has(Feature::FeatSqpollNonfixed) {
            r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1)], &[cqe(1, 6)])?;
            check_eq!(&buf.to_vec(), b"sqpoll", "bytes read");
        } else {
            r.run_expect(&[Sqe::read(f.fd(), &buf, 0).user_data(1)], &[cqe(1, -libc::EBADF)])?;
        }
        Ok(())
    },
}

case! {
    id: "feat/ext-arg",
    summary: "EXT_ARG: io_uring_enter takes a timeout in io_uring_getevents_arg (-ETIME when it expires); without it, IORING_ENTER_EXT_ARG fails with EINVAL",
    requires: [OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_EXT_ARG", "io_uring_enter(2): IORING_ENTER_EXT_ARG", "claim:setup.feat.ext-arg"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(100);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        if cx.has(Feature::FeatExtArg) {
            check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "a 100 ms wait with nothing to complete");
            check_elapsed(&t0, Duration::from_millis(100), "the wait")?;
        } else {
            check_errno!(r.enter_wait(1, 0, &arg), libc::EINVAL, "IORING_ENTER_EXT_ARG");
        }
        Ok(())
    },
}

case! {
    id: "feat/native-workers",
    summary: "NATIVE_WORKERS: io-wq workers are threads of the submitting process (iou-wrk-<pid>); without it they are kernel threads outside it",
    requires: [SqeAsync, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_NATIVE_WORKERS (workers are threads of the task, 5.12)", "claim:setup.feat.native-workers"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let workers = fixtures::threads_named("iou-wrk")?;
        if cx.has(Feature::FeatNativeWorkers) {
            check!(!workers.is_empty(), "no iou-wrk thread in this process after an async NOP");
        } else {
            check!(workers.is_empty(), "iou-wrk threads in this process without NATIVE_WORKERS: {workers:?}");
        }
        Ok(())
    },
}

case! {
    id: "feat/rsrc-tags",
    summary: "RSRC_TAGS: replacing a tagged registered file posts a CQE whose user_data is the tag (res 0)",
    requires: [FeatRsrcTags, RegFiles2, RegFilesUpdate2],
    variants: variants::DELIVERY,
    refs: ["io_uring_setup(2): IORING_FEAT_RSRC_TAGS", "io_uring_register(2): IORING_REGISTER_FILES2 tags", "claim:setup.feat.rsrc-tags"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.register_files_tagged(&[f.fd()], &[0x7a6], 0)?;
        check_eq!(r.update_files(0, &[-1], &[0])?, 1, "slots updated");
        r.expect(&[cqe(0x7a6, 0)])?;
        Ok(())
    },
}

case! {
    id: "feat/cqe-skip",
    summary: "CQE_SKIP: a NOP with IOSQE_CQE_SKIP_SUCCESS posts no CQE; without it, the unknown flag fails the NOP with -EINVAL",
    requires: [OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_CQE_SKIP", "io_uring/io_uring.c io_init_req: unknown SQE flags -> -EINVAL", "claim:setup.feat.cqe-skip"],
    run: |cx| {
        let mut r = cx.ring()?;
        if cx.has(Feature::FeatCqeSkip) {
            r.run_expect(&[Sqe::nop().skip_success().user_data(1), Sqe::nop().user_data(2)], &[cqe(2, 0)])?;
        } else {
            r.run_expect(&[Sqe::nop().skip_success().user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        }
        Ok(())
    },
}

case! {
    id: "feat/linked-file",
    summary: "LINKED_FILE: a read linked after an open into slot 0 uses the file the open installed",
    requires: [FeatLinkedFile, OpflagOpenatDirect, OpRead, RegFiles, SqeIoLink],
    variants: variants::DELIVERY,
    refs: ["io_uring_setup(2): IORING_FEAT_LINKED_FILE (a linked request's file is assigned when it starts, not at submission)", "claim:setup.feat.linked-file"],
    run: |cx| {
        let f = TempFile::with_content(b"linked")?;
        let p = cpath(&f.path())?;
        let buf = IoBuf::new(6);
        let mut r = cx.ring()?;
        r.register_files(&[-1])?;
        r.run_expect(
            &[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY, 0).direct(0).link().user_data(1), Sqe::read(0, &buf, 0).fixed_file().user_data(2)],
            &[cqe(1, 0), cqe(2, 6)],
        )?;
        check_eq!(&buf.to_vec(), b"linked", "bytes read through the slot");
        Ok(())
    },
}

case! {
    id: "feat/reg-reg-ring",
    summary: "REG_REG_RING: io_uring_register through the registered ring index (IORING_REGISTER_USE_REGISTERED_RING) works; without it, the call fails with EINVAL",
    requires: [RegRingFds, RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_REG_REG_RING", "io_uring_register(2): IORING_REGISTER_USE_REGISTERED_RING", "claim:setup.feat.reg-reg-ring"],
    run: |cx| {
        let mut r = cx.ring()?;
        let idx = r.register_ring_fd()?;
        let mut buf = vec![0u8; 16 + 8 * 8];
        // SAFETY: a probe buffer for 8 ops.
        let res = unsafe { io_uring_register(idx as i32, IORING_REGISTER_PROBE | IORING_REGISTER_USE_REGISTERED_RING, buf.as_mut_ptr() as *mut _, 8) };
        if cx.has(Feature::FeatRegRegRing) {
            check!(res.is_ok(), "REGISTER_PROBE through index {idx}: {res:?}");
            check!(buf[1] > 0, "the probe through the index wrote no ops");
        } else {
            check_errno!(res, libc::EINVAL, "REGISTER_PROBE through the registered index");
        }
        Ok(())
    },
}

case! {
    id: "feat/recvsend-bundle",
    summary: "RECVSEND_BUNDLE: RECV takes IORING_RECVSEND_BUNDLE (one CQE names the first buffer of a run); without it, the flag fails the recv with -EINVAL",
    requires: [OpRecv, RegPbufRing, SqeBufferSelect],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_RECVSEND_BUNDLE", "io_uring/net.c io_recv_prep: unknown ioprio flags -> -EINVAL", "claim:setup.feat.recvsend-bundle"],
    run: |cx| {
        let s = SocketPair::stream()?;
        let b = Bufs::new(4, 8);
        let mut r = cx.ring()?;
        let _br = buf_ring(&r, &b, 4, 1, 4, 0)?;
        send_all(&s.b, b"bundled!")?;
        let sqe = Sqe::recv_select(s.a(), 0, 1).ioprio(IORING_RECVSEND_BUNDLE).user_data(1);
        if cx.has(Feature::FeatRecvsendBundle) {
            r.run_expect(&[sqe], &[cqe(1, 8).flags(buf_flags(0))])?;
            check_eq!(b.buf(0), b"bundled!", "buffer 0");
        } else {
            r.run_expect(&[sqe], &[cqe(1, -libc::EINVAL)])?;
        }
        Ok(())
    },
}

case! {
    id: "feat/min-timeout",
    summary: "MIN_TIMEOUT: waiting for 2 CQEs with min_wait 100 ms and a 2 s timeout returns after the min wait with the 1 CQE there is",
    requires: [FeatMinTimeout, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_MIN_TIMEOUT", "io_uring_enter(2): min_wait_usec (once it passes, return if any CQE is there)", "claim:setup.feat.min-timeout"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::nop().user_data(1)])?;
        let ts = ms(2000);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, min_wait_usec: 100_000, ..Default::default() };
        let t0 = Stopwatch::start();
        let res = r.enter_wait(2, 0, &arg);
        // One CQE is there when the 100 ms min wait ends: success, then.
        check_eq!(res, Ok(0), "the wait with min_wait_usec 100 ms and one CQE ready");
        check_elapsed(&t0, Duration::from_millis(100), "the wait with min_wait_usec 100 ms and one CQE ready")?;
        r.expect(&[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "feat/rw-attr",
    summary: "RW_ATTR: a read with an unknown attribute type in attr_type_mask fails with -EINVAL; without it, the field is ignored and the read succeeds",
    requires: [OpRead],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_RW_ATTR", "io_uring/rw.c io_prep_rw: attr_type_mask other than IORING_RW_ATTR_FLAG_PI -> -EINVAL"],
    run: |cx| {
        let f = TempFile::with_content(b"attr")?;
        let buf = IoBuf::new(4);
        let mut s = Sqe::read(f.fd(), &buf, 0).user_data(1);
        // Deliberately malformed: an attribute type (attr_type_mask, in pad2) beyond PI.
        // SAFETY: a non-address field (pad2 here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().pad2 = 1 << 5 };
        let mut r = cx.ring()?;
        if cx.has(Feature::FeatRwAttr) {
            r.run_expect(&[s], &[cqe(1, -libc::EINVAL)])?;
        } else {
            r.run_expect(&[s], &[cqe(1, 4)])?;
        }
        Ok(())
    },
}

case! {
    id: "feat/no-iowait",
    summary: "NO_IOWAIT: io_uring_enter takes IORING_ENTER_NO_IOWAIT (a timed wait still ends with ETIME); without it, the flag fails with EINVAL",
    requires: [FeatExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring_setup(2): IORING_FEAT_NO_IOWAIT", "io_uring_enter(2): IORING_ENTER_NO_IOWAIT", "claim:enter.no-iowait"],
    run: |cx| {
        let r = cx.ring()?;
        let ts = ms(2);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        if cx.has(Feature::FeatNoIowait) {
            check_errno!(r.enter_wait(1, IORING_ENTER_NO_IOWAIT, &arg), libc::ETIME, "a 2 ms wait with NO_IOWAIT");
        } else {
            check_errno!(r.enter_wait(1, IORING_ENTER_NO_IOWAIT, &arg), libc::EINVAL, "IORING_ENTER_NO_IOWAIT");
        }
        Ok(())
    },
}

#[cfg(test)]
mod tests {
    use oracle::case::all_cases;
    use oracle::features::{Detect, FEATURES};

    /// Every IORING_FEAT bit in the vocabulary has a feat/ case.
    #[test]
    fn every_feature_bit_has_a_case() {
        let ids: Vec<&str> = all_cases().iter().map(|c| c.id).collect();
        for f in FEATURES.iter().filter(|f| matches!(f.detect, Detect::Feat(_))) {
            let want = format!("feat/{}", f.id.trim_start_matches("feat.").replace('_', "-"));
            assert!(ids.contains(&want.as_str()), "{} has no case {want}", f.id);
        }
    }
}
