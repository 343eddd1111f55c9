//! A trial running when the run is interrupted (SIGINT) is killed and has
//! no result: it was not run. It is never reported as a timeout or as a
//! process stuck in the kernel (the runner used to stop waiting for the
//! killed process at once, and took it for one that would not die).
//! Its own test binary: the interrupt flag is process-wide.

use exec::runner::{Isolation, Ran, Trial};
use oracle::case::{Case, Variant};
use std::time::{Duration, Instant};

static CASE: Case = Case {
    id: "selftest/interrupted",
    summary: "",
    requires: &[],
    variants: &[Variant::Default],
    timeout_ms: 60_000,
    serial: false,
    refs: &[],
    run: |_| Ok(()),
};

#[test]
fn a_trial_cut_short_by_sigint_is_not_run() {
    exec::interrupt::install();
    let dir = tempfile::tempdir().unwrap();
    let started = dir.path().join("started");
    let iso = Isolation {
        exe: "/bin/sh".into(),
        args: vec!["-c".into(), format!("touch {}; exec sleep 60", started.display())],
        probe_json: "{}".into(),
        kmsg: false,
        timeout_scale: oracle::timing::Scale::ONE,
        mutate: None,
        // A shell script is no fork server.
        executor: exec::runner::Executor::Exec,
    };
    let t = Trial { case: &CASE, variant: Variant::Default, id: "selftest/interrupted[default]".into(), skip: None };
    let t0 = Instant::now();
    std::thread::scope(|s| {
        let runner = s.spawn(|| iso.run_reporting(&t));
        // The trial process has started once its file exists (bounded).
        while !started.exists() {
            assert!(t0.elapsed() < Duration::from_secs(20), "the trial process never started");
            std::thread::yield_now();
        }
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::INT).unwrap();
        let ran = runner.join().unwrap();
        assert!(matches!(ran, Ran::Interrupted), "got {ran:?}");
    });
    // Well under the 60 s trial and the 5 s grace for a stuck process.
    assert!(t0.elapsed() < Duration::from_secs(4), "took {:?}", t0.elapsed());
}
