//! The run report (its types: [`oracle::model`]; documented in
//! docs/report-schema.md, schema docs/run-report.schema.json generated
//! from the types) and the human summary.

use oracle::model::{DeviationSeen, ErratumRan, ExpectationsMode, Machine, Mode, RunReport, Suite, Summary, Virtualization, SCHEMA};
/// The bucket counts ([`oracle::outcome::Tally`]: the one list).
pub use oracle::outcome::Tally;
use oracle::outcome::{Outcome, TrialResult};
use oracle::probe::Probe;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// "1 trial", "2 trials".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The suite's git commit at build time ("-dirty" when tracked files
/// differed from it; "unknown" outside a git checkout).
pub const SUITE_COMMIT: &str = env!("URING_CONFORM_COMMIT");

/// RFC 3339 UTC timestamp.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Where the run happened: a hypervisor flag in /proc/cpuinfo means a VM;
/// /.dockerenv or a container env var means a container.
pub fn virtualization() -> Virtualization {
    let vm = std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|w| w == "hypervisor")))
        .unwrap_or(false);
    let container = std::path::Path::new("/.dockerenv").exists() || std::env::var_os("container").is_some();
    match (vm, container) {
        (true, true) => Virtualization::VmContainer,
        (true, false) => Virtualization::Vm,
        (false, true) => Virtualization::Container,
        (false, false) => Virtualization::None,
    }
}

/// Everything a run report needs beside the results.
pub struct RunInfo<'a> {
    pub label: String,
    pub started: SystemTime,
    pub finished: SystemTime,
    pub jobs: usize,
    /// The recorded deviations and errata the run applied, and whether it
    /// applied them (`run --no-expectations`: not).
    pub exps: &'a oracle::expectations::Expectations,
    pub expectations_applied: bool,
    /// A `run --mutate` report: each mutated result carries `mutation`.
    pub mutate: bool,
    /// The signal that stopped the run early: the results are the trials
    /// that finished before it.
    pub interrupted: Option<i32>,
    /// A snapshot written while the run was still going.
    pub unfinished: bool,
}

/// The run report.
pub fn run_report(probe: &Probe, results: &[TrialResult], info: &RunInfo) -> RunReport {
    RunReport {
        schema: SCHEMA.into(),
        suite: Suite { name: "uring-conform".into(), version: env!("CARGO_PKG_VERSION").into(), commit: SUITE_COMMIT.into() },
        kernel: probe.kernel.clone(),
        machine: Machine {
            label: info.label.clone(),
            arch: std::env::consts::ARCH.into(),
            cpus: oracle::probe::allowed_cpus(),
            virtualization: virtualization(),
        },
        uid: rustix::process::geteuid().as_raw(),
        jobs: info.jobs,
        started: rfc3339(info.started),
        finished: rfc3339(info.finished),
        probe: probe.to_report(),
        results: results.to_vec(),
        summary: Summary::of(results),
        // A mutation run's passes are the unmutated runs': the report is
        // about the checks, not the kernel.
        errata: if info.mutate { vec![] } else { errata_ran(info.exps, results) },
        deviations: if info.mutate {
            vec![]
        } else {
            deviations_seen(info.exps, results, &oracle::expectations::effective_release(&probe.kernel.release, &probe.kernel.version))
        },
        expectations: if info.expectations_applied { ExpectationsMode::Builtin } else { ExpectationsMode::None },
        mode: info.mutate.then_some(Mode::Mutate),
        interrupted: info.interrupted.map(|sig| crate::interrupt::name(sig).to_string()),
        unfinished: info.unfinished,
    }
}

/// The documentation errata that trials of this run asserted (the kernel
/// is right, the man page is stale: a passing trial asserts it), each with
/// those trials. Kept apart from kernel deviations.
pub fn errata_ran(exps: &oracle::expectations::Expectations, results: &[TrialResult]) -> Vec<ErratumRan> {
    exps.erratum
        .iter()
        .filter_map(|e| {
            let ran: Vec<String> = results.iter().filter(|r| r.outcome == Outcome::Pass && r.erratum.as_ref() == Some(&e.id)).map(|r| r.id.clone()).collect();
            (!ran.is_empty()).then(|| ErratumRan { erratum: e.clone(), ran })
        })
        .collect()
}

/// The errata section of the human summary (empty when no trial of an
/// erratum ran).
pub fn errata_summary(exps: &oracle::expectations::Expectations, results: &[TrialResult]) -> String {
    let list = errata_ran(exps, results);
    if list.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "
documentation errata (the kernel is right and the man page stale; the cases assert the kernel):
",
    );
    for ErratumRan { erratum: e, ran } in &list {
        out += &format!("  {}: says \"{}\"; the kernel: {} ({} trials). Proposed: {}\n", e.page, e.says, e.kernel, ran.len(), e.correction);
    }
    out
}

/// The recorded deviations that this run's xfail trials matched (their
/// `deviation`), in file order, each with its upstream status against
/// `release` (an effective release,
/// [`oracle::expectations::effective_release`]).
pub fn deviations_seen(exps: &oracle::expectations::Expectations, results: &[TrialResult], release: &str) -> Vec<DeviationSeen> {
    let mut seen: Vec<(usize, Vec<String>)> = Vec::new();
    for r in results.iter().filter(|r| r.outcome == Outcome::Xfail) {
        let hit = r.deviation.as_ref().and_then(|id| exps.expect.iter().position(|x| &x.id == id));
        if let Some(i) = hit {
            match seen.iter_mut().find(|(j, _)| *j == i) {
                Some((_, ran)) => ran.push(r.id.clone()),
                None => seen.push((i, vec![r.id.clone()])),
            }
        }
    }
    seen.sort_by_key(|(i, _)| *i);
    seen.into_iter()
        .filter_map(|(i, ran)| {
            let x = &exps.expect[i];
            let up = x.upstream.clone()?;
            Some(DeviationSeen {
                id: x.id.clone(),
                trial: x.trial.clone(),
                kernels: x.kernels.clone(),
                reason: x.reason.clone(),
                ran,
                intermittent: x.intermittent,
                standing: up.standing(release),
                status: up.status_for(release),
                upstream: up,
            })
        })
        .collect()
}

/// The run summary's list of the known deviations seen, with their
/// upstream status: what an upgrade would fix and what upstream does too.
pub fn deviations_summary(exps: &oracle::expectations::Expectations, results: &[TrialResult], release: &str) -> String {
    let list = deviations_seen(exps, results, release);
    if list.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "
known kernel deviations seen (xfail), with upstream status:
",
    );
    for d in &list {
        out += &format!(
            "  {} ({}): {}
      {}
",
            d.trial,
            if d.intermittent { format!("intermittent, fired in {}", plural_trials(d.ran.len())) } else { plural_trials(d.ran.len()) },
            d.reason,
            d.status
        );
    }
    out
}

fn plural_trials(n: usize) -> String {
    if n == 1 {
        "1 trial".into()
    } else {
        format!("{n} trials")
    }
}

/// The human summary printed at the end of a run.
pub fn human_summary(results: &[TrialResult], wall: Duration) -> String {
    let mut out = String::new();
    let bad: Vec<&TrialResult> = results.iter().filter(|r| r.outcome.is_failure()).collect();
    if !bad.is_empty() {
        out += "\nfailures:\n";
        for r in &bad {
            out += &format!("  {} {}\n", r.outcome.word().to_uppercase(), r.id);
            for l in r.message.lines() {
                out += &format!("      {l}\n");
            }
        }
    }
    let xf: Vec<&TrialResult> = results.iter().filter(|r| r.outcome == Outcome::Xfail).collect();
    if !xf.is_empty() {
        out += "\nexpected failures (known kernel deviations):\n";
        for r in xf {
            out += &format!("  XFAIL {}\n", r.id);
        }
    }
    // Skips grouped by reason, so a reader sees what the kernel lacks.
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in results.iter().filter(|r| r.outcome == Outcome::Skip) {
        *reasons.entry(r.message.as_str()).or_default() += 1;
    }
    if !reasons.is_empty() {
        out += "\nskipped:\n";
        for (why, n) in reasons {
            out += &format!("  {n:>4}  {why}\n");
        }
    }
    // Known deviations get their own column: an xfail is neither a pass
    // nor a new failure.
    let mut areas: std::collections::BTreeMap<&str, Tally> = Default::default();
    for r in results {
        areas.entry(r.area.as_str()).or_default().add(r.outcome);
    }
    out += "\nby area (pass / fail / skip / xfail):\n";
    for (area, t) in areas {
        out += &format!("  {area:<14} {:>5} {:>5} {:>5} {:>5}\n", t.pass, t.fail, t.skip, t.xfail);
    }
    let s = Summary::of(results);
    out += &format!(
        "\nuring-conform: {} passed, {} failed, {} skipped ({}: {} timeout, {} crash, {} error, {} xfail, {} xpass) in {:.1}s\n",
        s.pass,
        s.failed(),
        s.skip,
        plural(results.len(), "trial"),
        s.timeout,
        s.crash,
        s.error,
        s.xfail,
        s.xpass,
        wall.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_000_000)), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
