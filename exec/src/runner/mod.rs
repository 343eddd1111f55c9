//! The runner: plans trials (case x variant) against the probe, decides
//! skips before anything runs, and runs each trial in its own child process
//! (forked from this worker's fork server, [`crate::executor::server`], or
//! with `--executor exec` this binary re-executed for one trial), killed
//! with its process group at the trial's timeout. Trials run on parallel workers; `serial` trials
//! run alone afterwards.
//!
//! [`plan`] decides what runs and what skips; [`child`] is the trial's
//! side of the process boundary, [`isolation`] the parent's.

mod child;
mod isolation;
mod mutate;
mod plan;

pub use child::{child_main, run_in_process};
pub use isolation::{ChildReport, Executor, Isolation, Ran};
pub use mutate::{run_mutated, run_mutated_judging};
pub use plan::{areas, plan, Selection, Skip, Trial};

use oracle::expectations::Expectations;
use oracle::outcome::TrialResult;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Names the trial a child process runs.
pub const CHILD_ENV: &str = "URING_CONFORM_TRIAL";
/// The parent's probe JSON, so a child never probes again.
pub const PROBE_ENV: &str = "URING_CONFORM_PROBE";

/// Default parallelism: most trials wait on the kernel, so a few per CPU.
pub fn default_jobs() -> usize {
    (oracle::probe::allowed_cpus() * 4).clamp(2, 64)
}

/// Runs trials on `jobs` workers (serial ones alone at the end), applies
/// expectations, and reports each result to `progress` as it arrives.
/// Results come back in plan order. With `mutate`, each trial runs under
/// the mutation mode instead ([`run_mutated`]), which
/// applies the expectations itself and adds its own result
/// ([`oracle::outcome::Mutation`]).
pub fn run_all(
    trials: &[Trial],
    iso: &Isolation,
    jobs: usize,
    exps: &Expectations,
    release: &str,
    mutate: bool,
    progress: impl FnMut(&TrialResult, usize, usize),
) -> Vec<TrialResult> {
    if mutate {
        // A trial some of whose perturbations the machine kept from being
        // judged is run again alone after the parallel phase.
        let attempt = |t: &Trial, alone: bool| match mutate::run_mutated_judging(t, iso, exps, release) {
            Some((r, unjudged)) => Attempt { result: Some(r), retry_alone: unjudged && !alone },
            None => Attempt::of(None),
        };
        run_with(trials, jobs, attempt, |_| {}, progress)
    } else {
        // On the parallel workers a trial starts once; one whose timed
        // window was disturbed (the machine, often its own siblings) is run
        // again alone at the end, with the remaining tries.
        let attempt = |t: &Trial, alone: bool| match iso.run_tries(t, if alone { oracle::timing::DISTURBED_TRIES - 1 } else { 1 }) {
            Ran::Done(r, rep) => Attempt { result: Some(*r), retry_alone: rep.disturbed && !alone },
            Ran::Interrupted => Attempt::of(None),
        };
        run_with(trials, jobs, attempt, |r| exps.apply(r, release), progress)
    }
}

/// One start of a trial by the runner.
struct Attempt {
    /// None: the run was interrupted while it ran (not run).
    result: Option<TrialResult>,
    /// Its timed window was disturbed on a parallel worker: run it again
    /// alone after the parallel phase.
    retry_alone: bool,
}

impl Attempt {
    fn of(result: Option<TrialResult>) -> Attempt {
        Attempt { result, retry_alone: false }
    }
}

/// Runs `run(trial, alone)` for every trial: the parallel ones on `jobs`
/// workers, then the serial ones and those that asked to be retried
/// alone, one at a time.
fn run_with(
    trials: &[Trial],
    jobs: usize,
    run: impl Fn(&Trial, bool) -> Attempt + Sync,
    apply: impl Fn(&mut TrialResult),
    mut progress: impl FnMut(&TrialResult, usize, usize),
) -> Vec<TrialResult> {
    let total = trials.len();
    let mut results: Vec<Option<TrialResult>> = vec![None; total];
    let (parallel, mut serial): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| !trials[i].case.serial);
    let mut done = 0;
    // A trial the interrupt cut short has no result: it was not run.
    let mut finish = |i: usize, r: Option<TrialResult>, results: &mut Vec<Option<TrialResult>>| {
        let Some(mut r) = r else { return };
        apply(&mut r);
        done += 1;
        progress(&r, done, total);
        results[i] = Some(r);
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Attempt)>();
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
                if tx.send((i, run(&trials[i], false))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, a) in rx {
            if a.retry_alone {
                serial.push(i);
            } else {
                finish(i, a.result, &mut results);
            }
        }
    });
    for i in serial {
        if crate::interrupt::received().is_some() {
            break;
        }
        let a = run(&trials[i], true);
        finish(i, a.result, &mut results);
    }
    // After an interrupt: the trials that finished (a partial run).
    results.into_iter().flatten().collect()
}
