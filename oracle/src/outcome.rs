//! Trial outcomes and results (the vocabulary: README "Reading the output"; in the report: docs/report-schema.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
    Timeout,
    Crash,
    Error,
    Xfail,
    Xpass,
}

impl Outcome {
    pub const ALL: [Outcome; 8] =
        [Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Timeout, Outcome::Crash, Outcome::Error, Outcome::Xfail, Outcome::Xpass];
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Timeout => "timeout",
            Outcome::Crash => "crash",
            Outcome::Error => "error",
            Outcome::Xfail => "xfail",
            Outcome::Xpass => "xpass",
        }
    }
    /// The bucket the outcome counts in: the one place that says which
    /// outcomes are failures (every summary, progress line, matrix cell,
    /// diff, output format and the `cargo test` entry read it here).
    pub fn bucket(self) -> Bucket {
        match self {
            Outcome::Pass => Bucket::Pass,
            Outcome::Skip => Bucket::Skip,
            Outcome::Xfail => Bucket::Xfail,
            Outcome::Fail | Outcome::Timeout | Outcome::Crash | Outcome::Error | Outcome::Xpass => Bucket::Fail,
        }
    }
    /// Whether this outcome makes a run fail. A skip never counts as a
    /// pass, but it is not a failure either; an unexpected pass is.
    pub fn is_failure(self) -> bool {
        self.bucket() == Bucket::Fail
    }
    /// Whether the trial's run went as the suite expects: it passed, or
    /// failed exactly as a recorded deviation says.
    pub fn is_ok(self) -> bool {
        matches!(self.bucket(), Bucket::Pass | Bucket::Xfail)
    }
}

/// The outcome buckets the summaries count: pass, fail (every failure
/// outcome, xpass included), skip, and xfail (a known deviation: neither a
/// pass nor a new failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    Pass,
    Fail,
    Skip,
    Xfail,
}

/// Outcome counts by bucket: what the summary, the progress line and the
/// matrix cells count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub xfail: usize,
}

impl Tally {
    pub fn add(&mut self, o: Outcome) {
        *self.count_mut(o.bucket()) += 1;
    }
    fn count_mut(&mut self, b: Bucket) -> &mut usize {
        match b {
            Bucket::Pass => &mut self.pass,
            Bucket::Fail => &mut self.fail,
            Bucket::Skip => &mut self.skip,
            Bucket::Xfail => &mut self.xfail,
        }
    }
}

/// One trial's result, as the run report stores it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialResult {
    /// `area/name[variant]`.
    pub id: String,
    pub area: String,
    pub variant: String,
    pub outcome: Outcome,
    /// Expected vs got for a failure (for an xfail, the failure its
    /// `deviation` pins), the reason for a skip in words.
    pub message: String,
    /// The feature IDs a skip lacks (every kind together; by kind:
    /// `skip`).
    pub missing: Vec<String>,
    /// The trial's process, start to exit (in a mutation run: all of the
    /// trial's perturbed runs together).
    pub duration_ms: f64,
    /// Why a skip skipped, by kind, as the planner decided it: present on
    /// every skip. (Reports written before typed verdicts lack it; their
    /// readers derive it once on loading: [`crate::legacy`].)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<Box<SkipCause>>,
    /// The recorded deviation (the `id` of its entry in
    /// expectations/known-failures.toml) that made this trial an xfail,
    /// or whose pass made it an xpass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
    /// The documentation erratum (the `id` of its entry in
    /// expectations/doc-errata.toml) this passing trial asserts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// Present only in a `run --mutate` report, on a trial whose
    /// unmutated run passed or xfailed (its `outcome`): what became of
    /// each perturbation. Absent in every other report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<Box<Mutation>>,
    /// Present only in a `run --phases` report: where the trial's last
    /// process spent its time ([`crate::phases`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Box<crate::phases::Phases>>,
}

/// What kept a trial from running, as its own kind (never read back out
/// of the message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SkipKind {
    /// io_uring cannot be used at all on this machine (the probe's
    /// `availability` says why): every trial skips.
    Unavailable,
    /// The kernel lacks a feature the trial needs: the kernel's verdict.
    Kernel,
    /// The environment lacks what the trial needs (a device, a privilege,
    /// a file system's support), and the kernel lacks nothing: never a
    /// kernel verdict.
    Environment,
    /// The environment kept the probe from telling whether the kernel has
    /// a feature the trial needs (and nothing else is missing).
    Undetermined,
}

impl SkipKind {
    pub fn word(self) -> &'static str {
        match self {
            SkipKind::Unavailable => "unavailable",
            SkipKind::Kernel => "kernel",
            SkipKind::Environment => "environment",
            SkipKind::Undetermined => "undetermined",
        }
    }
}

/// Why a trial skipped: the deciding kind, and the features of each kind
/// it lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipCause {
    /// The kind that decides the skip: `unavailable`; else `kernel` when
    /// the kernel lacks anything; else `environment` when the environment
    /// does; else `undetermined`.
    pub kind: SkipKind,
    /// Feature IDs the kernel lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernel: Vec<String>,
    /// Feature IDs the environment lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<String>,
    /// Feature IDs the probe could not tell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undetermined: Vec<String>,
}

impl SkipCause {
    /// io_uring unavailable.
    pub fn unavailable() -> SkipCause {
        SkipCause { kind: SkipKind::Unavailable, kernel: vec![], environment: vec![], undetermined: vec![] }
    }

    /// The skip for these missing features (None when nothing is
    /// missing), its kind decided by the one rule above.
    pub fn of(kernel: Vec<String>, environment: Vec<String>, undetermined: Vec<String>) -> Option<SkipCause> {
        let kind = if !kernel.is_empty() {
            SkipKind::Kernel
        } else if !environment.is_empty() {
            SkipKind::Environment
        } else if !undetermined.is_empty() {
            SkipKind::Undetermined
        } else {
            return None;
        };
        Some(SkipCause { kind, kernel, environment, undetermined })
    }

    /// A skip for the environment (a device, a privilege), not the kernel.
    pub fn is_environment(&self) -> bool {
        self.kind == SkipKind::Environment
    }
}

/// The mutation mode's result for one trial ([`crate::mutation`]): its own
/// verdict, never a reused outcome.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// Comparisons the trial made, each perturbed in a run of its own.
    pub perturbations: usize,
    /// Perturbed runs that failed as they must.
    pub noticed: usize,
    /// Perturbations the trial did not notice (a check that cannot fail),
    /// each with what the perturbed run gave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unnoticed: Vec<String>,
    /// Perturbations the machine kept from being judged (their timed
    /// window disturbed on every start): neither noticed nor survived.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unjudged: Vec<String>,
    /// One noticed perturbation and the failure it gave, as an example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

impl Mutation {
    /// Every perturbation noticed, at least one made: the trial's checks
    /// can all fail.
    pub fn all_noticed(&self) -> bool {
        self.perturbations > 0 && self.noticed == self.perturbations
    }
    /// A check that cannot fail: a perturbation went unnoticed, or the
    /// trial makes no comparison the mode can reach.
    pub fn survived(&self) -> bool {
        self.perturbations == 0 || !self.unnoticed.is_empty()
    }
    /// One line for the run's output.
    pub fn describe(&self) -> String {
        let n = self.perturbations;
        if n == 0 {
            "makes no comparison the mutation mode can reach (no expect, check or timing helper ran)".into()
        } else if !self.unnoticed.is_empty() {
            format!("{} of {n} perturbations not noticed: {}", self.unnoticed.len(), self.unnoticed.join("; "))
        } else if !self.unjudged.is_empty() {
            format!(
                "{} of {n} perturbations could not be judged, the machine too loaded to time them ({}); every other one was noticed",
                self.unjudged.len(),
                self.unjudged.join("; ")
            )
        } else {
            format!("noticed all {n} perturbations (e.g. {})", self.example.as_deref().unwrap_or(""))
        }
    }
}

impl TrialResult {
    /// A result for trial `id` (`area/name[variant]`), area and variant
    /// taken from the ID, nothing missing, no duration (tests and
    /// synthesised reports).
    pub fn of(id: &str, outcome: Outcome, message: &str) -> TrialResult {
        let variant = id.rsplit_once('[').map(|(_, v)| v.trim_end_matches(']')).unwrap_or("default");
        TrialResult {
            id: id.into(),
            area: id.split('/').next().unwrap_or(id).into(),
            variant: variant.into(),
            outcome,
            message: message.into(),
            missing: vec![],
            duration_ms: 0.0,
            skip: None,
            deviation: None,
            erratum: None,
            mutation: None,
            phases: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ALL lists every outcome once, in declaration order, and each word
    /// is the report's (serde) spelling.
    #[test]
    fn all_lists_every_outcome_with_its_word() {
        let index = |o: Outcome| match o {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Skip => 2,
            Outcome::Timeout => 3,
            Outcome::Crash => 4,
            Outcome::Error => 5,
            Outcome::Xfail => 6,
            Outcome::Xpass => 7,
        };
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(index(*o), i);
            assert_eq!(serde_json::to_string(o).unwrap(), format!("\"{}\"", o.word()));
        }
        let failures: Vec<Outcome> = Outcome::ALL.into_iter().filter(|o| o.is_failure()).collect();
        assert_eq!(failures, [Outcome::Fail, Outcome::Timeout, Outcome::Crash, Outcome::Error, Outcome::Xpass]);
        assert!(Outcome::Pass.is_ok() && Outcome::Xfail.is_ok() && !Outcome::Skip.is_ok() && !Outcome::Xpass.is_ok());
    }

    /// A result line of a report written before the mutation field (or
    /// outside the mutation mode) loads without one; one with it round-trips.
    #[test]
    fn the_mutation_field_is_optional_and_round_trips() {
        let old = r#"{"id":"a/b[default]","area":"a","variant":"default","outcome":"fail","message":"noticed all 3 perturbations (e.g. x)","missing":[],"duration_ms":1.0}"#;
        let r: TrialResult = serde_json::from_str(old).unwrap();
        assert_eq!((r.outcome, r.mutation), (Outcome::Fail, None));
        let m = Mutation { perturbations: 3, noticed: 2, unnoticed: vec!["comparison #1 -> pass".into()], unjudged: vec![], example: Some("e".into()) };
        let r = TrialResult { mutation: Some(Box::new(m.clone())), ..TrialResult::of("a/b[default]", Outcome::Pass, "") };
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("unjudged"), "empty lists are left out: {text}");
        assert_eq!(serde_json::from_str::<TrialResult>(&text).unwrap(), r);
        assert!(m.survived() && !m.all_noticed());
        assert!(!serde_json::to_string(&TrialResult::of("a/b[default]", Outcome::Pass, "")).unwrap().contains("mutation"));
    }

    #[test]
    fn mutation_verdicts() {
        let all = Mutation { perturbations: 2, noticed: 2, ..Default::default() };
        assert!(all.all_noticed() && !all.survived());
        assert!(all.describe().starts_with("noticed all 2 perturbations"));
        let none = Mutation::default();
        assert!(none.survived() && !none.all_noticed(), "a trial without comparisons asserts nothing");
        let unjudged = Mutation { perturbations: 2, noticed: 1, unjudged: vec!["c #1".into()], ..Default::default() };
        assert!(!unjudged.survived() && !unjudged.all_noticed());
        assert!(unjudged.describe().contains("could not be judged"));
    }
}
