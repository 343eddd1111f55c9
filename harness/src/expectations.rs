//! Known kernel deviations, kept apart from the cases (like wpt's
//! metadata): a trial that fails on a kernel range where the deviation is
//! recorded becomes `xfail`; one that passes there becomes `xpass`, which
//! fails the run so the entry gets removed.
//!
//! File format (TOML, `expectations/known-failures.toml`):
//!
//! ```toml
//! [[expect]]
//! trial = "links/some-case[*]"    # glob over trial IDs
//! kernels = ">=6.1, <6.12"        # comma-separated bounds on major.minor; "*" for all
//! reason = "what the kernel does instead"
//! evidence = ["commit ...", "io_uring_enter(2): ..."]
//! ```

use crate::features::parse_version;
use crate::outcome::{Outcome, TrialResult};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Expectation {
    pub trial: String,
    pub kernels: String,
    pub reason: String,
    pub evidence: Vec<String>,
    /// A kernel race: the deviation shows only sometimes, so a pass stays
    /// a pass (not xpass). Needs `message`, so that only that deviation is
    /// excused.
    #[serde(default)]
    pub intermittent: bool,
    /// When set, only a failure whose message contains this text is the
    /// known deviation; any other failure stays a failure.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Expectations {
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// Whether `release` (e.g. "6.18.44-amd64") lies in `range` (">=6.1, <6.12").
pub fn in_range(range: &str, release: &str) -> Result<bool, String> {
    let Some(v) = parse_version(release) else { return Ok(false) };
    for part in range.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" {
            continue;
        }
        let (op, ver) = ["<=", ">=", "<", ">", "="].iter().find_map(|op| part.strip_prefix(op).map(|r| (*op, r.trim()))).ok_or_else(|| format!("bad bound {part:?}"))?;
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
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| e.to_string())?;
        for x in &e.expect {
            in_range(&x.kernels, "1.0")?;
            if x.evidence.is_empty() {
                return Err(format!("expectation for {} has no evidence", x.trial));
            }
            if x.intermittent && x.message.is_none() {
                return Err(format!("intermittent expectation for {} needs the failure message it excuses", x.trial));
            }
        }
        Ok(e)
    }

    /// The built-in file, compiled in so every binary carries it.
    pub fn builtin() -> Expectations {
        Expectations::parse(include_str!("../../expectations/known-failures.toml")).expect("expectations/known-failures.toml is valid")
    }

    pub fn find(&self, trial: &str, release: &str) -> Option<&Expectation> {
        self.expect.iter().find(|x| crate::glob::matches(&x.trial, trial) && in_range(&x.kernels, release).unwrap_or(false))
    }

    /// Turns fail into xfail and pass into xpass where an entry applies.
    pub fn apply(&self, r: &mut TrialResult, release: &str) {
        let Some(x) = self.find(&r.id, release) else { return };
        let known = x.message.as_ref().map_or(true, |m| r.message.contains(m.as_str()));
        match r.outcome {
            Outcome::Fail | Outcome::Timeout | Outcome::Crash if known => {
                r.outcome = Outcome::Xfail;
                r.message = format!("known deviation ({}; evidence: {}): {}", x.reason, x.evidence.join("; "), r.message);
            }
            Outcome::Pass if !x.intermittent => {
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
        let e = Expectations::parse("[[expect]]\ntrial = \"a/b[*]\"\nkernels = \">=6.1\"\nreason = \"r\"\nevidence = [\"c\"]\n").unwrap();
        let mut r = TrialResult { id: "a/b[default]".into(), area: "a".into(), variant: "default".into(), outcome: Outcome::Fail, message: "m".into(), missing: vec![], duration_ms: 0.0 };
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
        let e = Expectations::parse("[[expect]]\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\nmessage = \"res: -2,\"\n").unwrap();
        let mut r = TrialResult { id: "a/b[default]".into(), area: "a".into(), variant: "default".into(), outcome: Outcome::Fail, message: "got {res: -2, flags: 0}".into(), missing: vec![], duration_ms: 0.0 };
        e.apply(&mut r, "7.1.0");
        assert_eq!(r.outcome, Outcome::Xfail);
        let mut other = TrialResult { outcome: Outcome::Fail, message: "got {res: -9, flags: 0}".into(), ..r.clone() };
        e.apply(&mut other, "7.1.0");
        assert_eq!(other.outcome, Outcome::Fail, "another failure is not excused");
        let mut pass = TrialResult { outcome: Outcome::Pass, message: String::new(), ..r };
        e.apply(&mut pass, "7.1.0");
        assert_eq!(pass.outcome, Outcome::Pass);
        assert!(Expectations::parse("[[expect]]\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\n").is_err());
    }

    #[test]
    fn builtin_file_parses() {
        Expectations::builtin();
    }
}
