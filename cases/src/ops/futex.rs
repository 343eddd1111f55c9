//! Futexes and process waits: FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAITV and
//! WAITID. Results are futex(2)/futex_waitv(2) and waitid(2)'s;
//! io_uring/futex.c and waitid.c.

use crate::prelude::*;
use fixtures::Child;
use std::sync::atomic::AtomicU32;

fn waitv_entry(word: &AtomicU32, val: u32) -> futex_waitv {
    futex_waitv { val: val as u64, uaddr: word as *const _ as u64, flags: FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, __reserved: 0 }
}

case! {
    id: "ops/futex_wait/woken-by-futex-wake",
    summary: "FUTEX_WAIT stays pending until a FUTEX_WAKE; the wake returns 1 (woken), the wait 0",
    requires: [OpFutexWait, OpFutexWake],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_futex_wait(3)", "io_uring_prep_futex_wake(3): res is the number of waiters woken", "claim:enter.op.futex-wait", "claim:prep.futex-wait"],
    run: |cx| {
        let word = AtomicU32::new(0);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::futex_wait(&word, 0).user_data(1)])?;
        r.expect_none()?;
        r.run_expect_unordered(&[Sqe::futex_wake(&word, 1).user_data(2)], &[cqe(1, 0), cqe(2, 1)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_wait/error-value-mismatch-eagain",
    summary: "FUTEX_WAIT whose expected value differs from the word completes at once with -EAGAIN",
    requires: [OpFutexWait],
    variants: variants::DEFAULT,
    refs: ["futex(2) FUTEX_WAIT ERRORS: EAGAIN (the value pointed to by uaddr was not equal to val)", "claim:prep.futex-wait"],
    run: |cx| {
        let word = AtomicU32::new(5);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::futex_wait(&word, 4).user_data(1)], &[cqe(1, -libc::EAGAIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_wake/no-waiters",
    summary: "FUTEX_WAKE with nobody waiting returns 0",
    requires: [OpFutexWake],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_futex_wake(3)"],
    run: |cx| {
        let word = AtomicU32::new(0);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::futex_wake(&word, 1).user_data(1)], &[cqe(1, 0)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_wake/error-u64-size-einval",
    summary: "FUTEX_WAKE with FUTEX2_SIZE_U64 (unsupported size) completes with -EINVAL",
    requires: [OpFutexWake],
    variants: variants::DEFAULT,
    refs: ["io_uring/futex.c io_futex_prep: !futex_flags_valid() -> -EINVAL (only 32-bit futexes)"],
    run: |cx| {
        let word = AtomicU32::new(0);
        let mut s = Sqe::futex_wake(&word, 1);
        // Deliberately malformed: a 64-bit futex size, which io_uring refuses.
        // SAFETY: a non-address field (fd here), set to what the case asks the kernel about.
        unsafe { s.raw_mut().fd = 0x03 | FUTEX2_PRIVATE as i32 };
        let mut r = cx.ring()?;
        r.run_expect(&[s.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_waitv/returns-woken-index",
    summary: "FUTEX_WAITV on two futexes completes with the index of the one woken (1)",
    requires: [OpFutexWaitv, OpFutexWake],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_futex_waitv(3)", "futex_waitv(2): returns the array index of the woken futex", "claim:prep.futex-waitv"],
    run: |cx| {
        let (a, b) = (AtomicU32::new(0), AtomicU32::new(0));
        let v = [waitv_entry(&a, 0), waitv_entry(&b, 0)];
        let mut r = cx.ring()?;
        // SAFETY: every entry's uaddr points to a futex word declared before the ring, so it outlives it (or the array is empty).
        r.submit_all(&[unsafe { Sqe::futex_waitv(&v) }.user_data(1)])?;
        r.expect_none()?;
        r.run_expect_unordered(&[Sqe::futex_wake(&b, 1).user_data(2)], &[cqe(1, 1), cqe(2, 1)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_waitv/error-empty-einval",
    summary: "FUTEX_WAITV with no futexes completes with -EINVAL",
    requires: [OpFutexWaitv],
    variants: variants::DEFAULT,
    refs: ["futex_waitv(2) ERRORS: EINVAL (nr_futexes is 0 or above FUTEX_WAITV_MAX)", "claim:enter.op.futex-waitv.nr"],
    run: |cx| {
        let mut r = cx.ring()?;
        // SAFETY: every entry's uaddr points to a futex word declared before the ring, so it outlives it (or the array is empty).
        r.run_expect(&[unsafe { Sqe::futex_waitv(&[]) }.user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_waitv/error-value-mismatch-eagain",
    summary: "FUTEX_WAITV where a word differs from its expected value completes with -EAGAIN",
    requires: [OpFutexWaitv],
    variants: variants::DEFAULT,
    refs: ["futex_waitv(2) ERRORS: EAGAIN", "claim:prep.futex-waitv"],
    run: |cx| {
        let (a, b) = (AtomicU32::new(0), AtomicU32::new(3));
        let v = [waitv_entry(&a, 0), waitv_entry(&b, 0)];
        let mut r = cx.ring()?;
        // SAFETY: every entry's uaddr points to a futex word declared before the ring, so it outlives it (or the array is empty).
        r.run_expect(&[unsafe { Sqe::futex_waitv(&v) }.user_data(1)], &[cqe(1, -libc::EAGAIN)])?;
        Ok(())
    },
}

case! {
    id: "ops/waitid/reaps-exited-child",
    summary: "WAITID for an exiting child completes with 0 and fills siginfo (CLD_EXITED, status 7)",
    requires: [OpWaitid],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_waitid(3)", "waitid(2)", "claim:enter.op.waitid", "claim:prep.waitid"],
    run: |cx| {
        let gate = Pipe::new()?;
        let mut child = Child::fork(|| {
            let mut b = [0u8; 1];
            // 7 once the gate opens; 1 (a wrong si_status) if the read fails.
            if rustix::io::read(&gate.rx, &mut b) == Ok(1) {
                7
            } else {
                1
            }
        })?;
        let info = IoCell::<libc::siginfo_t>::zeroed();
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::waitid(child.pid, libc::WEXITED as u32, &info).user_data(1)])?;
        r.expect_none()?;
        gate.put(b"x")?;
        let got = r.expect(&[cqe(1, 0)]);
        child.mark_reaped();
        got?;
        let info = info.get();
        check_eq!(info.si_code, libc::CLD_EXITED, "si_code");
        // Stays unsafe: libc reads siginfo_t's union fields unsafely.
        // SAFETY: a CLD_EXITED siginfo carries si_pid and si_status.
        let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
        check_eq!(pid, child.pid, "si_pid");
        check_eq!(status, 7, "si_status");
        Ok(())
    },
}

case! {
    id: "ops/waitid/error-not-child-echild",
    summary: "WAITID for a pid that is not our child completes with -ECHILD",
    requires: [OpWaitid],
    variants: variants::DEFAULT,
    refs: ["waitid(2) ERRORS: ECHILD (the process specified does not exist or is not a child)", "claim:prep.waitid"],
    run: |cx| {
        let info = IoCell::<libc::siginfo_t>::zeroed();
        let mut r = cx.ring()?;
        // pid 1 (init) is never our child.
        r.run_expect(&[Sqe::waitid(1, libc::WEXITED as u32, &info).user_data(1)], &[cqe(1, -libc::ECHILD)])?;
        Ok(())
    },
}

case! {
    id: "ops/waitid/error-no-options-einval",
    summary: "WAITID with no WEXITED/WSTOPPED/WCONTINUED in options completes with -EINVAL",
    requires: [OpWaitid],
    variants: variants::DEFAULT,
    refs: ["waitid(2) ERRORS: EINVAL (options was invalid)"],
    run: |cx| {
        let info = IoCell::<libc::siginfo_t>::zeroed();
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::waitid(1, 0, &info).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/futex_wake/counts-woken-waiters",
    summary: "with three FUTEX_WAITs pending, FUTEX_WAKE of 1 wakes one (res 1), of 2 the other two (res 2), and one more wake finds none (res 0)",
    requires: [OpFutexWait, OpFutexWake],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_futex_wake(3): res is the number of waiters woken", "futex(2) FUTEX_WAKE: wakes at most val waiters (which ones is not specified)", "claim:enter.op.futex-wake", "claim:prep.futex-wake.index"],
    run: |cx| {
        let word = AtomicU32::new(0);
        let mut r = cx.ring()?;
        r.submit_all(&[Sqe::futex_wait(&word, 0).user_data(1), Sqe::futex_wait(&word, 0).user_data(2), Sqe::futex_wait(&word, 0).user_data(3)])?;
        r.expect_none()?;
        // Which waiter a wake picks is not specified: the case names the
        // ones that came, and checks the counts and that each wait ended with 0.
        let mut waiting = vec![1u64, 2, 3];
        for (ud, n) in [(10u64, 1usize), (11, 2)] {
            r.submit_all(&[Sqe::futex_wake(&word, n as u64).user_data(ud)])?;
            let mut got = r.wait_for(n as u32 + 1, oracle::prompt())?;
            got.extend(r.settle()?);
            let woken: Vec<u64> = got.iter().map(|c| c.user_data).filter(|u| waiting.contains(u)).collect();
            waiting.retain(|u| !woken.contains(u));
            let mut want: Vec<Want> = woken.iter().map(|&u| cqe(u, 0)).collect();
            want.push(cqe(ud, n as i32));
            got.sort_by_key(|c| c.user_data);
            check_eq!(woken.len(), n, "waiters woken by a FUTEX_WAKE of {n}");
            oracle::check_cqes(&got, &want)?;
        }
        r.run_expect(&[Sqe::futex_wake(&word, 1).user_data(12)], &[cqe(12, 0)])?;
        Ok(())
    },
}
