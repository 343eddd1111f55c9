//! The trial's side: a child process started for one trial runs it
//! against the parent's probe and prints one result line.

use super::{CHILD_ENV, PROBE_ENV};
use oracle::case::{all_cases, Case, CaseError, Ctx, Variant};
use oracle::model::TrialLine;
use oracle::outcome::Outcome;
use oracle::probe::Probe;

/// If this process was started to run one trial (or the probe), runs it, prints the
/// result line and returns the exit code. Call first thing in `main`.
pub fn child_main() -> Option<i32> {
    let main_ns = oracle::phases::now_ns();
    if let Some(code) = oracle::exec_helper::helper_main() {
        return Some(code);
    }
    if let Some(code) = crate::executor::probe::child_main() {
        return Some(code);
    }
    if std::env::var_os(crate::executor::server::SERVER_ENV).is_some() {
        // A fork server: the probe read once, the case list built once,
        // then a fork per trial, each running as an exec'd trial would.
        let probe = parent_probe();
        let _ = all_cases();
        return Some(crate::executor::server::serve(|| trial_main(oracle::phases::now_ns(), &probe)));
    }
    std::env::var_os(CHILD_ENV)?;
    Some(trial_main(main_ns, &parent_probe()))
}

/// The parent's probe, never a second one of our own: a probe that does
/// not arrive intact is the harness's error.
fn parent_probe() -> Result<Probe, String> {
    match std::env::var(PROBE_ENV) {
        Ok(s) => {
            serde_json::from_str(&s).map(|r| Probe::from_report(&r)).map_err(|e| format!("harness error: the parent's probe ({PROBE_ENV}) does not parse: {e}"))
        }
        Err(_) => Err(format!("harness error: no probe from the parent ({PROBE_ENV} unset)")),
    }
}

/// Runs the trial [`CHILD_ENV`] names against `probe` and prints its
/// result line; the process's exit code. `main_ns`: when this process's
/// own work began (its `main`, or its fork from the server).
fn trial_main(main_ns: u64, probe: &Result<Probe, String>) -> i32 {
    let id = std::env::var(CHILD_ENV).unwrap_or_default();
    // The scale every wait of the case multiplies by, checked before any.
    let scale = oracle::timing::scale_from_env().map_err(|e| format!("harness error: {e}"));
    let case_start = oracle::phases::now_ns();
    let (outcome, message, disturbed) = match (find_trial(&id), probe, scale) {
        (None, _, _) => (Outcome::Error, format!("no trial named {id}"), false),
        (_, Err(why), _) => (Outcome::Error, why.clone(), false),
        (_, _, Err(why)) => (Outcome::Error, why, false),
        (Some((case, variant)), Ok(probe), Ok(_)) => run_in_process(case, variant, probe),
    };
    let phases = oracle::phases::collect(main_ns, case_start, oracle::phases::now_ns());
    let m = oracle::mutation::report();
    crate::executor::emit(&crate::executor::Line::Trial(TrialLine {
        outcome,
        message: clip(&message),
        comparisons: m.comparisons,
        mutated: m.mutated,
        already_failing: m.already_failing,
        disturbed,
        phases,
    }));
    0
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

/// Runs a case body in this process, turning a panic into an error; the
/// third value says that a timed window was disturbed (an `error` the
/// runner retries, see [`oracle::timing`]).
pub fn run_in_process(case: &Case, variant: Variant, probe: &Probe) -> (Outcome, String, bool) {
    let mut cx = Ctx { variant, probe };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (case.run)(&mut cx)));
    match r {
        Ok(Ok(())) => (Outcome::Pass, String::new(), false),
        Ok(Err(CaseError::Fail(m))) => (Outcome::Fail, m, false),
        Ok(Err(CaseError::Error(m))) => (Outcome::Error, m, false),
        Ok(Err(CaseError::Disturbed(m))) => (Outcome::Error, format!("machine too loaded to time this: {m}"), true),
        // Late on this start: a fail if it is late on every start.
        Ok(Err(CaseError::Late(m))) => (Outcome::Fail, m, true),
        Err(p) => {
            let msg =
                p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "non-string panic".into());
            (Outcome::Error, format!("the case panicked (a harness bug): {msg}"), false)
        }
    }
}
