//! Reading run reports, comparing two runs, and rendering support
//! matrices ([`matrix`]). Every string in a report is shown through
//! [`escape`], one function per output format.

pub mod capability;
pub mod dataset;
pub mod escape;
pub mod matrix;
pub mod page;

use oracle::model::{Availability, RunReport, SCHEMA};
use oracle::{Outcome, TrialResult};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a run report: anything but a `uring-conform/run/1` report that
/// agrees with itself is refused with the reason (the file, what is wrong
/// in it), escaped for the terminal: the reason can quote the report (a
/// duplicate ID, an unknown outcome word). A report written before typed
/// verdicts gets them here, once ([`oracle::legacy`]).
pub fn load_run(path: &Path) -> Result<RunReport, String> {
    read_run(path).map_err(|e| escape::terminal(&e))
}

/// The file name of a report's path: the matrix page links each kernel to
/// `runs/<file name>`.
pub fn file_name(path: &Path) -> String {
    path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}

fn read_run(path: &Path) -> Result<RunReport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    // The schema first, so another tool's JSON gets a plain answer.
    if v.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
        return Err(format!("{} is not a {SCHEMA} report", path.display()));
    }
    let mut report: RunReport = serde_json::from_value(v).map_err(|e| format!("{}: not a valid {SCHEMA} report: {e}", path.display()))?;
    report.check_consistent().map_err(|e| format!("{}: refused: {e}", path.display()))?;
    if oracle::legacy::needs_upgrade(&report) {
        oracle::legacy::upgrade(&mut report, &oracle::expectations::Expectations::builtin());
    }
    Ok(report)
}

/// One trial whose outcome changed: old outcome (None: the old run did
/// not have the trial), new outcome, the new message (the failure, the
/// skip reason).
pub type Change = (String, Option<Outcome>, Outcome, String);

/// Trials whose outcome class changed between two runs.
#[derive(Default)]
pub struct Diff {
    pub old: String,
    pub new: String,
    /// Suite commits of the two runs, when they differ (trials may have
    /// changed, not only the kernel).
    pub commits: Option<(String, String)>,
    /// io_uring availability (and its detail) of the old and the new run,
    /// when it differs.
    pub availability: Option<((Availability, String), (Availability, String))>,
    /// Failing now, and not before: a trial that passed, skipped or was a
    /// known deviation, or one the old run did not have.
    pub newly_failing: Vec<Change>,
    /// A recorded deviation that no longer shows (xfail -> pass or xpass).
    pub fixed_deviations: Vec<Change>,
    /// A trial that now fails on a recorded deviation (pass -> xfail).
    pub new_deviations: Vec<Change>,
    pub newly_passing: Vec<Change>,
    pub newly_skipped: Vec<Change>,
    /// Trials only the new run has, with their outcome there.
    pub added: Vec<(String, Outcome)>,
    pub removed: Vec<String>,
}

pub fn diff(old: &RunReport, new: &RunReport) -> Diff {
    let mut d = Diff { old: old.kernel.release.clone(), new: new.kernel.release.clone(), ..Default::default() };
    if old.suite.commit != new.suite.commit {
        d.commits = Some((old.suite.commit.clone(), new.suite.commit.clone()));
    }
    let (a, b) = (&old.probe, &new.probe);
    if a.availability != b.availability {
        d.availability = Some(((a.availability, a.availability_detail.clone()), (b.availability, b.availability_detail.clone())));
    }
    let ok = Outcome::is_ok;
    let by_id = |r: &'_ RunReport| -> BTreeMap<String, TrialResult> { r.results.iter().map(|t| (t.id.clone(), t.clone())).collect() };
    let (old_results, new_results) = (by_id(old), by_id(new));
    for (id, n) in &new_results {
        let was = old_results.get(id).map(|o| o.outcome);
        let row = (id.clone(), was, n.outcome, n.message.clone());
        let Some(was) = was else {
            // A trial new to the suite is judged on its own: failing is
            // newly failing, a deviation is a new one; anything else is
            // only listed as added.
            d.added.push((id.clone(), n.outcome));
            if n.outcome.is_failure() {
                d.newly_failing.push(row);
            } else if n.outcome == Outcome::Xfail {
                d.new_deviations.push(row);
            }
            continue;
        };
        // xfail -> xpass is a deviation fixed (the entry is stale), shown
        // as such rather than as a new failure.
        if was == Outcome::Xfail && matches!(n.outcome, Outcome::Pass | Outcome::Xpass) {
            d.fixed_deviations.push(row);
        } else if n.outcome.is_failure() && !was.is_failure() {
            d.newly_failing.push(row);
        } else if n.outcome == Outcome::Xfail && was != Outcome::Xfail {
            d.new_deviations.push(row);
        } else if ok(n.outcome) && !ok(was) {
            d.newly_passing.push(row);
        } else if n.outcome == Outcome::Skip && was != Outcome::Skip {
            d.newly_skipped.push(row);
        }
    }
    d.removed = old_results.keys().filter(|k| !new_results.contains_key(*k)).cloned().collect();
    d
}

impl Diff {
    /// The diff for a terminal: every string from the reports through
    /// [`escape::terminal`], so each row is one line and nothing in a
    /// report reaches the terminal as a control sequence.
    pub fn render(&self) -> String {
        let t = escape::terminal;
        let mut s = format!("diff {} -> {}\n", t(&self.old), t(&self.new));
        if let Some((a, b)) = &self.commits {
            let (a, b) = (t(a), t(b));
            s += &format!("warning: the runs come from different suite commits ({a} -> {b}): trials may differ as well as the kernel\n");
        }
        // First: every trial of a run without io_uring is a skip, so the
        // sections below would only say "N newly skipped".
        if let Some(((a, _), (b, why))) = &self.availability {
            let (a, b, why) = (a.word(), b.word(), t(why));
            s += &format!("io_uring availability: {a} -> {b}{}\n", if why.is_empty() { String::new() } else { format!(" ({why})") });
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
                let first = t(msg.lines().next().unwrap_or(""));
                let was = o.map_or("absent", Outcome::word);
                s += &format!("  {}: {was} -> {}{}\n", t(id), n.word(), if first.is_empty() { String::new() } else { format!(": {first}") });
            }
        }
        s += &format!("\nadded trials ({}):\n", self.added.len());
        for (id, o) in &self.added {
            s += &format!("  {}: {}\n", t(id), o.word());
        }
        s += &format!("\nremoved trials ({}):\n", self.removed.len());
        for id in &self.removed {
            s += &format!("  {}\n", t(id));
        }
        let why = self.failures();
        s += &if why.is_empty() { "\ndiff: nothing newly fails\n".to_string() } else { format!("\ndiff: FAILED: {}\n", why.join("; ")) };
        s
    }

    /// What CI fails the comparison for: trials newly failing, and
    /// io_uring lost (a run that could test nothing is never a pass).
    pub fn failures(&self) -> Vec<String> {
        let mut why = Vec::new();
        if let Some(((a, _), (b, _))) = &self.availability {
            if *a == Availability::Ok {
                why.push(format!("io_uring became unavailable ({})", b.word()));
            }
        }
        if !self.newly_failing.is_empty() {
            why.push(format!("{} newly failing", exec::report::plural(self.newly_failing.len(), "trial")));
        }
        why
    }

    /// The exit status CI gates on: 1 when something newly fails or
    /// io_uring became unavailable.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.failures().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn run(k: &str, rows: &[(&str, Outcome)]) -> RunReport {
        RunReport::minimal(k, rows.iter().map(|(id, o)| TrialResult::of(id, *o, "")).collect())
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
        assert_eq!(d.added, vec![("a/new[default]".to_string(), Outcome::Pass)]);
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

    /// A trial the old run did not have is newly failing when it fails
    /// (fail, timeout, crash, error or xpass): CI gates on it as on any
    /// other, and the diff says what it was.
    #[test]
    fn an_added_trial_that_fails_is_newly_failing() {
        let a = run("6.18", &[("a/x[default]", Outcome::Pass)]);
        for bad in [Outcome::Fail, Outcome::Timeout, Outcome::Crash, Outcome::Error, Outcome::Xpass] {
            let b = run("6.18", &[("a/x[default]", Outcome::Pass), ("a/new[default]", bad)]);
            let d = diff(&a, &b);
            assert_eq!(d.exit_code(), 1, "{bad:?}");
            let text = d.render();
            assert!(text.contains(&format!("newly failing (1):\n  a/new[default]: absent -> {}", bad.word())), "{text}");
            assert!(text.contains(&format!("added trials (1):\n  a/new[default]: {}", bad.word())), "{text}");
        }
        let b = run("6.18", &[("a/x[default]", Outcome::Pass), ("a/new[default]", Outcome::Pass)]);
        assert_eq!(diff(&a, &b).exit_code(), 0);
    }

    /// io_uring becoming unavailable (a seccomp filter, the sysctl) turns
    /// every trial into a skip: that is a failure of the new run, named as
    /// such, not "N trials newly skipped".
    #[test]
    fn losing_io_uring_is_a_failure_named_first() {
        let a = run("6.18", &[("a/x[default]", Outcome::Pass)]);
        let mut b = run("6.18", &[("a/x[default]", Outcome::Skip)]);
        b.probe.availability = Availability::Blocked;
        b.probe.availability_detail = "io_uring_setup(2) failed with EPERM under a seccomp filter".into();
        let d = diff(&a, &b);
        assert_eq!(d.exit_code(), 1);
        let text = d.render();
        assert!(text.contains("io_uring availability: ok -> blocked (io_uring_setup(2) failed with EPERM under a seccomp filter)"), "{text}");
        assert!(text.find("io_uring availability").unwrap() < text.find("newly skipped").unwrap(), "{text}");
        // The other way round is news, not a failure.
        assert_eq!(diff(&b, &a).exit_code(), 0);
        assert!(diff(&b, &a).render().contains("io_uring availability: blocked -> ok"));
    }

    /// Trial IDs and messages come from other machines: no control
    /// character (ESC, BEL, NUL, CR, a newline, a bidi override) reaches
    /// the terminal raw, and each row stays one line.
    #[test]
    fn diff_output_shows_control_characters_escaped() {
        let hostile = "a/x\u{1b}[2J\u{7}\0\nFAKE: pass -> pass\r\u{202e}[default]";
        let mut a = run("6.18\u{1b}]0;title\u{7}", &[(hostile, Outcome::Pass), ("a/gone\n[default]", Outcome::Pass)]);
        a.suite.commit = "c1\u{1b}[0m".into();
        let mut b = run("7.0", &[(hostile, Outcome::Fail), ("a/added\u{9b}31m[default]", Outcome::Pass)]);
        b.results.iter_mut().find(|t| t.id == hostile).unwrap().message = "\u{1b}[32mexpected\r\u{0}".into();
        let text = diff(&a, &b).render();
        let raw: Vec<char> = text.chars().filter(|c| (c.is_control() && *c != '\n') || ('\u{2028}'..='\u{202e}').contains(c)).collect();
        assert!(raw.is_empty(), "raw control characters {raw:?} in {text:?}");
        assert!(
            text.contains(
                "newly failing (1):\n  a/x\\u{1b}[2J\\u{7}\\u{0}\\nFAKE: pass -> pass\\r\\u{202e}[default]: pass -> fail: \\u{1b}[32mexpected\\r\\u{0}\n"
            ),
            "{text}"
        );
        assert!(text.contains("removed trials (1):\n  a/gone\\n[default]\n"), "{text}");
        assert!(text.contains("  a/added\\u{9b}31m[default]: pass\n"), "{text}");
        assert!(text.starts_with("diff 6.18\\u{1b}]0;title\\u{7} -> 7.0\n"), "{text}");
    }
}
