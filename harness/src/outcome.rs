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
    /// Whether this outcome makes a run fail. A skip never counts as a
    /// pass, but it is not a failure either; an unexpected pass is.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Timeout | Outcome::Crash | Outcome::Error | Outcome::Xpass)
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
    /// Expected vs got for a failure, the reason for a skip.
    pub message: String,
    /// The feature IDs a skip lacks.
    pub missing: Vec<String>,
    /// The trial's process, start to exit.
    pub duration_ms: f64,
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
        }
    }
}
