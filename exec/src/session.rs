//! One run of the suite on this kernel, however it is driven: the CLI's
//! `probe`, `list` and `run`, and `cargo test` (cases/tests/conformance.rs)
//! all start a [`Session`], which checks the fd limit, prepares the
//! environment, probes, and holds the isolation and the expectations the
//! trials run under. Dropping it undoes the prepared environment.

use crate::runner::{Isolation, Selection, Trial};
use oracle::envsetup::EnvSetup;
use oracle::expectations::Expectations;
use oracle::features::Feature;
use oracle::outcome::TrialResult;
use oracle::probe::Probe;

/// How a session runs its trials.
#[derive(Clone, Debug)]
pub struct Options {
    /// Watch the kernel log during each trial (needs a readable /dev/kmsg).
    pub kmsg: bool,
    /// Multiplies every trial's timeout (slow emulated machines).
    pub timeout_scale: oracle::timing::Scale,
    /// Apply the recorded deviations and errata (`run --no-expectations`:
    /// not).
    pub expectations: bool,
    /// How trial processes start ([`crate::runner::Executor`]).
    pub executor: crate::runner::Executor,
}

impl Default for Options {
    fn default() -> Options {
        Options { kmsg: false, timeout_scale: oracle::timing::Scale::ONE, expectations: true, executor: crate::runner::Executor::default() }
    }
}

pub struct Session {
    /// Undone when the session is dropped.
    pub env: EnvSetup,
    pub probe: Probe,
    pub iso: Isolation,
    pub exps: Expectations,
    /// What the session could not do as asked, for the run's header
    /// (the environment's notes, a kernel-log oracle that is unavailable).
    pub notes: Vec<String>,
}

impl Session {
    /// Prepares the environment and probes. Err: too few open files to
    /// start trial processes, or a $TMPDIR that cannot hold the run's files
    /// (the machine's problem, said once before anything runs, never a
    /// verdict per trial).
    pub fn start(opts: &Options) -> Result<Session, String> {
        oracle::envlimits::ensure_nofile()?;
        let env = oracle::envsetup::prepare()?;
        let mut notes: Vec<String> = env.notes.iter().map(|n| format!("environment: {n}")).collect();
        // Each detection step in a child process (crate::executor::probe): a
        // step that crashes or hangs on a deviating kernel is recorded
        // against its feature (broken) and the probe goes on.
        let probe = crate::executor::probe::run();
        let mut iso = Isolation::current(&probe);
        iso.timeout_scale = opts.timeout_scale;
        iso.kmsg = opts.kmsg;
        iso.executor = opts.executor;
        if opts.kmsg && !probe.has(Feature::EnvKmsg) {
            notes.push("--kmsg needs a readable /dev/kmsg (root); running without the kernel-log oracle".into());
            iso.kmsg = false;
        }
        let exps = if opts.expectations { Expectations::builtin() } else { Expectations::none() };
        Ok(Session { env, probe, iso, exps, notes })
    }

    /// The trials `sel` picks, each with its skip decided.
    pub fn plan(&self, sel: &Selection) -> Vec<Trial> {
        crate::runner::plan(&self.probe, sel)
    }

    /// One trial in its own process, the expectations applied; None when
    /// the run was interrupted while it ran (not run).
    pub fn run_one(&self, t: &Trial) -> Option<TrialResult> {
        let mut r = self.iso.run(t)?;
        self.exps.apply(&mut r, &self.release());
        Some(r)
    }

    /// The release the expectations compare: Debian's ABI-only release
    /// ("6.1.0-57-amd64") with its package version from uname -v
    /// ([`oracle::expectations::effective_release`]).
    pub fn release(&self) -> String {
        oracle::expectations::effective_release(&self.probe.kernel.release, &self.probe.kernel.version)
    }

    /// Every trial on `jobs` workers, results in plan order
    /// ([`crate::runner::run_all`]); `mutate` runs the self-check instead.
    pub fn run_all(&self, trials: &[Trial], jobs: usize, mutate: bool, progress: impl FnMut(&TrialResult, usize, usize)) -> Vec<TrialResult> {
        crate::runner::run_all(trials, &self.iso, jobs, &self.exps, &self.release(), mutate, progress)
    }
}
