//! Recorded mismatches between the kernel and its documentation, kept
//! apart from the cases (like wpt's metadata). Two kinds, never mixed:
//!
//! - A **kernel deviation** (`expectations/known-failures.toml`): the
//!   kernel does not do what is documented and intended. On the recorded
//!   kernel range, a trial whose failure is exactly the recorded one
//!   becomes `xfail`; any other failure of it stays a failure, and a pass
//!   becomes `xpass`, which fails the run so the entry gets removed.
//! - A **documentation erratum** (`expectations/doc-errata.toml`): the
//!   kernel's behaviour is the intended one (upstream's own tests assert
//!   it) and the man page is stale. The case asserts the kernel; the
//!   erratum is listed in the report, the summary and the matrix with the
//!   correction to propose. It never changes an outcome.
//!
//! Deviation entry:
//!
//! ```toml
//! [[expect]]
//! trial = "links/some-case[*]"    # glob over trial IDs
//! kernels = ">=6.1, <6.12"        # comma-separated bounds on major.minor; "*" for all
//! reason = "what the kernel does instead"
//! evidence = ["commit ...", "io_uring_enter(2): ..."]
//! failure = "CQEs differ ...*"    # the whole failure message; only * is special
//! ```
//!
//! `failure` is required: it pins the deviation (the differing CQEs, or the
//! exact check), so that a different failure of the same trial still
//! fails. Several entries may name one trial (one per way it deviates, or
//! per variant); a failure matching any of them is the known one. Unknown
//! keys are refused: a misspelt key must not widen an entry.

use crate::features::parse_version;
use crate::outcome::{Outcome, TrialResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub trial: String,
    pub kernels: String,
    pub reason: String,
    pub evidence: Vec<String>,
    /// The whole failure message the deviation produces (`*` for what
    /// varies: times, line numbers).
    pub failure: String,
    /// A kernel race: the deviation shows only sometimes, so a pass stays
    /// a pass (not xpass).
    #[serde(default)]
    pub intermittent: bool,
    /// A deviation of an unmerged series, not of mainline: the entry
    /// applies only where the kernel release carries `-<series>` (the name
    /// ci/build-kernel.sh --name gives a patched build, e.g.
    /// "6.12.118-sqe-group-v8").
    #[serde(default)]
    pub series: Option<String>,
}

impl Expectation {
    /// What an xfail's message starts with before the failure itself (the
    /// matrix splits it off again).
    pub fn xfail_prefix(&self) -> String {
        let series = self.series.as_ref().map(|s| format!(" with the {s} series")).unwrap_or_default();
        format!("known deviation on kernels {}{series} ({}; evidence: {}): ", self.kernels, self.reason, self.evidence.join("; "))
    }
}

/// A man page that says something the kernel deliberately does otherwise.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// Glob over the trials that assert the kernel's intended behaviour.
    pub trials: String,
    /// The man page and section ("io_uring_prep_cancel(3) RETURN VALUE").
    pub page: String,
    /// What the page says.
    pub says: String,
    /// What the kernel does.
    pub kernel: String,
    /// Why the kernel's behaviour is the intended one (upstream's tests,
    /// the source, a maintainer's word).
    pub evidence: Vec<String>,
    /// The proposed correction to the page.
    pub correction: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub expect: Vec<Expectation>,
    #[serde(default)]
    pub erratum: Vec<Erratum>,
}

/// Whether `release` (e.g. "6.18.44-amd64") lies in `range` (">=6.1, <6.12").
pub fn in_range(range: &str, release: &str) -> Result<bool, String> {
    let Some(v) = parse_version(release) else { return Ok(false) };
    for part in range.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" {
            continue;
        }
        let (op, ver) =
            ["<=", ">=", "<", ">", "="].iter().find_map(|op| part.strip_prefix(op).map(|r| (*op, r.trim()))).ok_or_else(|| format!("bad bound {part:?}"))?;
        let b = parse_version(ver).ok_or_else(|| format!("bad version {ver:?}"))?;
        let ok = match op {
            "<=" => v <= b,
            ">=" => v >= b,
            "<" => v < b,
            ">" => v > b,
            _ => v == b,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Expectations {
    /// Parses deviations (`[[expect]]`) and errata (`[[erratum]]`) from one
    /// TOML text.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| e.to_string())?;
        for x in &e.expect {
            in_range(&x.kernels, "1.0")?;
            if x.evidence.is_empty() {
                return Err(format!("expectation for {} has no evidence", x.trial));
            }
            if x.failure.trim().is_empty() || x.failure.trim() == "*" {
                return Err(format!("expectation for {} must pin its failure message (a lone * excuses any failure)", x.trial));
            }
        }
        for x in &e.erratum {
            if x.evidence.is_empty() || x.correction.trim().is_empty() {
                return Err(format!("erratum for {} needs evidence and a correction", x.trials));
            }
        }
        Ok(e)
    }

    /// The built-in files, compiled in so every binary carries them.
    pub fn builtin() -> Expectations {
        let mut e = Expectations::parse(include_str!("../../expectations/known-failures.toml")).expect("expectations/known-failures.toml is valid");
        let errata = Expectations::parse(include_str!("../../expectations/doc-errata.toml")).expect("expectations/doc-errata.toml is valid");
        assert!(errata.expect.is_empty(), "doc-errata.toml holds errata only");
        e.erratum = errata.erratum;
        e
    }

    /// No expectations at all (`run --no-expectations`).
    pub fn none() -> Expectations {
        Expectations::default()
    }

    /// The deviation entries that apply to `trial` on `release`.
    pub fn find<'a>(&'a self, trial: &'a str, release: &'a str) -> impl Iterator<Item = &'a Expectation> + 'a {
        self.expect.iter().filter(move |x| {
            crate::glob::matches(&x.trial, trial)
                && in_range(&x.kernels, release).unwrap_or(false)
                && x.series.as_ref().is_none_or(|s| release.contains(&format!("-{s}")))
        })
    }

    /// The errata whose trials include `trial`.
    pub fn errata_for<'a>(&'a self, trial: &'a str) -> impl Iterator<Item = &'a Erratum> + 'a {
        self.erratum.iter().filter(move |x| crate::glob::matches(&x.trials, trial))
    }

    /// Turns a failure that is exactly a recorded deviation into xfail,
    /// and a pass where a deviation is recorded into xpass.
    pub fn apply(&self, r: &mut TrialResult, release: &str) {
        let entries: Vec<&Expectation> = self.find(&r.id, release).collect();
        if entries.is_empty() {
            return;
        }
        match r.outcome {
            Outcome::Fail | Outcome::Timeout | Outcome::Crash => match entries.iter().find(|x| crate::glob::matches_star(x.failure.trim(), r.message.trim())) {
                Some(x) => {
                    r.outcome = Outcome::Xfail;
                    r.message = format!("{}{}", x.xfail_prefix(), r.message);
                }
                None => {
                    r.message = format!(
                        "{}\n  (a deviation is recorded for this trial on {}, but this is a different failure: {})",
                        r.message,
                        release,
                        entries.iter().map(|x| x.reason.as_str()).collect::<Vec<_>>().join("; ")
                    );
                }
            },
            Outcome::Pass if entries.iter().any(|x| !x.intermittent) => {
                let x = entries.iter().find(|x| !x.intermittent).expect("one");
                r.outcome = Outcome::Xpass;
                r.message = format!("expected to fail on {} ({}), but passed: remove the entry", x.kernels, x.reason);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ranges() {
        assert!(in_range(">=6.1, <6.12", "6.6.0-amd64").unwrap());
        assert!(!in_range(">=6.1, <6.12", "6.12.3").unwrap());
        assert!(in_range("*", "5.10.0").unwrap());
        assert!(in_range("=6.18", "6.18.44").unwrap());
        assert!(in_range(">6.9", "6.10").unwrap());
        assert!(in_range("x6", "6.1").is_err());
    }

    #[test]
    fn apply_turns_fail_into_xfail_and_pass_into_xpass() {
        let e = Expectations::parse("[[expect]]\ntrial = \"a/b[*]\"\nkernels = \">=6.1\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"m after * ms\"\n")
            .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "m after 3 ms");
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Xfail);
        r.outcome = Outcome::Pass;
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Xpass);
        r.outcome = Outcome::Fail;
        e.apply(&mut r, "5.10.0");
        assert_eq!(r.outcome, Outcome::Fail);
    }

    #[test]
    fn intermittent_entries_excuse_only_their_message_and_never_xpass() {
        let e = Expectations::parse(
            "[[expect]]\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\nfailure = \"got {res: -2, flags: 0}\"\n",
        )
        .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "got {res: -2, flags: 0}");
        e.apply(&mut r, "7.1.0");
        assert_eq!(r.outcome, Outcome::Xfail);
        let mut other = TrialResult { outcome: Outcome::Fail, message: "got {res: -9, flags: 0}".into(), ..r.clone() };
        e.apply(&mut other, "7.1.0");
        assert_eq!(other.outcome, Outcome::Fail, "another failure is not excused");
        let mut pass = TrialResult { outcome: Outcome::Pass, message: String::new(), ..r };
        e.apply(&mut pass, "7.1.0");
        assert_eq!(pass.outcome, Outcome::Pass);
        assert!(
            Expectations::parse("[[expect]]\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\n").is_err(),
            "no failure pinned"
        );
    }

    #[test]
    fn a_series_entry_applies_only_to_kernels_built_with_the_series() {
        let e = Expectations::parse(
            "[[expect]]\ntrial = \"a/b[*]\"\nkernels = \"*\"\nseries = \"sqe-group-v8\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"no CQE\"\n",
        )
        .unwrap();
        let r = TrialResult::of("a/b[default]", Outcome::Fail, "no CQE");
        let mut patched = r.clone();
        e.apply(&mut patched, "6.12.118-sqe-group-v8");
        assert_eq!(patched.outcome, Outcome::Xfail);
        assert!(patched.message.contains("with the sqe-group-v8 series"), "{}", patched.message);
        let mut mainline = r;
        e.apply(&mut mainline, "6.12.118");
        assert_eq!(mainline.outcome, Outcome::Fail);
    }

    #[test]
    fn a_different_failure_of_the_trial_stays_a_failure() {
        let e = Expectations::parse("[[expect]]\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"got -512\"\n").unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "got -512, and 3 more CQEs");
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.message.contains("different failure"));
    }

    #[test]
    fn unknown_keys_and_unpinned_entries_are_refused() {
        let base = "[[expect]]\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\n";
        assert!(Expectations::parse(&format!("{base}failure = \"x\"\nmesage = \"y\"\n")).is_err(), "misspelt key");
        assert!(Expectations::parse(&format!("{base}failure = \"*\"\n")).is_err(), "a lone star");
        assert!(Expectations::parse(base).is_err(), "no failure");
        assert!(Expectations::parse(
            "[[erratum]]\ntrials = \"a\"\npage = \"p\"\nsays = \"s\"\nkernel = \"k\"\nevidence = [\"e\"]\ncorrection = \"c\"\nextra = 1\n"
        )
        .is_err());
    }

    #[test]
    fn builtin_file_parses() {
        Expectations::builtin();
    }
}
