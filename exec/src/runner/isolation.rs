//! The parent's side: one child process per trial, in its own process
//! group, killed at the trial's timeout; its result line parsed, a crash or
//! a hang turned into an outcome.

use super::{Trial, CHILD_ENV, PROBE_ENV};
use crate::executor::server::{Server, ServerKey, Waited};
use crate::executor::{kill_group, signal_name, wait_bounded, Line, Output, StopWaiting, UNKILLABLE_GRACE};
use crate::kmsg::KmsgWindow;
use oracle::outcome::{Outcome, TrialResult};
use oracle::probe::Probe;
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How to start a child for one trial.
#[derive(Clone)]
pub struct Isolation {
    pub exe: PathBuf,
    pub args: Vec<String>,
    pub probe_json: String,
    /// Watch the kernel log during each trial (root only).
    pub kmsg: bool,
    /// Multiplies every trial's timeout (slow emulated machines).
    pub timeout_scale: oracle::timing::Scale,
    /// The comparison a mutation run perturbs ([`oracle::mutation`]).
    pub mutate: Option<usize>,
    /// How trial processes start.
    pub executor: Executor,
}

/// How the runner starts a trial's process. Both give the same isolation
/// ([`crate::executor::server`] lists it); they differ in cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Executor {
    /// Forked from a prepared fork server per worker (the default).
    #[default]
    Fork,
    /// This binary exec'd per trial (`run --executor exec`): the reference
    /// the fork server is measured and checked against.
    Exec,
}

impl Executor {
    pub fn from_name(s: &str) -> Option<Executor> {
        match s {
            "fork" => Some(Executor::Fork),
            "exec" => Some(Executor::Exec),
            _ => None,
        }
    }
}

thread_local! {
    /// This worker's fork server, started by its first forked trial, ended
    /// with the thread (and dying with it: [`crate::executor::die_with_parent`]).
    static SERVER: std::cell::RefCell<Option<Server>> = const { std::cell::RefCell::new(None) };
}

/// A started trial process.
enum Proc {
    Exec(std::process::Child),
    /// Its pid, and the server that forked it.
    Fork(Server, i32),
}

impl Proc {
    fn pid(&self) -> i32 {
        match self {
            Proc::Exec(c) => c.id() as i32,
            Proc::Fork(_, pid) => *pid,
        }
    }

    fn wait(&mut self, timeout: Duration, stop: StopWaiting) -> Waited {
        match self {
            Proc::Exec(c) => {
                let pid = c.id() as i32;
                wait_bounded(c, pid, timeout, stop).map_or(Waited::NotYet, Waited::Exited)
            }
            Proc::Fork(s, _) => s.wait(timeout, stop),
        }
    }

    /// Reaped: a fork server goes back to its worker for the next trial.
    fn finish(self) {
        if let Proc::Fork(s, _) = self {
            SERVER.with(|c| *c.borrow_mut() = Some(s));
        }
    }
}

/// What a trial process said beside its outcome.
#[derive(Clone, Debug, Default)]
pub struct ChildReport {
    /// Comparisons the trial made through the checked helpers.
    pub comparisons: usize,
    /// The perturbation applied, in a mutation run that reached it.
    pub mutated: Option<String>,
    /// The perturbed check already failed unmutated (a recorded
    /// deviation's own check).
    pub already_failing: bool,
    /// A timed window was disturbed by the machine ([`oracle::timing`]).
    pub disturbed: bool,
    /// Where the process's time went, in a `run --phases`.
    pub phases: Option<Box<oracle::phases::Phases>>,
}

/// What became of a trial the runner started.
#[derive(Clone, Debug)]
pub enum Ran {
    /// It ran to a result.
    Done(Box<TrialResult>, ChildReport),
    /// The run was interrupted (Ctrl-C, SIGTERM, SIGHUP) while it ran and
    /// the runner killed it: it has no result, it was not run.
    Interrupted,
}

/// What one start of a trial process gave.
enum Spawned {
    Verdict(Outcome, String, ChildReport),
    Interrupted,
}

impl Isolation {
    /// Re-executes the running binary.
    pub fn current(probe: &Probe) -> Isolation {
        Isolation {
            exe: std::env::current_exe().expect("current_exe"),
            args: vec![],
            probe_json: serde_json::to_string(&probe.to_report()).expect("a probe serialises"),
            kmsg: false,
            timeout_scale: oracle::timing::Scale::ONE,
            mutate: None,
            executor: Executor::default(),
        }
    }

    /// Runs one trial in a child process and returns its result; None when
    /// the run was interrupted while it ran (it was not run).
    pub fn run(&self, t: &Trial) -> Option<TrialResult> {
        match self.run_reporting(t) {
            Ran::Done(r, _) => Some(*r),
            Ran::Interrupted => None,
        }
    }

    /// [`Isolation::run`], with what the trial process reported beside
    /// its outcome. A trial whose timed window the machine disturbed is
    /// started again, [`oracle::timing::DISTURBED_TRIES`] times in all; if
    /// every start was disturbed its result is that `error`.
    pub fn run_reporting(&self, t: &Trial) -> Ran {
        self.run_tries(t, oracle::timing::DISTURBED_TRIES)
    }

    /// [`Isolation::run_reporting`] with at most `tries` starts (1: a
    /// disturbed result comes back as it is, `report.disturbed` set, for a
    /// runner that retries it later on a quieter machine).
    pub fn run_tries(&self, t: &Trial, tries: usize) -> Ran {
        let max_tries = tries.max(1);
        let mut r = TrialResult { area: t.case.area().to_string(), variant: t.variant.name().to_string(), ..TrialResult::of(&t.id, Outcome::Skip, "") };
        if let Some(s) = &t.skip {
            r.message = s.reason.clone();
            r.missing = s.missing.iter().map(|f| f.id().to_string()).collect();
            r.skip = Some(Box::new(s.cause.clone()));
            return Ran::Done(Box::new(r), ChildReport::default());
        }
        let timeout = Duration::from_millis((t.case.timeout_ms as f64 * self.timeout_scale.get()) as u64);
        let mut kmsg = if self.kmsg { KmsgWindow::open() } else { None };
        let start = Instant::now();
        let mut tries = 0;
        let (outcome, message, report) = loop {
            tries += 1;
            match self.spawn_and_wait(&t.id, timeout) {
                Spawned::Interrupted => return Ran::Interrupted,
                Spawned::Verdict(_, _, rep) if rep.disturbed && tries < max_tries => continue,
                Spawned::Verdict(o, m, rep) if rep.disturbed && max_tries > 1 => {
                    let how = if o == Outcome::Fail { "late on all" } else { "disturbed on all" };
                    break (o, format!("{m} ({how} {tries} tries)"), rep);
                }
                Spawned::Verdict(o, m, rep) => break (o, m, rep),
            }
        };
        r.duration_ms = (start.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        r.outcome = outcome;
        r.message = message;
        r.phases = report.phases.clone();
        if let Some(k) = kmsg.as_mut() {
            let bad = k.bad_lines();
            if !bad.is_empty() && !r.outcome.is_failure() {
                r.outcome = Outcome::Fail;
                r.message = format!("kernel log during the trial: {}", bad.join(" | "));
            } else if !bad.is_empty() {
                r.message = format!("{}; kernel log: {}", r.message, bad.join(" | "));
            }
        }
        Ran::Done(Box::new(r), report)
    }

    /// The variables that make a process this trial's: which trial, the
    /// timing scale, the mutation target (removed when none) and, in a
    /// `run --phases`, the start stamp. The probe travels separately (in
    /// an exec'd trial's environment; a fork server holds it).
    fn trial_env(&self, id: &str) -> Vec<(String, Option<String>)> {
        let mut env = vec![
            (CHILD_ENV.to_string(), Some(id.to_string())),
            (oracle::timing::SCALE_ENV.to_string(), Some(self.timeout_scale.get().to_string())),
            (oracle::mutation::MUTATE_ENV.to_string(), self.mutate.map(|k| k.to_string())),
        ];
        if oracle::phases::enabled() {
            env.push((oracle::phases::SPAWNED_ENV.to_string(), Some(oracle::phases::now_ns().to_string())));
        }
        env
    }

    /// Starts the trial's process, by the chosen executor, with its stdout
    /// and stderr being read.
    fn start(&self, id: &str) -> Result<(Proc, Output, Output), String> {
        match self.executor {
            Executor::Exec => {
                let mut cmd = crate::executor::command(&self.exe, &self.args, Stdio::piped());
                cmd.env(PROBE_ENV, &self.probe_json);
                for (k, v) in self.trial_env(id) {
                    match v {
                        Some(v) => cmd.env(k, v),
                        None => cmd.env_remove(k),
                    };
                }
                let mut child = cmd.spawn().map_err(|e| format!("cannot start the trial process {}: {e}", self.exe.display()))?;
                let out = Output::read(child.stdout.take());
                let err = Output::read(child.stderr.take());
                Ok((Proc::Exec(child), out, err))
            }
            Executor::Fork => {
                let pipe = || rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| format!("cannot make the trial's pipes: {e}"));
                let (out_r, out_w) = pipe()?;
                let (err_r, err_w) = pipe()?;
                // This worker's server, if it serves this run; a server that
                // died since its last trial is noticed here and replaced
                // once: the trial was not started, so it is not a verdict.
                let mut kept = SERVER.with(|s| s.borrow_mut().take()).filter(|s| s.serves(&self.exe, &self.args, &self.probe_json));
                let (server, pid) = loop {
                    let fresh = kept.is_none();
                    let mut server = match kept.take() {
                        Some(s) => s,
                        None => Server::spawn(ServerKey { exe: self.exe.clone(), args: self.args.clone(), probe_json: self.probe_json.clone() }, PROBE_ENV)
                            .map_err(|e| format!("cannot start the fork server {}: {e}", self.exe.display()))?,
                    };
                    match server.start(self.trial_env(id), out_w.as_fd(), err_w.as_fd()) {
                        Ok(pid) => break (server, pid),
                        Err(why) if fresh => return Err(why),
                        Err(_) => continue,
                    }
                };
                drop((out_w, err_w));
                Ok((Proc::Fork(server, pid), Output::read(Some(std::fs::File::from(out_r))), Output::read(Some(std::fs::File::from(err_r)))))
            }
        }
    }

    fn spawn_and_wait(&self, id: &str, timeout: Duration) -> Spawned {
        use Spawned::Verdict;
        let none = ChildReport::default;
        let (mut child, out, err) = match self.start(id) {
            Ok(p) => p,
            Err(why) => return Verdict(Outcome::Error, why, none()),
        };
        let pid = child.pid();
        let status = match child.wait(timeout, StopWaiting::OnInterrupt) {
            Waited::Exited(s) => Some(s),
            Waited::NotYet => None,
            Waited::Lost(why) => {
                // The server is gone: the trial died with it (its death
                // signal), or is killed here.
                kill_group(pid);
                fixtures::remove_leftovers_of(pid as u32);
                if crate::interrupt::received().is_some() {
                    return Spawned::Interrupted;
                }
                return Verdict(
                    Outcome::Error,
                    format!("{why} (the trial's executor, not the kernel); trial output: {}", tail_of(&out.take_now(), 1500)),
                    none(),
                );
            }
        };
        let timed_out = status.is_none();
        // Stopped waiting because the run was interrupted: whatever the
        // trial was doing, it gets no verdict (it is killed below).
        let interrupted = timed_out && crate::interrupt::received().is_some();
        // Kill the whole group: the child on timeout, and anything it left
        // behind either way.
        kill_group(pid);
        let status = match status {
            Some(s) => s,
            // Waited out even after an interrupt: a trial killed then is
            // reaped like any other, never taken for one stuck in the kernel.
            None => match child.wait(UNKILLABLE_GRACE, StopWaiting::AtDeadline) {
                Waited::Exited(s) => s,
                Waited::NotYet | Waited::Lost(_) => {
                    // Stuck in the kernel (the exit path waits for requests
                    // that never end): give up on it and go on. Its pipes
                    // stay open, so its output is not waited for either.
                    let stack = std::fs::read_to_string(format!("/proc/{pid}/stack")).ok().filter(|s| !s.trim().is_empty());
                    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
                    let stuck = format!(
                        "the trial process did not exit within {} ms of SIGKILL (stuck in the kernel, left behind){}{}",
                        UNKILLABLE_GRACE.as_millis(),
                        if wchan.is_empty() || wchan == "0" { String::new() } else { format!("; wchan {wchan}") },
                        stack.map(|s| format!("; kernel stack: {}", s.lines().take(12).collect::<Vec<_>>().join(" | "))).unwrap_or_default(),
                    );
                    // A verdict it gave before it hung stands, but a trial
                    // whose process the kernel cannot end never passes.
                    return match parse_result(&out.take_now()) {
                        Some((Outcome::Pass, _, report)) => Verdict(Outcome::Fail, format!("the case passed, but then {stuck}"), report),
                        Some((outcome, message, report)) => Verdict(outcome, format!("{message}; then {stuck}"), report),
                        None if interrupted => Spawned::Interrupted,
                        None => Verdict(Outcome::Timeout, format!("hang: no result within {} ms, and {stuck}", timeout.as_millis()), none()),
                    };
                }
            },
        };
        child.finish();
        let stdout = out.join();
        let stderr = err.join();
        // A trial killed at its timeout never dropped its temp dirs.
        fixtures::remove_leftovers_of(pid as u32);
        if interrupted {
            // Killed because the run was interrupted: not a verdict.
            return Spawned::Interrupted;
        }
        let tail = tail_of(&stderr, 1500);
        if timed_out {
            return Verdict(
                Outcome::Timeout,
                format!("no result within {} ms; killed{}", timeout.as_millis(), if tail.is_empty() { String::new() } else { format!("; stderr: {tail}") }),
                none(),
            );
        }
        if let Some(sig) = status.signal() {
            return Verdict(
                Outcome::Crash,
                format!("killed by signal {sig} ({}){}", signal_name(sig), if tail.is_empty() { String::new() } else { format!("; stderr: {tail}") }),
                none(),
            );
        }
        let code = status.code().unwrap_or(-1);
        match parse_result(&stdout) {
            // The child exits 0 right after its result line: anything else
            // (a thread calling exit, a destructor failing) happened after
            // the verdict, which is then not to be trusted.
            Some((o, m, _)) if code != 0 => {
                Verdict(Outcome::Error, format!("trial process gave a result ({}: {m}) but then exited with {code}; stderr: {tail}", o.word()), none())
            }
            Some((o, m, rep)) => Verdict(o, m, rep),
            None => Verdict(Outcome::Error, format!("trial process exited with {code} and no result (or a broken result line); stderr: {tail}"), none()),
        }
    }
}

fn tail_of(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.len() <= n {
        return s.to_string();
    }
    let mut start = s.len() - n;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &s[start..])
}

/// The trial's verdict: the last protocol line of its stdout, which must
/// be a trial's. None (the harness's error) when there is none, or when
/// any protocol line is broken or another job's.
fn parse_result(stdout: &str) -> Option<(Outcome, String, ChildReport)> {
    let mut last = None;
    for l in stdout.lines() {
        match crate::executor::parse(l) {
            Ok(None) => {}
            Ok(Some(Line::Trial(v))) => last = Some(v),
            Ok(Some(Line::Probe(_))) | Err(_) => return None,
        }
    }
    let v = last?;
    Some((
        v.outcome,
        v.message,
        ChildReport {
            comparisons: v.comparisons,
            mutated: v.mutated,
            already_failing: v.already_failing,
            disturbed: v.disturbed,
            phases: v.phases.map(Box::new),
        },
    ))
}

#[cfg(test)]
mod tests {
    //! The parent's reading of a trial's stdout: only a whole, last
    //! protocol line of a trial is a verdict; anything broken is none (the
    //! harness's error, never a pass).
    use super::*;
    use crate::executor::MARK;

    fn line(json: &str) -> String {
        format!("{MARK}{json}")
    }
    const PASS: &str = r#"{"trial":{"outcome":"pass","message":"","comparisons":2,"mutated":null}}"#;

    #[test]
    fn a_whole_trial_line_is_the_verdict() {
        let (o, m, rep) = parse_result(&format!("noise\n{}\n", line(PASS))).expect("a verdict");
        assert_eq!((o, m.as_str(), rep.comparisons, rep.already_failing, rep.disturbed), (Outcome::Pass, "", 2, false, false));
        let typed = r#"{"trial":{"outcome":"xfail","message":"m","comparisons":1,"mutated":"c #0","already_failing":true,"disturbed":true}}"#;
        let (o, _, rep) = parse_result(&line(typed)).expect("a verdict");
        assert_eq!((o, rep.mutated.as_deref(), rep.already_failing, rep.disturbed), (Outcome::Xfail, Some("c #0"), true, true));
    }

    #[test]
    fn truncated_garbled_or_foreign_lines_are_no_verdict() {
        let full = line(PASS);
        for cut in [MARK.len(), MARK.len() + 1, full.len() / 2, full.len() - 1] {
            assert!(parse_result(&full[..cut]).is_none(), "truncated at {cut}: {:?}", &full[..cut]);
        }
        for bad in [
            format!("{full} trailing"),
            line(r#"{"trial":{"outcome":"passed","message":"","comparisons":0,"mutated":null}}"#),
            line(r#"{"trial":{"outcome":"pass","message":"","mutated":null}}"#),
            line(r#"{"trial":{"outcome":"pass","message":"","comparisons":0,"mutated":null,"extra":1}}"#),
            line(r#"{"probe":{"start":"op.nop"}}"#),
            line("\u{0}\u{1b}[2J"),
            // A good verdict, then a broken line: the last word is broken.
            format!("{full}\n{}", &full[..full.len() - 3]),
            // A good verdict after a broken line: the stream is not to be trusted.
            format!("{}\n{full}", line("{")),
        ] {
            assert!(parse_result(&bad).is_none(), "{bad:?}");
        }
        assert!(parse_result("").is_none(), "no line at all");
        assert!(parse_result(&PASS.replace('\n', "")).is_none(), "JSON without the marker is the case's own output");
    }
}
