//! `uring-conform run`: the session, the trials with progress, the
//! summary and the outputs (report, JUnit, KTAP), and the exit status.

use crate::cli::{RunArgs, UsageError};
use anyhow::Context;
use exec::report::{human_summary, plural, run_report, RunInfo, Tally};
use exec::runner::default_jobs;
use exec::session::{Options, Session};
use oracle::features::FEATURES;
use oracle::{Mutation, Outcome, Probe, TrialResult};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Instant, SystemTime};

/// An output file a run will write: refused before the run if it cannot
/// be (a directory, a missing or unwritable parent), so a long run never
/// ends in "cannot write".
fn check_output(opt: &str, p: &Path) -> Result<(), UsageError> {
    let shown = p.display();
    if p.is_dir() {
        return Err(UsageError(format!("{opt} {shown}: is a directory (give a file name)")));
    }
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(UsageError(format!("{opt} {shown}: {} is not a directory", parent.display())));
    }
    // Opening without truncating leaves an existing file as it is until
    // the run writes it; a new one is removed again.
    let existed = p.exists();
    match std::fs::OpenOptions::new().append(true).create(true).open(p) {
        Ok(_) => {
            if !existed {
                let _ = std::fs::remove_file(p);
            }
            Ok(())
        }
        Err(e) => Err(UsageError(format!("{opt} {shown}: cannot be written: {e}"))),
    }
}

pub fn run(a: &RunArgs) -> anyhow::Result<i32> {
    exec::interrupt::install();
    for (opt, path) in [("--json", &a.json), ("--junit", &a.junit)] {
        if let Some(p) = path {
            check_output(opt, p)?;
        }
    }
    let started = SystemTime::now();
    let t0 = Instant::now();
    // Undone when the run returns.
    if a.phases {
        // Before any thread or child exists: the trial processes inherit it.
        std::env::set_var(oracle::phases::PHASES_ENV, "1");
    }
    let session = Session::start(&Options { kmsg: a.kmsg, timeout_scale: a.timeout_scale, expectations: !a.no_expectations, executor: a.executor })
        .map_err(anyhow::Error::msg)?;
    for n in &session.notes {
        eprintln!("uring-conform: {n}");
    }
    let probe = &session.probe;
    if !probe.available() {
        eprintln!("uring-conform: io_uring is unavailable: {}", probe.availability_detail);
    }
    // Not empty: cli::parse refused a selection that picks no trial.
    let trials = session.plan(&a.sel);
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    if a.no_expectations {
        eprintln!("uring-conform: --no-expectations: recorded kernel deviations are not applied (every failure is a failure)");
    }
    let tty = std::io::stderr().is_terminal() && !a.quiet;
    let mut counts = Tally::default();
    // With --json, the report is also written while the run goes (every
    // SNAPSHOT_EVERY, marked unfinished): a run killed by SIGKILL or the
    // OOM killer still leaves the trials it finished.
    let mut finished_so_far: Vec<TrialResult> = Vec::new();
    let mut last_snapshot = Instant::now();
    let label = a.label.clone().unwrap_or_else(hostname);
    let info_for = |unfinished: bool| RunInfo {
        label: label.clone(),
        started,
        finished: SystemTime::now(),
        jobs,
        exps: &session.exps,
        expectations_applied: !a.no_expectations,
        mutate: a.mutate,
        interrupted: exec::interrupt::received(),
        unfinished,
    };
    eprintln!("uring-conform: {} on {} ({})", plural(trials.len(), "trial"), probe.kernel.release, plural(jobs, "job"));
    if a.mutate {
        eprintln!("uring-conform: mutation mode: every running trial must fail once per comparison it makes");
    }
    let progress = |r: &TrialResult, done: usize, total: usize| {
        if let Some(path) = &a.json {
            finished_so_far.push(r.clone());
            if last_snapshot.elapsed() >= SNAPSHOT_EVERY && done < total {
                last_snapshot = Instant::now();
                // A snapshot that cannot be written is said at the end,
                // when the final report is written.
                let _ = write_atomically(path, &report_json(probe, &finished_so_far, &info_for(true)));
            }
        }
        // The same buckets as the summary: xfail apart from pass.
        counts.add(r.outcome);
        let mut err = std::io::stderr().lock();
        // In a mutation run the news is a trial that survived.
        let news = match &r.mutation {
            Some(m) if m.survived() => Some(("SURVIVED".to_string(), m.describe())),
            Some(_) => None,
            None if r.outcome.is_failure() => Some((r.outcome.word().to_uppercase(), r.message.clone())),
            None => None,
        };
        if let Some((word, message)) = news {
            let first = message.lines().next().unwrap_or("");
            let _ = writeln!(err, "{}{word} {}: {first}", if tty { "\r\x1b[K" } else { "" }, r.id);
        }
        if a.quiet {
            return;
        }
        let line = format!("[{done}/{total}] pass {} fail {} skip {} xfail {}", counts.pass, counts.fail, counts.skip, counts.xfail);
        if tty {
            let _ = write!(err, "\r\x1b[K{line} {}", r.id);
            if done == total {
                let _ = writeln!(err);
            }
        } else if done % 100 == 0 || done == total {
            let _ = writeln!(err, "{line}");
        }
    };
    let results = session.run_all(&trials, jobs, a.mutate, progress);
    let wall = t0.elapsed();
    if let Some(sig) = exec::interrupt::received() {
        eprintln!("\nuring-conform: interrupted by {} after {} of {} trials", exec::interrupt::name(sig), results.len(), trials.len());
    }
    let exps = &session.exps;
    let errata = if a.mutate {
        String::new()
    } else {
        exec::report::deviations_summary(exps, &results, &session.release()) + &exec::report::errata_summary(exps, &results)
    };
    if a.mutate {
        // The mode's own summary follows (mutation_verdict): the usual
        // one would count the unmutated runs.
    } else if a.ktap {
        print!("{}", exec::formats::ktap(&results, &probe.kernel.release, &session.exps));
        eprint!("{errata}{}", human_summary(&results, wall));
    } else {
        print!("{errata}{}", human_summary(&results, wall));
    }
    // Each output is written on its own: one that fails does not lose
    // the others.
    let mut write_failed = false;
    let mut write = |path: &Path, what: &str, text: String| match write_atomically(path, &text).with_context(|| format!("cannot write {}", path.display())) {
        Ok(()) => eprintln!("uring-conform: {what} written to {}", path.display()),
        Err(e) => {
            eprintln!("uring-conform: {e:#}");
            write_failed = true;
        }
    };
    if let Some(path) = &a.junit {
        write(path, "JUnit XML", exec::formats::junit(&results, &probe.kernel.release, &session.exps));
    }
    let strict = if a.strict { strict_violations(probe) } else { vec![] };
    for (id, since) in &strict {
        eprintln!("uring-conform: strict: {} is {id}'s documented first version, but the probe lacks it", since);
    }
    if let Some(path) = &a.json {
        write(path, "report", report_json(probe, &results, &info_for(false)));
    }
    if write_failed {
        return Ok(2);
    }
    if let Some(sig) = exec::interrupt::received() {
        return Ok(128 + sig);
    }
    if a.mutate {
        return Ok(mutation_verdict(&results));
    }
    Ok(if !probe.available() {
        3
    } else if results.iter().any(|r| r.outcome.is_failure()) || !strict.is_empty() {
        1
    } else {
        0
    })
}

/// How often a run with --json rewrites its unfinished report.
const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The run report as the file holds it.
fn report_json(probe: &Probe, results: &[TrialResult], info: &RunInfo) -> String {
    serde_json::to_string_pretty(&run_report(probe, results, info)).expect("a run report serialises") + "\n"
}

/// Writes `text` to `path` through a temp file beside it and a rename, so
/// that a reader (or a run killed in the middle of a write) never sees a
/// half-written report.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".uring-conform-report-").tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The mutation mode's verdict: every trial that ran must have noticed
/// every perturbation of its comparisons.
fn mutation_verdict(results: &[TrialResult]) -> i32 {
    let mutated: Vec<(&TrialResult, &Mutation)> = results.iter().filter_map(|r| Some((r, r.mutation.as_deref()?))).collect();
    let survived: Vec<_> = mutated.iter().filter(|(_, m)| m.survived()).collect();
    let unjudged: Vec<_> = mutated.iter().filter(|(_, m)| !m.survived() && !m.all_noticed()).collect();
    // Trials that ran but were not mutated (their unmutated run did not
    // pass or xfail).
    let other: Vec<_> = results.iter().filter(|r| r.mutation.is_none() && r.outcome != Outcome::Skip).collect();
    let noticed: Vec<_> = mutated.iter().filter(|(_, m)| m.all_noticed()).collect();
    if !survived.is_empty() {
        println!("\ntrials that passed with an expectation perturbed (a check that cannot fail):");
        for (r, m) in &survived {
            println!("  {}: {}", r.id, m.describe());
        }
    }
    for (r, m) in &unjudged {
        println!("  UNJUDGED {}: {}", r.id, m.describe());
    }
    for r in &other {
        println!("  {} {}: {}", r.outcome.word().to_uppercase(), r.id, r.message.lines().next().unwrap_or(""));
    }
    let perturbations: usize = noticed.iter().map(|(_, m)| m.perturbations).sum();
    println!(
        "uring-conform: mutation mode: {} trials noticed every one of their {perturbations} perturbations, {} did not, {} could not be mutated",
        noticed.len(),
        survived.len(),
        other.len() + unjudged.len()
    );
    if survived.is_empty() && other.is_empty() && unjudged.is_empty() {
        0
    } else {
        1
    }
}

/// Features whose documented first version is at or below the running
/// kernel's but which the probe found absent (proposals and the
/// environment have no version and are never counted).
fn strict_violations(probe: &Probe) -> Vec<(&'static str, &'static str)> {
    let Some(k) = oracle::features::parse_version(&probe.kernel.release) else { return vec![] };
    FEATURES
        .iter()
        .filter(|f| !f.since.is_empty() && !probe.has(f.feature))
        .filter(|f| oracle::features::parse_version(f.since).is_some_and(|s| s <= k))
        .map(|f| (f.id, f.since))
        .collect()
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "unknown".into())
}
