//! The runner's side of the mutation mode ([`oracle::mutation`]): a trial
//! run once as it is and once per comparison with that one perturbed.

use super::{Isolation, Ran, Trial};
use oracle::expectations::Expectations;
use oracle::outcome::{Mutation, Outcome, TrialResult};

/// Runs one trial under the mutation mode: once as it is (counting its
/// comparisons), then once per comparison with that one perturbed. The
/// result keeps the unmutated run's outcome (pass or xfail) and carries
/// the mode's own verdict in [`TrialResult::mutation`]: how many
/// perturbations were made, noticed, unnoticed (a check that cannot fail)
/// or unjudged. A trial that does not pass or xfail as it is keeps that
/// outcome with no `mutation`, since it proves nothing either way. None:
/// the run was interrupted while the trial ran.
pub fn run_mutated(t: &Trial, iso: &Isolation, exps: &Expectations, release: &str) -> Option<TrialResult> {
    run_mutated_judging(t, iso, exps, release).map(|(r, _)| r)
}

/// [`run_mutated`], and whether some perturbation could not be judged
/// (its run disturbed on every start): the runner then runs the trial
/// again alone, as it does a disturbed trial outside the mutation mode.
pub fn run_mutated_judging(t: &Trial, iso: &Isolation, exps: &Expectations, release: &str) -> Option<(TrialResult, bool)> {
    let Ran::Done(base, rep) = iso.run_reporting(t) else { return None };
    let mut base = *base;
    if base.outcome == Outcome::Skip {
        return Some((base, false));
    }
    exps.apply(&mut base, release);
    if !matches!(base.outcome, Outcome::Pass | Outcome::Xfail) {
        base.message = format!("not mutated: the unmutated run gave {}: {}", base.outcome.word(), base.message);
        return Some((base, rep.disturbed));
    }
    let n = rep.comparisons;
    let mut m = Mutation { perturbations: n, ..Mutation::default() };
    let start = std::time::Instant::now();
    for k in 0..n {
        let mut iso = iso.clone();
        iso.mutate = Some(k);
        let Ran::Done(r, rep) = iso.run_reporting(t) else { return None };
        let mut r = *r;
        exps.apply(&mut r, release);
        let what = rep.mutated.clone().unwrap_or_else(|| format!("comparison #{k} (not reached in this run)"));
        if rep.disturbed {
            m.unjudged.push(what);
            continue;
        }
        let own_check = r.outcome == Outcome::Xfail && rep.already_failing;
        if (r.outcome == Outcome::Fail && rep.mutated.is_some()) || own_check {
            m.noticed += 1;
            m.example.get_or_insert_with(|| format!("{what}: {}", r.message.lines().next().unwrap_or("")));
        } else {
            m.unnoticed.push(format!("{what} -> {}", r.outcome.word()));
        }
    }
    base.duration_ms = (start.elapsed().as_secs_f64() * 1000.0).round();
    let unjudged = !m.unjudged.is_empty() && m.unnoticed.is_empty();
    base.mutation = Some(Box::new(m));
    Some((base, unjudged))
}
