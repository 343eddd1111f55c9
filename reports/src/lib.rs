//! Reading run reports, comparing two runs, and rendering support
//! matrices ([`matrix`]).

pub mod matrix;
pub mod page;

use harness::report::model::{ExpectationsMode, RunReport, SCHEMA};
use harness::{Outcome, TrialResult};
use std::collections::BTreeMap;
use std::path::Path;

/// A loaded run report: its kernel, machine label, probe and results.
pub struct Run {
    pub kernel: String,
    /// uname -v: Debian's package version where the release names only
    /// the ABI ([`harness::expectations::effective_release`]).
    pub kernel_version: String,
    pub label: String,
    /// The suite commit that made the run, and when it started (RFC 3339).
    pub commit: String,
    pub started: String,
    /// The report's file name (the matrix page links to it).
    pub file: String,
    /// `builtin`, or `none` for a run without expectations.
    pub expectations: String,
    /// Feature ID -> what the probe saw, for features it found absent.
    pub notes: BTreeMap<String, String>,
    /// io_uring availability word (`ok`, `error`, ...) and its detail.
    pub availability: String,
    pub availability_detail: String,
    /// Feature ID -> present, from the probe (true also for broken ones:
    /// their trials ran).
    pub features: BTreeMap<String, bool>,
    /// Feature ID -> evidence, for features the probe found taken but not
    /// behaving as documented (absent in reports from before it could).
    pub broken: BTreeMap<String, String>,
    pub results: BTreeMap<String, TrialResult>,
    /// Documentation errata the run's trials asserted (absent in reports
    /// written before errata existed).
    pub errata: Vec<harness::expectations::Erratum>,
}

/// Reads a run report: anything but a `uring-conform/run/1` report is
/// refused with the reason (the file, what is wrong in it).
pub fn load_run(path: &Path) -> Result<Run, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    // The schema first, so another tool's JSON gets a plain answer.
    if v.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
        return Err(format!("{} is not a {SCHEMA} report", path.display()));
    }
    let report: RunReport = serde_json::from_value(v).map_err(|e| format!("{}: not a valid {SCHEMA} report: {e}", path.display()))?;
    Ok(Run::from_report(report, path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()))
}

impl Run {
    /// The matrix's and diff's view of a report.
    pub fn from_report(r: RunReport, file: String) -> Run {
        Run {
            kernel: r.kernel.release,
            kernel_version: r.kernel.version,
            label: r.machine.label,
            commit: r.suite.commit,
            started: r.started,
            file,
            expectations: match r.expectations {
                ExpectationsMode::Builtin => "builtin",
                ExpectationsMode::None => "none",
            }
            .into(),
            notes: r.probe.notes,
            availability: r.probe.availability.word().into(),
            availability_detail: r.probe.availability_detail,
            features: r.probe.features,
            broken: r.probe.broken,
            results: r.results.into_iter().map(|t| (t.id.clone(), t)).collect(),
            errata: r.errata.into_iter().map(|e| e.erratum).collect(),
        }
    }
}

/// One trial whose outcome changed: old and new outcome, the new message
/// (the failure, the skip reason).
pub type Change = (String, Outcome, Outcome, String);

/// Trials whose outcome class changed between two runs.
#[derive(Default)]
pub struct Diff {
    pub old: String,
    pub new: String,
    /// Suite commits of the two runs, when they differ (trials may have
    /// changed, not only the kernel).
    pub commits: Option<(String, String)>,
    pub newly_failing: Vec<Change>,
    /// A recorded deviation that no longer shows (xfail -> pass or xpass).
    pub fixed_deviations: Vec<Change>,
    /// A trial that now fails on a recorded deviation (pass -> xfail).
    pub new_deviations: Vec<Change>,
    pub newly_passing: Vec<Change>,
    pub newly_skipped: Vec<Change>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

pub fn diff(old: &Run, new: &Run) -> Diff {
    let mut d = Diff { old: old.kernel.clone(), new: new.kernel.clone(), ..Default::default() };
    if old.commit != new.commit {
        d.commits = Some((old.commit.clone(), new.commit.clone()));
    }
    let ok = |o: Outcome| matches!(o, Outcome::Pass | Outcome::Xfail);
    for (id, n) in &new.results {
        let Some(o) = old.results.get(id) else {
            d.added.push(id.clone());
            continue;
        };
        let row = (id.clone(), o.outcome, n.outcome, n.message.clone());
        // xfail -> xpass is a deviation fixed (the entry is stale), shown
        // as such rather than as a new failure.
        if o.outcome == Outcome::Xfail && matches!(n.outcome, Outcome::Pass | Outcome::Xpass) {
            d.fixed_deviations.push(row);
        } else if n.outcome.is_failure() && !o.outcome.is_failure() {
            d.newly_failing.push(row);
        } else if n.outcome == Outcome::Xfail && o.outcome != Outcome::Xfail {
            d.new_deviations.push(row);
        } else if ok(n.outcome) && !ok(o.outcome) {
            d.newly_passing.push(row);
        } else if n.outcome == Outcome::Skip && o.outcome != Outcome::Skip {
            d.newly_skipped.push(row);
        }
    }
    d.removed = old.results.keys().filter(|k| !new.results.contains_key(*k)).cloned().collect();
    d.added.sort();
    d
}

impl Diff {
    pub fn render(&self) -> String {
        let mut s = format!("diff {} -> {}\n", self.old, self.new);
        if let Some((a, b)) = &self.commits {
            s += &format!("warning: the runs come from different suite commits ({a} -> {b}): trials may differ as well as the kernel\n");
        }
        let sections = [
            ("newly failing", &self.newly_failing),
            ("recorded deviations fixed (xfail -> pass/xpass)", &self.fixed_deviations),
            ("new recorded deviations (-> xfail)", &self.new_deviations),
            ("newly passing", &self.newly_passing),
            ("newly skipped", &self.newly_skipped),
        ];
        for (title, rows) in sections {
            s += &format!("\n{title} ({}):\n", rows.len());
            for (id, o, n, msg) in rows {
                let first = msg.lines().next().unwrap_or("");
                s += &format!("  {id}: {} -> {}{}\n", o.word(), n.word(), if first.is_empty() { String::new() } else { format!(": {first}") });
            }
        }
        for (title, ids) in [("added trials", &self.added), ("removed trials", &self.removed)] {
            s += &format!("\n{title} ({}):\n", ids.len());
            for id in ids {
                s += &format!("  {id}\n");
            }
        }
        s
    }

    /// The exit status CI gates on: 1 when something newly fails.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.newly_failing.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn run(k: &str, rows: &[(&str, Outcome)]) -> Run {
        Run {
            kernel: k.into(),
            kernel_version: String::new(),
            label: String::new(),
            commit: String::new(),
            started: String::new(),
            file: String::new(),
            expectations: "builtin".into(),
            notes: BTreeMap::new(),
            availability: "ok".into(),
            availability_detail: String::new(),
            features: BTreeMap::new(),
            broken: BTreeMap::new(),
            results: rows.iter().map(|(id, o)| (id.to_string(), TrialResult::of(id, *o, ""))).collect(),
            errata: vec![],
        }
    }
    #[test]
    fn diff_classifies_changes() {
        let a = run(
            "6.1",
            &[("a/x[default]", Outcome::Pass), ("a/y[default]", Outcome::Fail), ("a/z[default]", Outcome::Pass), ("a/gone[default]", Outcome::Pass)],
        );
        let b = run(
            "6.18",
            &[("a/x[default]", Outcome::Fail), ("a/y[default]", Outcome::Pass), ("a/z[default]", Outcome::Skip), ("a/new[default]", Outcome::Pass)],
        );
        let d = diff(&a, &b);
        assert_eq!(d.newly_failing.len(), 1);
        assert_eq!(d.newly_passing.len(), 1);
        assert_eq!(d.newly_skipped.len(), 1);
        assert_eq!(d.added, vec!["a/new[default]"]);
        assert_eq!(d.removed, vec!["a/gone[default]"]);
        assert_eq!(d.exit_code(), 1);
        let text = d.render();
        assert!(text.contains("removed trials (1):\n  a/gone[default]"), "{text}");
    }

    #[test]
    fn diff_shows_fixed_and_new_deviations_and_exits_0_without_new_failures() {
        let a = run("6.18", &[("a/x[default]", Outcome::Xfail), ("a/y[default]", Outcome::Pass)]);
        let b = run("7.3", &[("a/x[default]", Outcome::Xpass), ("a/y[default]", Outcome::Xfail)]);
        let d = diff(&a, &b);
        assert_eq!(d.fixed_deviations.len(), 1);
        assert_eq!(d.new_deviations.len(), 1);
        // xpass is a failure outcome, but a fixed deviation, not a new failure.
        assert!(d.newly_failing.is_empty());
        assert_eq!(d.exit_code(), 0);
    }
}
