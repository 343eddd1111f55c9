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

/// A pinned failure names the check that fails as the check prints it:
/// `(cases/src/FILE:*: `EXPR`)`, EXPR the expression a `check!`,
/// `check_eq!` or `check_errno!` in that file was given. A case rewritten
/// so that its expression reads differently (`fds` became `fds.get()`
/// when the kernel-written memory moved into an IoCell) leaves an entry
/// that no longer matches: the trial turns from xfail into "a different
/// failure" only on the kernels that have the deviation, all of them in
/// VMs. Checked here, on any machine.
#[test]
fn every_pinned_failure_names_a_check_that_exists() {
    let e = Expectations::builtin();
    let mut stale = Vec::new();
    for x in &e.expect {
        let mut rest = x.failure.as_str();
        while let Some(i) = rest.find("(cases/src/") {
            rest = &rest[i + 1..];
            let Some((file, after)) = rest.split_once(":*: `") else { break };
            let Some((expr, _)) = after.split_once("`)") else { break };
            let src = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default();
            let found = ["check!(", "check_eq!(", "check_errno!("].iter().any(|m| {
                src.match_indices(m).any(|(at, _)| {
                    let args = src[at + m.len()..].trim_start();
                    args.strip_prefix(expr).is_some_and(|tail| tail.trim_start().starts_with([',', ')']))
                })
            });
            if !found {
                stale.push(format!("{}: {file}: `{expr}`", x.id));
            }
        }
    }
    assert!(stale.is_empty(), "pinned failures naming a check their file does not make:\n{}", stale.join("\n"));
}
