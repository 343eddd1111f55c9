//! Reports written before typed verdicts: every `uring-conform/run/1`
//! report up to the layer cut, reports/runs/*.json among them. Their
//! results give the skip kind, the deviation an xfail matched and the
//! erratum a pass asserts only in words. [`upgrade`] derives the typed
//! fields ([`TrialResult::skip`], [`TrialResult::deviation`],
//! [`TrialResult::erratum`]) once, where a report is loaded, from those
//! words and the built-in expectations; a result that already has them
//! (every report written since) is left as it is. This is the one place
//! that reads a verdict out of a message, and it reads only the old
//! format: no stage after the loader looks at message text.

use crate::expectations::{effective_release, Expectations};
use crate::model::RunReport;
#[cfg(doc)]
use crate::outcome::TrialResult;
use crate::outcome::{Outcome, SkipCause, SkipKind};

/// Fills in the typed verdict of every result of `report` that lacks it
/// (see the module). `exps`: the expectations to recognise old xfail
/// messages and errata by (the built-in ones).
pub fn upgrade(report: &mut RunReport, exps: &Expectations) {
    let release = effective_release(&report.kernel.release, &report.kernel.version);
    for e in &mut report.errata {
        if e.erratum.id.is_empty() {
            e.erratum.id = erratum_id(exps, &e.erratum.trials, &e.erratum.page);
        }
    }
    for d in &mut report.deviations {
        if d.id.is_empty() {
            if let Some(x) = exps.expect.iter().find(|x| x.trial == d.trial && x.kernels == d.kernels && x.reason == d.reason) {
                d.id = x.id.clone();
            }
        }
    }
    let errata: Vec<(String, String)> = report.errata.iter().map(|e| (e.erratum.trials.clone(), e.erratum.id.clone())).collect();
    for r in &mut report.results {
        match r.outcome {
            Outcome::Skip if r.skip.is_none() => r.skip = Some(Box::new(skip_of(&r.message, &r.missing))),
            Outcome::Xfail if r.deviation.is_none() => {
                if let Some((id, failure)) = split_xfail(exps, &r.id, &release, &r.message) {
                    r.deviation = Some(id);
                    r.message = failure;
                }
            }
            Outcome::Pass if r.erratum.is_none() => r.erratum = errata.iter().find(|(g, _)| crate::glob::matches(g, &r.id)).map(|(_, id)| id.clone()),
            _ => {}
        }
    }
}

/// Whether any result of `report` still reads as a pre-verdict one.
pub fn needs_upgrade(report: &RunReport) -> bool {
    report.results.iter().any(|r| (r.outcome == Outcome::Skip && r.skip.is_none()) || (r.outcome == Outcome::Xfail && r.deviation.is_none()))
        || report.errata.iter().any(|e| e.erratum.id.is_empty())
}

/// An old report's erratum: its ID today (by its trials and page), else
/// its trial glob.
fn erratum_id(exps: &Expectations, trials: &str, page: &str) -> String {
    exps.erratum.iter().find(|x| x.trials == trials && x.page == page).map(|x| x.id.clone()).unwrap_or_else(|| trials.to_string())
}

/// The planner's old skip message, by kind: "io_uring unavailable: ...",
/// else "; "-separated parts "kernel lacks A, B", "the probe could not
/// tell whether the kernel has C (why)", "environment lacks D (...)". The
/// deciding kind is what the matrix used to read out of it: the
/// environment's only where the kernel lacks nothing.
fn skip_of(message: &str, missing: &[String]) -> SkipCause {
    if message.starts_with("io_uring unavailable") {
        return SkipCause::unavailable();
    }
    let kind = if message.contains("kernel lacks") {
        SkipKind::Kernel
    } else if message.contains("environment lacks") {
        SkipKind::Environment
    } else if message.contains("could not tell") {
        SkipKind::Undetermined
    } else {
        SkipKind::Kernel
    };
    let part = |prefix: &str| -> Vec<String> {
        message
            .split("; ")
            .filter_map(|p| p.strip_prefix(prefix))
            .flat_map(|p| p.split(", ").map(|t| t.split(' ').next().unwrap_or("").to_string()))
            .filter(|f| missing.contains(f))
            .collect()
    };
    let mut s = SkipCause {
        kind,
        kernel: part("kernel lacks "),
        environment: part("environment lacks "),
        undetermined: part("the probe could not tell whether the kernel has "),
    };
    for f in missing {
        if !s.kernel.contains(f) && !s.environment.contains(f) && !s.undetermined.contains(f) {
            match kind {
                SkipKind::Environment => s.environment.push(f.clone()),
                SkipKind::Undetermined => s.undetermined.push(f.clone()),
                _ => s.kernel.push(f.clone()),
            }
        }
    }
    s
}

/// An old xfail message: the entry's [`crate::expectations::Expectation::xfail_prefix`]
/// and the failure. The entry by its prefix today, else (a report written
/// before the entry's range or evidence was edited) by its reason. None:
/// no entry of today's file matches.
fn split_xfail(exps: &Expectations, id: &str, release: &str, message: &str) -> Option<(String, String)> {
    for x in exps.find(id, release) {
        if let Some(rest) = message.strip_prefix(&x.xfail_prefix()) {
            return Some((x.id.clone(), rest.to_string()));
        }
    }
    if !message.starts_with("known deviation on kernels ") {
        return None;
    }
    for x in exps.find(id, release) {
        let marker = format!(" ({}; evidence: ", x.reason);
        if let Some(p) = message.find(&marker) {
            if let Some(q) = message[p + marker.len()..].find("): ") {
                return Some((x.id.clone(), message[p + marker.len() + q + 3..].to_string()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TrialResult;

    fn skip(message: &str, missing: &[&str]) -> SkipCause {
        skip_of(message, &missing.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn old_skip_messages_read_by_kind() {
        assert_eq!(skip("io_uring unavailable: kernel.io_uring_disabled = 2", &[]), SkipCause::unavailable());
        let s = skip("kernel lacks op.read, setup.sqpoll", &["op.read", "setup.sqpoll"]);
        assert_eq!((s.kind, s.kernel.len()), (SkipKind::Kernel, 2));
        let s = skip("environment lacks env.nullblk_poll (null_blk poll_queues=1)", &["env.nullblk_poll"]);
        assert_eq!((s.kind, s.environment.as_slice()), (SkipKind::Environment, ["env.nullblk_poll".to_string()].as_slice()));
        let s = skip(
            "kernel lacks op.nop; the probe could not tell whether the kernel has op.read (why); environment lacks env.root (root)",
            &["op.nop", "op.read", "env.root"],
        );
        assert_eq!(s.kind, SkipKind::Kernel, "the kernel's verdict decides");
        assert_eq!((s.kernel, s.undetermined, s.environment), (vec!["op.nop".to_string()], vec!["op.read".to_string()], vec!["env.root".to_string()]));
        let s = skip("the probe could not tell whether the kernel has op.read (RLIMIT_NOFILE too small)", &["op.read"]);
        assert_eq!(s.kind, SkipKind::Undetermined);
    }

    /// An old xfail gets its entry's ID and keeps the failure alone;
    /// a result with a typed verdict is left as it is.
    #[test]
    fn old_xfail_messages_name_their_entry() {
        let exps = Expectations::builtin();
        let x = exps.entry("timeouts/timens-abs-monotonic").expect("the entry");
        // The committed reports are typed now: one of them, given an old
        // result beside a typed one.
        let mut report: RunReport = serde_json::from_str(include_str!("../../reports/runs/7.0.13+deb13-amd64.json")).expect("a committed report");
        let mut r = TrialResult::of("timeouts/timens-abs-monotonic[default]", Outcome::Xfail, &format!("{}the failure", x.xfail_prefix()));
        let typed = TrialResult { id: "a/b[default]".into(), deviation: Some("e".into()), ..r.clone() };
        r.area = "timeouts".into();
        report.results = vec![r, typed.clone()];
        assert!(needs_upgrade(&report));
        report.kernel.release = "7.0.13+deb13-amd64".into();
        upgrade(&mut report, &exps);
        assert_eq!(report.results[0].deviation.as_deref(), Some("timeouts/timens-abs-monotonic"));
        assert_eq!(report.results[0].message, "the failure");
        assert_eq!(report.results[1], typed);
        assert!(!needs_upgrade(&report));
    }
}
