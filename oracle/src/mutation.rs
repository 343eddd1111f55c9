//! The self-check behind `run --mutate`: proof that every comparison a
//! trial makes can fail.
//!
//! Every comparison helper (the CQE matchers in [`crate::expect`], the
//! `check!`/`check_eq!`/`check_errno!` macros, the timing bounds) asks
//! [`next`] before it compares. In a normal run that only counts. In a
//! mutation run (`URING_CONFORM_MUTATE=K` in the trial process) the K-th
//! comparison of the trial is perturbed, deterministically: a CQE list gets
//! one field changed (res, a flag bit, user_data) or one CQE more or fewer,
//! a boolean check is inverted. A sound trial must then fail; one that
//! still passes has a check that cannot fail (a dead comparison, an error
//! swallowed, an either-or), and the mode lists it.
//!
//! The trial process reports how many comparisons it made and what it
//! perturbed, so the parent can run each comparison of each trial in turn.

use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Names the comparison a mutation run perturbs (0-based, per trial).
pub const MUTATE_ENV: &str = "URING_CONFORM_MUTATE";

static COUNT: AtomicUsize = AtomicUsize::new(0);
static APPLIED: Mutex<Option<String>> = Mutex::new(None);
static ALREADY_FAILING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn target() -> Option<usize> {
    static T: OnceLock<Option<usize>> = OnceLock::new();
    *T.get_or_init(|| std::env::var(MUTATE_ENV).ok().and_then(|s| s.parse().ok()))
}

/// A comparison about to be made. `perturb` is set on the one comparison a
/// mutation run changes; the helper must then compare against the changed
/// expectation (and report it with [`Turn::applied`]).
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    /// This comparison's index in the trial.
    pub index: usize,
    /// Whether to perturb it.
    pub perturb: bool,
    pub at: &'static Location<'static>,
}

impl Turn {
    /// Records what was perturbed; the trial's result carries it.
    pub fn applied(&self, what: impl std::fmt::Display) {
        let s = format!("comparison #{} at {}:{}: {what}", self.index, self.at.file(), self.at.line());
        *APPLIED.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
    }
}

thread_local! {
    /// Set inside [`counting`]`(false, ..)`.
    static UNCOUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's comparisons counted (`on`) or not: an
/// uncounted comparison is still made, and fails the trial as usual, but
/// is never perturbed. For checks repeated a number of times the kernel
/// decides (a fault-injection sweep, whose length varies by a run or two):
/// a trial's count of comparisons must not vary between its runs, so the
/// mutation mode perturbs one counted representative of each kind.
pub fn counting<T>(on: bool, f: impl FnOnce() -> T) -> T {
    let _c = count(on);
    f()
}

/// [`counting`] for the rest of a scope: until the guard is dropped.
pub fn count(on: bool) -> Counting {
    Counting(UNCOUNTED.with(|u| u.replace(!on)))
}

/// Restores the counting mode it replaced when dropped.
pub struct Counting(bool);

impl Drop for Counting {
    fn drop(&mut self) {
        UNCOUNTED.with(|u| u.set(self.0));
    }
}

/// Counts one comparison and says whether to perturb it.
#[track_caller]
pub fn next() -> Turn {
    if UNCOUNTED.with(|u| u.get()) {
        return Turn { index: usize::MAX, perturb: false, at: Location::caller() };
    }
    let index = COUNT.fetch_add(1, Ordering::Relaxed);
    Turn { index, perturb: target() == Some(index), at: Location::caller() }
}

/// A boolean check through the mutation mode: returns `ok`, or false when
/// this is the perturbed comparison. A check that already fails unmutated
/// (a recorded deviation's own check) stays failing: the kernel itself has
/// shown that it can fail.
#[track_caller]
pub fn verdict(ok: bool) -> bool {
    let t = next();
    if t.perturb {
        t.applied(if ok { "a holding check inverted to fail" } else { ALREADY_FAILS });
        ALREADY_FAILING.store(!ok, Ordering::Relaxed);
        return false;
    }
    ok
}

/// What [`verdict`] records for a check that fails without perturbation.
pub const ALREADY_FAILS: &str = "already fails unmutated (the recorded deviation's own check)";

/// What the mutation mode counted in this process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Comparisons made.
    pub comparisons: usize,
    /// What was perturbed, in words.
    pub mutated: Option<String>,
    /// The perturbed check already failed unmutated ([`ALREADY_FAILS`]).
    pub already_failing: bool,
}

/// How many comparisons this process made, and what was perturbed.
pub fn report() -> Report {
    Report {
        comparisons: COUNT.load(Ordering::Relaxed),
        mutated: APPLIED.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        already_failing: ALREADY_FAILING.load(Ordering::Relaxed),
    }
}

/// The perturbation kinds for a list of expected items, chosen by the
/// comparison index so that a trial's comparisons see different kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListChange {
    /// Change one field of item `i` (which field: [`FieldChange`]).
    Field(usize, FieldChange),
    /// Expect one item fewer (the last): the item must then show up as an
    /// extra, which proves the "nothing else arrived" check.
    Fewer,
    /// Expect one item more.
    More,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldChange {
    Res,
    Flags,
    UserData,
}

/// Picks the change for comparison `index` of a list of `len` items.
pub fn list_change(index: usize, len: usize) -> ListChange {
    if len == 0 {
        return ListChange::More;
    }
    match index % 5 {
        0 => ListChange::Field(index / 5 % len, FieldChange::Res),
        1 => ListChange::Fewer,
        2 => ListChange::Field(index / 5 % len, FieldChange::Flags),
        3 => ListChange::More,
        _ => ListChange::Field(index / 5 % len, FieldChange::UserData),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_kind_is_reached_and_empty_lists_grow() {
        let kinds: Vec<ListChange> = (0..5).map(|i| list_change(i, 2)).collect();
        assert!(kinds.contains(&ListChange::Fewer) && kinds.contains(&ListChange::More));
        assert_eq!(list_change(7, 0), ListChange::More);
        assert_eq!(list_change(5, 3), ListChange::Field(1, FieldChange::Res));
    }
}
