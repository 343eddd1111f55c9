//! The runner's process isolation: a hanging trial times out and is
//! killed with its process group, a crashing one is reported as a crash,
//! a result line is parsed, and a trial without one is an error.

use harness::case::{Case, Variant};
use harness::runner::{Isolation, Trial};
use harness::Outcome;
use std::time::Instant;

static CASE: Case =
    Case { id: "selftest/isolation", summary: "", requires: &[], variants: &[Variant::Default], timeout_ms: 300, serial: false, refs: &[], run: |_| Ok(()) };

fn sh(script: &str) -> (Outcome, String, f64) {
    let iso =
        Isolation { exe: "/bin/sh".into(), args: vec!["-c".into(), script.into()], probe_json: "{}".into(), kmsg: false, timeout_scale: 1.0, mutate: None };
    let t = Trial { case: &CASE, variant: Variant::Default, id: "selftest/isolation[default]".into(), skip: None };
    let r = iso.run(&t);
    (r.outcome, r.message, r.duration_ms)
}

#[test]
fn hang_times_out_and_group_is_killed() {
    let t0 = Instant::now();
    // The grandchild would keep the pipes open; the group kill ends it.
    let (o, m, _) = sh("sleep 30 & sleep 30");
    assert_eq!(o, Outcome::Timeout, "{m}");
    assert!(t0.elapsed().as_secs() < 10, "took {:?}", t0.elapsed());
}

#[test]
fn signal_is_a_crash() {
    let (o, m, _) = sh("kill -SEGV $$");
    assert_eq!(o, Outcome::Crash);
    assert!(m.contains("SIGSEGV"), "{m}");
}

#[test]
fn result_line_is_parsed() {
    let (o, m, d) = sh(r#"echo noise; echo '@@uring-conform-result@@{"outcome":"fail","message":"expected 1, got 2","comparisons":1,"mutated":null}'"#);
    assert_eq!(o, Outcome::Fail);
    assert_eq!(m, "expected 1, got 2");
    assert!(d > 0.0);
}

#[test]
fn exit_without_result_is_an_error() {
    let (o, m, _) = sh("echo oops >&2; exit 4");
    assert_eq!(o, Outcome::Error);
    assert!(m.contains("oops"), "{m}");
}
