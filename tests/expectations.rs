//! The recorded deviations and errata stay tied to real trials: every
//! entry's trial glob names at least one trial the suite has, so a renamed
//! case cannot leave an entry behind that silently excuses nothing (or,
//! after a later rename back, something else).

use harness::case::all_cases;
use harness::expectations::Expectations;

fn trial_ids() -> Vec<String> {
    cases::link();
    all_cases().iter().flat_map(|c| c.variants.iter().map(move |v| c.trial_id(*v))).collect()
}

#[test]
fn every_known_failure_names_a_trial() {
    let ids = trial_ids();
    let e = Expectations::builtin();
    assert!(!e.expect.is_empty());
    for x in &e.expect {
        assert!(ids.iter().any(|id| harness::glob::matches(&x.trial, id)), "known-failures.toml: {} matches no trial", x.trial);
    }
}

#[test]
fn every_erratum_names_a_trial() {
    let ids = trial_ids();
    let e = Expectations::builtin();
    assert!(!e.erratum.is_empty());
    for x in &e.erratum {
        assert!(ids.iter().any(|id| harness::glob::matches(&x.trials, id)), "doc-errata.toml: {} matches no trial", x.trials);
    }
}
