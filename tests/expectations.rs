//! The recorded deviations and errata stay tied to real trials: every
//! entry's trial glob names at least one trial the suite has, so a renamed
//! case cannot leave an entry behind that silently excuses nothing (or,
//! after a later rename back, something else).

use oracle::case::all_cases;
use oracle::expectations::Expectations;

fn trial_ids() -> Vec<String> {
    cases::link();
    all_cases().iter().flat_map(|c| c.variants.iter().map(move |v| c.trial_id(*v))).collect()
}

#[test]
fn every_known_failure_and_erratum_names_a_trial() {
    let ids = trial_ids();
    let e = Expectations::builtin();
    assert!(!e.expect.is_empty() && !e.erratum.is_empty());
    let globs = e.expect.iter().map(|x| ("known-failures.toml", &x.trial)).chain(e.erratum.iter().map(|x| ("doc-errata.toml", &x.trials)));
    for (file, glob) in globs {
        assert!(ids.iter().any(|id| oracle::glob::matches(glob, id)), "{file}: {glob} matches no trial");
    }
}

/// An intermittent entry turns any failure with its pinned message into
/// xfail and leaves passes alone, so over a wildcard kernel range it would
/// swallow a new deviation that happens to give the same message (a
/// deliberate -EALREADY -> -ENOENT bug did, in four variants). Every one
/// names the kernels where the race was seen.
#[test]
fn no_intermittent_entry_has_a_wildcard_kernel_range() {
    let e = oracle::expectations::Expectations::builtin();
    let wild: Vec<_> = e.expect.iter().filter(|x| x.intermittent && x.kernels.trim() == "*").map(|x| x.trial.clone()).collect();
    assert!(wild.is_empty(), "intermittent entries over every kernel: {wild:?}");
}
