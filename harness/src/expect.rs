//! The one CQE matcher: wait for exactly the expected completions, compare
//! every field, and check that nothing else arrived. Failures print the
//! expected and the received CQEs side by side.

use crate::case::{CaseError, CaseResult};
use crate::ring::{Cqe, Ring, Sqe};
use crate::sys::res_name;
use std::time::Duration;

/// How long to wait for completions that should come at once. Generous,
/// since it only bounds a failure; passing cases never wait it out.
pub const PROMPT: Duration = Duration::from_secs(5);

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

impl Ring {
    /// Waits for `want.len()` CQEs (bounded by [`PROMPT`]) and then for any
    /// extra that is ready after flushing deferred work.
    fn collect(&mut self, n: usize) -> Result<Vec<Cqe>, CaseError> {
        let mut got = self.wait_for(n as u32, PROMPT).map_err(|e| CaseError::Fail(format!("waiting for CQEs: io_uring_enter gave {e}")))?;
        got.extend(self.drain_ready().map_err(|e| CaseError::Fail(format!("flushing CQEs: io_uring_enter gave {e}")))?);
        Ok(got)
    }

    /// Expects exactly these CQEs, in this order, and nothing more.
    pub fn expect(&mut self, want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        let got = self.collect(want.len())?;
        check_cqes(&got, want)?;
        Ok(got)
    }

    /// Expects exactly these CQEs in any order, and nothing more.
    pub fn expect_unordered(&mut self, want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        let got = self.collect(want.len())?;
        let mut left: Vec<&Want> = want.iter().collect();
        let mut ok = got.len() == want.len();
        if ok {
            for g in &got {
                match left.iter().position(|w| w.matches(g)) {
                    Some(i) => {
                        left.swap_remove(i);
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
        }
        if !ok {
            return Err(CaseError::Fail(format!("CQEs differ (any order):{}", table(want, &got))));
        }
        Ok(got)
    }

    /// Expects no CQE now (after flushing deferred work).
    pub fn expect_none(&mut self) -> CaseResult {
        let got = self.drain_ready().map_err(|e| CaseError::Fail(format!("flushing CQEs: {e}")))?;
        if !got.is_empty() {
            return Err(CaseError::Fail(format!("unexpected CQEs:{}", table(&[], &got))));
        }
        Ok(())
    }

    /// Expects no CQE within `d` (a bound for "this must not complete").
    pub fn expect_none_within(&mut self, d: Duration) -> CaseResult {
        let got = self.wait_for(1, d).map_err(|e| CaseError::Fail(format!("waiting: {e}")))?;
        if !got.is_empty() {
            return Err(CaseError::Fail(format!("unexpected CQEs within {d:?}:{}", table(&[], &got))));
        }
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
        // Under SQPOLL the poller consumes the SQEs on its own schedule;
        // it issues a batch before it moves the SQ head past it, so a
        // caught-up head means the requests are armed.
        if self.flags() & crate::sys::IORING_SETUP_SQPOLL != 0 {
            let end = std::time::Instant::now() + PROMPT;
            while self.sq_pending() != 0 {
                if std::time::Instant::now() >= end {
                    return Err(CaseError::Fail(format!("the SQPOLL thread left {} of {} SQEs unconsumed for {PROMPT:?}", self.sq_pending(), sqes.len())));
                }
                std::thread::yield_now();
            }
        }
        Ok(())
    }

    /// The usual case body: submit, then expect these CQEs in this order.
    pub fn run_expect(&mut self, sqes: &[Sqe], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect(want)
    }

    /// Submit, then expect these CQEs in any order.
    pub fn run_expect_unordered(&mut self, sqes: &[Sqe], want: &[Want]) -> Result<Vec<Cqe>, CaseError> {
        self.submit_all(sqes)?;
        self.expect_unordered(want)
    }
}

/// Checks CQEs a case collected itself (without the ring's waits, e.g.
/// reaped with no syscall under SQPOLL): exactly `want`, in order.
pub fn check_cqes(got: &[Cqe], want: &[Want]) -> CaseResult {
    if got.len() != want.len() || !want.iter().zip(got).all(|(w, g)| w.matches(g)) {
        return Err(CaseError::Fail(format!("CQEs differ (ordered):{}", table(want, got))));
    }
    Ok(())
}

/// Checks that CQEs for `order` appear in that relative order in `got`.
pub fn check_order(got: &[Cqe], order: &[u64]) -> CaseResult {
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
