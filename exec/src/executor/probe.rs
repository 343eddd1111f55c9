//! The probe in a child process, step by step, so that a kernel that
//! deviates cannot take the harness down with it: a detection that
//! crashes (a wild pointer from a kernel-written offset) or hangs (a CQE
//! that never comes, a ring exit that never ends) is recorded against its
//! feature, and the probe goes on in a fresh child without that step.
//!
//! Protocol: the child (this binary, with [`PROBE_CHILD_ENV`] naming the
//! steps to skip) sends one [`Line::Probe`] per event ([`super`]): a step
//! starting, a step's finding, and finally the whole probe.

use super::{Line, Output, StopWaiting, UNKILLABLE_GRACE};
use oracle::model::ProbeLine;
use oracle::probe::{Availability, Finding, KernelInfo, Probe, Step};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Set in the probe's child: a comma-separated list of feature ids whose
/// steps are skipped (they ran, or crashed, in an earlier child).
pub const PROBE_CHILD_ENV: &str = "URING_CONFORM_PROBE_CHILD";
/// How long one step may go without an answer. A step takes milliseconds
/// natively and well under a second under TCG; this is a watchdog for a
/// kernel that never answers, not a timed check.
const STEP_WATCHDOG: Duration = Duration::from_secs(60);
/// Self-check of the isolation (tests/cli.rs): `crash:ID` or `hang:ID`
/// makes the child crash or hang at step ID (`crash-after:ID`: crash
/// between steps, once ID has finished), with the watchdog shortened
/// to 1 s (`hang-long:ID`: 30 s, time for a test to kill the parent).
pub const PROBE_SELFTEST_ENV: &str = "URING_CONFORM_PROBE_SELFTEST";

fn watchdog() -> Duration {
    match std::env::var(PROBE_SELFTEST_ENV) {
        Ok(v) if v.starts_with("hang-long:") => Duration::from_secs(30),
        Ok(_) => Duration::from_secs(1),
        Err(_) => STEP_WATCHDOG,
    }
}

/// The child side: runs the probe here if this process is a probe child.
pub fn child_main() -> Option<i32> {
    let skip = std::env::var(PROBE_CHILD_ENV).ok()?;
    let skip: Vec<String> = skip.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    let emit = |line: ProbeLine| super::emit(&Line::Probe(line));
    let selftest = std::env::var(PROBE_SELFTEST_ENV).unwrap_or_default();
    let p = Probe::run_in_process(&skip, &mut |s| match s {
        Step::Start(id) => {
            emit(ProbeLine::Start(id.to_string()));
            if selftest == format!("crash:{id}") {
                std::process::abort();
            }
            if selftest == format!("hang:{id}") || selftest == format!("hang-long:{id}") {
                loop {
                    std::thread::park();
                }
            }
        }
        Step::Done(id, found) => {
            emit(ProbeLine::Done { id: id.to_string(), finding: found.kind(), note: found.why().to_string() });
            if selftest == format!("crash-after:{id}") {
                std::process::abort();
            }
        }
    });
    emit(ProbeLine::Probe(Box::new(p.to_report())));
    Some(0)
}

enum Ending {
    Finished(Box<Probe>),
    /// The child broke the protocol (a marked line that does not parse):
    /// the harness's error, charged to no feature.
    Broken(String),
    /// The child died or went silent; the step it was in, if any.
    Lost {
        step: Option<String>,
        why: String,
    },
}

/// The parent side.
pub fn run() -> Probe {
    // Raised (or found too small) here, in the parent: the probe child
    // and every trial process inherit it.
    if let Err(why) = oracle::envlimits::ensure_memlock() {
        return Probe::unavailable(KernelInfo::current(), Availability::NoMemory, why);
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Probe::unavailable(KernelInfo::current(), Availability::Error, format!("cannot find this program to run the probe in a child: {e}")),
    };
    // Step results from children that did not finish.
    let mut earlier: Vec<(String, Finding)> = Vec::new();
    loop {
        let skip: Vec<&str> = earlier.iter().map(|(id, _)| id.as_str()).collect();
        let before = earlier.len();
        match one_child(&exe, &skip.join(","), &mut earlier) {
            Ending::Finished(p) => {
                let mut p = *p;
                for (id, found) in earlier {
                    p.set(&id, found);
                }
                p.resolve();
                return p;
            }
            Ending::Lost { step: Some(id), why } => {
                earlier.retain(|(d, _)| *d != id);
                // A kernel that does not know a feature refuses it at once;
                // one that crashes or hangs the step took it: broken.
                earlier.push((id, Finding::Broken(format!("the probe step {why} (it ran in a child process; the probe went on without it)"))));
            }
            Ending::Broken(why) => {
                return Probe::unavailable(KernelInfo::current(), Availability::Error, format!("harness error: the probe child {why}"));
            }
            // Lost between steps, after some finished (a ring a step left
            // with requests the kernel holds, dropped at the probe's end):
            // those findings stand, and a fresh child does the rest. The
            // step before the loss keeps the evidence.
            Ending::Lost { step: None, why } if earlier.len() > before => {
                eprintln!("uring-conform: probe: the probe child {why}; going on without the steps it finished");
                if let Some((_, found)) = earlier.last_mut() {
                    let also = format!(" (then the probe child {why})");
                    *found = match std::mem::replace(found, Finding::Present) {
                        Finding::Absent(w) => Finding::Absent(w + &also),
                        Finding::Broken(w) => Finding::Broken(w + &also),
                        Finding::Undetermined(w) => Finding::Undetermined(w + &also),
                        Finding::Present => Finding::Present,
                    };
                }
            }
            Ending::Lost { step: None, why } => {
                return Probe::unavailable(KernelInfo::current(), Availability::Error, format!("the probe {why} outside any step"));
            }
        }
    }
}

/// Runs one probe child; records each finished step in `done`.
fn one_child(exe: &std::path::Path, skip: &str, done: &mut Vec<(String, Finding)>) -> Ending {
    // Its stderr is read too: a child that crashes says why there (a
    // panic, a ring's drop that could not end its requests).
    let mut cmd = super::command(exe, &[], Stdio::piped());
    cmd.env(PROBE_CHILD_ENV, if skip.is_empty() { "," } else { skip });
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Ending::Lost { step: None, why: format!("could not start ({e})") },
    };
    let pid = child.id() as i32;
    let out = Output::read(child.stdout.take());
    let err = Output::read(child.stderr.take());
    let mut current: Option<String> = None;
    // The last step that finished: a child lost between steps is placed
    // after it.
    let mut last_done: Option<String> = None;
    let kill = |child: &mut std::process::Child| {
        super::kill_group(pid);
        // A child stuck in the kernel may never be reaped: wait as for a
        // trial, then leave it (it holds nothing of ours).
        let _ = super::wait_bounded(child, pid, UNKILLABLE_GRACE, StopWaiting::AtDeadline);
    };
    loop {
        match out.next_line(watchdog()) {
            Ok(line) => {
                let v = match super::parse(&line) {
                    Ok(Some(Line::Probe(v))) => v,
                    Ok(None) => continue,
                    Ok(Some(other)) => {
                        kill(&mut child);
                        return Ending::Broken(format!("sent another job's protocol line: {other:?}"));
                    }
                    Err(why) => {
                        kill(&mut child);
                        return Ending::Broken(format!("sent {why}"));
                    }
                };
                match v {
                    ProbeLine::Start(id) => current = Some(id),
                    ProbeLine::Done { id, finding, note } => {
                        last_done = Some(id.clone());
                        done.push((id, Finding::from_kind(finding, note)));
                        current = None;
                    }
                    ProbeLine::Probe(p) => {
                        let _ = child.wait();
                        return Ending::Finished(Box::new(Probe::from_report(&p)));
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill(&mut child);
                return Ending::Lost { step: current, why: format!("hung: no answer within {} s; killed", watchdog().as_secs()) };
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = match child.wait() {
                    Ok(s) => match s.signal() {
                        Some(sig) => format!("crashed: killed by signal {sig} ({})", super::signal_name(sig)),
                        None => format!("crashed: exited with {} without a result", s.code().unwrap_or(-1)),
                    },
                    Err(e) => format!("crashed: {e}"),
                };
                let stderr = err.join_within(Duration::from_secs(2));
                let stderr = stderr.trim();
                let mut why = match (&current, &last_done) {
                    (None, Some(after)) => format!("{why} between steps, after {after} finished"),
                    _ => why,
                };
                if !stderr.is_empty() {
                    // Its first lines: a panic's message comes first, its
                    // backtrace after.
                    let head: String = stderr.lines().take(4).collect::<Vec<_>>().join(" | ").chars().take(600).collect();
                    why = format!("{why}; stderr: {head}");
                }
                return Ending::Lost { step: current, why };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::executor::MARK;

    #[test]
    fn probe_lines_parse_or_are_an_error() {
        assert_eq!(super::super::parse(&format!("{MARK}{{\"probe\":{{\"start\":\"op.nop\"}}}}")), Ok(Some(Line::Probe(ProbeLine::Start("op.nop".into())))));
        for bad in ["{\"probe\":{\"start\":", "{\"probe\":{\"done\":{\"id\":\"op.nop\",\"finding\":\"maybe\",\"note\":\"\"}}}", "{\"probe\":{\"probe\":{}}}"] {
            assert!(super::super::parse(&format!("{MARK}{bad}")).is_err(), "{bad}");
        }
    }

    /// A child that sends a garbled line is a harness error, not a finding
    /// against the step it was in.
    #[test]
    fn a_garbled_line_ends_the_probe_as_a_harness_error() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("child");
        let script = format!("#!/bin/sh\necho '{MARK}{{\"probe\":{{\"start\":\"op.nop\"}}}}'\necho '{MARK}{{\"probe\":{{\"done\":{{\"id\":\"op.n'\nsleep 30\n");
        std::fs::write(&exe, script).unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let mut done = vec![];
        let t0 = std::time::Instant::now();
        match one_child(&exe, "", &mut done) {
            Ending::Broken(why) => assert!(why.contains("broken protocol line"), "{why}"),
            Ending::Finished(_) => panic!("finished"),
            Ending::Lost { step, why } => panic!("lost in {step:?}: {why}"),
        }
        assert!(done.is_empty());
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "the child was killed, not waited out");
    }
}
