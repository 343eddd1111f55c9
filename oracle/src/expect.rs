//! The one CQE matcher: wait for exactly the expected completions, compare
//! every field, and check that nothing else arrived once the ring is
//! quiet. Failures print the expected and the received CQEs side by side.
//!
//! "Nothing else arrived" is the checked ring's
//! ([`crate::checked`]): it collects, this module compares.
//!
//! Every comparison goes through [`crate::mutation`], so `run --mutate`
//! can prove that each one can fail.

use crate::case::{CaseError, CaseResult};
use crate::mutation::{self, FieldChange, ListChange, Turn};
use crate::sys::res_name;
/// The timing scale's home is [`crate::timing`]; these paths stay.
pub use crate::timing::{parse_scale, prompt, scale, scaled, LATE, PROMPT, SCALE_ENV};
use std::borrow::Cow;
use uring::Cqe;

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

pub(crate) fn table(want: &[Want], got: &[Cqe]) -> String {
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
pub(crate) fn perturbed<'a>(turn: &Turn, want: &'a [Want]) -> Cow<'a, [Want]> {
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
pub(crate) fn ordered(want: &[Want], got: &[Cqe]) -> CaseResult {
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
pub(crate) fn matches_unordered(want: &[Want], got: &[Cqe]) -> bool {
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
    //! pass); the quiet check on a real ring is tested in crate::checked.
    use super::*;
    use crate::mutation::{list_change, ListChange};
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
}
