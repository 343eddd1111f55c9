//! The checked ring: a ring ([`uring::Ring`]) plus the check that
//! nothing else arrived, and the expectations cases state on it.
//!
//! "Nothing else arrived" is not one instant's look: after the wanted CQEs
//! the matcher submits a barrier, a NOP with IOSQE_IO_DRAIN, which the
//! kernel starts only once every earlier request has completed
//! (io_uring_enter(2), IOSQE_IO_DRAIN), and collects every CQE up to the
//! barrier's own. A late duplicate, a stray -ECANCELED from io-wq, a timer
//! or deferred task work posts before the barrier and is caught. Where a
//! drained barrier cannot work, the check is a bounded grace wait instead:
//! a case whose subject the barrier's own CQE would disturb (exact CQ
//! slots, eventfd counts) says so ([`CheckedRing::quiet_by_grace`]); a ring that used IOSQE_CQE_SKIP_SUCCESS refuses
//! drains (the kernel's drain_disabled); a barrier refused at prep
//! (restrictions, IOPOLL on old kernels) falls back by itself; and while
//! the ring's own count says a request may still be in flight (SQEs
//! consumed minus final CQEs, [`Ring::maybe_in_flight`]) a barrier would
//! wait for it, so the grace wait is used too.
//!
//! The raw ring keeps the facts the check needs (final CQEs taken,
//! whether a drained barrier can still be used there); the policy (barrier
//! or grace wait, how long, what a stray CQE means) is here.

use crate::case::{CaseError, CaseResult};
use crate::expect::{matches_unordered, ordered, perturbed, table, Want, PROMPT};
use crate::mutation;
use crate::timing::scaled;
use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};
use uring::{Cqe, Ring, Sqe};

/// The quiet check's grace wait where no barrier can be used: long enough
/// for io-wq, a timer tick or task work to post (all well under 1 ms on an
/// idle machine), short enough to be paid on every such check. Not scaled
/// by `--timeout-scale`: the grace wait is used exactly while requests are
/// armed on purpose, and a longer one would start to catch their own later,
/// legitimate CQEs (a 100 ms multishot timer's next expiry); on a slow
/// machine it only gets weaker, never wrong, and the barrier (used whenever
/// nothing is in flight) stays exact.
pub const GRACE: Duration = Duration::from_millis(10);

/// The grace wait of a mutation run's comparison that dropped an expected
/// CQE (see [`CheckedRing::settle`]).
pub const DROPPED_GRACE: Duration = Duration::from_millis(500);

/// The user_data of the quiet check's barrier NOP. Cases never use it.
pub const BARRIER_UD: u64 = 0x7175_6965_745f_6261;

/// The user_data of the plain NOP that follows the barrier: it takes the
/// ring out of drain mode, so the case's next request takes the path it
/// would have taken without the check (see [`CheckedRing::settle`]).
pub const RESET_UD: u64 = BARRIER_UD + 1;

/// A ring whose expectations check every CQE and that nothing else
/// arrived. It is the ring cases use (their [`crate::Ctx`] builds it); it
/// derefs to the raw [`uring::Ring`] for everything else.
pub struct CheckedRing<'buf> {
    ring: Ring<'buf>,
    /// The case asked for the grace wait ([`CheckedRing::quiet_by_grace`]).
    grace_only: bool,
}

impl<'buf> From<Ring<'buf>> for CheckedRing<'buf> {
    fn from(ring: Ring<'buf>) -> CheckedRing<'buf> {
        CheckedRing { ring, grace_only: false }
    }
}

impl<'buf> Deref for CheckedRing<'buf> {
    type Target = Ring<'buf>;
    fn deref(&self) -> &Ring<'buf> {
        &self.ring
    }
}

impl DerefMut for CheckedRing<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.ring
    }
}

impl<'buf> CheckedRing<'buf> {
    /// A checked ring with `entries` SQEs and default params.
    pub fn new(entries: u32) -> Result<CheckedRing<'buf>, uring::SetupError> {
        Ring::new(entries).map(CheckedRing::from)
    }
    /// A checked ring over a ring fd set up elsewhere ([`Ring::adopt`]).
    pub fn adopt(fd: std::os::fd::OwnedFd, p: crate::sys::io_uring_params) -> Result<CheckedRing<'buf>, uring::SetupError> {
        Ring::adopt(fd, p).map(CheckedRing::from)
    }
    /// The raw ring, given up (the checks end here).
    pub fn into_inner(self) -> Ring<'buf> {
        self.ring
    }
}

impl<'buf> CheckedRing<'buf> {
    /// Makes "nothing else arrived" a bounded grace wait on this ring
    /// instead of a drained barrier, for a case whose subject the barrier's
    /// own CQE would disturb: CQEs placed at exact CQ slots, eventfd signal
    /// counts, a CQ sized to overflow. Requests kept in flight on purpose
    /// need nothing: the ring's own count ([`uring::Ring::maybe_in_flight`])
    /// chooses the grace wait while they are.
    pub fn quiet_by_grace(&mut self, on: bool) {
        self.grace_only = on;
    }

    /// Waits for `n` CQEs (bounded by [`PROMPT`]) and then, if they all
    /// came, collects everything else that arrives before the ring is quiet.
    fn collect(&mut self, n: usize, dropped: bool) -> Result<Vec<Cqe>, CaseError> {
        let mut got = self.wait_for(n as u32, scaled(PROMPT)).map_err(|e| CaseError::Fail(format!("waiting for CQEs: io_uring_enter gave {e}")))?;
        if got.len() >= n {
            got.extend(self.settle_for(dropped)?);
        }
        Ok(got)
    }

    /// The expectation this comparison uses (perturbed in a mutation run)
    /// and the CQEs collected for it. One CQE more is compared, never
    /// waited for.
    #[track_caller]
    fn collect_for<'a>(&mut self, want: &'a [Want]) -> Result<(Cow<'a, [Want]>, Vec<Cqe>), CaseError> {
        let turn = mutation::next();
        let n = want.len();
        let want = perturbed(&turn, want);
        let got = self.collect(n.min(want.len()), want.len() < n)?;
        Ok((want, got))
    }

    /// Every CQE that arrives before the ring is quiet (see the module
    /// documentation): none, on a kernel that posted only what was expected.
    pub fn settle(&mut self) -> Result<Vec<Cqe>, CaseError> {
        self.settle_for(false)
    }

    /// [`CheckedRing::settle`]; `dropped` in a mutation run that dropped an
    /// expected CQE: the grace wait is then [`DROPPED_GRACE`], so that the
    /// dropped CQE shows up as an extra whatever the machine's load (the
    /// proof is about the check, not about how fast the kernel is).
    fn settle_for(&mut self, dropped: bool) -> Result<Vec<Cqe>, CaseError> {
        let t0 = crate::phases::now_ns();
        let r = self.settle_inner(dropped);
        crate::phases::add_quiet(t0);
        r
    }

    fn settle_inner(&mut self, dropped: bool) -> Result<Vec<Cqe>, CaseError> {
        let mut extra = Vec::new();
        if self.cq_overflow() > 0 || self.sq_flags() & crate::sys::IORING_SQ_CQ_OVERFLOW != 0 {
            self.ring.mark_drain_unusable();
        }
        let barrier_usable = !self.grace_only && self.ring.drain_usable();
        if barrier_usable && self.maybe_in_flight() <= 0 && self.sq_pending() == 0 && self.sq_space() > 0 {
            if let Some(done) = self.barrier(&mut extra)? {
                if done {
                    return Ok(extra);
                }
            }
        }
        self.grace_wait(&mut extra, if dropped { DROPPED_GRACE } else { GRACE })?;
        Ok(extra)
    }

    /// Submits the drained NOP and collects CQEs until its own. Returns
    /// Some(true) when the barrier completed, Some(false) when the kernel
    /// refused it (its CQE carried an error), None when it could not be
    /// submitted.
    fn barrier(&mut self, extra: &mut Vec<Cqe>) -> Result<Option<bool>, CaseError> {
        match self.harness_nop(Sqe::nop().drain().user_data(BARRIER_UD), extra)? {
            None => Ok(None),
            Some(0) => {
                self.leave_drain_mode(extra)?;
                Ok(Some(true))
            }
            Some(_) => {
                self.ring.mark_drain_unusable();
                Ok(Some(false))
            }
        }
    }

    /// After a drained request the kernel keeps the ring in drain mode
    /// (ctx->drain_active) until a later request finds nothing deferred:
    /// that request is then issued from task work, not inline. So that the
    /// barrier does not change how the case's next request runs (an inline
    /// completion, a buffer commit), a plain NOP takes that slow path now;
    /// its CQE is the harness's, like the barrier's.
    fn leave_drain_mode(&mut self, extra: &mut Vec<Cqe>) -> CaseResult {
        self.harness_nop(Sqe::nop().user_data(RESET_UD), extra)?;
        extra.extend(self.drain_ready().map_err(|e| CaseError::Fail(format!("flushing CQEs: io_uring_enter gave {e}")))?);
        Ok(())
    }

    /// Submits one of the quiet check's own NOPs and waits (bounded by
    /// [`PROMPT`]) for its CQE, putting every other CQE into `extra`.
    /// Returns its res, or None when the ring did not take it (a disabled
    /// ring, a full SQ under SQPOLL: the push is undone, so the case's own
    /// SQEs stay as they were, and the ring uses grace waits from then on).
    fn harness_nop(&mut self, sqe: Sqe<'buf>, extra: &mut Vec<Cqe>) -> Result<Option<i32>, CaseError> {
        let ud = sqe.raw().user_data;
        self.push(&sqe);
        if !matches!(self.submit(), Ok(1)) {
            self.unpush();
            self.ring.mark_drain_unusable();
            return Ok(None);
        }
        self.wait_consumed(1)?;
        let deadline = Instant::now() + scaled(PROMPT);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let got = self.wait_for(1, left).map_err(|e| CaseError::Fail(format!("waiting for the quiet check's NOP: io_uring_enter gave {e}")))?;
            let mut own = None;
            for c in got {
                if c.user_data == ud && own.is_none() {
                    own = Some(c.res);
                } else {
                    extra.push(c);
                }
            }
            if own.is_some() {
                return Ok(own);
            }
            if left.is_zero() {
                let seen = if extra.is_empty() { String::new() } else { table(&[], extra) };
                let what = if ud == BARRIER_UD { "a drained NOP submitted after the expected CQEs" } else { "the NOP after the quiet barrier" };
                return Err(CaseError::Fail(format!(
                    "the ring did not become quiet: {what} did not complete within {:?}, so a request is still in flight (one the ring's own count missed: a completion that answers no SQE){seen}",
                    scaled(PROMPT)
                )));
            }
        }
    }

    /// Collects CQEs until none arrives for [`GRACE`], for at most ten
    /// graces in all (a stream of extras is reported, not waited out).
    fn grace_wait(&mut self, extra: &mut Vec<Cqe>, grace: Duration) -> CaseResult {
        for _ in 0..10 {
            let got = self.wait_for(1, grace).map_err(|e| CaseError::Fail(format!("waiting: io_uring_enter gave {e}")))?;
            if got.is_empty() {
                return Ok(());
            }
            extra.extend(got);
        }
        Ok(())
    }

    /// Expects exactly these CQEs, in this order, and nothing more once
    /// the ring is quiet.
    #[track_caller]
    pub fn expect(&mut self, want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        let (want, got) = self.collect_for(want)?;
        ordered(&want, &got)?;
        Ok(got)
    }

    /// Expects exactly these CQEs in any order, and nothing more once the
    /// ring is quiet.
    #[track_caller]
    pub fn expect_unordered(&mut self, want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        let (want, got) = self.collect_for(want)?;
        if !matches_unordered(&want, &got) {
            // Order is undefined here: both lists are shown by user_data,
            // so one failure always reads the same.
            let mut w = want.to_vec();
            w.sort_by_key(|w| (w.user_data, w.res, w.flags));
            let mut g = got.clone();
            g.sort_by_key(|c| (c.user_data, c.res, c.flags));
            return Err(CaseError::Fail(format!("CQEs differ (any order):{}", table(&w, &g))));
        }
        Ok(got)
    }

    /// Expects that no CQE arrives before the ring is quiet.
    #[track_caller]
    pub fn expect_none(&mut self) -> CaseResult {
        self.expect(&[]).map(|_| ())
    }

    /// Expects no CQE within `d` (scaled): "this must not complete while
    /// it is held", with the holding request armed on purpose.
    #[track_caller]
    pub fn expect_none_within(&mut self, d: Duration) -> CaseResult {
        let turn = mutation::next();
        let want = perturbed(&turn, &[]);
        let d = scaled(d);
        let got = self.wait_for(1, d).map_err(|e| CaseError::Fail(format!("waiting: {e}")))?;
        if !matches_unordered(&want, &got) {
            return Err(CaseError::Fail(format!("CQEs within {d:?} while a request holds them back:{}", table(&want, &got))));
        }
        Ok(())
    }

    /// Checks CQEs the case reaped itself (without the ring's waits, e.g.
    /// with no syscall under SQPOLL): exactly `want`, in order, and then
    /// nothing more once the ring is quiet.
    #[track_caller]
    pub fn check_reaped(&mut self, got: &[Cqe], want: &[Want]) -> CaseResult {
        let turn = mutation::next();
        let want = perturbed(&turn, want);
        let mut got = got.to_vec();
        got.extend(self.settle()?);
        ordered(&want, &got)?;
        Ok(())
    }

    /// Pushes and submits `sqes`, checking that io_uring_enter consumed
    /// all of them.
    pub fn submit_all(&mut self, sqes: &[Sqe<'buf>]) -> CaseResult {
        self.push_all(sqes)?;
        let n = self.submit().map_err(|e| CaseError::Fail(format!("io_uring_enter submitting {} SQEs: {e}", sqes.len())))?;
        if n as usize != sqes.len() {
            return Err(CaseError::Fail(format!("io_uring_enter consumed {n} of {} SQEs", sqes.len())));
        }
        self.wait_consumed(sqes.len())
    }

    /// Under SQPOLL the poller consumes the SQEs on its own schedule; it
    /// issues a batch before it moves the SQ head past it, so a caught-up
    /// head means the requests are armed.
    pub fn wait_consumed(&self, n: usize) -> CaseResult {
        if self.flags() & crate::sys::IORING_SETUP_SQPOLL != 0 {
            let end = Instant::now() + scaled(PROMPT);
            while self.sq_pending() != 0 {
                if Instant::now() >= end {
                    return Err(CaseError::Fail(format!("the SQPOLL thread left {} of {n} SQEs unconsumed for {:?}", self.sq_pending(), scaled(PROMPT))));
                }
                std::thread::yield_now();
            }
        }
        Ok(())
    }

    /// The usual case body: submit, then expect these CQEs in this order.
    #[track_caller]
    pub fn run_expect(&mut self, sqes: &[Sqe<'buf>], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect(want)
    }

    /// Submit, then expect these CQEs in any order.
    #[track_caller]
    pub fn run_expect_unordered(&mut self, sqes: &[Sqe<'buf>], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect_unordered(want)
    }
}

#[cfg(test)]
mod tests {
    //! The quiet check on a real ring (the host kernel's).
    use super::*;
    use crate::expect::{cqe, prompt};
    use uring::RingBuilder;

    fn nop(ud: u64) -> Sqe<'static> {
        Sqe::nop().user_data(ud)
    }

    fn ring() -> CheckedRing<'static> {
        RingBuilder::new(8).build().expect("a ring on the host kernel").into()
    }

    /// The drained barrier: an extra CQE is caught, the barrier's own CQEs
    /// never reach the case, and a quiet ring passes.
    #[test]
    fn the_barrier_catches_extras_and_hides_its_own_cqes() {
        let mut r = ring();
        r.run_expect(&[nop(1)], &[cqe(1, 0)]).expect("one NOP");
        r.expect_none().expect("quiet after the barrier");
        r.submit_all(&[nop(2), nop(3)]).unwrap();
        let e = r.expect(&[cqe(2, 0)]).expect_err("the second NOP is an extra");
        assert!(e.message().contains("user_data: 3"), "{e}");
        assert!(!e.message().contains(&BARRIER_UD.to_string()), "the barrier's CQE leaked: {e}");
        r.expect_none().expect("nothing left");
        let got = r.run_expect_unordered(&[nop(5), nop(4)], &[cqe(4, 0), cqe(5, 0)]).unwrap();
        assert_eq!(got.len(), 2);
        assert!(r.maybe_in_flight() <= 0);
    }

    /// The grace wait a case can ask for catches an extra as well.
    #[test]
    fn the_grace_wait_catches_extras() {
        let mut r = ring();
        r.quiet_by_grace(true);
        r.submit_all(&[nop(1), nop(2)]).unwrap();
        assert!(r.expect(&[cqe(1, 0)]).is_err());
        r.run_expect(&[nop(3)], &[cqe(3, 0)]).expect("the grace wait passes a quiet ring");
        r.expect_none_within(Duration::from_millis(5)).expect("nothing within 5 ms");
        r.submit_all(&[nop(4)]).unwrap();
        assert!(r.expect_none_within(Duration::from_millis(200)).is_err(), "a CQE within the window");
    }

    /// A CQE that was expected but did not come fails within the bound.
    #[test]
    fn a_missing_cqe_fails() {
        let mut r = ring();
        r.submit_all(&[nop(1)]).unwrap();
        let e = r.expect(&[cqe(1, 0), cqe(2, 0)]).expect_err("only one came");
        assert!(e.message().contains("got:"), "{e}");
    }

    #[test]
    fn check_reaped_settles_the_ring() {
        let mut r = ring();
        r.submit_all(&[nop(1), nop(2)]).unwrap();
        let first = r.wait_for(2, prompt()).unwrap();
        r.check_reaped(&first[..1], &[cqe(1, 0), cqe(2, 0)]).expect_err("the CQE not passed in is not assumed");
        r.submit_all(&[nop(3)]).unwrap();
        let g = r.wait_for(1, prompt()).unwrap();
        r.check_reaped(&g, &[cqe(3, 0)]).expect("exactly what was reaped");
    }
}
