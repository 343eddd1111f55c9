//! The one CQE matcher: wait for exactly the expected completions, compare
//! every field, and check that nothing else arrived once the ring is
//! quiet. Failures print the expected and the received CQEs side by side.
//!
//! "Nothing else arrived" is not one instant's look: after the wanted CQEs
//! the matcher submits a barrier, a NOP with IOSQE_IO_DRAIN, which the
//! kernel starts only once every earlier request has completed
//! (io_uring_enter(2), IOSQE_IO_DRAIN), and collects every CQE up to the
//! barrier's own. A late duplicate, a stray -ECANCELED from io-wq, a timer
//! or deferred task work posts before the barrier and is caught. Where a
//! drained barrier cannot work, the check is a bounded grace wait instead:
//! a case whose subject the barrier's own CQE would disturb (exact CQ
//! slots, eventfd counts) says so ([`Ring::quiet_by_grace`]); a ring that used IOSQE_CQE_SKIP_SUCCESS refuses
//! drains (the kernel's drain_disabled); a barrier refused at prep
//! (restrictions, IOPOLL on old kernels) falls back by itself; and while
//! the ring's own count says a request may still be in flight (SQEs
//! consumed minus final CQEs, [`Ring::maybe_in_flight`]) a barrier would
//! wait for it, so the grace wait is used too.
//!
//! Every comparison goes through [`crate::mutation`], so `run --mutate`
//! can prove that each one can fail.

use crate::case::{CaseError, CaseResult};
use crate::mutation::{self, FieldChange, ListChange, Turn};
use crate::ring::{Cqe, Ring};
use crate::sqe::Sqe;
use crate::sys::res_name;
/// The timing scale's home is [`crate::timing`]; these paths stay.
pub use crate::timing::{parse_scale, prompt, scale, scaled, LATE, PROMPT, SCALE_ENV};
use std::borrow::Cow;
use std::time::{Duration, Instant};

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
/// CQE (see [`Ring::settle`]).
pub const DROPPED_GRACE: Duration = Duration::from_millis(500);

/// The user_data of the quiet check's barrier NOP. Cases never use it.
pub const BARRIER_UD: u64 = 0x7175_6965_745f_6261;

/// The user_data of the plain NOP that follows the barrier: it takes the
/// ring out of drain mode, so the case's next request takes the path it
/// would have taken without the check (see [`Ring::settle`]).
pub const RESET_UD: u64 = BARRIER_UD + 1;

/// How a ring checks that nothing else arrived.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet {
    /// The case asked for the grace wait ([`Ring::quiet_by_grace`]).
    pub grace_only: bool,
    /// No drained barrier on this ring any more: the kernel refuses drains
    /// here (CQE_SKIP_SUCCESS used, refused at prep, not taken), or the
    /// ring ran a request that posts several CQEs or its CQ overflowed,
    /// where older kernels' drain accounting is wrong and a barrier could
    /// wait for ever ([`crate::sqe::posts_several_cqes`]).
    pub no_drain: bool,
    /// Final CQEs taken (see [`Ring::maybe_in_flight`]).
    pub finals: u32,
}

/// An expected CQE: user_data, res and flags exactly; the big-CQE words
/// only when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
    pub big: Option<[u64; 2]>,
}

/// Expect a CQE for `user_data` with result `res` and flags 0.
pub fn cqe(user_data: u64, res: i32) -> Want {
    Want { user_data, res, flags: 0, big: None }
}

impl Want {
    pub fn flags(mut self, f: u32) -> Want {
        self.flags = f;
        self
    }
    pub fn big(mut self, b: [u64; 2]) -> Want {
        self.big = Some(b);
        self
    }
    fn matches(&self, c: &Cqe) -> bool {
        c.user_data == self.user_data && c.res == self.res && c.flags == self.flags && (self.big.is_none() || c.big == self.big)
    }
}

impl std::fmt::Display for Want {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{user_data: {}, res: {}, flags: {:#x}", self.user_data, res_name(self.res), self.flags)?;
        if let Some(b) = self.big {
            write!(f, ", big: [{:#x}, {:#x}]", b[0], b[1])?;
        }
        write!(f, "}}")
    }
}

fn table(want: &[Want], got: &[Cqe]) -> String {
    let mut s = String::from("\n  expected:");
    if want.is_empty() {
        s += " none";
    }
    for w in want {
        s += &format!("\n    {w}");
    }
    s += "\n  got:";
    if got.is_empty() {
        s += " none";
    }
    for g in got {
        s += &format!("\n    {g}");
    }
    s
}

/// The expectation a comparison uses: `want` itself, or in a mutation run
/// the perturbed list for the comparison this turn names.
fn perturbed<'a>(turn: &Turn, want: &'a [Want]) -> Cow<'a, [Want]> {
    if !turn.perturb {
        return Cow::Borrowed(want);
    }
    let mut w = want.to_vec();
    match mutation::list_change(turn.index, w.len()) {
        ListChange::Field(i, FieldChange::Res) => {
            turn.applied(format!("res of expected CQE {i} changed from {} to {}", res_name(w[i].res), res_name(w[i].res.wrapping_add(1))));
            w[i].res = w[i].res.wrapping_add(1);
        }
        ListChange::Field(i, FieldChange::Flags) => {
            turn.applied(format!("flags of expected CQE {i} changed from {:#x} to {:#x}", w[i].flags, w[i].flags ^ crate::sys::IORING_CQE_F_MORE));
            w[i].flags ^= crate::sys::IORING_CQE_F_MORE;
        }
        ListChange::Field(i, FieldChange::UserData) => {
            turn.applied(format!("user_data of expected CQE {i} changed from {} to {}", w[i].user_data, w[i].user_data ^ 0x8000));
            w[i].user_data ^= 0x8000;
        }
        ListChange::Fewer => {
            let last = w.pop().expect("a non-empty list");
            turn.applied(format!("expected CQE {last} removed (it must then show up as an extra)"));
        }
        ListChange::More => {
            let extra = cqe(0x6d75_7461_6e74, 0);
            turn.applied(format!("one more CQE {extra} expected"));
            w.push(extra);
        }
    }
    Cow::Owned(w)
}

/// The ordered comparison: exactly `want`, in this order.
fn ordered(want: &[Want], got: &[Cqe]) -> CaseResult {
    if got.len() != want.len() || !want.iter().zip(got).all(|(w, g)| w.matches(g)) {
        return Err(CaseError::Fail(format!("CQEs differ (ordered):{}", table(want, got))));
    }
    Ok(())
}

/// Whether `got` is `want` in some order. Each CQE takes an expectation
/// that names its big-CQE words before one that leaves them open: an open
/// one matches every CQE an exact one matches, so taking the exact one
/// first never loses a pairing that exists (taking the open one first
/// could: want {1, big x} and {1, any}, got {1, big x}, {1, big y}).
fn matches_unordered(want: &[Want], got: &[Cqe]) -> bool {
    if got.len() != want.len() {
        return false;
    }
    let mut left: Vec<&Want> = want.iter().collect();
    for g in got {
        let exact = left.iter().position(|w| w.big.is_some() && w.matches(g));
        match exact.or_else(|| left.iter().position(|w| w.matches(g))) {
            Some(i) => {
                left.swap_remove(i);
            }
            None => return false,
        }
    }
    true
}

impl Ring {
    /// Makes "nothing else arrived" a bounded grace wait on this ring
    /// instead of a drained barrier, for a case whose subject the barrier's
    /// own CQE would disturb: CQEs placed at exact CQ slots, eventfd signal
    /// counts, a CQ sized to overflow. Requests kept in flight on purpose
    /// need nothing: the ring's own count ([`Ring::maybe_in_flight`])
    /// chooses the grace wait while they are.
    pub fn quiet_by_grace(&mut self, on: bool) {
        self.quiet.grace_only = on;
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

    /// [`Ring::settle`]; `dropped` in a mutation run that dropped an
    /// expected CQE: the grace wait is then [`DROPPED_GRACE`], so that the
    /// dropped CQE shows up as an extra whatever the machine's load (the
    /// proof is about the check, not about how fast the kernel is).
    fn settle_for(&mut self, dropped: bool) -> Result<Vec<Cqe>, CaseError> {
        let mut extra = Vec::new();
        if self.cq_overflow() > 0 || self.sq_flags() & crate::sys::IORING_SQ_CQ_OVERFLOW != 0 {
            self.quiet.no_drain = true;
        }
        let barrier_usable = !self.quiet.grace_only && !self.quiet.no_drain;
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
                self.quiet.no_drain = true;
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
    fn harness_nop(&mut self, sqe: Sqe, extra: &mut Vec<Cqe>) -> Result<Option<i32>, CaseError> {
        let ud = sqe.raw.user_data;
        self.push(&sqe);
        if !matches!(self.submit(), Ok(1)) {
            self.unpush();
            self.quiet.no_drain = true;
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
    pub fn submit_all(&mut self, sqes: &[Sqe]) -> CaseResult {
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
    pub fn run_expect(&mut self, sqes: &[Sqe], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect(want)
    }

    /// Submit, then expect these CQEs in any order.
    #[track_caller]
    pub fn run_expect_unordered(&mut self, sqes: &[Sqe], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect_unordered(want)
    }
}

/// Checks CQEs already collected by a ring check (a part of what an
/// `expect` returned): exactly `want`, in order.
#[track_caller]
pub fn check_cqes(got: &[Cqe], want: &[Want]) -> CaseResult {
    let turn = mutation::next();
    let want = perturbed(&turn, want);
    ordered(&want, got)
}

/// Checks that CQEs for `order` appear in that relative order in `got`.
#[track_caller]
pub fn check_order(got: &[Cqe], order: &[u64]) -> CaseResult {
    let turn = mutation::next();
    let mut order = order.to_vec();
    if turn.perturb {
        let reversed: Vec<u64> = order.iter().rev().copied().collect();
        // A palindrome ([1, 2, 1]) reversed is the same order: it gets the
        // CQE that never comes instead.
        if order.len() >= 2 && reversed != order {
            order = reversed;
            turn.applied(format!("expected order reversed to {order:?}"));
        } else {
            order.push(0x6d75_7461_6e74);
            turn.applied("a CQE that never comes added to the order");
        }
    }
    let pos: Vec<Option<usize>> = order.iter().map(|u| got.iter().position(|c| c.user_data == *u)).collect();
    let mut last = None;
    for (u, p) in order.iter().zip(&pos) {
        let Some(p) = p else {
            return Err(CaseError::Fail(format!("no CQE for user_data {u}")));
        };
        if let Some(l) = last {
            if *p < l {
                let seq: Vec<u64> = got.iter().map(|c| c.user_data).collect();
                return Err(CaseError::Fail(format!("completion order: expected {order:?} in this relative order, got {seq:?}")));
            }
        }
        last = Some(*p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The comparison helpers on their own (every perturbation the
    //! mutation mode makes must be noticed, an unperturbed match must
    //! pass) and the quiet check on a real ring.
    use super::*;
    use crate::mutation::{list_change, ListChange};
    use crate::ring::RingBuilder;
    use std::panic::Location;

    fn got(list: &[(u64, i32, u32)]) -> Vec<Cqe> {
        list.iter().map(|&(user_data, res, flags)| Cqe { user_data, res, flags, big: None }).collect()
    }

    fn turn(index: usize) -> Turn {
        Turn { index, perturb: true, at: Location::caller() }
    }

    const WANT: [Want; 3] = [
        Want { user_data: 1, res: 0, flags: 0, big: None },
        Want { user_data: 2, res: -libc::ECANCELED, flags: 0, big: None },
        Want { user_data: 3, res: 4096, flags: crate::sys::IORING_CQE_F_MORE, big: None },
    ];
    const GOT: [(u64, i32, u32); 3] = [(1, 0, 0), (2, -libc::ECANCELED, 0), (3, 4096, crate::sys::IORING_CQE_F_MORE)];

    #[test]
    fn ordered_passes_exactly_and_fails_on_any_difference() {
        assert_eq!(ordered(&WANT, &got(&GOT)), Ok(()));
        assert_eq!(ordered(&[], &[]), Ok(()));
        let swapped = got(&[GOT[1], GOT[0], GOT[2]]);
        assert!(matches!(ordered(&WANT, &swapped), Err(CaseError::Fail(m)) if m.contains("CQEs differ (ordered)")));
        assert!(ordered(&WANT, &got(&GOT[..2])).is_err(), "one missing");
        assert!(ordered(&WANT[..2], &got(&GOT)).is_err(), "one extra");
        assert!(ordered(&[], &got(&GOT[..1])).is_err(), "an extra where none was expected");
        for field in 0..3 {
            let mut g = got(&GOT);
            match field {
                0 => g[1].res += 1,
                1 => g[1].flags |= 1 << 7,
                _ => g[1].user_data += 100,
            }
            assert!(ordered(&WANT, &g).is_err(), "field {field} changed");
        }
    }

    #[test]
    fn big_words_are_compared_only_when_given() {
        let mut g = got(&GOT[..1]);
        g[0].big = Some([7, 8]);
        assert_eq!(ordered(&[cqe(1, 0)], &g), Ok(()));
        assert_eq!(ordered(&[cqe(1, 0).big([7, 8])], &g), Ok(()));
        assert!(ordered(&[cqe(1, 0).big([7, 9])], &g).is_err());
    }

    #[test]
    fn unordered_takes_any_order_but_nothing_else() {
        assert!(matches_unordered(&WANT, &got(&[GOT[2], GOT[0], GOT[1]])));
        assert!(!matches_unordered(&WANT, &got(&[GOT[2], GOT[0]])));
        assert!(!matches_unordered(&WANT, &got(&[GOT[2], GOT[0], GOT[0]])), "a duplicate in place of another");
        assert!(!matches_unordered(&WANT[..2], &got(&GOT)));
        // Duplicates count: two equal expectations need two equal CQEs.
        assert!(matches_unordered(&[cqe(5, 0), cqe(5, 0)], &got(&[(5, 0, 0), (5, 0, 0)])));
        assert!(!matches_unordered(&[cqe(5, 0), cqe(5, 1)], &got(&[(5, 0, 0), (5, 0, 0)])));
    }

    /// An expectation that leaves the big words open must not take the
    /// CQE an exact one needs.
    #[test]
    fn unordered_pairs_exact_big_words_first() {
        let mut g = got(&[(1, 0, 0), (1, 0, 0)]);
        g[0].big = Some([1, 1]);
        g[1].big = Some([2, 2]);
        assert!(matches_unordered(&[cqe(1, 0), cqe(1, 0).big([1, 1])], &g));
        assert!(matches_unordered(&[cqe(1, 0).big([2, 2]), cqe(1, 0)], &g));
        assert!(!matches_unordered(&[cqe(1, 0).big([3, 3]), cqe(1, 0)], &g));
    }

    /// Every kind of perturbation, on lists of every length, makes both
    /// the ordered and the unordered comparison fail against the CQEs
    /// that matched before.
    #[test]
    fn every_perturbation_is_noticed() {
        let mut kinds = std::collections::BTreeSet::new();
        for len in 0..=3 {
            let (want, g) = (&WANT[..len], got(&GOT[..len]));
            for index in 0..15 {
                let t = turn(index);
                kinds.insert(format!("{:?}", list_change(index, len)).split('(').next().map(str::to_string));
                let unperturbed = perturbed(&Turn { perturb: false, ..t }, want);
                assert_eq!(ordered(&unperturbed, &g), Ok(()), "len {len}, index {index}: unperturbed");
                let p = perturbed(&t, want);
                assert_ne!(p.as_ref(), want, "len {len}, index {index}: nothing changed");
                assert!(ordered(&p, &g).is_err(), "len {len}, index {index}: {:?} not noticed (ordered)", list_change(index, len));
                assert!(!matches_unordered(&p, &g), "len {len}, index {index}: {:?} not noticed (unordered)", list_change(index, len));
            }
        }
        assert_eq!(kinds.len(), 3, "field changes, fewer and more were all made: {kinds:?}");
        for field in [FieldChange::Res, FieldChange::Flags, FieldChange::UserData] {
            assert!((0..15).any(|i| list_change(i, 3) == ListChange::Field(i / 5 % 3, field)), "{field:?} never chosen");
        }
    }

    #[test]
    fn check_cqes_and_check_order() {
        assert_eq!(check_cqes(&got(&GOT), &WANT), Ok(()));
        assert!(check_cqes(&got(&GOT[..2]), &WANT).is_err());
        let g = got(&[(1, 0, 0), (9, 0, 0), (2, 0, 0), (3, 0, 0)]);
        assert_eq!(check_order(&g, &[1, 2, 3]), Ok(()));
        assert_eq!(check_order(&g, &[1, 3]), Ok(()));
        assert!(check_order(&g, &[2, 1]).is_err());
        assert!(check_order(&g, &[1, 4]).is_err(), "a CQE that never came");
    }

    fn nop(ud: u64) -> Sqe {
        Sqe::nop().user_data(ud)
    }

    fn ring() -> Ring {
        RingBuilder::new(8).build().expect("a ring on the host kernel")
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
