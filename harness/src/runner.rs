//! The runner: plans trials (case x variant) against the probe, decides
//! skips before anything runs, and runs each trial in its own child process
//! (this binary re-executed for one trial), killed with its process group
//! at the trial's timeout. Trials run on parallel workers; `serial` trials
//! run alone afterwards.

use crate::case::{all_cases, Case, CaseError, Ctx, Variant};
use crate::expectations::Expectations;
use crate::features::Feature;
use crate::kmsg::KmsgWindow;
use crate::outcome::{Outcome, TrialResult};
use crate::probe::Probe;
use crate::report::model::TrialLine;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Names the trial a child process runs.
pub const CHILD_ENV: &str = "URING_CONFORM_TRIAL";
/// The parent's probe JSON, so a child never probes again.
pub const PROBE_ENV: &str = "URING_CONFORM_PROBE";
const RESULT_MARK: &str = "@@uring-conform-result@@";

/// Why a trial is skipped: the features it lacks, or the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub missing: Vec<Feature>,
    pub reason: String,
}

/// A case on one variant.
#[derive(Clone)]
pub struct Trial {
    pub case: &'static Case,
    pub variant: Variant,
    pub id: String,
    pub skip: Option<Skip>,
}

impl Trial {
    /// The features this trial needs: the case's and the variant's.
    pub fn requires(&self) -> Vec<Feature> {
        let mut v: Vec<Feature> = self.case.requires.to_vec();
        for f in self.variant.requires() {
            if !v.contains(f) {
                v.push(*f);
            }
        }
        v
    }
}

/// Which trials to run: every word must select (ID glob or substring),
/// and area and feature filters must match where given.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub filters: Vec<String>,
    pub areas: Vec<String>,
    pub features: Vec<Feature>,
    pub variants: Vec<Variant>,
}

impl Selection {
    pub fn selects(&self, t: &Trial) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| crate::glob::selects(f, &t.id)))
            && (self.areas.is_empty() || self.areas.iter().any(|a| a == t.case.area()))
            && (self.features.is_empty() || self.features.iter().any(|f| t.requires().contains(f)))
            && (self.variants.is_empty() || self.variants.contains(&t.variant))
    }

    /// Filter words that select no trial of the suite at all (a typo, or
    /// a glob the shell expanded).
    pub fn unmatched_filters(&self) -> Vec<String> {
        let ids: Vec<String> = all_cases().iter().flat_map(|c| c.variants.iter().map(move |v| c.trial_id(*v))).collect();
        self.filters.iter().filter(|f| !ids.iter().any(|id| crate::glob::selects(f, id))).cloned().collect()
    }
}

/// The areas the suite has.
pub fn areas() -> Vec<&'static str> {
    let mut a: Vec<&'static str> = all_cases().iter().map(|c| c.area()).collect();
    a.sort_unstable();
    a.dedup();
    a
}

/// Every trial the selection picks, with skips decided from the probe.
pub fn plan(probe: &Probe, sel: &Selection) -> Vec<Trial> {
    let mut out = Vec::new();
    for case in all_cases() {
        for &variant in case.variants {
            let mut t = Trial { case, variant, id: case.trial_id(variant), skip: None };
            if !sel.selects(&t) {
                continue;
            }
            t.skip = skip_reason(probe, &t);
            out.push(t);
        }
    }
    out
}

fn skip_reason(probe: &Probe, t: &Trial) -> Option<Skip> {
    if !probe.available() {
        return Some(Skip { missing: vec![], reason: format!("io_uring unavailable: {}", probe.availability_detail) });
    }
    let missing = probe.missing(&t.requires());
    if missing.is_empty() {
        return None;
    }
    // The environment (privilege, devices, a disposable machine) is named
    // with what provides it, and a feature the environment kept the probe
    // from telling with the reason; only the rest is the kernel's.
    let (env, kernel): (Vec<crate::Feature>, Vec<crate::Feature>) = missing.iter().partition(|f| f.class() == "env");
    let (unknown, kernel): (Vec<crate::Feature>, Vec<crate::Feature>) =
        kernel.iter().partition(|f| matches!(probe.finding(**f), crate::probe::Finding::Undetermined(_)));
    let mut parts = Vec::new();
    if !kernel.is_empty() {
        parts.push(format!("kernel lacks {}", kernel.iter().map(|f| f.id()).collect::<Vec<_>>().join(", ")));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "the probe could not tell whether the kernel has {}",
            unknown.iter().map(|f| format!("{f} ({})", probe.finding(*f).why())).collect::<Vec<_>>().join(", ")
        ));
    }
    if !env.is_empty() {
        parts.push(format!("environment lacks {}", env.iter().map(|f| format!("{} ({})", f.id(), f.info().reference)).collect::<Vec<_>>().join(", ")));
    }
    Some(Skip { reason: parts.join("; "), missing })
}

// ------------------------------------------------------------ child side

/// If this process was started to run one trial (or the probe), runs it, prints the
/// result line and returns the exit code. Call first thing in `main`.
pub fn child_main() -> Option<i32> {
    if let Some(code) = crate::probe::probe_child_main() {
        return Some(code);
    }
    let id = std::env::var(CHILD_ENV).ok()?;
    let probe = std::env::var(PROBE_ENV).ok().and_then(|s| serde_json::from_str(&s).ok()).map(|r| Probe::from_report(&r)).unwrap_or_else(Probe::run_here);
    let (outcome, message) = match find_trial(&id) {
        None => (Outcome::Error, format!("no trial named {id}")),
        Some((case, variant)) => run_in_process(case, variant, &probe),
    };
    let (comparisons, mutated) = crate::mutation::report();
    let line = serde_json::to_string(&TrialLine { outcome, message: clip(&message), comparisons, mutated }).expect("a result line serialises");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n{RESULT_MARK}{line}");
    let _ = out.flush();
    Some(0)
}

/// A trial's message, cut to a size a report can carry (a runaway case
/// could otherwise list thousands of CQEs).
fn clip(m: &str) -> String {
    const MAX: usize = 4000;
    if m.len() <= MAX {
        return m.to_string();
    }
    let cut = (0..=MAX).rev().find(|&i| m.is_char_boundary(i)).unwrap_or(0);
    format!("{} ... ({} more bytes)", &m[..cut], m.len() - cut)
}

fn find_trial(id: &str) -> Option<(&'static Case, Variant)> {
    let (case_id, rest) = id.split_once('[')?;
    let variant = Variant::from_name(rest.strip_suffix(']')?)?;
    let case = all_cases().into_iter().find(|c| c.id == case_id)?;
    case.variants.contains(&variant).then_some((case, variant))
}

/// Runs a case body in this process, turning a panic into an error.
pub fn run_in_process(case: &Case, variant: Variant, probe: &Probe) -> (Outcome, String) {
    let mut cx = Ctx { variant, probe };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (case.run)(&mut cx)));
    match r {
        Ok(Ok(())) => (Outcome::Pass, String::new()),
        Ok(Err(CaseError::Fail(m))) => (Outcome::Fail, m),
        Ok(Err(CaseError::Error(m))) => (Outcome::Error, m),
        Err(p) => {
            let msg =
                p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "non-string panic".into());
            (Outcome::Error, format!("the case panicked (a harness bug): {msg}"))
        }
    }
}

// ------------------------------------------------------------ parent side

/// How to start a child for one trial.
#[derive(Clone)]
pub struct Isolation {
    pub exe: PathBuf,
    pub args: Vec<String>,
    pub probe_json: String,
    /// Watch the kernel log during each trial (root only).
    pub kmsg: bool,
    /// Multiplies every trial's timeout (slow emulated machines).
    pub timeout_scale: f64,
    /// The comparison a mutation run perturbs ([`crate::mutation`]).
    pub mutate: Option<usize>,
}

/// What a trial process said beside its outcome.
#[derive(Clone, Debug, Default)]
pub struct ChildReport {
    /// Comparisons the trial made through the checked helpers.
    pub comparisons: usize,
    /// The perturbation applied, in a mutation run that reached it.
    pub mutated: Option<String>,
}

impl Isolation {
    /// Re-executes the running binary.
    pub fn current(probe: &Probe) -> Isolation {
        Isolation {
            exe: std::env::current_exe().expect("current_exe"),
            args: vec![],
            probe_json: serde_json::to_string(&probe.to_report()).expect("a probe serialises"),
            kmsg: false,
            timeout_scale: 1.0,
            mutate: None,
        }
    }

    /// Runs one trial in a child process and returns its result.
    pub fn run(&self, t: &Trial) -> TrialResult {
        self.run_reporting(t).0
    }

    /// [`Isolation::run`], with what the trial process reported beside
    /// its outcome.
    pub fn run_reporting(&self, t: &Trial) -> (TrialResult, ChildReport) {
        let mut r = TrialResult {
            id: t.id.clone(),
            area: t.case.area().to_string(),
            variant: t.variant.name().to_string(),
            outcome: Outcome::Skip,
            message: String::new(),
            missing: vec![],
            duration_ms: 0.0,
        };
        if let Some(s) = &t.skip {
            r.message = s.reason.clone();
            r.missing = s.missing.iter().map(|f| f.id().to_string()).collect();
            return (r, ChildReport::default());
        }
        let timeout = Duration::from_millis((t.case.timeout_ms as f64 * self.timeout_scale) as u64);
        let mut kmsg = if self.kmsg { KmsgWindow::open() } else { None };
        let start = Instant::now();
        let (outcome, message, report) = self.spawn_and_wait(&t.id, timeout);
        r.duration_ms = (start.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        r.outcome = outcome;
        r.message = message;
        if let Some(k) = kmsg.as_mut() {
            let bad = k.bad_lines();
            if !bad.is_empty() && !r.outcome.is_failure() {
                r.outcome = Outcome::Fail;
                r.message = format!("kernel log during the trial: {}", bad.join(" | "));
            } else if !bad.is_empty() {
                r.message = format!("{}; kernel log: {}", r.message, bad.join(" | "));
            }
        }
        (r, report)
    }

    fn spawn_and_wait(&self, id: &str, timeout: Duration) -> (Outcome, String, ChildReport) {
        let none = ChildReport::default;
        let mut cmd = Command::new(&self.exe);
        cmd.args(&self.args)
            .env(CHILD_ENV, id)
            .env(crate::expect::SCALE_ENV, self.timeout_scale.to_string())
            .env(PROBE_ENV, &self.probe_json)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        die_with_parent(&mut cmd);
        match self.mutate {
            Some(k) => cmd.env(crate::mutation::MUTATE_ENV, k.to_string()),
            None => cmd.env_remove(crate::mutation::MUTATE_ENV),
        };
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return (Outcome::Error, format!("cannot start the trial process {}: {e}", self.exe.display()), none()),
        };
        let pid = child.id() as i32;
        let out = read_all(child.stdout.take());
        let err = read_all(child.stderr.take());
        let status = wait_bounded(&mut child, pid, timeout);
        let timed_out = status.is_none();
        // Kill the whole group: the child on timeout, and anything it left
        // behind either way.
        // SAFETY: signalling our own child's process group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let status = match status {
            Some(s) => s,
            None => match wait_bounded(&mut child, pid, UNKILLABLE_GRACE) {
                Some(s) => s,
                None => {
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
                        Some((Outcome::Pass, _, report)) => (Outcome::Fail, format!("the case passed, but then {stuck}"), report),
                        Some((outcome, message, report)) => (outcome, format!("{message}; then {stuck}"), report),
                        None => (Outcome::Timeout, format!("hang: no result within {} ms, and {stuck}", timeout.as_millis()), none()),
                    };
                }
            },
        };
        let stdout = out.join();
        let stderr = err.join();
        // A trial killed at its timeout never dropped its temp dirs.
        fixtures::remove_leftovers_of(pid as u32);
        if timed_out && crate::interrupt::received().is_some() {
            // Killed because the run was interrupted (wait_bounded stops
            // waiting then): not a verdict.
            return (Outcome::Error, crate::interrupt::CUT_SHORT.to_string(), none());
        }
        let tail = tail_of(&stderr, 1500);
        if timed_out {
            return (
                Outcome::Timeout,
                format!("no result within {} ms; killed{}", timeout.as_millis(), if tail.is_empty() { String::new() } else { format!("; stderr: {tail}") }),
                none(),
            );
        }
        if let Some(sig) = status.signal() {
            return (
                Outcome::Crash,
                format!("killed by signal {sig} ({}){}", signal_name(sig), if tail.is_empty() { String::new() } else { format!("; stderr: {tail}") }),
                none(),
            );
        }
        match parse_result(&stdout) {
            Some(r) => r,
            None => (Outcome::Error, format!("trial process exited with {} and no result; stderr: {tail}", status.code().unwrap_or(-1)), none()),
        }
    }
}

/// A pipe read to its end by a thread; what has arrived so far can be
/// taken without waiting for the end (a process stuck in the kernel keeps
/// its pipes open).
struct Reader {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    done: std::thread::JoinHandle<()>,
}

impl Reader {
    fn join(self) -> String {
        let Reader { buf, done } = self;
        let _ = done.join();
        Reader::text(&buf)
    }
    fn take_now(&self) -> String {
        Reader::text(&self.buf)
    }
    fn text(buf: &std::sync::Mutex<Vec<u8>>) -> String {
        let b = buf.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&b).into_owned()
    }
}

fn read_all<R: Read + Send + 'static>(r: Option<R>) -> Reader {
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let b = buf.clone();
    let done = std::thread::spawn(move || {
        if let Some(mut r) = r {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut b) = b.lock() {
                    b.extend_from_slice(&chunk[..n]);
                }
            }
        }
    });
    Reader { buf, done }
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

/// Makes the child die with this process (PR_SET_PDEATHSIG, set between
/// fork and exec): a runner killed with SIGKILL leaves no trial running.
/// The death signal follows the forking *thread*; the runner's workers
/// live until every trial they started has been reaped. Race-free: a
/// parent that died before the prctl is noticed by getppid.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the forked child before exec and calls
    // only async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// How long a trial killed at its timeout may take to exit before the
/// runner gives up on it (a process stuck in the kernel never does).
pub(crate) const UNKILLABLE_GRACE: Duration = Duration::from_secs(5);

/// Waits for the child up to `timeout`: pidfd + poll where the kernel has
/// pidfd_open (5.3), else short try_wait steps. Stops waiting at once when
/// the run is interrupted.
pub(crate) fn wait_bounded(child: &mut std::process::Child, pid: i32, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    let pidfd = rustix::process::Pid::from_raw(pid).and_then(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok());
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        let now = Instant::now();
        if now >= deadline || crate::interrupt::received().is_some() {
            return None;
        }
        let left = (deadline - now).clamp(Duration::from_millis(1), Duration::from_secs(1));
        match &pidfd {
            // An error or a signal just means: look again.
            Some(fd) => _ = fixtures::poll_in(fd, left),
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn parse_result(stdout: &str) -> Option<(Outcome, String, ChildReport)> {
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix(RESULT_MARK))?;
    let v: TrialLine = serde_json::from_str(line).ok()?;
    Some((v.outcome, v.message, ChildReport { comparisons: v.comparisons, mutated: v.mutated }))
}

pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGKILL => "SIGKILL",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

/// Default parallelism: most trials wait on the kernel, so a few per CPU.
pub fn default_jobs() -> usize {
    (crate::probe::allowed_cpus() * 4).clamp(2, 64)
}

/// Runs trials on `jobs` workers (serial ones alone at the end), applies
/// expectations, and reports each result to `progress` as it arrives.
/// Results come back in plan order.
pub fn run_all(
    trials: &[Trial],
    iso: &Isolation,
    jobs: usize,
    exps: &Expectations,
    release: &str,
    progress: impl FnMut(&TrialResult, usize, usize),
) -> Vec<TrialResult> {
    run_with(trials, jobs, |t| iso.run(t), |r| exps.apply(r, release), progress)
}

/// [`run_all`] under the mutation mode ([`crate::mutation::run_mutated`]).
pub fn run_all_mutated(
    trials: &[Trial],
    iso: &Isolation,
    jobs: usize,
    exps: &Expectations,
    release: &str,
    progress: impl FnMut(&TrialResult, usize, usize),
) -> Vec<TrialResult> {
    run_with(trials, jobs, |t| crate::mutation::run_mutated(t, iso, exps, release), |_| {}, progress)
}

fn run_with(
    trials: &[Trial],
    jobs: usize,
    run: impl Fn(&Trial) -> TrialResult + Sync,
    apply: impl Fn(&mut TrialResult),
    mut progress: impl FnMut(&TrialResult, usize, usize),
) -> Vec<TrialResult> {
    let total = trials.len();
    let mut results: Vec<Option<TrialResult>> = vec![None; total];
    let (parallel, serial): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| !trials[i].case.serial);
    let mut done = 0;
    let mut finish = |i: usize, mut r: TrialResult, results: &mut Vec<Option<TrialResult>>| {
        if r.message == crate::interrupt::CUT_SHORT {
            return;
        }
        apply(&mut r);
        done += 1;
        progress(&r, done, total);
        results[i] = Some(r);
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, TrialResult)>();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(parallel.len().max(1)) {
            let tx = tx.clone();
            let (next, parallel, run) = (&next, &parallel, &run);
            s.spawn(move || loop {
                if crate::interrupt::received().is_some() {
                    break;
                }
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = parallel.get(k) else { break };
                if tx.send((i, run(&trials[i]))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            finish(i, r, &mut results);
        }
    });
    for i in serial {
        if crate::interrupt::received().is_some() {
            break;
        }
        let r = run(&trials[i]);
        finish(i, r, &mut results);
    }
    // After an interrupt: the trials that finished (a partial run).
    results.into_iter().flatten().filter(|r| r.message != crate::interrupt::CUT_SHORT).collect()
}
